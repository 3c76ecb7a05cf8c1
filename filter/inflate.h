/*
 * inflate.h - one gzip member at a time, behind a small backend interface.
 *
 * Two backends implement it: inflate_zlib.c (always available, always
 * tested) and inflate_isal.c (ISA-L igzip, about 7x faster here, used when
 * the build finds it; see the Makefile's INFLATE).  input.c handles the
 * multi-member framing and never sees which backend runs.
 * Ownership: s4s_inflater_free() releases the backend state.
 */
#ifndef S4S_INFLATE_H
#define S4S_INFLATE_H
#include <stdbool.h>
#include <stddef.h>
#include "base/rc.h"

typedef struct s4s_inflater s4s_inflater;

s4s_inflater *s4s_inflater_new(void);
void          s4s_inflater_free(s4s_inflater *z);
/* Start a new member (its gzip header comes with the next input). */
void          s4s_inflater_reset(s4s_inflater *z);
/* Inflate from in[0..in_len) into out[0..out_cap).  Sets how much was
 * consumed and produced and whether the member (trailer included, CRC
 * checked) is complete.  On corrupt data returns S4S_ERR_GZIP and *why. */
s4s_rc        s4s_inflater_run(s4s_inflater *z, const unsigned char *in, size_t in_len,
                               size_t *consumed, unsigned char *out, size_t out_cap,
                               size_t *produced, bool *member_end, const char **why);
const char   *s4s_inflater_backend(void); /* "zlib" or "ISA-L" */

#endif
