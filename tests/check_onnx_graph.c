/*
 * check_onnx_graph.c: the ONNX importer's shape ops and constant folding,
 * and what it refuses: every bad model gets an error naming the node (name
 * and op type) or the tensor, never a crash (truncations and bit flips of
 * a valid model run under the sanitizers). Also the format detection and
 * TFLite round trips of the ops the importer brought.
 */
#include <stdio.h>

#include "model/blob.h"
#include "model/model_read.h"
#include "model/tflite.h"
#include "onnx_test_util.h"

/* Folding and shape ops ------------------------------------------------------ */

/* Shape -> Gather -> Unsqueeze -> Concat -> Reshape, as exporters write a
 * flatten: folded to one RESHAPE (the input is NCHW already). */
START_TEST(reshape_from_a_folded_shape_chain)
{
    float *x = ot_random(48);
    onnx_build *m = ot_new(11);
    int64_t xd[4] = {1, 3, 4, 4}, yd[2] = {1, 48}, zero = 0, minus1 = -1;
    ot_io(m, 0, "x", 4, xd);
    ot_io(m, 1, "y", 2, yd);
    ot_i64(m, "zero", 1, &zero);
    ck_assert_int_eq(onnx_build_init(m, "idx", OT_INT64, 0, NULL, &zero, 8), HB_OK);
    ot_i64(m, "minus1", 1, &minus1);
    ot_node(m, "Shape", "x", "s");
    ot_node(m, "Gather", "s,idx", "n");
    ot_node(m, "Unsqueeze", "n", "n1");
    ot_ints(m, "axes", 1, &zero);
    ot_node(m, "Concat", "n1,minus1", "shape");
    ck_assert_int_eq(onnx_build_attr_i(m, "axis", 0), HB_OK);
    ot_node(m, "Reshape", "x,shape", "y");
    graph *g = ot_import_ok(m);
    ck_assert_int_eq(g->n_ops, 1);
    ck_assert_int_eq(g->ops[0].op, NN_OP_RESHAPE);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 48);
    ot_close("reshape", got, x, 48, 0);
    free(got), free(x);
    graph_free(g);
}
END_TEST

/* Conv (NHWC inside) -> Transpose to NHWC: the model's own transpose
 * cancels the layout's, so only the input transposes. */
START_TEST(transpose_composes_with_the_layout)
{
    float *x = ot_random(2 * 3 * 4 * 5), *w = ot_random(6), want[2 * 4 * 5 * 2];
    for (int n = 0; n < 2; n++)
        for (int h = 0; h < 4; h++)
            for (int ww = 0; ww < 5; ww++)
                for (int m = 0; m < 2; m++) {
                    double acc = 0;
                    for (int ch = 0; ch < 3; ch++)
                        acc += (double)x[((n * 3 + ch) * 4 + h) * 5 + ww] * w[m * 3 + ch];
                    want[((n * 4 + h) * 5 + ww) * 2 + m] = (float)acc;
                }
    onnx_build *b = ot_new(13);
    int64_t xd[4] = {2, 3, 4, 5}, yd[4] = {2, 4, 5, 2}, wd[4] = {2, 3, 1, 1};
    int64_t perm[4] = {0, 2, 3, 1};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", 4, yd);
    ot_f32(b, "W", 4, wd, w);
    ot_node(b, "Conv", "x,W", "c");
    ot_node(b, "Transpose", "c", "y");
    ot_ints(b, "perm", 4, perm);
    graph *g = ot_import_ok(b);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_TRANSPOSE), 1);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 80);
    ot_close("transpose", got, want, 80, 1e-5);
    free(got), free(x), free(w);
    graph_free(g);
}
END_TEST

/* Concat of two convolutions along the channels stays NHWC; a 20-input
 * concatenation is split into ops of at most 15 inputs. */
