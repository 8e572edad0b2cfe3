/* libyaml event stream -> ddad_ynode tree (see config_tree.h). */
#include "io/config_tree.h"

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define MAX_DEPTH 32

typedef struct {
    yaml_parser_t parser;
    const char *origin;
    ddad_error *err;
} tree_parser;

static int syntax_error(tree_parser *p)
{
    const yaml_parser_t *y = &p->parser;
    const char *problem = y->problem ? y->problem : "unknown problem";
    if (y->context)
        return ddad_error_set(p->err, DDAD_EXIT_USAGE,
                              "%s:%zu:%zu: not valid YAML: %s (%s, line %zu); check the indentation, "
                              "colons and quotes there",
                              p->origin, y->problem_mark.line + 1, y->problem_mark.column + 1, problem,
                              y->context, y->context_mark.line + 1);
    return ddad_error_set(p->err, DDAD_EXIT_USAGE,
                          "%s:%zu:%zu: not valid YAML: %s; check the indentation, colons and quotes there",
                          p->origin, y->problem_mark.line + 1, y->problem_mark.column + 1, problem);
}

static int next_event(tree_parser *p, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&p->parser, ev)) return syntax_error(p);
    return 0;
}

static ddad_ynode *new_node(ddad_ynode_kind kind, const yaml_event_t *ev)
{
    ddad_ynode *n = calloc(1, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->line = (int)ev->start_mark.line + 1;
    n->col = (int)ev->start_mark.column + 1;
    return n;
}

static int push_child(ddad_ynode *parent, ddad_ynode *key, ddad_ynode *val)
{
    ddad_ynode **vals = realloc(parent->vals, (parent->n + 1) * sizeof *vals);
    if (!vals) return -1;
    parent->vals = vals;
    if (parent->kind == DDAD_YNODE_MAP) {
        ddad_ynode **keys = realloc(parent->keys, (parent->n + 1) * sizeof *keys);
        if (!keys) return -1;
        parent->keys = keys;
        keys[parent->n] = key;
    }
    vals[parent->n++] = val;
    return 0;
}

/* Tags that keep YAML's plain-scalar resolution; !!str (and '!') force text. */
static int tag_is_core_type(const char *tag)
{
    static const char *const core[] = {"tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
                                       "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null"};
    for (size_t i = 0; i < sizeof core / sizeof core[0]; i++)
        if (!strcmp(tag, core[i])) return 1;
    return 0;
}

static int parse_node(tree_parser *p, yaml_event_t *ev, int depth, ddad_ynode **out);

static int parse_scalar(tree_parser *p, yaml_event_t *ev, ddad_ynode **out)
{
    const char *tag = (const char *)ev->data.scalar.tag;
    const char *value = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    int plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    if (tag) {
        if (tag_is_core_type(tag)) plain = 1;
        else if (!strcmp(tag, "tag:yaml.org,2002:str") || !strcmp(tag, "!")) plain = 0;
        else
            return ddad_error_set(p->err, DDAD_EXIT_USAGE, "%s:%zu:%zu: unsupported YAML tag '%s'; remove it",
                                  p->origin, ev->start_mark.line + 1, ev->start_mark.column + 1, tag);
    }
    if (memchr(value, '\0', len))
        return ddad_error_set(p->err, DDAD_EXIT_USAGE, "%s:%zu:%zu: a value contains a NUL character; remove it",
                              p->origin, ev->start_mark.line + 1, ev->start_mark.column + 1);
    ddad_ynode *n = new_node(DDAD_YNODE_SCALAR, ev);
    char *text = malloc(len + 1);
    if (!n || !text) {
        free(n);
        free(text);
        return ddad_error_set(p->err, DDAD_EXIT_RUNTIME, "out of memory parsing %s", p->origin);
    }
    memcpy(text, value, len);
    text[len] = '\0';
    n->text = text;
    n->plain = plain;
    *out = n;
    return 0;
}

static int parse_collection(tree_parser *p, yaml_event_t *start, int depth, ddad_ynode **out)
{
    int is_map = start->type == YAML_MAPPING_START_EVENT;
    yaml_event_type_t end = is_map ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    ddad_ynode *n = new_node(is_map ? DDAD_YNODE_MAP : DDAD_YNODE_SEQ, start);
    if (!n) return ddad_error_set(p->err, DDAD_EXIT_RUNTIME, "out of memory parsing %s", p->origin);
    for (;;) {
        yaml_event_t ev;
        if (next_event(p, &ev)) goto fail;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            break;
        }
        ddad_ynode *key = NULL, *val = NULL;
        if (is_map) {
            if (parse_node(p, &ev, depth + 1, &key)) goto fail;
            if (key->kind != DDAD_YNODE_SCALAR) {
                ddad_error_set(p->err, DDAD_EXIT_USAGE, "%s:%d:%d: a key must be a plain name, not %s",
                               p->origin, key->line, key->col, ddad_ynode_kind_name(key));
                ddad_ynode_free(key);
                goto fail;
            }
            for (size_t i = 0; i < n->n; i++)
                if (!strcmp(n->keys[i]->text, key->text)) {
                    ddad_error_set(p->err, DDAD_EXIT_USAGE,
                                   "%s:%d: duplicate key '%s' (first given on line %d); keep only one of them",
                                   p->origin, key->line, key->text, n->keys[i]->line);
                    ddad_ynode_free(key);
                    goto fail;
                }
            if (next_event(p, &ev)) {
                ddad_ynode_free(key);
                goto fail;
            }
        }
        if (parse_node(p, &ev, depth + 1, &val)) {
            ddad_ynode_free(key);
            goto fail;
        }
        if (push_child(n, key, val)) {
            ddad_error_set(p->err, DDAD_EXIT_RUNTIME, "out of memory parsing %s", p->origin);
            ddad_ynode_free(key);
            ddad_ynode_free(val);
            goto fail;
        }
    }
    *out = n;
    return 0;
fail:
    ddad_ynode_free(n);
    return -1;
}

