/*
 * check_recipes.c: the quantisation recipes int8, int16x8 and dynamic
 * (host/compress), their grammar and errors, and clipping calibration. The
 * compress command: check_recipes_cli.c.
 *
 * The hand-made model (every op family the recipes handle):
 *   x [1,2,2,1] -> CONV_2D 1x1 (w [2,1,1,1] = {0.5, -0.3}, b = {0.1, 0.2})
 *     -> c [1,2,2,2] -> DEPTHWISE 1x1 (w [1,1,1,2] = {2, -1}) -> d [1,2,2,2]
 *     -> AVERAGE_POOL 2x2 -> p [1,1,1,2] -> RESHAPE -> r [1,2] -> SOFTMAX -> y
 * Calibrated on the one vector x = {-1, 0, 1, 2}:
 *   c0 = 0.5x + 0.1 = {-0.4, 0.1, 0.6, 1.1}, c1 = -0.3x + 0.2 = {0.5, 0.2, -0.1, -0.4}
 *   d0 = 2 c0 = {-0.8, 0.2, 1.2, 2.2},        d1 = -c1 = {-0.5, -0.2, 0.1, 0.4}
 *   p = {0.7, -0.05},  y = softmax(p) = {0.679179, 0.320821}
 * int8 (scale = (max - min) / 255, zp = round(-128 - min / scale)):
 *   x [-1, 2]:     3/255,   zp round(-128 + 85)  = -43
 *   c [-0.4, 1.1]: 1.5/255, zp round(-128 + 68)  = -60
 *   d [-0.8, 2.2]: 3/255,   zp -60; p and r share d's; y: 1/256, -128
 *   conv w per channel: scales {0.5/127, 0.3/127}, q {127, -127}
 *   conv bias: q = b / (x_scale w_scale) = {0.1 x 255 x 127 / 1.5,
 *              0.2 x 255 x 127 / 0.9} = {2159, 7196.67 -> 7197}
 *   depthwise w (axis 3): scales {2/127, 1/127}, q {127, -127}
 * int8:per-tensor: conv w scale 0.5/127, q {127, round(-76.2) = -76},
 *   bias {2159, 0.2 x 255 x 127 / 1.5 = 4318}
 * int16x8 (scale = max|range| / 32767, zp 0):
 *   x 2/32767, c 1.1/32767, d (p, r) 2.2/32767, y 1/32768
 *   conv bias int64: {0.1 x 32767 x 127 / 1 = 416140.9 -> 416141,
 *                     0.2 x 32767 x 127 / 0.6 = 1387136.3 -> 1387136}
 * dynamic: conv and depthwise weights as int8 per channel, the rest float.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "compress/compress.h"
#include "compress/quantize.h"
#include "model/hostrun.h"

enum { T_X, T_CW, T_CB, T_C, T_DW, T_D, T_P, T_SHAPE, T_R, T_Y, N_T };

static const float X0[4] = {-1.0f, 0.0f, 1.0f, 2.0f};

static void add_op(graph *g, int op, int n_in, const int *in, int out,
                   const graph_options *opt)
{
    ck_assert_int_eq(graph_add_op(g, op, n_in, in, 1, &out, opt, NULL), HB_OK);
}

static graph *conv_model(void)
{
    static const float cw[2] = {0.5f, -0.3f}, cb[2] = {0.1f, 0.2f}, dw[2] = {2.0f, -1.0f};
    static const int32_t shape[2] = {1, 2};
    int32_t xd[4] = {1, 2, 2, 1}, cwd[4] = {2, 1, 1, 1}, bd[1] = {2}, cd[4] = {1, 2, 2, 2};
    int32_t dwd[4] = {1, 1, 1, 2}, pd[4] = {1, 1, 1, 2}, sd[1] = {2}, rd[2] = {1, 2};
    graph *g = NULL;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "x", NN_DT_FLOAT32, 4, xd, NULL, 0, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "cw", NN_DT_FLOAT32, 4, cwd, cw, 8, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "cb", NN_DT_FLOAT32, 1, bd, cb, 8, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "c", NN_DT_FLOAT32, 4, cd, NULL, 0, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "dw", NN_DT_FLOAT32, 4, dwd, dw, 8, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "d", NN_DT_FLOAT32, 4, cd, NULL, 0, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "p", NN_DT_FLOAT32, 4, pd, NULL, 0, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "shape", NN_DT_INT32, 1, sd, shape, 8, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "r", NN_DT_FLOAT32, 2, rd, NULL, 0, NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "y", NN_DT_FLOAT32, 2, rd, NULL, 0, NULL), HB_OK);
    graph_options conv = {.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
                          .padding = NN_PAD_VALID, .depth_multiplier = 1};
    graph_options pool = {.stride_h = 1, .stride_w = 1, .filter_h = 2, .filter_w = 2,
                          .padding = NN_PAD_VALID};
    graph_options soft = {.beta = 1.0f};
    int in_c[3] = {T_X, T_CW, T_CB}, in_d[2] = {T_C, T_DW}, in_r[2] = {T_P, T_SHAPE};
    int in_p = T_D, in_y = T_R;
    add_op(g, NN_OP_CONV_2D, 3, in_c, T_C, &conv);
    add_op(g, NN_OP_DEPTHWISE_CONV_2D, 2, in_d, T_D, &conv);
    add_op(g, NN_OP_AVERAGE_POOL_2D, 1, &in_p, T_P, &pool);
    add_op(g, NN_OP_RESHAPE, 2, in_r, T_R, NULL);
    add_op(g, NN_OP_SOFTMAX, 1, &in_y, T_Y, &soft);
    int in = T_X, out = T_Y;
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

/* Applies recipe text to the model, calibrated on X0. */
static hb_status apply(const graph *g, const char *text, graph **out)
{
    compress_recipe *r = NULL;
    const float *calib[1] = {X0};
    compress_context ctx = {calib, 1, NULL};
    hb_status st = compress_recipe_parse(text, &r);
    if (st == HB_OK)
        st = compress_apply(g, r, &ctx, out, NULL);
    compress_recipe_free(r);
    return st;
}

