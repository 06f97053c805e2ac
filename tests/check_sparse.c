/*
 * check_sparse.c: the packed-weight kernels (kernels/nn_k_packed.c) against
 * the dense reference kernels, and the engine's half-float conversion.
 *
 * Every packed kernel must give the dense kernel's output bit for bit on
 * the same weights with the zeros filled in (nn_kernels.h states the rule:
 * inputs here are finite). A table of geometries (FULLY_CONNECTED; CONV_2D
 * and DEPTHWISE_CONV_2D with SAME/VALID padding, strides, dilations that
 * put whole windows outside the image, groups, depth multipliers, batches)
 * runs every value type (int8; float32, float16 and int8 dequantised in the
 * float kernels) with every layout (dense; a bitmap over scattered zeros
 * and over whole zero channels; a channel mask), per-tensor and
 * per-channel requantisation, with and without bias. Outputs carry guard
 * bytes.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_kernels.h"
#include "../target-stub/engine/nn_math.h"
#include "check_util.h"
#include "compress/weights.h"

#define GUARD 64
#define GUARD_BYTE 0xA5

static uint32_t rng = 2463534242u;

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

/* Value types of the table: the int8 kernel, and the float kernel reading
 * float32, float16 or int8 (hybrid) weights. */
enum { V_S8, V_F32, V_F16, V_HYB, N_VALUES };
/* Zero patterns and the layout that stores them. */
enum { P_DENSE, P_BITMAP, P_BITMAP_CHANNELS, P_CHANNELS, N_PATTERNS };

static const char *const value_names[] = {"int8", "float32", "float16", "hybrid"};
static const char *const pattern_names[] = {"dense", "bitmap", "bitmap over channels",
                                            "channels"};

typedef struct {
    const char *name;
    int op;                 /* NN_OP_FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D */
    int n, h, w, c;         /* input; FC: batches n, depth c */
    int kh, kw, m, groups;  /* CONV_2D: m outputs; DEPTHWISE: multiplier; FC: units */
    int sh, sw, dh, dw, same;
} geo;

static const geo geos[] = {
    {"fc", NN_OP_FULLY_CONNECTED, 3, 1, 1, 37, 1, 1, 9, 1, 1, 1, 1, 1, 0},
    {"fc wide", NN_OP_FULLY_CONNECTED, 1, 1, 1, 200, 1, 1, 4, 1, 1, 1, 1, 1, 0},
    {"conv valid", NN_OP_CONV_2D, 1, 6, 5, 3, 3, 3, 5, 1, 1, 1, 1, 1, 0},
    {"conv same stride 2", NN_OP_CONV_2D, 2, 7, 6, 4, 3, 3, 6, 1, 2, 2, 1, 1, 1},
    {"conv dilation 2", NN_OP_CONV_2D, 1, 7, 7, 2, 3, 2, 4, 1, 1, 1, 2, 2, 1},
    {"conv window outside", NN_OP_CONV_2D, 1, 2, 2, 3, 2, 2, 3, 1, 1, 1, 3, 3, 1},
    {"conv groups", NN_OP_CONV_2D, 1, 5, 5, 6, 3, 3, 4, 2, 1, 1, 1, 1, 1},
    {"conv 1x1", NN_OP_CONV_2D, 1, 4, 4, 16, 1, 1, 12, 1, 1, 1, 1, 1, 1},
    /* 576 taps a filter: more than NN_K_PACKED_LIST stored unless sparse. */
    {"conv 3x3x64", NN_OP_CONV_2D, 1, 5, 5, 64, 3, 3, 4, 1, 1, 1, 1, 1, 1},
    {"dw valid", NN_OP_DEPTHWISE_CONV_2D, 1, 6, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 0},
    {"dw same stride 2 mult 2", NN_OP_DEPTHWISE_CONV_2D, 2, 7, 5, 3, 3, 3, 2, 1, 2, 2, 1, 1, 1},
    {"dw dilation", NN_OP_DEPTHWISE_CONV_2D, 1, 8, 8, 5, 3, 3, 1, 1, 1, 1, 2, 2, 1},
    {"dw window outside", NN_OP_DEPTHWISE_CONV_2D, 1, 2, 2, 2, 2, 2, 3, 1, 1, 1, 3, 3, 1},
    {"dw 8x8 taps", NN_OP_DEPTHWISE_CONV_2D, 1, 9, 9, 3, 8, 8, 1, 1, 1, 1, 1, 1, 1},
};

