#!/usr/bin/env bash
# The shared harness's workloads (W1..W7, ../shared/bench/load.sh) against
# the SCIMMY peer and against scimd, alternately in the same run, RUNS times
# (default 3): prints each run's figures, then the medians and our ratio to
# the peer per workload (higher is better; W6 is last/first latency, lower
# is better). Absolute figures drift on a shared 2-core machine; ratios taken
# in the same run hold up better.
#   bench/vs_scimmy.sh [RUNS]      env: as load.sh (DURATION N G THREADS CONNS)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/bin}
shared=${SHARED_BENCH:-$root/../shared/bench}
runs=${1:-${RUNS:-3}}
. "$root/scripts/lib.sh"
. "$root/bench/lib.sh"
scim_ensure_packages wrk curl
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

run_ours() {  # FILE
  local work pid base key
  work=$(mktemp -d)
  bench_start_scimd "$work"
  SCIM_BASE_URL="$base" SCIM_TOKEN="$key" "$shared/load.sh" >"$1" || true
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}

for r in $(seq 1 "$runs"); do
  echo "# run $r: SCIMMY" >&2
  "$shared/peer-run.sh" "$shared/peers/scimmy" >"$out/peer.$r" || true
  echo "# run $r: scimd" >&2
  run_ours "$out/ours.$r"
  sed "s/^/run$r peer /" "$out/peer.$r"
  sed "s/^/run$r ours /" "$out/ours.$r"
done

# Medians per workload and side, and the ratios.
python3 - "$out" "$runs" <<'PY'
import statistics, sys, re
d, runs = sys.argv[1], int(sys.argv[2])
def load(side):
    per = {}
    for r in range(1, runs + 1):
        for line in open(f"{d}/{side}.{r}"):
            f = line.split()
            if not f: continue
            name = f[0]
            if name.startswith("W6"):
                kv = dict(x.split("=") for x in f[1:] if "=" in x)
                try: per.setdefault(name, []).append(float(kv["last"]) / float(kv["first"]))
                except (KeyError, ValueError, ZeroDivisionError): pass
            else:
                try: per.setdefault(name, []).append(float(f[1]))
                except (IndexError, ValueError): pass
    return {k: statistics.median(v) for k, v in per.items()}
peer, ours = load("peer"), load("ours")
print(f"# medians of {runs} runs: workload peer ours ratio")
for name in sorted(set(peer) | set(ours)):
    p, o = peer.get(name), ours.get(name)
    if name.startswith("W6"):
        print(f"{name}_last_over_first {p and round(p,2)} {o and round(o,2)} (lower is better)")
    elif p and o:
        print(f"{name} {p:.1f} {o:.1f} {o/p:.2f}x")
    else:
        print(f"{name} {p} {o} NA")
PY
