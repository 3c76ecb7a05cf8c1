/*
 * import_cvx.c - the CDC CVX table (cvx.txt, pipe-delimited).
 *
 * Columns: CVX code | short description | full vaccine name | notes |
 * status | [nonvaccine | last updated ...].  No quoting; values are often
 * padded with spaces (trimmed here); an optional header row is skipped.
 * Status Active, Non-US, Pending -> active; Inactive -> inactive (a valid
 * historical code); Never Active -> retired (never to be used).  Invariant: the code is 1-3 digits and the status known, else
 * an error naming file, line and column.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "term_build.h"

static const char licence[] = "CVX from the U.S. CDC (IIS standards); public domain";

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

typedef struct cvx {
    s4s_tb   *b;
    long long sys;
    bool      first;   /* the next record is the file's first */
} cvx;

static s4s_rc cvx_row(s4s_rd *r, void *ctx)
{
    cvx *x = ctx;
    char *code = trim(r->f[0]);
    bool first = x->first;
    x->first = false;
    if (first && !strncasecmp(code, "cvx", 3))
        return S4S_OK; /* header row */
    if (r->nf < 5)
        return s4s_rd_fail(r, r->nf - 1, "expected at least 5 '|'-separated fields, found %zu", r->nf);
    if (!s4s_cvx_valid(code))
        return s4s_rd_fail(r, 0, "'%s' is not a CVX code (1-3 digits)", code);
    char *st = trim(r->f[4]);
    const char *status = !strcasecmp(st, "Active") || !strcasecmp(st, "Non-US") || !strcasecmp(st, "Pending")
                             ? "active"
                         : !strcasecmp(st, "Inactive")     ? "inactive"
                         : !strcasecmp(st, "Never Active") ? "retired"
                                                           : NULL;
    if (!status)
        return s4s_rd_fail(r, 4, "unknown CVX status '%s'", st);
    const char *shortd = trim(r->f[1]), *full = trim(r->f[2]);
    s4s_rc rc = s4s_tb_concept(x->b, x->sys, code, status, shortd, NULL, NULL, NULL);
    if (rc == S4S_ERR_INVALID)
        return s4s_rd_fail(r, 0, "duplicate CVX code '%s'", code);
    if (rc == S4S_OK && *full && strcmp(full, shortd))
        rc = s4s_tb_designation(x->b, x->sys, code, full);
    return s4s_rd_db(r, rc);
}

s4s_rc s4s_import_cvx(s4s_tb *b, const char *path, char *err)
{
    s4s_rd r;
    s4s_rc rc = s4s_rd_open(&r, path, '|', false, err);
    if (rc != S4S_OK)
        return rc;
    cvx x = {.b = b, .first = true};
    if ((rc = s4s_tb_system(b, s4s_sys_uri(S4S_SYS_CVX), NULL, path, licence, true, &x.sys, err)) == S4S_OK)
        rc = s4s_rd_each(&r, 0, cvx_row, &x);
    s4s_rd_close(&r);
    return rc;
}
