#!/usr/bin/env bash
# Seeds a synthetic archive and measures uncached read latency of the latest list and of a section
# front on SQLite and PostgreSQL, next to /healthz on the same server in the same run, and prints
# the query plans. Usage: bench/read-latency.sh [ARTICLES] (default 100000).
#
# Needs: wrk (installed with apt-get if missing), PostgreSQL on 127.0.0.1:5432 (trust auth) for the
# PostgreSQL half, and the sqlite3 and psql command-line tools for the plans.
set -euo pipefail
cd "$(dirname "$0")/.."
ARTICLES="${1:-100000}"
WORK="target/bench-read"
PORT=18181
DURATION="${DURATION:-10s}"
mkdir -p "$WORK"

command -v wrk >/dev/null || { apt-get install -y -qq wrk >/dev/null || sudo apt-get install -y -qq wrk >/dev/null; }
cargo build --release --locked -q
BIN=target/release/dateline

measure() { # name url -> "req/s p50 p99"
  wrk -t1 -c1 -d"$DURATION" --latency "$2" 2>/dev/null | awk -v name="$1" '
    /Requests\/sec/ {rps=$2}
    $1=="50%" {p50=$2} $1=="99%" {p99=$2}
    END {printf "  %-28s %10s req/s   p50 %8s   p99 %8s\n", name, rps, p50, p99}'
}

run_engine() { # engine url
  local engine="$1" url="$2"
  echo "== $engine: seeding $ARTICLES stories"
  local started=$(date +%s.%N)
  DATABASE_URL="$url" "$BIN" seed --articles "$ARTICLES" --media-dir "$WORK/media" >/dev/null
  printf "  seed time: %.1f s\n" "$(echo "$(date +%s.%N) - $started" | bc)"
  DATABASE_URL="$url" DATELINE_LISTEN="127.0.0.1:$PORT" DATELINE_MEDIA_DIR="$WORK/media" \
    DATELINE_JWT_SECRET="bench-secret-bench-secret-bench-secret" "$BIN" serve --cache-mb 0 --anonymous-rate-limit 4000000000 >"$WORK/$engine.log" 2>&1 &
  local pid=$!
  for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
  local base="http://127.0.0.1:$PORT"
  measure "/healthz (reference)" "$base/healthz"
  measure "latest list (20)" "$base/api/v1/articles?limit=20"
  measure "section front: busan (20)" "$base/api/v1/articles?section=busan&limit=20"
  measure "section front: local (20)" "$base/api/v1/articles?section=local&limit=20"
  local cursor
  cursor=$(curl -s "$base/api/v1/articles?limit=100" | python3 -c 'import json,sys; print(json.load(sys.stdin)["page"]["nextCursor"])')
  measure "latest list, page 2" "$base/api/v1/articles?limit=20&cursor=$cursor"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

NOW="$(date -u +%Y-%m-%dT%H:%M:%S+00:00)"
# The statements storage::repo::articles::list_public issues for the first page (columns elided).
LATEST="SELECT articles.id FROM articles WHERE articles.status IN ('PUBLISHED','SCHEDULED') AND articles.published_at <= '$NOW' ORDER BY articles.published_at DESC, articles.id DESC LIMIT 21"
SECTION="SELECT articles.id FROM articles INNER JOIN article_sections ON articles.id = article_sections.article_id WHERE articles.status IN ('PUBLISHED','SCHEDULED') AND articles.published_at <= '$NOW' AND article_sections.section_id = (SELECT id FROM sections WHERE slug = 'busan') ORDER BY article_sections.published_at DESC, article_sections.article_id DESC LIMIT 21"

rm -f "$WORK"/bench.db*
run_engine sqlite "sqlite://$WORK/bench.db?mode=rwc"
echo "  plan, latest:";  sqlite3 "$WORK/bench.db" "EXPLAIN QUERY PLAN $LATEST" | sed 's/^/    /'
echo "  plan, section:"; sqlite3 "$WORK/bench.db" "EXPLAIN QUERY PLAN $SECTION" | sed 's/^/    /'

if pg_isready -q -h 127.0.0.1 -p 5432; then
  psql -h 127.0.0.1 -U postgres -d postgres -qc "DROP DATABASE IF EXISTS dateline_bench" -c "CREATE DATABASE dateline_bench" >/dev/null
  run_engine postgres "postgres://postgres@127.0.0.1:5432/dateline_bench"
  psql -h 127.0.0.1 -U postgres -d dateline_bench -qc "ANALYZE" >/dev/null
  echo "  plan, latest:";  psql -h 127.0.0.1 -U postgres -d dateline_bench -Atc "EXPLAIN ANALYZE $LATEST" | sed 's/^/    /'
  echo "  plan, section:"; psql -h 127.0.0.1 -U postgres -d dateline_bench -Atc "EXPLAIN ANALYZE $SECTION" | sed 's/^/    /'
else
  echo "== postgres: skipped (nothing answers on 127.0.0.1:5432)"
fi
