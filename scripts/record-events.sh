#!/usr/bin/env bash
# Records real dbt event streams (and a manifest) of the jaffle fixture for
# unit tests, into test/fixtures/events/ and test/fixtures/manifests/.
#
#   scripts/record-events.sh            record everything (about 5 minutes)
#   scripts/record-events.sh build ls   record only the named streams (dbt 1.12)
#
# Each stream <name> gives:
#   events/<name>.jsonl  dbt's stdout lines that are JSON (`--log-format json
#                        --log-level debug`), in order; other lines are counted only
#   events/<name>.exit   dbt's exit code
# and events/index.json lists every stream with its args, exit code and counts.
# The temp project path becomes <PROJECT>, the repo path <REPO>, the venvs
# <VENV>, $HOME <HOME>, so recordings do not depend on the machine.
# Streams run in the order below, on one temp copy: later ones see the tables
# the earlier ones built (seed first, then build, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
OUT=$REPO/test/fixtures/events
MANIFESTS=$REPO/test/fixtures/manifests
VENV=${DBT_CONDUCTOR_VENV:-$REPO/.venv}
VENV18=${DBT_CONDUCTOR_VENV_18:-$REPO/.venv-dbt18}

for v in "$VENV" "$VENV18"; do
  [ -x "$v/bin/dbt" ] || { echo "record-events: no dbt at $v/bin/dbt; run scripts/setup.sh first" >&2; exit 1; }
done

# name | dbt arguments (one string, split on spaces; the vars ones are special-cased below)
STREAMS=(
  "seed|seed"
  "build|build"
  "show_failing_test|show --select accepted_values_orders_status__placed__shipped__completed__return_pending__returned"
  "run_one|run --select orders"
  "compile_one|compile --select customers"
  "show|show --select customers"
  "test|test"
  "snapshot|snapshot"
  "source_freshness|source freshness"
  "ls|ls"
  "parse|parse"
  "parse_after_edit|parse"
  "run_broken_runtime|run --vars {broken_runtime: true}"
  "run_broken_compile|run --vars {broken_compile: true}"
  "unknown_selector|run --select no_such_model"
  "unknown_named_selector|run --selector no_such_selector"
)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/record-events.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

# Copies the fixture without build leftovers; echoes the copy's path.
copy_fixture() {
  local dest=$TMP/$1/jaffle
  mkdir -p "$dest"
  (cd test/fixtures/jaffle && tar --exclude=./target --exclude=./logs --exclude='*.duckdb' --exclude='*.duckdb.wal' -cf - .) | (cd "$dest" && tar -xf -)
  echo "$dest"
}

# scrub <project dir>: stdin JSON-lines filter. Writes JSON lines to stdout, prints
# "json=N other=M" to fd 3.
scrub() {
  "$VENV/bin/python" -c '
import json, os, sys
project, repo, venv, venv18, home = sys.argv[1:6]
# Longest first, so a path inside another is replaced by its own name.
pairs = sorted([(project, "<PROJECT>"), (venv18, "<VENV>"), (venv, "<VENV>"), (repo, "<REPO>"), (home, "<HOME>")],
               key=lambda p: -len(p[0]))
pairs = [(os.path.realpath(a), b) for a, b in pairs] + pairs
good = other = 0
for line in sys.stdin:
    line = line.rstrip("\n")
    try:
        ok = isinstance(json.loads(line), dict)
    except ValueError:
        ok = False
    if not ok:
        other += 1
        continue
    for a, b in pairs:
        if a and a != "/":
            line = line.replace(a, b)
    sys.stdout.write(line + "\n")
    good += 1
os.write(3, f"json={good} other={other}".encode())
' "$1" "$REPO" "$VENV" "$VENV18" "$HOME"
}

INDEX=$TMP/index.lines
: > "$INDEX"

# The exit code must come from dbt, not from the pipeline: run dbt, save its
# status, then filter.
run_one() {
  local venv=$1 project=$2 stem=$3 name=$4; shift 4
  local rc=0
  mkdir -p "$(dirname "$stem")"
  (cd "$project" && env DBT_DUCKDB_PATH="$project/jaffle.duckdb" DBT_DUCKDB_PATH_CI="$project/jaffle_ci.duckdb" \
    DBT_PROFILES_DIR="$project" DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=false \
    timeout 600 "$venv/bin/dbt" --log-format json --log-level debug --no-use-colors "$@" \
    >"$TMP/stdout" 2>"$TMP/stderr") || rc=$?
  local counts
  counts=$(scrub "$project" <"$TMP/stdout" 3>&1 >"$stem.jsonl")
  echo "$rc" > "$stem.exit"
  local stderr_lines
  stderr_lines=$(wc -l <"$TMP/stderr" | tr -d ' ')
  local json=${counts#json=}; json=${json%% *}
  local other=${counts##*other=}
  local version
  version=$("$venv/bin/python" -c 'import dbt.version; print(dbt.version.__version__)')
  printf '  %-24s exit %s  %6s JSON lines, %s other stdout lines, %s stderr lines\n' "$name" "$rc" "$json" "$other" "$stderr_lines"
  "$VENV/bin/python" -c 'import json, sys; print(json.dumps({"name": sys.argv[1], "file": sys.argv[2], "dbtVersion": sys.argv[3], "args": sys.argv[7:], "exitCode": int(sys.argv[4]), "jsonLines": int(sys.argv[5]), "otherLines": int(sys.argv[6])}))' \
    "$name" "${stem#"$OUT"/}.jsonl" "$version" "$rc" "$json" "$other" "$@" >> "$INDEX"
}

# split_args "<args string>": the vars streams need their YAML kept in one argument.
split_args() {
  case "$1" in
    "run --vars "*) ARGS=(run --vars "${1#run --vars }") ;;
    *) read -r -a ARGS <<<"$1" ;;
  esac
}

