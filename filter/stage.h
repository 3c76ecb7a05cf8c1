/*
 * stage.h - the rules stage: resources worked on by N threads, committed
 * one at a time in input order.
 *
 * The parse thread hands each finished resource over with its arena (the
 * tree, its raw bytes and everything else it needs must live inside it)
 * and gets a recycled arena back.  Any worker thread runs `work` on it,
 * several resources at once; then `commit` runs on each resource strictly
 * in push order, never two at a time, on whichever worker is free.  So the
 * work function may only touch the resource and that worker's own state
 * (it is told its index, 0..n-1), and everything shared (outputs, stats,
 * order-dependent state) belongs to commit.
 * At most 8 + 4(n-1) resources are in flight, and a push waits while the
 * arenas in flight exceed a byte budget, so memory stays bounded.  After the first error (a commit's rc, in
 * commit order) the stage drops the resources still queued (they were never
 * counted) and reports the error at the next push.
 * Ownership: a pushed resource's arena belongs to the stage until it is
 * recycled; s4s_stage_stop() frees the stage and every pooled arena.
 * Out of memory (alloc.h): the workers never allocate; work and commit run
 * on them and must catch their own (pipe.c's do, and return S4S_ERR_NOMEM
 * like any error).  A push that fails to allocate leaves the resource's
 * arena with the parser.
 */
#ifndef S4S_STAGE_H
#define S4S_STAGE_H
#include "base/arena.h"
#include "assemble.h"
#include "base/rc.h"
#include <stdbool.h>

#define S4S_STAGE_MAX_WORKERS 64

typedef struct s4s_stage s4s_stage;
/* work(u, worker, r): any thread, in parallel (worker 0..n-1, or n: the
 * pushing thread); its rc goes to commit */
typedef s4s_rc (*s4s_stage_work_fn)(void *u, unsigned worker, s4s_res *r);
/* commit(u, r, work_rc): in push order, one at a time */
typedef s4s_rc (*s4s_stage_commit_fn)(void *u, s4s_res *r, s4s_rc work_rc);

/* Starts n (1..S4S_STAGE_MAX_WORKERS) workers; NULL if not even one could
 * be started (the caller then processes inline). */
s4s_stage *s4s_stage_start(unsigned n, s4s_stage_work_fn work, s4s_stage_commit_fn commit, void *u);
/* Workers actually running (thread creation may stop short of n). */
unsigned s4s_stage_workers(const s4s_stage *s);
/* Hands r over as it is (its pointers must point into r->arena); *next
 * gets the arena the parser must use from now on.  While there is no room
 * (every slot taken, or the arenas in flight at the stage's byte budget)
 * the caller works the oldest queued slots itself, as worker index n (the
 * `n` of s4s_stage_start), instead of waiting, when they are worth it (32
 * KB of arena or more: a unit of values, not one small resource).  Returns the stage's
 * first error, S4S_OK while there is none. */
s4s_rc s4s_stage_push(s4s_stage *s, const s4s_res *r, s4s_arena **next);
/* Waits until every pushed resource has been committed, working queued
 * slots as a push does (the pushing thread only, as worker n) while no
 * error has stopped the stage. */
s4s_rc s4s_stage_drain(s4s_stage *s);
/* Drains, ends the threads, frees the stage; returns its first error. */
s4s_rc s4s_stage_stop(s4s_stage *s);

#endif
