#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on 127.0.0.1:${PGPORT:-5432} (initdb into a temporary directory as the
# `postgres` OS user, password "postgres", database mgm) and prints the directory; `stop DIR` stops and removes it.
# Debian's postgresql package puts the binaries under /usr/lib/postgresql/<major>/bin.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "pg-throwaway-cluster: no PostgreSQL server (apt-get install postgresql)" >&2; exit 1; }
port=${PGPORT:-5432}
as_pg() { if [ "$(id -un)" = postgres ]; then "$@"; else su postgres -s /bin/sh -c "$(printf '%q ' "$@")"; fi; }
if [ "${1:-}" = stop ]; then
  as_pg "$bin/pg_ctl" -D "$2/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$2"
  exit 0
fi
dir=$(mktemp -d /tmp/mgm-pg.XXXXXX)
# A failure after this point stops and removes what was started (the caller never learns the directory).
trap 'as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$dir"' ERR
chown postgres "$dir"
echo postgres > "$dir/pw"
chown postgres "$dir/pw"
as_pg "$bin/initdb" -D "$dir/data" -U postgres --pwfile="$dir/pw" -A scram-sha-256 -E UTF8 >/dev/null
as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=on" start >/dev/null
for _ in $(seq 1 50); do "$bin/pg_isready" -h 127.0.0.1 -p "$port" -q && break; sleep 0.2; done
PGPASSWORD=postgres "$bin/psql" -X -h 127.0.0.1 -p "$port" -U postgres -d postgres -qc "CREATE DATABASE mgm" >/dev/null
trap - ERR
echo "$dir"
