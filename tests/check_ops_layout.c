/*
 * check_ops_layout.c: the engine ops the ONNX importer brought: TRANSPOSE,
 * CONCATENATION, PAD / PADV2 / MIRROR_PAD, MUL, MAXIMUM / MINIMUM, RELU /
 * RELU6 / RELU_N1_TO_1, LEAKY_RELU, PRELU, TANH, LOG_SOFTMAX, dilated
 * MAX_POOL_2D, and nn_logf / nn_tanhf.
 *
 * Each op runs as a one-op graph through hostrun against expectations
 * computed here (float exactly or to float precision, int8 within one
 * output step of the real result), then its check() meets hostile words:
 * every word set to extreme values must be refused or run cleanly (under
 * ASan and UBSan), and the listed ones must be refused with the reason.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn.h"
#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_math.h"
#include "../target-stub/engine/nn_params.h"
#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"

static uint32_t rng = 777u;
static float rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return (float)(rng >> 8) / 8388608.0f - 1.0f;
}

/* One-op graphs ------------------------------------------------------------ */

typedef struct {
    int dtype, rank;
    int32_t dims[6];
    float scale; /* 0: float */
    int32_t zp;
} spec;

static int tensor(graph *g, const spec *s, const void *data)
{
    int t;
    size_t n = nn_dtype_bytes(s->dtype);
    for (int d = 0; d < s->rank; d++)
        n *= (size_t)s->dims[d];
    ck_assert_int_eq(graph_add_tensor(g, NULL, s->dtype, s->rank, s->dims, data,
                                      data ? n : 0, &t), HB_OK);
    if (s->scale > 0)
        ck_assert_int_eq(graph_set_quant(g, t, 1, &s->scale, &s->zp, 0), HB_OK);
    return t;
}

