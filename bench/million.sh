#!/usr/bin/env bash
# The figures of one large tenant (default 1 000 000 users) in one run: seeding,
# start-up, single list/filter/sorted requests, a whole import by cursor, by
# startIndex and by cursor sorted by displayName, W3 (`userName eq`) against
# 10 000 users and against N, and scimd's peak memory.
#   bench/million.sh [N]        env: N=1000000 RUNS=9 DURATION=10 THREADS=2 CONNS=16
#                                    IMPORT_TIMEOUT_S=1200 KEEP=0 (1: keep the data dir)
# Stdout: one `name value unit` line per figure, then a `#` summary; progress on stderr.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/build/bin}
lua=${LUA_DIR:-$root/../shared/bench/lua}
n=${1:-${N:-1000000}}
RUNS=${RUNS:-9}
D=${DURATION:-10}
THREADS=${THREADS:-2}
CONNS=${CONNS:-16}
# The load generator and tools, from Debian (node is preinstalled).
. "$root/scripts/lib.sh"
scim_ensure_packages wrk curl gawk
[ "$n" -ge 200 ] || { echo "N must be at least 200" >&2; exit 2; }
for b in scimd bench_seed_users; do
  [ -x "$bin/$b" ] || { echo "missing $bin/$b (cmake --build build --target $b)" >&2; exit 2; }
done

