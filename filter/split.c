/*
 * split.c - one output file per resource type (see split.h).
 *
 * Invariants: a type's file is created (truncated) the first time the type
 * is seen and only appended to afterwards, so reopening after an LRU close
 * keeps what was written; at most S4S_SPLIT_MAX_OPEN handles are open; the
 * first error is kept and every later call returns it.
 */
#include "split.h"
#include "base/alloc.h"
#include "base/hash.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define TYPE_MAX 64

typedef struct entry {
    char     *path;
    char     *type;     /* the file's key: the type, or "_unknown" */
    FILE     *f;        /* plain, when open */
    gzFile    gz;       /* gzip, when open */
    uint64_t  used;     /* tick of the last write, for LRU */
} entry;

struct s4s_split {
    char     *dir;
    bool      gzip;
    entry    *e;
    size_t    n, cap;
    s4s_hidx  idx;
    size_t    n_open;
    uint64_t  tick;
    entry    *last;     /* consecutive resources are often of one type */
    s4s_rc    rc;
    char      err[512];
};

static bool eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    const s4s_split *s = ctx;
    return strlen(s->e[i].type) == klen && !memcmp(s->e[i].type, key, klen);
}

static bool plain_name(const char *t)
{
    size_t n = 0;
    if (!t || !((*t >= 'A' && *t <= 'Z') || (*t >= 'a' && *t <= 'z')))
        return false;
    for (; t[n]; n++)
        if (n >= TYPE_MAX || !((t[n] >= 'A' && t[n] <= 'Z') || (t[n] >= 'a' && t[n] <= 'z') ||
                               (t[n] >= '0' && t[n] <= '9')))
            return false;
    return true;
}

static s4s_rc failed(s4s_split *s, const char *path, const char *what, int err)
{
    if (!s->rc) {
        snprintf(s->err, sizeof s->err, "%s: %s: %s", path, what, strerror(err));
        s->rc = S4S_ERR_IO;
    }
    return s->rc;
}

s4s_rc s4s_split_new(const char *dir, bool gzip, s4s_split **out)
{
    s4s_split *s = s4s_xcalloc(1, sizeof *s);
    *out = s;
    s->dir = s4s_xstrdup(dir);
    s->gzip = gzip;
    s4s_hidx_init(&s->idx, 64);
    if (mkdir(dir, 0777) && errno != EEXIST)
        return failed(s, dir, "cannot create directory", errno);
    struct stat sb;
    if (stat(dir, &sb) || !S_ISDIR(sb.st_mode))
        return failed(s, dir, "not a directory", errno ? errno : ENOTDIR);
    return S4S_OK;
}

static s4s_rc close_entry(s4s_split *s, entry *e)
{
    int bad = 0, err = 0;
    if (e->f) {
        bad = fclose(e->f);
        err = errno;
        e->f = NULL;
    } else if (e->gz) {
        bad = gzclose(e->gz) != Z_OK;
        err = errno ? errno : EIO;
        e->gz = NULL;
    } else {
        return S4S_OK;
    }
    s->n_open--;
    return bad ? failed(s, e->path, "write error", err) : S4S_OK;
}

static entry *find(s4s_split *s, const char *key)
{
    size_t kl = strlen(key);
    uint64_t h = s4s_hash(key, kl, S4S_HASH_SEED);
    int64_t i = s4s_hidx_find(&s->idx, h, eq, s, key, kl);
    if (i >= 0)
        return &s->e[i];
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 32;
        s->e = s4s_xrealloc(s->e, s->cap * sizeof *s->e);
    }
    entry *e = &s->e[s->n];
    memset(e, 0, sizeof *e);
    e->type = s4s_xstrdup(key);
    size_t pl = strlen(s->dir) + kl + 16;
    e->path = s4s_xmalloc(pl);
    snprintf(e->path, pl, "%s/%s.ndjson%s", s->dir, key, s->gzip ? ".gz" : "");
    s4s_hidx_add(&s->idx, h, (uint32_t)s->n);
    s->n++;
    s->last = NULL; /* the array may have moved */
    return e;
}

static s4s_rc open_entry(s4s_split *s, entry *e)
{
    if (s->n_open >= S4S_SPLIT_MAX_OPEN) {
        entry *lru = NULL;
        for (size_t i = 0; i < s->n; i++)
            if ((s->e[i].f || s->e[i].gz) && (!lru || s->e[i].used < lru->used))
                lru = &s->e[i];
        if (lru && close_entry(s, lru))
            return s->rc;
    }
    /* first use truncates; a reopen after an LRU close appends */
    bool again = e->used != 0;
    if (s->gzip)
        e->gz = gzopen(e->path, again ? "ab" : "wb");
    else
        e->f = fopen(e->path, again ? "a" : "w");
    if (!e->f && !e->gz)
        return failed(s, e->path, "cannot open", errno ? errno : ENOMEM);
    s->n_open++;
    return S4S_OK;
}

s4s_rc s4s_split_put(s4s_split *s, const char *type, const char *line, size_t n)
{
    if (s->rc)
        return s->rc;
    const char *key = plain_name(type) ? type : "_unknown";
    entry *e = s->last && !strcmp(s->last->type, key) ? s->last : find(s, key);
    if (!e->f && !e->gz && open_entry(s, e))
        return s->rc;
    e->used = ++s->tick;
    s->last = e;
    errno = 0;
    if (e->f ? fwrite(line, 1, n, e->f) != n
             : gzwrite(e->gz, line, (unsigned)n) != (int)n)
        return failed(s, e->path, "write error", errno ? errno : EIO);
    return S4S_OK;
}

s4s_rc s4s_split_close(s4s_split *s)
{
    for (size_t i = 0; i < s->n; i++)
        close_entry(s, &s->e[i]);
    return s->rc;
}

const char *s4s_split_errmsg(const s4s_split *s) { return s->err; }

void s4s_split_free(s4s_split *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++) {
        if (s->e[i].f)
            fclose(s->e[i].f);
        if (s->e[i].gz)
            gzclose(s->e[i].gz);
        free(s->e[i].path);
        free(s->e[i].type);
    }
    free(s->e);
    s4s_hidx_free(&s->idx);
    free(s->dir);
    free(s);
}
