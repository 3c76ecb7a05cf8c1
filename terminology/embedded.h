/*
 * embedded.h - the default terminology cache linked into the binaries.
 *
 * terminology/cache.mk builds it at `make` from the committed tables in
 * terminology/data/ and assembles the SQLite file's bytes into an object
 * (terminology/embed/default_db.S, .incbin).  The bootstrap s4s-term that
 * builds it links terminology/embed/empty_db.c instead (length 0).
 * Register it with s4s_term_set_embedded(s4s_default_db, s4s_default_db_len).
 * Ownership: static read-only data; never freed or written.
 */
#ifndef S4S_EMBEDDED_H
#define S4S_EMBEDDED_H
#include <stddef.h>

extern const unsigned char s4s_default_db[];
extern const size_t s4s_default_db_len;

#endif
