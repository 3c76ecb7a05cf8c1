/*
 * rc.h - the one result enum of libs4s.
 *
 * Every library function that can fail returns s4s_rc.  Only filter/main.c and
 * terminology/term_main.c turn an rc into a message and an exit status.
 * Ownership: s4s_rc_str() returns a static string; never free it.
 */
#ifndef S4S_RC_H
#define S4S_RC_H

typedef enum s4s_rc {
    S4S_OK = 0,
    S4S_ERR_NOMEM,       /* allocation failed: the library call stops (alloc.h) */
    S4S_ERR_IO,          /* read or write failed */
    S4S_ERR_EPIPE,       /* the consumer closed stdout: stop quietly */
    S4S_ERR_GZIP,        /* corrupt or truncated gzip stream */
    S4S_ERR_JSON,        /* the JSON text is broken */
    S4S_ERR_LIMIT,       /* a configured cap was exceeded */
    S4S_ERR_ENCODING,    /* invalid UTF-8 or unconvertible input text */
    S4S_ERR_USAGE,       /* bad argument to a library call */
    S4S_ERR_NOTFOUND,    /* lookup found nothing */
    S4S_ERR_DB,          /* SQLite reported an error */
    S4S_ERR_FORMAT,      /* a source file is malformed */
    S4S_ERR_INVALID,     /* data is invalid (stops the run under --on-invalid=fail) */
    S4S_ERR_UNSUPPORTED, /* valid but not handled (e.g. mass <-> substance) */
    S4S_ERR_INTERNAL     /* an invariant of our own broke (a bug): the run stops */
} s4s_rc;

const char *s4s_rc_str(s4s_rc rc);

#endif
