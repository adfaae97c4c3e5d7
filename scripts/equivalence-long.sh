#!/usr/bin/env bash
# A long equivalence run (issue 11's 500 sequences), in chunks that survive an
# interruption and a fresh clone. Each chunk is CHUNK consecutive seeds of the
# DuckDB cases, as one `EQUIV_CASES=<total> npm test -- equivalence` would
# draw them. A chunk that passes is recorded in the ledger
# test/equivalence/long-run.log (committed) with the fingerprint of what it
# tested: the built test bundle (the runner's TypeScript and the layer), the
# worker, the fixture projects and the pinned dbt. A later call, in this
# clone or another, skips the chunks the ledger holds for the same
# fingerprint; any change to what is tested starts the count again.
#
#   bash scripts/equivalence-long.sh OUT [TOTAL=500] [FIRST_SEED=1103] [CHUNK=10]
#   bash scripts/equivalence-long.sh --status [TOTAL] [FIRST_SEED]   what the ledger holds for this build
#
# Needs a build (node scripts/build.mjs) and the venvs (bash scripts/setup.sh).
# OUT/chunk-<seed>.log gets each chunk's spec output (a difference prints its
# seed and the shortest sequence that shows it). EQUIV_CONCURRENCY is passed
# through (default: the layer's own).
set -u
cd "$(dirname "$0")/.."
LEDGER=${EQUIV_LEDGER:-test/equivalence/long-run.log}  # another clone's ledger: EQUIV_LEDGER=<path>
STATUS=0
if [ "${1:-}" = "--status" ]; then STATUS=1; shift; set -- /dev/null "$@"; fi
OUT=${1:?usage: scripts/equivalence-long.sh OUT [TOTAL] [FIRST_SEED] [CHUNK]}
TOTAL=${2:-500}
FIRST=${3:-1103}
CHUNK=${4:-10}
BUNDLE=out/test/equivalence/equivalence.test.js
[ -f "$BUNDLE" ] || { echo "no $BUNDLE: run node scripts/build.mjs first" >&2; exit 2; }

fingerprint() {
  { sha256sum "$BUNDLE" src/runner/dbt_worker.py requirements/dbt-1.12.txt | cut -d' ' -f1
    git ls-files -z test/fixtures | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16
}
FP=$(fingerprint)
# The chunk from seed $1: CHUNK cases, fewer for the last one.
cases_at() { echo $(( FIRST + TOTAL - $1 < CHUNK ? FIRST + TOTAL - $1 : CHUNK )); }
passed_chunk() { grep -q "^$FP seed=$1 cases=$2 pass " "$LEDGER" 2>/dev/null; }

report() {
  local n=0 seed cases
  for ((seed = FIRST; seed < FIRST + TOTAL; seed += CHUNK)); do
    cases=$(cases_at "$seed")
    passed_chunk "$seed" "$cases" && n=$((n + cases))
  done
  echo "fingerprint $FP: $n of $TOTAL sequences (seeds $FIRST-$((FIRST + TOTAL - 1))) passed in $LEDGER"
  [ "$n" -eq "$TOTAL" ]
}
if [ "$STATUS" = 1 ]; then report; exit; fi

mkdir -p "$OUT"
failed=0
for ((seed = FIRST; seed < FIRST + TOTAL; seed += CHUNK)); do
  cases=$(cases_at "$seed")
  passed_chunk "$seed" "$cases" && continue
  start=$(date +%s)
  EQUIV_SEED=$seed EQUIV_CASES=$cases EQUIV_PG_CASES=0 EQUIV_SUMMARY="equivalence-long-$seed.json" \
    node --test --test-reporter=spec "$BUNDLE" > "$OUT/chunk-$seed.log" 2>&1
  rc=$?
  counts=$(grep -E '^ℹ (pass|fail) ' "$OUT/chunk-$seed.log" | awk '{printf " tests_%s=%s", $2, $3}')
  verdict=$([ $rc -eq 0 ] && echo pass || echo FAIL)
  # The ledger line: what was tested, which seeds, the outcome, when, where, how long.
  echo "$FP seed=$seed cases=$cases $verdict$counts commit=$(git rev-parse --short HEAD) at=$(date -u +%FT%TZ) secs=$(( $(date +%s) - start )) load=$(cut -d' ' -f1 /proc/loadavg)" >> "$LEDGER"
  [ $rc -eq 0 ] || { failed=$((failed + 1)); echo "chunk $seed failed: $OUT/chunk-$seed.log" >&2; }
done
echo "$failed chunks failed in this pass"
report && [ $failed -eq 0 ]