static void assert_quant(const graph_tensor *t, int dtype, float scale, int32_t zp)
{
    ck_assert_int_eq(t->dtype, dtype);
    ck_assert_int_eq(t->n_quant, 1);
    ck_assert_msg(fabsf(t->scales[0] - scale) <= 1e-6f * scale, "scale %g, want %g",
                  (double)t->scales[0], (double)scale);
    ck_assert_int_eq(t->zero_points[0], zp);
}

static void assert_weights(const graph_tensor *t, int axis, int n, const float *scales,
                           const int8_t *q)
{
    ck_assert_int_eq(t->dtype, NN_DT_INT8);
    ck_assert_int_eq(t->n_quant, n);
    if (n > 1)
        ck_assert_int_eq(t->quant_axis, axis);
    for (int c = 0; c < n; c++) {
        ck_assert_float_eq_tol(t->scales[c], scales[c], 1e-7f);
        ck_assert_int_eq(t->zero_points[c], 0);
    }
    ck_assert_mem_eq(t->data, q, 2);
}

static void assert_bias(const graph_tensor *t, int dtype, const int64_t *want)
{
    ck_assert_int_eq(t->dtype, dtype);
    for (int c = 0; c < 2; c++) {
        int64_t got = dtype == NN_DT_INT64 ? ((const int64_t *)(const void *)t->data)[c]
                                           : ((const int32_t *)(const void *)t->data)[c];
        /* +-1: the bias scale is a float product, its quotient may round
         * either way at .5-close values. */
        ck_assert_msg(llabs(got - want[c]) <= 1, "bias[%d] %lld, want %lld", c,
                      (long long)got, (long long)want[c]);
    }
}

/* Runs q on x (float, quantised with q's own input parameters) and returns
 * the output as floats. */
static void run_float_io(const graph *q, const float *x, float *y)
{
    hostrun *r = NULL;
    ck_assert_msg(hostrun_new(q, &r) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(hostrun_set_input_f32(r, 0, x, 4), HB_OK);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output_f32(r, 0, y, 2), HB_OK);
    hostrun_free(r);
}

