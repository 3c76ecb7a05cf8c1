/*
 * counter.h - string -> count table with a cap, for stats sections.
 *
 * Entries in insertion order, found through the shared hash index (hash.h);
 * keys copied on first sight.  Once `max_keys` distinct keys are held, new
 * keys are counted under "(other)" so memory stays bounded.
 * Ownership: the table owns its keys; s4s_counter_free() releases them.
 */
#ifndef S4S_COUNTER_H
#define S4S_COUNTER_H
#include <stddef.h>
#include <stdint.h>
#include "hash.h"

typedef struct s4s_counter_ent {
    char    *key;
    uint64_t n[3];   /* up to three parallel counts (e.g. in/out/rejected) */
} s4s_counter_ent;

typedef struct s4s_counter {
    s4s_counter_ent *ent;    /* len entries, insertion order */
    size_t len, ent_cap, max_keys;
    s4s_hidx idx;
} s4s_counter;

void s4s_counter_init(s4s_counter *c, size_t max_keys);
void s4s_counter_free(s4s_counter *c);
/* adds `by` to count `which` (0..2) of key; returns the entry, valid until
 * the next add */
s4s_counter_ent *s4s_counter_add(s4s_counter *c, const char *key, size_t klen, int which, uint64_t by);
/* adds every count of `from` into `into`, key by key (past into's cap,
 * under "(other)" as usual) */
void s4s_counter_merge(s4s_counter *into, const s4s_counter *from);
/* entries sorted by n[which] descending (then key); caller frees the array */
s4s_counter_ent **s4s_counter_sorted(const s4s_counter *c, int which, size_t *n);

/* writes "key": {"k1": n, ...} (count 0, most frequent first) into an
 * open JSON object; the stats sections of every rule family use it */
struct s4s_jw;
void s4s_counter_write(const s4s_counter *c, struct s4s_jw *w, const char *key);

#endif
