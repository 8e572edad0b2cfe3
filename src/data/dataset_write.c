#include "data/dataset_write.h"
#include "data/dataset_layout.h"
#include "io/h5attr.h"

#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/free_space.h"
#include "core/util.h"
#include "ddad_version.h"

#define PREPARE_WRITE_ADVICE \
    "If the disk is full, free space there (or write elsewhere) and run the command again; nothing was written"

enum { DS_IMAGES = 0, DS_LABELS = 1, DS_NAMES = 2, DS_MASKS = 3, DS_COUNT = 4 };

typedef struct {
    char tmp[4096], final[4096];
    hid_t file;
    hid_t ds[DDAD_NUM_SPLITS][DS_COUNT];
    int64_t first[DDAD_NUM_SPLITS], count[DDAD_NUM_SPLITS];
} out_file;

struct ddad_dataset_writer {
    ddad_dataset_spec spec;
    char source[512];
    int nfiles;              /* data files */
    out_file *files;
    out_file index;          /* only when sharded */
    int sharded;
    hid_t name_type;
};

static int64_t chunk_items(int64_t n, int64_t item_bytes)
{
    int64_t c = (int64_t)(1 << 20) / (item_bytes > 0 ? item_bytes : 1);
    if (c > DDAD_CHUNK_IMAGES) c = DDAD_CHUNK_IMAGES;
    if (c < 1) c = 1;
    return c < n ? c : n;
}

/* A dataset of n items of `dims_tail` shape; chunked + deflated (level > 0) unless empty. */
static hid_t create_ds(hid_t file, const char *path, hid_t type, int64_t n, int rank_tail, const hsize_t *tail,
                       int64_t item_bytes, int64_t chunk_n, int level)
{
    hsize_t dims[3] = {(hsize_t)n, 0, 0};
    for (int i = 0; i < rank_tail; i++) dims[1 + i] = tail[i];
    hid_t space = H5Screate_simple(1 + rank_tail, dims, NULL);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t dapl = H5Pcreate(H5P_DATASET_ACCESS);
    hid_t ds = -1;
    if (space < 0 || lcpl < 0 || dcpl < 0 || dapl < 0) goto done;
    if (H5Pset_create_intermediate_group(lcpl, 1) < 0) goto done;
    if (n > 0 && chunk_n > 0) {
        hsize_t chunk[3] = {(hsize_t)(chunk_n < n ? chunk_n : n), dims[1], dims[2]};
        if (H5Pset_chunk(dcpl, 1 + rank_tail, chunk) < 0) goto done;
        if (level > 0 && H5Pset_deflate(dcpl, (unsigned)level) < 0) goto done;
        size_t cache = (size_t)(chunk[0] * (hsize_t)item_bytes) * 4;
        if (cache < ((size_t)1 << 20)) cache = (size_t)1 << 20;
        if (H5Pset_chunk_cache(dapl, 521, cache, 1.0) < 0) goto done;
    }
    ds = H5Dcreate2(file, path, type, space, lcpl, dcpl, dapl);
done:
    if (dapl >= 0) H5Pclose(dapl);
    if (dcpl >= 0) H5Pclose(dcpl);
    if (lcpl >= 0) H5Pclose(lcpl);
    if (space >= 0) H5Sclose(space);
    return ds;
}

static int write_root_attrs(hid_t file, const ddad_dataset_writer *w, const char *kind, const char *created)
{
    const ddad_dataset_spec *s = &w->spec;
    if (ddad_h5_attr_write_str(file, "kind", kind) < 0) return -1;
    if (ddad_h5_attr_write_i64(file, "format_version", DDAD_DATASET_FORMAT_VERSION) < 0) return -1;
    if (ddad_h5_attr_write_i64(file, "img_size", s->img_size) < 0) return -1;
    if (ddad_h5_attr_write_str(file, "source", w->source) < 0) return -1;
    if (ddad_h5_attr_write_str(file, "tool_version", DDAD_VERSION) < 0) return -1;
    if (ddad_h5_attr_write_str(file, "created", created) < 0) return -1;
    if (ddad_h5_attr_write_i64_array(file, "counts", s->count, DDAD_NUM_SPLITS) < 0) return -1;
    if (ddad_h5_attr_write_i64(file, "shards", w->sharded ? s->shards : 0) < 0) return -1;
    if (ddad_h5_attr_write_i64(file, "has_masks", s->with_masks ? 1 : 0) < 0) return -1;
    return 0;
}

