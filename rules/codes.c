/*
 * codes.c - rule family "codes": every Coding of the resource (any object
 * with string "system" and "code", at any depth, contained resources
 * included) gets its system URI normalized, its code syntax checked and its
 * code looked up in the terminology cache; counts feed the `terminology`
 * stats section and the --coverage TSV.
 *
 * Order per Coding: alias URI, OID or free-text name -> canonical URI of
 * the code-system table (repair "system-uri"; an unknown bare word is a
 * warning); ICD-10-CM without its dot -> dotted (repair "icd10cm-dot");
 * syntax from the table's row (error code-invalid naming the pattern, no
 * look-up); look-up: unknown -> warning (error with --strict-codes),
 * deprecated/discouraged/retired -> warning, rewritten with
 * --replace-deprecated when there is exactly one replacement and the Coding
 * sits in an array (the original is kept as the next Coding), else the
 * warning says the cache has none; inactive with a successor -> the same;
 * trial and inactive without a successor -> information;
 * display mismatch -> information, only with --check-display.  UCUM
 * codings (Quantity units) are skipped: units are rules/units.c's job.
 *
 * Invariants: messages name codes, systems and paths only, never display
 * text; per-run tables are capped (SYS_CAP systems, CODE_CAP distinct codes),
 * past the caps codes still get checked but are counted only per system
 * (or under "(other)"); a code's look-up result is computed once per run
 * and kept in the code table.  State is per run and not shared between
 * threads (apply runs on the rules thread only).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "../filter/base/hash.h"
#include "../filter/base/buf.h"
#include "../filter/base/jsonw.h"
#include "../terminology/term.h"
#include "rule.h"

#define SYS_CAP     4096
#define CODE_CAP    (1u << 21)
#define TOP_UNKNOWN 50
#define OTHER_SYS   "(other)"

enum { N_CODINGS, N_DISTINCT, N_FOUND, N_NOT_FOUND, N_DEPRECATED, N_REPAIRED, N_SYNTAX, N_NOT_LOADED, N_COUNTERS };
static const char *const counter_names[N_COUNTERS] = {"codings", "distinct", "found", "not_found", "deprecated",
                                                      "repaired", "syntax_invalid", "not_loaded"};

/* What happened to a code: fixed per (system, code) for the whole run. */
typedef enum outcome { O_FOUND, O_DEPRECATED, O_NOT_FOUND, O_SYNTAX, O_NOT_LOADED } outcome;

typedef struct sysent {
    char             *uri;
    const s4s_system *row;   /* NULL: no row in the code-system table */
    uint64_t          n[N_COUNTERS];
} sysent;

typedef struct codeent {
    char           *code;      /* NULL = empty slot */
    uint32_t        sys;
    uint64_t        h;
    uint64_t        codings, repaired;
    outcome         out;
    s4s_term_result r;
} codeent;

#define CANON_MEMO 256

/* What a system string decides, all a function of the string: its canonical
 * URI, whether that is UCUM's, and the sys row of the string the Coding
 * ends up with (si < 0: not asked yet; asked only for non-UCUM codings,
 * as sys_of() was, so rows are created in the same order) */
typedef struct canon_ent {
    char          *raw;
    size_t         raw_len;
    const char    *canon;
    s4s_sys_match  how;
    bool           ucum;
    int64_t        si;
} canon_ent;

typedef struct cstate {
    s4s_term *term;
    sysent   *sys;
    size_t    nsys;
    s4s_hidx  sys_idx;          /* uri -> index into sys */
    codeent  *codes;
    size_t    code_cap, ncodes;
    bool      codes_capped;
    int       last_sys;
    char      last_uri[256];
    /* s4s_system_resolve() scans a table; most streams use a few dozen
     * system strings, so remember the answers (direct-mapped, bounded) */
    canon_ent canon_memo[CANON_MEMO];
} cstate;

