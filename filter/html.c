/*
 * html.c - the one-page data-quality report: a template and a few SVG
 * helpers over the stats object, the coverage TSV and the report NDJSON.
 *
 * Invariants:
 *  - Everything printed that did not come from this file goes through esc():
 *    the page holds counts, codes, paths and message templates only (the
 *    inputs it reads carry nothing else) and no markup from data.
 *  - The page fetches nothing: no script, no external URL; a CSP meta tag
 *    forbids loads even if a future edit slipped one in.
 *  - Every number cell taken from the stats carries data-k="JSON pointer"
 *    (RFC 6901) of its source, so tests compare the page with the file.
 *  - Every chart has a table with the same numbers next to it.
 *  - Memory is bounded: the stats text is capped (S4S_HTML_MAX_STATS), the
 *    TSV and the report are read line by line with a fixed line buffer.
 *  - Lines that differ between two runs over the same data (date, time,
 *    speed, input names) carry class="run" and nothing else.
 */
#include "html.h"
#include "base/alloc.h"
#include "base/buf.h"
#include "base/counter.h"
#include "base/opts.h"
#include "../terminology/term.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#define TSV_LINE      (64u << 10)
#define REPORT_LINE   ((size_t)4 << 20)
#define MAX_SYS       8192
#define TOP_UNKNOWN   10
#define CHART_ROWS    15
#define GENERIC_DEPTH 4

/* coverage counters, in TSV column order */
enum { C_CODINGS, C_DISTINCT, C_FOUND, C_NOT_FOUND, C_DEPRECATED, C_REPAIRED, C_SYNTAX, C_NOT_LOADED, C_N };
static const char *const cov_keys[C_N] = {"codings", "distinct", "found", "not_found", "deprecated",
                                          "repaired", "syntax_invalid", "not_loaded"};

typedef struct unk { char *code; uint64_t codings; } unk;

typedef struct cov_sys {
    char    *uri;
    char    *tver, *tcomp;   /* the table behind its verdicts, or NULL */
    uint64_t n[C_N];
    unk      top[TOP_UNKNOWN];
    size_t   n_top;
} cov_sys;

typedef struct page {
    FILE    *f;
    char     path[2048];     /* JSON pointer of the current object */
    size_t   plen;
    bool     path_over;      /* a key did not fit: no data-k below it */
    cov_sys *sys;
    size_t   nsys;
    bool     have_cov;
} page;

/* ---- text ----------------------------------------------------------------- */

static void esc_n(FILE *f, const char *s, size_t n)
{
    for (size_t i = 0; i < n && s[i]; i++) {
        switch (s[i]) {
        case '&':  fputs("&amp;", f); break;
        case '<':  fputs("&lt;", f); break;
        case '>':  fputs("&gt;", f); break;
        case '"':  fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:   fputc(s[i], f); break;
        }
    }
}

static void esc(FILE *f, const char *s) { esc_n(f, s, (size_t)-1); }

/* 1234567 -> "1,234,567" */
static const char *grp(char b[32], uint64_t v)
{
    char t[24];
    int n = snprintf(t, sizeof t, "%llu", (unsigned long long)v), o = 0;
    for (int i = 0; i < n; i++) {
        if (i && (n - i) % 3 == 0)
            b[o++] = ',';
        b[o++] = t[i];
    }
    b[o] = 0;
    return b;
}

/* "a_b" -> "a b": stats keys as labels */
static void label(FILE *f, const char *k)
{
    for (; *k; k++) {
        if (*k == '_')
            fputc(' ', f);
        else
            esc_n(f, k, 1);
    }
}

/* a label cut to at most n bytes at a UTF-8 boundary, for chart axes only */
static void esc_cut(FILE *f, const char *s, size_t n)
{
    size_t len = strlen(s);
    if (len <= n) {
        esc(f, s);
        return;
    }
    while (n && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    esc_n(f, s, n);
    fputs("\u2026", f);
}

/* the end of s in at most n bytes, for URIs whose tail tells them apart */
static void esc_tail(FILE *f, const char *s, size_t n)
{
    size_t len = strlen(s);
    if (len <= n) {
        esc(f, s);
        return;
    }
    const char *t = s + len - (n - 1);
    while (((unsigned char)*t & 0xC0) == 0x80)
        t++;
    fputs("\u2026", f);
    esc(f, t);
}

/* a stats key as a heading: "traps_flagged" -> "Traps flagged" */
static void heading(FILE *f, const char *k)
{
    if (*k >= 'a' && *k <= 'z') {
        fputc(*k - 'a' + 'A', f);
        k++;
    }
    label(f, k);
}

/* URIs read better in charts without the scheme */
static const char *short_uri(const char *u)
{
    if (!strncmp(u, "http://", 7)) u += 7;
    else if (!strncmp(u, "https://", 8)) u += 8;
    if (!strncmp(u, "www.", 4)) u += 4;
    return u;
}

/* ---- JSON pointer of the current position ------------------------------- */

static size_t path_push(page *pg, const char *k)
{
    size_t old = pg->plen;
    char *p = pg->path;
    size_t cap = sizeof pg->path - 1, n = pg->plen;
    if (n < cap)
        p[n++] = '/';
    for (; *k && n + 2 < cap; k++) {
        if (*k == '~') p[n++] = '~', p[n++] = '0';
        else if (*k == '/') p[n++] = '~', p[n++] = '1';
        else p[n++] = *k;
    }
    if (*k)
        pg->path_over = true;
    p[n] = 0;
    pg->plen = n;
    return old;
}

static void path_pop(page *pg, size_t old)
{
    pg->plen = old;
    pg->path[old] = 0;
    if (!old)
        pg->path_over = false;
}

/* <td class="n" data-k="PATH/key">1,234</td>; key NULL: PATH itself */
static void num_td(page *pg, const char *key, uint64_t v)
{
    char b[32];
    fputs("<td class=\"n\"", pg->f);
    size_t old = pg->plen;
    if (key)
        path_push(pg, key);
    if (!pg->path_over) {
        fputs(" data-k=\"", pg->f);
        esc(pg->f, pg->path);
        fputc('"', pg->f);
    }
    if (key)
        path_pop(pg, old);
    fprintf(pg->f, ">%s</td>", grp(b, v));
}

static void plain_td(FILE *f, uint64_t v)
{
    char b[32];
    fprintf(f, "<td class=\"n\">%s</td>", grp(b, v));
}

static void pct_td(FILE *f, uint64_t v, uint64_t of)
{
    if (of)
        fprintf(f, "<td class=\"n\">%.1f%%</td>", 100.0 * (double)v / (double)of);
    else
        fputs("<td class=\"n\">\u2013</td>", f);
}

/* ---- JSON access ------------------------------------------------------------ */

static yajl_val get(yajl_val o, const char *k)
{
    if (!YAJL_IS_OBJECT(o))
        return NULL;
    for (size_t i = 0; i < o->u.object.len; i++)
        if (!strcmp(o->u.object.keys[i], k))
            return o->u.object.values[i];
    return NULL;
}

static uint64_t num(yajl_val v)
{
    if (v && YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) > 0)
        return (uint64_t)YAJL_GET_INTEGER(v);
    return 0;
}

static uint64_t num_at(yajl_val o, const char *k) { return num(get(o, k)); }

static bool all_numbers(yajl_val o)
{
    for (size_t i = 0; i < o->u.object.len; i++)
        if (!YAJL_IS_NUMBER(o->u.object.values[i]))
            return false;
    return true;
}

