/* Dataset file tests through the C writer and reader API.
 *   test_dataset roundtrip DIR [mpi]   write known contents (1 file and 3 shards), read back
 *   test_dataset compare A B same|diff  whole-content comparison of two dataset files
 *   test_dataset mkkind FILE KIND       an HDF5 file whose root attribute kind is KIND
 * The content digest the writer stores is recomputed here from what the reader returns. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/util.h"
#include "data/dataset.h"
#include "data/dataset_write.h"
#include "io/h5attr.h"

#include "../test_check.h"

enum { IMG = 16 };
static const int64_t COUNTS[DDAD_NUM_SPLITS] = {150, 0, 7, 70};

static uint8_t pixel(int s, int64_t i, int p) { return (uint8_t)((s * 31 + i * 7 + p * 13) & 0xff); }
static int8_t label(int s, int64_t i) { return (int8_t)(s == DDAD_SPLIT_POOL1 || (s == DDAD_SPLIT_TEST && i >= 30)); }
static int perturb = 0;   /* write_known changes one test pixel: another digest */
static void name(int s, int64_t i, char *out) { snprintf(out, DDAD_NAME_MAX, "split%d/image_%05lld.png", s, (long long)i); }

static void write_known(const char *path, int shards)
{
    ddad_dataset_spec spec = {.img_size = IMG, .with_masks = 1, .shards = shards, .deflate = 1, .source = "test"};
    memcpy(spec.count, COUNTS, sizeof COUNTS);
    ddad_error err = {0};
    ddad_dataset_writer *w = ddad_dataset_create(path, &spec, &err);
    if (!w) ddad_fatal_error(&err);
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        /* write in uneven pieces to cross shard boundaries */
        for (int64_t start = 0; start < COUNTS[s];) {
            int64_t n = COUNTS[s] - start < 23 ? COUNTS[s] - start : 23;
            uint8_t *img = malloc((size_t)n * IMG * IMG);
            int8_t *lab = malloc((size_t)n);
            char *nm = calloc((size_t)n, DDAD_NAME_MAX);
            for (int64_t i = 0; i < n; i++) {
                for (int p = 0; p < IMG * IMG; p++) img[i * IMG * IMG + p] = pixel(s, start + i, p);
                if (perturb && s == DDAD_SPLIT_TEST && start + i == 5) img[i * IMG * IMG + 3] ^= 0x10;
                lab[i] = label(s, start + i);
                name(s, start + i, nm + i * DDAD_NAME_MAX);
            }
            if (ddad_dataset_write(w, s, start, n, img, lab, nm, &err) < 0) ddad_fatal_error(&err);
            if (s == DDAD_SPLIT_TEST) {
                for (int64_t i = 0; i < n * IMG * IMG; i++) img[i] = (uint8_t)(img[i] & 1);
                if (ddad_dataset_write_masks(w, start, n, img, &err) < 0) ddad_fatal_error(&err);
            }
            free(img);
            free(lab);
            free(nm);
            start += n;
        }
    }
    if (ddad_dataset_finish(w, &err) < 0) ddad_fatal_error(&err);
}

