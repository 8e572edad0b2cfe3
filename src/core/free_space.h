/* Messages for a failed write: when a disk fills, the error names the file and the free
 * space of its filesystem (statvfs), so that the user knows what to clear. */
#ifndef DDAD_CORE_FREE_SPACE_H
#define DDAD_CORE_FREE_SPACE_H

#include <stddef.h>

#include "core/error.h"

/* "the filesystem of DIR has 12.0 KiB free of 512.0 KiB" for the directory holding path
 * (the file itself may be gone); "the free space of DIR is unknown (...)" when statvfs fails. */
void ddad_free_space(const char *path, char *buf, size_t n);

/* Fills err (runtime error) with "writing PATH failed (CAUSE): <free space>. NEXT" and
 * returns -1. cause may be NULL or empty; next says what to do, e.g. "free space there,
 * then rerun with --resume". */
int ddad_error_write_failed(ddad_error *err, const char *path, const char *cause, const char *next);

/* The advice of a `ddad run` whose output could not be written. */
#define DDAD_RUN_WRITE_ADVICE                                                                              \
    "If the disk is full, free space there (or set Exp.out_dir elsewhere), then rerun with --resume: the " \
    "finished stages and the last complete checkpoints are kept"

#endif
