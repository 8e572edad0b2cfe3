#include "data/ocssl.h"

#include <stdlib.h>

#include "core/rng.h"
#include "core/util.h"

void ddad_ocssl_counts(int extra_data, double ar, int64_t *normal_num, int64_t *abnormal_num)
{
    if (extra_data <= 0) {
        *normal_num = *abnormal_num = 0;
        return;
    }
    /* Python's int(): truncation of the double product. */
    *abnormal_num = (int64_t)((double)extra_data * ar);
    *normal_num = extra_data - *abnormal_num;
}

int ddad_ocssl_load(ddad_dataset *ds, int module, int extra_data, double ar, uint8_t **images, int64_t *n,
                    ddad_error *err)
{
    const ddad_dataset_info *info = ddad_dataset_get_info(ds);
    size_t hw = (size_t)info->img_size * (size_t)info->img_size;
    int64_t n_normal = info->count[DDAD_SPLIT_NORMAL], p0 = 0, p1 = 0;
    if (module == DDAD_MOD_UDM) ddad_ocssl_counts(extra_data, ar, &p0, &p1);
    if (n_normal < 1) return ddad_error_set(err, DDAD_EXIT_USAGE, "the dataset has no normal training images");
    if (p0 > info->count[DDAD_SPLIT_POOL0] || p1 > info->count[DDAD_SPLIT_POOL1])
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "Data.extra_data = %d with Data.ar = %g needs %lld images of pool 0 and %lld of "
                              "pool 1, but the dataset has %lld and %lld: lower Data.extra_data",
                              extra_data, ar, (long long)p0, (long long)p1,
                              (long long)info->count[DDAD_SPLIT_POOL0], (long long)info->count[DDAD_SPLIT_POOL1]);
    int64_t total = n_normal + p0 + p1;
    uint8_t *buf = ddad_malloc_aligned((size_t)total * hw, "training images");
    if (ddad_dataset_read_images(ds, DDAD_SPLIT_NORMAL, 0, n_normal, buf, err) != 0) goto fail;
    if (p0 > 0 && ddad_dataset_read_images(ds, DDAD_SPLIT_POOL0, 0, p0, buf + (size_t)n_normal * hw, err) != 0)
        goto fail;
    if (p1 > 0 && ddad_dataset_read_images(ds, DDAD_SPLIT_POOL1, 0, p1, buf + (size_t)(n_normal + p0) * hw, err) != 0)
        goto fail;
    *images = buf;
    *n = total;
    return 0;
fail:
    free(buf);
    return -1;
}
