/*
 * quality.c: how closely the quantised variants follow the float model
 * (the quality table of docs/performance.md).
 *
 *   hilbench-quality [--shared DIR] [--vectors N] [--calib M] [--range model|unit]
 *
 * For each MLPerf Tiny pair in DIR/models (a float model and the int8 model
 * the TensorFlow Lite converter made from it), the float model is the
 * reference. Every variant runs the same N evaluation vectors, uniform in
 * the model's input range: by default the float range the converter's int8
 * input covers, [scale (-128 - zp), scale (127 - zp)], so the converter's
 * variant sees no clipping at its input; with --range unit, [-1, 1) as the
 * goldens use. Our variants are made by the recipes (host/compress),
 * calibrated on M other vectors from the same distribution (other seeds).
 * Every variant is fed the float vectors through its own input
 * quantisation and read back dequantised (hostrun_set_input_f32 /
 * hostrun_output_f32), as `hilbench infer --input-dtype float32
 * --output-dtype float32` does.
 *
 * Printed per variant: top-1 agreement with the float model (classifiers;
 * the share of vectors whose arg max matches) and the output SNR,
 * 10 log10(sum y^2 / sum (y - y_variant)^2) over all outputs and vectors.
 * Not a test: a measurement with a documented command.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress/compress.h"
#include "model/hostrun.h"
#include "model/tflite.h"

typedef struct {
    const char *float_model, *int8_model, *name;
    int classifier;
} pair;

static const pair pairs[] = {
    {"vww_96_float", "vww_96_int8", "vww_96 (MobileNetV1, 2 classes)", 1},
    {"pretrainedResnet", "pretrainedResnet_quant", "ResNet-8 (CIFAR-10, 10 classes)", 1},
    {"ad01_fp32", "ad01_int8", "ad01 (autoencoder, 640 outputs)", 0},
};

static const char *const recipes[] = {"int8", "int8:percentile", "int8:mse", "int8:per-tensor",
                                      "int16x8", "dynamic"};
#define N_RECIPES (int)(sizeof(recipes) / sizeof(recipes[0]))

static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

/* n vectors of count floats uniform in [lo, hi), vector k seeded seed + k. */
static float **make_vectors(int n, size_t count, uint32_t seed, float lo, float hi)
{
    float **v = calloc((size_t)n, sizeof(*v));
    for (int k = 0; v && k < n; k++) {
        uint32_t s = seed + (uint32_t)k;
        if (!(v[k] = malloc(count * sizeof(float))))
            return NULL;
        for (size_t e = 0; e < count; e++)
            v[k][e] = (float)(lo + (double)xorshift32(&s) / 4294967296.0 * (hi - lo));
    }
    return v;
}

static void free_vectors(float **v, int n)
{
    for (int k = 0; v && k < n; k++)
        free(v[k]);
    free(v);
}

/* Runs g on every vector; out[k] receives the float outputs (count each). */
static hb_status run_all(const graph *g, float **in, int n, size_t in_count, float **out,
                         size_t out_count)
{
    hostrun *r = NULL;
    hb_status st = hostrun_new(g, &r);
    for (int k = 0; k < n && st == HB_OK; k++)
        if ((st = hostrun_set_input_f32(r, 0, in[k], in_count)) == HB_OK &&
            (st = hostrun_invoke(r, NULL, NULL)) == HB_OK)
            st = hostrun_output_f32(r, 0, out[k], out_count);
    hostrun_free(r);
    return st;
}

static size_t arg_max(const float *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return best;
}

static void report(const char *variant, float **ref, float **got, int n, size_t count,
                   int classifier)
{
    double sig = 0, noise = 0;
    int agree = 0;
    for (int k = 0; k < n; k++) {
        for (size_t i = 0; i < count; i++) {
            double d = (double)ref[k][i] - got[k][i];
            sig += (double)ref[k][i] * ref[k][i];
            noise += d * d;
        }
        agree += arg_max(ref[k], count) == arg_max(got[k], count);
    }
    char top1[32] = "-";
    if (classifier)
        snprintf(top1, sizeof(top1), "%.1f %%", 100.0 * agree / n);
    printf("| %-24s | %8s | %8.1f |\n", variant, top1,
           noise > 0 ? 10 * log10(sig / noise) : INFINITY);
}