/* The recipes on the hand-made model ------------------------------------- */

START_TEST(int8_by_hand)
{
    graph *g = conv_model(), *q = NULL;
    static const float ws[2] = {0.5f / 127, 0.3f / 127}, ds[2] = {2.0f / 127, 1.0f / 127};
    static const int8_t wq[2] = {127, -127};
    static const int64_t bq[2] = {2159, 7197};
    float y[2];

    ck_assert_msg(apply(g, "int8", &q) == HB_OK, "%s", hb_last_error());
    assert_quant(&q->tensors[T_X], NN_DT_INT8, 3.0f / 255, -43);
    assert_quant(&q->tensors[T_C], NN_DT_INT8, 1.5f / 255, -60);
    assert_quant(&q->tensors[T_D], NN_DT_INT8, 3.0f / 255, -60);
    assert_quant(&q->tensors[T_P], NN_DT_INT8, 3.0f / 255, -60); /* shares d */
    assert_quant(&q->tensors[T_R], NN_DT_INT8, 3.0f / 255, -60);
    assert_quant(&q->tensors[T_Y], NN_DT_INT8, 1.0f / 256, -128);
    assert_weights(&q->tensors[T_CW], 0, 2, ws, wq);
    assert_weights(&q->tensors[T_DW], 3, 2, ds, wq);
    assert_bias(&q->tensors[T_CB], NN_DT_INT32, bq);
    ck_assert_int_eq(q->tensors[T_SHAPE].dtype, NN_DT_INT32);
    run_float_io(q, X0, y);
    ck_assert_float_eq_tol(y[0], 0.679179f, 2.0f / 256);
    ck_assert_float_eq_tol(y[1], 0.320821f, 2.0f / 256);
    graph_free(q);
    graph_free(g);
}
END_TEST

START_TEST(int8_per_tensor_by_hand)
{
    graph *g = conv_model(), *q = NULL;
    static const float ws[1] = {0.5f / 127};
    static const int8_t wq[2] = {127, -76};
    static const int64_t bq[2] = {2159, 4318};
    ck_assert_msg(apply(g, "int8:per-tensor", &q) == HB_OK, "%s", hb_last_error());
    assert_weights(&q->tensors[T_CW], 0, 1, ws, wq);
    assert_bias(&q->tensors[T_CB], NN_DT_INT32, bq);
    ck_assert_int_eq(q->tensors[T_CB].n_quant, 1);
    graph_free(q);
    graph_free(g);
}
END_TEST

START_TEST(int16x8_by_hand)
{
    graph *g = conv_model(), *q = NULL;
    static const float ws[2] = {0.5f / 127, 0.3f / 127};
    static const int8_t wq[2] = {127, -127};
    static const int64_t bq[2] = {416141, 1387136};
    float y[2];

    ck_assert_msg(apply(g, "int16x8", &q) == HB_OK, "%s", hb_last_error());
    assert_quant(&q->tensors[T_X], NN_DT_INT16, 2.0f / 32767, 0);
    assert_quant(&q->tensors[T_C], NN_DT_INT16, 1.1f / 32767, 0);
    assert_quant(&q->tensors[T_D], NN_DT_INT16, 2.2f / 32767, 0);
    assert_quant(&q->tensors[T_P], NN_DT_INT16, 2.2f / 32767, 0);
    assert_quant(&q->tensors[T_R], NN_DT_INT16, 2.2f / 32767, 0);
    assert_quant(&q->tensors[T_Y], NN_DT_INT16, 1.0f / 32768, 0);
    assert_weights(&q->tensors[T_CW], 0, 2, ws, wq);
    assert_bias(&q->tensors[T_CB], NN_DT_INT64, bq);
    run_float_io(q, X0, y);
    ck_assert_float_eq_tol(y[0], 0.679179f, 1e-3f);
    ck_assert_float_eq_tol(y[1], 0.320821f, 1e-3f);
    graph_free(q);
    graph_free(g);
}
END_TEST