static void check_range(ddad_dataset *d, int s, int64_t start, int64_t n)
{
    ddad_error err = {0};
    uint8_t *img = malloc((size_t)(n ? n : 1) * IMG * IMG);
    int8_t *lab = malloc((size_t)(n ? n : 1));
    char *nm = malloc((size_t)(n ? n : 1) * DDAD_NAME_MAX);
    CHECK(ddad_dataset_read_images(d, s, start, n, img, &err) == 0, "read images: %s", err.msg);
    CHECK(ddad_dataset_read_labels(d, s, start, n, lab, &err) == 0, "read labels: %s", err.msg);
    CHECK(ddad_dataset_read_names(d, s, start, n, nm, &err) == 0, "read names: %s", err.msg);
    for (int64_t i = 0; i < n; i++) {
        char want[DDAD_NAME_MAX];
        name(s, start + i, want);
        CHECK(strcmp(nm + i * DDAD_NAME_MAX, want) == 0, "name %s vs %s", nm + i * DDAD_NAME_MAX, want);
        CHECK(lab[i] == label(s, start + i), "label split %d item %lld", s, (long long)(start + i));
        int bad = 0;
        for (int p = 0; p < IMG * IMG; p++) bad += img[i * IMG * IMG + p] != pixel(s, start + i, p);
        CHECK(bad == 0, "image split %d item %lld: %d wrong pixels", s, (long long)(start + i), bad);
    }
    if (s == DDAD_SPLIT_TEST) {
        CHECK(ddad_dataset_read_masks(d, start, n, img, &err) == 0, "read masks: %s", err.msg);
        for (int64_t i = 0; i < n; i++)
            for (int p = 0; p < IMG * IMG; p++)
                if (img[i * IMG * IMG + p] != (pixel(s, start + i, p) & 1)) {
                    CHECK(0, "mask item %lld", (long long)(start + i));
                    p = IMG * IMG;
                }
    }
    free(img);
    free(lab);
    free(nm);
}

/* The digest of docs/FORMATS.md from the reader: img_size, then per split the count, images
 * and labels (int64 counts as 8 little-endian bytes), then the test masks. */
static void reader_digest(ddad_dataset *d, char *out, size_t n)
{
    const ddad_dataset_info *info = ddad_dataset_get_info(d);
    size_t px = (size_t)info->img_size * (size_t)info->img_size;
    uint64_t h = ddad_fnv1a64_i64(DDAD_FNV1A64_INIT, info->img_size);
    ddad_error err = {0};
    for (int s = 0; s <= DDAD_NUM_SPLITS; s++) {
        int masks = s == DDAD_NUM_SPLITS;
        if (masks && !info->has_masks) break;
        int64_t c = info->count[masks ? DDAD_SPLIT_TEST : s];
        uint8_t *buf = malloc((size_t)(c ? c : 1) * px);
        if (masks) {
            if (ddad_dataset_read_masks(d, 0, c, buf, &err)) ddad_fatal_error(&err);
            h = ddad_fnv1a64(h, buf, (size_t)c * px);
        } else {
            h = ddad_fnv1a64_i64(h, c);
            if (ddad_dataset_read_images(d, s, 0, c, buf, &err)) ddad_fatal_error(&err);
            h = ddad_fnv1a64(h, buf, (size_t)c * px);
            if (ddad_dataset_read_labels(d, s, 0, c, (int8_t *)buf, &err)) ddad_fatal_error(&err);
            h = ddad_fnv1a64(h, buf, (size_t)c);
        }
        free(buf);
    }
    snprintf(out, n, "fnv1a64:%016llx", (unsigned long long)h);
}

static void check_file(const char *path, MPI_Comm comm, int rank)
{
    ddad_error err = {0};
    ddad_dataset *d = ddad_dataset_open(path, comm, &err);
    if (!d) ddad_fatal_error(&err);
    const ddad_dataset_info *info = ddad_dataset_get_info(d);
#ifdef DDAD_HDF5_PARALLEL
    CHECK(ddad_dataset_is_collective(d) == (comm != MPI_COMM_NULL), "collective MPI-IO expected iff a communicator is given");
#else
    CHECK(!ddad_dataset_is_collective(d), "a serial HDF5 reads independently");
#endif
    CHECK(info->format_version == DDAD_DATASET_FORMAT_VERSION, "format version %d", info->format_version);
    CHECK(info->img_size == IMG, "img_size %d", info->img_size);
    CHECK(info->has_masks == 1, "has_masks");
    CHECK(strcmp(info->source, "test") == 0, "source '%s'", info->source);
    CHECK(info->created[0] != '\0' && info->tool_version[0] != '\0', "created/tool_version");
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) CHECK(info->count[s] == COUNTS[s], "count %d", s);
    char digest[DDAD_DIGEST_MAX];
    reader_digest(d, digest, sizeof digest);
    CHECK(strcmp(info->digest, digest) == 0, "%s: stored digest '%s', the content's %s", path, info->digest, digest);
    /* whole splits, then ranges that differ per rank (collective reads must still match up) */
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) check_range(d, s, 0, COUNTS[s]);
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        int64_t start = COUNTS[s] ? (rank * 37) % COUNTS[s] : 0;
        int64_t n = (COUNTS[s] - start) / 2;
        check_range(d, s, start, n);
        check_range(d, s, start, 0);
    }
    /* out of range is an error, not a crash */
    uint8_t one[IMG * IMG];
    CHECK(ddad_dataset_read_images(d, DDAD_SPLIT_NORMAL, COUNTS[0] - 1, 2, one, &err) < 0, "out-of-range read accepted");
    CHECK(ddad_dataset_read_images(d, 9, 0, 1, one, &err) < 0, "bad split accepted");
    ddad_dataset_close(d);
}

