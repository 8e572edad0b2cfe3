/* A small YAML tree for the configuration loader, built from libyaml's event stream.
 *
 * Scalars keep their text, whether they were plain (resolved later with YAML's scalar rules)
 * or quoted/tagged as text, and the line they started on. Mappings reject duplicate keys;
 * aliases are refused. Private to src/io/config*.c. */
#ifndef DDAD_IO_CONFIG_TREE_H
#define DDAD_IO_CONFIG_TREE_H

#include <stddef.h>

#include "core/error.h"

typedef enum { DDAD_YNODE_SCALAR, DDAD_YNODE_SEQ, DDAD_YNODE_MAP } ddad_ynode_kind;

typedef struct ddad_ynode {
    ddad_ynode_kind kind;
    int line, col;               /* 1-based position where the node starts */
    char *text;                  /* scalar text (NUL-terminated) */
    int plain;                   /* scalar: unquoted and untagged (or tagged with a core type) */
    size_t n;                    /* items (sequence) or pairs (mapping) */
    struct ddad_ynode **keys;    /* mapping: the key scalars */
    struct ddad_ynode **vals;    /* mapping: the values; sequence: the items */
} ddad_ynode;

/* Parses one YAML document from text. origin prefixes every error ("configs/x.yaml" gives
 * "configs/x.yaml:3:7: ..."). *root is NULL for an empty stream. Returns 0, or -1 with err
 * filled (DDAD_EXIT_USAGE). */
int ddad_yaml_parse(const char *text, size_t len, const char *origin, ddad_ynode **root, ddad_error *err);

void ddad_ynode_free(ddad_ynode *node);

const char *ddad_ynode_kind_name(const ddad_ynode *node);   /* "a text value", "a list", "a mapping" */

#endif