static int open_out(out_file *o, const char *final, ddad_error *err)
{
    snprintf(o->final, sizeof o->final, "%s", final);
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", final);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        if (ddad_mkdirs(dir) < 0)
            return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot create the directory %s: %s", dir, strerror(errno));
    }
    ddad_tmp_path(final, o->tmp, sizeof o->tmp);
    o->file = H5Fcreate(o->tmp, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (o->file < 0) {
        ddad_tmpfile_unregister(o->tmp);
        return ddad_error_write_failed(err, final, "cannot create its temporary file; is the directory writable?",
                                       PREPARE_WRITE_ADVICE);
    }
    return 0;
}

static int create_data_sets(ddad_dataset_writer *w, out_file *o, ddad_error *err)
{
    const int64_t H = w->spec.img_size;
    const hsize_t tail[2] = {(hsize_t)H, (hsize_t)H};
    int level = w->spec.deflate;
    int names_level = level > 0 ? level : 1;   /* zero-padded names always compress well */
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        const char *g = ddad_split_group(s);
        char p[256];
        int64_t n = o->count[s];
        snprintf(p, sizeof p, "%s/images", g);
        o->ds[s][DS_IMAGES] = create_ds(o->file, p, H5T_STD_U8LE, n, 2, tail, H * H, chunk_items(n, H * H), level);
        snprintf(p, sizeof p, "%s/labels", g);
        o->ds[s][DS_LABELS] = create_ds(o->file, p, H5T_STD_I8LE, n, 0, NULL, 1, 0, 0);
        snprintf(p, sizeof p, "%s/names", g);
        o->ds[s][DS_NAMES] = create_ds(o->file, p, w->name_type, n, 0, NULL, DDAD_NAME_MAX,
                                       n < 1024 ? n : 1024, names_level);
        const int masks = s == DDAD_SPLIT_TEST && w->spec.with_masks;
        o->ds[s][DS_MASKS] = -1;
        if (masks) {
            snprintf(p, sizeof p, "%s/masks", g);
            o->ds[s][DS_MASKS] = create_ds(o->file, p, H5T_STD_U8LE, n, 2, tail, H * H, chunk_items(n, H * H),
                                           level > 0 ? level : 1);
        }
        for (int k = 0; k < (masks ? DS_COUNT : DS_MASKS); k++)
            if (o->ds[s][k] < 0)
                return ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot create the datasets of %s in %s", g, o->tmp);
    }
    return 0;
}

/* Closes the datasets and the file; -1 when a close failed (a close writes what HDF5 still
 * caches, so after ENOSPC this is where a full disk shows). */
static int close_out(out_file *o)
{
    int rc = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++)
        for (int k = 0; k < DS_COUNT; k++)
            if (o->ds[s][k] >= 0) {
                if (H5Dclose(o->ds[s][k]) < 0) rc = -1;
                o->ds[s][k] = -1;
            }
    if (o->file >= 0) {
        if (H5Fclose(o->file) < 0) rc = -1;
        o->file = -1;
    }
    return rc;
}

static void init_out(out_file *o)
{
    memset(o, 0, sizeof *o);
    o->file = -1;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++)
        for (int k = 0; k < DS_COUNT; k++) o->ds[s][k] = -1;
}

