/*
 * variants.c - genomics (FHIR Genomics Reporting / Sync for Genes): HGVS
 * expressions, genes (HGNC) and reference sequences in Observations.
 *
 * Walks every Observation (and contained Observation).  The Observation's
 * own code/value and each component are a "slot" named by its LOINC code
 * (table in the issue; ../shared/sources/s4s/genomics-variant-loinc.json):
 *   48004-6 c.HGVS, 48005-3 p.HGVS, 81290-9 g.HGVS, 69548-6 variant
 *   assessment (HGVS only when the value is an HGVS coding), 48018-6 gene,
 *   51958-7 transcript, 48013-7 genomic reference sequence;
 * and any coding with system http://varnomen.hgvs.org is parsed wherever it is.
 * Invariants:
 *  - every change goes through s4s_edit_* (recorded); the HGVS text in a
 *    coding changes only to the parser's normalized form;
 *  - a gene or protein split out of an expression becomes a new component
 *    only when the Observation has none with that LOINC code; otherwise a
 *    disagreement is flagged, never overwritten;
 *  - system URIs are left to rules/codes.c (it runs first), so a URI repair
 *    is never recorded twice;
 *  - rc->term may be NULL: look-ups are skipped, syntax checks still run.
 * State: per-run counters for the stats section, and one parser scratch
 * value (the rule runs on one thread at a time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../filter/base/alloc.h"
#include "../filter/base/jsonw.h"
#include "../terminology/hgvs.h"
#include "../terminology/term.h"
#include "rule.h"
#include "../filter/base/counter.h"

#define MAX_KINDS    32

typedef struct vstate {
    s4s_term *term;
    s4s_hgvs  h, h2;           /* scratch parsers */
    uint64_t  seen, valid, invalid, genes, genes_unknown, transcripts;
    s4s_counter repaired, flagged;
} vstate;

enum slot_kind { SK_NONE, SK_C, SK_P, SK_G, SK_ASSESS, SK_GENE, SK_TX, SK_GREF };

static const struct { const char *loinc; enum slot_kind k; } slots[] = {
    {"48004-6", SK_C}, {"48005-3", SK_P}, {"81290-9", SK_G}, {"69548-6", SK_ASSESS},
    {"48018-6", SK_GENE}, {"51958-7", SK_TX}, {"48013-7", SK_GREF},
};

/* What the first pass learns about one Observation. */
typedef struct obsinfo {
    s4s_node   *components;       /* the component array or NULL */
    bool        has_gene, has_prot;
    const char *gene_symbol;      /* from the gene component (display or resolved) */
    const char *tx_acc;           /* 51958-7 accession (valid form) */
    const char *g_acc;            /* 48013-7 accession (valid form) */
    const char *prot_norm;        /* normalized p. of the 48005-3 component */
} obsinfo;

static void count(s4s_counter *tab, const char *name)
{
    s4s_counter_add(tab, name, strlen(name), 0, 1);
}

static s4s_rc init(const s4s_opts *o, s4s_term *term, void **state)
{
    vstate *st = s4s_xcalloc(1, sizeof *st);
    *state = st; /* the pipe frees it, also when a later allocation fails */
    st->term = term;
    s4s_counter_init(&st->repaired, MAX_KINDS);
    s4s_counter_init(&st->flagged, MAX_KINDS);
    return S4S_OK;
}

static void fini(void *state)
{
    vstate *st = state;
    if (!st)
        return;
    s4s_counter_free(&st->repaired);
    s4s_counter_free(&st->flagged);
    free(st);
}

static void stats(void *state, s4s_jw *w)
{
    vstate *st = state;
    s4s_jw_key(w, "hgvs");
    s4s_jw_obj(w);
    s4s_jw_kuint(w, "seen", st->seen);
    s4s_jw_kuint(w, "valid", st->valid);
    s4s_jw_kuint(w, "invalid", st->invalid);
    s4s_counter_write(&st->repaired, w, "repaired");
    s4s_counter_write(&st->flagged, w, "flagged");
    s4s_jw_kuint(w, "genes_checked", st->genes);
    s4s_jw_kuint(w, "genes_unknown", st->genes_unknown);
    s4s_jw_kuint(w, "transcripts_checked", st->transcripts);
    s4s_jw_obj_end(w);
}

/* --- helpers ----------------------------------------------------------- */

