#!/bin/sh
# dask.sh - s4s-dask on a real Dask LocalCluster with 2 worker processes.
#
# usage: dask.sh BINDIR   Prints "dask: N passed, N failed", or one
# "SKIP dask: …" line where Debian's python3-distributed is not installed
# (tests/deps.sh installs it as root).  Three inputs of different shapes
# (gzip NDJSON, one bare resource, a Bundle) go through s4s-dask and through
# one s4s-normalize run over the same files; the per-file outputs,
# concatenated in input order, and the merged stats (elapsed_s aside) and
# coverage must equal the single run's.  The merge needs `s4s-term
# merge-stats` / `merge-coverage`; without them only the per-file outputs
# are compared, and a line says so.
set -u
bin=$(cd "${1:?usage: dask.sh BINDIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
if ! /usr/bin/python3 -c 'import distributed' >/dev/null 2>&1; then
    echo "SKIP dask: python3-distributed is not installed (apt-get install python3-distributed; tests/deps.sh does it as root)"
    exit 0
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/s4s-dask.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL dask: $1"; }

mkdir "$tmp/in"
printf '%s\n' '{"resourceType":"Patient","id":"a","gender":"f"}' '{broken' \
    '{"resourceType":"Observation","id":"o","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8302-2"}]},"valueQuantity":{"value":70,"unit":"cm","code":"cm"}}' |
    gzip > "$tmp/in/part1.ndjson.gz"
printf '{"resourceType":"Immunization","id":"i","status":"completed","vaccineCode":{"coding":[{"system":"http://hl7.org/fhir/sid/cvx","code":"1400"}]}}' > "$tmp/in/part2.json"
cp "$root/tests/data/sample-bundle.json" "$tmp/in/part3.json"
set -- "$tmp/in/part1.ndjson.gz" "$tmp/in/part2.json" "$tmp/in/part3.json"

timeout 300 "$bin/s4s-dask" --local=2 --out="$tmp/out" --binary="$bin/s4s-normalize" --report --reject \
    -- --on-invalid=reject "$@" > "$tmp/dask.log" 2>&1
dst=$?
"$bin/s4s-normalize" --on-invalid=reject --report="$tmp/one.report" --reject="$tmp/one.reject" \
    --stats="$tmp/one.stats" --coverage="$tmp/one.cov" "$@" > "$tmp/one.out" 2>/dev/null
merge=yes
"$bin/s4s-term" --help | grep -q 'merge-stats' && "$bin/s4s-term" --help | grep -q 'merge-coverage' || merge=no

if [ $merge = yes ]; then
    if [ $dst = 3 ]; then ok; else bad "exit $dst (want 3): $(head -c 300 "$tmp/dask.log")"; fi
else
    echo "dask: s4s-term has no merge-stats/merge-coverage: checking the per-file outputs only"
    if grep -q 'merge-stats failed' "$tmp/dask.log"; then ok; else bad "exit $dst: $(head -c 300 "$tmp/dask.log")"; fi
fi
cat "$tmp/out/part1.ndjson" "$tmp/out/part2.ndjson" "$tmp/out/part3.ndjson" > "$tmp/all.out"
if [ -s "$tmp/one.out" ] && cmp -s "$tmp/all.out" "$tmp/one.out"; then ok; else bad "cleaned NDJSON differs from one run"; fi
cat "$tmp/out/part1.reject.ndjson" "$tmp/out/part2.reject.ndjson" "$tmp/out/part3.reject.ndjson" > "$tmp/all.reject"
if [ -s "$tmp/one.reject" ] && cmp -s "$tmp/all.reject" "$tmp/one.reject"; then ok; else bad "rejects differ from one run"; fi
# one run over several files names them in the report; per-file runs do not
sed 's/,{"url":"[^"]*source-file","valueString":"[^"]*"}//' "$tmp/one.report" > "$tmp/one.report.nofile"
cat "$tmp/out/part1.report.ndjson" "$tmp/out/part2.report.ndjson" "$tmp/out/part3.report.ndjson" > "$tmp/all.report"
if [ -s "$tmp/all.report" ] && cmp -s "$tmp/all.report" "$tmp/one.report.nofile"; then ok; else bad "reports differ from one run"; fi
if [ $merge = yes ]; then
    sed 's/"elapsed_s":[0-9.]*,//' "$tmp/out/stats.json" > "$tmp/m.stats"
    sed 's/"elapsed_s":[0-9.]*,//' "$tmp/one.stats" > "$tmp/o.stats"
    if cmp -s "$tmp/m.stats" "$tmp/o.stats"; then ok; else bad "merged stats differ from one run"; fi
    if cmp -s "$tmp/out/coverage.tsv" "$tmp/one.cov"; then ok; else bad "merged coverage differs from one run"; fi
fi
echo "dask: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
