/*
 * sha1.h - SHA-1 (FIPS 180-4), incremental, for Attachment.hash.
 *
 * Ownership: the context is a plain value the caller owns; nothing is
 * allocated.  Not for security: FHIR's Attachment.hash is SHA-1 by
 * definition, and it is only compared with the data it travels with.
 */
#ifndef S4S_SHA1_H
#define S4S_SHA1_H
#include <stddef.h>
#include <stdint.h>

typedef struct s4s_sha1 {
    uint32_t h[5];
    uint64_t len;         /* bytes hashed so far */
    uint8_t  block[64];
    unsigned fill;        /* bytes in block */
} s4s_sha1;

void s4s_sha1_init(s4s_sha1 *s);
void s4s_sha1_update(s4s_sha1 *s, const void *p, size_t n);
void s4s_sha1_final(s4s_sha1 *s, uint8_t out[20]);

#endif
