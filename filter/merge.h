/*
 * merge.h - merging the stats and coverage files of shards (s4s-term
 * merge-stats, merge-coverage) into what one run over the concatenated
 * input writes.
 *
 * Each takes the argv after "s4s-term" (argv[0] is the subcommand name),
 * writes the merged file to stdout and returns the exit status: 0 ok,
 * 1 usage, 2 an input could not be read or is not a stats / coverage file.
 * Ownership: argv is borrowed.
 */
#ifndef S4S_MERGE_H
#define S4S_MERGE_H

/* s4s-term merge-stats [--coverage=MERGED.tsv] A.json B.json ... */
int s4s_merge_stats_cmd(int argc, char **argv);
/* s4s-term merge-coverage A.tsv B.tsv ... */
int s4s_merge_coverage_cmd(int argc, char **argv);

#endif
