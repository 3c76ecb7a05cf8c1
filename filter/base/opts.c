/*
 * opts.c - the defaults of s4s_opts.
 *
 * Invariant: every field not named here is zero/false/NULL by default.
 */
#include "opts.h"

#include <string.h>

void s4s_opts_default(s4s_opts *o)
{
    memset(o, 0, sizeof *o);
    o->on_invalid = S4S_INVALID_KEEP;
    o->validate = true;
    o->max_depth = 64;
    o->max_resource_bytes = (size_t)64 << 20;
    o->max_refs = (size_t)2 << 20;
    o->report_level = S4S_LEVEL_INFO;
    o->max_bundle_refs = (size_t)64 << 10;
}
