/*
 * term_cmds.c - the s4s-term subcommands over the terminology cache:
 * build, lookup, info and coverage (term_cli.h).
 *
 * Invariants: each returns an exit status (0 ok, 1 usage, 2 fatal, 3 some
 * inputs invalid or not found) and prints its own messages; a failed build
 * leaves the old cache in place (import_db.c renames only on success).
 * Output is JSON lines (lookup, info) or TSV (coverage).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"
#include "term.h"
#include "term_build.h"
#include "term_cli.h"

/* "--name VALUE" or "--name=VALUE"; advances *i past the value. */
static const char *opt_val(int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] == '\0' && *i + 1 < argc)
        return argv[++*i];
    return NULL;
}

static int exit_of(s4s_rc rc)
{
    return rc == S4S_OK ? 0 : rc == S4S_ERR_USAGE ? 1 : rc == S4S_ERR_FORMAT ? 3 : 2;
}

/* --- build ----------------------------------------------------------------- */

typedef struct job {
    const char       *kind, *uri, *path;
    const s4s_system *row;   /* a release importer of the code-system table, or NULL */
} job;

/* The generic table formats; release importers come from the system table. */
static const char *const generic[] = {"--tsv", "--genes", "--refseq", NULL};

static void build_usage(void)
{
    fputs("usage: s4s-term build --out FILE.db", stderr);
    for (size_t i = 0; s4s_system_at(i); i++)
        if (s4s_system_at(i)->build_flag)
            fprintf(stderr, " [%s %s]", s4s_system_at(i)->build_flag, s4s_system_at(i)->build_arg);
    fputs(" [--tsv SYSTEM=FILE]... [--genes FILE] [--refseq FILE]\n", stderr);
}

/* the jobs array ends at the first entry without a kind */
static void free_jobs(void *p)
{
    job *jobs = p;
    for (size_t j = 0; jobs[j].kind; j++)
        free((char *)jobs[j].uri);
    free(jobs);
}

static void abort_build(void *b) { s4s_tb_abort(b); }
static void close_term(void *t) { s4s_term_close(t); }

int s4s_term_cmd_build(int argc, char **argv)
{
    const char *out = NULL;
    job *jobs = s4s_xcalloc((size_t)argc + 1, sizeof *jobs);
    s4s_oom_hold hj, hb;
    s4s_oom_push(&hj, jobs, free_jobs);
    size_t nj = 0;
    for (int i = 1; i < argc; i++) {
        const char *v;
        if ((v = opt_val(argc, argv, &i, "--out"))) {
            out = v;
            continue;
        }
        const s4s_system *row = NULL;
        for (size_t k = 0; !v && s4s_system_at(k); k++)
            if (s4s_system_at(k)->build_flag && (v = opt_val(argc, argv, &i, s4s_system_at(k)->build_flag)))
                row = s4s_system_at(k);
        int k = 0;
        for (; !v && generic[k]; k++)
            if ((v = opt_val(argc, argv, &i, generic[k])))
                break;
        if (!v) {
            fprintf(stderr, "s4s-term build: unknown or incomplete argument '%s'\n", argv[i]);
            s4s_oom_pop(&hj);
            free_jobs(jobs);
            return 1;
        }
        jobs[nj].row = row;
        jobs[nj].kind = row ? row->build_flag : generic[k];
        jobs[nj].path = v;
        if (!strcmp(jobs[nj].kind, "--tsv")) {
            const char *eq = strchr(v, '=');
            /* SYSTEM_URI=FILE; a URI never ends in '=' but may contain it,
             * so split at the last '=' */
            if (eq) {
                eq = strrchr(v, '=');
                char *uri = s4s_xstrndup(v, (size_t)(eq - v));
                jobs[nj].uri = uri;
                jobs[nj].path = eq + 1;
            }
        }
        nj++;
    }
    int status = 0;
    if (!out || !nj) {
        build_usage();
        status = 1;
        goto done;
    }
    char err[S4S_ERRMSG] = "";
    s4s_tb *b;
    s4s_rc rc = s4s_tb_open(out, &b, err);
    if (rc == S4S_OK) /* out of memory in an import leaves the old cache too */
        s4s_oom_push(&hb, b, abort_build);
    for (size_t j = 0; rc == S4S_OK && j < nj; j++) {
        const char *k = jobs[j].kind, *p = jobs[j].path;
        rc = jobs[j].row              ? jobs[j].row->import(b, p, err)
           : !strcmp(k, "--genes")    ? s4s_import_genes(b, p, err)
           : !strcmp(k, "--refseq")   ? s4s_import_refseq(b, p, err)
                                      : s4s_import_tsv(b, jobs[j].uri, p, err);
        if (rc != S4S_OK) {
            s4s_oom_pop(&hb);
            s4s_tb_abort(b);
        }
    }
    if (rc == S4S_OK) {
        s4s_oom_pop(&hb);
        rc = s4s_tb_commit(b, err);
    }
    if (rc != S4S_OK) {
        fprintf(stderr, "s4s-term build: %s\n", err[0] ? err : s4s_rc_str(rc));
        fprintf(stderr, "s4s-term build: %s left unchanged\n", out);
        status = exit_of(rc);
    }
done:
    s4s_oom_pop(&hj);
    free_jobs(jobs);
    return status;
}