/* ---- SVG: horizontal bars, stacked when there are several series --------- */

typedef struct bar_row {
    const char *label;
    const char *cls;      /* colour of a single-series bar; NULL: series colour */
    uint64_t    v[5];
} bar_row;

typedef struct chart {
    const char         *title;   /* accessible name */
    const char         *axis;    /* x-axis label */
    int                 nser;
    const char *const  *cls;     /* colour class per series */
    const char *const  *names;   /* series names (legend, tooltips) */
    bool                percent; /* each bar is 100% of its own total */
    bool                tail;    /* long labels keep their end (URIs) */
} chart;

enum { SVG_W = 600, SVG_LW = 190, SVG_RW = 64, SVG_RH = 20, SVG_TOP = 6, SVG_AX = 40 };

static uint64_t nice_step(uint64_t max)
{
    double raw = (double)max / 4.0, mag = pow(10, floor(log10(raw > 1 ? raw : 1))), r = raw / mag;
    double s = (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
    return s < 1 ? 1 : (uint64_t)s;
}

static void legend(FILE *f, const chart *c)
{
    if (c->nser < 2)
        return;
    fputs("<p class=\"legend\" aria-hidden=\"true\">", f);
    for (int s = 0; s < c->nser; s++)
        fprintf(f, "<span class=\"sw %s\"></span>%s", c->cls[s], c->names[s]);
    fputs("</p>\n", f);
}

static void svg_bars(FILE *f, const chart *c, const bar_row *r, size_t n, size_t of)
{
    char b[32];
    if (!n)
        return;
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = 0;
        for (int s = 0; s < c->nser; s++)
            t += r[i].v[s];
        if (t > max)
            max = t;
    }
    uint64_t step = c->percent ? 25 : nice_step(max ? max : 1);
    uint64_t top = c->percent ? 100 : ((max ? max : 1) + step - 1) / step * step;
    int bw = SVG_W - SVG_LW - SVG_RW, h = SVG_TOP + (int)n * SVG_RH + SVG_AX;
    fprintf(f, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" role=\"img\" aria-label=\"",
            SVG_W, h, SVG_W, h);
    esc(f, c->title);
    fputs("\">\n", f);
    int y0 = SVG_TOP + (int)n * SVG_RH;
    for (uint64_t t = 0; t <= top; t += step) {
        double x = SVG_LW + (double)bw * (double)t / (double)top;
        fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\"/>"
                   "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s%s</text>\n",
                x, SVG_TOP, x, y0 + 4, x, y0 + 16, grp(b, t), c->percent ? "%" : "");
    }
    for (size_t i = 0; i < n; i++) {
        int y = SVG_TOP + (int)i * SVG_RH;
        uint64_t tot = 0;
        for (int s = 0; s < c->nser; s++)
            tot += r[i].v[s];
        fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", SVG_LW - 6, y + 14);
        if (c->tail)
            esc_tail(f, r[i].label, 27);
        else
            esc_cut(f, r[i].label, 27);
        fputs("</text>", f);
        double x = SVG_LW, scale = c->percent ? (tot ? (double)bw / (double)tot : 0) : (double)bw / (double)top;
        for (int s = 0; s < c->nser; s++) {
            if (!r[i].v[s])
                continue;
            double w = (double)r[i].v[s] * scale;
            fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"14\"><title>",
                    r[i].cls && c->nser == 1 ? r[i].cls : c->cls[s], x, y + 3, w < 0.5 ? 0.5 : w);
            esc(f, r[i].label);
            fprintf(f, ": %s %s", c->names[s], grp(b, r[i].v[s]));
            if (c->percent && tot)
                fprintf(f, " (%.1f%%)", 100.0 * (double)r[i].v[s] / (double)tot);
            fputs("</title></rect>", f);
            x += w;
        }
        if (c->percent) /* the first series is the share that matters */
            fprintf(f, "<text x=\"%d\" y=\"%d\">%.0f%%</text>\n", SVG_LW + bw + 4, y + 14,
                    tot ? 100.0 * (double)r[i].v[0] / (double)tot : 0.0);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%d\">%s</text>\n", x + 4, y + 14, grp(b, tot));
    }
    fprintf(f, "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>", SVG_LW, y0, SVG_LW + bw, y0);
    fprintf(f, "<line class=\"ax\" x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\"/>\n", SVG_LW, SVG_TOP, SVG_LW, y0);
    fprintf(f, "<text class=\"axl\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">", SVG_LW + bw / 2, y0 + 34);
    esc(f, c->axis);
    fputs("</text>\n</svg>\n", f);
    if (of > n)
        fprintf(f, "<figcaption>The %zu largest of %zu; all are in the table.</figcaption>\n", n, of);
    fputs("</figure>\n", f);
}

/* a counter object {"key": n, ...} as a chart and a table */
static void counter_block(page *pg, yajl_val o, const char *key, const char *caption, const char *keycol,
                          const char *col, const char *axis, uint64_t share_of)
{
    FILE *f = pg->f;
    size_t n = o->u.object.len, old = path_push(pg, key);
    if (!n) {
        fprintf(f, "<p class=\"none\">None.</p>\n");
        path_pop(pg, old);
        return;
    }
    size_t shown = n < CHART_ROWS ? n : CHART_ROWS;
    bar_row *r = s4s_xcalloc(shown, sizeof *r);
    for (size_t i = 0; i < shown; i++) {
        r[i].label = o->u.object.keys[i];
        r[i].v[0] = num(o->u.object.values[i]);
    }
    static const char *const cls[] = {"c-bar"};
    const char *names[] = {col};
    chart c = {caption, axis, 1, cls, names, false, false};
    fputs("<div class=\"pair\">\n", f);
    svg_bars(f, &c, r, shown, n);
    free(r);
    fputs("<div class=\"tbl\"><table>\n<caption>", f);
    esc(f, caption);
    fputs("</caption>\n<thead><tr><th scope=\"col\">", f);
    esc(f, keycol);
    fputs("</th><th scope=\"col\" class=\"n\">", f);
    esc(f, col);
    fprintf(f, "</th>%s</tr></thead><tbody>\n", share_of ? "<th scope=\"col\" class=\"n\">Share</th>" : "");
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><th scope=\"row\"><code>", f);
        esc(f, o->u.object.keys[i]);
        fputs("</code></th>", f);
        num_td(pg, o->u.object.keys[i], num(o->u.object.values[i]));
        if (share_of)
            pct_td(f, num(o->u.object.values[i]), share_of);
        fputs("</tr>\n", f);
    }
    fputs("</tbody></table></div>\n</div>\n", f);
    path_pop(pg, old);
}

/* ---- coverage TSV --------------------------------------------------------------- */

/* TSV field in place: \t \n \r \\ undone (see rules/codes.c tsv_str) */
static void tsv_unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '\\' && s[1]) {
            s++;
            *o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
        } else {
            *o++ = *s;
        }
    }
    *o = 0;
}

static int split_tab(char *line, char **fld, int max)
{
    int n = 0;
    fld[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == '\t') {
            *p = 0;
            fld[n++] = p + 1;
        }
    return n;
}

static cov_sys *find_sys(page *pg, const char *uri)
{
    for (size_t i = pg->nsys; i-- > 0;)
        if (!strcmp(pg->sys[i].uri, uri))
            return &pg->sys[i];
    return NULL;
}

typedef struct tab_line { char *uri, *ver, *comp; } tab_line;

