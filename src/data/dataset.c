/* Reading dataset files: a single file, or an index file plus shards (docs/FORMATS.md). */
#include "data/dataset.h"
#include "data/dataset_layout.h"
#include "io/h5attr.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

enum { DS_IMAGES = 0, DS_LABELS = 1, DS_NAMES = 2, DS_MASKS = 3, DS_COUNT = 4 };

typedef struct {
    hid_t file;
    hid_t ds[DDAD_NUM_SPLITS][DS_COUNT];
    int64_t first[DDAD_NUM_SPLITS], count[DDAD_NUM_SPLITS];
} in_file;

struct ddad_dataset {
    ddad_dataset_info info;
    char path[4096];
    int nfiles;
    in_file *files;
    hid_t dxpl;
    hid_t name_type;
    int collective;
};

static hid_t make_fapl(MPI_Comm comm, int *collective)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl < 0) return -1;
    *collective = 0;
#if H5_VERSION_GE(1, 10, 7)
    /* Use file locks where the file system has them, and go on without where it does not. */
    H5Pset_file_locking(fapl, 1, 1);
#endif
#ifdef DDAD_HDF5_PARALLEL
    int init = 0, fin = 0;
    MPI_Initialized(&init);
    MPI_Finalized(&fin);
    if (comm != MPI_COMM_NULL && init && !fin) {
        if (H5Pset_fapl_mpio(fapl, comm, MPI_INFO_NULL) < 0) {
            H5Pclose(fapl);
            return -1;
        }
        *collective = 1;
    }
#else
    (void)comm;
#endif
    return fapl;
}

static int read_info(hid_t file, const char *path, ddad_dataset_info *info, int64_t *shards, ddad_error *err)
{
    char kind[64];
    int64_t v = 0;
    if (ddad_h5_attr_read_str(file, "kind", kind, sizeof kind) < 0 || strcmp(kind, DDAD_DATASET_KIND) != 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s is not a ddad dataset file (root attribute kind=\"%s\", expected \"%s\"); "
                              "make one with 'ddad prepare' or 'ddad synth'",
                              path, kind, DDAD_DATASET_KIND);
    if (ddad_h5_attr_read_i64(file, "format_version", &v) < 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: missing attribute format_version", path);
    if (v != DDAD_DATASET_FORMAT_VERSION)
        return ddad_error_set(err, DDAD_EXIT_USAGE,
                              "%s has dataset format version %lld; this ddad reads version %d: prepare it again",
                              path, (long long)v, DDAD_DATASET_FORMAT_VERSION);
    info->format_version = (int)v;
    if (ddad_h5_attr_read_i64(file, "img_size", &v) < 0 || v < 1 || v > 65536)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: missing or invalid attribute img_size", path);
    info->img_size = (int)v;
    if (ddad_h5_attr_read_i64_array(file, "counts", info->count, DDAD_NUM_SPLITS) < 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: missing attribute counts", path);
    if (ddad_h5_attr_read_i64(file, "shards", shards) < 0 || *shards < 0 || *shards > DDAD_MAX_SHARDS)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: missing or invalid attribute shards", path);
    if (ddad_h5_attr_read_i64(file, "has_masks", &v) < 0)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: missing attribute has_masks", path);
    info->has_masks = v != 0;
    ddad_h5_attr_read_str(file, "source", info->source, sizeof info->source);
    ddad_h5_attr_read_str(file, "tool_version", info->tool_version, sizeof info->tool_version);
    ddad_h5_attr_read_str(file, "created", info->created, sizeof info->created);
    info->digest[0] = '\0';
    htri_t has_digest = H5Aexists(file, "digest");
    if (has_digest < 0 ||
        (has_digest > 0 && ddad_h5_attr_read_str(file, "digest", info->digest, sizeof info->digest) < 0))
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: unreadable attribute digest", path);
    return 0;
}

static hid_t open_checked(const char *path, hid_t fapl, ddad_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        ddad_error_set(err, DDAD_EXIT_USAGE, "cannot open dataset %s: no such file or not readable "
                                             "(make it with 'ddad prepare' or 'ddad synth')", path);
        return -1;
    }
    fclose(f);
    hid_t file = H5Fopen(path, H5F_ACC_RDONLY, fapl);
    if (file < 0) ddad_error_set(err, DDAD_EXIT_USAGE, "%s is not a readable HDF5 file", path);
    return file;
}

/* The element type and chunking of dataset k must be what the writer makes: 1-byte
 * integers or names of at most DDAD_NAME_MAX bytes, in chunks of at most one item or 1 MiB.
 * A damaged file could otherwise make HDF5 allocate gigabytes for a chunk or a conversion. */
static int check_storage(hid_t ds, int k, hsize_t item_bytes, const char *path, const char *p, ddad_error *err)
{
    hid_t t = H5Dget_type(ds);
    H5T_class_t cls = t >= 0 ? H5Tget_class(t) : H5T_NO_CLASS;
    size_t tsize = t >= 0 ? H5Tget_size(t) : 0;
    int vlen = t >= 0 && cls == H5T_STRING && H5Tis_variable_str(t) > 0;
    if (t >= 0) H5Tclose(t);
    int type_ok = k == DS_NAMES ? cls == H5T_STRING && !vlen && tsize >= 1 && tsize <= DDAD_NAME_MAX
                                : cls == H5T_INTEGER && tsize == 1;
    if (!type_ok)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: dataset %s has the wrong element type (%s expected): "
                              "the file is damaged or was not written by ddad; prepare it again", path, p,
                              k == DS_NAMES ? "fixed-length strings" : "8-bit integers");
    hid_t dcpl = H5Dget_create_plist(ds);
    if (dcpl < 0) return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: cannot read the storage of dataset %s", path, p);
    double bytes = 0;
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t c[H5S_MAX_RANK];
        int nd = H5Pget_chunk(dcpl, H5S_MAX_RANK, c);
        bytes = (double)tsize;
        for (int i = 0; i < nd; i++) bytes *= (double)c[i];
    }
    H5Pclose(dcpl);
    /* What the file says the data takes on disk bounds what HDF5 reads and allocates: more
     * than twice the raw size (plus slack for tiny chunks) is a damaged chunk index. */
    hid_t space = H5Dget_space(ds);
    hssize_t npoints = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (space >= 0) H5Sclose(space);
    double raw = npoints > 0 ? (double)npoints * (double)tsize : 0, stored = (double)H5Dget_storage_size(ds);
    if (stored > 2 * raw + (double)(1 << 16))
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: dataset %s takes %.0f bytes on disk for %.0f bytes of data: "
                              "the file is damaged; prepare it again", path, p, stored, raw);
    double limit = (double)item_bytes > (double)(1 << 20) ? (double)item_bytes : (double)(1 << 20);
    if (bytes > limit)
        return ddad_error_set(err, DDAD_EXIT_USAGE, "%s: dataset %s is stored in chunks of %.0f bytes, more than "
                              "ddad writes (%.0f): the file is damaged; prepare it again", path, p, bytes, limit);
    return 0;
}

