/*
 * buf.h - growable byte buffer with a hard cap.
 *
 * Every growable buffer in libs4s is an s4s_buf so that every one has a cap:
 * s4s_buf_put() refuses (returns false, sets `over`) instead of growing past
 * it.  Also home of the JSON string escaper shared by every writer.
 * Ownership: the buffer owns `p`; s4s_buf_free() releases it.
 */
#ifndef S4S_BUF_H
#define S4S_BUF_H
#include <stdbool.h>
#include <stddef.h>

typedef struct s4s_buf {
    char  *p;
    size_t len, cap, max;  /* max: hard cap on len */
    bool   over;           /* a put was refused */
} s4s_buf;

void s4s_buf_init(s4s_buf *b, size_t max);
void s4s_buf_free(s4s_buf *b);
/* s4s_buf_free() for an s4s_oom_hold (alloc.h): a buffer on the stack */
void s4s_buf_drop(void *b);
bool s4s_buf_put(s4s_buf *b, const void *p, size_t n);
/* Room for n more bytes at b->p + b->len (the caller writes there, then
 * moves len), or NULL when they would pass the cap (over is set). */
char *s4s_buf_room(s4s_buf *b, size_t n);
/* one byte; inline because writers call it per separator */
static inline bool s4s_buf_putc(s4s_buf *b, char c)
{
    if (b->len < b->cap) { /* cap <= max, so this is within the cap */
        b->p[b->len++] = c;
        return true;
    }
    return s4s_buf_put(b, &c, 1);
}
bool s4s_buf_puts(s4s_buf *b, const char *s);
static inline void s4s_buf_clear(s4s_buf *b) { b->len = 0; b->over = false; }

/* Append s as a JSON string literal (with quotes), escaped minimally:
 * only '"', '\\' and control characters; '/' and non-ASCII pass through.
 * Assumes s is valid UTF-8 (callers validate first). */
bool s4s_buf_json_str(s4s_buf *b, const char *s, size_t n);

#endif
