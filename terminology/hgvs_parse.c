/*
 * hgvs_parse.c - hand-written recursive-descent parser for HGVS expressions.
 *
 * One pass over a cleaned copy of the input (whitespace removed, a trailing
 * " (p.…)" split off).  Invariants:
 *  - no allocation: every part goes into fixed arrays of the s4s_hgvs value;
 *    a cap that is hit is a syntax error, never growth;
 *  - every repair the printer will make is recorded as a REPAIR note when it
 *    is detected (once per kind), every doubt as a FLAG note (once per kind),
 *    and only the first syntax error is kept (it names position and cause);
 *  - the hot path (a canonical expression) formats no strings.
 * Grammar follows the current HGVS recommendations (varnomen.hgvs.org);
 * the forms accepted are listed in tests/cases/hgvs.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hgvs.h"
#include "hgvs_int.h"

typedef struct ps {
    s4s_hgvs   *h;
    const char *s;       /* cleaned text */
    size_t      n, i;
    bool        bad;     /* a syntax error was raised */
    char        kind;    /* coordinate type */
    uint32_t    seen;    /* note codes already raised (bit per code) */
} ps;

/* --- notes ------------------------------------------------------------- */

static const struct {
    const char *code;
    uint8_t     kind, sev;
} codes[] = {
    [H_SYNTAX]      = {"hgvs-syntax",              S4S_HGVS_NOTE_SYNTAX, S4S_HGVS_SEV_ERROR},
    [H_WHITESPACE]  = {"hgvs-whitespace",          S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_CASE]        = {"hgvs-case",                S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_AA1TO3]      = {"hgvs-aa1to3",              S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_TER]         = {"hgvs-ter",                 S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_DELSEQ]      = {"hgvs-del-seq",             S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_IDENTREF]    = {"hgvs-ident-ref",           S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_RANGE]       = {"hgvs-range",               S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_DELINSSUB]   = {"hgvs-delins-sub",          S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_GENESPLIT]   = {"hgvs-gene-split",          S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_PROTSPLIT]   = {"hgvs-protein-split",       S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
    [H_XSTOP]       = {"hgvs-x-stop",              S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_NOACC]       = {"hgvs-no-accession",        S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_UNVERSIONED] = {"hgvs-unversioned",         S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_ACCFORMAT]   = {"hgvs-accession-format",    S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_COORD]       = {"hgvs-coordinate-mismatch", S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_IVS]         = {"hgvs-ivs",                 S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_ERROR},
    [H_PROTGT]      = {"hgvs-protein-gt",          S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_ERROR},
    [H_REVERSED]    = {"hgvs-reversed-range",      S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_SHIFT]       = {"hgvs-3prime",              S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_NEEDSREF]    = {"hgvs-needs-reference",     S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_DEPRECATED]  = {"hgvs-deprecated",          S4S_HGVS_NOTE_FLAG,   S4S_HGVS_SEV_WARNING},
    [H_OLDRPT]      = {"hgvs-old-repeat",          S4S_HGVS_NOTE_REPAIR, S4S_HGVS_SEV_INFO},
};

static void vnote(ps *p, unsigned code, const char *fmt, va_list ap)
{
    s4s_hgvs *h = p->h;
    if (codes[code].sev == S4S_HGVS_SEV_ERROR) {
        if (p->bad)
            return;   /* the first error explains; later ones are noise */
        p->bad = true;
    }
    if (p->seen & (1u << code))
        return;
    p->seen |= 1u << code;
    h->nnotes_total++;
    if (h->nnotes >= S4S_HGVS_MAX_NOTES)
        return;
    s4s_hgvs_note *nt = &h->notes[h->nnotes++];
    nt->kind = codes[code].kind;
    nt->sev = codes[code].sev;
    nt->code = codes[code].code;
    vsnprintf(nt->msg, sizeof nt->msg, fmt, ap);
}

__attribute__((format(printf, 3, 4)))
static void note(ps *p, unsigned code, const char *fmt, ...)
{
    if (p->seen & (1u << code))
        return;
    va_list ap;
    va_start(ap, fmt);
    vnote(p, code, fmt, ap);
    va_end(ap);
}

/* Syntax error at p->i (1-based in the message); always returns false. */
__attribute__((format(printf, 2, 3)))
static bool fail(ps *p, const char *fmt, ...)
{
    if (p->bad)
        return false;
    char m[128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m, sizeof m, fmt, ap);
    va_end(ap);
    note(p, H_SYNTAX, "position %zu: %s", p->i + 1, m);
    return false;
}

/* A flag that is an error (IVS, > in protein): raised instead of a syntax error. */
__attribute__((format(printf, 3, 4)))
static bool fail_flag(ps *p, unsigned code, const char *fmt, ...)
{
    if (p->bad)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vnote(p, code, fmt, ap);
    va_end(ap);
    p->bad = true;
    return false;
}

/* --- lexing ------------------------------------------------------------- */

static inline char pk(const ps *p) { return p->i < p->n ? p->s[p->i] : 0; }
static inline char pk2(const ps *p) { return p->i + 1 < p->n ? p->s[p->i + 1] : 0; }
static inline bool isdig(char c) { return c >= '0' && c <= '9'; }

/* Keyword at p->i, any case (records a case repair when not lower case). */
static bool kw(ps *p, const char *w)
{
    size_t k = strlen(w);
    if (p->i + k > p->n)
        return false;
    if (memcmp(p->s + p->i, w, k) == 0) {
        p->i += k;
        return true;
    }
    if (strncasecmp(p->s + p->i, w, k) != 0)
        return false;
    note(p, H_CASE, "keyword `%.*s` written as `%s`", (int)k, p->s + p->i, w);
    p->i += k;
    return true;
}

static bool lit(ps *p, char c)
{
    if (pk(p) != c)
        return false;
    p->i++;
    return true;
}

static bool expect(ps *p, char c, const char *what)
{
    if (lit(p, c))
        return true;
    char got = pk(p);
    if (!got)
        return fail(p, "expected `%c` %s, found the end", c, what);
    return fail(p, "expected `%c` %s, found `%c`", c, what, got);
}

/* Unsigned decimal, at most 18 digits. */
static bool number(ps *p, int64_t *out)
{
    size_t st = p->i;
    int64_t v = 0;
    while (isdig(pk(p))) {
        if (p->i - st >= 18)
            return fail(p, "number too long");
        v = v * 10 + (pk(p) - '0');
        p->i++;
    }
    if (p->i == st) {
        char c = pk(p);
        return c ? fail(p, "expected a number, found `%c`", c) : fail(p, "expected a number, found the end");
    }
    *out = v;
    return true;
}

/* --- pool --------------------------------------------------------------- */

static bool emit(ps *p, const char *s, size_t n)
{
    s4s_hgvs *h = p->h;
    if (n > (size_t)S4S_HGVS_POOL - h->pool_len)
        return fail(p, "expression too long");
    memcpy(h->pool + h->pool_len, s, n);
    h->pool_len += (uint16_t)n;
    return true;
}
static bool emitc(ps *p, char c) { return emit(p, &c, 1); }
static bool emitnum(ps *p, int64_t v)
{
    char b[24];
    int k = snprintf(b, sizeof b, "%lld", (long long)v);
    return emit(p, b, (size_t)k);
}

/* --- sequences ---------------------------------------------------------- */

/* IUPAC nucleotide codes; RNA uses U instead of T. */
static bool is_base(char c, bool rna)
{
    switch (c | 0x20) {
    case 'a': case 'c': case 'g': case 'n': case 'r': case 'y': case 'k': case 'm':
    case 's': case 'w': case 'b': case 'd': case 'h': case 'v':
        return true;
    case 't': return !rna;
    case 'u': return rna;
    default:  return false;
    }
}

/* A run of bases into the pool in canonical case (DNA upper, RNA lower). */
static bool bases(ps *p, uint16_t *off, uint16_t *len, bool required)
{
    bool rna = p->kind == 'r';
    size_t st = p->i;
    *off = p->h->pool_len;
    while (p->i < p->n && is_base(p->s[p->i], rna)) {
        char c = p->s[p->i];
        char want = rna ? (char)tolower((unsigned char)c) : (char)toupper((unsigned char)c);
        if (c != want)
            note(p, H_CASE, "%s bases are written in %s case", rna ? "RNA" : "DNA", rna ? "lower" : "upper");
        if (!emitc(p, want))
            return false;
        p->i++;
    }
    *len = (uint16_t)(p->i - st);
    if (required && !*len) {
        char c = pk(p);
        if (rna && (c == 'T' || c == 't'))
            return fail(p, "`%c` is not an RNA base (RNA uses u)", c);
        if (!rna && (c == 'U' || c == 'u'))
            return fail(p, "`%c` is not a DNA base (DNA uses T)", c);
        return c ? fail(p, "expected a nucleotide sequence, found `%c`", c)
                 : fail(p, "expected a nucleotide sequence, found the end");
    }
    return true;
}

/* Amino acids: 1-letter code <-> 3-letter code. */
static const char aa1s[] = "ARNDCQEGHILKMFPSTWYVBZXU*";
static const char *const aa3s[] = {
    "Ala", "Arg", "Asn", "Asp", "Cys", "Gln", "Glu", "Gly", "His", "Ile", "Leu", "Lys", "Met",
    "Phe", "Pro", "Ser", "Thr", "Trp", "Tyr", "Val", "Asx", "Glx", "Xaa", "Sec", "Ter"
};

const char *s4s_hgvs_aa3(char aa1)
{
    if (aa1 == '#')
        return "X";
    const char *q = strchr(aa1s, aa1);
    return aa1 && q ? aa3s[q - aa1s] : NULL;
}

/* 3-letter code at p->i: exact case, or (ci) any case.  Returns the 1-letter
 * code or 0. */
static char aa3_at(const ps *p, size_t at, bool ci)
{
    if (at + 3 > p->n)
        return 0;
    const char *t = p->s + at;
    for (size_t k = 0; k < sizeof aa3s / sizeof aa3s[0]; k++) {
        const char *a = aa3s[k];
        if (ci ? !strncasecmp(t, a, 3) : !memcmp(t, a, 3))
            return aa1s[k];
    }
    return 0;
}

static bool is_aa1(char c) { return c && c != '*' && strchr(aa1s, c) && c != 'O'; }

enum { AA_POS, AA_ALT };

/* One amino acid.  ctx AA_POS: before a position number.  Repairs 1-letter
 * and case, `*` -> Ter; X is kept and flagged as an ambiguous stop (its
 * caller may repair it where it can only mean Ter). */
static bool aa_one(ps *p, int ctx, char *out, bool *was_x)
{
    *was_x = false;
    char a = aa3_at(p, p->i, false);
    if (a) {
        p->i += 3;
        *out = a;
        return true;
    }
    char c = pk(p);
    bool ci3 = false;
    if (ctx == AA_POS)
        ci3 = aa3_at(p, p->i, true) && isdig(p->i + 3 < p->n ? p->s[p->i + 3] : 0);
    else {
        char t = p->i + 3 < p->n ? p->s[p->i + 3] : 0;
        ci3 = aa3_at(p, p->i, true) && !(t >= 'A' && t <= 'Z') && !(t >= 'a' && t <= 'z');
        if (ci3 && (t == 0 || t == ')' || t == ';' || t == ']')) {
            /* "p.V600GLU" vs 1-letter "...G": three upper letters at the end
             * are read as one 3-letter code only if uniform case */
            const char *q = p->s + p->i;
            bool up = isupper((unsigned char)q[0]) && isupper((unsigned char)q[1]) && isupper((unsigned char)q[2]);
            bool lo = islower((unsigned char)q[0]) && islower((unsigned char)q[1]) && islower((unsigned char)q[2]);
            ci3 = up || lo;
        }
    }
    if (ci3) {
        a = aa3_at(p, p->i, true);
        note(p, H_CASE, "amino acid `%.3s` written as `%s`", p->s + p->i, s4s_hgvs_aa3(a));
        p->i += 3;
        *out = a;
        return true;
    }
    if (c == '*') {
        note(p, H_TER, "`*` written as `Ter`");
        p->i++;
        *out = '*';
        return true;
    }
    if (c == 'X') {
        p->i++;
        *was_x = true;
        *out = '#';
        return true;
    }
    char up = (char)toupper((unsigned char)c);
    if (is_aa1(up)) {
        if (c != up)
            note(p, H_CASE, "1-letter amino acid `%c` written in upper case", c);
        note(p, H_AA1TO3, "1-letter amino acids written as 3-letter codes (`%c` -> `%s`)", up, s4s_hgvs_aa3(up));
        p->i++;
        *out = up;
        return true;
    }
    if (!c)
        return fail(p, "expected an amino acid, found the end");
    return fail(p, "`%c` is not an amino acid", c);
}

static void flag_x(ps *p)
{
    note(p, H_XSTOP, "`X` is ambiguous (a stop codon or any amino acid): write Ter or Xaa");
}

/* An amino-acid sequence (ins, delins).  Mode is fixed by the first residue:
 * 3-letter codes, or 1-letter codes; a change of mode ends the sequence. */
static bool aa_seq(ps *p, uint16_t *off, uint16_t *len)
{
    *off = p->h->pool_len;
    size_t st = p->h->pool_len;
    /* the mode is that of the first residue after any ambiguous X, which
     * both modes write as X */
    size_t q = p->i;
    while (q < p->n && p->s[q] == 'X' && !aa3_at(p, q, false))
        q++;
    bool three = aa3_at(p, q, false) != 0;
    bool lower3 = !three && aa3_at(p, q, true) && islower((unsigned char)p->s[q]);
    for (;;) {
        char a = 0;
        if (three || lower3) {
            a = aa3_at(p, p->i, lower3);
            if (!a && pk(p) == 'X') {
                /* the printer writes an ambiguous X as X in 3-letter text too */
                flag_x(p);
                a = '#';
                p->i++;
            } else if (!a) {
                break;
            } else {
                if (lower3)
                    note(p, H_CASE, "amino acids written in lower case");
                p->i += 3;
            }
        } else {
            char c = pk(p);
            if (c == '*') {
                note(p, H_TER, "`*` written as `Ter`");
                a = '*';
            } else if (c == 'X') {
                flag_x(p);
                a = '#';
            } else if (is_aa1(c)) {
                note(p, H_AA1TO3, "1-letter amino acids written as 3-letter codes (`%c` -> `%s`)", c, s4s_hgvs_aa3(c));
                a = c;
            } else
                break;
            p->i++;
        }
        if (!emitc(p, a))
            return false;
    }
    *len = (uint16_t)(p->h->pool_len - st);
    if (!*len) {
        char c = pk(p);
        return c ? fail(p, "expected amino acids, found `%c`", c) : fail(p, "expected amino acids, found the end");
    }
    return true;
}

/* --- positions ---------------------------------------------------------- */

static bool offsets_ok(char k) { return k == 'c' || k == 'n' || k == 'r'; }

static bool npos(ps *p, s4s_hgvs_pos *o)
{
    memset(o, 0, sizeof *o);
    char c = pk(p);
    if (c == '?') {
        p->i++;
        o->flags = S4S_HGVS_P_UNKNOWN;
        return true;
    }
    static const struct { const char *w; uint8_t f; } ends[] = {
        {"pter", S4S_HGVS_P_PTER}, {"qter", S4S_HGVS_P_QTER}, {"cen", S4S_HGVS_P_CEN}};
    for (size_t k = 0; k < sizeof ends / sizeof ends[0]; k++) {
        size_t wl = strlen(ends[k].w);
        if (p->i + wl <= p->n && !strncasecmp(p->s + p->i, ends[k].w, wl)) {
            if (p->kind != 'g')
                return fail(p, "`%s` (a chromosome end or the centromere) is used only with g.", ends[k].w);
            kw(p, ends[k].w);
            o->flags = ends[k].f;
            return true;
        }
    }
    bool neg = false;
    if (c == '-') {
        if (!offsets_ok(p->kind))
            return fail(p, "`-` positions are used only with c., n. and r.");
        neg = true;
        p->i++;
    } else if (c == '*') {
        if (p->kind != 'c' && p->kind != 'r')
            return fail(p, "`*` positions are used only with c. and r.");
        o->flags |= S4S_HGVS_P_STAR;
        p->i++;
    }
    if (!isdig(pk(p))) {
        c = pk(p);
        if (c == 'I' || c == 'i')
            return fail_flag(p, H_IVS, "position %zu: legacy IVS (intron) numbering: converting it needs the reference sequence", p->i + 1);
        return c ? fail(p, "expected a position, found `%c`", c) : fail(p, "expected a position, found the end");
    }
    if (!number(p, &o->num))
        return false;
    if (o->num == 0)
        return fail(p, "position 0 does not exist (numbering goes ..., -1, 1, ...)");
    if (neg)
        o->num = -o->num;
    c = pk(p);
    if ((c == '+' || c == '-') && (isdig(pk2(p)) || pk2(p) == '?')) {
        if (!offsets_ok(p->kind))
            return fail(p, "intronic offsets are used only with c., n. and r.");
        p->i++;
        if (lit(p, '?')) {
            o->offset = c == '-' ? -1 : 1;
            o->flags |= S4S_HGVS_P_OFFSET | S4S_HGVS_P_OFF_UNK;
            return true;
        }
        int64_t off;
        if (!number(p, &off))
            return false;
        o->offset = c == '-' ? -off : off;
        o->flags |= S4S_HGVS_P_OFFSET;
    }
    return true;
}

static bool ppos(ps *p, s4s_hgvs_pos *o)
{
    memset(o, 0, sizeof *o);
    if (pk(p) == '?') {
        p->i++;
        o->flags = S4S_HGVS_P_UNKNOWN;
        return true;
    }
    bool x;
    if (!aa_one(p, AA_POS, &o->aa, &x))
        return false;
    if (x)
        flag_x(p);
    if (!isdig(pk(p))) {
        char c = pk(p);
        return c ? fail(p, "expected the position after the amino acid, found `%c`", c)
                 : fail(p, "expected the position after the amino acid, found the end");
    }
    if (!number(p, &o->num))
        return false;
    if (o->num == 0)
        return fail(p, "amino-acid position 0 does not exist");
    return true;
}

static bool pos(ps *p, s4s_hgvs_pos *o) { return p->kind == 'p' ? ppos(p, o) : npos(p, o); }

/* Ordering key: pter < c.-5 < c.1 < c.*1 < qter; offsets break ties. */
static int rank(const s4s_hgvs_pos *a)
{
    if (a->flags & S4S_HGVS_P_PTER) return -1;
    if (a->flags & S4S_HGVS_P_QTER) return 3;
    return (a->flags & S4S_HGVS_P_STAR) ? 2 : a->num < 0 ? 0 : 1;
}

static int pos_cmp(const s4s_hgvs_pos *a, const s4s_hgvs_pos *b)
{
    int ra = rank(a), rb = rank(b);
    if (ra != rb) return ra < rb ? -1 : 1;
    if (a->num != b->num) return a->num < b->num ? -1 : 1;
    if (a->offset != b->offset) return a->offset < b->offset ? -1 : 1;
    return 0;
}
static bool known(const s4s_hgvs_pos *a) { return !(a->flags & (S4S_HGVS_P_UNKNOWN | S4S_HGVS_P_OFF_UNK | S4S_HGVS_P_CEN)); }

static void check_order(ps *p, const s4s_hgvs_pos *a, const s4s_hgvs_pos *b)
{
    if (known(a) && known(b) && pos_cmp(a, b) > 0)
        note(p, H_REVERSED, "range ends before it starts: give the lower position first");
}

/* pt := "(" pos "_" pos ")" | pos */
static bool pt(ps *p, s4s_hgvs_pt *o)
{
    memset(o, 0, sizeof *o);
    if (pk(p) == '(' && p->kind != 'p') {
        p->i++;
        if (!pos(p, &o->a) || !expect(p, '_', "in an uncertain position"))
            return false;
        if (!pos(p, &o->b) || !expect(p, ')', "to close the uncertain position"))
            return false;
        o->uncertain = true;
        check_order(p, &o->a, &o->b);
        return true;
    }
    return pos(p, &o->a);
}

static bool simple(const s4s_hgvs_pt *t) { return !t->uncertain && known(&t->a); }

static bool loc(ps *p, s4s_hgvs_loc *o)
{
    memset(o, 0, sizeof *o);
    if (!pt(p, &o->start))
        return false;
    if (pk(p) == '_') {
        p->i++;
        if (!pt(p, &o->end))
            return false;
        o->range = true;
        if (pk(p) == '_' && pk2(p) == '(')
            return fail(p, "a range has two ends");
        const s4s_hgvs_pos *a = o->start.uncertain ? &o->start.b : &o->start.a;
        const s4s_hgvs_pos *b = o->end.uncertain ? &o->end.a : &o->end.b;
        if (!o->end.uncertain)
            b = &o->end.a;
        check_order(p, a, b);
        if (simple(&o->start) && simple(&o->end) && pos_cmp(&o->start.a, &o->end.a) == 0
            && o->start.a.aa == o->end.a.aa) {
            note(p, H_RANGE, "a range of one position is written as that position");
            o->range = false;
        }
    }
    return true;
}

/* Number of positions in a certain, offset-free, same-region range; -1 if unknown. */
static int64_t loc_len(const s4s_hgvs_loc *l)
{
    const s4s_hgvs_pos *a = &l->start.a, *b = l->range ? &l->end.a : a;
    if (l->start.uncertain || (l->range && l->end.uncertain) || !known(a) || !known(b))
        return -1;
    if ((a->flags | b->flags) & (S4S_HGVS_P_OFFSET | S4S_HGVS_P_PTER | S4S_HGVS_P_QTER))
        return -1;
    if ((a->flags & S4S_HGVS_P_STAR) != (b->flags & S4S_HGVS_P_STAR) || (a->num < 0) != (b->num < 0))
        return -1;
    return b->num - a->num + 1;
}

/* --- nucleotide edits ---------------------------------------------------- */

static bool accession(ps *p, bool nested);
static bool coord_type(ps *p, bool nested);

/* Repeat count: n | ? | (n_m) | (n) */
static bool rcount(ps *p)
{
    if (!expect(p, '[', "before the repeat count"))
        return false;
    if (!emitc(p, '['))
        return false;
    if (lit(p, '?')) {
        if (!emitc(p, '?'))
            return false;
    } else if (lit(p, '(')) {
        int64_t a, b;
        if (!number(p, &a) || !emitc(p, '(') || !emitnum(p, a))
            return false;
        if (lit(p, '_')) {
            if (lit(p, '?')) {
                if (!emit(p, "_?", 2))
                    return false;
            } else if (!number(p, &b) || !emitc(p, '_') || !emitnum(p, b))
                return false;
        }
        if (!expect(p, ')', "after the repeat count range") || !emitc(p, ')'))
            return false;
    } else {
        int64_t a;
        if (!number(p, &a) || !emitnum(p, a))
            return false;
    }
    return expect(p, ']', "after the repeat count") && emitc(p, ']');
}

/* A repeat written as its count alone ("[12]"): the pool holds the count. */
static bool rpt_count(ps *p, s4s_hgvs_var *v)
{
    v->edit = S4S_HGVS_E_RPT;
    v->alt_off = p->h->pool_len;
    if (!rcount(p))
        return false;
    v->alt_len = (uint16_t)(p->h->pool_len - v->alt_off);
    return true;
}

/* A location on another sequence, "NM_004006.2:c.100_200": read in that
 * sequence's coordinate kind and copied into the pool as written. */
static bool nested_loc(ps *p)
{
    if (!accession(p, true))
        return false;
    /* "insL37425.1:23_361", "conNC_000022.10:17179029_17179091": the HGVS
     * examples give plain positions on the other sequence */
    bool typed = pk2(p) == '.' && strchr("gmocnrpGMOCNRP", pk(p));
    if (typed && !coord_type(p, true))
        return false;
    char saved = p->kind;
    /* "P." is read (and printed) as p. */
    p->kind = typed ? (char)tolower((unsigned char)p->s[p->i - 2]) : 'g';
    s4s_hgvs_loc l;
    size_t st = p->i;
    bool ok = loc(p, &l);
    p->kind = saved;
    return ok && emit(p, p->s + st, p->i - st);
}

/* Inserted material, written canonically into the pool. */
static bool payload_item(ps *p)
{
    char c = pk(p);
    if (is_base(c, p->kind == 'r')) {
        /* an accession "NC_000001.11:g.1_5" also starts with letters */
        size_t j = p->i;
        while (j < p->n && (isalnum((unsigned char)p->s[j]) || p->s[j] == '_' || p->s[j] == '.'))
            j++;
        bool digit = false;
        for (size_t k = p->i; k < j && !digit; k++)
            digit = isdig(p->s[k]);
        if (j < p->n && (p->s[j] == ':' || p->s[j] == '(') && j > p->i + 1 && digit)
            goto acc;   /* "NC_000001.11:", GenBank "AC096506.5:" */
        uint16_t o, l;
        if (!bases(p, &o, &l, true))
            return false;
        while (pk(p) == '[') {
            if (!rcount(p))
                return false;
            if (is_base(pk(p), p->kind == 'r') && !bases(p, &o, &l, true))
                return false;
        }
        return true;
    }
    if (isalpha((unsigned char)c)) {
        if (!memchr(p->s + p->i, ':', p->n - p->i))
            return fail(p, "`%c` is not %s base", c, p->kind == 'r' ? "an RNA" : "a DNA");
acc:
        if (!nested_loc(p))
            return false;
        if (kw(p, "inv") && !emit(p, "inv", 3))
            return false;
        return true;
    }
    if (c == '(') {
        /* uncertain length "(10)" or "(10_20)", unknown "(?)" */
        p->i++;
        if (lit(p, '?'))
            return expect(p, ')', "after `(?`") && emit(p, "(?)", 3);
        int64_t a, b;
        if (!number(p, &a) || !emitc(p, '(') || !emitnum(p, a))
            return false;
        if (lit(p, '_')) {
            if (!number(p, &b) || !emitc(p, '_') || !emitnum(p, b))
                return false;
        }
        return expect(p, ')', "after the inserted length") && emitc(p, ')');
    }
    if (isdig(c) || c == '-' || c == '*' || c == '?') {
        /* a range of the same reference, or a length */
        size_t st = p->i;
        s4s_hgvs_loc l;
        if (!loc(p, &l))
            return false;
        if (!emit(p, p->s + st, p->i - st))
            return false;
        if (kw(p, "inv") && !emit(p, "inv", 3))
            return false;
        return true;
    }
    return c ? fail(p, "expected the inserted sequence, found `%c`", c)
             : fail(p, "expected the inserted sequence, found the end");
}

static bool payload(ps *p, uint16_t *off, uint16_t *len)
{
    *off = p->h->pool_len;
    if (lit(p, '[')) {
        if (!emitc(p, '['))
            return false;
        do {
            if (!payload_item(p))
                return false;
        } while (lit(p, ';') && emitc(p, ';'));
        if (!expect(p, ']', "to close the inserted parts") || !emitc(p, ']'))
            return false;
    } else if (!payload_item(p))
        return false;
    *len = (uint16_t)(p->h->pool_len - *off);
    return true;
}

/* del/dup/inv may state the affected bases or their count: both are dropped. */
static bool stated(ps *p, s4s_hgvs_var *v, const char *what)
{
    uint16_t o, l;
    if (isdig(pk(p)) && v->edit == S4S_HGVS_E_DUP)
        return fail(p, "a length after dup is not HGVS (write the range)");
    if (isdig(pk(p))) {
        size_t st = p->i;
        int64_t k;
        if (!number(p, &k))
            return false;
        note(p, H_DELSEQ, "the length after %s (`%.*s`) is not written", what, (int)(p->i - st), p->s + st);
        int64_t span = loc_len(&v->loc);
        if (span > 0 && span != k)
            note(p, H_NEEDSREF, "%s states %lld bases but the positions span %lld", what, (long long)k, (long long)span);
        return true;
    }
    if (!bases(p, &o, &l, false))
        return false;
    v->ref_off = o;
    v->ref_len = l;
    if (l) {
        note(p, H_DELSEQ, "the bases after %s (`%.*s`) are not written", what, (int)l, p->h->pool + o);
        int64_t span = loc_len(&v->loc);
        if (span > 0 && span != l)
            note(p, H_NEEDSREF, "%s states %u bases but the positions span %lld", what, l, (long long)span);
    }
    return true;
}

static bool nedit(ps *p, s4s_hgvs_var *v)
{
    char c = pk(p);
    if (kw(p, "delins")) {
        v->edit = S4S_HGVS_E_DELINS;
        return payload(p, &v->alt_off, &v->alt_len);
    }
    if (kw(p, "del")) {
        v->edit = S4S_HGVS_E_DEL;
        if (!stated(p, v, "del"))
            return false;
        if (kw(p, "ins")) {
            v->edit = S4S_HGVS_E_DELINS;
            if (!payload(p, &v->alt_off, &v->alt_len))
                return false;
            const char *r = p->h->pool + v->ref_off, *a = p->h->pool + v->alt_off;
            if (v->ref_len == 1 && v->alt_len == 1 && is_base(a[0], p->kind == 'r') && !v->loc.range) {
                note(p, H_DELINSSUB, "a one-base deletion-insertion is a substitution");
                v->edit = S4S_HGVS_E_SUB;
            } else if (v->ref_len && v->alt_len && is_base(a[0], p->kind == 'r')
                       && (r[0] == a[0] || r[v->ref_len - 1] == a[v->alt_len - 1]))
                note(p, H_SHIFT, "deleted and inserted bases share an end: the change needs normalizing (3' rule) against the reference");
        }
        return true;
    }
    if (kw(p, "dup")) {
        v->edit = S4S_HGVS_E_DUP;
        return stated(p, v, "dup");
    }
    if (kw(p, "inv")) {
        v->edit = S4S_HGVS_E_INV;
        if (!v->loc.range && simple(&v->loc.start))
            note(p, H_NEEDSREF, "an inversion of one base is a substitution: it needs the reference base");
        return stated(p, v, "inv");
    }
    if (kw(p, "ins")) {
        v->edit = S4S_HGVS_E_INS;
        if (!v->loc.range && !v->loc.start.uncertain)
            return fail(p, "an insertion is placed between two flanking positions (e.g. 123_124ins)");
        if (v->loc.range && simple(&v->loc.start) && simple(&v->loc.end)) {
            int64_t span = loc_len(&v->loc);
            if (span > 2)
                note(p, H_NEEDSREF, "insertion positions are not adjacent");
        }
        return payload(p, &v->alt_off, &v->alt_len);
    }
    if (kw(p, "con")) {
        v->edit = S4S_HGVS_E_CON;
        note(p, H_DEPRECATED, "`con` (conversion) is deprecated: describe it as delins");
        return payload(p, &v->alt_off, &v->alt_len);
    }
    if (kw(p, "copy")) {
        v->edit = S4S_HGVS_E_COPY;
        if (!number(p, &v->num))
            return false;
        v->flags |= S4S_HGVS_V_NUM;
        return true;
    }
    if (c == '=') {
        p->i++;
        v->edit = S4S_HGVS_E_IDENT;
        return true;
    }
    if (c == '?') {
        p->i++;
        v->edit = S4S_HGVS_E_UNKNOWN;
        return true;
    }
    if (c == '|') {
        p->i++;
        v->edit = S4S_HGVS_E_METH;
        v->alt_off = p->h->pool_len;
        static const char *const meth[] = {"gom", "lom", "met="};
        for (size_t k = 0; k < sizeof meth / sizeof meth[0]; k++)
            if (kw(p, meth[k])) {
                v->alt_len = (uint16_t)strlen(meth[k]);
                return emit(p, meth[k], v->alt_len);
            }
        return fail(p, "expected gom, lom or met= after `|` (methylation)");
    }
    if (c == '[')
        return rpt_count(p, v);
    if (c == '>')
        return fail(p, "expected the reference base before `>`");
    if (is_base(c, p->kind == 'r') || c == 'T' || c == 't' || c == 'U' || c == 'u') {
        uint16_t o, l;
        if (!bases(p, &o, &l, true))
            return false;
        c = pk(p);
        if (c == '>') {
            p->i++;
            if (l != 1)
                return fail(p, "a substitution changes one base: write %u bases as delins", l);
            v->edit = S4S_HGVS_E_SUB;
            v->ref_off = o;
            v->ref_len = l;
            if (!bases(p, &v->alt_off, &v->alt_len, true))
                return false;
            if (v->alt_len != 1) {
                p->i -= v->alt_len - 1u;
                return fail(p, "a substitution changes one base: write several as delins");
            }
            if (p->h->pool[o] == p->h->pool[v->alt_off])
                note(p, H_NEEDSREF, "the new base equals the reference base (write `=`)");
            return true;
        }
        if (c == '=') {
            p->i++;
            v->edit = S4S_HGVS_E_IDENT;
            v->ref_off = o;
            v->ref_len = l;
            note(p, H_IDENTREF, "the reference base before `=` is not written");
            return true;
        }
        if (c == '(' && isdig(pk2(p))) {
            /* the old repeat form "T(5_9)": now "T[(5_9)]" */
            size_t st = p->i++;
            int64_t a, b;
            v->edit = S4S_HGVS_E_RPT;
            v->alt_off = o;
            if (!number(p, &a) || !emit(p, "[(", 2) || !emitnum(p, a))
                return false;
            if (lit(p, '_') && (!number(p, &b) || !emitc(p, '_') || !emitnum(p, b)))
                return false;
            if (!expect(p, ')', "after the repeat count range") || !emit(p, ")]", 2))
                return false;
            v->alt_len = (uint16_t)(p->h->pool_len - o);
            note(p, H_OLDRPT, "the old repeat form `%.*s` is written `%.*s`", (int)(p->i - st + l),
                 p->s + st - l, (int)v->alt_len, p->h->pool + o);
            return true;
        }
        if (c == '[') {
            v->edit = S4S_HGVS_E_RPT;
            v->alt_off = o;
            for (;;) {
                if (!rcount(p))
                    return false;
                if (!is_base(pk(p), p->kind == 'r'))
                    break;
                uint16_t o2, l2;
                if (!bases(p, &o2, &l2, true))
                    return false;
            }
            v->alt_len = (uint16_t)(p->h->pool_len - o);
            return true;
        }
        if (!c)
            return fail(p, "expected `>` after reference base, found the end");
        return fail(p, "expected `>` after reference base");
    }
    if (!c)
        return fail(p, "expected a change (>, del, dup, ins, delins, inv, con, =, [n]) after the position");
    return fail(p, "`%c` does not start a change", c);
}

/* --- protein edits ------------------------------------------------------- */

/* Ter position after fs / ext: [Ter|*|X] [n|?]; returns with flags set. */
static bool ter_tail(ps *p, s4s_hgvs_var *v)
{
    char c = pk(p);
    bool have = false;
    if (aa3_at(p, p->i, false) == '*' || (aa3_at(p, p->i, true) == '*')) {
        if (memcmp(p->s + p->i, "Ter", 3))
            note(p, H_CASE, "`%.3s` written as `Ter`", p->s + p->i);
        p->i += 3;
        have = true;
    } else if (c == '*' || c == 'X') {
        note(p, H_TER, "`%c` after %s written as `Ter`", c, v->edit == S4S_HGVS_E_FS ? "fs" : "ext");
        p->i++;
        have = true;
    }
    if (have)
        v->flags |= S4S_HGVS_V_TER;
    if (have && pk(p) == '?') {
        p->i++;
        v->flags |= S4S_HGVS_V_NUM_UNK;
    } else if (have && isdig(pk(p))) {
        if (!number(p, &v->num))
            return false;
        v->flags |= S4S_HGVS_V_NUM;
    } else if (!have && (isdig(pk(p)) || pk(p) == '?'))
        return fail(p, "a new stop position is written after Ter (e.g. fsTer23)");
    return true;
}

/* The new start of an N-terminal extension, "-5": at least one codon
 * upstream, since -0 would print as ext0, which does not parse back. */
static bool ext_upstream(ps *p, s4s_hgvs_var *v)
{
    if (!number(p, &v->num))
        return false;
    if (v->num == 0)
        return fail(p, "the new start of an extension is at least one codon upstream (ext-1)");
    v->num = -v->num;
    v->flags |= S4S_HGVS_V_NUM;
    return true;
}

static bool pedit(ps *p, s4s_hgvs_var *v)
{
    char c = pk(p);
    if (c == '>')
        return fail_flag(p, H_PROTGT, "position %zu: `>` is not used for protein changes", p->i + 1);
    if (kw(p, "delins")) {
        v->edit = S4S_HGVS_E_DELINS;
        return aa_seq(p, &v->alt_off, &v->alt_len);
    }
    if (kw(p, "del")) {
        v->edit = S4S_HGVS_E_DEL;
        if (isalnum((unsigned char)pk(p)))
            return fail(p, "nothing follows del in a protein change");
        return true;
    }
    if (kw(p, "dup")) {
        v->edit = S4S_HGVS_E_DUP;
        if (isalnum((unsigned char)pk(p)))
            return fail(p, "nothing follows dup in a protein change");
        return true;
    }
    if (kw(p, "ins")) {
        v->edit = S4S_HGVS_E_INS;
        if (!v->loc.range)
            return fail(p, "a protein insertion is placed between two flanking amino acids");
        return aa_seq(p, &v->alt_off, &v->alt_len);
    }
    if (kw(p, "fs")) {
        v->edit = S4S_HGVS_E_FS;
        return ter_tail(p, v);
    }
    if (kw(p, "ext")) {
        v->edit = S4S_HGVS_E_EXT;
        goto ext;
    }
    if (c == '=') {
        p->i++;
        v->edit = S4S_HGVS_E_IDENT;
        return true;
    }
    if (c == '?') {
        p->i++;
        v->edit = S4S_HGVS_E_UNKNOWN;
        return true;
    }
    if (c == '[')
        return rpt_count(p, v);
    if (!c)
        return fail(p, "expected a protein change after the position");
    {
        bool x;
        char a;
        if (!aa_one(p, AA_ALT, &a, &x))
            return false;
        v->alt_off = p->h->pool_len;
        v->alt_len = 1;
        if (kw(p, "fs")) {
            if (x) {
                p->i -= 3;
                return fail(p, "the new amino acid before fs is not X");
            }
            if (!emitc(p, a))
                return false;
            v->edit = S4S_HGVS_E_FS;
            return ter_tail(p, v);
        }
        if (kw(p, "ext")) {
            if (!emitc(p, x ? '*' : a))
                return false;
            v->edit = S4S_HGVS_E_EXT;
            goto ext;
        }
        if (x)
            flag_x(p);
        if (!emitc(p, a))
            return false;
        if (pk(p) == '>')
            return fail_flag(p, H_PROTGT, "position %zu: `>` is not used for protein changes", p->i + 1);
        if (isalpha((unsigned char)pk(p)) && !(p->s[p->i] == 'T' && aa3_at(p, p->i, false)))
            return fail(p, "one new amino acid is expected in a substitution (use delins for more)");
        v->edit = S4S_HGVS_E_SUB;
        return true;
    }
ext:
    /* N-terminal: ext-5 (new start upstream); C-terminal: extTer17 / ext*? */
    if (pk(p) == '-') {
        p->i++;
        return ext_upstream(p, v);
    }
    if (aa3_at(p, p->i, false) && aa3_at(p, p->i, false) != '*') {
        /* extVal-5 */
        bool x;
        char a;
        if (!aa_one(p, AA_ALT, &a, &x))
            return false;
        if (!expect(p, '-', "before the new start position"))
            return false;
        return ext_upstream(p, v);
    }
    return ter_tail(p, v);
}

/* --- one change ---------------------------------------------------------- */

static s4s_hgvs_var *newvar(ps *p, uint8_t sep)
{
    s4s_hgvs *h = p->h;
    if (h->nvars >= S4S_HGVS_MAX_VARS) {
        fail(p, "more than %d changes in one description", S4S_HGVS_MAX_VARS);
        return NULL;
    }
    s4s_hgvs_var *v = &h->vars[h->nvars++];
    memset(v, 0, sizeof *v);
    v->sep = sep;
    return v;
}

/* Changes that stand without a position: =, ?, 0, spl (and 0?, (=), (?)). */
static bool special(ps *p, s4s_hgvs_var *v)
{
    size_t st = p->i;
    bool paren = lit(p, '(');
    char c = pk(p);
    if (c == '=') {
        p->i++;
        v->edit = S4S_HGVS_E_IDENT;
    } else if (c == '?') {
        p->i++;
        v->edit = S4S_HGVS_E_UNKNOWN;
        if (paren && p->kind == 'p')
            goto no;
    } else if (c == '0' && !isdig(pk2(p)) && (p->kind == 'p' || p->kind == 'r' || p->h->bracket)) {
        p->i++;
        v->edit = S4S_HGVS_E_NONEPROD;
        if (lit(p, '?'))
            v->flags |= S4S_HGVS_V_Q;
    } else if (p->kind == 'r' && kw(p, "spl")) {
        v->edit = S4S_HGVS_E_SPL;
        if (lit(p, '?'))
            v->flags |= S4S_HGVS_V_Q;
    } else {
        p->i = st;
        return false;
    }
    if (paren) {
        if (!lit(p, ')'))
            goto no;
        v->flags |= S4S_HGVS_V_PREDICTED;
    }
    char n = pk(p);
    if (n && n != ';' && n != ']' && n != '(' && n != '/' && !(n == ')' && p->h->group_pred))
        goto no;
    return true;
no:
    p->i = st;
    v->edit = S4S_HGVS_E_NONE;
    v->flags = 0;
    return false;
}

/* Does a position (rather than an edit) start at p->i? */
static bool at_position(const ps *p)
{
    char c = pk(p);
    if (p->kind == 'p')
        return aa3_at(p, p->i, false) && isdig(p->i + 3 < p->n ? p->s[p->i + 3] : 0);
    return isdig(c) || c == '(' || c == '*' || (c == '-' && isdig(pk2(p))) || (c == '?' && pk2(p) == '_');
}

/* "^" alternatives: "p.(Gly56Ala^Ser^Cys)" (another new residue or base at
 * the same place) or "c.100A>G^200del" (another change). */
static bool or_alts(ps *p, s4s_hgvs_var *v)
{
    const s4s_hgvs_var *prev = v; /* a fixed array: pointers stay valid */
    for (; pk(p) == '^'; prev = p->h->vars + p->h->nvars - 1) {
        p->i++;
        s4s_hgvs_var *w = newvar(p, S4S_HGVS_SEP_OR);
        if (!w)
            return false;
        w->flags = v->flags & S4S_HGVS_V_PREDICTED;
        if (at_position(p)) {
            if (!loc(p, &w->loc))
                return false;
            w->flags |= S4S_HGVS_V_HAS_LOC;
            if (!(p->kind == 'p' ? pedit(p, w) : nedit(p, w)))
                return false;
            continue;
        }
        w->loc = v->loc;
        if (prev->edit == S4S_HGVS_E_SUB && p->kind != 'p' && is_base(pk(p), p->kind == 'r') &&
            pk2(p) != '>' && !isalpha((unsigned char)pk2(p))) {
            /* "A>C^G": another new base for the substitution before it */
            w->edit = S4S_HGVS_E_SUB;
            w->ref_off = prev->ref_off;
            w->ref_len = prev->ref_len;
            if (!bases(p, &w->alt_off, &w->alt_len, true))
                return false;
            continue;
        }
        if (!(p->kind == 'p' ? pedit(p, w) : nedit(p, w)))
            return false;
    }
    return true;
}

static bool change(ps *p, s4s_hgvs_var *v)
{
    if (special(p, v))
        return true;
    if (p->bad)
        return false;
    bool pred = false;
    if (pk(p) == '(') {
        /* "(Trp24Cys)" predicted (p., r.) versus "(123_456)del" uncertain position */
        size_t j = p->i + 1;
        int depth = 1;
        while (j < p->n && depth) {
            if (p->s[j] == '(') depth++;
            else if (p->s[j] == ')') depth--;
            j++;
        }
        bool whole = depth == 0 && (j == p->n || p->s[j] == ';' || p->s[j] == ']' || p->s[j] == '(' || p->s[j] == '/');
        bool inner_edit = false;
        for (size_t k = p->i + 1; k + 1 < j; k++)
            if (isalpha((unsigned char)p->s[k]) || p->s[k] == '>' || p->s[k] == '=' || p->s[k] == '[') {
                inner_edit = true;
                break;
            }
        if (whole && inner_edit) {
            if (p->kind != 'p' && p->kind != 'r')
                return fail(p, "a predicted change in parentheses is used only with p. and r.");
            p->i++;
            pred = true;
            v->flags |= S4S_HGVS_V_PREDICTED;
        }
    }
    if (!loc(p, &v->loc))
        return false;
    v->flags |= S4S_HGVS_V_HAS_LOC;
    if (pk(p) == ':' && pk2(p) == ':' && !pred && (p->kind == 'r' || p->kind == 'c' || p->kind == 'n')
        && p->h->nvars == 1 && !p->h->bracket)
        return true;   /* the 5' part of an adjoined transcript: a range only */
    bool ok;
    if (pk(p) == '(' && !pred && p->i + 1 < p->n && p->s[p->i + 1] != ';') {
        p->i++;
        v->flags |= S4S_HGVS_V_EDIT_UNC;
        ok = (p->kind == 'p' ? pedit(p, v) : nedit(p, v)) && expect(p, ')', "to close the uncertain change");
    } else
        ok = p->kind == 'p' ? pedit(p, v) : nedit(p, v);
    if (!ok || !or_alts(p, v))
        return false;
    if (pred && !expect(p, ')', "to close the predicted change"))
        return false;
    return true;
}

/* Repeat shorthand for the second allele: "CAG[26];[20]". */
static bool rpt_other_allele(ps *p, s4s_hgvs_var *v)
{
    if (v->edit != S4S_HGVS_E_RPT || pk(p) != ';' || pk2(p) != '[' || p->h->bracket)
        return true;
    p->i++;
    s4s_hgvs_var *w = newvar(p, S4S_HGVS_SEP_TRANS);
    return w && rpt_count(p, w);
}

/* A change, then mosaic "/" or chimeric "//" alternatives at the same place. */
static bool change_alts(ps *p, uint8_t sep)
{
    s4s_hgvs_var *v = newvar(p, sep);
    if (!v || !change(p, v))
        return false;
    while (pk(p) == '/') {
        uint8_t s = S4S_HGVS_SEP_MOSAIC;
        p->i++;
        if (lit(p, '/'))
            s = S4S_HGVS_SEP_CHIMERIC;
        s4s_hgvs_var *w = newvar(p, s);
        if (!w)
            return false;
        if (!(v->flags & S4S_HGVS_V_HAS_LOC)) {
            /* "c.[=/83G>C]": the unchanged share, then the change with its position */
            if (v->edit != S4S_HGVS_E_IDENT)
                return fail(p, "a mosaic or chimeric change follows a position");
            if (!change(p, w))
                return false;
            continue;
        }
        w->loc = v->loc;
        if (!(p->kind == 'p' ? pedit(p, w) : nedit(p, w)))
            return false;
    }
    return rpt_other_allele(p, v);
}

/* --- the description ----------------------------------------------------- */

static bool body(ps *p)
{
    s4s_hgvs *h = p->h;
    if (pk(p) == '[') {
        h->bracket = true;
        uint8_t sep = S4S_HGVS_SEP_NONE;
        for (;;) {
            if (!expect(p, '[', "to open an allele"))
                return false;
            if (p->kind == 'p' && pk(p) == '(' && h->nvars == 0) {
                /* p.[(a;b)]: the whole allele is predicted */
                size_t j = p->i;
                int depth = 0;
                for (; j < p->n; j++) {
                    if (p->s[j] == '(') depth++;
                    else if (p->s[j] == ')' && --depth == 0) break;
                }
                if (j + 1 < p->n && p->s[j + 1] == ']' && memchr(p->s + p->i, ';', j - p->i)) {
                    h->group_pred = true;
                    p->i++;
                }
            }
            for (;;) {
                if (!change_alts(p, sep))
                    return false;
                if (lit(p, ';'))
                    sep = S4S_HGVS_SEP_CIS;
                else if (pk(p) == '(' && pk2(p) == ';') {
                    p->i += 2;
                    if (!expect(p, ')', "in `(;)`"))
                        return false;
                    sep = S4S_HGVS_SEP_PHASE;
                } else
                    break;
            }
            if (h->group_pred && !expect(p, ')', "to close the predicted allele"))
                return false;
            if (!expect(p, ']', "to close the allele"))
                return false;
            if (pk(p) == ';' && pk2(p) == '[') {
                p->i++;
                sep = S4S_HGVS_SEP_TRANS;
                if (h->group_pred)
                    return fail(p, "a predicted allele is one allele");
                continue;
            }
            bool phased = false;
            while (pk(p) == '(' && pk2(p) == ';') {
                phased = true;
                p->i += 2;
                if (!expect(p, ')', "in `(;)`"))
                    return false;
                sep = S4S_HGVS_SEP_ALLELE_PHASE;
                if (pk(p) == '[')
                    break;
                /* "c.[a];[b](;)c": a change outside brackets */
                uint8_t first = h->nvars;
                if (!change_alts(p, sep))
                    return false;
                for (uint8_t k = first; k < h->nvars; k++)
                    h->vars[k].flags |= S4S_HGVS_V_BARE;
            }
            if (phased && pk(p) == '[')
                continue;
            return true;
        }
    }
    if (!change_alts(p, S4S_HGVS_SEP_NONE))
        return false;
    while (pk(p) == '(' && pk2(p) == ';') {
        p->i += 2;
        if (!expect(p, ')', "in `(;)`"))
            return false;
        if (!change_alts(p, S4S_HGVS_SEP_PHASE))
            return false;
    }
    if (pk(p) == ';')
        return fail(p, "changes in one allele are written in brackets: [a;b]");
    return true;
}

/* --- accessions ---------------------------------------------------------- */

static bool alldig(const char *s, size_t n)
{
    if (!n)
        return false;
    for (size_t k = 0; k < n; k++)
        if (!isdig(s[k]))
            return false;
    return true;
}

bool s4s_hgvs_refseq_valid(const char *a, size_t n, bool *versioned)
{
    *versioned = false;
    if (n < 4 || !isupper((unsigned char)a[0]) || !isupper((unsigned char)a[1]) || a[2] != '_')
        return false;
    const char *dot = memchr(a, '.', n);
    size_t core = dot ? (size_t)(dot - a) : n;
    if (!alldig(a + 3, core - 3))
        return false;
    if (dot) {
        if (!alldig(dot + 1, n - core - 1))
            return false;
        *versioned = true;
    }
    return true;
}

/* A RefSeq prefix in lower case ("nm_") is upper-cased in place. */
static void refseq_case(ps *p, char *a, size_t n)
{
    if (n >= 4 && isalpha((unsigned char)a[0]) && isalpha((unsigned char)a[1]) && a[2] == '_' && isdig(a[3])
        && (islower((unsigned char)a[0]) || islower((unsigned char)a[1]))) {
        note(p, H_CASE, "RefSeq prefix `%.3s` written in upper case", a);
        a[0] = (char)toupper((unsigned char)a[0]);
        a[1] = (char)toupper((unsigned char)a[1]);
    }
}

s4s_hgvs_acc s4s_hgvs_classify(const char *a, size_t n, bool *versioned)
{
    *versioned = false;
    if (s4s_hgvs_refseq_valid(a, n, versioned))
        return S4S_HGVS_ACC_REFSEQ;
    if (n > 4 && !strncmp(a, "LRG_", 4)) {
        size_t k = 4;
        while (k < n && isdig(a[k])) k++;
        if (k > 4 && (k == n || ((a[k] == 't' || a[k] == 'p') && alldig(a + k + 1, n - k - 1)))) {
            *versioned = true;   /* LRGs are never versioned: fixed by design */
            return S4S_HGVS_ACC_LRG;
        }
    }
    if (n > 4 && !strncmp(a, "ENS", 3)) {
        const char *dot = memchr(a, '.', n);
        size_t core = dot ? (size_t)(dot - a) : n;
        size_t k = 3;
        while (k < core && isupper((unsigned char)a[k])) k++;
        if (k < core && alldig(a + k, core - k) && core - k >= 6 && (!dot || alldig(dot + 1, n - core - 1))) {
            *versioned = dot != NULL;
            return S4S_HGVS_ACC_ENSEMBL;
        }
    }
    {
        /* GenBank / ENA: 1-2 letters + 5-6 digits, or 4-6 letters + 8-10 digits (WGS) */
        size_t k = 0;
        while (k < n && isupper((unsigned char)a[k])) k++;
        const char *dot = memchr(a, '.', n);
        size_t core = dot ? (size_t)(dot - a) : n;
        size_t d = core - k;
        if (k >= 1 && k <= 6 && alldig(a + k, d) && d >= 5 && (!dot || alldig(dot + 1, n - core - 1))) {
            *versioned = dot != NULL;
            return S4S_HGVS_ACC_GENBANK;
        }
    }
    return S4S_HGVS_ACC_OTHER;
}

static bool acc_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-'; }

/* Accession [ "(" accession|gene ")" ] ":".  nested: inside an insertion
 * (emitted into the payload, no classification notes). */
static bool accession(ps *p, bool nested)
{
    s4s_hgvs *h = p->h;
    size_t st = p->i;
    while (p->i < p->n && acc_char(p->s[p->i]))
        p->i++;
    if (p->i == st)
        return fail(p, "expected a reference sequence");
    size_t n = p->i - st;
    uint16_t off = h->pool_len;
    if (!emit(p, p->s + st, n))
        return false;
    bool ver;
    refseq_case(p, h->pool + off, n);
    uint8_t kind = (uint8_t)s4s_hgvs_classify(h->pool + off, n, &ver);
    if (nested) {
        if (lit(p, '(')) {
            size_t s2 = p->i;
            while (p->i < p->n && acc_char(p->s[p->i])) p->i++;
            if (!emitc(p, '(') || !emit(p, p->s + s2, p->i - s2) || !expect(p, ')', "after the transcript") || !emitc(p, ')'))
                return false;
        }
        return expect(p, ':', "after the reference sequence") && emitc(p, ':');
    }
    h->acc_off = off;
    h->acc_len = (uint16_t)n;
    h->acc_kind = kind;
    h->acc_versioned = ver;
    if (lit(p, '(')) {
        size_t s2 = p->i;
        while (p->i < p->n && acc_char(p->s[p->i]))
            p->i++;
        size_t n2 = p->i - s2;
        if (!n2)
            return fail(p, "expected a transcript or gene symbol in parentheses");
        if (!expect(p, ')', "after the transcript or gene"))
            return false;
        uint16_t o2 = h->pool_len;
        if (!emit(p, p->s + s2, n2))
            return false;
        bool v2;
        refseq_case(p, h->pool + o2, n2);
        uint8_t k2 = (uint8_t)s4s_hgvs_classify(h->pool + o2, n2, &v2);
        if (k2 == S4S_HGVS_ACC_REFSEQ || k2 == S4S_HGVS_ACC_ENSEMBL || k2 == S4S_HGVS_ACC_LRG) {
            h->acc2_off = o2;
            h->acc2_len = (uint16_t)n2;
            if (!v2)
                note(p, H_UNVERSIONED, "accession `%.*s` has no version", (int)n2, h->pool + o2);
        } else {
            h->gene_off = o2;
            h->gene_len = (uint16_t)n2;
            note(p, H_GENESPLIT, "gene symbol `%.*s` moved out of the expression", (int)n2, h->pool + o2);
        }
    }
    if (!lit(p, ':')) {
        if (!memchr(p->s, ':', p->n) && !memchr(p->s, '.', p->n)) {
            note(p, H_NOACC, "no reference sequence and no coordinate type");
            p->i = st;
            return fail(p, "expected a reference sequence and `:`, or a coordinate type such as c. or p.");
        }
        return fail(p, "expected `:` after the reference sequence");
    }
    if (kind == S4S_HGVS_ACC_OTHER) {
        bool gene_like = isupper((unsigned char)h->pool[off]) && !memchr(h->pool + off, '_', n)
                         && !memchr(h->pool + off, '.', n);
        if (gene_like) {
            /* kept as written (no safe repair), but exposed as the gene */
            if (!h->gene_len) {
                h->gene_off = off;
                h->gene_len = (uint16_t)n;
            }
            note(p, H_NOACC, "`%.*s` is a gene symbol, not a reference sequence", (int)n, h->pool + off);
        } else
            note(p, H_ACCFORMAT, "`%.*s` is not a RefSeq, Ensembl, LRG or GenBank accession", (int)n, h->pool + off);
    } else if (!ver)
        note(p, H_UNVERSIONED, "accession `%.*s` has no version", (int)n, h->pool + off);
    return true;
}

static bool coord_type(ps *p, bool nested)
{
    char c = pk(p), lc = (char)tolower((unsigned char)c);
    if (!c || !strchr("gmocnrp", lc) || pk2(p) != '.') {
        if (c && strchr("gmocnrpGMOCNRP", c) && pk2(p) != '.') {
            p->i++;
            return fail(p, "expected `.` after the coordinate type");
        }
        return fail(p, "expected a coordinate type (g. m. o. c. n. r. p.)");
    }
    if (c != lc)
        note(p, H_CASE, "coordinate type `%c.` written as `%c.`", c, lc);
    if (nested) {
        if (!emitc(p, lc) || !emitc(p, '.'))
            return false;
    } else
        p->kind = lc;
    p->i += 2;
    return true;
}

/* Does the accession family fit the coordinate type? */
static void check_coord(ps *p)
{
    s4s_hgvs *h = p->h;
    const char *a = h->acc2_len ? h->pool + h->acc2_off : h->pool + h->acc_off;
    size_t n = h->acc2_len ? h->acc2_len : h->acc_len;
    if (!n || (h->acc2_len ? false : h->acc_kind != S4S_HGVS_ACC_REFSEQ))
        return;
    char k = p->kind;
    const char *ok;
    switch (a[1]) {
    case 'P': ok = "p"; break;                              /* NP_, XP_, YP_, WP_ */
    case 'M': ok = a[0] == 'N' || a[0] == 'X' ? "cnr" : NULL; break;
    case 'R': ok = "nr"; break;                             /* NR_, XR_ */
    case 'C': ok = a[0] == 'N' || a[0] == 'A' ? "gmo" : NULL; break;
    case 'G': case 'T': case 'W': ok = "g"; break;
    default:  ok = NULL;
    }
    if (ok && !strchr(ok, k))
        note(p, H_COORD, "%c. is not used with a %.3s accession", k, a);
}

/* Adjoined transcript: "::" [linker "::"] accession ":" type "." range. */
static bool fusion(ps *p)
{
    s4s_hgvs *h = p->h;
    if (h->nvars != 1 || h->vars[0].edit != S4S_HGVS_E_NONE || pk2(p) != ':')
        return fail(p, "unexpected `:` after the description");
    p->i += 2;
    h->fus_off = h->pool_len;
    if (is_base(pk(p), p->kind == 'r')) {
        size_t j = p->i;
        while (j < p->n && is_base(p->s[j], p->kind == 'r'))
            j++;
        if (j + 1 < p->n && p->s[j] == ':' && p->s[j + 1] == ':') {
            uint16_t o, l;
            if (!bases(p, &o, &l, true))
                return false;
            p->i += 2;
            if (!emit(p, "::", 2))
                return false;
        }
    }
    if (!nested_loc(p))
        return false;
    h->fus_len = (uint16_t)(h->pool_len - h->fus_off);
    return true;
}

/* --- entry point ---------------------------------------------------------- */

static void reset(s4s_hgvs *h)
{
    h->valid = false;
    h->kind = 0;
    h->acc_kind = S4S_HGVS_ACC_NONE;
    h->acc_versioned = h->bracket = h->group_pred = false;
    h->acc_off = h->acc_len = h->acc2_off = h->acc2_len = 0;
    h->gene_off = h->gene_len = h->prot_off = h->prot_len = 0;
    h->fus_off = h->fus_len = 0;
    h->nvars = h->nnotes = 0;
    h->nnotes_total = h->pool_len = 0;
}

/* Split a trailing ClinVar-style "(p.Val600Glu)" off [s, s+*n); returns the
 * offset of the protein text (after "(") or 0. */
static size_t protein_tail(const char *s, size_t *n)
{
    size_t len = *n;
    if (len < 6 || s[len - 1] != ')')
        return 0;
    for (size_t k = len - 1; k-- > 1;) {
        if (s[k] == '(' && (s[k + 1] == 'p' || s[k + 1] == 'P') && s[k + 2] == '.') {
            for (size_t j = k; j < len; j++)
                if ((unsigned char)s[j] < 0x20 || (unsigned char)s[j] >= 0x7f)
                    return 0;   /* only printable ASCII is split off and quoted */
            size_t e = k;
            while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
                e--;
            if (e == 0 || s[e - 1] == ':' || s[e - 1] == '.')
                return 0;   /* NP_…:(p.…) is not a tail */
            *n = e;
            return k + 1;
        }
    }
    return 0;
}

s4s_rc s4s_hgvs_parse(const char *in, size_t len, s4s_hgvs *h)
{
    if (!h || (!in && len))
        return S4S_ERR_USAGE;
    reset(h);
    ps p = {.h = h};
    char txt[S4S_HGVS_MAX_INPUT];
    if (len > S4S_HGVS_MAX_INPUT) {
        note(&p, H_SYNTAX, "longer than %d characters", S4S_HGVS_MAX_INPUT);
        return S4S_ERR_INVALID;
    }
    /* trim; the protein tail is split before whitespace goes */
    size_t a = 0, b = len;
    while (a < b && isspace((unsigned char)in[a])) a++;
    while (b > a && isspace((unsigned char)in[b - 1])) b--;
    if (a > 0 || b < len)
        note(&p, H_WHITESPACE, "leading or trailing whitespace removed");
    size_t n = b - a;
    size_t pt_off = protein_tail(in + a, &n);
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)in[a + k];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == 0xA0) {
            note(&p, H_WHITESPACE, "whitespace inside the expression removed");
            continue;
        }
        if (c < 0x20 || c >= 0x7f) {
            p.s = txt;
            p.n = m;
            p.i = m;
            fail(&p, "unexpected %s byte 0x%02X", c < 0x20 ? "control" : "non-ASCII", c);
            return S4S_ERR_INVALID;
        }
        txt[m++] = (char)c;
    }
    p.s = txt;
    p.n = m;
    if (pt_off) {
        const char *q = in + a + pt_off;
        size_t qn = (b - a) - pt_off - 1;
        while (qn && isspace((unsigned char)q[qn - 1])) qn--;
        h->prot_off = h->pool_len;
        h->prot_len = (uint16_t)qn;
        if (!emit(&p, q, qn))
            return S4S_ERR_INVALID;
        note(&p, H_PROTSPLIT, "trailing protein change `%.*s` moved out of the expression", (int)(qn > 60 ? 60 : qn), q);
    }
    if (!m) {
        fail(&p, "empty expression");
        return S4S_ERR_INVALID;
    }
    /* legacy IVS numbering anywhere: clearer than a syntax error */
    for (size_t k = 0; k + 3 <= m; k++)
        if (!strncasecmp(txt + k, "IVS", 3) && (k == 0 || !isalpha((unsigned char)txt[k - 1]))) {
            p.i = k;
            fail_flag(&p, H_IVS, "position %zu: legacy IVS (intron) numbering: converting it needs the reference sequence", k + 1);
            return S4S_ERR_INVALID;
        }
    bool has_acc = !(strchr("gmocnrpGMOCNRP", txt[0]) && m > 1 && txt[1] == '.');
    if (has_acc) {
        if (!accession(&p, false))
            return S4S_ERR_INVALID;
    } else
        note(&p, H_NOACC, "no reference sequence: the description cannot be placed");
    if (!coord_type(&p, false))
        return S4S_ERR_INVALID;
    h->kind = p.kind;
    check_coord(&p);
    if (!body(&p))
        return S4S_ERR_INVALID;
    if (pk(&p) == ':' && !fusion(&p))
        return S4S_ERR_INVALID;
    if (p.i < p.n) {
        fail(&p, "unexpected `%c` after the end of the description", p.s[p.i]);
        return S4S_ERR_INVALID;
    }
    if (p.bad)
        return S4S_ERR_INVALID;
    h->valid = true;
    return S4S_OK;
}
