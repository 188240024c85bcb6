#!/usr/bin/env bash
# GraphQL latest(20) throughput while the newsroom corrects one story a second, before and after
# exact GraphQL cache keys (issue 15, item 4), each as a ratio to the same query with no edits in
# the same run. "Before" is the commit before exact keys (6ab13d9^, where every story change
# dropped every cached GraphQL answer); "after" is this checkout.
#
#   bench/graphql-edits.sh                      # SQLite, 20k stories
#   BEFORE_BIN=… AFTER_BIN=… bench/graphql-edits.sh   # binaries already built
#
# Without BEFORE_BIN, the before commit is checked out in a git worktree under target/ and built
# in release in a target folder of its own (about 15 minutes the first time on two cores, kept
# for later runs): cargo names a workspace's crates by their path inside the workspace, so two
# checkouts sharing one target folder would each take the other's crates as already built. Each binary seeds its own corpus (its migrations differ), gets an editor
# account, and is measured in rounds: wrk on GET /graphql?query=latest(first: 20) for DURATION
# with no edits, then for DURATION while an editor PATCHes one story a second, picked at random
# among the newest 200 (so about one edit in ten touches a story on the page). "Renders" counts
# the cache misses during the edits (from /metrics; the before commit has no /metrics). Settings
# (environment): ARTICLES (20000),
# DURATION (10s), ROUNDS (2), CONNECTIONS (64), THREADS (2), BEFORE_COMMIT (6ab13d9^).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh

ENGINE=sqlite
ARTICLES="${ARTICLES:-20000}"
VIEWS=0
DURATION="${DURATION:-10s}"
ROUNDS="${ROUNDS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
THREADS="${THREADS:-2}"
BEFORE_COMMIT="${BEFORE_COMMIT:-6ab13d9^}"
ROOT="$PWD/target/bench-graphql-edits"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
mkdir -p "$ROOT"
export RUST_LOG="${RUST_LOG:-warn}"

command -v wrk >/dev/null 2>&1 || {
  echo "== installing wrk from the distribution's packages" >&2
  if [ "$(id -u)" = 0 ]; then apt-get install -y -qq wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
  else sudo apt-get install -y -qq wrk >/dev/null || { sudo apt-get update -qq && sudo apt-get install -y -qq wrk >/dev/null; }; fi
}

if [ -z "${BEFORE_BIN:-}" ]; then
  echo "== building $BEFORE_COMMIT (before exact keys) in release" >&2
  SOURCE="$ROOT/before-src"
  [ -d "$SOURCE" ] || git worktree add --detach -q "$SOURCE" "$BEFORE_COMMIT"
  (cd "$SOURCE" && CARGO_TARGET_DIR="$ROOT/before-target" cargo build --release --locked -q)
  cp "$ROOT/before-target/release/dateline" "$ROOT/dateline-before"
  BEFORE_BIN="$ROOT/dateline-before"
fi
if [ -z "${AFTER_BIN:-}" ]; then
  echo "== building this checkout in release" >&2
  cargo build --release --locked -q
  cp "$TARGET/release/dateline" "$ROOT/dateline-after"
  AFTER_BIN="$ROOT/dateline-after"
fi

trap cleanup_servers EXIT

GRAPHQL_QUERY='{ latest(first: 20) { nodes { id slug headline summary publishedAt url section { name slug } authors { name slug role } tags { name slug } leadImage { url width height alt } } pageInfo { hasNextPage endCursor } } }'
GRAPHQL_PATH="/graphql?query=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$GRAPHQL_QUERY")"
PASSWORD='bench-editor-password-1'

