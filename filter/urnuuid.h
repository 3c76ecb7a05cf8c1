/*
 * urnuuid.h - urn:uuid references inside a Bundle, rewritten to Type/id.
 *
 * The map holds, for the current Bundle only, fullUrl -> Type/id of every
 * entry seen so far; it is reset when a new Bundle starts.  Entries are 20
 * bytes (a 96-bit fingerprint of the fullUrl, a type index, an id offset); an
 * id equal to the fullUrl's uuid (the usual case) costs no string storage.
 * The map stops growing at its capacity; later fullUrls are then reported
 * as unresolvable rather than guessed.
 * Ownership: the map owns its table and id pool.
 */
#ifndef S4S_URNUUID_H
#define S4S_URNUUID_H
#include <stddef.h>
#include "../rules/rule.h"

typedef struct s4s_refmap s4s_refmap;

s4s_refmap *s4s_refmap_new(size_t max_entries);
void        s4s_refmap_free(s4s_refmap *m);
void        s4s_refmap_reset(s4s_refmap *m);
/* false when the map is full */
bool        s4s_refmap_put(s4s_refmap *m, const char *full_url, const char *type, const char *id);
/* Rewrite every urn:uuid: reference in the resource that names an entry
 * seen earlier; report the others.  Returns the number rewritten. */
unsigned    s4s_refs_rewrite(s4s_rctx *rc, s4s_refmap *m, unsigned *unresolved);

#endif
