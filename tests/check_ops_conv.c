/*
 * check_ops_conv.c: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D and
 * MAX_POOL_2D through the whole path: graph, lowering, blob, engine.
 *
 * Hand-computed cases pin the semantics down. A table of generated cases
 * (SAME/VALID, strides, dilation, groups, depth multiplier, every fused
 * activation, per-tensor and per-channel weights) compares the engine with
 * references written here from the definitions: float and hybrid in double
 * precision (within 1e-5 of the largest output), int8 with int64 arithmetic
 * and TFLite's rounding rules (exactly), plus a double-precision model of the
 * int8 result (within one step). Corrupted blobs must be refused with the
 * right reason; random bit flips must never make the engine read or write
 * out of bounds (this runs under ASan).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn.h"
#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_op.h"
#include "../target-stub/engine/nn_params.h"
#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"

enum { F32, S8, HYB };

typedef struct {
    const char *name;
    int op;          /* NN_OP_* */
    int kind;        /* F32, S8, HYB */
    int n, h, w, c;  /* input */
    int kh, kw;      /* filter or pool window */
    int m;           /* CONV_2D: output channels; DEPTHWISE: multiplier */
    int groups;      /* CONV_2D; 0 = 1 */
    int sh, sw, dh, dw;
    int pad, act;
    int per_channel, bias;
    int w_zp;        /* hybrid weights' zero point */
} op_case;

#define CONV(nm, k, ...) {nm, NN_OP_CONV_2D, k, __VA_ARGS__}
#define DW(nm, k, ...) {nm, NN_OP_DEPTHWISE_CONV_2D, k, __VA_ARGS__}
#define AVG(nm, k, ...) {nm, NN_OP_AVERAGE_POOL_2D, k, __VA_ARGS__, 0, 0, 0}
#define MAX(nm, k, ...) {nm, NN_OP_MAX_POOL_2D, k, __VA_ARGS__, 0, 0, 0}
enum { SAME = NN_PAD_SAME, VALID = NN_PAD_VALID };
enum { NONE = NN_ACT_NONE, RELU = NN_ACT_RELU, RELU6 = NN_ACT_RELU6, N1 = NN_ACT_RELU_N1_TO_1 };

/* name, kind, n,h,w,c, kh,kw, m, groups, sh,sw, dh,dw, pad, act, per_channel, bias, w_zp */
static const op_case cases[] = {
    CONV("conv f32 valid", F32, 1, 5, 5, 3, 3, 3, 4, 1, 1, 1, 1, 1, VALID, NONE, 0, 1, 0),
    CONV("conv f32 same stride 2 relu", F32, 1, 7, 6, 2, 3, 3, 3, 1, 2, 2, 1, 1, SAME, RELU, 0, 1, 0),
    CONV("conv f32 dilation 2 relu6", F32, 2, 7, 7, 2, 3, 2, 2, 1, 1, 1, 2, 2, SAME, RELU6, 0, 0, 0),
    CONV("conv f32 groups relu_n1_to_1", F32, 1, 5, 5, 4, 3, 3, 6, 2, 1, 1, 1, 1, SAME, N1, 0, 1, 0),
    CONV("conv s8 valid per-tensor", S8, 1, 6, 5, 3, 3, 3, 4, 1, 1, 1, 1, 1, VALID, NONE, 0, 1, 0),
    CONV("conv s8 same stride 2 relu", S8, 1, 7, 7, 3, 3, 3, 5, 1, 2, 2, 1, 1, SAME, RELU, 1, 1, 0),
    CONV("conv s8 dilation 2 relu6", S8, 1, 8, 8, 2, 3, 3, 4, 1, 1, 1, 2, 2, SAME, RELU6, 1, 1, 0),
    CONV("conv s8 stride 2x1 relu_n1_to_1", S8, 2, 5, 6, 2, 2, 3, 3, 1, 2, 1, 1, 1, VALID, N1, 1, 0, 0),
    CONV("conv s8 groups", S8, 1, 5, 5, 6, 3, 3, 4, 2, 1, 1, 1, 1, SAME, NONE, 1, 1, 0),
    CONV("conv s8 1x1 stride 2", S8, 1, 6, 6, 4, 1, 1, 8, 1, 2, 2, 1, 1, SAME, NONE, 0, 1, 0),
    /* Dilation 3 over a 2-wide image: some windows miss it entirely. */
    CONV("conv f32 dilation 3 empty windows", F32, 1, 2, 2, 2, 2, 2, 3, 1, 1, 1, 3, 3, SAME, NONE, 0, 1, 0),
    CONV("conv hybrid per-tensor relu", HYB, 1, 6, 5, 2, 3, 3, 4, 1, 1, 1, 1, 1, SAME, RELU, 0, 1, 0),
    CONV("conv hybrid per-channel stride 2", HYB, 1, 7, 7, 3, 3, 3, 4, 1, 2, 2, 1, 1, VALID, NONE, 1, 1, 3),
    DW("dw f32 same relu6", F32, 1, 6, 6, 3, 3, 3, 1, 0, 1, 1, 1, 1, SAME, RELU6, 0, 1, 0),
    DW("dw f32 multiplier 2 stride 2", F32, 1, 7, 7, 2, 3, 3, 2, 0, 2, 2, 1, 1, VALID, NONE, 0, 1, 0),
    DW("dw f32 dilation 2 relu", F32, 2, 8, 7, 2, 3, 3, 1, 0, 1, 1, 2, 2, SAME, RELU, 0, 0, 0),
    DW("dw s8 same per-tensor", S8, 1, 6, 6, 4, 3, 3, 1, 0, 1, 1, 1, 1, SAME, NONE, 0, 1, 0),
    DW("dw s8 multiplier 2 stride 2 relu", S8, 1, 7, 7, 3, 3, 3, 2, 0, 2, 2, 1, 1, SAME, RELU, 1, 1, 0),
    DW("dw s8 dilation 2 relu6", S8, 1, 8, 8, 2, 3, 3, 1, 0, 1, 1, 2, 2, SAME, RELU6, 1, 1, 0),
    DW("dw s8 dilation 3 empty windows", S8, 1, 2, 5, 3, 2, 2, 1, 0, 1, 1, 3, 3, SAME, NONE, 1, 1, 0),
    DW("dw s8 one channel multiplier 4", S8, 1, 6, 6, 1, 3, 3, 4, 0, 1, 1, 1, 1, SAME, NONE, 1, 1, 0),
    DW("dw f32 one channel multiplier 3", F32, 1, 5, 6, 1, 3, 2, 3, 0, 1, 1, 1, 1, VALID, NONE, 0, 1, 0),
    DW("dw s8 relu_n1_to_1 no bias", S8, 2, 5, 5, 3, 2, 2, 3, 0, 1, 1, 1, 1, SAME, N1, 1, 0, 0),
    DW("dw hybrid multiplier 2 per-channel", HYB, 1, 6, 6, 2, 3, 3, 2, 0, 1, 1, 1, 1, SAME, NONE, 1, 1, 2),
    DW("dw hybrid per-tensor relu6", HYB, 1, 5, 6, 3, 3, 3, 1, 0, 1, 1, 1, 1, SAME, RELU6, 0, 1, 0),
    AVG("avg f32 same stride 2", F32, 1, 7, 6, 3, 3, 3, 0, 0, 2, 2, 1, 1, SAME, NONE),
    AVG("avg f32 valid relu6", F32, 2, 6, 6, 2, 3, 2, 0, 0, 1, 2, 1, 1, VALID, RELU6),
    AVG("avg s8 same stride 2", S8, 1, 7, 7, 4, 3, 3, 0, 0, 2, 2, 1, 1, SAME, NONE),
    AVG("avg s8 valid relu", S8, 1, 6, 5, 3, 2, 2, 0, 0, 1, 1, 1, 1, VALID, RELU),
    AVG("avg s8 global", S8, 1, 5, 4, 8, 5, 4, 0, 0, 1, 1, 1, 1, VALID, NONE),
    AVG("avg s8 same 4x4 relu_n1_to_1", S8, 1, 6, 6, 2, 4, 4, 0, 0, 1, 1, 1, 1, SAME, N1),
    MAX("max f32 same relu", F32, 1, 7, 7, 3, 3, 3, 0, 0, 2, 2, 1, 1, SAME, RELU),
    MAX("max f32 valid", F32, 2, 6, 5, 2, 2, 2, 0, 0, 2, 2, 1, 1, VALID, NONE),
    MAX("max s8 same relu6", S8, 1, 7, 6, 3, 3, 3, 0, 0, 2, 2, 1, 1, SAME, RELU6),
    MAX("max s8 valid relu_n1_to_1", S8, 1, 6, 6, 2, 2, 3, 0, 0, 1, 2, 1, 1, VALID, N1),
};
#define N_CASES ((int)(sizeof(cases) / sizeof(cases[0])))

