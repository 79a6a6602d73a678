#!/usr/bin/env bash
# CI PostgreSQL stage. Starts a throwaway cluster on 127.0.0.1:$PGPORT (default 5432; database mgm,
# user/password postgres, as the reference's CI; scripts/pg-throwaway-cluster.sh), then:
#   1. test_backend with MGM_TEST_POSTGRESQL and MGM_TEST_EBS_STORE=postgresql: the store suite on both
#      engines (same cases) and every EBS route test with the EBS on PostgreSQL
#   2. mgm-sim serve on PostgreSQL + mgm-sim e2e (the Tier A + Tier B choreography), then the data read
#      back from the database after the server exited
#   3. each portable scenario over TCP against serve on PostgreSQL (a fresh database each)
#   4. restart persistence through the API (test/real_socket/test_store_restart.py on PostgreSQL)
#   5. two `serve --only ebs` on one database, racing; invariants checked during and after
#      (test/real_socket/test_pg_two_ebs.py)
#   6. kill -9 under EventSub load, 0 acknowledged enrollments lost (scripts/ci-crash-durability.sh)
# The cluster is stopped and removed on exit. Needs Debian's postgresql package (scripts/install-deps.sh) and
# root or the postgres user (initdb runs as postgres). Steps 2 and 3 use the fixed CI ports 8080, 9051-9054.
#   usage: scripts/ci-postgres-stage.sh [build dir]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
MGM_SIM="$(realpath "$BUILD")/harness/cli/mgm-sim"
[ -x "$MGM_SIM" ] && [ -x "$BUILD/test/test_backend" ] ||
    { echo "ci-postgres-stage: $MGM_SIM or $BUILD/test/test_backend missing (build first)" >&2; exit 1; }
export PGPORT=${PGPORT:-5432}
CLUSTER=$(bash scripts/pg-throwaway-cluster.sh)
trap 'bash scripts/pg-throwaway-cluster.sh stop "$CLUSTER"' EXIT
CONN="Host=127.0.0.1;Port=$PGPORT;Database=mgm;Username=postgres;Password=postgres"
# psql (steps 2-6) reads the same server from libpq's environment.
export PGHOST=127.0.0.1 PGUSER=postgres PGPASSWORD=postgres PGDATABASE=mgm
PATH="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1):$PATH"

fresh_db() { psql -X -q -d postgres -c "DROP DATABASE IF EXISTS mgm WITH (FORCE)" -c "CREATE DATABASE mgm"; }
stage_start=$(date +%s)
step() {
    local name=$1 start
    shift
    start=$(date +%s)
    echo "ci-postgres-stage: ---- $name"
    "$@"
    echo "ci-postgres-stage: $name: $(( $(date +%s) - start )) s"
}

step "store suite on SQLite and PostgreSQL, EBS route tests on PostgreSQL" \
    env MGM_TEST_POSTGRESQL="$CONN" MGM_TEST_EBS_STORE=postgresql "$BUILD/test/test_backend"

e2e_and_read_back() {
    fresh_db
    ConnectionStrings__PostgreSQL="$CONN" bash scripts/ci-real-socket-stage.sh "$MGM_SIM"
    # The server has exited: what it acknowledged is in the database (the e2e run creates one payout).
    local payouts
    payouts=$(psql -X -Atc "SELECT count(*) FROM payout")
    [ "$payouts" -ge 1 ] || { echo "ci-postgres-stage: no payout persisted" >&2; return 1; }
    echo "ci-postgres-stage: $payouts payout(s) persisted after serve exited"
}
step "serve on PostgreSQL + mgm-sim e2e" e2e_and_read_back

portable_scenarios() {
    local file
    for file in $(grep -l '"portable": *true' scenarios/*.json); do
        fresh_db
        echo "ci-postgres-stage: $file over TCP"
        ConnectionStrings__PostgreSQL="$CONN" bash scenarios/run-real.sh "$MGM_SIM" "$file"
    done
}
step "portable scenarios over TCP on PostgreSQL" portable_scenarios

restart_persistence() {
    fresh_db
    MGM_TEST_POSTGRESQL="$CONN" python3 test/real_socket/test_store_restart.py "$MGM_SIM"
}
step "restart persistence through the API" restart_persistence

step "two serve --only ebs on one database, racing" \
    env MGM_TEST_POSTGRESQL="$CONN" python3 test/real_socket/test_pg_two_ebs.py "$MGM_SIM"

crash_durability() {
    fresh_db
    CRASH_POSTGRESQL="$CONN" bash scripts/ci-crash-durability.sh "$MGM_SIM"
}
step "kill -9 under EventSub load" crash_durability

echo "ci-postgres-stage: passed in $(( $(date +%s) - stage_start )) s"