/* ins[k] (consts[k] non-NULL: a constant) -> op -> out. */
static graph *one_op(int op, int n, const spec *ins, const void *const *consts,
                     const spec *out, const graph_options *opt)
{
    graph *g = NULL;
    int t[4], o, acts[4], na = 0;
    graph_options none;
    memset(&none, 0, sizeof(none));
    ck_assert_int_eq(graph_new(&g), HB_OK);
    for (int k = 0; k < n; k++) {
        t[k] = tensor(g, &ins[k], consts ? consts[k] : NULL);
        if (!consts || !consts[k])
            acts[na++] = t[k];
    }
    o = tensor(g, out, NULL);
    ck_assert_int_eq(graph_add_op(g, op, n, t, 1, &o, opt ? opt : &none, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, na, acts, 1, &o), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

/* Runs g with raw inputs, copies the output's bytes out. */
static void run(const graph *g, const void *const *ins, void *out, size_t bytes)
{
    hostrun *r = NULL;
    ck_assert_msg(hostrun_new(g, &r) == HB_OK, "%s", hb_last_error());
    for (int k = 0; k < nn_model_input_count(hostrun_model(r)); k++) {
        nn_tensor t;
        ck_assert_int_eq(hostrun_input(r, k, &t), HB_OK);
        ck_assert_int_eq(hostrun_set_input(r, k, ins[k], t.bytes), HB_OK);
    }
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    nn_tensor t;
    ck_assert_int_eq(hostrun_output(r, 0, &t), HB_OK);
    ck_assert_int_eq(t.bytes, bytes);
    memcpy(out, t.data, bytes);
    hostrun_free(r);
}

static int8_t q8(float x, float s, int zp)
{
    float q = roundf(x / s) + (float)zp;
    return (int8_t)(q < -128 ? -128 : q > 127 ? 127 : q);
}

/* Data movement ---------------------------------------------------------------- */

START_TEST(transpose_any_rank)
{
    int32_t perm[3] = {2, 0, 1};
    spec in = {NN_DT_INT8, 3, {2, 3, 4}, 0.1f, 2}, p = {NN_DT_INT32, 1, {3}, 0, 0};
    spec out = {NN_DT_INT8, 3, {4, 2, 3}, 0.1f, 2};
    const void *consts[2] = {NULL, perm};
    graph *g = one_op(NN_OP_TRANSPOSE, 2, (spec[]){in, p}, consts, &out, NULL);
    int8_t x[24], y[24];
    for (int i = 0; i < 24; i++)
        x[i] = (int8_t)(i * 5 - 60);
    const void *ins[1] = {x};
    run(g, ins, y, 24);
    for (int a = 0; a < 2; a++)
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 4; c++)
                ck_assert_int_eq(y[(c * 2 + a) * 3 + b], x[(a * 3 + b) * 4 + c]);
    graph_free(g);
}
END_TEST

START_TEST(concat_and_pads)
{
    spec a = {NN_DT_FLOAT32, 2, {2, 3}, 0, 0}, b = {NN_DT_FLOAT32, 2, {2, 1}, 0, 0};
    spec o = {NN_DT_FLOAT32, 2, {2, 4}, 0, 0};
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.axis = -1;
    graph *g = one_op(NN_OP_CONCATENATION, 2, (spec[]){a, b}, NULL, &o, &opt);
    float x[6] = {1, 2, 3, 4, 5, 6}, z[2] = {7, 8}, y[8], want[8] = {1, 2, 3, 7, 4, 5, 6, 8};
    const void *ins[2] = {x, z};
    run(g, ins, y, sizeof(y));
    ck_assert_int_eq(memcmp(y, want, sizeof(y)), 0);
    graph_free(g);

    /* [2, 3] padded (1, 0) rows, (2, 1) columns, each mode. */
    int32_t pads[4] = {1, 0, 2, 1};
    spec p = {NN_DT_INT32, 2, {2, 2}, 0, 0}, po = {NN_DT_FLOAT32, 2, {3, 6}, 0, 0};
    spec v = {NN_DT_FLOAT32, 1, {1}, 0, 0};
    float fill = -9.0f;
    static const float want_c[18] = {-9, -9, -9, -9, -9, -9, -9, -9, 1, 2, 3, -9,
                                     -9, -9, 4, 5, 6, -9};
    static const float want_r[18] = {6, 5, 4, 5, 6, 5, 3, 2, 1, 2, 3, 2, 6, 5, 4, 5, 6, 5};
    static const float want_s[18] = {2, 1, 1, 2, 3, 3, 2, 1, 1, 2, 3, 3, 5, 4, 4, 5, 6, 6};
    for (int mode = 0; mode < 3; mode++) {
        const void *consts[3] = {NULL, pads, &fill};
        memset(&opt, 0, sizeof(opt));
        opt.mirror_mode = mode - 1;
        int op = mode == 0 ? NN_OP_PADV2 : NN_OP_MIRROR_PAD;
        g = one_op(op, mode == 0 ? 3 : 2, (spec[]){a, p, v}, consts, &po, &opt);
        float yp[18];
        const void *in1[1] = {x};
        run(g, in1, yp, sizeof(yp));
        const float *w = mode == 0 ? want_c : mode == 1 ? want_r : want_s;
        for (int i = 0; i < 18; i++)
            ck_assert_msg(yp[i] == w[i], "mode %d, %d: %g, want %g", mode, i, (double)yp[i],
                          (double)w[i]);
        graph_free(g);
    }
}
END_TEST

/* Arithmetic ---------------------------------------------------------------------- */

START_TEST(mul_int8_within_a_step)
{
    spec a = {NN_DT_INT8, 2, {4, 8}, 0.05f, 3}, b = {NN_DT_INT8, 1, {8}, 0.02f, -7};
    spec o = {NN_DT_INT8, 2, {4, 8}, 0.01f, 1};
    graph *g = one_op(NN_OP_MUL, 2, (spec[]){a, b}, NULL, &o, NULL);
    int8_t x[32], z[8], y[32];
    for (int i = 0; i < 32; i++)
        x[i] = (int8_t)(rnd() * 127);
    for (int i = 0; i < 8; i++)
        z[i] = (int8_t)(rnd() * 127);
    const void *ins[2] = {x, z};
    run(g, ins, y, 32);
    for (int i = 0; i < 32; i++) {
        float real = 0.05f * (x[i] - 3) * 0.02f * (z[i % 8] + 7);
        ck_assert_int_le(abs(y[i] - q8(real, 0.01f, 1)), 1);
    }
    graph_free(g);
}
END_TEST

START_TEST(max_min_broadcast)
{
    for (int is_max = 0; is_max < 2; is_max++) {
        spec a = {NN_DT_FLOAT32, 2, {3, 2}, 0, 0}, b = {NN_DT_FLOAT32, 0, {0}, 0, 0};
        float bound = 0.25f, x[6] = {-1, 0.5f, 0.25f, 2, -0.5f, 0}, y[6];
        const void *consts[2] = {NULL, &bound};
        graph *g = one_op(is_max ? NN_OP_MAXIMUM : NN_OP_MINIMUM, 2, (spec[]){a, b}, consts,
                          &a, NULL);
        const void *ins[1] = {x};
        run(g, ins, y, sizeof(y));
        for (int i = 0; i < 6; i++)
            ck_assert(y[i] == (is_max ? fmaxf(x[i], bound) : fminf(x[i], bound)));
        graph_free(g);
    }
}
END_TEST

/* Activations ------------------------------------------------------------------ */

typedef struct {
    int op;
    float alpha;     /* LEAKY_RELU */
    float out_scale; /* int8 output */
    int32_t out_zp;
} act_case;

static const act_case acts[] = {
    {NN_OP_RELU, 0, 0.02f, -128}, {NN_OP_RELU6, 0, 6.0f / 255, -128},
    {NN_OP_RELU_N1_TO_1, 0, 2.0f / 255, 0}, {NN_OP_LEAKY_RELU, 0.1f, 0.03f, 10},
    {NN_OP_LEAKY_RELU, 1.5f, 0.05f, 0}, {NN_OP_TANH, 0, 1.0f / 128, 0},
};

static float act_real(const act_case *c, float x)
{
    switch (c->op) {
    case NN_OP_RELU: return fmaxf(x, 0);
    case NN_OP_RELU6: return fminf(fmaxf(x, 0), 6);
    case NN_OP_RELU_N1_TO_1: return fminf(fmaxf(x, -1), 1);
    case NN_OP_LEAKY_RELU: return x >= 0 ? x : c->alpha * x;
    default: return tanhf(x);
    }
}

START_TEST(activations_float_and_int8)
{
    const act_case *c = &acts[_i];
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.alpha = c->alpha;
    spec f = {NN_DT_FLOAT32, 1, {256}, 0, 0};
    spec in = {NN_DT_INT8, 1, {256}, 0.04f, -5}, out = {NN_DT_INT8, 1, {256}, c->out_scale,
                                                       c->out_zp};
    float x[256], y[256];
    int8_t xq[256], yq[256];
    for (int i = 0; i < 256; i++) {
        xq[i] = (int8_t)(i - 128);
        x[i] = 0.04f * (xq[i] + 5);
    }
    graph *g = one_op(c->op, 1, &f, NULL, &f, &opt);
    const void *ins[1] = {x};
    run(g, ins, y, sizeof(y));
    for (int i = 0; i < 256; i++)
        ck_assert_msg(fabsf(y[i] - act_real(c, x[i])) <= 2e-7f * fmaxf(1, fabsf(y[i])),
                      "op %d float %d: %g vs %g", c->op, i, (double)y[i],
                      (double)act_real(c, x[i]));
    graph_free(g);
    g = one_op(c->op, 1, &in, NULL, &out, &opt);
    const void *in8[1] = {xq};
    run(g, in8, yq, sizeof(yq));
    for (int i = 0; i < 256; i++)
        ck_assert_msg(abs(yq[i] - q8(act_real(c, x[i]), c->out_scale, c->out_zp)) <= 1,
                      "op %d int8 %d: %d vs %d", c->op, i, yq[i],
                      q8(act_real(c, x[i]), c->out_scale, c->out_zp));
    graph_free(g);
}
END_TEST

START_TEST(prelu_per_channel)
{
    spec x = {NN_DT_INT8, 2, {4, 3}, 0.05f, 0}, a = {NN_DT_INT8, 1, {3}, 0.01f, 0};
    spec o = {NN_DT_INT8, 2, {4, 3}, 0.04f, 2};
    int8_t alpha[3] = {10, -50, 100}, xv[12], y[12];
    for (int i = 0; i < 12; i++)
        xv[i] = (int8_t)(i * 21 - 120);
    const void *consts[2] = {NULL, alpha};
    graph *g = one_op(NN_OP_PRELU, 2, (spec[]){x, a}, consts, &o, NULL);
    const void *ins[1] = {xv};
    run(g, ins, y, 12);
    for (int i = 0; i < 12; i++) {
        float v = 0.05f * xv[i], r = v >= 0 ? v : v * 0.01f * alpha[i % 3];
        ck_assert_int_le(abs(y[i] - q8(r, 0.04f, 2)), 1);
    }
    graph_free(g);
}
END_TEST

START_TEST(log_softmax_float_and_int8)
{
    spec f = {NN_DT_FLOAT32, 2, {3, 10}, 0, 0};
    spec in = {NN_DT_INT8, 2, {3, 10}, 0.1f, 0}, out = {NN_DT_INT8, 2, {3, 10}, 16.0f / 256,
                                                        127};
    float x[30], y[30], want[30];
    int8_t xq[30], yq[30];
    for (int i = 0; i < 30; i++) {
        xq[i] = (int8_t)(rnd() * 120);
        x[i] = 0.1f * xq[i];
    }
    for (int r = 0; r < 3; r++) {
        double mx = -1e30, s = 0;
        for (int k = 0; k < 10; k++)
            mx = fmax(mx, x[r * 10 + k]);
        for (int k = 0; k < 10; k++)
            s += exp(x[r * 10 + k] - mx);
        for (int k = 0; k < 10; k++)
            want[r * 10 + k] = (float)(x[r * 10 + k] - mx - log(s));
    }
    graph *g = one_op(NN_OP_LOG_SOFTMAX, 1, &f, NULL, &f, NULL);
    const void *ins[1] = {x};
    run(g, ins, y, sizeof(y));
    for (int i = 0; i < 30; i++)
        ck_assert(fabsf(y[i] - want[i]) <= 1e-5f);
    graph_free(g);
    g = one_op(NN_OP_LOG_SOFTMAX, 1, &in, NULL, &out, NULL);
    const void *in8[1] = {xq};
    run(g, in8, yq, sizeof(yq));
    for (int i = 0; i < 30; i++)
        ck_assert_int_le(abs(yq[i] - q8(want[i], 16.0f / 256, 127)), 1);
    graph_free(g);
}
END_TEST

START_TEST(dilated_max_pool)
{
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.padding = NN_PAD_VALID;
    opt.stride_h = opt.stride_w = 1;
    opt.filter_h = opt.filter_w = 2;
    opt.dilation_h = 3;
    opt.dilation_w = 2;
    spec in = {NN_DT_FLOAT32, 4, {1, 7, 6, 1}, 0, 0}, out = {NN_DT_FLOAT32, 4, {1, 4, 4, 1}, 0, 0};
    graph *g = one_op(NN_OP_MAX_POOL_2D, 1, &in, NULL, &out, &opt);
    float x[42], y[16];
    for (int i = 0; i < 42; i++)
        x[i] = rnd();
    const void *ins[1] = {x};
    run(g, ins, y, sizeof(y));
    for (int oy = 0; oy < 4; oy++)
        for (int ox = 0; ox < 4; ox++) {
            float m = -FLT_MAX;
            for (int ky = 0; ky < 2; ky++)
                for (int kx = 0; kx < 2; kx++)
                    m = fmaxf(m, x[(oy + 3 * ky) * 6 + ox + 2 * kx]);
            ck_assert(y[oy * 4 + ox] == m);
        }
    graph_free(g);
}
END_TEST

START_TEST(log_and_tanh_accuracy)
{
    double worst_log = 0, worst_tanh = 0;
    for (uint32_t bits = 0x00000001u; bits < 0x7f800000u; bits += 0x00001f3du) {
        float x;
        memcpy(&x, &bits, 4);
        double e = fabs((double)nn_logf(x) - log((double)x));
        double ulp = fmax(fabs(log((double)x)) * FLT_EPSILON, FLT_MIN);
        worst_log = fmax(worst_log, e / ulp);
        if (x < 20.0f) {
            double t = fabs((double)nn_tanhf(x) - tanh((double)x)),
                   tu = fmax(fabs(tanh((double)x)) * FLT_EPSILON, FLT_MIN);
            worst_tanh = fmax(worst_tanh, t / tu);
            ck_assert(nn_tanhf(-x) == -nn_tanhf(x));
        }
    }
    ck_assert_msg(worst_log <= 2.0, "nn_logf: %g ulp", worst_log);
    ck_assert_msg(worst_tanh <= 4.0, "nn_tanhf: %g ulp", worst_tanh);
    ck_assert(isinf(nn_logf(0.0f)) && nn_logf(0.0f) < 0);
    ck_assert(isnan(nn_logf(-1.0f)) && isnan(nn_tanhf(NAN)));
    ck_assert(nn_tanhf(100.0f) == 1.0f);
}
END_TEST

/* check() against hostile words --------------------------------------------------- */

static graph *graph_of(int kind)
{
    int32_t perm[2] = {1, 0}, pads[4] = {1, 0, 0, 2};
    spec f = {NN_DT_FLOAT32, 2, {3, 4}, 0, 0}, q = {NN_DT_INT8, 2, {3, 4}, 0.05f, 1};
    spec ft = {NN_DT_FLOAT32, 2, {4, 3}, 0, 0}, pf = {NN_DT_FLOAT32, 2, {4, 6}, 0, 0};
    spec p = {NN_DT_INT32, 2, {2, 2}, 0, 0}, pm = {NN_DT_INT32, 1, {2}, 0, 0};
    spec q2 = {NN_DT_INT8, 2, {3, 4}, 0.1f, -3}, qt = {NN_DT_INT8, 2, {3, 4}, 1.0f / 128, 0};
    spec ql = {NN_DT_INT8, 2, {3, 4}, 16.0f / 256, 127}, q8c = {NN_DT_INT8, 2, {6, 4}, 0.05f, 1};
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.alpha = 0.2f;
    switch (kind) {
    case 0: return one_op(NN_OP_TRANSPOSE, 2, (spec[]){f, pm}, (const void *[]){NULL, perm},
                          &ft, NULL);
    case 1: return one_op(NN_OP_PAD, 2, (spec[]){f, p}, (const void *[]){NULL, pads}, &pf,
                          NULL);
    case 2: return one_op(NN_OP_MUL, 2, (spec[]){q, q2}, NULL, &q2, NULL);
    case 3: return one_op(NN_OP_CONCATENATION, 2, (spec[]){q, q}, NULL, &q8c, NULL);
    case 4: return one_op(NN_OP_RELU, 1, &q, NULL, &q2, NULL);
    case 5: return one_op(NN_OP_LEAKY_RELU, 1, &q, NULL, &q2, &opt);
    case 6: return one_op(NN_OP_PRELU, 2, (spec[]){q, q2}, NULL, &q2, NULL);
    case 7: return one_op(NN_OP_TANH, 1, &q, NULL, &qt, NULL);
    case 8: return one_op(NN_OP_LOG_SOFTMAX, 1, &q, NULL, &ql, NULL);
    default: return one_op(NN_OP_MAXIMUM, 2, (spec[]){q, q}, NULL, &q, NULL);
    }
}
enum { N_GRAPHS = 10 };

/* The op record's words (op 0) in blob b. */
static uint8_t *words_of(uint8_t *b, uint8_t **rec)
{
    *rec = b + nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF));
    return *rec + NN_BLOB_OP_HEAD_BYTES + ((2u * ((*rec)[1] + (*rec)[2]) + 3u) & ~3u);
}

