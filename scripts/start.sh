#!/usr/bin/env bash
# Installs what is missing, then starts Frontdesk on the local database, with the demo
# clinic filled in if that database is empty. Extra arguments go to `frontdesk`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/frontdesk --demo "$@"
