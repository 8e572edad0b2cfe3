/* Checks that a recipe seed builds a file ddad's reader accepts, so the fuzzer starts from
 * valid files:  fuzz_recipe_check dataset|checkpoint RECIPE  (exit 0 when the reader accepts). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data/dataset.h"
#include "fuzz_h5build.h"
#include "fuzz_net.h"
#include "fuzz_util.h"
#include "pipeline/ckpt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { (void)data; (void)size; return 0; }

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: fuzz_recipe_check dataset|checkpoint RECIPE\n");
        return 2;
    }
    FILE *f = fopen(argv[2], "rb");
    static uint8_t buf[1 << 20];
    size_t n = f ? fread(buf, 1, sizeof buf, f) : 0;
    if (!f || !fuzz_h5_is_recipe(buf, n)) {
        fprintf(stderr, "%s: not a recipe\n", argv[2]);
        return 2;
    }
    fclose(f);
    const char *path = fuzz_write_file("built.h5", NULL, 0);
    fuzz_h5_build(buf, n, path);
    ddad_error err = {0};
    int rc = -1;
    if (!strcmp(argv[1], "dataset")) {
        ddad_dataset *d = ddad_dataset_open(path, MPI_COMM_NULL, &err);
        if (d) {
            const ddad_dataset_info *in = ddad_dataset_get_info(d);
            printf("dataset: img_size %d, counts %lld %lld %lld %lld, masks %d\n", in->img_size,
                   (long long)in->count[0], (long long)in->count[1], (long long)in->count[2], (long long)in->count[3],
                   in->has_masks);
            ddad_dataset_close(d);
            rc = 0;
        }
    } else {
        ddad_paramset ps;
        fuzz_net_build(&ps, 1);
        ddad_train_state st;
        ddad_train_state_init(&st, FUZZ_EPOCHS);
        rc = ddad_ckpt_load(path, FUZZ_KEY_MEMBERS, &ps, 1, &st, "", &err);
        if (rc == 0) printf("checkpoint: epoch %lld, batch %lld, step %lld\n", (long long)st.epoch, (long long)st.batch,
                            (long long)ps.step);
        ddad_train_state_free(&st);
        ddad_paramset_release(&ps);
    }
    if (rc) fprintf(stderr, "%s: %s\n", argv[2], err.msg);
    return rc ? 1 : 0;
}
