#!/usr/bin/env bash
# Installs what is missing, then starts Frontdesk on the demo clinic, which lives in a file of
# its own (frontdesk-demo.sqlite3 beside the clinic's database, filled when empty), never in
# the clinic's database. Extra arguments go to `frontdesk`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/frontdesk --demo "$@"