/* "# table" lines come before the system rows they describe */
static void attach_tables(page *pg, tab_line *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cov_sys *s = find_sys(pg, t[i].uri);
        if (s && !s->tver) {
            s->tver = t[i].ver;
            s->tcomp = t[i].comp;
        } else {
            free(t[i].ver);
            free(t[i].comp);
        }
        free(t[i].uri);
    }
}

/* "# table" lines, system rows, and for each system its first TOP_UNKNOWN
 * not-found code rows (code rows are grouped by system, most frequent first). */
static s4s_rc read_coverage(page *pg, FILE *in, char *err, size_t errlen)
{
    char *line = s4s_xmalloc(TSV_LINE);
    bool skipping = false;
    pg->sys = s4s_xcalloc(MAX_SYS, sizeof *pg->sys);
    tab_line *tabs = s4s_xcalloc(MAX_SYS, sizeof *tabs);
    size_t ntabs = 0;
    while (fgets(line, TSV_LINE, in)) {
        size_t len = strlen(line);
        bool whole = len && line[len - 1] == '\n';
        if (skipping) { /* the rest of an over-long line */
            skipping = !whole;
            continue;
        }
        if (!whole && !feof(in)) {
            skipping = true;
            continue;
        }
        if (whole)
            line[--len] = 0;
        char *fld[12];
        int nf = split_tab(line, fld, 12);
        if (nf == 4 && !strcmp(fld[0], "# table") && ntabs < MAX_SYS) {
            tsv_unescape(fld[1]);
            tsv_unescape(fld[2]);
            tabs[ntabs++] = (tab_line){s4s_xstrdup(fld[1]), s4s_xstrdup(fld[2]), s4s_xstrdup(fld[3])};
            continue;
        }
        if (nf != 12 || !strcmp(fld[0], "level"))
            continue;
        tsv_unescape(fld[1]);
        tsv_unescape(fld[2]);
        if (!strcmp(fld[0], "system") && pg->nsys < MAX_SYS) {
            cov_sys *s = &pg->sys[pg->nsys++];
            s->uri = s4s_xstrdup(fld[1]);
            for (int k = 0; k < C_N; k++)
                s->n[k] = strtoull(fld[4 + k], NULL, 10);
        } else if (!strcmp(fld[0], "code") && !strcmp(fld[3], "not-found")) {
            cov_sys *s = find_sys(pg, fld[1]);
            if (s && s->n_top < TOP_UNKNOWN) {
                s->top[s->n_top].code = s4s_xstrdup(fld[2]);
                s->top[s->n_top++].codings = strtoull(fld[4], NULL, 10);
            }
        }
    }
    free(line);
    attach_tables(pg, tabs, ntabs);
    free(tabs);
    if (ferror(in)) {
        snprintf(err, errlen, "cannot read the coverage TSV: %s", strerror(errno));
        return S4S_ERR_IO;
    }
    pg->have_cov = true;
    return S4S_OK;
}

static void free_coverage(page *pg)
{
    for (size_t i = 0; i < pg->nsys; i++) {
        free(pg->sys[i].uri);
        free(pg->sys[i].tver);
        free(pg->sys[i].tcomp);
        for (size_t j = 0; j < pg->sys[i].n_top; j++)
            free(pg->sys[i].top[j].code);
    }
    free(pg->sys);
}

/* without a TSV the system counters come from the stats */
static void coverage_from_stats(page *pg, yajl_val systems)
{
    if (!YAJL_IS_OBJECT(systems))
        return;
    size_t n = systems->u.object.len < MAX_SYS ? systems->u.object.len : MAX_SYS;
    pg->sys = s4s_xcalloc(n + 1, sizeof *pg->sys);
    for (size_t i = 0; i < n; i++) {
        cov_sys *s = &pg->sys[pg->nsys++];
        s->uri = s4s_xstrdup(systems->u.object.keys[i]);
        for (int k = 0; k < C_N; k++)
            s->n[k] = num_at(systems->u.object.values[i], cov_keys[k]);
    }
}

/* a TSV without "# table" lines (older runs): the stats' "table" objects */
static void tables_from_stats(page *pg, yajl_val systems)
{
    for (size_t i = 0; i < pg->nsys; i++) {
        cov_sys *s = &pg->sys[i];
        yajl_val t = get(get(systems, s->uri), "table"), v = get(t, "version"), c = get(t, "completeness");
        if (!s->tver && YAJL_IS_STRING(v) && YAJL_IS_STRING(c)) {
            s->tver = s4s_xstrdup(v->u.string);
            s->tcomp = s4s_xstrdup(c->u.string);
        }
    }
}

/* ---- report NDJSON: issues by resource type ------------------------------ */

typedef struct rep_counts {
    s4s_counter a;   /* per type: resources with issues, errors, warnings */
    s4s_counter b;   /* per type: information, repairs, quarantined */
    uint64_t    lines, skipped;
} rep_counts;

static yajl_val ext_value(yajl_val exts, const char *url_tail, const char *vkey)
{
    if (!YAJL_IS_ARRAY(exts))
        return NULL;
    size_t tl = strlen(url_tail);
    for (size_t i = 0; i < exts->u.array.len; i++) {
        yajl_val u = get(exts->u.array.values[i], "url");
        if (YAJL_IS_STRING(u)) {
            size_t ul = strlen(u->u.string);
            if (ul >= tl && !strcmp(u->u.string + ul - tl, url_tail))
                return vkey ? get(exts->u.array.values[i], vkey) : exts->u.array.values[i];
        }
    }
    return NULL;
}

static s4s_rc read_report(rep_counts *rc, FILE *in, char *err, size_t errlen)
{
    char *line = s4s_xmalloc(REPORT_LINE);
    bool skipping = false;
    while (fgets(line, (int)REPORT_LINE, in)) {
        size_t len = strlen(line);
        bool whole = len && line[len - 1] == '\n';
        if (skipping) {
            skipping = !whole;
            continue;
        }
        if (!whole && !feof(in)) {
            skipping = true;
            rc->skipped++;
            continue;
        }
        yajl_val oo = yajl_tree_parse(line, NULL, 0);
        if (!YAJL_IS_OBJECT(oo)) {
            rc->skipped += len > 1;
            yajl_tree_free(oo);
            continue;
        }
        rc->lines++;
        yajl_val exts = get(oo, "extension");
        yajl_val src = ext_value(exts, "/source-resource", "valueString");
        yajl_val disp = ext_value(exts, "/disposition", "valueCode");
        const char *type = "(unknown)";
        size_t tlen = strlen(type);
        if (YAJL_IS_STRING(src)) {
            const char *sl = strchr(src->u.string, '/');
            type = src->u.string;
            tlen = sl ? (size_t)(sl - type) : strlen(type);
        }
        s4s_counter_ent *a = s4s_counter_add(&rc->a, type, tlen, 0, 1);
        s4s_counter_ent *b = s4s_counter_add(&rc->b, a->key, strlen(a->key), 2,
                                             YAJL_IS_STRING(disp) && strcmp(disp->u.string, "written") ? 1 : 0);
        yajl_val issues = get(oo, "issue");
        for (size_t i = 0; YAJL_IS_ARRAY(issues) && i < issues->u.array.len; i++) {
            yajl_val is = issues->u.array.values[i];
            yajl_val sev = get(is, "severity");
            if (ext_value(get(is, "extension"), "/repair", NULL))
                b->n[1]++;
            else if (YAJL_IS_STRING(sev) && (!strcmp(sev->u.string, "error") || !strcmp(sev->u.string, "fatal")))
                a->n[1]++;
            else if (YAJL_IS_STRING(sev) && !strcmp(sev->u.string, "warning"))
                a->n[2]++;
            else
                b->n[0]++;
        }
        yajl_tree_free(oo);
    }
    free(line);
    if (ferror(in)) {
        snprintf(err, errlen, "cannot read the report: %s", strerror(errno));
        return S4S_ERR_IO;
    }
    return S4S_OK;
}

