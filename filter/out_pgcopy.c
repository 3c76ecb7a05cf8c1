/*
 * out_pgcopy.c - PostgreSQL COPY text rows (see out_pgcopy.h).
 *
 * Invariant: a row is exactly one line; every byte COPY's text format gives
 * a meaning to (\, TAB, LF, CR) is escaped, so what the server stores is the
 * compact JSON the NDJSON output would have carried, byte for byte.
 */
#include "out_pgcopy.h"
#include "writer.h"

#include <string.h>

bool s4s_pgcopy_field(s4s_buf *out, const char *s, size_t n)
{
    if (!s)
        return s4s_buf_put(out, "\\N", 2);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        const char *e;
        switch (s[i]) {
        case '\\': e = "\\\\"; break;
        case '\t': e = "\\t"; break;
        case '\n': e = "\\n"; break;
        case '\r': e = "\\r"; break;
        default: continue;
        }
        s4s_buf_put(out, s + run, i - run);
        s4s_buf_put(out, e, 2);
        run = i + 1;
    }
    return s4s_buf_put(out, s + run, n - run);
}

bool s4s_pgcopy_row(s4s_buf *out, s4s_buf *scratch, const s4s_node *root,
                    const char *type, const char *id)
{
    s4s_pgcopy_field(out, type, type ? strlen(type) : 0);
    s4s_buf_putc(out, '\t');
    s4s_pgcopy_field(out, id, id ? strlen(id) : 0);
    s4s_buf_putc(out, '\t');
    s4s_buf_clear(scratch);
    s4s_write_node(scratch, root);
    s4s_pgcopy_field(out, scratch->p, scratch->len);
    return s4s_buf_putc(out, '\n');
}
