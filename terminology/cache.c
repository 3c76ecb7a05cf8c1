/*
 * cache.c - the run-time side of the terminology cache: open read-only,
 * look codes up, answer gene and RefSeq queries, compare displays.
 *
 * Invariants:
 * - The database is opened read-only: a file with immutable=1 (so many
 *   filters can share it and SQLite takes no locks) and mmap; the embedded
 *   image through sqlite3_deserialize(SQLITE_DESERIALIZE_READONLY).
 * - Strings handed out are interned in a per-handle set (one copy per
 *   distinct string), so they live until s4s_term_close() and memory is
 *   bounded by the distinct strings of the database, not by the input.
 * - The memo (codes already answered) always keeps found codes (bounded by
 *   the database) and keeps misses only while under MEMO_MISS_CAP entries.
 * - A handle is not thread-safe: one handle per thread.
 */
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/uchar.h>
#include <unicode/ustring.h>

#include "../filter/base/alloc.h"
#include "../filter/base/hash.h"
#include "term.h"

#define SCHEMA_VERSION 2
#define MEMO_MISS_CAP  (1u << 20)   /* misses remembered at most */
#define MMAP_BYTES     (256LL << 20)
#define DISPLAY_MAX    2048         /* UTF-16 units compared by the display check */

typedef struct tsys {
    const char *uri;          /* interned */
    const char *not_covered;  /* interned code prefixes outside the table, or NULL */
    const char *version;      /* interned, or NULL */
    long long   id;
    bool        complete;
} tsys;

typedef struct memo {
    const char     *code;  /* interned; NULL = empty slot */
    uint32_t        sys;   /* index into t->sys */
    uint64_t        h;
    s4s_term_result r;
} memo;

struct s4s_term {
    sqlite3      *db;
    char         *source;
    sqlite3_stmt *q_concept, *q_gene, *q_refseq, *q_desig;
    tsys         *sys;
    size_t        nsys;
    s4s_hidx      sys_idx;           /* uri -> index into sys */
    char          last_uri[256];     /* the caller's last system string ... */
    int           last_sys;          /* ... and its index (-1: not loaded) */
    memo         *memo;
    size_t        memo_cap, memo_n, memo_misses;
    char        **strs;              /* interned strings, owned */
    size_t        str_cap, str_n;
    s4s_hidx      str_idx;           /* string -> index into strs */
    int           gene_sys;          /* index of the HGNC system or -1 */
    bool          have_hgnc_ids, have_genes, have_refseq;
};

static const unsigned char *embedded_db;
static size_t embedded_len;

void s4s_term_set_embedded(const unsigned char *db, size_t len)
{
    embedded_db = db;
    embedded_len = len;
}

/* --- interning ------------------------------------------------------- */

static bool str_eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    (void)klen;
    return !strcmp(((const s4s_term *)ctx)->strs[i], key);
}

static const char *intern(s4s_term *t, const char *s)
{
    if (!s)
        return NULL;
    if (!t->str_idx.slots)
        s4s_hidx_init(&t->str_idx, 1024);
    uint64_t h = s4s_hash_str(s, S4S_HASH_SEED);
    int64_t i = s4s_hidx_find(&t->str_idx, h, str_eq, t, s, 0);
    if (i >= 0)
        return t->strs[i];
    if (t->str_n == t->str_cap) {
        size_t ncap = t->str_cap ? t->str_cap * 2 : 256;
        t->strs = s4s_xrealloc(t->strs, ncap * sizeof *t->strs);
        t->str_cap = ncap;
    }
    t->strs[t->str_n] = s4s_xstrdup(s);
    t->str_n++; /* owned before the index grows: close() frees it */
    s4s_hidx_add(&t->str_idx, h, (uint32_t)(t->str_n - 1));
    return t->strs[t->str_n - 1];
}

