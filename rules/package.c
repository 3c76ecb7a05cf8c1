/*
 * package.c - profile sets (profset.h): the built-in US Core tables, and
 * FHIR npm packages loaded at startup (--package=FILE.tgz) turned into the
 * same representation, the way rules/gen/profile_tables.py builds the
 * generated tables from the US Core package.
 *
 * Reading: zlib's gzread streams the tar; ustar headers are checked (sum)
 * and only regular members package/NAME.json are read, each into a buffer
 * capped at S4S_PKG_MEMBER_MAX; the whole tar is capped at
 * S4S_PKG_TOTAL_MAX.  A bad header, a truncated member or gzip stream, a
 * member over the cap, or JSON that does not parse is an error naming the
 * file and the member.
 *
 * Building, per StructureDefinition with a snapshot: an element is kept when
 * it (or a descendant) says more than its base: min above base min, max
 * below base max, fixed or pattern value, a slice, an extension profile, a
 * required or extensible binding base R4 does not already have, or
 * a constraint whose key base R4 lacks (rules/invariants.c runs those).
 * Slices get a match pattern from value/pattern discriminators ("@type:T"
 * for a type discriminator on a choice), else none (not evaluated).
 * Package profiles have no selector (named_only): they are checked when
 * meta.profile names them; their version is the StructureDefinition's, else
 * the package's.  Value sets: the package's expansion, else its compose of
 * enumerated codes and complete package code systems, else the built-in
 * US Core tables' expansion of that URL, else the R4 value-set table's
 * enumerated includes; else none ("not evaluated" at run time).
 * Ownership: a loaded set owns one arena holding every array and string;
 * while loading, an allocation failure releases what the load holds
 * (alloc.h holds) before unwinding.
 */
#include "profset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>
#include <zlib.h>
#include "tables/fhir_invariants.h"
#include "tables/fhir_valuesets.h"
#include "../filter/base/alloc.h"
#include "../filter/base/arena.h"
#include "../filter/base/buf.h"

const s4s_prof_set s4s_prof_builtin = {
    .name = "US Core " S4S_PROF_VERSION " and the R4 vital signs",
    .profs = s4s_profs, .elems = s4s_prof_elems, .kids = s4s_prof_kids, .cons = s4s_prof_cons,
    .vss = s4s_prof_vss, .codes = s4s_prof_codes,
    .nprofs = S4S_PROF_N_PROFILES, .nelems = S4S_PROF_N_ELEMS, .ncons = S4S_PROF_N_CONS, .nvs = S4S_PROF_N_VS,
};

/* --- the tar reader ---------------------------------------------------- */

static unsigned long long octal(const unsigned char *p, size_t n, bool *ok)
{
    unsigned long long v = 0;
    size_t i = 0;
    while (i < n && p[i] == ' ') i++;
    size_t start = i;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
        if (v >> 60) { *ok = false; return 0; }
        v = v * 8 + (unsigned)(p[i] - '0');
    }
    if (i == start || (i < n && p[i] != ' ' && p[i] != 0)) *ok = false;
    return v;
}

/* read exactly n bytes; false at a short read (truncated or corrupt gzip) */
static bool gz_full(gzFile f, void *buf, size_t n, const char **why)
{
    int got = gzread(f, buf, (unsigned)n);
    if (got == (int)n) return true;
    int zerr;
    const char *m = gzerror(f, &zerr);
    *why = got < 0 || (zerr != Z_OK && zerr != Z_BUF_ERROR) ? m : "truncated";
    return false;
}

static bool wanted(const char *name)
{
    size_t n = strlen(name);
    return n > 13 && !strncmp(name, "package/", 8) && !strchr(name + 8, '/') && !strcmp(name + n - 5, ".json");
}

static void gz_drop(void *f) { gzclose(f); }

