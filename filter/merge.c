/*
 * merge.c - s4s-term merge-stats and merge-coverage: the stats object and
 * the coverage TSV of several shards, merged into what one run over the
 * concatenated input writes (row and key order included, elapsed_s summed).
 *
 * Invariants:
 *  - Counts are summed; strings keep the first shard's value; booleans are
 *    or-ed (codes_capped).  Keys keep first-seen order unless every shard
 *    wrote the object in one of the run's sort orders (counter: count
 *    descending then key; by key; by_type: "in" descending then key), in
 *    which case the merged object is sorted the same way.  A fixed-schema
 *    object that happens to be sorted in every shard stays sorted after
 *    summing, so sorting it changes nothing.
 *  - What cannot be summed is recomputed: top_messages from the full
 *    "messages" counter, terminology distinct counts from the per-code rows
 *    of the coverage TSV, the TSV's unknown rows from its code rows.
 *  - The TSV's "# table" comment lines (the table behind each system's
 *    verdicts) are one per system, first shard's wins, written in system
 *    order before the header as a run writes them; other "#" lines before
 *    the header are skipped.
 *  - Inputs are bounded: a stats file by S4S_HTML_MAX_STATS, a TSV line by
 *    LINE_MAX_LEN, the code table by MAX_CODES entries.
 * Differences from one run: a tie in the unknown rows between two systems
 * with the same code and count is broken by system URI (a run breaks it by
 * the order it first saw the systems); past the run's caps (4096 message
 * templates, 2M codes) a run folds or drops what the merge keeps.
 */
#include "merge.h"
#include "base/hash.h"
#include "html.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/jsonw.h"

#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#define LINE_MAX_LEN (1u << 20)
#define MAX_CODES    ((size_t)1 << 24)
#define TOP_MESSAGES 20
#define TOP_UNKNOWN  50

/* ---- string -> index maps (base/hash.h) over a caller's key array ------- */

static bool key_eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    (void)klen;
    return !strcmp(((char *const *)ctx)[i], key);
}

/* index of k in keys, or -1 */
static int64_t map_find(const s4s_hidx *m, char *const *keys, const char *k)
{
    return m->slots ? s4s_hidx_find(m, s4s_hash_str(k, S4S_HASH_SEED), key_eq, keys, k, 0) : -1;
}

static void map_add(s4s_hidx *m, const char *k, size_t i)
{
    if (!m->slots)
        s4s_hidx_init(m, 16);
    s4s_hidx_add(m, s4s_hash_str(k, S4S_HASH_SEED), (uint32_t)i);
}

/* ---- merged JSON tree ------------------------------------------------------ */

enum { M_NONE, M_INT, M_DBL, M_STR, M_BOOL, M_NULL, M_OBJ, M_ARR };

typedef struct mnode {
    int           kind;
    long long     i;
    double        d;
    char         *s;
    bool          b;
    char        **keys;           /* objects; arrays have keys == NULL */
    struct mnode *vals;
    size_t        n, cap;
    s4s_hidx        idx;
    /* every instance so far was sorted as a counter / by key / by its
     * first member descending (by_type) */
    bool          cnt_sorted, key_sorted, first_sorted;
} mnode;

static long long ival(yajl_val v) { return YAJL_GET_INTEGER(v); }

static bool before_by_count(long long a, long long b, const char *ka, const char *kb)
{
    return a > b || (a == b && strcmp(ka, kb) < 0);
}

static void instance_order(yajl_val v, bool *cnt, bool *key, bool *first)
{
    size_t n = v->u.object.len;
    *cnt = *key = *first = true;
    for (size_t i = 0; i < n; i++) {
        yajl_val x = v->u.object.values[i];
        yajl_val fx = YAJL_IS_OBJECT(x) && x->u.object.len ? x->u.object.values[0] : NULL;
        if (!YAJL_IS_INTEGER(x))
            *cnt = false;
        if (!fx || !YAJL_IS_INTEGER(fx))
            *first = false;
        if (!i)
            continue;
        const char *ka = v->u.object.keys[i - 1], *kb = v->u.object.keys[i];
        yajl_val w = v->u.object.values[i - 1];
        if (*cnt && !before_by_count(ival(w), ival(x), ka, kb))
            *cnt = false;
        if (strcmp(ka, kb) >= 0)
            *key = false;
        if (*first && !before_by_count(ival(w->u.object.values[0]), ival(fx), ka, kb))
            *first = false;
    }
}

