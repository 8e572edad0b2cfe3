/* Loading a configuration: defaults, the YAML file, --set overrides, validation.
 * See config.h; the key table is in config_keys.c and the YAML output in config_emit.c. */
#include "io/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/util.h"
#include "io/config_keys.h"
#include "io/config_scalar.h"
#include "io/config_tree.h"

#define MAX_KEYS 64
#define MAX_CONFIG_BYTES (1 << 20)

/* Where each key's value came from, for messages: a file line, a --set argument, or the default. */
typedef struct {
    const char *path;                 /* NULL: no file */
    const char *const *sets;
    int line[MAX_KEYS];               /* > 0: file line */
    int set[MAX_KEYS];                /* >= 0: index into sets */
} load_ctx;

void ddad_config_defaults(ddad_config *c)
{
    memset(c, 0, sizeof *c);
    /* Exp */
    snprintf(c->out_dir, sizeof c->out_dir, "output/run");
    c->gpu = 0;
    c->seed = 0;
    snprintf(c->device, sizeof c->device, "auto");
    snprintf(c->precision, sizeof c->precision, "fp32");
    /* Model (the reference's RSNA_AE.yaml) */
    snprintf(c->network, sizeof c->network, "AE");
    c->mp = 1.0;
    c->ls = 16;
    c->mem_dim = 0;
    c->shrink_thres = 0.0;
    c->entropy_loss_weight = 0.0;
    /* Data */
    snprintf(c->dataset, sizeof c->dataset, "rsna");
    c->file[0] = '\0';   /* resolved from dataset after loading */
    c->img_size = 64;
    c->extra_data = 4000;
    c->ar = 0.6;
    /* Solver */
    c->bs = 64;
    c->lr = 5.0e-4;
    c->weight_decay = 0.0;
    c->num_epoch = 250;
    c->beta1 = 0.5;
    c->beta2 = 0.999;
    /* RefineSolver */
    c->r_bs = 8;
    c->r_lr = 1.0e-4;
    c->r_weight_decay = 1.0e-4;
    c->r_num_epoch = 100;
    c->grad_clip = 0.0;
    snprintf(c->r_input, sizeof c->r_input, "dual");
    /* Ensemble, Checkpoint, Output */
    c->members = 3;
    c->every_epochs = 0;
    c->save_maps = 0;
}

static void where_of(const load_ctx *L, int key, char *buf, size_t n)
{
    if (key >= 0 && L->set[key] >= 0) snprintf(buf, n, "--set '%s'", L->sets[L->set[key]]);
    else if (key >= 0 && L->line[key] > 0) snprintf(buf, n, "%s:%d", L->path, L->line[key]);
    else snprintf(buf, n, "%s", L->path ? L->path : "(defaults)");
}

/* "WHERE: Section.key <message>" with WHERE the place the key was last set. */
static int key_error(const load_ctx *L, const char *section, const char *name, ddad_error *err, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static int key_error(const load_ctx *L, const char *section, const char *name, ddad_error *err, const char *fmt, ...)
{
    char where[DDAD_PATH_MAX + 64], msg[1024];
    where_of(L, ddad_cfg_find_key(section, name), where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: %s.%s %s", where, section, name, msg);
}

static int read_file(const char *path, char **text, size_t *len, ddad_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "cannot open config '%s': %s; check the path given to --config",
                              path, strerror(errno));
    char *buf = malloc(MAX_CONFIG_BYTES + 1);
    if (!buf) {
        fclose(f);
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "out of memory reading config '%s'", path);
    }
    size_t n = fread(buf, 1, MAX_CONFIG_BYTES + 1, f);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return ddad_error_set(err, DDAD_EXIT_USAGE, "cannot read config '%s' (is it a regular file?)", path);
    }
    if (n > MAX_CONFIG_BYTES) {
        free(buf);
        return ddad_error_set(err, DDAD_EXIT_USAGE, "config '%s' is larger than 1 MiB; is it really a config?", path);
    }
    buf[n] = '\0';
    *text = buf;
    *len = n;
    return 0;
}

