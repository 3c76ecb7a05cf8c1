/*
 * profset.h - a set of profiles in one representation: the generated US
 * Core 3.1.1 tables (rules/tables/profiles_uscore.h) and every package
 * loaded with --package (rules/package.c) are each an s4s_prof_set, which
 * rules/profiles.c checks alike.
 *
 * Invariants: the arrays keep the generated tables' invariants (a profile's
 * elements contiguous, root first; kids/slices index `kids`; each value
 * set's codes "system|code", sorted by strcmp, without duplicates).
 * Ownership: s4s_prof_builtin is static; a loaded set owns every array and
 * string it points to and is released by s4s_package_free().
 */
#ifndef S4S_PROFSET_H
#define S4S_PROFSET_H
#include <stddef.h>
#include "../filter/base/rc.h"
#include "tables/profiles_uscore.h"

typedef struct s4s_prof_set {
    const char          *name;     /* for messages: "US Core 3.1.1" or the package file */
    const s4s_prof      *profs;
    const s4s_prof_elem *elems;
    const uint16_t      *kids;
    const s4s_prof_con  *cons;
    const s4s_prof_vs   *vss;
    const char *const   *codes;
    unsigned             nprofs, nelems, ncons, nvs;
    void                *owned;    /* loaded sets: their storage; NULL built in */
} s4s_prof_set;

extern const s4s_prof_set s4s_prof_builtin;

/* Caps on a package (each an error naming the file and member when passed). */
#define S4S_PKG_MEMBER_MAX   ((size_t)32 << 20)  /* one JSON member, bytes */
#define S4S_PKG_TOTAL_MAX    ((size_t)1 << 30)   /* the whole uncompressed tar */
#define S4S_PKG_MAX_PROFILES 4096u
#define S4S_PKG_MAX_ELEMS    60000u              /* kids index with uint16_t */
#define S4S_PKG_MAX_DOCS     100000u             /* StructureDefinitions, ValueSets, CodeSystems */
#define S4S_PKG_MAX_CODES    (1u << 22)          /* expanded codes, all value sets together */

/* Load the StructureDefinitions (with snapshots) and ValueSets of the npm
 * package (gzip'd tar, members package/NAME.json) at path.  On failure returns
 * S4S_ERR_FORMAT (or S4S_ERR_IO, S4S_ERR_LIMIT) and writes
 * "PATH: member NAME: reason" to err. */
s4s_rc s4s_package_load(const char *path, s4s_prof_set **out, char *err, size_t errsz);
void   s4s_package_free(s4s_prof_set *set);

/* The tar reader under s4s_package_load, for tests: calls fn for each
 * regular file member whose name matches package/NAME.json (data
 * NUL-terminated, n bytes); members over member_max are an error.  fn
 * returns S4S_OK to go on; its error (with err filled) stops the walk. */
typedef s4s_rc (*s4s_tar_fn)(void *ud, const char *member, char *data, size_t n, char *err, size_t errsz);
s4s_rc s4s_tar_walk(const char *path, size_t member_max, s4s_tar_fn fn, void *ud, char *err, size_t errsz);

#endif