/* Is sys (any URI, alias or name of the code-system table) the system id? */
static bool is_sys(const char *sys, s4s_sys_id id)
{
    const char *c = sys ? s4s_system_canonical(sys) : NULL;
    return c && !strcmp(c, s4s_sys_uri(id));
}

static bool is_loinc(const char *sys)
{
    return is_sys(sys, S4S_SYS_LOINC);
}

static bool is_hgnc(const char *sys)
{
    return is_sys(sys, S4S_SYS_HGNC);
}

/* The HGNC URI that rules/codes.c writes, so an inserted coding needs no repair. */
static const char *hgnc_uri(void)
{
    return s4s_sys_uri(S4S_SYS_HGNC);
}

static bool is_hgvs_sys(const char *sys)
{
    return is_sys(sys, S4S_SYS_HGVS);
}

/* The slot kind named by a CodeableConcept (component.code / Observation.code). */
static enum slot_kind slot_of(const s4s_node *cc)
{
    const s4s_node *coding = cc ? s4s_get(cc, "coding") : NULL;
    if (!coding || coding->type != S4S_J_ARRAY)
        return SK_NONE;
    S4S_EACH(c, coding) {
        if (c->type != S4S_J_OBJECT || !is_loinc(s4s_get_str(c, "system")))
            continue;
        const char *code = s4s_get_str(c, "code");
        if (!code)
            continue;
        for (unsigned k = 0; k < sizeof slots / sizeof slots[0]; k++)
            if (!strcmp(code, slots[k].loinc))
                return slots[k].k;
    }
    return SK_NONE;
}

/* First coding code of valueCodeableConcept, or valueString. */
static const char *first_value(const s4s_node *holder)
{
    const s4s_node *v = s4s_get(holder, "valueCodeableConcept");
    if (v) {
        const s4s_node *coding = s4s_get(v, "coding");
        if (coding && coding->type == S4S_J_ARRAY) {
            S4S_EACH(c, coding) {
                const char *code = c->type == S4S_J_OBJECT ? s4s_get_str(c, "code") : NULL;
                if (code)
                    return code;
            }
        }
    }
    return s4s_get_str(holder, "valueString");
}

static s4s_sev sev_of(uint8_t hs)
{
    return hs == S4S_HGVS_SEV_ERROR ? S4S_SEV_ERROR : hs == S4S_HGVS_SEV_WARNING ? S4S_SEV_WARNING : S4S_SEV_INFO;
}

/* --- HGVS values ----------------------------------------------------------- */

/* Build a JSON string literal of s into the arena. */
static const char *json_lit(s4s_rctx *rc, const char *s)
{
    size_t n = strlen(s);
    char *o = s4s_arena_alloc(rc->arena, 2 * n + 3);
    size_t k = 0;
    o[k++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            o[k++] = '\\';
        o[k++] = c < 0x20 ? '?' : (char)c;
    }
    o[k++] = '"';
    o[k] = 0;
    return o;
}

static void add_component(s4s_rctx *rc, obsinfo *oi, s4s_node *obs, const char *loinc, const char *name,
                          const char *value_json, const char *kind, const char *why)
{
    char *json = s4s_arena_printf(rc->arena,
        "{\"code\":{\"coding\":[{\"system\":\"%s\",\"code\":\"%s\",\"display\":\"%s\"}]},"
        "\"valueCodeableConcept\":%s}", s4s_sys_uri(S4S_SYS_LOINC), loinc, name, value_json);
    if (oi->components && oi->components->type == S4S_J_ARRAY)
        s4s_edit_insert_json(rc, oi->components, NULL, NULL, json, kind, why);
    else {
        char *arr = s4s_arena_printf(rc->arena, "[%s]", json);
        oi->components = s4s_edit_insert_json(rc, obs, NULL, "component", arr, kind, why);
    }
}

/* Report the parser's flags and errors at node n; count its repairs. */
static void report_notes(s4s_rctx *rc, vstate *st, const s4s_hgvs *h, const s4s_node *n, const char *expr)
{
    for (unsigned k = 0; k < h->nnotes; k++) {
        const s4s_hgvs_note *nt = &h->notes[k];
        if (nt->kind == S4S_HGVS_NOTE_REPAIR) {
            if (h->valid)
                count(&st->repaired, nt->code);
            continue;   /* recorded by the edit; an invalid one is left as is */
        }
        if (nt->kind == S4S_HGVS_NOTE_FLAG)
            count(&st->flagged, nt->code);
        s4s_issue(rc, sev_of(nt->sev), nt->kind == S4S_HGVS_NOTE_SYNTAX ? "code-invalid" : "value", n,
                  "HGVS `%s`: %s [%s]", expr, nt->msg, nt->code);
    }
}