static mnode *child(mnode *d, const char *key)
{
    if (key) {
        int64_t j = map_find(&d->idx, d->keys, key);
        if (j >= 0)
            return &d->vals[j];
    }
    if (d->n == d->cap) {
        d->cap = d->cap ? d->cap * 2 : 8;
        d->vals = s4s_xrealloc(d->vals, d->cap * sizeof *d->vals);
        if (key)
            d->keys = s4s_xrealloc(d->keys, d->cap * sizeof *d->keys);
    }
    memset(&d->vals[d->n], 0, sizeof *d->vals);
    if (key) {
        d->keys[d->n] = s4s_xstrdup(key);
        map_add(&d->idx, key, d->n);
    }
    return &d->vals[d->n++];
}

static void merge(mnode *d, yajl_val v)
{
    if (YAJL_IS_INTEGER(v) && (d->kind == M_NONE || d->kind == M_INT)) {
        d->kind = M_INT;
        d->i += ival(v);
    } else if (YAJL_IS_NUMBER(v) && (d->kind == M_NONE || d->kind == M_DBL || d->kind == M_INT)) {
        if (d->kind == M_INT)
            d->d = (double)d->i;
        d->kind = M_DBL;
        d->d += YAJL_IS_DOUBLE(v) ? v->u.number.d : (double)ival(v);
    } else if (YAJL_IS_STRING(v) && d->kind == M_NONE) {
        d->kind = M_STR;
        d->s = s4s_xstrdup(v->u.string);
    } else if ((YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) && (d->kind == M_NONE || d->kind == M_BOOL)) {
        d->kind = M_BOOL;
        d->b |= YAJL_IS_TRUE(v);
    } else if (YAJL_IS_NULL(v) && d->kind == M_NONE) {
        d->kind = M_NULL;
    } else if (YAJL_IS_OBJECT(v) && (d->kind == M_NONE || d->kind == M_OBJ)) {
        bool c, k, f;
        instance_order(v, &c, &k, &f);
        if (d->kind == M_NONE)
            d->cnt_sorted = d->key_sorted = d->first_sorted = true;
        d->kind = M_OBJ;
        d->cnt_sorted &= c;
        d->key_sorted &= k;
        d->first_sorted &= f;
        for (size_t i = 0; i < v->u.object.len; i++)
            merge(child(d, v->u.object.keys[i]), v->u.object.values[i]);
    } else if (YAJL_IS_ARRAY(v) && (d->kind == M_NONE || d->kind == M_ARR)) {
        d->kind = M_ARR;
        for (size_t i = 0; i < v->u.array.len; i++)
            merge(child(d, NULL), v->u.array.values[i]);
    }
}

static void mfree(mnode *d)
{
    for (size_t i = 0; i < d->n; i++) {
        mfree(&d->vals[i]);
        if (d->keys)
            free(d->keys[i]);
    }
    free(d->vals);
    free(d->keys);
    s4s_hidx_free(&d->idx);
    free(d->s);
}

static mnode *find(const mnode *d, const char *key)
{
    if (!d || d->kind != M_OBJ)
        return NULL;
    int64_t j = map_find(&d->idx, d->keys, key);
    return j >= 0 ? &d->vals[j] : NULL;
}

static long long first_int(const mnode *d)
{
    return d->kind == M_OBJ && d->n && d->vals[0].kind == M_INT ? d->vals[0].i : 0;
}

typedef enum order { ORD_FIRST_SEEN, ORD_COUNT, ORD_KEY, ORD_FIRST_MEMBER } order;
typedef struct sort_ctx { const mnode *d; order o; } sort_ctx;

