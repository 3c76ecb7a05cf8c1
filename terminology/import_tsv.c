/*
 * import_tsv.c - the generic tab-separated importers: codes (--tsv), gene
 * names (--genes) and RefSeq accessions (--refseq).  The embedded default
 * cache is built from such files (terminology/data/).
 *
 * Format: optional metadata lines "# key: value" (version, licence, source,
 * complete = yes|no), then a header naming the columns, then rows.
 *   --tsv:    code, display, status (active|trial|discouraged|deprecated|
 *             retired|inactive, empty = active), optional replaced_by,
 *             unit, property, names (other names, '|'-separated, for the
 *             display check); and a `system` column when no SYSTEM given.
 * Metadata `not-covered: LA LP` lists code prefixes the table leaves out.
 * SYSTEM may be a URI, an alias or a name of the code-system table.
 *   --genes:  name, kind (symbol|previous|alias), symbol, optional hgnc_id.
 *   --refseq: accession, symbol.
 * Invariant: any unknown column, missing required column, bad status or
 * duplicate code is an error naming file, line and column.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "term_build.h"

typedef struct meta {
    char version[128], licence[512], source[512], not_covered[128];
    bool complete;
} meta;

/* Parse "# key: value" lines; returns 1 at the header, 0/-1 like s4s_rd_next. */
static int read_meta(s4s_rd *r, meta *m)
{
    memset(m, 0, sizeof *m);
    m->complete = true;
    for (;;) {
        int got = s4s_rd_next(r);
        if (got <= 0)
            return got;
        if (r->rec.p[0] != '#')
            return 1;
        char line[1024];
        size_t n = r->rec.len < sizeof line - 1 ? r->rec.len : sizeof line - 1;
        memcpy(line, r->rec.p, n);
        line[n] = '\0';
        char *k = line + 1;
        while (*k == ' ')
            k++;
        char *colon = strchr(k, ':');
        if (!colon)
            continue; /* a plain comment */
        *colon = '\0';
        char *v = colon + 1;
        while (*v == ' ')
            v++;
        if (!strcmp(k, "version"))
            snprintf(m->version, sizeof m->version, "%s", v);
        else if (!strcmp(k, "licence"))
            snprintf(m->licence, sizeof m->licence, "%s", v);
        else if (!strcmp(k, "source"))
            snprintf(m->source, sizeof m->source, "%s", v);
        else if (!strcmp(k, "not-covered"))
            snprintf(m->not_covered, sizeof m->not_covered, "%s", v);
        else if (!strcmp(k, "complete"))
            m->complete = strcmp(v, "no") != 0;
    }
}

/* Map header names to column indexes; every header field must be known. */
static s4s_rc header(s4s_rd *r, const char *const *names, int *idx, size_t n_names)
{
    for (size_t k = 0; k < n_names; k++)
        idx[k] = -1;
    for (size_t i = 0; i < r->nf; i++) {
        size_t k = 0;
        while (k < n_names && strcmp(r->f[i], names[k]))
            k++;
        if (k == n_names)
            return s4s_rd_fail(r, i, "unknown column '%s'", r->f[i]);
        if (idx[k] >= 0)
            return s4s_rd_fail(r, i, "column '%s' given twice", r->f[i]);
        idx[k] = (int)i;
    }
    return S4S_OK;
}

static const char *fld(const s4s_rd *r, int i)
{
    return i >= 0 && (size_t)i < r->nf ? r->f[i] : NULL;
}

static bool status_ok(const char *s)
{
    static const char *const ok[] = {"active", "trial", "discouraged", "deprecated", "retired", "inactive", NULL};
    for (const char *const *w = ok; *w; w++)
        if (!strcmp(s, *w))
            return true;
    return false;
}

static s4s_rc system_id(s4s_tb *b, const char *uri, const meta *m, const char *path, long long *id, char *err)
{
    const char *canon = s4s_system_canonical(uri);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(s4s_tb_db(b), "SELECT id FROM systems WHERE uri = ?1", -1, &st, NULL) != SQLITE_OK)
        return S4S_ERR_DB;
    sqlite3_bind_text(st, 1, canon ? canon : uri, -1, SQLITE_STATIC);
    bool found = sqlite3_step(st) == SQLITE_ROW;
    if (found)
        *id = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (found)
        return S4S_OK;
    s4s_rc rc = s4s_tb_system(b, uri, m->version[0] ? m->version : NULL, m->source[0] ? m->source : path,
                              m->licence[0] ? m->licence : NULL, m->complete, id, err);
    if (rc == S4S_OK && m->not_covered[0])
        rc = s4s_tb_not_covered(b, *id, m->not_covered);
    return rc;
}