s4s_rc s4s_tar_walk(const char *path, size_t member_max, s4s_tar_fn fn, void *ud, char *err, size_t errsz)
{
    gzFile f = gzopen(path, "rb");
    if (!f) {
        snprintf(err, errsz, "%s: cannot open", path);
        return S4S_ERR_IO;
    }
    s4s_rc rc = S4S_OK;
    unsigned char h[512];
    char name[260] = "", skip[4096];
    bool header = true; /* the error is in a header (after `name`), not in member `name` */
    size_t total = 0;
    const char *why = NULL;
    s4s_buf data;
    s4s_buf_init(&data, member_max + 512);
    /* an allocation failure (in fn too) unwinds past here: release both */
    s4s_oom_hold hf, hd;
    s4s_oom_push(&hf, f, gz_drop);
    s4s_oom_push(&hd, &data, s4s_buf_drop);
    for (;;) {
        int got = gzread(f, h, sizeof h);
        header = true;
        if (got == 0) break; /* end of file without the zero blocks: tolerated, as tar does */
        if (got != (int)sizeof h) {
            why = got < 0 ? gzerror(f, &got) : "truncated header";
            rc = S4S_ERR_FORMAT;
            break;
        }
        bool zero = true;
        for (size_t i = 0; i < sizeof h && zero; i++) zero = h[i] == 0;
        if (zero) break;
        unsigned long sum = 0;
        for (size_t i = 0; i < sizeof h; i++) sum += i >= 148 && i < 156 ? ' ' : h[i];
        bool ok = true;
        unsigned long long want = octal(h + 148, 8, &ok);
        unsigned long long size = octal(h + 124, 12, &ok);
        if (!ok || want != sum) {
            why = !ok ? "malformed header field" : "bad header checksum";
            rc = S4S_ERR_FORMAT;
            break;
        }
        /* ustar: prefix "/" name */
        size_t pl = h[345] && !memcmp(h + 257, "ustar", 5) ? strnlen((char *)h + 345, 155) : 0;
        size_t nl = strnlen((char *)h, 100);
        snprintf(name, sizeof name, "%.*s%s%.*s", (int)pl, (char *)h + 345, pl ? "/" : "", (int)nl, (char *)h);
        header = false;
        total += 512 + (size_t)((size + 511) / 512 * 512);
        if (size > S4S_PKG_TOTAL_MAX || total > S4S_PKG_TOTAL_MAX) {
            why = "the package is larger than its cap";
            rc = S4S_ERR_LIMIT;
            break;
        }
        bool regular = h[156] == '0' || h[156] == 0;
        if (regular && wanted(name)) {
            if (size > member_max) {
                why = "member larger than its cap";
                rc = S4S_ERR_LIMIT;
                break;
            }
            s4s_buf_clear(&data);
            for (size_t left = (size_t)((size + 511) / 512 * 512); left && !rc;) {
                size_t k = left < sizeof skip ? left : sizeof skip;
                if (!gz_full(f, skip, k, &why)) rc = S4S_ERR_FORMAT;
                else s4s_buf_put(&data, skip, k);
                left -= k;
            }
            if (rc) break;
            data.len = (size_t)size; /* the padding after it is dropped */
            s4s_buf_putc(&data, 0);
            rc = fn(ud, name, data.p, (size_t)size, err, errsz);
            if (rc) goto out;
            continue;
        }
        for (size_t left = (size_t)((size + 511) / 512 * 512); left;) {
            size_t k = left < sizeof skip ? left : sizeof skip;
            if (!gz_full(f, skip, k, &why)) { rc = S4S_ERR_FORMAT; break; }
            left -= k;
        }
        if (rc) break;
    }
    if (rc && header)
        snprintf(err, errsz, "%s: %s%s%s: %s", path, name[0] ? "the header after member " : "the first member",
                 name, name[0] ? "" : "'s header", why ? why : "unreadable");
    else if (rc)
        snprintf(err, errsz, "%s: member %s: %s", path, name, why ? why : "unreadable");
out:
    s4s_oom_pop(&hd);
    s4s_oom_pop(&hf);
    s4s_buf_free(&data);
    gzclose(f);
    return rc;
}

/* --- the loaded set's storage ------------------------------------------ */

typedef struct vsdef { const char *url; yajl_val v; } vsdef;

typedef struct loader {
    s4s_arena     *a;
    const char    *path;
    yajl_val      *docs;              /* parsed members kept until the set is built */
    unsigned       ndocs, capdocs;
    s4s_prof      *profs;
    s4s_prof_elem *elems;
    uint16_t      *kids;
    s4s_prof_con  *cons;
    s4s_prof_vs   *vss;
    const char   **codes;
    unsigned       nprofs, nelems, nkids, ncons, nvs, ncodes;
    unsigned       capprofs, capelems, capkids, capcons, capvs, capcodes;
    const char    *version;
    char           err[512];
} loader;

#define GROW(L, arr, n, cap)                                                        \
    do {                                                                            \
        if ((L)->n == (L)->cap) {                                                   \
            (L)->cap = (L)->cap ? (L)->cap * 2 : 64;                                \
            (L)->arr = s4s_xrealloc((L)->arr, (L)->cap * sizeof *(L)->arr);         \
        }                                                                           \
    } while (0)

static const char *sdup(loader *L, const char *s) { return s ? s4s_arena_strndup(L->a, s, strlen(s)) : NULL; }

static yajl_val get(yajl_val o, const char *k)
{
    static const char *path[2];
    path[0] = k;
    return o && YAJL_IS_OBJECT(o) ? yajl_tree_get(o, path, yajl_t_any) : NULL;
}

static const char *gets(yajl_val o, const char *k)
{
    yajl_val v = get(o, k);
    return v && YAJL_IS_STRING(v) ? v->u.string : NULL;
}

static size_t arr_len(yajl_val v) { return v && YAJL_IS_ARRAY(v) ? v->u.array.len : 0; }

typedef struct kv { const char *k; yajl_val v; } kv;
static int cmp_kv(const void *x, const void *y) { return strcmp(((const kv *)x)->k, ((const kv *)y)->k); }

/* compact JSON of v with sorted keys, as the generator writes it, so
 * messages quoting a pattern read the same from a package */
