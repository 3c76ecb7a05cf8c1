/*
 * input.h - raw input bytes to plain UTF-8 JSON bytes.
 *
 * Detects gzip by its magic bytes (not by a flag), inflates every member of a
 * multi-member stream (pigz, `cat a.gz b.gz`, bgzip), converts a legacy
 * charset to UTF-8 when asked (ICU), names UTF-16/32 input that came without
 * --input-encoding (instead of parsing it as broken JSON), and drops a
 * leading UTF-8 BOM.
 * Output goes to the sink in pieces of at most S4S_INPUT_BLOCK bytes.
 * Ownership: the input borrows the sink's user pointer; s4s_input_free()
 * releases the inflater and buffers.
 */
#ifndef S4S_INPUT_H
#define S4S_INPUT_H
#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"

#define S4S_INPUT_BLOCK (256 * 1024)

typedef s4s_rc (*s4s_sink_fn)(void *u, const unsigned char *p, size_t n);
typedef struct s4s_input s4s_input;

s4s_rc s4s_input_new(const char *charset, s4s_sink_fn sink, void *u, s4s_input **out);
s4s_rc s4s_input_feed(s4s_input *in, const unsigned char *p, size_t n);
/* End of input: a gzip member that did not finish is an error. */
s4s_rc s4s_input_finish(s4s_input *in);
const char *s4s_input_errmsg(const s4s_input *in);
void   s4s_input_free(s4s_input *in);

#endif
