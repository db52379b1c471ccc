#!/usr/bin/env bash
# System libraries the project needs beyond Python packages: EGL/Mesa for headless MuJoCo
# rendering (llvmpipe on CPU-only machines), and a C++ compiler for torch.compile (SACConfig.compile).
# Installs them with apt when missing and root.
set -euo pipefail
need=(libegl1 libegl-mesa0 libgl1-mesa-dri libgles2 g++)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing system packages: ${missing[*]}. Install them: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "Installing system packages: ${missing[*]}"
apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
