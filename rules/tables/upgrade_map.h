/*
 * upgrade_map.h - the DSTU2/STU3 -> R4 conversion table that rules/upgrade.c
 * applies (facts from the official FHIR "R2 to R3" and "R3 to R4"
 * conversion pages; no code taken).
 *
 * Invariants: rows of one source type are applied in table order (value
 * renames before the conversions that read the value); every row names a
 * member that R4 does not have, or a value shape R4 does not allow, so a
 * matching row is also evidence that a resource is DSTU2 or STU3 (HINT rows
 * only choose between the two).
 * Ownership: static data.
 */
#ifndef S4S_UPGRADE_MAP_H
#define S4S_UPGRADE_MAP_H
#include <stddef.h>
#include <stdint.h>

enum { S4S_UP_DSTU2 = 1, S4S_UP_STU3 = 2, S4S_UP_BOTH = 3 };

typedef enum s4s_up_op {
    S4S_UP_TYPE,   /* resourceType renamed: arg = R4 type (path unused) */
    S4S_UP_RENAME, /* member renamed: arg = R4 name */
    S4S_UP_CODE,   /* code value arg becomes arg2 */
    S4S_UP_CC,     /* code string -> CodeableConcept in system arg, named arg2 (NULL: same name) */
    S4S_UP_LIST,   /* single value -> array, named arg (NULL: same name) */
    S4S_UP_NOTE,   /* value -> [{arg2: value}] named arg (arg2 NULL: "text", an Annotation) */
    S4S_UP_ONE,    /* list -> single value named arg: the first item; more go to an extension */
    S4S_UP_ADD,    /* R4 requires member arg: added with the code arg2 when missing */
    S4S_UP_EXT,    /* no R4 home: cross-version extension with value[x] type arg
                      ("" for a backbone whose members become sub-extensions) */
    S4S_UP_FN,     /* a structural change: arg names the function in upgrade.c */
    S4S_UP_HINT    /* no change and no evidence: the member, when another row gives
                      evidence both versions share, says which version it is */
} s4s_up_op;

typedef struct s4s_up_row {
    uint8_t     from;  /* S4S_UP_DSTU2 | S4S_UP_STU3 */
    uint8_t     op;    /* s4s_up_op */
    const char *type;  /* source resourceType */
    const char *path;  /* dotted member path below the resource ("dosageInstruction.doseQuantity") */
    const char *arg, *arg2;
} s4s_up_row;

extern const s4s_up_row s4s_up_rows[];
extern const size_t s4s_up_n_rows;
#define S4S_UP_MAX_ROWS 1024 /* bound on s4s_up_n_rows, checked where the table is */

/* hl7.org/fhir code systems that R4 moved to terminology.hl7.org */
typedef struct s4s_up_system { const char *old_uri, *new_uri; } s4s_up_system;
extern const s4s_up_system s4s_up_systems[];
extern const size_t s4s_up_n_systems;

#endif
