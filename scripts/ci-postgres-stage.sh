#!/usr/bin/env bash
# CI PostgreSQL stage: a throwaway cluster on 127.0.0.1:5432 (database mgm, user/password postgres, as the
# reference's CI), the PgStore tests against it (including two connections racing check-then-write), the
# real-socket Tier A + Tier B stage with serve on PostgreSQL, and a check that the data outlived that server.
# The cluster is stopped and removed on exit. Needs Debian's postgresql package (scripts/install-deps.sh).
#   usage: scripts/ci-postgres-stage.sh [build dir]      (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
CLUSTER=$(bash scripts/pg-throwaway-cluster.sh)
trap 'bash scripts/pg-throwaway-cluster.sh stop "$CLUSTER"' EXIT
CONN="Host=127.0.0.1;Port=5432;Database=mgm;Username=postgres;Password=postgres"

echo "ci-postgres-stage: PgStore tests"
MGM_TEST_POSTGRESQL="$CONN" "$BUILD/test/test_backend" "[postgresql]"

echo "ci-postgres-stage: serve on PostgreSQL + mgm-sim e2e"
ConnectionStrings__PostgreSQL="$CONN" bash scripts/ci-real-socket-stage.sh "$BUILD/harness/cli/mgm-sim"

# The server has exited: what it acknowledged is in the database (the e2e run creates one payout).
payouts=$(PGPASSWORD=postgres psql -h 127.0.0.1 -U postgres -d mgm -Atc "SELECT count(*) FROM payout")
[ "$payouts" -ge 1 ] || { echo "ci-postgres-stage: no payout persisted" >&2; exit 1; }
echo "ci-postgres-stage: ok ($payouts payout(s) persisted after serve exited)"
