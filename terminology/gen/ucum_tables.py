#!/usr/bin/env python3
"""ucum_tables.py - generate terminology/tables/ucum_tables.{c,h} from ucum-essence.xml.

Reads ../shared/sources/ucum/ucum-essence.xml (UCUM 2.2) and writes the
prefixes, the base units and every unit atom with its canonical form computed
here once (exact rational arithmetic, rounded to double at the end):
magnitude, dimension vector over the 7 base units, the mol exponent (so the
engine can refuse mass <-> substance conversions clearly), the arbitrary atom
it is made of (arbitrary units are commensurable only with themselves) and,
for special units, the conversion function.

Run from the repository root: python3 terminology/gen/ucum_tables.py
The output is deterministic (byte-for-byte on every run).
"""
import os
import sys
import xml.etree.ElementTree as ET
from fractions import Fraction

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SRC_REL = "../shared/sources/ucum/ucum-essence.xml"
SRC = os.path.normpath(os.path.join(ROOT, SRC_REL))
OUT_C = os.path.join(ROOT, "terminology", "tables", "ucum_tables.c")
OUT_H = os.path.join(ROOT, "terminology", "tables", "ucum_tables.h")
NS = "{http://unitsofmeasure.org/ucum-essence}"

DIM_ORDER = ["L", "T", "M", "A", "C", "Q", "F"]   # m s g rad K C cd
# UCUM special-unit function names -> engine enum suffix.  An unknown name
# stops the generator: the engine must implement every function.
FUNCS = {"Cel": "CEL", "degF": "DEGF", "degRe": "DEGRE", "pH": "PH", "ln": "LN",
         "lg": "LG", "lgTimes2": "LG2", "tanTimes100": "TAN100", "100tan": "TAN100",
         "hpX": "HPX", "hpC": "HPC", "hpM": "HPM", "hpQ": "HPQ", "sqrt": "SQRT", "ld": "LD"}
FUNC_ENUM = ["NONE", "CEL", "DEGF", "DEGRE", "PH", "LN", "LG", "LG2", "TAN100",
             "HPX", "HPC", "HPM", "HPQ", "SQRT", "LD"]


class Canon:
    """A canonical form: mag * prod(base^dim) * mol^sub * arb^1."""
    def __init__(self, mag=Fraction(1), dim=None, sub=0, arb=None):
        self.mag = mag
        self.dim = dim or [0] * 7
        self.sub = sub
        self.arb = dict(arb or {})

    def mul(self, o, sign=1):
        arb = dict(self.arb)
        for k, v in o.arb.items():
            arb[k] = arb.get(k, 0) + sign * v
            if arb[k] == 0:
                del arb[k]
        mag = self.mag * o.mag if sign > 0 else self.mag / o.mag
        return Canon(mag, [a + sign * b for a, b in zip(self.dim, o.dim)], self.sub + sign * o.sub, arb)

    def pow(self, e):
        return Canon(self.mag ** e, [d * e for d in self.dim], self.sub * e,
                     {k: v * e for k, v in self.arb.items()})


def load():
    root = ET.parse(SRC).getroot()
    meta = {"version": root.get("version"), "date": root.get("revision-date")}
    prefixes = []
    for p in root.findall(NS + "prefix"):
        v = p.find(NS + "value").get("value")
        prefixes.append((p.get("Code"), Fraction(v)))
    bases = []
    for b in root.findall(NS + "base-unit"):
        bases.append((b.get("Code"), b.get("dim")))
    units = []
    for u in root.findall(NS + "unit"):
        val = u.find(NS + "value")
        fn = val.find(NS + "function")
        units.append({
            "code": u.get("Code"),
            "metric": u.get("isMetric") == "yes",
            "special": u.get("isSpecial") == "yes",
            "arbitrary": u.get("isArbitrary") == "yes",
            "unit": val.get("Unit"),
            "value": val.get("value"),
            "fn": None if fn is None else (fn.get("name"), fn.get("value"), fn.get("Unit")),
        })
    return meta, prefixes, bases, units


