/*
 * check_onnx_shared.c: the ONNX importer and the engine against ONNX's
 * own backend test data (../shared/onnx-tests), discovered at run time.
 *
 * Every test_* case imports, runs on the host engine with its
 * input_N.pb and must match output_N.pb within 1e-4 x max |expected|,
 * unless the table below says it uses an op outside the importer's list,
 * in which case the refusal must name that op. Every light/ network must
 * be accepted or refused as the table says (a refusal naming the op); an
 * accepted one runs against its expected output (input arange(n) / n) if
 * it is small, and is only lowered to a blob otherwise, unless
 * HB_ONNX_LIGHT=1 asks for all (whole ImageNet networks: VGG-19 alone is
 * 20 GMACs, two minutes under the sanitizers).
 */
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"
#include "model/onnx.h"

#define MAX_CASES 128
#define TOLERANCE 1e-4
/* Networks above this many multiply-accumulates run only with
 * HB_ONNX_LIGHT=1 (the others are checked to lower to a blob). */
#define LIGHT_MACS 1000000000ull

/* Cases outside the importer's scope: refused, naming the op (or the
 * element type). */
static const struct {
    const char *name, *op;
} refused[] = {
    {"test_operator_convtranspose", "ConvTranspose"},
    /* float64 models (with uninitialised test data beyond float range). */
    {"test_operator_add_broadcast", "float64"},
    {"test_operator_add_size1_broadcast", "float64"},
    {"test_operator_add_size1_right_broadcast", "float64"},
    {"test_operator_add_size1_singleton_broadcast", "float64"},
    {"test_operator_addconstant", "float64"},
    {"light_bvlc_alexnet", "LRN"},
    {"light_inception_v1", "LRN"},
    {"light_zfnet512", "LRN"},
};

static char cases[MAX_CASES][96], lights[MAX_CASES][96];
static int n_cases, n_lights;

static int by_name(const void *a, const void *b) { return strcmp(a, b); }

static void discover(void)
{
    const char *root = hbt_path("%s/onnx-tests", hbt_shared_dir());
    DIR *d = opendir(root);
    struct dirent *e;
    n_cases = n_lights = 0;
    while (d && (e = readdir(d)) != NULL)
        if (!strncmp(e->d_name, "test_", 5) && strlen(e->d_name) < sizeof(cases[0]) &&
            n_cases < MAX_CASES)
            memcpy(cases[n_cases++], e->d_name, strlen(e->d_name) + 1);
    if (d)
        closedir(d);
    d = opendir(hbt_path("%s/light", root));
    while (d && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 5 && n < sizeof(lights[0]) && !strcmp(e->d_name + n - 5, ".onnx") &&
            n_lights < MAX_CASES) {
            snprintf(lights[n_lights], sizeof(lights[0]), "%.*s", (int)(n - 5), e->d_name);
            n_lights++;
        }
    }
    if (d)
        closedir(d);
    qsort(cases, (size_t)n_cases, sizeof(cases[0]), by_name);
    qsort(lights, (size_t)n_lights, sizeof(lights[0]), by_name);
}

static const char *refused_op(const char *name)
{
    for (size_t k = 0; k < sizeof(refused) / sizeof(refused[0]); k++)
        if (!strcmp(refused[k].name, name))
            return refused[k].op;
    return NULL;
}

static int read_tensor(const char *path, onnx_tensor *t)
{
    size_t len;
    uint8_t *buf = hbt_read_file(path, &len);
    if (!buf)
        return 0;
    hb_status st = onnx_tensor_read(buf, len, t);
    free(buf);
    ck_assert_msg(st == HB_OK, "%s: %s", path, hb_last_error());
    return 1;
}

/* Compares output k of r with expected values; fails naming the case.
 * *err gets the largest error relative to max |expected|. */
static void compare(const char *name, hostrun *r, int k, const onnx_tensor *want, double *err)
{
    float *got = malloc((want->count ? want->count : 1) * sizeof(float));
    ck_assert_ptr_nonnull(got);
    hb_status st = hostrun_output_f32(r, k, got, want->count);
    ck_assert_msg(st == HB_OK, "%s output %d: %s", name, k, hb_last_error());
    double max_ref = 0.0, max_err = 0.0;
    size_t worst = 0;
    for (size_t i = 0; i < want->count; i++) {
        double e = fabs((double)got[i] - (double)want->values[i]);
        max_ref = fmax(max_ref, fabs((double)want->values[i]));
        if (!(e <= max_err)) {
            max_err = e;
            worst = i;
        }
    }
    ck_assert_msg(isfinite(max_ref), "%s output %d: expected values not finite", name, k);
    ck_assert_msg(max_err <= TOLERANCE * max_ref, "%s output %d: max error %g at %zu (ours %g, "
                  "expected %g), allowed %g", name, k, max_err, worst, (double)got[worst],
                  (double)want->values[worst], TOLERANCE * max_ref);
    *err = fmax(*err, max_ref > 0.0 ? max_err / max_ref : max_err);
    free(got);
}