/* ---- page parts -------------------------------------------------------------- */

static const char css[] =
":root{--ink:#1f2933;--muted:#52606d;--line:#d9e2ec;--bg:#f5f7fa;--accent:#243b53;"
"--fatal:#6a1b9a;--error:#c62828;--warning:#dd7c00;--information:#1e6bb8;"
"--written:#2e7d32;--rejected:#c62828;--found:#2e7d32;--deprecated:#9c7a3c;--notfound:#dd7c00;"
"--syntax:#c62828;--notloaded:#aab4c0;--bar:#486581}\n"
"*{box-sizing:border-box}\n"
"body{margin:0;font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,\"Helvetica Neue\",Arial,sans-serif;"
"color:var(--ink);background:#fff}\n"
"main{max-width:1060px;margin:0 auto;padding:28px 32px 40px}\n"
"header.top{border-bottom:3px solid var(--accent);padding-bottom:14px;margin-bottom:8px}\n"
"h1{font-size:27px;margin:0 0 8px;color:var(--accent)}\n"
"h2{font-size:19px;margin:34px 0 10px;padding-top:12px;border-top:1px solid var(--line);color:var(--accent)}\n"
"h3{font-size:15px;margin:20px 0 6px}\n"
"dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0;color:var(--muted)}\n"
"dl.meta dt{font-weight:600}dl.meta dd{margin:0}\n"
".cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(145px,1fr));gap:12px;margin:14px 0 18px}\n"
".card{border:1px solid var(--line);border-left:5px solid var(--bar);border-radius:6px;padding:9px 12px;background:var(--bg)}\n"
".card .k{font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:var(--muted)}\n"
".card .v{font-size:25px;font-weight:650;font-variant-numeric:tabular-nums;line-height:1.2}\n"
".card .s{font-size:12px;color:var(--muted)}\n"
".card.written{border-left-color:var(--written)}.card.rejected{border-left-color:var(--rejected)}"
".card.error{border-left-color:var(--error)}.card.warning{border-left-color:var(--warning)}"
".card.information{border-left-color:var(--information)}\n"
".pair{display:flex;flex-wrap:wrap;gap:14px 28px;align-items:flex-start}\n"
".pair>figure{margin:0;flex:0 1 600px}.pair>.tbl{flex:1 1 300px;min-width:280px}\n"
"figcaption,.note,.none{font-size:12px;color:var(--muted)}\n"
"table{border-collapse:collapse;font-size:13px;width:100%;margin:4px 0 8px}\n"
"caption{text-align:left;font-weight:600;padding:2px 0 4px;color:var(--accent)}\n"
"th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}\n"
"thead th{border-bottom:2px solid var(--accent);font-size:12px;color:var(--muted);font-weight:600}\n"
"tbody th{font-weight:normal}\n"
".n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
"tbody tr:nth-child(even){background:var(--bg)}\n"
"code{font:12px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;overflow-wrap:anywhere}\n"
"svg{max-width:100%;height:auto;display:block}\n"
"svg text{font:11px system-ui,-apple-system,\"Segoe UI\",Roboto,Arial,sans-serif;fill:var(--ink)}\n"
"svg text.axl{fill:var(--muted);font-size:11.5px}\n"
"svg .ax{stroke:var(--muted);stroke-width:1}svg .grid{stroke:var(--line);stroke-width:1}\n"
".legend{font-size:12px;color:var(--muted);margin:2px 0 6px}\n"
".sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 5px 0 12px;vertical-align:-1px}\n"
".sw:first-child{margin-left:0}\n"
".c-fatal{fill:var(--fatal);background:var(--fatal)}.c-error{fill:var(--error);background:var(--error)}"
".c-warning{fill:var(--warning);background:var(--warning)}"
".c-information{fill:var(--information);background:var(--information)}\n"
".c-written{fill:var(--written);background:var(--written)}.c-rejected{fill:var(--rejected);background:var(--rejected)}\n"
".c-found{fill:var(--found);background:var(--found)}.c-deprecated{fill:var(--deprecated);background:var(--deprecated)}"
".c-notfound{fill:var(--notfound);background:var(--notfound)}.c-syntax{fill:var(--syntax);background:var(--syntax)}"
".c-notloaded{fill:var(--notloaded);background:var(--notloaded)}.c-bar{fill:var(--bar);background:var(--bar)}\n"
".sev{display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:6px}\n"
"footer{margin-top:40px;padding-top:8px;border-top:1px solid var(--line);font-size:12px;color:var(--muted)}\n"
"@media print{@page{size:A4;margin:14mm 12mm}body{font-size:9.5pt}main{max-width:none;padding:0}"
"h2{break-after:avoid;margin-top:18px}.pair{display:block}figure,.card,tr,caption{break-inside:avoid}"
"*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}\n";

static const char *const sev_names[4] = {"fatal", "error", "warning", "information"};

typedef struct tinfo { char *uri, *version, *content; uint64_t entries; } tinfo;
typedef struct tlist { tinfo *v; size_t n, cap; } tlist;

#define MAX_TABLES 65536

static void tables_cb(const s4s_term_sysinfo *si, void *u)
{
    tlist *l = u;
    if (l->n == MAX_TABLES)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = s4s_xrealloc(l->v, l->cap * sizeof *l->v);
    }
    char buf[160];
    l->v[l->n++] = (tinfo){s4s_xstrdup(si->uri), s4s_xstrdup(si->version ? si->version : ""),
                           s4s_xstrdup(s4s_term_completeness(si->complete, si->not_covered, buf, sizeof buf)),
                           (uint64_t)(si->concepts + si->genes + si->refseq)};
}

static bool in_coverage(const page *pg, const char *uri)
{
    for (size_t i = 0; i < pg->nsys; i++)
        if (!strcmp(pg->sys[i].uri, uri))
            return true;
    return false;
}

/* The cache holds a thousand small FHIR code systems: list the tables with
 * their own version and those the data used; summarise the rest. */
static void term_tables(page *pg, s4s_term *t)
{
    FILE *f = pg->f;
    char b[32];
    tlist l = {0};
    s4s_term_systems(t, tables_cb, &l);
    const char *common = NULL;
    size_t best = 0;
    for (size_t i = 0; i < l.n; i++) {
        size_t k = 0;
        for (size_t j = 0; j < l.n; j++)
            k += !strcmp(l.v[i].version, l.v[j].version);
        if (k > best)
            best = k, common = l.v[i].version;
        if (best > l.n / 2)
            break;
    }
    fputs("<table class=\"terms\">\n<caption>Terminology tables</caption>\n<thead><tr><th scope=\"col\">System</th>"
          "<th scope=\"col\">Version</th><th scope=\"col\">Content</th><th scope=\"col\" class=\"n\">Entries</th></tr></thead><tbody>\n",
          f);
    size_t rest = 0;
    uint64_t rest_entries = 0;
    for (size_t i = 0; i < l.n; i++) {
        tinfo *x = &l.v[i];
        if (best > 1 && !strcmp(x->version, common) && !in_coverage(pg, x->uri)) {
            rest++;
            rest_entries += x->entries;
            continue;
        }
        fputs("<tr><th scope=\"row\"><code>", f);
        esc(f, x->uri);
        fputs("</code></th><td>", f);
        esc(f, x->version);
        fputs("</td><td>", f);
        esc(f, x->content);
        fprintf(f, "</td><td class=\"n\">%s</td></tr>\n", grp(b, x->entries));
    }
    if (rest) {
        fprintf(f, "<tr><th scope=\"row\">%s other code systems</th><td>", grp(b, rest));
        esc(f, common);
        fprintf(f, "</td><td></td><td class=\"n\">%s</td></tr>\n", grp(b, rest_entries));
    }
    fputs("</tbody></table>\n", f);
    for (size_t i = 0; i < l.n; i++) {
        free(l.v[i].uri);
        free(l.v[i].version);
        free(l.v[i].content);
    }
    free(l.v);
}

