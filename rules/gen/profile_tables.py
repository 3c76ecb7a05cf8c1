#!/usr/bin/env python3
"""profile_tables.py - generate rules/tables/profiles_uscore.[ch] from the
StructureDefinition snapshots of US Core 3.1.1 (profiles and extensions),
for rules/profiles.c.

Per profile: canonical URL, id, base type, a selector (the pattern its
`code` requires, or the one code of the value set `code` is bound to, else
the pattern its `category` requires: how --profile=us-core picks an
Observation or DiagnosticReport profile by content) and its elements in
snapshot order.  An element is kept when it (or a descendant) says more than
base R4 does: min above the base min, max below the base max, fixed or
pattern value, slicing or slice, an extension profile, a required or
extensible binding other than the base element's, or a constraint whose key base R4 lacks.
Base cardinalities and bindings are the structure family's business.

Slices carry `match`: a JSON pattern built from the discriminators (value
and pattern discriminators; a url discriminator of an extension slice takes
the extension's profile URL), or "@type:T" for a type discriminator on a
choice element; NULL when a discriminator cannot be resolved here (type on
non-choice, profile, exists): that slicing is not evaluated.

Value sets: every required or extensible binding's set is listed; it has an expansion
when its compose is extensional (concept lists, or whole code systems whose
complete content is in the package or in the R4 definitions), else none
("not evaluated" at run time).

The FHIR R4 vital-signs profiles (vitalsigns, bp, bodyweight, ...) are not
among the sources (profiles-others.json is absent).  They are built here
from VITAL_SIGNS (facts of the FHIR R4 "Vital Signs" page) over the snapshot
of US Core's pediatric-bmi-for-age, which is derived from
http://hl7.org/fhir/StructureDefinition/vitalsigns (4.0.1) and carries its
elements and constraints vs-1..vs-3: each profile gets its LOINC code as the
Observation.code pattern and its units as a fixed valueQuantity.code or a
required binding to the R4 unit value set; bp gets its two component
slices.  The generic `vitalsigns` profile has no code of its own, so it is
checked only when meta.profile names it (named_only).

Whether every constraint compiles is checked by tests/unit/test_profiles.c.
Output is deterministic.  Run from the repository root.
"""
import copy
import gzip
import json
import re
import os
import sys
import tarfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHARED = os.path.join(ROOT, '..', 'shared', 'sources')
PKG = os.path.join(SHARED, 'us-core', 'hl7.fhir.us.core-3.1.1.tgz')
R4 = os.path.join(SHARED, 'fhir-r4')
OUT_C = os.path.join(ROOT, 'rules', 'tables', 'profiles_uscore.c')
OUT_H = os.path.join(ROOT, 'rules', 'tables', 'profiles_uscore.h')
VERSION = '3.1.1'
# memberOf('URL') in a constraint: the set is listed with the bindings' so
# the FHIRPath engine can ask rules/profiles.c for its expansion
MEMBER_OF = re.compile(r"memberOf\('([^']+)'\)")


def load_gz(name):
    with gzip.open(os.path.join(R4, name)) as f:
        return json.load(f)


def cstr(s):
    if s is None:
        return 'NULL'
    out = []
    for ch in s:
        o = ord(ch)
        if ch in '"\\':
            out.append('\\' + ch)
        elif o < 32 or o == 127:
            out.append('\\%03o' % o)
        elif o > 127:
            out.extend('\\%03o' % b for b in ch.encode('utf-8'))
        else:
            out.append(ch)
    return '"' + ''.join(out) + '"'


def compact(v):
    return json.dumps(v, separators=(',', ':'), sort_keys=True, ensure_ascii=False)


def fixed_pattern(e):
    fx = pt = None
    for k, v in e.items():
        if k.startswith('fixed'):
            fx = v
        elif k.startswith('pattern'):
            pt = v
    return fx, pt