START_TEST(concat_channels_and_long_lists)
{
    float *x = ot_random(2 * 3 * 3), *w = ot_random(3), want[2 * 2 * 3 * 3];
    for (int n = 0; n < 2; n++)
        for (int ch = 0; ch < 2; ch++)
            for (int i = 0; i < 9; i++)
                want[(n * 2 + ch) * 9 + i] = x[n * 9 + i] * (ch ? w[1] : w[0]);
    onnx_build *b = ot_new(13);
    int64_t xd[4] = {2, 1, 3, 3}, yd[4] = {2, 2, 3, 3}, wd[4] = {1, 1, 1, 1};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", 4, yd);
    ot_f32(b, "W0", 4, wd, w);
    ot_f32(b, "W1", 4, wd, w + 1);
    ot_node(b, "Conv", "x,W0", "a");
    ot_node(b, "Conv", "x,W1", "c");
    ot_node(b, "Concat", "a,c", "y");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 1), HB_OK);
    graph *g = ot_import_ok(b);
    /* The output's only: with one channel the input's change is a RESHAPE. */
    ck_assert_int_eq(ot_count_ops(g, NN_OP_TRANSPOSE), 1);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 36);
    ot_close("concat", got, want, 36, 1e-6);
    free(got);
    graph_free(g);

    /* r, 20 times: CONCATENATION ops of 15 inputs and then 6. */
    b = ot_new(13);
    int64_t vd[2] = {1, 2}, od[2] = {1, 40};
    char names[128] = "";
    float all[40];
    for (int k = 0; k < 20; k++) {
        strcat(names, k ? ",r" : "r");
        all[2 * k] = x[0] > 0 ? x[0] : 0;
        all[2 * k + 1] = x[1] > 0 ? x[1] : 0;
    }
    ot_io(b, 0, "x", 2, vd);
    ot_io(b, 1, "y", 2, od);
    ot_node(b, "Relu", "x", "r");
    ot_node(b, "Concat", names, "y");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 1), HB_OK);
    g = ot_import_ok(b);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_CONCATENATION), 2);
    got = ot_run(g, ins, 0, 40);
    ot_close("long concat", got, all, 40, 0);
    free(got);
    graph_free(g);
    free(x), free(w);
}
END_TEST

/* Pad: a constant value, reflect, zero; Identity and Dropout vanish. */
START_TEST(pad_modes)
{
    static const char *modes[] = {"constant", "reflect", "constant"};
    static const float values[] = {2.5f, 0.0f, 0.0f};
    for (int v = 0; v < 3; v++) {
        float *x = ot_random(2 * 3 * 4), want[2 * 6 * 7];
        int64_t pads[6] = {0, 1, 2, 0, 2, 1}; /* H: 1, 2; W: 2, 1 */
        for (int c = 0; c < 2; c++)
            for (int h = 0; h < 6; h++)
                for (int w = 0; w < 7; w++) {
                    int ih = h - 1, iw = w - 2;
                    float val = values[v];
                    if (v == 1) {
                        ih = ih < 0 ? -ih : ih >= 3 ? 4 - ih : ih;
                        iw = iw < 0 ? -iw : iw >= 4 ? 6 - iw : iw;
                    }
                    if (ih >= 0 && ih < 3 && iw >= 0 && iw < 4)
                        val = x[(c * 3 + ih) * 4 + iw];
                    want[(c * 6 + h) * 7 + w] = val;
                }
        onnx_build *b = ot_new(v == 2 ? 9 : 13);
        int64_t xd[3] = {2, 3, 4}, yd[3] = {2, 6, 7};
        ot_io(b, 0, "x", 3, xd);
        ot_io(b, 1, "y", 3, yd);
        if (v < 2) {
            ot_i64(b, "pads", 6, pads);
            ot_f32(b, "cv", 0, xd, &values[v]);
            ot_node(b, "Identity", "x", "i");
            ot_node(b, "Pad", v == 0 ? "i,pads,cv" : "i,pads", "p");
            ck_assert_int_eq(onnx_build_attr_s(b, "mode", modes[v]), HB_OK);
            ot_node(b, "Dropout", "p", "y");
        } else {
            ot_node(b, "Pad", "x", "y");
            ot_ints(b, "pads", 6, pads);
        }
        graph *g = ot_import_ok(b);
        ck_assert_int_eq(g->n_ops, 1);
        const float *ins[1] = {x};
        float *got = ot_run(g, ins, 0, 84);
        ot_close(modes[v], got, want, 84, 0);
        free(got), free(x);
        graph_free(g);
    }
}
END_TEST

