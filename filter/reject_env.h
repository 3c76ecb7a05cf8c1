/*
 * reject_env.h - quarantined resources as JSON envelopes (--reject-format=envelope).
 *
 * One object per line:
 *   {"source":{"file":F,"line":L,"offset":O},"reason":R,"data_base64":B}
 * B is the base64 of the exact bytes received (not compacted, not decoded),
 * so NULs, invalid UTF-8 and a line holding "\." survive any loader; F, L, O
 * and R say where it was and why.  A resource whose bytes outgrew
 * --max-resource-bytes streams to the reject file before its reason is
 * known: its line starts with "data_base64" and ends with source and reason
 * (same keys, other order).
 * Ownership: output is appended to a caller-owned s4s_buf; the streaming
 * state is the caller's.
 */
#ifndef S4S_REJECT_ENV_H
#define S4S_REJECT_ENV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "assemble.h"
#include "base/buf.h"
#include "../rules/rule.h"

typedef struct s4s_b64 {
    unsigned char carry[3]; /* bytes of a 3-byte group not yet complete */
    unsigned      n;
} s4s_b64;

/* A whole envelope for bytes held in memory. */
void s4s_reject_env(s4s_buf *b, const char *file, uint64_t line, uint64_t off,
                    const char *reason, const void *data, size_t n);
/* Streaming: begin writes `{"data_base64":"`, chunk appends base64, end
 * closes the string and writes source and reason. */
void s4s_reject_env_begin(s4s_buf *b, s4s_b64 *st);
void s4s_reject_env_chunk(s4s_buf *b, s4s_b64 *st, const void *data, size_t n);
void s4s_reject_env_end(s4s_buf *b, s4s_b64 *st, const char *file, uint64_t line,
                        uint64_t off, const char *reason);

/* Why a unit is quarantined: the input's reason, else its first error. */
const char *s4s_reject_reason(const s4s_res *r, const s4s_issue_rec *issues);
/* The envelope of a quarantined resource: its raw bytes, or the end of the
 * envelope its spilled bytes began (spill), or, with neither, its tree
 * serialized through scratch. */
void s4s_reject_env_res(s4s_buf *b, s4s_buf *scratch, s4s_b64 *spill, const char *file,
                        const s4s_res *r, const s4s_issue_rec *issues);

#endif
