/*
 * hgvs_cli.c - `s4s-term hgvs`: judge HGVS expressions, one per line.
 *
 * For each non-blank input line (or each argument) writes one JSON line
 * {"input","valid","normalized","kind","issues":[{"severity","code","message"}]}.
 * A trailing " (p.…)" that the parser splits off is judged too; its issues
 * follow, their messages prefixed "protein part: ".
 * Invariants: a line longer than the parser's cap is reported, never
 * buffered without bound; input bytes that are not UTF-8 are echoed as '?'.
 * Exit status: 0 all valid, 3 some invalid, 1 usage, 2 I/O error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"
#include "hgvs.h"
#include "term_cli.h"

#define LINE_CAP (S4S_HGVS_MAX_INPUT + 64)

/* Length of a valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (!k || k > n || (k == 2 && c < 0xC2) || (k == 4 && c > 0xF4))
        return 0;
    for (size_t j = 1; j < k; j++)
        if ((s[j] & 0xC0) != 0x80)
            return 0;
    return k;
}

static void put_input(s4s_jw *w, const char *s, size_t n)
{
    char tmp[LINE_CAP];
    size_t m = 0;
    for (size_t k = 0; k < n && m < sizeof tmp;) {
        size_t l = utf8_len((const unsigned char *)s + k, n - k);
        if (!l) {
            tmp[m++] = '?';
            k++;
            continue;
        }
        if (m + l > sizeof tmp)
            break;
        memcpy(tmp + m, s + k, l);
        m += l;
        k += l;
    }
    s4s_jw_strn(w, tmp, m);
}

static void put_issues(s4s_jw *w, const s4s_hgvs *h, const char *prefix)
{
    for (unsigned k = 0; k < h->nnotes; k++) {
        const s4s_hgvs_note *nt = &h->notes[k];
        if (*prefix && !strcmp(nt->code, "hgvs-no-accession"))
            continue;   /* a split-off protein change never carries one */
        char msg[200];
        snprintf(msg, sizeof msg, "%s%s", prefix, nt->msg);
        s4s_jw_obj(w);
        s4s_jw_kstr(w, "severity", s4s_hgvs_sev_str((s4s_hgvs_sev)nt->sev));
        s4s_jw_kstr(w, "code", nt->code);
        s4s_jw_kstr(w, "message", msg);
        s4s_jw_obj_end(w);
    }
}

/* Judge one expression; returns false when invalid. */
static bool judge(s4s_jw *w, s4s_hgvs *h, s4s_hgvs *hp, const char *s, size_t n)
{
    char norm[S4S_HGVS_POOL];
    bool ok = s4s_hgvs_parse(s, n, h) == S4S_OK;
    size_t pn = 0;
    const char *prot = ok ? s4s_hgvs_protein(h, &pn) : NULL;
    bool pok = true;
    if (prot)
        pok = s4s_hgvs_parse(prot, pn, hp) == S4S_OK;
    s4s_jw_obj(w);
    s4s_jw_key(w, "input");
    put_input(w, s, n);
    s4s_jw_kbool(w, "valid", ok);
    s4s_jw_key(w, "normalized");
    if (ok && s4s_hgvs_print(h, norm, sizeof norm) < sizeof norm)
        s4s_jw_str(w, norm);
    else
        s4s_jw_null(w);
    s4s_jw_key(w, "kind");
    s4s_jw_str(w, s4s_hgvs_kind_str(h->kind));
    s4s_jw_key(w, "issues");
    s4s_jw_arr(w);
    put_issues(w, h, "");
    if (prot) {
        put_issues(w, hp, "protein part: ");
        if (pok && s4s_hgvs_print(hp, norm, sizeof norm) < sizeof norm) {
            char msg[S4S_HGVS_POOL + 40];
            snprintf(msg, sizeof msg, "protein part normalized: %s", norm);
            s4s_jw_obj(w);
            s4s_jw_kstr(w, "severity", "information");
            s4s_jw_kstr(w, "code", "hgvs-protein-split");
            s4s_jw_kstr(w, "message", msg);
            s4s_jw_obj_end(w);
        }
    }
    s4s_jw_arr_end(w);
    s4s_jw_obj_end(w);
    return ok;
}

int s4s_term_cmd_hgvs(int argc, char **argv)
{
    if (argc > 1 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: s4s-term hgvs < expressions.txt | s4s-term hgvs EXPR...\n"
               "one JSON line per expression: input, valid, normalized, kind, issues\n");
        return 0;
    }
    s4s_hgvs *h = NULL, *hp = NULL;
    s4s_jw w;
    s4s_jw_init(&w, stdout);
    s4s_oom_hold hh, hhp, hw; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&hh, &h, s4s_free_at);
    s4s_oom_push(&hhp, &hp, s4s_free_at);
    s4s_oom_push(&hw, &w.b, s4s_buf_drop);
    h = s4s_xmalloc(sizeof *h);
    hp = s4s_xmalloc(sizeof *hp);
    bool all_ok = true, io_ok = true;
    if (argc > 1) {
        for (int k = 1; k < argc && io_ok; k++) {
            all_ok &= judge(&w, h, hp, argv[k], strlen(argv[k]));
            io_ok = s4s_jw_line(&w);
        }
    } else {
        char line[LINE_CAP];
        size_t n = 0;
        bool over = false;
        int c;
        for (;;) {
            c = getchar();
            if (c != EOF && c != '\n') {
                if (n < sizeof line)
                    line[n++] = (char)c;
                else
                    over = true;   /* keep reading to the newline; judged as too long */
                continue;
            }
            if (n && line[n - 1] == '\r')
                n--;
            size_t k = 0;
            while (k < n && (line[k] == ' ' || line[k] == '\t'))
                k++;
            if (k < n || over) {
                /* an over-long line is passed at full cap so the parser refuses it */
                all_ok &= judge(&w, h, hp, line, over ? sizeof line : n);
                if (!(io_ok = s4s_jw_line(&w)))
                    break;
            }
            n = 0;
            over = false;
            if (c == EOF)
                break;
        }
        if (ferror(stdin))
            io_ok = false;
    }
    s4s_oom_pop(&hw);
    s4s_oom_pop(&hhp);
    s4s_oom_pop(&hh);
    s4s_jw_done(&w);
    free(h);
    free(hp);
    if (!io_ok || fflush(stdout) != 0) {
        fprintf(stderr, "s4s-term hgvs: I/O error\n");
        return 2;
    }
    return all_ok ? 0 : 3;
}
