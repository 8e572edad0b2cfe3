/* The results file OUT/results.h5 (root attribute kind = "results") and OUT/metrics.json.
 * docs/RESULTS.md describes the layout:
 *   /config                  effective configuration (YAML text); attributes git_rev,
 *                            n_ranks, devices on the root
 *   /timings/<stage>         [ranks x phases] seconds, attribute phases
 *   /members/ndm_<k>, udm_<k> and /refiner: what ddad_paramset_save writes
 *   /losses/members/<name>, /losses/refiner: mean loss per epoch
 *   /scores/test/{names, labels, rec, intra, inter, r_dual | r_intra}
 *   /maps/test/<score>       [n x H x W] when Output.save_maps, with /images/test (uint8)
 *   /metrics/<score>         attributes auc, ap, chi2 (+ pixel_auroc, best_dice) */
#ifndef DDAD_IO_RESULTS_H
#define DDAD_IO_RESULTS_H

#include <hdf5.h>
#include <stdint.h>
#include <stdio.h>

#include "core/error.h"
#include "model/paramset.h"

#define DDAD_MAX_SCORES 8

typedef struct {
    char name[16];          /* rec, intra, inter, r_dual or r_intra */
    float *scores;          /* n image scores */
    float *maps;            /* n x H x W, or NULL */
    double auc, ap, chi2;
    double pixel_auroc, best_dice;   /* NAN without test masks */
} ddad_score_entry;

/* Creates the file (under its temporary name) with kind = "results". */
hid_t ddad_results_create(const char *path, ddad_error *err);
int ddad_results_write_run(hid_t f, const char *config_yaml, const char *git_rev, int n_ranks, const char *devices,
                           ddad_error *err);
/* t: n_ranks x n_phases seconds; phases: comma-separated names. */
int ddad_results_write_timings(hid_t f, const char *stage, const double *t, int n_ranks, int n_phases,
                               const char *phases, ddad_error *err);
/* Peak device memory per rank in one stage (bytes ddad allocated; GPU runs only):
 * /gpu_memory/<stage>, int64 [n_ranks]. */
int ddad_results_write_gpu_peak(hid_t f, const char *stage, const int64_t *bytes, int n_ranks, ddad_error *err);
/* A network under `group` (e.g. "members/ndm_0") and its loss history under losses/<loss_name>. */
int ddad_results_write_network(hid_t f, const char *group, const ddad_paramset *ps, const char *loss_name,
                               const double *loss, int64_t n_loss, ddad_error *err);
/* Names, labels and image scores; with save_maps also creates maps/test/<name>
 * (n x H x W) without writing them: the ranks write their rows with
 * ddad_results_write_map_rows. */
int ddad_results_write_scores(hid_t f, int64_t n, int img_size, const char *names, size_t name_slot,
                              const int8_t *labels, const ddad_score_entry *e, int ne, int save_maps, ddad_error *err);
/* Rows [start, start+count) of maps/test/<name>; dxpl selects collective MPI-IO or not. */
int ddad_results_write_map_rows(hid_t f, const char *name, int64_t start, int64_t count, int img_size,
                                const float *rows, hid_t dxpl, ddad_error *err);
int ddad_results_write_metrics(hid_t f, const ddad_score_entry *e, int ne, ddad_error *err);
/* OUT/metrics.json: {"rec": {"auc": .., "ap": .., "chi2": ..}, ...} (temp name + rename). */
int ddad_results_write_json(const char *path, const ddad_score_entry *e, int ne, ddad_error *err);
void ddad_results_print_table(const ddad_score_entry *e, int ne, FILE *out);

/* `ddad info` for a results file: prints its summary. Returns an exit status. */
int ddad_results_info(const char *path, FILE *out);

#endif
