# cli_load.sh - sourced by cli.sh (uses its $bin, $root, $tmp, ok, bad): the
# loader-facing options that need files or several inputs: --split-by-type,
# several FILE arguments, --fail-on; the PostgreSQL load (tests/pg.sh) and
# the Dask runner (tests/dask.sh), once, in the normal build's pass; the
# summary, s4s-term --help, and libs4s installed with its example.

# --split-by-type: one file per type, input order per type; more types than
# open files (32) interleaved, so files are closed and reopened for append;
# a resourceType that is not a plain name goes to _unknown.ndjson
awk 'BEGIN { for (r = 1; r <= 3; r++) for (t = 1; t <= 40; t++)
                 printf "{\"resourceType\":\"T%d\",\"id\":\"%d\"}\n", t, r
             print "{\"resourceType\":\"../evil\",\"id\":\"x\"}" }' > "$tmp/types.ndjson"
for gz in "" --split-gzip; do
    rm -rf "$tmp/split"
    "$bin/s4s-normalize" --no-validate --split-by-type="$tmp/split" $gz "$tmp/types.ndjson" > "$tmp/split.out" 2> "$tmp/err"
    st=$?
    sfx=${gz:+.gz}
    got=$(for t in 1 7 40; do
              if [ -n "$gz" ]; then gzip -dc "$tmp/split/T$t.ndjson.gz"; else cat "$tmp/split/T$t.ndjson"; fi
          done | tr -d '\n')
    want='{"resourceType":"T1","id":"1"}{"resourceType":"T1","id":"2"}{"resourceType":"T1","id":"3"}{"resourceType":"T7","id":"1"}{"resourceType":"T7","id":"2"}{"resourceType":"T7","id":"3"}{"resourceType":"T40","id":"1"}{"resourceType":"T40","id":"2"}{"resourceType":"T40","id":"3"}'
    n=$(ls "$tmp/split" | wc -l)
    if [ $st = 0 ] && [ ! -s "$tmp/split.out" ] && [ "$got" = "$want" ] && [ "$n" = 41 ] &&
       [ -f "$tmp/split/_unknown.ndjson$sfx" ]; then ok
    else bad "split-by-type ${gz:-plain}: status $st, $n files, $(head -c 200 "$tmp/err")"; fi
done
"$bin/s4s-normalize" --split-by-type="$tmp/split" -o "$tmp/x" < /dev/null 2> "$tmp/err"
if [ $? = 1 ] && grep -q 'instead of --output' "$tmp/err"; then ok; else bad "split-by-type with -o"; fi

# several FILEs: each is its own stream (offsets and lines restart), the CSV
# report, the envelopes and the OperationOutcome report name the file
printf '%s\n' '{"resourceType":"Patient","id":"a1","gender":"f"}' '{"resourceType":"Patient","id":"a2"}' > "$tmp/a.ndjson"
printf '%s\n' '{"resourceType":"Patient","id":"b1","gender":"x"}' '{oops' '{"resourceType":"Patient","id":"b2"}' | gzip > "$tmp/b.ndjson.gz"
"$bin/s4s-normalize" --report-format=csv --report="$tmp/m.csv" --reject-format=envelope \
    --reject="$tmp/m.rej" "$tmp/a.ndjson" "$tmp/b.ndjson.gz" > "$tmp/m.out" 2> "$tmp/err"
st=$?
if [ $st = 3 ] && [ "$(wc -l < "$tmp/m.out")" = 4 ] &&
   grep -q "^$tmp/a.ndjson,1,0,Patient,a1,written,error," "$tmp/m.csv" &&
   grep -q "^$tmp/b.ndjson.gz,1,0,Patient,b1,written,error," "$tmp/m.csv" &&
   grep -q "^$tmp/b.ndjson.gz,2,50,,,rejected,error," "$tmp/m.csv" &&
   grep -q "{\"source\":{\"file\":\"$tmp/b.ndjson.gz\",\"line\":2,\"offset\":50}" "$tmp/m.rej"; then ok
else bad "several FILEs: status $st, $(head -c 300 "$tmp/m.csv")"; fi
"$bin/s4s-normalize" --report="$tmp/m.rep" "$tmp/a.ndjson" "$tmp/b.ndjson.gz" > /dev/null 2>&1
"$bin/s4s-normalize" --report="$tmp/s.rep" "$tmp/a.ndjson" > /dev/null 2>&1
if grep -q "source-file\",\"valueString\":\"$tmp/b.ndjson.gz\"" "$tmp/m.rep" && ! grep -q source-file "$tmp/s.rep"; then ok
else bad "several FILEs: OperationOutcome source-file"; fi