static s4s_rc codes_init(const s4s_opts *o, s4s_term *term, void **state)
{
    (void)o;
    cstate *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* the pipe frees it, also when a later allocation fails */
    st->term = term;
    s4s_hidx_init(&st->sys_idx, 2 * SYS_CAP);
    st->sys = s4s_xcalloc(SYS_CAP + 1, sizeof *st->sys);
    st->last_sys = -1;
    *state = st;
    return S4S_OK;
}

static void codes_fini(void *state)
{
    cstate *st = state;
    if (!st)
        return;
    for (size_t i = 0; i < st->nsys; i++)
        free(st->sys[i].uri);
    for (size_t i = 0; i < st->code_cap; i++)
        free(st->codes[i].code);
    for (size_t i = 0; i < CANON_MEMO; i++)
        free(st->canon_memo[i].raw);
    free(st->sys);
    s4s_hidx_free(&st->sys_idx);
    free(st->codes);
    free(st);
}

/* Index of the (canonical) system in the per-run table; past SYS_CAP every
 * new system shares the "(other)" row. */
static bool sys_eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    (void)klen;
    return !strcmp(((const cstate *)ctx)->sys[i].uri, key);
}

static uint32_t sys_of(cstate *st, const char *uri)
{
    if (st->last_sys >= 0 && !strcmp(uri, st->last_uri))
        return (uint32_t)st->last_sys;
    const char *key = uri;
    uint64_t h = s4s_hash_str(key, S4S_HASH_SEED);
    int64_t i = s4s_hidx_find(&st->sys_idx, h, sys_eq, st, key, 0);
    if (i < 0 && st->nsys >= SYS_CAP) { /* full: the one extra row */
        key = OTHER_SYS;
        h = s4s_hash_str(key, S4S_HASH_SEED);
        i = s4s_hidx_find(&st->sys_idx, h, sys_eq, st, key, 0);
    }
    if (i < 0) {
        sysent *e = &st->sys[st->nsys];
        e->uri = s4s_xstrdup(key);
        e->row = s4s_system_row(key);
        i = (int64_t)st->nsys++;
        s4s_hidx_add(&st->sys_idx, h, (uint32_t)i);
    }
    if (strlen(uri) < sizeof st->last_uri) {
        strcpy(st->last_uri, uri);
        st->last_sys = (int)i;
    }
    return (uint32_t)i;
}

static codeent *code_slot(cstate *st, uint32_t sys, const char *code, uint64_t h)
{
    size_t j = h & (st->code_cap - 1);
    while (st->codes[j].code) {
        codeent *e = &st->codes[j];
        if (e->h == h && e->sys == sys && !strcmp(e->code, code))
            return e;
        j = (j + 1) & (st->code_cap - 1);
    }
    return &st->codes[j];
}

static void code_grow(cstate *st)
{
    size_t ocap = st->code_cap, ncap = ocap ? ocap * 2 : 4096;
    codeent *old = st->codes;
    st->codes = s4s_xcalloc(ncap, sizeof *st->codes);
    st->code_cap = ncap;
    for (size_t i = 0; i < ocap; i++)
        if (old[i].code)
            *code_slot(st, old[i].sys, old[i].code, old[i].h) = old[i];
    free(old);
}

/* Work out a code's outcome once: syntax, then look-up. */
static void classify(s4s_term *term, const sysent *se, const char *code, codeent *e)
{
    memset(&e->r, 0, sizeof e->r);
    e->r.status = S4S_TS_NOT_LOADED;
    if (se->row && se->row->syntax && !se->row->syntax(code)) {
        e->out = O_SYNTAX;
        return;
    }
    if (term && s4s_term_lookup(term, se->uri, code, &e->r) != S4S_OK)
        e->r.status = S4S_TS_NOT_LOADED;
    switch (e->r.status) {
    case S4S_TS_ACTIVE:
    case S4S_TS_TRIAL:        e->out = O_FOUND; break;
    /* inactive is valid history unless the table names a successor */
    case S4S_TS_INACTIVE:     e->out = e->r.replaced_by ? O_DEPRECATED : O_FOUND; break;
    case S4S_TS_DEPRECATED:
    case S4S_TS_DISCOURAGED:
    case S4S_TS_RETIRED:      e->out = O_DEPRECATED; break;
    case S4S_TS_NOT_FOUND:  e->out = O_NOT_FOUND; break;
    case S4S_TS_NOT_LOADED: e->out = O_NOT_LOADED; break;
    }
}

