#!/bin/sh
# demo.sh - the README's first command: install what is missing, build, and
# run s4s-normalize on the bundled sample with the embedded terminology cache.
set -eu
cd "$(dirname "$0")/.."
sh tests/deps.sh
make -s -j2 all
out=${TMPDIR:-/tmp}/s4s-demo
mkdir -p "$out"
echo "== s4s-normalize tests/data/sample-bundle.json (a dirty, fictional transaction Bundle)"
set +e
./s4s-normalize --summary --report="$out/report.ndjson" --reject="$out/reject.ndjson" \
    --stats="$out/stats.json" --coverage="$out/coverage.tsv" tests/data/sample-bundle.json > "$out/clean.ndjson"
st=$?
set -e
echo "exit status $st (3 = done, with errors in the data)"
echo "== cleaned resources: $out/clean.ndjson ($(wc -l < "$out/clean.ndjson") lines); first two:"
head -n 2 "$out/clean.ndjson" | cut -c1-240
echo "== report: $out/report.ndjson ($(wc -l < "$out/report.ndjson") OperationOutcomes); issues:"
sed 's/"issue":/\n/' "$out/report.ndjson" | grep -o '"severity":"[a-z]*","code":"[a-z-]*","details":{"text":"[^"]*"' | \
    sed 's/"severity":"\([a-z]*\)","code":"\([a-z-]*\)","details":{"text":"/  \1 \2: /; s/"$//' | head -n 25
echo "== stats: $out/stats.json"
cut -c1-400 "$out/stats.json"
echo "== coverage: $out/coverage.tsv"
head -n 8 "$out/coverage.tsv"