/* Weights from ConstantOfShape and Constant nodes. */
START_TEST(constant_nodes_as_weights)
{
    onnx_build *b = ot_new(13);
    int64_t xd[2] = {1, 4}, yd[2] = {1, 3}, shape[2] = {4, 3}, one = 1;
    float fill = 0.25f, bias[3] = {1, 2, 3};
    ot_io(b, 0, "x", 2, xd);
    ot_io(b, 1, "y", 2, yd);
    ot_i64(b, "shape", 2, shape);
    ot_node(b, "ConstantOfShape", "shape", "W");
    ck_assert_int_eq(onnx_build_attr_tensor(b, "value", OT_FLOAT, 1, &one, &fill, 4), HB_OK);
    ot_node(b, "Constant", "", "B");
    int64_t bd = 3;
    ck_assert_int_eq(onnx_build_attr_tensor(b, "value", OT_FLOAT, 1, &bd, bias, 12), HB_OK);
    ot_node(b, "MatMul", "x,W", "m");
    ot_node(b, "Add", "m,B", "y");
    graph *g = ot_import_ok(b);
    float x[4] = {1, 2, 3, 4}, want[3] = {3.5f, 4.5f, 5.5f};
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 3);
    ot_close("constant weights", got, want, 3, 1e-6);
    free(got);
    graph_free(g);
}
END_TEST

/* Bad models ------------------------------------------------------------------- */

/* A model x [1, 2, 4, 4] -> (what the case adds) -> y. */
static onnx_build *base(int opset)
{
    onnx_build *b = ot_new(opset);
    int64_t xd[4] = {1, 2, 4, 4};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", -1, NULL);
    return b;
}

static onnx_build *bad_op(void)
{
    onnx_build *b = base(13);
    ck_assert_int_eq(onnx_build_node(b, "LRN", "norm1", "x", "y"), HB_OK);
    return b;
}

static onnx_build *bad_missing_init(void)
{
    onnx_build *b = base(13);
    ck_assert_int_eq(onnx_build_node(b, "Conv", "conv1", "x,W", "y"), HB_OK);
    return b;
}

static onnx_build *bad_order(void)
{
    onnx_build *b = base(13);
    ck_assert_int_eq(onnx_build_node(b, "Relu", "r2", "a", "y"), HB_OK);
    ck_assert_int_eq(onnx_build_node(b, "Relu", "r1", "x", "a"), HB_OK);
    return b;
}

static onnx_build *bad_dynamic_reshape(void)
{
    onnx_build *b = base(13);
    int64_t sd[1] = {2};
    ot_io(b, 0, "shape", 1, sd);
    ck_assert_int_eq(onnx_build_node(b, "Reshape", "reshape1", "x,shape", "y"), HB_OK);
    return b;
}

static onnx_build *bad_no_shape(void)
{
    onnx_build *b = ot_new(13);
    ot_io(b, 0, "x", -1, NULL);
    ot_io(b, 1, "y", -1, NULL);
    ot_node(b, "Relu", "x", "y");
    return b;
}

static onnx_build *bad_opset(void)
{
    onnx_build *b = base(18);
    ot_node(b, "Relu", "x", "y");
    return b;
}

static onnx_build *bad_computed_weights(void)
{
    onnx_build *b = base(13);
    int64_t wd[4] = {2, 2, 1, 1};
    ot_io(b, 0, "W", 4, wd);
    ck_assert_int_eq(onnx_build_node(b, "Conv", "conv1", "x,W", "y"), HB_OK);
    return b;
}

static onnx_build *bad_float64(void)
{
    onnx_build *b = ot_new(13);
    int64_t d[1] = {3};
    ck_assert_int_eq(onnx_build_io(b, 0, "x", 11, 1, d), HB_OK);
    ot_io(b, 1, "y", 1, d);
    ot_node(b, "Relu", "x", "y");
    return b;
}

static onnx_build *bad_indices_output(void)
{
    onnx_build *b = base(13);
    int64_t k[2] = {2, 2};
    ck_assert_int_eq(onnx_build_io(b, 1, "idx", OT_INT64, -1, NULL), HB_OK);
    ck_assert_int_eq(onnx_build_node(b, "MaxPool", "pool1", "x", "y,idx"), HB_OK);
    ot_ints(b, "kernel_shape", 2, k);
    return b;
}

