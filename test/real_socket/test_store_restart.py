"""Item: data kept across restarts. `mgm-sim serve` with no Mgm__SqlitePath keeps the EBS's store in
./mgm-ebs.sqlite: a restart in the same directory (after SIGTERM, and after SIGKILL) keeps the pool, the
payouts, the gift queue and the EventSub message-id dedup, read back through the API. `:memory:` is a fresh
store. With MGM_TEST_POSTGRESQL (a ConnectionStrings:PostgreSQL value naming an empty database;
scripts/ci-postgres-stage.sh sets it) every server gets ConnectionStrings__PostgreSQL instead and the same
restarts run on PostgreSQL.
Bounded: 4 server starts, ~20 requests, a few seconds."""
import json, os, signal, sys, uuid
from serve_util import *

mgm_sim = sys.argv[1]
ONLY = ("ebs",)

HELIX_ENV = {"Twitch__HelixApiBaseUrl": start_helix_stub()}   # the gift route asks Helix
POSTGRESQL = os.environ.get("MGM_TEST_POSTGRESQL", "")
if POSTGRESQL:
    HELIX_ENV["ConnectionStrings__PostgreSQL"] = POSTGRESQL

first = Serve(mgm_sim, only=ONLY, env=HELIX_ENV)
out = first.output()
db = os.path.join(first.cwd, "mgm-ebs.sqlite")
if POSTGRESQL:
    check("store: PostgreSQL " in out, "startup does not name the PostgreSQL store:\n%s" % out)
else:
    check("store: SQLite file " + db in out, "startup does not name the default store file %s:\n%s" % (db, out))
ebs = first.ports["ebs"]

dedup_id = str(uuid.uuid4())
status, _, body = enroll(ebs, "viewer-keep", "Keephero", message_id=dedup_id)
check(status == 200, "enrollment -> %d %r" % (status, body))
check(enroll(ebs, "viewer-payout", "Payhero")[0] == 200, "second enrollment failed")
status, _, body = request(ebs, "POST", "/api/e2e/prepare-pending-payout", {"twitchUserId": "viewer-payout"},
                          {"X-MGM-ApiKey": API_KEY})
check(status == 200, "prepare-pending-payout -> %d %r" % (status, body))
payout_id = json.loads(body)["payoutId"]
status, _, body = request(ebs, "POST", "/api/gift-requests", {"streamerId": "e2e-ci-broadcaster", "characterName": "Gifthero"},
                          {"Authorization": "Bearer " + viewer_token("viewer-gift")})
check(status in (200, 201), "gift request -> %d %r" % (status, body))
gift_id = json.loads(body)["id"]
check(first.stop() == 0, "first serve did not exit 0 on SIGTERM")
check(POSTGRESQL or os.path.getsize(db) > 0, "no store file after the first run")

def check_kept(server, label):
    port = server.ports["ebs"]
    me = pool_me(port, "viewer-keep")
    check(me.get("isEnrolled") is True and me.get("characterName") == "Keephero", "%s: pool lost: %r" % (label, me))
    status, _, body = request(port, "GET", "/api/payouts/pending", headers={"X-MGM-ApiKey": API_KEY})
    check(status == 200 and payout_id in body.decode(), "%s: pending payout %s lost: %d %r" % (label, payout_id, status, body))
    status, _, body = request(port, "GET", "/api/streamers/e2e-ci-broadcaster/gift-queue",
                              headers={"Authorization": "Bearer " + viewer_token("viewer-gift")})
    check(status == 200 and gift_id in body.decode(), "%s: gift %s lost: %d %r" % (label, gift_id, status, body))

second = Serve(mgm_sim, only=ONLY, cwd=first.cwd, env=HELIX_ENV)
check_kept(second, "after SIGTERM")
# The same chat message id (event.message_id, the dedup key) again, now carrying another viewer: a kept dedup table ignores it.
status, _, _ = enroll(second.ports["ebs"], "viewer-replay", "Replayhero", message_id=dedup_id)
check(status == 200, "duplicate delivery -> %d" % status)
check(pool_me(second.ports["ebs"], "viewer-replay").get("isEnrolled") is False,
      "EventSub dedup lost across the restart: a duplicate message id enrolled a viewer")
second.stop(signal.SIGKILL)

third = Serve(mgm_sim, only=ONLY, cwd=first.cwd, env=HELIX_ENV)
check_kept(third, "after SIGKILL")
check(third.stop() == 0, "third serve did not exit 0")

if POSTGRESQL:
    print("store restart (PostgreSQL): pool, payout, gift queue and EventSub dedup kept across SIGTERM and SIGKILL restarts")
    sys.exit(0)
# Asked for explicitly: an in-memory store starts empty even in the same directory.
fresh = Serve(mgm_sim, only=ONLY, cwd=first.cwd, env={"Mgm__SqlitePath": ":memory:"})
check("store: in-memory SQLite" in fresh.output(), "no in-memory store line:\n" + fresh.output())
check(pool_me(fresh.ports["ebs"], "viewer-keep").get("isEnrolled") is False, ":memory: store is not fresh")
check(fresh.stop() == 0, "in-memory serve did not exit 0")
print("store restart: pool, payout, gift queue and EventSub dedup kept across SIGTERM and SIGKILL restarts")
