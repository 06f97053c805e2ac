/*
 * check_quantize.c: int8 post-training quantisation (host/compress/quantize).
 *
 * The hand-made graph: input x [1, 2] -> FULLY_CONNECTED (RELU) -> y [1, 2]
 *     W = [[1.27, -0.5], [0.254, -0.1]]   ([units, depth])
 *     b = [0.5, -0.25]
 * With the ranges x in [-1, 1.55], y in [0, 2.55]:
 *     x: scale = 2.55 / 255 = 0.01, zp = round(-128 - (-1) / 0.01) = -28
 *     y: scale = 2.55 / 255 = 0.01, zp = round(-128 - 0 / 0.01)  = -128
 * Per channel:
 *     wscale = [1.27 / 127, 0.254 / 127] = [0.01, 0.002]
 *     Wq     = [[127, -50], [127, -50]]
 *     bscale = 0.01 * wscale = [1e-4, 2e-5]
 *     bq     = [0.5 / 1e-4, -0.25 / 2e-5] = [5000, -12500]
 * Per tensor:
 *     wscale = 1.27 / 127 = 0.01
 *     Wq     = [[127, -50], [25 (25.4), -10]]
 *     bscale = 1e-4, bq = [5000, -2500]
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "compress/quantize.h"
#include "model/hostrun.h"

static const float W[4] = {1.27f, -0.5f, 0.254f, -0.1f};
static const float B[2] = {0.5f, -0.25f};
enum { T_X, T_W, T_B, T_Y };

/* x -> FC(act) -> y; with_bias 0 leaves the bias out. */
static graph *fc_graph(int act, int with_bias)
{
    graph *g = NULL;
    int32_t io[2] = {1, 2}, wd[2] = {2, 2}, bd[1] = {2};
    int in[3] = {T_X, T_W, T_B}, out = T_Y;
    graph_options opt = {.activation = act};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, io, NULL, 0,
                                      NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "w", NN_DT_FLOAT32, 2, wd, W,
                                      sizeof(W), NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "b", NN_DT_FLOAT32, 1, bd, B,
                                      sizeof(B), NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "y", NN_DT_FLOAT32, 2, io, NULL, 0,
                                      NULL), HB_OK);
    ck_assert_int_eq(graph_add_op(g, NN_OP_FULLY_CONNECTED, with_bias ? 3 : 2, in,
                                  1, &out, &opt, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, in, 1, &out), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

static const float RMIN[4] = {-1.0f, INFINITY, INFINITY, 0.0f};
static const float RMAX[4] = {1.55f, -INFINITY, -INFINITY, 2.55f};

static void assert_act(const graph_tensor *t, float scale, int32_t zp)
{
    ck_assert_int_eq(t->dtype, NN_DT_INT8);
    ck_assert_int_eq(t->n_quant, 1);
    ck_assert_float_eq_tol(t->scales[0], scale, 1e-7f);
    ck_assert_int_eq(t->zero_points[0], zp);
    ck_assert_ptr_null(t->data);
}

START_TEST(test_per_channel)
{
    graph *g = fc_graph(NN_ACT_RELU, 1), *q = NULL;
    static const int8_t wq[4] = {127, -50, 127, -50};
    static const int32_t bq[2] = {5000, -12500};

    ck_assert_int_eq(compress_quantize_int8_ranges(g, NULL, RMIN, RMAX, &q), HB_OK);
    ck_assert_int_eq(q->n_tensors, 4);
    assert_act(&q->tensors[T_X], 0.01f, -28);
    assert_act(&q->tensors[T_Y], 0.01f, -128);
    const graph_tensor *w = &q->tensors[T_W], *b = &q->tensors[T_B];
    ck_assert_int_eq(w->dtype, NN_DT_INT8);
    ck_assert_int_eq(w->n_quant, 2);
    ck_assert_int_eq(w->quant_axis, 0);
    ck_assert_float_eq_tol(w->scales[0], 0.01f, 1e-8f);
    ck_assert_float_eq_tol(w->scales[1], 0.002f, 1e-9f);
    ck_assert_int_eq(w->zero_points[0], 0);
    ck_assert_int_eq(w->zero_points[1], 0);
    ck_assert_uint_eq(w->bytes, 4);
    ck_assert_mem_eq(w->data, wq, 4);
    ck_assert_int_eq(b->dtype, NN_DT_INT32);
    ck_assert_int_eq(b->n_quant, 2);
    ck_assert_float_eq_tol(b->scales[0], 1e-4f, 1e-10f);
    ck_assert_float_eq_tol(b->scales[1], 2e-5f, 1e-11f);
    ck_assert_int_eq(b->zero_points[1], 0);
    ck_assert_uint_eq(b->bytes, 8);
    ck_assert_mem_eq(b->data, bq, 8);
    /* Ops, I/O and names carry over; the float graph is untouched. */
    ck_assert_int_eq(q->n_ops, 1);
    ck_assert_int_eq(q->ops[0].opt.activation, NN_ACT_RELU);
    ck_assert_str_eq(q->tensors[T_W].name, "w");
    ck_assert_int_eq(q->inputs[0], T_X);
    ck_assert_int_eq(q->outputs[0], T_Y);
    ck_assert_int_eq(g->tensors[T_W].dtype, NN_DT_FLOAT32);
    ck_assert_mem_eq(g->tensors[T_W].data, W, sizeof(W));
    ck_assert_int_eq(g->tensors[T_X].n_quant, 0);
    graph_free(q);
    graph_free(g);
}
END_TEST

START_TEST(test_per_tensor)
{
    graph *g = fc_graph(NN_ACT_NONE, 1), *q = NULL;
    compress_quantize_options opt = {.per_tensor = 1};
    static const int8_t wq[4] = {127, -50, 25, -10};
    static const int32_t bq[2] = {5000, -2500};

    ck_assert_int_eq(compress_quantize_int8_ranges(g, &opt, RMIN, RMAX, &q), HB_OK);
    const graph_tensor *w = &q->tensors[T_W], *b = &q->tensors[T_B];
    ck_assert_int_eq(w->n_quant, 1);
    ck_assert_float_eq_tol(w->scales[0], 0.01f, 1e-8f);
    ck_assert_mem_eq(w->data, wq, 4);
    ck_assert_int_eq(b->n_quant, 1);
    ck_assert_float_eq_tol(b->scales[0], 1e-4f, 1e-10f);
    ck_assert_mem_eq(b->data, bq, 8);
    graph_free(q);
    graph_free(g);
}
END_TEST

START_TEST(test_no_bias_zero_channel)
{
    graph *g = fc_graph(NN_ACT_RELU6, 0), *q = NULL;
    memset(g->tensors[T_W].data + 2 * sizeof(float), 0, 2 * sizeof(float));
    ck_assert_int_eq(compress_quantize_int8_ranges(g, NULL, RMIN, RMAX, &q), HB_OK);
    const graph_tensor *w = &q->tensors[T_W];
    ck_assert_float_eq(w->scales[1], 1.0f);
    ck_assert_int_eq(((const int8_t *)w->data)[2], 0);
    ck_assert_int_eq(((const int8_t *)w->data)[3], 0);
    /* The unused bias stays a float constant; the op does not read it. */
    ck_assert_int_eq(q->tensors[T_B].dtype, NN_DT_FLOAT32);
    ck_assert_int_eq(q->ops[0].n_inputs, 2);
    graph_free(q);
    graph_free(g);
}
END_TEST

/* An op whose form its rule does not know is refused, named. */
static const int malformed_ops[] = {NN_OP_FULLY_CONNECTED, NN_OP_CONV_2D,
                                    NN_OP_DEPTHWISE_CONV_2D, NN_OP_ADD};

START_TEST(test_unsupported_op)
{
    int op = malformed_ops[_i];
    graph *g = NULL, *q = (graph *)1;
    int32_t d[2] = {1, 4};
    int in = 0, out = 1;
    static const float rmin[2] = {-1.0f, -1.0f}, rmax[2] = {1.0f, 1.0f};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "in", NN_DT_FLOAT32, 2, d, NULL, 0,
                                      NULL), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "out", NN_DT_FLOAT32, 2, d, NULL, 0,
                                      NULL), HB_OK);
    ck_assert_int_eq(graph_add_op(g, op, 1, &in, 1, &out, NULL, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out), HB_OK);
    ck_assert_int_eq(compress_quantize_int8_ranges(g, NULL, rmin, rmax, &q),
                     HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(q);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), nn_op_name(op)));
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "op 0"));
    graph_free(g);
}
END_TEST

