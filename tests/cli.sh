#!/bin/sh
# cli.sh - end-to-end checks of the command line that case files can't
# express: SIGPIPE, terminal progress, --help, install, file errors, and
# pathological inputs (very deep nesting, a long string inside a Bundle).
# usage: cli.sh BINDIR   Prints "cli: N passed, N failed".
set -u
bin=${1:?usage: cli.sh BINDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/s4s-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL cli: $1"; }

i=0
while [ $i -lt 50000 ]; do echo '{"resourceType":"Patient","id":"p"}'; i=$((i + 1)); done > "$tmp/many.ndjson"

# stdout closed early: quiet stop, killed by SIGPIPE, stats still written
st=$( { "$bin/s4s-normalize" --no-validate --stats="$tmp/st.json" < "$tmp/many.ndjson" 2>"$tmp/err"; echo $? > "$tmp/rc"; } | head -n 1 >/dev/null; cat "$tmp/rc")
if [ "$st" = 141 ] && [ ! -s "$tmp/err" ] && grep -q '"resources_in"' "$tmp/st.json"; then ok; else bad "SIGPIPE: status $st, stderr $(head -c 200 "$tmp/err")"; fi

# no progress or summary when stderr is not a terminal
"$bin/s4s-normalize" --no-validate < "$tmp/many.ndjson" > /dev/null 2> "$tmp/err"
if [ ! -s "$tmp/err" ]; then ok; else bad "stderr not empty without a terminal"; fi

# progress on a terminal (script(1) gives it one)
if command -v script >/dev/null 2>&1; then
    script -qec "$bin/s4s-normalize --no-validate $tmp/many.ndjson > /dev/null" /dev/null > "$tmp/tty" 2>&1
    if grep -q 'MB/s' "$tmp/tty" && grep -q 'resources in' "$tmp/tty"; then ok; else bad "no progress/summary on a terminal"; fi
fi

# --help documents the exit codes
if "$bin/s4s-normalize" --help | grep -q '^Exit status: 0 done'; then ok; else bad "--help"; fi

# a missing file: exit 2 with its name
"$bin/s4s-normalize" "$tmp/nope.json" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] && grep -q 'nope.json' "$tmp/err"; then ok; else bad "missing file: status $st"; fi

# reject mode needs --reject
"$bin/s4s-normalize" --on-invalid=reject < /dev/null > /dev/null 2> "$tmp/err"
if [ $? = 1 ] && grep -q 'needs --reject' "$tmp/err"; then ok; else bad "--on-invalid=reject without --reject"; fi

# write errors stop the run: exit 2, the message names the file and the
# bytes it got (stdout on the stage thread and inline, each side file)
printf '%s\n' '{"resourceType":"Patient","id":"a","x":1}' '[1]' > "$tmp/bad.ndjson"
if [ -w /dev/full ]; then
    for a in "" --no-validate --report=/dev/full "--reject=/dev/full --on-invalid=reject" \
             --stats=/dev/full --coverage=/dev/full; do
        case $a in ""|--no-validate) o=/dev/full n=stdout ;; *) o=/dev/null n=/dev/full ;; esac
        "$bin/s4s-normalize" $a < "$tmp/bad.ndjson" > "$o" 2> "$tmp/err"
        st=$?
        if [ $st = 2 ] && grep -q "^s4s-normalize: $n: write error after 0 bytes: " "$tmp/err"; then ok
        else bad "write error ${a:-stdout}: status $st, $(head -c 200 "$tmp/err")"; fi
    done
    # the HTML page and the other formats: exit 2 even when the data had errors (else 3)
    for a in --html-report=/dev/full "--report-format=csv --report=/dev/full" \
             "--reject-format=envelope --on-invalid=reject --reject=/dev/full"; do
        "$bin/s4s-normalize" $a < "$tmp/bad.ndjson" > /dev/null 2> "$tmp/err"
        st=$?
        if [ $st = 2 ] && grep -q "No space left on device" "$tmp/err"; then ok
        else bad "write error $a: status $st, $(head -c 200 "$tmp/err")"; fi
    done
