/*
 * urnuuid.h - the per-Bundle fullUrl map behind the urn:uuid rule family.
 *
 * The map holds, for the current Bundle only, fullUrl -> Type/id of every
 * entry seen so far; it is reset when a new Bundle starts.  Entries are 20
 * bytes (a 96-bit fingerprint of the fullUrl, a type index, an id offset); an
 * id equal to the fullUrl's uuid (the usual case) costs no string storage.
 * A fullUrl given by two entries is marked ambiguous and never resolves.
 * The map stops growing at its capacity; later fullUrls are then reported
 * as unresolvable rather than guessed.
 * Ownership: the map owns its table and id pool.  The rule family itself
 * (s4s_rule_urnuuid, listed in registry.c) owns one map per run.
 */
#ifndef S4S_URNUUID_H
#define S4S_URNUUID_H
#include <stdbool.h>
#include <stddef.h>

typedef struct s4s_refmap s4s_refmap;

typedef enum s4s_refput {
    S4S_REFPUT_OK,        /* recorded */
    S4S_REFPUT_FULL,      /* capacity reached: not recorded */
    S4S_REFPUT_DUPLICATE  /* an earlier entry has this fullUrl: now ambiguous */
} s4s_refput;

s4s_refmap *s4s_refmap_new(size_t max_entries);
void        s4s_refmap_free(s4s_refmap *m);
void        s4s_refmap_reset(s4s_refmap *m);
/* type and id may be NULL (an entry that cannot be a target): the fullUrl
 * is still remembered, so a later entry repeating it is a duplicate. */
s4s_refput  s4s_refmap_put(s4s_refmap *m, const char *full_url, const char *type, const char *id);

#endif
