#!/usr/bin/env bash
# The rankings benchmark: view-beacon ingestion and most-viewed ranking latency on one node, each
# measured against /healthz on the same server in the same run (the machine is shared and noisy,
# so only ratios travel).
#
#   bench/rankings.sh                       # SQLite, 100k stories, 10M views
#   BENCH_ENGINE=postgres bench/rankings.sh # PostgreSQL on 127.0.0.1:5432 (database dateline_bench_rankings)
#
# Needs python3 (for one-at-a-time latencies). It installs wrk if missing, builds the release binary, seeds the corpus once (kept under
# target/bench-rankings-<engine>/ for later runs; delete the folder to seed again), starts the
# server on a free port, and prints a table of figures. Settings (environment): ARTICLES (100000),
# VIEWS (10000000), DURATION (10s per measurement), CONNECTIONS (64), THREADS (2), ROUNDS (2).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

ENGINE="${BENCH_ENGINE:-sqlite}"
ARTICLES="${ARTICLES:-100000}"
VIEWS="${VIEWS:-10000000}"
DURATION="${DURATION:-10s}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
ROUNDS="${ROUNDS:-2}"
WORK="$PWD/target/bench-rankings-$ENGINE"
BIN="$PWD/target/release/dateline"
mkdir -p "$WORK"

case "$ENGINE" in
  sqlite) export DATABASE_URL="sqlite://$WORK/dateline.db?mode=rwc" ;;
  postgres) export DATABASE_URL="${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/dateline_bench_rankings}" ;;
  *) echo "BENCH_ENGINE must be sqlite or postgres" >&2; exit 2 ;;
esac
export RUST_LOG="${RUST_LOG:-warn}"

if ! command -v wrk >/dev/null 2>&1; then
  echo "== installing wrk from the distribution's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq wrk >/dev/null
  else sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; fi
fi

echo "== building the release binary" >&2
cargo build --release --locked -q

seed_once

trap cleanup_servers EXIT

mean() { awk '{ s += $1; n++ } END { printf "%.3f", s / n }'; }

start_server cached
CACHED="$ADDRESS"
start_server uncached --ranking-cache-ttl 0s
UNCACHED="$ADDRESS"

# A thousand public story ids for the beacon to spread over.
IDS="$WORK/ids.txt"
: > "$IDS"
cursor=""
for _ in $(seq 1 10); do
  page="$(curl -sf "$CACHED/api/v1/articles?limit=100${cursor:+&cursor=$cursor}")"
  printf '%s' "$page" | grep -o '"id":"art_[0-9A-Z]*"' | cut -d'"' -f4 >> "$IDS"
  cursor="$(printf '%s' "$page" | grep -o '"nextCursor":"[^"]*"' | cut -d'"' -f4)"
  [ -n "$cursor" ] || break
done
echo "== $(wc -l < "$IDS") story ids for the beacon" >&2

echo "== warming up" >&2
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s "$CACHED/healthz" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d3s -s bench/rankings/beacon.lua "$CACHED" -- "$IDS" >/dev/null

HEALTH=(); BEACON=()
for round in $(seq 1 "$ROUNDS"); do
  echo "== round $round: /healthz, then the beacon ($DURATION each, $CONNECTIONS connections)" >&2
  HEALTH+=("$(run_wrk "healthz-$round" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$CACHED/healthz")")
  BEACON+=("$(run_wrk "beacon-$round" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" -s bench/rankings/beacon.lua "$CACHED" -- "$IDS")")
done
RSS_KB="$(ps -o rss= -p "${PIDS[0]}" | tr -d ' ')"
health_rps="$(printf '%s\n' "${HEALTH[@]}" | awk '{print $1}' | mean)"
health_p99="$(printf '%s\n' "${HEALTH[@]}" | awk '{print $3}' | mean)"
beacon_rps="$(printf '%s\n' "${BEACON[@]}" | awk '{print $1}' | mean)"
beacon_p99="$(printf '%s\n' "${BEACON[@]}" | awk '{print $3}' | mean)"

echo "== ranking latency, one request at a time" >&2
# Let the beacon's last views flush (default interval 5 s) so rankings are read as they will be.
sleep 6
SERIAL="${DURATION%s}"
read -r h1_p50 h1_p99 _ _ <<< "$(python3 bench/rankings/latency.py "$CACHED/healthz" "$SERIAL")"
declare -A CACHED_P50 CACHED_P99 CACHED_FIRST UNCACHED_P50 UNCACHED_P99
QUERIES=("window=1h" "window=24h" "window=7d" "window=30d" "window=24h&section=local")
for query in "${QUERIES[@]}"; do
  # The first request for a ranking sums it; the rest are answered from the cache (and, every
  # few seconds, trigger a recomputation in the background).
  CACHED_FIRST[$query]="$(python3 bench/rankings/latency.py "$CACHED/api/v1/popular?$query" 0 | awk '{print $1}')"
  read -r p50 p99 _ _ <<< "$(python3 bench/rankings/latency.py "$CACHED/api/v1/popular?$query" "$SERIAL")"
  CACHED_P50[$query]="$p50"; CACHED_P99[$query]="$p99"
  read -r p50 p99 _ _ <<< "$(python3 bench/rankings/latency.py "$UNCACHED/api/v1/popular?$query" "$SERIAL")"
  UNCACHED_P50[$query]="$p50"; UNCACHED_P99[$query]="$p99"
done
read -r ranking_rps _ ranking_p99 <<< "$(run_wrk ranking-load -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$CACHED/api/v1/popular?window=24h")"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

RESULTS="$WORK/results.md"
{
  echo "Rankings benchmark — $ENGINE, $ARTICLES stories, $VIEWS views in buckets, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores"
  echo
  echo "| measurement | figure | reference in the same run | ratio |"
  echo "| --- | --- | --- | --- |"
  echo "| beacon ingestion, $CONNECTIONS connections | $beacon_rps views/s, p99 $beacon_p99 ms | /healthz $health_rps req/s, p99 $health_p99 ms | **$(ratio "$beacon_rps" "$health_rps")× /healthz throughput** (goal ≥ 0.5) |"
  echo "| cached ranking 24h, $CONNECTIONS connections | $ranking_rps req/s, p99 $ranking_p99 ms | /healthz $health_rps req/s | $(ratio "$ranking_rps" "$health_rps")× |"
  for query in "${QUERIES[@]}"; do
    echo "| cached ranking $query, one at a time | p50 ${CACHED_P50[$query]} ms, p99 ${CACHED_P99[$query]} ms | /healthz p50 $h1_p50 ms, p99 $h1_p99 ms | p50 $(ratio "${CACHED_P50[$query]}" "$h1_p50")×, p99 $(ratio "${CACHED_P99[$query]}" "$h1_p99")× /healthz (goal < 1 ms) |"
  done
  for query in "${QUERIES[@]}"; do
    echo "| uncached ranking $query, one at a time | p50 ${UNCACHED_P50[$query]} ms, p99 ${UNCACHED_P99[$query]} ms (first cached request: ${CACHED_FIRST[$query]} ms) | cached p50 ${CACHED_P50[$query]} ms | $(ratio "${UNCACHED_P50[$query]}" "${CACHED_P50[$query]}")× cached |"
  done
  echo "| server RSS after the beacon load | $((RSS_KB / 1024)) MB | | |"
} | tee "$RESULTS"
echo "(raw wrk output and the table: $WORK)" >&2