static int is_conv(const op_case *c)
{
    return c->op == NN_OP_CONV_2D || c->op == NN_OP_DEPTHWISE_CONV_2D;
}

static int out_channels(const op_case *c)
{
    if (c->op == NN_OP_CONV_2D)
        return c->m;
    return c->op == NN_OP_DEPTHWISE_CONV_2D ? c->c * c->m : c->c;
}

/* From the definitions: SAME keeps ceil(in / stride) outputs and pads the
 * missing extent, the smaller half first; VALID keeps the windows that fit. */
static int out_size(int pad, int in, int k, int s, int d, int *before)
{
    int eff = d * (k - 1) + 1;
    int out = pad == SAME ? (in + s - 1) / s : (in - eff) / s + 1;
    int need = (out - 1) * s + eff - in;
    *before = need > 0 ? need / 2 : 0;
    return out;
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

static double urand(uint32_t *s) { return rnd(s) / 4294967296.0 * 2.0 - 1.0; }

/* A case built as a one-op graph, with everything the references need. */
typedef struct {
    const op_case *c;
    graph *g;
    int t_in, t_w, t_b, t_out;
    int oh, ow, ph, pw, oc;
    size_t n_in, n_w, n_out;
    void *x;          /* input data, owned */
    float s_in, s_out, s_w[64];
    int32_t z_in, z_out;
} built;

static void build(const op_case *c, built *b)
{
    uint32_t seed = 0x9e3779b9u;
    for (const char *p = c->name; *p; p++)
        seed = (seed ^ (uint8_t)*p) * 16777619u;
    int dil_h = is_conv(c) ? c->dh : 1, dil_w = is_conv(c) ? c->dw : 1;
    memset(b, 0, sizeof(*b));
    b->c = c;
    b->oh = out_size(c->pad, c->h, c->kh, c->sh, dil_h, &b->ph);
    b->ow = out_size(c->pad, c->w, c->kw, c->sw, dil_w, &b->pw);
    b->oc = out_channels(c);
    int act_dt = c->kind == S8 ? NN_DT_INT8 : NN_DT_FLOAT32;
    int32_t d_in[4] = {c->n, c->h, c->w, c->c}, d_out[4] = {c->n, b->oh, b->ow, b->oc};
    b->n_in = (size_t)c->n * c->h * c->w * c->c;
    b->n_out = (size_t)c->n * b->oh * b->ow * b->oc;
    ck_assert_int_eq(graph_new(&b->g), HB_OK);
    graph_add_tensor(b->g, "in", act_dt, 4, d_in, NULL, 0, &b->t_in);
    graph_add_tensor(b->g, "out", act_dt, 4, d_out, NULL, 0, &b->t_out);

    /* Noise plus a ramp down the rows: low rows and high rows drive the
     * outputs to both ends of every activation range. */
    b->x = malloc(b->n_in * 4);
    for (size_t i = 0; i < b->n_in; i++) {
        double ramp = ((double)(i / ((size_t)c->w * c->c) % c->h) + 0.5) / c->h - 0.5;
        if (c->kind == S8)
            ((int8_t *)b->x)[i] = (int8_t)fmax(-128, fmin(127, round(60 * urand(&seed) +
                                                                        260 * ramp)));
        else
            ((float *)b->x)[i] = (float)((2.0 * urand(&seed) + 8.0 * ramp) *
                                         (is_conv(c) ? 1.0 : 3.0));
    }
    b->s_in = 0.05f, b->z_in = -7;
    b->s_out = 0.06f, b->z_out = 9;
    if (!is_conv(c))
        b->s_out = b->s_in, b->z_out = b->z_in; /* pools share quantisation */
    if (c->kind == S8) {
        graph_set_quant(b->g, b->t_in, 1, &b->s_in, &b->z_in, 0);
        graph_set_quant(b->g, b->t_out, 1, &b->s_out, &b->z_out, 0);
    }
    graph_options opt = {.activation = c->act, .padding = c->pad, .stride_h = c->sh,
                         .stride_w = c->sw, .dilation_h = dil_h, .dilation_w = dil_w,
                         .filter_h = c->kh, .filter_w = c->kw};
    if (!is_conv(c)) {
        graph_add_op(b->g, c->op, 1, &b->t_in, 1, &b->t_out, &opt, NULL);
        graph_set_io(b->g, 1, &b->t_in, 1, &b->t_out);
        return;
    }

    /* Filter: [C_OUT, KH, KW, C_F] or, depthwise, [1, KH, KW, C_OUT]. */
    int dw = c->op == NN_OP_DEPTHWISE_CONV_2D;
    int c_f = dw ? b->oc : c->c / (c->groups ? c->groups : 1);
    int32_t d_w[4] = {dw ? 1 : b->oc, c->kh, c->kw, c_f}, d_b[1] = {b->oc};
    opt.depth_multiplier = dw ? c->m : 0;
    b->n_w = (size_t)d_w[0] * c->kh * c->kw * c_f;
    int taps = c->kh * c->kw * (dw ? 1 : c_f);
    int n_scales = c->per_channel ? b->oc : 1;
    /* Scales that put typical sums near +-90 output steps (int8) or +-8
     * (hybrid). */
    double base = c->kind == S8 ? 0.06 * 90.0 / (0.05 * 90.0 * 73.0 * sqrt((double)taps))
                                : 8.0 / (73.0 * 2.5 * sqrt((double)taps));
    for (int k = 0; k < n_scales; k++)
        b->s_w[k] = (float)(base * (1.0 + 0.3 * (k % 4 - 1.5)));
    void *w = malloc(b->n_w * 4), *bias = malloc((size_t)b->oc * 4);
    for (size_t i = 0; i < b->n_w; i++) {
        if (c->kind == F32)
            ((float *)w)[i] = (float)urand(&seed);
        else
            ((int8_t *)w)[i] = (int8_t)((int)(rnd(&seed) % 255) - 127);
    }
    for (int k = 0; k < b->oc; k++) {
        if (c->kind == S8)
            ((int32_t *)bias)[k] = (int32_t)(rnd(&seed) % 6001) - 3000;
        else
            ((float *)bias)[k] = (float)urand(&seed);
    }
    graph_add_tensor(b->g, "w", c->kind == F32 ? NN_DT_FLOAT32 : NN_DT_INT8, 4, d_w, w,
                     b->n_w * (c->kind == F32 ? 4 : 1), &b->t_w);
    if (c->kind != F32) {
        int32_t zps[64] = {0};
        for (int k = 0; k < n_scales; k++)
            zps[k] = c->w_zp;
        graph_set_quant(b->g, b->t_w, n_scales, b->s_w, zps, dw ? 3 : 0);
    }
    b->t_b = -1;
    if (c->bias)
        graph_add_tensor(b->g, "b", c->kind == S8 ? NN_DT_INT32 : NN_DT_FLOAT32, 1, d_b,
                         bias, (size_t)b->oc * 4, &b->t_b);
    free(w);
    free(bias);
    int ins[3] = {b->t_in, b->t_w, b->t_b};
    graph_add_op(b->g, c->op, c->bias ? 3 : 2, ins, 1, &b->t_out, &opt, NULL);
    graph_set_io(b->g, 1, &b->t_in, 1, &b->t_out);
}

static void unbuild(built *b)
{
    graph_free(b->g);
    free(b->x);
}

/* Input value as the reference sees it: float, or int8 minus zero point. */
static double xval(const built *b, int n, int y, int x, int ch)
{
    const op_case *c = b->c;
    size_t i = (((size_t)n * c->h + y) * c->w + x) * c->c + ch;
    return c->kind == S8 ? (double)(((const int8_t *)b->x)[i] - b->z_in)
                         : (double)((const float *)b->x)[i];
}

/* Filter value: float, raw int8, or the hybrid's dequantised weight. */
static double wval(const built *b, size_t i, int oc)
{
    const graph_tensor *w = &b->g->tensors[b->t_w];
    if (b->c->kind == F32)
        return ((const float *)w->data)[i];
    int8_t q = ((const int8_t *)w->data)[i];
    if (b->c->kind == S8)
        return q;
    return (double)b->s_w[b->c->per_channel ? oc : 0] * (q - b->c->w_zp);
}

/* Sum of products of output (n, oy, ox, oc): exact for int8. */
static double ref_sum(const built *b, int n, int oy, int ox, int oc)
{
    const op_case *c = b->c;
    int dw = c->op == NN_OP_DEPTHWISE_CONV_2D;
    int groups = c->groups ? c->groups : 1, c_f = dw ? 1 : c->c / groups;
    int ic0 = dw ? oc / c->m : oc / (b->oc / groups) * c_f;
    double acc = 0.0;
    for (int ky = 0; ky < c->kh; ky++)
        for (int kx = 0; kx < c->kw; kx++) {
            int y = oy * c->sh - b->ph + ky * c->dh, x = ox * c->sw - b->pw + kx * c->dw;
            if (y < 0 || y >= c->h || x < 0 || x >= c->w)
                continue;
            for (int k = 0; k < c_f; k++) {
                size_t wi = dw ? ((size_t)ky * c->kw + kx) * b->oc + oc
                               : (((size_t)oc * c->kh + ky) * c->kw + kx) * c_f + k;
                acc += xval(b, n, y, x, ic0 + k) * wval(b, wi, oc);
            }
        }
    return acc;
}

/* TFLite's QuantizeMultiplier from its definition: m = q x 2^e with q in
 * [0.5, 1), q stored as round(q x 2^31). */
static void ref_multiplier(double m, int32_t *mult, int *shift)
{
    int e = 0;
    while (m >= 1.0)
        m /= 2.0, e++;
    while (m < 0.5)
        m *= 2.0, e--;
    int64_t q = llround(m * 2147483648.0);
    if (q == 2147483648ll)
        q /= 2, e++;
    *mult = (int32_t)q, *shift = e;
}

/* x x mult x 2^shift / 2^31 in int64: the doubling high multiply rounds
 * half up (gemmlowp's nudge then truncating division), the power-of-two
 * division rounds half away from zero. */
static int64_t ref_requant(int64_t x, int32_t mult, int shift)
{
    int64_t a = x * ((int64_t)1 << (shift > 0 ? shift : 0));
    int64_t p = a * mult + ((int64_t)1 << 30);
    int64_t h = p >= 0 ? p / ((int64_t)1 << 31) : -((-p + ((int64_t)1 << 31) - 1) >> 31);
    if (shift >= 0)
        return h;
    int64_t d = (int64_t)1 << -shift;
    return h >= 0 ? (h + d / 2) / d : -((-h + d / 2) / d);
}

static void ref_range_s8(int act, float s, int32_t z, int32_t *lo, int32_t *hi)
{
    double a = act == RELU || act == RELU6 ? 0.0 : act == N1 ? -1.0 : -1e9;
    double b2 = act == RELU6 ? 6.0 : act == N1 ? 1.0 : 1e9;
    *lo = a < -1e8 ? -128 : (int32_t)fmax(-128.0, z + roundf((float)a / s));
    *hi = b2 > 1e8 ? 127 : (int32_t)fmin(127.0, z + roundf((float)b2 / s));
}

static double act_f(int act, double v)
{
    double lo = act == RELU || act == RELU6 ? 0.0 : act == N1 ? -1.0 : -INFINITY;
    double hi = act == RELU6 ? 6.0 : act == N1 ? 1.0 : INFINITY;
    return v < lo ? lo : v > hi ? hi : v;
}

/* The reference output element i (index order NHWC). For int8: the exact
 * result in *q, and the double model's in *approx. */
static double ref_out(const built *b, size_t i, int64_t *q, double *approx)
{
    const op_case *c = b->c;
    int oc = (int)(i % b->oc), ox = (int)(i / b->oc % b->ow);
    int oy = (int)(i / b->oc / b->ow % b->oh), n = (int)(i / b->oc / b->ow / b->oh);
    int32_t lo, hi;
    ref_range_s8(c->act, b->s_out, b->z_out, &lo, &hi);
    if (is_conv(c)) {
        const graph_tensor *bt = b->t_b >= 0 ? &b->g->tensors[b->t_b] : NULL;
        double acc = ref_sum(b, n, oy, ox, oc);
        if (c->kind != S8)
            return act_f(c->act, acc + (bt ? ((const float *)bt->data)[oc] : 0.0));
        int64_t a = (int64_t)acc + (bt ? ((const int32_t *)bt->data)[oc] : 0);
        double eff = (double)b->s_in * (double)b->s_w[c->per_channel ? oc : 0] / b->s_out;
        int32_t mult;
        int shift;
        ref_multiplier(eff, &mult, &shift);
        int64_t v = ref_requant(a, mult, shift) + b->z_out;
        *q = v < lo ? lo : v > hi ? hi : v;
        *approx = fmin(hi, fmax(lo, round((double)a * eff) + b->z_out));
        return 0.0;
    }
    /* Pools: the window clipped to the image. */
    double sum = 0.0, best = -INFINITY;
    int64_t isum = 0, ibest = -128, count = 0;
    for (int ky = 0; ky < c->kh; ky++)
        for (int kx = 0; kx < c->kw; kx++) {
            int y = oy * c->sh - b->ph + ky, x = ox * c->sw - b->pw + kx;
            if (y < 0 || y >= c->h || x < 0 || x >= c->w)
                continue;
            size_t k = (((size_t)n * c->h + y) * c->w + x) * c->c + oc;
            double v = c->kind == S8 ? ((const int8_t *)b->x)[k] : ((const float *)b->x)[k];
            sum += v, best = fmax(best, v), count++;
            isum += (int64_t)v, ibest = (int64_t)v > ibest ? (int64_t)v : ibest;
        }
    int avg = c->op == NN_OP_AVERAGE_POOL_2D;
    if (c->kind != S8)
        return act_f(c->act, avg ? sum / count : best);
    /* Round half away from zero: sign x floor(|sum| / count + 1/2). */
    int64_t r = isum >= 0 ? (2 * isum + count) / (2 * count)
                          : -((-2 * isum + count) / (2 * count));
    int64_t v = avg ? r : ibest;
    *q = v < lo ? lo : v > hi ? hi : v;
    *approx = avg ? fmin(hi, fmax(lo, round(sum / count))) : (double)*q;
    return 0.0;
}

static void run_case(const op_case *c)
{
    built b;
    hostrun *r = NULL;
    nn_tensor out;
    build(c, &b);
    ck_assert_int_eq(graph_validate(b.g), HB_OK);
    ck_assert_msg(hostrun_new(b.g, &r) == HB_OK, "%s: %s", c->name, hb_last_error());
    ck_assert_int_eq(hostrun_set_input(r, 0, b.x, b.n_in * (c->kind == S8 ? 1 : 4)), HB_OK);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output(r, 0, &out), HB_OK);
    ck_assert_uint_eq(out.count, b.n_out);
    double peak = 0.0;
    for (size_t i = 0; c->kind != S8 && i < b.n_out; i++)
        peak = fmax(peak, fabs(ref_out(&b, i, NULL, NULL)));
    int distinct = 0, last = 1000, at_lo = 0, at_hi = 0;
    int32_t lo, hi;
    ref_range_s8(c->act, b.s_out, b.z_out, &lo, &hi);
    for (size_t i = 0; i < b.n_out; i++) {
        int64_t q = 0;
        double approx = 0.0, want = ref_out(&b, i, &q, &approx);
        if (c->kind == S8) {
            int got = ((const int8_t *)out.data)[i];
            ck_assert_msg(got == q, "%s: element %zu is %d, reference %lld", c->name, i, got,
                          (long long)q);
            ck_assert_msg(fabs(got - approx) <= 1.0, "%s: element %zu is %d, double model %g",
                          c->name, i, got, approx);
            distinct += got != last, last = got;
            at_lo += got == lo, at_hi += got == hi;
        } else {
            double got = ((const float *)out.data)[i];
            ck_assert_msg(fabs(got - want) <= 1e-5 * peak, "%s: element %zu is %.9g, reference "
                          "%.9g", c->name, i, got, want);
            at_lo += got == act_f(c->act, -INFINITY), at_hi += got == act_f(c->act, INFINITY);
        }
    }
    /* Guard against a vacuous pass: int8 outputs vary, and every bound of
     * the fused activation is reached somewhere. */
    ck_assert_msg(c->kind != S8 || distinct > 1, "%s: constant output", c->name);
    ck_assert_msg(c->act == NONE || at_lo > 0, "%s: lower clamp never reached", c->name);
    ck_assert_msg((c->act != RELU6 && c->act != N1) || at_hi > 0,
                  "%s: upper clamp never reached", c->name);
    hostrun_free(r);
    unbuild(&b);
}

