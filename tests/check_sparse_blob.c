/*
 * check_sparse_blob.c: sparse and float16 constants in the blob: what the
 * writer picks (host/model/blob_store.c), what the validator refuses
 * (nn_model.c, nn_sparse.c), and that a model runs the same with its
 * weights stored sparse as dense.
 *
 * Same-result check: graph G has weights with zeros; G' is G with every
 * zero replaced by a placeholder, so its blob stores the weights dense;
 * the placeholders are then overwritten with zeros inside that blob. Both
 * blobs now hold G's weights, one sparse and one dense, and must give the
 * same bytes out for the same inputs (FULLY_CONNECTED, CONV_2D,
 * DEPTHWISE_CONV_2D; float32, float16, int8, hybrid; scattered zeros and
 * whole zero channels).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn.h"
#include "../target-stub/engine/nn_blob.h"
#include "check_util.h"
#include "compress/weights.h"
#include "model/blob.h"

enum { V_F32, V_F16, V_S8, V_HYB, N_VALUES };
enum { P_SCATTERED, P_CHANNELS, N_PATTERNS };
enum { OPS = 3 };
static const int op_codes[OPS] = {NN_OP_FULLY_CONNECTED, NN_OP_CONV_2D,
                                  NN_OP_DEPTHWISE_CONV_2D};

static uint32_t rng = 88172645u;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static float uniform(float lo, float hi)
{
    return lo + (hi - lo) * (float)(next() % 100000u) / 100000.0f;
}

/* Tensors of the one-op graphs. */
enum { T_X, T_W, T_B, T_Y };

typedef struct {
    int op, value;
    int32_t x_dims[4], w_dims[4], y_dims[4];
    int rank, w_rank, axis, channels;
    size_t n_w;
} layout;

static layout layout_of(int op, int value)
{
    layout l;
    memset(&l, 0, sizeof(l));
    l.op = op;
    l.value = value;
    if (op == NN_OP_FULLY_CONNECTED) {
        int32_t x[2] = {2, 24}, w[2] = {10, 24}, y[2] = {2, 10};
        memcpy(l.x_dims, x, sizeof(x)), memcpy(l.w_dims, w, sizeof(w));
        memcpy(l.y_dims, y, sizeof(y));
        l.rank = l.w_rank = 2;
        l.channels = 10;
    } else {
        int32_t x[4] = {1, 6, 6, 4}, y[4] = {1, 6, 6, 8};
        int32_t wc[4] = {8, 3, 3, 4}, wd[4] = {1, 3, 3, 8};
        memcpy(l.x_dims, x, sizeof(x)), memcpy(l.y_dims, y, sizeof(y));
        memcpy(l.w_dims, op == NN_OP_CONV_2D ? wc : wd, sizeof(wc));
        l.rank = l.w_rank = 4;
        l.axis = op == NN_OP_CONV_2D ? 0 : 3;
        l.channels = 8;
    }
    l.n_w = 1;
    for (int d = 0; d < l.w_rank; d++)
        l.n_w *= (size_t)l.w_dims[d];
    return l;
}

static int channel_of(const layout *l, size_t i)
{
    size_t inner = 1;
    for (int d = l->axis + 1; d < l->w_rank; d++)
        inner *= (size_t)l->w_dims[d];
    return (int)(i / inner % (size_t)l->w_dims[l->axis]);
}

/* The one-op graph; zero[i] marks weights that are 0, or hold the
 * placeholder when placeholder is set. */
