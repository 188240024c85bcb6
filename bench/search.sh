#!/usr/bin/env bash
# The search benchmark: seeds a synthetic archive (100k stories by default) on SQLite and on
# PostgreSQL, serves it, and measures one-at-a-time latency (p50/p99) of realistic searches next to
# /healthz on the same server in the same run (the machine is shared and noisy, so only ratios
# travel). Then prints each query's plan as the engine explains it.
#
#   bench/search.sh                 # both engines, 100k stories
#   ARTICLES=20000 ENGINES=sqlite bench/search.sh
#
# Needs python3 (bench/rankings/latency.py) and, for PostgreSQL, a server on 127.0.0.1:5432 with
# trust auth. The SQLite corpus is kept under target/bench-search/ between runs (delete it to seed
# again); the PostgreSQL database dateline_bench_search is dropped at the end unless KEEP=1.
# Settings: ARTICLES (100000), ENGINES ("sqlite postgres"), BENCH_SECONDS (5 per measurement),
# PROFILE (release; "debug" for a quick run on an unoptimised build).
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES="${ARTICLES:-100000}"
ENGINES="${ENGINES:-sqlite postgres}"
SECONDS_EACH="${BENCH_SECONDS:-5}"
WORK="$PWD/target/bench-search"
PORT=18383
PG_DB=dateline_bench_search
PG_ADMIN="postgres://postgres@127.0.0.1:5432/postgres"
mkdir -p "$WORK"

PROFILE="${PROFILE:-release}"
if [ "$PROFILE" = release ]; then
  cargo build --release --locked -q --bin dateline --example search-plan
else
  cargo build --locked -q --bin dateline --example search-plan
  WORK="$WORK-$PROFILE"; PG_DB="${PG_DB}_$PROFILE"; mkdir -p "$WORK"
fi
BIN="${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE/dateline"
PLAN="${CARGO_TARGET_DIR:-$PWD/target}/$PROFILE/examples/search-plan"

# (label, query): a two-syllable noun, a three-syllable organisation, a word with a particle, two
# words, and the commonest place name (the widest candidate set).
QUERIES=(
  "2-syllable|예산"
  "3-syllable|시의회"
  "particle|교육청에서"
  "multiword|해운대구 예산"
  "commonest|부산"
)

urlencode() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }

latency() { # url -> "p50 p99 max n"
  python3 bench/rankings/latency.py "$1" "$SECONDS_EACH"
}

run_engine() { # engine url
  local engine="$1" url="$2"
  if [ "$engine" = postgres ] || [ ! -s "$WORK/sqlite.db" ]; then
    echo "== $engine: seeding $ARTICLES stories"
    local started
    started=$(date +%s.%N)
    DATABASE_URL="$url" "$BIN" seed --articles "$ARTICLES" --media-dir "$WORK/media" >/dev/null
    printf "  seed time (stories and search index): %.1f s\n" "$(echo "$(date +%s.%N) - $started" | bc)"
    # Statistics as a running server would have them (autovacuum analyses later, but the
    # planner's choice between the GIN index and walking stories newest first depends on them).
    if [ "$engine" = postgres ]; then psql "$url" -qc "ANALYZE" >/dev/null; fi
  else
    echo "== $engine: reusing $WORK/sqlite.db"
  fi
  DATABASE_URL="$url" DATELINE_LISTEN="127.0.0.1:$PORT" DATELINE_MEDIA_DIR="$WORK/media" \
    DATELINE_JWT_SECRET="bench-secret-bench-secret-bench-secret" "$BIN" serve \
    --cache-mb 0 --anonymous-rate-limit 4000000000 >"$WORK/$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  local base="http://127.0.0.1:$PORT"
  read -r hp50 hp99 _ hn <<<"$(latency "$base/healthz")"
  printf "  %-34s p50 %8.3f ms  p99 %8.3f ms  (%s requests)\n" "/healthz (reference)" "$hp50" "$hp99" "$hn"
  local entry label q path hits p50 p99 n
  for entry in "${QUERIES[@]}"; do
    label="${entry%%|*}"; q="${entry#*|}"
    for sort in relevance newest; do
      path="/api/v1/search?q=$(urlencode "$q")&limit=20&sort=$sort"
      hits=$(curl -s "$base$path" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["data"]))')
      read -r p50 p99 _ n <<<"$(latency "$base$path")"
      printf "  %-34s p50 %8.3f ms  p99 %8.3f ms  = %6.1fx / %6.1fx healthz  (%s requests, %s hits on page 1)\n" \
        "$label $q ($sort)" "$p50" "$p99" "$(echo "$p50 / $hp50" | bc -l)" "$(echo "$p99 / $hp99" | bc -l)" "$n" "$hits"
    done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
  echo "  query plans (the statement GET /api/v1/search runs, relevance order):"
  local queries=()
  for entry in "${QUERIES[@]}"; do queries+=("${entry#*|}"); done
  DATABASE_URL="$url" "$PLAN" "${queries[@]}" | sed 's/^/  /'
}

for engine in $ENGINES; do
  case "$engine" in
    sqlite) run_engine sqlite "sqlite://$WORK/sqlite.db?mode=rwc" ;;
    postgres)
      if ! pg_isready -q -h 127.0.0.1 -p 5432; then
        echo "== postgres: skipped (nothing answers on 127.0.0.1:5432)"; continue
      fi
      psql "$PG_ADMIN" -qc "DROP DATABASE IF EXISTS $PG_DB" -c "CREATE DATABASE $PG_DB" >/dev/null
      run_engine postgres "postgres://postgres@127.0.0.1:5432/$PG_DB"
      if [ "${KEEP:-0}" != 1 ]; then psql "$PG_ADMIN" -qc "DROP DATABASE $PG_DB" >/dev/null; fi
      ;;
  esac
done
