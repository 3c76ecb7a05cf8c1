/*
 * refs.c - Reference.reference parsing and resource-name lookup.
 *
 * Invariants: no allocation; every returned slice lies inside the input.
 * A relative reference must name a known R4 resource type and a valid id;
 * an absolute URL is only judged by its trailing Type/id when present.
 */
#include "refs.h"
#include <string.h>
#include "../filter/base/bits.h"
#include "../filter/base/text.h"
#include "fhirtypes.h"
#include "tables/fhir_r4.h"

const s4s_fhir_key *s4s_fhir_key_lookup(unsigned ctx, const char *name, size_t n)
{
    uint32_t h = s4s_fhir_hash(ctx, name, n);
    for (uint32_t i = h & (S4S_FHIR_HASH_SIZE - 1);; i = (i + 1) & (S4S_FHIR_HASH_SIZE - 1)) {
        const s4s_fhir_key *k = &s4s_fhir_keys[i];
        if (k->len == 0) return NULL;
        if (k->ctx == ctx && k->len == n && s4s_short_eq(S4S_FHIR_STR(k->name), name, n))
            return k;
    }
}

/* An interned name's cache word: the key's index + 1 (bits 0-31), ctx
 * (32-47) and n (48-63).  name is m's key or its tail past '_', so n tells
 * which; the name's bytes never change, so a matching word is the answer.
 * The newest answer is word 0, the one before it word 1. */
static uint64_t key_word(unsigned ctx, size_t n, const s4s_fhir_key *k)
{
    return (uint64_t)(uint32_t)(k - s4s_fhir_keys + 1) | (uint64_t)(ctx & 0xFFFF) << 32 |
           (uint64_t)n << 48;
}

const s4s_fhir_key *s4s_fhir_member_key(const s4s_node *m, unsigned ctx, const char *name, size_t n)
{
    uint64_t *word = s4s_key_cache(m);
    if (word && name + n == m->key + m->klen) {
        uint64_t w0 = __atomic_load_n(&word[0], __ATOMIC_RELAXED), w1;
        if (w0 && (unsigned)(w0 >> 32 & 0xFFFF) == ctx && (size_t)(w0 >> 48) == n)
            return &s4s_fhir_keys[(uint32_t)w0 - 1];
        w1 = __atomic_load_n(&word[1], __ATOMIC_RELAXED);
        if (w1 && (unsigned)(w1 >> 32 & 0xFFFF) == ctx && (size_t)(w1 >> 48) == n)
            return &s4s_fhir_keys[(uint32_t)w1 - 1];
        const s4s_fhir_key *k = s4s_fhir_key_lookup(ctx, name, n);
        if (k) {
            __atomic_store_n(&word[1], w0, __ATOMIC_RELAXED);
            __atomic_store_n(&word[0], key_word(ctx, n, k), __ATOMIC_RELAXED);
        }
        return k;
    }
    if (m->memo) {
        const s4s_fhir_key *k = &s4s_fhir_keys[m->memo - 1];
        if (k->ctx == ctx && k->len == n && s4s_short_eq(S4S_FHIR_STR(k->name), name, n)) return k;
    }
    const s4s_fhir_key *k = s4s_fhir_key_lookup(ctx, name, n);
    if (k) ((s4s_node *)m)->memo = (uint32_t)(k - s4s_fhir_keys) + 1; /* a cache, not the tree's content */
    return k;
}

unsigned s4s_fhir_resource_type(const char *name, size_t n)
{
    const s4s_fhir_key *k = s4s_fhir_key_lookup(S4S_FHIR_CTX_RESOURCES, name, n);
    return k ? k->type : S4S_FHIR_NONE;
}

static bool type_name_like(const char *s, size_t n)
{
    if (n == 0 || s[0] < 'A' || s[0] > 'Z') return false;
    for (size_t i = 1; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z'))) return false;
    return true;
}

/* "Type/id" or "Type/id/_history/vid" occupying [s, s+n) */
static bool type_id(const char *s, size_t n, s4s_ref *r)
{
    const char *slash = memchr(s, '/', n);
    if (!slash) return false;
    size_t tl = (size_t)(slash - s);
    const char *id = slash + 1;
    size_t rest = n - tl - 1;
    const char *hist = memchr(id, '/', rest);
    size_t il = hist ? (size_t)(hist - id) : rest;
    if (hist) {
        size_t hl = rest - il;
        if (hl <= 10 || memcmp(hist, "/_history/", 10) != 0 || !s4s_fhir_is_id(hist + 10, hl - 10))
            return false;
    }
    if (!type_name_like(s, tl) || !s4s_fhir_is_id(id, il)) return false;
    r->tname = s; r->tlen = tl; r->id = id; r->idlen = il;
    r->type = s4s_fhir_resource_type(s, tl);
    return true;
}

/* A space, tab, newline or CR in s[0..n)?  Eight bytes at a time: a word
 * with no byte below 0x21 has none (every reference of a Bundle passes). */
static bool has_white(const char *s, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (s4s_w_below(w, 0x21))
            break;
    }
    for (; i < n; i++)
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')
            return true;
    return false;
}

void s4s_ref_parse(const char *s, size_t n, s4s_ref *r)
{
    memset(r, 0, sizeof *r);
    r->type = S4S_FHIR_NONE;
    if (n == 0) { r->why = "empty reference"; return; }
    if (s[0] == '#') {
        r->kind = S4S_REF_LOCAL; r->id = s + 1; r->idlen = n - 1;
        if (n > 1 && !s4s_fhir_is_id(s + 1, n - 1)) { r->kind = S4S_REF_INVALID; r->why = "local reference is not #id"; }
        return;
    }
    if (n > 4 && memcmp(s, "urn:", 4) == 0) {
        r->kind = S4S_REF_URN;
        if (!s4s_fhir_is_uuid_ci(s, n) && !s4s_fhir_is_oid(s, n)) { r->kind = S4S_REF_INVALID; r->why = "not a valid urn:uuid: or urn:oid:"; }
        return;
    }
    if (has_white(s, n)) { r->kind = S4S_REF_INVALID; r->why = "reference contains whitespace"; return; }
    const char *colon = memchr(s, ':', n);
    const char *q = memchr(s, '?', n);
    if (colon && (!q || colon < q) && colon + 2 < s + n && colon[1] == '/' && colon[2] == '/') {
        r->kind = S4S_REF_ABSOLUTE;
        /* take the last two segments (or four with _history) as Type/id */
        const char *end = q ? q : s + n;
        const char *segs[5]; int ns = 0;
        for (const char *p = end; p > colon + 2 && ns < 5; p--)
            if (p[-1] == '/') segs[ns++] = p;
        for (int k = 1; k < ns; k++) {
            const char *st = segs[k];
            if (type_id(st, (size_t)(end - st), r)) {
                if (r->type == S4S_FHIR_NONE) { r->tname = NULL; r->tlen = 0; r->id = NULL; r->idlen = 0; }
                break;
            }
        }
        return;
    }
    if (q) {
        size_t tl = (size_t)(q - s);
        if (type_name_like(s, tl)) {
            r->kind = S4S_REF_RELATIVE; r->tname = s; r->tlen = tl;
            r->type = s4s_fhir_resource_type(s, tl);
            return;
        }
        r->kind = S4S_REF_INVALID; r->why = "conditional reference does not start with a resource type";
        return;
    }
    if (type_id(s, n, r)) { r->kind = S4S_REF_RELATIVE; return; }
    r->kind = S4S_REF_INVALID;
    r->why = "reference is not Type/id, #id, urn:uuid:, urn:oid: or an absolute URL";
}
