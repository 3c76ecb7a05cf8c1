/*
 * test_hgvs.c - the HGVS parser and printer: forms, repairs, flags, errors,
 * and two properties: normalizing is idempotent, and mangled input never
 * crashes or overruns (run under ASan by make check).
 */
#include <stdlib.h>
#include "../../terminology/hgvs.h"
#include "unit.h"

static s4s_hgvs H;

/* Parse s; check validity, normalized form (NULL: don't check), and that
 * note `code` (NULL: none expected beyond the form) was raised. */
static void t(const char *s, int valid, const char *norm, const char *code)
{
    bool ok = s4s_hgvs_parse(s, strlen(s), &H) == S4S_OK;
    if (ok != (valid != 0)) {
        fprintf(stderr, "validity of \"%s\": got %d (%s)\n", s, ok, H.nnotes ? H.notes[H.nnotes - 1].msg : "");
        CHECK(ok == (valid != 0));
        return;
    }
    CHECK(ok == H.valid);
    if (norm) {
        char out[S4S_HGVS_POOL];
        s4s_hgvs_print(&H, out, sizeof out);
        CHECK_STR(out, norm);
    }
    if (code && !s4s_hgvs_has(&H, code)) {
        fprintf(stderr, "\"%s\": note %s not raised\n", s, code);
        CHECK(s4s_hgvs_has(&H, code));
    }
}

static void forms_dna(void)
{
    t("NC_000023.10:g.33038255C>A", 1, "NC_000023.10:g.33038255C>A", NULL);
    t("NG_012232.1(NM_004006.2):c.93+1G>T", 1, "NG_012232.1(NM_004006.2):c.93+1G>T", NULL);
    t("NM_004006.2:c.-12-3A>G", 1, "NM_004006.2:c.-12-3A>G", NULL);
    t("NM_004006.2:c.*45G>A", 1, "NM_004006.2:c.*45G>A", NULL);
    t("NM_004006.2:c.123+4A>G", 1, "NM_004006.2:c.123+4A>G", NULL);
    t("NM_004006.2:c.(4071+1_4072-1)_(5154+1_5155-1)del", 1, "NM_004006.2:c.(4071+1_4072-1)_(5154+1_5155-1)del", NULL);
    t("NC_000023.11:g.(?_31120000)_(33339000_?)del", 1, NULL, NULL);
    t("NC_012920.1:m.8993T>G", 1, NULL, NULL);
    t("NC_001807.4:o.123A>G", 1, NULL, NULL);
    t("NR_002196.1:n.601G>A", 1, NULL, NULL);
    t("NC_000001.11:g.1234_2345del", 1, NULL, NULL);
    t("NC_000001.11:g.1234_2345dup", 1, NULL, NULL);
    t("NC_000001.11:g.1234_1235insACGT", 1, NULL, NULL);
    t("NC_000001.11:g.123_129delinsAC", 1, NULL, NULL);
    t("NC_000001.11:g.1234_2345inv", 1, NULL, NULL);
    t("NC_000001.11:g.1234_2345=", 1, NULL, NULL);
    t("NC_000014.8:g.123_191CAG[19]CAA[4]", 1, "NC_000014.8:g.123_191CAG[19]CAA[4]", NULL);
    t("NM_004006.2:c.123_191CAG[19];[21]", 1, "NM_004006.2:c.123_191CAG[19];[21]", NULL);
    t("NM_004006.2:c.5697_5698ins5701_5710", 1, NULL, NULL);
    t("NM_004006.2:c.5697_5698insN[10]", 1, NULL, NULL);
    t("NM_004006.2:c.5697_5698ins(10)", 1, NULL, NULL);
    t("NM_004006.2:c.5697_5698ins[NC_000001.11:g.123_456]", 1, NULL, NULL);
    t("NC_000001.11:g.123_456con[NC_000002.12:g.1_333]", 1, NULL, NULL);
    t("NC_000001.11:g.[123G>A;345del]", 1, "NC_000001.11:g.[123G>A;345del]", NULL);
    t("NC_000001.11:g.[123G>A];[345del]", 1, "NC_000001.11:g.[123G>A];[345del]", NULL);
    t("NC_000001.11:g.123G>A(;)345del", 1, "NC_000001.11:g.123G>A(;)345del", NULL);
    t("NM_004006.2:c.85=/T>C", 1, "NM_004006.2:c.85=/T>C", NULL);
    t("NM_004006.2:c.=", 1, NULL, NULL);
    t("NM_004006.2:c.?", 1, NULL, NULL);
    t("LRG_199t1:c.79_80delinsTT", 1, NULL, NULL);
    t("ENST00000357654.9:c.5266dup", 1, NULL, NULL);
}