static const char *col_str(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* --- systems --------------------------------------------------------- */

static bool sys_eq(const void *ctx, uint32_t i, const void *key, size_t klen)
{
    (void)klen;
    return !strcmp(((const s4s_term *)ctx)->sys[i].uri, key);
}

static int sys_find(s4s_term *t, const char *uri)
{
    if (!t->sys_idx.slots)
        return -1;
    return (int)s4s_hidx_find(&t->sys_idx, s4s_hash_str(uri, S4S_HASH_SEED), sys_eq, t, uri, 0);
}

/* The loaded system for a caller's URI/alias/short name, or -1. */
static int sys_resolve(s4s_term *t, const char *uri)
{
    if (t->last_uri[0] && !strcmp(uri, t->last_uri))
        return t->last_sys;
    const char *canon = s4s_system_canonical(uri);
    int i = sys_find(t, canon ? canon : uri);
    /* copied, not interned: system strings come from the input */
    size_t n = strlen(uri);
    if (n < sizeof t->last_uri) {
        memcpy(t->last_uri, uri, n + 1);
        t->last_sys = i;
    }
    return i;
}

static void finalize(void *st) { sqlite3_finalize(st); }

static s4s_rc load_systems(s4s_term *t)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->db, "SELECT id, uri, complete, not_covered, version FROM systems ORDER BY id", -1, &st, NULL) != SQLITE_OK)
        return S4S_ERR_DB;
    size_t cap = 0;
    int rc;
    s4s_oom_hold h; /* an open statement would keep the database from closing */
    s4s_oom_push(&h, st, finalize);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (t->nsys == cap) {
            cap = cap ? cap * 2 : 64;
            t->sys = s4s_xrealloc(t->sys, cap * sizeof *t->sys);
        }
        t->sys[t->nsys].id = sqlite3_column_int64(st, 0);
        t->sys[t->nsys].uri = intern(t, col_str(st, 1));
        t->sys[t->nsys].complete = sqlite3_column_int(st, 2) != 0;
        t->sys[t->nsys].not_covered = intern(t, col_str(st, 3));
        t->sys[t->nsys].version = intern(t, col_str(st, 4));
        t->nsys++;
    }
    s4s_oom_pop(&h);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return S4S_ERR_DB;
    s4s_hidx_init(&t->sys_idx, t->nsys * 2);
    t->gene_sys = -1;
    for (size_t i = 0; i < t->nsys; i++) {
        s4s_hidx_add(&t->sys_idx, s4s_hash_str(t->sys[i].uri, S4S_HASH_SEED), (uint32_t)i);
        if (!strcmp(t->sys[i].uri, s4s_sys_uri(S4S_SYS_HGNC)))
            t->gene_sys = (int)i;
    }
    return S4S_OK;
}

static bool has_row(s4s_term *t, const char *sql)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) != SQLITE_OK)
        return false;
    bool r = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return r;
}

/* --- open/close ------------------------------------------------------ */

/* file:PATH?immutable=1 with the path percent-escaped where URIs need it. */
static char *file_uri(const char *path)
{
    size_t n = strlen(path);
    char *u = s4s_xmalloc(n * 3 + 32), *p = u;
    memcpy(p, "file:", 5);
    p += 5;
    for (const char *s = path; *s; s++) {
        if (*s == '%' || *s == '?' || *s == '#') {
            static const char hex[] = "0123456789ABCDEF";
            *p++ = '%';
            *p++ = hex[(unsigned char)*s >> 4];
            *p++ = hex[(unsigned char)*s & 15];
        } else {
            *p++ = *s;
        }
    }
    strcpy(p, "?immutable=1");
    return u;
}

static void release(void *t) { s4s_term_close(t); }

