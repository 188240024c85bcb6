#!/usr/bin/env bash
# The soak and fault test: two nodes on one PostgreSQL behind nginx, a bounded mixed load for ten
# minutes (every public surface, GraphQL GET and POST, searches, beacons, comments and reactions,
# an editor writing, approving and correcting, an event stream followed as EventSource does), and
# in the same run two faults: PostgreSQL
# restarted, then one node killed with SIGKILL and started again. It reports requests, errors by
# status, p50/p99 every 30 s, each node's RSS, and checks that every write answered 2xx is still
# there. docs/RELIABILITY.md holds the figures.
#
#   bench/soak.sh                  # ten minutes
#   SECONDS_TOTAL=120 bench/soak.sh   # a shorter try
#
# Everything stays on loopback and ends with the script: PostgreSQL is a cluster of its own
# (initdb under target/soak/, on a free port, so the machine's server is never restarted), the
# nodes and nginx listen on free ports. nginx is installed from the distribution's packages if
# missing; the release binary is built first (or BIN names one). Settings (environment):
# SECONDS_TOTAL (600), ARTICLES (3000), VIEWS (20000). Exits non-zero if a 5xx came outside the
# fault windows or an acknowledged write is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_TOTAL="${SECONDS_TOTAL:-600}"
ARTICLES="${ARTICLES:-3000}"
VIEWS="${VIEWS:-20000}"
WORK="$PWD/target/soak"

# How long after a fault has ended its effects may still show (a node's pool reconnecting, nginx
# trying a node it had marked down again).
SETTLE=15

install() {
  echo "== installing $* from the distribution's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "$@" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
  else sudo apt-get install -y -qq "$@" >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq "$@" >/dev/null; }; fi
}
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { install nginx-light; NGINX=/usr/sbin/nginx; }
PG_BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$PG_BIN/pg_ctl" ] || { echo "bench/soak.sh: PostgreSQL's server binaries are needed (scripts/test installs them)" >&2; exit 1; }

if [ -z "${BIN:-}" ]; then
  echo "== building the release binary" >&2
  cargo build --release --locked -q
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/dateline"
fi

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

rm -rf "$WORK"
mkdir -p "$WORK/media"
PIDS=()
cleanup() {
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
  for pid in "${PIDS[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -d "$WORK/pg/data" ] && pg_run pg_ctl -D "$WORK/pg/data" -m immediate stop >/dev/null 2>&1 || true
}
trap cleanup EXIT

# PostgreSQL refuses to run as root: as root, the cluster belongs to the postgres user.
pg_run() {
  local program="$1"; shift
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$PG_BIN/$program" "$@"; else "$PG_BIN/$program" "$@"; fi
}
PG_PORT="$(free_port)"
mkdir -p "$WORK/pg"
[ "$(id -u)" = 0 ] && chown -R postgres:postgres "$WORK/pg"
pg_run initdb -D "$WORK/pg/data" -U postgres --auth=trust --locale=C.UTF-8 -E UTF8 >/dev/null
pg_start() {
  pg_run pg_ctl -D "$WORK/pg/data" -l "$WORK/pg/server.log" -w \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $WORK/pg -c max_connections=200" start >/dev/null
}
pg_start
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
export RUST_LOG="${RUST_LOG:-warn}"
DATELINE_JWT_SECRET="$(head -c 48 /dev/urandom | base64 | tr -d '\n')"
export DATELINE_JWT_SECRET

echo "== seeding $ARTICLES stories and $VIEWS views" >&2
"$BIN" seed --articles "$ARTICLES" --views "$VIEWS" --media-dir "$WORK/media" >/dev/null
printf '%s' soak-editor-password-1 | "$BIN" user add --email soak-editor@dateline.example --role editor --name Soak >/dev/null

PORTS=("$(free_port)" "$(free_port)")
NODE_PIDS=()
start_node() {
  local n="$1" port="${PORTS[$1]}"
  "$BIN" serve --listen "127.0.0.1:$port" --trusted-proxies 127.0.0.1/32 --media-dir "$WORK/media" \
    --public-url http://soak.example --database-acquire-timeout 1s >>"$WORK/node-$n.log" 2>&1 &
  NODE_PIDS[$n]=$!
  PIDS+=($!)
  for _ in $(seq 1 300); do
    curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && return 0
    kill -0 "${NODE_PIDS[$n]}" 2>/dev/null || { cat "$WORK/node-$n.log" >&2; exit 1; }
    sleep 0.1
  done
  echo "node $n did not become ready" >&2; exit 1
}
start_node 0
start_node 1

