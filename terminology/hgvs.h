/*
 * hgvs.h - HGVS variant nomenclature: parser, safe repairs, normalized printer.
 *
 * FHIR-agnostic (rules/variants.c applies it to Observations; s4s-term hgvs
 * fronts it on the command line).  s4s_hgvs_parse() reads one expression into
 * a typed s4s_hgvs value without allocating: every part lives in fixed arrays
 * inside the value, so bad or huge input is refused by a cap, never grown.
 *
 * What the parser does beyond yes/no:
 *  - repairs what is safe without a reference sequence, each recorded as a
 *    note of kind S4S_HGVS_NOTE_REPAIR (whitespace, case, 1- to 3-letter amino
 *    acids, `*`/X -> Ter where unambiguous, deleted bases after del/dup/inv,
 *    reference base before `=`, a gene symbol in parentheses, a trailing
 *    ClinVar-style " (p.Val600Glu)");
 *  - flags what needs a reference sequence or is ambiguous (kind FLAG):
 *    X as a stop, missing or unversioned accession, IVS numbering, `>` in a
 *    protein change, reversed ranges, changes that need 3' shifting;
 *  - reports a syntax error with where and why (kind SYNTAX), e.g.
 *    "position 14: expected `>` after reference base".
 * `valid` is about syntax only: warnings never make an expression invalid.
 *
 * Ownership: an s4s_hgvs is caller-owned (it is large: keep one and reuse it);
 * every string it exposes points into the value itself and lives until the
 * next parse into it.  Note codes are static strings.
 */
#ifndef S4S_HGVS_H
#define S4S_HGVS_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../filter/base/rc.h"

#define S4S_HGVS_MAX_INPUT 2048   /* longer expressions are refused */
#define S4S_HGVS_MAX_VARS  32     /* changes in one description (alleles) */
#define S4S_HGVS_MAX_NOTES 12     /* notes kept; later ones are counted only */
#define S4S_HGVS_POOL      4096   /* canonical text of accessions and sequences */

typedef enum s4s_hgvs_sev {
    S4S_HGVS_SEV_ERROR, S4S_HGVS_SEV_WARNING, S4S_HGVS_SEV_INFO
} s4s_hgvs_sev;

typedef enum s4s_hgvs_note_kind {
    S4S_HGVS_NOTE_SYNTAX,  /* the expression is not valid HGVS */
    S4S_HGVS_NOTE_REPAIR,  /* changed in the normalized form */
    S4S_HGVS_NOTE_FLAG     /* needs a human or a reference sequence */
} s4s_hgvs_note_kind;

typedef struct s4s_hgvs_note {
    uint8_t     kind;      /* s4s_hgvs_note_kind */
    uint8_t     sev;       /* s4s_hgvs_sev */
    const char *code;      /* "hgvs-syntax", repair kind or flag name */
    char        msg[160];  /* names only positions and HGVS tokens */
} s4s_hgvs_note;

/* Accession families. */
typedef enum s4s_hgvs_acc {
    S4S_HGVS_ACC_NONE, S4S_HGVS_ACC_REFSEQ, S4S_HGVS_ACC_ENSEMBL,
    S4S_HGVS_ACC_LRG, S4S_HGVS_ACC_GENBANK, S4S_HGVS_ACC_OTHER
} s4s_hgvs_acc;

/* Position flags. */
enum {
    S4S_HGVS_P_UNKNOWN = 1 << 0,  /* "?" */
    S4S_HGVS_P_STAR    = 1 << 1,  /* c.*45: after the stop codon */
    S4S_HGVS_P_OFFSET  = 1 << 2,  /* intronic offset present (c.123+4) */
    S4S_HGVS_P_OFF_UNK = 1 << 3,  /* unknown offset: c.88-? (sign in offset: -1 / +1) */
    S4S_HGVS_P_PTER    = 1 << 4,  /* g.pter: the end of the short arm */
    S4S_HGVS_P_QTER    = 1 << 5,  /* g.qter: the end of the long arm */
    S4S_HGVS_P_CEN     = 1 << 6   /* g.cen: the centromere */
};

typedef struct s4s_hgvs_pos {
    int64_t num;       /* c.-12 has num -12 */
    int64_t offset;    /* c.123-4 has offset -4 */
    uint8_t flags;     /* S4S_HGVS_P_* */
    char    aa;        /* protein: 1-letter code, '*' Ter, '#' an X (ambiguous) */
} s4s_hgvs_pos;

/* A point, or an uncertain point "(a_b)" somewhere between a and b. */
typedef struct s4s_hgvs_pt {
    s4s_hgvs_pos a, b;
    bool uncertain;
} s4s_hgvs_pt;

typedef struct s4s_hgvs_loc {
    s4s_hgvs_pt start, end;
    bool range;        /* start_end */
} s4s_hgvs_loc;

typedef enum s4s_hgvs_edit {
    S4S_HGVS_E_NONE, S4S_HGVS_E_SUB, S4S_HGVS_E_DEL, S4S_HGVS_E_DUP,
    S4S_HGVS_E_INS, S4S_HGVS_E_DELINS, S4S_HGVS_E_INV, S4S_HGVS_E_CON,
    S4S_HGVS_E_IDENT,      /* = */
    S4S_HGVS_E_RPT,        /* CAG[26], [4] */
    S4S_HGVS_E_COPY,       /* copy2 */
    S4S_HGVS_E_UNKNOWN,    /* ? (p.Met1?, c.?, p.?) */
    S4S_HGVS_E_NONEPROD,   /* 0: no protein / no RNA */
    S4S_HGVS_E_SPL,        /* r.spl */
    S4S_HGVS_E_FS, S4S_HGVS_E_EXT,
    S4S_HGVS_E_METH        /* |gom |lom |met= (payload: the text after |) */
} s4s_hgvs_edit;

