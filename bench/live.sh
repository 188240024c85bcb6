#!/usr/bin/env bash
# Live news fan-out: SUBSCRIBERS idle GraphQL subscribers (WebSocket, graphql-transport-ws) on
# one node over loopback, a story published, the time until the last of them has it, and the
# node's RSS idle and with every subscriber connected. The reference, in the same run, is one
# subscriber alone: the same publication's time to arrive with nobody else listening.
#
#   bench/live.sh                      # 5,000 subscribers, SQLite
#   SUBSCRIBERS=1000 bench/live.sh
#
# Installs the `websockets` Python package if missing, builds the release binary (or BIN names
# one), seeds 1,000 stories, lifts the per-address connection limit (every subscriber comes
# from 127.0.0.1) and prints a table (also in target/bench-live/results.md).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

SUBSCRIBERS="${SUBSCRIBERS:-5000}"
ENGINE=sqlite
ARTICLES=1000
VIEWS=0
WORK="$PWD/target/bench-live"
mkdir -p "$WORK"
export DATABASE_URL="sqlite://$WORK/dateline.db?mode=rwc"
export RUST_LOG="${RUST_LOG:-warn}"
PASSWORD='bench-editor-password-1'

python3 -c 'import websockets' 2>/dev/null || {
  echo "== installing websockets from PyPI" >&2
  python3 -m pip install -q 'websockets>=14,<16'
}
if [ -z "${BIN:-}" ]; then
  echo "== building the release binary" >&2
  cargo build --release --locked -q
  BIN="${CARGO_TARGET_DIR:-$PWD/target}/release/dateline"
fi
seed_once
[ -f "$WORK/editor" ] || {
  printf '%s' "$PASSWORD" | "$BIN" user add --email bench-editor@dateline.example --role editor --name Bench >/dev/null
  touch "$WORK/editor"
}
trap cleanup_servers EXIT
start_server live --live-connections-per-address 100000
SERVER_PID="$PID"
API="$ADDRESS/api/v1"
TOKEN="$(curl -sf "$API/auth/token" -H 'content-type: application/json' \
  -d "{\"email\":\"bench-editor@dateline.example\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')"
SECTION="$(curl -sf "$API/sections" | python3 -c 'import json,sys; print(json.load(sys.stdin)["data"][0]["slug"])')"
rss_mb() { awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVER_PID/status"; }

# round COUNT: COUNT subscribers, one publication; prints "subscribed arrived first_ms p50_ms last_ms rss_mb".
round() {
  local count="$1"
  rm -f "$WORK/ready" "$WORK/arrivals.json"
  python3 bench/live_subscribers.py "ws://${ADDRESS#http://}/graphql" "$count" "$WORK" &
  local clients=$!
  for _ in $(seq 1 1200); do [ -f "$WORK/ready" ] && break; sleep 0.1; done
  [ -f "$WORK/ready" ] || { echo "the subscribers did not connect" >&2; exit 1; }
  sleep 2 # the last subscribe messages reach their resolvers
  local rss
  rss="$(rss_mb)"
  local id
  id="$(curl -sf "$API/articles" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -d "{\"headline\":\"속보 벤치마크 $count\",\"section\":\"$SECTION\",\"body\":[{\"type\":\"paragraph\",\"text\":\"본문\"}]}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["id"])')"
  local published
  published="$(date +%s.%N)"
  curl -sf "$API/articles/$id/approve" -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{}' >/dev/null
  wait "$clients"
  python3 - "$WORK/arrivals.json" "$published" "$rss" <<'PY'
import json, statistics, sys
result = json.load(open(sys.argv[1]))
published, rss = float(sys.argv[2]), sys.argv[3]
arrived = [(t - published) * 1000 for t in result["arrived"]]
print(result["subscribed"], len(arrived), f"{arrived[0]:.1f}", f"{statistics.median(arrived):.1f}", f"{arrived[-1]:.1f}", rss)
PY
}

IDLE_RSS="$(rss_mb)"
echo "== one subscriber alone (the reference)" >&2
read -r one_subscribed one_arrived one_first one_p50 one_last one_rss <<< "$(round 1)"
echo "== $SUBSCRIBERS subscribers" >&2
read -r subscribed arrived first p50 last rss <<< "$(round "$SUBSCRIBERS")"
AFTER_RSS="$(rss_mb)"

RESULTS="$WORK/results.md"
{
  echo "Live fan-out — one node, SQLite, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| subscribers | got it | first ms | p50 ms | last ms | node RSS while connected |"
  echo "| --- | --- | --- | --- | --- | --- |"
  echo "| 1 (reference) | $one_arrived of $one_subscribed | $one_first | $one_p50 | $one_last | $one_rss MB |"
  echo "| $SUBSCRIBERS | $arrived of $subscribed | $first | $p50 | **$last** | **$rss MB** |"
  echo
  echo "Node RSS idle before any subscriber: $IDLE_RSS MB; after the $SUBSCRIBERS left: $AFTER_RSS MB."
  echo "Time to the last of $SUBSCRIBERS: $(awk -v a="$last" -v b="$one_last" 'BEGIN { printf "%.1f", a / b }')× one subscriber's."
} >"$RESULTS"
cat "$RESULTS"
