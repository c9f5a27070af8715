#!/usr/bin/env bash
# Quick start on a fresh Debian/Ubuntu machine: virtualenv, the package, the real
# Prometheus + Alertmanager (apt-get, when missing), then the demo.
#   bash scripts/quickstart.sh [demo flags]
# One line per step, so a first run (pip alone takes most of a minute) never looks hung.
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf 'quickstart: %s\n' "$*"; }
elapsed() { printf 'quickstart:   done in %ss\n' "$((SECONDS - $1))"; }

t=$SECONDS
step "checking for Prometheus and Alertmanager (apt-get installs them when missing) ..."
bash scripts/install-servers.sh
elapsed "$t"

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  t=$SECONDS
  step "creating a virtualenv in .venv ..."
  if ! "$PY" -m venv .venv 2>/dev/null; then
    step "  python3-venv is missing: installing it with apt-get ..."
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get install -y -qq python3-venv >/dev/null
    "$PY" -m venv .venv
  fi
  elapsed "$t"
fi

t=$SECONDS
step "installing oncall-tui and its dependencies into .venv (about a minute the first time) ..."
.venv/bin/python -m pip install -q --disable-pip-version-check .
elapsed "$t"

step "starting the demo: a real Prometheus, Alertmanager and a simulated service (q quits) ..."
exec .venv/bin/oncall-tui demo "$@"
