#!/usr/bin/env bash
# The one test command (README, .ci/run): installs what is missing, builds,
# type-checks, lints, then runs every layer against real dbt and a real
# VS Code workbench. `npm test -- unit integration` runs only those layers.
# Layers: unit, integration, equivalence (warm worker vs a fresh dbt per step on
# seeded random sequences; EQUIV_CASES/EQUIV_STEPS/EQUIV_SEED, see
# test/equivalence/equivalence.test.ts), reliability (faults, load, bad input,
# security), compat (a smoke sequence on every dbt-core minor 1.5-1.12), host
# (extension-host suite in code-server) and user (Playwright driving the
# packaged extension). The integration and reliability layers also run on a
# throwaway PostgreSQL server (scripts/postgres.sh), started here and
# destroyed on exit, Ctrl-C included.
set -uo pipefail
cd "$(dirname "$0")/.."

layers=("$@")
[ ${#layers[@]} -eq 0 ] && layers=(unit integration equivalence reliability compat host user)
want() { local l; for l in "${layers[@]}"; do [ "$l" = "$1" ] && return 0; done; return 1; }
needs_e2e=0
want host && needs_e2e=1
want user && needs_e2e=1

setup_flags=()
[ "$needs_e2e" = 1 ] && setup_flags+=(--e2e)
want compat && setup_flags+=(--compat)

set -e
layer_times=()
t0=$SECONDS
bash scripts/setup.sh "${setup_flags[@]}"
if { want integration || want reliability; } && ! bash scripts/postgres.sh status; then
  trap 'bash scripts/postgres.sh destroy' EXIT
  trap 'exit 130' INT TERM
  bash scripts/postgres.sh start
fi
layer_times+=("setup $((SECONDS - t0))s")
echo "== build, typecheck, lint"
t0=$SECONDS
node scripts/build.mjs
npx tsc --noEmit -p . && npx tsc --noEmit -p src/webview
npx eslint src test bench scripts
layer_times+=("build $((SECONDS - t0))s")
set +e

mkdir -p out/results
rm -f out/results/*.tap out/results/*.counts
failed_layers=()

# Runs node's test runner on the built files under out/<dir>, one file at a
# time in order for layers that share machine resources.
node_layer() {
  local name=$1 dir=$2 concurrency=$3
  mapfile -t files < <(find "out/$dir" -name '*.test.js' 2>/dev/null | sort)
  if [ ${#files[@]} -eq 0 ]; then echo "no $name tests found under out/$dir"; failed_layers+=("$name"); return; fi
  echo "== $name tests (${#files[@]} files)"
  local t0=$SECONDS
  node --test --test-concurrency="$concurrency" \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=tap --test-reporter-destination="out/results/$name.tap" \
    "${files[@]}" || failed_layers+=("$name")
  layer_times+=("$name $((SECONDS - t0))s")
}

# The e2e layers write "<passed> <failed>" to out/results/<name>.counts.
e2e_layer() {
  local name=$1 main=$2
  echo "== $name tests"
  local t0=$SECONDS
  node "$main" || failed_layers+=("$name")
  layer_times+=("$name $((SECONDS - t0))s")
}

want unit && node_layer unit test/unit 2
want integration && node_layer integration test/integration 1
want equivalence && node_layer equivalence test/equivalence 1
# The reliability summary is rebuilt by this run's files only (summary.test.js checks it).
want reliability && rm -f out/results/reliability-summary.json && node_layer reliability test/reliability 1
want compat && node_layer compat test/compat 1
want host && e2e_layer host out/test/e2e/hostTests.main.js
want user && e2e_layer user out/test/e2e/userFlow.main.js

passed=0; failed=0
for f in out/results/*.tap; do
  [ -f "$f" ] || continue
  p=$(grep -E '^# pass [0-9]+' "$f" | tail -1 | awk '{print $3}')
  x=$(grep -E '^# fail [0-9]+' "$f" | tail -1 | awk '{print $3}')
  passed=$((passed + ${p:-0})); failed=$((failed + ${x:-0}))
done
for f in out/results/*.counts; do
  [ -f "$f" ] || continue
  read -r p x < "$f"
  passed=$((passed + ${p:-0})); failed=$((failed + ${x:-0}))
done
echo
echo "times: ${layer_times[*]} (total ${SECONDS}s)"
if [ ${#failed_layers[@]} -gt 0 ]; then echo "failed layers: ${failed_layers[*]}"; fi
echo "$passed passed, $failed failed"
[ ${#failed_layers[@]} -eq 0 ] && [ "$failed" -eq 0 ]
