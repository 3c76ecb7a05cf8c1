#!/bin/sh
# pg.sh - loads the filter's outputs into a real, private PostgreSQL server.
#
# usage: pg.sh BINDIR   Prints "pg: N passed, N failed", or one "SKIP pg: …"
# line where PostgreSQL is not installed (tests/deps.sh installs it as root).
# The server is Debian's `postgresql`: initdb and pg_ctl in a temporary
# directory, as the `postgres` user when run as root, listening only on a
# unix socket there; it is stopped and removed at the end, and every step is
# bounded by a timeout.  The sample Bundle plus a dirty NDJSON file go
# through the filter with --output-format=pg-copy, --report-format=csv and
# --reject-format=envelope; each output is loaded exactly as the README
# says, and the counts and a few jsonb queries must agree with --stats.
set -u
bin=$(cd "${1:?usage: pg.sh BINDIR}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pgbin" ] || [ ! -x "$pgbin/initdb" ] || ! command -v psql >/dev/null 2>&1; then
    echo "SKIP pg: PostgreSQL is not installed (apt-get install postgresql; tests/deps.sh does it as root)"
    exit 0
fi
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/s4s-pg.XXXXXX")
chmod 755 "$tmp"
[ "$(id -u)" = 0 ] && chown postgres "$tmp"
stop() {
    as_pg timeout 60 "$pgbin/pg_ctl" -D "$tmp/db" -m immediate -t 30 stop >/dev/null 2>&1
    rm -rf "$tmp"
}
trap stop EXIT INT TERM
pass=0 fail=0
check() { # name, SQL returning one boolean
    r=$(as_pg timeout 60 psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$tmp" -d postgres -c "$2" 2>&1)
    if [ "$r" = t ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL pg: $1: $r"; fi
}

if ! as_pg timeout 120 "$pgbin/initdb" -A trust -U postgres -D "$tmp/db" >"$tmp/initdb.log" 2>&1 ||
   ! as_pg timeout 60 "$pgbin/pg_ctl" -D "$tmp/db" -l "$tmp/db/log" -w -t 30 \
        -o "-k $tmp -c listen_addresses= -F" start >/dev/null 2>&1; then
    tail -n 5 "$tmp/initdb.log" "$tmp/db/log" 2>/dev/null
    echo "pg: 0 passed, 1 failed (server did not start)"
    exit 1
fi

# a dirty NDJSON file: a broken line, a line holding only \. (it would end a
# CSV COPY), a raw 0xff byte, a JSON backslash escape, a tab in a value
printf '%s\n' '{"resourceType":"Patient","id":"d1","name":[{"text":"a\\b \"q\"\tc"}]}' '{broken' '\.' \
    > "$tmp/dirty.ndjson"
printf '{"resourceType":"Basic","id":"x\377"}\n{"resourceType":"Patient","id":"d2"}\n' >> "$tmp/dirty.ndjson"
"$bin/s4s-normalize" --output-format=pg-copy --report-format=csv --report-level=all --report="$tmp/issues.csv" \
    --reject-format=envelope --reject="$tmp/reject.ndjson" --on-invalid=reject \
    --stats="$tmp/stats.json" "$root/tests/data/sample-bundle.json" "$tmp/dirty.ndjson" \
    > "$tmp/resources.copy" 2>"$tmp/err"
st=$?
if [ $st != 3 ]; then echo "FAIL pg: s4s-normalize exit $st: $(head -c 200 "$tmp/err")"; fail=$((fail + 1)); fi
chmod 644 "$tmp"/*.copy "$tmp"/*.csv "$tmp"/*.ndjson "$tmp"/*.json

# the loads, exactly as documented in README ("Loading into PostgreSQL")
as_pg timeout 120 psql -X -q -v ON_ERROR_STOP=1 -h "$tmp" -d postgres >"$tmp/load.log" 2>&1 <<SQL
create table resource (resource_type text, id text, resource jsonb not null);
create table issue (source_file text, line bigint, "offset" bigint, resource_type text, id text,
  disposition text, severity text, code text, rule text, expression text, message text,
  repair_kind text, repair_new text);
\copy issue from '$tmp/issues.csv' (format csv, header true)
create table reject (doc jsonb not null);
\copy reject(doc) from '$tmp/reject.ndjson' (format csv, quote e'\x01', delimiter e'\x02')
create table stats (doc jsonb not null);
\copy stats(doc) from '$tmp/stats.json' (format csv, quote e'\x01', delimiter e'\x02')
SQL
st=$?
# the filter's output on psql's stdin, as in the README's one-line load
[ $st = 0 ] && as_pg timeout 120 psql -X -q -v ON_ERROR_STOP=1 -h "$tmp" -d postgres \
    -c "\\copy resource(resource_type, id, resource) from stdin" < "$tmp/resources.copy" >>"$tmp/load.log" 2>&1
if [ $? = 0 ] && [ $st = 0 ]; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL pg: load: $(head -c 400 "$tmp/load.log")"; fi

check "resources = resources_out" \
    "select count(*) = (select (doc->>'resources_out')::int from stats) from resource"
check "rejects = resources_rejected" \
    "select count(*) = (select (doc->>'resources_rejected')::int from stats) from reject"
# at --report-level=all every issue and repair is a row, so the rows add up to the stats
check "issue rows = issues by severity" \
    "select count(*) = (select sum(value::text::int) from stats, jsonb_each(doc->'issues')) from issue"
check "per-type counts" \
    "select bool_and(n = (s.doc #>> array['by_type', t, 'out'])::int) from (select resource_type t, count(*) n from resource group by 1) c, stats s"
check "resource_type and id columns match the json" \
    "select bool_and(resource_type = resource->>'resourceType' and id is not distinct from resource->>'id') from resource"
check "repairs per kind" \
    "select bool_and(n = (s.doc #>> array['repairs_by_kind', k])::int) from (select repair_kind k, count(*) n from issue where repair_kind is not null group by 1) c, stats s"
check "a repaired UCUM code is in the loaded jsonb" \
    "select count(*) > 0 and bool_and(r.resource #>> '{valueQuantity,code}' = i.repair_new) from resource r join issue i on i.id = r.id and i.repair_kind = 'ucum-code'"
check "JSON escapes and a tab survive COPY" \
    "select resource #>> '{name,0,text}' = E'a\\\\b \"q\"\tc' from resource where id = 'd1'"
check "envelopes: exact bytes, file, line" \
    "select bool_or(decode(doc->>'data_base64', 'base64') = E'\\\\x5c2e' and doc #>> '{source,line}' = '3')
        and bool_or(position(E'\\\\xff'::bytea in decode(doc->>'data_base64', 'base64')) > 0)
        and bool_and(doc #>> '{source,file}' like '%dirty.ndjson' or doc #>> '{source,file}' like '%sample-bundle.json')
        and count(*) filter (where doc #>> '{source,file}' like '%dirty.ndjson') = 3 from reject"
off2=$(head -n 1 "$tmp/dirty.ndjson" | wc -c)
check "issues name both files, offsets restart per file" \
    "select count(distinct source_file) = 2 and bool_or(source_file like '%dirty.ndjson' and line = 2 and \"offset\" = $off2) from issue"
echo "pg: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