START_TEST(generated_cases_match_reference)
{
    run_case(&cases[_i]);
}
END_TEST


/* Hand-computed cases ------------------------------------------------------ */

typedef struct {
    op_case c;
    double x[32], w[32], bias[8]; /* int8: the integer values */
    float s_in, s_w, s_out;       /* int8 only */
    int32_t z_in, z_out;
    double want[16];
} hand_case;

static const hand_case hands[] = {
    /* 3x3 ramp, 2x2 filter 1 2 / 3 4, bias 1: 1+4+12+20+1 = 38, ... */
    {CONV("conv valid", F32, 1, 3, 3, 1, 2, 2, 1, 1, 1, 1, 1, 1, VALID, NONE, 0, 1, 0),
     {1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 2, 3, 4}, {1}, 0, 0, 0, 0, 0, {38, 48, 68, 78}},
    /* 4x4 ramp, 3x3 ones, SAME stride 2: total padding 1, all of it after. */
    {CONV("conv same stride 2", F32, 1, 4, 4, 1, 3, 3, 1, 1, 2, 2, 1, 1, SAME, NONE, 0, 0, 0),
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16},
     {1, 1, 1, 1, 1, 1, 1, 1, 1}, {0}, 0, 0, 0, 0, 0, {54, 45, 72, 54}},
    /* 5x5 ramp 5y+x+1, 2x2 ones dilated by 2: 4(5y+x+1) + 24. */
    {CONV("conv dilation 2", F32, 1, 5, 5, 1, 2, 2, 1, 1, 1, 1, 2, 2, VALID, NONE, 0, 0, 0),
     {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25},
     {1, 1, 1, 1}, {0}, 0, 0, 0, 0, 0, {28, 32, 36, 48, 52, 56, 68, 72, 76}},
    /* Two pixels (1,2) (3,4), multiplier 2: channel o reads input o / 2. */
    {DW("dw multiplier 2 relu", F32, 1, 1, 2, 2, 1, 2, 2, 0, 1, 1, 1, 1, VALID, RELU, 0, 1, 0),
     {1, 2, 3, 4}, {1, 2, 3, 4, 5, 6, 7, 8}, {0, 0, 0, -50}, 0, 0, 0, 0, 0, {16, 20, 34, 0}},
    /* Effective scale 0.5: 11 -> 5.5 -> 6, but -11 -> -5.5 -> -5 (the
     * doubling high multiply rounds half up). */
    {CONV("conv s8 rounding", S8, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, VALID, NONE, 0, 0, 0),
     {11, -11}, {1}, {0}, 0.5f, 0.25f, 0.25f, 0, 0, {6, -5}},
    /* Same with scale 0.25 and a bias: (13 + 3) / 4 = 4, (-13 + 3) / 4 = -2.5 -> -3
     * (-5 after the multiply, then -2.5 rounds away from zero), + zero point 2. */
    {CONV("conv s8 shift", S8, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, VALID, NONE, 0, 1, 0),
     {13, -13}, {1}, {3}, 0.5f, 0.25f, 0.5f, 0, 2, {6, -1}},
    /* Averages of pairs: -2.5 -> -3, 1.5 -> 2, 5.5 -> 6 (half away from 0). */
    {AVG("avg s8 rounding", S8, 1, 1, 6, 1, 1, 2, 0, 0, 1, 2, 1, 1, VALID, NONE),
     {-3, -2, 1, 2, 5, 6}, {0}, {0}, 1.0f, 0, 1.0f, 0, 0, {-3, 2, 6}},
    /* SAME windows at the edge hold 4, 2, 2 and 1 taps. */
    {AVG("avg same edges", F32, 1, 3, 3, 1, 2, 2, 0, 0, 2, 2, 1, 1, SAME, NONE),
     {1, 2, 3, 4, 5, 6, 7, 8, 9}, {0}, {0}, 0, 0, 0, 0, 0, {3, 4.5, 7.5, 9}},
    {MAX("max s8 same relu6", S8, 1, 3, 3, 1, 2, 2, 0, 0, 2, 2, 1, 1, SAME, RELU6),
     {-5, -4, -3, -2, -1, 0, 1, 2, 3}, {0}, {0}, 1.0f, 0, 1.0f, 0, 0, {0, 0, 2, 3}},
};