#define N_GEOS (int)(sizeof(geos) / sizeof(geos[0]))

/* TFLite's output size and leading pad of one axis. */
static void axis_out(int in, int k, int s, int d, int same, int *out, int *pad)
{
    int eff = (k - 1) * d + 1;
    *out = same ? (in + s - 1) / s : (in - eff) / s + 1;
    int total = (*out - 1) * s + eff - in;
    *pad = total > 0 ? total / 2 : 0;
}

typedef struct {
    nn_k_window win;
    nn_k_dims in_d, f_d, out_d;
    nn_k_fc_dims fc;
    int axis;            /* the filter's output-channel dimension */
    int f_dims[4], rank;
    size_t n_in, n_w, n_out;
    int channels;        /* output channels */
} shape;

static shape shape_of(const geo *g)
{
    shape s;
    memset(&s, 0, sizeof(s));
    if (g->op == NN_OP_FULLY_CONNECTED) {
        s.fc = (nn_k_fc_dims){g->n, g->c, g->m};
        s.rank = 2;
        s.f_dims[0] = g->m;
        s.f_dims[1] = g->c;
        s.n_in = (size_t)g->n * g->c;
        s.n_w = (size_t)g->m * g->c;
        s.n_out = (size_t)g->n * g->m;
        s.channels = g->m;
        return s;
    }
    int oh, ow, ph, pw;
    axis_out(g->h, g->kh, g->sh, g->dh, g->same, &oh, &ph);
    axis_out(g->w, g->kw, g->sw, g->dw, g->same, &ow, &pw);
    int c_out = g->op == NN_OP_CONV_2D ? g->m : g->c * g->m;
    s.win = (nn_k_window){{g->sh, g->sw}, {ph, pw}, {g->dh, g->dw}, {g->kh, g->kw}};
    s.in_d = (nn_k_dims){g->n, g->h, g->w, g->c};
    s.out_d = (nn_k_dims){g->n, oh, ow, c_out};
    if (g->op == NN_OP_CONV_2D)
        s.f_d = (nn_k_dims){c_out, g->kh, g->kw, g->c / g->groups};
    else
        s.f_d = (nn_k_dims){1, g->kh, g->kw, c_out};
    s.axis = g->op == NN_OP_CONV_2D ? 0 : 3;
    s.rank = 4;
    memcpy(s.f_dims, &s.f_d, sizeof(s.f_dims));
    s.n_in = (size_t)g->n * g->h * g->w * g->c;
    s.n_w = (size_t)s.f_d.n * s.f_d.h * s.f_d.w * s.f_d.c;
    s.n_out = (size_t)g->n * oh * ow * c_out;
    s.channels = c_out;
    return s;
}

/* Channel of element i of the filter along its output-channel axis. */
static int channel_of(const shape *s, size_t i)
{
    size_t inner = 1;
    for (int d = s->axis + 1; d < s->rank; d++)
        inner *= (size_t)s->f_dims[d];
    return (int)(i / inner % (size_t)s->f_dims[s->axis]);
}

/* Packs dense (count values of esize bytes) per pattern into buf; fills kw. */
static void pack(const shape *s, int pattern, const uint8_t *dense, size_t esize, uint8_t *buf,
                 nn_k_weights *kw)
{
    size_t bits = pattern == P_CHANNELS ? (size_t)s->channels : s->n_w;
    size_t mask = nn_blob_mask_bytes(bits);
    memset(buf, 0, mask);
    kw->mask = pattern == P_DENSE ? NULL : buf;
    kw->layout = pattern == P_DENSE ? NN_K_DENSE : pattern == P_CHANNELS ? NN_K_CHANNELS
                                                                       : NN_K_BITMAP;
    if (pattern == P_DENSE) {
        memcpy(buf, dense, s->n_w * esize);
        kw->values = buf;
        return;
    }
    uint8_t *v = buf + mask;
    kw->values = v;
    static const uint8_t zero[4];
    if (pattern == P_CHANNELS) {
        for (size_t i = 0; i < s->n_w; i++)
            if (memcmp(dense + i * esize, zero, esize)) {
                int c = channel_of(s, i);
                buf[c / 8] |= (uint8_t)(1u << (c % 8));
            }
        for (size_t i = 0; i < s->n_w; i++) {
            int c = channel_of(s, i);
            if (buf[c / 8] >> (c % 8) & 1) {
                memcpy(v, dense + i * esize, esize);
                v += esize;
            }
        }
        return;
    }
    for (size_t i = 0; i < s->n_w; i++)
        if (memcmp(dense + i * esize, zero, esize)) {
            buf[i / 8] |= (uint8_t)(1u << (i % 8));
            memcpy(v, dense + i * esize, esize);
            v += esize;
        }
}