static int roundtrip(const char *dir, int use_mpi)
{
    int rank = 0, size = 1;
    MPI_Comm comm = MPI_COMM_NULL;
    if (use_mpi) {
        comm = MPI_COMM_WORLD;
        MPI_Comm_rank(comm, &rank);
        MPI_Comm_size(comm, &size);
    }
    char single[4096], sharded[4096];
    snprintf(single, sizeof single, "%s/roundtrip_single.h5", dir);
    snprintf(sharded, sizeof sharded, "%s/roundtrip_sharded.h5", dir);
    if (rank == 0) {
        ddad_mkdirs(dir);
        write_known(single, 1);
        write_known(sharded, 3);
    }
    if (use_mpi) MPI_Barrier(comm);
    check_file(single, comm, rank);
    check_file(sharded, comm, rank);
    /* FNV-1a's published test vectors; one changed pixel changes the digest, and the shards
     * hold the single file's content, so they have its digest */
    CHECK(ddad_fnv1a64(DDAD_FNV1A64_INIT, "a", 1) == 0xaf63dc4c8601ec8cULL, "FNV-1a 64 of \"a\"");
    CHECK(ddad_fnv1a64(DDAD_FNV1A64_INIT, "foobar", 6) == 0x85944171f73967e8ULL, "FNV-1a 64 of \"foobar\"");
    char other[4096];
    snprintf(other, sizeof other, "%s/roundtrip_perturbed.h5", dir);
    if (rank == 0) {
        perturb = 1;
        write_known(other, 1);
        perturb = 0;
    }
    if (use_mpi) MPI_Barrier(comm);
    ddad_error e2 = {0};
    ddad_dataset *a = ddad_dataset_open(single, MPI_COMM_NULL, &e2), *b = ddad_dataset_open(sharded, MPI_COMM_NULL, &e2),
                 *c = ddad_dataset_open(other, MPI_COMM_NULL, &e2);
    if (!a || !b || !c) ddad_fatal_error(&e2);
    const char *da = ddad_dataset_get_info(a)->digest, *db = ddad_dataset_get_info(b)->digest,
               *dc = ddad_dataset_get_info(c)->digest;
    CHECK(strlen(da) == 24 && !strncmp(da, "fnv1a64:", 8), "digest format '%s'", da);
    CHECK(!strcmp(da, db), "single file %s, shards %s", da, db);
    CHECK(strcmp(da, dc) != 0, "one changed pixel kept the digest %s", da);
    ddad_dataset_close(a);
    ddad_dataset_close(b);
    ddad_dataset_close(c);
    /* a missing file and a non-dataset file are input errors */
    ddad_error err = {0};
    char missing[4096];
    snprintf(missing, sizeof missing, "%s/does_not_exist.h5", dir);
    CHECK(ddad_dataset_open(missing, MPI_COMM_NULL, &err) == NULL && err.code == DDAD_EXIT_USAGE, "missing file");
    if (use_mpi) MPI_Barrier(comm);
    printf("rank %d of %d: %s\n", rank, size, failures ? "FAILED" : "ok");
    return failures != 0;
}

