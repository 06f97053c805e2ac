/*
 * check_ops_int16.c: the engine's 16x8 paths (int16 activations, int8
 * weights, int64 biases): FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D,
 * AVERAGE_POOL_2D, MAX_POOL_2D, ADD, SOFTMAX, LOGISTIC.
 *
 * Each op runs as a small float graph quantised with the int16x8 scheme
 * (host/compress), through lowering, the blob and the engine. The reference
 * is the float graph with the int8 weights and int64 biases dequantised and
 * the same (quantised) inputs, so what is measured is the int16 arithmetic
 * alone: outputs within 2 output steps (rounding of the output, of the
 * bias, and the 16-bit multiplier of the 64-bit requantisation), SOFTMAX
 * and LOGISTIC, computed from tables, within 1e-4 of the real function.
 * TFLite could not be run here, so these are tolerances against float, not
 * bit-exactness (docs/variants.md).
 *
 * check() must refuse every out-of-range 16x8 word, a bias past the int64
 * accumulator's room or at an address that is not 8-aligned, and random
 * bit flips must never make the engine misbehave (ASan and UBSan).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn.h"
#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_fixed.h"
#include "../target-stub/engine/nn_params.h"
#include "check_util.h"
#include "compress/quantize.h"
#include "model/blob.h"
#include "model/hostrun.h"

static uint32_t rng = 2463534242u;
static float rnd_f(float lo, float hi)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return lo + (hi - lo) * (float)(rng >> 8) / 16777216.0f;
}

/* Graph building ------------------------------------------------------------ */

static int tensor(graph *g, int rank, const int32_t *dims, const float *data)
{
    int t;
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= (size_t)dims[d];
    ck_assert_int_eq(graph_add_tensor(g, NULL, NN_DT_FLOAT32, rank, dims, data,
                                      data ? n * sizeof(float) : 0, &t), HB_OK);
    return t;
}

static float *random_data(size_t n, float lo, float hi)
{
    float *v = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++)
        v[i] = rnd_f(lo, hi);
    return v;
}

enum { G_FC, G_CONV, G_DW, G_AVG, G_MAX, G_ADD, G_SOFTMAX, G_LOGISTIC, G_COUNT };
static const char *const g_names[G_COUNT] = {"fully_connected", "conv_2d", "depthwise",
                                             "average_pool", "max_pool", "add",
                                             "softmax", "logistic"};