/* How a change joins the one before it. */
typedef enum s4s_hgvs_sep {
    S4S_HGVS_SEP_NONE, S4S_HGVS_SEP_CIS /* ; */, S4S_HGVS_SEP_TRANS /* ];[ */,
    S4S_HGVS_SEP_PHASE /* (;) */, S4S_HGVS_SEP_MOSAIC /* / */, S4S_HGVS_SEP_CHIMERIC /* // */,
    S4S_HGVS_SEP_OR /* ^ */, S4S_HGVS_SEP_ALLELE_PHASE /* ](;)[ or ](;) between alleles */
} s4s_hgvs_sep;

enum {
    S4S_HGVS_V_PREDICTED = 1 << 0,  /* the change is in parentheses */
    S4S_HGVS_V_HAS_LOC   = 1 << 1,
    S4S_HGVS_V_NUM       = 1 << 2,  /* num is set (fs/ext Ter position, ext offset, copy) */
    S4S_HGVS_V_NUM_UNK   = 1 << 3,  /* fsTer? / extTer? */
    S4S_HGVS_V_TER       = 1 << 4,  /* fs/ext names Ter */
    S4S_HGVS_V_EDIT_UNC  = 1 << 5,  /* loc(edit): the edit itself is uncertain */
    S4S_HGVS_V_Q         = 1 << 6,  /* 0?  */
    S4S_HGVS_V_BARE      = 1 << 7   /* outside brackets after an allele: c.[a];[b](;)c */
};

/* One change.  Sequences are offsets into s4s_hgvs.pool (canonical case;
 * protein sequences as 1-letter codes); ref is what the input stated. */
typedef struct s4s_hgvs_var {
    s4s_hgvs_loc loc;
    uint8_t  edit;     /* s4s_hgvs_edit */
    uint8_t  sep;      /* s4s_hgvs_sep */
    uint8_t  flags;    /* S4S_HGVS_V_* */
    uint16_t ref_off, ref_len;   /* stated reference bases (dropped on print for del/dup/inv/=) */
    uint16_t alt_off, alt_len;   /* sub alt; ins/delins/con/rpt payload (canonical text); protein alt */
    int64_t  num;
} s4s_hgvs_var;

typedef struct s4s_hgvs {
    bool     valid;
    char     kind;           /* 'g','m','o','c','n','r','p'; 0 if not reached */
    uint8_t  acc_kind;       /* s4s_hgvs_acc */
    bool     acc_versioned;
    bool     bracket;        /* c.[...] allele form */
    bool     group_pred;     /* p.[(a;b)] */
    uint16_t acc_off, acc_len;    /* into pool; 0 length: no accession */
    uint16_t acc2_off, acc2_len;  /* NC_...(NM_...): the inner transcript */
    uint16_t gene_off, gene_len;  /* gene symbol split off "(BRAF)" */
    uint16_t prot_off, prot_len;  /* trailing " (p.Val600Glu)" split off, without parentheses */
    uint16_t fus_off, fus_len;    /* adjoined transcript: text after "::" (canonical) */
    uint8_t  nvars;
    uint8_t  nnotes;
    uint16_t nnotes_total;        /* notes raised, including those past the cap */
    uint16_t pool_len;
    s4s_hgvs_var  vars[S4S_HGVS_MAX_VARS];
    s4s_hgvs_note notes[S4S_HGVS_MAX_NOTES];
    char     pool[S4S_HGVS_POOL];
} s4s_hgvs;

/* Parse s[0..len).  Always fills *h (notes say why).  Returns S4S_OK when the
 * expression is valid (possibly after repairs, possibly with flags),
 * S4S_ERR_INVALID when not, S4S_ERR_USAGE for NULL arguments. */
s4s_rc s4s_hgvs_parse(const char *s, size_t len, s4s_hgvs *h);

/* Write the normalized form as a NUL-terminated string into out[0..cap).
 * Returns the length the full form needs (excluding the NUL), like
 * snprintf; 0 when h is not valid.  No accession gives "c.76del". */
size_t s4s_hgvs_print(const s4s_hgvs *h, char *out, size_t cap);

/* "NM_004333.4", the gene split off, the protein change split off: point into
 * h, length in *len; NULL when absent. */
const char *s4s_hgvs_accession(const s4s_hgvs *h, size_t *len);
const char *s4s_hgvs_gene(const s4s_hgvs *h, size_t *len);
const char *s4s_hgvs_protein(const s4s_hgvs *h, size_t *len);

/* True if a note with this code was raised (looks at kept notes only). */
bool s4s_hgvs_has(const s4s_hgvs *h, const char *code);

/* "g" -> "genomic", ... ; the `kind` string s4s-term prints. */
const char *s4s_hgvs_kind_str(char kind);
const char *s4s_hgvs_sev_str(s4s_hgvs_sev sev);   /* "error", "warning", "information" */

/* RefSeq accession syntax "NM_004333.4" / "NM_004333": true when well formed;
 * *versioned tells whether it carries ".n". */
bool s4s_hgvs_refseq_valid(const char *acc, size_t len, bool *versioned);
/* Family of an accession (RefSeq, Ensembl ENST…, LRG_n[t|p n], GenBank);
 * *versioned as above (LRGs count as versioned: they never change). */
s4s_hgvs_acc s4s_hgvs_classify(const char *acc, size_t len, bool *versioned);

#endif