ddad_dataset_writer *ddad_dataset_create(const char *path, const ddad_dataset_spec *spec, ddad_error *err)
{
    if (spec->img_size < 1) {
        ddad_error_set(err, DDAD_EXIT_USAGE, "img_size must be positive (got %d)", spec->img_size);
        return NULL;
    }
    if (spec->shards < 0 || spec->shards > DDAD_MAX_SHARDS) {
        ddad_error_set(err, DDAD_EXIT_USAGE, "shards must be between 1 and %d (got %d)", DDAD_MAX_SHARDS,
                       spec->shards);
        return NULL;
    }
    ddad_h5_quiet();
    ddad_dataset_writer *w = ddad_calloc(1, sizeof *w, "dataset writer");
    w->spec = *spec;
    snprintf(w->source, sizeof w->source, "%s", spec->source ? spec->source : "");
    w->spec.source = w->source;
    w->sharded = spec->shards > 1;
    w->nfiles = w->sharded ? spec->shards : 1;
    w->files = ddad_calloc((size_t)w->nfiles, sizeof *w->files, "dataset writer files");
    init_out(&w->index);
    for (int f = 0; f < w->nfiles; f++) init_out(&w->files[f]);
    w->name_type = H5Tcopy(H5T_C_S1);
    if (w->name_type < 0 || H5Tset_size(w->name_type, DDAD_NAME_MAX) < 0 ||
        H5Tset_strpad(w->name_type, H5T_STR_NULLTERM) < 0) {
        ddad_error_set(err, DDAD_EXIT_RUNTIME, "HDF5 string type for names");
        goto fail;
    }
    char created[64];
    ddad_utc_now(created, sizeof created);
    if (w->sharded) {
        if (open_out(&w->index, path, err) < 0) goto fail;
        if (write_root_attrs(w->index.file, w, DDAD_DATASET_KIND, created) < 0) {
            ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot write attributes to %s", w->index.tmp);
            goto fail;
        }
    }
    for (int f = 0; f < w->nfiles; f++) {
        out_file *o = &w->files[f];
        char final[4096];
        if (w->sharded)
            ddad_shard_path(path, f, w->nfiles, final, sizeof final);
        else
            snprintf(final, sizeof final, "%s", path);
        for (int s = 0; s < DDAD_NUM_SPLITS; s++) ddad_shard_range(spec->count[s], f, w->nfiles, &o->first[s], &o->count[s]);
        if (open_out(o, final, err) < 0) goto fail;
        int rc = write_root_attrs(o->file, w, w->sharded ? "dataset-shard" : DDAD_DATASET_KIND, created);
        if (rc == 0 && w->sharded) {
            rc = ddad_h5_attr_write_i64(o->file, "shard", f);
            if (rc == 0) rc = ddad_h5_attr_write_i64_array(o->file, "shard_first", o->first, DDAD_NUM_SPLITS);
        }
        if (rc < 0) {
            ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot write attributes to %s", o->tmp);
            goto fail;
        }
        if (create_data_sets(w, o, err) < 0) goto fail;
    }
    return w;
fail:
    ddad_dataset_discard(w);
    return NULL;
}

/* Writes items [start, start+count) of dataset k of split s, routed to the files holding them. */
static int write_range(ddad_dataset_writer *w, int s, int k, int64_t start, int64_t count, hid_t memtype,
                       const void *buf, size_t item_bytes, ddad_error *err)
{
    if (s < 0 || s >= DDAD_NUM_SPLITS || start < 0 || count < 0 || start + count > w->spec.count[s])
        return ddad_error_set(err, DDAD_EXIT_RUNTIME, "dataset write out of range: split %d [%lld, +%lld) of %lld",
                              s, (long long)start, (long long)count, (long long)w->spec.count[s]);
    for (int f = 0; f < w->nfiles; f++) {
        out_file *o = &w->files[f];
        int64_t a = start > o->first[s] ? start : o->first[s];
        int64_t b = start + count < o->first[s] + o->count[s] ? start + count : o->first[s] + o->count[s];
        if (b <= a) continue;
        hid_t ds = o->ds[s][k];
        hid_t fspace = H5Dget_space(ds);
        int rank = H5Sget_simple_extent_ndims(fspace);
        hsize_t off[3] = {(hsize_t)(a - o->first[s]), 0, 0}, cnt[3] = {(hsize_t)(b - a), 0, 0};
        hsize_t dims[3];
        H5Sget_simple_extent_dims(fspace, dims, NULL);
        for (int i = 1; i < rank; i++) cnt[i] = dims[i];
        hid_t mspace = H5Screate_simple(rank, cnt, NULL);   /* same shape as the file selection: fast path */
        int rc = -1;
        if (fspace >= 0 && mspace >= 0 && H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL) >= 0 &&
            H5Dwrite(ds, memtype, mspace, fspace, H5P_DEFAULT, (const char *)buf + (size_t)(a - start) * item_bytes) >= 0)
            rc = 0;
        if (mspace >= 0) H5Sclose(mspace);
        if (fspace >= 0) H5Sclose(fspace);
        if (rc < 0) return ddad_error_write_failed(err, o->final, "HDF5: cannot write its data", PREPARE_WRITE_ADVICE);
    }
    return 0;
}

