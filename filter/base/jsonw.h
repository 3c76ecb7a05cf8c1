/*
 * jsonw.h - small streaming JSON writer for stats, reports and s4s-term output.
 *
 * Tracks nesting so commas and colons are placed automatically; output is
 * compact.  Not for the resource hot path (writer.c has its own loop).
 * Ownership: the writer owns its buffer; s4s_jw_done() flushes it to the FILE
 * (if any) and releases it.  With f == NULL the text stays in w->b.
 */
#ifndef S4S_JSONW_H
#define S4S_JSONW_H
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "buf.h"

#define S4S_JW_MAX_DEPTH 32

struct s4s_jw {
    s4s_buf  b;
    FILE    *f;
    int      depth;
    bool     first[S4S_JW_MAX_DEPTH]; /* no member written yet at this level */
    bool     after_key;
};
typedef struct s4s_jw s4s_jw;

void s4s_jw_init(s4s_jw *w, FILE *f);
void s4s_jw_obj(s4s_jw *w);
void s4s_jw_obj_end(s4s_jw *w);
void s4s_jw_arr(s4s_jw *w);
void s4s_jw_arr_end(s4s_jw *w);
void s4s_jw_key(s4s_jw *w, const char *k);
void s4s_jw_str(s4s_jw *w, const char *s);          /* NULL writes null */
void s4s_jw_strn(s4s_jw *w, const char *s, size_t n);
void s4s_jw_int(s4s_jw *w, long long v);
void s4s_jw_uint(s4s_jw *w, unsigned long long v);
void s4s_jw_fixed(s4s_jw *w, double v, int decimals);
void s4s_jw_bool(s4s_jw *w, bool v);
void s4s_jw_null(s4s_jw *w);
/* shorthands for "key": value */
void s4s_jw_kstr(s4s_jw *w, const char *k, const char *s);
void s4s_jw_kuint(s4s_jw *w, const char *k, unsigned long long v);
void s4s_jw_kbool(s4s_jw *w, const char *k, bool v);
/* write a newline, flush to f (if any) and clear; returns false on I/O error */
bool s4s_jw_line(s4s_jw *w);
void s4s_jw_done(s4s_jw *w);

#endif
