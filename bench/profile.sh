#!/usr/bin/env bash
# CPU profiles of scimd under the shared harness's W2 (get by id) and W1
# (create) workloads: a fresh `scimd --demo`, N users seeded over HTTP by the
# harness's seed.mjs, then each workload's wrk run (same flags as load.sh)
# while `perf record` samples the machine; the reports keep scimd's samples.
# (`perf record -p PID` missed scimd's gRPC server threads here, and sampled
# about half of the CPU time /proc/PID/stat counts; `-a` sees every thread.)
#   bench/profile.sh OUT_DIR    env: N=10000 DURATION=10 THREADS=2 CONNS=16
#                               ACCESS_LOG=false CALL_GRAPH=dwarf (or fp)
#                               WORKLOADS="W2 W1" (any of W1..W5, in order)
# Writes OUT_DIR/perf_w{1,2}.txt (self and children views, top lines, and the
# share of named suspects: bench/perf_breakdown.py) and OUT_DIR/perf_w{1,2}.data;
# stdout: `W2_get req_per_s p99_ms errors cpu_ms_per_req` lines.
# The binaries are built -O2 without frame pointers, hence DWARF unwinding.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/bin}
shared=${SHARED_BENCH:-$root/../shared/bench}
out=${1:?usage: bench/profile.sh OUT_DIR}
N=${N:-10000}
D=${DURATION:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
TOP=${TOP:-25}
# The load generator and tools, from Debian (node is preinstalled).
. "$root/scripts/lib.sh"
. "$root/bench/lib.sh"
scim_ensure_packages linux-perf wrk curl
mkdir -p "$out"
work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

bench_start_scimd "$work" --access_log="${ACCESS_LOG:-false}"
SCIM_BASE_URL=$base SCIM_TOKEN=$key N=$N node "$shared/seed.mjs" "$work/ids" >&2

case ${CALL_GRAPH:-dwarf} in
  dwarf) cg=(--call-graph dwarf,16384) ;;
  *) cg=(-g) ;;
esac

# profile NAME FILE SCRIPT [VAR=VALUE ...]
profile() {
  local name=$1 file=$2 script=$3; shift 3
  local cpu0 t0 line cpu_ms
  cpu0=$(awk '{print $14 + $15}' /proc/"$pid"/stat)
  t0=$(date +%s.%N)
  perf record -a -F 499 -e cpu-clock "${cg[@]}" -o "$out/$file.data" -- sleep "$D" \
    2>"$work/perf.err" &
  local perf_pid=$!
  line=$(env "$@" LUA_DIR="$shared/lua" SCIM_TOKEN="$key" STRICT_STATUS=1 \
    wrk -t"$THREADS" -c"$CONNS" -d"${D}s" --timeout 5s -s "$shared/lua/$script" "$base" |
    grep '^RESULT ' | tail -n1)
  wait "$perf_pid" || true
  # scimd's CPU time (user + system) per request during the run
  cpu_ms=$(awk -v c0="$cpu0" -v c1="$(awk '{print $14 + $15}' /proc/"$pid"/stat)" \
    -v hz="$(getconf CLK_TCK)" -v rps="$(cut -d' ' -f2 <<<"$line")" -v t0="$t0" -v t1="$(date +%s.%N)" \
    'BEGIN {n = rps * (t1 - t0); printf "%.3f", (n > 0 ? (c1 - c0) * 1000 / hz / n : 0)}')
  line="${line#RESULT } $cpu_ms"
  echo "$name $line"
  report() {  # perf report options...; the top lines, trimmed
    perf report -i "$out/$file.data" --pid "$pid" --percentage relative --stdio -g none "$@" \
      2>/dev/null >"$work/report" || true
    grep -v '^#' "$work/report" | grep -v '^$' | sed -E 's/[ -]+$//' | cut -c1-200 |
      head -n "$TOP" || true
  }
  {
    echo "# $name under wrk -t$THREADS -c$CONNS -d${D}s ($script), N=$N, access_log=${ACCESS_LOG:-false}"
    echo "# result: $name $line  (req/s p99_ms errors scimd_cpu_ms_per_req)"
    echo "# perf record -a -F 499 -e cpu-clock ${cg[*]}; reports: --pid <scimd> --percentage relative"
    echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo
    echo "## perf report --no-children --sort symbol (self time)"
    report --no-children --sort symbol
    echo
    echo "## perf report --children --sort symbol (time in a function and its callees)"
    report --children --sort symbol
    echo
    echo "## perf report --no-children --sort dso"
    TOP=12 report --no-children --sort dso
    echo
    echo "## threads (perf report --sort comm)"
    TOP=8 report --no-children --sort comm
    echo
    echo "## named suspects: share of scimd's samples with the frame anywhere on the stack"
    perf script -i "$out/$file.data" --pid "$pid" -F comm,tid,ip,sym,dso 2>/dev/null |
      python3 "$root/bench/perf_breakdown.py" || true
  } >"$out/$file.txt"
}

for w in ${WORKLOADS:-W2 W1}; do
  case $w in
    W2) profile W2_get perf_w2 w2_get.lua IDS_FILE="$work/ids" ;;
    W3) profile W3_filter_eq perf_w3 w3_filter_eq.lua N="$N" ;;
    W4) profile W4_list_page perf_w4 w4_list_page.lua N="$N" ;;
    W5) profile W5_patch_user perf_w5 w5_patch_user.lua IDS_FILE="$work/ids" ;;
    W1) profile W1_create perf_w1 w1_create.lua RUN_ID="$(date +%s)$$" ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
