#!/usr/bin/env bash
# The demo (`npm run demo`), on a fresh clone: installs what is missing
# (npm packages, Python venvs with dbt, Debian packages, code-server),
# packages the extension, starts code-server with it on a copy of the demo
# dbt project (demo/project, DuckDB, seeds: runs offline) and prints the URL.
# Ctrl-C stops everything it started.
#   DEMO_PORT=8123 npm run demo     fixed port (default: a free one)
#   npm run demo -- --postgres      the same project on a local throwaway PostgreSQL
#                                   server (scripts/postgres.sh), stopped on exit
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --e2e
node scripts/build.mjs test/e2e/demo.main.ts
exec node out/test/e2e/demo.main.js "$@"