static int measure(const char *dir, const pair *p, int n, int n_calib, int unit_range)
{
    char path[4096];
    graph *fg = NULL, *tg = NULL;
    float **eval = NULL, **calib = NULL, **ref = NULL, **got = NULL;
    int rc = 1;

    snprintf(path, sizeof(path), "%s/models/%s.tflite", dir, p->float_model);
    if (tflite_read_file(path, &fg) != HB_OK)
        goto cleanup;
    snprintf(path, sizeof(path), "%s/models/%s.tflite", dir, p->int8_model);
    if (tflite_read_file(path, &tg) != HB_OK)
        goto cleanup;
    const graph_tensor *tin = &tg->tensors[tg->inputs[0]];
    float lo = -1.0f, hi = 1.0f;
    if (!unit_range) {
        lo = tin->scales[0] * (float)(-128 - tin->zero_points[0]);
        hi = tin->scales[0] * (float)(127 - tin->zero_points[0]);
    }
    size_t in_count = graph_tensor_count(&fg->tensors[fg->inputs[0]]);
    size_t out_count = graph_tensor_count(&fg->tensors[fg->outputs[0]]);
    eval = make_vectors(n, in_count, 1000, lo, hi);
    calib = make_vectors(n_calib, in_count, 500000, lo, hi);
    ref = make_vectors(n, out_count, 1, 0, 0);
    got = make_vectors(n, out_count, 1, 0, 0);
    if (!eval || !calib || !ref || !got)
        goto cleanup;
    printf("\n%s: %d vectors uniform in [%g, %g), calibration on %d others\n\n", p->name, n,
           (double)lo, (double)hi, n_calib);
    printf("| %-24s | %8s | %8s |\n|---|---:|---:|\n", "variant", "top-1", "SNR dB");
    if (run_all(fg, eval, n, in_count, ref, out_count) != HB_OK ||
        run_all(tg, eval, n, in_count, got, out_count) != HB_OK)
        goto cleanup;
    report("TFLite converter int8", ref, got, n, out_count, p->classifier);
    for (int v = 0; v < N_RECIPES; v++) {
        compress_recipe *r = NULL;
        graph *vg = NULL;
        compress_context ctx = {(const float *const *)calib, n_calib, NULL};
        hb_status st = compress_recipe_parse(recipes[v], &r);
        if (st == HB_OK)
            st = compress_apply(fg, r, &ctx, &vg, NULL);
        if (st == HB_OK)
            st = run_all(vg, eval, n, in_count, got, out_count);
        compress_recipe_free(r);
        graph_free(vg);
        if (st != HB_OK)
            goto cleanup;
        char name[64];
        snprintf(name, sizeof(name), "hilbench %s", recipes[v]);
        report(name, ref, got, n, out_count, p->classifier);
    }
    rc = 0;
cleanup:
    if (rc)
        fprintf(stderr, "hilbench-quality: %s: %s\n", p->name, hb_last_error());
    free_vectors(eval, n);
    free_vectors(calib, n_calib);
    free_vectors(ref, n);
    free_vectors(got, n);
    graph_free(fg);
    graph_free(tg);
    return rc;
}

static long number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return end != s && !*end && v > 0 && v <= 100000 ? v : -1;
}

int main(int argc, char **argv)
{
    const char *dir = "../shared";
    long n = 200, n_calib = 100;
    int unit = 0, rc = 0;
    for (int i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--shared") && v)
            dir = v, i++;
        else if (!strcmp(argv[i], "--vectors") && v && (n = number(v)) > 0)
            i++;
        else if (!strcmp(argv[i], "--calib") && v && (n_calib = number(v)) > 0)
            i++;
        else if (!strcmp(argv[i], "--range") && v && (!strcmp(v, "model") || !strcmp(v, "unit")))
            unit = !strcmp(v, "unit"), i++;
        else {
            fprintf(stderr, "usage: hilbench-quality [--shared DIR] [--vectors N] [--calib M] "
                            "[--range model|unit]\n");
            return 2;
        }
    }
    for (size_t k = 0; k < sizeof(pairs) / sizeof(pairs[0]); k++)
        rc |= measure(dir, &pairs[k], (int)n, (int)n_calib, unit);
    return rc;
}
