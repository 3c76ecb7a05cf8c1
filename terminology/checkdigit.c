/*
 * checkdigit.c - code syntax checks run before any look-up.
 *
 * Pure functions over NUL-terminated ASCII; no allocation, no state.
 * LOINC: the mod-10 (Luhn-style) check digit of the LOINC users' guide.
 * SNOMED CT: Verhoeff check digit plus partition identifier (the two digits
 * before the check digit): 00 = concept, 10 = extension concept; 01/02/11/12
 * identify descriptions and relationships and are rejected as codes.
 */
#include <string.h>

#include "term.h"

static bool all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool s4s_loinc_valid(const char *code)
{
    if (!code)
        return false;
    const char *dash = strchr(code, '-');
    if (!dash)
        return false;
    size_t n = (size_t)(dash - code);
    if (n < 1 || n > 7 || !all_digits(code, n) || strlen(dash) != 2 || !all_digits(dash + 1, 1))
        return false;
    /* Luhn: double every second digit counting from the right, starting
     * with the rightmost one of the base number. */
    unsigned sum = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned d = (unsigned)(code[n - 1 - i] - '0');
        if (i % 2 == 0) {
            d *= 2;
            if (d > 9)
                d -= 9;
        }
        sum += d;
    }
    return (unsigned)(dash[1] - '0') == (10 - sum % 10) % 10;
}

static const unsigned char vd[10][10] = {
    {0,1,2,3,4,5,6,7,8,9}, {1,2,3,4,0,6,7,8,9,5}, {2,3,4,0,1,7,8,9,5,6},
    {3,4,0,1,2,8,9,5,6,7}, {4,0,1,2,3,9,5,6,7,8}, {5,9,8,7,6,0,4,3,2,1},
    {6,5,9,8,7,1,0,4,3,2}, {7,6,5,9,8,2,1,0,4,3}, {8,7,6,5,9,3,2,1,0,4},
    {9,8,7,6,5,4,3,2,1,0}};
static const unsigned char vp[8][10] = {
    {0,1,2,3,4,5,6,7,8,9}, {1,5,7,6,2,8,3,0,9,4}, {5,8,0,3,7,9,6,1,4,2},
    {8,9,1,6,0,4,3,5,2,7}, {9,4,5,3,1,2,6,8,7,0}, {4,2,8,6,5,7,3,9,0,1},
    {2,7,9,3,8,0,6,4,1,5}, {7,0,4,6,9,1,3,2,5,8}};

bool s4s_snomed_valid(const char *code)
{
    if (!code)
        return false;
    size_t n = strlen(code);
    if (n < 6 || n > 18 || !all_digits(code, n) || code[0] == '0')
        return false;
    unsigned c = 0;
    for (size_t i = 0; i < n; i++)
        c = vd[c][vp[i % 8][code[n - 1 - i] - '0']];
    if (c != 0)
        return false;
    char p0 = code[n - 3], p1 = code[n - 2];
    return (p0 == '0' || p0 == '1') && p1 == '0';
}

bool s4s_rxcui_valid(const char *code)
{
    if (!code)
        return false;
    size_t n = strlen(code);
    return n >= 1 && n <= 9 && all_digits(code, n) && code[0] != '0';
}

bool s4s_cvx_valid(const char *code)
{
    if (!code)
        return false;
    size_t n = strlen(code);
    return n >= 1 && n <= 3 && all_digits(code, n);
}

bool s4s_ndc_valid(const char *code)
{
    if (!code)
        return false;
    size_t n = strlen(code);
    if ((n == 10 || n == 11) && all_digits(code, n))
        return true;
    /* hyphenated: labeler-product-package */
    size_t seg[4], k = 0, len = 0;
    for (const char *p = code;; p++) {
        if (*p == '-' || !*p) {
            if (k == 3 || len == 0)
                return false;
            seg[k++] = len;
            len = 0;
            if (!*p)
                break;
        } else if (*p >= '0' && *p <= '9') {
            len++;
        } else {
            return false;
        }
    }
    if (k != 3)
        return false;
    return (seg[0] == 4 && seg[1] == 4 && seg[2] == 2) || (seg[0] == 5 && seg[1] == 3 && seg[2] == 2) ||
           (seg[0] == 5 && seg[1] == 4 && seg[2] == 1) || (seg[0] == 5 && seg[1] == 4 && seg[2] == 2);
}

bool s4s_hgnc_id_valid(const char *code)
{
    if (!code || strncmp(code, "HGNC:", 5))
        return false;
    size_t n = strlen(code + 5);
    return n >= 1 && n <= 9 && all_digits(code + 5, n) && code[5] != '0';
}

/* LOINC answer, part and group codes (LA6576-8, LP...): their check digit is
 * not the mod-10 of the users' guide, so only the form is checked. */
static bool loinc_other_valid(const char *code)
{
    if (code[0] != 'L' || !code[1] || !strchr("APGL", code[1]))
        return false;
    const char *dash = strchr(code + 2, '-');
    if (!dash)
        return false;
    size_t n = (size_t)(dash - code - 2);
    return n >= 1 && n <= 8 && all_digits(code + 2, n) && strlen(dash) == 2 && all_digits(dash + 1, 1);
}

bool s4s_code_syntax_ok(s4s_code_check chk, const char *code)
{
    if (!code)
        return false;
    switch (chk) {
    case S4S_CHK_LOINC:  return s4s_loinc_valid(code) || loinc_other_valid(code);
    case S4S_CHK_SNOMED: return s4s_snomed_valid(code);
    case S4S_CHK_RXNORM: return s4s_rxcui_valid(code);
    case S4S_CHK_CVX:    return s4s_cvx_valid(code);
    case S4S_CHK_NDC:    return s4s_ndc_valid(code);
    case S4S_CHK_HGNC:   return s4s_hgnc_id_valid(code);
    case S4S_CHK_NONE:   break;
    }
    return true;
}
