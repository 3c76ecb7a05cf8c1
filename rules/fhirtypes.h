/*
 * fhirtypes.h - FHIR R4 primitive value rules (formats, ranges, calendars).
 *
 * Pure functions over a value's source form (string or number lexeme), so
 * they run on the hot path without allocating.  Ownership: the returned
 * reason is a static string.
 */
#ifndef S4S_FHIRTYPES_H
#define S4S_FHIRTYPES_H
#include <stdbool.h>
#include <stddef.h>
#include "../filter/base/node.h"

/* The JSON kind a primitive takes in R4 JSON: S4S_J_TRUE (boolean),
 * S4S_J_NUMBER or S4S_J_STRING. */
s4s_jtype s4s_fhir_prim_json(unsigned prim);

/* Check one primitive value (already of the right JSON kind).  Returns NULL
 * when valid, else a short privacy-safe reason ("not a valid date"). */
const char *s4s_fhir_prim_check(unsigned prim, const char *s, size_t n);

/* Individual rules, exported for the reference checks and unit tests. */
bool s4s_fhir_is_id(const char *s, size_t n);
bool s4s_fhir_is_uuid(const char *s, size_t n);    /* the uuid type: lower-case hex */
bool s4s_fhir_is_uuid_ci(const char *s, size_t n); /* uri/reference: RFC 4122 allows upper case */
bool s4s_fhir_is_oid(const char *s, size_t n);
/* Accepts what R4's date/dateTime/instant/time grammars accept, with real
 * calendar checks (leap years, month lengths) and zone rules. */
bool s4s_fhir_is_date(const char *s, size_t n);
bool s4s_fhir_is_datetime(const char *s, size_t n);
bool s4s_fhir_is_instant(const char *s, size_t n);
bool s4s_fhir_is_time(const char *s, size_t n);

#endif
