/* Rank-aware logging. Only rank 0 prints progress; warnings and per-rank lines say which
 * rank they come from. Before ddad_log_init() every process counts as rank 0 of 1. */
#ifndef DDAD_CORE_LOG_H
#define DDAD_CORE_LOG_H

void ddad_log_init(int rank, int size);
int ddad_log_rank(void);
int ddad_log_size(void);
/* Set by --quiet: info lines are dropped, warnings and errors still print. */
void ddad_log_quiet(int quiet);

void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* rank 0, stdout */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));   /* any rank, stderr */
void log_all(const char *fmt, ...) __attribute__((format(printf, 1, 2)));    /* any rank, stdout, "[rank r]" */

#endif