static void to_json(s4s_buf *b, yajl_val v)
{
    switch (v->type) {
    case yajl_t_string: s4s_buf_json_str(b, v->u.string, strlen(v->u.string)); break;
    case yajl_t_number: s4s_buf_puts(b, v->u.number.r); break;
    case yajl_t_true: s4s_buf_puts(b, "true"); break;
    case yajl_t_false: s4s_buf_puts(b, "false"); break;
    case yajl_t_object: {
        size_t n = v->u.object.len;
        kv *ord = s4s_xmalloc((n ? n : 1) * sizeof *ord);
        for (size_t i = 0; i < n; i++) ord[i] = (kv){v->u.object.keys[i], v->u.object.values[i]};
        qsort(ord, n, sizeof *ord, cmp_kv);
        s4s_buf_putc(b, '{');
        for (size_t i = 0; i < n; i++) {
            if (i) s4s_buf_putc(b, ',');
            s4s_buf_json_str(b, ord[i].k, strlen(ord[i].k));
            s4s_buf_putc(b, ':');
            to_json(b, ord[i].v);
        }
        s4s_buf_putc(b, '}');
        free(ord);
        break;
    }
    case yajl_t_array:
        s4s_buf_putc(b, '[');
        for (size_t i = 0; i < v->u.array.len; i++) {
            if (i) s4s_buf_putc(b, ',');
            to_json(b, v->u.array.values[i]);
        }
        s4s_buf_putc(b, ']');
        break;
    default: s4s_buf_puts(b, "null");
    }
}

static const char *json_str(loader *L, yajl_val v)
{
    if (!v) return NULL;
    s4s_buf b;
    s4s_buf_init(&b, S4S_PKG_MEMBER_MAX);
    to_json(&b, v);
    const char *s = b.over ? NULL : s4s_arena_strndup(L->a, b.p ? b.p : "", b.len);
    s4s_buf_free(&b);
    return s;
}

/* --- value sets ---------------------------------------------------------- */

static int cmp_str(const void *x, const void *y) { return strcmp(*(const char *const *)x, *(const char *const *)y); }

static yajl_val find_res(const loader *L, const char *type, const char *url)
{
    for (unsigned i = 0; i < L->ndocs; i++) {
        const char *rt = gets(L->docs[i], "resourceType"), *u = gets(L->docs[i], "url");
        if (rt && u && !strcmp(rt, type) && !strcmp(u, url)) return L->docs[i];
    }
    return NULL;
}

typedef struct codes { const char **v; unsigned n, cap; bool over; } codes;

static void add_code(loader *L, codes *c, const char *sys, const char *code)
{
    if (c->n >= S4S_PKG_MAX_CODES) { /* past the cap the set is not expanded (expand_all) */
        c->over = true;
        return;
    }
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 32;
        c->v = s4s_xrealloc(c->v, c->cap * sizeof *c->v);
    }
    c->v[c->n++] = s4s_arena_printf(L->a, "%s|%s", sys, code);
}

static void contains(loader *L, codes *c, yajl_val list)
{
    for (size_t i = 0; i < arr_len(list); i++) {
        yajl_val it = list->u.array.values[i];
        const char *s = gets(it, "system"), *k = gets(it, "code");
        if (s && k) add_code(L, c, s, k);
        contains(L, c, get(it, "contains"));
    }
}

static bool cs_concepts(loader *L, codes *c, const char *sys, yajl_val list)
{
    for (size_t i = 0; i < arr_len(list); i++) {
        const char *k = gets(list->u.array.values[i], "code");
        if (k) add_code(L, c, sys, k);
        cs_concepts(L, c, sys, get(list->u.array.values[i], "concept"));
    }
    return true;
}

static bool expand(loader *L, codes *c, const char *url, unsigned depth);

static bool expand_builtin(loader *L, codes *c, const char *url)
{
    for (unsigned i = 0; i < S4S_PROF_N_VS; i++) {
        if (strcmp(s4s_prof_vss[i].url, url)) continue;
        if (s4s_prof_vss[i].n < 0) return false;
        for (int32_t k = 0; k < s4s_prof_vss[i].n; k++) {
            const char *sc = s4s_prof_codes[s4s_prof_vss[i].first + (uint32_t)k], *bar = strrchr(sc, '|');
            add_code(L, c, s4s_arena_strndup(L->a, sc, (size_t)(bar - sc)), bar + 1);
        }
        return true;
    }
    for (unsigned i = 0; i < S4S_FHIR_N_VSETS; i++) {
        const s4s_fhir_vset *v = &s4s_fhir_vsets[i];
        if (strcmp(v->url, url)) continue;
        for (uint32_t j = v->first; j < v->first + v->n; j++) {
            const s4s_fhir_vset_inc *inc = &s4s_fhir_vset_incs[j];
            if (!inc->ncodes) return false; /* a whole code system: not enumerable here */
            for (uint32_t k = inc->first; k < inc->first + inc->ncodes; k++)
                add_code(L, c, inc->system, s4s_fhir_vset_codes[k]);
        }
        return true;
    }
    return false;
}

