#!/usr/bin/env bash
# Resolves one fully pinned requirements file with pip in a scratch venv
# (run by hand when a pin changes, never by the tests; setup.sh installs the
# result with --no-deps). Python 3.11, like the test venvs.
#   scripts/resolve-requirements.sh OUT.txt "HEADER" SPEC...
#   e.g. scripts/resolve-requirements.sh requirements/compat/dbt-1.5.txt \
#          "dbt-core 1.5 (compat layer)" dbt-core==1.5.12 dbt-duckdb==1.5.2
set -euo pipefail
out=$1 header=$2; shift 2
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
python3 -m venv "$scratch/venv"
"$scratch/venv/bin/python" -m pip install --quiet --disable-pip-version-check "$@"
{
  echo "# $header: the whole dependency set of: $*"
  echo "# Resolved by scripts/resolve-requirements.sh; installed with --no-deps by scripts/setup.sh."
  "$scratch/venv/bin/python" -m pip freeze --all --exclude pip --exclude setuptools --exclude wheel
} > "$out"
echo "wrote $out ($(grep -vc '^#' "$out") packages)"
