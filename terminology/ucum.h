/*
 * ucum.h - the UCUM engine: validate unit expressions, compute their
 * canonical form, convert values between commensurable units.
 *
 * FHIR-agnostic.  Implements the case-sensitive UCUM grammar over the atoms
 * and prefixes generated from ucum-essence.xml (tables/ucum_tables.h):
 * prefixes (only on metric atoms), annotations {...}, signed integer
 * exponents, '.' and '/' with a leading '/', parentheses, integer factors,
 * square-bracket atoms, special units (Cel, [degF], [pH]... converted through
 * their functions) and arbitrary units ([IU]...: commensurable only with
 * themselves).
 *
 * The canonical form is a magnitude (double) and a dimension vector over the
 * 7 base units m s g rad K C cd.  mol is dimensionless in UCUM (6.02214076e23),
 * so the exponent of mol is kept beside the vector: conversions that would
 * trade mass for amount of substance are refused (S4S_ERR_UNSUPPORTED).
 *
 * Ownership: s4s_ucum_parse() is pure and thread-safe.  An s4s_ucum handle
 * owns a fixed-size cache of recent unit strings and is NOT thread-safe: one
 * handle per thread.  Results are copied out to the caller.
 */
#ifndef S4S_UCUM_H
#define S4S_UCUM_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "../filter/base/rc.h"

#define S4S_UCUM_MAX_LEN 256  /* longer unit strings are invalid */
#define S4S_UCUM_MAX_ARB 4    /* distinct arbitrary atoms kept per unit */
#define S4S_UCUM_MSG     112  /* room for one error message */

typedef struct s4s_ucum_canon {
    double  mag;                     /* canonical magnitude (linear part) */
    int8_t  dim[7];                  /* exponents of m s g rad K C cd */
    int8_t  sub;                     /* exponent of mol (substance) */
    uint8_t n_arb;
    uint8_t arb[S4S_UCUM_MAX_ARB];   /* 1 + index into s4s_ucum_arbitrary */
    int8_t  arb_exp[S4S_UCUM_MAX_ARB];
} s4s_ucum_canon;

typedef struct s4s_ucum_result {
    bool           valid;
    uint8_t        fn;        /* special function (enum s4s_ucum_fn) when the
                                 whole unit is one special atom, else 0 */
    bool           special;   /* some special atom occurs (maybe in a compound) */
    bool           arb_over;  /* more arbitrary atoms than kept: not convertible */
    double         fn_pfx;    /* prefix factor of that special atom */
    s4s_ucum_canon c;
    unsigned       err_pos;   /* byte offset of the error */
    char           msg[S4S_UCUM_MSG]; /* first error, "" when valid */
} s4s_ucum_result;

/* Parse s[0..n).  Fills r (valid or not) and returns true when valid.
 * normalized (may be NULL, size nsz) receives the same unit in preferred
 * spelling: "10^" -> "10*", "m+2" -> "m2", leading "1/" -> "/"; "" when
 * invalid. */
bool s4s_ucum_parse(const char *s, size_t n, s4s_ucum_result *r,
                    char *normalized, size_t nsz);

/* A hint for an unknown atom: the bracketed atom it probably meant
 * ("degF" -> "[degF]"), or NULL.  Static string. */
const char *s4s_ucum_hint(const char *s, size_t n);

typedef struct s4s_ucum s4s_ucum;
s4s_ucum *s4s_ucum_new(void);
void      s4s_ucum_free(s4s_ucum *u);
/* Cached s4s_ucum_parse (no normalized form). */
bool      s4s_ucum_check(s4s_ucum *u, const char *s, size_t n, s4s_ucum_result *r);

/* Same dimension, mol exponent and arbitrary atoms (both valid). */
bool s4s_ucum_commensurable(const s4s_ucum_result *a, const s4s_ucum_result *b);

/* Convert v from unit a to unit b.  S4S_ERR_INVALID: a unit is invalid or the
 * units are not commensurable; S4S_ERR_UNSUPPORTED: mass <-> substance,
 * a special unit inside a compound, or the result is not finite.  why gets
 * a message (privacy-safe: units only). */
s4s_rc s4s_ucum_convert(const s4s_ucum_result *a, const s4s_ucum_result *b,
                        const char *a_str, const char *b_str, double v,
                        double *out, char *why, size_t whysz);

/* Significant digits of a decimal lexeme ("150" 3, "0.050" 2, "1.5e3" 2);
 * 0 if it is not a number. */
int  s4s_ucum_sig_digits(const char *lexeme);
/* Parse a decimal lexeme (JSON or plain); false if it is not one. */
bool s4s_ucum_parse_number(const char *lexeme, double *out);
/* Write v as a plain decimal string (no exponent).  sig > 0 rounds to that
 * many significant digits and keeps their trailing zeros; sig == 0 gives 15
 * significant digits with trailing zeros removed.  False if it does not fit. */
bool s4s_ucum_format(double v, int sig, char *out, size_t outsz);
/* "10 g.m-3"; special units "Cel(1 K)".  False if it does not fit. */
bool s4s_ucum_canon_str(const s4s_ucum_result *r, char *out, size_t outsz);

/* Plain decimal with a fixed number of decimals; negative decimals round
 * to tens, hundreds...  False if it does not fit. */
bool s4s_ucum_format_fixed(double v, int decimals, char *out, size_t outsz);

/* Convenience for CLIs and rules: convert a decimal string between unit
 * strings.  sig: as s4s_ucum_format, or -1 to keep the input's precision:
 * the step of its last digit, converted and rounded down to a power of ten
 * (150 [lb_av] -> 68.0 kg, 70 [in_i] -> 178 cm, 98.6 [degF] -> 37.00 Cel);
 * non-linear special units fall back to the input's significant digits. */
s4s_rc s4s_ucum_convert_str(s4s_ucum *u, const char *value, const char *from,
                            const char *to, int sig, char *out, size_t outsz,
                            char *why, size_t whysz);

#endif
