# Sourced by the shell tests: starts `scimd --demo` ($1: scimd or its
# directory) on free ports in a temporary $work, sets $pid, $SCIM_URL and
# $SCIM_KEY, and stops it on exit.
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