s4s_rc s4s_term_open(const char *path, s4s_term **out)
{
    *out = NULL;
    s4s_term *t = s4s_xcalloc(1, sizeof *t);
    s4s_oom_hold h; /* closed if an allocation fails before *out has it */
    s4s_oom_push(&h, t, release);
    t->last_sys = -1;
    s4s_rc rc = S4S_ERR_DB;
    if (path) {
        FILE *probe = fopen(path, "rb");
        if (!probe) {
            s4s_oom_pop(&h);
            free(t);
            return S4S_ERR_NOTFOUND;
        }
        fclose(probe);
        char *uri = file_uri(path);
        int src = sqlite3_open_v2(uri, &t->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX, NULL);
        free(uri);
        if (src != SQLITE_OK)
            goto fail;
        char pragma[64];
        snprintf(pragma, sizeof pragma, "PRAGMA mmap_size=%lld", MMAP_BYTES);
        sqlite3_exec(t->db, pragma, NULL, NULL, NULL);
        t->source = s4s_xstrdup(path);
    } else {
        if (!embedded_db || !embedded_len) {
            s4s_oom_pop(&h);
            free(t);
            return S4S_ERR_NOTFOUND;
        }
        if (sqlite3_open_v2(":memory:", &t->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK)
            goto fail;
        /* READONLY: SQLite never writes the (const) image. */
        if (sqlite3_deserialize(t->db, "main", (unsigned char *)(uintptr_t)embedded_db, (sqlite3_int64)embedded_len,
                                (sqlite3_int64)embedded_len, SQLITE_DESERIALIZE_READONLY) != SQLITE_OK)
            goto fail;
        t->source = s4s_xstrdup("embedded");
    }
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        goto fail;
    int ver = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
    sqlite3_finalize(st);
    if (ver != SCHEMA_VERSION) {
        rc = S4S_ERR_FORMAT;
        goto fail;
    }
    if (sqlite3_prepare_v3(t->db, "SELECT status, display, replaced_by, unit, property FROM concepts "
                           "WHERE system = ?1 AND code = ?2", -1, SQLITE_PREPARE_PERSISTENT, &t->q_concept, NULL) ||
        sqlite3_prepare_v3(t->db, "SELECT kind, symbol, hgnc_id FROM genes WHERE name = ?1 ORDER BY kind, symbol",
                           -1, SQLITE_PREPARE_PERSISTENT, &t->q_gene, NULL) ||
        sqlite3_prepare_v3(t->db, "SELECT symbol FROM refseq WHERE accession = ?1", -1,
                           SQLITE_PREPARE_PERSISTENT, &t->q_refseq, NULL) ||
        sqlite3_prepare_v3(t->db, "SELECT term FROM designations WHERE system = ?1 AND code = ?2", -1,
                           SQLITE_PREPARE_PERSISTENT, &t->q_desig, NULL))
        goto fail;
    if ((rc = load_systems(t)) != S4S_OK)
        goto fail;
    t->have_genes = has_row(t, "SELECT 1 FROM genes LIMIT 1");
    t->have_hgnc_ids = has_row(t, "SELECT 1 FROM genes WHERE hgnc_id IS NOT NULL LIMIT 1");
    t->have_refseq = has_row(t, "SELECT 1 FROM refseq LIMIT 1");
    s4s_oom_pop(&h);
    *out = t;
    return S4S_OK;
fail:
    s4s_oom_pop(&h);
    s4s_term_close(t);
    return rc;
}

void s4s_term_close(s4s_term *t)
{
    if (!t)
        return;
    sqlite3_finalize(t->q_concept);
    sqlite3_finalize(t->q_gene);
    sqlite3_finalize(t->q_refseq);
    sqlite3_finalize(t->q_desig);
    sqlite3_close(t->db);
    for (size_t i = 0; i < t->str_n; i++)
        free(t->strs[i]);
    free(t->strs);
    s4s_hidx_free(&t->str_idx);
    free(t->memo);
    free(t->sys);
    s4s_hidx_free(&t->sys_idx);
    free(t->source);
    free(t);
}

const char *s4s_term_source(const s4s_term *t)
{
    return t ? t->source : NULL;
}

/* --- look-up ---------------------------------------------------------- */

const char *s4s_term_status_str(s4s_term_status s)
{
    switch (s) {
    case S4S_TS_ACTIVE:     return "active";
    case S4S_TS_DEPRECATED: return "deprecated";
    case S4S_TS_RETIRED:    return "retired";
    case S4S_TS_INACTIVE:   return "inactive";
    case S4S_TS_TRIAL:      return "trial";
    case S4S_TS_DISCOURAGED: return "discouraged";
    case S4S_TS_NOT_FOUND:
    case S4S_TS_NOT_LOADED: break;
    }
    return NULL;
}

static s4s_term_status status_of(const char *s)
{
    if (!s)
        return S4S_TS_NOT_FOUND;
    if (!strcmp(s, "active"))
        return S4S_TS_ACTIVE;
    if (!strcmp(s, "deprecated"))
        return S4S_TS_DEPRECATED;
    if (!strcmp(s, "retired"))
        return S4S_TS_RETIRED;
    if (!strcmp(s, "inactive"))
        return S4S_TS_INACTIVE;
    if (!strcmp(s, "trial"))
        return S4S_TS_TRIAL;
    if (!strcmp(s, "discouraged"))
        return S4S_TS_DISCOURAGED;
    return S4S_TS_NOT_FOUND;
}

static memo *memo_slot(s4s_term *t, uint32_t sys, const char *code, uint64_t h)
{
    if (!t->memo_cap)
        return NULL;
    size_t j = h & (t->memo_cap - 1);
    while (t->memo[j].code) {
        if (t->memo[j].h == h && t->memo[j].sys == sys && !strcmp(t->memo[j].code, code))
            return &t->memo[j];
        j = (j + 1) & (t->memo_cap - 1);
    }
    return &t->memo[j];
}

static void memo_put(s4s_term *t, uint32_t sys, const char *code, uint64_t h, const s4s_term_result *r)
{
    bool miss = r->status == S4S_TS_NOT_FOUND;
    if (miss && t->memo_misses >= MEMO_MISS_CAP)
        return;
    if ((t->memo_n + 1) * 2 > t->memo_cap) {
        size_t ncap = t->memo_cap ? t->memo_cap * 2 : 4096;
        memo *old = t->memo;
        size_t ocap = t->memo_cap;
        t->memo = s4s_xcalloc(ncap, sizeof *t->memo);
        t->memo_cap = ncap;
        for (size_t i = 0; i < ocap; i++)
            if (old[i].code)
                *memo_slot(t, old[i].sys, old[i].code, old[i].h) = old[i];
        free(old);
    }
    memo *m = memo_slot(t, sys, code, h);
    m->code = intern(t, code);
    m->sys = sys;
    m->h = h;
    m->r = *r;
    t->memo_n++;
    t->memo_misses += miss;
}

/* Does code start with one of the system's not_covered prefixes? */
static bool uncovered(const tsys *s, const char *code)
{
    for (const char *p = s->not_covered; p && *p;) {
        size_t n = strcspn(p, " ");
        if (n && !strncmp(code, p, n))
            return true;
        p += n;
        p += *p == ' ';
    }
    return false;
}

static bool looks_hgnc_id(const char *code)
{
    return !strncmp(code, "HGNC:", 5);
}

/* A look-up that SQLite could not allocate for unwinds like our own
 * allocator (alloc.h): it must never read as "not found". */
static int step(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    if (rc == SQLITE_NOMEM) {
        sqlite3_reset(q);
        s4s_oom_raise();
    }
    return rc;
}

s4s_rc s4s_term_lookup(s4s_term *t, const char *system_uri, const char *code, s4s_term_result *res)
{
    memset(res, 0, sizeof *res);
    res->status = S4S_TS_NOT_LOADED;
    if (!t || !system_uri || !code)
        return S4S_ERR_USAGE;
    int si = sys_resolve(t, system_uri);
    if (si < 0)
        return S4S_OK;
    uint64_t h = s4s_hash_str(code, S4S_HASH_SEED ^ (uint64_t)si);
    memo *m = memo_slot(t, (uint32_t)si, code, h);
    if (m && m->code) {
        *res = m->r;
        return S4S_OK;
    }
    /* HGNC by symbol (or by id with only a symbol list loaded). */
    if (si == t->gene_sys && (!looks_hgnc_id(code) || !t->have_hgnc_ids)) {
        if (looks_hgnc_id(code)) {
            res->status = S4S_TS_NOT_LOADED;
            return S4S_OK;
        }
        s4s_gene_result g;
        s4s_rc rc = s4s_term_gene(t, code, &g);
        if (rc != S4S_OK)
            return rc;
        res->status = g.match == S4S_GENE_CURRENT ? S4S_TS_ACTIVE
                    : g.match == S4S_GENE_NONE    ? S4S_TS_NOT_FOUND
                                                  : S4S_TS_DEPRECATED;
        res->display = g.match == S4S_GENE_CURRENT ? g.symbol : NULL;
        res->replaced_by = g.match != S4S_GENE_CURRENT ? g.symbol : NULL;
        memo_put(t, (uint32_t)si, code, h, res);
        return S4S_OK;
    }
    sqlite3_stmt *q = t->q_concept;
    sqlite3_bind_int64(q, 1, t->sys[si].id);
    sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    int rc = step(q);
    if (rc == SQLITE_ROW) {
        res->status = status_of(col_str(q, 0));
        res->display = intern(t, col_str(q, 1));
        const char *rb = col_str(q, 2);
        res->replaced_by = rb && !strchr(rb, ' ') ? intern(t, rb) : NULL;
        res->unit = intern(t, col_str(q, 3));
        res->property = intern(t, col_str(q, 4));
    } else if (rc == SQLITE_DONE) {
        /* A miss in a sample table, or in a code space the table leaves
         * out, says nothing about the code. */
        res->status = t->sys[si].complete && !uncovered(&t->sys[si], code) ? S4S_TS_NOT_FOUND : S4S_TS_NOT_LOADED;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        res->status = S4S_TS_NOT_LOADED;
        return S4S_ERR_DB;
    }
    memo_put(t, (uint32_t)si, code, h, res);
    return S4S_OK;
}

bool s4s_term_table(s4s_term *t, const char *system_uri, s4s_term_table_info *out)
{
    memset(out, 0, sizeof *out);
    int si = t && system_uri ? sys_resolve(t, system_uri) : -1;
    if (si < 0)
        return false;
    out->version = t->sys[si].version;
    out->not_covered = t->sys[si].not_covered;
    out->complete = t->sys[si].complete;
    return true;
}

const char *s4s_term_completeness(bool complete, const char *not_covered, char *buf, size_t cap)
{
    if (!complete)
        return "partial";
    if (!not_covered || !*not_covered)
        return "complete";
    snprintf(buf, cap, "complete except codes starting %s", not_covered);
    return buf;
}

/* --- genes and RefSeq -------------------------------------------------- */

s4s_rc s4s_term_gene(s4s_term *t, const char *query, s4s_gene_result *res)
{
    memset(res, 0, sizeof *res);
    res->match = S4S_GENE_NOT_LOADED;
    if (!t || !query)
        return S4S_ERR_USAGE;
    if (!t->have_genes)
        return S4S_OK;
    res->match = S4S_GENE_NONE;
    if (looks_hgnc_id(query)) {
        if (!t->have_hgnc_ids) {
            res->match = S4S_GENE_NOT_LOADED;
            return S4S_OK;
        }
        /* ids live in concepts (code HGNC:n, display = symbol). */
        s4s_term_result r;
        if (t->gene_sys < 0)
            return S4S_OK;
        sqlite3_stmt *q = t->q_concept;
        sqlite3_bind_int64(q, 1, t->sys[t->gene_sys].id);
        sqlite3_bind_text(q, 2, query, -1, SQLITE_STATIC);
        int rc = step(q);
        if (rc == SQLITE_ROW) {
            r.status = status_of(col_str(q, 0));
            res->match = r.status == S4S_TS_ACTIVE ? S4S_GENE_CURRENT : S4S_GENE_PREVIOUS;
            res->hgnc_id = intern(t, query);
            res->symbol = intern(t, col_str(q, 1));
        }
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? S4S_OK : S4S_ERR_DB;
    }
    sqlite3_stmt *q = t->q_gene;
    sqlite3_bind_text(q, 1, query, -1, SQLITE_STATIC);
    int rc, best = 0;
    const char *sym = NULL, *id = NULL;
    bool ambiguous = false;
    while ((rc = step(q)) == SQLITE_ROW) {
        int kind = sqlite3_column_int(q, 0);
        const char *s = col_str(q, 1);
        if (!best) {
            best = kind;
            sym = intern(t, s);
            id = intern(t, col_str(q, 2));
        } else if (kind == best && strcmp(sym, s)) {
            ambiguous = true;
        } else if (kind != best) {
            break; /* rows are ordered by kind: a better match already won */
        }
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return S4S_ERR_DB;
    if (!best)
        return S4S_OK;
    if (ambiguous) {
        res->match = S4S_GENE_AMBIGUOUS;
        return S4S_OK;
    }
    res->match = best == 1 ? S4S_GENE_CURRENT : best == 2 ? S4S_GENE_PREVIOUS : S4S_GENE_ALIAS;
    res->symbol = sym;
    res->hgnc_id = id;
    return S4S_OK;
}

const char *s4s_term_refseq_gene(s4s_term *t, const char *accession)
{
    if (!t || !accession || !t->have_refseq)
        return NULL;
    char acc[64];
    size_t n = strcspn(accession, ".");
    if (n == 0 || n >= sizeof acc)
        return NULL;
    memcpy(acc, accession, n);
    acc[n] = '\0';
    sqlite3_stmt *q = t->q_refseq;
    sqlite3_bind_text(q, 1, acc, -1, SQLITE_STATIC);
    const char *sym = step(q) == SQLITE_ROW ? intern(t, col_str(q, 0)) : NULL;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return sym;
}

/* --- display check ------------------------------------------------------ */

/* NFC(fold(NFC(s))) with white space trimmed and each run made one space,
 * into out (UTF-16); false if too long or not UTF-8. */
static bool fold_key(const char *s, UChar *out, int32_t cap, int32_t *len)
{
    UErrorCode e = U_ZERO_ERROR;
    UChar a[DISPLAY_MAX], b[DISPLAY_MAX];
    int32_t n;
    u_strFromUTF8(a, DISPLAY_MAX, &n, s, -1, &e);
    if (U_FAILURE(e) || n >= DISPLAY_MAX)
        return false;
    const UNormalizer2 *nfc = unorm2_getNFCInstance(&e);
    if (U_FAILURE(e))
        return false;
    n = unorm2_normalize(nfc, a, n, b, DISPLAY_MAX, &e);
    if (U_FAILURE(e) || n >= DISPLAY_MAX)
        return false;
    n = u_strFoldCase(a, DISPLAY_MAX, b, n, U_FOLD_CASE_DEFAULT, &e);
    if (U_FAILURE(e) || n >= DISPLAY_MAX)
        return false;
    int32_t w = 0;
    for (int32_t i = 0; i < n; i++) {
        if (!u_isUWhiteSpace(a[i]))
            b[w++] = a[i];
        else if (w && !u_isUWhiteSpace(a[i + 1 < n ? i + 1 : i]) && i + 1 < n)
            b[w++] = ' ';
    }
    n = unorm2_normalize(nfc, b, w, out, cap, &e);
    if (U_FAILURE(e) || n >= cap)
        return false;
    *len = n;
    return true;
}

static bool same_text(const UChar *k, int32_t kn, const char *cand)
{
    UChar c[DISPLAY_MAX];
    int32_t cn;
    return cand && fold_key(cand, c, DISPLAY_MAX, &cn) && cn == kn && !memcmp(c, k, (size_t)kn * sizeof *k);
}

s4s_rc s4s_term_display_match(s4s_term *t, const char *system_uri, const char *code, const char *display,
                              bool *known, bool *match)
{
    *known = *match = false;
    s4s_term_result r;
    s4s_rc rc = s4s_term_lookup(t, system_uri, code, &r);
    if (rc != S4S_OK)
        return rc;
    if (!display)
        return S4S_ERR_USAGE;
    UChar k[DISPLAY_MAX];
    int32_t kn;
    if (!fold_key(display, k, DISPLAY_MAX, &kn))
        return S4S_ERR_LIMIT;
    if (r.display) {
        *known = true;
        if (same_text(k, kn, r.display)) {
            *match = true;
            return S4S_OK;
        }
    }
    int si = sys_resolve(t, system_uri);
    if (si < 0)
        return S4S_OK;
    sqlite3_stmt *q = t->q_desig;
    sqlite3_bind_int64(q, 1, t->sys[si].id);
    sqlite3_bind_text(q, 2, code, -1, SQLITE_STATIC);
    int src;
    while ((src = step(q)) == SQLITE_ROW) {
        *known = true;
        if (same_text(k, kn, col_str(q, 0))) {
            *match = true;
            break;
        }
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return src == SQLITE_ROW || src == SQLITE_DONE ? S4S_OK : S4S_ERR_DB;
}

/* --- info --------------------------------------------------------------- */

static long long count_of(s4s_term *t, const char *sql, long long id)
{
    sqlite3_stmt *st;
    long long n = 0;
    if (sqlite3_prepare_v2(t->db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return n;
}

s4s_rc s4s_term_systems(s4s_term *t, void (*fn)(const s4s_term_sysinfo *, void *), void *ctx)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(t->db, "SELECT id, uri, aliases, version, source, loaded, licence, complete, "
                           "not_covered FROM systems ORDER BY uri", -1, &st, NULL) != SQLITE_OK)
        return S4S_ERR_DB;
    int rc;
    bool hgnc_seen = false;
    s4s_oom_hold h; /* fn may allocate */
    s4s_oom_push(&h, st, finalize);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        s4s_term_sysinfo si = {0};
        long long id = sqlite3_column_int64(st, 0);
        si.uri = col_str(st, 1);
        si.aliases = col_str(st, 2);
        si.version = col_str(st, 3);
        si.source = col_str(st, 4);
        si.loaded = col_str(st, 5);
        si.licence = col_str(st, 6);
        si.complete = sqlite3_column_int(st, 7) != 0;
        si.not_covered = col_str(st, 8);
        si.concepts = count_of(t, "SELECT count(*) FROM concepts WHERE system = ?1", id);
        /* genes and RefSeq belong to the HGNC system row */
        if (!hgnc_seen && !strcmp(si.uri, s4s_sys_uri(S4S_SYS_HGNC))) {
            hgnc_seen = true;
            si.genes = count_of(t, "SELECT count(*) FROM genes WHERE ?1 = ?1", 0);
            si.refseq = count_of(t, "SELECT count(*) FROM refseq WHERE ?1 = ?1", 0);
        }
        fn(&si, ctx);
    }
    s4s_oom_pop(&h);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? S4S_OK : S4S_ERR_DB;
}