def load_package():
    sds, vss, css = [], {}, {}
    with tarfile.open(PKG) as t:
        for m in sorted(t.getmembers(), key=lambda m: m.name):
            if not m.name.startswith('package/') or not m.name.endswith('.json') or '/' in m.name[8:]:
                continue
            try:
                r = json.load(t.extractfile(m))
            except ValueError:
                continue
            rt = r.get('resourceType') if isinstance(r, dict) else None
            if rt == 'StructureDefinition' and 'snapshot' in r:
                sds.append(r)
            elif rt == 'ValueSet':
                vss[r['url']] = r
            elif rt == 'CodeSystem':
                css[r['url']] = r
    return sds, vss, css


def base_r4():
    """Base R4: constraint keys, element bindings (path -> (strength, vs)),
    complete code systems and value sets."""
    keys, binds, css, vss = set(), {}, {}, {}
    for fn in ('profiles-resources.json.gz', 'profiles-types.json.gz'):
        for en in load_gz(fn)['entry']:
            r = en['resource']
            if r.get('resourceType') != 'StructureDefinition' or 'snapshot' not in r:
                continue
            for e in r['snapshot']['element']:
                for c in e.get('constraint', []):
                    keys.add(c['key'])
                b = e.get('binding')
                if b and 'valueSet' in b:
                    binds[e['path']] = (b['strength'], b['valueSet'].split('|')[0])
    for fn in ('valuesets.json.gz', 'v3-codesystems.json.gz', 'v2-tables.json.gz'):
        for en in load_gz(fn)['entry']:
            r = en['resource']
            if r.get('resourceType') == 'CodeSystem':
                css.setdefault(r['url'], r)
            elif r.get('resourceType') == 'ValueSet':
                vss.setdefault(r['url'], r)
    return keys, binds, css, vss


def cs_codes(cs):
    if cs.get('content') != 'complete':
        return None
    out = []

    def walk(cs_list):
        for c in cs_list:
            out.append(c['code'])
            walk(c.get('concept', []))
    walk(cs.get('concept', []))
    return out


def expand(url, vss, css, depth=0):
    """Sorted 'system|code' list, or None when not extensional here."""
    vs = vss.get(url)
    if vs is None or depth > 8:
        return None
    comp = vs.get('compose')
    if not comp or comp.get('exclude'):
        return None
    codes = set()
    for inc in comp.get('include', []):
        if inc.get('filter'):
            return None
        for sub in inc.get('valueSet', []):
            x = expand(sub.split('|')[0], vss, css, depth + 1)
            if x is None:
                return None
            codes.update(x)
        sysurl = inc.get('system')
        if not sysurl:
            continue
        if inc.get('concept'):
            codes.update(sysurl + '|' + c['code'] for c in inc['concept'])
        elif not inc.get('valueSet'):
            cs = css.get(sysurl)
            cc = cs_codes(cs) if cs else None
            if not cc:
                return None
            codes.update(sysurl + '|' + c for c in cc)
    return sorted(codes)


# FHIR R4 4.0.1 "Vital Signs" (http://hl7.org/fhir/R4/observation-vitalsigns.html,
# CC0): profile id -> (LOINC code, UCUM unit fixed, or the required unit
# value set).  Component profile bp: systolic 8480-6 and diastolic 8462-4,
# each mm[Hg].
R4_SD = 'http://hl7.org/fhir/StructureDefinition/'
VITAL_SIGNS = {
    'vitalsigns': (None, None, 'http://hl7.org/fhir/ValueSet/ucum-vitals-common'),
    'resprate':   ('9279-1', '/min', None),
    'heartrate':  ('8867-4', '/min', None),
    'oxygensat':  ('2708-6', '%', None),
    'bodytemp':   ('8310-5', None, 'http://hl7.org/fhir/ValueSet/ucum-bodytemp'),
    'bodyheight': ('8302-2', None, 'http://hl7.org/fhir/ValueSet/ucum-bodylength'),
    'headcircum': ('9843-4', None, 'http://hl7.org/fhir/ValueSet/ucum-bodylength'),
    'bodyweight': ('29463-7', None, 'http://hl7.org/fhir/ValueSet/ucum-bodyweight'),
    'bmi':        ('39156-5', 'kg/m2', None),
    'bp':         ('85354-9', None, None),
}
BP_COMPONENTS = (('SystolicBP', '8480-6'), ('DiastolicBP', '8462-4'))
VS_TEMPLATE = 'http://hl7.org/fhir/us/core/StructureDefinition/pediatric-bmi-for-age'


