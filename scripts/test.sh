#!/usr/bin/env bash
# Installs what is missing, then runs the linter, the type checker and the whole test suite
# (offscreen Qt).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check frontdesk tests bench scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