class Resolver:
    def __init__(self, prefixes, bases, units):
        self.prefixes = sorted(prefixes, key=lambda p: -len(p[0]))
        self.atoms = {}
        self.defs = {u["code"]: u for u in units}
        for code, dim in bases:
            d = [0] * 7
            d[DIM_ORDER.index(dim)] = 1
            self.atoms[code] = Canon(Fraction(1), d)
        self.metric = {code: True for code, _ in bases}
        for u in units:
            self.metric[u["code"]] = u["metric"]
        self.busy = set()

    def atom(self, code):
        if code in self.atoms:
            return self.atoms[code]
        if code in self.busy:
            sys.exit("definition cycle at " + code)
        self.busy.add(code)
        u = self.defs[code]
        if code == "mol":
            c = Canon(Fraction(u["value"]) * 10 ** 23, sub=1)
        elif u["arbitrary"] and u["unit"] == "1":
            c = Canon(Fraction(1), arb={code: 1})
        elif u["special"]:
            name, value, unit = u["fn"]
            c = self.expr(unit)
            c = Canon(c.mag * Fraction(value), c.dim, c.sub, c.arb)
        else:
            c = self.expr(u["unit"])
            c = Canon(c.mag * Fraction(u["value"]), c.dim, c.sub, c.arb)
        self.busy.discard(code)
        self.atoms[code] = c
        return c

    def symbol(self, s):
        """One simple unit with optional exponent, e.g. 10*-5, [in_i]2, cm."""
        i = len(s)
        while i > 0 and s[i - 1].isdigit():
            i -= 1
        exp = 1
        if i < len(s):
            if i > 0 and s[i - 1] in "+-":
                i -= 1
            if i == 0:
                return Canon(Fraction(int(s)))
            exp = int(s[i:])
            s = s[:i]
        if s in self.defs or s in self.atoms:
            return self.atom(s).pow(exp)
        for pc, pv in self.prefixes:
            rest = s[len(pc):]
            if s.startswith(pc) and rest and self.metric.get(rest):
                c = self.atom(rest)
                return Canon(c.mag * pv, c.dim, c.sub, c.arb).pow(exp)
        sys.exit("cannot resolve symbol " + s)

    def expr(self, text):
        """The subset of the grammar used by the essence file's definitions."""
        toks, i = [], 0
        while i < len(text):
            ch = text[i]
            if ch in "./()":
                toks.append(ch)
                i += 1
                continue
            j, depth = i, 0
            while j < len(text) and (depth or text[j] not in "./()"):
                depth += text[j] == "["
                depth -= text[j] == "]"
                j += 1
            toks.append(text[i:j])
            i = j
        pos = [0]

        def term():
            c = comp()
            while pos[0] < len(toks) and toks[pos[0]] in "./":
                op = toks[pos[0]]
                pos[0] += 1
                c = c.mul(comp(), 1 if op == "." else -1)
            return c

        def comp():
            t = toks[pos[0]]
            pos[0] += 1
            if t == "(":
                c = term()
                pos[0] += 1
                return c
            return self.symbol(t)

        if toks and toks[0] == "/":
            pos[0] = 1
            return Canon().mul(term(), -1)
        return term()


def c_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def c_dbl(f):
    r = repr(float(f))
    return r if ("e" in r or "." in r or "inf" in r) else r + ".0"


