/* The configuration key table and typed conversion of YAML values (see config_keys.h). */
#include "io/config_keys.h"

#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "io/config_scalar.h"

#define F(field) offsetof(ddad_config, field)
#define S(field) sizeof(((ddad_config *)0)->field)

static const char *const NETWORKS[] = {"AE", "AE-U", "MemAE", NULL};
static const char *const DEVICES[] = {"auto", "cpu", "cuda", NULL};
static const char *const PRECISIONS[] = {"fp32", "tf32", NULL};
static const char *const REFINE_INPUTS[] = {"dual", "intra", NULL};

const char *const DDAD_CFG_SECTIONS[] = {"Exp", "Model", "Data", "Solver", "RefineSolver",
                                         "Ensemble", "Checkpoint", "Output"};
const size_t DDAD_CFG_NSECTIONS = sizeof DDAD_CFG_SECTIONS / sizeof DDAD_CFG_SECTIONS[0];

/* What each key changes in training (the last field), which makes the key that ties a
 * checkpoint to its setup (ddad_config_train_key): M the members (and so everything after
 * them: scores, refiner), R the refiner, MR both directly, NONE neither: where the output
 * goes, when checkpoints are written, what eval stores, the device and its precision (a
 * resume may move between CPU and GPU: only the rounding changes), the dataset's name and
 * path (its content is tied by its digest instead). A new key must say which
 * (config.train_keys fails on a 0). */
#define NONE DDAD_TRAINS_NONE
#define M DDAD_TRAINS_MEMBERS
#define R DDAD_TRAINS_REFINER
#define MR (DDAD_TRAINS_MEMBERS | DDAD_TRAINS_REFINER)

/* Grouped by section, in the order of DDAD_CFG_SECTIONS (the effective config relies on it). */
const ddad_cfg_key DDAD_CFG_KEYS[] = {
    {"Exp", "out_dir", DDAD_CFG_STRING, 0, F(out_dir), 0, S(out_dir), NULL, NONE},
    {"Exp", "gpu", DDAD_CFG_INT, 1, F(gpu), 0, 0, NULL, NONE},
    {"Exp", "seed", DDAD_CFG_U64, 0, F(seed), 0, 0, NULL, MR},
    {"Exp", "device", DDAD_CFG_ENUM, 0, F(device), 0, S(device), DEVICES, NONE},
    {"Exp", "precision", DDAD_CFG_ENUM, 0, F(precision), 0, S(precision), PRECISIONS, NONE},
    {"Model", "network", DDAD_CFG_ENUM, 0, F(network), 0, S(network), NETWORKS, M},
    {"Model", "mp", DDAD_CFG_DOUBLE, 0, F(mp), 0, 0, NULL, M},
    {"Model", "ls", DDAD_CFG_INT, 0, F(ls), 0, 0, NULL, M},
    {"Model", "mem_dim", DDAD_CFG_INT, 1, F(mem_dim), 0, 0, NULL, M},
    {"Model", "shrink_thres", DDAD_CFG_DOUBLE, 1, F(shrink_thres), 0, 0, NULL, M},
    {"Model", "entropy_loss_weight", DDAD_CFG_DOUBLE, 1, F(entropy_loss_weight), 0, 0, NULL, M},
    {"Data", "dataset", DDAD_CFG_STRING, 0, F(dataset), 0, S(dataset), NULL, NONE},
    {"Data", "file", DDAD_CFG_STRING, 1, F(file), 0, S(file), NULL, NONE},
    {"Data", "img_size", DDAD_CFG_INT, 0, F(img_size), 0, 0, NULL, MR},
    {"Data", "extra_data", DDAD_CFG_INT, 0, F(extra_data), 0, 0, NULL, M},
    {"Data", "ar", DDAD_CFG_DOUBLE, 0, F(ar), 0, 0, NULL, M},
    {"Solver", "bs", DDAD_CFG_INT, 0, F(bs), 0, 0, NULL, M},
    {"Solver", "lr", DDAD_CFG_DOUBLE, 0, F(lr), 0, 0, NULL, M},
    {"Solver", "weight_decay", DDAD_CFG_DOUBLE, 0, F(weight_decay), 0, 0, NULL, M},
    {"Solver", "num_epoch", DDAD_CFG_INT, 0, F(num_epoch), 0, 0, NULL, M},
    {"Solver", "betas", DDAD_CFG_PAIR, 0, F(beta1), F(beta2), 0, NULL, MR},
    {"RefineSolver", "bs", DDAD_CFG_INT, 0, F(r_bs), 0, 0, NULL, R},
    {"RefineSolver", "lr", DDAD_CFG_DOUBLE, 0, F(r_lr), 0, 0, NULL, R},
    {"RefineSolver", "weight_decay", DDAD_CFG_DOUBLE, 0, F(r_weight_decay), 0, 0, NULL, R},
    {"RefineSolver", "num_epoch", DDAD_CFG_INT, 0, F(r_num_epoch), 0, 0, NULL, R},
    {"RefineSolver", "grad_clip", DDAD_CFG_DOUBLE, 1, F(grad_clip), 0, 0, NULL, R},
    {"RefineSolver", "input", DDAD_CFG_ENUM, 0, F(r_input), 0, S(r_input), REFINE_INPUTS, R},
    {"Ensemble", "members", DDAD_CFG_INT, 0, F(members), 0, 0, NULL, MR},
    {"Checkpoint", "every_epochs", DDAD_CFG_INT, 0, F(every_epochs), 0, 0, NULL, NONE},
    {"Output", "save_maps", DDAD_CFG_BOOL, 0, F(save_maps), 0, 0, NULL, NONE},
};
const size_t DDAD_CFG_NKEYS = sizeof DDAD_CFG_KEYS / sizeof DDAD_CFG_KEYS[0];
#undef NONE
#undef M
#undef R
#undef MR

