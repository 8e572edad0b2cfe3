/* Writes a results file in the run layout (/members/ndm_<k>, /members/udm_<k>, /refiner,
 * each through ddad_paramset_save) for the converter test, together with the C networks'
 * eval-mode outputs on a fixed input under /check.
 * usage: write_results RUN_DIR */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/rng.h"
#include "model/ae.h"
#include "model/checkpoint.h"
#include "model/refine.h"
#include "nn/threads.h"

#define B 4
#define S 64

static void write_floats(hid_t loc, const char *name, const float *p, int ndim, const hsize_t *dims)
{
    hid_t sp = H5Screate_simple(ndim, dims, NULL);
    hid_t ds = H5Dcreate2(loc, name, H5T_IEEE_F32LE, sp, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ds < 0 || H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, p) < 0) {
        fprintf(stderr, "write_results: cannot write %s\n", name);
        exit(1);
    }
    H5Dclose(ds);
    H5Sclose(sp);
}

static void save(hid_t parent, const char *name, ddad_paramset *ps)
{
    ddad_error err;
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (g < 0 || ddad_paramset_save(g, ps, 1, &err)) {
        fprintf(stderr, "write_results: saving %s: %s\n", name, g < 0 ? "cannot create group" : err.msg);
        exit(1);
    }
    H5Gclose(g);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: write_results RUN_DIR\n");
        return 2;
    }
    ddad_nn_set_threads(0);
    char path[4096];
    snprintf(path, sizeof path, "%s/results.h5", argv[1]);
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "write_results: cannot create %s\n", path);
        return 1;
    }
    hid_t members = H5Gcreate2(f, "members", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    hid_t check = H5Gcreate2(f, "check", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    static float x[B * S * S], out[B * 2 * S * S];
    ddad_rng r;
    ddad_rng_init(&r, 1, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, 0);
    for (int i = 0; i < B * S * S; i++) x[i] = 2 * ddad_rng_uniformf(&r) - 1;
    hsize_t xd[4] = {B, 1, S, S};
    write_floats(check, "x", x, 4, xd);
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 0.0f);
    /* two NDM members (AE-U) and two UDM members (AE-U), one training step each so that
     * the running statistics and counters are not the defaults */
    for (int m = 0; m < 4; m++) {
        int module = m < 2 ? DDAD_MOD_NDM : DDAD_MOD_UDM, k = m % 2;
        ddad_ae_shape sh = {.img_size = S, .mp = 1, .ls = 16, .unc = 1};
        ddad_ae *ae = ddad_ae_create(&sh, B, 1);
        ddad_ae_init(ae, 42, module, k);
        ddad_ae_train_step(ae, x, B, &opt, NULL);
        char name[32];
        snprintf(name, sizeof name, "%s_%d", module == DDAD_MOD_NDM ? "ndm" : "udm", k);
        save(members, name, ddad_ae_paramset(ae));
        ddad_ae_forward(ae, x, B, 0, out);
        hsize_t od[4] = {B, 2, S, S};
        char oname[48];
        snprintf(oname, sizeof oname, "%s_out", name);
        write_floats(check, oname, out, 4, od);
        ddad_ae_free(ae);
    }
    /* the refiner (dual input) */
    static float rin[B * 2 * S * S], prob[B * S * S];
    static uint8_t tgt[B * S * S];
    for (int i = 0; i < B * 2 * S * S; i++) rin[i] = ddad_rng_uniformf(&r);
    for (int i = 0; i < B * S * S; i++) tgt[i] = ddad_rng_uniformf(&r) < 0.2f;
    ddad_refine *ref = ddad_refine_create(2, S, S, B, 1);
    ddad_refine_init(ref, 42);
    ddad_refine_forward_backward(ref, rin, tgt, B, B, NULL);
    ddad_adam_step(ddad_refine_paramset(ref), &opt);
    save(f, "refiner", ddad_refine_paramset(ref));
    ddad_refine_infer(ref, rin, B, prob);
    hsize_t rd[4] = {B, 2, S, S}, pd[3] = {B, S, S};
    write_floats(check, "refine_in", rin, 4, rd);
    write_floats(check, "refine_prob1", prob, 3, pd);
    ddad_refine_free(ref);
    H5Gclose(check);
    H5Gclose(members);
    H5Fclose(f);
    return 0;
}
