/*
 * urnuuid.h - the per-Bundle fullUrl map behind the urn:uuid rule family.
 *
 * The map holds, for the current Bundle only, fullUrl -> Type/id of every
 * entry seen so far; it is reset when a new Bundle starts.  Entries are 20
 * bytes (a 96-bit fingerprint of the fullUrl, a type index, an id offset); an
 * id equal to the fullUrl's uuid (the usual case) costs no string storage.
 * A fullUrl given by two entries is marked ambiguous and never resolves.
 * Past its capacity (entries or id bytes) the rest of the Bundle's entries
 * go to an on-disk spill (refspill.h), so every entry resolves; only if the
 * spill fails are later fullUrls reported as unresolvable, never guessed.
 * Ownership: the map owns its table, id pool and spill; what
 * s4s_refmap_get() hands out is valid until the next call on the map.  The rule family itself
 * (s4s_rule_urnuuid, listed in registry.c) owns one map per run.
 */
#ifndef S4S_URNUUID_H
#define S4S_URNUUID_H
#include <stdbool.h>
#include <stddef.h>

typedef struct s4s_refmap s4s_refmap;

typedef enum s4s_refput {
    S4S_REFPUT_OK,        /* recorded */
    S4S_REFPUT_FULL,      /* capacity reached and the spill failed: not recorded */
    S4S_REFPUT_DUPLICATE  /* an earlier entry has this fullUrl: now ambiguous */
} s4s_refput;

s4s_refmap *s4s_refmap_new(size_t max_entries);
void        s4s_refmap_free(s4s_refmap *m);
void        s4s_refmap_reset(s4s_refmap *m);
/* type and id may be NULL (an entry that cannot be a target): the fullUrl
 * is still remembered, so a later entry repeating it is a duplicate. */
s4s_refput  s4s_refmap_put(s4s_refmap *m, const char *full_url, const char *type, const char *id);

typedef enum s4s_refget {
    S4S_REFGET_NONE,      /* no earlier entry has this fullUrl */
    S4S_REFGET_FOUND,     /* *type, *id (idl bytes, not NUL-terminated) */
    S4S_REFGET_AMBIGUOUS  /* more than one entry has it */
} s4s_refget;
/* The entry whose fullUrl is ref[0..n) (an urn:uuid: reference). */
s4s_refget  s4s_refmap_get(s4s_refmap *m, const char *ref, size_t n, const char **type,
                           const char **id, size_t *idl);
/* Entries that went to the spill over the run; whether this Bundle's go there. */
size_t      s4s_refmap_spilled(const s4s_refmap *m);
bool        s4s_refmap_spilling(const s4s_refmap *m);

/* The family's record of `done` references of rc's resource rewritten
 * (one routine repair, below --report-level=all) and its count in the
 * stats of `state`, a state of s4s_rule_urnuuid: for the rewrites it makes
 * and for those the tree-free path makes for it (filter/passthru.h). */
struct s4s_rctx;
void        s4s_urnuuid_tally(struct s4s_rctx *rc, void *state, unsigned done);
/* the family itself (registry.c lists it) */
struct s4s_rule;
extern const struct s4s_rule s4s_rule_urnuuid;

#endif
