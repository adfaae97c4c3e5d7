#!/usr/bin/env bash
# A long equivalence run (issue 11's 500 sequences), in chunks that survive an
# interruption: run it again with the same OUT and the chunks already passed
# are skipped. Each chunk is EQUIV_CASES consecutive seeds of the DuckDB
# cases, as one `EQUIV_CASES=<total> npm test -- equivalence` would draw them.
#
#   bash scripts/equivalence-long.sh OUT [TOTAL=500] [FIRST_SEED=1103] [CHUNK=10]
#
# Needs a build (node scripts/build.mjs) and the venvs (bash scripts/setup.sh).
# OUT/progress.log gets a line per chunk; OUT/chunk-<seed>.log its spec output
# (a difference prints its seed and the shortest sequence that shows it).
# EQUIV_CONCURRENCY is passed through (default: the layer's own).
set -u
cd "$(dirname "$0")/.."
OUT=${1:?usage: scripts/equivalence-long.sh OUT [TOTAL] [FIRST_SEED] [CHUNK]}
TOTAL=${2:-500}
FIRST=${3:-1103}
CHUNK=${4:-10}
mkdir -p "$OUT"
echo "commit $(git rev-parse HEAD)" >> "$OUT/commit"
failed=0
for ((seed = FIRST; seed < FIRST + TOTAL; seed += CHUNK)); do
  cases=$(( FIRST + TOTAL - seed < CHUNK ? FIRST + TOTAL - seed : CHUNK ))
  [ -f "$OUT/chunk-$seed.done" ] && continue
  echo "$(date -u +%FT%TZ) chunk $seed ($cases cases) start" >> "$OUT/progress.log"
  EQUIV_SEED=$seed EQUIV_CASES=$cases EQUIV_PG_CASES=0 EQUIV_SUMMARY="equivalence-long-$seed.json" \
    node --test --test-reporter=spec out/test/equivalence/equivalence.test.js > "$OUT/chunk-$seed.log" 2>&1
  rc=$?
  cp "out/results/equivalence-long-$seed.json" "$OUT/" 2>/dev/null
  echo "$(date -u +%FT%TZ) chunk $seed rc=$rc $(grep -E '^ℹ (pass|fail)' "$OUT/chunk-$seed.log" | tr '\n' ' ')" >> "$OUT/progress.log"
  if [ $rc -eq 0 ]; then touch "$OUT/chunk-$seed.done"; else failed=$((failed + 1)); fi
done
done_count=$(ls "$OUT"/chunk-*.done 2>/dev/null | wc -l)
echo "$done_count chunks passed, $failed failed in this pass (progress: $OUT/progress.log)"
[ $failed -eq 0 ]
