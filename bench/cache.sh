#!/usr/bin/env bash
# The read-path benchmark: cached public responses against nginx serving the very same bytes
# from files, on the same machine in the same run (the machine is shared and noisy, so only the
# ratios travel), plus the uncached latest list's latency and the server's memory under load.
#
#   bench/cache.sh                        # SQLite, 100k stories
#   BENCH_ENGINE=postgres bench/cache.sh  # PostgreSQL on 127.0.0.1:5432 (database dateline_bench_cache)
#
# Installs wrk and nginx from the distribution's packages if missing, builds the release binary,
# seeds the corpus once (kept under target/bench-cache-<engine>/; delete it to seed again),
# starts two servers (cache on, and `--cache-mb 0` for the uncached figures) and nginx, and
# prints a table (also written to target/bench-cache-<engine>/results.md). Settings
# (environment): ARTICLES (100000), VIEWS (200000), DURATION (10s), CONNECTIONS (64), THREADS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

ENGINE="${BENCH_ENGINE:-sqlite}"
ARTICLES="${ARTICLES:-100000}"
VIEWS="${VIEWS:-200000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
WORK="$PWD/target/bench-cache-$ENGINE"
BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/dateline"
mkdir -p "$WORK/static"

case "$ENGINE" in
  sqlite) export DATABASE_URL="sqlite://$WORK/dateline.db?mode=rwc" ;;
  postgres) export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dateline_bench_cache}" ;;
  *) echo "BENCH_ENGINE must be sqlite or postgres" >&2; exit 2 ;;
esac
export RUST_LOG="${RUST_LOG:-warn}"

install() {
  echo "== installing $* from the distribution's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq "$@" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$@" >/dev/null; }
  else sudo apt-get install -y -qq "$@" >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq "$@" >/dev/null; }; fi
}
command -v wrk >/dev/null 2>&1 || install wrk
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
[ -x "$NGINX" ] || { install nginx-light; NGINX=/usr/sbin/nginx; }

echo "== building the release binary" >&2
cargo build --release --locked -q

seed_once

cleanup() {
  cleanup_servers
  [ -f "$WORK/nginx.pid" ] && kill "$(cat "$WORK/nginx.pid")" 2>/dev/null || true
}
trap cleanup EXIT

start_server cached
CACHED="$ADDRESS"; CACHED_PID="$PID"
start_server uncached --cache-mb 0
UNCACHED="$ADDRESS"

SLUG="$(curl -sf "$CACHED/api/v1/articles?limit=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')"
SECTION="$(curl -sf "$CACHED/api/v1/sections" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')"
GRAPHQL_QUERY='{ latest(first: 20) { nodes { id slug headline summary publishedAt url section { name slug } authors { name slug role } tags { name slug } leadImage { url width height alt } } pageInfo { hasNextPage endCursor } } }'
GRAPHQL_PATH="/graphql?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$GRAPHQL_QUERY")"

# name|path on Dateline
TARGETS=(
  "article|/api/v1/articles/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$SLUG")"
  "latest|/api/v1/articles"
  "section|/api/v1/articles?section=$SECTION"
  "graphql|$GRAPHQL_PATH"
  "popular|/api/v1/popular"
)

# The same bytes for nginx: each response fetched once, with its content type.
LOCATIONS=""
for target in "${TARGETS[@]}"; do
  name="${target%%|*}"; path="${target#*|}"
  curl -sf -D "$WORK/static/$name.headers" -o "$WORK/static/$name.body" "$CACHED$path"
  type="$(awk -F': ' 'tolower($1) == "content-type" { sub(/\r$/, "", $2); print $2 }' "$WORK/static/$name.headers")"
  LOCATIONS+="    location = /$name { default_type \"$type\"; alias $WORK/static/$name.body; }"$'\n'
done

NGINX_PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$WORK/nginx.conf" <<CONF
worker_processes auto;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
$( [ "$(id -u)" = 0 ] && echo "user root;" )
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  types { }
  server {
    listen 127.0.0.1:$NGINX_PORT;
$LOCATIONS  }
}
CONF
"$NGINX" -c "$WORK/nginx.conf" -p "$WORK"
NGINX_URL="http://127.0.0.1:$NGINX_PORT"
for _ in $(seq 1 50); do curl -sf "$NGINX_URL/latest" >/dev/null && break; sleep 0.1; done
for target in "${TARGETS[@]}"; do
  name="${target%%|*}"
  cmp -s <(curl -sf "$NGINX_URL/$name") "$WORK/static/$name.body" || { echo "nginx does not serve $name's bytes" >&2; exit 1; }
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

ROWS=()
for target in "${TARGETS[@]}"; do
  name="${target%%|*}"; path="${target#*|}"
  echo "== $name: Dateline, then nginx ($DURATION each, $CONNECTIONS connections)" >&2
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$CACHED$path" >/dev/null
  read -r d_rps d_p50 d_p99 <<< "$(run_wrk "$name-dateline" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$CACHED$path")"
  [ "$name" = latest ] && RSS_KB="$(ps -o rss= -p "$CACHED_PID" | tr -d ' ')"
  read -r n_rps n_p50 n_p99 <<< "$(run_wrk "$name-nginx" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$NGINX_URL/$name")"
  bytes="$(stat -c %s "$WORK/static/$name.body")"
  ROWS+=("| $name ($bytes B) | $d_rps | $d_p50 | $d_p99 | $n_rps | $n_p50 | $n_p99 | **$(ratio "$d_rps" "$n_rps")×** |")
done
RSS_AFTER_KB="$(ps -o rss= -p "$CACHED_PID" | tr -d ' ')"

echo "== uncached latest list, one connection" >&2
read -r u_rps u_p50 u_p99 <<< "$(run_wrk uncached-latest -t1 -c1 -d"$DURATION" "$UNCACHED/api/v1/articles")"
read -r uh_rps uh_p50 uh_p99 <<< "$(run_wrk uncached-healthz -t1 -c1 -d"$DURATION" "$UNCACHED/healthz")"

RESULTS="$WORK/results.md"
{
  echo "Read-path benchmark — $ENGINE, $ARTICLES stories, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| response (cached) | Dateline req/s | p50 ms | p99 ms | nginx req/s (same bytes) | p50 ms | p99 ms | ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "| measurement | figure | reference in the same run |"
  echo "| --- | --- | --- |"
  echo "| uncached latest list (20), one connection | $u_rps req/s, p50 $u_p50 ms, **p99 $u_p99 ms** | /healthz on that server: p50 $uh_p50 ms, p99 $uh_p99 ms |"
  echo "| server RSS under load (cached server) | **$((RSS_KB / 1024)) MB** during the latest run, $((RSS_AFTER_KB / 1024)) MB after all runs | |"
} > "$RESULTS"
cat "$RESULTS"
