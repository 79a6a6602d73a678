"""Two `mgm-sim serve --only ebs` processes on different ports sharing one PostgreSQL database: concurrent
EventSub enrollments, claims, payout preparations, verify-candidate calls and payout PATCHes sent to both at
once never break the EBS's invariants. The invariants are checked with SQL on the database while the load
runs (a monitor polls) and once more at the end. The queries mirror the invariant checker's rules
(harness/scenario/invariants.cpp, docs/RELIABILITY.md §1) that can be read from the tables alone:
  one_active_payout_per_viewer  at most one Pending/InProgress payout per viewer
  sent_gold_cap                 Sent gold <= 10,000 per viewer
  unique_pool_names             no two viewers hold one character name in the pool
  sent_viewer_left_pool         a viewer with a Sent payout is not in the pool (no winner re-enrolls here)
  terminal_status_is_final      a payout seen Sent/Failed/Cancelled/Expired never changes (monitor's memory)
and, from the load's answers:
  one_payout_per_verified_cycle racing verify-candidate calls for one cycle create at most one payout
  chat_dedup                    one EventSub message id, delivered to both processes, enrolls at most once
  claim_idempotency             one enrollmentRequestId claimed on both processes leaves one pool row

MGM_TEST_POSTGRESQL (a ConnectionStrings:PostgreSQL value) names the server; unset, the test says it is
skipped and passes (scripts/ci-postgres-stage.sh sets it). The test works in a schema of its own.
MGM_TWO_EBS_WRITER_LOCK=false starts both servers with Mgm__PostgreSQLWriterLock=false: the run is then
expected to FAIL (docs/RELIABILITY.md has the measured violations), which shows what the lock prevents.
Bounded: a pair of server starts per round (3 rounds), ~300 requests, about 10 s."""
import json, os, random, signal, subprocess, sys, threading, time, uuid
from serve_util import *


mgm_sim = sys.argv[1]
BASE = os.environ.get("MGM_TEST_POSTGRESQL", "")
if not BASE:
    print("two EBS on one PostgreSQL: SKIPPED (MGM_TEST_POSTGRESQL is unset; scripts/ci-postgres-stage.sh sets it)")
    sys.exit(0)
WRITER_LOCK = os.environ.get("MGM_TWO_EBS_WRITER_LOCK", "true")
ROUNDS = int(os.environ.get("MGM_TWO_EBS_ROUNDS", "3"))
VIEWERS = int(os.environ.get("MGM_TWO_EBS_VIEWERS", "12"))   # per round

# psql reads the same server from the PG* variables (Npgsql keys -> libpq environment).
keys = {k.strip().lower().replace(" ", ""): v.strip() for k, v in
        (part.split("=", 1) for part in BASE.split(";") if "=" in part)}
PSQL_ENV = dict(os.environ, PGHOST=keys.get("host", "127.0.0.1"), PGPORT=keys.get("port", "5432"),
                PGDATABASE=keys.get("database", "postgres"), PGUSER=keys.get("username", keys.get("userid", "postgres")),
                PGPASSWORD=keys.get("password", ""))
SCHEMA = "two_ebs_%d" % os.getpid()


def psql(sql):
    out = subprocess.run(["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-c", sql], env=PSQL_ENV,
                         capture_output=True, text=True, timeout=30)
    check(out.returncode == 0, "psql failed: %s\n%s" % (sql, out.stderr))
    return [line for line in out.stdout.splitlines() if line]


psql("DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s" % (SCHEMA, SCHEMA))
PSQL_ENV["PGOPTIONS"] = "-c search_path=" + SCHEMA   # every later query reads the test's schema
CONNECTION = BASE + ";Search Path=" + SCHEMA

PENDING, IN_PROGRESS, SENT, FAILED = 0, 1, 2, 3
INVARIANT_SQL = """SELECT 'one_active_payout_per_viewer: viewer ' || twitch_user_id || ' has ' || count(*) || ' active payouts'
  FROM payout WHERE status IN (0, 1) GROUP BY twitch_user_id HAVING count(*) > 1
UNION ALL SELECT 'sent_gold_cap: viewer ' || twitch_user_id || ' has ' || sum(gold_amount) || ' gold Sent'
  FROM payout WHERE status = 2 GROUP BY twitch_user_id HAVING sum(gold_amount) > 10000
UNION ALL SELECT 'unique_pool_names: "' || character_name || '" held by ' || string_agg(twitch_user_id, ', ')
  FROM pool_member GROUP BY character_name HAVING count(*) > 1
UNION ALL SELECT DISTINCT 'sent_viewer_left_pool: viewer ' || p.twitch_user_id || ' is Sent and in the pool'
  FROM payout p JOIN pool_member m ON m.twitch_user_id = p.twitch_user_id WHERE p.status = 2
UNION ALL SELECT 'status ' || id || ' ' || status FROM payout"""

violations = []          # every distinct violation seen (monitor and final check)
violations_lock = threading.Lock()
terminal = {}            # payout id -> terminal status first seen


