/* The table of configuration keys: section, name, type, nullability and where the value
 * lives in ddad_config; converting a parsed YAML value into the struct; nearest-key hints.
 * Private to src/io/config*.c. */
#ifndef DDAD_IO_CONFIG_KEYS_H
#define DDAD_IO_CONFIG_KEYS_H

#include <stddef.h>

#include "io/config.h"
#include "io/config_tree.h"

typedef enum {
    DDAD_CFG_INT,      /* int */
    DDAD_CFG_U64,      /* uint64_t */
    DDAD_CFG_DOUBLE,   /* double */
    DDAD_CFG_STRING,   /* char[size] */
    DDAD_CFG_ENUM,     /* char[size], one of choices */
    DDAD_CFG_BOOL,     /* int 0/1 */
    DDAD_CFG_PAIR      /* two doubles at off and off2, written [a, b] */
} ddad_cfg_type;

typedef struct {
    const char *section;
    const char *name;
    ddad_cfg_type type;
    int nullable;                 /* null stores 0 (numbers) or "" (text) */
    size_t off, off2, size;
    const char *const *choices;   /* ENUM: NULL-terminated */
    unsigned trains;              /* DDAD_TRAINS_*: what the key changes in training; never 0 */
} ddad_cfg_key;

extern const ddad_cfg_key DDAD_CFG_KEYS[];
extern const size_t DDAD_CFG_NKEYS;
/* Sections in the order the effective config prints them. */
extern const char *const DDAD_CFG_SECTIONS[];
extern const size_t DDAD_CFG_NSECTIONS;

int ddad_cfg_find_section(const char *name);                      /* index or -1 */
int ddad_cfg_find_key(const char *section, const char *name);     /* index or -1 */

/* Stores val into c. where names the source for messages ("file.yaml:12" or "--set 'S.k=v'").
 * Returns 0, or -1 with err filled (DDAD_EXIT_USAGE). */
int ddad_cfg_store(const ddad_cfg_key *key, const ddad_ynode *val, ddad_config *c, const char *where,
                   ddad_error *err);

/* Message tails for unknown names: " did you mean 'num_epoch'? (Solver keys: bs, lr, ...)". */
void ddad_cfg_hint_section(const char *name, char *buf, size_t n);
void ddad_cfg_hint_key(const char *section, const char *name, char *buf, size_t n);

/* Shortest "%.Ng" (N = 15..17) that reads back to the same double, with a '.' added (YAML 1.1
 * floats need one) when yaml_float. */
void ddad_cfg_format_double(double v, int yaml_float, char *s, size_t n);

/* Case-insensitive Levenshtein distance. */
int ddad_edit_distance(const char *a, const char *b);

#endif