START_TEST(test_refusals)
{
    graph *g = fc_graph(NN_ACT_TANH, 1), *q = (graph *)1, *q2 = NULL;
    ck_assert_int_eq(compress_quantize_int8_ranges(g, NULL, RMIN, RMAX, &q),
                     HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(q);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "FULLY_CONNECTED"));
    g->ops[0].opt.activation = NN_ACT_NONE;
    /* An activation without a range. */
    float bad_max[4];
    memcpy(bad_max, RMAX, sizeof(bad_max));
    bad_max[T_Y] = -INFINITY;
    ck_assert_int_eq(compress_quantize_int8_ranges(g, NULL, RMIN, bad_max, &q),
                     HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "tensor 3 (y)"));
    /* Quantising twice: the graph is no longer float. */
    ck_assert_int_eq(compress_quantize_int8_ranges(g, NULL, RMIN, RMAX, &q2), HB_OK);
    ck_assert_int_eq(compress_quantize_int8_ranges(q2, NULL, RMIN, RMAX, &q),
                     HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(q);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "not float"));
    graph_free(q2);
    graph_free(g);
}
END_TEST

/* (min, max) -> (scale, zero point), the TFLite rule of the header. */
static const struct {
    float min, max, scale;
    int32_t zp;
} param_cases[] = {
    {-1.0f, 1.55f, 0.01f, -28},
    {0.0f, 2.55f, 0.01f, -128},
    {0.5f, 2.55f, 0.01f, -128},   /* widened down to 0 */
    {-2.55f, 0.0f, 0.01f, 127},
    {-2.55f, -1.0f, 0.01f, 127},  /* widened up to 0 */
    {-0.51f, 2.04f, 0.01f, -77},
    {0.0f, 0.0f, 1.0f / 255.0f, -128},
};

