#!/usr/bin/env bash
# Installs what is missing, builds, runs every test with ctest, prints the
# runner's summary and exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
scim_ensure_packages
scim_build
cd build
# Tests start their own servers on free ports; two at a time fits 2 cores.
ctest --output-on-failure -j2 --timeout 600
