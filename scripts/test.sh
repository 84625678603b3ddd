#!/usr/bin/env bash
# Installs what is missing, builds, runs every test, prints the runner's
# summary and exits non-zero on any failure.
#
# Bazel (the second build of the same targets, offline) runs first so that
# ctest's summary is the last thing printed. SCIM_SKIP_BAZEL=1 skips it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh
if [ "${SCIM_SKIP_BAZEL:-0}" != 1 ]; then
  scim_ensure_packages bazel-bootstrap
else
  scim_ensure_packages
fi
scim_build

if [ "${SCIM_SKIP_BAZEL:-0}" != 1 ]; then
  echo "== bazel build //... && bazel test //..." >&2
  bazel_status=0
  bazel test //... >&2 || bazel_status=$?
  bazel shutdown >/dev/null 2>&1 || true
  if [ "$bazel_status" -ne 0 ]; then
    echo "bazel test //... failed (exit $bazel_status)" >&2
    exit "$bazel_status"
  fi
fi

echo "== ctest" >&2
cd build
# Tests start their own servers on free ports; two at a time fits 2 cores.
ctest --output-on-failure -j2 --timeout 600