START_TEST(hand_computed_cases)
{
    const hand_case *hc = &hands[_i];
    const op_case *c = &hc->c;
    built b;
    build(c, &b);
    for (size_t i = 0; i < b.n_in; i++) {
        if (c->kind == S8)
            ((int8_t *)b.x)[i] = (int8_t)hc->x[i];
        else
            ((float *)b.x)[i] = (float)hc->x[i];
    }
    if (is_conv(c)) {
        graph_tensor *w = &b.g->tensors[b.t_w];
        for (size_t i = 0; i < b.n_w; i++) {
            if (c->kind == S8)
                ((int8_t *)w->data)[i] = (int8_t)hc->w[i];
            else
                ((float *)w->data)[i] = (float)hc->w[i];
        }
        for (int k = 0; c->bias && k < b.oc; k++) {
            void *d = b.g->tensors[b.t_b].data;
            if (c->kind == S8)
                ((int32_t *)d)[k] = (int32_t)hc->bias[k];
            else
                ((float *)d)[k] = (float)hc->bias[k];
        }
        if (c->kind == S8)
            graph_set_quant(b.g, b.t_w, 1, &hc->s_w, NULL, 0);
    }
    if (c->kind == S8) {
        graph_set_quant(b.g, b.t_in, 1, &hc->s_in, &hc->z_in, 0);
        graph_set_quant(b.g, b.t_out, 1, &hc->s_out, &hc->z_out, 0);
    }
    hostrun *r = NULL;
    nn_tensor out;
    ck_assert_msg(hostrun_new(b.g, &r) == HB_OK, "%s: %s", c->name, hb_last_error());
    ck_assert_int_eq(hostrun_set_input(r, 0, b.x, b.n_in * (c->kind == S8 ? 1 : 4)), HB_OK);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output(r, 0, &out), HB_OK);
    for (size_t i = 0; i < b.n_out; i++) {
        double got = c->kind == S8 ? ((const int8_t *)out.data)[i] : ((const float *)out.data)[i];
        ck_assert_msg(got == hc->want[i], "%s: element %zu is %g, expected %g", c->name, i, got,
                      hc->want[i]);
    }
    hostrun_free(r);
    unbuild(&b);
}
END_TEST