int ddad_cfg_find_section(const char *name)
{
    for (size_t i = 0; i < DDAD_CFG_NSECTIONS; i++)
        if (!strcmp(DDAD_CFG_SECTIONS[i], name)) return (int)i;
    return -1;
}

int ddad_cfg_find_key(const char *section, const char *name)
{
    for (size_t i = 0; i < DDAD_CFG_NKEYS; i++)
        if (!strcmp(DDAD_CFG_KEYS[i].section, section) && !strcmp(DDAD_CFG_KEYS[i].name, name)) return (int)i;
    return -1;
}

int ddad_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63) la = 63;
    if (lb > 63) lb = 63;
    int row[64];
    for (size_t j = 0; j <= lb; j++) row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            int best = diag + cost;
            if (up + 1 < best) best = up + 1;
            if (row[j - 1] + 1 < best) best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

/* A suggestion is offered when it is close: at most 2 edits, or a third of the name. */
static int close_enough(const char *name, int dist)
{
    int limit = (int)strlen(name) / 3;
    if (limit < 2) limit = 2;
    return dist <= limit;
}

void ddad_cfg_hint_section(const char *name, char *buf, size_t n)
{
    int best = -1, best_d = INT_MAX;
    for (size_t i = 0; i < DDAD_CFG_NSECTIONS; i++) {
        int d = ddad_edit_distance(name, DDAD_CFG_SECTIONS[i]);
        if (d < best_d) best_d = d, best = (int)i;
    }
    size_t len = 0;
    buf[0] = '\0';
    if (best >= 0 && close_enough(name, best_d))
        len += (size_t)snprintf(buf, n, " did you mean '%s'?", DDAD_CFG_SECTIONS[best]);
    if (len < n) len += (size_t)snprintf(buf + len, n - len, " (sections:");
    for (size_t i = 0; i < DDAD_CFG_NSECTIONS && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s %s", i ? "," : "", DDAD_CFG_SECTIONS[i]);
    if (len < n) snprintf(buf + len, n - len, ")");
}

void ddad_cfg_hint_key(const char *section, const char *name, char *buf, size_t n)
{
    int best = -1, best_d = INT_MAX, elsewhere = -1;
    for (size_t i = 0; i < DDAD_CFG_NKEYS; i++) {
        const ddad_cfg_key *k = &DDAD_CFG_KEYS[i];
        if (strcmp(k->section, section)) {
            if (!strcmp(k->name, name) && elsewhere < 0) elsewhere = (int)i;
            continue;
        }
        int d = ddad_edit_distance(name, k->name);
        if (d < best_d) best_d = d, best = (int)i;
    }
    size_t len = 0;
    buf[0] = '\0';
    if (elsewhere >= 0)
        len += (size_t)snprintf(buf, n, " '%s' belongs in section %s.", name, DDAD_CFG_KEYS[elsewhere].section);
    else if (best >= 0 && close_enough(name, best_d))
        len += (size_t)snprintf(buf, n, " did you mean '%s'?", DDAD_CFG_KEYS[best].name);
    if (len < n) len += (size_t)snprintf(buf + len, n - len, " (%s keys:", section);
    int first = 1;
    for (size_t i = 0; i < DDAD_CFG_NKEYS && len < n; i++)
        if (!strcmp(DDAD_CFG_KEYS[i].section, section)) {
            len += (size_t)snprintf(buf + len, n - len, "%s %s", first ? "" : ",", DDAD_CFG_KEYS[i].name);
            first = 0;
        }
    if (len < n) snprintf(buf + len, n - len, ")");
}

static const char *type_phrase(const ddad_cfg_key *k)
{
    switch (k->type) {
    case DDAD_CFG_INT: return "an integer";
    case DDAD_CFG_U64: return "a non-negative integer";
    case DDAD_CFG_DOUBLE: return "a number";
    case DDAD_CFG_BOOL: return "true or false";
    case DDAD_CFG_PAIR: return "a list of two numbers such as [0.5, 0.999]";
    default: return "text";
    }
}

static void choices_list(const char *const *choices, char *buf, size_t n)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; choices[i] && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s", i ? ", " : "", choices[i]);
}

