/* Fuzzes the HDF5 dataset reader (data/dataset*.c): the input is a dataset file, or a recipe
 * for one (fuzz_h5build.h). Opens it
 * as a run and `ddad info` do, then reads labels, names, images and masks of every split
 * (the first and last few items, so that a file claiming millions of images stays fast)
 * and the storage summary. */
#include <stdio.h>
#include <stdlib.h>

#include "data/dataset.h"
#include "data/dataset_storage.h"
#include "fuzz_h5build.h"
#include "fuzz_util.h"

#define ITEMS 4

static void read_split(ddad_dataset *d, int s, int64_t start, int64_t count, const ddad_dataset_info *in)
{
    size_t hw = (size_t)in->img_size * (size_t)in->img_size;
    uint8_t *img = malloc((size_t)count * hw);
    int8_t *lab = malloc((size_t)count);
    char *names = malloc((size_t)count * DDAD_NAME_MAX);
    if (!img || !lab || !names) abort();
    ddad_error err = {0};
    ddad_dataset_read_labels(d, s, start, count, lab, &err);
    ddad_dataset_read_names(d, s, start, count, names, &err);
    ddad_dataset_read_images(d, s, start, count, img, &err);
    if (s == DDAD_SPLIT_TEST && in->has_masks) ddad_dataset_read_masks(d, start, count, img, &err);
    free(img);
    free(lab);
    free(names);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path;
    if (fuzz_h5_is_recipe(data, size)) {
        path = fuzz_write_file("dataset.h5", NULL, 0);
        fuzz_h5_build(data, size, path);
    } else if (fuzz_h5_raw_enabled()) {
        path = fuzz_write_file("dataset.h5", data, size);
    } else {
        return 0;
    }
    ddad_error err = {0};
    ddad_dataset *d = ddad_dataset_open(path, MPI_COMM_NULL, &err);
    if (!d) {
        if (!err.msg[0]) __builtin_trap();
        return 0;
    }
    const ddad_dataset_info *in = ddad_dataset_get_info(d);
    /* The harness's own bound: an image of up to 512x512, a few of them at a time. */
    if (in->img_size <= 512) {
        for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
            int64_t n = in->count[s], head = n < ITEMS ? n : ITEMS;
            if (n < 0) __builtin_trap();   /* the reader must refuse negative counts */
            read_split(d, s, 0, head, in);
            if (n > head) read_split(d, s, n - ITEMS, ITEMS, in);
        }
    }
    ddad_dataset_storage st;
    ddad_dataset_get_storage(path, &st, &err);
    ddad_dataset_close(d);
    return 0;
}
