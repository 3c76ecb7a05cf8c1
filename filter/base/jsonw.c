/*
 * jsonw.c - compact JSON writer with automatic separators.
 *
 * Invariant: first[depth] is true until the container at that depth has a
 * member; after_key is true between a key and its value.  The buffer cap is
 * generous (64 MiB): stats and report lines are far smaller.
 */
#include "jsonw.h"

#include <math.h>
#include <string.h>

void s4s_jw_init(s4s_jw *w, FILE *f)
{
    memset(w, 0, sizeof *w);
    s4s_buf_init(&w->b, (size_t)64 << 20);
    w->f = f;
    w->first[0] = true;
}

static void sep(s4s_jw *w)
{
    if (w->after_key) {
        w->after_key = false;
        return;
    }
    if (!w->first[w->depth])
        s4s_buf_putc(&w->b, ',');
    w->first[w->depth] = false;
}

static void open_c(s4s_jw *w, char c)
{
    sep(w);
    s4s_buf_putc(&w->b, c);
    if (w->depth < S4S_JW_MAX_DEPTH - 1)
        w->depth++;
    w->first[w->depth] = true;
}

static void close_c(s4s_jw *w, char c)
{
    s4s_buf_putc(&w->b, c);
    if (w->depth > 0)
        w->depth--;
}

void s4s_jw_obj(s4s_jw *w)     { open_c(w, '{'); }
void s4s_jw_obj_end(s4s_jw *w) { close_c(w, '}'); }
void s4s_jw_arr(s4s_jw *w)     { open_c(w, '['); }
void s4s_jw_arr_end(s4s_jw *w) { close_c(w, ']'); }

void s4s_jw_key(s4s_jw *w, const char *k)
{
    sep(w);
    s4s_buf_json_str(&w->b, k, strlen(k));
    s4s_buf_putc(&w->b, ':');
    w->after_key = true;
}

void s4s_jw_strn(s4s_jw *w, const char *s, size_t n)
{
    sep(w);
    s4s_buf_json_str(&w->b, s, n);
}

void s4s_jw_str(s4s_jw *w, const char *s)
{
    if (!s)
        s4s_jw_null(w);
    else
        s4s_jw_strn(w, s, strlen(s));
}

static void lit(s4s_jw *w, const char *s)
{
    sep(w);
    s4s_buf_puts(&w->b, s);
}

void s4s_jw_int(s4s_jw *w, long long v)
{
    char t[32];
    snprintf(t, sizeof t, "%lld", v);
    lit(w, t);
}

void s4s_jw_uint(s4s_jw *w, unsigned long long v)
{
    char t[32];
    snprintf(t, sizeof t, "%llu", v);
    lit(w, t);
}

void s4s_jw_fixed(s4s_jw *w, double v, int decimals)
{
    char t[64];
    if (!isfinite(v))
        v = 0;
    snprintf(t, sizeof t, "%.*f", decimals, v);
    lit(w, t);
}

void s4s_jw_bool(s4s_jw *w, bool v) { lit(w, v ? "true" : "false"); }
void s4s_jw_null(s4s_jw *w)         { lit(w, "null"); }

void s4s_jw_kstr(s4s_jw *w, const char *k, const char *s)           { s4s_jw_key(w, k); s4s_jw_str(w, s); }
void s4s_jw_kuint(s4s_jw *w, const char *k, unsigned long long v)   { s4s_jw_key(w, k); s4s_jw_uint(w, v); }
void s4s_jw_kbool(s4s_jw *w, const char *k, bool v)                 { s4s_jw_key(w, k); s4s_jw_bool(w, v); }

bool s4s_jw_line(s4s_jw *w)
{
    bool ok = true;
    s4s_buf_putc(&w->b, '\n');
    if (w->f) {
        ok = fwrite(w->b.p, 1, w->b.len, w->f) == w->b.len;
        s4s_buf_clear(&w->b);
    }
    w->depth = 0;
    w->first[0] = true;
    w->after_key = false;
    return ok;
}

void s4s_jw_done(s4s_jw *w)
{
    if (w->f && w->b.len)
        fwrite(w->b.p, 1, w->b.len, w->f);
    s4s_buf_free(&w->b);
}
