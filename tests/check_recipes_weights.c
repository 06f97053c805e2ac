/*
 * check_recipes_weights.c: the recipes fp16, prune and features
 * (host/compress/weights.h, steps_weights.c), alone and composed with int8,
 * their errors, and float16 weights through the TFLite writer and reader.
 *
 * Hand-computed cases say which weights are zeroed and which features are
 * kept; the blob's weight bytes say what is saved.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_math.h"
#include "check_util.h"
#include "compress/compress.h"
#include "compress/weights.h"
#include "model/blob.h"
#include "model/hostrun.h"
#include "model/tflite.h"
#include "model/tflite_fp16.h"

enum { T_X, T_W, T_B, T_Y };

/* x [1, depth] -> FULLY_CONNECTED(w [units, depth], b) -> y [1, units]. */
static graph *fc(int units, int depth, const float *w, const float *b)
{
    graph *g = NULL;
    int32_t xd[2] = {1, depth}, wd[2] = {units, depth}, bd[1] = {units}, yd[2] = {1, units};
    int in[3] = {T_X, T_W, T_B}, out = T_Y;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, xd, NULL, 0, NULL);
    graph_add_tensor(g, "w", NN_DT_FLOAT32, 2, wd, w, (size_t)units * depth * 4, NULL);
    graph_add_tensor(g, "b", NN_DT_FLOAT32, 1, bd, b, (size_t)units * 4, NULL);
    graph_add_tensor(g, "y", NN_DT_FLOAT32, 2, yd, NULL, 0, NULL);
    graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, in, 1, &out, NULL, NULL);
    graph_set_io(g, 1, in, 1, &out);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

/* x [1, 4, 4, 2] -> CONV_2D(w [3, 3, 3, 2], SAME) -> y [1, 4, 4, 3]. */
static graph *conv(void)
{
    graph *g = NULL;
    int32_t xd[4] = {1, 4, 4, 2}, wd[4] = {3, 3, 3, 2}, bd[1] = {3}, yd[4] = {1, 4, 4, 3};
    float w[54], b[3] = {0.1f, -0.2f, 0.3f};
    for (int i = 0; i < 54; i++)
        w[i] = (float)((i * 7) % 11 - 5) / 10.0f;
    int in[3] = {T_X, T_W, T_B}, out = T_Y;
    graph_options opt = {.padding = NN_PAD_SAME, .stride_w = 1, .stride_h = 1,
                         .dilation_w = 1, .dilation_h = 1};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "x", NN_DT_FLOAT32, 4, xd, NULL, 0, NULL);
    graph_add_tensor(g, "w", NN_DT_FLOAT32, 4, wd, w, sizeof(w), NULL);
    graph_add_tensor(g, "b", NN_DT_FLOAT32, 1, bd, b, sizeof(b), NULL);
    graph_add_tensor(g, "y", NN_DT_FLOAT32, 4, yd, NULL, 0, NULL);
    graph_add_op(g, NN_OP_CONV_2D, 3, in, 1, &out, &opt, NULL);
    graph_set_io(g, 1, in, 1, &out);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

static const float *fdata(const graph *g, int t)
{
    return (const float *)(const void *)g->tensors[t].data;
}

static hb_status apply(const graph *g, const char *text, const compress_context *ctx,
                       graph **out, compress_input_map *map)
{
    compress_recipe *r = NULL;
    hb_status st = compress_recipe_parse(text, &r);
    if (st == HB_OK)
        st = compress_apply(g, r, ctx, out, map);
    compress_recipe_free(r);
    return st;
}

static blob_info info_of(const graph *g)
{
    uint8_t *b = NULL;
    size_t len;
    blob_info info;
    ck_assert_msg(blob_build(g, &b, &len, &info) == HB_OK, "%s", hb_last_error());
    free(b);
    return info;
}

/* prune ------------------------------------------------------------------ */

/* |w| sorted: 0 (7), 0.05 (4), 0.1 (1), 0.2 (5), 0.3 (2), ...; half of 8
 * is 4: those four become 0. */
