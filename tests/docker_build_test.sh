#!/usr/bin/env bash
# Builds the container image and runs each binary's --help inside it, as the
# non-root user. Exit 77 (skipped) without a Docker daemon.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if ! command -v docker >/dev/null || ! docker info >/dev/null 2>&1; then
  echo "SKIP: no Docker daemon here; the image is not built by this run"
  exit 77
fi
tag="scim:test-$$"
trap 'docker rmi -f "$tag" >/dev/null 2>&1 || true' EXIT
docker build -t "$tag" "$root"
[ "$(docker run --rm --entrypoint id "$tag" -u)" = "10001" ]
for bin in scimd scim-edge identity-service token-service audit-service scimctl; do
  docker run --rm --entrypoint "/usr/local/bin/$bin" "$tag" --help >/dev/null
done
# No compiler or build tools at runtime.
! docker run --rm --entrypoint sh "$tag" -c 'command -v g++ || command -v cmake'
echo "image ok"
