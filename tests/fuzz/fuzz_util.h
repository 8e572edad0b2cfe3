/* Shared by the fuzz harnesses: the readers under test take paths, so each input is
 * written to a file in a private scratch directory (removed at exit). */
#ifndef DDAD_FUZZ_UTIL_H
#define DDAD_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The libFuzzer entry point every harness defines. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The scratch directory (created on first use, under $TMPDIR or /tmp). */
const char *fuzz_scratch_dir(void);
/* Writes data to <scratch>/name (replacing it) and returns its path, valid until exit.
 * Aborts on I/O errors: those are the harness's failure, not the reader's. */
const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size);

#endif