/* Opens the datasets of one data file and checks their shapes against the index. */
static int open_sets(ddad_dataset *d, in_file *in, const char *path, ddad_error *err)
{
    const hsize_t H = (hsize_t)d->info.img_size;
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    if (dapl < 0) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5 property list");
    H5Pset_chunk_cache(dapl, 521, (size_t)16 << 20, 1.0);
    int rc = 0;
    static const char *const leaf[DS_COUNT] = {"images", "labels", "names", "masks"};
    for (int s = 0; s < DDAD_NUM_SPLITS && rc == 0; s++)
        for (int k = 0; k < DS_COUNT && rc == 0; k++) {
            if (k == DS_MASKS && !(s == DDAD_SPLIT_TEST && d->info.has_masks)) continue;
            char p[256];
            snprintf(p, sizeof p, "%s/%s", ddad_split_group(s), leaf[k]);
            hid_t ds = H5Dopen2(in->file, p, dapl);
            if (ds < 0) {
                rc = ddad_error_set(err, DDAD_EXIT_USAGE, "%s: dataset %s is missing", path, p);
                break;
            }
            in->ds[s][k] = ds;
            if ((rc = check_storage(ds, k, (k == DS_IMAGES || k == DS_MASKS) ? H * H : 1, path, p, err)) < 0) break;
            hid_t space = H5Dget_space(ds);
            hsize_t dims[3] = {0, 0, 0};
            int rank = H5Sget_simple_extent_ndims(space);
            int want_rank = (k == DS_IMAGES || k == DS_MASKS) ? 3 : 1;
            if (rank == want_rank) H5Sget_simple_extent_dims(space, dims, NULL);
            H5Sclose(space);
            if (rank != want_rank || dims[0] != (hsize_t)in->count[s] || (want_rank == 3 && (dims[1] != H || dims[2] != H)))
                rc = ddad_error_set(err, DDAD_EXIT_USAGE,
                                    "%s: dataset %s has the wrong shape (expected %lld items of %dx%d)", path, p,
                                    (long long)in->count[s], d->info.img_size, d->info.img_size);
        }
    H5Pclose(dapl);
    return rc;
}

