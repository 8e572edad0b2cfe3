/* The configuration loader: every reference config loads unchanged, nulls, YAML scalar forms,
 * --set overrides, the round trip through ddad_config_to_yaml, and every invalid case with
 * its file:line and hint.
 * usage: test_config FIXTURE_DIR SCRATCH_DIR */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/config.h"

static int failures = 0;
#define EXPECT(cond)                                                              \
    do {                                                                          \
        if (!(cond)) {                                                            \
            fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
            failures++;                                                           \
        }                                                                         \
    } while (0)

static const char *scratch;

static const char *write_tmp(const char *name, const char *text)
{
    static char path[4][1024];
    static int slot = 0;
    char *p = path[slot++ % 4];
    snprintf(p, 1024, "%s/%s", scratch, name);
    FILE *f = fopen(p, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        fprintf(stderr, "cannot write %s\n", p);
        exit(1);
    }
    return p;
}

/* Loads text (as file NAME) with the given overrides; returns the loader's status. */
static int load_text(const char *text, const char *const *sets, int nsets, ddad_config *c, ddad_error *e)
{
    const char *p = write_tmp("case.yaml", text);
    memset(e, 0, sizeof *e);
    return ddad_config_load(p, sets, nsets, c, e);
}

/* Round trip: the effective YAML loads back into the same struct (byte for byte). */
static void check_round_trip(const ddad_config *c, const char *what)
{
    int need = ddad_config_to_yaml(c, NULL, 0);
    char *yaml = malloc((size_t)need + 1);
    EXPECT(yaml && ddad_config_to_yaml(c, yaml, (size_t)need + 1) == need);
    EXPECT(strlen(yaml) == (size_t)need);
    const char *p = write_tmp("roundtrip.yaml", yaml);
    ddad_config back;
    ddad_error e = {0};
    int rc = ddad_config_load(p, NULL, 0, &back, &e);
    if (rc) fprintf(stderr, "round trip of %s: %s\n", what, e.msg);
    EXPECT(rc == 0);
    ddad_config a = *c;
    memset(a.source_path, 0, sizeof a.source_path);
    memset(back.source_path, 0, sizeof back.source_path);
    if (memcmp(&a, &back, sizeof a)) {
        fprintf(stderr, "round trip of %s changed the config:\n%s\n", what, yaml);
        failures++;
    }
    /* a second pass prints the same text (apart from the source line) */
    int need2 = ddad_config_to_yaml(&back, NULL, 0);
    char *yaml2 = malloc((size_t)need2 + 1);
    ddad_config_to_yaml(&back, yaml2, (size_t)need2 + 1);
    EXPECT(!strcmp(strchr(yaml, '\n'), strchr(yaml2, '\n')));
    /* truncation behaves as snprintf */
    char small[16];
    EXPECT(ddad_config_to_yaml(c, small, sizeof small) == need);
    EXPECT(strlen(small) == sizeof small - 1);
    free(yaml);
    free(yaml2);
}

