/*
 * inflate_isal.c - the ISA-L igzip backend: the same contract as zlib's,
 * several times faster (1 GB in 0.4 s against zcat's 3 s here).
 *
 * Invariant: crc_flag ISAL_GZIP makes igzip parse the header and check the
 * trailer; ISAL_BLOCK_FINISH marks the end of a member, after which the
 * state is reset before the next one.
 */
#include "inflate.h"
#include "base/alloc.h"

#include <isa-l/igzip_lib.h>
#include <stdlib.h>

struct s4s_inflater {
    struct inflate_state st;
};

s4s_inflater *s4s_inflater_new(void)
{
    s4s_inflater *z = s4s_xmalloc(sizeof *z);
    s4s_inflater_reset(z);
    return z;
}

void s4s_inflater_free(s4s_inflater *z) { free(z); }

void s4s_inflater_reset(s4s_inflater *z)
{
    isal_inflate_init(&z->st);
    z->st.crc_flag = ISAL_GZIP;
}

static const char *isal_why(int r)
{
    switch (r) {
    case ISAL_INVALID_BLOCK:      return "invalid deflate block";
    case ISAL_INVALID_SYMBOL:     return "invalid deflate symbol";
    case ISAL_INVALID_LOOKBACK:   return "invalid lookback distance";
    case ISAL_INVALID_WRAPPER:    return "invalid gzip header";
    case ISAL_UNSUPPORTED_METHOD: return "unsupported compression method";
    case ISAL_INCORRECT_CHECKSUM: return "incorrect data check";
    default:                      return "corrupt data";
    }
}

s4s_rc s4s_inflater_run(s4s_inflater *z, const unsigned char *in, size_t in_len,
                        size_t *consumed, unsigned char *out, size_t out_cap,
                        size_t *produced, bool *member_end, const char **why)
{
    uint32_t ai = (uint32_t)(in_len > (1u << 30) ? (1u << 30) : in_len);
    z->st.next_in = (uint8_t *)in;
    z->st.avail_in = ai;
    z->st.next_out = out;
    z->st.avail_out = (uint32_t)out_cap;
    int r = isal_inflate(&z->st);
    *consumed = ai - z->st.avail_in;
    *produced = out_cap - z->st.avail_out;
    *member_end = z->st.block_state == ISAL_BLOCK_FINISH;
    if (r < 0 || r == ISAL_NEED_DICT) {
        *why = isal_why(r);
        return S4S_ERR_GZIP;
    }
    return S4S_OK;
}

const char *s4s_inflater_backend(void) { return "ISA-L"; }