static void init_in(in_file *in)
{
    in->file = -1;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++)
        for (int k = 0; k < DS_COUNT; k++) in->ds[s][k] = -1;
}

ddad_dataset *ddad_dataset_open(const char *path, MPI_Comm comm, ddad_error *err)
{
    ddad_h5_quiet();
    ddad_dataset *d = ddad_calloc(1, sizeof *d, "dataset");
    snprintf(d->path, sizeof d->path, "%s", path);
    d->dxpl = -1;
    d->name_type = -1;
    int collective = 0;
    hid_t fapl = make_fapl(comm, &collective);
    if (fapl < 0) {
        ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot set up HDF5 file access for %s", path);
        free(d);
        return NULL;
    }
    d->collective = collective;
    int64_t shards = 0;
    hid_t index = open_checked(path, fapl, err);
    if (index < 0) goto fail_early;
    if (read_info(index, path, &d->info, &shards, err) < 0) {
        H5Fclose(index);
        goto fail_early;
    }
    d->nfiles = shards > 1 ? (int)shards : 1;
    d->files = ddad_calloc((size_t)d->nfiles, sizeof *d->files, "dataset files");
    for (int f = 0; f < d->nfiles; f++) init_in(&d->files[f]);
    if (shards > 1) {
        H5Fclose(index);
        for (int f = 0; f < d->nfiles; f++) {
            char sp[4096];
            ddad_shard_path(path, f, d->nfiles, sp, sizeof sp);
            in_file *in = &d->files[f];
            if ((in->file = open_checked(sp, fapl, err)) < 0) goto fail;
            int64_t first[DDAD_NUM_SPLITS], shard = -1;
            if (ddad_h5_attr_read_i64(in->file, "shard", &shard) < 0 || shard != f ||
                ddad_h5_attr_read_i64_array(in->file, "shard_first", first, DDAD_NUM_SPLITS) < 0) {
                ddad_error_set(err, DDAD_EXIT_USAGE, "%s is not shard %d of %s", sp, f, path);
                goto fail;
            }
            for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
                ddad_shard_range(d->info.count[s], f, d->nfiles, &in->first[s], &in->count[s]);
                if (first[s] != in->first[s]) {
                    ddad_error_set(err, DDAD_EXIT_USAGE, "%s does not belong to %s (different split sizes)", sp, path);
                    goto fail;
                }
            }
            if (open_sets(d, in, sp, err) < 0) goto fail;
        }
    } else {
        in_file *in = &d->files[0];
        in->file = index;
        for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
            in->first[s] = 0;
            in->count[s] = d->info.count[s];
        }
        if (open_sets(d, in, path, err) < 0) goto fail;
    }
    H5Pclose(fapl);
    fapl = -1;
    d->dxpl = H5Pcreate(H5P_DATASET_XFER);
    d->name_type = H5Tcopy(H5T_C_S1);
    if (d->dxpl < 0 || d->name_type < 0 || H5Tset_size(d->name_type, DDAD_NAME_MAX) < 0 ||
        H5Tset_strpad(d->name_type, H5T_STR_NULLTERM) < 0) {
        ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5 transfer properties");
        goto fail;
    }
#ifdef DDAD_HDF5_PARALLEL
    if (d->collective && H5Pset_dxpl_mpio(d->dxpl, H5FD_MPIO_COLLECTIVE) < 0) {
        ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot request collective MPI-IO transfers");
        goto fail;
    }
#endif
    return d;
fail:
    if (fapl >= 0) H5Pclose(fapl);
    ddad_dataset_close(d);
    return NULL;
fail_early:
    H5Pclose(fapl);
    free(d);
    return NULL;
}

const ddad_dataset_info *ddad_dataset_get_info(const ddad_dataset *d)
{
    return &d->info;
}

int ddad_dataset_is_collective(const ddad_dataset *d)
{
    return d->collective;
}

void ddad_dataset_close(ddad_dataset *d)
{
    if (!d) return;
    for (int f = 0; f < d->nfiles; f++) {
        in_file *in = &d->files[f];
        for (int s = 0; s < DDAD_NUM_SPLITS; s++)
            for (int k = 0; k < DS_COUNT; k++)
                if (in->ds[s][k] >= 0) H5Dclose(in->ds[s][k]);
        if (in->file >= 0) H5Fclose(in->file);
    }
    if (d->dxpl >= 0) H5Pclose(d->dxpl);
    if (d->name_type >= 0) H5Tclose(d->name_type);
    free(d->files);
    free(d);
}