static bool expand_here(loader *L, codes *c, const char *url, unsigned depth);

/* the package's own expansion, else the built-in tables' for the same URL */
static bool expand(loader *L, codes *c, const char *url, unsigned depth)
{
    unsigned had = c->n;
    if (depth <= 8 && expand_here(L, c, url, depth)) return true;
    c->n = had;
    return expand_builtin(L, c, url);
}

static bool expand_here(loader *L, codes *c, const char *url, unsigned depth)
{
    yajl_val vs = find_res(L, "ValueSet", url);
    if (!vs) return false;
    yajl_val exp = get(get(vs, "expansion"), "contains");
    if (arr_len(exp)) {
        contains(L, c, exp);
        return true;
    }
    yajl_val comp = get(vs, "compose");
    if (!comp || arr_len(get(comp, "exclude"))) return false;
    yajl_val inc = get(comp, "include");
    for (size_t i = 0; i < arr_len(inc); i++) {
        yajl_val in = inc->u.array.values[i];
        if (arr_len(get(in, "filter"))) return false;
        yajl_val sub = get(in, "valueSet");
        for (size_t k = 0; k < arr_len(sub); k++) {
            const char *su = YAJL_IS_STRING(sub->u.array.values[k]) ? sub->u.array.values[k]->u.string : NULL;
            if (!su) return false;
            char *bare = s4s_arena_strndup(L->a, su, strcspn(su, "|"));
            if (!expand(L, c, bare, depth + 1)) return false;
        }
        const char *sys = gets(in, "system");
        if (!sys) continue;
        yajl_val con = get(in, "concept");
        if (arr_len(con)) {
            for (size_t k = 0; k < arr_len(con); k++) {
                const char *code = gets(con->u.array.values[k], "code");
                if (code) add_code(L, c, sys, code);
            }
        } else if (!arr_len(sub)) {
            yajl_val cs = find_res(L, "CodeSystem", sys);
            const char *content = gets(cs, "content");
            if (!cs || !content || strcmp(content, "complete") || !arr_len(get(cs, "concept"))) return false;
            cs_concepts(L, c, sys, get(cs, "concept"));
        }
    }
    return true;
}

static int16_t vs_index(loader *L, const char *url)
{
    for (unsigned i = 0; i < L->nvs; i++)
        if (!strcmp(L->vss[i].url, url)) return (int16_t)i;
    if (L->nvs >= 0x7FFF) return -1;
    GROW(L, vss, nvs, capvs);
    L->vss[L->nvs] = (s4s_prof_vs){sdup(L, url), 0, -1};
    return (int16_t)L->nvs++;
}

static void expand_all(loader *L)
{
    for (unsigned i = 0; i < L->nvs; i++) {
        codes c = {0};
        s4s_oom_hold h;
        s4s_oom_push(&h, &c.v, s4s_free_at);
        if (expand(L, &c, L->vss[i].url, 0) && !c.over && L->ncodes + c.n <= S4S_PKG_MAX_CODES) {
            qsort(c.v, c.n, sizeof *c.v, cmp_str);
            L->vss[i].first = L->ncodes;
            for (unsigned k = 0; k < c.n; k++) {
                if (k && !strcmp(c.v[k], c.v[k - 1])) continue;
                GROW(L, codes, ncodes, capcodes);
                L->codes[L->ncodes++] = c.v[k];
            }
            L->vss[i].n = (int32_t)(L->ncodes - L->vss[i].first);
        }
        s4s_oom_pop(&h);
        free(c.v);
    }
}

/* --- profiles ----------------------------------------------------------- */

typedef struct row {
    yajl_val    e;
    const char *id, *name, *slice;
    bool        own, keep;
    int32_t     index;
} row;

static int find_row(row *r, unsigned n, const char *id, size_t idlen)
{
    for (unsigned i = 0; i < n; i++)
        if (strlen(r[i].id) == idlen && !memcmp(r[i].id, id, idlen)) return (int)i;
    return -1;
}

/* length of the parent id (the last '.'), 0 at the root */
static size_t parent_len(const char *id, size_t n)
{
    while (n && id[n - 1] != '.') n--;
    return n ? n - 1 : 0;
}

static uint32_t card(const char *m)
{
    if (!m || !strcmp(m, "*")) return S4S_PROF_ANY;
    return (uint32_t)strtoul(m, NULL, 10);
}

/* the fixed[x] (fx) or pattern[x] value of an element */
static yajl_val fixpat(yajl_val e, const char *prefix)
{
    size_t pl = strlen(prefix);
    for (size_t i = 0; e && YAJL_IS_OBJECT(e) && i < e->u.object.len; i++)
        if (!strncmp(e->u.object.keys[i], prefix, pl)) return e->u.object.values[i];
    return NULL;
}

static bool base_has_key(const char *key)
{
    for (unsigned i = 0; i < S4S_FHIR_N_INV_KEYS; i++)
        if (!strcmp(s4s_fhir_inv_keys[i], key)) return true;
    return false;
}

