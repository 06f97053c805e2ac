/*
 * check_blob.c: the blob writer, the arena planner and the engine's blob
 * validator. The validator must refuse every truncated, out-of-bounds or
 * inconsistent blob with the right reason, and never read out of bounds
 * (this runs under ASan).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn.h"
#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_params.h"
#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"
#include "model/plan.h"

/* in [1,4] int8 -> FC(per-channel weights [3,4], bias int32 [3]) -> [1,3]
 * -> FC(per-tensor [2,3]) -> out [1,2]. */
static graph *two_layer_int8(void)
{
    graph *g = NULL;
    int32_t d_in[] = {1, 4}, d_w1[] = {3, 4}, d_b1[] = {3}, d_h[] = {1, 3}, d_w2[] = {2, 3},
            d_b2[] = {2}, d_out[] = {1, 2};
    int8_t w1[12] = {1, -2, 3, -4, 5, -6, 7, -8, 9, -10, 11, -12};
    int32_t b1[3] = {100, -200, 300};
    int8_t w2[6] = {20, -30, 40, -50, 60, -70};
    int32_t b2[2] = {7, -7};
    float s_in = 0.05f, s_h = 0.1f, s_out = 0.2f;
    float s_w1[3] = {0.01f, 0.02f, 0.03f}, s_w2 = 0.015f;
    float s_b1[3] = {0.0005f, 0.001f, 0.0015f}, s_b2 = 0.0015f;
    int32_t z_in = -3, z_h = -128, z_out = 5, z0[3] = {0, 0, 0};
    int t_in, t_w1, t_b1, t_h, t_w2, t_b2, t_out;

    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "in", NN_DT_INT8, 2, d_in, NULL, 0, &t_in);
    graph_add_tensor(g, "w1", NN_DT_INT8, 2, d_w1, w1, sizeof(w1), &t_w1);
    graph_add_tensor(g, "b1", NN_DT_INT32, 1, d_b1, b1, sizeof(b1), &t_b1);
    graph_add_tensor(g, "h", NN_DT_INT8, 2, d_h, NULL, 0, &t_h);
    graph_add_tensor(g, "w2", NN_DT_INT8, 2, d_w2, w2, sizeof(w2), &t_w2);
    graph_add_tensor(g, "b2", NN_DT_INT32, 1, d_b2, b2, sizeof(b2), &t_b2);
    graph_add_tensor(g, "out", NN_DT_INT8, 2, d_out, NULL, 0, &t_out);
    graph_set_quant(g, t_in, 1, &s_in, &z_in, 0);
    graph_set_quant(g, t_w1, 3, s_w1, z0, 0);
    graph_set_quant(g, t_b1, 3, s_b1, z0, 0);
    graph_set_quant(g, t_h, 1, &s_h, &z_h, 0);
    graph_set_quant(g, t_w2, 1, &s_w2, z0, 0);
    graph_set_quant(g, t_b2, 1, &s_b2, z0, 0);
    graph_set_quant(g, t_out, 1, &s_out, &z_out, 0);
    graph_options relu = {.activation = NN_ACT_RELU}, none = {0};
    int in1[] = {t_in, t_w1, t_b1}, out1[] = {t_h};
    int in2[] = {t_h, t_w2, t_b2}, out2[] = {t_out};
    graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, in1, 1, out1, &relu, NULL);
    graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, in2, 1, out2, &none, NULL);
    graph_set_io(g, 1, &t_in, 1, &t_out);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

static uint8_t *blob_of(graph *g, size_t *len)
{
    uint8_t *b = NULL;
    ck_assert_int_eq(blob_build(g, &b, len, NULL), HB_OK);
    /* An aligned copy with guard bytes: ASan catches reads past the end. */
    uint8_t *a = aligned_alloc(16, (*len + 15) / 16 * 16);
    memcpy(a, b, *len);
    free(b);
    return a;
}

static nn_status open_blob(const uint8_t *b, size_t len, nn_error *e)
{
    nn_model m;
    /* Validate a tight copy so any read beyond len is an ASan error. */
    uint8_t *copy = aligned_alloc(16, (len + 15) / 16 * 16 + 16);
    memcpy(copy, b, len);
    nn_status st = nn_model_open(&m, copy, (uint32_t)len, e);
    free(copy);
    return st;
}