static void *guarded(size_t bytes)
{
    uint8_t *p = malloc(bytes + GUARD);
    memset(p, GUARD_BYTE, bytes + GUARD);
    return p;
}

static void check_guard(const void *p, size_t bytes, const char *what)
{
    const uint8_t *b = p;
    for (size_t k = 0; k < GUARD; k++)
        ck_assert_msg(b[bytes + k] == GUARD_BYTE, "%s: wrote past the output", what);
}

/* One geometry, value type, pattern, requantisation and bias. */
static void run_case(int gi, int value, int pattern, int per_ch, int with_bias, uint32_t seed)
{
    const geo *g = &geos[gi];
    shape s = shape_of(g);
    char what[256];
    snprintf(what, sizeof(what), "%s, %s, %s, %s, %s", g->name, value_names[value],
             pattern_names[pattern], per_ch ? "per-channel" : "per-tensor",
             with_bias ? "bias" : "no bias");
    rng = seed;

    /* Zeros: scattered (about 60 %), or whole channels (about half). */
    uint8_t *zero = calloc(s.n_w, 1), *zero_ch = calloc((size_t)s.channels, 1);
    for (int c = 0; c < s.channels; c++)
        zero_ch[c] = c % 2 == 0 || next() % 3 == 0;
    for (size_t i = 0; i < s.n_w; i++)
        zero[i] = pattern == P_BITMAP ? next() % 5 < 3
                  : pattern == P_DENSE ? next() % 7 == 0
                                       : zero_ch[channel_of(&s, i)];

    int is_s8 = value == V_S8 || value == V_HYB;
    size_t esize = value == V_F32 ? 4 : value == V_F16 ? 2 : 1;
    uint8_t *dense = calloc(s.n_w, esize), *packed = calloc(s.n_w * esize + 64, 1);
    float *wf = calloc(s.n_w, sizeof(float)); /* float view for the f16 reference */
    for (size_t i = 0; i < s.n_w; i++) {
        if (zero[i])
            continue;
        if (is_s8) {
            int q = (int)(next() % 255) - 127;
            ((int8_t *)dense)[i] = (int8_t)(q ? q : 1);
        } else if (value == V_F32) {
            ((float *)dense)[i] = uniform(-1.5f, 1.5f);
        } else {
            uint16_t h = compress_f32_to_f16(uniform(-1.5f, 1.5f));
            ((uint16_t *)dense)[i] = h ? h : 0x3c00u;
            wf[i] = nn_f16_to_f32(((uint16_t *)dense)[i]);
        }
    }
    nn_k_weights kw;
    pack(&s, pattern, dense, esize, packed, &kw);
    float *scales = malloc((size_t)s.channels * sizeof(float));
    for (int c = 0; c < s.channels; c++)
        scales[c] = uniform(0.001f, 0.05f);
    kw.value = value == V_F32 ? NN_K_F32 : value == V_F16 ? NN_K_F16 : NN_K_S8;
    kw.scales = scales;
    kw.scale_stride = per_ch;

    if (value == V_S8) {
        int8_t *x = malloc(s.n_in), *y_ref = guarded(s.n_out), *y = guarded(s.n_out);
        int32_t *bias = malloc((size_t)s.channels * sizeof(int32_t));
        int32_t *mult = malloc((size_t)s.channels * sizeof(int32_t));
        int32_t *shift = malloc((size_t)s.channels * sizeof(int32_t));
        for (size_t i = 0; i < s.n_in; i++)
            x[i] = (int8_t)(next() % 256);
        for (int c = 0; c < s.channels; c++) {
            bias[c] = (int32_t)(next() % 20001) - 10000;
            mult[c] = (int32_t)(0x40000000u + next() % 0x3fffffffu);
            shift[c] = -(int32_t)(6 + next() % 8);
        }
        nn_k_requant rq = {mult, shift, per_ch};
        int32_t x_off = (int32_t)(next() % 256) - 127, y_off = (int32_t)(next() % 256) - 128;
        const int32_t *b = with_bias ? bias : NULL;
        if (g->op == NN_OP_FULLY_CONNECTED) {
            nn_k_fc_s8_params p = {x_off, 0, y_off, -128, 127};
            nn_k_fc_s8(&s.fc, &p, &rq, x, (const int8_t *)dense, b, y_ref);
            nn_k_fc_packed_s8(&s.fc, &p, &rq, x, &kw, b, y);
        } else {
            nn_k_conv_s8_params p = {x_off, y_off, -100, 120};
            if (g->op == NN_OP_CONV_2D) {
                nn_k_conv_s8(&s.win, &p, &rq, &s.in_d, x, &s.f_d, (const int8_t *)dense, b,
                             &s.out_d, y_ref);
                nn_k_conv_packed_s8(&s.win, &p, &rq, &s.in_d, x, &s.f_d, &kw, b, &s.out_d, y);
            } else {
                nn_k_dw_conv_s8(&s.win, &p, &rq, &s.in_d, x, &s.f_d, (const int8_t *)dense, b,
                                &s.out_d, y_ref);
                nn_k_dw_conv_packed_s8(&s.win, &p, &rq, &s.in_d, x, &s.f_d, &kw, b, &s.out_d,
                                       y);
            }
        }
        check_guard(y, s.n_out, what);
        ck_assert_msg(!memcmp(y, y_ref, s.n_out), "%s: differs from the dense kernel", what);
        free(x), free(y_ref), free(y), free(bias), free(mult), free(shift);
    } else {
        float *x = malloc(s.n_in * sizeof(float)), *bias = malloc((size_t)s.channels * 4);
        float *y_ref = guarded(s.n_out * 4), *y = guarded(s.n_out * 4);
        for (size_t i = 0; i < s.n_in; i++)
            x[i] = uniform(-2.0f, 2.0f);
        for (int c = 0; c < s.channels; c++)
            bias[c] = uniform(-1.0f, 1.0f);
        const float *b = with_bias ? bias : NULL;
        const float *wref = value == V_F16 ? wf : (const float *)dense;
        float lo = -3.0f, hi = 50.0f;
        nn_k_dequant dq = {scales, per_ch, 0};
        if (g->op == NN_OP_FULLY_CONNECTED) {
            if (value == V_HYB)
                nn_k_fc_hybrid(&s.fc, lo, hi, x, (const int8_t *)dense, scales, per_ch, 0, b,
                               y_ref);
            else
                nn_k_fc_f32(&s.fc, lo, hi, x, wref, b, y_ref);
            nn_k_fc_packed_f32(&s.fc, lo, hi, x, &kw, b, y);
        } else if (g->op == NN_OP_CONV_2D) {
            if (value == V_HYB)
                nn_k_conv_hybrid(&s.win, lo, hi, &dq, &s.in_d, x, &s.f_d,
                                 (const int8_t *)dense, b, &s.out_d, y_ref);
            else
                nn_k_conv_f32(&s.win, lo, hi, &s.in_d, x, &s.f_d, wref, b, &s.out_d, y_ref);
            nn_k_conv_packed_f32(&s.win, lo, hi, &s.in_d, x, &s.f_d, &kw, b, &s.out_d, y);
        } else {
            if (value == V_HYB)
                nn_k_dw_conv_hybrid(&s.win, lo, hi, &dq, &s.in_d, x, &s.f_d,
                                    (const int8_t *)dense, b, &s.out_d, y_ref);
            else
                nn_k_dw_conv_f32(&s.win, lo, hi, &s.in_d, x, &s.f_d, wref, b, &s.out_d, y_ref);
            nn_k_dw_conv_packed_f32(&s.win, lo, hi, &s.in_d, x, &s.f_d, &kw, b, &s.out_d, y);
        }
        check_guard(y, s.n_out * 4, what);
        for (size_t i = 0; i < s.n_out; i++)
            ck_assert_msg(!memcmp(&y[i], &y_ref[i], 4), "%s: output %zu is %a, dense %a",
                          what, i, (double)y[i], (double)y_ref[i]);
        free(x), free(bias), free(y_ref), free(y);
    }
    free(zero), free(zero_ch), free(dense), free(packed), free(wf), free(scales);
}