static void test_reference_fixtures(const char *dir)
{
    static const struct {
        const char *name, *network, *dataset;
        int gpu, extra, mem_dim;
        double entropy;
    } ref[] = {
        {"BraTumor_AE", "AE", "brain", 6, 1000, 0, 0}, {"BraTumor_AEU", "AE-U", "brain", 6, 1000, 0, 0},
        {"BraTumor_MemAE", "MemAE", "brain", 5, 1000, 25, 0.0002}, {"LAG_AE", "AE", "lag", 5, 1500, 0, 0},
        {"LAG_AEU", "AE-U", "lag", 7, 1500, 0, 0}, {"LAG_MemAE", "MemAE", "lag", 7, 1500, 25, 0.0002},
        {"RSNA_AE", "AE", "rsna", 5, 4000, 0, 0}, {"RSNA_AEU", "AE-U", "rsna", 5, 4000, 0, 0},
        {"RSNA_MemAE", "MemAE", "rsna", 6, 4000, 25, 0.0002}, {"Vin_AE", "AE", "vin", 4, 4000, 0, 0},
        {"Vin_AEU", "AE-U", "vin", 4, 4000, 0, 0}, {"Vin_MemAE", "MemAE", "vin", 5, 4000, 25, 0.0002},
    };
    for (size_t i = 0; i < sizeof ref / sizeof ref[0]; i++) {
        char path[1024], file[128];
        snprintf(path, sizeof path, "%s/%s.yaml", dir, ref[i].name);
        ddad_config c;
        ddad_error e = {0};
        int rc = ddad_config_load(path, NULL, 0, &c, &e);
        if (rc) fprintf(stderr, "%s: %s\n", path, e.msg);
        EXPECT(rc == 0);
        EXPECT(!strcmp(c.network, ref[i].network));
        EXPECT(!strcmp(c.dataset, ref[i].dataset));
        snprintf(file, sizeof file, "datasets/%s.h5", ref[i].dataset);
        EXPECT(!strcmp(c.file, file));
        EXPECT(c.gpu == ref[i].gpu);
        EXPECT(c.extra_data == ref[i].extra);
        EXPECT(c.mem_dim == ref[i].mem_dim);
        EXPECT(c.entropy_loss_weight == ref[i].entropy);
        EXPECT(c.shrink_thres == 0.0);
        EXPECT(c.mp == 1.0 && c.ls == 16 && c.img_size == 64 && c.ar == 0.6);
        EXPECT(c.bs == 64 && c.lr == 5.0e-4 && c.weight_decay == 0.0 && c.num_epoch == 250);
        EXPECT(c.r_bs == 8 && c.r_lr == 1.0e-4 && c.r_weight_decay == 1.0e-4 && c.r_num_epoch == 100);
        EXPECT(c.grad_clip == 0.0);
        EXPECT(c.beta1 == 0.5 && c.beta2 == 0.999);
        EXPECT(c.members == 3 && c.every_epochs == 0 && c.save_maps == 0 && c.seed == 0);
        EXPECT(!strcmp(c.device, "auto") && !strcmp(c.precision, "fp32") && !strcmp(c.r_input, "dual"));
        EXPECT(!strcmp(c.source_path, path));
        check_round_trip(&c, ref[i].name);
    }
    ddad_config c;
    ddad_error e;
    char path[1024];
    snprintf(path, sizeof path, "%s/RSNA_AE.yaml", dir);
    EXPECT(ddad_config_load(path, NULL, 0, &c, &e) == 0);
    EXPECT(!strcmp(c.out_dir, "output/AE/rsna/"));
}

static void test_defaults(void)
{
    ddad_config d, c;
    ddad_error e;
    ddad_config_defaults(&d);
    EXPECT(!strcmp(d.out_dir, "output/run") && d.seed == 0 && d.members == 3);
    EXPECT(!strcmp(d.network, "AE") && d.bs == 64 && d.lr == 5.0e-4 && d.num_epoch == 250);
    /* a config with one section: the rest are defaults; the data file follows the dataset */
    EXPECT(load_text("Data:\n  dataset: vin\n", NULL, 0, &c, &e) == 0);
    EXPECT(!strcmp(c.file, "datasets/vin.h5"));
    EXPECT(c.extra_data == 4000 && c.r_lr == 1.0e-4 && c.beta2 == 0.999);
    /* no file at all: defaults + overrides */
    const char *sets[] = {"Data.dataset=demo"};
    EXPECT(ddad_config_load(NULL, sets, 1, &c, &e) == 0);
    EXPECT(!strcmp(c.file, "datasets/demo.h5"));
    check_round_trip(&c, "defaults");
}