def loinc(code):
    return {'coding': [{'system': 'http://loinc.org', 'code': code}]}


def vital_signs(template):
    """The R4 vital-signs StructureDefinitions, built over the template."""
    out = []
    for vid, (code, unit, units_vs) in sorted(VITAL_SIGNS.items()):
        sd = copy.deepcopy(template)
        sd.update({'id': vid, 'url': R4_SD + vid, 'version': '4.0.1', 'named_only': code is None})
        els = []
        for e in sd['snapshot']['element']:
            e = dict(e)
            if e['id'] == 'Observation.code':
                e.pop('patternCodeableConcept', None)
                if code:
                    e['patternCodeableConcept'] = loinc(code)
            elif e['id'] == 'Observation.value[x]:valueQuantity.code':
                e.pop('fixedCode', None)
                if unit:
                    e['fixedCode'] = unit
                elif units_vs:
                    e['binding'] = {'strength': 'required', 'valueSet': units_vs}
            elif e['id'] == 'Observation.component' and vid == 'bp':
                e['slicing'] = {'discriminator': [{'type': 'pattern', 'path': 'code'}], 'rules': 'open'}
                e['min'] = 2
            els.append(e)
            if e['id'] == 'Observation.component.referenceRange' and vid == 'bp':
                els.extend(bp_slices())
        sd['snapshot']['element'] = els
        out.append(sd)
    return out


def bp_slices():
    base = 'Observation.component'
    out = []
    for name, code in BP_COMPONENTS:
        sid = base + ':' + name

        def el(sub, path, lo, hi, **kw):
            e = {'id': sid + sub, 'path': base + path, 'min': lo, 'max': hi,
                 'base': {'path': base + path, 'min': 0, 'max': '*' if not path else '1'}}
            e.update(kw)
            return e
        out += [el('', '', 1, '1', sliceName=name),
                el('.code', '.code', 1, '1', patternCodeableConcept=loinc(code)),
                el('.value[x]', '.value[x]', 0, '1', type=[{'code': 'Quantity'}]),
                el('.value[x].value', '.value[x].value', 1, '1'),
                el('.value[x].unit', '.value[x].unit', 1, '1'),
                el('.value[x].system', '.value[x].system', 1, '1', fixedUri='http://unitsofmeasure.org'),
                el('.value[x].code', '.value[x].code', 1, '1', fixedCode='mm[Hg]')]
    return out


