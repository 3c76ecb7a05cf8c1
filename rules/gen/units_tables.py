#!/usr/bin/env python3
"""units_tables.py - generate the unit repair and vital-sign tables for rules/units.c.

Inputs (all under ../shared):
  docs/units-messy-to-ucum.tsv                 messy unit -> UCUM, with the traps
  sources/ucum/lhc-ucum-units-with-synonyms.csv  NLM LHC unit table with synonyms
  sources/ucum/fhir-r4-ucum-common.json        FHIR R4 common UCUM units value set
  sources/s4s/vital-signs-loinc-ucum.json      vital-sign LOINC codes and their units

Outputs (committed): rules/tables/units_tables.h, rules/tables/units_messy.c
(messy, traps, words, fold), rules/tables/units_vitals.c (vitals, ranges).

Which repairs are kept (only unambiguous ones):
  - every non-trap row of the messy table, plus a few rows of our own seen in
    Synthea and S4S data (EXTRA below);
  - an LHC synonym only when it names exactly one unit, has no space, and is
    the same as that unit once case, brackets, quotes, '*' '^' and the
    "_i"/"_av" style suffixes are ignored ("IU/L" -> "[IU]/L", "/HPF" ->
    "/[HPF]"; not "month" -> "/mo", which is a search word, not a spelling);
  - upper-case spellings of the FHIR common units ("MG/DL" -> "mg/dL") when
    the lower-cased code is unique in that value set;
  - the litre as "L" ("mg/dl" -> "mg/dL") for the common units;
  - WORDS: spellings matched without regard to case and blanks ("LBS",
    "Deg F", "breaths per minute"), for strings that are not UCUM.
Traps: the TSV's trap rows plus EXTRA_TRAPS (all-caps MG, ML...), each with
what UCUM reads and what was meant, and whether a medication dose settles it.
RANGES: plausible vital-sign values (--vital-ranges replaces them at run time).
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

# Traps of our own (valid UCUM, another meaning): all-caps EHR spellings.
# from, intended UCUM, what UCUM reads, what was meant, dose: a medication
# dose settles it (the intended unit is a mass, volume or amount of
# substance; the UCUM reading is not).  Source: issue 17 and UCUM 2.2
# (M = mega, G = gauss, L = litre).  Not traps: MCG, GM, MEQ, MMOL, MOSM and
# KU are not valid UCUM at all; they are repaired through WORDS and the
# fold table.
EXTRA_TRAPS = [
    ("MG", "mg", "megagauss", "milligram", 1),
    ("ML", "mL", "megalitre", "millilitre", 1),
    ("MG/ML", "mg/mL", "megagauss per megalitre", "milligram per millilitre", 1),
    ("MG/L", "mg/L", "megagauss per litre", "milligram per litre", 0),
    ("G", "g", "gauss", "gram", 1),
    ("G/L", "g/L", "gauss per litre", "gram per litre", 0),
    ("PG", "pg", "petagauss", "picogram", 0),
    ("/ML", "/mL", "per megalitre", "per millilitre", 0),
    ("10*3/ML", "10*3/mL", "thousands per megalitre", "thousands per millilitre", 0),
    ("10*6/ML", "10*6/mL", "millions per megalitre", "millions per millilitre", 0),
]

# What the TSV's trap rows were meant to say (its intended unit, in words).
INTENDED = {"C": "degree Celsius", "F": "degree Fahrenheit", "K/mm3": "thousands per mm3",
            "K/uL": "thousands per microlitre", "ft": "foot", "pH": "pH",
            "mL/min/1.73.m2": "mL/min per 1.73 m2 body surface"}

# Spellings matched without regard to case, blanks collapsed (ours, from the
# issue-17 list, the messy TSV and the example corpora in ../shared/corpus).
# Used only for strings that are not valid UCUM, so "G" (gauss) or "Mg"
# (megagram) never reach it; every row is unambiguous in any case.
WORDS = {
    "[lb_av]": ["lb", "lbs", "lb.", "lbs.", "pound", "pounds", "#lb"],
    "[oz_av]": ["oz", "ounce", "ounces"],
    "kg": ["kg", "kgs", "kilogram", "kilograms", "kilo", "kilos"],
    "g": ["gm", "gms", "gr.", "gram", "grams", "gramm"],
    "mg": ["mg", "mgs", "milligram", "milligrams"],
    "ug": ["mcg", "mcgs", "ug", "microgram", "micrograms"],
    "ng": ["ng", "nanogram", "nanograms"],
    "[in_i]": ["in", "in.", "inch", "inches", "\"", "''"],
    "[ft_i]": ["ft", "ft.", "feet", "foot"],
    "cm": ["cm", "cms", "centimeter", "centimeters", "centimetre", "centimetres"],
    "mm": ["mm", "millimeter", "millimeters", "millimetre", "millimetres"],
    "m": ["meter", "meters", "metre", "metres"],
    "Cel": ["cel", "degc", "deg c", "deg. c", "degree c", "degrees c", "degree celsius",
            "degrees celsius", "celsius", "centigrade", "\u00b0c", "\u00b0 c", "c\u00b0",
            "\u00bac"],
    "[degF]": ["degf", "deg f", "deg. f", "degree f", "degrees f", "degree fahrenheit",
               "degrees fahrenheit", "fahrenheit", "\u00b0f", "\u00b0 f", "f\u00b0", "\u00baf"],
    "{beats}/min": ["bpm", "beats/min", "beats per minute", "beats/minute", "beat/min",
                    "beats/m", "b/min", "heart beats/min"],
    "{breaths}/min": ["breaths/min", "breaths per minute", "breaths/minute", "breath/min",
                      "br/min", "resp/min", "respirations/min", "rr/min"],
    "mm[Hg]": ["mmhg", "mm hg", "mm/hg", "mm[hg]", "mm of hg", "millimeters of mercury"],
    "kg/m2": ["kg/m2", "kg/m^2", "kg/sq m", "kg/m\u00b2", "kg/sqm"],
    "%": ["percent", "pct", "per cent", "%o2", "% o2", "%sat"],
    "mL": ["ml", "mls", "milliliter", "milliliters", "millilitre", "millilitres", "cc", "ccs"],
    "L": ["liter", "liters", "litre", "litres", "ltr"],
    "L/min": ["liters/min", "l/min", "lpm", "liters per minute", "litres/min"],
    "mosm": ["mosm"],
    "mosm/kg": ["mosm/kg"],
    "meq": ["meq"],
    "meq/L": ["meq/l"],
    "mmol": ["mmol"],
    "mmol/L": ["mmol/l"],
    "kU": ["ku"],
    "s": ["sec", "secs", "second", "seconds"],
    "min": ["min", "mins", "minute", "minutes"],
    "h": ["hr", "hrs", "hour", "hours"],
    "d": ["day", "days"],
    "wk": ["wk", "wks", "week", "weeks"],
    "mo": ["mos", "month", "months"],
    "a": ["yr", "yrs", "year", "years"],
}

# Plausible values per vital-sign LOINC code, in the unit given (ours:
# physiological limits with room for extremes; configurable at build time
# here).  alt: units a value is often mislabelled in, tried in order when a
# value is out of range to name the likely cause.
RANGES = [
    ("8310-5", "Cel", 25, 45, "[degF]"),
    ("29463-7", "kg", 0.2, 500, "[lb_av] g"),
    ("8302-2", "cm", 20, 275, "[in_i] m mm"),
    ("8306-3", "cm", 20, 275, "[in_i] m mm"),
    ("8287-5", "cm", 15, 80, "[in_i] m mm"),
    ("9843-4", "cm", 15, 80, "[in_i] m mm"),
    ("8867-4", "/min", 15, 350, ""),
    ("9279-1", "/min", 2, 100, ""),
    ("8480-6", "mm[Hg]", 30, 300, ""),
    ("8462-4", "mm[Hg]", 10, 200, ""),
    ("2708-6", "%", 40, 100, "1"),
    ("59408-5", "%", 40, 100, "1"),
    ("39156-5", "kg/m2", 7, 150, ""),
    ("59576-9", "%", 0, 100, "1"),
    ("77606-2", "%", 0, 100, "1"),
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


def lower_l(code):
    """'mg/dL' -> 'mg/dl': the litre in lower case outside brackets and braces."""
    out, depth = [], 0
    for ch in code:
        depth += ch in "[{"
        depth -= ch in "]}"
        out.append("l" if ch == "L" and depth == 0 else ch)
    return "".join(out)


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
            traps[frm] = (to, MEANING.get(frm, meaning), INTENDED[frm], 0)
        else:
            messy[frm] = (to, kind)
    for frm, to, kind, _src in EXTRA:
        messy.setdefault(frm, (to, kind))
    for frm, to, meaning, meant, dose in EXTRA_TRAPS:
        traps[frm] = (to, meaning, meant, dose)
    words = {}
    for to, forms in WORDS.items():
        for w in forms:
            w = json.loads('"%s"' % w.replace('"', '\\"')) if "\\u" in w else w
            if w in words and words[w] != to:
                raise SystemExit("word %s maps to two units" % w)
            words[w] = (to, "word")

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
    # preferred spellings: the litre is "L" in the common units ("mg/dl" ->
    # "mg/dL"); units.c applies them only when the canonical form is the same
    common = {c["code"] for inc in vs["compose"]["include"] for c in inc.get("concept", [])}
    pref = {}
    for c in common:
        v = lower_l(c)
        if v != c and v not in common and v not in messy and v not in traps:
            pref.setdefault(v, set()).add(c)
    for v, cs in pref.items():
        if len(cs) == 1:
            messy[v] = (next(iter(cs)), "case-preference")

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
         "typedef struct s4s_units_trap {\n    const char *from;\n    const char *to;\n"
         "    const char *meaning;   /* what UCUM reads from (\"megagauss\") */\n"
         "    const char *meant;     /* what to means (\"milligram\") */\n"
         "    int dose;              /* a medication dose settles it */\n"
         "} s4s_units_trap;\n\n",
         "typedef struct s4s_units_range {\n    const char *loinc;\n    const char *unit;\n"
         "    double lo, hi;         /* plausible values, in unit */\n"
         "    const char *alt;       /* likely mislabels, space separated */\n"
         "} s4s_units_range;\n\n",
         "typedef struct s4s_units_vital {\n    const char *loinc;\n"
         "    const char *units;   /* expected UCUM codes, space separated, preferred first */\n"
         "    const char *target;  /* --convert-vitals target, NULL: no conversion */\n"
         "} s4s_units_vital;\n\n",
         "/* Each array is sorted by its first member (bytewise) for bsearch. */\n",
         "extern const s4s_units_map s4s_units_messy[];   /* messy -> UCUM */\n",
         "extern const unsigned s4s_units_n_messy;\n",
         "/* traps: valid UCUM, wrong meaning -> intended */\n",
         "extern const s4s_units_trap s4s_units_traps[];\n",
         "extern const unsigned s4s_units_n_traps;\n",
         "extern const s4s_units_map s4s_units_fold[];    /* UPPER-CASE spelling -> UCUM */\n",
         "extern const unsigned s4s_units_n_fold;\n",
         "/* lower-case, blank-collapsed spellings -> UCUM (strings not valid UCUM) */\n",
         "extern const s4s_units_map s4s_units_words[];\n",
         "extern const unsigned s4s_units_n_words;\n",
         "extern const s4s_units_range s4s_units_ranges[];\n",
         "extern const unsigned s4s_units_n_ranges;\n",
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
    m.append("const s4s_units_trap s4s_units_traps[] = {\n")
    for frm, (to, meaning, meant, dose) in sorted(traps.items(), key=lambda x: x[0].encode()):
        m.append("    {%s, %s, %s, %s, %d},\n" % (c_str(frm), c_str(to), c_str(meaning), c_str(meant), dose))
    m.append("};\nconst unsigned s4s_units_n_traps = sizeof s4s_units_traps / sizeof s4s_units_traps[0];\n\n")
    m += table("s4s_units_words", words)
    m += table("s4s_units_fold", {k: (v, "fold") for k, v in fold.items()})

    v = [head % (("units_vitals.c",) + srcs), '#include "units_tables.h"\n#include <stddef.h>\n\n',
         "const s4s_units_vital s4s_units_vitals[] = {\n"]
    for loinc, units, tgt in vitals:
        v.append("    {%s, %s, %s},\n" % (c_str(loinc), c_str(" ".join(units)), c_str(tgt)))
    v.append("};\nconst unsigned s4s_units_n_vitals = sizeof s4s_units_vitals / sizeof s4s_units_vitals[0];\n\n")
    v.append("const s4s_units_range s4s_units_ranges[] = {\n")
    for loinc, unit, lo, hi, alt in sorted(RANGES, key=lambda x: x[0].encode()):
        v.append("    {%s, %s, %r, %r, %s},\n" % (c_str(loinc), c_str(unit), float(lo), float(hi), c_str(alt)))
    v.append("};\nconst unsigned s4s_units_n_ranges = sizeof s4s_units_ranges / sizeof s4s_units_ranges[0];\n")

    outdir = os.path.join(ROOT, "rules", "tables")
    for name, parts in (("units_tables.h", h), ("units_messy.c", m), ("units_vitals.c", v)):
        with open(os.path.join(outdir, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("".join(parts).rstrip("\n") + "\n")
    print("units_tables: %d messy (%d from LHC), %d traps, %d words, %d fold, %d vitals, %d ranges"
          % (len(messy), n_lhc, len(traps), len(words), len(fold), len(vitals), len(RANGES)))


if __name__ == "__main__":
    main()