/* --- lookup and info ---------------------------------------------------------- */

static s4s_term *open_db(const char *cmd, const char *db)
{
    s4s_term *t;
    s4s_rc rc = s4s_term_open(db, &t);
    if (rc != S4S_OK) {
        fprintf(stderr, "s4s-term %s: cannot open %s: %s\n", cmd, db ? db : "the embedded cache", s4s_rc_str(rc));
        return NULL;
    }
    return t;
}

/* HGNC: an id names its symbol and a symbol its id. */
static void gene_keys(s4s_jw *w, s4s_term *t, const char *query)
{
    s4s_gene_result g;
    if (s4s_term_gene(t, query, &g) != S4S_OK)
        memset(&g, 0, sizeof g);
    s4s_jw_kstr(w, "hgnc_id", g.hgnc_id);
    s4s_jw_kstr(w, "symbol", g.symbol);
}

int s4s_term_cmd_lookup(int argc, char **argv)
{
    const char *db = NULL;
    int i = 1;
    for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
        const char *v = opt_val(argc, argv, &i, "--db");
        if (!v) {
            fprintf(stderr, "s4s-term lookup: unknown option '%s'\n", argv[i]);
            return 1;
        }
        db = v;
    }
    if (argc - i < 2) {
        fprintf(stderr, "usage: s4s-term lookup [--db FILE.db] SYSTEM CODE...\n");
        return 1;
    }
    const char *sys = argv[i++];
    const char *canon = s4s_system_canonical(sys);
    s4s_term *t = open_db("lookup", db);
    if (!t)
        return 2;
    int status = 0;
    s4s_jw w;
    s4s_jw_init(&w, stdout);
    s4s_oom_hold ht, hw;
    s4s_oom_push(&ht, t, close_term);
    s4s_oom_push(&hw, &w.b, s4s_buf_drop);
    for (; i < argc; i++) {
        s4s_term_result r;
        s4s_rc rc = s4s_term_lookup(t, sys, argv[i], &r);
        if (rc != S4S_OK) {
            fprintf(stderr, "s4s-term lookup: %s: %s\n", argv[i], s4s_rc_str(rc));
            status = 2;
            break;
        }
        bool found = r.status != S4S_TS_NOT_FOUND && r.status != S4S_TS_NOT_LOADED;
        s4s_jw_obj(&w);
        s4s_jw_kstr(&w, "system", canon ? canon : sys);
        s4s_jw_kstr(&w, "code", argv[i]);
        s4s_jw_kbool(&w, "found", found);
        s4s_jw_kstr(&w, "status", s4s_term_status_str(r.status));
        s4s_jw_kstr(&w, "display", r.display);
        s4s_jw_kstr(&w, "replaced_by", r.replaced_by);
        if (canon && !strcmp(canon, s4s_sys_uri(S4S_SYS_HGNC)))
            gene_keys(&w, t, argv[i]);
        s4s_jw_obj_end(&w);
        if (!s4s_jw_line(&w)) {
            status = 2;
            break;
        }
        s4s_term_table_info ti;
        if (r.status == S4S_TS_NOT_LOADED)
            fprintf(stderr, "s4s-term lookup: %s %s: %s\n", canon ? canon : sys, argv[i],
                    s4s_term_table(t, sys, &ti) ? "not loaded (outside the table's code space or sample)"
                                                : "system not loaded");
        if (!found && !status)
            status = 3;
    }
    s4s_oom_pop(&hw);
    s4s_oom_pop(&ht);
    s4s_jw_done(&w);
    s4s_term_close(t);
    return status;
}