static void header(page *pg, const s4s_html_in *in, yajl_val st)
{
    FILE *f = pg->f;
    const char *title = in->title && *in->title ? in->title : "Data-quality report";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"s4s-normalize " S4S_VERSION "\">\n<title>", f);
    esc(f, title);
    fprintf(f, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<main>\n<header class=\"top\">\n<h1>", css);
    esc(f, title);
    fputs("</h1>\n<dl class=\"meta\">\n", f);
    if (in->n_inputs) {
        fputs("<dt class=\"run\">", f);
        esc(f, in->inputs_label ? in->inputs_label : "Input");
        fputs("</dt><dd class=\"run\">", f);
        for (size_t i = 0; i < in->n_inputs; i++) {
            fputs(i ? ", <code>" : "<code>", f);
            esc(f, strcmp(in->inputs[i], "-") ? in->inputs[i] : "(stdin)");
            fputs("</code>", f);
        }
        fputs("</dd>\n", f);
    }
    /* SOURCE_DATE_EPOCH: reproducible pages (tests, builds) */
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t now = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    char date[64];
    if (gmtime_r(&now, &tm) && strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", &tm))
        fprintf(f, "<dt class=\"run\">Generated</dt><dd class=\"run\">%s</dd>\n", date);
    fputs("<dt>Tool</dt><dd>s4s-normalize " S4S_VERSION "</dd>\n", f);
    yajl_val cache = get(get(st, "terminology"), "cache");
    s4s_term *t = NULL;
    if (YAJL_IS_STRING(cache)) {
        fputs("<dt>Terminology</dt><dd><code>", f);
        esc(f, cache->u.string);
        fputs("</code></dd>\n", f);
        if (s4s_term_open(strcmp(cache->u.string, "embedded") ? cache->u.string : NULL, &t) != S4S_OK)
            t = NULL;
    }
    fputs("</dl>\n", f);
    if (t) {
        term_tables(pg, t);
        s4s_term_close(t);
    } else if (YAJL_IS_STRING(cache)) {
        fputs("<p class=\"note\">The terminology cache named above could not be opened here; its tables are not listed.</p>\n", f);
    }
    fputs("</header>\n", f);
}

static void card(FILE *f, const char *cls, const char *k, uint64_t v, uint64_t of)
{
    char b[32];
    fprintf(f, "<div class=\"card %s\"><div class=\"k\">%s</div><div class=\"v\">%s</div>", cls, k, grp(b, v));
    if (of)
        fprintf(f, "<div class=\"s\">%.1f%% of resources in</div>", 100.0 * (double)v / (double)of);
    fputs("</div>\n", f);
}

static void totals(page *pg, yajl_val st)
{
    FILE *f = pg->f;
    yajl_val iss = get(st, "issues"), refs = get(st, "references");
    uint64_t in = num_at(st, "resources_in");
    fputs("<section id=\"totals\">\n<h2>Totals</h2>\n<div class=\"cards\">\n", f);
    card(f, "", "Resources in", in, 0);
    card(f, "written", "Written", num_at(st, "resources_out"), in);
    card(f, "rejected", "Quarantined", num_at(st, "resources_rejected"), in);
    card(f, "error", "Errors", num_at(iss, "fatal") + num_at(iss, "error"), 0);
    card(f, "warning", "Warnings", num_at(iss, "warning"), 0);
    card(f, "information", "Repairs", num_at(st, "repairs"), 0);
    fputs("</div>\n<div class=\"pair\">\n<div class=\"tbl\"><table id=\"totals-table\">\n<caption>Resources and bytes</caption>\n"
          "<thead><tr><th scope=\"col\">Count</th><th scope=\"col\" class=\"n\">Value</th></tr></thead><tbody>\n", f);
    static const struct { const char *k, *label; } rows[] = {
        {"resources_in", "Resources in"}, {"resources_out", "Written"}, {"resources_rejected", "Quarantined"},
        {"repairs", "Repairs"}, {"bytes_in", "Bytes read"}, {"bytes_uncompressed", "Bytes parsed (uncompressed)"},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (!get(st, rows[i].k))
            continue;
        fprintf(f, "<tr><th scope=\"row\">%s</th>", rows[i].label);
        num_td(pg, rows[i].k, num_at(st, rows[i].k));
        fputs("</tr>\n", f);
    }
    if (YAJL_IS_OBJECT(refs)) {
        size_t old = path_push(pg, "references");
        for (size_t i = 0; i < refs->u.object.len; i++) {
            fputs("<tr><th scope=\"row\">References: ", f);
            label(f, refs->u.object.keys[i]);
            fputs("</th>", f);
            num_td(pg, refs->u.object.keys[i], num(refs->u.object.values[i]));
            fputs("</tr>\n", f);
        }
        path_pop(pg, old);
    }
    yajl_val el = get(st, "elapsed_s");
    if (YAJL_IS_NUMBER(el)) {
        double s = YAJL_IS_DOUBLE(el) ? el->u.number.d : (double)YAJL_GET_INTEGER(el);
        fprintf(f, "<tr class=\"run\"><th scope=\"row\">Elapsed</th><td class=\"n\">%.2f s</td></tr>\n", s);
        if (s > 0)
            fprintf(f, "<tr class=\"run\"><th scope=\"row\">Speed (uncompressed)</th><td class=\"n\">%.1f MB/s</td></tr>\n",
                    (double)num_at(st, "bytes_uncompressed") / 1e6 / s);
    }
    fputs("</tbody></table></div>\n", f);
    if (YAJL_IS_OBJECT(iss)) {
        uint64_t tot = 0;
        for (int i = 0; i < 4; i++)
            tot += num_at(iss, sev_names[i]);
        fputs("<div class=\"tbl\"><table id=\"severity-table\">\n<caption>Issues by severity (repairs are information)</caption>\n"
              "<thead><tr><th scope=\"col\">Severity</th><th scope=\"col\" class=\"n\">Issues</th><th scope=\"col\" class=\"n\">Share</th></tr></thead><tbody>\n",
              f);
        size_t old = path_push(pg, "issues");
        for (int i = 0; i < 4; i++) {
            if (!get(iss, sev_names[i]))
                continue;
            fprintf(f, "<tr><th scope=\"row\"><span class=\"sev c-%s\"></span>%s</th>", sev_names[i], sev_names[i]);
            num_td(pg, sev_names[i], num_at(iss, sev_names[i]));
            pct_td(f, num_at(iss, sev_names[i]), tot);
            fputs("</tr>\n", f);
        }
        path_pop(pg, old);
        fputs("</tbody></table></div>\n", f);
    }
    fputs("</div>\n</section>\n", f);
}

