# Helpers the load benchmarks share (sourced, not run). The caller sets BIN (the release binary),
# WORK (its output folder), ARTICLES, VIEWS, ENGINE and DATABASE_URL.

PIDS=()
cleanup_servers() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; }

# seed_once [seed output]: seeds ARTICLES stories and VIEWS views unless this corpus is already
# there (a marker file in WORK); on PostgreSQL the database is made anew first.
seed_once() {
  local seeded="$WORK/seeded-$ARTICLES-$VIEWS"
  [ -f "$seeded" ] && return 0
  echo "== seeding $ARTICLES stories and $VIEWS views ($ENGINE)" >&2
  rm -f "$WORK"/seeded-* "$WORK"/dateline.db*
  if [ "$ENGINE" = postgres ]; then
    local db="${DATABASE_URL##*/}" admin="${DATABASE_URL%/*}/postgres"
    db="${db%%\?*}"
    psql "$admin" -qc "DROP DATABASE IF EXISTS \"$db\"" -c "CREATE DATABASE \"$db\"" >/dev/null
  fi
  "$BIN" seed --articles "$ARTICLES" --views "$VIEWS" --media-dir "$WORK/media" >/dev/null
  touch "$seeded"
}

# start_server NAME [serve flags…]: `dateline serve --dev` on a free port; sets ADDRESS and PID.
# One load generator is one client address: the per-address limit is lifted, or wrk measures 429s.
start_server() {
  local name="$1"; shift
  local out="$WORK/$name.out"
  : > "$out"
  "$BIN" serve --dev --listen 127.0.0.1:0 --media-dir "$WORK/media" \
    --anonymous-rate-limit 4000000000 "$@" > "$out" 2> "$WORK/$name.log" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do
    grep -q 'listening on' "$out" && break
    kill -0 "$PID" 2>/dev/null || { cat "$WORK/$name.log" >&2; exit 1; }
    sleep 0.05
  done
  ADDRESS="$(sed -n 's/^Dateline is listening on //p' "$out")"
  [ -n "$ADDRESS" ] || { echo "the $name server did not start" >&2; exit 1; }
}

# run_wrk NAME [wrk args…]: runs wrk with --latency; prints "requests_per_second p50_ms p99_ms".
run_wrk() {
  local name="$1"; shift
  wrk --latency "$@" > "$WORK/wrk-$name.txt" 2>&1
  awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    /Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx/ { bad = $NF }
    END { if (bad > 0) { print "non-2xx responses: " bad > "/dev/stderr" }; printf "%.0f %.3f %.3f\n", rps, p50, p99 }
  ' "$WORK/wrk-$name.txt"
}
