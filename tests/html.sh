#!/bin/sh
# html.sh - the HTML data-quality report (s4s-term html, --html-report) and
# the shard mergers (s4s-term merge-stats, merge-coverage).
#
# 1. numbers: every number cell of the page (data-k = JSON pointer into the
#    stats) equals the stats file, every integer of the stats is on the page,
#    the coverage table equals the coverage TSV;
# 2. one code path: --html-report and s4s-term html give the same page
#    (lines marked class="run" aside: date, time, speed, input names);
# 3. safe: no script, no external URL, no free text from the records;
# 4. merged shards: merge-stats / merge-coverage equal one run over the
#    concatenated input (elapsed_s aside), and so do their pages;
# 5. headless Chromium: a screenshot, the totals in the DOM, nothing fetched.
# usage: html.sh BINDIR   Prints "html: N passed, N failed".
set -u
bin=${1:?usage: html.sh BINDIR}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/s4s-html.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL html: $1"; }
sample=$root/tests/data/sample-bundle.json
export SOURCE_DATE_EPOCH=1764720000

# JSON (one object) -> "pointer<TAB>value" per scalar leaf; strings as S:text
flatten_json() {
    awk '
    function pesc(k) { gsub(/~/, "~0", k); gsub(/\//, "~1", k); return k }
    function vp() { return d == 0 ? "" : (typ[d] == "{" ? path[d] "/" pesc(key[d]) : path[d] "/" idx[d]) }
    function done() { if (d > 0 && typ[d] == "[") idx[d]++ }
    { s = s $0 }
    END {
        n = length(s); i = 1; d = 0
        while (i <= n) {
            c = substr(s, i, 1)
            if (c == "{" || c == "[") { p = vp(); d++; typ[d] = c; path[d] = p; idx[d] = 0; wantkey[d] = (c == "{"); i++ }
            else if (c == "}" || c == "]") { d--; done(); i++ }
            else if (c == ",") { if (typ[d] == "{") wantkey[d] = 1; i++ }
            else if (c == ":") { wantkey[d] = 0; i++ }
            else if (c == "\"") {
                j = i + 1
                while (substr(s, j, 1) != "\"") j += (substr(s, j, 1) == "\\") ? 2 : 1
                str = substr(s, i + 1, j - i - 1); i = j + 1
                gsub(/\\"/, "\"", str); gsub(/\\\\/, "\\", str)
                if (typ[d] == "{" && wantkey[d]) key[d] = str
                else { print vp() "\tS:" str; done() }
            } else if (c ~ /[-0-9tfn]/) {
                match(substr(s, i), /^[-0-9.eE+a-z]+/)
                print vp() "\t" substr(s, i, RLENGTH); done(); i += RLENGTH
            } else i++
        }
    }'
}

# page -> "pointer<TAB>number" for every data-k cell
page_cells() {
    grep -o 'data-k="[^"]*">[^<]*<' "$1" |
        sed -e 's/^data-k="\([^"]*\)">\([^<]*\)<$/\1	\2/' -e 's/&quot;/"/g' -e 's/&lt;/</g' -e 's/&gt;/>/g' \
            -e "s/&#39;/'/g" -e 's/&amp;/\&/g' | awk -F'\t' '{ gsub(/,/, "", $2); print $1 "\t" $2 }'
}

# compares a page with its stats file; prints what differs
check_numbers() { # page stats
    flatten_json < "$2" > "$tmp/flat"
    page_cells "$1" > "$tmp/cells"
    awk -F'\t' '
        FNR == NR { if ($2 ~ /^[0-9]+$/) j[$1] = $2; next }
        { h[$1] = $2; if (!($1 in j)) print "on the page, not in the stats: " $1; else if (j[$1] != $2) print "differs: " $1 " page " $2 " stats " j[$1] }
        END { for (k in j) if (!(k in h) && k !~ /^\/messages\//) print "not on the page: " k }
    ' "$tmp/flat" "$tmp/cells"
}

# a run of the sample, its page, and the page s4s-term builds from its files
"$bin/s4s-normalize" --quiet --stats="$tmp/s.json" --coverage="$tmp/c.tsv" --report="$tmp/r.ndjson" \
    --html-report="$tmp/run.html" "$sample" > "$tmp/out.ndjson" 2> "$tmp/err"
st=$?
if [ $st = 3 ] && [ -s "$tmp/run.html" ] && [ ! -s "$tmp/err" ]; then ok; else bad "--html-report run: status $st, $(head -c 200 "$tmp/err")"; fi
"$bin/s4s-term" html --stats="$tmp/s.json" --coverage="$tmp/c.tsv" --report="$tmp/r.ndjson" > "$tmp/term.html" 2> "$tmp/err"
st=$?
if [ $st = 0 ] && [ ! -s "$tmp/err" ]; then ok; else bad "s4s-term html: status $st, $(head -c 200 "$tmp/err")"; fi

# 1. numbers
for pg in run term; do
    d=$(check_numbers "$tmp/$pg.html" "$tmp/s.json")
    n=$(page_cells "$tmp/$pg.html" | wc -l)
    if [ -z "$d" ] && [ "$n" -gt 50 ]; then ok; else bad "$pg page vs stats ($n cells): $(echo "$d" | head -n 5)"; fi
done
page_cells "$tmp/term.html" > "$tmp/cells"
d=$(awk -F'\t' '
    function pesc(k) { gsub(/~/, "~0", k); gsub(/\//, "~1", k); return k }
    FNR == NR && $1 == "level" { for (i = 5; i <= NF; i++) col[i] = $i; next }
    FNR == NR { if ($1 == "system") for (i = 5; i <= NF; i++) { t["/terminology/systems/" pesc($2) "/" col[i]] = $i; nt++ } next }
    ($1 in t) { seen++; if (t[$1] != $2) print "coverage differs: " $1 }
    END { if (seen != nt || !nt) print "coverage cells: " seen " of " nt }
' "$tmp/c.tsv" "$tmp/cells")
if [ -z "$d" ]; then ok; else bad "$d"; fi
# each system's "# table" line (the table behind its verdicts) is on its coverage row
d=$(awk -F'\t' '$1 == "# table" { print "<tr><th scope=\"row\"><code>" $2 "</code></th><td>" $3 "</td><td>" $4 "</td>" }' "$tmp/c.tsv" |
    while IFS= read -r row; do grep -qF "$row" "$tmp/term.html" || echo "$row"; done)
if [ -z "$d" ] && grep -q '^# table' "$tmp/c.tsv"; then ok; else bad "table versions not on the coverage rows: $(echo "$d" | head -n 2)"; fi
# a TSV without "# table" lines (older runs): the versions come from the stats, same page
grep -v '^#' "$tmp/c.tsv" > "$tmp/c-old.tsv"
"$bin/s4s-term" html --stats="$tmp/s.json" --coverage="$tmp/c-old.tsv" --report="$tmp/r.ndjson" | grep -v 'class="run"' > "$tmp/old.cut"
grep -v 'class="run"' "$tmp/term.html" | cmp -s - "$tmp/old.cut" && ok || bad "page from a TSV without # table lines differs: $(grep -v 'class="run"' "$tmp/term.html" | diff - "$tmp/old.cut" | head -n 4)"
# the stats' "table" is always an object
if grep -q '"table":{"version":"[^"]*","completeness":"[^"]*"}' "$tmp/s.json" && ! grep -q '"table":"' "$tmp/s.json"
then ok; else bad "stats table is not always an object"; fi

# 2. one code path
grep -v 'class="run"' "$tmp/run.html" > "$tmp/run.cut"
grep -v 'class="run"' "$tmp/term.html" > "$tmp/term.cut"
if cmp -s "$tmp/run.cut" "$tmp/term.cut"; then ok; else bad "--html-report and s4s-term html differ: $(diff "$tmp/run.cut" "$tmp/term.cut" | head -n 4)"; fi
# without --coverage the run keeps the coverage rows in memory for the page
"$bin/s4s-normalize" --quiet --report="$tmp/r2.ndjson" --html-report="$tmp/run2.html" "$sample" > /dev/null 2>&1
grep -v 'class="run"' "$tmp/run2.html" > "$tmp/run2.cut"
if cmp -s "$tmp/run2.cut" "$tmp/term.cut"; then ok; else bad "page without --coverage differs: $(diff "$tmp/run2.cut" "$tmp/term.cut" | head -n 4)"; fi

# a page that cannot be written stops the run before it starts
"$bin/s4s-normalize" --quiet --html-report="$tmp/no/such/dir.html" "$sample" > "$tmp/o" 2> "$tmp/err"
st=$?
if [ $st = 2 ] && [ ! -s "$tmp/o" ] && grep -q 'cannot open HTML report file' "$tmp/err"; then ok; else bad "unwritable --html-report: status $st"; fi

# 3. self-contained and safe
# (system URIs appear as text; the only URL in an attribute is the SVG namespace)
if ! grep -qi -e '<script' -e '<link' -e '<img' -e '<iframe' -e '<object' -e '<embed' -e 'src=' -e 'href=' \
        -e 'url(' -e '@import' "$tmp/term.html" &&
   ! grep -o '[a-zA-Z:-]*="[^"]*://[^"]*"' "$tmp/term.html" | grep -qv '^xmlns="http://www.w3.org/2000/svg"$'
then ok; else bad "the page refers to something outside itself"; fi
if ! grep -q -e 'Example' -e 'Body weight' -e 'Leukocytes' -e 'Glucose' "$tmp/term.html"; then ok; else bad "free text from the records on the page"; fi
# the title is escaped, a broken stats file is an error
"$bin/s4s-term" html --stats="$tmp/s.json" --title='<b>&"x' > "$tmp/t.html"
if grep -q '<h1>&lt;b&gt;&amp;&quot;x</h1>' "$tmp/t.html"; then ok; else bad "title not escaped"; fi
printf '{"resources_in":' > "$tmp/broken.json"
"$bin/s4s-term" html --stats="$tmp/broken.json" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] && grep -q 'not a JSON object' "$tmp/err"; then ok; else bad "broken stats: status $st"; fi
"$bin/s4s-term" html > /dev/null 2>&1
st=$?
if [ $st = 1 ]; then ok; else bad "html without --stats: status $st"; fi

# 4. shards: four inputs (the sample Bundle; the inputs of the units cases;
# of the codes and variants cases; of the structure cases: 41 message
# templates, so top_messages must come from the full counter) run one by one
# and merged, against one run over all four; quarantine on, so by_type has
# rejected counts
cases_input() { for f in "$@"; do awk '/^=== /{p=($0=="=== input")} p && !/^=== /' "$f"; done; }
cp "$sample" "$tmp/A.json"
cases_input "$root"/tests/cases/units/*.test > "$tmp/B.json"
cases_input "$root"/tests/cases/codes/*.test "$root"/tests/cases/variants/*.test > "$tmp/C.json"
cases_input "$root"/tests/cases/structure/*.test > "$tmp/D.json"
norm() { "$bin/s4s-normalize" --quiet --on-invalid=reject --reject=/dev/null "$@" > /dev/null 2>&1; }
for x in A B C D; do norm --stats="$tmp/$x.stats" --coverage="$tmp/$x.tsv" "$tmp/$x.json"; done
cat "$tmp/A.json" "$tmp/B.json" "$tmp/C.json" "$tmp/D.json" | norm --stats="$tmp/all.stats" --coverage="$tmp/all.tsv"
"$bin/s4s-term" merge-coverage "$tmp/A.tsv" "$tmp/B.tsv" "$tmp/C.tsv" "$tmp/D.tsv" > "$tmp/m.tsv" 2> "$tmp/err"
st=$?
if [ $st = 0 ] && [ "$(grep -c '^code' "$tmp/m.tsv")" -gt 40 ] && cmp -s "$tmp/m.tsv" "$tmp/all.tsv"; then ok
else bad "merge-coverage (status $st) differs from one run: $(diff "$tmp/m.tsv" "$tmp/all.tsv" | head -n 4)"; fi
"$bin/s4s-term" merge-stats --coverage="$tmp/m.tsv" "$tmp/A.stats" "$tmp/B.stats" "$tmp/C.stats" "$tmp/D.stats" > "$tmp/m.stats" 2> "$tmp/err"
st=$?
sed 's/"elapsed_s":[0-9.]*,//' "$tmp/m.stats" > "$tmp/m.cut"
sed 's/"elapsed_s":[0-9.]*,//' "$tmp/all.stats" > "$tmp/all.cut"
if [ $st = 0 ] && [ ! -s "$tmp/err" ] && grep -q '"resources_rejected":[1-9]' "$tmp/m.stats" &&
   [ "$(grep -o '{"message":' "$tmp/m.stats" | wc -l)" -eq 20 ] && cmp -s "$tmp/m.cut" "$tmp/all.cut"; then ok
else bad "merge-stats (status $st) differs from one run: $(head -c 200 "$tmp/err") $(cmp "$tmp/m.cut" "$tmp/all.cut")"; fi
# elapsed_s is the shards' sum (each rounded to 1 ms)
el() { sed -n 's/.*"elapsed_s":\([0-9.]*\),.*/\1/p' "$@"; }
if el "$tmp/A.stats" "$tmp/B.stats" "$tmp/C.stats" "$tmp/D.stats" |
   awk -v m="$(el "$tmp/m.stats")" '{ s += $1 } END { d = m - s; exit !(NR == 4 && m != "" && d < 0.0015 && d > -0.0015) }'
then ok; else bad "merged elapsed_s $(el "$tmp/m.stats") is not the shards' sum"; fi
# without the coverage rows distinct counts cannot be exact: said on stderr
"$bin/s4s-term" merge-stats "$tmp/A.stats" "$tmp/B.stats" > /dev/null 2> "$tmp/err"
if grep -q 'no --coverage' "$tmp/err"; then ok; else bad "merge-stats without --coverage is silent"; fi
"$bin/s4s-term" html --stats="$tmp/m.stats" --coverage="$tmp/m.tsv" > "$tmp/m.html"
"$bin/s4s-term" html --stats="$tmp/all.stats" --coverage="$tmp/all.tsv" > "$tmp/all.html"
grep -v 'class="run"' "$tmp/m.html" > "$tmp/m.cut"
grep -v 'class="run"' "$tmp/all.html" > "$tmp/all.cut"
if cmp -s "$tmp/m.cut" "$tmp/all.cut" && [ -z "$(check_numbers "$tmp/m.html" "$tmp/m.stats")" ]; then ok
else bad "page of merged shards differs from one run's: $(diff "$tmp/m.cut" "$tmp/all.cut" | head -n 4)"; fi
# the unknown codes of the TSV are listed: per system its first TOP (10) not-found code rows
awk -F'\t' '
    function h(x) { gsub(/&/, "\\&amp;", x); gsub(/</, "\\&lt;", x); gsub(/>/, "\\&gt;", x); gsub(/"/, "\\&quot;", x); gsub(/\047/, "\\&#39;", x); return x }
    $1 == "code" && $4 == "not-found" && n[$2]++ < 10 { print "<tr><td><code>" h($2) "</code></td><td><code>" h($3) "</code></td><td class=\"n\">" $5 "</td></tr>" }
' "$tmp/all.tsv" > "$tmp/unk.want"
sed -n '/<table id="unknown-table">/,/<\/table>/p' "$tmp/all.html" | grep '^<tr><td>' |
    sed -e ':a' -e 's/\(<td class="n">[0-9]*\),/\1/' -e 'ta' > "$tmp/unk.got"
if [ -s "$tmp/unk.want" ] && cmp -s "$tmp/unk.want" "$tmp/unk.got"; then ok
else bad "unknown codes table: $(diff "$tmp/unk.want" "$tmp/unk.got" | head -n 4)"; fi
# shards that disagree on a table (other cache, or the older string form): the first wins
sed '0,/"table":{"version":"[^"]*"/s//"table":{"version":"other"/' "$tmp/A.stats" > "$tmp/A2.stats"
sed 's/"table":{[^}]*}/"table":"not loaded"/' "$tmp/A.stats" > "$tmp/A3.stats"
"$bin/s4s-term" merge-stats "$tmp/A.stats" "$tmp/A2.stats" "$tmp/A3.stats" 2> /dev/null | sed 's/"elapsed_s":[0-9.]*,//' > "$tmp/a.m"
"$bin/s4s-term" merge-stats "$tmp/A.stats" "$tmp/A.stats" "$tmp/A.stats" 2> /dev/null | sed 's/"elapsed_s":[0-9.]*,//' > "$tmp/a.want"
if ! cmp -s "$tmp/A.stats" "$tmp/A2.stats" && cmp -s "$tmp/a.m" "$tmp/a.want"; then ok; else bad "merge-stats of disagreeing tables: $(cmp "$tmp/a.m" "$tmp/a.want")"; fi
sed '0,/^# table\t\([^\t]*\)\t[^\t]*/s//# table\t\1\tother/' "$tmp/A.tsv" > "$tmp/A2.tsv"
"$bin/s4s-term" merge-coverage "$tmp/A.tsv" "$tmp/A2.tsv" > "$tmp/a.m" 2> /dev/null
"$bin/s4s-term" merge-coverage "$tmp/A.tsv" "$tmp/A.tsv" > "$tmp/a.want" 2> /dev/null
if ! cmp -s "$tmp/A.tsv" "$tmp/A2.tsv" && cmp -s "$tmp/a.m" "$tmp/a.want" && grep -q '^# table' "$tmp/a.m"; then ok
else bad "merge-coverage of disagreeing tables: $(diff "$tmp/a.m" "$tmp/a.want" | head -n 4)"; fi
printf '# table\tS\t1\n' > "$tmp/bad2.tsv"
"$bin/s4s-term" merge-coverage "$tmp/bad2.tsv" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] && grep -q 'bad2.tsv line 1: a "# table" line needs' "$tmp/err"; then ok; else bad "merge-coverage of a short # table line: status $st"; fi
printf 'level\tsystem\n' > "$tmp/bad.tsv"
"$bin/s4s-term" merge-coverage "$tmp/A.tsv" "$tmp/bad.tsv" > /dev/null 2> "$tmp/err"
st=$?
if [ $st = 2 ] && grep -q 'bad.tsv: not a coverage TSV' "$tmp/err"; then ok; else bad "merge-coverage of a non-TSV: status $st"; fi

# 5. headless Chromium (Debian's chromium; tests/deps.sh installs it as root)
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "SKIP: chromium not installed (apt-get install chromium); the browser test did not run"
else
    browse() { # NETLOG ARGS...: every name resolves to nothing, the net log records what was asked for
        nl=$1; shift
        rm -rf "$tmp/profile"
        timeout 120 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$tmp/profile" --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync --disable-default-apps \
            --host-resolver-rules="MAP * ~NOTFOUND" --log-net-log="$nl" "$@" 2> /dev/null
    }
    browse "$tmp/net-shot.json" --hide-scrollbars --window-size=1100,2600 --screenshot="$tmp/shot.png" \
        "file://$tmp/term.html" > /dev/null
    if [ "$(wc -c < "$tmp/shot.png" 2> /dev/null || echo 0)" -gt 20000 ]; then ok; else bad "no screenshot"; fi
    [ -n "${S4S_HTML_SCREENSHOT:-}" ] && cp "$tmp/shot.png" "$S4S_HTML_SCREENSHOT"
    browse "$tmp/net-dom.json" --dump-dom "file://$tmp/term.html" > "$tmp/dom.html"
    rin=$(flatten_json < "$tmp/s.json" | awk -F'\t' '$1 == "/resources_in" { print $2 }')
    rout=$(flatten_json < "$tmp/s.json" | awk -F'\t' '$1 == "/resources_out" { print $2 }')
    if grep -q "<div class=\"k\">Resources in</div><div class=\"v\">$rin</div>" "$tmp/dom.html" &&
       grep -q "data-k=\"/resources_in\">$rin<" "$tmp/dom.html" && grep -q "data-k=\"/resources_out\">$rout<" "$tmp/dom.html"
    then ok; else bad "the rendered DOM lacks the totals ($rin in, $rout out)"; fi
    # requests a page makes carry its (file://, opaque) origin "null"; the
    # browser's own background requests carry "not an origin".  A page with
    # an external image shows the check can see a fetch.
    printf '<!DOCTYPE html><title>t</title><img src="http://canary.invalid/x.png" alt="">' > "$tmp/canary.html"
    browse "$tmp/net-canary.json" --dump-dom "file://$tmp/canary.html" > /dev/null
    page_req=$(cat "$tmp/net-shot.json" "$tmp/net-dom.json" | grep -o '"initiator":"null"' | wc -l)
    canary_req=$(grep -o '"initiator":"null"' "$tmp/net-canary.json" | wc -l)
    if [ "$page_req" -eq 0 ] && [ "$canary_req" -gt 0 ] && grep -q 'canary.invalid' "$tmp/net-canary.json"
    then ok; else bad "network: the page made $page_req requests (the canary page $canary_req)"; fi
fi

echo "html: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