static void by_type(page *pg, yajl_val bt)
{
    FILE *f = pg->f;
    size_t n = bt->u.object.len, shown = n < CHART_ROWS ? n : CHART_ROWS;
    fputs("<section id=\"types\">\n<h2>Resources by type</h2>\n", f);
    static const char *const cls[] = {"c-written", "c-rejected"};
    static const char *const names[] = {"written", "quarantined"};
    chart c = {"Resources by type: written and quarantined", "resources", 2, cls, names, false, false};
    legend(f, &c);
    bar_row *r = s4s_xcalloc(shown + 1, sizeof *r);
    for (size_t i = 0; i < shown; i++) {
        r[i].label = bt->u.object.keys[i];
        r[i].v[0] = num_at(bt->u.object.values[i], "out");
        r[i].v[1] = num_at(bt->u.object.values[i], "rejected");
    }
    fputs("<div class=\"pair\">\n", f);
    svg_bars(f, &c, r, shown, n);
    free(r);
    fputs("<div class=\"tbl\"><table id=\"types-table\">\n<caption>Resources by type</caption>\n<thead><tr><th scope=\"col\">Type</th>"
          "<th scope=\"col\" class=\"n\">In</th><th scope=\"col\" class=\"n\">Written</th><th scope=\"col\" class=\"n\">Quarantined</th></tr></thead><tbody>\n",
          f);
    size_t old = path_push(pg, "by_type");
    for (size_t i = 0; i < n; i++) {
        yajl_val v = bt->u.object.values[i];
        size_t o2 = path_push(pg, bt->u.object.keys[i]);
        fputs("<tr><th scope=\"row\">", f);
        esc(f, bt->u.object.keys[i]);
        fputs("</th>", f);
        num_td(pg, "in", num_at(v, "in"));
        num_td(pg, "out", num_at(v, "out"));
        num_td(pg, "rejected", num_at(v, "rejected"));
        fputs("</tr>\n", f);
        path_pop(pg, o2);
    }
    path_pop(pg, old);
    fputs("</tbody></table></div>\n</div>\n</section>\n", f);
}

static void issues(page *pg, yajl_val st)
{
    FILE *f = pg->f;
    yajl_val code = get(st, "issues_by_code"), rule = get(st, "issues_by_rule"), top = get(st, "top_messages");
    if (!YAJL_IS_OBJECT(code) && !YAJL_IS_OBJECT(rule) && !YAJL_IS_ARRAY(top))
        return;
    yajl_val iss = get(st, "issues");
    /* issues that are not repairs: the denominator of the shares */
    uint64_t plain = 0;
    for (int i = 0; i < 4; i++)
        plain += num_at(iss, sev_names[i]);
    plain = plain > num_at(st, "repairs") ? plain - num_at(st, "repairs") : 0;
    fputs("<section id=\"issues\">\n<h2>Issues</h2>\n<p class=\"note\">Issues other than repairs, by FHIR issue type and by "
          "the rule family that raised them.</p>\n", f);
    if (YAJL_IS_OBJECT(code)) {
        fputs("<h3>By issue type</h3>\n", f);
        counter_block(pg, code, "issues_by_code", "Issues by FHIR issue type", "Issue type", "Issues", "issues", plain);
    }
    if (YAJL_IS_OBJECT(rule)) {
        fputs("<h3>By rule family</h3>\n", f);
        counter_block(pg, rule, "issues_by_rule", "Issues by rule family", "Rule family", "Issues", "issues", plain);
    }
    if (YAJL_IS_ARRAY(top) && top->u.array.len) {
        fputs("<h3>Most frequent messages</h3>\n<table id=\"messages-table\">\n<caption>Message templates (values shown as %s)</caption>\n"
              "<thead><tr><th scope=\"col\" class=\"n\">#</th><th scope=\"col\">Template</th><th scope=\"col\" class=\"n\">Issues</th>"
              "<th scope=\"col\" class=\"n\">Share</th></tr></thead><tbody>\n",
              f);
        size_t old = path_push(pg, "top_messages");
        for (size_t i = 0; i < top->u.array.len; i++) {
            yajl_val m = top->u.array.values[i], msg = get(m, "message");
            char idx[24];
            snprintf(idx, sizeof idx, "%zu", i);
            size_t o2 = path_push(pg, idx);
            fprintf(f, "<tr><td class=\"n\">%zu</td><td><code>", i + 1);
            esc(f, YAJL_IS_STRING(msg) ? msg->u.string : "");
            fputs("</code></td>", f);
            num_td(pg, "count", num_at(m, "count"));
            pct_td(f, num_at(m, "count"), plain);
            fputs("</tr>\n", f);
            path_pop(pg, o2);
        }
        path_pop(pg, old);
        fputs("</tbody></table>\n", f);
    }
    fputs("</section>\n", f);
}

static void report_types(page *pg, rep_counts *rc)
{
    FILE *f = pg->f;
    size_t n;
    s4s_counter_ent **v = s4s_counter_sorted(&rc->a, 0, &n);
    fputs("<section id=\"report\">\n<h2>Issues by resource type</h2>\n<p class=\"note\">From the OperationOutcome report: "
          "resources that have any issue or repair.</p>\n", f);
    if (rc->skipped)
        fprintf(f, "<p class=\"note\">%llu report lines could not be read and are not counted.</p>\n",
                (unsigned long long)rc->skipped);
    fputs("<table id=\"report-table\">\n<thead><tr><th scope=\"col\">Type</th><th scope=\"col\" class=\"n\">Resources</th>"
          "<th scope=\"col\" class=\"n\">Quarantined</th><th scope=\"col\" class=\"n\"><span class=\"sev c-error\"></span>Errors</th>"
          "<th scope=\"col\" class=\"n\"><span class=\"sev c-warning\"></span>Warnings</th>"
          "<th scope=\"col\" class=\"n\"><span class=\"sev c-information\"></span>Information</th>"
          "<th scope=\"col\" class=\"n\">Repairs</th></tr></thead><tbody>\n", f);
    for (size_t i = 0; i < n; i++) {
        s4s_counter_ent *b = s4s_counter_add(&rc->b, v[i]->key, strlen(v[i]->key), 0, 0);
        fputs("<tr><th scope=\"row\">", f);
        esc(f, v[i]->key);
        fputs("</th>", f);
        plain_td(f, v[i]->n[0]);
        plain_td(f, b->n[2]);
        plain_td(f, v[i]->n[1]);
        plain_td(f, v[i]->n[2]);
        plain_td(f, b->n[0]);
        plain_td(f, b->n[1]);
        fputs("</tr>\n", f);
    }
    free(v);
    fputs("</tbody></table>\n</section>\n", f);
}