/* --replace-deprecated: keep a copy of the original after it, then rewrite
 * the code (and the display, without recording display text).  Only for a
 * Coding inside an array, so the original can stay as a second Coding. */
static bool replace_code(s4s_rctx *rc, cstate *st, s4s_node *coding, s4s_node *code_n, const sysent *se,
                         const char *repl)
{
    if (!coding->parent || coding->parent->type != S4S_J_ARRAY)
        return false;
    s4s_edit_insert_copy(rc, coding, coding, "deprecated-code-original",
                         "original deprecated Coding kept after its replacement");
    char old[128];
    snprintf(old, sizeof old, "%s", code_n->str);
    s4s_edit_set_str(rc, code_n, repl, strlen(repl), "deprecated-code", "deprecated code replaced by its successor");
    s4s_node *disp = s4s_get(coding, "display");
    if (disp) {
        s4s_term_result nr;
        const char *nd = NULL;
        if (st->term && s4s_term_lookup(st->term, se->uri, repl, &nr) == S4S_OK)
            nd = nr.display;
        /* display text is never recorded: old/new stay NULL */
        if (nd) {
            s4s_node_set(rc->arena, disp, S4S_J_STRING, nd, strlen(nd));
            s4s_edit_mark(rc, disp);
            s4s_repair(rc, disp, "display", NULL, NULL, "display set to the preferred name of %s", repl);
        } else {
            disp->flags |= S4S_NF_REMOVED;
            s4s_repair(rc, disp, "display", NULL, NULL, "display of %s removed: no preferred name for %s", old,
                       repl);
        }
    }
    return true;
}

/* The memo slot of a system string: its length and its first and last
 * eight bytes, read whole (system URIs share their beginnings; FNV-1a,
 * byte by byte, was a fifth of a Coding's cost).  Any slot is correct: the
 * entry is checked against the string. */
static size_t memo_slot(const char *raw, size_t n)
{
    size_t k = n < 8 ? n : 8;
    uint64_t a = 0, b = 0;
    memcpy(&a, raw, k);
    memcpy(&b, raw + n - k, k);
    uint64_t h = (a * 0x9E3779B97F4A7C15ull) ^ (b * 0xC2B2AE3D27D4EB4Full) ^ (n * 0x165667B19E3779F9ull);
    return (size_t)(h ^ (h >> 29) ^ (h >> 47)) & (CANON_MEMO - 1);
}

/* raw[0..n): a system string (no NUL inside: the parser lets none through) */
static canon_ent *canonical(cstate *st, const char *raw, size_t n)
{
    canon_ent *m = &st->canon_memo[memo_slot(raw, n)];
    if (!m->raw || m->raw_len != n || memcmp(m->raw, raw, n)) {
        char *copy = s4s_xstrdup(raw); /* first: a failure leaves the memo intact */
        free(m->raw);
        m->raw = copy;
        m->raw_len = n;
        m->canon = s4s_system_resolve(raw, &m->how);
        m->ucum = m->canon && !strcmp(m->canon, s4s_sys_uri(S4S_SYS_UCUM));
        m->si = -1;
    }
    return m;
}

/* A system that is neither a URI nor a known name: a bare word. */
static bool bare_word(const char *s)
{
    return *s && !strchr(s, ':') && !strchr(s, '/');
}

