/*
 * empty_db.c - an empty embedded cache for the bootstrap s4s-term that
 * builds the real one (see terminology/cache.mk).  Length 0 means "none":
 * s4s_term_open(NULL) then reports S4S_ERR_NOTFOUND.
 */
#include "../embedded.h"

const unsigned char s4s_default_db[1] = {0};
const size_t s4s_default_db_len = 0;
