#!/usr/bin/env bash
# EventSub ingestion (bench_eventsub_ingest) side by side with nginx serving a small static file on a high
# loopback port, in one run: the nginx number is the HTTP/1.1-on-loopback ceiling of this machine for the
# same client. Also runs wrk against nginx (an independent client) for comparison. nginx runs from a temp
# config on 127.0.0.1:${NGINX_PORT:-28880} with one worker (like the EBS's single io_context) and is stopped
# on exit. Needs: apt-get install -y nginx-light wrk. The EBS on PostgreSQL runs in the same run when a server
# is at hand: MGM_BENCH_POSTGRESQL (a ConnectionStrings:PostgreSQL value, with PGHOST/PGPORT/PGUSER/PGPASSWORD/
# PGDATABASE naming the same database for psql), or else a throwaway cluster on 127.0.0.1:${PG_BENCH_PORT:-5433}
# (scripts/pg-throwaway-cluster.sh: needs the postgresql package and root); MGM_BENCH_POSTGRESQL=off skips it.
# Usage: bench/run-eventsub-vs-nginx.sh BUILD_DIR [extra bench_eventsub_ingest args, e.g. --smoke]
set -euo pipefail
build=${1:?usage: $0 BUILD_DIR [args]}
shift
port=${NGINX_PORT:-28880}
workers=${NGINX_WORKERS:-1}
dir=$(mktemp -d /tmp/mgm-bench-nginx.XXXXXX)
mkdir -p "$dir/www" "$dir/logs"
printf '{"status":"ok"}\n' > "$dir/www/small.json"
chmod -R a+rX "$dir"
cat > "$dir/nginx.conf" <<CONF
worker_processes $workers;
daemon on;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp_body;
  proxy_temp_path $dir/tmp_proxy;
  fastcgi_temp_path $dir/tmp_fcgi;
  uwsgi_temp_path $dir/tmp_uwsgi;
  scgi_temp_path $dir/tmp_scgi;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$port;
    root $dir/www;
  }
}
CONF
pg_cluster=""
stop_nginx() {
  if [ -f "$dir/nginx.pid" ]; then kill -QUIT "$(cat "$dir/nginx.pid")" 2>/dev/null || true; sleep 0.2; fi
  rm -rf "$dir"
  if [ -n "$pg_cluster" ]; then bash "$(dirname "$0")/../scripts/pg-throwaway-cluster.sh" stop "$pg_cluster"; fi
}
trap stop_nginx EXIT
pg_args=()
pg_conn=${MGM_BENCH_POSTGRESQL:-}
if [ -z "$pg_conn" ] && ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  export PGPORT=${PG_BENCH_PORT:-5433} PGHOST=127.0.0.1 PGUSER=postgres PGPASSWORD=postgres PGDATABASE=mgm
  pg_cluster=$(bash "$(dirname "$0")/../scripts/pg-throwaway-cluster.sh")
  pg_conn="Host=127.0.0.1;Port=$PGPORT;Database=mgm;Username=postgres;Password=postgres"
fi
if [ -n "$pg_conn" ] && [ "$pg_conn" != off ]; then
  PATH="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1):$PATH"
  pg_args=(--postgresql "$pg_conn")
  echo "PostgreSQL $(psql -X -Atc 'SHOW server_version') at ${PGHOST:-?}:${PGPORT:-?} (fsync on, synchronous_commit on)"
else
  echo "PostgreSQL: not measured (MGM_BENCH_POSTGRESQL unset and no throwaway cluster possible)"
fi
nginx -c "$dir/nginx.conf" -p "$dir" -e "$dir/logs/error.log"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/small.json" >/dev/null && break; sleep 0.05; done
echo "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on 127.0.0.1:$port, $workers worker(s); load: $(cut -d' ' -f1-3 /proc/loadavg)"
"$build/bench/bench_eventsub_ingest" --ceiling-url "http://127.0.0.1:$port/small.json" "${pg_args[@]}" "$@"
if command -v wrk >/dev/null; then
  duration=5s
  for a in "$@"; do [ "$a" = "--smoke" ] && duration=1s; done
  echo "wrk -t1 -c16 -d$duration against nginx (independent client):"
  wrk -t1 -c16 -d"$duration" "http://127.0.0.1:$port/small.json" | sed -n '/Requests\/sec/p;/Latency/p'

  # The EBS under wrk + eventsub-wrk.lua, an independent client for the same ingestion: pre-signed distinct
  # enrollments from a file, a fresh WAL database, then every answered request must be an enrolled row.
  ebs_port=${EBS_WRK_PORT:-28081}
  count=150000
  [ "$duration" = 1s ] && count=30000
  "$build/bench/bench_eventsub_ingest" --write-requests "$dir/requests.bin" --messages "$count"
  Mgm__SqlitePath="$dir/wrk.db" Twitch__EventSubSecret=e2e-ci-eventsub-secret \
    "$build/harness/cli/mgm-sim" serve --only ebs --ebs-port "$ebs_port" --quiet > "$dir/serve.log" 2>&1 &
  serve_pid=$!
  for _ in $(seq 100); do grep -q "serve: ready" "$dir/serve.log" && break; sleep 0.05; done
  echo "wrk -t1 -c16 -d$duration -s eventsub-wrk.lua against mgm-sim serve --only ebs (independent client):"
  wrk_out=$(MGM_REQUESTS="$dir/requests.bin" wrk -t1 -c16 -d"$duration" -s "$(dirname "$0")/eventsub-wrk.lua" \
    "http://127.0.0.1:$ebs_port/api/twitch/eventsub")
  kill -TERM "$serve_pid"
  wait "$serve_pid" || { echo "mgm-sim serve did not exit 0"; exit 1; }
  echo "$wrk_out" | sed -n '/Requests\/sec/p;/Latency/p;/wrk summary/p'
  answered=$(echo "$wrk_out" | sed -n 's/^wrk summary: \([0-9]*\) requests, \([0-9]*\) non-2xx.*/\1 \2/p')
  enrolled=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT COUNT(*) FROM pool_member').fetchone()[0])" "$dir/wrk.db")
  set -- $answered
  echo "  EBS under wrk: $1 answered, $2 not 200, $enrolled enrolled rows"
  if [ "$2" != 0 ] || [ "$1" -gt "$count" ] || [ "$enrolled" -lt "$1" ]; then
    echo "FAILED: every answered request must be a distinct enrollment (raise count if wrk ran out)"; exit 1
  fi
fi
