/*
 * hgvs_print.c - the normalized printer and accessors for a parsed s4s_hgvs.
 *
 * Canonical form: 3-letter amino acids and Ter; no bases after del/dup/inv;
 * no reference base before `=`; DNA upper case, RNA lower case; no gene
 * symbol in parentheses (it was split off by the parser).
 * Invariant: output is NUL-terminated whenever cap > 0, and the return value
 * is always the full length, as with snprintf.
 */
#include <stdio.h>
#include <string.h>

#include "hgvs.h"
#include "hgvs_int.h"

typedef struct out {
    char  *p;
    size_t cap, len;
} out;

static void put(out *o, const char *s, size_t n)
{
    if (o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->p + o->len, s, n < room ? n : room);
    }
    o->len += n;
}
static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }
static void putc_(out *o, char c) { put(o, &c, 1); }
static void putnum(out *o, long long v)
{
    char b[24];
    int k = snprintf(b, sizeof b, "%lld", v);
    put(o, b, (size_t)k);
}

static void aa(out *o, char a)
{
    const char *t = s4s_hgvs_aa3(a);
    puts_(o, t ? t : "?");
}

static void pos(out *o, const s4s_hgvs_pos *p, bool prot)
{
    if (p->flags & S4S_HGVS_P_UNKNOWN) {
        putc_(o, '?');
        return;
    }
    if (p->flags & (S4S_HGVS_P_PTER | S4S_HGVS_P_QTER | S4S_HGVS_P_CEN)) {
        puts_(o, p->flags & S4S_HGVS_P_PTER ? "pter" : p->flags & S4S_HGVS_P_QTER ? "qter" : "cen");
        return;
    }
    if (prot)
        aa(o, p->aa);
    if (p->flags & S4S_HGVS_P_STAR)
        putc_(o, '*');
    putnum(o, p->num);
    if (p->flags & S4S_HGVS_P_OFF_UNK)
        puts_(o, p->offset < 0 ? "-?" : "+?");
    else if (p->flags & S4S_HGVS_P_OFFSET) {
        if (p->offset >= 0)
            putc_(o, '+');
        putnum(o, p->offset);
    }
}

static void pt(out *o, const s4s_hgvs_pt *t, bool prot)
{
    if (t->uncertain) {
        putc_(o, '(');
        pos(o, &t->a, prot);
        putc_(o, '_');
        pos(o, &t->b, prot);
        putc_(o, ')');
    } else
        pos(o, &t->a, prot);
}

static void aaseq(out *o, const char *s, size_t n)
{
    for (size_t k = 0; k < n; k++)
        aa(o, s[k]);
}

static void ter_tail(out *o, const s4s_hgvs_var *v)
{
    if (!(v->flags & S4S_HGVS_V_TER))
        return;
    puts_(o, "Ter");
    if (v->flags & S4S_HGVS_V_NUM_UNK)
        putc_(o, '?');
    else if (v->flags & S4S_HGVS_V_NUM)
        putnum(o, v->num);
}

/* "A>C^G": an alternative new base after a substitution of the same bases
 * is written as the base alone (it parses back only in that place) */
static bool short_alt(const s4s_hgvs *h, const s4s_hgvs_var *v, const s4s_hgvs_var *prev)
{
    return v->sep == S4S_HGVS_SEP_OR && !(v->flags & S4S_HGVS_V_HAS_LOC) && prev &&
           prev->edit == S4S_HGVS_E_SUB && prev->ref_len == v->ref_len &&
           !memcmp(h->pool + prev->ref_off, h->pool + v->ref_off, v->ref_len);
}

static void edit(out *o, const s4s_hgvs *h, const s4s_hgvs_var *v, const s4s_hgvs_var *prev, bool prot)
{
    const char *alt = h->pool + v->alt_off;
    switch (v->edit) {
    case S4S_HGVS_E_SUB:
        if (prot)
            aaseq(o, alt, v->alt_len);
        else if (short_alt(h, v, prev))
            put(o, alt, v->alt_len);
        else {
            put(o, h->pool + v->ref_off, v->ref_len);
            putc_(o, '>');
            put(o, alt, v->alt_len);
        }
        break;
    case S4S_HGVS_E_DEL: puts_(o, "del"); break;
    case S4S_HGVS_E_DUP: puts_(o, "dup"); break;
    case S4S_HGVS_E_INV: puts_(o, "inv"); break;
    case S4S_HGVS_E_INS:
    case S4S_HGVS_E_DELINS:
        puts_(o, v->edit == S4S_HGVS_E_INS ? "ins" : "delins");
        if (prot)
            aaseq(o, alt, v->alt_len);
        else
            put(o, alt, v->alt_len);
        break;
    case S4S_HGVS_E_CON:
        puts_(o, "con");
        put(o, alt, v->alt_len);
        break;
    case S4S_HGVS_E_METH:
        putc_(o, '|');
        put(o, alt, v->alt_len);
        break;
    case S4S_HGVS_E_IDENT: putc_(o, '='); break;
    case S4S_HGVS_E_RPT:
        put(o, alt, v->alt_len);
        break;
    case S4S_HGVS_E_COPY:
        puts_(o, "copy");
        putnum(o, v->num);
        break;
    case S4S_HGVS_E_UNKNOWN: putc_(o, '?'); break;
    case S4S_HGVS_E_NONEPROD:
        putc_(o, '0');
        if (v->flags & S4S_HGVS_V_Q)
            putc_(o, '?');
        break;
    case S4S_HGVS_E_SPL:
        puts_(o, "spl");
        if (v->flags & S4S_HGVS_V_Q)
            putc_(o, '?');
        break;
    case S4S_HGVS_E_FS:
        if (v->alt_len)
            aaseq(o, alt, v->alt_len);
        puts_(o, "fs");
        ter_tail(o, v);
        break;
    case S4S_HGVS_E_EXT:
        if (v->alt_len)
            aaseq(o, alt, v->alt_len);
        puts_(o, "ext");
        if ((v->flags & S4S_HGVS_V_NUM) && !(v->flags & S4S_HGVS_V_TER))
            putnum(o, v->num);
        else
            ter_tail(o, v);
        break;
    default:
        break;
    }
}