static void forms_rna_protein(void)
{
    t("NM_004006.3:r.123c>g", 1, "NM_004006.3:r.123c>g", NULL);
    t("NM_004006.3:r.-110gcu[6]", 1, NULL, NULL);
    t("NM_004006.3:r.(123c>g)", 1, NULL, NULL);
    t("NM_004006.3:r.spl", 1, NULL, NULL);
    t("NM_004006.3:r.0", 1, NULL, NULL);
    t("NM_152263.2:r.-115_775::aggcucccuugg::NM_002609.3:r.1580_*1924", 1,
      "NM_152263.2:r.-115_775::aggcucccuugg::NM_002609.3:r.1580_*1924", NULL);
    t("NP_003997.1:p.(Trp24Cys)", 1, NULL, NULL);
    t("NP_003997.2:p.Lys23_Val25del", 1, NULL, NULL);
    t("NP_004371.2:p.(Pro46_Asn47insSerSerTer)", 1, NULL, NULL);
    t("NP_003070.3:p.Glu125_Ala132delinsGlyLeuHisArgPheIleValLeu", 1, NULL, NULL);
    t("NP_0123456.1:p.Arg97ProfsTer23", 1, NULL, NULL);
    t("NP_0123456.1:p.Arg97fs", 1, NULL, NULL);
    t("NP_003997.2:p.Met1ext-5", 1, "NP_003997.2:p.Met1ext-5", NULL);
    t("NP_003997.2:p.Ter110GlnextTer17", 1, NULL, NULL);
    t("NP_0123456.1:p.Ala2[10];[11]", 1, "NP_0123456.1:p.Ala2[10];[11]", NULL);
    t("NP_003997.1:p.[(Ser73Arg;Asn103del)]", 1, "NP_003997.1:p.[(Ser73Arg;Asn103del)]", NULL);
    t("NP_003997.1:p.(Ser73Arg)(;)(Asn103del)", 1, NULL, NULL);
    t("NP_003997.1:p.0", 1, NULL, NULL);
    t("NP_003997.1:p.0?", 1, NULL, NULL);
    t("NP_003997.1:p.?", 1, NULL, NULL);
    t("NP_003997.1:p.=", 1, NULL, NULL);
    t("NP_003997.1:p.Met1?", 1, NULL, NULL);
}

static void repairs(void)
{
    t("c.1799t>a", 1, "c.1799T>A", "hgvs-case");
    t("P.val600glu", 1, "p.Val600Glu", "hgvs-case");
    t("p.V600E", 1, "p.Val600Glu", "hgvs-aa1to3");
    t("p.R1039fs", 1, "p.Arg1039fs", "hgvs-aa1to3");
    t("NP_003997.1:p.W24*", 1, "NP_003997.1:p.Trp24Ter", "hgvs-ter");
    t("NP_001175.2:p.R960fs*2", 1, "NP_001175.2:p.Arg960fsTer2", "hgvs-ter");
    t("NP_003997.1:p.R97PfsX23", 1, "NP_003997.1:p.Arg97ProfsTer23", "hgvs-ter");
    t("c.76delA", 1, "c.76del", "hgvs-del-seq");
    t("c.76_76del", 1, "c.76del", "hgvs-range");
    t("c.123A=", 1, "c.123=", "hgvs-ident-ref");
    t("NM_004006.2:c.76delAinsT", 1, "NM_004006.2:c.76A>T", "hgvs-delins-sub");
    t("nm_004333.4:c.1799T>A", 1, "NM_004333.4:c.1799T>A", "hgvs-case");
    t("  NM_004333.4: c.1799 T>A ", 1, "NM_004333.4:c.1799T>A", "hgvs-whitespace");
    t("NM_004333.4(BRAF):c.1799T>A", 1, "NM_004333.4:c.1799T>A", "hgvs-gene-split");
    t("NM_004333.4:c.1799T>A (p.Val600Glu)", 1, "NM_004333.4:c.1799T>A", "hgvs-protein-split");
    size_t n;
    t("NM_004333.4(BRAF):c.1799T>A (p.V600E)", 1, NULL, NULL);
    const char *g = s4s_hgvs_gene(&H, &n);
    CHECK(g && n == 4 && !memcmp(g, "BRAF", 4));
    const char *p = s4s_hgvs_protein(&H, &n);
    CHECK(p && n == 7 && !memcmp(p, "p.V600E", 7));
    const char *a = s4s_hgvs_accession(&H, &n);
    CHECK(a && n == 11 && !memcmp(a, "NM_004333.4", 11));
}

