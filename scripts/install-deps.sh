#!/usr/bin/env bash
# install-deps.sh: installs the Debian packages carry builds with, if any are missing.
#   bash scripts/install-deps.sh                   what the build and the tests need
#   bash scripts/install-deps.sh --with-fuzzing    also clang and its runtimes (libFuzzer,
#                                                  sanitizers), for the fuzz targets, and
#                                                  clang-format: what .ci/run needs
# Needs root (or sudo) only when something is missing. CUDA (nvcc) is not a Debian package here:
# when /usr/local/cuda/bin/nvcc or an nvcc on PATH exists, the build picks it up by itself.
set -euo pipefail

packages=(cmake ninja-build g++ libgtest-dev libcli11-dev nlohmann-json3-dev)
if [[ "${1:-}" == "--with-fuzzing" ]]; then
  packages+=(clang libclang-rt-14-dev clang-format)
elif [[ $# -gt 0 ]]; then
  echo "usage: $0 [--with-fuzzing]" >&2
  exit 2
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$package")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
echo "installing: ${missing[*]}"
sudo_if_needed=()
if [[ $(id -u) != 0 ]]; then sudo_if_needed=(sudo); fi
"${sudo_if_needed[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_if_needed[@]}" apt-get install -y -qq "${missing[@]}"