static int compare(const char *a, const char *b, int want_same)
{
    ddad_error err = {0};
    ddad_dataset *da = ddad_dataset_open(a, MPI_COMM_NULL, &err);
    if (!da) ddad_fatal_error(&err);
    ddad_dataset *db = ddad_dataset_open(b, MPI_COMM_NULL, &err);
    if (!db) ddad_fatal_error(&err);
    const ddad_dataset_info *ia = ddad_dataset_get_info(da), *ib = ddad_dataset_get_info(db);
    int same = ia->img_size == ib->img_size && ia->has_masks == ib->has_masks;
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) same = same && ia->count[s] == ib->count[s];
    size_t px = (size_t)ia->img_size * (size_t)ia->img_size;
    int64_t differing_images = 0;
    for (int s = 0; s < DDAD_NUM_SPLITS && same; s++) {
        int64_t n = ia->count[s];
        if (!n) continue;
        uint8_t *x = malloc(n * px), *y = malloc(n * px);
        char *na = malloc(n * DDAD_NAME_MAX), *nb = malloc(n * DDAD_NAME_MAX);
        int8_t *la = malloc(n), *lb = malloc(n);
        if (ddad_dataset_read_images(da, s, 0, n, x, &err) || ddad_dataset_read_images(db, s, 0, n, y, &err))
            ddad_fatal_error(&err);
        for (int64_t i = 0; i < n; i++) differing_images += memcmp(x + i * px, y + i * px, px) != 0;
        if (ddad_dataset_read_names(da, s, 0, n, na, &err) || ddad_dataset_read_names(db, s, 0, n, nb, &err) ||
            ddad_dataset_read_labels(da, s, 0, n, la, &err) || ddad_dataset_read_labels(db, s, 0, n, lb, &err))
            ddad_fatal_error(&err);
        same = same && memcmp(na, nb, n * DDAD_NAME_MAX) == 0 && memcmp(la, lb, n) == 0;
        if (s == DDAD_SPLIT_TEST && ia->has_masks) {
            if (ddad_dataset_read_masks(da, 0, n, x, &err) || ddad_dataset_read_masks(db, 0, n, y, &err))
                ddad_fatal_error(&err);
            differing_images += memcmp(x, y, n * px) != 0;
        }
        free(x), free(y), free(na), free(nb), free(la), free(lb);
    }
    same = same && differing_images == 0;
    /* the content digest agrees with the content */
    int same_digest = ia->digest[0] && !strcmp(ia->digest, ib->digest);
    if (same_digest != same) printf("the digests (%s, %s) disagree with the content\n", ia->digest, ib->digest);
    same = same_digest == same ? same : -1;
    printf("%s vs %s: %s (%lld differing images)\n", a, b, same ? "identical" : "different", (long long)differing_images);
    ddad_dataset_close(da);
    ddad_dataset_close(db);
    return same == want_same ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && !strcmp(argv[1], "roundtrip")) {
        int use_mpi = argc >= 4 && !strcmp(argv[3], "mpi");
        if (use_mpi) MPI_Init(&argc, &argv);
        int rc = roundtrip(argv[2], use_mpi);
        if (use_mpi) {
            int any = 0;
            MPI_Allreduce(&rc, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
            rc = any;
            MPI_Finalize();
        }
        return rc;
    }
    if (argc == 5 && !strcmp(argv[1], "compare")) return compare(argv[2], argv[3], !strcmp(argv[4], "same"));
    if (argc == 4 && !strcmp(argv[1], "mkkind")) {
        hid_t f = H5Fcreate(argv[2], H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
        if (f < 0 || ddad_h5_attr_write_str(f, "kind", argv[3]) < 0) return 1;
        return H5Fclose(f) < 0;
    }
    fprintf(stderr, "usage: test_dataset roundtrip DIR [mpi] | compare A B same|diff | mkkind FILE KIND\n");
    return 2;
}
