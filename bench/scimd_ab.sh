#!/usr/bin/env bash
# A/B of two scimd configurations on the shared workloads: scimd A (flags
# "$A") and scimd B (flags "$B") run side by side, each seeded with N users by
# the harness's seed.mjs, and each workload alternates between them RUNS times
# (default 3), so both see the same machine. Prints each run, then per
# workload the medians and B/A.
#   A='--direct_identity_calls=false' B='' bench/scimd_ab.sh [RUNS]
#   env: N=10000 DURATION=10 THREADS=2 CONNS=16 WORKLOADS="W2 W3 W4 W5 W1"
#        BIN_A, BIN_B: each side's binaries (default: build/bin for both), to
#        compare two builds
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/bin}
shared=${SHARED_BENCH:-$root/../shared/bench}
runs=${1:-${RUNS:-3}}
N=${N:-10000}
D=${DURATION:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
WORKLOADS=${WORKLOADS:-W2 W3 W4 W5 W1}
. "$root/scripts/lib.sh"
. "$root/bench/lib.sh"
scim_ensure_packages wrk curl
work=$(mktemp -d)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT

declare -A base_of key_of
for side in A B; do
  mkdir -p "$work/$side"
  side_bin=BIN_$side
  bin=${!side_bin:-${BIN:-$root/build/bin}}
  # shellcheck disable=SC2086  # the flags are words
  bench_start_scimd "$work/$side" ${!side:-}
  pids+=("$pid")
  base_of[$side]=$base
  key_of[$side]=$key
  SCIM_BASE_URL=$base SCIM_TOKEN=$key N=$N node "$shared/seed.mjs" "$work/$side/ids" >&2
done

# wrk_run SIDE WORKLOAD -> "req_per_s p99_ms errors"
wrk_run() {
  local side=$1 script vars=()
  case $2 in
    W1) script=w1_create.lua; vars=(RUN_ID="$side$RANDOM$RANDOM") ;;
    W2) script=w2_get.lua; vars=(IDS_FILE="$work/$side/ids") ;;
    W3) script=w3_filter_eq.lua; vars=(N="$N") ;;
    W4) script=w4_list_page.lua; vars=(N="$N") ;;
    W5) script=w5_patch_user.lua; vars=(IDS_FILE="$work/$side/ids") ;;
    *) echo "unknown workload $2" >&2; exit 2 ;;
  esac
  env "${vars[@]}" LUA_DIR="$shared/lua" SCIM_TOKEN="${key_of[$side]}" STRICT_STATUS=1 \
    wrk -t"$THREADS" -c"$CONNS" -d"${D}s" --timeout 5s -s "$shared/lua/$script" \
    "${base_of[$side]}" 2>/dev/null | awk '/^RESULT/ {print $2, $3, $4}'
}

for r in $(seq 1 "$runs"); do
  for w in $WORKLOADS; do
    for side in A B; do
      echo "run$r $w $side $(wrk_run "$side" "$w")" | tee -a "$work/results"
    done
  done
done

python3 - "$work/results" <<'PY'
import statistics, sys
per = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 4 and f[3] != "NA":
        per.setdefault((f[1], f[2]), []).append(float(f[3]))
print("# medians: workload A B B/A")
for w in sorted({w for w, _ in per}):
    a, b = per.get((w, "A")), per.get((w, "B"))
    if a and b:
        ma, mb = statistics.median(a), statistics.median(b)
        print(f"{w} {ma:.0f} {mb:.0f} {mb / ma:.2f}x")
PY
