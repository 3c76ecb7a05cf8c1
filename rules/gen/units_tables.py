#!/usr/bin/env python3
"""units_tables.py - generate the unit repair and vital-sign tables for rules/units.c.

Inputs (all under ../shared):
  docs/units-messy-to-ucum.tsv                 messy unit -> UCUM, with the traps
  sources/ucum/lhc-ucum-units-with-synonyms.csv  NLM LHC unit table with synonyms
  sources/ucum/fhir-r4-ucum-common.json        FHIR R4 common UCUM units value set
  sources/s4s/vital-signs-loinc-ucum.json      vital-sign LOINC codes and their units

Outputs (committed): rules/tables/units_tables.h, rules/tables/units_messy.c,
rules/tables/units_vitals.c.

Which repairs are kept (only unambiguous ones):
  - every non-trap row of the messy table, plus a few rows of our own seen in
    Synthea and S4S data (EXTRA below);
  - an LHC synonym only when it names exactly one unit, has no space, and is
    the same as that unit once case, brackets, quotes, '*' '^' and the
    "_i"/"_av" style suffixes are ignored ("IU/L" -> "[IU]/L", "/HPF" ->
    "/[HPF]"; not "month" -> "/mo", which is a search word, not a spelling);
  - upper-case spellings of the FHIR common units ("MG/DL" -> "mg/dL") when
    the lower-cased code is unique in that value set.
At run time units.c applies a repair to a string that is valid UCUM only when
the repair keeps its canonical form (a spelling change, never a meaning
change), so a stray synonym can never turn a valid unit into another one.

Run from the repository root: python3 rules/gen/units_tables.py
"""
import csv
import json
import os
import re

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SH = os.path.normpath(os.path.join(ROOT, "..", "shared"))
MESSY = "docs/units-messy-to-ucum.tsv"
LHC = "sources/ucum/lhc-ucum-units-with-synonyms.csv"
COMMON = "sources/ucum/fhir-r4-ucum-common.json"
VITALS = "sources/s4s/vital-signs-loinc-ucum.json"

# Our own rows: defects seen in the Synthea and S4S corpora (README "known
# defects") that the messy table does not list.
EXTRA = [
    ("(score)", "{score}", "annotation", "Synthea R4 (code and unit \"(score)\")"),
    ("M/uL", "10*6/uL", "synonym", "Synthea (ucum-lhc: invalid); mega-count per uL"),
    ("m/uL", "10*6/uL", "synonym", "as M/uL"),
    ("mmHg", "mm[Hg]", "brackets", "S4S DSTU2 demo"),
    ("days", "d", "synonym", "S4S DSTU2 demo"),
    ("tablets", "{tablets}", "annotation", "S4S DSTU2 demo (code {tablets})"),
    ("beats/minute", "{beats}/min", "annotation", "as beats/min"),
    ("(ratio)", "{ratio}", "annotation", "as (score)"),
]

# Conversion targets under --convert-vitals (ours; each must be one of the
# code's listed units).
TARGET = {"29463-7": "kg", "8302-2": "cm", "8306-3": "cm", "8287-5": "cm", "9843-4": "cm",
          "8310-5": "Cel", "8480-6": "mm[Hg]", "8462-4": "mm[Hg]"}


# The messy table's short note is not a readable meaning for this row.
MEANING = {"mL/min/1.73.m2": "mL/min times 73 m2"}


def skeleton(s):
    s = re.sub(r"_[A-Za-z]+\]", "]", s)
    return re.sub(r"[\[\]'*^{}]", "", s).lower()


def c_str(s):
    if s is None:
        return "NULL"
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def ascii_ok(s):
    return all(33 <= ord(ch) <= 126 for ch in s)


