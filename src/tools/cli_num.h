/* Parsing numeric command-line values with range checks and clear messages. */
#ifndef DDAD_TOOLS_CLI_NUM_H
#define DDAD_TOOLS_CLI_NUM_H

#include <stdint.h>

/* Parses `val` (the value of option `opt` of subcommand `sub`) as an integer in [lo, hi].
 * Returns 0, or prints a usage error and returns -1. */
int cli_parse_i64(const char *sub, const char *opt, const char *val, int64_t lo, int64_t hi, int64_t *out);

/* Parses "A" or "A,B" (floating point, lo <= A <= B <= hi); "A" means A,A. */
int cli_parse_range(const char *sub, const char *opt, const char *val, double lo, double hi, double *a, double *b);

/* For "--opt VALUE": returns argv[*i + 1] and advances *i, or prints a usage error and
 * returns NULL when the value is missing. */
const char *cli_value(const char *sub, int argc, char **argv, int *i);

#endif
