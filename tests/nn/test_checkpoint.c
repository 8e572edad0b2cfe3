/* Checkpoints: save (with the Adam state) and load give a bit-identical continuation;
 * loading into a network of another shape fails and names the tensor. */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/rng.h"
#include "model/ae.h"
#include "model/checkpoint.h"
#include "nn/threads.h"

static ddad_ae *make(int ls)
{
    ddad_ae_shape sh = {.img_size = 32, .mp = 0.5, .ls = ls, .unc = 0};
    ddad_ae *ae = ddad_ae_create(&sh, 4, 1);
    ddad_ae_init(ae, 3, DDAD_MOD_NDM, 0);
    return ae;
}

int main(void)
{
    ddad_nn_set_threads(0);
    char path[] = "/tmp/ddad_ckpt_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    close(fd);
    int fail = 0;
    float x[4 * 32 * 32];
    ddad_rng r;
    ddad_rng_init(&r, 1, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, 0);
    for (int i = 0; i < 4 * 32 * 32; i++) x[i] = 2 * ddad_rng_uniformf(&r) - 1;
    ddad_adam_cfg opt = ddad_adam_defaults(5e-4f, 0.0f);

    ddad_ae *a = make(8);
    for (int s = 0; s < 2; s++) ddad_ae_train_step(a, x, 4, &opt, NULL);
    ddad_error err;
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    hid_t g = H5Gcreate2(f, "net", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    if (ddad_paramset_save(g, ddad_ae_paramset(a), 1, &err)) {
        printf("save failed: %s\n", err.msg);
        return 1;
    }
    H5Gclose(g);
    H5Fclose(f);
    for (int s = 0; s < 2; s++) ddad_ae_train_step(a, x, 4, &opt, NULL);

    ddad_ae *b = make(8);
    ddad_ae_init(b, 99, DDAD_MOD_NDM, 0);   /* different weights, overwritten by the load */
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    g = H5Gopen2(f, "net", H5P_DEFAULT);
    if (ddad_paramset_load(g, ddad_ae_paramset(b), 1, &err)) {
        printf("load failed: %s\n", err.msg);
        return 1;
    }
    ddad_paramset *pb = ddad_ae_paramset(b), *pa = ddad_ae_paramset(a);
    int ok = pb->step == 2 && pb->num_batches_tracked == 2;
    printf("loaded step %lld, num_batches_tracked %lld: %s\n", (long long)pb->step, (long long)pb->num_batches_tracked,
           ok ? "ok" : "FAIL");
    fail |= !ok;
    for (int s = 0; s < 2; s++) ddad_ae_train_step(b, x, 4, &opt, NULL);
    ok = memcmp(pa->params, pb->params, sizeof(float) * pa->n_params) == 0 &&
         memcmp(pa->buffers, pb->buffers, sizeof(float) * pa->n_buffers) == 0 &&
         memcmp(pa->adam_v, pb->adam_v, sizeof(float) * pa->n_params) == 0;
    printf("resumed run continues bit-identically: %s\n", ok ? "ok" : "FAIL");
    fail |= !ok;

    /* a network with another latent size: the load names the mismatching tensors */
    ddad_ae *c = make(9);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    int rc = ddad_paramset_load(g, ddad_ae_paramset(c), 1, &err);
    ok = rc == -1 && err.code == DDAD_EXIT_USAGE && strstr(err.msg, "linear_enc.3.weight") &&
         strstr(err.msg, "optimizer/exp_avg");
    printf("shape mismatch reported: %s\n  %s\n", ok ? "ok" : "FAIL", rc ? err.msg : "(no error)");
    fail |= !ok;
    H5Gclose(g);
    H5Fclose(f);
    unlink(path);
    ddad_ae_free(a);
    ddad_ae_free(b);
    ddad_ae_free(c);
    return fail;
}
