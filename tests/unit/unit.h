/*
 * unit.h - a minimal unit-test harness for tests/unit/test_*.c.
 *
 * Each CHECK is one counted assertion.  main() is written by each test file:
 *     int main(void) { test_a(); test_b(); return UNIT_DONE(); }
 * UNIT_DONE prints "<file>: N passed, N failed" (parsed by tests/run-tests.sh)
 * and returns non-zero if anything failed.
 */
#ifndef S4S_UNIT_H
#define S4S_UNIT_H
#include <stdio.h>
#include <string.h>

static unsigned unit_pass, unit_fail;

#define CHECK(cond) do { \
        if (cond) unit_pass++; \
        else { unit_fail++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
    } while (0)

#define CHECK_STR(got, want) do { \
        const char *g_ = (got), *w_ = (want); \
        if (g_ && w_ && strcmp(g_, w_) == 0) unit_pass++; \
        else { unit_fail++; fprintf(stderr, "%s:%d: got \"%s\", want \"%s\"\n", __FILE__, __LINE__, \
                                    g_ ? g_ : "(null)", w_ ? w_ : "(null)"); } \
    } while (0)

#define UNIT_DONE() (printf("%s: %u passed, %u failed\n", __FILE__, unit_pass, unit_fail), unit_fail ? 1 : 0)

#endif
