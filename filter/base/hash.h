/*
 * hash.h - the one hash function and the one hash index of libs4s.
 *
 * s4s_hash() is FNV-1a over bytes (seedable).  s4s_hidx maps a hash to a
 * uint32 index into an array the caller owns (entries keep their keys), so
 * one open-addressing scheme serves every table: stats counters, the code
 * system and code tables of the rules, the terminology cache's interning.
 * Each slot holds the entry index and the low 32 bits of its hash: a probe
 * compares hashes first and calls the caller's key comparison only on a
 * match, and growing needs no callback.
 *
 * Invariants: at most half the slots are used (the index doubles first);
 * capacity is a power of two; there is no deletion (tables are reset whole).
 * Ownership: the index owns its slots only; s4s_hidx_free() releases them.
 */
#ifndef S4S_HASH_H
#define S4S_HASH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define S4S_HASH_SEED 0xcbf29ce484222325ULL

static inline uint64_t s4s_hash(const void *p, size_t n, uint64_t seed)
{
    const unsigned char *s = p;
    uint64_t h = seed;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * 0x100000001b3ULL;
    return h;
}

static inline uint64_t s4s_hash_str(const char *s, uint64_t seed)
{
    uint64_t h = seed;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

typedef struct s4s_hidx_slot {
    uint32_t idx1;  /* entry index + 1; 0 = empty */
    uint32_t h;     /* low 32 bits of the entry's hash */
} s4s_hidx_slot;

typedef struct s4s_hidx {
    s4s_hidx_slot *slots;
    size_t cap, len;
} s4s_hidx;

/* Does entry `idx` of the caller's array have this key? */
typedef bool (*s4s_hidx_eq)(const void *ctx, uint32_t idx, const void *key, size_t klen);

void s4s_hidx_init(s4s_hidx *x, size_t min_cap);
void s4s_hidx_free(s4s_hidx *x);
void s4s_hidx_reset(s4s_hidx *x);
/* The entry index holding key, or -1. */
int64_t s4s_hidx_find(const s4s_hidx *x, uint64_t h, s4s_hidx_eq eq, const void *ctx,
                      const void *key, size_t klen);
/* Adds idx under hash h (the caller found the key absent). */
void s4s_hidx_add(s4s_hidx *x, uint64_t h, uint32_t idx);

#endif