def note(v):
    with violations_lock:
        if v not in violations:
            violations.append(v)


def check_invariants():
    for line in psql(INVARIANT_SQL):
        if line.startswith("status "):
            _, pid, status = line.split(" ")
            status = int(status)
            if pid in terminal and terminal[pid] != status:
                note("terminal_status_is_final: payout %s went from %d to %d" % (pid, terminal[pid], status))
            if status >= SENT:
                terminal.setdefault(pid, status)
        else:
            note(line)


stop_monitor = threading.Event()
monitor_checks = [0]


def monitor():
    try:
        while not stop_monitor.is_set():
            check_invariants()
            monitor_checks[0] += 1
            time.sleep(0.02)
    except SystemExit:   # a failed psql (fail() exits): report it with the rest
        failures.append("the invariant monitor stopped: its query failed")


ENV = {"ConnectionStrings__PostgreSQL": CONNECTION, "Mgm__PostgreSQLWriterLock": WRITER_LOCK,
       "Twitch__HelixApiBaseUrl": start_helix_stub()}


def start_pair():
    """Two servers on one database. A pair per round: the EBS allows the Desktop (API key) 5 calls a minute per
    process (the reference's rate limiter), and each round makes five per process."""
    pair = [Serve(mgm_sim, only=("ebs",), env=ENV), Serve(mgm_sim, only=("ebs",), env=ENV)]
    check(pair[0].ports["ebs"] != pair[1].ports["ebs"], "both servers on one port?")
    for s in pair:
        check("store: PostgreSQL" in s.output(), "serve does not use PostgreSQL:\n" + s.output())
    return pair


def stop_pair(pair):
    for s in pair:
        check(s.alive(), "a server died:\n" + s.output()[-3000:])
        check(s.stop() == 0, "serve did not exit 0 on SIGTERM:\n" + s.output()[-3000:])


failures = []                 # unexpected answers (5xx, transport errors)
answers = {}                  # "METHOD route -> status" -> count, for the summary
answers_lock = threading.Lock()


def call(port, method, path, body=None, headers=None):
    try:
        status, _, data = request(port, method, path, body, headers, timeout=15)
    except Exception as e:
        failures.append("%s %s on :%d: %s" % (method, path, port, e))
        return 0, b""
    route = "/".join("{id}" if len(part) == 36 else part for part in path.split("/"))
    with answers_lock:
        key = "%s %s -> %d" % (method, route, status)
        answers[key] = answers.get(key, 0) + 1
    if status >= 500:
        failures.append("%s %s on :%d -> %d %r" % (method, path, port, status, data[:200]))
    return status, data