static int cmp_ord(const void *a, const void *b, void *u)
{
    const sort_ctx *c = u;
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    const char *kx = c->d->keys[x], *ky = c->d->keys[y];
    long long vx = 0, vy = 0;
    if (c->o == ORD_COUNT)
        vx = c->d->vals[x].i, vy = c->d->vals[y].i;
    else if (c->o == ORD_FIRST_MEMBER)
        vx = first_int(&c->d->vals[x]), vy = first_int(&c->d->vals[y]);
    if (vx != vy)
        return vx > vy ? -1 : 1;
    if (c->o != ORD_FIRST_SEEN)
        return strcmp(kx, ky);
    return x < y ? -1 : x > y;
}

typedef struct emit_ctx {
    s4s_jw       *w;
    const mnode  *root;
    const s4s_hidx *dist_idx;      /* system URI -> distinct codes, from the TSV */
    char *const  *dist_keys;
    const uint64_t *dist_n;
    bool          approx_top;    /* no "messages" counter: top_messages summed */
} emit_ctx;

static void emit(emit_ctx *e, const mnode *d, const char *key, const mnode *parent, int depth);

/* top_messages: the TOP_MESSAGES largest of the full counter */
static void emit_top(emit_ctx *e, const mnode *arr)
{
    const mnode *m = find(e->root, "messages");
    mnode tmp = {0};
    if (!m || m->kind != M_OBJ) {
        /* older shards: sum what their top lists hold */
        e->approx_top = true;
        tmp.kind = M_OBJ;
        for (size_t i = 0; arr && i < arr->n; i++) {
            const mnode *msg = find(&arr->vals[i], "message"), *cnt = find(&arr->vals[i], "count");
            if (msg && msg->kind == M_STR && cnt && cnt->kind == M_INT) {
                mnode *c = child(&tmp, msg->s);
                c->kind = M_INT;
                c->i += cnt->i;
            }
        }
        m = &tmp;
    }
    size_t *ix = s4s_xcalloc(m->n + 1, sizeof *ix);
    for (size_t i = 0; i < m->n; i++)
        ix[i] = i;
    sort_ctx sc = {m, ORD_COUNT};
    qsort_r(ix, m->n, sizeof *ix, cmp_ord, &sc);
    s4s_jw_arr(e->w);
    for (size_t i = 0; i < m->n && i < TOP_MESSAGES; i++) {
        s4s_jw_obj(e->w);
        s4s_jw_kstr(e->w, "message", m->keys[ix[i]]);
        s4s_jw_key(e->w, "count");
        s4s_jw_int(e->w, m->vals[ix[i]].i);
        s4s_jw_obj_end(e->w);
    }
    s4s_jw_arr_end(e->w);
    free(ix);
    mfree(&tmp);
}

static void emit(emit_ctx *e, const mnode *d, const char *key, const mnode *parent, int depth)
{
    s4s_jw *w = e->w;
    switch (d->kind) {
    case M_INT: s4s_jw_int(w, d->i); return;
    case M_DBL: s4s_jw_fixed(w, d->d, 3); return;
    case M_STR: s4s_jw_str(w, d->s); return;
    case M_BOOL: s4s_jw_bool(w, d->b); return;
    case M_ARR:
        if (depth == 1 && !strcmp(key, "top_messages")) {
            emit_top(e, d);
            return;
        }
        s4s_jw_arr(w);
        for (size_t i = 0; i < d->n; i++)
            emit(e, &d->vals[i], key, d, depth + 1);
        s4s_jw_arr_end(w);
        return;
    case M_OBJ: break;
    default: s4s_jw_null(w); return;
    }
    bool systems = depth == 2 && !strcmp(key, "systems") && parent == find(e->root, "terminology");
    bool in_systems = depth == 3 && parent && parent->kind == M_OBJ && e->root && find(e->root, "terminology") &&
                      parent == find(find(e->root, "terminology"), "systems");
    order o = ORD_FIRST_SEEN;
    if (depth == 1 && !strcmp(key, "by_type"))
        o = ORD_FIRST_MEMBER;
    else if (systems)
        o = ORD_KEY;
    else if (d->cnt_sorted)
        o = ORD_COUNT;
    else if (d->key_sorted && d->n && d->vals[0].kind == M_OBJ)
        o = ORD_KEY;
    else if (d->first_sorted)
        o = ORD_FIRST_MEMBER;
    size_t *ix = s4s_xcalloc(d->n + 1, sizeof *ix);
    for (size_t i = 0; i < d->n; i++)
        ix[i] = i;
    sort_ctx sc = {d, o};
    if (o != ORD_FIRST_SEEN)
        qsort_r(ix, d->n, sizeof *ix, cmp_ord, &sc);
    s4s_jw_obj(w);
    for (size_t i = 0; i < d->n; i++) {
        const char *k = d->keys[ix[i]];
        s4s_jw_key(w, k);
        if (in_systems && !strcmp(k, "distinct") && e->dist_idx) {
            int64_t j = map_find(e->dist_idx, e->dist_keys, key);
            s4s_jw_uint(w, j >= 0 ? e->dist_n[j] : 0);
        } else {
            emit(e, &d->vals[ix[i]], k, d, depth + 1);
        }
    }
    s4s_jw_obj_end(w);
    free(ix);
}