START_TEST(prune_smallest_weights)
{
    static const float w[8] = {0.5f, -0.1f, 0.3f, -0.8f, 0.05f, 0.2f, -0.6f, 0.0f};
    static const float want[8] = {0.5f, 0, 0.3f, -0.8f, 0, 0, -0.6f, 0};
    static const float b[2] = {1.0f, 2.0f};
    graph *g = fc(2, 4, w, b), *p = NULL;
    ck_assert_int_eq(apply(g, "prune:0.5", NULL, &p, NULL), HB_OK);
    ck_assert(!memcmp(fdata(p, T_W), want, sizeof(want)));
    ck_assert(!memcmp(fdata(p, T_B), b, sizeof(b))); /* biases are not weights */
    ck_assert(!memcmp(fdata(g, T_W), w, sizeof(w)));  /* the model is not changed */
    graph_free(p);
    /* 0.3 of 8 is 2.4: two. */
    ck_assert_int_eq(apply(g, "prune:0.3", NULL, &p, NULL), HB_OK);
    static const float want3[8] = {0.5f, -0.1f, 0.3f, -0.8f, 0, 0.2f, -0.6f, 0};
    ck_assert(!memcmp(fdata(p, T_W), want3, sizeof(want3)));
    graph_free(p);
    graph_free(g);
}
END_TEST

/* Equal magnitudes: the lower index goes first. */
START_TEST(prune_ties_by_index)
{
    static const float w[4] = {1.0f, -1.0f, 2.0f, -2.0f}, b[1] = {0};
    static const float want[4] = {0, 0, 2.0f, -2.0f};
    graph *g = fc(1, 4, w, b), *p = NULL;
    ck_assert_int_eq(apply(g, "prune:0.5", NULL, &p, NULL), HB_OK);
    ck_assert(!memcmp(fdata(p, T_W), want, sizeof(want)));
    graph_free(p);
    graph_free(g);
}
END_TEST

/* Rows (units) by L2 norm: 5, sqrt 2, 2. prune:0.5 of 3 removes 1 (row 1),
 * prune:0.7 removes 2 (rows 1, 2); their bias entries become 0. */
START_TEST(prune_structured_channels)
{
    static const float w[6] = {3, 4, 1, -1, 0, 2}, b[3] = {0.5f, 0.6f, 0.7f};
    graph *g = fc(3, 2, w, b), *p = NULL;
    ck_assert_int_eq(apply(g, "prune:0.5:structured", NULL, &p, NULL), HB_OK);
    static const float w1[6] = {3, 4, 0, 0, 0, 2}, b1[3] = {0.5f, 0, 0.7f};
    ck_assert(!memcmp(fdata(p, T_W), w1, sizeof(w1)));
    ck_assert(!memcmp(fdata(p, T_B), b1, sizeof(b1)));
    graph_free(p);
    ck_assert_int_eq(apply(g, "prune:0.7:structured", NULL, &p, NULL), HB_OK);
    static const float w2[6] = {3, 4, 0, 0, 0, 0}, b2[3] = {0.5f, 0, 0};
    ck_assert(!memcmp(fdata(p, T_W), w2, sizeof(w2)));
    ck_assert(!memcmp(fdata(p, T_B), b2, sizeof(b2)));
    graph_free(p);
    graph_free(g);
}
END_TEST

/* int8 weights rank by real value: scale x |q| = 1, 2 (unit 0, scale 0.1)
 * and 0.3, 0.05 (unit 1, scale 0.01), so unit 1 goes, although |q| = 30
 * is the largest. */
START_TEST(prune_int8_by_real_value)
{
    static const float w[4] = {0}, b[2] = {0};
    graph *g = fc(2, 2, w, b), *p = NULL;
    static const int8_t q[4] = {10, -20, 30, 5};
    static const float s[2] = {0.1f, 0.01f};
    graph_tensor *t = &g->tensors[T_W];
    t->dtype = NN_DT_INT8;
    memcpy(t->data, q, 4);
    t->bytes = 4;
    graph_set_quant(g, T_W, 2, s, NULL, 0);
    ck_assert_int_eq(apply(g, "prune:0.5", NULL, &p, NULL), HB_OK);
    static const int8_t want[4] = {10, -20, 0, 0};
    ck_assert(!memcmp(p->tensors[T_W].data, want, 4));
    graph_free(p);
    /* An asymmetric int8 weight cannot be pruned to q = 0. */
    int32_t zp[2] = {0, 3};
    graph_set_quant(g, T_W, 2, s, zp, 0);
    ck_assert_int_eq(apply(g, "prune:0.5", NULL, &p, NULL), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "zero point 3"));
    ck_assert_ptr_null(p);
    graph_free(g);
}
END_TEST

/* A 16 x 32 layer pruned by half: the blob keeps a 512-bit mask (64
 * bytes) and 256 floats instead of 512 floats. */