START_TEST(dynamic_by_hand)
{
    graph *g = conv_model(), *q = NULL;
    static const float ws[2] = {0.5f / 127, 0.3f / 127}, ds[2] = {2.0f / 127, 1.0f / 127};
    static const int8_t wq[2] = {127, -127};
    float y[2];

    /* No calibration needed. */
    compress_recipe *r = NULL;
    ck_assert_int_eq(compress_recipe_parse("dynamic", &r), HB_OK);
    ck_assert_int_eq(compress_recipe_needs_calibration(r), 0);
    ck_assert_msg(compress_apply(g, r, NULL, &q, NULL) == HB_OK, "%s", hb_last_error());
    compress_recipe_free(r);
    assert_weights(&q->tensors[T_CW], 0, 2, ws, wq);
    assert_weights(&q->tensors[T_DW], 3, 2, ds, wq);
    ck_assert_int_eq(q->tensors[T_CB].dtype, NN_DT_FLOAT32);
    for (int t = 0; t < N_T; t++)
        if (!q->tensors[t].data)
            ck_assert_int_eq(q->tensors[t].dtype, NN_DT_FLOAT32);
    run_float_io(q, X0, y);
    /* The weights are exact multiples of their scales here. */
    ck_assert_float_eq_tol(y[0], 0.679179f, 1e-5f);
    graph_free(q);
    graph_free(g);
}
END_TEST

/* Percentile and mse choose the same as minmax on this model's one-vector
 * calibration, except where a tail is cut: both still run. */
START_TEST(clipping_methods_run)
{
    static const char *const recipes[] = {"int8:percentile", "int8:mse", "int8:percentile=99",
                                          "int16x8:mse", "int8:per-tensor:mse"};
    graph *g = conv_model(), *q = NULL;
    float y[2];
    ck_assert_msg(apply(g, recipes[_i], &q) == HB_OK, "%s: %s", recipes[_i], hb_last_error());
    run_float_io(q, X0, y);
    ck_assert_msg(fabsf(y[0] - 0.679179f) < 0.05f, "%s: y0 %g", recipes[_i], (double)y[0]);
    graph_free(q);
    graph_free(g);
}
END_TEST

/* Clipping on a crafted distribution ------------------------------------ */

/* N values spread over (0, 1) and one at 100. Quantising [0, b] for
 * b in [1, 100) costs N b^2 / (255^2 x 12) of rounding noise plus
 * (100 - b)^2 for the clipped outlier: the minimum is at
 * b = 100 / (1 + N / 780300), i.e. 50 for N = 780300. Percentile 99.99
 * leaves out the top 78 values: the outlier and 77 from just below 1. */
START_TEST(clip_ranges_on_crafted_data)
{
    const int n = 780300;
    compress_hist *h = NULL;
    float *v = malloc((size_t)(n + 1) * sizeof(float)), lo, hi;
    for (int i = 0; i < n; i++)
        v[i] = ((float)i + 0.5f) / (float)n;
    v[n] = 100.0f;
    ck_assert_int_eq(compress_hist_new(v[0], 100.0f, &h), HB_OK);
    compress_hist_add(h, v, (size_t)n + 1);

    compress_quantize_options opt = {0, COMPRESS_SCHEME_INT8, COMPRESS_CALIB_MINMAX, 0};
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_float_eq(hi, 100.0f);
    opt.calibration = COMPRESS_CALIB_MSE;
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_float_eq(lo, 0.0f);
    ck_assert_msg(fabsf(hi - 50.0f) < 0.05f, "mse clip at %g, want 50", (double)hi);
    opt.calibration = COMPRESS_CALIB_PERCENTILE;
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_msg(hi > 0.98f && hi < 1.002f, "percentile clip at %g, want ~1", (double)hi);
    ck_assert_msg(lo >= 0.0f && lo < 0.01f, "percentile low end %g", (double)lo);
    opt.percentile = 50;
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_msg(fabsf(hi - 0.5f) < 0.02f && fabsf(lo - 0.5f) < 0.02f, "median %g %g",
                  (double)lo, (double)hi);
    /* 16x8's 65535 levels make rounding noise negligible: mse keeps the
     * outlier; percentile is symmetric. */
    opt.scheme = COMPRESS_SCHEME_INT16X8;
    opt.calibration = COMPRESS_CALIB_MSE;
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_msg(hi > 99.0f && lo == -hi, "int16 mse [%g, %g]", (double)lo, (double)hi);
    opt.calibration = COMPRESS_CALIB_PERCENTILE;
    opt.percentile = 0;
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_msg(hi > 0.98f && hi < 1.002f && lo == -hi, "int16 percentile [%g, %g]",
                  (double)lo, (double)hi);
    compress_hist_free(h);
    free(v);
}
END_TEST

