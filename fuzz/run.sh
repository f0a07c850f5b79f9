#!/bin/bash
# Builds the libFuzzer harnesses with clang-14 (ASan + UBSan), makes their seed corpora, replays every kept
# regression input, then fuzzes each harness for SECONDS. Exits non-zero on any finding; the input that found it is
# left in WORK/findings/ to be fixed and then kept under fuzz/regressions/HARNESS/.
#
#   fuzz/run.sh PARE WORK SECONDS      PARE: the built pare (makes .pare seeds); WORK: a scratch folder
set -euo pipefail
PARE=$(realpath "$1")
WORK=$(realpath -m "$2")
SECONDS_EACH=$3
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)

mkdir -p "$WORK"
cmake -S "$HERE" -B "$WORK/build" -G Ninja -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$WORK/build"
/usr/bin/python3 "$HERE/seeds.py" "$PARE" "$WORK/seeds" "$ROOT"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
trap 'rm -f /tmp/pare-fuzz-*' EXIT
mkdir -p "$WORK/findings"
status=0
for harness in "$WORK"/build/fuzz_*; do
    name=$(basename "$harness")
    [ -x "$harness" ] || continue
    regressions="$HERE/regressions/$name"
    if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
        "$harness" "$regressions"/* >"$WORK/$name.regressions.log" 2>&1 \
            || { echo "FAIL $name: a kept regression input fails again (see $WORK/$name.regressions.log)"; status=1; }
    fi
    corpus="$WORK/corpus/$name"
    mkdir -p "$corpus"
    if "$harness" "$corpus" "$WORK/seeds/$name" -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 \
        -max_len=65536 -timeout=10 -artifact_prefix="$WORK/findings/$name-" -print_final_stats=1 \
        >"$WORK/$name.log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$WORK/$name.log" | grep -o '[0-9]*$' || echo '?')
        echo "ok   $name: $runs inputs in ${SECONDS_EACH} s, no finding"
    else
        echo "FAIL $name: finding in $WORK/findings/ (log $WORK/$name.log)"
        grep -m3 'ERROR\|SUMMARY\|runtime error' "$WORK/$name.log" || true
        status=1
    fi
done
exit $status