def main():
    messy, traps = {}, {}
    with open(os.path.join(SH, MESSY), encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    for r in rows[1:]:
        frm, to, status, kind, _src = r
        if kind == "trap":
            # kind of a trap row: what the string means in UCUM ("picohenry")
            meaning = status.split("VALID-but-", 1)[1]
            traps[frm] = (to, MEANING.get(frm, meaning))
        else:
            messy[frm] = (to, kind)
    for frm, to, kind, _src in EXTRA:
        messy.setdefault(frm, (to, kind))

    syn = {}
    with open(os.path.join(SH, LHC), encoding="utf-8") as f:
        for r in list(csv.reader(f))[1:]:
            for s in r[3].split(";"):
                s = s.strip()
                if s:
                    syn.setdefault(s, set()).add(r[0])
    n_lhc = 0
    for s, codes in sorted(syn.items()):
        if len(codes) != 1 or " " in s or not ascii_ok(s) or len(s) > 24:
            continue
        code = next(iter(codes))
        if s == code or s in messy or s in traps or skeleton(s) != skeleton(code):
            continue
        messy[s] = (code, "lhc-synonym")
        n_lhc += 1

    with open(os.path.join(SH, COMMON), encoding="utf-8") as f:
        vs = json.load(f)
    fold = {}
    for inc in vs["compose"]["include"]:
        for c in inc.get("concept", []):
            fold.setdefault(c["code"].upper(), set()).add(c["code"])
    fold = {k: next(iter(v)) for k, v in fold.items() if len(v) == 1 and k != next(iter(v))}

    with open(os.path.join(SH, VITALS), encoding="utf-8") as f:
        vit = json.load(f)
    vitals = []
    for v in vit["vital_signs"]:
        units = []
        for key in ("us_core_r4_ucum", "argonaut_dstu2_ucum", "s4s_test_suite_ucum"):
            for u in v.get(key) or []:
                if u not in units:
                    units.append(u)
        tgt = TARGET.get(v["loinc"])
        if tgt is not None and tgt not in units:
            raise SystemExit("target %s not among the units of %s" % (tgt, v["loinc"]))
        vitals.append((v["loinc"], units, tgt))
    vitals.sort(key=lambda x: x[0].encode())

    head = ("/*\n * %s - GENERATED by rules/gen/units_tables.py; do not edit.\n"
            " *\n * Sources (../shared): %s (ours, from LHC/UCUM/OHDSI reports);\n"
            " * %s (NLM LHC ucum-lhc unit table: LOINC/NLM terms, see its licence);\n"
            " * %s (FHIR R4, CC0); %s (ours).\n"
            " * Regenerate: python3 rules/gen/units_tables.py (or `make tables`).\n"
            " * Ownership: static read-only tables.\n */\n")
    srcs = (MESSY, LHC, COMMON, VITALS)

    h = [head % (("units_tables.h",) + srcs),
         "#ifndef S4S_UNITS_TABLES_H\n#define S4S_UNITS_TABLES_H\n\n",
         "typedef struct s4s_units_map {\n    const char *from;\n    const char *to;\n"
         "    const char *kind;   /* why: synonym, case, brackets, lhc-synonym, fold ... */\n"
         "} s4s_units_map;\n\n",
         "typedef struct s4s_units_vital {\n    const char *loinc;\n"
         "    const char *units;   /* expected UCUM codes, space separated, preferred first */\n"
         "    const char *target;  /* --convert-vitals target, NULL: no conversion */\n"
         "} s4s_units_vital;\n\n",
         "/* Each array is sorted by its first member (bytewise) for bsearch. */\n",
         "extern const s4s_units_map s4s_units_messy[];   /* messy -> UCUM */\n",
         "extern const unsigned s4s_units_n_messy;\n",
         "/* traps: valid UCUM, wrong meaning -> intended; kind = the UCUM meaning */\n",
         "extern const s4s_units_map s4s_units_traps[];\n",
         "extern const unsigned s4s_units_n_traps;\n",
         "extern const s4s_units_map s4s_units_fold[];    /* UPPER-CASE spelling -> UCUM */\n",
         "extern const unsigned s4s_units_n_fold;\n",
         "extern const s4s_units_vital s4s_units_vitals[];\n",
         "extern const unsigned s4s_units_n_vitals;\n",
         "\n#endif\n"]

    def table(name, items):
        out = ["const s4s_units_map %s[] = {\n" % name]
        for frm, (to, kind) in sorted(items.items(), key=lambda x: x[0].encode()):
            out.append("    {%s, %s, %s},\n" % (c_str(frm), c_str(to), c_str(kind)))
        out.append("};\nconst unsigned %s = sizeof %s / sizeof %s[0];\n\n"
                   % (name.replace("s4s_units_", "s4s_units_n_"), name, name))
        return out

    m = [head % (("units_messy.c",) + srcs), '#include "units_tables.h"\n#include <stddef.h>\n\n']
    m += table("s4s_units_messy", messy)
    m += table("s4s_units_traps", traps)
    m += table("s4s_units_fold", {k: (v, "fold") for k, v in fold.items()})

    v = [head % (("units_vitals.c",) + srcs), '#include "units_tables.h"\n#include <stddef.h>\n\n',
         "const s4s_units_vital s4s_units_vitals[] = {\n"]
    for loinc, units, tgt in vitals:
        v.append("    {%s, %s, %s},\n" % (c_str(loinc), c_str(" ".join(units)), c_str(tgt)))
    v.append("};\nconst unsigned s4s_units_n_vitals = sizeof s4s_units_vitals / sizeof s4s_units_vitals[0];\n")

    outdir = os.path.join(ROOT, "rules", "tables")
    for name, parts in (("units_tables.h", h), ("units_messy.c", m), ("units_vitals.c", v)):
        with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(parts).rstrip("\n") + "\n")
    print("units_tables: %d messy (%d from LHC), %d traps, %d fold, %d vitals"
          % (len(messy), n_lhc, len(traps), len(fold), len(vitals)))


if __name__ == "__main__":
    main()