/* ---- coverage TSV ---------------------------------------------------------- */

static const char cov_header[] = "level\tsystem\tcode\tstatus\tcodings\tdistinct\tfound\tnot_found\tdeprecated\t"
                                 "repaired\tsyntax_invalid\tnot_loaded";

/* code-row counters: codings, found, not_found, deprecated, repaired, syntax_invalid, not_loaded */
enum { K_N = 7 };

typedef struct code_e {
    char    *sys_raw, *code_raw;  /* as written (TSV-escaped) */
    char    *sys, *code;          /* unescaped: the run sorts these */
    char    *status;
    uint64_t n[K_N];
    size_t   sys_ix;
} code_e;

typedef struct sys_e {
    char    *raw, *uri;
    char    *table;               /* "VERSION\tCOMPLETENESS" of its "# table" line, or NULL */
    uint64_t n[8];                /* TSV order; [1] distinct is recomputed */
    uint64_t distinct;
    size_t   rank;
} sys_e;

typedef struct cov_t {
    char   **ckeys;   /* "sys_raw\tcode_raw" */
    code_e  *codes;
    size_t   nc, cc;
    s4s_hidx   cidx;
    char   **skeys;   /* sys_raw */
    sys_e   *sys;
    size_t   ns, cs;
    s4s_hidx   sidx;
} cov_t;

static char *unescape(const char *s)
{
    char *o = s4s_xmalloc(strlen(s) + 1), *p = o;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *p++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
        } else {
            *p++ = *s;
        }
    }
    *p = 0;
    return o;
}

static size_t sys_of(cov_t *c, const char *raw)
{
    int64_t j = map_find(&c->sidx, c->skeys, raw);
    if (j >= 0)
        return (size_t)j;
    if (c->ns == c->cs) {
        c->cs = c->cs ? c->cs * 2 : 64;
        c->sys = s4s_xrealloc(c->sys, c->cs * sizeof *c->sys);
        c->skeys = s4s_xrealloc(c->skeys, c->cs * sizeof *c->skeys);
    }
    sys_e *s = &c->sys[c->ns];
    memset(s, 0, sizeof *s);
    s->raw = c->skeys[c->ns] = s4s_xstrdup(raw);
    s->uri = unescape(raw);
    map_add(&c->sidx, raw, c->ns);
    return c->ns++;
}

static code_e *code_of(cov_t *c, const char *sys_raw, const char *code_raw, const char *status)
{
    size_t kl = strlen(sys_raw) + strlen(code_raw) + 2;
    char *k = s4s_xmalloc(kl);
    snprintf(k, kl, "%s\t%s", sys_raw, code_raw);
    int64_t j = map_find(&c->cidx, c->ckeys, k);
    if (j >= 0) {
        free(k);
        return &c->codes[j];
    }
    if (c->nc == MAX_CODES) {
        free(k);
        return NULL;
    }
    if (c->nc == c->cc) {
        c->cc = c->cc ? c->cc * 2 : 256;
        c->codes = s4s_xrealloc(c->codes, c->cc * sizeof *c->codes);
        c->ckeys = s4s_xrealloc(c->ckeys, c->cc * sizeof *c->ckeys);
    }
    code_e *e = &c->codes[c->nc];
    memset(e, 0, sizeof *e);
    c->ckeys[c->nc] = k;
    e->sys_raw = s4s_xstrdup(sys_raw);
    e->code_raw = s4s_xstrdup(code_raw);
    e->sys = unescape(sys_raw);
    e->code = unescape(code_raw);
    e->status = s4s_xstrdup(status);
    map_add(&c->cidx, k, c->nc);
    c->nc++;
    e->sys_ix = sys_of(c, sys_raw); /* may move c->sys, never c->codes */
    return e;
}

