#!/bin/sh
# run.sh - the allocation-failure test: every allocation of a small but
# complete run is made to fail in turn.
#
# usage: run.sh BIN_DIR
# BIN_DIR holds s4s-normalize and s4s-term linked with alloc.c built
# -DS4S_FAILALLOC (make oom-bin); check.sh uses the ASan build, so LSan
# reports any leak.  The runs:
#   filter  s4s-normalize on gzipped NDJSON (input.ndjson: UCUM units, HGVS
#           variants, LOINC/RxNorm/SNOMED look-ups, a broken line, a Bundle
#           assembled whole) then a streamed Bundle (sample-bundle.json),
#           with --report, --stats, --coverage, --reject and
#           --convert-vitals, through the reader and stage threads;
#   lookup  s4s-term lookup against the embedded cache;
#   build   s4s-term build from tests/fixtures/terminology;
#   ucum, hgvs  s4s-term ucum --convert, s4s-term hgvs on two expressions.
# Each run is counted first (S4S_FAIL_AT=0); then the k-th allocation fails,
# for every k of the filter; for s4s-term, whose look-up repeats the
# filter's cache opening, for every k up to STRIDE_OVER allocations, else a
# stride giving about STRIDE_OVER values (a few minutes on 2 slow cores).
# Each run must end by itself (no signal, no sanitizer report, so no leak)
# with exit 2, and the command itself must say "out of memory" (not the
# allocator's last-resort handler); the filter's message must name a byte
# offset and --stats must still hold one JSON object (unless it failed while
# starting, before any input).  A k that the threads' interleaving left
# unreached in that run is skipped.
# Ends with "oom: N passed, N failed".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
STRIDE_OVER=${STRIDE_OVER:-250}

# run KIND BIN TMP DIR: one run of KIND, outputs in DIR, stderr in DIR/err
run() {
    fx="$root/tests/fixtures/terminology"
    case $1 in
    filter) "$2/s4s-normalize" -q -o "$4/out" --reject="$4/rej" --report="$4/rep" --stats="$4/stats" \
                --coverage="$4/cov" --convert-vitals "$3/input.ndjson.gz" "$3/sample.json.gz" ;;
    lookup) "$2/s4s-term" lookup http://loinc.org 29463-7 6690-3 2000-8 >/dev/null ;;
    build)  "$2/s4s-term" build --out "$4/t.db" --loinc "$fx/loinc" --cvx "$fx/cvx/cvx.txt" \
                --hgnc "$fx/hgnc/hgnc_complete_set.txt" >/dev/null ;;
    ucum)   "$2/s4s-term" ucum --convert 150 '[lb_av]' kg >/dev/null ;;
    hgvs)   "$2/s4s-term" hgvs p.V600E 'NM_004006.2:c.76delA' >/dev/null ;;
    esac 2>"$4/err"
}

# --- one run with the k-th allocation failing (called through xargs) ----------
if [ "${1:-}" = "--one" ]; then
    kind=$2 bin=$3 tmp=$4 k=$5
    d="$tmp/$kind.$k"
    mkdir -p "$d"
    S4S_FAIL_AT=$k run "$kind" "$bin" "$tmp" "$d"
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
for kind in filter lookup build ucum hgvs; do
    mkdir -p "$tmp/count"
    S4S_FAIL_AT=0 run "$kind" "$bin" "$tmp" "$tmp/count"
    n=$(sed -n 's/^s4s-failalloc: \([0-9]*\) allocations$/\1/p' "$tmp/count/err")
    if [ -z "$n" ] || [ "$n" -eq 0 ]; then
        echo "FAIL $kind: the counting run reported no allocations (not a -DS4S_FAILALLOC build?)" >> "$tmp/results"
        sed 's/^/    /' "$tmp/count/err" >> "$tmp/results"
        continue
    fi
    step=1
    [ "$kind" != filter ] && [ "$n" -gt "$STRIDE_OVER" ] && step=$(( (n + STRIDE_OVER - 1) / STRIDE_OVER ))
    echo "oom: $kind: $n allocations, failing every ${step}. one"
    seq 1 "$step" "$n" | xargs -P "$jobs" -n 1 sh "$0" --one "$kind" "$bin" "$tmp" >> "$tmp/results"
done
grep -v '^ok \|^skip ' "$tmp/results"
p=$(grep -c '^ok ' "$tmp/results")
f=$(grep -c '^FAIL' "$tmp/results")
s=$(grep -c '^skip ' "$tmp/results")
echo "oom: $((p + f)) k values failed in $(( $(date +%s) - t0 )) s ($s not reached in their run)"
echo "oom: $p passed, $f failed"
[ "$f" -eq 0 ]