class Gen:
    def __init__(self):
        self.sds, self.pvs, self.pcs = load_package()
        self.sds += vital_signs(next(sd for sd in self.sds if sd['url'] == VS_TEMPLATE))
        self.base_keys, self.base_binds, r4cs, r4vs = base_r4()
        self.css = dict(r4cs)
        self.css.update(self.pcs)
        self.vss = dict(r4vs)
        self.vss.update(self.pvs)
        self.by_url = {sd['url']: sd for sd in self.sds}
        # base R4's own required and extensible bindings, for packages loaded
        # at run time (rules/package.c keeps only bindings that differ)
        self.r4_bindings = sorted('%s|%s|%s' % (p, st, vs) for p, (st, vs) in self.base_binds.items()
                                  if st in ('required', 'extensible'))
        self.vs_index = {}
        self.elems = []     # dict rows, all profiles
        self.kids = []      # uint16 pool: kid and slice lists
        self.cons = []      # (elem index, key, severity, human, expr)
        self.profiles = []

    def vs_id(self, url):
        if url not in self.vs_index:
            self.vs_index[url] = len(self.vs_index)
        return self.vs_index[url]

    def profile(self, sd):
        els = sd['snapshot']['element']
        by_id = {e['id']: e for e in els}

        def parent_id(eid):
            # the last '.' outside a slice name
            head = eid.rsplit('.', 1)
            return head[0] if len(head) == 2 else None

        def elem_name(e):
            return e['path'].rsplit('.', 1)[-1] if '.' in e['path'] else e['path']

        def is_array(e):
            return e.get('base', {}).get('max', e['max']) != '1' or e['max'] not in ('0', '1')

        def value_at(sid, path):
            """The value a slice `sid` fixes at dotted `path`, or None."""
            e = by_id.get(sid)
            if path == '$this':
                fx, pt = fixed_pattern(e)
                return fx if fx is not None else pt
            segs = path.split('.')
            cur = sid
            for i, s in enumerate(segs):
                cur = cur + '.' + s
                ce = by_id.get(cur)
                if ce is None:
                    break
                fx, pt = fixed_pattern(ce)
                v = fx if fx is not None else pt
                if v is not None:
                    for rest in segs[i + 1:]:
                        if isinstance(v, list):
                            v = v[0] if v else None
                        v = v.get(rest) if isinstance(v, dict) else None
                    return v
            if path == 'url':
                for t in e.get('type', []):
                    for p in t.get('profile', []):
                        return p
            return None

        def put(pat, sid, path, v):
            segs = path.split('.')
            cur, eid = pat, sid
            for i, s in enumerate(segs):
                eid = eid + '.' + s
                ce = by_id.get(eid)
                arr = ce is not None and is_array(ce) and s != 'url'
                if i == len(segs) - 1:
                    cur[s] = [v] if arr else v
                else:
                    nxt = cur.setdefault(s, [{}] if arr else {})
                    cur = nxt[0] if isinstance(nxt, list) else nxt

        def slice_match(sliced, sid):
            disc = sliced['slicing'].get('discriminator', [])
            if not disc:
                return None
            if len(disc) == 1 and disc[0]['type'] == 'type' and disc[0]['path'] == '$this':
                if not sliced['path'].endswith('[x]'):
                    return None
                ts = by_id[sid].get('type', [])
                return '@type:' + ts[0]['code'] if len(ts) == 1 else None
            pat = {}
            for d in disc:
                if d['type'] not in ('value', 'pattern'):
                    return None
                v = value_at(sid, d['path'])
                if v is None:
                    return None
                if d['path'] == '$this':
                    if not isinstance(v, dict):
                        return None
                    pat.update(v)
                else:
                    put(pat, sid, d['path'], v)
            return compact(pat)

        # keep: element or descendant says more than base R4
        keep, rows = {}, []
        for e in els:
            eid = e['id']
            base = e.get('base', {})
            row = {'id': eid, 'name': elem_name(e), 'slice': e.get('sliceName')}
            bmin, bmax = base.get('min', 0), base.get('max', '*')
            is_slice = 'sliceName' in e and '.' in eid
            row['min'] = e['min'] if (is_slice or e['min'] > bmin) else 0
            mx = e['max']

            def mval(m):
                return 0xFFFFFFFF if m == '*' else int(m)
            row['max'] = mval(mx) if (is_slice or mval(mx) < mval(bmax)) else 0xFFFFFFFF
            fx, pt = fixed_pattern(e)
            row['fixed'] = compact(fx) if fx is not None else None
            row['pattern'] = compact(pt) if pt is not None else None
            prof = None
            if '.' in eid:
                for t in e.get('type', []):
                    if t['code'] == 'Extension' and t.get('profile'):
                        prof = t['profile'][0]
            row['type_profile'] = prof
            b = e.get('binding')
            row['vs'] = -1
            row['ext'] = 0
            if b and b.get('strength') in ('required', 'extensible') and b.get('valueSet'):
                vs = b['valueSet'].split('|')[0]
                bpath = e.get('base', {}).get('path', e['path'])
                if self.base_binds.get(bpath) != (b['strength'], vs):
                    row['vs'] = self.vs_id(vs)
                    row['ext'] = (1 if b['strength'] == 'extensible' else 0) | \
                        (2 if [t['code'] for t in e.get('type', [])] == ['string'] else 0)
            row['slicing'] = 0
            if e.get('slicing'):
                row['slicing'] = {'open': 1, 'closed': 2, 'openAtEnd': 1}[e['slicing'].get('rules', 'open')]
            row['cons'] = []
            for c in e.get('constraint', []):
                if c['key'] in self.base_keys:
                    continue
                for u in MEMBER_OF.findall(c['expression']):
                    self.vs_id(u.split('|')[0])
                row['cons'].append(c)
            own = (row['min'] or row['max'] != 0xFFFFFFFF or fx is not None or pt is not None or prof
                   or row['vs'] >= 0 or row['cons'] or is_slice)
            row['own'] = bool(own)
            rows.append(row)
            if own:
                p = eid
                while p is not None and p not in keep:
                    keep[p] = True
                    if ':' in p.rsplit('.', 1)[-1]:  # a slice keeps its sliced element
                        b = p[:p.rfind(':')]
                        while b is not None and b not in keep:
                            keep[b] = True
                            b = parent_id(b)
                    p = parent_id(p)
        # a sliced element is kept with its slices; slicing kept only if a slice is
        ids = [r['id'] for r in rows]
        kept = [r for r in rows if r['id'] in keep or '.' not in r['id']]
        index = {}
        first = len(self.elems)
        for r in kept:
            index[r['id']] = first + len(index)
        for r in kept:
            eid = r['id']
            pid = parent_id(eid)
            r['parent'] = index.get(pid, -1) if pid else -1
            r['slice_of'] = -1
            if r['slice']:
                base_id = eid[:eid.rfind(':')]
                r['slice_of'] = index.get(base_id, -1)
                if r['slice_of'] < 0:
                    raise SystemExit('slice without its element: ' + sd['id'] + ' ' + eid)
                r['match'] = slice_match(by_id[base_id], eid)
            else:
                r['match'] = None
        # kid and slice lists
        for r in kept:
            i = index[r['id']]
            kids = [index[k['id']] for k in kept if k['parent'] == i and not k['slice']]
            slices = [index[k['id']] for k in kept if k['slice_of'] == i]
            r['kids'] = (len(self.kids), len(kids))
            self.kids.extend(kids)
            r['slices'] = (len(self.kids), len(slices))
            self.kids.extend(slices)
            for c in r['cons']:
                self.cons.append((i, c['key'], c['severity'], c['human'], c['expression']))
            self.elems.append(r)
        del ids
        sel, prio = None, 0
        for nm, pr in (('code', 2), ('category', 1)):
            rid = sd['type'] + '.' + nm
            p = self.req_pattern(kept, index, first, rid) if rid in index else None
            if p is None and nm == 'code':
                p = self.code_selector(by_id.get(rid))
            if p is not None:
                sel, prio = compact(p), pr
                break
        self.profiles.append({'url': sd['url'], 'id': sd['id'], 'type': sd['type'], 'first': first,
                              'n': len(kept), 'selector': sel, 'prio': prio, 'version': sd.get('version'),
                              'extension': sd['type'] == 'Extension', 'named_only': sd.get('named_only', False)})

    def code_selector(self, e):
        """A code bound (required or extensible) to a one-code value set
        selects by that code (smoking status: 72166-2)."""
        b = e.get('binding') if e else None
        if not b or b.get('strength') not in ('required', 'extensible') or not b.get('valueSet'):
            return None
        x = expand(b['valueSet'].split('|')[0], self.vss, self.css)
        if not x or len(x) != 1:
            return None
        sysurl, code = x[0].rsplit('|', 1)
        return {'coding': [{'code': code, 'system': sysurl}]}

    def req_pattern(self, kept, index, first, eid):
        """The JSON every instance of element eid must contain, or None."""
        r = kept[index[eid] - first]
        if r['fixed'] or r['pattern']:
            return json.loads(r['fixed'] or r['pattern'])
        if not r['slices'][1] and not r['kids'][1]:
            return None
        items, obj = [], {}
        for k in self.kids[r['slices'][0]:r['slices'][0] + r['slices'][1]]:
            s = self.elems[k] if k < len(self.elems) else kept[k - first]
            if s['min'] >= 1:
                p = self.req_pattern(kept, index, first, s['id'])
                if isinstance(p, dict):
                    items.append(p)
        for k in self.kids[r['kids'][0]:r['kids'][0] + r['kids'][1]]:
            c = self.elems[k] if k < len(self.elems) else kept[k - first]
            if c['min'] >= 1 or c['slices'][1]:
                p = self.req_pattern(kept, index, first, c['id'])
                if p is not None:
                    obj[c['name']] = p
        if items:
            return items
        return obj or None

    def run(self):
        order = sorted(self.sds, key=lambda s: s['url'])
        for sd in order:
            self.profile(sd)
        vs_rows = []
        codes = []
        for url, i in sorted(self.vs_index.items(), key=lambda kv: kv[1]):
            x = expand(url, self.vss, self.css)
            vs_rows.append((url, len(codes) if x is not None else 0, len(x) if x is not None else -1))
            if x is not None:
                codes.extend(x)
        self.write(vs_rows, codes)

    def write(self, vs_rows, codes):
        src = 'Source: ../shared/sources/us-core/hl7.fhir.us.core-3.1.1.tgz (HL7 US Core 3.1.1, CC0),\n' \
              ' *         ../shared/sources/fhir-r4/{profiles-resources,profiles-types,valuesets,v3-codesystems,v2-tables}.json.gz (FHIR R4 4.0.1 definitions, CC0).'
        h = '''/*
 * profiles_uscore.h - generated: the US Core %s profiles and extensions
 * and the FHIR R4 vital-signs profiles (snapshot elements that constrain base R4, slices, required and
 * extensible bindings with their expansions, constraints), for rules/profiles.c.
 *
 * Generated by rules/gen/profile_tables.py (`make tables`); do not edit.
 * %s
 *
 * Invariants: a profile's elements are contiguous, in snapshot order, the
 * root first; parent, slice_of, kids and slices index s4s_prof_elems
 * (kids/slices via s4s_prof_kids); max 0xFFFFFFFF is "*"; an element whose
 * min/max repeat base R4 has min 0, max "*".  A value set with n < 0 has no
 * expansion here; codes of one set are "system|code", sorted.
 * Ownership: static const data.
 */
#ifndef S4S_PROFILES_USCORE_H
#define S4S_PROFILES_USCORE_H
#include <stdint.h>

#define S4S_PROF_VERSION "%s"
#define S4S_PROF_N_PROFILES %du
#define S4S_PROF_N_ELEMS %du
#define S4S_PROF_N_CONS %du
#define S4S_PROF_N_VS %du
#define S4S_PROF_ANY 0xFFFFFFFFu

enum { S4S_SLICING_NONE, S4S_SLICING_OPEN, S4S_SLICING_CLOSED };
/* a string's value is free text (Address.state): never echoed */
enum { S4S_BIND_EXTENSIBLE = 1, S4S_BIND_STRING = 2 };

typedef struct s4s_prof {
    const char *url, *id, *type;
    const char *version;   /* a "|version" in meta.profile must equal it; NULL: any */
    const char *selector;  /* JSON pattern its code (prio 2) or category (1) requires; NULL */
    uint16_t    first, n;  /* its elements */
    uint8_t     prio;
    uint8_t     extension; /* an extension definition */
    uint8_t     named_only; /* checked only when meta.profile names it */
} s4s_prof;

typedef struct s4s_prof_elem {
    const char *id;           /* snapshot id: "Patient.extension:race" */
    const char *name;         /* member name: "extension", "value[x]" */
    const char *fixed;        /* compact JSON or NULL */
    const char *pattern;      /* compact JSON or NULL */
    const char *match;        /* slices: JSON pattern or "@type:T"; NULL: not resolvable */
    const char *type_profile; /* extension profile URL or NULL */
    uint32_t    min, max;
    int32_t     parent, slice_of;
    uint16_t    kids, nkids, slices, nslices; /* into s4s_prof_kids */
    int16_t     vs;           /* binding: index into s4s_prof_vs, or -1 */
    uint8_t     slicing;      /* S4S_SLICING_* */
    uint8_t     vs_flags;     /* S4S_BIND_*: extensible (else required); on a string */
} s4s_prof_elem;

typedef struct s4s_prof_con {
    uint16_t    elem;
    uint8_t     error;        /* severity error, else warning */
    const char *key, *human, *expr;
} s4s_prof_con;

typedef struct s4s_prof_vs {
    const char *url;
    uint32_t    first;
    int32_t     n;
} s4s_prof_vs;

extern const s4s_prof s4s_profs[];
extern const s4s_prof_elem s4s_prof_elems[];
extern const uint16_t s4s_prof_kids[];
extern const s4s_prof_con s4s_prof_cons[];
extern const s4s_prof_vs s4s_prof_vss[];
extern const char *const s4s_prof_codes[];
/* base R4's required and extensible bindings, "path|strength|valueSet",
 * sorted (strcmp): a package's binding equal to its base is not kept */
extern const char *const s4s_prof_r4_bindings[];
#define S4S_PROF_N_R4_BINDINGS %du

#endif
''' % (VERSION, src, VERSION, len(self.profiles), len(self.elems), len(self.cons), len(vs_rows),
           len(self.r4_bindings))
        out = ['/*\n * profiles_uscore.c - generated tables; see profiles_uscore.h.\n *\n'
               ' * Generated by rules/gen/profile_tables.py (`make tables`); do not edit.\n'
               ' * %s\n */\n#include <stddef.h>\n#include "profiles_uscore.h"\n' % src]
        out.append('\nconst s4s_prof s4s_profs[%d] = {\n' % len(self.profiles))
        for p in self.profiles:
            out.append('    {%s, %s, %s, %s, %s, %d, %d, %d, %d, %d},\n' % (
                cstr(p['url']), cstr(p['id']), cstr(p['type']), cstr(p['version']), cstr(p['selector']),
                p['first'], p['n'], p['prio'], 1 if p['extension'] else 0, 1 if p['named_only'] else 0))
        out.append('};\n\nconst s4s_prof_elem s4s_prof_elems[%d] = {\n' % len(self.elems))
        for r in self.elems:
            out.append('    {%s, %s, %s, %s, %s, %s, %du, %du, %d, %d, %d, %d, %d, %d, %d, %d, %d},\n' % (
                cstr(r['id']), cstr(r['name']), cstr(r['fixed']), cstr(r['pattern']), cstr(r['match']),
                cstr(r['type_profile']), r['min'], r['max'], r['parent'], r['slice_of'],
                r['kids'][0], r['kids'][1], r['slices'][0], r['slices'][1], r['vs'], r['slicing'], r['ext']))
        out.append('};\n\nconst uint16_t s4s_prof_kids[%d] = {' % max(1, len(self.kids)))
        for i, k in enumerate(self.kids):
            out.append(('\n    ' if i % 16 == 0 else ' ') + '%d,' % k)
        out.append('\n};\n\nconst s4s_prof_con s4s_prof_cons[%d] = {\n' % max(1, len(self.cons)))
        for c in self.cons:
            out.append('    {%d, %d, %s, %s, %s},\n' % (c[0], 1 if c[2] == 'error' else 0, cstr(c[1]),
                                                          cstr(c[3]), cstr(c[4])))
        out.append('};\n\nconst s4s_prof_vs s4s_prof_vss[%d] = {\n' % len(vs_rows))
        for url, f, n in vs_rows:
            out.append('    {%s, %d, %d},\n' % (cstr(url), f, n))
        out.append('};\n\nconst char *const s4s_prof_r4_bindings[%d] = {\n' % len(self.r4_bindings))
        for b in self.r4_bindings:
            out.append('    %s,\n' % cstr(b))
        out.append('};\n\nconst char *const s4s_prof_codes[%d] = {\n' % max(1, len(codes)))
        for c in codes:
            out.append('    %s,\n' % cstr(c))
        out.append('};\n')
        with open(OUT_H, 'w') as f:
            f.write(h)
        with open(OUT_C, 'w') as f:
            f.write(''.join(out))


if __name__ == '__main__':
    if not os.path.exists(PKG):
        sys.exit('profile_tables.py: missing ' + PKG)
    Gen().run()
