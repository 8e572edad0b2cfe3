/* The experiment configuration: the public reference's YAML keys plus ddad's own.
 *
 * Rank 0 parses the file (libyaml) and broadcasts the struct, which holds no pointers.
 * Every error names file:line and says how to fix it. */
#ifndef DDAD_IO_CONFIG_H
#define DDAD_IO_CONFIG_H

#include <stdint.h>

#include "core/error.h"

#define DDAD_PATH_MAX 1024

typedef struct {
    /* Exp */
    char out_dir[DDAD_PATH_MAX];
    int gpu;                        /* accepted for compatibility; placement picks devices */
    uint64_t seed;                  /* default 0 */
    char device[16];                /* auto | cpu | cuda */
    char precision[16];             /* fp32 | tf32 */

    /* Model */
    char network[16];               /* AE | AE-U | MemAE */
    double mp;                      /* channel multiplier */
    int ls;                         /* latent size */
    int mem_dim;                    /* MemAE; 0 when null */
    double shrink_thres;            /* MemAE */
    double entropy_loss_weight;     /* MemAE */

    /* Data */
    char dataset[64];               /* rsna | vin | brain | lag | synth ... */
    char file[DDAD_PATH_MAX];       /* prepared HDF5 dataset (resolved) */
    int img_size;
    int extra_data;
    double ar;

    /* Solver (ensemble members) */
    int bs;
    double lr;
    double weight_decay;
    int num_epoch;
    double beta1, beta2;            /* default 0.5, 0.999 */

    /* RefineSolver */
    int r_bs;
    double r_lr;
    double r_weight_decay;
    int r_num_epoch;
    double grad_clip;               /* <= 0 when null */
    char r_input[16];               /* dual | intra */

    /* Ensemble */
    int members;                    /* K: K NDM and K UDM members */

    /* Checkpoint */
    int every_epochs;               /* 0: only at the end of a stage */

    /* Output */
    int save_maps;

    /* Where it came from (for messages) */
    char source_path[DDAD_PATH_MAX];
} ddad_config;

/* What a configuration key changes in training (every key of the table names one). */
enum {
    DDAD_TRAINS_NONE = 1,      /* nothing that is trained: outputs, checkpoint timing, device */
    DDAD_TRAINS_MEMBERS = 2,   /* the ensemble members (and so the scores and the refiner) */
    DDAD_TRAINS_REFINER = 4    /* the refiner */
};

void ddad_config_defaults(ddad_config *c);

/* Parses path, applies the --set overrides ("Section.key=value") in order, and validates.
 * Returns 0, or -1 with err filled (code DDAD_EXIT_USAGE). Warnings (such as a data file
 * that does not exist yet) go to log_warn. */
int ddad_config_load(const char *path, const char *const *sets, int nsets, ddad_config *c, ddad_error *err);

/* Checks that need the data file: extra_data against the pool sizes, img_size against the file. */
int ddad_config_check_data(const ddad_config *c, int file_img_size, int64_t pool0, int64_t pool1, ddad_error *err);

/* The readable key of what is trained: "Section.key=value" for every key flagged with one of
 * the `trains` bits (DDAD_TRAINS_MEMBERS, DDAD_TRAINS_REFINER), in table order, separated
 * by spaces; doubles in their shortest exact form. Checkpoints and stage markers carry it, so
 * a resume under a changed key is refused. Returns the length, as snprintf. */
int ddad_config_train_key(const ddad_config *c, unsigned trains, char *buf, size_t n);

/* The effective configuration as YAML (every key, defaults filled in). Returns the length
 * written (truncated to n-1), as snprintf. */
int ddad_config_to_yaml(const ddad_config *c, char *buf, size_t n);

#endif