static onnx_build *bad_huge_constant(void)
{
    onnx_build *b = base(13);
    int64_t shape[2] = {200000, 200000};
    ot_i64(b, "shape", 2, shape);
    ck_assert_int_eq(onnx_build_node(b, "ConstantOfShape", "big", "shape", "c"), HB_OK);
    ot_node(b, "Add", "x,c", "y");
    return b;
}

static onnx_build *bad_conv3d(void)
{
    onnx_build *b = ot_new(13);
    int64_t xd[5] = {1, 1, 2, 2, 2}, wd[5] = {1, 1, 1, 1, 1};
    float w = 1.0f;
    ot_io(b, 0, "x", 5, xd);
    ot_io(b, 1, "y", -1, NULL);
    ot_f32(b, "W", 5, wd, &w);
    ck_assert_int_eq(onnx_build_node(b, "Conv", "conv3d", "x,W", "y"), HB_OK);
    return b;
}

/* A spatial dimension that is dynamic: read as 1, too small for the
 * window; the message says why. */
static onnx_build *bad_dynamic_window(void)
{
    onnx_build *b = ot_new(13);
    int64_t xd[4] = {-1, 2, -1, -1}, wd[4] = {1, 2, 3, 3};
    float w[18] = {0};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", -1, NULL);
    ot_f32(b, "W", 4, wd, w);
    ck_assert_int_eq(onnx_build_node(b, "Conv", "conv1", "x,W", "y"), HB_OK);
    return b;
}

static const struct {
    onnx_build *(*make)(void);
    hb_status st;
    const char *says[2];
} bad[] = {
    {bad_op, HB_ERR_UNSUPPORTED, {"'norm1' (LRN)", "not supported"}},
    {bad_missing_init, HB_ERR_FORMAT, {"'conv1' (Conv)", "'W' is not defined"}},
    {bad_order, HB_ERR_FORMAT, {"'r2' (Relu)", "topological"}},
    {bad_dynamic_reshape, HB_ERR_UNSUPPORTED, {"'reshape1' (Reshape)", "constant"}},
    {bad_no_shape, HB_ERR_UNSUPPORTED, {"'x'", "no tensor type and shape"}},
    {bad_opset, HB_ERR_UNSUPPORTED, {"opset 18", "6 to 17"}},
    {bad_computed_weights, HB_ERR_UNSUPPORTED, {"'conv1' (Conv)", "constants"}},
    {bad_float64, HB_ERR_UNSUPPORTED, {"'x'", "float64"}},
    {bad_indices_output, HB_ERR_UNSUPPORTED, {"'pool1' (MaxPool)", "output 1"}},
    {bad_huge_constant, HB_ERR_UNSUPPORTED, {"'big' (ConstantOfShape)", "too large"}},
    {bad_conv3d, HB_ERR_UNSUPPORTED, {"'conv3d' (Conv)", "3-D"}},
    {bad_dynamic_window, HB_ERR_FORMAT, {"'conv1' (Conv)", "dimension 2 ('N') was read as 1"}},
};

START_TEST(bad_models_are_refused_by_name)
{
    graph *g = NULL;
    hb_status st = ot_import(bad[_i].make(), &g);
    const char *msg = hb_last_error();
    ck_assert_msg(st == bad[_i].st, "case %d: status %d (%s), want %d", _i, st,
                  st ? msg : "accepted", bad[_i].st);
    for (int k = 0; k < 2; k++)
        ck_assert_msg(strstr(msg, bad[_i].says[k]), "case %d: '%s' does not say '%s'", _i, msg,
                      bad[_i].says[k]);
    ck_assert_ptr_null(g);
}
END_TEST

