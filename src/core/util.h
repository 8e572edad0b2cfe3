/* Small utilities: checked allocation, wall clock, files written under a temporary name. */
#ifndef DDAD_CORE_UTIL_H
#define DDAD_CORE_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Allocation that ends the job with a clear message when memory runs out. */
void *ddad_malloc(size_t n, const char *what);
void *ddad_calloc(size_t count, size_t size, const char *what);
/* 64-byte aligned (for SIMD and BLAS); release with free(). */
void *ddad_malloc_aligned(size_t n, const char *what);
char *ddad_strdup(const char *s);

double ddad_now(void);    /* seconds, monotonic */

/* "dir/name.h5" -> "dir/.name.h5.tmp.<pid>"; registered for removal on failure. */
void ddad_tmp_path(const char *final_path, char *out, size_t outlen);
/* Renames tmp to final (atomic on one filesystem) and unregisters tmp. Returns 0 or -1. */
int ddad_commit_file(const char *tmp_path, const char *final_path);
/* mkdir -p; returns 0 or -1 with errno set. */
int ddad_mkdirs(const char *path);
int ddad_file_exists(const char *path);

#endif