# editor ADDRESS SECONDS OUT: one PATCH a second for SECONDS; writes "edits failed" to OUT.
editor() {
  python3 - "$1" "$2" "$3" "$PASSWORD" <<'PY'
import json, random, sys, time, urllib.error, urllib.request
address, seconds, out, password = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
api = address + "/api/v1"

def call(method, url, body=None, headers=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"content-type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.headers, response.read()

_, _, body = call("POST", api + "/auth/token", {"email": "bench-editor@dateline.example", "password": password})
auth = {"authorization": "Bearer " + json.loads(body)["accessToken"]}
newest, cursor = [], None
while len(newest) < 200:
    _, _, body = call("GET", api + "/articles?limit=100" + (f"&cursor={cursor}" if cursor else ""))
    page = json.loads(body)
    newest += [story["id"] for story in page["data"]]
    cursor = page["page"]["nextCursor"]
    if not cursor:
        break

edits, failed = 0, 0
started = time.monotonic()
while time.monotonic() - started < seconds:
    tick = time.monotonic()
    story = random.choice(newest)
    try:
        _, headers, _ = call("GET", f"{api}/newsroom/articles/{story}", headers=auth)
        call("PATCH", f"{api}/articles/{story}", {"subheadline": f"정정 {time.time():.3f}"}, {**auth, "if-match": headers["ETag"]})
        edits += 1
    except urllib.error.URLError:
        failed += 1
    time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
with open(out, "w") as f:
    f.write(f"{edits} {failed}\n")
PY
}

# Renders of a cached answer so far (cache misses), from /metrics; "-" where the version has none.
misses() {
  curl -s --max-time 3 "$1/metrics" | awk '/^dateline_cache_lookups_total\{result="miss"\}/ { print $2; found = 1 } END { if (!found) print "-" }'
}

seconds="${DURATION%s}"
ROWS=()
for version in before after; do
  if [ "$version" = before ]; then BIN="$BEFORE_BIN"; else BIN="$AFTER_BIN"; fi
  WORK="$ROOT/$version"
  mkdir -p "$WORK"
  export DATABASE_URL="sqlite://$WORK/dateline.db?mode=rwc"
  seed_once
  [ -f "$WORK/editor" ] || {
    printf '%s' "$PASSWORD" | "$BIN" user add --email bench-editor@dateline.example --role editor --name Bench >/dev/null
    touch "$WORK/editor"
  }
  start_server "$version"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s "$ADDRESS$GRAPHQL_PATH" >/dev/null
  for round in $(seq 1 "$ROUNDS"); do
    echo "== $version, round $round: latest(20) with no edits, then with one edit a second ($DURATION each)" >&2
    read -r q_rps q_p50 q_p99 <<< "$(run_wrk "$version-quiet-$round" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$ADDRESS$GRAPHQL_PATH")"
    misses_before="$(misses "$ADDRESS")"
    editor "$ADDRESS" "$seconds" "$WORK/editor-$round.txt" &
    EDITOR_PID=$!
    sleep 1.5 # the editor signs in and reads the newest stories before its first edit
    read -r e_rps e_p50 e_p99 <<< "$(run_wrk "$version-edits-$round" -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$ADDRESS$GRAPHQL_PATH")"
    wait "$EDITOR_PID"
    read -r edits failed < "$WORK/editor-$round.txt"
    misses_after="$(misses "$ADDRESS")"
    renders="$(awk -v a="$misses_before" -v b="$misses_after" 'BEGIN { if (a == "-" || b == "-") print "-"; else print b - a }')"
    [ "$failed" = 0 ] || echo "$failed edits failed" >&2
    ratio="$(awk -v a="$e_rps" -v b="$q_rps" 'BEGIN { printf "%.2f", a / b }')"
    ROWS+=("| $version | $round | $q_rps | $q_p99 | $e_rps | $e_p99 | $edits | $renders | **$ratio×** |")
  done
  cleanup_servers
  PIDS=()
done

RESULTS="$ROOT/results.md"
{
  echo "GraphQL latest(20) under one edit a second — SQLite, $ARTICLES stories, $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| version | round | no edits req/s | p99 ms | one edit/s req/s | p99 ms | edits | renders during the edits | ratio |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${ROWS[@]}"
} > "$RESULTS"
cat "$RESULTS"