static void test_nulls_and_scalars(void)
{
    ddad_config c;
    ddad_error e;
    const char *nulls[] = {"Null", "null", "NULL", "~", ""};
    for (size_t i = 0; i < 5; i++) {
        char text[512];
        snprintf(text, sizeof text,
                 "Exp:\n  gpu: %s\nModel:\n  mem_dim: %s\n  shrink_thres: %s\n  entropy_loss_weight: %s\n"
                 "Data:\n  file: %s\nRefineSolver:\n  grad_clip: %s\nEnsemble:\n",
                 nulls[i], nulls[i], nulls[i], nulls[i], nulls[i], nulls[i]);
        int rc = load_text(text, NULL, 0, &c, &e);
        if (rc) fprintf(stderr, "null form '%s': %s\n", nulls[i], e.msg);
        EXPECT(rc == 0);
        EXPECT(c.gpu == 0 && c.mem_dim == 0 && c.shrink_thres == 0 && c.entropy_loss_weight == 0);
        EXPECT(c.grad_clip == 0 && !strcmp(c.file, "datasets/rsna.h5"));
    }
    /* numbers, bools, text in their YAML forms */
    EXPECT(load_text("Solver:\n  lr: 1e-3\n  weight_decay: .5e-4\n  bs: +1_024\n  betas: [0.9, 0.99]\n"
                     "RefineSolver:\n  lr: 2.5E-5\n  grad_clip: 5\n  bs: 0x10\nOutput:\n  save_maps: yes\n"
                     "Exp:\n  seed: 18446744073709551615\n  out_dir: 'runs/a b: c'\n  device: cpu\n"
                     "Model:\n  mp: 2\n  network: !!str AE-U\nData:\n  file: \"x/y.h5\"\n  ar: 1\n",
                     NULL, 0, &c, &e) == 0);
    EXPECT(c.lr == 1e-3 && c.weight_decay == 0.5e-4 && c.bs == 1024 && c.beta1 == 0.9 && c.beta2 == 0.99);
    EXPECT(c.r_lr == 2.5e-5 && c.grad_clip == 5.0 && c.r_bs == 16 && c.save_maps == 1);
    EXPECT(c.seed == UINT64_MAX && !strcmp(c.out_dir, "runs/a b: c") && !strcmp(c.device, "cpu"));
    EXPECT(c.mp == 2.0 && !strcmp(c.network, "AE-U") && !strcmp(c.file, "x/y.h5") && c.ar == 1.0);
    check_round_trip(&c, "scalar forms");
    const char *bools[][2] = {{"true", "1"}, {"True", "1"}, {"on", "1"}, {"YES", "1"},
                              {"false", "0"}, {"No", "0"}, {"off", "0"}, {"FALSE", "0"}};
    for (size_t i = 0; i < 8; i++) {
        char text[128];
        snprintf(text, sizeof text, "Output:\n  save_maps: %s\n", bools[i][0]);
        EXPECT(load_text(text, NULL, 0, &c, &e) == 0);
        EXPECT(c.save_maps == atoi(bools[i][1]));
    }
}

static void test_overrides(void)
{
    ddad_config c;
    ddad_error e;
    const char *base = "Solver:\n  bs: 64\nData:\n  dataset: rsna\n";
    const char *sets[] = {"Solver.bs=32",          "Solver.bs=16",         "Solver.lr=1.0e-3",
                          "Output.save_maps=on",   "Exp.out_dir=\"r/x y\"", "Data.dataset=lag",
                          "Solver.betas=[0.9, 0.99]", "RefineSolver.input=intra", "Model.mem_dim=",
                          "Exp.seed=7",            "Ensemble.members=4",   "Checkpoint.every_epochs=5",
                          "RefineSolver.grad_clip=1.5", "Exp.precision=tf32"};
    int n = (int)(sizeof sets / sizeof sets[0]);
    int rc = load_text(base, sets, n, &c, &e);
    if (rc) fprintf(stderr, "overrides: %s\n", e.msg);
    EXPECT(rc == 0);
    EXPECT(c.bs == 16 && c.lr == 1.0e-3 && c.save_maps == 1 && !strcmp(c.out_dir, "r/x y"));
    EXPECT(!strcmp(c.dataset, "lag") && !strcmp(c.file, "datasets/lag.h5"));   /* file follows the override */
    EXPECT(c.beta1 == 0.9 && c.beta2 == 0.99 && !strcmp(c.r_input, "intra") && c.mem_dim == 0);
    EXPECT(c.seed == 7 && c.members == 4 && c.every_epochs == 5 && c.grad_clip == 1.5);
    EXPECT(!strcmp(c.precision, "tf32"));
    check_round_trip(&c, "overrides");
    /* an explicit Data.file wins over the dataset mapping; null brings the mapping back */
    const char *s2[] = {"Data.file=/abs/path.h5", "Data.dataset=vin"};
    EXPECT(load_text(base, s2, 2, &c, &e) == 0 && !strcmp(c.file, "/abs/path.h5"));
    const char *s3[] = {"Data.file=/abs/path.h5", "Data.file=null"};
    EXPECT(load_text(base, s3, 2, &c, &e) == 0 && !strcmp(c.file, "datasets/rsna.h5"));
}

