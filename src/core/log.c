#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>

static int g_rank = 0, g_size = 1, g_quiet = 0;

void ddad_log_init(int rank, int size)
{
    g_rank = rank;
    g_size = size;
}
int ddad_log_rank(void) { return g_rank; }
int ddad_log_size(void) { return g_size; }
void ddad_log_quiet(int quiet) { g_quiet = quiet; }

void log_info(const char *fmt, ...)
{
    if (g_rank != 0 || g_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (g_size > 1) fprintf(stderr, "ddad: warning: [rank %d] ", g_rank);
    else fputs("ddad: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void log_all(const char *fmt, ...)
{
    if (g_quiet) return;
    va_list ap;
    va_start(ap, fmt);
    if (g_size > 1) fprintf(stdout, "[rank %d] ", g_rank);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    fflush(stdout);
}