# --fail-on=never: exit 0 with data errors, still 2 on a fatal input error
"$bin/s4s-normalize" --fail-on=never "$tmp/a.ndjson" > /dev/null 2>&1
st1=$?
printf '{"resourceType":"Bundle","entry":[\n{"resource":{"resourceType":"Basic"' > "$tmp/trunc.json"
"$bin/s4s-normalize" --fail-on=never "$tmp/trunc.json" > /dev/null 2>&1
st2=$?
if [ $st1 = 0 ] && [ $st2 = 2 ]; then ok; else bad "--fail-on=never: status $st1 (data), $st2 (truncated)"; fi

# the outputs loaded into a private PostgreSQL server (once, in the normal
# build's pass: the sanitizer passes run the same code through the cases)
if [ "${BUILD_DIR:-build}" = build ]; then
    sh "$root/tests/pg.sh" "$bin" > "$tmp/pg.log" 2>&1
    st=$?
    grep -v '^pg: ' "$tmp/pg.log"
    if grep -q '^SKIP' "$tmp/pg.log"; then :
    elif [ $st = 0 ]; then ok; else bad "PostgreSQL load: $(tail -n 1 "$tmp/pg.log")"; fi
fi
# s4s-dask on a LocalCluster (tests/dask.sh), also once
if [ "${BUILD_DIR:-build}" = build ]; then
    sh "$root/tests/dask.sh" "$bin" > "$tmp/dask.log" 2>&1
    st=$?
    grep -v '^dask: [0-9]' "$tmp/dask.log"
    if grep -q '^SKIP' "$tmp/dask.log"; then :
    elif [ $st = 0 ]; then ok; else bad "s4s-dask: $(tail -n 1 "$tmp/dask.log")"; fi
fi

# the summary shows messages, never printf templates
# (one message seen once is shown as is; a template seen twice with an example)
{ printf '{"resourceType":"Observation","id":"u","status":"final","code":{"text":"x"},"flavour":1}\n'
  for c in 1234-1 2345-1; do
      printf '{"resourceType":"Observation","id":"x%s","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"%s"}]}}\n' "$c" "$c"
  done; } > "$tmp/sum.in"
"$bin/s4s-normalize" --summary -o /dev/null "$tmp/sum.in" 2> "$tmp/sum"
if grep -q "unknown element 'flavour' in Observation" "$tmp/sum" && grep -q "e\.g\. '1234-1'" "$tmp/sum" &&
   ! grep -q '%[0-9.]*[slduz]' "$tmp/sum"; then ok; else bad "summary: $(head -c 300 "$tmp/sum")"; fi

# --help on every s4s-term subcommand (as listed by s4s-term --help)
cmds=$("$bin/s4s-term" --help | sed -n 's/^  s4s-term \([a-z-]*\).*/\1/p')
for c in $cmds; do
    if "$bin/s4s-term" "$c" --help > "$tmp/h" 2>&1 && grep -q "^usage: s4s-term $c" "$tmp/h"; then ok
    else bad "s4s-term $c --help: $(head -c 200 "$tmp/h")"; fi
done
[ -n "$cmds" ] || bad "s4s-term --help lists no commands"

# libs4s installed: the shared and static libraries, headers, s4s.pc, man
# pages; the example builds with pkg-config alone and cleans like the CLI
if [ "${BUILD_DIR:-build}" = build ]; then
    pfx="$tmp/lib-inst"
    "$bin/s4s-normalize" "$root/tests/data/sample-bundle.json" > "$tmp/cli.out" 2>/dev/null
    if make -s -C "$root" install PREFIX="$pfx" BUILD=build OUT="$bin" >"$tmp/inst.log" 2>&1 &&
       [ -f "$pfx/lib/libs4s.so" ] && [ -f "$pfx/lib/libs4s.a" ] && [ -f "$pfx/include/s4s/s4s.h" ] &&
       [ -f "$pfx/share/man/man1/s4s-term.1" ] && [ -x "$pfx/bin/s4s-dask" ] &&
       flags=$(PKG_CONFIG_PATH="$pfx/lib/pkgconfig" pkg-config --cflags --libs s4s) &&
       cc "$pfx/share/doc/s4s/examples/embed.c" $flags -o "$tmp/embed" 2>"$tmp/cc.log" &&
       "$tmp/embed" < "$root/tests/data/sample-bundle.json" > "$tmp/embed.out" 2>"$tmp/embed.err" &&
       [ -s "$tmp/cli.out" ] && cmp -s "$tmp/embed.out" "$tmp/cli.out" && grep -q '"resources_in":7' "$tmp/embed.err"; then ok
    else bad "libs4s install + embed.c: $(tail -c 300 "$tmp/inst.log" "$tmp/cc.log" 2>/dev/null)"; fi
fi
