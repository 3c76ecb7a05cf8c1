/*
 * inflate_zlib.c - the zlib gzip backend (the fallback, always tested).
 *
 * Invariant: one z_stream in gzip mode (windowBits 16+15), reset between
 * members; the caller loops until input is used up or output is full.
 */
#include "inflate.h"
#include "base/alloc.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

struct s4s_inflater {
    z_stream z;
};

s4s_inflater *s4s_inflater_new(void)
{
    s4s_inflater *z = s4s_xcalloc(1, sizeof *z);
    if (inflateInit2(&z->z, 16 + MAX_WBITS) != Z_OK) {
        free(z);
        return NULL;
    }
    return z;
}

void s4s_inflater_free(s4s_inflater *z)
{
    if (!z)
        return;
    inflateEnd(&z->z);
    free(z);
}

void s4s_inflater_reset(s4s_inflater *z) { inflateReset(&z->z); }

s4s_rc s4s_inflater_run(s4s_inflater *z, const unsigned char *in, size_t in_len,
                        size_t *consumed, unsigned char *out, size_t out_cap,
                        size_t *produced, bool *member_end, const char **why)
{
    uInt ai = (uInt)(in_len > (1u << 30) ? (1u << 30) : in_len);
    z->z.next_in = (unsigned char *)in;
    z->z.avail_in = ai;
    z->z.next_out = out;
    z->z.avail_out = (uInt)out_cap;
    int zr = inflate(&z->z, Z_NO_FLUSH);
    *consumed = ai - z->z.avail_in;
    *produced = out_cap - z->z.avail_out;
    *member_end = zr == Z_STREAM_END;
    if (zr == Z_DATA_ERROR || zr == Z_NEED_DICT) {
        *why = z->z.msg ? z->z.msg : "corrupt data";
        return S4S_ERR_GZIP;
    }
    if (zr == Z_MEM_ERROR)
        return S4S_ERR_NOMEM;
    return S4S_OK;
}

const char *s4s_inflater_backend(void) { return "zlib"; }