int ddad_dataset_write(ddad_dataset_writer *w, int split, int64_t start, int64_t count, const uint8_t *images,
                       const int8_t *labels, const char *names, ddad_error *err)
{
    size_t img_bytes = (size_t)w->spec.img_size * (size_t)w->spec.img_size;
    if (images && write_range(w, split, DS_IMAGES, start, count, H5T_NATIVE_UINT8, images, img_bytes, err) < 0)
        return -1;
    if (labels && write_range(w, split, DS_LABELS, start, count, H5T_NATIVE_INT8, labels, 1, err) < 0) return -1;
    if (names && write_range(w, split, DS_NAMES, start, count, w->name_type, names, DDAD_NAME_MAX, err) < 0)
        return -1;
    return 0;
}

int ddad_dataset_write_masks(ddad_dataset_writer *w, int64_t start, int64_t count, const uint8_t *masks,
                             ddad_error *err)
{
    if (!w->spec.with_masks) return ddad_error_set(err, DDAD_EXIT_RUNTIME, "this dataset was created without masks");
    size_t img_bytes = (size_t)w->spec.img_size * (size_t)w->spec.img_size;
    return write_range(w, DDAD_SPLIT_TEST, DS_MASKS, start, count, H5T_NATIVE_UINT8, masks, img_bytes, err);
}

/* Feeds rows [0, n) of ds, item bytes each, to the digest h, block rows at a time. */
static int digest_rows(hid_t ds, int64_t n, size_t item, uint8_t *buf, int64_t block, uint64_t *h)
{
    hid_t fspace = H5Dget_space(ds);
    int rank = fspace >= 0 ? H5Sget_simple_extent_ndims(fspace) : -1;
    hsize_t dims[3] = {0, 0, 0};
    int rc = rank >= 1 && rank <= 3 && H5Sget_simple_extent_dims(fspace, dims, NULL) >= 0 ? 0 : -1;
    hid_t type = rc == 0 ? H5Dget_type(ds) : -1;   /* the bytes as stored */
    if (type < 0) rc = -1;
    for (int64_t a = 0; a < n && rc == 0; a += block) {
        int64_t b = n - a < block ? n - a : block;
        hsize_t off[3] = {(hsize_t)a, 0, 0}, cnt[3] = {(hsize_t)b, dims[1], dims[2]};
        hid_t mspace = H5Screate_simple(rank, cnt, NULL);
        if (mspace < 0 || H5Sselect_hyperslab(fspace, H5S_SELECT_SET, off, NULL, cnt, NULL) < 0 ||
            H5Dread(ds, type, mspace, fspace, H5P_DEFAULT, buf) < 0)
            rc = -1;
        if (mspace >= 0) H5Sclose(mspace);
        if (rc == 0) *h = ddad_fnv1a64(*h, buf, (size_t)b * item);
    }
    if (type >= 0) H5Tclose(type);
    if (fspace >= 0) H5Sclose(fspace);
    return rc;
}

/* The content digest (docs/FORMATS.md): FNV-1a 64 over img_size, then split by split its
 * count, images and labels, then the test masks (when written), read back from the files
 * being written, in the order of the items (shard after shard). Names are left out: training
 * does not read them. */