/* base R4 binds path to vs with this strength already: nothing more to check */
static int cmp_str_key(const void *k, const void *e) { return strcmp(k, *(const char *const *)e); }

static bool base_binding(loader *L, const char *path, const char *strength, const char *vs)
{
    const char *key = s4s_arena_printf(L->a, "%s|%s|%s", path, strength, vs);
    return bsearch(key, s4s_prof_r4_bindings, S4S_PROF_N_R4_BINDINGS, sizeof *s4s_prof_r4_bindings,
                   cmp_str_key) != NULL;
}

static bool is_array(yajl_val e)
{
    const char *bmax = gets(get(e, "base"), "max"), *mx = gets(e, "max");
    if (!bmax) bmax = mx;
    return (bmax && strcmp(bmax, "1")) || !mx || (strcmp(mx, "0") && strcmp(mx, "1"));
}

/* A small mutable JSON object for building a slice's match pattern. */
typedef struct pnode {
    const char   *key;
    yajl_val      leaf;
    bool          array;
    struct pnode *kids, *next;
} pnode;

static void pnode_json(s4s_buf *b, const pnode *p)
{
    s4s_buf_putc(b, '{');
    for (const pnode *k = p->kids; k; k = k->next) {
        s4s_buf_json_str(b, k->key, strlen(k->key));
        s4s_buf_putc(b, ':');
        if (k->array) s4s_buf_putc(b, '[');
        if (k->leaf) to_json(b, k->leaf);
        else pnode_json(b, k);
        if (k->array) s4s_buf_putc(b, ']');
        if (k->next) s4s_buf_putc(b, ',');
    }
    s4s_buf_putc(b, '}');
}

/* the value slice `sid` fixes at dotted `path` (value_at of the generator) */
static yajl_val value_at(loader *L, row *r, unsigned n, const char *sid, const char *path)
{
    int si = find_row(r, n, sid, strlen(sid));
    if (si < 0) return NULL;
    if (!strcmp(path, "$this")) {
        yajl_val v = fixpat(r[si].e, "fixed");
        return v ? v : fixpat(r[si].e, "pattern");
    }
    char *cur = s4s_arena_printf(L->a, "%s", sid);
    for (const char *s = path; *s;) {
        size_t sl = strcspn(s, ".");
        cur = s4s_arena_printf(L->a, "%s.%.*s", cur, (int)sl, s);
        int ci = find_row(r, n, cur, strlen(cur));
        if (ci < 0) break;
        yajl_val v = fixpat(r[ci].e, "fixed");
        if (!v) v = fixpat(r[ci].e, "pattern");
        s += sl + (s[sl] == '.');
        if (v) {
            while (*s && v) {
                size_t rl = strcspn(s, ".");
                if (YAJL_IS_ARRAY(v)) v = v->u.array.len ? v->u.array.values[0] : NULL;
                char *k = s4s_arena_strndup(L->a, s, rl);
                v = v ? get(v, k) : NULL;
                s += rl + (s[rl] == '.');
            }
            return v;
        }
    }
    if (!strcmp(path, "url")) {
        yajl_val ts = get(r[si].e, "type");
        for (size_t i = 0; i < arr_len(ts); i++) {
            yajl_val pr = get(ts->u.array.values[i], "profile");
            if (arr_len(pr)) return pr->u.array.values[0];
        }
    }
    return NULL;
}

static const char *slice_match(loader *L, row *r, unsigned n, yajl_val sliced, const char *sid)
{
    yajl_val disc = get(get(sliced, "slicing"), "discriminator");
    if (!arr_len(disc)) return NULL;
    const char *spath = gets(sliced, "path");
    if (!spath) return NULL;
    if (disc->u.array.len == 1) {
        const char *t = gets(disc->u.array.values[0], "type"), *p = gets(disc->u.array.values[0], "path");
        if (t && p && !strcmp(t, "type") && !strcmp(p, "$this")) {
            size_t sl = strlen(spath);
            if (sl < 3 || strcmp(spath + sl - 3, "[x]")) return NULL;
            int si = find_row(r, n, sid, strlen(sid));
            yajl_val ts = si >= 0 ? get(r[si].e, "type") : NULL;
            const char *code = arr_len(ts) == 1 ? gets(ts->u.array.values[0], "code") : NULL;
            return code ? s4s_arena_printf(L->a, "@type:%s", code) : NULL;
        }
    }
    pnode root = {0};
    for (size_t d = 0; d < disc->u.array.len; d++) {
        const char *t = gets(disc->u.array.values[d], "type"), *p = gets(disc->u.array.values[d], "path");
        if (!t || !p || (strcmp(t, "value") && strcmp(t, "pattern"))) return NULL;
        yajl_val v = value_at(L, r, n, sid, p);
        if (!v) return NULL;
        if (!strcmp(p, "$this")) {
            if (!YAJL_IS_OBJECT(v)) return NULL;
            for (size_t i = 0; i < v->u.object.len; i++) {
                pnode *k = s4s_arena_zalloc(L->a, sizeof *k);
                *k = (pnode){v->u.object.keys[i], v->u.object.values[i], false, NULL, root.kids};
                root.kids = k;
            }
            continue;
        }
        pnode *cur = &root;
        char *eid = s4s_arena_printf(L->a, "%s", sid);
        for (const char *s = p; *s;) {
            size_t sl = strcspn(s, ".");
            char *seg = s4s_arena_strndup(L->a, s, sl);
            eid = s4s_arena_printf(L->a, "%s.%s", eid, seg);
            int ci = find_row(r, n, eid, strlen(eid));
            bool arr = ci >= 0 && is_array(r[ci].e) && strcmp(seg, "url");
            s += sl + (s[sl] == '.');
            pnode *k = cur->kids;
            while (k && strcmp(k->key, seg)) k = k->next;
            if (!k) {
                k = s4s_arena_zalloc(L->a, sizeof *k);
                *k = (pnode){seg, NULL, arr, NULL, cur->kids};
                cur->kids = k;
            }
            if (!*s) k->leaf = v;
            else if (k->leaf) return NULL; /* a value and a deeper path at once */
            cur = k;
        }
    }
    s4s_buf b;
    s4s_buf_init(&b, S4S_PKG_MEMBER_MAX);
    pnode_json(&b, &root);
    const char *s = b.over ? NULL : s4s_arena_strndup(L->a, b.p, b.len);
    s4s_buf_free(&b);
    return s;
}