static void info_row(const s4s_term_sysinfo *si, void *ctx)
{
    s4s_jw *w = ctx;
    s4s_jw_obj(w);
    s4s_jw_kstr(w, "system", si->uri);
    s4s_jw_kstr(w, "version", si->version);
    s4s_jw_key(w, "concepts");
    s4s_jw_int(w, si->concepts);
    if (si->genes || si->refseq) {
        s4s_jw_key(w, "gene_names");
        s4s_jw_int(w, si->genes);
        s4s_jw_key(w, "refseq_accessions");
        s4s_jw_int(w, si->refseq);
    }
    s4s_jw_kbool(w, "complete", si->complete);
    if (si->not_covered)
        s4s_jw_kstr(w, "not_covered", si->not_covered);
    s4s_jw_kstr(w, "source", si->source);
    s4s_jw_kstr(w, "loaded", si->loaded);
    s4s_jw_kstr(w, "licence", si->licence);
    s4s_jw_kstr(w, "aliases", si->aliases);
    s4s_jw_obj_end(w);
    s4s_jw_line(w);
}

int s4s_term_cmd_info(int argc, char **argv)
{
    const char *db = NULL;
    for (int i = 1; i < argc; i++) {
        const char *v = opt_val(argc, argv, &i, "--db");
        if (!v) {
            fprintf(stderr, "usage: s4s-term info [--db FILE.db]\n");
            return 1;
        }
        db = v;
    }
    s4s_term *t = open_db("info", db);
    if (!t)
        return 2;
    s4s_jw w;
    s4s_jw_init(&w, stdout);
    s4s_oom_hold ht, hw;
    s4s_oom_push(&ht, t, close_term);
    s4s_oom_push(&hw, &w.b, s4s_buf_drop);
    s4s_jw_obj(&w);
    s4s_jw_kstr(&w, "cache", s4s_term_source(t));
    s4s_jw_obj_end(&w);
    s4s_jw_line(&w);
    s4s_rc rc = s4s_term_systems(t, info_row, &w);
    /* systems of the code-system table without a table here: syntax only */
    for (size_t i = 0; rc == S4S_OK && s4s_system_at(i); i++) {
        const s4s_system *row = s4s_system_at(i);
        s4s_term_table_info ti;
        if (s4s_term_table(t, row->uri, &ti))
            continue;
        s4s_jw_obj(&w);
        s4s_jw_kstr(&w, "system", row->uri);
        s4s_jw_kstr(&w, "name", row->name);
        s4s_jw_kbool(&w, "loaded", false);
        s4s_jw_kstr(&w, "syntax", row->pattern);
        s4s_jw_obj_end(&w);
        s4s_jw_line(&w);
    }
    s4s_oom_pop(&hw);
    s4s_oom_pop(&ht);
    s4s_jw_done(&w);
    s4s_term_close(t);
    if (rc != S4S_OK) {
        fprintf(stderr, "s4s-term info: %s\n", s4s_rc_str(rc));
        return 2;
    }
    return 0;
}

/* --- coverage diff ------------------------------------------------------------ */

/* The coverage TSV (rules/codes.c writes it): level, system, code, status,
 * then the counters.  `unknown` rows repeat `code` rows and are skipped. */
#define COV_MAX_ROWS (4u << 20)
#define COV_NUM 8
static const char *const cov_cols[4 + COV_NUM] = {"level", "system", "code", "status", "codings", "distinct",
                                                  "found", "not_found", "deprecated", "repaired",
                                                  "syntax_invalid", "not_loaded"};

typedef struct cov_row {
    char *key;     /* level \t system \t code */
    char *status;
    long long n[COV_NUM];
} cov_row;

typedef struct cov {
    cov_row *r;
    size_t   n, cap;
} cov;

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const cov_row *)a)->key, ((const cov_row *)b)->key);
}

static void cov_free(cov *c)
{
    for (size_t i = 0; i < c->n; i++) {
        free(c->r[i].key);
        free(c->r[i].status);
    }
    free(c->r);
}

static void release_cov(void *c) { cov_free(c); }