START_TEST(prune_saves_bytes)
{
    float w[512], b[16] = {0};
    for (int i = 0; i < 512; i++)
        w[i] = (float)((i * 37) % 101 + 1) / 50.0f * (i % 2 ? -1.0f : 1.0f);
    graph *g = fc(16, 32, w, b), *p = NULL;
    ck_assert_int_eq(apply(g, "prune:0.5", NULL, &p, NULL), HB_OK);
    ck_assert_uint_eq(info_of(g).weight_bytes, 2048);
    ck_assert_uint_eq(info_of(p).weight_bytes, 64 + 256 * 4);
    graph_free(p);
    /* Structured: 8 of 16 units, a 16-bit mask padded to 4 bytes. */
    ck_assert_int_eq(apply(g, "prune:0.5:structured", NULL, &p, NULL), HB_OK);
    ck_assert_uint_eq(info_of(p).weight_bytes, 4 + 8 * 32 * 4);
    graph_free(p);
    graph_free(g);
}
END_TEST

/* features ------------------------------------------------------------------ */

/* Column masses: 0.3, 3, 0.6, 0.1, 2.5. */
static const float FW[10] = {0.1f, -2, 0.3f, 0, 1, 0.2f, 1, -0.3f, 0.1f, -1.5f};
static const float FB[2] = {0.25f, -0.25f};

START_TEST(features_keeps_heaviest)
{
    graph *g = fc(2, 5, FW, FB), *f = NULL;
    compress_input_map map = {0, NULL};
    ck_assert_int_eq(apply(g, "features:2", NULL, &f, &map), HB_OK);
    ck_assert_int_eq(map.n_kept, 2);
    ck_assert_int_eq(map.kept[0], 1);
    ck_assert_int_eq(map.kept[1], 4);
    ck_assert_int_eq(f->tensors[T_X].dims[1], 2);
    ck_assert_int_eq(f->tensors[T_W].dims[1], 2);
    static const float want[4] = {-2, 1, 1, -1.5f};
    ck_assert(!memcmp(fdata(f, T_W), want, sizeof(want)));
    ck_assert_uint_eq(info_of(g).weight_bytes, 2 * 5 * 4);
    ck_assert_uint_eq(info_of(f).weight_bytes, 2 * 2 * 4);
    /* The variant on the kept features: W' x' + b. */
    hostrun *r = NULL;
    float x[2] = {0.5f, 2.0f};
    nn_tensor y;
    ck_assert_int_eq(hostrun_new(f, &r), HB_OK);
    ck_assert_int_eq(hostrun_set_input(r, 0, x, sizeof(x)), HB_OK);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output(r, 0, &y), HB_OK);
    ck_assert_float_eq(((float *)y.data)[0], -2 * 0.5f + 1 * 2.0f + 0.25f);
    ck_assert_float_eq(((float *)y.data)[1], 1 * 0.5f - 1.5f * 2.0f - 0.25f);
    hostrun_free(r);
    compress_input_map_free(&map);
    graph_free(f);
    /* Composed: keep 3 ({1, 2, 4}), then 2 of those, as indices of the
     * reference input. */
    ck_assert_int_eq(apply(g, "features:3,features:2", NULL, &f, &map), HB_OK);
    ck_assert_int_eq(map.n_kept, 2);
    ck_assert_int_eq(map.kept[0], 1);
    ck_assert_int_eq(map.kept[1], 4);
    compress_input_map_free(&map);
    graph_free(f);
    graph_free(g);
}
END_TEST

/* features:K,int8: the calibration vectors shrink with the input, so the
 * input's scale comes from the kept features only (the dropped ones are
 * huge). */
