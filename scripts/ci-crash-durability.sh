#!/usr/bin/env bash
# CI crash-durability check (real sockets): `mgm-sim serve --only ebs` on a SQLite file (WAL) or on
# PostgreSQL, driven with signed EventSub "!twgold" chat messages from distinct subscribers by several
# concurrent clients; every enrollment that got its HTTP 200 is recorded. Mid-load the server is killed with
# SIGKILL and restarted on the same store, several rounds. After each restart: the store opens (the server
# starts and answers), every 200-acknowledged enrollment is in the pool (GET /api/pool/me with the user's
# JWT, and the pool_member table), and for SQLite PRAGMA integrity_check is "ok". Lost enrollments must be 0.
#   usage: scripts/ci-crash-durability.sh [path/to/mgm-sim]     (default: build/harness/cli/mgm-sim)
#   env:   ROUNDS (default 3), CLIENTS (concurrent connections, default 4)
#          CRASH_POSTGRESQL: a ConnectionStrings:PostgreSQL value -> the store is that (empty) database, read
#          back with psql (PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE must name the same database)
# Needs python3 (standard library only: http.client, hmac, sqlite3) and, for PostgreSQL, psql.
set -euo pipefail
cd "$(dirname "$0")/.."
MGM_SIM=${1:-${MGM_SIM:-build/harness/cli/mgm-sim}}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-4}
[ -x "$MGM_SIM" ] || { echo "ci-crash-durability: $MGM_SIM not found (build first)" >&2; exit 1; }
command -v python3 > /dev/null || { echo "ci-crash-durability: python3 is required" >&2; exit 1; }

WORK=$(mktemp -d /tmp/mgm-crash-durability.XXXXXX)
DB="$WORK/ebs.db"
ACKS="$WORK/acks.txt"
: > "$ACKS"
SERVER_PID=""
LOAD_PID=""
cleanup() {
    [ -n "$LOAD_PID" ] && kill -KILL "$LOAD_PID" 2>/dev/null || true
    [ -n "$SERVER_PID" ] && kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ "${KEEP_WORK:-}" = "" ] && [ "${FAILED:-}" = "" ]; then rm -rf "$WORK"; fi
}
trap cleanup EXIT
fail() { FAILED=1; echo "ci-crash-durability: FAILED: $*" >&2; echo "ci-crash-durability: work dir kept: $WORK" >&2; exit 1; }

export ASPNETCORE_ENVIRONMENT=Development
if [ -n "${CRASH_POSTGRESQL:-}" ]; then
    command -v psql > /dev/null || { echo "ci-crash-durability: psql is required for CRASH_POSTGRESQL" >&2; exit 1; }
    export ConnectionStrings__PostgreSQL="$CRASH_POSTGRESQL"
    unset Mgm__SqlitePath || true
    STORE_NAME="PostgreSQL ${PGHOST:-}:${PGPORT:-}/${PGDATABASE:-}"
    DB=postgresql
else
    unset ConnectionStrings__PostgreSQL || true
    export Mgm__SqlitePath="$DB"
    STORE_NAME="$DB"
fi
export Twitch__EventSubSecret=crash-durability-secret
unset Twitch__ExtensionSecret Twitch__ExtensionClientId ASPNETCORE_URLS || true

# ---- the load client and the checker (python3 standard library) ----
cat > "$WORK/tool.py" <<'PY'
import base64, hashlib, hmac, http.client, json, os, sqlite3, subprocess, sys, threading, time, uuid

SECRET = os.environ["Twitch__EventSubSecret"].encode()
JWT_KEY = hashlib.sha256(b"mgm-dev-extension-secret-change-me").digest()

def letters(n, width=7):
    out = ""
    for _ in range(width):
        out = chr(ord("a") + n % 26) + out
        n //= 26
    return out