static int content_digest(ddad_dataset_writer *w, char *out, size_t n, ddad_error *err)
{
    const size_t img = (size_t)w->spec.img_size * (size_t)w->spec.img_size;
    const size_t buf_bytes = img > ((size_t)8 << 20) ? img : (size_t)8 << 20;
    uint8_t *buf = ddad_malloc(buf_bytes, "digest buffer");
    uint64_t h = ddad_fnv1a64_i64(DDAD_FNV1A64_INIT, w->spec.img_size);
    int rc = 0;
    for (int part = 0; part <= DDAD_NUM_SPLITS && rc == 0; part++) {
        const int masks = part == DDAD_NUM_SPLITS;   /* the last part: the test masks */
        if (masks && !w->spec.with_masks) break;
        const int s = masks ? DDAD_SPLIT_TEST : part;
        if (!masks) h = ddad_fnv1a64_i64(h, w->spec.count[s]);
        for (int k = masks ? DS_MASKS : DS_IMAGES; k <= (masks ? DS_MASKS : DS_LABELS) && rc == 0; k++) {
            const size_t item = k == DS_LABELS ? 1 : img;
            for (int f = 0; f < w->nfiles && rc == 0; f++) {
                out_file *o = &w->files[f];
                if (o->count[s] > 0 &&
                    digest_rows(o->ds[s][k], o->count[s], item, buf, (int64_t)(buf_bytes / item), &h) < 0)
                    rc = ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot read back %s of %s to make its digest",
                                        ddad_split_name(s), o->tmp);
            }
        }
    }
    free(buf);
    if (rc == 0) snprintf(out, n, "fnv1a64:%016" PRIx64, h);
    return rc;
}

static void free_writer(ddad_dataset_writer *w)
{
    if (w->name_type >= 0) H5Tclose(w->name_type);
    free(w->files);
    free(w);
}

int ddad_dataset_finish(ddad_dataset_writer *w, ddad_error *err)
{
    char digest[DDAD_DIGEST_MAX];
    if (content_digest(w, digest, sizeof digest, err) < 0) {
        ddad_dataset_discard(w);
        return -1;
    }
    /* Every file carries it: the index (or the single file), and each shard. */
    for (int f = -1; f < w->nfiles; f++) {
        out_file *o = f < 0 ? &w->index : &w->files[f];
        if (o->file >= 0 && ddad_h5_attr_write_str(o->file, "digest", digest) < 0) {
            ddad_error_write_failed(err, o->final, "HDF5: writing the attribute digest failed", PREPARE_WRITE_ADVICE);
            ddad_dataset_discard(w);
            return -1;
        }
    }
    const out_file *failed = NULL;
    for (int f = 0; f < w->nfiles; f++) {
        out_file *o = &w->files[f];
        if (o->file >= 0 && H5Fflush(o->file, H5F_SCOPE_LOCAL) < 0 && !failed) failed = o;
        if (close_out(o) < 0 && !failed) failed = o;
    }
    if (w->sharded) {
        if (w->index.file >= 0 && H5Fflush(w->index.file, H5F_SCOPE_LOCAL) < 0 && !failed) failed = &w->index;
        if (close_out(&w->index) < 0 && !failed) failed = &w->index;
    }
    if (failed) {
        ddad_error_write_failed(err, failed->final, "HDF5: flushing or closing it failed", PREPARE_WRITE_ADVICE);
        ddad_dataset_discard(w);
        return -1;
    }
    /* Shards first, the index last: a visible index always has its shards. */
    for (int f = 0; f < w->nfiles; f++) {
        if (ddad_commit_file(w->files[f].tmp, w->files[f].final) < 0) {
            ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot rename %s to %s", w->files[f].tmp, w->files[f].final);
            for (int g = 0; g < f; g++) unlink(w->files[g].final);
            ddad_dataset_discard(w);
            return -1;
        }
        w->files[f].tmp[0] = '\0';
    }
    if (w->sharded) {
        if (ddad_commit_file(w->index.tmp, w->index.final) < 0) {
            ddad_error_set(err, DDAD_EXIT_RUNTIME, "cannot rename %s to %s", w->index.tmp, w->index.final);
            for (int f = 0; f < w->nfiles; f++) unlink(w->files[f].final);   /* shards without an index */
            ddad_dataset_discard(w);
            return -1;
        }
    }
    free_writer(w);
    return 0;
}

void ddad_dataset_discard(ddad_dataset_writer *w)
{
    if (!w) return;
    for (int f = 0; f < w->nfiles; f++) {
        (void)close_out(&w->files[f]);   /* discarded anyway */
        if (w->files[f].tmp[0]) {
            unlink(w->files[f].tmp);
            ddad_tmpfile_unregister(w->files[f].tmp);
        }
    }
    (void)close_out(&w->index);
    if (w->index.tmp[0]) {
        unlink(w->index.tmp);
        ddad_tmpfile_unregister(w->index.tmp);
    }
    free_writer(w);
}
