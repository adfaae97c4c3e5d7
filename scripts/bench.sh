#!/usr/bin/env bash
# npm run bench: every benchmark of the spec in one run, side by side with its
# baseline, then bench/results.json, bench/results.md and a table on stdout.
# Not part of the tests. With both project shapes and the editor part, the
# first run on 2 cores takes hours (generating, parsing and building the
# projects up to 3,000 models once; cached in .cache/bench for later runs);
# fewer sizes (BENCH_*_SIZES=1000) measure every target of issue 13 in far less.
#
# Knobs (environment):
#   BENCH_RUNS=5                  measured runs per side (medians of >= 5)
#   BENCH_DBT_SIZES=100,1000,3000 project sizes for cold CLI vs warm worker
#   BENCH_DBT_SHAPES=synthetic,real  project shapes (bench/generate-project.ts, bench/generate-real-project.ts)
#   BENCH_DBT_STATES=upstream,full   database: only the model's upstream built / every model built
#   BENCH_EDITOR_SIZES=100,1000,3000 real-shape sizes for the workbench (code-server + Chromium) measurements
#   BENCH_LSP_SIZES=1000,5000,10000
#   BENCH_LSP_REAL_SIZES=3000      real-shape manifests for the language server (issue 13's hover/definition target)
#   BENCH_EVENTS_SIZE=3000        project built for the event-throughput replay
#   BENCH_FRESH=1                 record that build again instead of reusing the cached recording
#   BENCH_LINEAGE_SIZES=1000,3000 project sizes for the lineage open time
#   BENCH_RESTORE_SIZES=1000,3000 project sizes for the cost of restoring the manifest state (issue 11)
#   BENCH_REPARSE_SIZES=1000      real-shape sizes for the re-parse after an edit, JSON writer on and off (issue 13)
#   BENCH_RELCACHE_SIZES=1000     real-shape sizes for the warm run's relation cache: ours, dbt's default scope, cold CLI (issue 13)
#   BENCH_TESTEDGES_SIZES=1000,3000 real-shape sizes for the whole-project build set-up, with and without --use-fast-test-edges
#   BENCH_RESULTS_SIZE=3000       project size for the Testing view population (issue 16)
#   BENCH_PARTS="dbt editor lsp events extension lineage restore results reparse relcache testedges"   run only some parts
set -euo pipefail
cd "$(dirname "$0")/.."

START=$(date +%s)
STARTED=$(date -u +%Y-%m-%dT%H:%M:%SZ)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo unknown)
RUNS=${BENCH_RUNS:-5}
PARTS=${BENCH_PARTS:-"dbt editor lsp events extension lineage restore results reparse relcache testedges"}

log() { printf '\n== bench: %s (%s s)\n' "$*" "$(( $(date +%s) - START ))"; }

# The editor part drives code-server, the lineage part Debian's Chromium: set up the e2e install when they run.
case " $PARTS " in *" editor "*|*" lineage "*) bash scripts/setup.sh --e2e ;; *) bash scripts/setup.sh ;; esac

log "build"
# The bench entries only (other test entries are not needed), then dist/ as it ships.
node scripts/build.mjs bench/dbt.main.ts bench/editor.main.ts bench/lsp.bench.ts bench/events.main.ts bench/extension.main.ts bench/lineage.main.ts bench/restore.main.ts bench/results.main.ts bench/reparse.main.ts bench/relcache.main.ts bench/testedges.main.ts bench/report.main.ts
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
part dbt out/bench/dbt.main.js --sizes "${BENCH_DBT_SIZES:-100,1000,3000}" --shapes "${BENCH_DBT_SHAPES:-synthetic,real}" \
  --states "${BENCH_DBT_STATES:-upstream,full}" --runs "$RUNS"
part editor out/bench/editor.main.js --sizes "${BENCH_EDITOR_SIZES:-100,1000,3000}" --runs "$RUNS"
part events out/bench/events.main.js --size "${BENCH_EVENTS_SIZE:-3000}" --runs "$RUNS" ${BENCH_FRESH:+--fresh}
part results out/bench/results.main.js --size "${BENCH_RESULTS_SIZE:-3000}" --runs "$RUNS"
part lsp out/bench/lsp.bench.js --sizes "${BENCH_LSP_SIZES:-1000,5000,10000}" --real-sizes "${BENCH_LSP_REAL_SIZES:-3000}" --runs "$RUNS"
part lineage out/bench/lineage.main.js --sizes "${BENCH_LINEAGE_SIZES:-1000,3000}" --runs "$RUNS"
part restore out/bench/restore.main.js --sizes "${BENCH_RESTORE_SIZES:-1000,3000}" --runs "$RUNS"
part reparse out/bench/reparse.main.js --sizes "${BENCH_REPARSE_SIZES:-1000}" --runs "$RUNS"
part relcache out/bench/relcache.main.js --sizes "${BENCH_RELCACHE_SIZES:-1000}" --runs "$RUNS"
part testedges out/bench/testedges.main.js --sizes "${BENCH_TESTEDGES_SIZES:-1000,3000}" --runs "$RUNS"

log "report"
FAILED_LIST=$(IFS=,; echo "${FAILED[*]:-}")
node out/bench/report.main.js --rows-dir "$ROWS" --started "$STARTED" --seconds "$(( $(date +%s) - START ))" \
  --failed "$FAILED_LIST" --load-start "$LOAD_START"
