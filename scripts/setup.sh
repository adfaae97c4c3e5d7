#!/usr/bin/env bash
# Installs everything the demo, the tests and the benchmarks need, on a fresh
# clone. Idempotent: each step is skipped when its inputs have not changed.
#   scripts/setup.sh            npm packages + Python venvs with pinned dbt
#   scripts/setup.sh --e2e      also Debian packages and code-server for the
#                               end-to-end tests and the demo
#   scripts/setup.sh --compat   also one venv per dbt-core minor for the compat
#                               layer (requirements/compat/), cached across clones
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
E2E=0
COMPAT=0
for a in "$@"; do
  [ "$a" = "--e2e" ] && E2E=1
  [ "$a" = "--compat" ] && COMPAT=1
done

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

# make_venv DIR REQUIREMENTS [ADAPTER...]: the venv, unless its stamp matches.
# pip is bounded (10 min) so a stalled download fails the setup instead of hanging it.
make_venv() {
  local dir=$1 req=$2; shift 2
  local h; h=$(hash_of "$req")
  if stamp_ok "$dir/.setup-stamp" "$h"; then return; fi
  log "python venv $dir from $req"
  rm -rf "$dir"
  python3 -m venv "$dir"
  timeout 600 "$dir/bin/python" -m pip install --quiet --disable-pip-version-check --no-deps -r "$req"
  local imports="import dbt.version" a
  for a in "${@:-duckdb}"; do imports="$imports, dbt.adapters.$a"; done
  "$dir/bin/python" -c "$imports; print('dbt-core', dbt.version.__version__)"
  echo "$h" > "$dir/.setup-stamp"
}
make_venv .venv requirements/dbt-1.12.txt duckdb postgres
make_venv .venv-dbt18 requirements/dbt-1.8.txt

# --- PostgreSQL server binaries for scripts/postgres.sh (Debian's package) ---
if ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  command -v apt-get >/dev/null || { echo "setup: PostgreSQL server binaries missing and no apt-get" >&2; exit 1; }
  log "apt-get install postgresql"
  # Only the binaries: no system-wide cluster on port 5432 (scripts/postgres.sh makes throwaway ones).
  mkdir -p /etc/postgresql-common/createcluster.d
  echo 'create_main_cluster = false' > /etc/postgresql-common/createcluster.d/dbt-conductor.conf
  apt-get update -qq && apt-get install -y -qq postgresql
fi

# --- compat layer: one venv per dbt-core minor, cached by requirements hash ---
# In ~/.cache/dbt-conductor/venvs so a second clone on the machine reuses them;
# .venv-compat/dbt-<minor> links to each. dbt-core 1.12 is .venv itself.
if [ "$COMPAT" = 1 ]; then
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/dbt-conductor/venvs
  mkdir -p "$cache" .venv-compat
  ln -sfn "$ROOT/.venv" .venv-compat/dbt-1.12
  for req in requirements/compat/dbt-*.txt; do
    name=$(basename "$req" .txt)
    dir=$cache/$name-$(hash_of "$req")
    # One builder per venv across clones; the others wait for it.
    ( flock 9; make_venv "$dir" "$req" ) 9>"$dir.lock"
    ln -sfn "$dir" ".venv-compat/$name"
  done
fi

if [ "$E2E" = 1 ] && [ -f scripts/setup-e2e.sh ]; then
  bash scripts/setup-e2e.sh
fi
log "done"
