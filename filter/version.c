/*
 * version.c - what --version reports: the libraries actually linked (run-time
 * versions, not build-time headers) and the provenance of the tables.
 */
#include "s4s.h"
#include "inflate.h"
#include "../rules/tables/fhir_r4.h"
#include "../terminology/tables/ucum_tables.h"
#include "../terminology/term.h"

#include <sqlite3.h>
#include <string.h>
#include <unicode/uversion.h>
#include <yajl/yajl_version.h>
#include <zlib.h>

typedef struct sys_acc {
    FILE *f;
    unsigned small;
} sys_acc;

static void one_system(const s4s_term_sysinfo *si, void *u)
{
    sys_acc *a = u;
    long long n = si->concepts + si->genes + si->refseq;
    if (si->version && !strncmp(si->version, "FHIR R4", 7)) { /* ~1000 of them: summarised */
        a->small++;
        return;
    }
    fprintf(a->f, "  %s: %lld entries%s, version %s, from %s\n", si->uri, n,
            si->complete ? "" : " (a sample)", si->version ? si->version : "?",
            si->source ? si->source : "?");
}

void s4s_write_versions(FILE *f)
{
    int y = yajl_version();
    UVersionInfo iv;
    char icu[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(iv);
    u_versionToString(iv, icu);
    fprintf(f, "yajl %d.%d.%d, zlib %s, SQLite %s, ICU %s; gzip by %s\n", y / 10000, y / 100 % 100,
            y % 100, zlibVersion(), sqlite3_libversion(), icu, s4s_inflater_backend());
    fprintf(f, "tables: FHIR R4 %s definitions (HL7, CC0); UCUM %s essence (Regenstrief, UCUM licence)\n",
            S4S_FHIR_VERSION, s4s_ucum_version);
    s4s_term *t;
    if (s4s_term_open(NULL, &t) != S4S_OK)
        return;
    fprintf(f, "terminology cache (embedded):\n");
    sys_acc a = {f, 0};
    s4s_term_systems(t, one_system, &a);
    fprintf(f, "  and %u code systems of FHIR R4 4.0.1 (CC0)\n", a.small);
    s4s_term_close(t);
}
