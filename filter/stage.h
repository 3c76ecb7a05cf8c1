/*
 * stage.h - the third pipeline stage: rules and writer on their own thread.
 *
 * The parse thread hands each finished resource over with its arena (the
 * tree, a copy of its raw bytes and its fullUrl travel inside it) and gets a
 * recycled arena back; the stage thread runs the callback on every resource
 * in order.  At most STAGE_SLOTS resources are in flight, so memory stays
 * bounded by that many resources.  After the callback's first error the
 * stage drops the resources still queued (they were never counted) and
 * reports the error at the next push.
 * Ownership: a pushed resource's arena belongs to the stage until it is
 * recycled; s4s_stage_stop() frees the stage and every pooled arena.
 * Out of memory (alloc.h): the worker itself never allocates; the callback
 * runs on it and must catch its own (pipe.c's does, and returns
 * S4S_ERR_NOMEM like any error).  A push that fails to allocate leaves the
 * resource's arena with the parser.
 */
#ifndef S4S_STAGE_H
#define S4S_STAGE_H
#include "base/arena.h"
#include "assemble.h"
#include "base/rc.h"

typedef struct s4s_stage s4s_stage;
typedef s4s_rc (*s4s_stage_fn)(void *u, s4s_res *r);

s4s_stage *s4s_stage_start(s4s_stage_fn fn, void *u);
/* Hands r over (copying raw bytes and fullUrl into r->arena); *next gets
 * the arena the parser must use from now on.  Returns the stage's first
 * error, S4S_OK while there is none. */
s4s_rc s4s_stage_push(s4s_stage *s, const s4s_res *r, s4s_arena **next);
/* Waits until every pushed resource has been processed. */
s4s_rc s4s_stage_drain(s4s_stage *s);
/* Drains, ends the thread, frees the stage; returns its first error. */
s4s_rc s4s_stage_stop(s4s_stage *s);

#endif