def main():
    meta, prefixes, bases, units = load()
    res = Resolver(prefixes, bases, units)
    # [IU] is defined as 1 [iU]: it shares [iU]'s identity, so only arbitrary
    # atoms defined as "1" are identities of their own.
    arbs = sorted(u["code"] for u in units if u["arbitrary"] and u["unit"] == "1")
    rows = []
    for code, _ in bases:
        rows.append((code, True, "NONE", Fraction(1), res.atom(code)))
    for u in units:
        code = u["code"]
        if code[-1].isdigit():
            sys.exit("atom ends in a digit (exponent split would be ambiguous): " + code)
        c = res.atom(code)
        fn = "NONE"
        fval = Fraction(1)
        if u["special"]:
            name = u["fn"][0]
            if name not in FUNCS:
                sys.exit("unknown special function " + name)
            fn = FUNCS[name]
        rows.append((code, u["metric"], fn, fval, c))
    rows.sort(key=lambda r: r[0].encode())
    for r in rows:
        if len(r[4].arb) > 1 or any(v != 1 for v in r[4].arb.values()):
            sys.exit("atom built from several arbitrary units: " + r[0])

    notice = ("The Unified Code for Units of Measure (UCUM) is copyright (c) 1999-2024,\n"
              " * Regenstrief Institute, Inc.  All rights reserved.  Used under the UCUM\n"
              " * Copyright Notice and License, Version 1.1 (terminology/tables/LICENSE-ucum.md);\n"
              " * see https://ucum.org/trac/wiki/TermsOfUse.  Data: UCUM %s (%s)." % (meta["version"], meta["date"]))
    head = ("/*\n * %%s - GENERATED by terminology/gen/ucum_tables.py; do not edit.\n"
            " *\n * Source: %s (ucum-essence.xml, UCUM version %s, revision date %s).\n"
            " * Regenerate: python3 terminology/gen/ucum_tables.py (or `make tables`).\n"
            " * %s\n *\n"
            " * Canonical forms are computed by the generator in exact rational arithmetic\n"
            " * and rounded once to double.  Dimension order: m s g rad K C cd.\n"
            " * Ownership: static read-only tables.\n */\n") % (SRC_REL, meta["version"], meta["date"], notice)

    h = [head % "ucum_tables.h",
         "#ifndef S4S_UCUM_TABLES_H\n#define S4S_UCUM_TABLES_H\n#include <stdint.h>\n\n",
         "/* Special-unit conversion functions (UCUM essence <function name>). */\n",
         "enum s4s_ucum_fn {\n"]
    h += ["    S4S_UCUM_FN_%s,\n" % f for f in FUNC_ENUM]
    h += ["};\n\n",
          "typedef struct s4s_ucum_prefix {\n    const char *code;\n    uint8_t     len;\n"
          "    double      value;\n} s4s_ucum_prefix;\n\n",
          "typedef struct s4s_ucum_atom {\n"
          "    const char *code;\n"
          "    uint8_t     len;\n"
          "    uint8_t     metric;   /* takes prefixes */\n"
          "    uint8_t     fn;       /* enum s4s_ucum_fn; non-zero for special units */\n"
          "    uint8_t     arb;      /* 1 + index into s4s_ucum_arbitrary, 0 if none */\n"
          "    int8_t      dim[7];   /* exponents of m s g rad K C cd */\n"
          "    int8_t      sub;      /* exponent of mol (amount of substance) */\n"
          "    double      mag;      /* canonical magnitude; special units: of the function's unit */\n"
          "} s4s_ucum_atom;\n\n",
          "/* Sorted by code (bytewise) for binary search. */\n",
          "extern const s4s_ucum_atom s4s_ucum_atoms[];\n",
          "extern const unsigned s4s_ucum_n_atoms;\n",
          "/* Longest first, so \"da\" is tried before \"d\". */\n",
          "extern const s4s_ucum_prefix s4s_ucum_prefixes[];\n",
          "extern const unsigned s4s_ucum_n_prefixes;\n",
          "extern const char *const s4s_ucum_arbitrary[];\n",
          "extern const unsigned s4s_ucum_n_arbitrary;\n",
          "extern const char s4s_ucum_version[];\n",
          "\n#endif\n"]

    c = [head % "ucum_tables.c", '#include "ucum_tables.h"\n\n',
         'const char s4s_ucum_version[] = %s;\n\n' % c_str("%s (%s)" % (meta["version"], meta["date"])),
         "const s4s_ucum_prefix s4s_ucum_prefixes[] = {\n"]
    for code, v in sorted(prefixes, key=lambda p: (-len(p[0]), p[0].encode())):
        c.append("    {%s, %d, %s},\n" % (c_str(code), len(code), c_dbl(v)))
    c.append("};\nconst unsigned s4s_ucum_n_prefixes = sizeof s4s_ucum_prefixes / sizeof s4s_ucum_prefixes[0];\n\n")
    c.append("const char *const s4s_ucum_arbitrary[] = {\n")
    for a in arbs:
        c.append("    %s,\n" % c_str(a))
    c.append("};\nconst unsigned s4s_ucum_n_arbitrary = sizeof s4s_ucum_arbitrary / sizeof s4s_ucum_arbitrary[0];\n\n")
    c.append("const s4s_ucum_atom s4s_ucum_atoms[] = {\n")
    for code, metric, fn, _fval, cn in rows:
        arb = 0
        if cn.arb:
            arb = arbs.index(next(iter(cn.arb))) + 1
        for d in cn.dim + [cn.sub]:
            if not -128 <= d <= 127:
                sys.exit("dimension out of range for " + code)
        c.append("    {%s, %d, %d, S4S_UCUM_FN_%s, %d, {%s}, %d, %s},\n" % (
            c_str(code), len(code), 1 if metric else 0, fn, arb,
            ", ".join(str(d) for d in cn.dim), cn.sub, c_dbl(cn.mag)))
    c.append("};\nconst unsigned s4s_ucum_n_atoms = sizeof s4s_ucum_atoms / sizeof s4s_ucum_atoms[0];\n")

    for path, parts in ((OUT_H, h), (OUT_C, c)):
        with open(path, "w", encoding="ascii", newline="\n") as f:
            f.write("".join(parts))
    print("ucum_tables: %d prefixes, %d atoms, %d arbitrary" % (len(prefixes), len(rows), len(arbs)))


if __name__ == "__main__":
    main()