/* One change.  "^" alternatives share the parentheses of a predicted
 * change: "(" before the first, ")" after the last (next: the change after
 * v, or NULL). */
static void var(out *o, const s4s_hgvs *h, const s4s_hgvs_var *v, const s4s_hgvs_var *prev,
                const s4s_hgvs_var *next)
{
    bool prot = h->kind == 'p';
    bool open = (v->flags & S4S_HGVS_V_PREDICTED) && v->sep != S4S_HGVS_SEP_OR;
    bool close = (v->flags & S4S_HGVS_V_PREDICTED) && !(next && next->sep == S4S_HGVS_SEP_OR);
    if (open)
        putc_(o, '(');
    if (v->flags & S4S_HGVS_V_HAS_LOC) {   /* "/", "//", "^" at the same place: no position */
        pt(o, &v->loc.start, prot);
        if (v->loc.range) {
            putc_(o, '_');
            pt(o, &v->loc.end, prot);
        }
    }
    if (v->flags & S4S_HGVS_V_EDIT_UNC)
        putc_(o, '(');
    edit(o, h, v, prev, prot);
    if (v->flags & S4S_HGVS_V_EDIT_UNC)
        putc_(o, ')');
    if (close)
        putc_(o, ')');
}

size_t s4s_hgvs_print(const s4s_hgvs *h, char *buf, size_t cap)
{
    out o = {buf, cap ? cap - 1 : 0, 0};
    if (!h || !h->valid) {
        if (cap)
            buf[0] = 0;
        return 0;
    }
    if (h->acc_len) {
        put(&o, h->pool + h->acc_off, h->acc_len);
        if (h->acc2_len) {
            putc_(&o, '(');
            put(&o, h->pool + h->acc2_off, h->acc2_len);
            putc_(&o, ')');
        }
        putc_(&o, ':');
    }
    putc_(&o, h->kind);
    putc_(&o, '.');
    bool open = false;   /* inside an allele's brackets */
    for (unsigned k = 0; k < h->nvars; k++) {
        const s4s_hgvs_var *v = &h->vars[k];
        switch (v->sep) {
        case S4S_HGVS_SEP_CIS:      putc_(&o, ';'); break;
        case S4S_HGVS_SEP_TRANS:    puts_(&o, h->bracket ? "]" : ";"); open = false; break;
        case S4S_HGVS_SEP_PHASE:    puts_(&o, "(;)"); break;
        case S4S_HGVS_SEP_MOSAIC:   putc_(&o, '/'); break;
        case S4S_HGVS_SEP_CHIMERIC: puts_(&o, "//"); break;
        case S4S_HGVS_SEP_OR:       putc_(&o, '^'); break;
        case S4S_HGVS_SEP_ALLELE_PHASE:
            puts_(&o, open ? "](;)" : "(;)");
            open = false;
            break;
        default: break;
        }
        if (h->bracket && !open && !(v->flags & S4S_HGVS_V_BARE)) {
            if (v->sep == S4S_HGVS_SEP_TRANS)
                putc_(&o, ';');
            putc_(&o, '[');
            if (h->group_pred)
                putc_(&o, '(');
            open = true;
        }
        var(&o, h, v, k ? &h->vars[k - 1] : NULL, k + 1 < h->nvars ? &h->vars[k + 1] : NULL);
    }
    if (open) {
        if (h->group_pred)
            putc_(&o, ')');
        putc_(&o, ']');
    }
    if (h->fus_len) {
        puts_(&o, "::");
        put(&o, h->pool + h->fus_off, h->fus_len);
    }
    if (cap)
        buf[o.len < o.cap ? o.len : o.cap] = 0;
    return o.len;
}

const char *s4s_hgvs_accession(const s4s_hgvs *h, size_t *len)
{
    *len = h->acc_len;
    return h->acc_len ? h->pool + h->acc_off : NULL;
}

const char *s4s_hgvs_gene(const s4s_hgvs *h, size_t *len)
{
    *len = h->gene_len;
    return h->gene_len ? h->pool + h->gene_off : NULL;
}

const char *s4s_hgvs_protein(const s4s_hgvs *h, size_t *len)
{
    *len = h->prot_len;
    return h->prot_len ? h->pool + h->prot_off : NULL;
}

bool s4s_hgvs_has(const s4s_hgvs *h, const char *code)
{
    for (unsigned k = 0; k < h->nnotes; k++)
        if (!strcmp(h->notes[k].code, code))
            return true;
    return false;
}

const char *s4s_hgvs_kind_str(char kind)
{
    switch (kind) {
    case 'g': return "genomic";
    case 'm': return "mitochondrial";
    case 'o': return "circular";
    case 'c': return "coding";
    case 'n': return "noncoding";
    case 'r': return "rna";
    case 'p': return "protein";
    default:  return NULL;
    }
}

const char *s4s_hgvs_sev_str(s4s_hgvs_sev sev)
{
    switch (sev) {
    case S4S_HGVS_SEV_ERROR:   return "error";
    case S4S_HGVS_SEV_WARNING: return "warning";
    default:                   return "information";
    }
}