/* Exact zeros (ReLU outputs) cost nothing: a mass at 0 does not push mse
 * into clipping the rest. */
START_TEST(clip_ignores_exact_zeros)
{
    const int n = 100000;
    compress_hist *h = NULL;
    float *v = calloc((size_t)n, sizeof(float)), lo, hi;
    for (int i = 0; i < 1000; i++)
        v[i] = (float)(i + 1) / 1000.0f; /* (0, 1] */
    ck_assert_int_eq(compress_hist_new(0.0f, 1.0f, &h), HB_OK);
    compress_hist_add(h, v, (size_t)n);
    compress_quantize_options opt = {0, COMPRESS_SCHEME_INT8, COMPRESS_CALIB_MSE, 0};
    compress_hist_clip(h, &opt, &lo, &hi);
    ck_assert_msg(hi > 0.99f, "mse clipped a uniform range to %g", (double)hi);
    compress_hist_free(h);
    free(v);
}
END_TEST

/* Grammar and errors ----------------------------------------------------- */

static const struct {
    const char *text, *canonical;
} good_recipes[] = {
    {"int8", "int8"},
    {"int8:per-tensor", "int8:per-tensor"},
    {"int8:per-tensor:mse", "int8:per-tensor:mse"},
    {"int8:percentile=99.9", "int8:percentile=99.9"},
    {"int16x8", "int16x8"},
    {"int16x8:percentile", "int16x8:percentile"},
    {"dynamic", "dynamic"},
    {"dynamic:per-tensor", "dynamic:per-tensor"},
};

START_TEST(recipe_grammar)
{
    compress_recipe *r = NULL;
    ck_assert_msg(compress_recipe_parse(good_recipes[_i].text, &r) == HB_OK, "%s: %s",
                  good_recipes[_i].text, hb_last_error());
    ck_assert_str_eq(compress_recipe_text(r), good_recipes[_i].canonical);
    compress_recipe_free(r);
}
END_TEST

static const struct {
    const char *text, *message;
} bad_recipes[] = {
    {"int4", "recipe step 'int4' is unknown"},
    {"int8:fast", "int8: unknown argument 'fast'"},
    {"int8:mse:percentile", "int8: more than one calibration method"},
    {"int8:per-tensor:per-channel", "given twice"},
    {"int8:percentile=101", "the percentile must be a number in [50, 100]"},
    {"int8:percentile=abc", "the percentile must be a number"},
    {"int8:a:b:c", "takes 0 to 2 arguments, got 3"},
    {"int16x8:loud", "int16x8: unknown argument 'loud'"},
    {"dynamic:mse", "dynamic: unknown argument 'mse'"},
    {"dynamic:per-tensor:per-tensor", "takes 0 to 1 arguments"},
    {"int8::mse", "bad argument list"},
    {"int8,", "recipe step '' is unknown"},
};

START_TEST(recipe_errors)
{
    compress_recipe *r = (compress_recipe *)1;
    ck_assert_int_eq(compress_recipe_parse(bad_recipes[_i].text, &r), HB_ERR_ARG);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(hb_last_error(), bad_recipes[_i].message), "%s: '%s'",
                  bad_recipes[_i].text, hb_last_error());
}
END_TEST

