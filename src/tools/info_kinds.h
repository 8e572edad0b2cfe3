/* Summaries printed by `ddad info`, one per file kind (the root attribute "kind").
 * Each prints to stdout and returns the exit status. */
#ifndef DDAD_TOOLS_INFO_KINDS_H
#define DDAD_TOOLS_INFO_KINDS_H

int info_dataset(const char *path);   /* kind "dataset" (cmd_info.c) */
int info_results(const char *path);   /* kind "results" (info_results.c, io/results_info.c) */

#endif
