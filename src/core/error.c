#include "core/error.h"

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DDAD_MAX_TMPFILES 64

static char g_context[256];
static char g_tmpfiles[DDAD_MAX_TMPFILES][1024];

int ddad_error_set(ddad_error *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->code = code;
    }
    return -1;
}

void ddad_error_context(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g_context, sizeof g_context, fmt, ap);
    va_end(ap);
}

void ddad_tmpfile_register(const char *path)
{
    for (int i = 0; i < DDAD_MAX_TMPFILES; i++)
        if (!g_tmpfiles[i][0]) {
            snprintf(g_tmpfiles[i], sizeof g_tmpfiles[i], "%s", path);
            return;
        }
}

void ddad_tmpfile_unregister(const char *path)
{
    for (int i = 0; i < DDAD_MAX_TMPFILES; i++)
        if (g_tmpfiles[i][0] && strcmp(g_tmpfiles[i], path) == 0) g_tmpfiles[i][0] = '\0';
}

void ddad_tmpfile_cleanup(void)
{
    for (int i = 0; i < DDAD_MAX_TMPFILES; i++)
        if (g_tmpfiles[i][0]) {
            unlink(g_tmpfiles[i]);
            g_tmpfiles[i][0] = '\0';
        }
}

static int mpi_world_size(void)
{
    int init = 0, fin = 0, size = 1;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (init && !fin) MPI_Comm_size(MPI_COMM_WORLD, &size);
    return (init && !fin) ? size : 0;
}

static _Noreturn void die(int code, const char *msg)
{
    int size = mpi_world_size();
    if (size > 1) {
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        fprintf(stderr, "ddad: error: [rank %d%s%s] %s\n", rank, g_context[0] ? ", " : "", g_context, msg);
    } else if (g_context[0]) {
        fprintf(stderr, "ddad: error: [%s] %s\n", g_context, msg);
    } else {
        fprintf(stderr, "ddad: error: %s\n", msg);
    }
    fflush(stderr);
    fflush(stdout);
    ddad_tmpfile_cleanup();
    if (size > 1) MPI_Abort(MPI_COMM_WORLD, code);
    /* No library teardown (atexit handlers, MPI_Finalize, which ends HDF5 too): a file
     * whose close failed (ENOSPC) stays open in HDF5 1.10, and closing it again at teardown
     * crashes. Every output is handled by now and stdio is flushed. */
    _exit(code);
}

void ddad_fatal(int code, const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    die(code, msg);
}

void ddad_fatal_error(const ddad_error *e)
{
    die(e->code ? e->code : DDAD_EXIT_RUNTIME, e->msg);
}

void ddad_fatal_mpi(int rc, const char *call, const char *file, int line)
{
    char es[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, es, &len) != MPI_SUCCESS) snprintf(es, sizeof es, "code %d", rc);
    ddad_fatal(DDAD_EXIT_RUNTIME, "MPI call failed: %s: %s (%s:%d)", call, es, file, line);
}
