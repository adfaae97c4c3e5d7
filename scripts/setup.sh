#!/usr/bin/env bash
# Installs everything the demo, the tests and the benchmarks need, on a fresh
# clone. Idempotent: each step is skipped when its inputs have not changed.
#   scripts/setup.sh            npm packages + Python venvs with pinned dbt
#   scripts/setup.sh --e2e      also Debian packages and code-server for the
#                               end-to-end tests and the demo
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
E2E=0
for a in "$@"; do [ "$a" = "--e2e" ] && E2E=1; done

log() { printf '\n== setup: %s\n' "$*"; }
stamp_ok() { [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; }
hash_of() { cat "$@" | sha256sum | cut -c1-16; }

# --- npm packages (from the lock file) ---
h=$(hash_of package-lock.json)
if ! stamp_ok node_modules/.setup-stamp "$h"; then
  log "npm ci"
  npm ci --no-audit --no-fund
  echo "$h" > node_modules/.setup-stamp
fi

# --- Python venvs with pinned dbt-core + dbt-duckdb ---
# Each requirements file is the full, pinned dependency set; --no-deps keeps
# pip from resolving anything else (see the note in requirements/dbt-1.12.txt).
# Debian's python3 needs python3-venv for `python3 -m venv`.
if ! python3 -c 'import ensurepip, venv' 2>/dev/null && command -v apt-get >/dev/null; then
  log "apt-get install python3-venv"
  apt-get update -qq && apt-get install -y -qq python3-venv
fi

make_venv() {
  local dir=$1 req=$2
  local h; h=$(hash_of "$req")
  if stamp_ok "$dir/.setup-stamp" "$h"; then return; fi
  log "python venv $dir from $req"
  rm -rf "$dir"
  python3 -m venv "$dir"
  "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req"
  "$dir/bin/python" -c "import dbt.version, dbt.adapters.duckdb; print('dbt-core', dbt.version.__version__)"
  echo "$h" > "$dir/.setup-stamp"
}
make_venv .venv requirements/dbt-1.12.txt
make_venv .venv-dbt18 requirements/dbt-1.8.txt

if [ "$E2E" = 1 ] && [ -f scripts/setup-e2e.sh ]; then
  bash scripts/setup-e2e.sh
fi
log "done"
