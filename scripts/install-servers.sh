#!/usr/bin/env bash
# Install the real Prometheus and Alertmanager (Debian/Ubuntu packages) when missing.
set -euo pipefail
need=()
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
if ! command -v prometheus-alertmanager >/dev/null 2>&1 && ! command -v alertmanager >/dev/null 2>&1; then
  need+=(prometheus-alertmanager)
fi
[ ${#need[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing ${need[*]} with apt-get"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's packages start system services where an init system runs; the tool and its
# tests start their own on free ports, so stop those quietly.
$SUDO systemctl disable --now prometheus prometheus-alertmanager >/dev/null 2>&1 || true
