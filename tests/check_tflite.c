/*
 * check_tflite.c: the TFLite writer and reader on hand-built graphs. Every
 * field must survive a write/read round trip, and truncated or bit-flipped
 * files must be refused cleanly (this runs under ASan and UBSan, and every
 * buffer handed to the reader is malloc'ed to its exact length so any
 * over-read is caught). check_tflite_fb.c covers hand-made FlatBuffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"
#include "model/tflite.h"
#include "model/tflite_fbr.h"
#include "model/tflite_schema.h"

/* --- Graph comparison. --- */

static int same_ints(const int *a, const int *b, int n)
{
    return n == 0 || memcmp(a, b, (size_t)n * sizeof(int)) == 0;
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Returns NULL if equal, else what differs (static text). */
static const char *graph_diff(const graph *a, const graph *b)
{
    static char why[256];
    if (a->n_tensors != b->n_tensors || a->n_ops != b->n_ops)
        return "tensor or op count";
    if (!same_str(a->description, b->description))
        return "description";
    if (a->n_inputs != b->n_inputs || !same_ints(a->inputs, b->inputs, a->n_inputs) ||
        a->n_outputs != b->n_outputs || !same_ints(a->outputs, b->outputs, a->n_outputs))
        return "model inputs/outputs";
    for (int i = 0; i < a->n_tensors; i++) {
        const graph_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        const char *what = NULL;
        if (!same_str(x->name, y->name))
            what = "name";
        else if (x->dtype != y->dtype || x->rank != y->rank ||
                 memcmp(x->dims, y->dims, (size_t)x->rank * sizeof(int32_t)))
            what = "dtype or shape";
        else if (x->n_quant != y->n_quant ||
                 (x->n_quant && (x->quant_axis != y->quant_axis ||
                                 memcmp(x->scales, y->scales, (size_t)x->n_quant * 4) ||
                                 memcmp(x->zero_points, y->zero_points,
                                        (size_t)x->n_quant * 4))))
            what = "quantisation";
        else if (x->bytes != y->bytes || !x->data != !y->data ||
                 (x->data && memcmp(x->data, y->data, x->bytes)))
            what = "data";
        if (what) {
            snprintf(why, sizeof(why), "tensor %d: %s", i, what);
            return why;
        }
    }
    for (int i = 0; i < a->n_ops; i++) {
        const graph_op *x = &a->ops[i], *y = &b->ops[i];
        const graph_options *p = &x->opt, *q = &y->opt;
        const char *what = NULL;
        if (x->op != y->op)
            what = "opcode";
        else if (x->n_inputs != y->n_inputs || !same_ints(x->inputs, y->inputs, x->n_inputs) ||
                 x->n_outputs != y->n_outputs ||
                 !same_ints(x->outputs, y->outputs, x->n_outputs))
            what = "inputs/outputs";
        else if (p->activation != q->activation || p->padding != q->padding ||
                 p->stride_w != q->stride_w || p->stride_h != q->stride_h ||
                 p->dilation_w != q->dilation_w || p->dilation_h != q->dilation_h ||
                 p->filter_w != q->filter_w || p->filter_h != q->filter_h ||
                 p->depth_multiplier != q->depth_multiplier ||
                 p->keep_num_dims != q->keep_num_dims || memcmp(&p->beta, &q->beta, 4))
            what = "options";
        if (what) {
            snprintf(why, sizeof(why), "op %d (%s): %s", i, nn_op_name(x->op), what);
            return why;
        }
    }
    return NULL;
}

/* --- Hand-built graphs. --- */

static int add_tensor(graph *g, const char *name, int dtype, int rank, const int32_t *dims,
                      int constant)
{
    graph_tensor t = {.dtype = dtype, .rank = rank};
    int index;
    uint8_t *data = NULL;
    memcpy(t.dims, dims, (size_t)rank * sizeof(int32_t));
    size_t bytes = graph_tensor_bytes(&t);
    if (constant) {
        data = malloc(bytes);
        ck_assert_ptr_nonnull(data);
        for (size_t k = 0; k < bytes; k++)
            data[k] = (uint8_t)(k * 37 + (size_t)rank * 11 + 5);
    }
    ck_assert_int_eq(graph_add_tensor(g, name, dtype, rank, dims, data,
                                      constant ? bytes : 0, &index), HB_OK);
    free(data);
    return index;
}

static void quant1(graph *g, int t, float scale, int32_t zp)
{
    ck_assert_int_eq(graph_set_quant(g, t, 1, &scale, &zp, 0), HB_OK);
}

static void add_op(graph *g, int op, int n_in, const int *in, int out,
                   const graph_options *opt)
{
    ck_assert_int_eq(graph_add_op(g, op, n_in, in, 1, &out, opt, NULL), HB_OK);
}

/* float in -> QUANTIZE -> CONV_2D -> DEPTHWISE_CONV_2D (no bias) -> MAX_POOL
 * -> AVERAGE_POOL -> ADD -> RESHAPE -> FULLY_CONNECTED (no bias) ->
 * DEQUANTIZE -> LOGISTIC -> SOFTMAX, with every option set away from its
 * default, per-channel weights, an unnamed tensor, and unused constants of
 * every other dtype, a scalar and a rank-6 tensor. */
static graph *all_ops_graph(void)
{
    graph *g = NULL;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    int32_t d_in[] = {1, 8, 8, 3}, d_w[] = {4, 3, 3, 3}, d_b[] = {4}, d_c[] = {1, 4, 4, 4},
            d_dw[] = {1, 3, 3, 8}, d_d[] = {1, 4, 4, 8}, d_m[] = {1, 2, 2, 8},
            d_a[] = {1, 1, 1, 8}, d_shape[] = {2}, d_r[] = {1, 8}, d_fw[] = {5, 8},
            d_fc[] = {1, 5}, d_six[] = {1, 2, 1, 2, 1, 2}, d_odd[] = {3};
    int in = add_tensor(g, "input", NN_DT_FLOAT32, 4, d_in, 0);
    int q = add_tensor(g, "quantized", NN_DT_INT8, 4, d_in, 0);
    int w = add_tensor(g, "conv/weights", NN_DT_INT8, 4, d_w, 1);
    int b = add_tensor(g, "conv/bias", NN_DT_INT32, 1, d_b, 1);
    int c = add_tensor(g, NULL, NN_DT_INT8, 4, d_c, 0);
    int dw = add_tensor(g, "dw/weights", NN_DT_INT8, 4, d_dw, 1);
    int d = add_tensor(g, "dw/out", NN_DT_INT8, 4, d_d, 0);
    int m = add_tensor(g, "maxpool", NN_DT_INT8, 4, d_m, 0);
    int a = add_tensor(g, "avgpool", NN_DT_INT8, 4, d_a, 0);
    int k = add_tensor(g, "add/const", NN_DT_INT8, 4, d_a, 1);
    int s = add_tensor(g, "add", NN_DT_INT8, 4, d_a, 0);
    int shape = add_tensor(g, "reshape/shape", NN_DT_INT32, 1, d_shape, 1);
    int r = add_tensor(g, "reshape", NN_DT_INT8, 2, d_r, 0);
    int fw = add_tensor(g, "fc/weights", NN_DT_INT8, 2, d_fw, 1);
    int fc = add_tensor(g, "fc", NN_DT_INT8, 2, d_fc, 0);
    int fl = add_tensor(g, "dequantized", NN_DT_FLOAT32, 2, d_fc, 0);
    int lg = add_tensor(g, "logistic", NN_DT_FLOAT32, 2, d_fc, 0);
    int out = add_tensor(g, "softmax", NN_DT_FLOAT32, 2, d_fc, 0);
    add_tensor(g, "f16", NN_DT_FLOAT16, 1, d_odd, 1);
    add_tensor(g, "i16", NN_DT_INT16, 1, d_odd, 1);
    add_tensor(g, "u8", NN_DT_UINT8, 1, d_odd, 1);
    add_tensor(g, "i64", NN_DT_INT64, 1, d_odd, 1);
    add_tensor(g, "bool", NN_DT_BOOL, 1, d_odd, 1);
    add_tensor(g, "scalar", NN_DT_FLOAT32, 0, d_odd, 1);
    add_tensor(g, "rank6", NN_DT_INT8, 6, d_six, 1);
    add_tensor(g, "scalar activation", NN_DT_INT32, 0, d_odd, 0);

    float sw[4] = {0.5f, 0.25f, 0.125f, 1e-3f}, sd[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    int32_t zw[4] = {0, 1, -1, 127}, zd[8] = {0, 0, 0, 0, -128, 0, 0, 3};
    quant1(g, q, 0.0078125f, -128);
    ck_assert_int_eq(graph_set_quant(g, w, 4, sw, zw, 0), HB_OK);
    ck_assert_int_eq(graph_set_quant(g, b, 4, sw, NULL, 0), HB_OK);
    quant1(g, c, 0.1f, 7);
    ck_assert_int_eq(graph_set_quant(g, dw, 8, sd, zd, 3), HB_OK);
    quant1(g, d, 0.2f, -2);
    quant1(g, m, 0.2f, -2);
    quant1(g, a, 0.3f, 1);
    /* Per-tensor with a non-zero axis: the axis must still round-trip. */
    ck_assert_int_eq(graph_set_quant(g, k, 1, &sw[1], &zw[2], 2), HB_OK);
    quant1(g, s, 0.4f, 0);
    quant1(g, r, 0.4f, 0);
    quant1(g, fw, 0.05f, 0);
    quant1(g, fc, 1.5f, 100);

    graph_options o_q = {0};
    graph_options o_conv = {.padding = NN_PAD_VALID, .stride_w = 2, .stride_h = 1,
                            .dilation_w = 1, .dilation_h = 2, .activation = NN_ACT_RELU6};
    graph_options o_dw = {.padding = NN_PAD_SAME, .stride_w = 1, .stride_h = 1,
                          .dilation_w = 2, .dilation_h = 3, .depth_multiplier = 2,
                          .activation = NN_ACT_RELU};
    graph_options o_max = {.padding = NN_PAD_VALID, .stride_w = 2, .stride_h = 2,
                           .filter_w = 2, .filter_h = 2};
    graph_options o_avg = {.padding = NN_PAD_SAME, .stride_w = 1, .stride_h = 3,
                           .filter_w = 2, .filter_h = 4, .activation = NN_ACT_RELU_N1_TO_1};
    graph_options o_add = {.activation = NN_ACT_TANH};
    graph_options o_fc = {.keep_num_dims = 1, .activation = NN_ACT_SIGN_BIT};
    graph_options o_sm = {.beta = 0.5f};

    add_op(g, NN_OP_QUANTIZE, 1, (int[]){in}, q, &o_q);
    add_op(g, NN_OP_CONV_2D, 3, (int[]){q, w, b}, c, &o_conv);
    add_op(g, NN_OP_DEPTHWISE_CONV_2D, 3, (int[]){c, dw, -1}, d, &o_dw);
    add_op(g, NN_OP_MAX_POOL_2D, 1, (int[]){d}, m, &o_max);
    add_op(g, NN_OP_AVERAGE_POOL_2D, 1, (int[]){m}, a, &o_avg);
    add_op(g, NN_OP_ADD, 2, (int[]){a, k}, s, &o_add);
    add_op(g, NN_OP_RESHAPE, 2, (int[]){s, shape}, r, &o_q);
    add_op(g, NN_OP_FULLY_CONNECTED, 3, (int[]){r, fw, -1}, fc, &o_fc);
    add_op(g, NN_OP_DEQUANTIZE, 1, (int[]){fc}, fl, &o_q);
    add_op(g, NN_OP_LOGISTIC, 1, (int[]){fl}, lg, &o_q);
    add_op(g, NN_OP_SOFTMAX, 1, (int[]){lg}, out, &o_sm);
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out), HB_OK);
    g->description = strdup("hand-built: every op kind");
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

/* The smallest model: FC with every option at its schema default (so the
 * writer leaves them all out), no names, no quantisation, no description. */
static graph *defaults_graph(void)
{
    graph *g = NULL;
    int32_t d_in[] = {1, 3}, d_w[] = {2, 3}, d_out[] = {1, 2};
    graph_options conv = {.dilation_w = 1, .dilation_h = 1};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    int in = add_tensor(g, NULL, NN_DT_FLOAT32, 2, d_in, 0);
    int w = add_tensor(g, NULL, NN_DT_FLOAT32, 2, d_w, 1);
    int out = add_tensor(g, NULL, NN_DT_FLOAT32, 2, d_out, 0);
    int32_t d_img[] = {1, 1, 1, 2};
    int img = add_tensor(g, NULL, NN_DT_FLOAT32, 4, d_img, 0);
    int k = add_tensor(g, NULL, NN_DT_FLOAT32, 4, (int32_t[]){2, 1, 1, 2}, 1);
    int out2 = add_tensor(g, NULL, NN_DT_FLOAT32, 4, d_img, 0);
    int out3 = add_tensor(g, NULL, NN_DT_FLOAT32, 4, d_img, 0);
    add_op(g, NN_OP_FULLY_CONNECTED, 2, (int[]){in, w}, out, NULL);
    add_op(g, NN_OP_RESHAPE, 1, (int[]){out}, img, NULL);
    add_op(g, NN_OP_CONV_2D, 2, (int[]){img, k}, out2, &conv);
    add_op(g, NN_OP_DEPTHWISE_CONV_2D, 2, (int[]){out2, k}, out3, &conv);
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out3), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

static uint8_t *write_ok(const graph *g, size_t *len)
{
    uint8_t *buf = NULL;
    ck_assert_msg(tflite_write(g, &buf, len) == HB_OK, "write: %s", hb_last_error());
    ck_assert_ptr_nonnull(buf);
    return buf;
}

/* Reads from an exact-size copy, so ASan sees any byte past the end. */
static hb_status read_copy(const uint8_t *buf, size_t len, graph **out)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, buf, len);
    hb_status st = tflite_read(len ? copy : NULL, len, "test.tflite", out);
    free(copy);
    return st;
}

