# Shared by the bench scripts (sourced; they set $bin to the binaries' dir).

# Starts scimd (embedded, with the demo tenant) on DIR/data, its output in
# DIR/out and DIR/err, and waits until it prints the demo API key, which it
# does once it serves. Sets pid, base and key. Later flags override the
# defaults (e.g. --access_log=true).
#   bench_start_scimd DIR [FLAG ...]
bench_start_scimd() {
  local dir=$1
  shift
  "$bin/scimd" --data_dir="$dir/data" --http_addr=127.0.0.1:0 --grpc_addr=127.0.0.1:0 \
    --access_log=false --demo "$@" >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 1 600); do grep -q 'API key' "$dir/out" 2>/dev/null && break; sleep 0.05; done
  base=$(grep -o 'http://[^ ]*' "$dir/out")
  key=$(awk '/API key/ {print $3}' "$dir/out")
}
