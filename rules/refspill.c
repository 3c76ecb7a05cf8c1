/*
 * refspill.c - the urn:uuid map's overflow in a temporary SQLite table.
 *
 * Invariants: one open write transaction from the first put after a reset
 * to the next reset or close (reads on the same connection see it; nothing
 * is ever made durable: journal off, no sync); the table's primary key is
 * the fingerprint, so a lookup is one B-tree descent; a key put twice is
 * marked ambiguous (type S4S_SPILL_DUP), never overwritten with the second
 * entry; any SQLite failure is reported to the caller, which then treats
 * the entry as not recorded (unresolved, counted), never as found.
 */
#include "refspill.h"
#include "../filter/base/alloc.h"

#include <sqlite3.h>
#include <stdlib.h>

#define SPILL_CACHE_KB 16384
#define STR_(x) #x
#define STR(x) STR_(x)

struct s4s_refspill {
    sqlite3      *db;
    sqlite3_stmt *ins, *dup, *get, *clear;
    int           in_tx;
    size_t        n;
};

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK;
}

void s4s_refspill_close(s4s_refspill *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->ins);
    sqlite3_finalize(s->dup);
    sqlite3_finalize(s->get);
    sqlite3_finalize(s->clear);
    sqlite3_close(s->db); /* an open transaction is rolled back; the file goes */
    free(s);
}

s4s_rc s4s_refspill_open(s4s_refspill **out)
{
    s4s_refspill *s = s4s_xcalloc(1, sizeof *s);
    *out = NULL;
    /* "" is a private temporary database on disk, removed on close */
    if (sqlite3_open_v2("", &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK ||
        !exec(s->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-" STR(SPILL_CACHE_KB) ";"
                     "CREATE TABLE e(h1 INTEGER NOT NULL, h2 INTEGER NOT NULL, t INTEGER NOT NULL,"
                     " id TEXT, PRIMARY KEY(h1, h2)) WITHOUT ROWID") ||
        sqlite3_prepare_v3(s->db, "INSERT OR IGNORE INTO e VALUES(?1, ?2, ?3, ?4)", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->ins, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, "UPDATE e SET t = 65534, id = NULL WHERE h1 = ?1 AND h2 = ?2", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->dup, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, "SELECT t, id FROM e WHERE h1 = ?1 AND h2 = ?2", -1,
                           SQLITE_PREPARE_PERSISTENT, &s->get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v3(s->db, "DELETE FROM e", -1, SQLITE_PREPARE_PERSISTENT, &s->clear,
                           NULL) != SQLITE_OK) {
        s4s_refspill_close(s);
        return S4S_ERR_IO;
    }
    *out = s;
    return S4S_OK;
}

s4s_rc s4s_refspill_reset(s4s_refspill *s)
{
    if (!s->n && !s->in_tx)
        return S4S_OK;
    int ok = sqlite3_step(s->clear) == SQLITE_DONE;
    sqlite3_reset(s->clear);
    if (s->in_tx)
        ok &= exec(s->db, "COMMIT");
    s->in_tx = 0;
    s->n = 0;
    return ok ? S4S_OK : S4S_ERR_IO;
}

static void bind_key(sqlite3_stmt *st, uint64_t h1, uint32_t h2)
{
    sqlite3_bind_int64(st, 1, (sqlite3_int64)h1);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)h2);
}

s4s_spill_put s4s_refspill_put(s4s_refspill *s, uint64_t h1, uint32_t h2, unsigned type,
                               const char *id, size_t idl)
{
    if (!s->in_tx) {
        if (!exec(s->db, "BEGIN"))
            return S4S_SPILL_FAILED;
        s->in_tx = 1;
    }
    bind_key(s->ins, h1, h2);
    sqlite3_bind_int(s->ins, 3, (int)type);
    if (id)
        sqlite3_bind_text(s->ins, 4, id, (int)idl, SQLITE_STATIC);
    else
        sqlite3_bind_null(s->ins, 4);
    int rc = sqlite3_step(s->ins);
    sqlite3_reset(s->ins);
    sqlite3_clear_bindings(s->ins);
    if (rc != SQLITE_DONE)
        return S4S_SPILL_FAILED;
    if (sqlite3_changes(s->db)) {
        s->n++;
        return S4S_SPILL_ADDED;
    }
    bind_key(s->dup, h1, h2);
    rc = sqlite3_step(s->dup);
    sqlite3_reset(s->dup);
    return rc == SQLITE_DONE ? S4S_SPILL_DUPLICATE : S4S_SPILL_FAILED;
}

unsigned s4s_refspill_get(s4s_refspill *s, uint64_t h1, uint32_t h2, const char **id, size_t *idl)
{
    *id = NULL;
    *idl = 0;
    sqlite3_reset(s->get); /* the id of the previous call lives until here */
    bind_key(s->get, h1, h2);
    if (sqlite3_step(s->get) != SQLITE_ROW)
        return 0;
    unsigned t = (unsigned)sqlite3_column_int(s->get, 0);
    if (sqlite3_column_type(s->get, 1) == SQLITE_TEXT) {
        *id = (const char *)sqlite3_column_text(s->get, 1);
        *idl = (size_t)sqlite3_column_bytes(s->get, 1);
    }
    return t;
}