/* A double-precision model of the int8 rule: within one step of the
 * engine's fixed-point result. */
static int ref_fc(const int8_t *x, int depth, int32_t zx, float sx, const int8_t *w,
                  const float *sw, int per_ch, const int32_t *b, int u, float sy, int32_t zy,
                  int relu)
{
    long acc = b[u];
    for (int k = 0; k < depth; k++)
        acc += (long)w[u * depth + k] * (x[k] - zx);
    double y = (double)acc * sx * sw[per_ch ? u : 0] / sy;
    long q = lround(y) + zy;
    if (relu && q < zy)
        q = zy;
    return q < -128 ? -128 : q > 127 ? 127 : (int)q;
}

START_TEST(valid_blob_opens_and_runs)
{
    graph *g = two_layer_int8();
    hostrun *r = NULL;
    ck_assert_int_eq(hostrun_new(g, &r), HB_OK);
    const int8_t xs[3][4] = {{10, -20, 30, 40}, {127, 127, 127, 127}, {-128, 0, 5, -7}};
    for (int v = 0; v < 3; v++) {
        ck_assert_int_eq(hostrun_set_input(r, 0, xs[v], 4), HB_OK);
        ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
        nn_tensor out;
        ck_assert_int_eq(hostrun_output(r, 0, &out), HB_OK);
        ck_assert_int_eq(out.bytes, 2);
        const graph_tensor *w1 = &g->tensors[1], *w2 = &g->tensors[4];
        int8_t h[3];
        for (int u = 0; u < 3; u++)
            h[u] = (int8_t)ref_fc(xs[v], 4, -3, 0.05f, (const int8_t *)w1->data, w1->scales, 1,
                                  (const int32_t *)g->tensors[2].data, u, 0.1f, -128, 1);
        for (int u = 0; u < 2; u++) {
            int want = ref_fc(h, 3, -128, 0.1f, (const int8_t *)w2->data, w2->scales, 0,
                              (const int32_t *)g->tensors[5].data, u, 0.2f, 5, 0);
            int got = ((const int8_t *)out.data)[u];
            ck_assert_msg(abs(got - want) <= 1, "vector %d unit %d: %d, reference %d", v, u, got,
                          want);
        }
    }
    ck_assert_int_eq(hostrun_set_input(r, 0, xs[0], 3), HB_ERR_ARG);
    hostrun_free(r);
    graph_free(g);
}
END_TEST

START_TEST(truncated_blobs_refused)
{
    graph *g = two_layer_int8();
    size_t len;
    uint8_t *b = blob_of(g, &len);
    nn_error e;
    ck_assert_int_eq(open_blob(b, len, &e), NN_OK);
    for (size_t n = 0; n < len; n++) {
        nn_status st = open_blob(b, n, &e);
        ck_assert_msg(st != NN_OK, "blob truncated to %zu of %zu bytes was accepted", n, len);
    }
    free(b);
    graph_free(g);
}
END_TEST

/* Table of single-field corruptions and the reason the validator gives. */
typedef struct {
    const char *what;
    int offset_kind; /* 0 header, 1 tensor record of tensor `index`, 2 op record */
    int index, field, size;
    uint32_t value;
    int why;
} corruption;