def load(port, round_no, clients, acks_path, max_per_client):
    fd = os.open(acks_path, os.O_WRONLY | os.O_APPEND)
    sent = [0] * clients
    def client(index):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for i in range(max_per_client):
            n = (round_no * 64 + index) * 1_000_000 + i
            user = f"crash-r{round_no}-c{index}-{i}"
            name = "Cd" + letters(n)            # 9 letters, unique per user
            message_id = str(uuid.uuid4())
            timestamp = time.strftime("%Y-%m-%dT%H:%M:%S.000000000Z", time.gmtime())
            body = json.dumps({
                "subscription": {"id": str(uuid.uuid4()), "type": "channel.chat.message", "version": "1",
                                 "status": "enabled"},
                "event": {"broadcaster_user_id": "e2e-ci-broadcaster", "chatter_user_id": user,
                          "chatter_user_login": user, "chatter_user_name": user, "message_id": message_id,
                          "message": {"text": "!twgold " + name},
                          "badges": [{"set_id": "subscriber", "id": "12", "info": "12"}]}},
                separators=(",", ":"))
            signature = "sha256=" + hmac.new(SECRET, (message_id + timestamp + body).encode(), hashlib.sha256).hexdigest()
            headers = {"Content-Type": "application/json", "Twitch-Eventsub-Message-Id": message_id,
                       "Twitch-Eventsub-Message-Timestamp": timestamp,
                       "Twitch-Eventsub-Message-Signature": signature,
                       "Twitch-Eventsub-Message-Type": "notification"}
            try:
                conn.request("POST", "/api/twitch/eventsub", body=body, headers=headers)
                response = conn.getresponse()
                response.read()
            except Exception:
                return   # the server is gone (killed): this request was never acknowledged
            sent[index] += 1
            if response.status != 200:
                print(f"load: unexpected status {response.status} for {user}", file=sys.stderr)
                os._exit(3)
            os.write(fd, f"{user} {name}\n".encode())   # acknowledged: must survive the crash
    threads = [threading.Thread(target=client, args=(c,)) for c in range(clients)]
    for t in threads: t.start()
    for t in threads: t.join()

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

