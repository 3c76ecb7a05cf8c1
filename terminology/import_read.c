/*
 * import_read.c - the record reader every importer uses: delimited text
 * (CSV with quotes, TSV, pipe-delimited RRF), plain or gzip, LF or CRLF;
 * the header lookup, field-count check and record walk built on it; and the
 * path helpers the importers use to find their files.
 *
 * Invariants: a record is at most REC_MAX bytes (longer is an error, not a
 * bigger buffer); a quoted field may span lines and "" is a literal quote;
 * after a closing quote only the delimiter or the end of the record may
 * follow.  Every error names path, line and column.
 */
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../filter/base/alloc.h"
#include "term_build.h"

#define REC_MAX (4u << 20)
#define CHUNK   65536

static void release(void *p);

s4s_rc s4s_rd_open(s4s_rd *r, const char *path, char delim, bool quotes, char *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    r->delim = delim;
    r->quotes = quotes;
    r->err = err;
    r->next_line = 1;
    if (!s4s_is_file(path)) {
        snprintf(err, S4S_ERRMSG, "%s: not a readable file", path);
        return S4S_ERR_IO;
    }
    r->gz = gzopen(path, "rb");
    if (!r->gz) {
        snprintf(err, S4S_ERRMSG, "%s: cannot open", path);
        return S4S_ERR_IO;
    }
    gzbuffer(r->gz, 1 << 17);
    s4s_buf_init(&r->rec, REC_MAX);
    s4s_buf_init(&r->val, 2 * (size_t)REC_MAX + 64); /* fields + one NUL each */
    s4s_oom_push(&r->hold, r, release);
    return S4S_OK;
}

void s4s_rd_close(s4s_rd *r)
{
    s4s_oom_pop(&r->hold);
    release(r);
}

static void release(void *p)
{
    s4s_rd *r = p;
    if (r->gz)
        gzclose(r->gz);
    r->gz = NULL;
    s4s_buf_free(&r->rec);
    s4s_buf_free(&r->val);
    free(r->off);
    free(r->col);
    free(r->f);
    r->off = r->col = NULL;
    r->f = NULL;
}

s4s_rc s4s_rd_fail(s4s_rd *r, size_t field, const char *fmt, ...)
{
    char msg[S4S_ERRMSG / 2];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    size_t col = field < r->nf ? r->col[field] : 1;
    snprintf(r->err, S4S_ERRMSG, "%s:%lu:%zu: %s", r->path, r->line, col, msg);
    return S4S_ERR_FORMAT;
}

/* Append one physical line (without its line end) to rec.
 * 1 = got a line, 0 = EOF, -1 = error. */
static int read_line(s4s_rd *r)
{
    char chunk[CHUNK];
    bool any = false;
    for (;;) {
        if (!gzgets(r->gz, chunk, sizeof chunk)) {
            int e;
            gzerror(r->gz, &e);
            if (e != Z_OK && e != Z_STREAM_END) {
                snprintf(r->err, S4S_ERRMSG, "%s:%lu:1: read error (corrupt gzip?)", r->path, r->next_line);
                return -1;
            }
            if (any)
                r->next_line++;
            return any ? 1 : 0;
        }
        any = true;
        size_t n = strlen(chunk);
        bool eol = n > 0 && chunk[n - 1] == '\n';
        if (eol)
            n--;
        if (!s4s_buf_put(&r->rec, chunk, n)) {
            snprintf(r->err, S4S_ERRMSG, "%s:%lu:1: record longer than %u bytes", r->path, r->next_line, REC_MAX);
            return -1;
        }
        if (eol) {
            if (r->rec.len && r->rec.p[r->rec.len - 1] == '\r')
                r->rec.len--;
            r->next_line++;
            return 1;
        }
    }
}

static void add_field(s4s_rd *r, size_t off, size_t col)
{
    if (r->nf == r->capf) {
        r->capf = r->capf ? r->capf * 2 : 32;
        r->off = s4s_xrealloc(r->off, r->capf * sizeof *r->off);
        r->col = s4s_xrealloc(r->col, r->capf * sizeof *r->col);
        r->f = s4s_xrealloc(r->f, r->capf * sizeof *r->f);
    }
    r->off[r->nf] = off;
    r->col[r->nf] = col;
    r->nf++;
}

/* Split rec into fields.  1 = done, 0 = a quote is still open, -1 = error. */
static int split(s4s_rd *r)
{
    const char *p = r->rec.p, *end = p + r->rec.len;
    s4s_buf_clear(&r->val);
    r->nf = 0;
    for (;;) {
        size_t col = (size_t)(p - r->rec.p) + 1;
        add_field(r, r->val.len, col);
        if (r->quotes && p < end && *p == '"') {
            p++;
            for (;;) {
                if (p >= end)
                    return 0;
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        s4s_buf_putc(&r->val, '"');
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                s4s_buf_putc(&r->val, *p++);
            }
            if (p < end && *p != r->delim) {
                snprintf(r->err, S4S_ERRMSG, "%s:%lu:%zu: text after a closing quote", r->path, r->line,
                         (size_t)(p - r->rec.p) + 1);
                return -1;
            }
        } else {
            const char *d = memchr(p, r->delim, (size_t)(end - p));
            const char *fe = d ? d : end;
            s4s_buf_put(&r->val, p, (size_t)(fe - p));
            p = fe;
        }
        s4s_buf_putc(&r->val, '\0');
        if (p >= end)
            break;
        p++; /* the delimiter */
    }
    for (size_t i = 0; i < r->nf; i++)
        r->f[i] = r->val.p + r->off[i];
    return 1;
}

