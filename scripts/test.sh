#!/usr/bin/env bash
# Installs what is missing, then runs the linter and the whole test suite (offscreen Qt).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check frontdesk tests bench scripts
exec .venv/bin/python -m pytest "$@"