static void cov_free(cov_t *c)
{
    for (size_t i = 0; i < c->nc; i++) {
        code_e *e = &c->codes[i];
        free(e->sys_raw), free(e->code_raw), free(e->sys), free(e->code), free(e->status), free(c->ckeys[i]);
    }
    for (size_t i = 0; i < c->ns; i++)
        free(c->sys[i].raw), free(c->sys[i].uri), free(c->sys[i].table);
    free(c->codes), free(c->ckeys), s4s_hidx_free(&c->cidx);
    free(c->sys), free(c->skeys), s4s_hidx_free(&c->sidx);
}

/* Reads one coverage TSV into c; err names the file and line. */
static int read_tsv(cov_t *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return 2;
    }
    char *line = s4s_xmalloc(LINE_MAX_LEN);
    unsigned long long ln = 0;
    bool header = false;
    int st = 0;
    while (!st && fgets(line, LINE_MAX_LEN, f)) {
        ln++;
        size_t len = strlen(line);
        if (!len || line[len - 1] != '\n') {
            snprintf(err, errlen, "%s line %llu: too long or not ended by a newline", path, ln);
            st = 2;
            break;
        }
        line[--len] = 0;
        if (!header && line[0] == '#') {
            static const char tag[] = "# table\t";
            if (strncmp(line, tag, sizeof tag - 1))
                continue;
            char *uri = line + sizeof tag - 1, *rest = strchr(uri, '\t'), *tab = rest ? strchr(rest + 1, '\t') : NULL;
            if (!tab || strchr(tab + 1, '\t')) {
                snprintf(err, errlen, "%s line %llu: a \"# table\" line needs system, version, completeness", path, ln);
                st = 2;
                break;
            }
            *rest = 0;
            size_t si = sys_of(c, uri); /* may move c->sys */
            sys_e *s = &c->sys[si];
            if (!s->table)
                s->table = s4s_xstrdup(rest + 1);
            continue;
        }
        if (!header) {
            if (strcmp(line, cov_header)) {
                snprintf(err, errlen, "%s: not a coverage TSV (unexpected header)", path);
                st = 2;
            }
            header = true;
            continue;
        }
        char *fld[12];
        int n = 0;
        fld[n++] = line;
        for (char *p = line; *p && n < 12; p++)
            if (*p == '\t')
                *p = 0, fld[n++] = p + 1;
        if (n != 12) {
            snprintf(err, errlen, "%s line %llu: expected 12 columns", path, ln);
            st = 2;
            break;
        }
        uint64_t v[8];
        for (int i = 0; i < 8; i++)
            v[i] = strtoull(fld[4 + i], NULL, 10);
        if (!strcmp(fld[0], "system")) {
            size_t si = sys_of(c, fld[1]);
            sys_e *s = &c->sys[si];
            for (int i = 0; i < 8; i++)
                s->n[i] += v[i];
        } else if (!strcmp(fld[0], "code")) {
            code_e *e = code_of(c, fld[1], fld[2], fld[3]);
            if (!e) {
                snprintf(err, errlen, "more than %zu distinct codes", MAX_CODES);
                st = 2;
                break;
            }
            e->n[0] += v[0];
            for (int i = 2; i < 8; i++)
                e->n[i - 1] += v[i];
        }
        /* "unknown" rows are recomputed from the code rows */
    }
    if (!st && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        st = 2;
    }
    free(line);
    fclose(f);
    return st;
}

static const cov_t *g_cov; /* qsort comparators below read the tables */

