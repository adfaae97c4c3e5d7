#!/usr/bin/env bash
# npm run bench: every benchmark of the spec in one run, side by side with its
# baseline, then bench/results.json, bench/results.md and a table on stdout.
# Not part of the tests. Takes about 25 minutes on 2 cores the first time
# (generating and parsing the synthetic projects; they are cached in
# .cache/bench for later runs).
#
# Knobs (environment):
#   BENCH_RUNS=5                  measured runs per side (medians of >= 5)
#   BENCH_DBT_SIZES=100,1000,3000 project sizes for cold CLI vs warm worker
#   BENCH_LSP_SIZES=1000,5000,10000
#   BENCH_EVENTS_SIZE=3000        project built for the event-throughput replay
#   BENCH_FRESH=1                 record that build again instead of reusing the cached recording
#   BENCH_RESULTS_SIZE=3000       project size for the Testing view population
#   BENCH_PARTS="dbt lsp events extension results"   run only some parts
set -euo pipefail
cd "$(dirname "$0")/.."

START=$(date +%s)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
RUNS=${BENCH_RUNS:-5}
PARTS=${BENCH_PARTS:-"dbt lsp events extension results"}

log() { printf '\n== bench: %s (%s s)\n' "$*" "$(( $(date +%s) - START ))"; }

bash scripts/setup.sh

log "build"
# The bench entries only (other test entries are not needed), then dist/ as it ships.
node scripts/build.mjs bench/dbt.main.ts bench/lsp.bench.ts bench/events.main.ts bench/extension.main.ts bench/results.main.ts bench/report.main.ts
node scripts/build.mjs --production

ROWS=$(mktemp -d "${TMPDIR:-/tmp}/dbt-conductor-bench-rows.XXXXXX")
trap 'rm -rf "$ROWS"' EXIT
FAILED=()

part() {
  local id=$1
  shift
  case " $PARTS " in *" $id "*) ;; *) return 0 ;; esac
  log "$id"
  if ! node "$@" --out "$ROWS/$id.json"; then
    echo "bench part '$id' failed" >&2
    FAILED+=("$id")
  fi
}

part extension out/bench/extension.main.js --runs 20
part dbt out/bench/dbt.main.js --sizes "${BENCH_DBT_SIZES:-100,1000,3000}" --runs "$RUNS"
part events out/bench/events.main.js --size "${BENCH_EVENTS_SIZE:-3000}" --runs "$RUNS" ${BENCH_FRESH:+--fresh}
part results out/bench/results.main.js --size "${BENCH_RESULTS_SIZE:-3000}" --runs "$RUNS"
part lsp out/bench/lsp.bench.js --sizes "${BENCH_LSP_SIZES:-1000,5000,10000}" --runs "$RUNS"

log "report"
FAILED_LIST=$(IFS=,; echo "${FAILED[*]:-}")
node out/bench/report.main.js --rows-dir "$ROWS" --started "$STARTED" --seconds "$(( $(date +%s) - START ))" \
  --failed "$FAILED_LIST" --load-start "$LOAD_START"