/* Refusals ------------------------------------------------------------------ */

static const op_case *case_named(const char *name)
{
    for (int i = 0; i < N_CASES; i++)
        if (!strcmp(cases[i].name, name))
            return &cases[i];
    ck_abort_msg("no case %s", name);
    return NULL;
}

/* The blob of a case, in an aligned buffer (caller frees). */
static uint8_t *case_blob(const char *name, size_t *len)
{
    built b;
    uint8_t *raw = NULL;
    build(case_named(name), &b);
    ck_assert_msg(blob_build(b.g, &raw, len, NULL) == HB_OK, "%s", hb_last_error());
    uint8_t *a = aligned_alloc(16, (*len + 15) / 16 * 16);
    memcpy(a, raw, *len);
    free(raw);
    unbuild(&b);
    return a;
}

static uint8_t *op_record(uint8_t *blob)
{
    return blob + nn_rd_u32(blob + nn_rd_u32(blob + NN_BH_OPS_OFF));
}

static uint8_t *op_words(uint8_t *blob)
{
    uint8_t *r = op_record(blob);
    return r + NN_BLOB_OP_HEAD_BYTES + ((2u * (r[1] + r[2]) + 3u) & ~3u);
}

/* Tensor record of io slot k (inputs then outputs) of the op. */
static uint8_t *io_tensor(uint8_t *blob, int k)
{
    uint16_t t = nn_rd_u16(op_record(blob) + NN_BLOB_OP_HEAD_BYTES + 2 * k);
    return blob + nn_rd_u32(blob + NN_BH_TENSORS_OFF) + t * NN_BLOB_TENSOR_BYTES;
}

