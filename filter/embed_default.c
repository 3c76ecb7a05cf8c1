/*
 * embed_default.c - s4s_use_default_terminology(): the cache built into libs4s.
 *
 * A file of its own so that only programs calling it pull the embedded
 * image (and its symbols) out of the static library; the CLIs register it
 * themselves, the bootstrap s4s-term links an empty one.
 */
#include "s4s.h"
#include "../terminology/embedded.h"
#include "../terminology/term.h"

void s4s_use_default_terminology(void)
{
    s4s_term_set_embedded(s4s_default_db, s4s_default_db_len);
}
