/*
 * refspill.h - the overflow of the urn:uuid fullUrl map: a temporary
 * on-disk SQLite table, so a Bundle of any size resolves every reference to
 * an earlier entry while the map in memory stays within its budget.
 *
 * Keys are the map's 96-bit fingerprints; a value is a type index (the
 * map's) and the id when it is not the fullUrl's uuid.  The database is a
 * private temporary file (SQLite's empty file name), deleted on close; its
 * page cache is capped (SPILL_CACHE_KB), so memory does not grow with it.
 * Ownership: the map (urnuuid.c) owns its spill; the id handed out by
 * s4s_refspill_get() is valid until the next call on the spill.
 */
#ifndef S4S_REFSPILL_H
#define S4S_REFSPILL_H
#include <stddef.h>
#include <stdint.h>
#include "../filter/base/rc.h"

typedef struct s4s_refspill s4s_refspill;

/* S4S_ERR_IO when the temporary database cannot be made. */
s4s_rc s4s_refspill_open(s4s_refspill **out);
void   s4s_refspill_close(s4s_refspill *s);
/* Forget every entry (a new Bundle). */
s4s_rc s4s_refspill_reset(s4s_refspill *s);

typedef enum s4s_spill_put {
    S4S_SPILL_ADDED,
    S4S_SPILL_DUPLICATE, /* the key was there: now marked ambiguous */
    S4S_SPILL_FAILED     /* the database failed (a full disk): not recorded */
} s4s_spill_put;
/* id may be NULL (the id is the fullUrl's uuid, or the entry is no target). */
s4s_spill_put s4s_refspill_put(s4s_refspill *s, uint64_t h1, uint32_t h2, unsigned type,
                               const char *id, size_t idl);

/* 0: not there; else the stored type index (S4S_SPILL_DUP for an ambiguous
 * key), with the stored id in id and idl, or NULL. */
#define S4S_SPILL_DUP 0xFFFEu
unsigned s4s_refspill_get(s4s_refspill *s, uint64_t h1, uint32_t h2, const char **id, size_t *idl);

#endif