enum { AT_OP_BYTE, AT_WORD, AT_WORD_ADD, AT_TENSOR, AT_BIAS0, AT_CH_SHIFT0, AT_FILTER_FOLD };

typedef struct {
    const char *what, *case_name;
    int at, index, field; /* byte / word index; io slot and record field */
    uint32_t value;
    int why;
} corruption;

#define CONV_PC "conv s8 same stride 2 relu"
#define CONV_PT "conv s8 valid per-tensor"
#define DW_S8 "dw s8 multiplier 2 stride 2 relu"
#define AVG_S8 "avg s8 same stride 2"

static const corruption corruptions[] = {
    {"too few words", CONV_PC, AT_OP_BYTE, 3, 0, NN_CONV_WORDS - 1, NN_WHY_OP_PARAMS},
    {"int8 conv with float bias", CONV_PC, AT_TENSOR, 2, NN_BT_DTYPE, NN_DT_FLOAT32,
     NN_WHY_OP_DTYPE},
    {"stride 1 for a stride-2 output", CONV_PC, AT_WORD, NN_CONV_STRIDE_H, 0, 1, NN_WHY_OP_SHAPE},
    {"stride 0", CONV_PC, AT_WORD, NN_CONV_STRIDE_W, 0, 0, NN_WHY_OP_PARAMS},
    {"negative dilation", CONV_PC, AT_WORD, NN_CONV_DIL_H, 0, 0xffffffffu, NN_WHY_OP_PARAMS},
    {"huge dilation", CONV_PC, AT_WORD, NN_CONV_DIL_W, 0, 0x40000000u, NN_WHY_OP_SHAPE},
    {"padding off by one", CONV_PC, AT_WORD_ADD, NN_CONV_PAD_H, 0, 1, NN_WHY_OP_SHAPE},
    {"negative padding", CONV_PC, AT_WORD, NN_CONV_PAD_W, 0, 0xffffffffu, NN_WHY_OP_PARAMS},
    {"shift 31", CONV_PT, AT_WORD, NN_CONV_SHIFT, 0, 31, NN_WHY_OP_PARAMS},
    {"shift -32", CONV_PT, AT_WORD, NN_CONV_SHIFT, 0, (uint32_t)-32, NN_WHY_OP_PARAMS},
    {"channel shift 40", CONV_PC, AT_CH_SHIFT0, 0, 0, 40, NN_WHY_OP_PARAMS},
    {"channel arrays outside the blob", CONV_PC, AT_WORD, NN_CONV_CH_OFF, 0, 0x7ffffff0u,
     NN_WHY_OP_PARAMS},
    {"channel arrays misaligned", CONV_PC, AT_WORD_ADD, NN_CONV_CH_OFF, 0, 2, NN_WHY_OP_PARAMS},
    {"activation range inverted", CONV_PC, AT_WORD, NN_CONV_ACT_MAX, 0, 0, NN_WHY_OP_PARAMS},
    {"input offset out of range", CONV_PC, AT_WORD, NN_CONV_IN_OFFSET, 0, 1000,
     NN_WHY_OP_PARAMS},
    {"bias that can overflow the accumulator", CONV_PC, AT_BIAS0, 0, 0, 0x7fffffffu,
     NN_WHY_OP_PARAMS},
    /* Filter [8, 1, 1, 4] read as [4, 2, 1, 4]: same bytes, half the rows. */
    {"filter rows fewer than output channels", "conv s8 1x1 stride 2", AT_FILTER_FOLD, 0, 0, 0,
     NN_WHY_OP_SHAPE},
    {"float activation NaN", "conv f32 valid", AT_WORD, NN_CONV_ACT_MIN, 0, 0x7fc00000u,
     NN_WHY_OP_PARAMS},
    {"hybrid zero point 1000", "conv hybrid per-tensor relu", AT_TENSOR, 1, NN_BT_ZERO, 1000,
     NN_WHY_QUANT},
    {"depthwise too few words", DW_S8, AT_OP_BYTE, 3, 0, NN_DW_WORDS - 1, NN_WHY_OP_PARAMS},
    {"depth multiplier 3", DW_S8, AT_WORD, NN_DW_DEPTH_MULT, 0, 3, NN_WHY_OP_SHAPE},
    {"depth multiplier 0", DW_S8, AT_WORD, NN_DW_DEPTH_MULT, 0, 0, NN_WHY_OP_PARAMS},
    {"depthwise stride 1 for stride 2", DW_S8, AT_WORD, NN_DW_STRIDE_W, 0, 1, NN_WHY_OP_SHAPE},
    {"pool too few words", AVG_S8, AT_OP_BYTE, 3, 0, NN_POOL_WORDS - 1, NN_WHY_OP_PARAMS},
    {"pool output scale differs", AVG_S8, AT_TENSOR, 1, NN_BT_SCALE, 0x3d8f5c29u /* 0.07 */,
     NN_WHY_QUANT},
    {"pool int8 to uint8", AVG_S8, AT_TENSOR, 0, NN_BT_DTYPE, NN_DT_UINT8, NN_WHY_OP_DTYPE},
    {"pool window 0", AVG_S8, AT_WORD, NN_POOL_FILTER_H, 0, 0, NN_WHY_OP_PARAMS},
    {"pool window larger than the padding", AVG_S8, AT_WORD, NN_POOL_FILTER_W, 0, 100,
     NN_WHY_OP_SHAPE},
    {"pool activation above 127", AVG_S8, AT_WORD, NN_POOL_ACT_MAX, 0, 200, NN_WHY_OP_PARAMS},
};

