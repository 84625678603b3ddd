#!/usr/bin/env bash
# scripts/fuzz.sh [SECONDS] [TARGET...]
#
# Installs what is missing, builds the libFuzzer targets of fuzz/ with clang
# (ASan + UBSan) into build-fuzz/, and runs each target (default: all, one
# after the other) for SECONDS (default 60) over a copy of its seed corpus
# fuzz/corpus/<target>/ (the repo's corpus is not written to). Prints the
# executions and findings per target and exits non-zero on any crash, leak,
# timeout or out-of-memory; the inputs are kept in build-fuzz/findings/<target>/.
#
# The build uses both cores: on a shared machine run it under the build lock
# (flock /tmp/scim-build.lock scripts/fuzz.sh ...); it takes no lock itself, so
# that scripts/test.sh can run it under the caller's.
#
# SCIM_FUZZ_KEEP_CORPUS=1 keeps what a run added in build-fuzz/corpus/<target>/
# for the next run (still never in the repo).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

seconds="${1:-60}"
shift || true
if [ "$#" -gt 0 ]; then
  targets=("$@")
else
  targets=()
  for dir in fuzz/corpus/*/; do targets+=("$(basename "$dir")"); done
fi

scim_ensure_packages
if [ ! -f build-fuzz/build.ninja ]; then
  cmake -S . -B build-fuzz -G Ninja -DSCIM_FUZZ=ON \
    -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Fuzz >&2
fi
ninja -C build-fuzz "${targets[@]/%/_fuzzer}" >&2

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
# Known, reported findings not fixed yet are excluded (fuzz/known_issues.supp).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1:suppressions=$PWD/fuzz/known_issues.supp}"

failed=()
summary=()
for target in "${targets[@]}"; do
  binary="build-fuzz/bin/${target}_fuzzer"
  corpus="build-fuzz/corpus/$target"
  findings="build-fuzz/findings/$target"
  log="build-fuzz/logs/$target.log"
  if [ "${SCIM_FUZZ_KEEP_CORPUS:-0}" != 1 ]; then rm -rf "$corpus"; fi
  mkdir -p "$corpus" "$findings" "$(dirname "$log")"
  cp -n fuzz/corpus/"$target"/* "$corpus"/ 2>/dev/null || true
  before=$(ls "$findings" | wc -l)
  echo "== $target: ${seconds}s over $(ls "$corpus" | wc -l) inputs" >&2
  status=0
  # -max_len bounds every input; -timeout (s) and -rss_limit_mb make a hang
  # or a blow-up a finding, not a stuck CI job.
  "$binary" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix="$findings/" "$corpus" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  if [ -z "$execs" ]; then
    execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  fi
  new=$(( $(ls "$findings" | wc -l) - before ))
  if [ "$status" -ne 0 ]; then
    failed+=("$target")
    summary+=("$(printf '%-16s %10s execs  FAILED (exit %s), %s new input(s) in %s' \
      "$target" "${execs:-?}" "$status" "$new" "$findings")")
    grep -m1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error|ALARM|.*deadly signal)' "$log" >&2 || true
    echo "   full log: $log" >&2
  else
    summary+=("$(printf '%-16s %10s execs  ok' "$target" "${execs:-?}")")
  fi
done

echo "== fuzzing summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
if [ "${#failed[@]}" -gt 0 ]; then
  echo "findings in: ${failed[*]} (inputs under build-fuzz/findings/; reproduce with build-fuzz/bin/<target>_fuzzer <input>)"
  exit 1
fi