static void keep_up(row *r, unsigned n, const char *id, size_t len)
{
    for (;;) {
        int i = find_row(r, n, id, len);
        if (i < 0 || r[i].keep) return;
        r[i].keep = true;
        size_t pl = parent_len(id, len);
        const char *colon = memchr(id + pl, ':', len - pl);
        if (colon) keep_up(r, n, id, (size_t)(colon - id)); /* a slice keeps its sliced element */
        if (!pl) return;
        len = pl;
    }
}

static bool add_profile(loader *L, yajl_val sd)
{
    const char *url = gets(sd, "url"), *id = gets(sd, "id"), *type = gets(sd, "type");
    yajl_val els = get(get(sd, "snapshot"), "element");
    size_t n = arr_len(els);
    if (!url || !id || !type || !n) return true; /* not a usable profile: skipped */
    if (L->nprofs >= S4S_PKG_MAX_PROFILES || L->nelems + n > S4S_PKG_MAX_ELEMS) {
        snprintf(L->err, sizeof L->err, "%s: StructureDefinition %s: more profiles or elements than the cap",
                 L->path, url);
        return false;
    }
    row *r = s4s_xcalloc(n, sizeof *r);
    s4s_prof_elem *tmp = NULL;
    uint8_t *ext = NULL;
    s4s_oom_hold hr, ht, he;
    s4s_oom_push(&hr, &r, s4s_free_at);
    s4s_oom_push(&ht, &tmp, s4s_free_at);
    s4s_oom_push(&he, &ext, s4s_free_at);
    unsigned nr = 0;
    for (size_t i = 0; i < n; i++) {
        yajl_val e = els->u.array.values[i];
        const char *eid = gets(e, "id"), *path = gets(e, "path");
        if (!eid || !path) continue;
        const char *dot = strrchr(path, '.');
        r[nr] = (row){e, eid, dot ? dot + 1 : path, gets(e, "sliceName"), false, false, -1};
        nr++;
    }
    /* what each element says beyond its base */
    tmp = s4s_xcalloc(nr ? nr : 1, sizeof *tmp);
    ext = s4s_xcalloc(nr ? nr : 1, 1);
    for (unsigned i = 0; i < nr; i++) {
        yajl_val e = r[i].e, base = get(e, "base"), mn = get(e, "min"), bmn = get(base, "min");
        bool slice = r[i].slice && strchr(r[i].id, '.');
        s4s_prof_elem *t = &tmp[i];
        long emin = mn && YAJL_IS_INTEGER(mn) ? (long)YAJL_GET_INTEGER(mn) : 0;
        long bmin = bmn && YAJL_IS_INTEGER(bmn) ? (long)YAJL_GET_INTEGER(bmn) : 0;
        t->min = slice || emin > bmin ? (uint32_t)emin : 0;
        uint32_t mx = card(gets(e, "max")), bmx = card(gets(base, "max") ? gets(base, "max") : "*");
        t->max = slice || mx < bmx ? mx : S4S_PROF_ANY;
        t->fixed = json_str(L, fixpat(e, "fixed"));
        t->pattern = json_str(L, fixpat(e, "pattern"));
        t->vs = -1;
        if (strchr(r[i].id, '.')) {
            yajl_val ts = get(e, "type");
            for (size_t k = 0; k < arr_len(ts); k++) {
                const char *code = gets(ts->u.array.values[k], "code");
                yajl_val pr = get(ts->u.array.values[k], "profile");
                if (code && !strcmp(code, "Extension") && arr_len(pr) && YAJL_IS_STRING(pr->u.array.values[0]))
                    t->type_profile = sdup(L, pr->u.array.values[0]->u.string);
            }
        }
        yajl_val b = get(e, "binding");
        const char *strength = gets(b, "strength"), *vs = gets(b, "valueSet");
        if (strength && vs && (!strcmp(strength, "required") || !strcmp(strength, "extensible"))) {
            char *bare = s4s_arena_strndup(L->a, vs, strcspn(vs, "|"));
            const char *bpath = gets(base, "path") ? gets(base, "path") : gets(e, "path");
            bool req = !strcmp(strength, "required");
            if (!base_binding(L, bpath, strength, bare)) {
                t->vs = vs_index(L, bare);
                yajl_val ts = get(e, "type");
                const char *t0 = arr_len(ts) == 1 ? gets(ts->u.array.values[0], "code") : NULL;
                t->vs_flags = (uint8_t)((req ? 0 : S4S_BIND_EXTENSIBLE) |
                                        (t0 && !strcmp(t0, "string") ? S4S_BIND_STRING : 0));
            }
        }
        yajl_val sl = get(e, "slicing");
        if (sl) {
            const char *rules = gets(sl, "rules");
            t->slicing = rules && !strcmp(rules, "closed") ? S4S_SLICING_CLOSED : S4S_SLICING_OPEN;
        }
        yajl_val cs = get(e, "constraint");
        for (size_t k = 0; k < arr_len(cs); k++) {
            const char *key = gets(cs->u.array.values[k], "key"), *ex = gets(cs->u.array.values[k], "expression");
            if (key && ex && !base_has_key(key)) ext[i] = 1;
        }
        r[i].own = t->min || t->max != S4S_PROF_ANY || t->fixed || t->pattern || t->type_profile ||
                   t->vs >= 0 || ext[i] || slice;
    }
    for (unsigned i = 0; i < nr; i++)
        if (r[i].own) keep_up(r, nr, r[i].id, strlen(r[i].id));
    /* emit the kept elements, root first */
    unsigned first = L->nelems;
    for (unsigned i = 0; i < nr; i++) {
        if (!(r[i].keep || !strchr(r[i].id, '.'))) continue;
        r[i].keep = true;
        r[i].index = (int32_t)L->nelems;
        GROW(L, elems, nelems, capelems);
        s4s_prof_elem *o = &L->elems[L->nelems++];
        *o = tmp[i];
        o->id = sdup(L, r[i].id);
        o->name = sdup(L, r[i].name);
        o->parent = o->slice_of = -1;
    }
    for (unsigned i = 0; i < nr; i++) {
        if (!r[i].keep) continue;
        s4s_prof_elem *o = &L->elems[r[i].index];
        size_t len = strlen(r[i].id), pl = parent_len(r[i].id, len);
        int pi = pl ? find_row(r, nr, r[i].id, pl) : -1;
        o->parent = pi >= 0 && r[pi].keep ? r[pi].index : -1;
        if (r[i].slice && pl) {
            const char *colon = strrchr(r[i].id + pl, ':');
            int bi = colon ? find_row(r, nr, r[i].id, (size_t)(colon - r[i].id)) : -1;
            if (bi < 0 || !r[bi].keep) { /* a slice without its element: not checked */
                o->slice_of = -1;
                o->min = 0;
                o->max = S4S_PROF_ANY;
                continue;
            }
            o->slice_of = r[bi].index;
            o->match = slice_match(L, r, nr, r[bi].e, r[i].id);
        }
    }
    /* kid and slice lists; constraints */
    for (unsigned i = 0; i < nr; i++) {
        if (!r[i].keep) continue;
        int32_t me = r[i].index;
        L->elems[me].kids = (uint16_t)L->nkids;
        for (unsigned k = first; k < L->nelems; k++)
            if (L->elems[k].parent == me && !(L->elems[k].slice_of >= 0)) {
                GROW(L, kids, nkids, capkids);
                L->kids[L->nkids++] = (uint16_t)k;
                L->elems[me].nkids++;
            }
        L->elems[me].slices = (uint16_t)L->nkids;
        for (unsigned k = first; k < L->nelems; k++)
            if (L->elems[k].slice_of == me) {
                GROW(L, kids, nkids, capkids);
                L->kids[L->nkids++] = (uint16_t)k;
                L->elems[me].nslices++;
            }
        yajl_val cs = get(r[i].e, "constraint");
        for (size_t k = 0; k < arr_len(cs); k++) {
            yajl_val c = cs->u.array.values[k];
            const char *key = gets(c, "key"), *ex = gets(c, "expression"), *sev = gets(c, "severity");
            if (!key || !ex || base_has_key(key)) continue;
            GROW(L, cons, ncons, capcons);
            const char *human = gets(c, "human");
            L->cons[L->ncons++] = (s4s_prof_con){(uint16_t)me, sev && !strcmp(sev, "error"), sdup(L, key),
                                                 sdup(L, human ? human : key), sdup(L, ex)};
        }
    }
    GROW(L, profs, nprofs, capprofs);
    const char *version = gets(sd, "version");
    L->profs[L->nprofs++] = (s4s_prof){sdup(L, url), sdup(L, id), sdup(L, type), version ? sdup(L, version) : NULL,
                                       NULL, (uint16_t)first, (uint16_t)(L->nelems - first), 0,
                                       !strcmp(type, "Extension"), 1};
    s4s_oom_pop(&he);
    s4s_oom_pop(&ht);
    s4s_oom_pop(&hr);
    free(r);
    free(tmp);
    free(ext);
    if (L->nkids > 0xFFFF) {
        snprintf(L->err, sizeof L->err, "%s: StructureDefinition %s: more elements than the cap", L->path, url);
        return false;
    }
    return true;
}

