/* ddad_ae_forward_per_sample: each sample's output of a batched call is bit-identical to
 * a forward of that sample alone, for AE and AE-U, whatever the batch (what keeps the
 * refiner's input independent of how its batch is split across ranks). */
#include <stdlib.h>
#include <string.h>

#include "../test_check.h"
#include "core/rng.h"
#include "model/ae.h"
#include "nn/threads.h"

static void check_case(int unc, int batch)
{
    ddad_ae_shape sh = {.img_size = 32, .mp = 1, .ls = 16, .unc = unc};
    ddad_ae *ae = ddad_ae_create(&sh, batch, 0);
    ddad_ae_init(ae, 5, DDAD_MOD_UDM, 1);
    const size_t hw = 32 * 32, cout = unc ? 2 : 1;
    float *x = malloc(sizeof(float) * batch * hw), *all = malloc(sizeof(float) * batch * cout * hw);
    float *one = malloc(sizeof(float) * cout * hw);
    ddad_rng r;
    ddad_rng_init(&r, 9, DDAD_MOD_DATA, 0, DDAD_RNG_TEST, (uint64_t)batch);
    for (size_t i = 0; i < batch * hw; i++) x[i] = 2.0f * ddad_rng_uniformf(&r) - 1.0f;
    ddad_ae_forward_per_sample(ae, x, batch, all);
    for (int i = 0; i < batch; i++) {
        ddad_ae_forward(ae, x + i * hw, 1, 0, one);
        CHECK(memcmp(one, all + i * cout * hw, sizeof(float) * cout * hw) == 0,
              "unc %d batch %d: sample %d differs from its forward alone", unc, batch, i);
    }
    /* and the same bits for 1 and 2 threads */
    float *again = malloc(sizeof(float) * batch * cout * hw);
    ddad_nn_set_threads(2);
    ddad_ae_forward_per_sample(ae, x, batch, again);
    ddad_nn_set_threads(1);
    CHECK(memcmp(again, all, sizeof(float) * batch * cout * hw) == 0, "unc %d batch %d: 1 vs 2 threads", unc, batch);
    free(x), free(all), free(one), free(again);
    ddad_ae_free(ae);
}

int main(void)
{
    ddad_nn_set_threads(1);
    for (int unc = 0; unc <= 1; unc++) {
        check_case(unc, 3);
        check_case(unc, 8);
    }
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("per-sample AE forwards: bit-identical to each sample alone\n");
    return failures != 0;
}