T0=$(date +%s)
work=$(mktemp -d)
pid=""
sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null
  [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "# kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
now() { date +%s.%N; }
out() { echo "$1 $2 $3"; printf '%s %s\n' "$1" "$2" >>"$work/figures"; }
fig() { awk -v k="$1" '$1 == k {print $2}' "$work/figures"; }
log() { echo "[million] $*" >&2; }

# start_scimd DIR: starts scimd on DIR/data; sets pid, base, key and started_ms
# (launch until the first answered request).
start_scimd() {
  local dir=$1 t code=""
  t=$(now)
  "$bin/scimd" --data_dir="$dir/data" --http_addr=127.0.0.1:0 --grpc_addr=127.0.0.1:0 \
    --access_log=false --demo >"$dir/out" 2>"$dir/err" &
  pid=$!
  for _ in $(seq 1 30000); do   # 10 minutes
    if grep -q 'API key' "$dir/out" 2>/dev/null; then
      base=$(grep -o 'http://[^ ]*' "$dir/out")
      key=$(awk '/API key/ {print $3}' "$dir/out")
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $key" "$base/Users?count=0" || true)
      [ "$code" = 200 ] && break
    fi
    kill -0 "$pid" 2>/dev/null || { cat "$dir/err" >&2; exit 1; }
    sleep 0.02
  done
  [ "$code" = 200 ] || { log "scimd did not serve"; exit 1; }
  started_ms=$(awk -v a="$t" -v b="$(now)" 'BEGIN {printf "%.0f", (b - a) * 1000}')
}

# phase NAME: labels the RSS samples from here on (and takes one now).
phase() {
  echo "$1" >"$work/phase"
  echo "$1 $(awk '/VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null)" >>"$work/rss"
}

stop_scimd() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

# timed NAME QUERY [always]: median of RUNS requests (one curl, one keep-alive
# connection); prints NAME_status too when the usual status is not 200, or always.
timed() {
  local name=$1 query=$2 always=${3:-} args=() i
  for ((i = 0; i < RUNS; i++)); do args+=(-o /dev/null "$base/Users?$query"); done
  curl -s --max-time 600 -H "Authorization: Bearer $key" -w '%{time_total} %{http_code}\n' \
    "${args[@]}" >"$work/t" || true
  local ms code
  ms=$(awk '{print $1 * 1000}' "$work/t" | sort -n | awk '{a[NR] = $1} END {printf "%.1f", NR ? a[int((NR + 1) / 2)] : -1}')
  code=$(awk '{print $2}' "$work/t" | sort | uniq -c | sort -rn | awk 'NR == 1 {print $2}')
  log "$name: median ${ms} ms over $(wc -l <"$work/t") runs, HTTP ${code}"
  out "${name}_ms" "$ms" ms
  [ "$code" = 200 ] && [ -z "$always" ] || out "${name}_status" "${code:-none}" http
}

# run_w3 NAME USERS: the shared W3 workload, names user1..min(USERS,100000).
# Measured warm at both sizes: one unmeasured run first (at N the whole
# imports have just filled the block cache with the resources' blocks).
run_w3() {
  local line w
  for w in warm measured; do
    line=$(env LUA_DIR="$lua" SCIM_TOKEN="$key" STRICT_STATUS=1 N=$(($2 < 100000 ? $2 : 100000)) \
      wrk -t"$THREADS" -c"$CONNS" -d"${D}s" --timeout 5s -s "$lua/w3_filter_eq.lua" "$base" 2>/dev/null |
      grep '^RESULT ' | tail -n1)
    log "$1 ($w): ${line#RESULT }"
  done
  set -- "$1" ${line#RESULT }
  out "$1_rps" "${2:-NA}" req/s
  out "$1_p99_ms" "${3:-NA}" ms
  out "$1_errors" "${4:-NA}" errors
}

log "N=$n, loadavg $(cut -d' ' -f1-3 /proc/loadavg), nproc $(nproc), work dir $work"
echo "# N=$n $(date -u +%FT%TZ) loadavg=$(cut -d' ' -f1-3 /proc/loadavg)"
out users "$n" users

# --- seed --------------------------------------------------------------------
mkdir -p "$work/big"
t=$(now)
"$bin/bench_seed_users" --db_dir="$work/big/data/identity" --tenant=demo \
  --users="$n" --ids_file="$work/big/ids" >&2
out seed_s "$(awk -v a="$t" -v b="$(now)" 'BEGIN {printf "%.1f", b - a}')" s
out seed_users_per_s "$(awk -v a="$t" -v b="$(now)" -v n="$n" 'BEGIN {printf "%.0f", n / (b - a)}')" users/s
out db_size_mb "$(du -sm "$work/big/data/identity" | cut -f1)" MB

# --- start-up ---------------------------------------------------------------
start_scimd "$work/big"
out start_ms "$started_ms" ms
phase startup
( while kill -0 "$pid" 2>/dev/null; do
    echo "$(cat "$work/phase") $(awk '/VmRSS/ {print $2}' /proc/"$pid"/status 2>/dev/null)"
    sleep 0.5
  done >>"$work/rss" ) &
sampler=$!
out rss_after_start_kb "$(awk '/VmRSS/ {print $2}' /proc/"$pid"/status)" kB

# --- single requests --------------------------------------------------------
phase requests
mid=$(( (n / 2) / 100 * 100 + 1 ))
timed count0 'count=0'
timed page_first 'startIndex=1&count=100'
timed page_middle "startIndex=$mid&count=100"
timed page_last "startIndex=$((n - 99))&count=100"
timed cursor_first 'cursor&count=200'
# userName is user{i}@example.com: "user1" matches 1, 10-19, 100-199, ... (~11 % at 10^k users)
sw='filter=userName%20sw%20%22user1%22&sortBy=name.familyName&count=10'
out filter_sw_matches "$(curl -s --max-time 600 -H "Authorization: Bearer $key" "$base/Users?$sw" |
  grep -o '"totalResults":[0-9]*' | cut -d: -f2)" users
timed filter_sw_sorted "$sw"
timed scan_co_nomatch 'filter=displayName%20co%20%22zzz%22' always
# Sorts an index keeps in order walk it: O(page), also from a cursor.
timed sorted_display_first 'sortBy=displayName&count=100'
timed sorted_display_middle "sortBy=displayName&sortOrder=descending&startIndex=$mid&count=100"
timed sorted_modified_cursor 'sortBy=meta.lastModified&sortOrder=descending&cursor&count=200'

# --- whole imports ------------------------------------------------------------
phase import_cursor
node "$root/bench/import.mjs" cursor "$base" "$key" | while read -r a b c; do out "$a" "$b" "$c"; done
phase import_index
node "$root/bench/import.mjs" index "$base" "$key" | while read -r a b c; do out "$a" "$b" "$c"; done
phase import_sorted
QUERY=sortBy=displayName node "$root/bench/import.mjs" cursor "$base" "$key" import_sorted |
  while read -r a b c; do out "$a" "$b" "$c"; done

# --- W3 at N ----------------------------------------------------------------
phase w3
run_w3 w3_eq_n "$n"
phase end
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; sampler=""
for p in requests import_cursor import_index import_sorted w3; do
  out "rss_max_${p}_kb" "$(awk -v p="$p" '$1 == p && $2 > m {m = $2} END {print m + 0}' "$work/rss")" kB
done
out rss_max_kb "$(awk '$2 > m {m = $2} END {print m + 0}' "$work/rss")" kB
stop_scimd

# --- W3 at 10 000 -------------------------------------------------------------
mkdir -p "$work/small"
"$bin/bench_seed_users" --db_dir="$work/small/data/identity" --tenant=demo \
  --users=10000 --ids_file="$work/small/ids" 2>/dev/null
start_scimd "$work/small"
run_w3 w3_eq_10k 10000
stop_scimd
out w3_eq_ratio_n_over_10k "$(awk -v a="$(fig w3_eq_n_rps)" -v b="$(fig w3_eq_10k_rps)" \
  'BEGIN {if (b + 0 > 0 && a + 0 > 0) printf "%.2f", a / b; else print "NA"}')" x
out run_s "$(( $(date +%s) - T0 ))" s

# --- summary ------------------------------------------------------------------
mb() { awk -v k="$(fig "$1")" 'BEGIN {printf "%.0f MB", k / 1024}'; }
cat <<EOF
# summary at N=$n users
#   seed $(fig seed_s) s ($(fig seed_users_per_s)/s, $(fig db_size_mb) MB); scimd serves after $(fig start_ms) ms
#   count=0 $(fig count0_ms) ms; page of 100: first $(fig page_first_ms) ms, middle $(fig page_middle_ms) ms, last $(fig page_last_ms) ms; first cursor page of 200 $(fig cursor_first_ms) ms
#   userName sw "user1" ($(fig filter_sw_matches) matches) sorted by familyName, count=10: $(fig filter_sw_sorted_ms) ms
#   displayName co "zzz" (full scan, no match): $(fig scan_co_nomatch_ms) ms, HTTP $(fig scan_co_nomatch_status)
#   import by cursor: $(fig import_cursor_s) s, $(fig import_cursor_requests) requests, complete=$(fig import_cursor_complete)
#   import by startIndex: $(fig import_index_s) s, $(fig import_index_requests) requests, complete=$(fig import_index_complete)
#   sortBy=displayName, a page of 100: first $(fig sorted_display_first_ms) ms, middle (descending) $(fig sorted_display_middle_ms) ms; first cursor page of 200 by meta.lastModified descending $(fig sorted_modified_cursor_ms) ms
#   import by cursor sorted by displayName: $(fig import_sorted_s) s, $(fig import_sorted_requests) requests, complete=$(fig import_sorted_complete)
#   W3 userName eq: $(fig w3_eq_10k_rps) req/s at 10k, $(fig w3_eq_n_rps) req/s at N: ratio $(fig w3_eq_ratio_n_over_10k)
#   scimd RSS: $(mb rss_after_start_kb) after start, max $(mb rss_max_kb)
#   whole run $(fig run_s) s
EOF