START_TEST(test_params)
{
    float s;
    int32_t zp;
    compress_int8_params(param_cases[_i].min, param_cases[_i].max, &s, &zp);
    ck_assert_float_eq_tol(s, param_cases[_i].scale, 1e-7f);
    ck_assert_int_eq(zp, param_cases[_i].zp);
}
END_TEST

START_TEST(test_convert)
{
    ck_assert_int_eq(compress_int8_from_float(0.0f, 0.01f, -28), -28);
    ck_assert_int_eq(compress_int8_from_float(1.0f, 0.01f, -28), 72);
    ck_assert_int_eq(compress_int8_from_float(0.004f, 0.01f, 0), 0);
    ck_assert_int_eq(compress_int8_from_float(-0.006f, 0.01f, 0), -1);
    ck_assert_int_eq(compress_int8_from_float(100.0f, 0.01f, -28), 127);
    ck_assert_int_eq(compress_int8_from_float(-100.0f, 0.01f, -28), -128);
    ck_assert_float_eq_tol(compress_int8_to_float(72, 0.01f, -28), 1.0f, 1e-6f);
    ck_assert_float_eq(compress_int8_to_float(-28, 0.01f, -28), 0.0f);
}
END_TEST

/* Calibration sees what the float graph computes:
 * x = [-1, 1.55]: y = relu([-1.27 - 0.775 + 0.5, -0.254 - 0.155 - 0.25]) = 0
 * x = [1, 0]:     y = relu([1.27 + 0.5, 0.254 - 0.25]) = [1.77, 0.004] */
START_TEST(test_calibrate)
{
    graph *g = fc_graph(NN_ACT_RELU, 1), *q = NULL;
    static const float v0[2] = {-1.0f, 1.55f}, v1[2] = {1.0f, 0.0f};
    const float *vec[2] = {v0, v1};
    float mn[4], mx[4];

    ck_assert_int_eq(compress_calibrate(g, vec, 2, mn, mx), HB_OK);
    ck_assert_float_eq(mn[T_X], -1.0f);
    ck_assert_float_eq(mx[T_X], 1.55f);
    ck_assert_float_eq(mn[T_Y], 0.0f);
    ck_assert_float_eq_tol(mx[T_Y], 1.77f, 1e-6f);
    ck_assert(isinf(mn[T_W]) && mn[T_W] > 0 && isinf(mx[T_W]) && mx[T_W] < 0);
    ck_assert_int_eq(compress_quantize_int8(g, NULL, vec, 2, &q), HB_OK);
    assert_act(&q->tensors[T_X], 0.01f, -28);
    assert_act(&q->tensors[T_Y], 1.77f / 255.0f, -128);
    graph_free(q);
    /* A NaN in the data is refused. */
    float nan_v[2] = {NAN, 0.0f};
    const float *bad[1] = {nan_v};
    q = (graph *)1;
    ck_assert_int_eq(compress_quantize_int8(g, NULL, bad, 1, &q), HB_ERR_ARG);
    ck_assert_ptr_null(q);
    ck_assert_int_eq(compress_quantize_int8(g, NULL, vec, 0, &q), HB_ERR_ARG);
    graph_free(g);
}
END_TEST