static int cmp_sys(const void *a, const void *b)
{
    return strcmp(g_cov->sys[*(const size_t *)a].uri, g_cov->sys[*(const size_t *)b].uri);
}

static int cmp_unknown(const void *a, const void *b)
{
    const code_e *x = &g_cov->codes[*(const size_t *)a], *y = &g_cov->codes[*(const size_t *)b];
    if (x->n[0] != y->n[0])
        return x->n[0] > y->n[0] ? -1 : 1;
    int c = strcmp(x->code, y->code);
    return c ? c : strcmp(x->sys, y->sys);
}

static int cmp_code(const void *a, const void *b)
{
    const code_e *x = &g_cov->codes[*(const size_t *)a], *y = &g_cov->codes[*(const size_t *)b];
    size_t rx = g_cov->sys[x->sys_ix].rank, ry = g_cov->sys[y->sys_ix].rank;
    if (rx != ry)
        return rx < ry ? -1 : 1;
    if (x->n[0] != y->n[0])
        return x->n[0] > y->n[0] ? -1 : 1;
    return strcmp(x->code, y->code);
}

static void code_row(FILE *f, const char *level, const code_e *e)
{
    fprintf(f, "%s\t%s\t%s\t%s\t%llu\t1", level, e->sys_raw, e->code_raw, e->status, (unsigned long long)e->n[0]);
    for (int i = 1; i < K_N; i++)
        fprintf(f, "\t%llu", (unsigned long long)e->n[i]);
    fputc('\n', f);
}

/* distinct codes per system = its code rows */
static void count_distinct(cov_t *c)
{
    for (size_t i = 0; i < c->ns; i++)
        c->sys[i].distinct = 0;
    for (size_t i = 0; i < c->nc; i++)
        c->sys[c->codes[i].sys_ix].distinct++;
}

static void write_tsv(cov_t *c, FILE *f)
{
    g_cov = c;
    count_distinct(c);
    size_t *sx = s4s_xcalloc(c->ns + 1, sizeof *sx), *cx = s4s_xcalloc(c->nc + 1, sizeof *cx);
    for (size_t i = 0; i < c->ns; i++)
        sx[i] = i;
    qsort(sx, c->ns, sizeof *sx, cmp_sys);
    for (size_t i = 0; i < c->ns; i++)
        if (c->sys[sx[i]].table)
            fprintf(f, "# table\t%s\t%s\n", c->sys[sx[i]].raw, c->sys[sx[i]].table);
    fprintf(f, "%s\n", cov_header);
    for (size_t i = 0; i < c->ns; i++) {
        sys_e *s = &c->sys[sx[i]];
        s->rank = i;
        fprintf(f, "system\t%s\t*\t-", s->raw);
        for (int k = 0; k < 8; k++)
            fprintf(f, "\t%llu", (unsigned long long)(k == 1 ? s->distinct : s->n[k]));
        fputc('\n', f);
    }
    size_t nu = 0;
    for (size_t i = 0; i < c->nc; i++)
        if (!strcmp(c->codes[i].status, "not-found"))
            cx[nu++] = i;
    qsort(cx, nu, sizeof *cx, cmp_unknown);
    for (size_t i = 0; i < nu && i < TOP_UNKNOWN; i++)
        code_row(f, "unknown", &c->codes[cx[i]]);
    for (size_t i = 0; i < c->nc; i++)
        cx[i] = i;
    qsort(cx, c->nc, sizeof *cx, cmp_code);
    for (size_t i = 0; i < c->nc; i++)
        code_row(f, "code", &c->codes[cx[i]]);
    free(sx);
    free(cx);
    g_cov = NULL;
}

int s4s_merge_coverage_cmd(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs("usage: s4s-term merge-coverage A.tsv B.tsv ... > merged.tsv\n"
              "Merges the --coverage files of shards into what one run over the concatenated input writes.\n",
              argc < 2 ? stderr : stdout);
        return argc < 2 ? 1 : 0;
    }
    cov_t c = {0};
    char err[512];
    int st = 0;
    for (int i = 1; i < argc && !st; i++)
        st = read_tsv(&c, argv[i], err, sizeof err);
    if (!st) {
        write_tsv(&c, stdout);
        if (fflush(stdout) || ferror(stdout)) {
            snprintf(err, sizeof err, "cannot write: %s", strerror(errno));
            st = 2;
        }
    }
    if (st)
        fprintf(stderr, "s4s-term merge-coverage: %s\n", err);
    cov_free(&c);
    return st;
}

