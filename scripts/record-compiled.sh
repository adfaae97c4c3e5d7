#!/usr/bin/env bash
# Records real compiled SQL and database error messages for the unit tests of
# the compiled-line -> source-line mapping (src/dbt/compiledLines.ts) and of
# error locations (src/dbt/diagnosticsModel.ts), into test/fixtures/compiled/:
#
#   <project>/<model path>.sql   dbt's target/compiled/ output of every model
#   errors.json                  the message dbt gave for each model that fails
#                                at run time (names a line of the executed SQL)
#
# Projects: test/fixtures/jaffle (vars broken_runtime on) and
# test/fixtures/compiled_lines (var runtime_error on), each on a temp copy.
#   scripts/record-compiled.sh        (about a minute)
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=$REPO/test/fixtures/compiled
VENV=${DBT_CONDUCTOR_VENV:-$REPO/.venv}
[ -x "$VENV/bin/dbt" ] || { echo "record-compiled: no dbt at $VENV/bin/dbt; run scripts/setup.sh first" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/record-compiled.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
rm -rf "$OUT"
mkdir -p "$OUT"
ERRORS=$TMP/errors.lines
: > "$ERRORS"

# record <fixture> <vars> <failing model>: compile everything, then run the failing model and its parents.
record() {
  local fixture=$1 vars=$2 failing=$3
  local dir=$TMP/$fixture
  mkdir -p "$dir"
  (cd "test/fixtures/$fixture" && tar --exclude=./target --exclude=./logs --exclude='*.duckdb' --exclude='*.duckdb.wal' -cf - .) | (cd "$dir" && tar -xf -)
  local dbt=("$VENV/bin/dbt" --no-use-colors -q)
  local env=(env DBT_DUCKDB_PATH="$dir/db.duckdb" DBT_DUCKDB_PATH_CI="$dir/ci.duckdb" DBT_PROFILES_DIR="$dir" DO_NOT_TRACK=1)
  [ -d "$dir/seeds" ] && (cd "$dir" && "${env[@]}" "${dbt[@]}" seed >/dev/null)
  (cd "$dir" && "${env[@]}" "${dbt[@]}" compile --vars "$vars" >/dev/null)
  local name
  name=$(sed -n 's/^name: *//p' "$dir/dbt_project.yml")
  mkdir -p "$OUT/$fixture"
  (cd "$dir/target/compiled/$name" && tar -cf - models) | (cd "$OUT/$fixture" && tar -xf -)
  (cd "$dir" && "${env[@]}" "${dbt[@]}" run --vars "$vars" --select "+$failing" >/dev/null) || true
  "$VENV/bin/python" - "$dir/target/run_results.json" "$fixture" "$dir" >> "$ERRORS" <<'PY'
import json, sys
results, fixture, project = sys.argv[1:4]
for r in json.load(open(results))["results"]:
    if r["status"] == "error":
        print(json.dumps({"fixture": fixture, "uniqueId": r["unique_id"], "message": r["message"].replace(project, "<PROJECT>")}))
PY
  echo "  $fixture: $(find "$OUT/$fixture" -name '*.sql' | wc -l) compiled models"
}

record jaffle '{broken_runtime: true}' broken_runtime
record compiled_lines '{runtime_error: true}' runtime_error

"$VENV/bin/python" - "$ERRORS" "$OUT/errors.json" "$("$VENV/bin/python" -c 'import dbt.version; print(dbt.version.__version__)')" <<'PY'
import json, sys
errors = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
doc = {"about": "Recorded by scripts/record-compiled.sh; dbt-core " + sys.argv[3] + " on DuckDB.", "errors": errors}
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
print(f"  errors.json: {len(errors)} runtime errors")
PY