static void flags(void)
{
    t("NP_003997.1:p.W24X", 1, "NP_003997.1:p.Trp24X", "hgvs-x-stop");
    t("c.1799T>A", 1, NULL, "hgvs-no-accession");
    t("NM_004333:c.1799T>A", 1, NULL, "hgvs-unversioned");
    t("IVS2+1G>A", 0, NULL, "hgvs-ivs");
    t("NM_000546.5:c.IVS2+1G>A", 0, NULL, "hgvs-ivs");
    t("p.Val600>Glu", 0, NULL, "hgvs-protein-gt");
    t("c.200_100del", 1, NULL, "hgvs-reversed-range");
    t("c.123_124delACinsAG", 1, "c.123_124delinsAG", "hgvs-3prime");
    t("NM_004006.2:c.76_78delA", 1, "NM_004006.2:c.76_78del", "hgvs-needs-reference");
    t("NP_003997.1:c.123A>G", 1, NULL, "hgvs-coordinate-mismatch");
    t("BRAF:c.1799T>A", 1, "BRAF:c.1799T>A", "hgvs-no-accession");
}

static void errors(void)
{
    const struct { const char *s, *msg; } e[] = {
        {"NM_004006.2:c.123A-G", "position 19: expected `>` after reference base"},
        {"p.V600>E", "position 7: `>` is not used for protein changes"},
        {"NM_004006.2:c.123insA", "position 21: an insertion is placed between two flanking positions (e.g. 123_124ins)"},
        {"NM_004006.2:x.123A>G", "position 13: expected a coordinate type (g. m. o. c. n. r. p.)"},
    };
    for (size_t k = 0; k < sizeof e / sizeof e[0]; k++) {
        CHECK(s4s_hgvs_parse(e[k].s, strlen(e[k].s), &H) == S4S_ERR_INVALID);
        bool found = false;
        for (unsigned j = 0; j < H.nnotes; j++)
            found |= !strcmp(H.notes[j].msg, e[k].msg);
        if (!found)
            fprintf(stderr, "\"%s\": message \"%s\" missing (first: %s)\n", e[k].s, e[k].msg, H.nnotes ? H.notes[0].msg : "");
        CHECK(found);
    }
    t("", 0, NULL, "hgvs-syntax");
    t("V600E", 0, NULL, "hgvs-no-accession");
    t("NM_004006.2:c.123_124AG>TC", 0, NULL, NULL);
    t("NM_004006.2:c.0A>G", 0, NULL, NULL);
    t("NM_004006.2:c.123U>G", 0, NULL, NULL);
    t("NM_004006.3:r.123T>G", 0, NULL, NULL);
    t("NC_000001.11:g.123+5A>G", 0, NULL, NULL);
    t("NC_000001.11:g.-123A>G", 0, NULL, NULL);
    t("NP_003997.1:p.Val7delVal", 0, NULL, NULL);
    t("NP_003997.1:p.Ala3Phe4insGly", 0, NULL, NULL);
    t("NP_003997.1:p.Argfs2", 0, NULL, NULL);
    t("NP_003997.1:p.Lys23_Val25delinsAfs", 0, NULL, NULL);
    t("NM_004006.2:c.1A>G;2del", 0, NULL, NULL);
    t("NM_005228.5:c.2369C>T.", 0, NULL, NULL);
    t("NM_004006.2:c.123A>G\x01", 0, NULL, NULL);
    t("NM_004006.2:c.(1_10)_(21_30)_(41_50)del", 0, NULL, NULL);
    char big[S4S_HGVS_MAX_INPUT + 10];
    memset(big, 'A', sizeof big);
    memcpy(big, "c.1_2ins", 8);
    CHECK(s4s_hgvs_parse(big, sizeof big, &H) == S4S_ERR_INVALID);
    CHECK(s4s_hgvs_parse(NULL, 3, &H) == S4S_ERR_USAGE);
}

static void idempotent(const char *s);