static graph *one_op(const layout *l, const uint8_t *zero, int placeholder, uint32_t seed)
{
    graph *g = NULL;
    int act_int8 = l->value == V_S8;
    int w_dt = l->value == V_F32 ? NN_DT_FLOAT32 : l->value == V_F16 ? NN_DT_FLOAT16 : NN_DT_INT8;
    size_t esize = nn_dtype_bytes(w_dt);
    uint8_t *w = calloc(l->n_w, esize);
    rng = seed;
    for (size_t i = 0; i < l->n_w; i++) {
        int is_zero = zero[i] && !placeholder;
        if (w_dt == NN_DT_FLOAT32)
            ((float *)w)[i] = is_zero ? 0.0f : zero[i] ? 1.0f : uniform(-1.0f, 1.0f);
        else if (w_dt == NN_DT_FLOAT16)
            ((uint16_t *)w)[i] = is_zero ? 0 : zero[i] ? 0x3c00
                                                       : compress_f32_to_f16(uniform(-1, 1));
        else
            ((int8_t *)w)[i] = (int8_t)(is_zero ? 0 : zero[i] ? 1 : (int)(next() % 200) - 100);
        if (!is_zero && !memcmp(w + i * esize, "\0\0\0\0", esize))
            w[i * esize] = 1; /* only the marked weights are zero */
    }
    int32_t b_dims[1] = {l->channels};
    float bf[16];
    int32_t bq[16];
    for (int c = 0; c < l->channels; c++)
        bf[c] = uniform(-0.5f, 0.5f), bq[c] = (int32_t)(next() % 2001) - 1000;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    int x_dt = act_int8 ? NN_DT_INT8 : NN_DT_FLOAT32;
    graph_add_tensor(g, "x", x_dt, l->rank, l->x_dims, NULL, 0, NULL);
    graph_add_tensor(g, "w", w_dt, l->w_rank, l->w_dims, w, l->n_w * esize, NULL);
    graph_add_tensor(g, "b", act_int8 ? NN_DT_INT32 : NN_DT_FLOAT32, 1, b_dims,
                     act_int8 ? (void *)bq : (void *)bf, (size_t)l->channels * 4, NULL);
    graph_add_tensor(g, "y", x_dt, l->rank, l->y_dims, NULL, 0, NULL);
    if (w_dt == NN_DT_INT8) {
        float ws[16], bs[16], xs = 0.05f, ys = 0.2f;
        int32_t xz = -3, yz = 5, zeros[16] = {0};
        for (int c = 0; c < l->channels; c++)
            ws[c] = 0.004f + 0.001f * (float)c, bs[c] = xs * ws[c];
        graph_set_quant(g, T_W, l->channels, ws, zeros, l->axis);
        if (act_int8) {
            graph_set_quant(g, T_X, 1, &xs, &xz, 0);
            graph_set_quant(g, T_B, l->channels, bs, zeros, 0);
            graph_set_quant(g, T_Y, 1, &ys, &yz, 0);
        }
    }
    graph_options opt = {.padding = NN_PAD_SAME, .stride_w = 1, .stride_h = 1,
                         .dilation_w = 1, .dilation_h = 1, .depth_multiplier = 2};
    int in[3] = {T_X, T_W, T_B}, out = T_Y;
    graph_add_op(g, l->op, 3, in, 1, &out, &opt, NULL);
    graph_set_io(g, 1, in, 1, &out);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    free(w);
    return g;
}

static uint8_t *build(const graph *g, size_t *len, blob_info *info)
{
    uint8_t *b = NULL;
    ck_assert_msg(blob_build(g, &b, len, info) == HB_OK, "blob_build: %s", hb_last_error());
    uint8_t *a = aligned_alloc(16, (*len + 15) / 16 * 16);
    memcpy(a, b, *len);
    free(b);
    return a;
}

static const uint8_t *record(const uint8_t *b, int t)
{
    return b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + (uint32_t)t * NN_BLOB_TENSOR_BYTES;
}

/* Runs blob b once on input x (in_bytes) into y (out_bytes). */
static void run(const uint8_t *b, size_t len, const void *x, size_t in_bytes, void *y,
                size_t out_bytes)
{
    nn_model m;
    nn_error e;
    nn_tensor t;
    ck_assert_msg(nn_model_open(&m, b, (uint32_t)len, &e) == NN_OK, "open: %s (op %d)",
                  nn_why_text(e.why), (int)e.op);
    uint32_t n = nn_model_arena_bytes(&m);
    uint8_t *arena = aligned_alloc(16, (n + 15) / 16 * 16 + 16);
    nn_model_tensor(&m, nn_model_input(&m, 0), arena, &t);
    ck_assert_int_eq(t.bytes, in_bytes);
    memcpy(t.data, x, in_bytes);
    ck_assert_int_eq(nn_model_invoke(&m, arena, n, NULL, &e), NN_OK);
    nn_model_tensor(&m, nn_model_output(&m, 0), arena, &t);
    ck_assert_int_eq(t.bytes, out_bytes);
    memcpy(y, t.data, out_bytes);
    free(arena);
}