/* The first repair note's code (the edit's kind) and all repair messages. */
static const char *repair_why(s4s_rctx *rc, const s4s_hgvs *h, const char **kind)
{
    const char *why = NULL;
    *kind = NULL;
    for (unsigned k = 0; k < h->nnotes; k++) {
        const s4s_hgvs_note *nt = &h->notes[k];
        if (nt->kind != S4S_HGVS_NOTE_REPAIR)
            continue;
        if (!*kind) {
            *kind = nt->code;
            why = s4s_arena_printf(rc->arena, "HGVS: %s", nt->msg);
        } else
            why = s4s_arena_printf(rc->arena, "%s; %s", why, nt->msg);
    }
    return why;
}

/* Parse, repair and report one HGVS string node (a coding's code or a valueString). */
static void do_hgvs(s4s_rctx *rc, vstate *st, obsinfo *oi, s4s_node *obs, s4s_node *code_node,
                    s4s_node *coding, enum slot_kind sk)
{
    s4s_hgvs *h = &st->h;
    const char *orig = code_node->str;
    st->seen++;
    bool ok = s4s_hgvs_parse(orig, code_node->len, h) == S4S_OK;
    const char *joined_from = NULL;
    size_t pl;
    const char *pt = s4s_hgvs_protein(h, &pl);
    char *ptxt = pt ? s4s_arena_strndup(rc->arena, pt, pl) : NULL;
    /* a bare c./g. joined with the accession of its own component */
    if (ok && !h->acc_len && !h->gene_len) {
        const char *acc = (sk == SK_C && h->kind == 'c') ? oi->tx_acc
                        : (sk == SK_G && h->kind == 'g') ? oi->g_acc : NULL;
        if (acc) {
            char norm[S4S_HGVS_POOL];
            s4s_hgvs_print(h, norm, sizeof norm);
            char *j = s4s_arena_printf(rc->arena, "%s:%s", acc, norm);
            if (s4s_hgvs_parse(j, strlen(j), &st->h2) == S4S_OK) {
                joined_from = acc;
                /* keep the repairs of the bare form, take the rest from the joined one */
                for (unsigned k = 0; k < h->nnotes; k++)
                    if (h->notes[k].kind == S4S_HGVS_NOTE_REPAIR && st->h2.nnotes < S4S_HGVS_MAX_NOTES)
                        st->h2.notes[st->h2.nnotes++] = h->notes[k];
                h = &st->h2;
            } else
                s4s_hgvs_parse(orig, code_node->len, h);
        }
    }
    if (!ok) {
        st->invalid++;
        report_notes(rc, st, h, code_node, orig);
        return;
    }
    st->valid++;
    /* never write a form the parser would refuse: 1-letter amino acids
     * printed as 3 can outgrow the input cap */
    char norm[S4S_HGVS_MAX_INPUT + 1];
    if (s4s_hgvs_print(h, norm, sizeof norm) >= sizeof norm)
        return;
    report_notes(rc, st, h, code_node, orig);
    if (joined_from)
        count(&st->repaired, "hgvs-accession-join");
    if (strcmp(norm, orig) != 0) {
        const char *kind;
        const char *why = repair_why(rc, h, &kind);
        if (joined_from) {
            kind = "hgvs-accession-join";
            why = s4s_arena_printf(rc->arena, "HGVS: accession %s taken from the reference sequence component%s%s",
                                   joined_from, why ? "; " : "", why ? why + 6 : "");
        }
        if (!kind)
            kind = "hgvs-normalize";
        /* the display, when it merely repeats the old code, follows it */
        s4s_node *disp = coding ? s4s_get(coding, "display") : NULL;
        bool disp_same = disp && s4s_is_str(disp) && s4s_str_eq(disp, orig);
        s4s_edit_set_str(rc, code_node, norm, strlen(norm), kind, why);
        if (disp_same)
            s4s_edit_set_str(rc, disp, norm, strlen(norm), kind, "HGVS: display repeated the code");
    }
    /* the gene symbol split off "NM_…(BRAF):" */
    size_t gl;
    const char *g = s4s_hgvs_gene(h, &gl);
    if (g) {
        char *sym = s4s_arena_strndup(rc->arena, g, gl);
        if (!oi->has_gene) {
            const char *val;
            s4s_gene_result gr = {0};
            if (st->term && s4s_term_gene(st->term, sym, &gr) == S4S_OK && gr.match == S4S_GENE_CURRENT && gr.hgnc_id)
                val = s4s_arena_printf(rc->arena, "{\"coding\":[{\"system\":\"%s\",\"code\":%s,\"display\":%s}]}",
                                       hgnc_uri(), json_lit(rc, gr.hgnc_id), json_lit(rc, sym));
            else
                val = s4s_arena_printf(rc->arena, "{\"text\":%s}", json_lit(rc, sym));
            add_component(rc, oi, obs, "48018-6", "Gene studied [ID]", val, "hgvs-gene-split",
                          s4s_arena_printf(rc->arena, "HGVS: gene symbol %s from the expression kept as the gene studied", sym));
            oi->has_gene = true;
            oi->gene_symbol = sym;
        } else if (oi->gene_symbol && strcmp(oi->gene_symbol, sym) != 0) {
            count(&st->flagged, "hgvs-gene-disagree");
            s4s_issue(rc, S4S_SEV_WARNING, "value", code_node,
                      "HGVS `%s` names gene %s but the gene studied is %s [hgvs-gene-disagree]", orig, sym, oi->gene_symbol);
        }
    }
    /* the protein change split off " (p.Val600Glu)" */
    if (ptxt) {
        s4s_hgvs *hp = &st->h2;
        st->seen++;
        if (s4s_hgvs_parse(ptxt, pl, hp) != S4S_OK) {
            st->invalid++;
            report_notes(rc, st, hp, code_node, ptxt);
            return;
        }
        st->valid++;
        char pn[S4S_HGVS_MAX_INPUT + 1];
        if (s4s_hgvs_print(hp, pn, sizeof pn) >= sizeof pn)
            return;
        for (unsigned k = 0; k < hp->nnotes; k++)
            if (hp->notes[k].kind == S4S_HGVS_NOTE_REPAIR)
                count(&st->repaired, hp->notes[k].code);
        if (!oi->has_prot) {
            const char *val = s4s_arena_printf(rc->arena, "{\"coding\":[{\"system\":\"%s\",\"code\":%s}]}",
                                               s4s_sys_uri(S4S_SYS_HGVS), json_lit(rc, pn));
            add_component(rc, oi, obs, "48005-3", "Amino acid change (pHGVS)", val, "hgvs-protein-split",
                          s4s_arena_printf(rc->arena, "HGVS: protein change %s from the expression kept as the amino acid change", pn));
            oi->has_prot = true;
            oi->prot_norm = s4s_arena_printf(rc->arena, "%s", pn);
        } else if (oi->prot_norm && !strstr(oi->prot_norm, pn) && !strstr(pn, oi->prot_norm)) {
            count(&st->flagged, "hgvs-protein-disagree");
            s4s_issue(rc, S4S_SEV_WARNING, "value", code_node,
                      "HGVS `%s` gives protein change %s but the amino acid change component says %s [hgvs-protein-disagree]",
                      orig, pn, oi->prot_norm);
        }
    }
}

