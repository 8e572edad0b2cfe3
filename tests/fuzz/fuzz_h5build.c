#include "fuzz_h5build.h"

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ELEMS (1 << 16)      /* datasets with more elements are created, not written */
#define MAX_ATTR_BYTES (1 << 15) /* HDF5 keeps attributes in the object header (64 KiB) */
#define MAX_DIM (1u << 24)

typedef struct {
    const uint8_t *p, *end;
} cursor;

static int get_u8(cursor *c, unsigned *v)
{
    if (c->p >= c->end) return -1;
    *v = *c->p++;
    return 0;
}

static int get_u16(cursor *c, unsigned *v)
{
    if (c->end - c->p < 2) return -1;
    *v = (unsigned)c->p[0] | (unsigned)c->p[1] << 8;
    c->p += 2;
    return 0;
}

static int get_u32(cursor *c, uint32_t *v)
{
    if (c->end - c->p < 4) return -1;
    *v = (uint32_t)c->p[0] | (uint32_t)c->p[1] << 8 | (uint32_t)c->p[2] << 16 | (uint32_t)c->p[3] << 24;
    c->p += 4;
    return 0;
}

/* A length-prefixed string; NULs become '_' so the name stays one C string. */
static int get_str(cursor *c, char *out, size_t cap)
{
    unsigned n;
    if (get_u8(c, &n) || (size_t)(c->end - c->p) < n || n >= cap) return -1;
    for (unsigned i = 0; i < n; i++) out[i] = c->p[i] ? (char)c->p[i] : '_';
    out[n] = '\0';
    c->p += n;
    return 0;
}

/* The file type of a code (a new type the caller closes), or -1. */
static hid_t make_type(unsigned code, unsigned str_size)
{
    switch (code) {
    case FUZZ_H5_T_U8: return H5Tcopy(H5T_STD_U8LE);
    case FUZZ_H5_T_I8: return H5Tcopy(H5T_STD_I8LE);
    case FUZZ_H5_T_I64: return H5Tcopy(H5T_STD_I64LE);
    case FUZZ_H5_T_F32: return H5Tcopy(H5T_IEEE_F32LE);
    case FUZZ_H5_T_F64: return H5Tcopy(H5T_IEEE_F64LE);
    case FUZZ_H5_T_I32: return H5Tcopy(H5T_STD_I32LE);
    case FUZZ_H5_T_U16BE: return H5Tcopy(H5T_STD_U16BE);
    case FUZZ_H5_T_STR:
    case FUZZ_H5_T_VSTR: {
        hid_t t = H5Tcopy(H5T_C_S1);
        if (t < 0) return -1;
        if (H5Tset_size(t, code == FUZZ_H5_T_VSTR ? H5T_VARIABLE : (str_size ? str_size : 1)) < 0 ||
            H5Tset_strpad(t, H5T_STR_NULLTERM) < 0) {
            H5Tclose(t);
            return -1;
        }
        return t;
    }
    }
    return -1;
}

/* Fills n elements of type t from the data bytes (repeated); vlen strings all point at one
 * NUL-terminated copy. Returns a buffer to free (and *strs for vlen), or NULL. */
static void *make_data(hid_t t, int vlen, size_t n, const uint8_t *d, unsigned dlen, char **text)
{
    *text = NULL;
    if (vlen) {
        char **ptrs = malloc(sizeof(char *) * (n ? n : 1));
        *text = calloc((size_t)dlen + 1, 1);
        if (!ptrs || !*text) abort();
        memcpy(*text, d, dlen);
        for (size_t i = 0; i < n; i++) ptrs[i] = *text;
        return ptrs;
    }
    size_t bytes = n * H5Tget_size(t);
    uint8_t *buf = calloc(bytes ? bytes : 1, 1);
    if (!buf) abort();
    for (size_t i = 0; dlen && i < bytes; i++) buf[i] = d[i % dlen];
    return buf;
}

static hid_t open_or_root(hid_t f, const char *path)
{
    hid_t o = strcmp(path, "/") && H5Lexists(f, path, H5P_DEFAULT) > 0 ? H5Oopen(f, path, H5P_DEFAULT) : -1;
    return o >= 0 ? o : H5Oopen(f, "/", H5P_DEFAULT);
}