static void roundtrip(graph *(*make)(void))
{
    graph *g = make(), *back = NULL;
    size_t len, len2;
    uint8_t *buf = write_ok(g, &len), *buf2;
    ck_assert_mem_eq(buf + 4, TFLITE_FILE_ID, 4);
    ck_assert_msg(read_copy(buf, len, &back) == HB_OK, "read: %s", hb_last_error());
    const char *diff = graph_diff(g, back);
    ck_assert_msg(!diff, "round trip differs: %s", diff);
    /* Writing is deterministic. */
    buf2 = write_ok(back, &len2);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(buf, buf2, len);
    free(buf);
    free(buf2);
    graph_free(back);
    graph_free(g);
}

START_TEST(roundtrip_all_ops)
{
    roundtrip(all_ops_graph);
}
END_TEST

START_TEST(roundtrip_defaults)
{
    roundtrip(defaults_graph);
}
END_TEST

START_TEST(files_roundtrip)
{
    graph *g = all_ops_graph(), *back = NULL;
    const char *dir = hbt_tmpdir("tflite");
    ck_assert_ptr_nonnull(dir);
    const char *path = hbt_path("%s/m.tflite", dir);
    ck_assert_int_eq(tflite_write_file(g, path), HB_OK);
    ck_assert_msg(tflite_read_file(path, &back) == HB_OK, "%s", hb_last_error());
    ck_assert_ptr_null(graph_diff(g, back));
    graph_free(back);
    back = (graph *)1;
    ck_assert_int_eq(tflite_read_file(hbt_path("%s/missing.tflite", dir), &back),
                     HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(back);
    ck_assert_int_eq(tflite_write_file(g, hbt_path("%s/no/such/dir.tflite", dir)),
                     HB_ERR_FAIL);
    graph_free(g);
}
END_TEST

/* FlatBuffers layout rules TFLite relies on: Buffer.data aligned to 16,
 * buffer 0 empty, one buffer per constant, vtables aligned to 2. */
START_TEST(layout_follows_the_format)
{
    graph *g = all_ops_graph();
    size_t len;
    uint8_t *buf = write_ok(g, &len);
    tflite_fbr r = {buf, len, NULL};
    tflite_fbr_table model, t;
    size_t data, bytes;
    uint32_t n, n_data;
    int constants = 0;

    for (int i = 0; i < g->n_tensors; i++)
        constants += g->tensors[i].data != NULL;
    snprintf(model.what, sizeof(model.what), "Model");
    ck_assert_int_eq(tflite_fbr_root(&r, &model), HB_OK);
    ck_assert_uint_eq(model.pos % 4, 0);
    ck_assert_uint_eq(model.vt % 2, 0);
    ck_assert_int_eq(tflite_fbr_vector(&r, &model, TFLITE_MODEL_BUFFERS, 4, "buffers",
                                       &data, &n), HB_OK);
    ck_assert_uint_eq(n, (uint32_t)constants + 1);
    for (uint32_t k = 0; k < n; k++) {
        snprintf(t.what, sizeof(t.what), "buffer");
        ck_assert_int_eq(tflite_fbr_elem(&r, data, k, &t), HB_OK);
        ck_assert_uint_eq(t.pos % 4, 0);
        ck_assert_uint_eq(t.vt % 2, 0);
        ck_assert_int_eq(tflite_fbr_vector(&r, &t, TFLITE_BUFFER_DATA, 1, "data", &bytes,
                                           &n_data), HB_OK);
        if (k == 0)
            ck_assert_uint_eq(n_data, 0);
        else
            ck_assert_msg(n_data > 0 && bytes % 16 == 0, "buffer %u data at %zu", k, bytes);
    }
    free(buf);
    graph_free(g);
}
END_TEST

START_TEST(every_truncation_refused)
{
    graph *g = all_ops_graph(), *back;
    size_t len;
    uint8_t *buf = write_ok(g, &len);
    for (size_t cut = 0; cut < len; cut++) {
        back = (graph *)1;
        hb_status st = read_copy(buf, cut, &back);
        ck_assert_msg(st == HB_ERR_FORMAT, "cut at %zu of %zu: status %d (%s)", cut, len,
                      st, hb_last_error());
        ck_assert_ptr_null(back);
        ck_assert_ptr_null(strchr(hb_last_error(), '\n'));
    }
    free(buf);
    graph_free(g);
}
END_TEST

static uint32_t rng_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

START_TEST(bit_flips_never_crash)
{
    graph *g = all_ops_graph();
    size_t len;
    uint8_t *buf = write_ok(g, &len);
    uint32_t seed = 20240611;
    int accepted = 0;
    for (int trial = 0; trial < 4000; trial++) {
        uint8_t *copy = malloc(len);
        graph *back = NULL;
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, buf, len);
        /* Mostly single flips, sometimes a burst or a whole random byte. */
        int flips = trial % 4 == 3 ? 1 + (int)(rng_next(&seed) % 8) : 1;
        for (int k = 0; k < flips; k++) {
            size_t at = rng_next(&seed) % len;
            if (trial % 8 == 7)
                copy[at] = (uint8_t)rng_next(&seed);
            else
                copy[at] ^= (uint8_t)(1u << (rng_next(&seed) % 8));
        }
        hb_status st = tflite_read(copy, len, NULL, &back);
        if (st == HB_OK) {
            accepted++;
            ck_assert_msg(graph_validate(back) == HB_OK, "trial %d: %s", trial,
                          hb_last_error());
        } else {
            ck_assert_ptr_null(back);
        }
        graph_free(back);
        free(copy);
    }
    /* Flips in data, scales or names are harmless: some must pass. */
    ck_assert_int_gt(accepted, 0);
    free(buf);
    graph_free(g);
}
END_TEST

