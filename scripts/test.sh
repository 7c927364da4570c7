#!/usr/bin/env bash
# Installs what is missing, then runs the linter, the type checker and the whole test suite
# (offscreen Qt); then the storage and service suites again with every clinic the fixtures make
# encrypted (pytest --encrypted), and again on a throwaway PostgreSQL cluster, the clinic
# server (pytest --engine postgresql). Arguments go to the first run; any run failing fails this.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check frontdesk tests bench scripts
.venv/bin/mypy
status=0
.venv/bin/python -m pytest "$@" || status=$?
# Left out of the encrypted run for time (about two thirds of it): input limits, the role
# matrix, the demo's filling and handouts' PDFs, which run the same SQL on either kind of file.
echo "Again with every clinic encrypted: tests/storage and tests/services"
.venv/bin/python -m pytest --encrypted tests/storage tests/services \
    --ignore=tests/services/test_id_limits.py --ignore=tests/services/test_text_limits.py \
    --ignore=tests/services/test_role_matrix.py --ignore=tests/services/test_demo.py \
    --ignore=tests/services/test_handouts.py || status=$?
echo "Again on the clinic server (PostgreSQL): tests/storage and tests/services"
.venv/bin/python -m pytest --engine postgresql tests/storage tests/services || status=$?
exit "$status"
