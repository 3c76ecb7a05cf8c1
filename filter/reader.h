/*
 * reader.h - a reader thread and a bounded queue of blocks.
 *
 * The reader thread reads a file descriptor and hands the bytes to a decode
 * callback (gunzip, charset); the decoder's output is pushed into a ring of
 * RING_SLOTS fixed blocks, which the consumer (parse, rules, write) pops in
 * order.  Inflate and parse then run on the two cores at once.
 * Memory: RING_SLOTS * slot size, fixed at start.
 * Ownership: the reader owns its ring; s4s_reader_join() frees everything.
 * Out of memory on the reader thread (alloc.h) ends the read like a read
 * error: s4s_reader_join() returns S4S_ERR_NOMEM.
 */
#ifndef S4S_READER_H
#define S4S_READER_H
#include <stddef.h>
#include <stdint.h>
#include "base/rc.h"

typedef struct s4s_reader s4s_reader;
typedef s4s_rc (*s4s_decode_fn)(void *u, const unsigned char *p, size_t n);

/* Two steps so the caller can publish the handle (the decoder's sink needs
 * it) before the thread exists: pthread_create orders the two. */
s4s_reader *s4s_reader_new(int fd, size_t read_size, s4s_decode_fn decode, void *u);
void        s4s_reader_run(s4s_reader *r);
/* from the decoder (reader thread): copy bytes into the ring; blocks while
 * it is full; returns S4S_ERR_EPIPE once the consumer has stopped */
s4s_rc s4s_reader_push(s4s_reader *r, const unsigned char *p, size_t n);
/* consumer: the next block (valid until the next call), or NULL at the end */
const unsigned char *s4s_reader_next(s4s_reader *r, size_t *n);
/* consumer: stop early (the thread ends at its next push or read) */
void   s4s_reader_cancel(s4s_reader *r);
/* waits for the thread; returns its read/decode rc, the bytes read and,
 * after a failed read (S4S_ERR_IO), the errno the reader thread saw */
s4s_rc s4s_reader_join(s4s_reader *r, uint64_t *bytes_read, int *err);

#endif