START_TEST(every_word_hostile)
{
    static const uint32_t values[] = {0x80000000u, 0xffffffffu, 0, 1, 6, 7, 15, 16, 23, 24, 31,
                                      32, 127, 128, 255, 0x7fffffffu, 0x7fc00000u, 0xff800000u};
    graph *g = graph_of(_i);
    uint8_t *b = NULL, *rec;
    size_t len;
    ck_assert_msg(blob_build(g, &b, &len, NULL) == HB_OK, "%s", hb_last_error());
    uint8_t *copy = aligned_alloc(16, (len + 15) / 16 * 16);
    words_of(b, &rec);
    for (int w = 0; w < rec[3]; w++)
        for (size_t v = 0; v < sizeof(values) / sizeof(values[0]); v++) {
            memcpy(copy, b, len);
            uint8_t *cr;
            nn_wr_u32(words_of(copy, &cr) + 4 * w, values[v]);
            nn_model m;
            nn_error e;
            if (nn_model_open(&m, copy, (uint32_t)len, &e) != NN_OK)
                continue;
            uint32_t n = nn_model_arena_bytes(&m);
            uint8_t *arena = aligned_alloc(16, (n + 15) / 16 * 16 + 16);
            memset(arena, 0x5a, n);
            ck_assert_int_eq(nn_model_invoke(&m, arena, n, NULL, &e), NN_OK);
            free(arena);
        }
    free(copy);
    free(b);
    graph_free(g);
}
END_TEST

