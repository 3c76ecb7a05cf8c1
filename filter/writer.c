/*
 * writer.c - serialization of resource trees and compaction of raw bytes.
 *
 * Invariants: output is always one line of valid JSON when the tree is valid
 * UTF-8 (assemble guarantees it for every resource that is written); every
 * byte goes through an s4s_buf, so a cap bounds it.  Recursion depth is
 * bounded by --max-depth (assemble refuses deeper trees).
 */
#include "writer.h"

#include <string.h>

bool s4s_write_node(s4s_buf *b, const s4s_node *n)
{
    switch ((s4s_jtype)n->type) {
    case S4S_J_NULL:   return s4s_buf_put(b, "null", 4);
    case S4S_J_TRUE:   return s4s_buf_put(b, "true", 4);
    case S4S_J_FALSE:  return s4s_buf_put(b, "false", 5);
    case S4S_J_NUMBER: return s4s_buf_put(b, n->str, n->len);
    case S4S_J_STRING: return s4s_buf_json_str(b, n->str, n->len);
    case S4S_J_OBJECT:
    case S4S_J_ARRAY: {
        bool obj = n->type == S4S_J_OBJECT, first = true;
        s4s_buf_putc(b, obj ? '{' : '[');
        for (const s4s_node *c = n->first; c; c = c->next) {
            if (c->flags & S4S_NF_REMOVED)
                continue;
            if (!first)
                s4s_buf_putc(b, ',');
            first = false;
            if (obj) {
                s4s_buf_json_str(b, c->key, c->klen);
                s4s_buf_putc(b, ':');
            }
            s4s_write_node(b, c);
        }
        return s4s_buf_putc(b, obj ? '}' : ']');
    }
    }
    return false;
}

bool s4s_compact(s4s_buf *b, const char *p, size_t n, s4s_compact_state *st)
{
    if (!n)
        return true; /* p may be NULL for an empty capture */
    size_t run = 0; /* start of the pending run of bytes to copy */
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (st->in_str) {
            if (st->esc)
                st->esc = false;
            else if (c == '\\')
                st->esc = true;
            else if (c == '"')
                st->in_str = false;
            else if (c == '\n' || c == '\r') {
                /* raw newline inside a string is broken JSON; keep one line */
                s4s_buf_put(b, p + run, i - run);
                s4s_buf_put(b, c == '\n' ? "\\n" : "\\r", 2);
                run = i + 1;
            }
            continue;
        }
        if (c == '"') {
            st->in_str = true;
        } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
            s4s_buf_put(b, p + run, i - run);
            run = i + 1;
        }
    }
    return s4s_buf_put(b, p + run, n - run);
}

bool s4s_write_raw_line(s4s_buf *b, const char *p, size_t n)
{
    if (n && p[n - 1] == '\r')
        n--;
    if (!n)
        return true; /* p may be NULL for an empty capture */
    if (!memchr(p, '\n', n) && !memchr(p, '\r', n))
        return s4s_buf_put(b, p, n);
    s4s_compact_state cs = {0};
    return s4s_compact(b, p, n, &cs);
}