def token(user):
    header = b64url(b'{"alg":"HS256","typ":"JWT"}')
    payload = b64url(json.dumps({"user_id": user, "unique_name": user, "exp": int(time.time()) + 3600},
                                separators=(",", ":")).encode())
    signature = b64url(hmac.new(JWT_KEY, f"{header}.{payload}".encode(), hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"

def verify(port, acks_path, db_path):
    acked = {}
    with open(acks_path) as f:
        for line in f:
            user, name = line.split()
            acked[user] = name
    # 1. Over HTTP, as a viewer would see it (the rate limiter partitions by user: one call each).
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    missing_http = []
    for user, name in acked.items():
        conn.request("GET", "/api/pool/me", headers={"Authorization": "Bearer " + token(user)})
        response = conn.getresponse()
        body = response.read()
        if response.status != 200:
            print(f"verify: GET /api/pool/me for {user} -> {response.status}", file=sys.stderr)
            missing_http.append(user)
            continue
        me = json.loads(body)
        if me != {"isEnrolled": True, "characterName": name}:
            missing_http.append(user)
    # 2. In the store the restarted server opened: the SQLite file (a WAL reader next to it), or PostgreSQL.
    if db_path == "postgresql":
        out = subprocess.run(["psql", "-X", "-At", "-F", " ", "-c", "SELECT twitch_user_id, character_name FROM pool_member"],
                             check=True, capture_output=True, text=True).stdout
        rows = dict(line.split(" ", 1) for line in out.splitlines() if line)
        integrity, journal = [("n/a",)], "n/a"   # PostgreSQL keeps its own WAL: nothing for us to check there
    else:
        db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
        integrity = db.execute("PRAGMA integrity_check").fetchall()
        journal = db.execute("PRAGMA journal_mode").fetchone()[0]
        rows = dict(db.execute("SELECT twitch_user_id, character_name FROM pool_member").fetchall())
        db.close()
    missing_db = [u for u, n in acked.items() if rows.get(u) != n]
    unacked_present = len([u for u in rows if u.startswith("crash-") and u not in acked])
    print(f"acknowledged={len(acked)} in_pool={len(rows)} lost_http={len(missing_http)} lost_db={len(missing_db)} "
          f"committed_but_unacknowledged={unacked_present} integrity={integrity[0][0] if len(integrity) == 1 else integrity} "
          f"journal_mode={journal}")
    ok = not missing_http and not missing_db and (db_path == "postgresql" or (integrity == [("ok",)] and journal == "wal"))
    if not ok:
        print("verify: lost: " + " ".join((missing_http + missing_db)[:20]), file=sys.stderr)
    return 0 if ok else 1

if __name__ == "__main__":
    if sys.argv[1] == "load":
        load(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5], int(sys.argv[6]))
    elif sys.argv[1] == "verify":
        sys.exit(verify(int(sys.argv[2]), sys.argv[3], sys.argv[4]))
    elif sys.argv[1] == "count":
        print(sum(1 for _ in open(sys.argv[2])))
PY

# Starts the EBS on the file; sets SERVER_PID and PORT. Failing to start = the store did not open.
start_server() {
    local log="$WORK/serve-$1.log"
    "$MGM_SIM" serve --only ebs --ebs-port 0 --quiet > "$log" 2>&1 &
    SERVER_PID=$!
    PORT=""
    for _ in $(seq 1 500); do
        if grep -q "mgm-sim serve: ready" "$log"; then
            PORT=$(sed -n 's|.*ebs listening on http://127\.0\.0\.1:\([0-9]*\).*|\1|p' "$log" | head -1)
            break
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || break
        sleep 0.01
    done
    [ -n "$PORT" ] || { cat "$log" >&2; fail "server did not start on $STORE_NAME (start $1)"; }
}

acks_count() { wc -l < "$ACKS" | tr -d " "; }

total_start=$(date +%s)
start_server 0
echo "ci-crash-durability: EBS on 127.0.0.1:$PORT, store $STORE_NAME"
for round in $(seq 1 "$ROUNDS"); do
    before=$(acks_count)
    python3 "$WORK/tool.py" load "$PORT" "$round" "$CLIENTS" "$ACKS" 100000 &
    LOAD_PID=$!
    # Kill somewhere between 150 and ~650 new acknowledgements in, while all clients are mid-request.
    target=$(( before + 150 + RANDOM % 500 ))
    for _ in $(seq 1 3000); do
        [ "$(acks_count)" -ge "$target" ] && break
        kill -0 "$LOAD_PID" 2>/dev/null || break
        sleep 0.01
    done
    kill -0 "$LOAD_PID" 2>/dev/null || fail "load client stopped before the kill (round $round)"
    kill -KILL "$SERVER_PID"
    wait "$SERVER_PID" 2>/dev/null || true
    load_status=0
    wait "$LOAD_PID" || load_status=$?
    LOAD_PID=""
    [ "$load_status" -eq 0 ] || fail "load client failed (exit $load_status) in round $round"
    after=$(acks_count)
    wal=""
    [ "$DB" = postgresql ] || wal=" (WAL $(stat -c %s "$DB-wal" 2>/dev/null || echo 0) bytes)"
    echo "ci-crash-durability: round $round: SIGKILL after $((after - before)) acknowledged enrollments$wal"

    start_server "$round"
    result=$(python3 "$WORK/tool.py" verify "$PORT" "$ACKS" "$DB") || { echo "$result"; fail "round $round: acknowledged enrollments missing or store damaged"; }
    echo "ci-crash-durability: round $round: restarted on the same store: $result"
done

# Clean stop of the last server, then the file on its own.
kill -TERM "$SERVER_PID"
wait "$SERVER_PID" || fail "mgm-sim serve did not stop cleanly on SIGTERM"
SERVER_PID=""
if [ "$DB" != postgresql ]; then
    integrity=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$DB")
    [ "$integrity" = "ok" ] || fail "integrity_check after clean stop: $integrity"
fi
echo "ci-crash-durability: passed ($STORE_NAME): $ROUNDS kill -9 rounds, $(acks_count) acknowledged enrollments, 0 lost$([ "$DB" = postgresql ] || echo ", integrity ok") ($(( $(date +%s) - total_start )) s)"
