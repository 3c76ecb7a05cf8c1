/*
 * fhirpath_lex.c - FHIRPath tokens: identifiers, `delimited` identifiers,
 * 'strings' with their escapes, numbers, @date/@dateTime/@Ttime literals,
 * %constants, $this/$index/$total, operators; // and block comments skipped.
 *
 * Invariants: one token of lookahead; text of identifiers and strings is
 * unescaped into the compile arena (NUL-terminated); on a malformed token
 * the token is T_ERR with err set and start at its position.
 */
#include "fhirpath_int.h"

#include <string.h>

void fp_lex_init(fp_lexer *l, s4s_arena *a, const char *s, size_t n)
{
    memset(l, 0, sizeof *l);
    l->a = a;
    l->s = s;
    l->n = n;
    fp_lex_next(l);
}

bool fp_lex_is(const fp_lexer *l, const char *w)
{
    return l->t == T_ID && l->tlen == strlen(w) && memcmp(l->text, w, l->tlen) == 0;
}

static bool is_alpha(int c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
static bool is_digit(int c) { return c >= '0' && c <= '9'; }

static int hexval(int c)
{
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static void put_utf8(char *o, size_t *k, unsigned cp)
{
    if (cp < 0x80) o[(*k)++] = (char)cp;
    else if (cp < 0x800) { o[(*k)++] = (char)(0xC0 | cp >> 6); o[(*k)++] = (char)(0x80 | (cp & 0x3F)); }
    else if (cp < 0x10000) {
        o[(*k)++] = (char)(0xE0 | cp >> 12); o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    } else {
        o[(*k)++] = (char)(0xF0 | cp >> 18); o[(*k)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[(*k)++] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[(*k)++] = (char)(0x80 | (cp & 0x3F));
    }
}

/* a quoted run ending in q, with FHIRPath's escapes */
static void quoted(fp_lexer *l, char q, fp_tok t)
{
    size_t i = l->pos + 1;
    char *o = s4s_arena_alloc(l->a, l->n - l->pos + 1);
    size_t k = 0;
    for (;;) {
        if (i >= l->n) { l->t = T_ERR; l->err = "unterminated string or identifier"; return; }
        char c = l->s[i];
        if (c == q) break;
        if (c != '\\') { o[k++] = c; i++; continue; }
        if (++i >= l->n) continue;
        c = l->s[i++];
        switch (c) {
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'f': o[k++] = '\f'; break;
        case 'u': {
            unsigned cp = 0;
            for (int j = 0; j < 4; j++) {
                int h = i < l->n ? hexval((unsigned char)l->s[i]) : -1;
                if (h < 0) { l->t = T_ERR; l->err = "bad \\u escape"; return; }
                cp = cp * 16 + (unsigned)h;
                i++;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) { l->t = T_ERR; l->err = "bad \\u escape"; return; }
            put_utf8(o, &k, cp);
            break;
        }
        case '\'': case '"': case '`': case '\\': case '/': o[k++] = c; break;
        default: l->t = T_ERR; l->err = "unknown escape"; return;
        }
    }
    o[k] = '\0';
    l->text = o;
    l->tlen = k;
    l->t = t;
    l->pos = i + 1;
}

/* @2019-01-01T10:00:00.000+01:00, @T10:00 (partial forms allowed) */
static void datetime(fp_lexer *l)
{
    size_t i = l->pos + 1;
    const char *s = l->s;
    fp_tok t;
    if (i < l->n && s[i] == 'T') {
        t = T_TIME;
        i++;
        while (i < l->n && (is_digit(s[i]) || s[i] == ':' || s[i] == '.')) i++;
    } else {
        t = T_DATE;
        while (i < l->n && (is_digit(s[i]) || s[i] == '-')) i++;
        if (i < l->n && s[i] == 'T') {
            t = T_DATETIME;
            i++;
            while (i < l->n && (is_digit(s[i]) || s[i] == ':' || s[i] == '.')) i++;
            if (i < l->n && s[i] == 'Z') i++;
            else if (i < l->n && (s[i] == '+' || s[i] == '-') && i + 1 < l->n && is_digit(s[i + 1]))
                for (i++; i < l->n && (is_digit(s[i]) || s[i] == ':'); i++) {}
        }
    }
    size_t from = l->pos + 1 + (t == T_TIME);
    l->text = s4s_arena_strndup(l->a, s + from, i - from);
    l->tlen = i - from;
    l->t = t;
    l->pos = i;
}

void fp_lex_next(fp_lexer *l)
{
    const char *s = l->s;
    l->err = NULL;
    for (;;) { /* whitespace and comments */
        while (l->pos < l->n && strchr(" \t\r\n\f", s[l->pos]) && s[l->pos]) l->pos++;
        if (l->pos + 1 < l->n && s[l->pos] == '/' && s[l->pos + 1] == '/') {
            while (l->pos < l->n && s[l->pos] != '\n') l->pos++;
            continue;
        }
        if (l->pos + 1 < l->n && s[l->pos] == '/' && s[l->pos + 1] == '*') {
            size_t e = l->pos + 2;
            while (e + 1 < l->n && !(s[e] == '*' && s[e + 1] == '/')) e++;
            if (e + 1 >= l->n) { l->start = l->pos; l->t = T_ERR; l->err = "unterminated comment"; return; }
            l->pos = e + 2;
            continue;
        }
        break;
    }
    l->start = l->pos;
    if (l->pos >= l->n) { l->t = T_EOF; return; }
    char c = s[l->pos];
    if (is_alpha((unsigned char)c)) {
        size_t i = l->pos;
        while (i < l->n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]))) i++;
        l->text = s4s_arena_strndup(l->a, s + l->pos, i - l->pos);
        l->tlen = i - l->pos;
        l->t = T_ID;
        l->pos = i;
        return;
    }
    if (is_digit((unsigned char)c)) {
        size_t i = l->pos;
        while (i < l->n && is_digit((unsigned char)s[i])) i++;
        if (i + 1 < l->n && s[i] == '.' && is_digit((unsigned char)s[i + 1]))
            for (i++; i < l->n && is_digit((unsigned char)s[i]); i++) {}
        l->text = s4s_arena_strndup(l->a, s + l->pos, i - l->pos);
        l->tlen = i - l->pos;
        l->t = T_NUM;
        l->pos = i;
        return;
    }
    switch (c) {
    case '\'': quoted(l, '\'', T_STR); return;
    case '`': quoted(l, '`', T_DELIM_ID); return;
    case '@': datetime(l); return;
    case '%': {
        size_t i = l->pos + 1;
        if (i < l->n && (s[i] == '`' || s[i] == '\'')) {
            l->pos = i;
            quoted(l, s[i], T_EXT);
            if (l->t != T_ERR) l->t = T_EXT;
            return;
        }
        size_t b = i;
        while (i < l->n && (is_alpha((unsigned char)s[i]) || is_digit((unsigned char)s[i]))) i++;
        if (i == b) { l->t = T_ERR; l->err = "'%' without a name"; return; }
        l->text = s4s_arena_strndup(l->a, s + b, i - b);
        l->tlen = i - b;
        l->t = T_EXT;
        l->pos = i;
        return;
    }
    case '$': {
        size_t i = l->pos + 1, b = i;
        while (i < l->n && is_alpha((unsigned char)s[i])) i++;
        size_t k = i - b;
        l->pos = i;
        if (k == 4 && !memcmp(s + b, "this", 4)) l->t = T_THIS;
        else if (k == 5 && !memcmp(s + b, "index", 5)) l->t = T_INDEX;
        else if (k == 5 && !memcmp(s + b, "total", 5)) l->t = T_TOTAL;
        else { l->t = T_ERR; l->err = "unknown $ variable"; }
        return;
    }
    default: break;
    }
    static const struct { const char *op; fp_tok t; } ops[] = {
        {"!=", T_NE}, {"!~", T_NEQUIV}, {"<=", T_LE}, {">=", T_GE},
        {".", T_DOT}, {"(", T_LPAR}, {")", T_RPAR}, {"[", T_LBR}, {"]", T_RBR},
        {"{", T_LBRACE}, {"}", T_RBRACE}, {",", T_COMMA}, {"+", T_PLUS},
        {"-", T_MINUS}, {"*", T_STAR}, {"/", T_SLASH}, {"&", T_AMP}, {"|", T_PIPE},
        {"=", T_EQ}, {"~", T_EQUIV}, {"<", T_LT}, {">", T_GT},
    };
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t k = strlen(ops[i].op);
        if (l->pos + k <= l->n && !memcmp(s + l->pos, ops[i].op, k)) {
            l->t = ops[i].t;
            l->pos += k;
            return;
        }
    }
    l->t = T_ERR;
    l->err = "unexpected character";
}