static int type_error(const ddad_cfg_key *k, const ddad_ynode *val, const char *where, ddad_error *err)
{
    if (val->kind == DDAD_YNODE_SEQ)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s must be %s, got a list of %zu", where, k->section,
                              k->name, type_phrase(k), val->n);
    if (val->kind != DDAD_YNODE_SCALAR)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s must be %s, got %s", where, k->section, k->name,
                              type_phrase(k), ddad_ynode_kind_name(val));
    const char *hint = val->plain ? "" : " (a quoted value is text; remove the quotes)";
    return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s must be %s, got '%.80s'%s", where, k->section, k->name,
                          type_phrase(k), val->text, hint);
}

/* Numbers: scalar, plain, parsed by the YAML rules. */
static int number_of(const ddad_cfg_key *k, const ddad_ynode *val, int integer, double *d, int64_t *i,
                     const char *where, ddad_error *err)
{
    if (val->kind != DDAD_YNODE_SCALAR || !val->plain) return type_error(k, val, where, err);
    if (integer ? ddad_scalar_int64(val->text, i) : ddad_scalar_double(val->text, d))
        return type_error(k, val, where, err);
    return 0;
}

static int store_text(const ddad_cfg_key *k, const ddad_ynode *val, char *dst, const char *where, ddad_error *err)
{
    if (val->kind != DDAD_YNODE_SCALAR) return type_error(k, val, where, err);
    size_t len = strlen(val->text);
    if (len >= k->size)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s is too long (%zu characters, at most %zu)", where,
                              k->section, k->name, len, k->size - 1);
    if (k->type == DDAD_CFG_ENUM) {
        int ok = 0;
        for (size_t i = 0; k->choices[i]; i++) ok |= !strcmp(k->choices[i], val->text);
        if (!ok) {
            char list[256];
            choices_list(k->choices, list, sizeof list);
            int best = 0, best_d = INT_MAX;
            for (int i = 0; k->choices[i]; i++) {
                int d = ddad_edit_distance(val->text, k->choices[i]);
                if (d < best_d) best_d = d, best = i;
            }
            if (close_enough(val->text, best_d))
                return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s must be one of %s, got '%s'; did you mean '%s'?",
                                      where, k->section, k->name, list, val->text, k->choices[best]);
            return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s must be one of %s, got '%s'", where, k->section,
                                  k->name, list, val->text);
        }
    }
    memset(dst, 0, k->size);   /* canonical bytes: the struct is broadcast and compared */
    memcpy(dst, val->text, len);
    return 0;
}

int ddad_cfg_store(const ddad_cfg_key *k, const ddad_ynode *val, ddad_config *c, const char *where, ddad_error *err)
{
    char *base = (char *)c;
    int is_null = val->kind == DDAD_YNODE_SCALAR && val->plain && ddad_scalar_is_null(val->text);
    if (is_null) {
        if (!k->nullable)
            return ddad_error_set(err, DDAD_EXIT_USAGE,
                                  "%s: %s.%s must be %s, got null; give a value, or delete the line to use the default",
                                  where, k->section, k->name, type_phrase(k));
        if (k->type == DDAD_CFG_INT) *(int *)(base + k->off) = 0;
        else if (k->type == DDAD_CFG_DOUBLE) *(double *)(base + k->off) = 0.0;
        else if (k->type == DDAD_CFG_STRING) base[k->off] = '\0';
        return 0;
    }
    double d = 0;
    int64_t i = 0;
    switch (k->type) {
    case DDAD_CFG_INT:
        if (number_of(k, val, 1, &d, &i, where, err)) return -1;
        if (i < INT_MIN || i > INT_MAX)
            return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s is out of range, got %s", where, k->section,
                                  k->name, val->text);
        *(int *)(base + k->off) = (int)i;
        return 0;
    case DDAD_CFG_U64: {
        uint64_t u;
        if (val->kind != DDAD_YNODE_SCALAR || !val->plain || ddad_scalar_uint64(val->text, &u))
            return type_error(k, val, where, err);
        *(uint64_t *)(base + k->off) = u;
        return 0;
    }
    case DDAD_CFG_DOUBLE:
        if (number_of(k, val, 0, &d, &i, where, err)) return -1;
        *(double *)(base + k->off) = d;
        return 0;
    case DDAD_CFG_BOOL: {
        int b;
        if (val->kind != DDAD_YNODE_SCALAR || !val->plain || ddad_scalar_bool(val->text, &b))
            return type_error(k, val, where, err);
        *(int *)(base + k->off) = b;
        return 0;
    }
    case DDAD_CFG_PAIR: {
        double ab[2];
        if (val->kind != DDAD_YNODE_SEQ || val->n != 2) return type_error(k, val, where, err);
        for (int j = 0; j < 2; j++) {
            const ddad_ynode *it = val->vals[j];
            if (it->kind != DDAD_YNODE_SCALAR || !it->plain || ddad_scalar_double(it->text, &ab[j]))
                return type_error(k, it, where, err);
        }
        *(double *)(base + k->off) = ab[0];
        *(double *)(base + k->off2) = ab[1];
        return 0;
    }
    case DDAD_CFG_STRING:
    case DDAD_CFG_ENUM:
        return store_text(k, val, base + k->off, where, err);
    }
    return ddad_error_set(err, DDAD_EXIT_RUNTIME, "internal error: unknown key type");
}
