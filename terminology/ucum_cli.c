/*
 * ucum_cli.c - `s4s-term ucum`: validate unit strings or convert a value.
 *
 *   s4s-term ucum < units.txt
 *       one JSON line per input line:
 *       {"input","valid","normalized","canonical","dimension","issues":[...]}
 *       dimension is the exponent vector over m s g rad K C cd; normalized,
 *       canonical and dimension are null for an invalid unit.
 *   s4s-term ucum --convert [--round] VALUE FROM TO
 *       {"value":"...","from":"...","to":"..."} (value as a decimal string,
 *       15 significant digits; --round keeps the input's significant digits)
 *       or {"error":"..."} and a non-zero exit.
 *
 * Invariants: input lines are read into a fixed buffer (longer lines are
 * reported invalid, never grown); bytes that are not UTF-8 are echoed as
 * U+FFFD so every output line is valid JSON.
 */
#include <stdio.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"
#include "term_cli.h"
#include "ucum.h"

#define LINE_MAX_BYTES 4096

/* Length of the valid UTF-8 sequence at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80)
        return 1;
    size_t need = s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 && s[0] < 0xE0 ? 2 : 0;
    if (!need || need > n)
        return 0;
    for (size_t k = 1; k < need; k++)
        if ((s[k] & 0xC0) != 0x80)
            return 0;
    return need;
}

static void put_input(s4s_jw *w, const char *s, size_t n)
{
    char clean[LINE_MAX_BYTES * 3];
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < sizeof clean;) {
        size_t l = utf8_len((const unsigned char *)s + i, n - i);
        if (l == 0) {
            memcpy(clean + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        } else {
            memcpy(clean + o, s + i, l);
            o += l;
            i += l;
        }
    }
    s4s_jw_strn(w, clean, o);
}

static void validate_line(s4s_jw *w, const char *s, size_t n, bool too_long, bool *all_ok)
{
    s4s_ucum_result r;
    char norm[S4S_UCUM_MAX_LEN + 8], canon[256];
    bool ok = !too_long && s4s_ucum_parse(s, n, &r, norm, sizeof norm);
    if (too_long) {
        r.valid = false;
        snprintf(r.msg, sizeof r.msg, "unit longer than %d bytes at %d", S4S_UCUM_MAX_LEN, S4S_UCUM_MAX_LEN);
    }
    s4s_jw_obj(w);
    s4s_jw_key(w, "input");
    put_input(w, s, n);
    s4s_jw_kbool(w, "valid", ok);
    s4s_jw_key(w, "normalized");
    s4s_jw_str(w, ok ? norm : NULL);
    s4s_jw_key(w, "canonical");
    s4s_jw_str(w, ok && s4s_ucum_canon_str(&r, canon, sizeof canon) ? canon : NULL);
    s4s_jw_key(w, "dimension");
    if (ok) {
        s4s_jw_arr(w);
        for (int k = 0; k < 7; k++)
            s4s_jw_int(w, r.c.dim[k]);
        s4s_jw_arr_end(w);
    } else {
        s4s_jw_null(w);
    }
    s4s_jw_key(w, "issues");
    s4s_jw_arr(w);
    if (!ok) {
        s4s_jw_str(w, r.msg);
        /* an unknown atom that exists in brackets: name it */
        const char *msg = r.msg;
        if (!strncmp(msg, "unknown atom `", 14)) {
            const char *a = msg + 14, *e = strchr(a, '`');
            const char *hint = e ? s4s_ucum_hint(a, (size_t)(e - a)) : NULL;
            if (hint) {
                char h[96];
                snprintf(h, sizeof h, "did you mean `%s`?", hint);
                s4s_jw_str(w, h);
            }
        }
    } else if (r.special && !r.fn) {
        s4s_jw_str(w, "special unit inside a compound unit: valid, but not convertible");
    }
    s4s_jw_arr_end(w);
    s4s_jw_obj_end(w);
    if (!ok)
        *all_ok = false;
}

static int run_validate(void)
{
    char line[LINE_MAX_BYTES + 2];
    s4s_jw w;
    bool all_ok = true, io_ok = true;
    s4s_jw_init(&w, stdout);
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, &w.b, s4s_buf_drop);
    while (fgets(line, sizeof line, stdin)) {
        size_t n = strlen(line);
        bool too_long = false;
        if (n && line[n - 1] != '\n' && !feof(stdin)) {
            int ch;
            while ((ch = getchar()) != EOF && ch != '\n')
                ;
            too_long = true;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = 0;
        validate_line(&w, line, n, too_long || n > S4S_UCUM_MAX_LEN, &all_ok);
        if (!s4s_jw_line(&w)) {
            io_ok = false;
            break;
        }
    }
    s4s_oom_pop(&h);
    s4s_jw_done(&w);
    if (!io_ok || ferror(stdin)) {
        fprintf(stderr, "s4s-term ucum: I/O error\n");
        return 2;
    }
    return all_ok ? 0 : 3;
}

static void free_ucum(void *u) { s4s_ucum_free(u); }

static int run_convert(int argc, char **argv)
{
    int i = 2;
    int sig = 0;
    if (i < argc && !strcmp(argv[i], "--round")) {
        sig = -1;
        i++;
    }
    if (argc - i != 3) {
        fprintf(stderr, "usage: s4s-term ucum --convert [--round] VALUE FROM TO\n");
        return 1;
    }
    s4s_ucum *u = s4s_ucum_new();
    char out[512], why[256];
    s4s_oom_hold h; /* freed if an allocation fails (alloc.h) */
    s4s_oom_push(&h, u, free_ucum);
    s4s_rc rc = s4s_ucum_convert_str(u, argv[i], argv[i + 1], argv[i + 2], sig,
                                     out, sizeof out, why, sizeof why);
    s4s_oom_pop(&h);
    s4s_ucum_free(u);
    s4s_jw w;
    s4s_jw_init(&w, stdout);
    s4s_oom_push(&h, &w.b, s4s_buf_drop);
    s4s_jw_obj(&w);
    if (rc == S4S_OK) {
        s4s_jw_kstr(&w, "value", out);
        s4s_jw_key(&w, "from");
        put_input(&w, argv[i + 1], strlen(argv[i + 1]));
        s4s_jw_key(&w, "to");
        put_input(&w, argv[i + 2], strlen(argv[i + 2]));
    } else {
        s4s_jw_kstr(&w, "error", why);
    }
    s4s_jw_obj_end(&w);
    s4s_oom_pop(&h);
    bool io_ok = s4s_jw_line(&w);
    s4s_jw_done(&w);
    if (!io_ok)
        return 2;
    return rc == S4S_OK ? 0 : rc == S4S_ERR_USAGE ? 1 : 3;
}

int s4s_term_cmd_ucum(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "--convert"))
        return run_convert(argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: s4s-term ucum < units.txt\n"
               "       s4s-term ucum --convert [--round] VALUE FROM TO\n");
        return 0;
    }
    if (argc > 1) {
        fprintf(stderr, "s4s-term ucum: unexpected argument '%s'\n", argv[1]);
        return 1;
    }
    return run_validate();
}
