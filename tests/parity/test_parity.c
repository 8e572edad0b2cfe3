/* Checks ddad's C networks against PyTorch (the file make_parity.py writes; the reference
 * is PyTorch in float64 from the same float32 weights and inputs): forward outputs, loss
 * and every gradient to relative error 1e-5 (max|a-b| / max|b| per tensor), parameters and
 * BatchNorm buffers after 10 Adam steps to 1e-4, eval-mode outputs to 1e-5.
 * Where PyTorch's own float32 computations are further than that from the float64
 * reference (training amplifies rounding), the tolerance is 3x the largest of their
 * errors (make_parity.py runs float32 several times, each a different rounding of the
 * same problem): ddad must be about as close to the exact result as a correct float32
 * implementation can be. That spread is measured on the machine that runs the test, so
 * the bound follows the machine instead of being fitted on one.
 * A case with Adam steps must also keep its power: the same criterion is applied to the
 * float64 results of wrong optimisers (mutant/, make_parity.py) and must reject each.
 * Usage: test_parity FILE.h5 [case ...] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/adam.h"
#include "model/ae.h"
#include "model/checkpoint.h"
#include "model/refine.h"
#include "nn/threads.h"
#include "h5util.h"

#define TOL_FWD 1e-5
#define TOL_STEP 1e-4

static int failures = 0;

static double max_abs(const float *b, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(b[i]) > m) m = fabs(b[i]);
    return m;
}

/* max|a-b| / max(max|b|, floor) */
static double rel_err(const float *a, const float *b, size_t n, double floor)
{
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double e = fabs((double)a[i] - b[i]);
        if (!(e <= d)) d = e;   /* NaN counts as an error */
    }
    double m = max_abs(b, n);
    if (floor > m) m = floor;
    return m > 0 ? d / m : d;
}

static void report(const char *cs, const char *what, const char *name, double err, double tol)
{
    int ok = err <= tol;
    if (!ok) failures++;
    printf("%-18s %-8s %-32s rel %.3e  (tol %.0e) %s\n", cs, what, name, err, tol, ok ? "ok" : "FAIL");
}

/* PyTorch's own float32 error on dataset name of g, relative like rel_err: its
 * f32_max_diff attribute (make_parity.py) over max(max|b|, floor). A dataset without one
 * (a link to "init": nothing was computed) counts as exact. */
static double f32_rel_err(hid_t g, const char *name, const float *b, size_t n, double floor)
{
    if (H5Aexists_by_name(g, name, "f32_max_diff", H5P_DEFAULT) <= 0) return 0.0;
    double d = 0;
    hid_t at = H5Aopen_by_name(g, name, "f32_max_diff", H5P_DEFAULT, H5P_DEFAULT);
    if (at < 0 || H5Aread(at, H5T_NATIVE_DOUBLE, &d) < 0) {
        fprintf(stderr, "h5: cannot read f32_max_diff of %s\n", name);
        exit(1);
    }
    H5Aclose(at);
    double m = max_abs(b, n);
    if (floor > m) m = floor;
    return m > 0 ? d / m : d;
}

/* Whether a (n values) is within the tolerance of dataset name of g; the tolerance
 * grows to 3x the float32 runs' largest error where with_f32. Reported and counted
 * unless quiet (a mutant's check). */
static int within(hid_t g, int with_f32, int quiet, const char *cs, const char *what, const char *name,
                  const float *a, size_t n, double tol, double floor)
{
    size_t m;
    int ok = 0;
    float *b = h5_read_floats(g, name, &m);
    if (m != n) {
        if (!quiet) {
            printf("%-18s %-8s %-32s size %zu vs %zu FAIL\n", cs, what, name, n, m);
            failures++;
        }
    } else {
        double t = tol;
        if (with_f32) {
            double e32 = f32_rel_err(g, name, b, n, floor);
            if (3.0 * e32 > t) t = 3.0 * e32;
        }
        const double err = rel_err(a, b, n, floor);
        ok = err <= t;
        if (!quiet) report(cs, what, name, err, t);
    }
    free(b);
    return ok;
}

static void compare2(hid_t g, int with_f32, const char *cs, const char *what, const char *name, const float *a,
                     size_t n, double tol, double floor)
{
    within(g, with_f32, 0, cs, what, name, a, n, tol, floor);
}

static void compare(hid_t g, const char *cs, const char *what, const char *name, const float *a, size_t n, double tol,
                    double floor)
{
    compare2(g, 0, cs, what, name, a, n, tol, floor);
}

static void compare_top(hid_t g, const char *cs, const char *name, const float *a, size_t n)
{
    compare2(g, 1, cs, "train", name, a, n, TOL_FWD, 0);
}