START_TEST(writer_refuses_bad_graphs)
{
    graph *g = NULL;
    uint8_t *buf = (uint8_t *)1;
    size_t len = 1;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    ck_assert_int_eq(tflite_write(g, &buf, &len), HB_ERR_ARG);
    ck_assert_ptr_null(buf);
    ck_assert_uint_eq(len, 0);
    graph_free(g);

    g = all_ops_graph();
    g->ops[1].opt.padding = 7;
    ck_assert_int_eq(tflite_write(g, &buf, &len), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "op 1 (CONV_2D): bad padding 7"));
    g->ops[1].opt.padding = NN_PAD_SAME;
    g->ops[5].opt.activation = 9;
    ck_assert_int_eq(tflite_write(g, &buf, &len), HB_ERR_ARG);
    ck_assert_int_eq(tflite_write(g, NULL, &len), HB_ERR_ARG);
    ck_assert_int_eq(tflite_write(NULL, &buf, &len), HB_ERR_ARG);
    graph_free(g);
}
END_TEST

/* -1 stands for an optional input left out. A model that leaves out an
 * input no op can do without (found by fuzzing: FULLY_CONNECTED's weights)
 * is refused by name, never read out of bounds. */
START_TEST(absent_inputs_refused)
{
    for (int which = 0; which < 2; which++) {
        graph *g = NULL, *back = NULL;
        if (which == 0)
            g = all_ops_graph();
        else
            ck_assert_int_eq(tflite_read_file(hbt_path("%s/sine_float.tflite",
                                                       hbt_models_dir()), &g), HB_OK);
        uint8_t *buf = NULL, *blob = NULL;
        size_t len = 0, blob_len = 0;
        int fc = -1;
        for (int i = 0; i < g->n_ops; i++)
            if (g->ops[i].op == NN_OP_FULLY_CONNECTED)
                fc = i;
        ck_assert_int_ge(fc, 0);
        g->ops[fc].inputs[which] = -1;
        if (which == 0) {
            /* What the reader (and the writer) checks every model with. */
            ck_assert_int_eq(graph_validate(g), HB_ERR_FORMAT);
            ck_assert_msg(strstr(hb_last_error(), "(FULLY_CONNECTED): its first input is "
                                                  "absent (-1)"), "%s", hb_last_error());
        } else {
            ck_assert_msg(tflite_write(g, &buf, &len) == HB_OK, "%s", hb_last_error());
            ck_assert_msg(tflite_read(buf, len, "absent.tflite", &back) == HB_OK, "%s",
                          hb_last_error());
            ck_assert_int_eq(blob_build(back, &blob, &blob_len, NULL), HB_ERR_UNSUPPORTED);
            ck_assert_msg(strstr(hb_last_error(), "(FULLY_CONNECTED): expects 2 or 3 inputs "
                                                  "(input and weights present)"),
                          "%s", hb_last_error());
        }
        free(blob);
        free(buf);
        graph_free(back);
        graph_free(g);
    }
}
END_TEST

