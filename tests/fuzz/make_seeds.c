/* Writes the binary seeds of the fuzz corpus with ddad's own writers (and libpng / libjpeg
 * for the images):  fuzz_make_seeds OUTDIR  creates OUTDIR/<harness>/<seed>. The committed
 * corpus in tests/fuzz/corpus/ was made with it; run it again after a format change. */
#include <hdf5.h>
#include <jpeglib.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/util.h"
#include "data/dataset_write.h"
#include "fuzz_h5build.h"
#include "fuzz_net.h"
#include "io/h5attr.h"
#include "io/h5util.h"
#include "io/results.h"
#include "pipeline/ckpt.h"

static char g_out[1024];

static const char *out_path(const char *harness, const char *name)
{
    static char p[2048];
    snprintf(p, sizeof p, "%s/%s", g_out, harness);
    if (ddad_mkdirs(p) != 0) {
        perror(p);
        exit(1);
    }
    snprintf(p, sizeof p, "%s/%s/%s", g_out, harness, name);
    return p;
}

static void check(int rc, const ddad_error *err, const char *what)
{
    if (rc) {
        fprintf(stderr, "fuzz_make_seeds: %s: %s\n", what, err->msg);
        exit(1);
    }
}

/* ---- images ---- */

static void write_png(const char *name, int w, int h, int color, int depth, int interlace, int with_trns)
{
    const char *p = out_path("image", name);
    FILE *f = fopen(p, "wb");
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!f || !info || setjmp(png_jmpbuf(png))) {
        fprintf(stderr, "fuzz_make_seeds: cannot write %s\n", p);
        exit(1);
    }
    png_init_io(png, f);
    png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, depth, color,
                 interlace ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
                 PNG_FILTER_TYPE_DEFAULT);
    if (color == PNG_COLOR_TYPE_PALETTE) {
        png_color pal[4] = {{0, 0, 0}, {255, 0, 0}, {0, 255, 0}, {255, 255, 255}};
        png_set_PLTE(png, info, pal, 4);
        if (with_trns) {
            png_byte alpha[2] = {0, 128};
            png_set_tRNS(png, info, alpha, 2, NULL);
        }
    }
    png_write_info(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    png_bytep row = calloc(rowbytes, 1);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < h; y++) {
            for (size_t i = 0; i < rowbytes; i++) row[i] = (png_byte)(color == PNG_COLOR_TYPE_PALETTE ? (i + y) & 0x33 : 37 * i + 11 * y);
            png_write_row(png, row);
        }
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(row);
    fclose(f);
}