static int is_null_node(const ddad_ynode *n)
{
    return n->kind == DDAD_YNODE_SCALAR && n->plain && ddad_scalar_is_null(n->text);
}

static int apply_file(load_ctx *L, const ddad_ynode *root, ddad_config *c, ddad_error *err)
{
    const char *path = L->path;
    if (!root)
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s: the config is empty; it needs sections such as 'Exp:', 'Model:', 'Data:' "
                              "(see configs/rsna.yaml)", path);
    if (root->kind != DDAD_YNODE_MAP)
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s:%d: the top level must be a mapping of sections ('Exp:', 'Model:', ...), got %s",
                              path, root->line, ddad_ynode_kind_name(root));
    for (size_t s = 0; s < root->n; s++) {
        const ddad_ynode *sk = root->keys[s], *sv = root->vals[s];
        char hint[512];
        if (ddad_cfg_find_section(sk->text) < 0) {
            ddad_cfg_hint_section(sk->text, hint, sizeof hint);
            return ddad_error_set(err, DDAD_EXIT_USAGE, "%s:%d: unknown section '%s';%s", path, sk->line, sk->text, hint);
        }
        if (is_null_node(sv)) continue;   /* "Ensemble:" with nothing under it */
        if (sv->kind != DDAD_YNODE_MAP)
            return ddad_error_set(err, DDAD_EXIT_USAGE,
                                  "%s:%d: section '%s' must hold indented 'key: value' lines, got %s", path,
                                  sk->line, sk->text, ddad_ynode_kind_name(sv));
        for (size_t i = 0; i < sv->n; i++) {
            const ddad_ynode *kk = sv->keys[i];
            int k = ddad_cfg_find_key(sk->text, kk->text);
            if (k < 0) {
                ddad_cfg_hint_key(sk->text, kk->text, hint, sizeof hint);
                return ddad_error_set(err, DDAD_EXIT_USAGE, "%s:%d: unknown key '%s' in section %s;%s", path,
                                      kk->line, kk->text, sk->text, hint);
            }
            char where[DDAD_PATH_MAX + 32];
            snprintf(where, sizeof where, "%s:%d", path, kk->line);
            if (ddad_cfg_store(&DDAD_CFG_KEYS[k], sv->vals[i], c, where, err)) return -1;
            L->line[k] = kk->line;
        }
    }
    return 0;
}

static int apply_set(load_ctx *L, int idx, ddad_config *c, ddad_error *err)
{
    const char *arg = L->sets[idx];
    char where[1200], name[256], hint[512];
    snprintf(where, sizeof where, "--set '%s'", arg);
    const char *eq = strchr(arg, '=');
    const char *dot = strchr(arg, '.');
    if (!eq || !dot || dot > eq || dot == arg || dot + 1 == eq || (size_t)(eq - arg) >= sizeof name)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: expected Section.key=value, e.g. --set Solver.lr=1.0e-4",
                              where);
    memcpy(name, arg, (size_t)(eq - arg));
    name[eq - arg] = '\0';
    name[dot - arg] = '\0';
    const char *section = name, *key = name + (dot - arg) + 1;
    if (ddad_cfg_find_section(section) < 0) {
        ddad_cfg_hint_section(section, hint, sizeof hint);
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: unknown section '%s';%s", where, section, hint);
    }
    int k = ddad_cfg_find_key(section, key);
    if (k < 0) {
        ddad_cfg_hint_key(section, key, hint, sizeof hint);
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: unknown key '%s' in section %s;%s", where, key, section, hint);
    }
    /* The value follows YAML's scalar rules: parse it as a one-value YAML document. */
    const char *value = eq + 1;
    ddad_ynode *v = NULL;
    if (ddad_yaml_parse(value, strlen(value), where, &v, err)) return -1;
    ddad_ynode empty = {.kind = DDAD_YNODE_SCALAR, .text = "", .plain = 1};
    int rc = ddad_cfg_store(&DDAD_CFG_KEYS[k], v ? v : &empty, c, where, err);
    ddad_ynode_free(v);
    if (rc) return -1;
    L->set[k] = idx;
    return 0;
}