/* The int8 graph on the engine follows the float graph within a few output
 * steps over a sweep of inputs inside the calibrated range. */
START_TEST(test_int8_close)
{
    graph *g = fc_graph(_i ? NN_ACT_NONE : NN_ACT_RELU, 1), *q = NULL;
    compress_quantize_options opt = {.per_tensor = _i};
    float grid[49][2];
    const float *vec[49];
    hostrun *rf = NULL, *rq = NULL;
    for (int i = 0; i < 49; i++) {
        grid[i][0] = -1.0f + (float)(i / 7) * (2.55f / 6.0f);
        grid[i][1] = -1.0f + (float)(i % 7) * (2.55f / 6.0f);
        vec[i] = grid[i];
    }
    ck_assert_int_eq(compress_quantize_int8(g, &opt, vec, 49, &q), HB_OK);
    ck_assert_int_eq(hostrun_new(g, &rf), HB_OK);
    ck_assert_int_eq(hostrun_new(q, &rq), HB_OK);
    const graph_tensor *qx = &q->tensors[T_X], *qy = &q->tensors[T_Y];
    double worst = 0.0;
    for (int i = 0; i < 49; i++) {
        nn_tensor of, oq;
        int8_t xq[2];
        for (int k = 0; k < 2; k++)
            xq[k] = compress_int8_from_float(grid[i][k], qx->scales[0],
                                             qx->zero_points[0]);
        ck_assert_int_eq(hostrun_set_input(rf, 0, grid[i], sizeof(grid[i])), HB_OK);
        ck_assert_int_eq(hostrun_set_input(rq, 0, xq, sizeof(xq)), HB_OK);
        ck_assert_int_eq(hostrun_invoke(rf, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_invoke(rq, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_output(rf, 0, &of), HB_OK);
        ck_assert_int_eq(hostrun_output(rq, 0, &oq), HB_OK);
        ck_assert_int_eq(oq.dtype, NN_DT_INT8);
        for (int k = 0; k < 2; k++) {
            float yf = ((const float *)of.data)[k];
            float yq = compress_int8_to_float(((const int8_t *)oq.data)[k],
                                              qy->scales[0], qy->zero_points[0]);
            worst = fmax(worst, fabs((double)yf - yq));
        }
    }
    /* Input rounding (half a step of 0.01 on two inputs, weights up to
     * 1.27) plus output rounding: about two output steps at most. */
    ck_assert_msg(worst < 2.5 * qy->scales[0], "worst error %g, scale %g",
                  worst, (double)qy->scales[0]);
    hostrun_free(rf);
    hostrun_free(rq);
    graph_free(q);
    graph_free(g);
}
END_TEST

static Suite *quantize_suite(void)
{
    Suite *s = suite_create("quantize");
    TCase *tc = tcase_create("ranges");
    tcase_add_test(tc, test_per_channel);
    tcase_add_test(tc, test_per_tensor);
    tcase_add_test(tc, test_no_bias_zero_channel);
    tcase_add_loop_test(tc, test_unsupported_op, 0,
                        (int)(sizeof(malformed_ops) / sizeof(malformed_ops[0])));
    tcase_add_test(tc, test_refusals);
    tcase_add_loop_test(tc, test_params, 0,
                        (int)(sizeof(param_cases) / sizeof(param_cases[0])));
    tcase_add_test(tc, test_convert);
    suite_add_tcase(s, tc);
    tc = tcase_create("calibrated");
    tcase_add_test(tc, test_calibrate);
    tcase_add_loop_test(tc, test_int8_close, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(quantize_suite)