START_TEST(sparse_runs_as_dense)
{
    int op = op_codes[_i / (N_VALUES * N_PATTERNS)];
    int value = _i / N_PATTERNS % N_VALUES, pattern = _i % N_PATTERNS;
    layout l = layout_of(op, value);
    char what[128];
    snprintf(what, sizeof(what), "%s value %d pattern %d", nn_op_name(op), value, pattern);
    uint8_t *zero = calloc(l.n_w, 1);
    rng = 1234u + (uint32_t)_i;
    for (size_t i = 0; i < l.n_w; i++)
        zero[i] = pattern == P_SCATTERED ? next() % 10 < 6 : channel_of(&l, i) % 2 == 1;
    graph *g = one_op(&l, zero, 0, 99u + (uint32_t)_i);
    graph *gp = one_op(&l, zero, 1, 99u + (uint32_t)_i);
    size_t len, len_p;
    blob_info info, info_p;
    uint8_t *a = build(g, &len, &info), *b = build(gp, &len_p, &info_p);

    int want = pattern == P_SCATTERED ? NN_KIND_SPARSE : NN_KIND_CHANNELS;
    ck_assert_msg(record(a, T_W)[NN_BT_KIND] == want, "%s: weights kind %d, expected %d",
                  what, record(a, T_W)[NN_BT_KIND], want);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], NN_KIND_CONST);
    ck_assert_msg(info.weight_bytes < info_p.weight_bytes, "%s: %u sparse bytes, %u dense",
                  what, info.weight_bytes, info_p.weight_bytes);
    ck_assert_int_eq(info_p.weight_bytes, g->tensors[T_W].bytes);
    /* The placeholders become zeros inside the dense blob. */
    size_t esize = nn_dtype_bytes(g->tensors[T_W].dtype);
    uint8_t *wd = b + nn_rd_u32(record(b, T_W) + NN_BT_OFFSET);
    for (size_t i = 0; i < l.n_w; i++)
        if (zero[i])
            memset(wd + i * esize, 0, esize);
    ck_assert(!memcmp(wd, g->tensors[T_W].data, g->tensors[T_W].bytes));

    size_t n_x = 1, n_y = 1, xe = value == V_S8 ? 1 : 4;
    for (int d = 0; d < l.rank; d++)
        n_x *= (size_t)l.x_dims[d], n_y *= (size_t)l.y_dims[d];
    uint8_t *x = malloc(n_x * xe), *ya = malloc(n_y * xe), *yb = malloc(n_y * xe);
    for (int v = 0; v < 3; v++) {
        for (size_t i = 0; i < n_x; i++) {
            if (xe == 1)
                x[i] = (uint8_t)next();
            else
                ((float *)x)[i] = uniform(-2.0f, 2.0f);
        }
        run(a, len, x, n_x * xe, ya, n_y * xe);
        run(b, len_p, x, n_x * xe, yb, n_y * xe);
        ck_assert_msg(!memcmp(ya, yb, n_y * xe), "%s: sparse and dense outputs differ", what);
    }
    free(x), free(ya), free(yb), free(a), free(b), free(zero);
    graph_free(g);
    graph_free(gp);
}
END_TEST

/* Validation ----------------------------------------------------------------- */

static nn_status open_copy(const uint8_t *b, size_t len, nn_error *e)
{
    nn_model m;
    /* A tight copy: ASan flags any read past len. */
    uint8_t *copy = aligned_alloc(16, (len + 15) / 16 * 16 + 16);
    memcpy(copy, b, len);
    nn_status st = nn_model_open(&m, copy, (uint32_t)len, e);
    free(copy);
    return st;
}

/* The FULLY_CONNECTED float graph with scattered zeros (weights kind 2)
 * or the CONV_2D one with zero channels (kind 3). */
static uint8_t *sparse_blob(int channels, int value, size_t *len)
{
    layout l = layout_of(channels ? NN_OP_CONV_2D : NN_OP_FULLY_CONNECTED, value);
    uint8_t *zero = calloc(l.n_w, 1);
    rng = 555u;
    for (size_t i = 0; i < l.n_w; i++)
        zero[i] = channels ? channel_of(&l, i) % 2 == 1 : next() % 10 < 6;
    graph *g = one_op(&l, zero, 0, 777u);
    uint8_t *b = build(g, len, NULL);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], channels ? NN_KIND_CHANNELS : NN_KIND_SPARSE);
    graph_free(g);
    free(zero);
    return b;
}

