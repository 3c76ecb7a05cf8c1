/*
 * hgvs_int.h - shared between hgvs_parse.c and hgvs_print.c only.
 *
 * The note codes (index into the parser's code table) and the amino-acid
 * table.  Not part of the libs4s API: include hgvs.h elsewhere.
 * Ownership: returned strings are static.
 */
#ifndef S4S_HGVS_INT_H
#define S4S_HGVS_INT_H

enum {
    H_SYNTAX, H_WHITESPACE, H_CASE, H_AA1TO3, H_TER, H_DELSEQ, H_IDENTREF, H_RANGE,
    H_DELINSSUB, H_GENESPLIT, H_PROTSPLIT,
    H_XSTOP, H_NOACC, H_UNVERSIONED, H_ACCFORMAT, H_COORD, H_IVS, H_PROTGT,
    H_REVERSED, H_SHIFT, H_NEEDSREF, H_DEPRECATED, H_OLDRPT
};

/* 3-letter code of a 1-letter code ('*' Ter, '#' an ambiguous X); NULL if none. */
const char *s4s_hgvs_aa3(char aa1);
/* Static code string of a note code, NULL if out of range. */

#endif