/* Consumes ev (the node's first event) and everything up to the node's end. */
static int parse_node(tree_parser *p, yaml_event_t *ev, int depth, ddad_ynode **out)
{
    *out = NULL;
    int rc = -1;
    if (depth > MAX_DEPTH) {
        ddad_error_set(p->err, DDAD_EXIT_USAGE, "%s:%zu: nested too deeply (a config has sections of keys)",
                       p->origin, ev->start_mark.line + 1);
    } else if (ev->type == YAML_SCALAR_EVENT) {
        rc = parse_scalar(p, ev, out);
    } else if (ev->type == YAML_SEQUENCE_START_EVENT || ev->type == YAML_MAPPING_START_EVENT) {
        rc = parse_collection(p, ev, depth, out);
    } else if (ev->type == YAML_ALIAS_EVENT) {
        ddad_error_set(p->err, DDAD_EXIT_USAGE,
                       "%s:%zu:%zu: YAML aliases (*%s) are not supported in a config; write the value out",
                       p->origin, ev->start_mark.line + 1, ev->start_mark.column + 1,
                       (const char *)ev->data.alias.anchor);
    } else {
        ddad_error_set(p->err, DDAD_EXIT_USAGE, "%s:%zu: unexpected YAML structure", p->origin,
                       ev->start_mark.line + 1);
    }
    yaml_event_delete(ev);
    return rc;
}

static int expect_event(tree_parser *p, yaml_event_type_t type, yaml_event_t *ev)
{
    if (next_event(p, ev)) return -1;
    if (ev->type != type) {
        yaml_event_delete(ev);
        return ddad_error_set(p->err, DDAD_EXIT_USAGE, "%s: unexpected YAML structure", p->origin);
    }
    return 0;
}

int ddad_yaml_parse(const char *text, size_t len, const char *origin, ddad_ynode **root, ddad_error *err)
{
    *root = NULL;
    tree_parser p = {.origin = origin, .err = err};
    if (!yaml_parser_initialize(&p.parser))
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot initialise the YAML parser (out of memory?)");
    yaml_parser_set_input_string(&p.parser, (const unsigned char *)text, len);

    int rc = -1;
    yaml_event_t ev;
    if (expect_event(&p, YAML_STREAM_START_EVENT, &ev)) goto done;
    yaml_event_delete(&ev);
    if (next_event(&p, &ev)) goto done;
    if (ev.type == YAML_STREAM_END_EVENT) {   /* empty: no document */
        yaml_event_delete(&ev);
        rc = 0;
        goto done;
    }
    if (ev.type != YAML_DOCUMENT_START_EVENT) {
        yaml_event_delete(&ev);
        ddad_error_set(err, DDAD_EXIT_USAGE, "%s: unexpected YAML structure", origin);
        goto done;
    }
    yaml_event_delete(&ev);
    if (next_event(&p, &ev) || parse_node(&p, &ev, 0, root)) goto done;
    if (expect_event(&p, YAML_DOCUMENT_END_EVENT, &ev)) goto done;
    yaml_event_delete(&ev);
    if (next_event(&p, &ev)) goto done;
    if (ev.type != YAML_STREAM_END_EVENT) {
        ddad_error_set(err, DDAD_EXIT_USAGE, "%s:%zu: a second YAML document ('---'); a config holds one document",
                       origin, ev.start_mark.line + 1);
        yaml_event_delete(&ev);
        goto done;
    }
    yaml_event_delete(&ev);
    rc = 0;
done:
    if (rc) {
        ddad_ynode_free(*root);
        *root = NULL;
    }
    yaml_parser_delete(&p.parser);
    return rc;
}

void ddad_ynode_free(ddad_ynode *node)
{
    if (!node) return;
    for (size_t i = 0; i < node->n; i++) {
        if (node->keys) ddad_ynode_free(node->keys[i]);
        ddad_ynode_free(node->vals[i]);
    }
    free(node->keys);
    free(node->vals);
    free(node->text);
    free(node);
}

const char *ddad_ynode_kind_name(const ddad_ynode *node)
{
    switch (node->kind) {
    case DDAD_YNODE_SCALAR: return "a single value";
    case DDAD_YNODE_SEQ: return "a list";
    default: return "a mapping";
    }
}