static const corruption corruptions[] = {
    {"magic", 0, 0, NN_BH_MAGIC, 4, 0x12345678u, NN_WHY_MAGIC},
    {"version", 0, 0, NN_BH_VERSION, 2, 99, NN_WHY_VERSION},
    {"blob size beyond buffer", 0, 0, NN_BH_BLOB_BYTES, 4, 0x7fffff00u, NN_WHY_TRUNCATED},
    {"reserved header byte", 0, 0, 60, 1, 1, NN_WHY_HEADER},
    {"tensor table beyond blob", 0, 0, NN_BH_TENSORS_OFF, 4, 0xfffffff0u, NN_WHY_HEADER},
    {"data region beyond blob", 0, 0, NN_BH_DATA_BYTES, 4, 0x10000000u, NN_WHY_HEADER},
    {"no ops", 0, 0, NN_BH_N_OPS, 2, 0, NN_WHY_HEADER},
    {"bad dtype", 1, 0, NN_BT_DTYPE, 1, 200, NN_WHY_TENSOR_DTYPE},
    {"rank 7", 1, 0, NN_BT_RANK, 1, 7, NN_WHY_TENSOR_SHAPE},
    {"zero dimension", 1, 0, NN_BT_DIMS, 4, 0, NN_WHY_TENSOR_SHAPE},
    {"negative dimension", 1, 1, NN_BT_DIMS + 4, 4, 0xffffffffu, NN_WHY_TENSOR_SHAPE},
    {"bytes mismatch", 1, 0, NN_BT_BYTES, 4, 5, NN_WHY_TENSOR_BYTES},
    {"arena offset out of arena", 1, 0, NN_BT_OFFSET, 4, 0x7ffffff0u, NN_WHY_TENSOR_BOUNDS},
    {"constant out of blob", 1, 1, NN_BT_OFFSET, 4, 0x7ffffff0u, NN_WHY_TENSOR_BOUNDS},
    {"constant misaligned", 1, 2, NN_BT_OFFSET, 4, 0x41, NN_WHY_TENSOR_ALIGN},
    {"bad kind", 1, 0, NN_BT_KIND, 1, 9, NN_WHY_TENSOR_KIND},
    {"bad quant kind", 1, 0, NN_BT_QUANT, 1, 9, NN_WHY_QUANT},
    {"zero scale", 1, 0, NN_BT_SCALE, 4, 0, NN_WHY_QUANT},
    {"channel scales out of blob", 1, 1, NN_BT_SCALE, 4, 0x7ffffff0u, NN_WHY_QUANT},
    {"unknown opcode", 2, 0, 0, 1, 250, NN_WHY_OP_CODE},
    {"no outputs", 2, 0, 2, 1, 0, NN_WHY_OP_IO},
    {"fewer inputs: output slot now a constant", 2, 0, 1, 1, 2, NN_WHY_OP_CONST},
    {"too few words", 2, 0, 3, 1, 2, NN_WHY_OP_PARAMS},
    {"op tensor out of range", 2, 1, 4, 2, 999, NN_WHY_OP_TENSOR},
};

static uint8_t *field_ptr(uint8_t *b, const corruption *c)
{
    if (c->offset_kind == 0)
        return b + c->field;
    if (c->offset_kind == 1)
        return b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + c->index * NN_BLOB_TENSOR_BYTES + c->field;
    uint32_t rec = nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF) + 4 * c->index);
    return b + rec + c->field;
}

START_TEST(corrupted_fields_refused)
{
    const corruption *c = &corruptions[_i];
    graph *g = two_layer_int8();
    size_t len;
    uint8_t *b = blob_of(g, &len);
    uint8_t *p = field_ptr(b, c);
    if (c->size == 1)
        p[0] = (uint8_t)c->value;
    else if (c->size == 2)
        nn_wr_u16(p, (uint16_t)c->value);
    else
        nn_wr_u32(p, c->value);
    nn_error e;
    nn_status st = open_blob(b, len, &e);
    ck_assert_msg(st != NN_OK, "%s: accepted", c->what);
    ck_assert_msg(e.why == c->why, "%s: reason '%s', expected '%s'", c->what,
                  nn_why_text(e.why), nn_why_text(c->why));
    free(b);
    graph_free(g);
}
END_TEST

START_TEST(bad_requant_shift_refused)
{
    graph *g = two_layer_int8();
    size_t len;
    uint8_t *b = blob_of(g, &len);
    /* Op 1 is per-tensor: its shift word. */
    uint32_t rec = nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF) + 4);
    uint8_t *words = b + rec + NN_BLOB_OP_HEAD_BYTES + 8;
    nn_wr_u32(words + 4 * NN_FC_SHIFT, 40);
    nn_error e;
    ck_assert_int_ne(open_blob(b, len, &e), NN_OK);
    ck_assert_int_eq(e.why, NN_WHY_OP_PARAMS);
    ck_assert_int_eq(e.op, 1);
    free(b);
    graph_free(g);
}
END_TEST

START_TEST(bit_flips_never_crash)
{
    graph *g = two_layer_int8();
    size_t len;
    uint8_t *b = blob_of(g, &len);
    hbt_flip_and_run(b, len, 12345, 5000);
    free(b);
    graph_free(g);
}
END_TEST

