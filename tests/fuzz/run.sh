#!/bin/sh
# run.sh - `make fuzz [FUZZ_SECONDS=N] [FUZZ_HARNESSES="ucum hgvs"]`: builds
# every libFuzzer harness tests/fuzz/fuzz_<name>.c with clang
# (fuzzer+ASan+UBSan), runs each for N seconds on a scratch copy of its
# seeds, then merges the inputs that add coverage into the committed
# tests/fuzz/seeds/<name>/ (libFuzzer -merge=1: only new coverage is kept,
# and no input longer than the harness's max_len).
# Fork mode: a crash is written to build-fuzz/crash/ and fuzzing goes on;
# the run fails at the end if any harness crashed.  Usage: run.sh SECONDS
# [NAME...]
set -eu
secs=${1:-60}
[ $# -gt 0 ] && shift
cd "$(dirname "$0")/../.."
names=${*:-$(ls tests/fuzz/fuzz_*.c | sed 's,.*/fuzz_\(.*\)\.c,\1,')}
if ! command -v clang >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq clang libclang-rt-14-dev >/dev/null
    else echo "fuzz: needs clang; run: sudo apt-get install -y clang libclang-rt-14-dev" >&2; exit 1; fi
fi
san="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
make -s -j2 CC=clang BUILD=build-fuzz OUT=build-fuzz INFLATE=zlib OPT="-O1 $san" build-fuzz/libs4s.a build-fuzz/terminology/embed/default_db.o
rm -rf build-fuzz/crash
mkdir -p build-fuzz/crash
for h in $names; do
    case $h in          # longest input worth trying (unit strings are capped at 256, HGVS at 2048)
        ucum) len=640 ;; hgvs) len=4200 ;; strict) len=4096 ;; import|encoding) len=16384 ;; *) len=65536 ;;
    esac
    bin=build-fuzz/fuzz_$h
    clang -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -Ifilter \
        $(pkg-config --cflags yajl icu-uc sqlite3 zlib) \
        tests/fuzz/fuzz_$h.c build-fuzz/terminology/embed/default_db.o build-fuzz/libs4s.a \
        $(pkg-config --libs yajl icu-uc icu-i18n sqlite3 zlib) -lm -lpthread -o "$bin"
    seeds=tests/fuzz/seeds/$h work=build-fuzz/corpus/$h
    mkdir -p "$seeds" "$work"
    echo "== fuzz_$h: ${secs}s, max_len $len"
    "$bin" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$secs" \
        -max_len=$len -rss_limit_mb=2048 -artifact_prefix=build-fuzz/crash/$h- "$work" "$seeds" >build-fuzz/fuzz_$h.log 2>&1 || true
    grep -E '^#[0-9]+: cov' build-fuzz/fuzz_$h.log | tail -n 1   # execs, cov, ft, crashes
    "$bin" -merge=1 -max_len=$len -rss_limit_mb=2048 "$seeds" "$work" 2>&1 | grep -E 'MERGE-OUTER: [0-9]+ new files' || true
done
if [ -n "$(ls build-fuzz/crash)" ]; then
    echo "fuzz: crashes (keep each as a seed once fixed):"; ls build-fuzz/crash; exit 1
fi