static void coverage(page *pg, yajl_val term)
{
    FILE *f = pg->f;
    if (!pg->nsys)
        return;
    fputs("<section id=\"coverage\">\n<h2>Terminology coverage</h2>\n<p class=\"note\">Codings per code system by what the "
          "terminology cache said. <em>Not loaded</em>: the cache has no table for the system, so its codes are not judged.</p>\n", f);
    static const char *const cls[] = {"c-found", "c-deprecated", "c-notfound", "c-syntax", "c-notloaded"};
    static const char *const names[] = {"found", "deprecated", "not found", "syntax invalid", "not loaded"};
    chart c = {"Terminology coverage per code system, share of codings", "share of codings", 5, cls, names, true, true};
    legend(f, &c);
    size_t shown = pg->nsys < CHART_ROWS * 2 ? pg->nsys : CHART_ROWS * 2;
    bar_row *r = s4s_xcalloc(shown + 1, sizeof *r);
    for (size_t i = 0; i < shown; i++) {
        const uint64_t *n = pg->sys[i].n;
        r[i].label = short_uri(pg->sys[i].uri);
        r[i].v[0] = n[C_FOUND] > n[C_DEPRECATED] ? n[C_FOUND] - n[C_DEPRECATED] : 0;
        r[i].v[1] = n[C_DEPRECATED];
        r[i].v[2] = n[C_NOT_FOUND];
        r[i].v[3] = n[C_SYNTAX];
        r[i].v[4] = n[C_NOT_LOADED];
    }
    svg_bars(f, &c, r, shown, pg->nsys);
    free(r);
    bool tables = false;
    for (size_t i = 0; i < pg->nsys; i++)
        tables |= pg->sys[i].tver != NULL;
    fputs("<table id=\"coverage-table\">\n<caption>Codings per code system</caption>\n<thead><tr><th scope=\"col\">System</th>", f);
    if (tables)
        fputs("<th scope=\"col\">Table version</th><th scope=\"col\">Table content</th>", f);
    fputs("<th scope=\"col\" class=\"n\">Codings</th><th scope=\"col\" class=\"n\">Found</th><th scope=\"col\" class=\"n\">Found %</th>"
          "<th scope=\"col\" class=\"n\">Deprecated</th><th scope=\"col\" class=\"n\">Not found</th>"
          "<th scope=\"col\" class=\"n\">Syntax invalid</th><th scope=\"col\" class=\"n\">Not loaded</th>"
          "<th scope=\"col\" class=\"n\">Distinct codes</th><th scope=\"col\" class=\"n\">Repaired</th></tr></thead><tbody>\n", f);
    static const int col[] = {C_CODINGS, C_FOUND, -1, C_DEPRECATED, C_NOT_FOUND, C_SYNTAX, C_NOT_LOADED, C_DISTINCT, C_REPAIRED};
    size_t o0 = path_push(pg, "terminology"), o1 = path_push(pg, "systems");
    for (size_t i = 0; i < pg->nsys; i++) {
        size_t o2 = path_push(pg, pg->sys[i].uri);
        fputs("<tr><th scope=\"row\"><code>", f);
        esc(f, pg->sys[i].uri);
        fputs("</code></th>", f);
        if (tables) {
            fputs("<td>", f);
            esc(f, pg->sys[i].tver ? pg->sys[i].tver : "");
            fputs("</td><td>", f);
            esc(f, pg->sys[i].tcomp ? pg->sys[i].tcomp : "");
            fputs("</td>", f);
        }
        for (size_t k = 0; k < sizeof col / sizeof col[0]; k++) {
            if (col[k] < 0)
                pct_td(f, pg->sys[i].n[C_FOUND], pg->sys[i].n[C_CODINGS]);
            else
                num_td(pg, cov_keys[col[k]], pg->sys[i].n[col[k]]);
        }
        fputs("</tr>\n", f);
        path_pop(pg, o2);
    }
    path_pop(pg, o1);
    path_pop(pg, o0);
    fputs("</tbody></table>\n<p class=\"note\">Found includes deprecated codes.</p>\n", f);
    if (YAJL_IS_TRUE(get(term, "codes_capped")))
        fputs("<p class=\"note\">The per-code table reached its cap during the run: distinct counts and unknown codes "
              "cover the codes seen before the cap.</p>\n", f);
    bool any = false;
    for (size_t i = 0; i < pg->nsys; i++)
        any |= pg->sys[i].n_top > 0;
    if (any) {
        fprintf(f, "<h3>Most frequent unknown codes</h3>\n<table id=\"unknown-table\">\n<caption>Codes not found in the cache "
                   "(up to %d per system)</caption>\n<thead><tr><th scope=\"col\">System</th><th scope=\"col\">Code</th>"
                   "<th scope=\"col\" class=\"n\">Codings</th></tr></thead><tbody>\n", TOP_UNKNOWN);
        for (size_t i = 0; i < pg->nsys; i++)
            for (size_t j = 0; j < pg->sys[i].n_top; j++) {
                fputs("<tr><td><code>", f);
                esc(f, pg->sys[i].uri);
                fputs("</code></td><td><code>", f);
                esc(f, pg->sys[i].top[j].code);
                fputs("</code></td>", f);
                plain_td(f, pg->sys[i].top[j].codings);
                fputs("</tr>\n", f);
            }
        fputs("</tbody></table>\n", f);
    }
    fputs("</section>\n", f);
}

/* Any other object: scalars as a key/value table, counter objects as a
 * chart and table, nested objects recursively; so new stats sections
 * appear without code changes. */
static void generic(page *pg, yajl_val o, int depth, const char *skip)
{
    FILE *f = pg->f;
    bool any = false;
    for (size_t i = 0; i < o->u.object.len; i++) {
        yajl_val v = o->u.object.values[i];
        if (YAJL_IS_OBJECT(v) || YAJL_IS_ARRAY(v))
            continue;
        if (!any)
            fputs("<table class=\"kv\">\n<thead><tr><th scope=\"col\">Counter</th><th scope=\"col\" class=\"n\">Value</th></tr></thead><tbody>\n", f);
        any = true;
        fputs("<tr><th scope=\"row\">", f);
        heading(f, o->u.object.keys[i]);
        fputs("</th>", f);
        if (YAJL_IS_INTEGER(v) && YAJL_GET_INTEGER(v) >= 0) {
            num_td(pg, o->u.object.keys[i], num(v));
        } else {
            fputs("<td class=\"n\">", f);
            esc(f, YAJL_IS_NUMBER(v) ? YAJL_GET_NUMBER(v) : YAJL_IS_STRING(v) ? v->u.string
                   : YAJL_IS_TRUE(v) ? "yes" : YAJL_IS_FALSE(v) ? "no" : "\u2013");
            fputs("</td>", f);
        }
        fputs("</tr>\n", f);
    }
    if (any)
        fputs("</tbody></table>\n", f);
    for (size_t i = 0; i < o->u.object.len; i++) {
        yajl_val v = o->u.object.values[i];
        const char *k = o->u.object.keys[i];
        if (!YAJL_IS_OBJECT(v) || depth >= GENERIC_DEPTH || (skip && !strcmp(k, skip)))
            continue;
        fprintf(f, "<h%d>", depth + 3 > 6 ? 6 : depth + 3);
        heading(f, k);
        fprintf(f, "</h%d>\n", depth + 3 > 6 ? 6 : depth + 3);
        if (all_numbers(v)) {
            counter_block(pg, v, k, k, "Key", "Count", "count", 0);
        } else {
            size_t old = path_push(pg, k);
            generic(pg, v, depth + 1, NULL);
            path_pop(pg, old);
        }
    }
}

static const struct { const char *key, *title; } section_titles[] = {
    {"structure", "Structure"}, {"units", "Units (UCUM)"}, {"hgvs", "Variants (HGVS)"},
    {"terminology", "Terminology cache"}, {"profiles", "Profiles"}, {"upgrades", "Upgrades"},
};

static bool handled(const char *k)
{
    static const char *const keys[] = {"bytes_in", "bytes_uncompressed", "resources_in", "resources_out",
                                       "resources_rejected", "elapsed_s", "by_type", "issues", "issues_by_code",
                                       "issues_by_rule", "top_messages", "messages", "repairs", "repairs_by_kind",
                                       "references"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(k, keys[i]))
            return true;
    return false;
}