START_TEST(sparse_truncations_refused)
{
    /* Bitmap and channel mask of float32, bitmap of float16. */
    for (int k = 0; k < 3; k++) {
        size_t len;
        uint8_t *b = sparse_blob(k == 1, k == 2 ? V_F16 : V_F32, &len);
        nn_error e;
        ck_assert_int_eq(open_copy(b, len, &e), NN_OK);
        for (size_t n = 0; n < len; n++)
            ck_assert_msg(open_copy(b, n, &e) != NN_OK, "truncated to %zu of %zu: accepted", n,
                          len);
        free(b);
    }
}
END_TEST

/* Corruptions of the weights' record or data, and the reason expected. */
typedef struct {
    const char *what;
    int channels;  /* which blob (sparse_blob) */
    int where;     /* 0: record field, 1: data byte (from the tensor's offset) */
    int field, size;
    uint32_t value; /* record: the new value; data: xor mask */
    int delta;      /* record: added to the old value instead when value is 0 */
    int why;
} corruption;

static const corruption corruptions[] = {
    {"a zero weight marked stored", 0, 1, 0, 1, 0x00, 0, NN_WHY_SPARSE}, /* found below */
    {"bytes one value short", 0, 0, NN_BT_BYTES, 4, 0, -4, NN_WHY_SPARSE},
    {"bytes shorter than the mask", 0, 0, NN_BT_BYTES, 4, 8, 0, NN_WHY_SPARSE},
    {"bit past the last element", 0, 1, 240 / 8, 1, 0x01, 0, NN_WHY_SPARSE},
    {"mask padding", 0, 1, 31, 1, 0x80, 0, NN_WHY_SPARSE},
    {"kind axis on a bitmap", 0, 0, NN_BT_KIND_AXIS, 1, 1, 0, NN_WHY_TENSOR_SHAPE},
    {"unknown kind", 0, 0, NN_BT_KIND, 1, 7, 0, NN_WHY_TENSOR_KIND},
    {"misaligned", 0, 0, NN_BT_OFFSET, 4, 0, 2, NN_WHY_TENSOR_ALIGN},
    {"outside the data", 0, 0, NN_BT_OFFSET, 4, 0x7ffffff0u, 0, NN_WHY_TENSOR_BOUNDS},
    {"byte 46", 0, 0, NN_BT_KIND_AXIS + 1, 1, 1, 0, NN_WHY_TENSOR_SHAPE},
    {"channel kept without values", 1, 1, 0, 1, 0x02, 0, NN_WHY_SPARSE},
    {"channel axis past the rank", 1, 0, NN_BT_KIND_AXIS, 1, 4, 0, NN_WHY_SPARSE},
    {"channel axis not the op's", 1, 0, NN_BT_KIND_AXIS, 1, 3, 0, NN_WHY_SPARSE},
};

#define N_CORRUPTIONS (int)(sizeof(corruptions) / sizeof(corruptions[0]))

START_TEST(sparse_corruptions_refused)
{
    const corruption *c = &corruptions[_i];
    size_t len;
    uint8_t *b = sparse_blob(c->channels, V_F32, &len);
    uint8_t *r = b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + T_W * NN_BLOB_TENSOR_BYTES;
    uint8_t *data = b + nn_rd_u32(r + NN_BT_OFFSET);
    if (c->where == 1 && _i == 0) {
        /* The first weight that is not stored. */
        int k = 0;
        while (data[k / 8] >> (k % 8) & 1)
            k++;
        data[k / 8] |= (uint8_t)(1u << (k % 8));
    } else if (c->where == 1) {
        data[c->field] ^= (uint8_t)c->value;
    } else if (c->size == 1) {
        r[c->field] = (uint8_t)c->value;
    } else {
        uint32_t v = c->value ? c->value : nn_rd_u32(r + c->field) + (uint32_t)c->delta;
        nn_wr_u32(r + c->field, v);
    }
    nn_error e;
    ck_assert_msg(open_copy(b, len, &e) != NN_OK, "%s: accepted", c->what);
    ck_assert_msg(e.why == c->why, "%s: '%s', expected '%s'", c->what, nn_why_text(e.why),
                  nn_why_text(c->why));
    free(b);
}
END_TEST

/* Re-encodes dense constant t of blob b in place as a bitmap (kind 2),
 * which must not be larger, as a writer without the engine's limits
 * would. */
