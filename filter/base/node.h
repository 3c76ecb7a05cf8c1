/*
 * node.h - the per-resource JSON tree that rules read and edit.
 *
 * assemble.c builds one tree per resource in the resource's arena.  Children
 * keep input order (the writer reproduces key order exactly).  Values keep
 * their source form: numbers are the input lexeme ("1.50" stays "1.50"),
 * strings are unescaped UTF-8 with an explicit length (the writer re-escapes).
 * Every node records the uncompressed input byte offset where its value began
 * (0 for nodes created by edits).
 *
 * Ownership: nodes, keys and values belong to the resource's arena and die
 * with s4s_arena_reset().  Strings passed to the mutators are copied.
 * Mutators here do NOT record repairs: rules go through rules/rule.h
 * (s4s_edit_*), which mutates and records in one call.
 */
#ifndef S4S_NODE_H
#define S4S_NODE_H
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include "arena.h"

typedef enum s4s_jtype {
    S4S_J_NULL, S4S_J_FALSE, S4S_J_TRUE, S4S_J_NUMBER, S4S_J_STRING,
    S4S_J_OBJECT, S4S_J_ARRAY
} s4s_jtype;

enum {
    S4S_NF_REMOVED  = 1 << 0, /* skipped by the writer */
    S4S_NF_INSERTED = 1 << 1, /* created by an edit */
    S4S_NF_EDITED   = 1 << 2, /* value replaced by an edit */
    S4S_NF_IKEY     = 1 << 3  /* key interned by the parser: see s4s_key_cache */
};

typedef struct s4s_node s4s_node;
struct s4s_node {
    s4s_node   *parent, *first, *last, *next;
    const char *key;    /* member name; NULL for array items and roots */
    const char *str;    /* string value or number lexeme; NUL-terminated */
    uint32_t    klen, len;
    uint32_t    nkids;  /* number of children (including removed ones) */
    uint32_t    index;  /* position in the parent array (0 for members) */
    uint64_t    off;    /* input byte offset of the value */
    uint8_t     type;   /* s4s_jtype */
    uint8_t     flags;  /* S4S_NF_* */
    uint16_t    kinds;  /* S4S_KK_* names of members in this subtree (see below) */
    uint32_t    memo;   /* the rules' cache for this member (0: none; rules/refs.h
                           s4s_fhir_member_key), in what was padding */
};

/* Member names some families look for, one bit each.  The parser sets a
 * container's `kinds` to the bits of every member name in its subtree (its
 * own members', its descendants'); a family that only looks at objects with
 * such members need not enter a subtree whose bits rule them out.  Nodes
 * made otherwise (edits, tests) carry 0: the bits hold only where the rule
 * context says so (rules/rule.h s4s_rctx.kinds). */
enum {
    S4S_KK_SYSTEM = 1 << 0, /* "system" */
    S4S_KK_CODE   = 1 << 1, /* "code" */
    S4S_KK_VALUE  = 1 << 2, /* "value" */
    S4S_KK_RANGE  = 1 << 3, /* "referenceRange" */
    S4S_KK_DATA   = 1 << 4  /* "data" */
};
static inline unsigned s4s_key_kind(const char *k, size_t n)
{
    switch (n) {
    case 4: return !memcmp(k, "code", 4) ? S4S_KK_CODE : !memcmp(k, "data", 4) ? S4S_KK_DATA : 0;
    case 5: return memcmp(k, "value", 5) ? 0 : S4S_KK_VALUE;
    case 6: return memcmp(k, "system", 6) ? 0 : S4S_KK_SYSTEM;
    case 14: return memcmp(k, "referenceRange", 14) ? 0 : S4S_KK_RANGE;
    default: return 0;
    }
}

/* The rules' cache words of an interned key (S4S_NF_IKEY), or NULL.
 * An interned name is stored once per parser and lives as long as its
 * trees, with S4S_KEY_CACHE (two) words before it that every node of that name
 * shares: what rules/refs.h s4s_fhir_member_key found for it last (a name
 * such as "id" or "url" is asked for in several contexts).  Trees of one
 * parser may be checked on several threads, so each word is read and
 * written with relaxed atomics (__atomic_load_n / __atomic_store_n), whole,
 * and means something on its own. */
#define S4S_KEY_CACHE 2
static inline uint64_t *s4s_key_cache(const s4s_node *n)
{
    return (n->flags & S4S_NF_IKEY) ? (uint64_t *)(void *)(uintptr_t)(n->key - 8 * S4S_KEY_CACHE) : NULL;
}

/* --- reading ----------------------------------------------------------- */
/* First live member of obj named key[0..klen). */
s4s_node *s4s_getn(const s4s_node *obj, const char *key, size_t klen);
s4s_node *s4s_at(const s4s_node *arr, uint32_t i);          /* i-th live array item */

/* Inline so that the length of a literal key or string folds at compile
 * time: these run for nearly every node of every resource. */
static inline s4s_node *s4s_get(const s4s_node *obj, const char *key) /* first live member named key */
{
    return s4s_getn(obj, key, strlen(key));
}
static inline bool s4s_is_str(const s4s_node *n) { return n && n->type == S4S_J_STRING; }
static inline bool s4s_str_eq(const s4s_node *n, const char *s) /* string node equal to s */
{
    size_t l = strlen(s);
    return s4s_is_str(n) && n->len == l && memcmp(n->str, s, l) == 0;
}
static inline const char *s4s_get_str(const s4s_node *obj, const char *key) /* string member or NULL */
{
    s4s_node *n = s4s_get(obj, key);
    return s4s_is_str(n) ? n->str : NULL;
}
static inline bool s4s_key_eq(const s4s_node *n, const char *s)
{
    size_t l = strlen(s);
    return n && n->key && n->klen == l && memcmp(n->key, s, l) == 0;
}
#define S4S_EACH(child, parent) \
    for (s4s_node *child = (parent)->first; child; child = child->next) \
        if (!((child)->flags & S4S_NF_REMOVED))

/* --- building and mutating (no repair record) ------------------------- */
s4s_node *s4s_node_new(s4s_arena *a, s4s_jtype t, const char *key, size_t klen,
                       const char *val, size_t vlen);
/* Inline: the parser appends every node of every resource. */
static inline void s4s_node_append(s4s_node *parent, s4s_node *child)
{
    child->parent = parent;
    child->next = NULL;
    child->index = parent->type == S4S_J_ARRAY ? parent->nkids : 0;
    if (parent->last)
        parent->last->next = child;
    else
        parent->first = child;
    parent->last = child;
    parent->nkids++;
}
void      s4s_node_insert_after(s4s_node *ref, s4s_node *child);
void      s4s_node_set(s4s_arena *a, s4s_node *n, s4s_jtype t, const char *val, size_t vlen);
s4s_node *s4s_node_clone(s4s_arena *a, const s4s_node *n); /* deep copy, detached */

/* FHIRPath of n with indices, e.g. "Observation.component[1].valueQuantity.code".
 * root_type names the resource root (its resourceType).  Written into the arena. */
const char *s4s_node_path(s4s_arena *a, const s4s_node *n, const char *root_type);

#endif