/* Issue 17: chromosome ends, con, nested locations without a coordinate
 * type, unknown insertions, methylation, ^, the old repeat form, c.123?,
 * a change phased after alleles. */
static void forms_issue17(void)
{
    t("NC_000002.12:g.pterdel", 1, "NC_000002.12:g.pterdel", NULL);
    t("NC_000002.12:g.pter_8247756delins[NC_000011.10:g.pter_15825272]", 1,
      "NC_000002.12:g.pter_8247756delins[NC_000011.10:g.pter_15825272]", NULL);
    t("NC_000002.12:g.8247756_QTERdel", 1, "NC_000002.12:g.8247756_qterdel", "hgvs-case");
    t("NC_000002.12:g.qter_8247756del", 1, NULL, "hgvs-reversed-range");
    t("NC_000002.12:g.cen_qterdup", 1, "NC_000002.12:g.cen_qterdup", NULL);
    t("NM_004006.2:c.pterdel", 0, NULL, "hgvs-syntax");
    t("NC_000012.11:g.6128892_6128954conNC_000022.10:17179029_17179091", 1,
      "NC_000012.11:g.6128892_6128954conNC_000022.10:17179029_17179091", "hgvs-deprecated");
    t("NC_000001.11:g.10_20conAC096506.5:g.409_1683", 1, NULL, "hgvs-deprecated");
    t("NC_000023.10:g.32867907_32867908insL37425.1:23_361", 1,
      "NC_000023.10:g.32867907_32867908insL37425.1:23_361", NULL);
    t("NC_000023.10:g.32717298_32717299ins(?)", 1, "NC_000023.10:g.32717298_32717299ins(?)", NULL);
    t("NM_004006.1:c.761_762ins(10)", 1, "NM_004006.1:c.761_762ins(10)", NULL);
    t("NM_004006.1:c.761_762insN[10]", 1, "NM_004006.1:c.761_762insN[10]", NULL);
    t("NC_000023.10:g.32717298_32717299ins(?", 0, NULL, "hgvs-syntax");
    t("NC_000011.10:g.1999904_1999946|gom", 1, "NC_000011.10:g.1999904_1999946|gom", NULL);
    t("NC_000011.10:g.1999904_1999946|LOM", 1, "NC_000011.10:g.1999904_1999946|lom", "hgvs-case");
    t("NC_000011.10:g.1999904_1999946|met=", 1, "NC_000011.10:g.1999904_1999946|met=", NULL);
    t("NC_000011.10:g.1999904_1999946|met", 0, NULL, "hgvs-syntax");
    t("NP_003997.1:p.(Gly56Ala^Ser^Cys)", 1, "NP_003997.1:p.(Gly56Ala^Ser^Cys)", NULL);
    t("NP_003997.1:p.(G56A^S)", 1, "NP_003997.1:p.(Gly56Ala^Ser)", "hgvs-aa1to3");
    t("NM_004006.2:c.100A>G^C", 1, "NM_004006.2:c.100A>G^C", NULL);
    t("NM_004006.2:c.100A>G^200del", 1, "NM_004006.2:c.100A>G^200del", NULL);
    t("NM_004006.2:c.1210-12T(5_9)", 1, "NM_004006.2:c.1210-12T[(5_9)]", "hgvs-old-repeat");
    t("NM_004006.2:c.123+74TG(3_6)", 1, "NM_004006.2:c.123+74TG[(3_6)]", "hgvs-old-repeat");
    t("NM_004006.2:c.123?", 1, "NM_004006.2:c.123?", NULL);
    t("NM_004006.2:c.[296T>G;476T>C];[476T>C](;)1083A>C", 1,
      "NM_004006.2:c.[296T>G;476T>C];[476T>C](;)1083A>C", NULL);
    t("NM_004006.2:c.[296T>G](;)[476T>C]", 1, "NM_004006.2:c.[296T>G](;)[476T>C]", NULL);
    t("NM_004006.2:c.[296T>G(;)476T>C]", 1, "NM_004006.2:c.[296T>G(;)476T>C]", NULL);
    t("NM_004006.2:c.[=/83G>C]", 1, "NM_004006.2:c.[=/83G>C]", NULL);
    t("NP_000000.1:p.Ala10(del)", 1, "NP_000000.1:p.Ala10(del)", NULL);
}

/* tests/cases/hgvs/public-suites.tsv: expressions from public parser test
 * suites with their verdicts; we must agree on at least 98% of them. */