/* Every HGVS-bearing coding / valueString of a slot. */
static void hgvs_slot(s4s_rctx *rc, vstate *st, obsinfo *oi, s4s_node *obs, s4s_node *holder, enum slot_kind sk)
{
    s4s_node *v = s4s_get(holder, "valueCodeableConcept");
    s4s_node *coding = v ? s4s_get(v, "coding") : NULL;
    bool hgvs_loinc = sk == SK_C || sk == SK_P || sk == SK_G;
    if (coding && coding->type == S4S_J_ARRAY) {
        S4S_EACH(c, coding) {
            if (c->type != S4S_J_OBJECT)
                continue;
            s4s_node *code = s4s_get(c, "code");
            if (!code || !s4s_is_str(code))
                continue;
            const char *sys = s4s_get_str(c, "system");
            if (is_hgvs_sys(sys) || (hgvs_loinc && !is_loinc(sys)))
                do_hgvs(rc, st, oi, obs, code, c, sk);
        }
    }
    s4s_node *vs = s4s_get(holder, "valueString");
    if (vs && s4s_is_str(vs) && (hgvs_loinc || (sk == SK_ASSESS && strchr(vs->str, ':') && strchr(vs->str, '.'))))
        do_hgvs(rc, st, oi, obs, vs, NULL, sk);
}

