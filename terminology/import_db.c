/*
 * import_db.c - writes a terminology cache: schema, rows, indexes, atomic rename.
 *
 * Invariants: rows go to OUT.tmp-PID in one transaction (journal off: the
 * temp file is disposable); OUT is replaced only by rename() after
 * everything succeeded, so readers never see a half-built cache and a failed
 * build leaves the old one untouched.  The schema is terminology/schema.sql
 * itself, assembled into the library (.incbin), so the documented schema and
 * the one executed cannot drift.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../filter/base/alloc.h"
#include "term_build.h"

/* terminology/schema.sql, NUL-terminated (paths are relative to the repo
 * root, where make runs the compiler; cache.mk adds the dependency). */
__asm__(".section .rodata\n"
        ".global s4s_schema_sql\n"
        ".type s4s_schema_sql, @object\n"
        "s4s_schema_sql:\n"
        ".incbin \"terminology/schema.sql\"\n"
        ".byte 0\n"
        ".previous\n");
extern const char s4s_schema_sql[];

enum { Q_SYS, Q_CONCEPT, Q_REPL, Q_DISPLAY, Q_DESIG, Q_GENE, Q_REFSEQ, Q_HAS, NQ };

static const char *const sql_q[NQ] = {
    [Q_SYS] = "INSERT INTO systems(uri, version, source, loaded, licence, complete, aliases) "
              "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_CONCEPT] = "INSERT INTO concepts(system, code, status, display, replaced_by, unit, property) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    [Q_REPL] = "UPDATE concepts SET replaced_by = CASE WHEN replaced_by IS NULL THEN ?3 "
               "WHEN instr(' ' || replaced_by || ' ', ' ' || ?3 || ' ') THEN replaced_by "
               "ELSE replaced_by || ' ' || ?3 END WHERE system = ?1 AND code = ?2",
    [Q_DISPLAY] = "UPDATE concepts SET display = ?3 WHERE system = ?1 AND code = ?2",
    [Q_DESIG] = "INSERT OR IGNORE INTO designations(system, code, term) VALUES (?1, ?2, ?3)",
    [Q_GENE] = "INSERT INTO genes(name, kind, symbol, hgnc_id) VALUES (?1, ?2, ?3, ?4)",
    [Q_REFSEQ] = "INSERT OR IGNORE INTO refseq(accession, symbol) VALUES (?1, ?2)",
    [Q_HAS] = "SELECT 1 FROM concepts WHERE system = ?1 AND code = ?2",
};

struct s4s_tb {
    sqlite3      *db;
    char         *out, *tmp;
    sqlite3_stmt *q[NQ];
    char          today[16];
};

sqlite3 *s4s_tb_db(s4s_tb *b) { return b->db; }

static void tb_free(s4s_tb *b)
{
    for (int i = 0; i < NQ; i++)
        sqlite3_finalize(b->q[i]);
    sqlite3_close(b->db);
    free(b->out);
    free(b->tmp);
    free(b);
}

static void release(void *b) { tb_free(b); }

void s4s_tb_abort(s4s_tb *b)
{
    if (!b)
        return;
    for (int i = 0; i < NQ; i++) {
        sqlite3_finalize(b->q[i]);
        b->q[i] = NULL;
    }
    sqlite3_close(b->db);
    b->db = NULL;
    unlink(b->tmp);
    tb_free(b);
}