/* Offset of the first invalid UTF-8 byte in p[0..n), or n. */
static size_t utf8_bad(const unsigned char *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = p[i];
        size_t k;
        unsigned min;
        if (c < 0x80) {
            i++;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            k = 1, min = 0x80;
        } else if (c >= 0xE0 && c <= 0xEF) {
            k = 2, min = 0x800;
        } else if (c >= 0xF0 && c <= 0xF4) {
            k = 3, min = 0x10000;
        } else {
            return i;
        }
        unsigned cp = c & (0x3F >> k);
        for (size_t j = 1; j <= k; j++) {
            if (i + j >= n || (p[i + j] & 0xC0) != 0x80)
                return i;
            cp = (cp << 6) | (p[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return i;
        i += k + 1;
    }
    return n;
}

int s4s_rd_next(s4s_rd *r)
{
    for (;;) {
        s4s_buf_clear(&r->rec);
        r->line = r->next_line;
        int got = read_line(r);
        if (got <= 0)
            return got;
        if (r->rec.len == 0)
            continue; /* blank line */
        for (;;) {
            int s = split(r);
            if (s == 1) {
                size_t bad = utf8_bad((const unsigned char *)r->rec.p, r->rec.len);
                if (bad < r->rec.len) {
                    snprintf(r->err, S4S_ERRMSG, "%s:%lu:%zu: invalid UTF-8", r->path, r->line, bad + 1);
                    return -1;
                }
                return 1;
            }
            if (s < 0)
                return -1;
            /* an open quote: the field continues on the next line */
            if (!s4s_buf_putc(&r->rec, '\n')) {
                snprintf(r->err, S4S_ERRMSG, "%s:%lu:1: record longer than %u bytes", r->path, r->line, REC_MAX);
                return -1;
            }
            got = read_line(r);
            if (got < 0)
                return -1;
            if (got == 0) {
                snprintf(r->err, S4S_ERRMSG, "%s:%lu:%zu: unterminated quoted field", r->path, r->line,
                         r->nf ? r->col[r->nf - 1] : 1);
                return -1;
            }
        }
    }
}

int s4s_rd_find(const s4s_rd *r, const char *name)
{
    for (size_t i = 0; i < r->nf; i++)
        if (!strcmp(r->f[i], name))
            return (int)i;
    return -1;
}

s4s_rc s4s_rd_header(s4s_rd *r, const char *const *names, int *idx, size_t n, size_t nreq, const char *lacks)
{
    int got = s4s_rd_next(r);
    if (got < 0)
        return S4S_ERR_FORMAT;
    bool ok = got > 0;
    for (size_t k = 0; k < n; k++) {
        idx[k] = ok ? s4s_rd_find(r, names[k]) : -1;
        if (k < nreq && idx[k] < 0)
            ok = false;
    }
    return ok ? S4S_OK : s4s_rd_fail(r, 0, "%s", lacks);
}

s4s_rc s4s_rd_shape(s4s_rd *r, size_t want)
{
    if (r->nf != want)
        return s4s_rd_fail(r, r->nf < want ? r->nf - 1 : want, "expected %zu fields, found %zu", want, r->nf);
    return S4S_OK;
}

s4s_rc s4s_rd_db(s4s_rd *r, s4s_rc rc)
{
    if (rc != S4S_OK)
        snprintf(r->err, S4S_ERRMSG, "%s:%lu:1: database error", r->path, r->line);
    return rc;
}

s4s_rc s4s_rd_each(s4s_rd *r, size_t want, s4s_rd_row row, void *ctx)
{
    int got;
    while ((got = s4s_rd_next(r)) > 0) {
        s4s_rc rc = want ? s4s_rd_shape(r, want) : S4S_OK;
        if (rc == S4S_OK)
            rc = row(r, ctx);
        if (rc != S4S_OK)
            return rc;
    }
    return got < 0 ? S4S_ERR_FORMAT : S4S_OK;
}

/* --- paths ------------------------------------------------------------- */

bool s4s_is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

bool s4s_is_file(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *s4s_path_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    while (na > 1 && a[na - 1] == '/')
        na--;
    char *p = s4s_xmalloc(na + nb + 2);
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

char *s4s_path_dir(const char *path)
{
    const char *s = strrchr(path, '/');
    if (!s)
        return s4s_xstrdup(".");
    if (s == path)
        return s4s_xstrdup("/");
    return s4s_xstrndup(path, (size_t)(s - path));
}

char *s4s_first_file(const char *dir, const char *const *names)
{
    for (size_t i = 0; names[i]; i++) {
        char *p = s4s_path_join(dir, names[i]);
        if (s4s_is_file(p))
            return p;
        free(p);
    }
    return NULL;
}

s4s_rc s4s_source_file(const char *path, const char *const *names, const char *missing, char **out, char *err)
{
    if (!s4s_is_dir(path)) {
        *out = s4s_xstrdup(path);
        return S4S_OK;
    }
    *out = s4s_first_file(path, names);
    if (*out)
        return S4S_OK;
    snprintf(err, S4S_ERRMSG, "%s: no %s", path, missing);
    return S4S_ERR_IO;
}

static void close_dir(void *d) { closedir(d); }

char *s4s_find_file(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    if (!d)
        return NULL;
    char *best = NULL;
    size_t np = strlen(prefix);
    struct dirent *e;
    s4s_oom_hold hd, hb; /* the directory and the best name so far */
    s4s_oom_push(&hd, d, close_dir);
    s4s_oom_push(&hb, &best, s4s_free_at);
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, np))
            continue;
        char *full = s4s_path_join(dir, e->d_name);
        if (s4s_is_file(full) && (!best || strcmp(full, best) < 0)) {
            free(best);
            best = full;
        } else {
            free(full);
        }
    }
    s4s_oom_pop(&hb);
    s4s_oom_pop(&hd);
    closedir(d);
    return best;
}