fi
# a write that stops part way (file size limit): the count is what the file got
( trap '' XFSZ; ulimit -f 4; exec "$bin/s4s-normalize" --no-validate < "$tmp/many.ndjson" > "$tmp/lim.out" 2> "$tmp/err" )
st=$? n=$(wc -c < "$tmp/lim.out")
if [ $st = 2 ] && [ "$n" -gt 0 ] && grep -q "^s4s-normalize: stdout: write error after $n bytes: " "$tmp/err"; then ok
else bad "partial write: status $st, $n bytes, $(head -c 200 "$tmp/err")"; fi

# read errors name the input, the offset and the reader thread's errno
mkdir "$tmp/dir"
"$bin/s4s-normalize" "$tmp/dir" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] && [ "$(cat "$tmp/err")" = "s4s-normalize: $tmp/dir: is a directory" ]; then ok
else bad "directory as FILE: status $st, $(head -c 200 "$tmp/err")"; fi
"$bin/s4s-normalize" < /dev/null 0> "$tmp/wronly" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] && [ "$(cat "$tmp/err")" = "s4s-normalize: stdin: read error at byte 0: Bad file descriptor" ]; then ok
else bad "read error: status $st, $(head -c 200 "$tmp/err")"; fi

# 200,000 levels of nesting: quarantined or refused, never a crash
awk 'BEGIN { for (i = 0; i < 200000; i++) printf "["; print "" }' > "$tmp/deep.json"
"$bin/s4s-normalize" --no-validate < "$tmp/deep.json" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] || [ $st = 3 ]; then ok; else bad "deep nesting: status $st"; fi

# a 20 MB string inside a Bundle over a 1 MB limit: that entry is
# quarantined, the others written, memory stays small
{
    printf '{"resourceType":"Bundle","entry":[{"resource":{"resourceType":"Basic","id":"a"}},'
    printf '{"resource":{"resourceType":"Basic","id":"big","x":"'
    head -c 20000000 /dev/zero | tr '\0' 'a'
    printf '"}},{"resource":{"resourceType":"Basic","id":"b"}}]}\n'
} > "$tmp/long.json"
if command -v /usr/bin/time >/dev/null 2>&1; then
    /usr/bin/time -f %M -o "$tmp/rss" "$bin/s4s-normalize" --no-validate --max-resource-bytes=1M \
        --stats="$tmp/st.json" < "$tmp/long.json" > "$tmp/out" 2> /dev/null
else
    "$bin/s4s-normalize" --no-validate --max-resource-bytes=1M --stats="$tmp/st.json" < "$tmp/long.json" > "$tmp/out" 2>/dev/null
    echo 0 > "$tmp/rss"
fi
rss=$(tail -n 1 "$tmp/rss")
if [ "$(wc -l < "$tmp/out")" = 2 ] && grep -q '"resources_rejected":1' "$tmp/st.json" && [ "$rss" -lt 200000 ]; then
    ok; else bad "long string: $(wc -l < "$tmp/out") lines, rss ${rss} KB"; fi

# make install puts the binaries and the man page in place
if make -s -C "$root" install PREFIX="$tmp/inst" BUILD="${BUILD_DIR:-build}" OUT="$bin" >/dev/null 2>&1 &&
   [ -x "$tmp/inst/bin/s4s-normalize" ] && [ -f "$tmp/inst/share/man/man1/s4s-normalize.1" ]; then
    ok; else bad "make install"; fi