s4s_rc s4s_tb_exec(s4s_tb *b, const char *sql, char *err)
{
    char *msg = NULL;
    if (sqlite3_exec(b->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        if (err)
            snprintf(err, S4S_ERRMSG, "%s: sqlite: %s", b->tmp, msg ? msg : "error");
        sqlite3_free(msg);
        return S4S_ERR_DB;
    }
    return S4S_OK;
}

s4s_rc s4s_tb_open(const char *out_path, s4s_tb **out, char *err)
{
    *out = NULL;
    s4s_tb *b = s4s_xcalloc(1, sizeof *b);
    s4s_oom_hold h; /* freed if a name cannot be copied */
    s4s_oom_push(&h, b, release);
    b->out = s4s_xstrdup(out_path);
    size_t n = strlen(out_path) + 32;
    b->tmp = s4s_xmalloc(n);
    s4s_oom_pop(&h);
    snprintf(b->tmp, n, "%s.tmp-%ld", out_path, (long)getpid());
    unlink(b->tmp);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(b->today, sizeof b->today, "%Y-%m-%d", &tm);
    if (sqlite3_open_v2(b->tmp, &b->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        snprintf(err, S4S_ERRMSG, "%s: cannot create", b->tmp);
        s4s_tb_abort(b);
        return S4S_ERR_IO;
    }
    s4s_rc rc;
    if ((rc = s4s_tb_exec(b, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;", err)) ||
        (rc = s4s_tb_exec(b, s4s_schema_sql, err)) || (rc = s4s_tb_exec(b, "BEGIN", err))) {
        s4s_tb_abort(b);
        return rc;
    }
    for (int i = 0; i < NQ; i++)
        if (sqlite3_prepare_v3(b->db, sql_q[i], -1, SQLITE_PREPARE_PERSISTENT, &b->q[i], NULL) != SQLITE_OK) {
            snprintf(err, S4S_ERRMSG, "%s: sqlite: %s", b->tmp, sqlite3_errmsg(b->db));
            s4s_tb_abort(b);
            return S4S_ERR_DB;
        }
    *out = b;
    return S4S_OK;
}

s4s_rc s4s_tb_commit(s4s_tb *b, char *err)
{
    s4s_rc rc;
    if ((rc = s4s_tb_exec(b, "COMMIT", err)) || (rc = s4s_tb_exec(b, "ANALYZE", err)) ||
        (rc = s4s_tb_exec(b, "VACUUM", err))) {
        s4s_tb_abort(b);
        return rc;
    }
    for (int i = 0; i < NQ; i++) {
        sqlite3_finalize(b->q[i]);
        b->q[i] = NULL;
    }
    if (sqlite3_close(b->db) != SQLITE_OK) {
        snprintf(err, S4S_ERRMSG, "%s: cannot close", b->tmp);
        b->db = NULL;
        s4s_tb_abort(b);
        return S4S_ERR_DB;
    }
    b->db = NULL;
    if (rename(b->tmp, b->out) != 0) {
        snprintf(err, S4S_ERRMSG, "%s: cannot rename to %s", b->tmp, b->out);
        s4s_tb_abort(b);
        return S4S_ERR_IO;
    }
    tb_free(b);
    return S4S_OK;
}

static void bind_s(sqlite3_stmt *q, int i, const char *s)
{
    if (s && *s)
        sqlite3_bind_text(q, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(q, i);
}

static s4s_rc step(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    if (rc == SQLITE_DONE || rc == SQLITE_ROW)
        return S4S_OK;
    return (rc & 0xff) == SQLITE_CONSTRAINT ? S4S_ERR_INVALID : S4S_ERR_DB;
}

s4s_rc s4s_tb_system(s4s_tb *b, const char *uri, const char *version, const char *source, const char *licence,
                     bool complete, long long *id, char *err)
{
    const char *canon = s4s_system_canonical(uri);
    if (canon)
        uri = canon;
    /* aliases known for the system, recorded for `info` */
    char aliases[1024] = "";
    size_t al = 0;
    const s4s_system *row = s4s_system_row(canon);
    if (row && row->aliases)
        al = (size_t)snprintf(aliases, sizeof aliases, "%.900s", row->aliases);
    for (size_t i = 0; canon && i < s4s_tho_naliases; i++) {
        const s4s_sys_alias *a = &s4s_tho_aliases[i];
        if (strcmp(a->uri, canon) || !strcmp(a->alias, canon))
            continue;
        int w = snprintf(aliases + al, sizeof aliases - al, "%s%s", al ? " " : "", a->alias);
        if (w < 0 || (size_t)w >= sizeof aliases - al)
            break;
        al += (size_t)w;
    }
    sqlite3_stmt *q = b->q[Q_SYS];
    bind_s(q, 1, uri);
    bind_s(q, 2, version);
    bind_s(q, 3, source);
    bind_s(q, 4, b->today);
    bind_s(q, 5, licence);
    sqlite3_bind_int(q, 6, complete ? 1 : 0);
    bind_s(q, 7, aliases);
    s4s_rc rc = step(q);
    if (rc == S4S_ERR_INVALID) {
        snprintf(err, S4S_ERRMSG, "%s: system %s is loaded twice", source ? source : "?", uri);
        return S4S_ERR_USAGE;
    }
    if (rc != S4S_OK) {
        snprintf(err, S4S_ERRMSG, "%s: sqlite: %s", b->tmp, sqlite3_errmsg(b->db));
        return rc;
    }
    *id = sqlite3_last_insert_rowid(b->db);
    return S4S_OK;
}

s4s_rc s4s_tb_not_covered(s4s_tb *b, long long sys, const char *prefixes)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(b->db, "UPDATE systems SET not_covered = ?1 WHERE id = ?2", -1, &q, NULL) != SQLITE_OK)
        return S4S_ERR_DB;
    bind_s(q, 1, prefixes);
    sqlite3_bind_int64(q, 2, sys);
    s4s_rc rc = sqlite3_step(q) == SQLITE_DONE ? S4S_OK : S4S_ERR_DB;
    sqlite3_finalize(q);
    return rc;
}

s4s_rc s4s_tb_concept(s4s_tb *b, long long sys, const char *code, const char *status, const char *display,
                      const char *replaced_by, const char *unit, const char *property)
{
    sqlite3_stmt *q = b->q[Q_CONCEPT];
    sqlite3_bind_int64(q, 1, sys);
    bind_s(q, 2, code);
    bind_s(q, 3, status);
    bind_s(q, 4, display);
    bind_s(q, 5, replaced_by);
    bind_s(q, 6, unit);
    bind_s(q, 7, property);
    return step(q);
}

static s4s_rc update3(s4s_tb *b, int which, long long sys, const char *code, const char *v)
{
    sqlite3_stmt *q = b->q[which];
    sqlite3_bind_int64(q, 1, sys);
    bind_s(q, 2, code);
    bind_s(q, 3, v);
    return step(q);
}

s4s_rc s4s_tb_replacement(s4s_tb *b, long long sys, const char *code, const char *to, bool *found)
{
    s4s_rc rc = update3(b, Q_REPL, sys, code, to);
    *found = rc == S4S_OK && sqlite3_changes(b->db) > 0;
    return rc;
}

s4s_rc s4s_tb_display(s4s_tb *b, long long sys, const char *code, const char *display)
{
    return update3(b, Q_DISPLAY, sys, code, display);
}

s4s_rc s4s_tb_designation(s4s_tb *b, long long sys, const char *code, const char *term)
{
    return update3(b, Q_DESIG, sys, code, term);
}

s4s_rc s4s_tb_gene(s4s_tb *b, const char *name, int kind, const char *symbol, const char *hgnc_id)
{
    sqlite3_stmt *q = b->q[Q_GENE];
    bind_s(q, 1, name);
    sqlite3_bind_int(q, 2, kind);
    bind_s(q, 3, symbol);
    bind_s(q, 4, hgnc_id);
    return step(q);
}

s4s_rc s4s_tb_refseq(s4s_tb *b, const char *accession, const char *symbol)
{
    sqlite3_stmt *q = b->q[Q_REFSEQ];
    bind_s(q, 1, accession);
    bind_s(q, 2, symbol);
    return step(q);
}

bool s4s_tb_has_concept(s4s_tb *b, long long sys, const char *code)
{
    sqlite3_stmt *q = b->q[Q_HAS];
    sqlite3_bind_int64(q, 1, sys);
    bind_s(q, 2, code);
    bool r = sqlite3_step(q) == SQLITE_ROW;
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return r;
}