/* One line of the results table (one per case, in the test's output). */
static void report(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(const char *name, const char *fmt, ...)
{
    va_list ap;
    printf("  %-46s ", name);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
}

static graph *import(const char *path, const char *name, const char *op)
{
    graph *g = NULL;
    hb_status st = onnx_read_file(path, &g);
    if (op) {
        ck_assert_msg(st == HB_ERR_UNSUPPORTED, "%s: expected a refusal naming %s, got %d (%s)",
                      name, op, st, st ? hb_last_error() : "accepted");
        ck_assert_msg(strstr(hb_last_error(), op) != NULL, "%s: the refusal '%s' does not name "
                      "%s", name, hb_last_error(), op);
        const char *why = strstr(hb_last_error(), ".onnx: "); /* the path left out */
        report(name, "refused (%s): %s", op, why ? why + 7 : hb_last_error());
        return NULL;
    }
    ck_assert_msg(st == HB_OK, "%s: %s", name, hb_last_error());
    return g;
}

START_TEST(conformance_case)
{
    const char *name = cases[_i];
    char dir[4096]; /* hbt_path's buffers rotate */
    snprintf(dir, sizeof(dir), "%s/onnx-tests/%s", hbt_shared_dir(), name);
    graph *g = import(hbt_path("%s/model.onnx", dir), name, refused_op(name));
    hostrun *r = NULL;
    if (!g)
        return;
    hb_status st = hostrun_new(g, &r);
    ck_assert_msg(st == HB_OK, "%s: %s", name, hb_last_error());
    int k = 0;
    onnx_tensor t;
    while (read_tensor(hbt_path("%s/test_data_set_0/input_%d.pb", dir, k), &t)) {
        st = hostrun_set_input_f32(r, k, t.values, t.count);
        ck_assert_msg(st == HB_OK, "%s input %d: %s", name, k, hb_last_error());
        onnx_tensor_free(&t);
        k++;
    }
    ck_assert_msg(k == nn_model_input_count(hostrun_model(r)), "%s: %d input files for %d "
                  "inputs", name, k, nn_model_input_count(hostrun_model(r)));
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    double err = 0.0;
    for (k = 0; read_tensor(hbt_path("%s/test_data_set_0/output_%d.pb", dir, k), &t); k++) {
        compare(name, r, k, &t, &err);
        onnx_tensor_free(&t);
    }
    ck_assert_msg(k == nn_model_output_count(hostrun_model(r)), "%s: %d output files", name, k);
    report(name, "matched (max error %.2g x max |expected|)", err);
    hostrun_free(r);
    graph_free(g);
}
END_TEST

START_TEST(light_network)
{
    const char *name = lights[_i];
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/onnx-tests/light", hbt_shared_dir());
    graph *g = import(hbt_path("%s/%s.onnx", dir, name), name, refused_op(name));
    hostrun *r = NULL;
    if (!g)
        return;
    /* Measured under the sanitizers: SqueezeNet (0.35 GMACs) 2 s,
     * ShuffleNet (0.12) 1 s, Inception v2 (2.0) 10 s, DenseNet-121 (2.8)
     * 16 s, ResNet-50 (4.1) 21 s, VGG-19 (19.6) 2 minutes and 2 GB. */
    uint64_t macs = 0;
    for (int i = 0; i < g->n_ops; i++)
        macs += graph_op_macs(g, i);
    const char *full = getenv("HB_ONNX_LIGHT");
    if (macs > LIGHT_MACS && (!full || strcmp(full, "1"))) {
        /* Accepted: it must lower to a blob the engine opens. */
        uint8_t *blob = NULL;
        size_t len = 0;
        hb_status st = blob_build(g, &blob, &len, NULL);
        ck_assert_msg(st == HB_OK, "%s: %s", name, hb_last_error());
        report(name, "imported and lowered (%.1f GMACs), not run: HB_ONNX_LIGHT=1 runs it",
               (double)macs / 1e9);
        free(blob);
        graph_free(g);
        return;
    }
    hb_status st = hostrun_new(g, &r);
    ck_assert_msg(st == HB_OK, "%s: %s", name, hb_last_error());
    nn_tensor in;
    ck_assert_int_eq(hostrun_input(r, 0, &in), HB_OK);
    float *x = malloc(in.count * sizeof(float));
    ck_assert_ptr_nonnull(x);
    for (uint32_t i = 0; i < in.count; i++)
        x[i] = (float)i / (float)in.count;
    ck_assert_int_eq(hostrun_set_input_f32(r, 0, x, in.count), HB_OK);
    free(x);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    onnx_tensor want;
    ck_assert(read_tensor(hbt_path("%s/%s_output_0.pb", dir, name), &want));
    double err = 0.0;
    compare(name, r, 0, &want, &err);
    report(name, "matched (max error %.2g x max |expected|, %.2f GMACs)", err, (double)macs / 1e9);
    onnx_tensor_free(&want);
    hostrun_free(r);
    graph_free(g);
}
END_TEST

START_TEST(cases_are_there)
{
    ck_assert_msg(n_cases >= 60, "%d test_* cases found", n_cases);
    ck_assert_msg(n_lights >= 9, "%d light networks found", n_lights);
}
END_TEST

static Suite *onnx_shared_suite(void)
{
    Suite *s = suite_create("onnx_shared");
    TCase *tc = tcase_create("shared");
    discover();
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, cases_are_there);
    tcase_add_loop_test(tc, conformance_case, 0, n_cases);
    tcase_add_loop_test(tc, light_network, 0, n_lights);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN_SHARED(onnx_shared_suite)
