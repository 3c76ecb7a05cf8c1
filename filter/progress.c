/*
 * progress.c - "\r"-redrawn status line: MB read, MB/s, resources.
 *
 * Invariant: never more than one redraw per 250 ms, so the cost is a clock
 * read per input block.
 */
#include "progress.h"

#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

void s4s_progress_init(s4s_progress *p, FILE *f, double t0)
{
    p->f = f;
    p->t0 = t0;
    p->last = 0;
}

void s4s_progress_tick(s4s_progress *p, const s4s_counts *c, bool final)
{
    double t = now();
    if (final) {
        fputs("\r\033[K", p->f);
        fflush(p->f);
        return;
    }
    if (t - p->last < 0.25)
        return;
    p->last = t;
    double mb = (double)c->bytes_uncompressed / 1e6, el = t - p->t0;
    fprintf(p->f, "\r\033[Ks4s-normalize: %.1f MB  %.1f MB/s  %llu resources  %llu rejected",
            mb, el > 0 ? mb / el : 0.0, (unsigned long long)c->resources_in,
            (unsigned long long)c->resources_rejected);
    fflush(p->f);
}