static void one_object(hid_t f, hid_t lcpl, unsigned op, const char *path, const char *name, cursor *c)
{
    unsigned code, str_size = 0, rank, flags = 0, dlen = 0;
    if (get_u8(c, &code)) return;
    code %= FUZZ_H5_NTYPES;
    if (code == FUZZ_H5_T_STR && get_u16(c, &str_size)) return;
    if (get_u8(c, &rank)) return;
    rank %= 5;
    hsize_t dims[4] = {1, 1, 1, 1}, chunk[4];
    size_t n = 1;
    for (unsigned i = 0; i < rank; i++) {
        uint32_t v;
        if (get_u32(c, &v)) return;
        dims[i] = v % MAX_DIM;
        n = n > (size_t)1 << 40 ? n : n * (size_t)dims[i];
    }
    if (op == 1 && get_u8(c, &flags)) return;
    if (op == 1 && get_u16(c, &dlen)) return;
    if (op == 2) dlen = (unsigned)(c->end - c->p < 64 ? c->end - c->p : 64);   /* attributes: the next bytes */
    if ((size_t)(c->end - c->p) < dlen) dlen = (unsigned)(c->end - c->p);
    const uint8_t *d = c->p;
    c->p += dlen;

    hid_t t = make_type(code, str_size);
    hid_t sp = rank ? H5Screate_simple((int)rank, dims, NULL) : H5Screate(H5S_SCALAR);
    if (t < 0 || sp < 0) goto done;
    const int vlen = code == FUZZ_H5_T_VSTR;
    if (op == 1) {
        hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
        if (dcpl >= 0 && rank && (flags & 1) && n > 0) {
            for (unsigned i = 0; i < rank; i++) chunk[i] = dims[i] < 4 ? dims[i] : 4;
            H5Pset_chunk(dcpl, (int)rank, chunk);
            if (flags & 2) H5Pset_deflate(dcpl, 1);
        }
        hid_t ds = H5Dcreate2(f, path, t, sp, lcpl, dcpl, H5P_DEFAULT);
        if (ds >= 0 && n > 0 && n <= MAX_ELEMS) {
            char *text;
            void *buf = make_data(t, vlen, n, d, dlen, &text);
            H5Dwrite(ds, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf);
            free(buf);
            free(text);
        }
        if (ds >= 0) H5Dclose(ds);
        if (dcpl >= 0) H5Pclose(dcpl);
    } else if (n * H5Tget_size(t) <= MAX_ATTR_BYTES) {
        hid_t o = open_or_root(f, path);
        hid_t a = o >= 0 && H5Aexists(o, name) == 0 ? H5Acreate2(o, name, t, sp, H5P_DEFAULT, H5P_DEFAULT) : -1;
        if (a >= 0) {
            char *text;
            void *buf = make_data(t, vlen, n, d, dlen, &text);
            H5Awrite(a, t, buf);
            free(buf);
            free(text);
            H5Aclose(a);
        }
        if (o >= 0) H5Oclose(o);
    }
done:
    if (sp >= 0) H5Sclose(sp);
    if (t >= 0) H5Tclose(t);
}

int fuzz_h5_is_recipe(const uint8_t *data, size_t size)
{
    return size >= 4 && memcmp(data, FUZZ_H5_MAGIC, 4) == 0;
}

int fuzz_h5_raw_enabled(void)
{
    const char *v = getenv("FUZZ_HDF5_RAW");
    return !(v && !strcmp(v, "0"));
}

void fuzz_h5_build(const uint8_t *data, size_t size, const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "fuzz harness: cannot create %s\n", path);
        abort();
    }
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    cursor c = {data + 4, data + size};
    for (int records = 0; records < 256 && c.p < c.end; records++) {
        unsigned op;
        char p[256], name[256] = "";
        if (get_u8(&c, &op) || get_str(&c, p, sizeof p)) break;
        op %= 3;
        if (!p[0]) snprintf(p, sizeof p, "/");
        if (op == 2 && get_str(&c, name, sizeof name)) break;
        if (op == 0) {
            if (strcmp(p, "/") && H5Lexists(f, p, H5P_DEFAULT) <= 0) {
                hid_t g = H5Gcreate2(f, p, lcpl, H5P_DEFAULT, H5P_DEFAULT);
                if (g >= 0) H5Gclose(g);
            }
        } else {
            one_object(f, lcpl, op, p, name, &c);
        }
    }
    H5Pclose(lcpl);
    if (H5Fclose(f) < 0) {
        fprintf(stderr, "fuzz harness: cannot write %s\n", path);
        abort();
    }
}