/* A small valid model of several ops, packed. */
static uint8_t *valid_model(size_t *len)
{
    onnx_build *b = base(13);
    int64_t wd[4] = {3, 2, 3, 3}, pads[4] = {1, 1, 1, 1}, k[2] = {2, 2};
    float w[54];
    for (int i = 0; i < 54; i++)
        w[i] = (float)(i % 7) / 7.0f - 0.4f;
    ot_f32(b, "W", 4, wd, w);
    ot_node(b, "Conv", "x,W", "c");
    ot_ints(b, "pads", 4, pads);
    ot_node(b, "Relu", "c", "r");
    ot_node(b, "MaxPool", "r", "p");
    ot_ints(b, "kernel_shape", 2, k);
    ot_ints(b, "strides", 2, k);
    ot_node(b, "Flatten", "p", "f");
    ot_node(b, "Softmax", "f", "y");
    uint8_t *buf = NULL;
    ck_assert_int_eq(onnx_build_pack(b, &buf, len), HB_OK);
    onnx_build_free(b);
    return buf;
}

START_TEST(malformed_files_never_crash)
{
    size_t len;
    uint8_t *buf = valid_model(&len);
    graph *g = NULL;
    ck_assert_int_eq(onnx_read(buf, len, "valid", &g), HB_OK);
    graph_free(g);
    for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : 7) {
        hb_status st = onnx_read(buf, cut, "cut", &g);
        ck_assert_msg(st != HB_OK || g, "cut %zu", cut);
        graph_free(g);
    }
    uint32_t s = 99;
    for (int round = 0; round < 2000; round++) {
        uint8_t *copy = malloc(len);
        memcpy(copy, buf, len);
        for (int f = 0; f < 1 + round % 4; f++) {
            s = s * 1103515245u + 12345u;
            copy[(s >> 8) % len] ^= (uint8_t)(1u << ((s >> 4) & 7));
        }
        if (onnx_read(copy, len, "flipped", &g) == HB_OK) {
            hostrun *r = NULL;
            if (hostrun_new(g, &r) == HB_OK)
                hostrun_invoke(r, NULL, NULL);
            hostrun_free(r);
            graph_free(g);
        }
        free(copy);
    }
    free(buf);
    static const uint8_t junk[] = "this is not a protobuf at all\xff\xff";
    ck_assert_int_eq(onnx_read(junk, sizeof(junk), "junk", &g), HB_ERR_FORMAT);
    ck_assert_ptr_null(g);
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    /* 200 nested length-delimited fields: valid wire format all the way. */
    size_t cap = 4096, len = 0;
    uint8_t *buf = malloc(cap), *tmp = malloc(cap);
    for (int level = 0; level < 200; level++) {
        size_t n = 0;
        tmp[n++] = 0x3a;
        size_t l = len;
        do {
            tmp[n++] = (uint8_t)((l & 0x7f) | (l > 0x7f ? 0x80 : 0));
            l >>= 7;
        } while (l);
        memcpy(tmp + n, buf, len);
        len += n;
        memcpy(buf, tmp, len);
    }
    graph *g = NULL;
    ck_assert_int_eq(onnx_read(buf, len, "deep", &g), HB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "nested"));
    free(buf), free(tmp);
}
END_TEST

/* Formats and test data -------------------------------------------------------- */

START_TEST(formats_are_told_apart)
{
    size_t len;
    uint8_t *onnx = valid_model(&len);
    uint8_t tfl[16] = {0, 0, 0, 0, 'T', 'F', 'L', '3'};
    uint8_t blob[8] = {'H', 'B', 'N', 'B'};
    ck_assert_int_eq(model_format_of(onnx, len, NULL), MODEL_ONNX);
    ck_assert_int_eq(model_format_of(tfl, sizeof(tfl), "x.onnx"), MODEL_TFLITE);
    ck_assert_int_eq(model_format_of(blob, sizeof(blob), NULL), MODEL_BLOB);
    ck_assert_int_eq(model_format_of(tfl + 8, 8, "m.ONNX"), MODEL_ONNX);
    graph *g = NULL;
    ck_assert_int_eq(model_read(onnx, len, "m", &g), HB_OK);
    graph_free(g);
    free(onnx);
}
END_TEST