static void check_coding(s4s_rctx *rc, cstate *st, s4s_node *obj, s4s_node *sys_n, s4s_node *code_n)
{
    bool repaired = false;
    canon_ent *m = canonical(st, sys_n->str, sys_n->len);
    const char *canon = m->canon;
    s4s_sys_match how = m->how;
    /* UCUM (Quantity units) belongs to rules/units.c, aliases included */
    if (m->ucum)
        return;
    if (canon && how != S4S_SM_EXACT) {
        s4s_edit_set_str(rc, sys_n, canon, strlen(canon), "system-uri",
                         how == S4S_SM_NAME ? "code system name replaced by its canonical URI"
                                            : "code system alias replaced by its canonical URI");
        repaired = true;
    } else if (!canon && bare_word(sys_n->str)) {
        s4s_issue(rc, S4S_SEV_WARNING, "value", sys_n, "code system '%s' is not a URI nor a known code system name",
                  sys_n->str);
    }
    /* sys_n->str is now canon or raw, as the memo entry decided */
    if (m->si < 0)
        m->si = sys_of(st, sys_n->str);
    uint32_t si = (uint32_t)m->si;
    sysent *se = &st->sys[si];
    char dotted[16];
    if (se->row == s4s_system_get(S4S_SYS_ICD10CM) && !s4s_icd10cm_valid(code_n->str) &&
        s4s_icd10cm_dotted(code_n->str, dotted, sizeof dotted)) {
        s4s_edit_set_str(rc, code_n, dotted, strlen(dotted), "icd10cm-dot", "ICD-10-CM code written with its dot");
        repaired = true;
    }
    const char *code = code_n->str;
    uint64_t h = s4s_hash_str(code, S4S_HASH_SEED ^ si);
    codeent tmp, *e = NULL;
    if (st->code_cap && (e = code_slot(st, si, code, h))->code) {
        /* seen before: outcome known */
    } else if (st->ncodes < CODE_CAP) {
        if ((st->ncodes + 1) * 2 > st->code_cap) {
            code_grow(st);
        }
        e = code_slot(st, si, code, h);
        e->code = s4s_xstrdup(code);
        e->sys = si;
        e->h = h;
        classify(rc->term, se, code, e);
        st->ncodes++;
        se->n[N_DISTINCT]++;
    } else {
        st->codes_capped = true;
        memset(&tmp, 0, sizeof tmp);
        classify(rc->term, se, code, &tmp);
        e = &tmp;
    }
    e->codings++;
    se->n[N_CODINGS]++;
    const s4s_opts *o = rc->opts;
    switch (e->out) {
    case O_SYNTAX:
        se->n[N_SYNTAX]++;
        s4s_issue(rc, S4S_SEV_ERROR, "code-invalid", code_n, "'%s' is not a valid %s", code, se->row->pattern);
        break;
    case O_NOT_LOADED:
        se->n[N_NOT_LOADED]++;
        break;
    case O_NOT_FOUND:
        se->n[N_NOT_FOUND]++;
        s4s_issue(rc, o && o->strict_codes ? S4S_SEV_ERROR : S4S_SEV_WARNING, "code-invalid", code_n,
                  "code '%s' not found in %s (terminology cache)", code, se->uri);
        break;
    case O_DEPRECATED:
    case O_FOUND:
        se->n[N_FOUND]++;
        if (e->out == O_DEPRECATED) {
            se->n[N_DEPRECATED]++;
            const char *status = s4s_term_status_str(e->r.status);
            if (e->r.replaced_by)
                s4s_issue(rc, S4S_SEV_WARNING, "business-rule", code_n, "code '%s' of %s is %s; replaced by '%s'",
                          code, se->uri, status, e->r.replaced_by);
            else if (o && o->replace_deprecated)
                s4s_issue(rc, S4S_SEV_WARNING, "business-rule", code_n,
                          "code '%s' of %s is %s; not replaced: the terminology cache has no single replacement "
                          "(MapTo) for it", code, se->uri, status);
            else
                s4s_issue(rc, S4S_SEV_WARNING, "business-rule", code_n, "code '%s' of %s is %s", code, se->uri,
                          status);
            if (o && o->replace_deprecated && e->r.replaced_by &&
                replace_code(rc, st, obj, code_n, se, e->r.replaced_by)) {
                repaired = true;
                e->repaired++;
            }
        }
        if (e->out == O_FOUND && (e->r.status == S4S_TS_TRIAL || e->r.status == S4S_TS_INACTIVE))
            s4s_issue(rc, S4S_SEV_INFO, "informational", code_n, "code '%s' of %s is %s", code, se->uri,
                      e->r.status == S4S_TS_TRIAL ? "trial (not yet final)" : "inactive (a valid historical code)");
        if (o && o->check_display && rc->term) {
            const char *d = s4s_get_str(obj, "display");
            bool known, match;
            if (d && s4s_term_display_match(rc->term, se->uri, code, d, &known, &match) == S4S_OK && known &&
                !match)
                s4s_issue(rc, S4S_SEV_INFO, "value", s4s_get(obj, "display"),
                          "display does not match any name of %s code '%s'", se->uri, code);
        }
        break;
    }
    if (repaired)
        se->n[N_REPAIRED]++;
}

