#!/usr/bin/env bash
# Runs the README's walk-through block verbatim against a fresh scimd.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# $1: scimd itself, or the directory holding it (default build/bin).
source "$root/tests/demo_scimd.sh" "${1:-}"
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
grep -q 'messages:2.0:BulkResponse"' <<<"$output" || fail "bulk"
[ "$(grep -o '"status":"201"' <<<"$output" | wc -l)" -ge 2 ] || fail "bulk operations"
echo "walk-through ok"