static void other_sections(page *pg, yajl_val st)
{
    FILE *f = pg->f;
    for (size_t i = 0; i < st->u.object.len; i++) {
        const char *k = st->u.object.keys[i];
        yajl_val v = st->u.object.values[i];
        if (handled(k) || !YAJL_IS_OBJECT(v))
            continue;
        const char *title = NULL;
        for (size_t j = 0; j < sizeof section_titles / sizeof section_titles[0]; j++)
            if (!strcmp(section_titles[j].key, k))
                title = section_titles[j].title;
        fputs("<section class=\"generic\" id=\"s-", f);
        esc(f, k);
        fputs("\">\n<h2>", f);
        if (title)
            fputs(title, f);
        else
            heading(f, k);
        fputs("</h2>\n", f);
        size_t old = path_push(pg, k);
        /* the systems of "terminology" are the coverage section */
        generic(pg, v, 0, strcmp(k, "terminology") ? NULL : "systems");
        path_pop(pg, old);
        fputs("</section>\n", f);
    }
}

/* ---- the page ---------------------------------------------------------------- */

s4s_rc s4s_html_write(FILE *f, const s4s_html_in *in, char *err, size_t errlen)
{
    if (!in->stats || in->stats_len > S4S_HTML_MAX_STATS) {
        snprintf(err, errlen, "the stats object is missing or larger than %zu bytes", S4S_HTML_MAX_STATS);
        return S4S_ERR_LIMIT;
    }
    /* yajl_tree wants a NUL-terminated text */
    char *text = s4s_xmalloc(in->stats_len + 1), ebuf[256] = "";
    memcpy(text, in->stats, in->stats_len);
    text[in->stats_len] = 0;
    yajl_val st = yajl_tree_parse(text, ebuf, sizeof ebuf);
    free(text);
    if (!YAJL_IS_OBJECT(st)) {
        char *nl = strchr(ebuf, '\n');
        if (nl)
            *nl = 0;
        snprintf(err, errlen, "the stats are not a JSON object%s%s", *ebuf ? ": " : "", ebuf);
        yajl_tree_free(st);
        return S4S_ERR_JSON;
    }
    page pg = {.f = f};
    s4s_rc rc = S4S_OK;
    FILE *cf = NULL;
    if (in->coverage_path) {
        if (!(cf = fopen(in->coverage_path, "r"))) {
            snprintf(err, errlen, "cannot open %s: %s", in->coverage_path, strerror(errno));
            rc = S4S_ERR_IO;
        }
    } else if (in->coverage_mem && in->coverage_len) {
        cf = fmemopen((void *)in->coverage_mem, in->coverage_len, "r");
    }
    if (cf) {
        rc = read_coverage(&pg, cf, err, errlen);
        fclose(cf);
    }
    rep_counts rep = {.lines = 0};
    bool have_rep = false;
    if (!rc && in->report_path) {
        FILE *rf = fopen(in->report_path, "r");
        if (!rf) {
            snprintf(err, errlen, "cannot open %s: %s", in->report_path, strerror(errno));
            rc = S4S_ERR_IO;
        } else {
            s4s_counter_init(&rep.a, 4096);
            s4s_counter_init(&rep.b, 4096);
            have_rep = true;
            rc = read_report(&rep, rf, err, errlen);
            fclose(rf);
        }
    }
    if (!rc) {
        yajl_val term = get(st, "terminology");
        if (!pg.have_cov)
            coverage_from_stats(&pg, get(term, "systems"));
        tables_from_stats(&pg, get(term, "systems"));
        header(&pg, in, st);
        totals(&pg, st);
        yajl_val bt = get(st, "by_type");
        if (YAJL_IS_OBJECT(bt) && bt->u.object.len)
            by_type(&pg, bt);
        issues(&pg, st);
        if (have_rep && rep.lines)
            report_types(&pg, &rep);
        yajl_val rk = get(st, "repairs_by_kind");
        if (YAJL_IS_OBJECT(rk)) {
            fputs("<section id=\"repairs\">\n<h2>Repairs</h2>\n<p class=\"note\">Safe repairs made, by kind; each is in the "
                  "report with its path.</p>\n", f);
            counter_block(&pg, rk, "repairs_by_kind", "Repairs by kind", "Kind", "Repairs", "repairs", 0);
            fputs("</section>\n", f);
        }
        coverage(&pg, term);
        other_sections(&pg, st);
        fputs("<footer>Made by s4s-normalize " S4S_VERSION ". This page is self-contained: no scripts, nothing "
              "fetched. It holds counts, codes, paths and message templates only, never text from the records.</footer>\n"
              "</main>\n</body>\n</html>\n", f);
        if (fflush(f) || ferror(f)) {
            snprintf(err, errlen, "cannot write the page: %s", strerror(errno));
            rc = S4S_ERR_IO;
        }
    }
    if (have_rep) {
        s4s_counter_free(&rep.a);
        s4s_counter_free(&rep.b);
    }
    free_coverage(&pg);
    yajl_tree_free(st);
    return rc;
}

/* ---- s4s-term html ------------------------------------------------------------- */

static const char html_usage[] =
"usage: s4s-term html --stats=FILE [--coverage=FILE] [--report=FILE] [--title=TEXT] > report.html\n"
"Builds the one-page data-quality report from the files a run of s4s-normalize\n"
"(or s4s-term merge-stats / merge-coverage) wrote.\n";

static s4s_rc slurp(const char *path, s4s_buf *b, char *err, size_t errlen)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        return S4S_ERR_IO;
    }
    char chunk[65536];
    size_t n;
    s4s_rc rc = S4S_OK;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        if (!s4s_buf_put(b, chunk, n)) {
            snprintf(err, errlen, "%s is larger than %zu bytes", path, b->max);
            rc = S4S_ERR_LIMIT;
            break;
        }
    if (!rc && ferror(f)) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        rc = S4S_ERR_IO;
    }
    if (f != stdin)
        fclose(f);
    return rc;
}

int s4s_html_cmd(int argc, char **argv)
{
    static const struct option opts[] = {
        {"stats", required_argument, NULL, 's'}, {"coverage", required_argument, NULL, 'c'},
        {"report", required_argument, NULL, 'r'}, {"title", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
    };
    s4s_html_in in = {.inputs_label = "Built from"};
    const char *stats = NULL, *names[3];
    int ch;
    optind = 1;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 's': stats = optarg; break;
        case 'c': in.coverage_path = optarg; break;
        case 'r': in.report_path = optarg; break;
        case 't': in.title = optarg; break;
        case 'h': fputs(html_usage, stdout); return 0;
        default: fputs(html_usage, stderr); return 1;
        }
    }
    if (!stats || optind != argc) {
        fputs(html_usage, stderr);
        return 1;
    }
    names[in.n_inputs++] = stats;
    if (in.coverage_path)
        names[in.n_inputs++] = in.coverage_path;
    if (in.report_path)
        names[in.n_inputs++] = in.report_path;
    in.inputs = names;
    s4s_buf b;
    s4s_buf_init(&b, S4S_HTML_MAX_STATS);
    char err[512] = "";
    s4s_rc rc = slurp(stats, &b, err, sizeof err);
    if (!rc) {
        in.stats = b.p;
        in.stats_len = b.len;
        rc = s4s_html_write(stdout, &in, err, sizeof err);
    }
    s4s_buf_free(&b);
    if (rc) {
        fprintf(stderr, "s4s-term html: %s\n", err);
        return 2;
    }
    return 0;
}
