#!/usr/bin/env bash
# Installs what is missing, builds, and runs scimd in the foreground on the
# embedded default (RocksDB under ./data, no Redis). Creates tenant `demo` on
# first start and prints its SCIM base URL and a fresh API key.
# Extra arguments go to scimd (e.g. --http_addr=0.0.0.0:8080).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
scim_ensure_packages
scim_build
exec build/bin/scimd --data_dir=./data --demo "$@"