static void write_jpeg(const char *name, int w, int h, int gray, int progressive)
{
    const char *p = out_path("image", name);
    FILE *f = fopen(p, "wb");
    if (!f) {
        perror(p);
        exit(1);
    }
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr jerr;
    c.err = jpeg_std_error(&jerr);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = (JDIMENSION)w;
    c.image_height = (JDIMENSION)h;
    c.input_components = gray ? 1 : 3;
    c.in_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, 75, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    JSAMPLE row[3 * 64];
    while (c.next_scanline < c.image_height) {
        for (int i = 0; i < w * c.input_components; i++) row[i] = (JSAMPLE)(i * 23 + c.next_scanline * 7);
        JSAMPROW rp = row;
        jpeg_write_scanlines(&c, &rp, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
}

/* ---- HDF5 files ---- */

static void write_dataset(const char *name, int img, const int64_t count[DDAD_NUM_SPLITS], int masks, int deflate)
{
    ddad_error err = {0};
    ddad_dataset_spec spec = {.img_size = img, .with_masks = masks, .deflate = deflate, .source = "synth:fuzz seed"};
    memcpy(spec.count, count, sizeof spec.count);
    ddad_dataset_writer *w = ddad_dataset_create(out_path("dataset", name), &spec, &err);
    check(!w, &err, "creating a dataset");
    for (int s = 0; s < DDAD_NUM_SPLITS; s++) {
        int64_t n = count[s];
        uint8_t *px = calloc((size_t)(n ? n : 1) * (size_t)img * (size_t)img, 1);
        int8_t *lab = calloc((size_t)(n ? n : 1), 1);
        char *names = calloc((size_t)(n ? n : 1), DDAD_NAME_MAX);
        for (int64_t i = 0; i < n * img * img; i++) px[i] = (uint8_t)(i * 31 + s);
        for (int64_t i = 0; i < n; i++) {
            lab[i] = (int8_t)(s == DDAD_SPLIT_POOL1 || (s == DDAD_SPLIT_TEST && i % 2));
            snprintf(names + i * DDAD_NAME_MAX, DDAD_NAME_MAX, "s%d/img%lld.png", s, (long long)i);
        }
        check(ddad_dataset_write(w, s, 0, n, px, lab, names, &err), &err, "writing a dataset split");
        if (s == DDAD_SPLIT_TEST && masks) {
            for (int64_t i = 0; i < n * img * img; i++) px[i] = (uint8_t)(i % 3 == 0);
            check(ddad_dataset_write_masks(w, 0, n, px, &err), &err, "writing masks");
        }
        free(px);
        free(lab);
        free(names);
    }
    check(ddad_dataset_finish(w, &err), &err, "finishing a dataset");
}

static void fill_net(ddad_paramset *ps)
{
    for (size_t i = 0; i < ps->n_params; i++) {
        ps->params[i] = 0.01f * (float)i;
        if (ps->adam_m) ps->adam_m[i] = ps->adam_v[i] = 1e-3f * (float)i;
    }
    for (size_t i = 0; i < ps->n_buffers; i++) ps->buffers[i] = 1.0f;
    ps->num_batches_tracked = 7;
    ps->step = 7;
}

static void write_checkpoint(const char *name, const char *kind, const char *key, int training, int64_t epoch,
                             int64_t batch)
{
    ddad_paramset ps;
    fuzz_net_build(&ps, training);
    fill_net(&ps);
    ddad_train_state st;
    ddad_train_state_init(&st, FUZZ_EPOCHS);
    st.epoch = epoch;
    st.batch = batch;
    st.loss_partial = 0.5;
    for (int64_t e = 0; e < epoch; e++) st.loss[e] = 1.0 / (double)(e + 1);
    ddad_error err = {0};
    check(ddad_ckpt_save(out_path("run_files", name), kind, key, &ps, &st, &err), &err, "writing a checkpoint");
    ddad_train_state_free(&st);
    ddad_paramset_release(&ps);
}

/* score.h5 as stage_score.c writes it, with maps of H x H (the run's size is FUZZ_SCORE_IMG). */
static void write_score_file(const char *name, int64_t n, int H)
{
    hid_t f = H5Fcreate(out_path("run_files", name), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ddad_error err = {0};
    check(f < 0, &err, "creating a score file");
    char *names = calloc((size_t)n, DDAD_NAME_MAX);
    int8_t *labels = calloc((size_t)n, 1);
    float *maps = calloc((size_t)n * H * H, sizeof(float)), *scores = calloc((size_t)n, sizeof(float));
    for (int64_t i = 0; i < n; i++) {
        snprintf(names + i * DDAD_NAME_MAX, DDAD_NAME_MAX, "test/%lld.png", (long long)i);
        labels[i] = (int8_t)(i % 2);
        scores[i] = 0.25f * (float)i;
    }
    hsize_t d1[1] = {(hsize_t)n}, d3[3] = {(hsize_t)n, (hsize_t)H, (hsize_t)H};
    int rc = ddad_h5_attr_str(f, "key", FUZZ_KEY_MEMBERS, &err) ||
             ddad_h5_write_strings(f, "names", names, (size_t)n, DDAD_NAME_MAX, &err) ||
             ddad_h5_write(f, "labels", H5T_NATIVE_INT8, 1, d1, labels, &err);
    static const char *MAP_NAMES[3] = {"rec", "intra", "inter"};
    for (int k = 0; k < 3 && !rc; k++) {
        char nm[64];
        snprintf(nm, sizeof nm, "map_%s", MAP_NAMES[k]);
        rc = ddad_h5_write(f, nm, H5T_NATIVE_FLOAT, 3, d3, maps, &err) ||
             ddad_h5_write(f, MAP_NAMES[k], H5T_NATIVE_FLOAT, 1, d1, scores, &err);
    }
    check(rc || H5Fclose(f) < 0, &err, "writing a score file");
    free(names);
    free(labels);
    free(maps);
    free(scores);
}

static void write_results_file(const char *name)
{
    ddad_error err = {0};
    hid_t f = ddad_results_create(out_path("run_files", name), &err);
    check(f < 0, &err, "creating a results file");
    const int n = 2;
    double t[2 * 5] = {1, 2, 3, 4, 5, 1.5, 2.5, 3.5, 4.5, 5.5};
    int64_t peak[2] = {1 << 20, 2 << 20};
    ddad_paramset ps;
    fuzz_net_build(&ps, 0);
    fill_net(&ps);
    double loss[2] = {0.5, 0.25};
    ddad_score_entry e[2];
    memset(e, 0, sizeof e);
    float sc[2] = {0.1f, 0.9f};
    const char *names = "a.png\0\0\0\0\0\0\0\0\0\0\0b.png\0\0\0\0\0\0\0\0\0\0";
    int8_t labels[2] = {0, 1};
    snprintf(e[0].name, sizeof e[0].name, "rec");
    snprintf(e[1].name, sizeof e[1].name, "r_dual");
    for (int k = 0; k < 2; k++) {
        e[k].scores = sc;
        e[k].auc = e[k].ap = 1.0;
        e[k].chi2 = 0.5;
        e[k].pixel_auroc = 0.75;
        e[k].best_dice = 0.5;
    }
    check(ddad_results_write_run(f, "Exp:\n  seed: 0\n", "0123456789ab", n, "cpu", &err) ||
              ddad_results_write_timings(f, "members", t, n, 5, "train,reduce,refine,eval,io", &err) ||
              ddad_results_write_timings(f, "eval", t, n, 5, "train,reduce,refine,eval,io", &err) ||
              ddad_results_write_gpu_peak(f, "members", peak, n, &err) ||
              ddad_results_write_network(f, "members/ndm_0", &ps, "members/ndm_0", loss, 2, &err) ||
              ddad_results_write_network(f, "refiner", &ps, "refiner", loss, 2, &err) ||
              ddad_results_write_scores(f, 2, FUZZ_SCORE_IMG, names, 16, labels, e, 2, 0, &err) ||
              ddad_results_write_metrics(f, e, 2, &err),
          &err, "writing a results file");
    check(H5Fclose(f) < 0, &err, "closing a results file");
    ddad_paramset_release(&ps);
}

/* Replaces attribute `name` of object `obj` in harness/file by an array of 16 doubles. */
static void make_attr_array(const char *harness, const char *file, const char *obj, const char *name)
{
    ddad_error err = {0};
    hid_t f = H5Fopen(out_path(harness, file), H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t o = f >= 0 ? H5Oopen(f, obj, H5P_DEFAULT) : -1;
    hsize_t dim = 16;
    double v[16] = {0};
    hid_t sp = H5Screate_simple(1, &dim, NULL);
    hid_t a = o >= 0 && H5Adelete(o, name) >= 0 ? H5Acreate2(o, name, H5T_IEEE_F64LE, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    check(a < 0 || H5Awrite(a, H5T_NATIVE_DOUBLE, v) < 0, &err, "writing an array attribute");
    H5Aclose(a);
    H5Sclose(sp);
    H5Oclose(o);
    check(H5Fclose(f) < 0, &err, "closing a damaged file");
}

/* Replaces string attribute `name` of the root of harness/file by 4 strings of 8 bytes. */
static void make_attr_str_array(const char *harness, const char *file, const char *name)
{
    ddad_error err = {0};
    hid_t f = H5Fopen(out_path(harness, file), H5F_ACC_RDWR, H5P_DEFAULT);
    hsize_t dim = 4;
    hid_t t = H5Tcopy(H5T_C_S1), sp = H5Screate_simple(1, &dim, NULL);
    H5Tset_size(t, 8);
    hid_t a = f >= 0 && H5Adelete(f, name) >= 0 ? H5Acreate2(f, name, t, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
    check(a < 0 || H5Awrite(a, t, "results\0member\0\0refiner\0dataset\0") < 0, &err, "writing a string array");
    H5Aclose(a);
    H5Sclose(sp);
    H5Tclose(t);
    check(H5Fclose(f) < 0, &err, "closing a damaged file");
}

/* ---- HDF5 files as recipes (fuzz_h5build.h) ---- */

typedef struct {
    FILE *out;
    hid_t file;
} recipe_ctx;

static void put_str(FILE *o, const char *s)
{
    size_t n = strlen(s);
    fputc((int)n, o);
    fwrite(s, 1, n, o);
}

static void put_u32(FILE *o, uint32_t v)
{
    for (int i = 0; i < 4; i++) fputc((int)(v >> (8 * i) & 0xff), o);
}

/* The recipe type code of a file type, and the memory type to read its data with. */
static int type_code(hid_t t, unsigned *str_size, hid_t *mem)
{
    size_t size = H5Tget_size(t);
    *str_size = 0;
    switch (H5Tget_class(t)) {
    case H5T_INTEGER: {
        int sign = H5Tget_sign(t) == H5T_SGN_2;
        *mem = size == 1 ? (sign ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8)
               : size == 2 ? H5T_STD_U16BE : size == 4 ? H5T_NATIVE_INT32 : H5T_NATIVE_INT64;
        return size == 1 ? (sign ? FUZZ_H5_T_I8 : FUZZ_H5_T_U8)
               : size == 2 ? FUZZ_H5_T_U16BE : size == 4 ? FUZZ_H5_T_I32 : FUZZ_H5_T_I64;
    }
    case H5T_FLOAT:
        *mem = size == 4 ? H5T_NATIVE_FLOAT : H5T_NATIVE_DOUBLE;
        return size == 4 ? FUZZ_H5_T_F32 : FUZZ_H5_T_F64;
    case H5T_STRING:
        if (H5Tis_variable_str(t) > 0) return FUZZ_H5_T_VSTR;
        *str_size = (unsigned)size;
        return FUZZ_H5_T_STR;
    default:
        return -1;
    }
}

/* Type, rank and dims of one dataset or attribute. */
static void put_shape(FILE *o, int code, unsigned str_size, hid_t space)
{
    fputc(code, o);
    if (code == FUZZ_H5_T_STR) {
        fputc((int)(str_size & 0xff), o);
        fputc((int)(str_size >> 8), o);
    }
    hsize_t dims[4] = {0};
    int rank = H5Sget_simple_extent_ndims(space);
    if (rank > 4) rank = 4;
    fputc(rank, o);
    H5Sget_simple_extent_dims(space, dims, NULL);
    for (int i = 0; i < rank; i++) put_u32(o, (uint32_t)dims[i]);
}

/* The data of a dataset or attribute in its file type's bytes (vlen strings: the first
 * string), at most cap bytes; returns the length. */
static size_t read_bytes(hid_t obj, int is_attr, hid_t t, int code, hid_t mem, hid_t space, uint8_t *buf, size_t cap)
{
    hssize_t n = H5Sget_simple_extent_npoints(space);
    if (n <= 0) return 0;
    if (code == FUZZ_H5_T_VSTR) {
        char **s = calloc((size_t)n, sizeof *s);
        hid_t vt = H5Tcopy(H5T_C_S1);
        H5Tset_size(vt, H5T_VARIABLE);
        size_t len = 0;
        if ((is_attr ? H5Aread(obj, vt, s) : H5Dread(obj, vt, H5S_ALL, H5S_ALL, H5P_DEFAULT, s)) >= 0 && s[0]) {
            len = strlen(s[0]) < cap ? strlen(s[0]) : cap;
            memcpy(buf, s[0], len);
            H5Dvlen_reclaim(vt, space, H5P_DEFAULT, s);
        }
        H5Tclose(vt);
        free(s);
        return len;
    }
    hid_t m = code == FUZZ_H5_T_STR ? t : mem;
    size_t bytes = (size_t)n * H5Tget_size(m);
    uint8_t *all = malloc(bytes);
    size_t len = 0;
    if (all && (is_attr ? H5Aread(obj, m, all) : H5Dread(obj, m, H5S_ALL, H5S_ALL, H5P_DEFAULT, all)) >= 0) {
        len = bytes < cap ? bytes : cap;
        memcpy(buf, all, len);
    }
    free(all);
    return len;
}

static herr_t put_attr(hid_t obj, const char *name, const H5A_info_t *info, void *vctx)
{
    (void)info;
    recipe_ctx *r = vctx;
    char path[256];
    if (H5Iget_name(obj, path, sizeof path) < 0) return 0;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t t = H5Aget_type(a), sp = H5Aget_space(a), mem = -1;
    unsigned str_size;
    int code = type_code(t, &str_size, &mem);
    if (code >= 0) {
        fputc(2, r->out);
        put_str(r->out, path);
        put_str(r->out, name);
        put_shape(r->out, code, str_size, sp);
        uint8_t buf[64];
        size_t len = read_bytes(a, 1, t, code, mem, sp, buf, sizeof buf);
        fwrite(buf, 1, len, r->out);   /* an attribute takes the next 64 bytes (or fewer at the end) */
        for (size_t i = len; i < sizeof buf; i++) fputc(0, r->out);
    }
    H5Sclose(sp);
    H5Tclose(t);
    H5Aclose(a);
    return 0;
}

static herr_t put_object(hid_t root, const char *name, const H5O_info_t *info, void *vctx)
{
    recipe_ctx *r = vctx;
    char path[260];
    snprintf(path, sizeof path, "/%s", strcmp(name, ".") ? name : "");
    if (info->type == H5O_TYPE_GROUP && strcmp(name, ".")) {
        fputc(0, r->out);
        put_str(r->out, path);
    } else if (info->type == H5O_TYPE_DATASET) {
        hid_t d = H5Dopen2(root, name, H5P_DEFAULT);
        hid_t t = H5Dget_type(d), sp = H5Dget_space(d), dcpl = H5Dget_create_plist(d), mem = -1;
        unsigned str_size;
        int code = type_code(t, &str_size, &mem);
        if (code >= 0) {
            fputc(1, r->out);
            put_str(r->out, path);
            put_shape(r->out, code, str_size, sp);
            int flags = H5Pget_layout(dcpl) == H5D_CHUNKED ? 1 : 0;
            if (flags && H5Pget_nfilters(dcpl) > 0) flags |= 2;
            fputc(flags, r->out);
            static uint8_t buf[65535];
            size_t len = read_bytes(d, 0, t, code, mem, sp, buf, sizeof buf);
            fputc((int)(len & 0xff), r->out);
            fputc((int)(len >> 8), r->out);
            fwrite(buf, 1, len, r->out);
        }
        H5Pclose(dcpl);
        H5Sclose(sp);
        H5Tclose(t);
        H5Dclose(d);
    }
    hid_t o = H5Oopen(root, name, H5P_DEFAULT);
    if (o >= 0) {
        H5Aiterate2(o, H5_INDEX_NAME, H5_ITER_INC, NULL, put_attr, r);
        H5Oclose(o);
    }
    return 0;
}

/* Writes harness/<file>.recipe describing harness/<file>. */
static void make_recipe(const char *harness, const char *file)
{
    char in[2048], out[2064];
    snprintf(in, sizeof in, "%s", out_path(harness, file));
    snprintf(out, sizeof out, "%s.recipe", in);
    ddad_error err = {0};
    recipe_ctx r = {fopen(out, "wb"), H5Fopen(in, H5F_ACC_RDONLY, H5P_DEFAULT)};
    check(!r.out || r.file < 0, &err, "opening a file to turn into a recipe");
    fwrite(FUZZ_H5_MAGIC, 1, 4, r.out);
    check(H5Ovisit(r.file, H5_INDEX_NAME, H5_ITER_INC, put_object, &r) < 0, &err, "walking a file");
    check(H5Fclose(r.file) < 0 || fclose(r.out) != 0, &err, "writing a recipe");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_make_seeds OUTDIR\n");
        return 2;
    }
    snprintf(g_out, sizeof g_out, "%s", argv[1]);
    ddad_h5_quiet();
    write_png("gray8.png", 5, 3, PNG_COLOR_TYPE_GRAY, 8, 0, 0);
    write_png("gray1.png", 9, 2, PNG_COLOR_TYPE_GRAY, 1, 0, 0);
    write_png("gray16_alpha.png", 3, 3, PNG_COLOR_TYPE_GRAY_ALPHA, 16, 0, 0);
    write_png("rgb8_interlaced.png", 6, 5, PNG_COLOR_TYPE_RGB, 8, 1, 0);
    write_png("rgba16.png", 2, 4, PNG_COLOR_TYPE_RGB_ALPHA, 16, 0, 0);
    write_png("palette_trns.png", 4, 4, PNG_COLOR_TYPE_PALETTE, 2, 0, 1);
    write_jpeg("gray.jpg", 9, 7, 1, 0);
    write_jpeg("rgb.jpg", 17, 9, 0, 0);
    write_jpeg("rgb_progressive.jpg", 8, 8, 0, 1);

    const int64_t small[DDAD_NUM_SPLITS] = {2, 1, 1, 2};
    const int64_t empty_pool[DDAD_NUM_SPLITS] = {3, 0, 1, 2};
    write_dataset("plain.h5", 4, small, 0, 0);
    write_dataset("masks.h5", 4, small, 1, 0);
    write_dataset("deflate_masks.h5", 8, empty_pool, 1, 4);

    write_checkpoint("member.h5", "member", FUZZ_KEY_MEMBERS, 1, 2, 1);
    write_checkpoint("refiner_eval.h5", "refiner", FUZZ_KEY_REFINE, 0, 3, 0);
    write_checkpoint("other_key.h5", "member", "network=AE mp=2", 1, 1, 0);
    write_checkpoint("member_negative_batch.h5", "member", FUZZ_KEY_MEMBERS, 1, 1, -5);
    write_score_file("score.h5", 3, FUZZ_SCORE_IMG);
    /* A score file from a run of another image size: its map rows are larger than the reader's. */
    write_score_file("score_other_img_size.h5", 2, 2 * FUZZ_SCORE_IMG);
    write_results_file("results.h5");
    static const char *const RECIPES[][2] = {
        {"dataset", "masks.h5"}, {"dataset", "deflate_masks.h5"}, {"run_files", "member.h5"},
        {"run_files", "refiner_eval.h5"}, {"run_files", "score.h5"}, {"run_files", "results.h5"}};
    for (size_t i = 0; i < sizeof RECIPES / sizeof RECIPES[0]; i++) make_recipe(RECIPES[i][0], RECIPES[i][1]);
    /* Damaged files: a scalar double attribute that became an array of 16. */
    write_checkpoint("member_array_loss_partial.h5", "member", FUZZ_KEY_MEMBERS, 1, 2, 1);
    make_attr_array("run_files", "member_array_loss_partial.h5", "/", "loss_partial");
    write_results_file("results_array_auc.h5");
    make_attr_array("run_files", "results_array_auc.h5", "metrics/rec", "auc");
    /* ... and a string attribute that became an array of strings. */
    write_results_file("results_array_kind.h5");
    make_attr_str_array("run_files", "results_array_kind.h5", "kind");
    return 0;
}