/* need: S4S_KK_SYSTEM | S4S_KK_CODE when the kinds bits hold (a subtree
 * without both names holds no Coding), else 0 */
static void walk(s4s_rctx *rc, cstate *st, s4s_node *n, unsigned need)
{
    if (n->type == S4S_J_OBJECT) {
        /* both members in one pass (first live one of each name, as s4s_get) */
        s4s_node *sys_n = NULL, *code_n = NULL;
        S4S_EACH(c, n) {
            if (!sys_n && c->klen == 6 && memcmp(c->key, "system", 6) == 0)
                sys_n = c;
            else if (!code_n && c->klen == 4 && memcmp(c->key, "code", 4) == 0)
                code_n = c;
        }
        if (sys_n && code_n && sys_n->type == S4S_J_STRING && code_n->type == S4S_J_STRING)
            check_coding(rc, st, n, sys_n, code_n);
    }
    if (n->type == S4S_J_OBJECT || n->type == S4S_J_ARRAY) {
        S4S_EACH(c, n) {
            /* nodes inserted by edits (the kept original of a replaced
             * Coding) are not input: checking them again would loop */
            if ((c->type == S4S_J_OBJECT || c->type == S4S_J_ARRAY) && !(c->flags & S4S_NF_INSERTED) &&
                (c->kinds & need) == need)
                walk(rc, st, c, need);
        }
    }
}

static void codes_apply(s4s_rctx *rc, void *state)
{
    if (rc->root)
        walk(rc, state, rc->root, s4s_rctx_kinds(rc) ? S4S_KK_SYSTEM | S4S_KK_CODE : 0);
}

static int sys_cmp(const void *a, const void *b)
{
    return strcmp((*(const sysent *const *)a)->uri, (*(const sysent *const *)b)->uri);
}

static sysent **sorted_systems(cstate *st)
{
    sysent **v = s4s_xcalloc(st->nsys + 1, sizeof *v);
    for (size_t i = 0; i < st->nsys; i++)
        v[i] = &st->sys[i];
    qsort(v, st->nsys, sizeof *v, sys_cmp);
    return v;
}

static void codes_stats(void *state, s4s_jw *w)
{
    cstate *st = state;
    s4s_jw_key(w, "terminology");
    s4s_jw_obj(w);
    s4s_jw_kstr(w, "cache", st->term ? s4s_term_source(st->term) : NULL);
    s4s_jw_kbool(w, "codes_capped", st->codes_capped);
    s4s_jw_key(w, "systems");
    s4s_jw_obj(w);
    sysent **v = sorted_systems(st);
    s4s_oom_hold h; /* the writer's buffer may grow */
    s4s_oom_push(&h, v, free);
    for (size_t i = 0; i < st->nsys; i++) {
        s4s_jw_key(w, v[i]->uri);
        s4s_jw_obj(w);
        for (int k = 0; k < N_COUNTERS; k++)
            s4s_jw_kuint(w, counter_names[k], v[i]->n[k]);
        /* always an object, so readers need no second shape */
        s4s_term_table_info ti;
        bool loaded = s4s_term_table(st->term, v[i]->uri, &ti);
        char buf[160];
        s4s_jw_key(w, "table");
        s4s_jw_obj(w);
        s4s_jw_kstr(w, "version", loaded && ti.version ? ti.version : "-");
        s4s_jw_kstr(w, "completeness",
                    loaded ? s4s_term_completeness(ti.complete, ti.not_covered, buf, sizeof buf) : "not loaded");
        s4s_jw_obj_end(w);
        s4s_jw_obj_end(w);
    }
    s4s_oom_pop(&h);
    free(v);
    s4s_jw_obj_end(w);
    s4s_jw_obj_end(w);
}

