#!/bin/sh
# run-cases.sh - runs every tests/cases/**/*.test (format: tests/cases/README.md).
#
# usage: run-cases.sh BINDIR [CASE...]
# Filter cases are fed at read sizes 1, 7, 4096 and 65536 bytes, plain and
# gzipped, with --threads 1, 2, 3 and 8 in turn (the n-th size with the n-th
# count); every variant must match.  Then the last size runs once more with
# the first count, and every output file (stats without elapsed_s) must be
# byte for byte the same as with the last count (stats only of a run that
# was not stopped early).  Last, the input runs with --no-validate at
# --threads 1, 2 and 3, whose outputs must all be the same (nv_same).
# Prints one line per failure and a final
# "cases: N passed, N failed".  Exit status 1 if any case failed.
set -u
bindir=$(cd "${1:?usage: run-cases.sh BINDIR [CASE...]}" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then
    set -- $(find "$here/cases" -name '*.test' | sort)
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/s4s-cases.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
sizes=${S4S_READ_SIZES:-"1 7 4096 65536"}
threads=${S4S_THREAD_COUNTS:-"1 2 3 8"}

# the n-th word of a list, cycling
nth() { n=$1; set -f; eval "set -- $2"; set +f; i=$(( (n - 1) % $# + 1 )); eval "echo \${$i}"; }

# the outputs of a run, stats without elapsed_s, into directory $1
keep_outputs() {
    rm -rf "$1"; mkdir -p "$1"
    for f in stdout report reject coverage stderr; do
        if [ -f "$tmp/o/$f" ]; then cp "$tmp/o/$f" "$1/$f"; else : > "$1/$f"; fi
    done
    if [ -f "$tmp/o/stats" ]; then sed 's/"elapsed_s":[0-9.e+-]*//' "$tmp/o/stats" > "$1/stats"; else : > "$1/stats"; fi
}

# split a case file into $tmp/c/{header,<section>}
split_case() {
    rm -rf "$tmp/c"; mkdir -p "$tmp/c"
    awk -v d="$tmp/c" '
        /^=== / { sec = substr($0, 5); sub(/[ \t]+$/, "", sec); f = d "/" sec; printf "" > f; next }
        sec == "" { if ($0 !~ /^#/ && $0 != "") print > (d "/header"); next }
        { print >> f }
    ' "$1"
    touch "$tmp/c/header"
}

hdr() { sed -n "s/^$1:[ \t]*//p" "$tmp/c/header" | head -n 1; }

# check_has FILE OUTPUT -> lines of FILE must occur in OUTPUT
check_has() {
    while IFS= read -r line || [ -n "$line" ]; do
        [ -z "$line" ] && continue
        grep -qF -- "$line" "$2" || { echo "missing: $line"; return 1; }
    done < "$1"
    return 0
}
check_lacks() {
    while IFS= read -r line || [ -n "$line" ]; do
        [ -z "$line" ] && continue
        if grep -qF -- "$line" "$2"; then echo "unexpected: $line"; return 1; fi
    done < "$1"
    return 0
}

# compare outputs in $tmp/o against expectations in $tmp/c
check_outputs() {
    want_exit=$(hdr exit); want_exit=${want_exit:-0}
    [ "$got_exit" = "$want_exit" ] || { echo "exit $got_exit, want $want_exit"; sed 's/^/  stderr: /' "$tmp/o/stderr" | head -5; return 1; }
    for f in stdout report reject; do
        if [ -f "$tmp/c/$f" ]; then
            cmp -s "$tmp/c/$f" "$tmp/o/$f" || { echo "$f differs:"; diff "$tmp/c/$f" "$tmp/o/$f" | head -10; return 1; }
        fi
    done
    for f in stdout report stats reject coverage stderr; do
        if [ -f "$tmp/c/$f-has" ]; then
            check_has "$tmp/c/$f-has" "$tmp/o/$f" || { echo "  (in $f)"; return 1; }
        fi
        if [ -f "$tmp/c/$f-lacks" ]; then
            check_lacks "$tmp/c/$f-lacks" "$tmp/o/$f" || { echo "  (in $f)"; return 1; }
        fi
    done
    return 0
}

run_filter() { # $1 input, $2 read size, $3 threads; sets got_exit
    rm -rf "$tmp/o"; mkdir -p "$tmp/o"
    # shellcheck disable=SC2086
    (cd "$tmp/c" && timeout "${S4S_CASE_TIMEOUT:-60}" "$bindir/s4s-normalize" --quiet --read-size="$2" \
        --threads="$3" --report="$tmp/o/report" --stats="$tmp/o/stats" --reject="$tmp/o/reject" \
        --coverage="$tmp/o/coverage" $args) < "$1" > "$tmp/o/stdout" 2> "$tmp/o/stderr"
    got_exit=$?
}

run_one() { # $1 = case file
    split_case "$1"
    icmd=$(hdr input-cmd)
    if [ -n "$icmd" ]; then
        (cd "$tmp/c" && sh -c "$icmd") > "$tmp/input"
    elif [ -f "$tmp/c/input-printf" ]; then
        printf '%b' "$(cat "$tmp/c/input-printf")" > "$tmp/input"
    elif [ -f "$tmp/c/input" ]; then
        cp "$tmp/c/input" "$tmp/input"
    else
        : > "$tmp/input"
    fi
    cmd=$(hdr cmd); cmd=${cmd:-s4s-normalize}
    args=$(hdr args)
    variants=$(hdr variants); variants=${variants:-"plain gzip"}
    prog=${cmd%% *}; rest=""
    [ "$prog" != "$cmd" ] && rest=${cmd#* }
    if [ "$prog" != "s4s-normalize" ] || [ -n "$rest" ]; then
        rm -rf "$tmp/o"; mkdir -p "$tmp/o"; : > "$tmp/o/report"; : > "$tmp/o/stats"; : > "$tmp/o/reject"; : > "$tmp/o/coverage"
        # shellcheck disable=SC2086
        (cd "$tmp/c" && timeout "${S4S_CASE_TIMEOUT:-60}" "$bindir/$prog" $rest $args) < "$tmp/input" > "$tmp/o/stdout" 2> "$tmp/o/stderr"
        got_exit=$?
        msg=$(check_outputs) || { echo "FAIL ${1#$here/}: $msg"; return 1; }
        return 0
    fi
    gzip -c < "$tmp/input" > "$tmp/input.gz"
    case_sizes=$(hdr read-sizes); case_sizes=${case_sizes:-$sizes}
    for v in $variants; do
        in="$tmp/input"; [ "$v" = gzip ] && in="$tmp/input.gz"
        k=0
        for rs in $case_sizes; do
            k=$((k + 1))
            th=$(nth $k "$threads")
            run_filter "$in" "$rs" "$th"
            msg=$(check_outputs) || { echo "FAIL ${1#$here/} ($v, read size $rs, threads $th): $msg"; return 1; }
        done
        th1=$(nth 1 "$threads")
        [ "$th" = "$th1" ] && continue
        keep_outputs "$tmp/ref"
        run_filter "$in" "$rs" "$th1"
        keep_outputs "$tmp/again"
        msg=$(same_as_ref "with --threads=$th1 is not the same as with --threads=$th") ||
            { echo "FAIL ${1#$here/} ($v, read size $rs): $msg"; return 1; }
    done
    nv_same "$1"
}

# same_as_ref WHAT: every output in $tmp/again is the one in $tmp/ref, or
# prints "<file> WHAT".  A run stopped early may count, in its rule
# sections and coverage, resources checked but never committed (README,
# threads), so those two are left out then.
same_as_ref() {
    same="stdout report reject coverage stderr stats"
    [ "$got_exit" = 2 ] || grep -q 'stopped at the first error' "$tmp/again/stderr" &&
        same="stdout report reject stderr"
    for f in $same; do
        cmp -s "$tmp/ref/$f" "$tmp/again/$f" || { echo "$f $1"; return 1; }
    done
    return 0
}

# With --no-validate, workers take clean NDJSON lines without a tree
# (filter/passthru.c) and hand anything else to the tree path: every
# output must be what one thread, always on the tree path, makes.
nv_same() {
    args="--no-validate $args"
    for v in "4096 2" "$(nth 2 "$case_sizes") 3"; do
        run_filter "$tmp/input" ${v% *} 1
        keep_outputs "$tmp/ref"
        run_filter "$tmp/input" ${v% *} ${v#* }
        keep_outputs "$tmp/again"
        msg=$(same_as_ref "with --threads=${v#* } is not the same as with --threads=1") ||
            { echo "FAIL ${1#$here/} (--no-validate, read size ${v% *}): $msg"; return 1; }
    done
    return 0
}

for c in "$@"; do
    if run_one "$c"; then pass=$((pass + 1)); else fail=$((fail + 1)); fi
done
echo "cases: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