/* ---- merge-stats ------------------------------------------------------------- */

static int read_stats(mnode *root, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return 2;
    }
    s4s_buf b;
    s4s_buf_init(&b, S4S_HTML_MAX_STATS);
    char chunk[65536];
    size_t n;
    int st = 0;
    while (!st && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (!s4s_buf_put(&b, chunk, n)) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, S4S_HTML_MAX_STATS);
            st = 2;
        }
    if (!st && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        st = 2;
    }
    fclose(f);
    if (!st && !s4s_buf_putc(&b, 0)) {
        snprintf(err, errlen, "%s is larger than %zu bytes", path, S4S_HTML_MAX_STATS);
        st = 2;
    }
    if (!st) {
        yajl_val v = yajl_tree_parse(b.p, NULL, 0);
        if (!YAJL_IS_OBJECT(v)) {
            snprintf(err, errlen, "%s: not a stats object", path);
            st = 2;
        } else {
            merge(root, v);
        }
        yajl_tree_free(v);
    }
    s4s_buf_free(&b);
    return st;
}

int s4s_merge_stats_cmd(int argc, char **argv)
{
    static const char usage[] =
        "usage: s4s-term merge-stats [--coverage=MERGED.tsv] A.json B.json ... > merged.json\n"
        "Merges the --stats files of shards into what one run over the concatenated input writes\n"
        "(elapsed_s is the sum).  Distinct code counts come from the per-code rows of --coverage\n"
        "(e.g. the output of s4s-term merge-coverage); without it they are summed (an upper bound).\n";
    static const struct option opts[] = {
        {"coverage", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    const char *cov_path = NULL;
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c': cov_path = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return 1;
        }
    }
    if (optind >= argc) {
        fputs(usage, stderr);
        return 1;
    }
    mnode root = {0};
    cov_t c = {0};
    char err[512];
    int st = 0;
    for (int i = optind; i < argc && !st; i++)
        st = read_stats(&root, argv[i], err, sizeof err);
    if (!st && cov_path)
        st = read_tsv(&c, cov_path, err, sizeof err);
    if (!st) {
        emit_ctx e = {.root = &root};
        s4s_hidx dm = {0};
        uint64_t *dn = NULL;
        if (cov_path) {
            count_distinct(&c);
            dn = s4s_xcalloc(c.ns + 1, sizeof *dn);
            char **uris = s4s_xcalloc(c.ns + 1, sizeof *uris);
            for (size_t i = 0; i < c.ns; i++) {
                uris[i] = c.sys[i].uri;
                dn[i] = c.sys[i].distinct;
            }
            for (size_t i = 0; i < c.ns; i++)
                map_add(&dm, uris[i], i);
            e.dist_idx = &dm;
            e.dist_keys = uris;
            e.dist_n = dn;
        } else if (argc - optind > 1 && find(find(&root, "terminology"), "systems")) {
            fputs("s4s-term merge-stats: no --coverage: terminology distinct counts are summed over shards "
                  "(an upper bound)\n", stderr);
        }
        s4s_jw w;
        s4s_jw_init(&w, stdout);
        e.w = &w;
        emit(&e, &root, "", NULL, 0);
        bool ok = s4s_jw_line(&w);
        s4s_jw_done(&w);
        if (e.approx_top)
            fputs("s4s-term merge-stats: the shards' stats have no \"messages\" counter: top_messages sums "
                  "their top lists and may miss templates\n", stderr);
        free((void *)e.dist_keys);
        free(dn);
        s4s_hidx_free(&dm);
        if (!ok || fflush(stdout)) {
            snprintf(err, sizeof err, "cannot write: %s", strerror(errno));
            st = 2;
        }
    }
    if (st)
        fprintf(stderr, "s4s-term merge-stats: %s\n", err);
    cov_free(&c);
    mfree(&root);
    return st;
}