/* Biases whose effect reaches a train-mode BatchNorm only through linear maps (a layer
 * directly before BN, or linear_enc.3 feeding linear_dec.0 -> BN) have an analytically
 * zero gradient: both sides hold rounding noise, so the error is measured against the
 * network's largest gradient. */
static int zero_grad_bias(const char *name)
{
    const char *list[] = {"linear_enc.0.bias", "linear_enc.3.bias", "linear_dec.0.bias", "model.0.bias",
                          "model.3.bias"};
    for (size_t i = 0; i < sizeof list / sizeof *list; i++)
        if (strcmp(name, list[i]) == 0) return 1;
    return 0;
}

static void compare_grads(hid_t g, const char *cs, const ddad_paramset *ps)
{
    hid_t gg = H5Gopen2(g, "grad", H5P_DEFAULT);
    double floor = 0;
    for (int i = 0; i < ps->n_param_desc; i++) {
        size_t n;
        float *b = h5_read_floats(gg, ps->param_desc[i].name, &n);
        double m = max_abs(b, n);
        if (m > floor) floor = m;
        free(b);
    }
    for (int i = 0; i < ps->n_param_desc; i++) {
        const ddad_tensor_desc *d = &ps->param_desc[i];
        compare2(gg, 1, cs, "grad", d->name, ps->grads + d->offset, d->count, TOL_FWD,
                 zero_grad_bias(d->name) ? floor : 0);
    }
    H5Gclose(gg);
}

static void compare_state(hid_t g, const char *cs, const ddad_paramset *ps)
{
    hid_t sg = H5Gopen2(g, "stepped", H5P_DEFAULT);
    for (int i = 0; i < ps->n_param_desc; i++) {
        const ddad_tensor_desc *d = &ps->param_desc[i];
        compare2(sg, 1, cs, "stepped", d->name, ps->params + d->offset, d->count, TOL_STEP, 0);
    }
    for (int i = 0; i < ps->n_buffer_desc; i++) {
        const ddad_tensor_desc *d = &ps->buffer_desc[i];
        compare2(sg, 1, cs, "stepped", d->name, ps->buffers + d->offset, d->count, TOL_STEP, 0);
    }
    H5Gclose(sg);
}

/* The stepped criterion applied to each wrong optimiser's float64 parameters: at least
 * one tensor must fail it, or the case cannot tell a wrong Adam step from rounding. */
static void check_mutants_rejected(hid_t g, const char *cs, const ddad_paramset *ps)
{
    if (H5Lexists(g, "mutant", H5P_DEFAULT) <= 0) {
        printf("%-18s no mutant/ group (make_parity.py writes one per case with steps) FAIL\n", cs);
        failures++;
        return;
    }
    hid_t sg = H5Gopen2(g, "stepped", H5P_DEFAULT), mg = H5Gopen2(g, "mutant", H5P_DEFAULT);
    hsize_t nm = 0;
    H5Gget_num_objs(mg, &nm);
    for (hsize_t k = 0; k < nm; k++) {
        char mut[64];
        H5Lget_name_by_idx(mg, ".", H5_INDEX_NAME, H5_ITER_INC, k, mut, sizeof mut, H5P_DEFAULT);
        hid_t wg = H5Gopen2(mg, mut, H5P_DEFAULT);
        int rejected = 0;
        for (int i = 0; i < ps->n_param_desc; i++) {
            const ddad_tensor_desc *d = &ps->param_desc[i];
            size_t n;
            float *w = h5_read_floats(wg, d->name, &n);
            rejected += !within(sg, 1, 1, cs, "mutant", d->name, w, n, TOL_STEP, 0);
            free(w);
        }
        H5Gclose(wg);
        printf("%-18s mutant   %-32s rejected by %d of %d tensors %s\n", cs, mut, rejected, ps->n_param_desc,
               rejected ? "ok" : "FAIL");
        if (!rejected) failures++;
    }
    H5Gclose(mg);
    H5Gclose(sg);
}

static void load_group(hid_t g, const char *name, ddad_paramset *ps)
{
    ddad_error err;
    hid_t ig = H5Gopen2(g, name, H5P_DEFAULT);
    if (ig < 0 || ddad_paramset_load(ig, ps, 0, &err)) {
        fprintf(stderr, "loading %s: %s\n", name, ig < 0 ? "no group" : err.msg);
        exit(1);
    }
    H5Gclose(ig);
}