def together(*calls):
    """Runs the calls at the same moment (a barrier), each on its own connection; returns their results."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, fn):
        barrier.wait()
        results[i] = fn()
    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(calls)]
    for t in threads: t.start()
    for t in threads: t.join()
    return results


def enroll_on(port, user, name, message_id=None):
    body, headers = chat_delivery(user, "!twgold " + name, message_id)
    return lambda: call(port, "POST", "/api/twitch/eventsub", body, headers)


def claim_on(port, user, name, request_id):
    return lambda: call(port, "POST", "/api/payouts/claim", {"characterName": name, "enrollmentRequestId": request_id},
                        {"Authorization": "Bearer " + viewer_token(user)})


def in_pool(user):
    return psql("SELECT character_name FROM pool_member WHERE twitch_user_id = '%s'"
                % user)


def letters(n):
    return "".join(chr(ord("a") + (n // 26 ** k) % 26) for k in range(5))


start = time.monotonic()
rng = random.Random(15)
desktop = {"X-MGM-ApiKey": API_KEY}
servers = start_pair()   # the first start migrates the schema: the monitor's tables exist from here on
monitor_thread = threading.Thread(target=monitor)
monitor_thread.start()
try:
    for rnd in range(ROUNDS):
        if not servers:
            servers = start_pair()
        A, B = (s.ports["ebs"] for s in servers)
        work = []
        for i in range(VIEWERS):
            n = rnd * 1000 + i
            name, rival_name = "Tw" + letters(n), "Rv" + letters(n)
            v, w = "viewer-%d-%d" % (rnd, i), "rival-%d-%d" % (rnd, i)
            x, y = "dedup-x-%d-%d" % (rnd, i), "dedup-y-%d-%d" % (rnd, i)
            c = "claimer-%d-%d" % (rnd, i)
            shared_id = str(uuid.uuid4())
            request_id = str(uuid.uuid4())
            # One viewer on both servers; a rival taking the same name; one message id carrying two viewers;
            # one claim (one enrollmentRequestId) on both; the claimer and a rival claim racing for one name.
            work.append(lambda v=v, w=w, name=name, x=x, y=y, shared_id=shared_id, c=c, request_id=request_id,
                               rival_name=rival_name: together(
                enroll_on(A, v, name), enroll_on(B, v, name), enroll_on(B, w, name),
                enroll_on(A, x, "Dx" + name[2:], shared_id), enroll_on(B, y, "Dy" + name[2:], shared_id),
                claim_on(A, c, rival_name, request_id), claim_on(B, c, rival_name, request_id),
                claim_on(B, "claim-rival-" + c, rival_name, str(uuid.uuid4()))))
        threads = [threading.Thread(target=fn) for fn in work]
        for t in threads: t.start()
        for t in threads: t.join()
        for i in range(VIEWERS):
            x, y = "dedup-x-%d-%d" % (rnd, i), "dedup-y-%d-%d" % (rnd, i)
            if in_pool(x) and in_pool(y):
                note("chat_dedup: message id enrolled both %s and %s" % (x, y))
            c = "claimer-%d-%d" % (rnd, i)
            rows = psql("SELECT count(*) FROM pool_member WHERE twitch_user_id = '%s'" % c)
            if rows and int(rows[0]) > 1:
                note("claim_idempotency: %s has %s pool rows" % (c, rows[0]))

        holders = [u for u in ("viewer-%d-%d" % (rnd, i) for i in range(VIEWERS)) if in_pool(u)]
        check(len(holders) >= 2, "round %d: fewer than two viewers enrolled: %r" % (rnd, answers))
        winner, verified = holders[0], holders[1]
        # 1. Both servers prepare a payout for the same viewer at once (one active payout per viewer).
        prepare = lambda port: lambda: call(port, "POST", "/api/e2e/prepare-pending-payout", {"twitchUserId": winner},
                                            desktop)
        together(prepare(A), prepare(B))
        # 2. verify-candidate on both at once for one cycle: the candidate set in the database as the draw would
        #    set it; the cycle may make one payout.
        name = in_pool(verified)[0]
        cycle = psql("UPDATE spin_state SET candidate_twitch_user_id = '%s', candidate_character_name = '%s', "
                     "candidate_display_name = '%s', payout_created_for_cycle = 0 RETURNING spin_cycle_id"
                     % (verified, name, verified))[0]
        body = {"schemaVersion": 1, "spinCycleId": cycle, "characterName": name, "online": True,
                "capturedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        verify = lambda port: lambda: call(port, "POST", "/api/roulette/verify-candidate", body, desktop)
        together(verify(A), verify(B))
        made = int(psql("SELECT count(*) FROM payout WHERE twitch_user_id = '%s'" % verified)[0])
        if made > 1:
            note("one_payout_per_verified_cycle: cycle %s made %d payouts for %s" % (cycle, made, verified))
        # 3. PATCH from both: InProgress on both at once (each payout), then Sent on one server and Failed on the
        #    other at once for the prepared one.
        payouts = psql("SELECT id FROM payout WHERE twitch_user_id IN ('%s', '%s') AND status = 0 ORDER BY seq"
                       % (winner, verified))
        check(len(payouts) >= 1, "round %d: no payout to PATCH: %r" % (rnd, answers))
        patch = lambda port, pid, status: lambda: call(port, "PATCH", "/api/payouts/%s/status" % pid,
                                                       {"status": status}, desktop)
        for pid in payouts[:2]:
            together(patch(A, pid, "InProgress"), patch(B, pid, "InProgress"))
        first, second = (A, B) if rng.random() < 0.5 else (B, A)
        together(patch(first, payouts[0], "Sent"), patch(second, payouts[0], "Failed"))
        stop_pair(servers)
        servers = []
finally:
    stop_monitor.set()
    monitor_thread.join()
    for s in servers:
        s.stop(signal.SIGKILL)

check_invariants()   # at the end, on the settled database
elapsed = time.monotonic() - start
counts = psql("SELECT (SELECT count(*) FROM pool_member) || ' pool rows, ' || "
              "(SELECT count(*) FROM payout) || ' payouts (' || (SELECT count(*) FROM payout WHERE status = 2) || "
              "' Sent), ' || (SELECT count(*) FROM chat_dedup) || ' dedup ids'")[0]
print("two EBS on one PostgreSQL (writer lock %s): %d rounds in %.1f s, %s; monitor ran the invariant queries %d "
      "times during the load" % (WRITER_LOCK, ROUNDS, elapsed, counts, monitor_checks[0]))
print("answers: " + ", ".join("%s: %d" % kv for kv in sorted(answers.items())))
if failures:
    print("unexpected answers (%d):\n  %s" % (len(failures), "\n  ".join(failures[:10])), file=sys.stderr)
if violations:
    print("INVARIANTS BROKEN (%d):\n  %s" % (len(violations), "\n  ".join(violations[:20])), file=sys.stderr)
if failures or violations:
    fail("%d invariant violation(s), %d unexpected answer(s)" % (len(violations), len(failures)))
psql("DROP SCHEMA IF EXISTS %s CASCADE" % SCHEMA)
print("two EBS on one PostgreSQL: no invariant broken during or after the load")