START_TEST(corrupted_blobs_refused)
{
    const corruption *c = &corruptions[_i];
    size_t len;
    uint8_t *b = case_blob(c->case_name, &len);
    nn_model m;
    nn_error e;
    ck_assert_int_eq(nn_model_open(&m, b, (uint32_t)len, &e), NN_OK);
    uint8_t *w = op_words(b);
    switch (c->at) {
    case AT_OP_BYTE:
        op_record(b)[c->index] = (uint8_t)c->value;
        break;
    case AT_WORD:
        nn_wr_u32(w + 4 * c->index, c->value);
        break;
    case AT_WORD_ADD:
        nn_wr_u32(w + 4 * c->index, nn_rd_u32(w + 4 * c->index) + c->value);
        break;
    case AT_TENSOR:
        if (c->field == NN_BT_DTYPE)
            io_tensor(b, c->index)[c->field] = (uint8_t)c->value;
        else
            nn_wr_u32(io_tensor(b, c->index) + c->field, c->value);
        break;
    case AT_BIAS0:
        nn_wr_u32(b + nn_rd_u32(io_tensor(b, 2) + NN_BT_OFFSET), c->value);
        break;
    case AT_FILTER_FOLD: {
        uint8_t *t = io_tensor(b, 1) + NN_BT_DIMS;
        nn_wr_u32(t, nn_rd_u32(t) / 2);
        nn_wr_u32(t + 4, nn_rd_u32(t + 4) * 2);
        break;
    }
    case AT_CH_SHIFT0: {
        uint32_t ch = nn_rd_u32(w + 4 * NN_CONV_CH_OFF);
        uint32_t units = (uint32_t)nn_rd_i32(io_tensor(b, 3) + NN_BT_DIMS + 12);
        nn_wr_u32(b + ch + 4 * units, c->value);
        break;
    }
    }
    nn_status st = nn_model_open(&m, b, (uint32_t)len, &e);
    ck_assert_msg(st != NN_OK, "%s: accepted", c->what);
    ck_assert_msg(e.why == c->why, "%s: refused for '%s', expected '%s'", c->what,
                  nn_why_text(e.why), nn_why_text(c->why));
    ck_assert_int_eq(e.op, 0);
    free(b);
}
END_TEST

/* Wrong io counts cannot be written into a blob the core accepts, so the
 * ops' checks are called directly on a view with altered counts. */
START_TEST(wrong_io_counts_refused)
{
    static const struct {
        const char *case_name;
        int n_inputs, n_outputs, absent_slot;
    } bad[] = {
        {CONV_PC, 1, 1, -1}, {CONV_PC, 4, 1, -1}, {CONV_PC, 3, 2, -1}, {CONV_PC, 3, 1, 1},
        {DW_S8, 1, 1, -1},   {DW_S8, 3, 0, -1},   {DW_S8, 3, 1, 0},    {AVG_S8, 2, 1, -1},
        {AVG_S8, 1, 1, 0},   {"max s8 same relu6", 0, 1, -1},
    };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        size_t len;
        uint8_t *b = case_blob(bad[k].case_name, &len);
        nn_model m;
        nn_error e;
        ck_assert_int_eq(nn_model_open(&m, b, (uint32_t)len, &e), NN_OK);
        const uint8_t *r = op_record(b);
        uint8_t io[16];
        memcpy(io, r + NN_BLOB_OP_HEAD_BYTES, sizeof(io));
        if (bad[k].absent_slot >= 0)
            nn_wr_u16(io + 2 * bad[k].absent_slot, NN_ABSENT);
        nn_op_view v = {&m, 0, r[0], (uint8_t)bad[k].n_inputs, (uint8_t)bad[k].n_outputs,
                        r[3], io, op_words(b)};
        nn_status st = r[0] == NN_OP_CONV_2D             ? nn_op_conv_2d_check(&v, &e)
                       : r[0] == NN_OP_DEPTHWISE_CONV_2D ? nn_op_depthwise_conv_2d_check(&v, &e)
                       : r[0] == NN_OP_AVERAGE_POOL_2D   ? nn_op_average_pool_2d_check(&v, &e)
                                                         : nn_op_max_pool_2d_check(&v, &e);
        ck_assert_msg(st != NN_OK && e.why == NN_WHY_OP_IO, "%s with %d in, %d out: %s",
                      bad[k].case_name, bad[k].n_inputs, bad[k].n_outputs, nn_why_text(e.why));
        free(b);
    }
}
END_TEST