/* An invalid config: load fails with exit code 2 and a message holding every fragment. */
static void expect_invalid(const char *text, const char *set, const char *frag1, const char *frag2)
{
    ddad_config c;
    ddad_error e;
    const char *sets[] = {set};
    int rc = text ? load_text(text, sets, set ? 1 : 0, &c, &e) : ddad_config_load(NULL, sets, 1, &c, &e);
    int ok = rc == -1 && e.code == DDAD_EXIT_USAGE && strstr(e.msg, frag1) && (!frag2 || strstr(e.msg, frag2));
    if (!ok) {
        fprintf(stderr, "FAIL invalid case (text %s, set %s): rc %d code %d msg '%s', wanted '%s' and '%s'\n",
                text ? text : "(none)", set ? set : "(none)", rc, e.code, rc ? e.msg : "", frag1,
                frag2 ? frag2 : "");
        failures++;
    }
}

static void test_invalid(void)
{
    /* unknown names, with the nearest known name */
    expect_invalid("Solver:\n  num_epochs: 3\n", NULL, "case.yaml:2:", "did you mean 'num_epoch'?");
    expect_invalid("Solvr:\n  bs: 3\n", NULL, "case.yaml:1:", "did you mean 'Solver'?");
    expect_invalid("Exp:\n  out_dir: a\nModel:\n  netwrk: AE\n", NULL, "case.yaml:4:", "did you mean 'network'?");
    expect_invalid("Solver:\n  grad_clip: 3\n", NULL, "case.yaml:2:", "belongs in section RefineSolver");
    /* wrong types */
    expect_invalid("Solver:\n  bs: abc\n", NULL, "case.yaml:2:", "Solver.bs must be an integer, got 'abc'");
    expect_invalid("Solver:\n  bs: 6.5\n", NULL, "case.yaml:2:", "must be an integer");
    expect_invalid("Solver:\n  bs: \"64\"\n", NULL, "case.yaml:2:", "remove the quotes");
    expect_invalid("Solver:\n  bs: 010\n", NULL, "case.yaml:2:", "must be an integer");
    expect_invalid("Solver:\n  bs: 99999999999\n", NULL, "case.yaml:2:", "out of range");
    expect_invalid("Solver:\n  lr: fast\n", NULL, "case.yaml:2:", "Solver.lr must be a number");
    expect_invalid("Solver:\n  lr: .inf\n", NULL, "case.yaml:2:", "must be a number");
    expect_invalid("Solver:\n  lr: [1, 2]\n", NULL, "case.yaml:2:", "got a list");
    expect_invalid("Solver:\n  betas: [0.5]\n", NULL, "case.yaml:2:", "two numbers");
    expect_invalid("Solver:\n  betas: 0.5\n", NULL, "case.yaml:2:", "two numbers");
    expect_invalid("Output:\n  save_maps: maybe\n", NULL, "case.yaml:2:", "must be true or false");
    expect_invalid("Exp:\n  seed: -1\n", NULL, "case.yaml:2:", "non-negative integer");
    expect_invalid("Solver:\n  bs: null\n", NULL, "case.yaml:2:", "got null");
    expect_invalid("Exp:\n  out_dir: ~\n", NULL, "case.yaml:2:", "got null");
    expect_invalid("Exp:\n  out_dir:\n    a: b\n", NULL, "case.yaml:2:", "got a mapping");
    /* out of range */
    expect_invalid("Solver:\n  lr: 0\n", NULL, "case.yaml:2:", "Solver.lr must be > 0");
    expect_invalid("Solver:\n  lr: -1.0e-4\n", NULL, "case.yaml:2:", "must be > 0");
    expect_invalid("RefineSolver:\n  lr: 0.0\n", NULL, "case.yaml:2:", "RefineSolver.lr must be > 0");
    expect_invalid("Solver:\n  bs: 0\n", NULL, "case.yaml:2:", "Solver.bs must be >= 1");
    expect_invalid("RefineSolver:\n  bs: 0\n", NULL, "case.yaml:2:", "RefineSolver.bs must be >= 1");
    expect_invalid("Solver:\n  num_epoch: 0\n", NULL, "case.yaml:2:", "Solver.num_epoch must be >= 1");
    expect_invalid("RefineSolver:\n  num_epoch: 0\n", NULL, "case.yaml:2:", "must be >= 1");
    expect_invalid("Data:\n  img_size: 50\n", NULL, "case.yaml:2:", "multiple of 16");
    expect_invalid("Data:\n  img_size: 0\n", NULL, "case.yaml:2:", "multiple of 16");
    expect_invalid("Data:\n  img_size: 8\n", NULL, "case.yaml:2:", "multiple of 16");
    expect_invalid("Data:\n  ar: 1.5\n", NULL, "case.yaml:2:", "Data.ar must be in [0, 1]");
    expect_invalid("Data:\n  ar: -0.1\n", NULL, "case.yaml:2:", "must be in [0, 1]");
    expect_invalid("Data:\n  extra_data: -1\n", NULL, "case.yaml:2:", "Data.extra_data must be >= 0");
    expect_invalid("Ensemble:\n  members: 1\n", NULL, "case.yaml:2:", "Ensemble.members must be >= 2");
    expect_invalid("Model:\n  mp: 0\n", NULL, "case.yaml:2:", "Model.mp must be > 0");
    expect_invalid("Model:\n  ls: 0\n", NULL, "case.yaml:2:", "Model.ls must be >= 1");
    expect_invalid("Model:\n  network: VAE\n", NULL, "case.yaml:2:", "must be one of AE, AE-U, MemAE");
    expect_invalid("Model:\n  network: ae-u\n", NULL, "case.yaml:2:", "did you mean 'AE-U'?");
    expect_invalid("Exp:\n  device: gpu\n", NULL, "case.yaml:2:", "must be one of auto, cpu, cuda");
    expect_invalid("Exp:\n  precision: fp16\n", NULL, "case.yaml:2:", "must be one of fp32, tf32");
    expect_invalid("RefineSolver:\n  input: inter\n", NULL, "case.yaml:2:", "must be one of dual, intra");
    expect_invalid("RefineSolver:\n  grad_clip: -1\n", NULL, "case.yaml:2:", "or null for no clipping");
    expect_invalid("Model:\n  network: MemAE\n", NULL, "case.yaml", "mem_dim must be set");
    expect_invalid("Data:\n  dataset: ../x\n", NULL, "case.yaml:2:", "put paths in Data.file");
    expect_invalid("Checkpoint:\n  every_epochs: -2\n", NULL, "case.yaml:2:", "must be >= 0");
    /* not YAML, wrong structure, duplicates */
    expect_invalid("Exp:\n  out_dir: [a\n", NULL, "case.yaml:3:", "not valid YAML");
    expect_invalid("Exp:\n\tout_dir: a\n", NULL, "case.yaml:2:", "not valid YAML");
    expect_invalid("- Exp\n- Model\n", NULL, "case.yaml:1:", "top level must be a mapping");
    expect_invalid("just text\n", NULL, "case.yaml:1:", "top level must be a mapping");
    expect_invalid("", NULL, "case.yaml", "the config is empty");
    expect_invalid("# only a comment\n", NULL, "case.yaml", "the config is empty");
    expect_invalid("Exp: 3\n", NULL, "case.yaml:1:", "must hold indented 'key: value' lines");
    expect_invalid("Solver:\n  bs: 3\n  bs: 4\n", NULL, "case.yaml:3:", "duplicate key 'bs' (first given on line 2)");
    expect_invalid("Solver:\n  bs: 3\nSolver:\n  lr: 1\n", NULL, "case.yaml:3:", "duplicate key 'Solver'");
    expect_invalid("a: &x 1\nExp:\n  gpu: *x\n", NULL, "case.yaml:3:8:", "write the value out");
    expect_invalid("Exp:\n  gpu: *x\n", NULL, "case.yaml:2:", "aliases (*x) are not supported");
    expect_invalid("Exp:\n  out_dir: a\n---\nExp:\n  out_dir: b\n", NULL, "case.yaml:3", "second YAML document");
    /* overrides name the --set argument */
    expect_invalid("Solver:\n  bs: 4\n", "Solver.bs=abc", "--set 'Solver.bs=abc'", "must be an integer, got 'abc'");
    expect_invalid("Solver:\n  bs: 4\n", "Solver.lr=0", "--set 'Solver.lr=0'", "must be > 0");
    expect_invalid("Solver:\n  bs: 4\n", "Solver.num_epochs=3", "--set 'Solver.num_epochs=3'", "did you mean 'num_epoch'?");
    expect_invalid("Solver:\n  bs: 4\n", "Solver.lr", "--set 'Solver.lr'", "expected Section.key=value");
    expect_invalid("Solver:\n  bs: 4\n", "bs=3", "--set 'bs=3'", "expected Section.key=value");
    expect_invalid("Solver:\n  bs: 4\n", "Data.img_size=[1", "--set 'Data.img_size=[1'", "not valid YAML");
    expect_invalid(NULL, "Data.ar=2", "--set 'Data.ar=2'", "must be in [0, 1]");
    /* the range error names the place the value was last set */
    expect_invalid("Exp:\n  out_dir: a\nSolver:\n  bs: 0\n", NULL, "case.yaml:4:", "Solver.bs must be >= 1");
    /* a missing file */
    ddad_config c;
    ddad_error e;
    EXPECT(ddad_config_load("/nonexistent/dir/c.yaml", NULL, 0, &c, &e) == -1 && e.code == DDAD_EXIT_USAGE);
    EXPECT(strstr(e.msg, "/nonexistent/dir/c.yaml") != NULL);
}