static void ae_case(hid_t g, const char *cs)
{
    ddad_ae_shape sh = {.img_size = (int)h5_attr_double(g, "img_size"), .mp = h5_attr_double(g, "mp"),
                        .ls = (int)h5_attr_double(g, "ls"), .unc = (int)h5_attr_double(g, "unc")};
    int batch = (int)h5_attr_double(g, "batch"), steps = (int)h5_attr_double(g, "steps");
    ddad_adam_cfg opt = ddad_adam_defaults((float)h5_attr_double(g, "lr"), (float)h5_attr_double(g, "weight_decay"));
    opt.eps = (float)h5_attr_double(g, "eps");
    ddad_ae *ae = ddad_ae_create(&sh, batch, 1);
    ddad_paramset *ps = ddad_ae_paramset(ae);
    load_group(g, "init", ps);
    size_t n;
    float *x = h5_read_floats(g, "x", &n);
    float loss = ddad_ae_forward_backward(ae, x, batch);
    size_t nout = (size_t)batch * (sh.unc ? 2 : 1) * sh.img_size * sh.img_size;
    compare_top(g, cs, "out", ddad_ae_output(ae), nout);
    compare_top(g, cs, "loss", &loss, 1);
    compare_grads(g, cs, ps);
    for (int s = 0; s < steps; s++) ddad_ae_train_step(ae, x, batch, &opt, NULL);
    compare_state(g, cs, ps);
    if (steps > 0) check_mutants_rejected(g, cs, ps);
    if (ps->num_batches_tracked != steps + 1 || ps->step != steps) {
        printf("%-18s num_batches_tracked %lld, expected %d FAIL\n", cs, (long long)ps->num_batches_tracked, steps + 1);
        failures++;
    }
    /* eval mode with PyTorch's stepped weights and running statistics */
    load_group(g, "stepped", ps);
    float *xe = h5_read_floats(g, "eval_x", &n);
    float *out = malloc(sizeof(float) * nout);
    ddad_ae_forward(ae, xe, batch, 0, out);
    compare(g, cs, "eval", "eval_out", out, nout, TOL_FWD, 0);
    free(out);
    free(xe);
    free(x);
    ddad_ae_free(ae);
}

static void refine_case(hid_t g, const char *cs)
{
    int cin = (int)h5_attr_double(g, "cin"), h = (int)h5_attr_double(g, "height"), w = (int)h5_attr_double(g, "width");
    int batch = (int)h5_attr_double(g, "batch"), steps = (int)h5_attr_double(g, "steps");
    ddad_adam_cfg opt = ddad_adam_defaults((float)h5_attr_double(g, "lr"), (float)h5_attr_double(g, "weight_decay"));
    opt.grad_clip = (float)h5_attr_double(g, "grad_clip");
    opt.eps = (float)h5_attr_double(g, "eps");
    ddad_refine *r = ddad_refine_create(cin, h, w, batch, 1);
    ddad_paramset *ps = ddad_refine_paramset(r);
    load_group(g, "init", ps);
    size_t n;
    float *x = h5_read_floats(g, "x", &n);
    unsigned char *t = h5_read_u8(g, "target", &n);
    float loss = ddad_refine_forward_backward(r, x, t, batch, batch, NULL);
    compare_top(g, cs, "out", ddad_refine_prob(r), (size_t)batch * 2 * h * w);
    compare_top(g, cs, "loss", &loss, 1);
    compare_grads(g, cs, ps);
    for (int s = 0; s < steps; s++) {
        ddad_refine_forward_backward(r, x, t, batch, batch, NULL);
        ddad_adam_step(ps, &opt);
    }
    compare_state(g, cs, ps);
    check_mutants_rejected(g, cs, ps);
    load_group(g, "stepped", ps);
    float *xe = h5_read_floats(g, "eval_x", &n);
    float *p1 = malloc(sizeof(float) * (size_t)batch * h * w);
    ddad_refine_infer(r, xe, batch, p1);
    compare(g, cs, "eval", "eval_out", p1, (size_t)batch * h * w, TOL_FWD, 0);
    free(p1);
    free(xe);
    free(t);
    free(x);
    ddad_refine_free(r);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_parity FILE.h5 [case ...]\n");
        return 2;
    }
    ddad_nn_set_threads(0);
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        fprintf(stderr, "cannot open %s (run make_parity.py first)\n", argv[1]);
        return 1;
    }
    hsize_t ncases = 0;
    H5Gget_num_objs(f, &ncases);
    int ran = 0;
    for (hsize_t i = 0; i < ncases; i++) {
        char name[128];
        H5Lget_name_by_idx(f, ".", H5_INDEX_NAME, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
        int wanted = argc == 2;
        for (int a = 2; a < argc; a++) wanted |= strcmp(argv[a], name) == 0;
        if (!wanted) continue;
        hid_t g = H5Gopen2(f, name, H5P_DEFAULT);
        if (h5_has_attr(g, "cin"))
            refine_case(g, name);
        else
            ae_case(g, name);
        H5Gclose(g);
        ran++;
    }
    H5Fclose(f);
    if (ran == 0) {
        fprintf(stderr, "no parity cases found in %s\n", argv[1]);
        return 1;
    }
    printf("%d case(s), %d failure(s)\n", ran, failures);
    return failures ? 1 : 0;
}
