/* Errors: one way to fail, with a message that names the call, the file or key, and a fix.
 *
 * Exit codes: 0 success, 2 usage or input error, 1 runtime failure.
 * ddad_fatal() ends the whole job: _exit() in a single process (no library teardown),
 * MPI_Abort() when MPI runs with more than one rank, so a failing rank never leaves the
 * others hanging. Before it exits it removes every temporary output registered with
 * ddad_tmpfile_register(), so a failed run leaves nothing half-written behind. */
#ifndef DDAD_CORE_ERROR_H
#define DDAD_CORE_ERROR_H

#include <stddef.h>

enum { DDAD_EXIT_OK = 0, DDAD_EXIT_RUNTIME = 1, DDAD_EXIT_USAGE = 2 };

/* A recoverable error, filled by functions that return -1 and let the caller decide. */
typedef struct {
    int code;          /* DDAD_EXIT_USAGE for bad input, DDAD_EXIT_RUNTIME otherwise */
    char msg[2048];
} ddad_error;

/* Formats msg into e (if e is non-NULL) and returns -1, so callers can `return ddad_error_set(...)`. */
int ddad_error_set(ddad_error *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Prints "ddad: error: <msg>" (with the rank when there are several) and ends the job. */
_Noreturn void ddad_fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
_Noreturn void ddad_fatal_error(const ddad_error *e);

/* Prefix for fatal messages on this process, e.g. "rank 3 (UDM member 1, epoch 12)". */
void ddad_error_context(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Outputs removed by ddad_fatal(): temporary files until they are committed (and any
 * file that must not outlive a failure). */
void ddad_tmpfile_register(const char *path);
void ddad_tmpfile_unregister(const char *path);
void ddad_tmpfile_cleanup(void);

/* Library status checks. Each names the call, the source file and line. */
#define DDAD_CHECK_MPI(call)                                                              \
    do {                                                                                  \
        int ddad_rc_ = (call);                                                            \
        if (ddad_rc_ != 0) ddad_fatal_mpi(ddad_rc_, #call, __FILE__, __LINE__);           \
    } while (0)

/* HDF5 calls return a negative herr_t or hid_t on failure. */
#define DDAD_CHECK_H5(call)                                                               \
    do {                                                                                  \
        if ((long long)(call) < 0)                                                        \
            ddad_fatal(DDAD_EXIT_RUNTIME, "HDF5 call failed: %s (%s:%d)", #call, __FILE__, __LINE__); \
    } while (0)

_Noreturn void ddad_fatal_mpi(int rc, const char *call, const char *file, int line);

#endif