static void test_check_data(void)
{
    ddad_config c;
    ddad_error e;
    const char *sets[] = {"Data.extra_data=300", "Data.ar=0.6", "Data.img_size=64"};
    EXPECT(ddad_config_load(NULL, sets, 3, &c, &e) == 0);
    EXPECT(ddad_config_check_data(&c, 64, 300, 300, &e) == 0);
    EXPECT(ddad_config_check_data(&c, 64, 120, 180, &e) == 0);   /* exactly enough */
    EXPECT(ddad_config_check_data(&c, 64, 119, 180, &e) == -1 && e.code == DDAD_EXIT_USAGE);
    EXPECT(strstr(e.msg, "120 normal") && strstr(e.msg, "180 abnormal") && strstr(e.msg, "119 in pool0"));
    EXPECT(ddad_config_check_data(&c, 64, 300, 100, &e) == -1);
    EXPECT(strstr(e.msg, "100 in pool1") && strstr(e.msg, "at most 168"));   /* int(168*0.6) = 100, int(169*0.6) = 101 */
    EXPECT(ddad_config_check_data(&c, 128, 300, 300, &e) == -1 && strstr(e.msg, "--img-size 64"));
    EXPECT(strstr(e.msg, "128x128") != NULL);
    /* int(E*ar) truncates as Python's int() does: 4000*0.6 -> 2400, 1500*0.6 -> 900 */
    const char *s2[] = {"Data.extra_data=1500", "Data.ar=0.6"};
    EXPECT(ddad_config_load(NULL, s2, 2, &c, &e) == 0);
    EXPECT(ddad_config_check_data(&c, 64, 600, 900, &e) == 0);
    EXPECT(ddad_config_check_data(&c, 64, 599, 900, &e) == -1);
    const char *s3[] = {"Data.extra_data=0"};
    EXPECT(ddad_config_load(NULL, s3, 1, &c, &e) == 0 && ddad_config_check_data(&c, 64, 0, 0, &e) == 0);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: test_config FIXTURE_DIR SCRATCH_DIR\n");
        return 2;
    }
    scratch = argv[2];
    test_reference_fixtures(argv[1]);
    test_defaults();
    test_nulls_and_scalars();
    test_overrides();
    test_invalid();
    test_check_data();
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    else printf("config: all checks passed\n");
    return failures ? 1 : 0;
}