/* One table entry: geometry x value type x pattern; each with per-tensor
 * and per-channel requantisation, with and without bias. */
START_TEST(packed_equals_dense)
{
    int gi = _i / (N_VALUES * N_PATTERNS), value = _i / N_PATTERNS % N_VALUES;
    for (int k = 0; k < 4; k++)
        run_case(gi, value, _i % N_PATTERNS, k % 2, k / 2, 2463534242u + (uint32_t)(4 * _i + k));
}
END_TEST

/* Every half converts exactly: compared with the host's float arithmetic
 * (man x 2^(exp - 25) built with ldexp), and back through the writer's
 * rounding to the same bits. */
START_TEST(half_to_float_exact)
{
    for (uint32_t h = 0; h < 0x10000u; h++) {
        float f = nn_f16_to_f32((uint16_t)h);
        uint32_t e = h >> 10 & 0x1f, m = h & 0x3ff;
        double want = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY)
                                                       : ldexp(1024 + m, (int)e - 25);
        if (h & 0x8000)
            want = -want;
        if (e == 31 && m) {
            ck_assert_msg(isnan(f), "half %04x should be NaN", h);
            continue;
        }
        ck_assert_msg((double)f == want && !signbit(f) == !signbit(want),
                      "half %04x: %a, expected %a", h, (double)f, want);
        ck_assert_msg(compress_f32_to_f16(f) == h, "half %04x does not round trip", h);
    }
}
END_TEST