START_TEST(features_then_int8)
{
    graph *g = fc(2, 5, FW, FB), *q = NULL;
    float v[4][5];
    const float *calib[4];
    for (int k = 0; k < 4; k++) {
        for (int j = 0; j < 5; j++)
            v[k][j] = j == 1 || j == 4 ? (float)(k + 1) * 0.25f - 0.5f : 1000.0f;
        calib[k] = v[k];
    }
    compress_context ctx = {calib, 4, NULL};
    compress_input_map map = {0, NULL};
    ck_assert_msg(apply(g, "features:2,int8", &ctx, &q, &map) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(map.n_kept, 2);
    const graph_tensor *x = &q->tensors[q->inputs[0]];
    ck_assert_int_eq(x->dtype, NN_DT_INT8);
    ck_assert_int_eq(x->dims[1], 2);
    /* Range [-0.25, 0.5]: scale 0.75 / 255. */
    ck_assert_float_eq_tol(x->scales[0], 0.75f / 255.0f, 1e-7f);
    compress_input_map_free(&map);
    graph_free(q);
    graph_free(g);
}
END_TEST

/* prune:0.5,int8: the int8 weights keep the zeros and the blob stores
 * them sparse, within 65 % of the int8 weight bytes. */
START_TEST(prune_then_int8)
{
    float w[48 * 64], b[48], v[8][64];
    const float *calib[8];
    for (int i = 0; i < 48 * 64; i++)
        w[i] = sinf((float)i * 0.37f) * (1.0f + (float)(i % 5));
    for (int u = 0; u < 48; u++)
        b[u] = (float)u * 0.01f;
    for (int k = 0; k < 8; k++) {
        for (int j = 0; j < 64; j++)
            v[k][j] = cosf((float)(k * 64 + j));
        calib[k] = v[k];
    }
    compress_context ctx = {calib, 8, NULL};
    graph *g = fc(48, 64, w, b), *q8 = NULL, *pq = NULL, *p = NULL;
    ck_assert_msg(apply(g, "int8", &ctx, &q8, NULL) == HB_OK, "%s", hb_last_error());
    ck_assert_msg(apply(g, "prune:0.5,int8", &ctx, &pq, NULL) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(apply(g, "prune:0.5", NULL, &p, NULL), HB_OK);
    const int8_t *qw = (const int8_t *)pq->tensors[T_W].data;
    int zeros = 0;
    for (int i = 0; i < 48 * 64; i++) {
        if (fdata(p, T_W)[i] == 0.0f)
            ck_assert_msg(qw[i] == 0, "pruned weight %d is %d after int8", i, qw[i]);
        zeros += qw[i] == 0;
    }
    ck_assert_int_ge(zeros, 48 * 32);
    blob_info dense = info_of(q8), sparse = info_of(pq);
    ck_assert_uint_eq(dense.weight_bytes, 48 * 64);
    ck_assert_msg(sparse.weight_bytes * 100 <= dense.weight_bytes * 65, "%u of %u bytes",
                  sparse.weight_bytes, dense.weight_bytes);
    graph_free(g), graph_free(q8), graph_free(pq), graph_free(p);
}
END_TEST

/* fp16 ------------------------------------------------------------------------ */

START_TEST(fp16_halves_weights)
{
    /* -1e-9 rounds to -0, which becomes +0. */
    float w[6] = {0.1f, -2.5f, 3.0e-5f, 1000.0f, -1e-9f, -0.333f}, b[2] = {0.5f, 1.0f / 3};
    graph *g = fc(2, 3, w, b), *h = NULL;
    ck_assert_int_eq(apply(g, "fp16", NULL, &h, NULL), HB_OK);
    const graph_tensor *t = &h->tensors[T_W];
    ck_assert_int_eq(t->dtype, NN_DT_FLOAT16);
    ck_assert_uint_eq(t->bytes, 12);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(((const uint16_t *)(const void *)t->data)[i],
                          i == 4 ? 0 : compress_f32_to_f16(w[i]));
    ck_assert_int_eq(h->tensors[T_B].dtype, NN_DT_FLOAT32);
    ck_assert_uint_eq(info_of(h).weight_bytes * 2, info_of(g).weight_bytes);
    /* It computes as float weights of the rounded values would. */
    float wr[6], x[3] = {1.5f, -0.25f, 2.0f}, y16[2], y32[2];
    for (int i = 0; i < 6; i++)
        wr[i] = nn_f16_to_f32(compress_f32_to_f16(w[i]));
    graph *gr = fc(2, 3, wr, b);
    const graph *gs[2] = {h, gr};
    float *ys[2] = {y16, y32};
    for (int k = 0; k < 2; k++) {
        hostrun *r = NULL;
        nn_tensor y;
        ck_assert_int_eq(hostrun_new(gs[k], &r), HB_OK);
        ck_assert_int_eq(hostrun_set_input(r, 0, x, sizeof(x)), HB_OK);
        ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_output(r, 0, &y), HB_OK);
        memcpy(ys[k], y.data, sizeof(y16));
        hostrun_free(r);
    }
    ck_assert(!memcmp(y16, y32, sizeof(y16)));
    graph_free(gr), graph_free(h), graph_free(g);
}
END_TEST

/* Recipe errors --------------------------------------------------------------- */

typedef struct {
    const char *recipe;
    int model;      /* 0 FC float, 1 CONV float, 2 FC int8 */
    int parse;      /* 1: refused by the parser */
    hb_status st;
    const char *text;
} recipe_error;

static const recipe_error errors[] = {
    {"prune:1.5", 0, 1, HB_ERR_ARG, "strictly between 0 and 1"},
    {"prune:0", 0, 1, HB_ERR_ARG, "strictly between 0 and 1"},
    {"prune:half", 0, 1, HB_ERR_ARG, "'half'"},
    {"prune:0.5:sideways", 0, 1, HB_ERR_ARG, "unknown argument 'sideways'"},
    {"prune", 0, 1, HB_ERR_ARG, "takes 1 to 2 arguments"},
    {"features:0", 0, 1, HB_ERR_ARG, "not a feature count"},
    {"features:x", 0, 1, HB_ERR_ARG, "not a feature count"},
    {"fp16:1", 0, 1, HB_ERR_ARG, "takes 0 to 0 arguments"},
    {"features:2", 1, 0, HB_ERR_UNSUPPORTED, "the first op is CONV_2D, not FULLY_CONNECTED"},
    {"features:5", 0, 0, HB_ERR_ARG, "keep between 1 and 4 of the 5 features"},
    {"fp16", 2, 0, HB_ERR_UNSUPPORTED, "the model is not float"},
    {"prune:0.5,fp16", 2, 0, HB_ERR_UNSUPPORTED, "does not apply"},
};

START_TEST(recipe_errors_are_clear)
{
    const recipe_error *e = &errors[_i];
    compress_recipe *r = NULL;
    hb_status st = compress_recipe_parse(e->recipe, &r);
    if (e->parse) {
        ck_assert_int_eq(st, e->st);
        ck_assert_ptr_null(r);
    } else {
        ck_assert_int_eq(st, HB_OK);
        graph *g = e->model == 1 ? conv() : fc(2, 5, FW, FB), *out = NULL;
        if (e->model == 2) {
            float s = 0.1f;
            int32_t z = -1;
            g->tensors[T_X].dtype = g->tensors[T_Y].dtype = NN_DT_INT8;
            graph_set_quant(g, T_X, 1, &s, &z, 0);
            graph_set_quant(g, T_Y, 1, &s, &z, 0);
        }
        compress_input_map map = {0, NULL};
        st = compress_apply(g, r, NULL, &out, &map);
        ck_assert_int_eq(st, e->st);
        ck_assert_ptr_null(out);
        ck_assert_int_eq(map.n_kept, 0);
        graph_free(g);
    }
    ck_assert_msg(strstr(hb_last_error(), e->text), "%s: '%s' lacks '%s'", e->recipe,
                  hb_last_error(), e->text);
    compress_recipe_free(r);
}
END_TEST

/* TFLite ------------------------------------------------------------------------ */

/* Written as TFLite does it (DEQUANTIZE ops first, the half data in new
 * tensors), and read back to the very same graph. */
START_TEST(fp16_tflite_round_trip)
{
    graph *g = conv(), *h = NULL, *x = NULL, *back = NULL;
    ck_assert_int_eq(compress_fp16(g, &h), HB_OK);
    ck_assert_int_eq(tflite_expand_fp16(h, &x), HB_OK);
    ck_assert_int_eq(x->n_ops, 2);
    ck_assert_int_eq(x->ops[0].op, NN_OP_DEQUANTIZE);
    ck_assert_int_eq(x->ops[0].outputs[0], T_W);
    ck_assert_int_eq(x->tensors[T_W].dtype, NN_DT_FLOAT32);
    ck_assert_ptr_null(x->tensors[T_W].data);
    ck_assert_int_eq(x->tensors[x->ops[0].inputs[0]].dtype, NN_DT_FLOAT16);
    ck_assert_str_eq(x->tensors[x->ops[0].inputs[0]].name, "w_fp16");

    uint8_t *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(tflite_write(h, &buf, &len), HB_OK);
    ck_assert_msg(tflite_read(buf, len, "fp16", &back) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(back->n_ops, h->n_ops);
    ck_assert_int_eq(back->n_tensors, h->n_tensors);
    for (int t = 0; t < h->n_tensors; t++) {
        ck_assert_int_eq(back->tensors[t].dtype, h->tensors[t].dtype);
        ck_assert_str_eq(back->tensors[t].name, h->tensors[t].name);
        ck_assert_uint_eq(back->tensors[t].bytes, h->tensors[t].bytes);
        if (h->tensors[t].data)
            ck_assert(!memcmp(back->tensors[t].data, h->tensors[t].data, h->tensors[t].bytes));
    }
    /* Writing again gives the same bytes. */
    uint8_t *buf2 = NULL;
    size_t len2 = 0;
    ck_assert_int_eq(tflite_write(back, &buf2, &len2), HB_OK);
    ck_assert(len2 == len && !memcmp(buf, buf2, len));
    free(buf), free(buf2);
    graph_free(g), graph_free(h), graph_free(x), graph_free(back);
}
END_TEST

/* A float16 constant behind DEQUANTIZE that an ADD reads is not a weight:
 * it folds to float32 values. */
START_TEST(fp16_dequantize_folds_to_float_elsewhere)
{
    graph *g = NULL;
    int32_t d[2] = {1, 3};
    uint16_t half[3] = {0x3c00, 0xc000, 0x3555}; /* 1, -2, 0.33325 */
    int x, c16, c32, y;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, d, NULL, 0, &x);
    graph_add_tensor(g, "c", NN_DT_FLOAT32, 2, d, NULL, 0, &c32);
    graph_add_tensor(g, "y", NN_DT_FLOAT32, 2, d, NULL, 0, &y);
    graph_add_tensor(g, "c16", NN_DT_FLOAT16, 2, d, half, sizeof(half), &c16);
    graph_add_op(g, NN_OP_DEQUANTIZE, 1, &c16, 1, &c32, NULL, NULL);
    int in[2] = {x, c32};
    graph_add_op(g, NN_OP_ADD, 2, in, 1, &y, NULL, NULL);
    graph_set_io(g, 1, &x, 1, &y);
    ck_assert_int_eq(tflite_fold_fp16(g), HB_OK);
    ck_assert_int_eq(g->n_ops, 1);
    ck_assert_int_eq(g->n_tensors, 3);
    ck_assert_int_eq(g->tensors[c32].dtype, NN_DT_FLOAT32);
    const float want[3] = {1.0f, -2.0f, nn_f16_to_f32(0x3555)};
    ck_assert(!memcmp(g->tensors[c32].data, want, sizeof(want)));
    ck_assert_int_eq(graph_validate(g), HB_OK);
    graph_free(g);
}
END_TEST

/* Pruned graphs are written dense: the zeros are in the data. */
START_TEST(pruned_tflite_is_dense)
{
    graph *g = conv(), *p = NULL, *back = NULL;
    ck_assert_int_eq(apply(g, "prune:0.6", NULL, &p, NULL), HB_OK);
    uint8_t *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(tflite_write(p, &buf, &len), HB_OK);
    ck_assert_int_eq(tflite_read(buf, len, "pruned", &back), HB_OK);
    ck_assert_uint_eq(back->tensors[T_W].bytes, 54 * 4);
    ck_assert(!memcmp(back->tensors[T_W].data, p->tensors[T_W].data, 54 * 4));
    free(buf);
    graph_free(g), graph_free(p), graph_free(back);
}
END_TEST

static Suite *recipes_weights_suite(void)
{
    Suite *s = suite_create("recipes_weights");
    TCase *tp = tcase_create("prune");
    tcase_add_test(tp, prune_smallest_weights);
    tcase_add_test(tp, prune_ties_by_index);
    tcase_add_test(tp, prune_structured_channels);
    tcase_add_test(tp, prune_int8_by_real_value);
    tcase_add_test(tp, prune_saves_bytes);
    tcase_add_test(tp, prune_then_int8);
    suite_add_tcase(s, tp);
    TCase *tf = tcase_create("features");
    tcase_add_test(tf, features_keeps_heaviest);
    tcase_add_test(tf, features_then_int8);
    suite_add_tcase(s, tf);
    TCase *th = tcase_create("fp16");
    tcase_add_test(th, fp16_halves_weights);
    tcase_add_test(th, fp16_tflite_round_trip);
    tcase_add_test(th, fp16_dequantize_folds_to_float_elsewhere);
    tcase_add_test(th, pruned_tflite_is_dense);
    suite_add_tcase(s, th);
    TCase *te = tcase_create("errors");
    tcase_add_loop_test(te, recipe_errors_are_clear, 0,
                        (int)(sizeof(errors) / sizeof(errors[0])));
    suite_add_tcase(s, te);
    return s;
}

HBT_MAIN(recipes_weights_suite)
