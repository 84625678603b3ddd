#!/usr/bin/env bash
# Routing overhead of tenant shards on W2 (GET /Users/{id}): one set of
# services (etcd, token, audit, identity shard 0) behind two edges, one
# dialing identity-service directly (--identity_addr) and one routing by the
# shard map (--etcd); the shared W2 workload alternates between them RUNS
# times (default 3). Prints each run's req/s and p99, then the medians and
# the routed edge's cost in percent.
set -euo pipefail
RUNS="${1:-3}"
HERE="$(cd "$(dirname "$0")" && pwd)"
B="$HERE/../build/bin"
LUA="$HERE/../../shared/bench/lua"
D="$(mktemp -d /tmp/routing.XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$D"' EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
EP=$(port); PP=$(port); TP=$(port); AP=$(port); S0=$(port); H1=$(port); H2=$(port)
etcd --data-dir "$D/etcd" --listen-client-urls "http://127.0.0.1:$EP" --advertise-client-urls "http://127.0.0.1:$EP" \
  --listen-peer-urls "http://127.0.0.1:$PP" --initial-advertise-peer-urls "http://127.0.0.1:$PP" \
  --initial-cluster "default=http://127.0.0.1:$PP" --log-level error >"$D/etcd.log" 2>&1 &
head -c 32 /dev/urandom | base64 | tr -d '/+=' >"$D/admin.token"; chmod 600 "$D/admin.token"
common=(--admin_token_file="$D/admin.token")
"$B/audit-service" --data_dir="$D/data" "${common[@]}" --grpc_addr="127.0.0.1:$AP" --token_addr="127.0.0.1:$TP" >"$D/audit.log" 2>&1 &
"$B/token-service" --data_dir="$D/data" "${common[@]}" --grpc_addr="127.0.0.1:$TP" --audit_addr="127.0.0.1:$AP" >"$D/token.log" 2>&1 &
sleep 1
"$B/identity-service" --data_dir="$D/shard-0" "${common[@]}" --grpc_addr="127.0.0.1:$S0" --audit_addr="127.0.0.1:$AP" \
  --token_addr="127.0.0.1:$TP" --etcd="http://127.0.0.1:$EP" --shard=0 >"$D/s0.log" 2>&1 &
sleep 1
edge=(--access_log=false --token_addr="127.0.0.1:$TP" --audit_addr="127.0.0.1:$AP")
"$B/scim-edge" "${edge[@]}" --http_addr="127.0.0.1:$H1" --identity_addr="127.0.0.1:$S0" >"$D/direct.log" 2>&1 &
"$B/scim-edge" "${edge[@]}" --http_addr="127.0.0.1:$H2" --etcd="http://127.0.0.1:$EP" >"$D/routed.log" 2>&1 &
sleep 1
CTL=("$B/scimctl" --server="127.0.0.1:$TP" --admin_token_file="$D/admin.token" --etcd="http://127.0.0.1:$EP")
"${CTL[@]}" tenant create bench >/dev/null 2>&1
KEY=$("${CTL[@]}" key create --tenant=bench)
# 2 000 users by Bulk, their ids for W2.
for b in $(seq 0 19); do
  ops=$(python3 -c "import json;print(json.dumps({'schemas':['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],'Operations':[{'method':'POST','path':'/Users','bulkId':str(i),'data':{'userName':'u$b-%d'%i}} for i in range(100)]}))")
  curl -s -H "Authorization: Bearer $KEY" -H 'Content-Type: application/scim+json' -d "$ops" \
    "http://127.0.0.1:$H1/t/bench/scim/v2/Bulk" | python3 -c 'import json,sys;[print(o["location"].rsplit("/",1)[1]) for o in json.load(sys.stdin)["Operations"]]' >>"$D/ids.txt"
done
run() {
  IDS_FILE="$D/ids.txt" SCIM_TOKEN="$KEY" LUA_DIR="$LUA" wrk -t2 -c16 -d"${DURATION:-10}s" --latency \
    -s "$LUA/w2_get.lua" "http://127.0.0.1:$1/t/bench/scim/v2" 2>/dev/null | awk '/^RESULT/ {print $2, $3, $4}'
}
run "$H1" >/dev/null; run "$H2" >/dev/null  # warm both
: >"$D/direct"; : >"$D/routed"
for r in $(seq 1 "$RUNS"); do
  d=$(run "$H1"); echo "$d" >>"$D/direct"; echo "run $r direct: $d (req/s p99_ms errors)"
  o=$(run "$H2"); echo "$o" >>"$D/routed"; echo "run $r routed: $o"
done
python3 - "$D/direct" "$D/routed" <<'PY'
import statistics, sys
d = [float(l.split()[0]) for l in open(sys.argv[1])]
r = [float(l.split()[0]) for l in open(sys.argv[2])]
md, mr = statistics.median(d), statistics.median(r)
print(f"W2 median req/s: direct {md:.0f}, routed {mr:.0f}; routing costs {100 * (md - mr) / md:.1f}%")
PY