/* Whatever bits flip, open either refuses or the model runs in bounds. */
START_TEST(bit_flips_never_escape)
{
    static const char *const names[] = {CONV_PC, DW_S8, AVG_S8, "max s8 same relu6",
                                        "conv hybrid per-channel stride 2",
                                        "conv f32 groups relu_n1_to_1", "dw f32 dilation 2 relu"};
    size_t len;
    uint8_t *b = case_blob(names[_i], &len);
    ck_assert_int_gt(hbt_flip_and_run(b, len, 4242u + (uint32_t)_i, 3000), 0);
    free(b);
}
END_TEST

/* An int8 average over more than 2^23 taps could overflow its sum. */
START_TEST(huge_int8_average_refused)
{
    graph *g = NULL;
    int32_t d_in[4] = {1, 4096, 2049, 1}, d_out[4] = {1, 1, 1, 1};
    float s = 0.1f;
    int32_t z = 0;
    int t_in, t_out;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "in", NN_DT_INT8, 4, d_in, NULL, 0, &t_in);
    graph_add_tensor(g, "out", NN_DT_INT8, 4, d_out, NULL, 0, &t_out);
    graph_set_quant(g, t_in, 1, &s, &z, 0);
    graph_set_quant(g, t_out, 1, &s, &z, 0);
    graph_options opt = {.padding = NN_PAD_VALID, .stride_h = 1, .stride_w = 1,
                         .filter_h = 4096, .filter_w = 2049};
    graph_add_op(g, NN_OP_AVERAGE_POOL_2D, 1, &t_in, 1, &t_out, &opt, NULL);
    graph_set_io(g, 1, &t_in, 1, &t_out);
    uint8_t *blob = NULL;
    size_t len;
    /* The blob writer validates its result with the engine. */
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), nn_why_text(NN_WHY_OP_PARAMS)));
    ck_assert_ptr_null(blob);
    graph_free(g);
}
END_TEST

/* The host refuses what TFLite would not run the same way. */
START_TEST(lowering_refusals)
{
    built b;
    hostrun *r = NULL;
    build(case_named(CONV_PC), &b);
    b.g->tensors[b.t_out].dims[1]++;
    ck_assert_int_eq(hostrun_new(b.g, &r), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "SAME padding gives 4"));
    unbuild(&b);

    build(case_named(CONV_PT), &b);
    b.g->tensors[b.t_w].zero_points[0] = 1;
    ck_assert_int_eq(hostrun_new(b.g, &r), HB_ERR_UNSUPPORTED);
    unbuild(&b);

    build(case_named(CONV_PT), &b);
    b.g->ops[0].opt.stride_w = 0;
    ck_assert_int_eq(hostrun_new(b.g, &r), HB_ERR_UNSUPPORTED);
    unbuild(&b);

    build(case_named(DW_S8), &b);
    b.g->ops[0].opt.depth_multiplier = 3;
    ck_assert_int_eq(hostrun_new(b.g, &r), HB_ERR_UNSUPPORTED);
    unbuild(&b);

    build(case_named(AVG_S8), &b);
    b.g->tensors[b.t_out].scales[0] = 0.07f;
    ck_assert_int_eq(hostrun_new(b.g, &r), HB_ERR_UNSUPPORTED);
    unbuild(&b);
    ck_assert_ptr_null(r);
}
END_TEST

START_TEST(macs_follow_tflite_micro)
{
    built b;
    build(case_named(CONV_PC), &b); /* out 1x4x4x5, filter 5x3x3x3 */
    ck_assert_uint_eq(graph_op_macs(b.g, 0), 80u * 3 * 3 * 3);
    unbuild(&b);
    build(case_named("conv s8 groups"), &b); /* out 1x5x5x4, filter 4x3x3x3 */
    ck_assert_uint_eq(graph_op_macs(b.g, 0), 100u * 3 * 3 * 3);
    unbuild(&b);
    build(case_named(DW_S8), &b); /* out 1x4x4x6, filter 1x3x3x6 */
    ck_assert_uint_eq(graph_op_macs(b.g, 0), 96u * 3 * 3);
    unbuild(&b);
    build(case_named(AVG_S8), &b);
    ck_assert_uint_eq(graph_op_macs(b.g, 0), 0);
    unbuild(&b);
}
END_TEST

static Suite *ops_conv_suite(void)
{
    Suite *s = suite_create("ops_conv");
    TCase *tc = tcase_create("compute");
    tcase_add_loop_test(tc, hand_computed_cases, 0, (int)(sizeof(hands) / sizeof(hands[0])));
    tcase_add_loop_test(tc, generated_cases_match_reference, 0, N_CASES);
    tcase_add_test(tc, macs_follow_tflite_micro);
    suite_add_tcase(s, tc);
    TCase *tv = tcase_create("validate");
    tcase_add_loop_test(tv, corrupted_blobs_refused, 0,
                        (int)(sizeof(corruptions) / sizeof(corruptions[0])));
    tcase_add_test(tv, wrong_io_counts_refused);
    tcase_add_loop_test(tv, bit_flips_never_escape, 0, 7);
    tcase_add_test(tv, huge_int8_average_refused);
    tcase_add_test(tv, lowering_refusals);
    suite_add_tcase(s, tv);
    return s;
}

HBT_MAIN(ops_conv_suite)