static s4s_rc cov_read(const char *path, cov *c, char *err)
{
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '\t', false, err);
    if (rc != S4S_OK)
        return rc;
    int got, idx[4 + COV_NUM];
    /* skip '#' comment lines, then the header */
    while ((got = s4s_rd_next(&r)) > 0 && r.rec.p[0] == '#')
        ;
    if (got <= 0) {
        rc = got < 0 ? S4S_ERR_FORMAT : s4s_rd_fail(&r, 0, "empty coverage file");
        goto out;
    }
    for (size_t k = 0; k < 4 + COV_NUM; k++)
        if ((idx[k] = s4s_rd_find(&r, cov_cols[k])) < 0) {
            rc = s4s_rd_fail(&r, 0, "not a coverage report: no '%s' column", cov_cols[k]);
            goto out;
        }
    size_t want = r.nf;
    while ((got = s4s_rd_next(&r)) > 0) {
        if (r.nf != want) {
            rc = s4s_rd_fail(&r, r.nf < want ? r.nf - 1 : want, "expected %zu fields, found %zu", want, r.nf);
            goto out;
        }
        if (!strcmp(r.f[idx[0]], "unknown"))
            continue;
        if (c->n == COV_MAX_ROWS) {
            rc = s4s_rd_fail(&r, 0, "more than %u rows", COV_MAX_ROWS);
            goto out;
        }
        if (c->n == c->cap) {
            c->cap = c->cap ? c->cap * 2 : 256;
            c->r = s4s_xrealloc(c->r, c->cap * sizeof *c->r);
        }
        cov_row *row = &c->r[c->n];
        /* not counted yet, so held until it is (alloc.h) */
        row->key = row->status = NULL;
        s4s_oom_hold hk, hs;
        s4s_oom_push(&hk, &row->key, s4s_free_at);
        s4s_oom_push(&hs, &row->status, s4s_free_at);
        size_t kl = strlen(r.f[idx[0]]) + strlen(r.f[idx[1]]) + strlen(r.f[idx[2]]) + 3;
        row->key = s4s_xmalloc(kl);
        snprintf(row->key, kl, "%s\t%s\t%s", r.f[idx[0]], r.f[idx[1]], r.f[idx[2]]);
        row->status = s4s_xstrdup(r.f[idx[3]]);
        s4s_oom_pop(&hs);
        s4s_oom_pop(&hk);
        for (int k = 0; k < COV_NUM; k++) {
            char *end;
            row->n[k] = strtoll(r.f[idx[4 + k]], &end, 10);
            if (*end || end == r.f[idx[4 + k]]) {
                free(row->key);
                free(row->status);
                rc = s4s_rd_fail(&r, (size_t)idx[4 + k], "'%s' is not a count", r.f[idx[4 + k]]);
                goto out;
            }
        }
        c->n++;
    }
    if (got < 0)
        rc = S4S_ERR_FORMAT;
    qsort(c->r, c->n, sizeof *c->r, row_cmp);
out:
    s4s_rd_close(&r);
    return rc;
}

static void diff_row(const cov_row *a, const cov_row *b, unsigned long *changed)
{
    const cov_row *k = a ? a : b;
    bool any = false;
    if (strcmp(a ? a->status : "-", b ? b->status : "-")) {
        printf("%s\tstatus\t%s\t%s\t\n", k->key, a ? a->status : "-", b ? b->status : "-");
        any = true;
    }
    for (int i = 0; i < COV_NUM; i++) {
        long long x = a ? a->n[i] : 0, y = b ? b->n[i] : 0;
        if (x != y) {
            printf("%s\t%s\t%lld\t%lld\t%+lld\n", k->key, cov_cols[4 + i], x, y, y - x);
            any = true;
        }
    }
    *changed += any;
}

int s4s_term_cmd_coverage(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: s4s-term coverage A.tsv B.tsv\n");
        return 1;
    }
    cov a = {0}, b = {0};
    char err[S4S_ERRMSG] = "";
    s4s_oom_hold ha, hb; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&ha, &a, release_cov);
    s4s_oom_push(&hb, &b, release_cov);
    s4s_rc rc = cov_read(argv[1], &a, err);
    if (rc == S4S_OK)
        rc = cov_read(argv[2], &b, err);
    s4s_oom_pop(&hb);
    s4s_oom_pop(&ha);
    if (rc != S4S_OK) {
        fprintf(stderr, "s4s-term coverage: %s\n", err);
        cov_free(&a);
        cov_free(&b);
        return exit_of(rc);
    }
    printf("level\tsystem\tcode\tcolumn\ta\tb\tdelta\n");
    unsigned long changed = 0;
    size_t i = 0, j = 0;
    while (i < a.n || j < b.n) {
        int c = i == a.n ? 1 : j == b.n ? -1 : strcmp(a.r[i].key, b.r[j].key);
        if (c == 0)
            diff_row(&a.r[i++], &b.r[j++], &changed);
        else if (c < 0)
            diff_row(&a.r[i++], NULL, &changed);
        else
            diff_row(NULL, &b.r[j++], &changed);
    }
    fprintf(stderr, "s4s-term coverage: %lu of %zu/%zu rows differ\n", changed, a.n, b.n);
    cov_free(&a);
    cov_free(&b);
    return 0;
}