START_TEST(tensor_pb_round_trip)
{
    int64_t d[3] = {2, 1, 3};
    double v[6] = {1, -2, 3.5, 4, 5, 1e-3};
    uint8_t *buf = NULL;
    size_t len = 0;
    onnx_tensor t;
    ck_assert_int_eq(onnx_build_tensor_pb("t", 11, 3, d, v, sizeof(v), &buf, &len), HB_OK);
    ck_assert_int_eq(onnx_tensor_read(buf, len, &t), HB_OK);
    ck_assert_int_eq(t.rank, 3);
    ck_assert_int_eq(t.count, 6);
    for (int k = 0; k < 6; k++)
        ck_assert_float_eq(t.values[k], (float)v[k]);
    onnx_tensor_free(&t);
    ck_assert_int_eq(onnx_tensor_read(buf, len - 3, &t), HB_ERR_FORMAT);
    free(buf);
}
END_TEST

/* The importer's ops survive TFLite: written, read back, run the same
 * (a dilated pool, which TFLite cannot say, is refused). */
START_TEST(tflite_round_trip_of_new_ops)
{
    onnx_build *b = ot_new(13);
    int64_t xd[4] = {1, 2, 5, 5}, pads[8] = {0, 0, 1, 1, 0, 0, 2, 0};
    float slope[2] = {0.1f, -0.3f};
    int64_t sd[3] = {2, 1, 1};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", -1, NULL);
    ot_f32(b, "slope", 3, sd, slope);
    ot_i64(b, "pads", 8, pads);
    ot_node(b, "Pad", "x,pads", "p");
    ck_assert_int_eq(onnx_build_attr_s(b, "mode", "reflect"), HB_OK);
    ot_node(b, "PRelu", "p,slope", "q");
    ot_node(b, "Tanh", "q", "t");
    ot_node(b, "LeakyRelu", "t", "l");
    ot_node(b, "Concat", "l,q", "cc");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 1), HB_OK);
    ot_node(b, "Mul", "cc,cc", "m");
    ot_node(b, "Clip", "m", "cl");
    ck_assert_int_eq(onnx_build_node(b, "LogSoftmax", NULL, "cl", "y"), HB_OK);
    graph *g = ot_import_ok(b), *back = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(tflite_write(g, &buf, &len), HB_OK);
    ck_assert_int_eq(tflite_read(buf, len, "back", &back), HB_OK);
    ck_assert_int_eq(back->n_ops, g->n_ops);
    for (int i = 0; i < g->n_ops; i++)
        ck_assert_int_eq(back->ops[i].op, g->ops[i].op);
    float *x = ot_random(50);
    const float *ins[1] = {x};
    size_t n = graph_tensor_count(&g->tensors[g->outputs[0]]);
    float *a = ot_run(g, ins, 0, n), *c = ot_run(back, ins, 0, n);
    ot_close("tflite round trip", c, a, n, 0);
    free(a), free(c), free(x), free(buf);
    graph_free(g);
    graph_free(back);

    b = base(12);
    int64_t k[2] = {2, 2}, dl[2] = {2, 2};
    ot_node(b, "MaxPool", "x", "y");
    ot_ints(b, "kernel_shape", 2, k);
    ot_ints(b, "dilations", 2, dl);
    g = ot_import_ok(b);
    ck_assert_int_eq(tflite_write(g, &buf, &len), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "dilated"));
    graph_free(g);
}
END_TEST

static Suite *onnx_graph_suite(void)
{
    Suite *s = suite_create("onnx_graph");
    TCase *tc = tcase_create("shapes");
    tcase_add_test(tc, reshape_from_a_folded_shape_chain);
    tcase_add_test(tc, transpose_composes_with_the_layout);
    tcase_add_test(tc, concat_channels_and_long_lists);
    tcase_add_test(tc, pad_modes);
    tcase_add_test(tc, constant_nodes_as_weights);
    tcase_add_test(tc, formats_are_told_apart);
    tcase_add_test(tc, tensor_pb_round_trip);
    tcase_add_test(tc, tflite_round_trip_of_new_ops);
    suite_add_tcase(s, tc);
    TCase *tb = tcase_create("bad");
    tcase_set_timeout(tb, 300);
    tcase_add_loop_test(tb, bad_models_are_refused_by_name, 0,
                        (int)(sizeof(bad) / sizeof(bad[0])));
    tcase_add_test(tb, malformed_files_never_crash);
    tcase_add_test(tb, deep_nesting_is_refused);
    suite_add_tcase(s, tb);
    return s;
}

HBT_MAIN(onnx_graph_suite)