/* Rounding of floats to half: to nearest, ties to even, overflow to
 * infinity, underflow through the subnormals to zero. */
START_TEST(float_to_half_rounds)
{
    static const struct {
        float f;
        uint16_t h;
    } cases[] = {
        {1.0f, 0x3c00},          {-2.0f, 0xc000},         {65504.0f, 0x7bff},
        {65519.0f, 0x7bff},      {65520.0f, 0x7c00},      {1e9f, 0x7c00},
        {1.0f + 0x1p-11f, 0x3c00}, /* tie, to even */
        {1.0f + 0x3p-11f, 0x3c02}, /* tie, to even (up) */
        {1.0f + 0x1.8p-11f, 0x3c01},
        {0x1p-24f, 0x0001},      {0x1p-25f, 0x0000},      {0x1.8p-25f, 0x0001},
        {0x3p-25f, 0x0002},      {0x1p-14f, 0x0400},      {0x1.ff8p-15f, 0x03ff},
        {0x1.ffcp-15f, 0x0400}, /* tie between the largest subnormal and 2^-14 */
        {-0.0f, 0x8000},         {0x1p-30f, 0x0000},
    };
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++)
        ck_assert_msg(compress_f32_to_f16(cases[k].f) == cases[k].h, "%a: %04x, expected %04x",
                      (double)cases[k].f, compress_f32_to_f16(cases[k].f), cases[k].h);
    ck_assert_int_eq(compress_f32_to_f16(INFINITY), 0x7c00);
    ck_assert(isnan(nn_f16_to_f32(compress_f32_to_f16(NAN))));
}
END_TEST

static Suite *sparse_suite(void)
{
    Suite *s = suite_create("sparse");
    TCase *tk = tcase_create("kernels");
    tcase_add_loop_test(tk, packed_equals_dense, 0, N_GEOS * N_VALUES * N_PATTERNS);
    suite_add_tcase(s, tk);
    TCase *th = tcase_create("half");
    tcase_add_test(th, half_to_float_exact);
    tcase_add_test(th, float_to_half_rounds);
    suite_add_tcase(s, th);
    return s;
}

HBT_MAIN(sparse_suite)
