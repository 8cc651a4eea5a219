#!/usr/bin/env bash
# vendor-deps.sh [DIR]: copies the third-party sources carry builds with (CLI11 and nlohmann_json
# headers, GoogleTest sources) from this machine's Debian packages into DIR (default .vendor, which
# git ignores), for building on a machine where they cannot be installed: carry that folder along
# and CMake uses it (cmake/CarryDependencies.cmake, cmake/CarryGTest.cmake).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.vendor}
bash scripts/install-deps.sh
rm -rf "$dir"
mkdir -p "$dir/include"
cp -r /usr/include/CLI "$dir/include/CLI"
cp -r /usr/include/nlohmann "$dir/include/nlohmann"
cp -r /usr/src/googletest "$dir/googletest"
echo "vendored into $dir: $(du -sh "$dir" | cut -f1)"