START_TEST(arena_too_small_refused)
{
    graph *g = two_layer_int8();
    size_t len;
    uint8_t *b = blob_of(g, &len);
    nn_model m;
    nn_error e;
    ck_assert_int_eq(nn_model_open(&m, b, (uint32_t)len, &e), NN_OK);
    uint8_t *arena = aligned_alloc(16, 1024);
    ck_assert_int_eq(nn_model_invoke(&m, arena, nn_model_arena_bytes(&m) - 1, NULL, &e),
                     NN_ERR_ARENA);
    ck_assert_int_eq(nn_model_invoke(&m, arena + 1, 1000, NULL, &e), NN_ERR_ARG);
    free(arena);
    free(b);
    graph_free(g);
}
END_TEST

/* The planner against a naive check: on random chains with skip
 * connections, no two tensors that are alive at the same step overlap. */
START_TEST(plan_never_overlaps_live_tensors)
{
    uint32_t state = 777;
    for (int trial = 0; trial < 200; trial++) {
        graph *g = NULL;
        ck_assert_int_eq(graph_new(&g), HB_OK);
        int n_ops = 1 + trial % 12;
        int *acts = calloc((size_t)n_ops + 1, sizeof(int));
        for (int t = 0; t <= n_ops; t++) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            int32_t d[2] = {1, 1 + (int32_t)(state % 300)};
            graph_add_tensor(g, NULL, NN_DT_FLOAT32, 2, d, NULL, 0, &acts[t]);
        }
        for (int i = 0; i < n_ops; i++) {
            /* Each op reads its predecessor and, sometimes, an older one
             * (kept alive: a skip connection). */
            int in[2] = {acts[i], acts[i / 2]};
            graph_add_op(g, NN_OP_ADD, i % 3 == 2 ? 2 : 1, in, 1, &acts[i + 1], NULL, NULL);
        }
        graph_set_io(g, 1, &acts[0], 1, &acts[n_ops]);
        uint32_t *off = calloc((size_t)g->n_tensors, sizeof(uint32_t));
        uint32_t arena = 0;
        ck_assert_int_eq(plan_arena(g, NULL, off, &arena), HB_OK);
        /* Naive lifetimes. */
        for (int a = 0; a < g->n_tensors; a++)
            for (int b2 = a + 1; b2 < g->n_tensors; b2++) {
                int fa = a == 0 ? -1 : a - 1, fb = b2 == 0 ? -1 : b2 - 1;
                int la = fa, lb = fb;
                for (int i = 0; i < n_ops; i++)
                    for (int k = 0; k < g->ops[i].n_inputs; k++) {
                        if (g->ops[i].inputs[k] == acts[a] && i > la)
                            la = i;
                        if (g->ops[i].inputs[k] == acts[b2] && i > lb)
                            lb = i;
                    }
                if (a == n_ops)
                    la = n_ops;
                if (b2 == n_ops)
                    lb = n_ops;
                int live_together = fa <= lb && fb <= la;
                uint32_t sa = (uint32_t)graph_tensor_bytes(&g->tensors[a]);
                uint32_t sb = (uint32_t)graph_tensor_bytes(&g->tensors[b2]);
                int overlap = off[a] < off[b2] + sb && off[b2] < off[a] + sa;
                ck_assert_msg(!(live_together && overlap),
                              "trial %d: tensors %d and %d overlap while both live", trial, a, b2);
                ck_assert_int_le(off[a] + sa, arena);
                ck_assert_int_eq(off[a] % NN_ALIGN, 0);
            }
        free(off);
        free(acts);
        graph_free(g);
    }
}
END_TEST

static Suite *blob_suite(void)
{
    Suite *s = suite_create("blob");
    TCase *tc = tcase_create("validate");
    tcase_add_test(tc, valid_blob_opens_and_runs);
    tcase_add_test(tc, truncated_blobs_refused);
    tcase_add_loop_test(tc, corrupted_fields_refused, 0,
                        (int)(sizeof(corruptions) / sizeof(corruptions[0])));
    tcase_add_test(tc, bad_requant_shift_refused);
    tcase_add_test(tc, bit_flips_never_crash);
    tcase_add_test(tc, arena_too_small_refused);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("plan");
    tcase_add_test(tp, plan_never_overlaps_live_tensors);
    suite_add_tcase(s, tp);
    return s;
}

HBT_MAIN(blob_suite)
