/* YAML scalar rules for plain (unquoted) config values, as PyYAML resolves them, with two
 * deliberate differences: floats may omit the dot ("5e-4", YAML 1.2 style), and integers
 * with a leading zero ("010", octal in YAML 1.1) are refused as ambiguous.
 * Private to src/io/config*.c. */
#ifndef DDAD_IO_CONFIG_SCALAR_H
#define DDAD_IO_CONFIG_SCALAR_H

#include <stdint.h>

/* "", "~", "null", "Null", "NULL" */
int ddad_scalar_is_null(const char *s);
/* true/false, yes/no, on/off in the spellings x, X and XXX. Returns 0 or -1. */
int ddad_scalar_bool(const char *s, int *out);
/* Decimal (optional sign, '_' separators) or 0x hexadecimal. Returns 0 or -1 (not an integer
 * or out of range). */
int ddad_scalar_int64(const char *s, int64_t *out);
int ddad_scalar_uint64(const char *s, uint64_t *out);
/* A decimal number (integer or float, '_' separators allowed); .inf and .nan are refused
 * (returns -1), as is anything not finite. */
int ddad_scalar_double(const char *s, double *out);

#endif