/* Open a --tsv/--genes/--refseq file and read up to its header, mapped onto
 * cols; on failure the reader is closed. */
static s4s_rc open_table(s4s_rd *r, const char *path, meta *m, const char *const *cols, int *c, size_t n,
                         char *err)
{
    s4s_rc rc = s4s_rd_open(r, path, '\t', false, err);
    if (rc != S4S_OK)
        return rc;
    int got = read_meta(r, m);
    if (got <= 0)
        rc = got < 0 ? S4S_ERR_FORMAT : s4s_rd_fail(r, 0, "no header line");
    else
        rc = header(r, cols, c, n);
    if (rc != S4S_OK)
        s4s_rd_close(r);
    return rc;
}

enum { C_CODE, C_DISPLAY, C_STATUS, C_REPL, C_UNIT, C_PROP, C_NAMES, C_SYSTEM, NC };
static const char *const tsv_cols[NC] = {"code",     "display", "status", "replaced_by",
                                         "unit",     "property", "names", "system"};

/* Each '|'-separated name of the `names` column becomes a designation. */
static s4s_rc add_names(s4s_tb *b, long long sys, const char *code, const char *names)
{
    s4s_rc rc = S4S_OK;
    char one[1024];
    for (const char *p = names; p && *p && rc == S4S_OK;) {
        size_t n = strcspn(p, "|");
        if (n && n < sizeof one) {
            memcpy(one, p, n);
            one[n] = '\0';
            rc = s4s_tb_designation(b, sys, code, one);
        }
        p += n;
        p += *p == '|';
    }
    return rc;
}

typedef struct tsv {
    s4s_tb     *b;
    const char *uri;        /* NULL: per row, from the `system` column */
    const char *path;
    meta        m;
    int         c[NC];
    long long   sys;
    char       *last_uri;   /* the system sys stands for (no SYSTEM_URI=) */
} tsv;

static s4s_rc tsv_row(s4s_rd *r, void *ctx)
{
    tsv *x = ctx;
    const int *c = x->c;
    s4s_rc rc;
    if (!x->uri) {
        const char *u = fld(r, c[C_SYSTEM]);
        if (!*u)
            return s4s_rd_fail(r, (size_t)c[C_SYSTEM], "empty system");
        if (!x->last_uri || strcmp(x->last_uri, u)) {
            char *copy = s4s_xstrdup(u); /* first: x->last_uri stays valid */
            free(x->last_uri);
            x->last_uri = copy;
            if ((rc = system_id(x->b, u, &x->m, x->path, &x->sys, r->err)) != S4S_OK)
                return rc;
        }
    }
    const char *code = fld(r, c[C_CODE]), *st = fld(r, c[C_STATUS]);
    if (!*code)
        return s4s_rd_fail(r, (size_t)c[C_CODE], "empty code");
    if (!st || !*st)
        st = "active";
    if (!status_ok(st))
        return s4s_rd_fail(r, (size_t)c[C_STATUS],
                           "status '%s' is not active, trial, discouraged, deprecated, retired or inactive", st);
    rc = s4s_tb_concept(x->b, x->sys, code, st, fld(r, c[C_DISPLAY]), fld(r, c[C_REPL]), fld(r, c[C_UNIT]),
                        fld(r, c[C_PROP]));
    if (rc == S4S_ERR_INVALID)
        return s4s_rd_fail(r, (size_t)c[C_CODE], "duplicate code '%s'", code);
    if (rc == S4S_OK)
        rc = add_names(x->b, x->sys, code, fld(r, c[C_NAMES]));
    return s4s_rd_db(r, rc);
}