static s4s_rc on_member(void *ud, const char *member, char *data, size_t n, char *err, size_t errsz)
{
    loader *L = ud;
    (void)n;
    char yerr[160];
    GROW(L, docs, ndocs, capdocs); /* room first: the tree is then never left unowned */
    yajl_val v = yajl_tree_parse(data, yerr, sizeof yerr);
    if (!v) {
        yerr[strcspn(yerr, "\n")] = 0;
        snprintf(err, errsz, "%s: member %s: not JSON (%s)", L->path, member, yerr);
        return S4S_ERR_FORMAT;
    }
    const char *rt = gets(v, "resourceType");
    if (!strcmp(member, "package/package.json") && gets(v, "version")) L->version = sdup(L, gets(v, "version"));
    if (rt && (!strcmp(rt, "StructureDefinition") || !strcmp(rt, "ValueSet") || !strcmp(rt, "CodeSystem"))) {
        if (L->ndocs == S4S_PKG_MAX_DOCS) {
            yajl_tree_free(v);
            snprintf(err, errsz, "%s: member %s: more than %u definitions", L->path, member, S4S_PKG_MAX_DOCS);
            return S4S_ERR_LIMIT;
        }
        L->docs[L->ndocs++] = v;
    } else {
        yajl_tree_free(v);
    }
    return S4S_OK;
}

