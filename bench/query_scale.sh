#!/usr/bin/env bash
# Issue #4 benchmark: get-by-id and `userName eq` filter at growing tenant
# sizes (default 10 000, 100 000, 1 000 000 users), with the shared wrk
# workloads (../shared/bench/lua). Seeding goes straight into RocksDB through
# ResourceStore (bench_seed_users); the reads go over HTTP to scimd.
#   bench/query_scale.sh [N ...]     env: DURATION=10 THREADS=2 CONNS=16
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/bin}
lua=${LUA_DIR:-$root/../shared/bench/lua}
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(10000 100000 1000000)
D=${DURATION:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
# The load generator and tools, from Debian (node is preinstalled).
. "$root/scripts/lib.sh"
. "$root/bench/lib.sh"
scim_ensure_packages wrk curl

run_wrk() {  # NAME SCRIPT VAR=VALUE...
  local name=$1 script=$2; shift 2
  local line
  line=$(env "$@" LUA_DIR="$lua" SCIM_TOKEN="$key" STRICT_STATUS=1 \
    wrk -t"$THREADS" -c"$CONNS" -d"${D}s" --timeout 5s -s "$lua/$script" "$base" 2>/dev/null |
    grep '^RESULT ' | tail -n1)
  echo "N=$n $name ${line#RESULT }"
}

echo "# N workload req_per_s p99_ms errors"
for n in "${sizes[@]}"; do
  work=$(mktemp -d)
  "$bin/bench_seed_users" --db_dir="$work/data/identity" --tenant=demo \
    --users="$n" --ids_file="$work/ids" >&2
  bench_start_scimd "$work"
  total=$(curl -s -H "Authorization: Bearer $key" "$base/Users?count=0" | grep -o '"totalResults":[0-9]*')
  echo "# N=$n $total rss_kb=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)" >&2
  run_wrk W2_get w2_get.lua IDS_FILE="$work/ids"
  # The lookup names: all of them up to 100 000 (wrk keeps each request in
  # memory per thread), spread over the whole tenant beyond that.
  run_wrk W3_filter_eq w3_filter_eq.lua N=$(( n < 100000 ? n : 100000 ))
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
done