s4s_rc s4s_import_tsv(s4s_tb *b, const char *uri, const char *path, char *err)
{
    tsv x = {.b = b, .uri = uri, .path = path, .sys = -1};
    s4s_rd r;
    s4s_rc rc = open_table(&r, path, &x.m, tsv_cols, x.c, NC, err);
    if (rc != S4S_OK)
        return rc;
    s4s_oom_hold h;
    s4s_oom_push(&h, &x.last_uri, s4s_free_at);
    if (x.c[C_CODE] < 0)
        rc = s4s_rd_fail(&r, 0, "header lacks a 'code' column");
    else if (!uri && x.c[C_SYSTEM] < 0)
        rc = s4s_rd_fail(&r, 0, "no SYSTEM_URI= given and no 'system' column");
    else if (uri && x.c[C_SYSTEM] >= 0)
        rc = s4s_rd_fail(&r, (size_t)x.c[C_SYSTEM], "a 'system' column and SYSTEM_URI= both given");
    else if (!uri || (rc = system_id(b, uri, &x.m, path, &x.sys, err)) == S4S_OK)
        rc = s4s_rd_each(&r, r.nf, tsv_row, &x);
    s4s_oom_pop(&h);
    free(x.last_uri);
    s4s_rd_close(&r);
    return rc;
}

enum { G_NAME, G_KIND, G_SYMBOL, G_ID, NG };
static const char *const gene_cols[NG] = {"name", "kind", "symbol", "hgnc_id"};

/* Where --genes / --refseq rows go, and the header's column indexes. */
typedef struct names {
    s4s_tb *b;
    int     c[NG];
} names;

static s4s_rc gene_row(s4s_rd *r, void *ctx)
{
    const names *x = ctx;
    const int *c = x->c;
    const char *k = fld(r, c[G_KIND]), *name = fld(r, c[G_NAME]), *sym = fld(r, c[G_SYMBOL]);
    int kind = !strcmp(k, "symbol") ? 1 : !strcmp(k, "previous") ? 2 : !strcmp(k, "alias") ? 3 : 0;
    if (!kind)
        return s4s_rd_fail(r, (size_t)c[G_KIND], "kind '%s' is not symbol, previous or alias", k);
    if (!*name || !*sym)
        return s4s_rd_fail(r, (size_t)(*name ? c[G_SYMBOL] : c[G_NAME]), "empty gene name");
    return s4s_rd_db(r, s4s_tb_gene(x->b, name, kind, sym, fld(r, c[G_ID])));
}

s4s_rc s4s_import_genes(s4s_tb *b, const char *path, char *err)
{
    names x = {.b = b};
    meta m;
    s4s_rd r;
    s4s_rc rc = open_table(&r, path, &m, gene_cols, x.c, NG, err);
    if (rc != S4S_OK)
        return rc;
    long long sys;
    if (x.c[G_NAME] < 0 || x.c[G_KIND] < 0 || x.c[G_SYMBOL] < 0)
        rc = s4s_rd_fail(&r, 0, "header needs name, kind and symbol columns");
    /* the gene names stand for HGNC: make sure the system row exists */
    else if ((rc = system_id(b, s4s_sys_uri(S4S_SYS_HGNC), &m, path, &sys, err)) == S4S_OK)
        rc = s4s_rd_each(&r, r.nf, gene_row, &x);
    s4s_rd_close(&r);
    return rc;
}

static s4s_rc refseq_row(s4s_rd *r, void *ctx)
{
    const names *x = ctx;
    const char *acc = fld(r, x->c[0]);
    if (!*acc || strchr(acc, '.'))
        return s4s_rd_fail(r, (size_t)x->c[0], "accession must be non-empty and unversioned");
    return s4s_rd_db(r, s4s_tb_refseq(x->b, acc, fld(r, x->c[1])));
}

s4s_rc s4s_import_refseq(s4s_tb *b, const char *path, char *err)
{
    static const char *const cols[2] = {"accession", "symbol"};
    names x = {.b = b};
    meta m;
    s4s_rd r;
    s4s_rc rc = open_table(&r, path, &m, cols, x.c, 2, err);
    if (rc != S4S_OK)
        return rc;
    if (x.c[0] < 0 || x.c[1] < 0)
        rc = s4s_rd_fail(&r, 0, "header needs accession and symbol columns");
    else
        rc = s4s_rd_each(&r, 2, refseq_row, &x);
    s4s_rd_close(&r);
    return rc;
}
