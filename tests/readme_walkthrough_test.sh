#!/usr/bin/env bash
# Runs the README's walk-through block verbatim against a fresh scimd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# $1: scimd itself, or the directory holding it (default build/bin).
scimd=${1:-$root/build/bin}
[ -d "$scimd" ] && scimd=$scimd/scimd
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT
"$scimd" --data_dir="$work/data" --http_addr=127.0.0.1:0 \
  --grpc_addr=127.0.0.1:0 --access_log=false --demo >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 300); do grep -q '"serving"' "$work/err" && break; sleep 0.05; done
SCIM_URL=$(grep -o 'http://[^ ]*' "$work/out")
SCIM_KEY=$(awk '/API key/ {print $3}' "$work/out")
export SCIM_URL SCIM_KEY
# The block between the walkthrough markers, without its ``` fences.
sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' "$root/README.md" |
  grep -v '^<!--' | grep -v '^```' >"$work/walk.sh"
output=$(cd "$work" && bash -euo pipefail walk.sh)
echo "$output"
fail() { echo "FAIL: $1" >&2; exit 1; }
[ "$(grep -c '"userName":"bjensen@example.com"' <<<"$output")" -ge 3 ] || fail "create/get/filter"
grep -q '"totalResults":1' <<<"$output" || fail "filter found nothing"
grep -q '"title":"Tour Guide"' <<<"$output" || fail "replace"
grep -q '^204$' <<<"$output" || fail "delete"
grep -q '"status":"404"' <<<"$output" || fail "gone after delete"
echo "walk-through ok"
