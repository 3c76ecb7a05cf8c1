#!/bin/sh
# run-tests.sh - one test pass over a build: unit tests, then case files.
#
# usage: run-tests.sh BUILD_DIR BIN_DIR
# Every unit binary prints "<file>: N passed, N failed"; the sums and the
# case runner's counts are combined into "pass: N passed, N failed".
set -u
build=${1:?usage: run-tests.sh BUILD_DIR BIN_DIR}
bindir=$(cd "${2:?}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0
out=$(mktemp "${TMPDIR:-/tmp}/s4s-unit.XXXXXX")
trap 'rm -f "$out"' EXIT INT TERM
for t in "$build"/tests/test_*; do
    [ -x "$t" ] || continue
    (cd "$here/.." && "$t") > "$out" 2>&1
    st=$?
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    p=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) passed.*/\1/p')
    f=$(echo "$line" | sed -n 's/.* \([0-9][0-9]*\) failed.*/\1/p')
    p=${p:-0}; f=${f:-0}
    if [ "$st" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi  # crashed or leaked
    if [ "$f" -ne 0 ]; then
        echo "FAIL $(basename "$t") (exit $st):"; tail -n 15 "$out" | sed 's/^/  /'
    fi
    echo "unit $(basename "$t"): $p passed, $f failed"
    pass=$((pass + p)); fail=$((fail + f))
done
cases=$(sh "$here/run-cases.sh" "$bindir")
echo "$cases" | grep -v '^cases:'
cl=$(echo "$cases" | tail -n 1)
cp=$(echo "$cl" | sed -n 's/cases: \([0-9]*\) passed.*/\1/p')
cf=$(echo "$cl" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
echo "$cl"
pass=$((pass + ${cp:-0})); fail=$((fail + ${cf:-1}))
cli=$(BUILD_DIR="$build" sh "$here/cli.sh" "$bindir")
echo "$cli" | grep -v '^cli:'
ll=$(echo "$cli" | tail -n 1)
echo "$ll"
lp=$(echo "$ll" | sed -n 's/cli: \([0-9]*\) passed.*/\1/p')
lf=$(echo "$ll" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
pass=$((pass + ${lp:-0})); fail=$((fail + ${lf:-1}))
hl=$(sh "$here/html.sh" "$bindir")
echo "$hl" | grep -v '^html:'
hl=$(echo "$hl" | tail -n 1)
echo "$hl"
hp=$(echo "$hl" | sed -n 's/html: \([0-9]*\) passed.*/\1/p')
hf=$(echo "$hl" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
pass=$((pass + ${hp:-0})); fail=$((fail + ${hf:-1}))
lay=$(sh "$here/layering.sh")
echo "$lay" | grep -v '^layering:.*passed'
yl=$(echo "$lay" | tail -n 1)
echo "$yl"
yp=$(echo "$yl" | sed -n 's/layering: \([0-9]*\) passed.*/\1/p')
yf=$(echo "$yl" | sed -n 's/.*passed, \([0-9]*\) failed.*/\1/p')
pass=$((pass + ${yp:-0})); fail=$((fail + ${yf:-1}))
echo "pass: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
