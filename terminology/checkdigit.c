/*
 * checkdigit.c - code syntax checks run before any look-up.
 *
 * Pure functions over NUL-terminated ASCII; no allocation, no state.
 * LOINC: the mod-10 (Luhn-style) check digit of the LOINC users' guide.
 * SNOMED CT: Verhoeff check digit plus partition identifier (the two digits
 * before the check digit): 00 = concept, 10 = extension concept; 01/02/11/12
 * identify descriptions and relationships and are rejected as codes.
 * Systems without a table (ICD-10-CM/PCS, ICD-9-CM, CPT, HCPCS): the form
 * of their codes.  systems.c says which check each system gets.
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

bool s4s_loinc_code_valid(const char *code)
{
    return code && (s4s_loinc_valid(code) || loinc_other_valid(code));
}

static bool upper_or_digit(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* Category (letter, digit, digit or letter) and n more characters; an X
 * placeholder only ever precedes a 7th character, so it never ends a code. */
static bool icd10cm_parts(const char *cat, const char *rest, size_t n)
{
    if (cat[0] < 'A' || cat[0] > 'Z' || cat[1] < '0' || cat[1] > '9' || !upper_or_digit(cat[2]))
        return false;
    if (n > 4)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!upper_or_digit(rest[i]))
            return false;
    return !n || rest[n - 1] != 'X';
}

bool s4s_icd10cm_valid(const char *code)
{
    if (!code)
        return false;
    size_t n = strlen(code);
    if (n == 3)
        return icd10cm_parts(code, "", 0);
    return n >= 5 && code[3] == '.' && icd10cm_parts(code, code + 4, n - 4);
}

bool s4s_icd10cm_dotted(const char *code, char *out, size_t cap)
{
    size_t n = code ? strlen(code) : 0;
    if (n < 4 || n > 7 || strchr(code, '.') || !icd10cm_parts(code, code + 3, n - 3) || cap < n + 2)
        return false;
    memcpy(out, code, 3);
    out[3] = '.';
    memcpy(out + 4, code + 3, n - 2);
    return true;
}

bool s4s_icd10pcs_valid(const char *code)
{
    if (!code || strlen(code) != 7)
        return false;
    for (size_t i = 0; i < 7; i++)
        if (!upper_or_digit(code[i]) || code[i] == 'I' || code[i] == 'O')
            return false;
    return true;
}

/* digits, then optionally '.' and 1..frac digits */
static bool digits_dot(const char *s, size_t whole, size_t frac)
{
    if (strlen(s) < whole || !all_digits(s, whole))
        return false;
    s += whole;
    if (!*s)
        return true;
    size_t n = strlen(s + 1);
    return *s == '.' && n >= 1 && n <= frac && all_digits(s + 1, n);
}

bool s4s_icd9cm_valid(const char *code)
{
    if (!code || !*code)
        return false;
    if (code[0] == 'V')
        return digits_dot(code + 1, 2, 2);
    if (code[0] == 'E')
        return digits_dot(code + 1, 3, 1);
    /* a diagnosis NNN[.NN], or a procedure NN.N[N] */
    return digits_dot(code, 3, 2) || (strlen(code) >= 4 && code[2] == '.' && digits_dot(code, 2, 2));
}

bool s4s_cpt_valid(const char *code)
{
    if (!code || strlen(code) != 5 || !all_digits(code, 4))
        return false;
    return (code[4] >= '0' && code[4] <= '9') || code[4] == 'F' || code[4] == 'T' || code[4] == 'U';
}

bool s4s_hcpcs_valid(const char *code)
{
    return code && strlen(code) == 5 && code[0] >= 'A' && code[0] <= 'V' && all_digits(code + 1, 4);
}