static void suites(void)
{
    FILE *f = fopen("tests/cases/hgvs/public-suites.tsv", "r");
    CHECK(f != NULL);
    if (!f)
        return;
    char line[1024];
    unsigned n = 0, agree = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        char *tab = strchr(line, '\t');
        if (!tab)
            continue;
        *tab = 0;
        bool want = !strncmp(tab + 1, "valid\t", 6);
        bool got = s4s_hgvs_parse(line, strlen(line), &H) == S4S_OK;
        n++;
        if (got == want)
            agree++;
        else
            fprintf(stderr, "public suites: \"%s\" expected %s\n", line, want ? "valid" : "invalid");
        idempotent(line);
    }
    fclose(f);
    printf("public HGVS suites: %u of %u agree (%.1f%%)\n", agree, n, n ? 100.0 * agree / n : 0.0);
    CHECK(n >= 400);
    CHECK(agree * 100 >= n * 98);
}

/* Every valid parse prints a form that parses to itself. */
static void idempotent(const char *s)
{
    char a[S4S_HGVS_POOL], b[S4S_HGVS_POOL];
    if (s4s_hgvs_parse(s, strlen(s), &H) != S4S_OK)
        return;
    s4s_hgvs_print(&H, a, sizeof a);
    if (s4s_hgvs_parse(a, strlen(a), &H) != S4S_OK) {
        fprintf(stderr, "normalized \"%s\" (from \"%s\") does not parse: %s\n", a, s, H.nnotes ? H.notes[0].msg : "");
        CHECK(0);
        return;
    }
    s4s_hgvs_print(&H, b, sizeof b);
    if (strcmp(a, b)) {
        fprintf(stderr, "not idempotent: \"%s\" -> \"%s\"\n", a, b);
        CHECK(0);
    }
}

static const char *const seeds[] = {
    "NM_004333.4(BRAF):c.1799T>A (p.V600E)", "NP_001175.2:p.R960fs*2", "NC_000001.11:g.[123G>A];[345del]",
    "NM_004006.2:c.(4071+1_4072-1)_(5154+1_5155-1)del", "NM_002024.5:c.-128_-69GGC[10]GGA[1]GGC[9]",
    "NP_003997.1:p.[(Ser73Arg;Asn103del)]", "NM_004006.2:c.5697_5698ins[NC_000001.11:g.123_456inv;ACT]",
    "NM_152263.2:r.-115_775::aggcucccuugg::NM_002609.3:r.1580_*1924", "p.Ter110Glnext*?", "c.85=//T>C",
    "NC_000002.12:g.pter_8247756delins[NC_000011.10:g.pter_15825272]", "g.1_5|met=", "p.(G56A^S^C)",
    "c.1210-12T(5_9)", "c.[1A>C];[2del](;)3G>T", "g.1_2conL37425.1:23_361",
};

static void property(void)
{
    for (size_t k = 0; k < sizeof seeds / sizeof seeds[0]; k++)
        idempotent(seeds[k]);
    /* mangle the seeds: drop, duplicate and replace characters */
    const char alphabet[] = "ACGTacgtu0123456789_-+*?()[];:.=>/NMPXTerdelinsdupfsext ^|pq";
    unsigned seed = 12345;
    char buf[256];
    unsigned parsed = 0;
    for (int round = 0; round < 20000; round++) {
        const char *s = seeds[round % (sizeof seeds / sizeof seeds[0])];
        size_t n = strlen(s);
        memcpy(buf, s, n);
        for (int m = 0; m < 3; m++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = (seed >> 8) % n;
            switch ((seed >> 4) % 3) {
            case 0: memmove(buf + at, buf + at + 1, n - at - 1); n--; break;
            case 1: if (n < sizeof buf - 1) { memmove(buf + at + 1, buf + at, n - at); n++; } break;
            default: buf[at] = alphabet[(seed >> 16) % (sizeof alphabet - 1)]; break;
            }
            if (!n)
                break;
        }
        buf[n] = 0;
        if (s4s_hgvs_parse(buf, n, &H) == S4S_OK)
            parsed++;
        idempotent(buf);
    }
    CHECK(parsed > 0);
}

int main(void)
{
    forms_dna();
    forms_rna_protein();
    repairs();
    flags();
    errors();
    forms_issue17();
    suites();
    property();
    return UNIT_DONE();
}