/* TSV field: tabs, newlines and backslashes escaped so rows stay rows. */
static void tsv_str(FILE *f, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\t': fputs("\\t", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\\': fputs("\\\\", f); break;
        default:   fputc(*s, f); break;
        }
    }
}

static const char *outcome_str(const codeent *e)
{
    switch (e->out) {
    case O_SYNTAX:     return "syntax-invalid";
    case O_NOT_LOADED: return "not-loaded";
    case O_NOT_FOUND:  return "not-found";
    case O_FOUND:
    case O_DEPRECATED: break;
    }
    return s4s_term_status_str(e->r.status);
}

static void code_row(FILE *f, const char *level, const cstate *st, const codeent *e)
{
    fprintf(f, "%s\t", level);
    tsv_str(f, st->sys[e->sys].uri);
    fputc('\t', f);
    tsv_str(f, e->code);
    uint64_t n = e->codings;
    fprintf(f, "\t%s\t%llu\t1\t%llu\t%llu\t%llu\t%llu\t%llu\t%llu\n", outcome_str(e), (unsigned long long)n,
            (unsigned long long)(e->out == O_FOUND || e->out == O_DEPRECATED ? n : 0),
            (unsigned long long)(e->out == O_NOT_FOUND ? n : 0), (unsigned long long)(e->out == O_DEPRECATED ? n : 0),
            (unsigned long long)e->repaired, (unsigned long long)(e->out == O_SYNTAX ? n : 0),
            (unsigned long long)(e->out == O_NOT_LOADED ? n : 0));
}

typedef struct code_ord {
    uint32_t       rank;   /* the system's position in URI order */
    const codeent *e;
} code_ord;

static int code_cmp(const void *a, const void *b)
{
    const code_ord *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->e->codings != y->e->codings)
        return x->e->codings > y->e->codings ? -1 : 1;
    return strcmp(x->e->code, y->e->code);
}

static int unknown_cmp(const void *a, const void *b)
{
    const codeent *x = *(const codeent *const *)a, *y = *(const codeent *const *)b;
    if (x->codings != y->codings)
        return x->codings > y->codings ? -1 : 1;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->sys < y->sys ? -1 : x->sys > y->sys);
}