static void force_bitmap(uint8_t *b, int t)
{
    uint8_t *r = b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + (uint32_t)t * NN_BLOB_TENSOR_BYTES;
    uint32_t esize = nn_dtype_bytes(r[NN_BT_DTYPE]), bytes = nn_rd_u32(r + NN_BT_BYTES);
    uint32_t count = bytes / esize, mask = (uint32_t)nn_blob_mask_bytes(count);
    uint8_t *data = b + nn_rd_u32(r + NN_BT_OFFSET), *enc = calloc(bytes + mask, 1);
    uint32_t used = mask;
    for (uint32_t i = 0; i < count; i++)
        if (memcmp(data + i * esize, "\0\0\0\0", esize)) {
            enc[i / 8] |= (uint8_t)(1u << (i % 8));
            memcpy(enc + used, data + i * esize, esize);
            used += esize;
        }
    ck_assert_uint_le(used, bytes);
    memset(data, 0, bytes);
    memcpy(data, enc, used);
    r[NN_BT_KIND] = NN_KIND_SPARSE;
    nn_wr_u32(r + NN_BT_BYTES, used);
    free(enc);
}

static void expect_refused(const uint8_t *b, size_t len, int why, const char *what)
{
    nn_error e;
    ck_assert_msg(open_copy(b, len, &e) != NN_OK, "%s: accepted", what);
    ck_assert_msg(e.why == why, "%s: '%s', expected '%s'", what, nn_why_text(e.why),
                  nn_why_text(why));
}

START_TEST(sparse_only_where_allowed)
{
    size_t len;
    nn_error e;
    /* A bias may not be sparse: the writer keeps it dense... */
    layout l = layout_of(NN_OP_FULLY_CONNECTED, V_F32);
    uint8_t *zero = calloc(l.n_w, 1);
    graph *g = one_op(&l, zero, 0, 5u);
    float *bias = (float *)g->tensors[T_B].data;
    for (int c = 0; c < 8; c++)
        bias[c] = 0.0f;
    uint8_t *b = build(g, &len, NULL);
    ck_assert_int_eq(record(b, T_B)[NN_BT_KIND], NN_KIND_CONST);
    ck_assert_int_eq(open_copy(b, len, &e), NN_OK);
    /* ... and the engine refuses it so. */
    force_bitmap(b, T_B);
    expect_refused(b, len, NN_WHY_OP_SPARSE, "sparse bias");
    free(b);

    /* Sparse weights read as the op's input 0. */
    for (size_t i = 0; i < l.n_w; i++)
        zero[i] = i % 3 != 0;
    graph_free(g);
    g = one_op(&l, zero, 0, 5u);
    b = build(g, &len, NULL);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], NN_KIND_SPARSE);
    uint8_t *op = b + nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF));
    nn_wr_u16(op + NN_BLOB_OP_HEAD_BYTES, T_W);
    expect_refused(b, len, NN_WHY_OP_SPARSE, "sparse op input 0");
    free(b);
    graph_free(g);
    free(zero);
}
END_TEST

START_TEST(sparse_int8_needs_zero_point_0)
{
    layout l = layout_of(NN_OP_FULLY_CONNECTED, V_HYB);
    uint8_t *zero = calloc(l.n_w, 1);
    for (size_t i = 0; i < l.n_w; i++)
        zero[i] = i % 2;
    graph *g = one_op(&l, zero, 0, 6u);
    size_t len;
    uint8_t *b = build(g, &len, NULL);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], NN_KIND_SPARSE);
    /* Per-channel zero points: the first entry after the scales. */
    const uint8_t *r = record(b, T_W);
    uint32_t q = nn_rd_u32(r + NN_BT_SCALE), n = nn_rd_u32(r + NN_BT_ZERO);
    nn_wr_u32(b + q + 4 * n + 4 * 3, 2);
    expect_refused(b, len, NN_WHY_QUANT, "sparse int8 with zero point 2");
    free(b);
    /* And the writer stores such weights dense. */
    g->tensors[T_W].zero_points[3] = 2;
    b = build(g, &len, NULL);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], NN_KIND_CONST);
    free(b);
    graph_free(g);
    free(zero);
}
END_TEST

/* A channel mask along a dimension that is not the op's output channels,
 * consistent in itself: filter [4, 3, 3, 4] with channels 1 and 3 of
 * dimension 0 zero; as dimension 3 the same mask and byte count fit. */
