/*
 * default_db.S - the embedded default terminology cache: the bytes of the
 * SQLite file built by terminology/cache.mk (DB_PATH), read-only.
 * Defines s4s_default_db[] and s4s_default_db_len (terminology/embedded.h).
 */
    .section .rodata
    .global s4s_default_db
    .type s4s_default_db, @object
    .balign 16
s4s_default_db:
    .incbin DB_PATH
s4s_default_db_end:
    .size s4s_default_db, s4s_default_db_end - s4s_default_db
    .global s4s_default_db_len
    .type s4s_default_db_len, @object
    .balign 8
s4s_default_db_len:
    .quad s4s_default_db_end - s4s_default_db
    .size s4s_default_db_len, 8
    .section .note.GNU-stack,"",@progbits
