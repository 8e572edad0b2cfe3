#include "data/dataset_storage.h"
#include "data/dataset.h"
#include "data/dataset_layout.h"
#include "io/h5attr.h"

#include <hdf5.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void describe_images(hid_t file, int first_file, ddad_dataset_storage *st)
{
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        char p[256];
        snprintf(p, sizeof p, "%s/images", ddad_split_group(s));
        hid_t ds = H5Dopen2(file, p, H5P_DEFAULT);
        if (ds < 0) continue;
        hid_t space = H5Dget_space(ds);
        hssize_t n = space >= 0 ? H5Sget_simple_extent_npoints(space) : 0;
        if (space >= 0) H5Sclose(space);
        st->image_bytes_raw += n > 0 ? (int64_t)n : 0;
        st->image_bytes_stored += (int64_t)H5Dget_storage_size(ds);
        if (first_file && s == DDAD_SPLIT_NORMAL) {
            hid_t dcpl = H5Dget_create_plist(ds);
            if (dcpl >= 0 && H5Pget_layout(dcpl) == H5D_CHUNKED) {
                hsize_t c[3] = {0, 0, 0};
                if (H5Pget_chunk(dcpl, 3, c) == 3)
                    for (int i = 0; i < 3; i++) st->image_chunk[i] = (int64_t)c[i];
                int nf = H5Pget_nfilters(dcpl);
                for (int i = 0; i < nf; i++) {
                    unsigned flags = 0, vals[4] = {0};
                    size_t nv = 4;
                    char name[64];
                    H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &nv, vals, sizeof name, name, NULL);
                    if (f == H5Z_FILTER_DEFLATE) st->deflate_level = nv > 0 ? (int)vals[0] : 0;
                    if (f == H5Z_FILTER_SHUFFLE) st->shuffle = 1;
                }
            }
            if (dcpl >= 0) H5Pclose(dcpl);
        }
        H5Dclose(ds);
    }
}

int ddad_dataset_get_storage(const char *path, ddad_dataset_storage *st, ddad_error *err)
{
    memset(st, 0, sizeof *st);
    st->deflate_level = -1;
    ddad_h5_quiet();
    hid_t index = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (index < 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: HDF5 cannot open it", path);
    int64_t shards = 0;
    ddad_h5_attr_read_i64(index, "shards", &shards);
    struct stat sb;
    if (stat(path, &sb) == 0) st->bytes_on_disk += (int64_t)sb.st_size;
    st->files = 1;
    if (shards > 1) {
        H5Fclose(index);
        for (int f = 0; f < (int)shards; f++) {
            char sp[4096];
            ddad_shard_path(path, f, (int)shards, sp, sizeof sp);
            if (stat(sp, &sb) == 0) st->bytes_on_disk += (int64_t)sb.st_size;
            hid_t file = H5Fopen(sp, H5F_ACC_RDONLY, H5P_DEFAULT);
            if (file < 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: shard missing or unreadable", sp);
            describe_images(file, f == 0, st);
            H5Fclose(file);
            st->files++;
        }
    } else {
        describe_images(index, 1, st);
        H5Fclose(index);
    }
    return 0;
}