ONLY=("$@")
wanted() {
  [ ${#ONLY[@]} -eq 0 ] && return 0
  local n; for n in "${ONLY[@]}"; do [ "$n" = "$1" ] && return 0; done; return 1
}

mkdir -p "$OUT" "$MANIFESTS"
P=$(copy_fixture v112)
echo "dbt $("$VENV/bin/python" -c 'import dbt.version; print(dbt.version.__version__)') in $P"
for entry in "${STREAMS[@]}"; do
  name=${entry%%|*}
  split_args "${entry#*|}"
  # The seeds must exist for the later streams, even when only some are recorded.
  if ! wanted "$name"; then
    [ "$name" = seed ] && (cd "$P" && DBT_DUCKDB_PATH="$P/jaffle.duckdb" DBT_PROFILES_DIR="$P" DO_NOT_TRACK=1 "$VENV/bin/dbt" -q seed >/dev/null 2>&1 || true)
    continue
  fi
  if [ "$name" = parse_after_edit ]; then
    # A partial parse with one file changed: parse quietly (the partial-parse file), then edit one model.
    (cd "$P" && DBT_DUCKDB_PATH="$P/jaffle.duckdb" DBT_PROFILES_DIR="$P" DO_NOT_TRACK=1 "$VENV/bin/dbt" -q parse >/dev/null 2>&1)
    cp "$P/models/marts/orders.sql" "$TMP/orders.sql"
    echo "-- an edit" >> "$P/models/marts/orders.sql"
  fi
  run_one "$VENV" "$P" "$OUT/$name" "$name" "${ARGS[@]}"
  if [ "$name" = parse_after_edit ]; then cp "$TMP/orders.sql" "$P/models/marts/orders.sql"; fi
  if [ "$name" = parse ]; then
    # The manifest of a clean parse, for the language-server tests.
    "$VENV/bin/python" - "$P/target/manifest.json" "$MANIFESTS/jaffle.manifest.json" "$P" "$REPO" "$VENV" "$HOME" <<'PY'
import os, sys
src, dest, project, repo, venv, home = sys.argv[1:7]
text = open(src, encoding="utf-8").read()
for a, b in sorted([(project, "<PROJECT>"), (venv, "<VENV>"), (repo, "<REPO>"), (home, "<HOME>")], key=lambda p: -len(p[0])):
    text = text.replace(os.path.realpath(a), b).replace(a, b)
open(dest, "w", encoding="utf-8").write(text)
print(f"  manifest -> {os.path.relpath(dest, repo)} ({len(text)} bytes)")
PY
  fi
done

if wanted dbt18/build; then
  P18=$(copy_fixture v18)
  echo "dbt $("$VENV18/bin/python" -c 'import dbt.version; print(dbt.version.__version__)') in $P18"
  run_one "$VENV18" "$P18" "$OUT/dbt18/build" "dbt18/build" build
fi

# index.json: merge with what is there, so a partial re-run keeps the other entries.
"$VENV/bin/python" - "$INDEX" "$OUT/index.json" <<'PY'
import json, os, sys
new = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
old = json.load(open(sys.argv[2])) if os.path.exists(sys.argv[2]) else {"streams": []}
by_name = {s["name"]: s for s in old["streams"]}
by_name.update({s["name"]: s for s in new})
doc = {
    "about": "Recorded by scripts/record-events.sh from test/fixtures/jaffle; see test/fixtures/events/README.md.",
    "streams": sorted(by_name.values(), key=lambda s: s["name"]),
}
with open(sys.argv[2], "w") as f:
    json.dump(doc, f, indent=2)
    f.write("\n")
PY
echo "done: $(ls "$OUT"/*.jsonl "$OUT"/dbt18/*.jsonl 2>/dev/null | wc -l) streams in ${OUT#"$REPO"/}"
