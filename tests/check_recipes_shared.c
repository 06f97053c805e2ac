/*
 * check_recipes_shared.c: the recipes on the MLPerf Tiny float models of
 * ../shared/models (skipped when it is absent).
 *
 * Each float model is quantised by the recipe, calibrated on 8 vectors
 * uniform in the input range of the TensorFlow Lite converter's int8
 * variant of the same model, and compared with the float model on 8 other
 * vectors: the variant must run on the engine, agree on the arg max of
 * every classifier output but one, and keep the output SNR above a floor
 * well under what docs/performance.md measures with more vectors (a guard
 * against a broken rule, not the quality measurement itself).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "compress/compress.h"
#include "model/hostrun.h"
#include "model/tflite.h"

static const struct {
    const char *float_model, *int8_model, *recipe;
    int classifier;
    double min_snr_db;
} cases[] = {
    {"vww_96_float", "vww_96_int8", "int8", 1, 30},
    {"pretrainedResnet", "pretrainedResnet_quant", "int8", 1, 12},
    {"ad01_fp32", "ad01_int8", "int8", 0, 22},
    {"ad01_fp32", "ad01_int8", "int8:mse", 0, 22},
    {"ad01_fp32", "ad01_int8", "int16x8", 0, 22},
    {"ad01_fp32", "ad01_int8", "dynamic", 0, 30},
};

enum { N_CALIB = 8, N_EVAL = 8 };

static float *uniform(size_t n, uint32_t seed, float lo, float hi)
{
    float *v = malloc(n * sizeof(float));
    for (size_t e = 0; e < n; e++) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        v[e] = (float)(lo + (double)seed / 4294967296.0 * (hi - lo));
    }
    return v;
}

static void run(hostrun *r, const float *x, size_t n_in, float *y, size_t n_out)
{
    ck_assert_int_eq(hostrun_set_input_f32(r, 0, x, n_in), HB_OK);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output_f32(r, 0, y, n_out), HB_OK);
}

static size_t arg_max(const float *v, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        best = v[i] > v[best] ? i : best;
    return best;
}

START_TEST(recipe_follows_float)
{
    const char *dir = hbt_shared_dir();
    graph *fg = NULL, *tg = NULL, *vg = NULL;
    compress_recipe *r = NULL;
    hostrun *rf = NULL, *rv = NULL;
    float *calib[N_CALIB];

    ck_assert_int_eq(tflite_read_file(hbt_path("%s/models/%s.tflite", dir,
                                               cases[_i].float_model), &fg), HB_OK);
    ck_assert_int_eq(tflite_read_file(hbt_path("%s/models/%s.tflite", dir,
                                               cases[_i].int8_model), &tg), HB_OK);
    const graph_tensor *tin = &tg->tensors[tg->inputs[0]];
    float lo = tin->scales[0] * (float)(-128 - tin->zero_points[0]);
    float hi = tin->scales[0] * (float)(127 - tin->zero_points[0]);
    size_t n_in = graph_tensor_count(&fg->tensors[fg->inputs[0]]);
    size_t n_out = graph_tensor_count(&fg->tensors[fg->outputs[0]]);
    for (int k = 0; k < N_CALIB; k++)
        calib[k] = uniform(n_in, 500000u + (uint32_t)k, lo, hi);

    compress_context ctx = {(const float *const *)calib, N_CALIB, NULL};
    ck_assert_int_eq(compress_recipe_parse(cases[_i].recipe, &r), HB_OK);
    ck_assert_msg(compress_apply(fg, r, &ctx, &vg, NULL) == HB_OK, "%s %s: %s",
                  cases[_i].float_model, cases[_i].recipe, hb_last_error());
    ck_assert_int_eq(hostrun_new(fg, &rf), HB_OK);
    ck_assert_msg(hostrun_new(vg, &rv) == HB_OK, "%s", hb_last_error());

    float *yf = malloc(n_out * sizeof(float)), *yv = malloc(n_out * sizeof(float));
    double sig = 0, noise = 0;
    int agree = 0;
    for (int k = 0; k < N_EVAL; k++) {
        float *x = uniform(n_in, 1000u + (uint32_t)k, lo, hi);
        run(rf, x, n_in, yf, n_out);
        run(rv, x, n_in, yv, n_out);
        for (size_t i = 0; i < n_out; i++) {
            sig += (double)yf[i] * yf[i];
            noise += ((double)yf[i] - yv[i]) * ((double)yf[i] - yv[i]);
        }
        agree += arg_max(yf, n_out) == arg_max(yv, n_out);
        free(x);
    }
    double snr = 10 * log10(sig / fmax(noise, 1e-30));
    printf("%s %s: SNR %.1f dB, top-1 %d/%d\n", cases[_i].float_model, cases[_i].recipe, snr,
           agree, N_EVAL);
    ck_assert_msg(snr >= cases[_i].min_snr_db, "%s %s: SNR %.1f dB < %.0f",
                  cases[_i].float_model, cases[_i].recipe, snr, cases[_i].min_snr_db);
    if (cases[_i].classifier)
        ck_assert_msg(agree >= N_EVAL - 1, "%s: top-1 agreement %d/%d", cases[_i].float_model,
                      agree, N_EVAL);
    for (int k = 0; k < N_CALIB; k++)
        free(calib[k]);
    free(yf);
    free(yv);
    hostrun_free(rf);
    hostrun_free(rv);
    compress_recipe_free(r);
    graph_free(vg);
    graph_free(tg);
    graph_free(fg);
}
END_TEST

static Suite *recipes_shared_suite(void)
{
    Suite *s = suite_create("recipes_shared");
    TCase *tc = tcase_create("mlperf");
    tcase_add_loop_test(tc, recipe_follows_float, 0, (int)(sizeof(cases) / sizeof(cases[0])));
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN_SHARED(recipes_shared_suite)
