#!/usr/bin/env bash
# Quick start on a fresh Debian/Ubuntu machine: virtualenv, the package, the real
# Prometheus + Alertmanager (apt-get, when missing), then the demo.
#   bash scripts/quickstart.sh [demo flags]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-servers.sh
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv 2>/dev/null; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq python3-venv >/dev/null
    "$PY" -m venv .venv
  fi
fi
.venv/bin/python -m pip install -q --disable-pip-version-check .
exec .venv/bin/oncall-tui demo "$@"