static void loader_free(loader *L)
{
    for (unsigned i = 0; i < L->ndocs; i++) yajl_tree_free(L->docs[i]);
    free(L->docs);
    free(L->profs);
    free(L->elems);
    free(L->kids);
    free(L->cons);
    free(L->vss);
    free(L->codes);
}

/* everything, the arena too: a failed load, or the unwinding of one */
static void loader_drop(void *p)
{
    loader *L = p;
    loader_free(L);
    s4s_arena_free(L->a);
}

/* copy a growable array into the arena */
static void *keep_arr(loader *L, const void *p, size_t n, size_t size)
{
    void *q = s4s_arena_alloc(L->a, n ? n * size : 1);
    if (n) memcpy(q, p, n * size);
    return q;
}

s4s_rc s4s_package_load(const char *path, s4s_prof_set **out, char *err, size_t errsz)
{
    *out = NULL;
    loader L = {.a = s4s_arena_new(1 << 16), .path = path};
    s4s_oom_hold h;
    s4s_oom_push(&h, &L, loader_drop);
    s4s_rc rc = s4s_tar_walk(path, S4S_PKG_MEMBER_MAX, on_member, &L, err, errsz);
    for (unsigned i = 0; !rc && !L.err[0] && i < L.ndocs; i++)
        if (!strcmp(gets(L.docs[i], "resourceType"), "StructureDefinition")) add_profile(&L, L.docs[i]);
    if (!rc && L.err[0]) {
        snprintf(err, errsz, "%s", L.err);
        rc = S4S_ERR_LIMIT;
    }
    if (!rc && !L.nprofs) {
        snprintf(err, errsz, "%s: no StructureDefinition with a snapshot in package/", path);
        rc = S4S_ERR_FORMAT;
    }
    if (rc) {
        s4s_oom_pop(&h);
        loader_drop(&L);
        return rc;
    }
    expand_all(&L);
    s4s_prof_set *s = s4s_arena_zalloc(L.a, sizeof *s);
    s->name = sdup(&L, path);
    for (unsigned i = 0; i < L.nprofs; i++)
        if (!L.profs[i].version) L.profs[i].version = L.version;
    s->profs = keep_arr(&L, L.profs, L.nprofs, sizeof *L.profs);
    s->elems = keep_arr(&L, L.elems, L.nelems, sizeof *L.elems);
    s->kids = keep_arr(&L, L.kids, L.nkids, sizeof *L.kids);
    s->cons = keep_arr(&L, L.cons, L.ncons, sizeof *L.cons);
    s->vss = keep_arr(&L, L.vss, L.nvs, sizeof *L.vss);
    s->codes = keep_arr(&L, L.codes, L.ncodes, sizeof *L.codes);
    s->nprofs = L.nprofs;
    s->nelems = L.nelems;
    s->ncons = L.ncons;
    s->nvs = L.nvs;
    s->owned = L.a;
    s4s_oom_pop(&h);
    loader_free(&L);
    *out = s;
    return S4S_OK;
}

void s4s_package_free(s4s_prof_set *set)
{
    if (set) s4s_arena_free(set->owned);
}
