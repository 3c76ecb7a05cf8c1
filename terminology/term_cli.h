/*
 * term_cli.h - the subcommands of s4s-term.
 *
 * term_main.c only dispatches; each subcommand lives in the file of the
 * engine it fronts, so tests can call it without a process.  Each takes the
 * argv after the subcommand name (argv[0] is the subcommand) and returns the
 * process exit status: 0 ok, 1 usage, 2 fatal error, 3 some inputs invalid.
 * Ownership: argv is borrowed.  Out of memory unwinds to the caller's
 * recovery point (alloc.h; term_main.c's exits 2) after the subcommand has
 * released everything it held.
 */
#ifndef S4S_TERM_CLI_H
#define S4S_TERM_CLI_H

int s4s_term_cmd_build(int argc, char **argv);     /* term_cmds.c */
int s4s_term_cmd_lookup(int argc, char **argv);    /* term_cmds.c */
int s4s_term_cmd_info(int argc, char **argv);      /* term_cmds.c */
int s4s_term_cmd_coverage(int argc, char **argv);  /* term_cmds.c */
int s4s_term_cmd_ucum(int argc, char **argv);      /* ucum_cli.c */
int s4s_term_cmd_hgvs(int argc, char **argv);      /* hgvs_cli.c */

#endif
