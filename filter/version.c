/*
 * version.c - versions of the libraries actually linked, for --version.
 *
 * Reports run-time versions (what the loader picked), not build-time headers.
 */
#include "s4s.h"

#include <sqlite3.h>
#include <unicode/uversion.h>
#include <yajl/yajl_version.h>
#include <zlib.h>

void s4s_write_versions(FILE *f)
{
    int y = yajl_version();
    UVersionInfo iv;
    char icu[U_MAX_VERSION_STRING_LENGTH];
    u_getVersion(iv);
    u_versionToString(iv, icu);
    fprintf(f, "yajl %d.%d.%d, zlib %s, SQLite %s, ICU %s\n", y / 10000, y / 100 % 100, y % 100,
            zlibVersion(), sqlite3_libversion(), icu);
}
