#!/bin/sh
# run.sh - the allocation-failure test: every allocation of a small but
# complete run is made to fail in turn.
#
# usage: run.sh BIN_DIR
# BIN_DIR holds s4s-normalize and s4s-term linked with alloc.c built
# -DS4S_FAILALLOC (make oom-bin); check.sh uses the ASan build, so LSan
# reports any leak.  Three runs:
#   filter  s4s-normalize on a gzipped NDJSON file and Bundle (sample-bundle.json):
#           UCUM units, HGVS variants, LOINC/RxNorm/SNOMED
#           look-ups, a broken line, a Bundle assembled whole), with
#           --report, --stats, --coverage and --reject; reader and stage
#           threads;
#   lookup  s4s-term lookup against the embedded cache;
#   build   s4s-term build from tests/fixtures/terminology.
# Each run is counted first (S4S_FAIL_AT=0); then for k = 1..N the k-th
# allocation fails (every k; for a run over STRIDE_OVER allocations every
# N/STRIDE_OVER-th k) and the run must: end by itself (no signal, no
# sanitizer report, so no leak), exit 2, and the command must say "out of
# memory" itself (not the allocator's last-resort handler); the filter's
# message must name a byte offset and --stats must still hold one JSON
# object (unless it failed while starting, before any input).  A k that
# threads made unreachable in that run is skipped.
# Ends with "oom: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
STRIDE_OVER=${STRIDE_OVER:-1500}

# --- one run with S4S_FAIL_AT=$2 (called through xargs) -----------------------
if [ "${1:-}" = "--one" ]; then
    kind=$2 k=$3 bin=$4 tmp=$5
    d="$tmp/$kind.$k"
    mkdir -p "$d"
    case $kind in
    filter)
        S4S_FAIL_AT=$k "$bin/s4s-normalize" -q -o "$d/out" --reject="$d/rej" --report="$d/rep" \
            --stats="$d/stats" --coverage="$d/cov" "$tmp/input.ndjson.gz" "$tmp/sample.json.gz" \
            >/dev/null 2>"$d/err" ;;
    lookup)
        S4S_FAIL_AT=$k "$bin/s4s-term" lookup http://loinc.org 29463-7 6690-3 2000-8 \
            >/dev/null 2>"$d/err" ;;
    build)
        fx="$root/tests/fixtures/terminology"
        S4S_FAIL_AT=$k "$bin/s4s-term" build --out "$d/t.db" --loinc "$fx/loinc" --cvx "$fx/cvx/cvx.txt" \
            --hgnc "$fx/hgnc/hgnc_complete_set.txt" >/dev/null 2>"$d/err" ;;
    esac
    st=$?
    why=
    if ! grep -q '^s4s-failalloc: failing allocation' "$d/err"; then
        echo "skip $kind $k"; rm -rf "$d"; exit 0
    fi
    if [ "$st" -gt 128 ]; then why="killed by signal $((st - 128))"
    elif grep -q 'Sanitizer\|runtime error' "$d/err"; then why="sanitizer report"
    elif [ "$st" -ne 2 ]; then why="exit $st, not 2"
    elif [ "$kind" != filter ]; then
        grep -q "^s4s-term $kind: out of memory" "$d/err" || why="no 's4s-term $kind: out of memory' message"
    elif ! grep -q '^s4s-normalize: out of memory at byte [0-9]' "$d/err"; then
        why="no 's4s-normalize: out of memory at byte N' message"
    elif ! grep -q 'while starting' "$d/err" &&
         ! { [ "$(wc -l < "$d/stats")" -eq 1 ] && grep -q '^{"bytes_in":[0-9].*}$' "$d/stats"; }; then
        why="--stats not written"
    fi
    if [ -n "$why" ]; then
        echo "FAIL $kind k=$k: $why"
        grep -v '^s4s-failalloc' "$d/err" | head -n 12 | sed 's/^/    /'
    else
        echo "ok $kind $k"
    fi
    rm -rf "$d"
    exit 0
fi

bin=$(cd "${1:?usage: run.sh BIN_DIR}" && pwd)
jobs=${JOBS:-2}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/s4s-oom.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
gzip -n -c "$root/tests/data/sample-bundle.json" > "$tmp/sample.json.gz"
gzip -n -c "$here/input.ndjson" > "$tmp/input.ndjson.gz"
t0=$(date +%s)
: > "$tmp/results"
for kind in filter lookup build; do
    n=$(S4S_FAIL_AT=0 sh -c '
        case $1 in
        filter) "$2/s4s-normalize" -q -o /dev/null --reject=/dev/null --report=/dev/null \
                    --stats=/dev/null --coverage=/dev/null "$3/input.ndjson.gz" "$3/sample.json.gz" ;;
        lookup) "$2/s4s-term" lookup http://loinc.org 29463-7 6690-3 2000-8 >/dev/null ;;
        build)  "$2/s4s-term" build --out "$3/count.db" --loinc "$5/loinc" --cvx "$5/cvx/cvx.txt" \
                    --hgnc "$5/hgnc/hgnc_complete_set.txt" >/dev/null ;;
        esac' sh "$kind" "$bin" "$tmp" "$here" "$root/tests/fixtures/terminology" 2>&1 |
        sed -n 's/^s4s-failalloc: \([0-9]*\) allocations$/\1/p')
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then
        echo "FAIL $kind: counting run reported no allocations (not a -DS4S_FAILALLOC build?)" >> "$tmp/results"
        continue
    fi
    step=1
    [ "$n" -gt "$STRIDE_OVER" ] && step=$(( (n + STRIDE_OVER - 1) / STRIDE_OVER ))
    echo "oom: $kind: $n allocations, failing every ${step}. one"
    seq 1 "$step" "$n" | xargs -P "$jobs" -I K sh "$0" --one "$kind" K "$bin" "$tmp" >> "$tmp/results"
done
grep -v '^ok \|^skip ' "$tmp/results"
p=$(grep -c '^ok ' "$tmp/results")
f=$(grep -c '^FAIL' "$tmp/results")
s=$(grep -c '^skip ' "$tmp/results")
echo "oom: $((p + f)) k values failed in $(( $(date +%s) - t0 )) s ($s not reached in their run)"
echo "oom: $p passed, $f failed"
[ "$f" -eq 0 ]