/* Reads items [start, start+count) of dataset k of split s from the files that hold them.
 * With collective transfers every file is read by every rank, with an empty selection where
 * this rank needs nothing, so all ranks make the same calls. */
static int read_range(ddad_dataset *d, int s, int k, int64_t start, int64_t count, hid_t memtype, void *out,
                      size_t item_bytes, ddad_error *err)
{
    if (s < 0 || s >= DDAD_NUM_SPLITS)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "dataset read: no split %d", s);
    if (start < 0 || count < 0 || start + count > d->info.count[s])
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "dataset read out of range: %s [%lld, %lld) of %lld in %s",
                              ddad_split_name(s), (long long)start, (long long)(start + count),
                              (long long)d->info.count[s], d->path);
    for (int f = 0; f < d->nfiles; f++) {
        in_file *in = &d->files[f];
        int64_t a = start > in->first[s] ? start : in->first[s];
        int64_t b = start + count < in->first[s] + in->count[s] ? start + count : in->first[s] + in->count[s];
        if (b < a) b = a;
        if (b == a && (!d->collective || in->count[s] == 0)) continue;
        hid_t ds = in->ds[s][k];
        hid_t fspace = H5Dget_space(ds);
        int rank = H5Sget_simple_extent_ndims(fspace);
        hsize_t dims[3] = {0, 0, 0};
        H5Sget_simple_extent_dims(fspace, dims, NULL);
        hsize_t off[3] = {(hsize_t)(a - in->first[s]), 0, 0}, cnt[3] = {(hsize_t)(b - a), dims[1], dims[2]};
        hsize_t nelem = cnt[0];
        for (int i = 1; i < rank; i++) nelem *= cnt[i];
        /* The memory space has the file selection's shape: HDF5 then copies whole chunks
         * instead of mapping element by element. */
        hsize_t mdims[3] = {cnt[0] > 0 ? cnt[0] : 1, cnt[1], cnt[2]};
        hid_t mspace = H5Screate_simple(rank, mdims, NULL);
        int ok = fspace >= 0 && mspace >= 0;
        if (ok && nelem == 0) {
            ok = H5Sselect_none(fspace) >= 0 && H5Sselect_none(mspace) >= 0;
        } else if (ok) {
            ok = H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0;
        }
        if (ok) ok = H5Dread(ds, memtype, mspace, fspace, d->dxpl, (char *)out + (size_t)(a - start) * item_bytes) >= 0;
        if (mspace >= 0) H5Sclose(mspace);
        if (fspace >= 0) H5Sclose(fspace);
        if (!ok)
            return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot read %s of %s from %s (file damaged?)",
                                  k == DS_IMAGES ? "images" : k == DS_LABELS ? "labels" : k == DS_NAMES ? "names" : "masks",
                                  ddad_split_name(s), d->path);
    }
    return 0;
}

int ddad_dataset_read_images(ddad_dataset *d, int split, int64_t start, int64_t count, uint8_t *out, ddad_error *err)
{
    size_t bytes = (size_t)d->info.img_size * (size_t)d->info.img_size;
    return read_range(d, split, DS_IMAGES, start, count, H5T_NATIVE_UINT8, out, bytes, err);
}

int ddad_dataset_read_labels(ddad_dataset *d, int split, int64_t start, int64_t count, int8_t *out, ddad_error *err)
{
    return read_range(d, split, DS_LABELS, start, count, H5T_NATIVE_INT8, out, 1, err);
}

int ddad_dataset_read_names(ddad_dataset *d, int split, int64_t start, int64_t count, char *out, ddad_error *err)
{
    if (read_range(d, split, DS_NAMES, start, count, d->name_type, out, DDAD_NAME_MAX, err) < 0) return -1;
    for (int64_t i = 0; i < count; i++) out[i * DDAD_NAME_MAX + DDAD_NAME_MAX - 1] = '\0';
    return 0;
}

int ddad_dataset_read_masks(ddad_dataset *d, int64_t start, int64_t count, uint8_t *out, ddad_error *err)
{
    if (!d->info.has_masks)
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "%s has no test masks", d->path);
    size_t bytes = (size_t)d->info.img_size * (size_t)d->info.img_size;
    return read_range(d, DDAD_SPLIT_TEST, DS_MASKS, start, count, H5T_NATIVE_UINT8, out, bytes, err);
}