/* --- genes and reference sequences ----------------------------------------- */

static bool hgnc_id_form(const char *c)
{
    if (strncmp(c, "HGNC:", 5) || !c[5])
        return false;
    for (const char *q = c + 5; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    return true;
}

static bool all_digits(const char *c)
{
    if (!*c)
        return false;
    for (; *c; c++)
        if (*c < '0' || *c > '9')
            return false;
    return true;
}

static void gene_slot(s4s_rctx *rc, vstate *st, obsinfo *oi, s4s_node *holder)
{
    s4s_node *v = s4s_get(holder, "valueCodeableConcept");
    s4s_node *coding = v ? s4s_get(v, "coding") : NULL;
    if (!coding || coding->type != S4S_J_ARRAY)
        return;
    S4S_EACH(c, coding) {
        if (c->type != S4S_J_OBJECT || !is_hgnc(s4s_get_str(c, "system")))
            continue;
        s4s_node *code = s4s_get(c, "code");
        if (!code || !s4s_is_str(code))
            continue;
        st->genes++;
        const char *q = code->str;
        if (all_digits(q)) {
            /* the HGNC number without its prefix: the IG wants "HGNC:n" */
            char *fixed = s4s_arena_printf(rc->arena, "HGNC:%s", q);
            s4s_edit_set_str(rc, code, fixed, strlen(fixed), "hgnc-prefix", "HGNC ids are written with the HGNC: prefix");
            count(&st->repaired, "hgnc-prefix");
            q = code->str;
        }
        if (!st->term)
            continue;
        s4s_gene_result gr = {0};
        if (s4s_term_gene(st->term, q, &gr) != S4S_OK || gr.match == S4S_GENE_NOT_LOADED)
            continue;
        if (hgnc_id_form(q)) {
            if (gr.match == S4S_GENE_NONE) {
                st->genes_unknown++;
                count(&st->flagged, "hgnc-unknown");
                s4s_issue(rc, S4S_SEV_ERROR, "code-invalid", code, "HGNC id %s is not in the HGNC release [hgnc-unknown]", q);
            } else if (gr.symbol)
                oi->gene_symbol = gr.symbol;
            continue;
        }
        /* a symbol where the id belongs */
        switch (gr.match) {
        case S4S_GENE_CURRENT:
            oi->gene_symbol = gr.symbol ? gr.symbol : s4s_arena_strndup(rc->arena, q, code->len);
            if (gr.hgnc_id) {
                s4s_node *disp = s4s_get(c, "display");
                const char *sym = oi->gene_symbol;
                s4s_edit_set_str(rc, code, gr.hgnc_id, strlen(gr.hgnc_id), "hgnc-symbol-to-id",
                                 s4s_arena_printf(rc->arena, "gene symbol %s replaced by its HGNC id", sym));
                count(&st->repaired, "hgnc-symbol-to-id");
                if (!disp)
                    s4s_edit_add_str(rc, c, "display", sym, "hgnc-symbol-to-id", "the symbol kept as display");
            } else {
                count(&st->flagged, "hgnc-symbol-as-code");
                s4s_issue(rc, S4S_SEV_WARNING, "value", code,
                          "gene symbol %s given where an HGNC id belongs; the symbol is current but its id needs the HGNC file [hgnc-symbol-as-code]", q);
            }
            break;
        case S4S_GENE_PREVIOUS:
        case S4S_GENE_ALIAS: {
            const char *what = gr.match == S4S_GENE_PREVIOUS ? "a previous symbol" : "an alias";
            count(&st->flagged, gr.match == S4S_GENE_PREVIOUS ? "hgnc-previous-symbol" : "hgnc-alias");
            if (gr.symbol && gr.hgnc_id) {
                oi->gene_symbol = gr.symbol;
                s4s_issue(rc, S4S_SEV_WARNING, "value", code, "gene %s is %s of %s [hgnc-%s]", q, what, gr.symbol,
                          gr.match == S4S_GENE_PREVIOUS ? "previous-symbol" : "alias");
                s4s_edit_set_str(rc, code, gr.hgnc_id, strlen(gr.hgnc_id), "hgnc-symbol-to-id",
                                 s4s_arena_printf(rc->arena, "gene %s mapped to the HGNC id of %s", q, gr.symbol));
                count(&st->repaired, "hgnc-symbol-to-id");
            } else
                s4s_issue(rc, S4S_SEV_WARNING, "value", code, "gene %s is %s of %s; not mapped [hgnc-%s]", q, what,
                          gr.symbol ? gr.symbol : "another gene", gr.match == S4S_GENE_PREVIOUS ? "previous-symbol" : "alias");
            break;
        }
        case S4S_GENE_AMBIGUOUS:
            count(&st->flagged, "hgnc-ambiguous");
            s4s_issue(rc, S4S_SEV_WARNING, "value", code,
                      "gene %s is a previous symbol or alias of more than one gene; not mapped [hgnc-ambiguous]", q);
            break;
        default:
            st->genes_unknown++;
            count(&st->flagged, "hgnc-unknown");
            s4s_issue(rc, S4S_SEV_WARNING, "code-invalid", code, "gene %s is not a known HGNC id or symbol [hgnc-unknown]", q);
            break;
        }
    }
}

/* 51958-7 / 48013-7: accession form and version. Returns the accession if well formed. */
static const char *refseq_slot(s4s_rctx *rc, vstate *st, s4s_node *holder, bool transcript)
{
    s4s_node *v = s4s_get(holder, "valueCodeableConcept");
    s4s_node *coding = v ? s4s_get(v, "coding") : NULL;
    if (!coding || coding->type != S4S_J_ARRAY)
        return NULL;
    S4S_EACH(c, coding) {
        s4s_node *code = c->type == S4S_J_OBJECT ? s4s_get(c, "code") : NULL;
        if (!code || !s4s_is_str(code))
            continue;
        bool ver;
        s4s_hgvs_acc k = s4s_hgvs_classify(code->str, code->len, &ver);
        if (transcript)
            st->transcripts++;
        if (k == S4S_HGVS_ACC_OTHER) {
            count(&st->flagged, "hgvs-accession-format");
            s4s_issue(rc, S4S_SEV_ERROR, "code-invalid", code,
                      "%s reference sequence %s is not a RefSeq, Ensembl, LRG or GenBank accession [hgvs-accession-format]",
                      transcript ? "transcript" : "genomic", code->str);
            continue;
        }
        if (!ver) {
            count(&st->flagged, "hgvs-unversioned");
            s4s_issue(rc, S4S_SEV_WARNING, "value", code,
                      "reference sequence %s has no version [hgvs-unversioned]", code->str);
        }
        if (k == S4S_HGVS_ACC_REFSEQ && transcript && code->str[1] != 'M' && code->str[1] != 'R') {
            count(&st->flagged, "hgvs-coordinate-mismatch");
            s4s_issue(rc, S4S_SEV_WARNING, "value", code,
                      "%s is not a transcript accession (NM_, NR_, XM_, XR_) [hgvs-coordinate-mismatch]", code->str);
        }
        return code->str;
    }
    return NULL;
}

/* --- the Observation ------------------------------------------------------- */

static void do_obs(s4s_rctx *rc, vstate *st, s4s_node *obs)
{
    obsinfo oi = {0};
    s4s_node *comps = s4s_get(obs, "component");
    oi.components = comps && comps->type == S4S_J_ARRAY ? comps : NULL;
    enum slot_kind own = slot_of(s4s_get(obs, "code"));

    /* first pass: what is there (genes, reference sequences, protein) */
    if (oi.components) {
        S4S_EACH(c, oi.components) {
            if (c->type != S4S_J_OBJECT)
                continue;
            enum slot_kind sk = slot_of(s4s_get(c, "code"));
            if (sk == SK_GENE) {
                oi.has_gene = true;
                s4s_node *v = s4s_get(c, "valueCodeableConcept");
                s4s_node *cd = v ? s4s_get(v, "coding") : NULL;
                s4s_node *c0 = cd && cd->type == S4S_J_ARRAY ? s4s_at(cd, 0) : NULL;
                const char *d = c0 ? s4s_get_str(c0, "display") : NULL;
                const char *code = c0 ? s4s_get_str(c0, "code") : NULL;
                oi.gene_symbol = d ? d : (code && !hgnc_id_form(code) && !all_digits(code)) ? code : NULL;
            } else if (sk == SK_P) {
                oi.has_prot = true;
                const char *p = first_value(c);
                if (p && s4s_hgvs_parse(p, strlen(p), &st->h) == S4S_OK) {
                    char pn[S4S_HGVS_POOL];
                    if (s4s_hgvs_print(&st->h, pn, sizeof pn) < sizeof pn) {
                        /* compare without the accession */
                        const char *dot = strstr(pn, ":p.");
                        oi.prot_norm = s4s_arena_printf(rc->arena, "%s", dot ? dot + 1 : pn);
                    }
                }
            }
        }
    }

    /* genes and reference sequences first: HGVS joins and checks use them */
    if (own == SK_GENE)
        gene_slot(rc, st, &oi, obs);
    if (oi.components) {
        S4S_EACH(c, oi.components) {
            if (c->type != S4S_J_OBJECT)
                continue;
            enum slot_kind sk = slot_of(s4s_get(c, "code"));
            if (sk == SK_GENE)
                gene_slot(rc, st, &oi, c);
            else if (sk == SK_TX) {
                const char *a = refseq_slot(rc, st, c, true);
                if (a && !oi.tx_acc)
                    oi.tx_acc = a;
            } else if (sk == SK_GREF) {
                const char *a = refseq_slot(rc, st, c, false);
                if (a && !oi.g_acc)
                    oi.g_acc = a;
            }
        }
    }
    if (own == SK_TX)
        oi.tx_acc = refseq_slot(rc, st, obs, true);

    /* the transcript's gene must agree with the gene studied */
    if (st->term && oi.tx_acc && oi.gene_symbol) {
        const char *g = s4s_term_refseq_gene(st->term, oi.tx_acc);
        if (g && strcmp(g, oi.gene_symbol) != 0) {
            count(&st->flagged, "hgvs-transcript-gene");
            s4s_issue(rc, S4S_SEV_WARNING, "value", obs,
                      "transcript %s belongs to gene %s, not to the gene studied %s [hgvs-transcript-gene]",
                      oi.tx_acc, g, oi.gene_symbol);
        }
    }

    /* HGVS values: the Observation's own, then each component's */
    if (own == SK_C || own == SK_P || own == SK_G || own == SK_ASSESS || s4s_get(obs, "valueCodeableConcept"))
        hgvs_slot(rc, st, &oi, obs, obs, own);
    if (oi.components) {
        S4S_EACH(c, oi.components) {
            /* components added by a split are not revisited */
            if (c->type != S4S_J_OBJECT || (c->flags & S4S_NF_INSERTED))
                continue;
            enum slot_kind sk = slot_of(s4s_get(c, "code"));
            if (sk == SK_GENE || sk == SK_TX || sk == SK_GREF)
                continue;
            hgvs_slot(rc, st, &oi, obs, c, sk);
        }
    }
}

static void apply(s4s_rctx *rc, void *state)
{
    vstate *st = state;
    if (!rc->root || rc->root->type != S4S_J_OBJECT)
        return;
    if (rc->type && !strcmp(rc->type, "Observation"))
        do_obs(rc, st, rc->root);
    s4s_node *contained = s4s_get(rc->root, "contained");
    if (contained && contained->type == S4S_J_ARRAY) {
        S4S_EACH(c, contained) {
            if (c->type == S4S_J_OBJECT && s4s_str_eq(s4s_get(c, "resourceType"), "Observation"))
                do_obs(rc, st, c);
        }
    }
}

static void merge(void *into, const void *from)
{
    vstate *a = into;
    const vstate *b = from;
    a->seen += b->seen;
    a->valid += b->valid;
    a->invalid += b->invalid;
    a->genes += b->genes;
    a->genes_unknown += b->genes_unknown;
    a->transcripts += b->transcripts;
    s4s_counter_merge(&a->repaired, &b->repaired);
    s4s_counter_merge(&a->flagged, &b->flagged);
}

const s4s_rule s4s_rule_variants = {"variants", init, apply, stats, NULL, fini, S4S_RULE_ANY, merge};