static int simple_name(const char *s)
{
    if (!*s || !strcmp(s, ".") || !strcmp(s, "..")) return 0;
    for (; *s; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_' || *s == '-' || *s == '.')) return 0;
    return 1;
}

static int validate(const load_ctx *L, const ddad_config *c, ddad_error *err)
{
    /* Exp */
    if (!c->out_dir[0]) return key_error(L, "Exp", "out_dir", err, "must not be empty; name an output directory");
    /* Model */
    if (!(c->mp > 0)) return key_error(L, "Model", "mp", err, "must be > 0, got %g (the reference uses 1)", c->mp);
    if (c->ls < 1) return key_error(L, "Model", "ls", err, "must be >= 1, got %d (the reference uses 16)", c->ls);
    if (c->mem_dim < 0)
        return key_error(L, "Model", "mem_dim", err, "must be >= 1 or null, got %d", c->mem_dim);
    if (!strcmp(c->network, "MemAE") && c->mem_dim < 1)
        return key_error(L, "Model", "mem_dim", err, "must be set when Model.network is MemAE (the reference uses 25)");
    if (c->shrink_thres < 0)
        return key_error(L, "Model", "shrink_thres", err, "must be >= 0 or null, got %g", c->shrink_thres);
    if (c->entropy_loss_weight < 0)
        return key_error(L, "Model", "entropy_loss_weight", err, "must be >= 0 or null, got %g", c->entropy_loss_weight);
    /* Data */
    if (!simple_name(c->dataset))
        return key_error(L, "Data", "dataset", err,
                         "must be a simple name (letters, digits, '_', '-', '.'), got '%s'; put paths in Data.file",
                         c->dataset);
    if (c->img_size < 16 || c->img_size % 16 || c->img_size > 1024)
        return key_error(L, "Data", "img_size", err,
                         "must be a multiple of 16 between 16 and 1024 (the encoder halves it four times), got %d; "
                         "the published configs use 64", c->img_size);
    if (c->extra_data < 0)
        return key_error(L, "Data", "extra_data", err, "must be >= 0 (unlabeled images for the UDM), got %d",
                         c->extra_data);
    if (!(c->ar >= 0 && c->ar <= 1))
        return key_error(L, "Data", "ar", err, "must be in [0, 1] (the anomaly rate of the unlabeled data), got %g",
                         c->ar);
    /* Solver */
    if (c->bs < 1) return key_error(L, "Solver", "bs", err, "must be >= 1, got %d (the reference uses 64)", c->bs);
    if (!(c->lr > 0)) return key_error(L, "Solver", "lr", err, "must be > 0, got %g (the reference uses 5.0e-4)", c->lr);
    if (c->weight_decay < 0)
        return key_error(L, "Solver", "weight_decay", err, "must be >= 0, got %g", c->weight_decay);
    if (c->num_epoch < 1)
        return key_error(L, "Solver", "num_epoch", err, "must be >= 1, got %d (the reference uses 250)", c->num_epoch);
    if (!(c->beta1 >= 0 && c->beta1 < 1 && c->beta2 >= 0 && c->beta2 < 1))
        return key_error(L, "Solver", "betas", err, "must both be in [0, 1), got [%g, %g] (default [0.5, 0.999])",
                         c->beta1, c->beta2);
    /* RefineSolver */
    if (c->r_bs < 1) return key_error(L, "RefineSolver", "bs", err, "must be >= 1, got %d (the reference uses 8)", c->r_bs);
    if (!(c->r_lr > 0))
        return key_error(L, "RefineSolver", "lr", err, "must be > 0, got %g (the reference uses 1.0e-4)", c->r_lr);
    if (c->r_weight_decay < 0)
        return key_error(L, "RefineSolver", "weight_decay", err, "must be >= 0, got %g", c->r_weight_decay);
    if (c->r_num_epoch < 1)
        return key_error(L, "RefineSolver", "num_epoch", err, "must be >= 1, got %d (the reference uses 100)",
                         c->r_num_epoch);
    if (c->grad_clip < 0)
        return key_error(L, "RefineSolver", "grad_clip", err, "must be > 0, or null for no clipping, got %g",
                         c->grad_clip);
    /* Ensemble, Checkpoint */
    if (c->members < 2)
        return key_error(L, "Ensemble", "members", err,
                         "must be >= 2 (K NDM and K UDM members; the intra-discrepancy is a std over K), got %d",
                         c->members);
    if (c->every_epochs < 0)
        return key_error(L, "Checkpoint", "every_epochs", err, "must be >= 0 (0: only at the end of a stage), got %d",
                         c->every_epochs);
    return 0;
}

static int data_hint_is_synth(const char *dataset)
{
    return !strcmp(dataset, "demo") || !strcmp(dataset, "ci") || !strcmp(dataset, "synth");
}

int ddad_config_load(const char *path, const char *const *sets, int nsets, ddad_config *c, ddad_error *err)
{
    ddad_config_defaults(c);
    load_ctx L = {.path = path, .sets = sets};
    for (int i = 0; i < MAX_KEYS; i++) L.set[i] = -1;
    if (path) {
        if (strlen(path) >= sizeof c->source_path)
            return ddad_error_set(err, DDAD_EXIT_USAGE, "config path is too long (%zu characters)", strlen(path));
        snprintf(c->source_path, sizeof c->source_path, "%s", path);
        char *text = NULL;
        size_t len = 0;
        if (read_file(path, &text, &len, err)) return -1;
        ddad_ynode *root = NULL;
        int rc = ddad_yaml_parse(text, len, path, &root, err);
        free(text);
        if (rc) return -1;
        rc = apply_file(&L, root, c, err);
        ddad_ynode_free(root);
        if (rc) return -1;
    }
    for (int i = 0; i < nsets; i++)
        if (apply_set(&L, i, c, err)) return -1;

    if (!c->file[0]) {
        if (!simple_name(c->dataset)) return validate(&L, c, err);   /* reports the bad dataset name */
        snprintf(c->file, sizeof c->file, "datasets/%s.h5", c->dataset);
    }
    if (validate(&L, c, err)) return -1;

    if (!ddad_file_exists(c->file)) {
        if (data_hint_is_synth(c->dataset))
            log_warn("the data file '%s' (Data.file) does not exist yet; make it with "
                     "`ddad synth --preset %s --out %s`", c->file, !strcmp(c->dataset, "ci") ? "ci" : "demo", c->file);
        else
            log_warn("the data file '%s' (Data.file) does not exist yet; make it with "
                     "`ddad prepare medad --root <Med-AD folder> --out %s`", c->file, c->file);
    }
    return 0;
}

int ddad_config_check_data(const ddad_config *c, int file_img_size, int64_t pool0, int64_t pool1, ddad_error *err)
{
    const char *src = c->source_path[0] ? c->source_path : "(config)";
    if (file_img_size != c->img_size)
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s: Data.img_size is %d but '%s' holds %dx%d images; re-run `ddad prepare ... "
                              "--img-size %d --out %s` (or set Data.img_size: %d)",
                              src, c->img_size, c->file, file_img_size, file_img_size, c->img_size, c->file,
                              file_img_size);
    /* The reference: abnormal_num = int(E * ar), normal_num = E - abnormal_num. */
    int64_t e = c->extra_data;
    int64_t abnormal = (int64_t)((double)e * c->ar);
    int64_t normal = e - abnormal;
    if (abnormal <= pool1 && normal <= pool0) return 0;
    int64_t fit = e < pool0 + pool1 ? e : pool0 + pool1;   /* the largest E the pools can supply at this ar */
    while (fit > 0) {
        int64_t a = (int64_t)((double)fit * c->ar);
        if (a <= pool1 && fit - a <= pool0) break;
        fit--;
    }
    return ddad_error_set(err, DDAD_EXIT_USAGE,
                          "%s: Data.extra_data %d with Data.ar %g needs %lld normal and %lld abnormal unlabeled "
                          "images, but '%s' has %lld in pool0 (normal) and %lld in pool1 (abnormal); lower "
                          "Data.extra_data to at most %lld, or change Data.ar",
                          src, c->extra_data, c->ar, (long long)normal, (long long)abnormal, c->file,
                          (long long)pool0, (long long)pool1, (long long)fit);
}
