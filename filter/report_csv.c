/*
 * report_csv.c - one CSV row per issue (see report_csv.h).
 *
 * Invariant: every row has the header's 13 fields and ends in LF; quoting
 * is decided per field, so a row never spans lines unless a value holds a
 * newline (then it is inside quotes, which CSV readers accept).
 */
#include "report_csv.h"
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void field(s4s_buf *b, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (!n) { /* "" keeps an empty value apart from an absent one (NULL) */
        s4s_buf_put(b, "\"\"", 2);
        return;
    }
    if (strcspn(s, ",\"\\\r\n") == n) {
        s4s_buf_put(b, s, n);
        return;
    }
    s4s_buf_putc(b, '"');
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        s4s_buf_put(b, s, (size_t)(q - s) + 1);
        s4s_buf_putc(b, '"');
    }
    s4s_buf_puts(b, s);
    s4s_buf_putc(b, '"');
}

static void num(s4s_buf *b, uint64_t v)
{
    char t[24];
    s4s_buf_put(b, t, (size_t)snprintf(t, sizeof t, "%" PRIu64, v));
}

void s4s_report_csv_header(s4s_buf *b)
{
    s4s_buf_puts(b, "source_file,line,offset,resource_type,id,disposition,severity,code,"
                    "rule,expression,message,repair_kind,repair_new\n");
}

void s4s_report_csv_rows(s4s_buf *b, const char *file, const char *type, const char *id,
                         uint64_t off, uint64_t line, const char *disposition,
                         const s4s_issue_rec *issues, s4s_report_level lv)
{
    for (const s4s_issue_rec *r = s4s_report_next(issues, lv); r; r = s4s_report_next(r->next, lv)) {
        field(b, file);
        s4s_buf_putc(b, ',');
        num(b, line);
        s4s_buf_putc(b, ',');
        num(b, off);
        s4s_buf_putc(b, ',');
        field(b, type);
        s4s_buf_putc(b, ',');
        field(b, id);
        s4s_buf_putc(b, ',');
        field(b, disposition);
        s4s_buf_putc(b, ',');
        field(b, s4s_sev_str(r->sev));
        s4s_buf_putc(b, ',');
        field(b, r->code);
        s4s_buf_putc(b, ',');
        field(b, r->rule ? r->rule : "input");
        s4s_buf_putc(b, ',');
        field(b, r->path);
        s4s_buf_putc(b, ',');
        field(b, r->msg);
        s4s_buf_putc(b, ',');
        field(b, r->repair);
        s4s_buf_putc(b, ',');
        field(b, r->new_val);
        s4s_buf_putc(b, '\n');
    }
}
