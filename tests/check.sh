#!/bin/sh
# check.sh - `make check`: the whole test suite, in several builds.
#
# 1. the normal build (-Wall -Wextra -Werror), unit tests and case files;
# 2. the same under AddressSanitizer + UndefinedBehaviorSanitizer, with
#    LeakSanitizer on, so any leak, overflow or UB fails the run, built with
#    the zlib inflater so the fallback is always tested (pass 1 uses ISA-L
#    when it is installed);
# 3. every allocation of a small run made to fail in turn (tests/oom/run.sh,
#    on the ASan build);
# 4. every case under ThreadSanitizer (reader thread, 2 and 8 rule workers), and the
#    progress line on a terminal under ThreadSanitizer.
# Ends with the line "N passed, N failed" over all passes.
set -u
cd "$(dirname "$0")/.." || exit 2
jobs=${JOBS:-2}
total_p=0 total_f=0
log=$(mktemp "${TMPDIR:-/tmp}/s4s-check.XXXXXX")
trap 'rm -f "$log"' EXIT INT TERM

run_pass() { # name, make args...
    name=$1; shift
    echo "== $name"
    if ! make -s -j"$jobs" "$@" all unit >"$log" 2>&1; then
        cat "$log"; echo "$name: build failed"
        total_f=$((total_f + 1)); return
    fi
    make -s "$@" test-pass > "$log" 2>&1
    grep -v '^unit .*: [0-9]* passed, 0 failed$' "$log"
    line=$(grep '^pass: ' "$log" | tail -n 1)
    p=$(echo "$line" | sed -n 's/pass: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
    total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-1}))
}

run_pass "build: -Werror"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
run_pass "build: ASan+UBSan, zlib inflate" BUILD=build-san OUT=build-san INFLATE=zlib \
    OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
    LDFLAGS="-fsanitize=address,undefined"
# allocation-failure test on the ASan build: every allocation of a small
# run fails in turn; no crash, no leak, "out of memory", exit 2
echo "== allocation failures (ASan build, tests/oom/run.sh)"
if make -s -j"$jobs" BUILD=build-san OUT=build-san INFLATE=zlib \
        OPT="-O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
        LDFLAGS="-fsanitize=address,undefined" oom-bin >"$log" 2>&1; then
    sh tests/oom/run.sh build-san/oom > "$log" 2>&1
    grep -v '^oom: [0-9]* passed' "$log"
    line=$(grep '^oom: [0-9]* passed' "$log" | tail -n 1); echo "$line"
    p=$(echo "$line" | sed -n 's/oom: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
    total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-1}))
else
    cat "$log"; echo "allocation-failure build failed"; total_f=$((total_f + 1))
fi
# 4. ThreadSanitizer over every case: reader thread, ring, rule workers
echo "== build: TSan (all cases, read sizes 7 and 65536, 2 and 8 workers)"
if make -s -j"$jobs" BUILD=build-tsan OUT=build-tsan OPT="-O1 -fsanitize=thread" \
        LDFLAGS="-fsanitize=thread" all >"$log" 2>&1; then
    TSAN_OPTIONS=halt_on_error=1:exitcode=66 S4S_READ_SIZES="7 65536" S4S_THREAD_COUNTS="2 8" \
        sh tests/run-cases.sh build-tsan > "$log" 2>&1
    grep -v '^cases:' "$log"
    line=$(tail -n 1 "$log"); echo "$line"
    p=$(echo "$line" | sed -n 's/cases: \([0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
    total_p=$((total_p + ${p:-0})); total_f=$((total_f + ${f:-1}))
    # the progress line on a terminal (script(1) gives it one): the parse
    # thread's tick reads counters while the stage thread counts
    if command -v script >/dev/null 2>&1; then
        in=$(mktemp "${TMPDIR:-/tmp}/s4s-tty.XXXXXX")
        awk 'BEGIN { for (i = 0; i < 30000; i++) print "{\"resourceType\":\"Observation\",\"id\":\"o\",\"status\":\"final\",\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8302-2\"}]},\"valueQuantity\":{\"value\":170,\"unit\":\"cm\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"cm\"}}" }' > "$in"
        TSAN_OPTIONS=halt_on_error=1:exitcode=66 \
            script -qec "build-tsan/s4s-normalize --read-size=4K $in > /dev/null" /dev/null > "$log" 2>&1
        st=$?
        rm -f "$in"
        if [ $st = 0 ] && grep -q 'MB/s' "$log" && ! grep -q ThreadSanitizer "$log"; then
            echo "tsan progress: 1 passed, 0 failed"; total_p=$((total_p + 1))
        else
            grep -A20 ThreadSanitizer "$log" | head -40
            echo "tsan progress: 0 passed, 1 failed (status $st)"; total_f=$((total_f + 1))
        fi
    fi
else
    cat "$log"; echo "TSan build failed"; total_f=$((total_f + 1))
fi
echo "$total_p passed, $total_f failed"
[ "$total_f" -eq 0 ]