START_TEST(channel_axis_must_be_the_ops)
{
    layout l = layout_of(NN_OP_CONV_2D, V_F32);
    l.w_dims[0] = l.y_dims[3] = l.channels = 4;
    l.n_w = 4 * 3 * 3 * 4;
    uint8_t *zero = calloc(l.n_w, 1);
    for (size_t i = 0; i < l.n_w; i++)
        zero[i] = channel_of(&l, i) % 2 == 1;
    graph *g = one_op(&l, zero, 0, 8u);
    size_t len;
    uint8_t *b = build(g, &len, NULL);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], NN_KIND_CHANNELS);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND_AXIS], 0);
    b[nn_rd_u32(b + NN_BH_TENSORS_OFF) + T_W * NN_BLOB_TENSOR_BYTES + NN_BT_KIND_AXIS] = 3;
    expect_refused(b, len, NN_WHY_OP_SPARSE, "channel mask along dimension 3");
    free(b);
    graph_free(g);
    free(zero);
}
END_TEST

/* A DEPTHWISE_CONV_2D bitmap over more than NN_K_PACKED_DW_TAPS taps: the
 * writer does not make one, the engine refuses one. */
START_TEST(depthwise_bitmap_tap_limit)
{
    layout l = layout_of(NN_OP_DEPTHWISE_CONV_2D, V_F32);
    l.w_dims[1] = l.w_dims[2] = 9;
    l.n_w = 9 * 9 * 8;
    uint8_t *zero = calloc(l.n_w, 1);
    for (size_t i = 0; i < l.n_w; i++)
        zero[i] = i % 3 != 0;
    graph *g = one_op(&l, zero, 0, 9u);
    size_t len;
    uint8_t *b = build(g, &len, NULL);
    ck_assert_int_eq(record(b, T_W)[NN_BT_KIND], NN_KIND_CONST);
    force_bitmap(b, T_W);
    expect_refused(b, len, NN_WHY_OP_SPARSE, "depthwise bitmap of 81 taps");
    free(b);
    graph_free(g);
    free(zero);
}
END_TEST

/* float16 weights are dense float16 constants, half the float32 bytes. */
START_TEST(float16_weights_stored_half)
{
    layout l16 = layout_of(NN_OP_CONV_2D, V_F16), l32 = layout_of(NN_OP_CONV_2D, V_F32);
    uint8_t *zero = calloc(l16.n_w, 1);
    graph *g16 = one_op(&l16, zero, 0, 10u), *g32 = one_op(&l32, zero, 0, 10u);
    size_t len16, len32;
    blob_info i16, i32;
    uint8_t *b16 = build(g16, &len16, &i16), *b32 = build(g32, &len32, &i32);
    ck_assert_int_eq(record(b16, T_W)[NN_BT_KIND], NN_KIND_CONST);
    ck_assert_int_eq(record(b16, T_W)[NN_BT_DTYPE], NN_DT_FLOAT16);
    ck_assert_uint_eq(2 * i16.weight_bytes, i32.weight_bytes);
    ck_assert_uint_lt(len16, len32);
    free(b16), free(b32), free(zero);
    graph_free(g16);
    graph_free(g32);
}
END_TEST

START_TEST(sparse_bit_flips_never_crash)
{
    for (int channels = 0; channels < 2; channels++) {
        size_t len;
        uint8_t *b = sparse_blob(channels, channels ? V_S8 : V_HYB, &len);
        hbt_flip_and_run(b, len, 4242u + (uint32_t)channels, 2000);
        free(b);
    }
}
END_TEST

static Suite *sparse_blob_suite(void)
{
    Suite *s = suite_create("sparse_blob");
    TCase *tr = tcase_create("runs");
    tcase_add_loop_test(tr, sparse_runs_as_dense, 0, OPS * N_VALUES * N_PATTERNS);
    tcase_add_test(tr, float16_weights_stored_half);
    suite_add_tcase(s, tr);
    TCase *tv = tcase_create("validate");
    tcase_add_test(tv, sparse_truncations_refused);
    tcase_add_loop_test(tv, sparse_corruptions_refused, 0, N_CORRUPTIONS);
    tcase_add_test(tv, sparse_only_where_allowed);
    tcase_add_test(tv, sparse_int8_needs_zero_point_0);
    tcase_add_test(tv, channel_axis_must_be_the_ops);
    tcase_add_test(tv, depthwise_bitmap_tap_limit);
    tcase_add_test(tv, sparse_bit_flips_never_crash);
    suite_add_tcase(s, tv);
    return s;
}

HBT_MAIN(sparse_blob_suite)