NGINX_PORT="$(free_port)"
cat >"$WORK/nginx.conf" <<CONF
worker_processes 1;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 1024; }
http {
  access_log off;
  upstream dateline {
    server 127.0.0.1:${PORTS[0]} max_fails=1 fail_timeout=2s;
    server 127.0.0.1:${PORTS[1]} max_fails=1 fail_timeout=2s;
    keepalive 32;
  }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    client_max_body_size 32m;
    location / {
      proxy_pass http://dateline;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$http_x_forwarded_for;
      proxy_connect_timeout 1s;
      proxy_read_timeout 60s;
      proxy_buffer_size 32k;
      proxy_buffers 8 32k;
      proxy_busy_buffers_size 64k;
      proxy_next_upstream error timeout http_502;
    }
  }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"
URL="http://127.0.0.1:$NGINX_PORT"
for _ in $(seq 1 50); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done

rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo 0; }

echo "== load for $SECONDS_TOTAL s through nginx at $URL" >&2
START="$(now)"
python3 bench/soak_load.py load "$URL" "$SECONDS_TOTAL" "$WORK" &
LOAD_PID=$!
PIDS+=("$LOAD_PID")
at() { sleep "$(awk -v s="$START" -v t="$1" -v n="$(now)" 'BEGIN { d = s + t - n; print (d > 0 ? d : 0) }')"; }
: >"$WORK/faults.csv"

at 60
RSS_START=("$(rss_mb "${NODE_PIDS[0]}")" "$(rss_mb "${NODE_PIDS[1]}")")

at "$((SECONDS_TOTAL * 4 / 10))"
echo "== fault 1: PostgreSQL restarted" >&2
began="$(now)"
pg_run pg_ctl -D "$WORK/pg/data" -m fast -w stop >/dev/null
sleep 5
pg_start
echo "postgres-restart,$began,$(awk -v t="$(now)" -v s="$SETTLE" 'BEGIN { printf "%.3f", t + s }')" >>"$WORK/faults.csv"

at "$((SECONDS_TOTAL * 7 / 10))"
echo "== fault 2: node 2 killed with SIGKILL, started again 5 s later" >&2
RSS_BEFORE_KILL="$(rss_mb "${NODE_PIDS[1]}")"
began="$(now)"
kill -9 "${NODE_PIDS[1]}"
sleep 5
start_node 1
echo "node-sigkill,$began,$(awk -v t="$(now)" -v s="$SETTLE" 'BEGIN { printf "%.3f", t + s }')" >>"$WORK/faults.csv"

at "$((SECONDS_TOTAL - 1))"
RSS_END=("$(rss_mb "${NODE_PIDS[0]}")" "$(rss_mb "${NODE_PIDS[1]}")")
wait "$LOAD_PID"

echo "== checking every acknowledged write" >&2
status=0
CHECK="$(python3 bench/soak_load.py check "$URL" "$WORK")" || status=1
REPORT="$(python3 bench/soak_load.py report "$WORK")" || status=1

RESULTS="$WORK/results.md"
{
  echo "Soak — $SECONDS_TOTAL s, two nodes on PostgreSQL behind nginx, $ARTICLES stories, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "$REPORT"
  echo
  echo "$CHECK"
  echo
  echo "| node | RSS at 60 s | RSS at the end | growth |"
  echo "| --- | --- | --- | --- |"
  echo "| 1 (ran throughout) | ${RSS_START[0]} MB | ${RSS_END[0]} MB | $(awk -v a="${RSS_START[0]}" -v b="${RSS_END[0]}" 'BEGIN { printf "%+.1f %%", (b - a) * 100 / a }') |"
  echo "| 2 (killed at $((SECONDS_TOTAL * 7 / 10)) s) | ${RSS_START[1]} MB | $RSS_BEFORE_KILL MB before the kill, ${RSS_END[1]} MB after its restart | $(awk -v a="${RSS_START[1]}" -v b="$RSS_BEFORE_KILL" 'BEGIN { printf "%+.1f %% before the kill", (b - a) * 100 / a }') |"
} >"$RESULTS"
cat "$RESULTS"
exit "$status"