START_TEST(missing_calibration)
{
    graph *g = conv_model(), *q = (graph *)1;
    compress_recipe *r = NULL;
    ck_assert_int_eq(compress_recipe_parse("int16x8", &r), HB_OK);
    ck_assert_int_eq(compress_recipe_needs_calibration(r), 1);
    ck_assert_int_eq(compress_apply(g, r, NULL, &q, NULL), HB_ERR_ARG);
    ck_assert_ptr_null(q);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "needs calibration vectors"));
    compress_recipe_free(r);
    graph_free(g);
}
END_TEST

/* A recipe that does not apply fails before anything runs, saying why;
 * composing steps that cannot follow each other is the same error. */
static const struct {
    const char *first, *text, *message;
} not_applying[] = {
    {"int8", "int8", "step 'int8' does not apply: the model is not float"},
    {"int8", "int16x8", "step 'int16x8' does not apply: the model is not float"},
    {"int8", "dynamic", "step 'dynamic' does not apply: the model is not float"},
    {NULL, "int8,int8", "step 'int8' does not apply: the model is not float"},
    {NULL, "dynamic,int8", "op 0 (CONV_2D): weights are int8"},
    {NULL, "int16x8,dynamic", "the model is not float"},
};

START_TEST(recipe_does_not_apply)
{
    graph *g = conv_model(), *q = NULL, *q2 = (graph *)1;
    if (not_applying[_i].first)
        ck_assert_int_eq(apply(g, not_applying[_i].first, &q), HB_OK);
    ck_assert_int_eq(apply(q ? q : g, not_applying[_i].text, &q2), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(q2);
    ck_assert_msg(strstr(hb_last_error(), not_applying[_i].message), "%s: '%s'",
                  not_applying[_i].text, hb_last_error());
    graph_free(q);
    graph_free(g);
}
END_TEST

/* dynamic needs something to quantise; int16x8 refuses a float model's own
 * QUANTIZE / DEQUANTIZE edges, which int8 handles (next test). */
START_TEST(nothing_to_quantise)
{
    graph *g = NULL, *q = (graph *)1;
    int32_t d[2] = {1, 4};
    int in = 0, out = 1;
    graph_options beta = {.beta = 1.0f};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "in", NN_DT_FLOAT32, 2, d, NULL, 0, NULL);
    graph_add_tensor(g, "out", NN_DT_FLOAT32, 2, d, NULL, 0, NULL);
    ck_assert_int_eq(graph_add_op(g, NN_OP_SOFTMAX, 1, &in, 1, &out, &beta, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out), HB_OK);
    ck_assert_int_eq(apply(g, "dynamic", &q), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(q);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "nothing to quantise"));
    graph_free(g);
}
END_TEST

/* x int8 -> DEQUANTIZE -> FC -> QUANTIZE -> y int8: a float body with
 * integer edges. int8 keeps the edges' parameters, turns DEQUANTIZE into an
 * identity QUANTIZE and QUANTIZE into a requantisation. */