/* One float op with random weights; inputs are model inputs. */
static graph *float_graph(int kind)
{
    graph *g = NULL;
    graph_options opt = {.stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,
                         .padding = NN_PAD_SAME, .beta = 1.0f};
    int in[3], out, n_in = 1, op = 0;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    int32_t x4[4] = {1, 6, 6, 3}, x2[2] = {2, 16};
    switch (kind) {
    case G_FC: {
        int32_t wd[2] = {8, 16}, bd[1] = {8}, yd[2] = {2, 8};
        float *w = random_data(128, -1, 1), *b = random_data(8, -2, 2);
        in[0] = tensor(g, 2, x2, NULL);
        in[1] = tensor(g, 2, wd, w);
        in[2] = tensor(g, 1, bd, b);
        out = tensor(g, 2, yd, NULL);
        free(w), free(b);
        op = NN_OP_FULLY_CONNECTED, n_in = 3, opt.activation = NN_ACT_RELU;
        break;
    }
    case G_CONV: {
        int32_t wd[4] = {4, 3, 3, 3}, bd[1] = {4}, yd[4] = {1, 6, 6, 4};
        float *w = random_data(108, -1, 1), *b = random_data(4, -1, 1);
        in[0] = tensor(g, 4, x4, NULL);
        in[1] = tensor(g, 4, wd, w);
        in[2] = tensor(g, 1, bd, b);
        out = tensor(g, 4, yd, NULL);
        free(w), free(b);
        op = NN_OP_CONV_2D, n_in = 3;
        break;
    }
    case G_DW: {
        int32_t wd[4] = {1, 3, 3, 6}, bd[1] = {6}, yd[4] = {1, 3, 3, 6};
        float *w = random_data(54, -1, 1), *b = random_data(6, -1, 1);
        in[0] = tensor(g, 4, x4, NULL);
        in[1] = tensor(g, 4, wd, w);
        in[2] = tensor(g, 1, bd, b);
        out = tensor(g, 4, yd, NULL);
        free(w), free(b);
        op = NN_OP_DEPTHWISE_CONV_2D, n_in = 3, opt.stride_h = opt.stride_w = 2;
        opt.depth_multiplier = 2, opt.activation = NN_ACT_RELU6;
        break;
    }
    case G_AVG:
    case G_MAX: {
        int32_t yd[4] = {1, 3, 3, 3};
        in[0] = tensor(g, 4, x4, NULL);
        out = tensor(g, 4, yd, NULL);
        op = kind == G_AVG ? NN_OP_AVERAGE_POOL_2D : NN_OP_MAX_POOL_2D;
        opt.filter_h = opt.filter_w = 3, opt.stride_h = opt.stride_w = 2;
        break;
    }
    case G_ADD: {
        int32_t bd[4] = {1, 1, 1, 3};
        in[0] = tensor(g, 4, x4, NULL);
        in[1] = tensor(g, 4, bd, NULL);
        out = tensor(g, 4, x4, NULL);
        op = NN_OP_ADD, n_in = 2;
        break;
    }
    default:
        in[0] = tensor(g, 2, x2, NULL);
        out = tensor(g, 2, x2, NULL);
        op = kind == G_SOFTMAX ? NN_OP_SOFTMAX : NN_OP_LOGISTIC;
        break;
    }
    ck_assert_int_eq(graph_add_op(g, op, n_in, in, 1, &out, &opt, NULL), HB_OK);
    int n_io = kind == G_ADD ? 2 : 1;
    ck_assert_int_eq(graph_set_io(g, n_io, in, 1, &out), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

static size_t input_count(const graph *g)
{
    size_t n = 0;
    for (int k = 0; k < g->n_inputs; k++)
        n += graph_tensor_count(&g->tensors[g->inputs[k]]);
    return n;
}

/* Quantised with int16x8 on 16 random vectors in [-4, 4). */
static graph *int16_graph(const graph *g)
{
    compress_quantize_options opt = {0, COMPRESS_SCHEME_INT16X8, COMPRESS_CALIB_MINMAX, 0};
    float *vec[16];
    graph *q = NULL;
    for (int v = 0; v < 16; v++)
        vec[v] = random_data(input_count(g), -4, 4);
    ck_assert_msg(compress_quantize(g, &opt, (const float *const *)vec, 16, &q) == HB_OK, "%s",
                  hb_last_error());
    for (int v = 0; v < 16; v++)
        free(vec[v]);
    return q;
}

/* The float graph with q's integer constants dequantised in place. */
static graph *dequantised(const graph *g, const graph *q)
{
    graph *r = NULL;
    ck_assert_int_eq(graph_clone(g, &r), HB_OK);
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *qt = &q->tensors[t];
        if (!qt->data || qt->dtype == NN_DT_FLOAT32 || !qt->n_quant)
            continue;
        size_t n = graph_tensor_count(qt), inner = 1;
        for (int d = qt->quant_axis + 1; d < qt->rank; d++)
            inner *= (size_t)qt->dims[d];
        float *dst = (float *)(void *)r->tensors[t].data;
        for (size_t i = 0; i < n; i++) {
            int c = qt->n_quant > 1 ? (int)(i / inner % (size_t)qt->n_quant) : 0;
            double v = qt->dtype == NN_DT_INT8    ? ((const int8_t *)qt->data)[i]
                       : qt->dtype == NN_DT_INT16 ? ((const int16_t *)qt->data)[i]
                                                  : (double)((const int64_t *)(const void *)
                                                                 qt->data)[i];
            dst[i] = (float)((double)qt->scales[c] * (v - qt->zero_points[c]));
        }
    }
    return r;
}

START_TEST(int16_matches_float)
{
    int kind = _i;
    graph *g = float_graph(kind), *q = int16_graph(g), *ref = dequantised(g, q);
    hostrun *rq = NULL, *rf = NULL;
    const graph_tensor *yq = &q->tensors[q->outputs[0]];
    size_t n_out = graph_tensor_count(yq);
    float *got = malloc(n_out * sizeof(float)), *want = malloc(n_out * sizeof(float));
    double worst = 0;

    ck_assert_int_eq(yq->dtype, NN_DT_INT16);
    ck_assert_int_eq(yq->zero_points[0], 0);
    ck_assert_msg(hostrun_new(q, &rq) == HB_OK, "%s: %s", g_names[kind], hb_last_error());
    ck_assert_int_eq(hostrun_new(ref, &rf), HB_OK);
    for (int trial = 0; trial < 20; trial++) {
        for (int k = 0; k < g->n_inputs; k++) {
            nn_tensor t;
            size_t n = graph_tensor_count(&g->tensors[g->inputs[k]]);
            float *x = random_data(n, -4.5f, 4.5f);
            ck_assert_int_eq(hostrun_set_input_f32(rq, k, x, n), HB_OK);
            /* The reference sees the quantised input. */
            ck_assert_int_eq(hostrun_input(rq, k, &t), HB_OK);
            for (size_t e = 0; e < n; e++)
                x[e] = t.scale * (float)((const int16_t *)t.data)[e];
            ck_assert_int_eq(hostrun_set_input_f32(rf, k, x, n), HB_OK);
            free(x);
        }
        ck_assert_int_eq(hostrun_invoke(rq, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_invoke(rf, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_output_f32(rq, 0, got, n_out), HB_OK);
        ck_assert_int_eq(hostrun_output_f32(rf, 0, want, n_out), HB_OK);
        for (size_t e = 0; e < n_out; e++) {
            /* Clamp the reference to the representable range. */
            double w = fmin(fmax(want[e], -32768.0 * yq->scales[0]), 32767.0 * yq->scales[0]);
            worst = fmax(worst, fabs((double)got[e] - w));
        }
    }
    int by_table = kind == G_SOFTMAX || kind == G_LOGISTIC;
    double tol = by_table ? 1e-4 : 2.0 * yq->scales[0];
    printf("int16 %-16s worst error %.3g (%.2f output steps)\n", g_names[kind], worst,
           worst / yq->scales[0]);
    ck_assert_msg(worst <= tol, "%s: worst error %g > %g", g_names[kind], worst, tol);
    hostrun_free(rq);
    hostrun_free(rf);
    free(got);
    free(want);
    graph_free(ref);
    graph_free(q);
    graph_free(g);
}
END_TEST

/* The 64-bit requantisation against exact rational arithmetic: the
 * multiplier rounded to Q15, the product rounded half up. */
START_TEST(mul_by_quantized64)
{
    for (int trial = 0; trial < 200000; trial++) {
        int64_t x = (int64_t)(rnd_f(-1, 1) * 140737488355327.0);
        int32_t m = (int32_t)(1073741824.0 + rnd_f(0, 1) * 1073741823.0);
        int shift = (int)rnd_f(-31, 8);
        if (trial % 7 == 0)
            m = 0x7FFFFFFF;
        int64_t red = m >= 0x7FFF0000 ? 0x7FFF : (m + 32768) / 65536;
        __int128 num = (__int128)x * red, den = (__int128)1 << (15 - shift);
        /* floor((num + den / 2) / den) */
        __int128 q = num + den / 2;
        __int128 want = q >= 0 ? q / den : -((-q + den - 1) / den);
        ck_assert_msg(nn_fx_mul_by_quantized64(x, m, shift) == (int64_t)want,
                      "x %lld m %d shift %d", (long long)x, m, shift);
    }
}
END_TEST

/* Refusals ----------------------------------------------------------------- */

typedef struct {
    const char *what;
    int graph;
    int field;      /* parameter word to overwrite; -1: the n_words byte */
    uint32_t value;
    int why;
} refusal;

static const refusal refusals[] = {
    {"fc: input offset 1", G_FC, NN_FC_IN_OFFSET, 1, NN_WHY_OP_PARAMS},
    {"fc: weights offset 1", G_FC, NN_FC_W_OFFSET, 1, NN_WHY_OP_PARAMS},
    {"fc: output offset 1", G_FC, NN_FC_OUT_OFFSET, 1, NN_WHY_OP_PARAMS},
    {"fc: act max 32768", G_FC, NN_FC_ACT_MAX, 32768, NN_WHY_OP_PARAMS},
    {"fc: act max < min", G_FC, NN_FC_ACT_MAX, (uint32_t)-1, NN_WHY_OP_PARAMS}, /* RELU */
    {"fc: per-channel array out of the blob", G_FC, NN_FC_CH_OFF, 0xFFFFFFF0u,
     NN_WHY_OP_PARAMS},
    {"conv: input offset -1", G_CONV, NN_CONV_IN_OFFSET, (uint32_t)-1, NN_WHY_OP_PARAMS},
    {"conv: output offset 1", G_CONV, NN_CONV_OUT_OFFSET, 1, NN_WHY_OP_PARAMS},
    {"conv: act min -32769", G_CONV, NN_CONV_ACT_MIN, (uint32_t)-32769, NN_WHY_OP_PARAMS},
    {"conv: array misaligned", G_CONV, NN_CONV_CH_OFF, 2, NN_WHY_OP_PARAMS},
    {"depthwise: output offset 5", G_DW, NN_DW_OUT_OFFSET, 5, NN_WHY_OP_PARAMS},
    {"avg pool: act max 32768", G_AVG, NN_POOL_ACT_MAX, 32768, NN_WHY_OP_PARAMS},
    {"max pool: act max -32769", G_MAX, NN_POOL_ACT_MAX, (uint32_t)-32769, NN_WHY_OP_PARAMS},
    {"add: a offset 1", G_ADD, NN_ADD_A_OFFSET, 1, NN_WHY_OP_PARAMS},
    {"add: output offset -1", G_ADD, NN_ADD_OUT_OFFSET, (uint32_t)-1, NN_WHY_OP_PARAMS},
    {"add: left shift 16", G_ADD, NN_ADD_LEFT_SHIFT, 16, NN_WHY_OP_PARAMS},
    {"add: negative multiplier", G_ADD, NN_ADD_B_MULT, 0x80000000u, NN_WHY_OP_PARAMS},
    {"add: out shift 1", G_ADD, NN_ADD_OUT_SHIFT, 1, NN_WHY_OP_PARAMS},
    {"add: act max 32768", G_ADD, NN_ADD_ACT_MAX, 32768, NN_WHY_OP_PARAMS},
    {"softmax: shift 16", G_SOFTMAX, NN_SOFTMAX_SHIFT, 16, NN_WHY_OP_PARAMS},
    {"softmax: shift -32", G_SOFTMAX, NN_SOFTMAX_SHIFT, (uint32_t)-32, NN_WHY_OP_PARAMS},
    {"softmax: tables out of the blob", G_SOFTMAX, NN_SOFTMAX_LUT, 0x7FFFFFF0u,
     NN_WHY_OP_PARAMS},
    {"softmax: no table word", G_SOFTMAX, -1, NN_SOFTMAX_LUT, NN_WHY_OP_PARAMS},
    {"logistic: multiplier 32768", G_LOGISTIC, NN_LOGISTIC_MULT, 32768, NN_WHY_OP_PARAMS},
    {"logistic: multiplier -1", G_LOGISTIC, NN_LOGISTIC_MULT, (uint32_t)-1, NN_WHY_OP_PARAMS},
    {"logistic: shift 32", G_LOGISTIC, NN_LOGISTIC_SHIFT, 32, NN_WHY_OP_PARAMS},
    {"logistic: zero point 1", G_LOGISTIC, NN_LOGISTIC_IN_ZP, 1, NN_WHY_OP_PARAMS},
    {"logistic: table out of the blob", G_LOGISTIC, NN_LOGISTIC_LUT, 0xFFFFFF00u,
     NN_WHY_OP_PARAMS},
    {"logistic: no table word", G_LOGISTIC, -1, NN_LOGISTIC_LUT, NN_WHY_OP_PARAMS},
};

/* The blob of kind's int16 graph, and its op 0's words. */
static uint8_t *int16_blob(int kind, size_t *len, uint8_t **rec, uint8_t **words)
{
    graph *g = float_graph(kind), *q = int16_graph(g);
    uint8_t *b = NULL;
    ck_assert_msg(blob_build(q, &b, len, NULL) == HB_OK, "%s", hb_last_error());
    *rec = b + nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF));
    *words = *rec + NN_BLOB_OP_HEAD_BYTES + ((2u * ((*rec)[1] + (*rec)[2]) + 3u) & ~3u);
    graph_free(q);
    graph_free(g);
    return b;
}

static void assert_refused(const uint8_t *b, size_t len, const char *what, int why)
{
    nn_model m;
    nn_error e;
    ck_assert_msg(nn_model_open(&m, b, (uint32_t)len, &e) != NN_OK, "%s: accepted", what);
    ck_assert_msg(e.why == why && e.op == 0, "%s: '%s' at op %d", what, nn_why_text(e.why),
                  (int)e.op);
}

START_TEST(check_refuses_bad_words)
{
    const refusal *c = &refusals[_i];
    size_t len;
    uint8_t *rec, *words, *b = int16_blob(c->graph, &len, &rec, &words);
    nn_model m;
    ck_assert_int_eq(nn_model_open(&m, b, (uint32_t)len, NULL), NN_OK);
    if (c->field >= 0)
        nn_wr_u32(words + 4 * c->field, c->value);
    else
        rec[3] = (uint8_t)c->value;
    assert_refused(b, len, c->what, c->why);
    free(b);
}
END_TEST

/* A table the kernels could not use safely: a negative e^x entry, a tail
 * too small to keep the row sum away from 0. */
START_TEST(check_refuses_bad_tables)
{
    size_t len;
    uint8_t *rec, *words, *b = int16_blob(G_SOFTMAX, &len, &rec, &words);
    uint8_t *lut = b + nn_rd_u32(words + 4 * NN_SOFTMAX_LUT);
    nn_wr_u16(lut + 2 * 100, 0x8000);
    assert_refused(b, len, "softmax: negative table entry", NN_WHY_OP_PARAMS);
    nn_wr_u16(lut + 2 * 100, 0);
    nn_wr_u16(lut + 2 * 512, 100);
    assert_refused(b, len, "softmax: small e^0", NN_WHY_OP_PARAMS);
    free(b);
}
END_TEST

/* A bias the int64 accumulator has no room for, and int64 biases at an
 * address that is 4- but not 8-aligned. */
START_TEST(check_refuses_bad_bias)
{
    int kind = _i ? G_CONV : G_FC;
    size_t len;
    uint8_t *rec, *words, *b = int16_blob(kind, &len, &rec, &words);
    uint16_t bias = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES + 4);
    uint8_t *tr = b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + bias * NN_BLOB_TENSOR_BYTES;
    ck_assert_int_eq(tr[NN_BT_DTYPE], NN_DT_INT64);
    uint8_t *data = b + nn_rd_u32(tr + NN_BT_OFFSET), saved[8];
    memcpy(saved, data, 8);
    int64_t big = (int64_t)1 << 47;
    memcpy(data, &big, 8);
    assert_refused(b, len, "bias past 2^47", NN_WHY_OP_PARAMS);
    memcpy(data, saved, 8);
    uint8_t *shifted = aligned_alloc(16, len + 16);
    memcpy(shifted + 4, b, len);
    assert_refused(shifted + 4, len, "bias not 8-aligned", NN_WHY_OP_PARAMS);
    memcpy(shifted, b, len);
    nn_model m;
    ck_assert_int_eq(nn_model_open(&m, shifted, (uint32_t)len, NULL), NN_OK);
    free(shifted);
    free(b);
}
END_TEST