static const struct {
    const char *what;
    int graph, word;
    uint32_t value;
} refusals[] = {
    {"transpose: repeated axis", 0, NN_TRANSPOSE_PERM + 1, 1},
    {"transpose: word past the rank", 0, NN_TRANSPOSE_PERM + 2, 1},
    {"pad: negative", 1, NN_PAD_BEFORE, 0xffffffffu},
    {"pad: mirror mode in PAD", 1, NN_PAD_MODE, NN_PAD_REFLECT},
    {"pad: shape", 1, NN_PAD_AFTER + 1, 1},
    {"mul: shift 16", 2, NN_MUL_SHIFT, 16},
    {"mul: offset 129", 2, NN_MUL_A_OFFSET, 129},
    {"concat: axis 2", 3, NN_CONCAT_AXIS, 2},
    {"concat: axis 1 (sizes)", 3, NN_CONCAT_AXIS, 1},
    {"relu: shift 24", 4, NN_RELU_SHIFT, 24},
    {"relu: act max 128", 4, NN_RELU_ACT_MAX, 128},
    {"leaky: alpha shift 24", 5, NN_LEAKY_ALPHA_SHIFT, 24},
    {"prelu: negative shift 16", 6, NN_PRELU_NEG_SHIFT, 16},
    {"tanh: radius", 7, NN_TANH_RADIUS, 0x7fffffffu},
    {"log_softmax: scale NaN", 8, NN_LOG_SOFTMAX_IN_SCALE, 0x7fc00000u},
    {"log_softmax: zero point 128", 8, NN_LOG_SOFTMAX_OUT_ZP, 128},
};