static graph *edged_model(void)
{
    static const float w[4] = {1.0f, -0.5f, 0.3f, 1.5f};
    int32_t io[2] = {1, 2}, wd[2] = {2, 2};
    float xs = 0.02f, ys = 0.05f;
    int32_t xz = 10, yz = -5;
    graph *g = NULL;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "xq", NN_DT_INT8, 2, io, NULL, 0, NULL);
    graph_set_quant(g, 0, 1, &xs, &xz, 0);
    graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, io, NULL, 0, NULL);
    graph_add_tensor(g, "w", NN_DT_FLOAT32, 2, wd, w, sizeof(w), NULL);
    graph_add_tensor(g, "y", NN_DT_FLOAT32, 2, io, NULL, 0, NULL);
    graph_add_tensor(g, "yq", NN_DT_INT8, 2, io, NULL, 0, NULL);
    graph_set_quant(g, 4, 1, &ys, &yz, 0);
    int a = 0, b = 1, fc[2] = {1, 2}, c = 3, e = 4;
    graph_options none = {0};
    ck_assert_int_eq(graph_add_op(g, NN_OP_DEQUANTIZE, 1, &a, 1, &b, &none, NULL), HB_OK);
    ck_assert_int_eq(graph_add_op(g, NN_OP_FULLY_CONNECTED, 2, fc, 1, &c, &none, NULL), HB_OK);
    ck_assert_int_eq(graph_add_op(g, NN_OP_QUANTIZE, 1, &c, 1, &e, &none, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, &a, 1, &e), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

START_TEST(quantize_dequantize_edges)
{
    graph *g = edged_model(), *q = NULL;
    static const float x[2] = {0.5f, -1.0f}; /* on the input's grid */
    const float *calib[2] = {x, NULL};
    float lo_hi[2] = {-2.0f, 2.0f};
    compress_recipe *r = NULL;
    calib[1] = lo_hi;
    compress_context ctx = {calib, 2, NULL};
    ck_assert_int_eq(compress_recipe_parse("int8", &r), HB_OK);
    ck_assert_msg(compress_apply(g, r, &ctx, &q, NULL) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(q->ops[0].op, NN_OP_QUANTIZE);
    assert_quant(&q->tensors[0], NN_DT_INT8, 0.02f, 10);
    assert_quant(&q->tensors[1], NN_DT_INT8, 0.02f, 10); /* takes the input's */
    assert_quant(&q->tensors[4], NN_DT_INT8, 0.05f, -5);  /* kept */
    ck_assert_int_eq(q->tensors[3].dtype, NN_DT_INT8);
    /* Both models on x: y = W x = {1.0, -1.35}, on y's grid. */
    hostrun *rf = NULL, *rq = NULL;
    float yf[2], yq[2];
    ck_assert_int_eq(hostrun_new(g, &rf), HB_OK);
    ck_assert_msg(hostrun_new(q, &rq) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(hostrun_set_input_f32(rf, 0, x, 2), HB_OK);
    ck_assert_int_eq(hostrun_set_input_f32(rq, 0, x, 2), HB_OK);
    ck_assert_int_eq(hostrun_invoke(rf, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_invoke(rq, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output_f32(rf, 0, yf, 2), HB_OK);
    ck_assert_int_eq(hostrun_output_f32(rq, 0, yq, 2), HB_OK);
    ck_assert_float_eq_tol(yf[0], 1.0f, 1e-6f);
    ck_assert_float_eq_tol(yf[1], -1.35f, 1e-6f);
    ck_assert_float_eq_tol(yq[0], yf[0], 0.051f);
    ck_assert_float_eq_tol(yq[1], yf[1], 0.051f);
    hostrun_free(rf);
    hostrun_free(rq);
    /* int16x8 has no such edges. */
    graph *q16 = (graph *)1;
    ck_assert_int_eq(apply(g, "int16x8", &q16), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "not float"));
    compress_recipe_free(r);
    graph_free(q);
    graph_free(g);
}
END_TEST

static Suite *recipes_suite(void)
{
    Suite *s = suite_create("recipes");
    TCase *tc = tcase_create("by_hand");
    tcase_add_test(tc, int8_by_hand);
    tcase_add_test(tc, int8_per_tensor_by_hand);
    tcase_add_test(tc, int16x8_by_hand);
    tcase_add_test(tc, dynamic_by_hand);
    tcase_add_loop_test(tc, clipping_methods_run, 0, 5);
    tcase_add_test(tc, quantize_dequantize_edges);
    suite_add_tcase(s, tc);
    tc = tcase_create("clipping");
    tcase_add_test(tc, clip_ranges_on_crafted_data);
    tcase_add_test(tc, clip_ignores_exact_zeros);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_loop_test(tc, recipe_grammar, 0,
                        (int)(sizeof(good_recipes) / sizeof(good_recipes[0])));
    tcase_add_loop_test(tc, recipe_errors, 0, (int)(sizeof(bad_recipes) / sizeof(bad_recipes[0])));
    tcase_add_test(tc, missing_calibration);
    tcase_add_loop_test(tc, recipe_does_not_apply, 0,
                        (int)(sizeof(not_applying) / sizeof(not_applying[0])));
    tcase_add_test(tc, nothing_to_quantise);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(recipes_suite)
