/*
 * refs.h - parse FHIR Reference.reference strings (R4 3.1.0.4 / 2.1.0).
 *
 * Forms: "#id" (contained) or "#" (the container), "Type/id[/_history/v]",
 * "Type?query" (conditional, transactions), an absolute URL (whose last
 * Type/id segments name the target), "urn:uuid:" and "urn:oid:".
 * Ownership: the result points into the caller's string.
 */
#ifndef S4S_REFS_H
#define S4S_REFS_H
#include <stddef.h>
#include "../filter/base/node.h"
#include "tables/fhir_r4.h"

typedef enum s4s_ref_kind {
    S4S_REF_INVALID,   /* none of the forms */
    S4S_REF_LOCAL,     /* #id; id in (id, idlen); idlen 0 is the container */
    S4S_REF_RELATIVE,  /* Type/id, Type/id/_history/v or Type?query */
    S4S_REF_ABSOLUTE,  /* scheme://...; type set when the URL ends in Type/id */
    S4S_REF_URN        /* urn:uuid: or urn:oid: (syntax checked) */
} s4s_ref_kind;

typedef struct s4s_ref {
    s4s_ref_kind kind;
    unsigned     type;        /* resource type id, or S4S_FHIR_NONE */
    const char  *tname;       /* the type segment as written (may be unknown) */
    size_t       tlen;
    const char  *id;
    size_t       idlen;
    const char  *why;         /* S4S_REF_INVALID: short reason */
} s4s_ref;

void s4s_ref_parse(const char *s, size_t n, s4s_ref *out);

/* The member `name` of the R4 context ctx (a type or backbone element), or
 * NULL: one probe sequence in the generated hash table. */
const s4s_fhir_key *s4s_fhir_key_lookup(unsigned ctx, const char *name, size_t n);
/* The same for member m, whose name (without a leading '_') is name[0..n):
 * the answer is kept in the interned name's cache word (node.h
 * s4s_key_cache), shared by every member of that name in the parser's
 * trees, else in m->memo, so names are hashed about once per context
 * instead of once per member and family; a kept answer is used only while
 * its context and name are those asked for. */
const s4s_fhir_key *s4s_fhir_member_key(const s4s_node *m, unsigned ctx, const char *name, size_t n);
/* Resource type id of name, or S4S_FHIR_NONE (abstract types included). */
unsigned s4s_fhir_resource_type(const char *name, size_t n);

#endif