# the shared corpora, when present beside the repo (never required)
shared=${S4S_SHARED:-$root/../shared}
if [ -f "$shared/corpus/synthea-r4-bundles.json.gz" ]; then
    "$bin/s4s-normalize" --quiet --stats="$tmp/syn.json" < "$shared/corpus/synthea-r4-bundles.json.gz" > "$tmp/syn.out" 2>/dev/null
    # every resource out, none quarantined, no structural error on valid data
    if grep -q '"resources_in":92472,"resources_out":92472,"resources_rejected":0' "$tmp/syn.json" &&
       grep -q '"structure":{"resources":92472,"with_errors":0' "$tmp/syn.json" &&
       [ "$(wc -l < "$tmp/syn.out")" = 92472 ]; then ok; else bad "synthea corpus: $(head -c 300 "$tmp/syn.json")"; fi
    for d in us-core-examples genomics-reporting-examples; do
        cat "$shared/corpus/$d"/*.json | "$bin/s4s-normalize" --quiet --stats="$tmp/c.json" > /dev/null 2>&1
        n=$(sed -n 's/.*"resources_in":\([0-9]*\),"resources_out":\([0-9]*\),"resources_rejected":0.*/\1 \2/p' "$tmp/c.json")
        set -- $n
        if [ -n "$n" ] && [ "$1" = "$2" ]; then ok; else bad "$d: $(head -c 200 "$tmp/c.json")"; fi
    done
fi

# the DSTU2 corpora come out as R4: every resource written, no structural
# error (issue code structure/required), no version notice, no MedicationOrder
if [ -d "$shared/corpus/argonaut-dstu2-examples" ] && [ -d "$shared/corpus/s4s-dstu2-demo" ]; then
    cat "$shared/corpus/argonaut-dstu2-examples"/*.json "$shared/corpus/s4s-dstu2-demo"/*.json |
        "$bin/s4s-normalize" --quiet --stats="$tmp/d2.json" --report="$tmp/d2.rep" > "$tmp/d2.out" 2>/dev/null
    n=$(sed -n 's/.*"resources_in":\([0-9]*\),"resources_out":\([0-9]*\),"resources_rejected":0.*/\1 \2/p' "$tmp/d2.json")
    set -- $n
    if [ -n "$n" ] && [ "$1" = "$2" ] && [ "$1" -gt 0 ] &&
       ! grep -q '"severity":"error","code":"\(structure\|required\)"' "$tmp/d2.rep" &&
       ! grep -q 'looks like DSTU2' "$tmp/d2.rep" && ! grep -q MedicationOrder/ "$tmp/d2.out" &&
       ! grep -q '"resourceType":"MedicationOrder"' "$tmp/d2.out" &&
       grep -q '"upgrade":{"DSTU2":{' "$tmp/d2.json"; then ok; else bad "DSTU2 corpora upgrade: $(grep -o '"upgrade":{[^}]*}' "$tmp/d2.json")"; fi
fi

# no loss in the conversion (tests/noloss.py: external codings, numbers,
# dates of the input are all in the output) over the DSTU2 corpora and the
# inputs of the upgrade cases
if command -v python3 >/dev/null 2>&1; then
    if [ -f "$tmp/d2.out" ]; then
        cat "$shared/corpus/argonaut-dstu2-examples"/*.json "$shared/corpus/s4s-dstu2-demo"/*.json > "$tmp/d2.in"
        if python3 "$root/tests/noloss.py" "$tmp/d2.in" "$tmp/d2.out" "$tmp/d2.rep" > "$tmp/nl.txt"; then
            ok; else bad "DSTU2 corpora lose data: $(head -3 "$tmp/nl.txt")"; fi
    fi
    for c in "$root"/tests/cases/upgrade/*.test; do
        args=$(sed -n 's/^args: //p' "$c")
        case $args in *report-format=csv*) continue ;; esac
        awk '/^=== input$/ { m = 1; next } /^=== / { m = 0 } m' "$c" > "$tmp/nl.in"
        "$bin/s4s-normalize" --quiet --report="$tmp/nl.rep" $args < "$tmp/nl.in" > "$tmp/nl.out" 2>/dev/null
        if python3 "$root/tests/noloss.py" "$tmp/nl.in" "$tmp/nl.out" "$tmp/nl.rep" > "$tmp/nl.txt"; then
            ok; else bad "$(basename "$c") loses data: $(head -3 "$tmp/nl.txt")"; fi
    done
else
    echo "SKIP no-loss checks: python3 is not installed"
fi

. "$root/tests/cli_load.sh"
. "$root/tests/cli_package.sh"

echo "cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