static void codes_side_output(void *state, const s4s_outputs *io)
{
    cstate *st = state;
    if (!io || !io->coverage)
        return;
    FILE *f = io->coverage;
    /* systems in URI order so the file is stable */
    /* the three tables are held until the end: each allocation may fail */
    s4s_oom_hold hv, hr, hc;
    sysent **v = sorted_systems(st);
    s4s_oom_push(&hv, v, free);
    uint32_t *rank = s4s_xcalloc(st->nsys + 1, sizeof *rank);
    s4s_oom_push(&hr, rank, free);
    for (size_t i = 0; i < st->nsys; i++)
        rank[v[i] - st->sys] = (uint32_t)i;
    /* the tables behind the verdicts, as comments s4s-term coverage skips */
    for (size_t i = 0; i < st->nsys; i++) {
        s4s_term_table_info ti;
        fputs("# table\t", f);
        tsv_str(f, v[i]->uri);
        if (s4s_term_table(st->term, v[i]->uri, &ti)) {
            fputc('\t', f);
            tsv_str(f, ti.version ? ti.version : "-");
            char buf[160];
            fprintf(f, "\t%s\n", s4s_term_completeness(ti.complete, ti.not_covered, buf, sizeof buf));
        } else {
            fputs("\t-\tnot loaded\n", f);
        }
    }
    fprintf(f, "level\tsystem\tcode\tstatus\tcodings\tdistinct\tfound\tnot_found\tdeprecated\trepaired\t"
               "syntax_invalid\tnot_loaded\n");
    for (size_t i = 0; i < st->nsys; i++) {
        fputs("system\t", f);
        tsv_str(f, v[i]->uri);
        fputs("\t*\t-", f);
        for (int k = 0; k < N_COUNTERS; k++)
            fprintf(f, "\t%llu", (unsigned long long)v[i]->n[k]);
        fputc('\n', f);
    }
    codeent **c = s4s_xcalloc(st->ncodes + 1, sizeof *c);
    s4s_oom_push(&hc, c, free);
    size_t n = 0;
    for (size_t i = 0; i < st->code_cap; i++)
        if (st->codes[i].code)
            c[n++] = &st->codes[i];
    /* top unknown codes by frequency, across systems */
    qsort(c, n, sizeof *c, unknown_cmp);
    size_t shown = 0;
    for (size_t i = 0; i < n && shown < TOP_UNKNOWN; i++)
        if (c[i]->out == O_NOT_FOUND) {
            code_row(f, "unknown", st, c[i]);
            shown++;
        }
    /* every code, grouped by system (in URI order), most frequent first */
    code_ord *ord = s4s_xcalloc(n + 1, sizeof *ord);
    for (size_t i = 0; i < n; i++) {
        ord[i].rank = rank[c[i]->sys];
        ord[i].e = c[i];
    }
    qsort(ord, n, sizeof *ord, code_cmp);
    for (size_t i = 0; i < n; i++)
        code_row(f, "code", st, ord[i].e);
    free(ord);
    s4s_oom_pop(&hc);
    s4s_oom_pop(&hr);
    s4s_oom_pop(&hv);
    free(c);
    free(rank);
    free(v);
    fflush(f);
}

/* Another worker's tables into these: systems by URI, codes by (system,
 * code); a code seen by both counts once in `distinct`.  Look-up results
 * are the same in every worker (same cache), so whichever is kept is the
 * answer.  Past CODE_CAP the codes of `from` count only per system, as in
 * one run. */
static void codes_merge(void *into, const void *from)
{
    cstate *a = into;
    const cstate *b = from;
    uint32_t *map = s4s_xcalloc(b->nsys + 1, sizeof *map);
    s4s_oom_hold h;
    s4s_oom_push(&h, map, free);
    for (size_t i = 0; i < b->nsys; i++) {
        map[i] = sys_of(a, b->sys[i].uri);
        for (int k = 0; k < N_COUNTERS; k++)
            if (k != N_DISTINCT)
                a->sys[map[i]].n[k] += b->sys[i].n[k];
    }
    a->codes_capped |= b->codes_capped;
    for (size_t i = 0; i < b->code_cap; i++) {
        const codeent *f = &b->codes[i];
        if (!f->code)
            continue;
        uint32_t si = map[f->sys];
        uint64_t hh = s4s_hash_str(f->code, S4S_HASH_SEED ^ si);
        codeent *e = a->code_cap ? code_slot(a, si, f->code, hh) : NULL;
        if (!e || !e->code) {
            if (a->ncodes >= CODE_CAP) {
                a->codes_capped = true;
                continue;
            }
            if ((a->ncodes + 1) * 2 > a->code_cap)
                code_grow(a);
            char *copy = s4s_xstrdup(f->code); /* before the slot holds f's pointer */
            e = code_slot(a, si, f->code, hh);
            *e = *f;
            e->code = copy;
            e->sys = si;
            e->h = hh;
            e->codings = e->repaired = 0;
            a->ncodes++;
            a->sys[si].n[N_DISTINCT]++;
        }
        e->codings += f->codings;
        e->repaired += f->repaired;
    }
    s4s_oom_pop(&h);
    free(map);
}

const s4s_rule s4s_rule_codes = {"codes", codes_init, codes_apply, codes_stats, codes_side_output, codes_fini,
                                 S4S_RULE_ANY, codes_merge};
