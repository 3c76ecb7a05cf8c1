/*
 * progress.h - the one-line progress display on a terminal.
 *
 * At most 4 updates a second; the caller decides whether stderr is a TTY.
 * Ownership: borrows the FILE.
 */
#ifndef S4S_PROGRESS_H
#define S4S_PROGRESS_H
#include <stdbool.h>
#include <stdio.h>
#include "s4s.h"

typedef struct s4s_progress {
    FILE  *f;
    double t0, last;
} s4s_progress;

void s4s_progress_init(s4s_progress *p, FILE *f, double t0);
/* redraws when 250 ms have passed; final=true clears the line */
void s4s_progress_tick(s4s_progress *p, const s4s_counts *c, bool final);

#endif
