/* `ddad info` for results files (kind "results"): the summary lives with the results code. */
#include <stdio.h>

#include "info_kinds.h"
#include "io/results.h"

int info_results(const char *path) { return ddad_results_info(path, stdout); }