START_TEST(bad_words_are_refused)
{
    graph *g = graph_of(refusals[_i].graph);
    uint8_t *b = NULL, *rec;
    size_t len;
    ck_assert_msg(blob_build(g, &b, &len, NULL) == HB_OK, "%s", hb_last_error());
    nn_wr_u32(words_of(b, &rec) + 4 * refusals[_i].word, refusals[_i].value);
    nn_model m;
    nn_error e;
    ck_assert_msg(nn_model_open(&m, b, (uint32_t)len, &e) != NN_OK, "%s: accepted",
                  refusals[_i].what);
    ck_assert_int_eq(e.op, 0);
    free(b);
    graph_free(g);
}
END_TEST

/* Quantised data that moves must keep its meaning. */
START_TEST(mismatched_quantisation_refused)
{
    spec a = {NN_DT_INT8, 2, {2, 3}, 0.1f, 0}, b = {NN_DT_INT8, 2, {2, 3}, 0.2f, 0};
    spec o = {NN_DT_INT8, 2, {4, 3}, 0.1f, 0};
    graph *g = one_op(NN_OP_CONCATENATION, 2, (spec[]){a, b}, NULL, &o, NULL);
    uint8_t *blob = NULL;
    size_t len;
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_UNSUPPORTED);
    graph_free(g);
    g = one_op(NN_OP_MAXIMUM, 2, (spec[]){a, b}, NULL, &a, NULL);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_UNSUPPORTED);
    graph_free(g);
    ck_assert_ptr_null(blob);
}
END_TEST

static Suite *ops_layout_suite(void)
{
    Suite *s = suite_create("ops_layout");
    TCase *to = tcase_create("ops");
    tcase_add_test(to, transpose_any_rank);
    tcase_add_test(to, concat_and_pads);
    tcase_add_test(to, mul_int8_within_a_step);
    tcase_add_test(to, max_min_broadcast);
    tcase_add_loop_test(to, activations_float_and_int8, 0, (int)(sizeof(acts) / sizeof(acts[0])));
    tcase_add_test(to, prelu_per_channel);
    tcase_add_test(to, log_softmax_float_and_int8);
    tcase_add_test(to, dilated_max_pool);
    tcase_add_test(to, log_and_tanh_accuracy);
    suite_add_tcase(s, to);
    TCase *tc = tcase_create("check");
    tcase_add_loop_test(tc, every_word_hostile, 0, N_GRAPHS);
    tcase_add_loop_test(tc, bad_words_are_refused, 0,
                        (int)(sizeof(refusals) / sizeof(refusals[0])));
    tcase_add_test(tc, mismatched_quantisation_refused);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(ops_layout_suite)