/* Whatever bits flip, open refuses or the model runs in bounds. */
START_TEST(bit_flips_never_crash)
{
    size_t len;
    uint8_t *rec, *words, *b = int16_blob(_i, &len, &rec, &words);
    ck_assert_int_gt(hbt_flip_and_run(b, len, 4242 + (uint32_t)_i, 3000), 10);
    free(b);
}
END_TEST

START_TEST(engine_announces_int16)
{
    ck_assert(nn_engine_dtypes() & (1u << NN_DT_INT16));
}
END_TEST

static Suite *ops_int16_suite(void)
{
    Suite *s = suite_create("ops_int16");
    TCase *tc = tcase_create("arithmetic");
    tcase_add_loop_test(tc, int16_matches_float, 0, G_COUNT);
    tcase_add_test(tc, mul_by_quantized64);
    tcase_add_test(tc, engine_announces_int16);
    suite_add_tcase(s, tc);
    tc = tcase_create("validation");
    tcase_add_loop_test(tc, check_refuses_bad_words, 0,
                        (int)(sizeof(refusals) / sizeof(refusals[0])));
    tcase_add_test(tc, check_refuses_bad_tables);
    tcase_add_loop_test(tc, check_refuses_bad_bias, 0, 2);
    tcase_add_loop_test(tc, bit_flips_never_crash, 0, G_COUNT);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(ops_int16_suite)