/* A model whose activations would take gigabytes (a damaged shape, found
 * by fuzzing) is refused before the host allocates its arena. */
START_TEST(huge_arena_refused)
{
    graph *g = NULL;
    hostrun *r = NULL;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    int32_t dims[] = {1, 600, 600, 1000}; /* 1.44 GB of float32 each */
    int in = add_tensor(g, "in", NN_DT_FLOAT32, 4, dims, 0);
    int out = add_tensor(g, "out", NN_DT_FLOAT32, 4, dims, 0);
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    add_op(g, NN_OP_RELU, 1, &in, out, &opt);
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    ck_assert_int_eq(hostrun_new(g, &r), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(hb_last_error(), "arena of"), "%s", hb_last_error());
    graph_free(g);
}
END_TEST

static Suite *tflite_suite(void)
{
    Suite *s = suite_create("tflite");
    TCase *tc = tcase_create("roundtrip");
    tcase_add_test(tc, roundtrip_all_ops);
    tcase_add_test(tc, roundtrip_defaults);
    tcase_add_test(tc, files_roundtrip);
    tcase_add_test(tc, layout_follows_the_format);
    tcase_add_test(tc, absent_inputs_refused);
    tcase_add_test(tc, huge_arena_refused);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("robustness");
    tcase_set_timeout(tr, 300);
    tcase_add_test(tr, every_truncation_refused);
    tcase_add_test(tr, bit_flips_never_crash);
    suite_add_tcase(s, tr);
    tcase_add_test(tc, writer_refuses_bad_graphs);
    return s;
}

HBT_MAIN(tflite_suite)
