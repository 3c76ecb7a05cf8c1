/*
 * rc.c - names for s4s_rc values.
 *
 * Invariant: every enumerator has a string; the switch has no default so the
 * compiler flags a missing one.
 */
#include "rc.h"

const char *s4s_rc_str(s4s_rc rc)
{
    switch (rc) {
    case S4S_OK:              return "ok";
    case S4S_ERR_NOMEM:       return "out of memory";
    case S4S_ERR_IO:          return "input/output error";
    case S4S_ERR_EPIPE:       return "output closed";
    case S4S_ERR_GZIP:        return "corrupt or truncated gzip data";
    case S4S_ERR_JSON:        return "malformed JSON";
    case S4S_ERR_LIMIT:       return "limit exceeded";
    case S4S_ERR_ENCODING:    return "invalid text encoding";
    case S4S_ERR_USAGE:       return "invalid usage";
    case S4S_ERR_NOTFOUND:    return "not found";
    case S4S_ERR_DB:          return "terminology database error";
    case S4S_ERR_FORMAT:      return "malformed source file";
    case S4S_ERR_INVALID:     return "invalid data";
    case S4S_ERR_UNSUPPORTED: return "unsupported";
    case S4S_ERR_INTERNAL:    return "internal error";
    }
    return "unknown error";
}
