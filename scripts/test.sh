#!/usr/bin/env bash
# The one command that sets everything up and runs every check:
#   bash scripts/test.sh [extra pytest args]   (PYTEST_WORKERS=N: xdist workers, default 4)
# Creates .venv (if missing), installs the package with its dev tools, installs the real
# `prometheus` and `prometheus-alertmanager` with apt-get when they are missing, then runs
# ruff, mypy, the import-layering contract and the whole pytest suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-servers.sh

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -U pip
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[dev]'

echo "== ruff (at ${SECONDS}s)"
.venv/bin/ruff check src tests benchmarks
.venv/bin/ruff format --check src tests benchmarks
echo "== mypy (at ${SECONDS}s)"
.venv/bin/mypy
echo "== import layering (at ${SECONDS}s)"
.venv/bin/lint-imports
echo "== pytest (at ${SECONDS}s)"
# Parallel: most tests wait on real servers, so more workers than cores still pay off;
# tests sharing a module's servers stay on one worker (tests/conftest.py), and each
# worker has ports of its own (tests/ports.py). PYTEST_WORKERS=0 runs in-process.
.venv/bin/python -m pytest -q -p no:cacheprovider \
  -n "${PYTEST_WORKERS:-4}" --dist loadgroup "$@"
