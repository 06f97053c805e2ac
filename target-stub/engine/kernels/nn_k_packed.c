/*
 * nn_k_packed.c: FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D over packed
 * weights (nn_kernels.h): a bitmap of the stored elements, a mask of the
 * stored output channels, or dense half floats.
 *
 * One body per op and layout (nn_k_packed_impl.h), instantiated for four
 * value types: int8 in the integer kernels; float32, float16 and int8
 * dequantised (hybrid) in the float kernels. The products, the bias and
 * the requantisation are the dense kernels' expressions (nn_k_fc.c,
 * nn_k_conv.c), taken in their order, so results match them bit for bit
 * (the rule in nn_kernels.h); tests/check_sparse.c compares every kernel
 * with the dense reference on the same weights.
 *
 * Workload (Cortex-M4, docs/performance.md): a bitmap walk costs a word
 * load per 32 weights plus about 11 instructions per stored weight, against
 * 7 to 11 per weight in the dense loops. The convolutions therefore list a
 * filter's stored taps once (input offsets) and replay the list at every
 * output inside the image, about 7 per stored weight; only outputs at the
 * border walk the bitmap. Channel masks and dense float16 run dense loops.
 */
#include "../nn_fixed.h"
#include "../nn_kernels.h"
#include "../nn_math.h"

/* The walk's helpers run once per stored weight: inlined even at -Os, where
 * GCC would otherwise call them. */
#if defined(__GNUC__)
#define PK_INLINE static inline __attribute__((always_inline))
#else
#define PK_INLINE static inline
#endif

#if defined(__GNUC__)
#define PK_LEAF __attribute__((noinline))
#else
#define PK_LEAF
#endif

/* Bitmaps ------------------------------------------------------------------ */

PK_INLINE uint32_t pk_bit(const uint8_t *m, uint32_t i)
{
    return (uint32_t)(m[i >> 3] >> (i & 7)) & 1u;
}

PK_INLINE uint32_t pk_ctz(uint32_t x)
{
#if defined(__GNUC__)
    return (uint32_t)__builtin_ctz(x);
#else
    uint32_t n = 0;
    while (!(x & 1u))
        x >>= 1, n++;
    return n;
#endif
}

static inline uint32_t pk_pop8(uint32_t b)
{
    b = b - ((b >> 1) & 0x55u);
    b = (b & 0x33u) + ((b >> 2) & 0x33u);
    return (b + (b >> 4)) & 0x0fu;
}

/* Set bits of m in [lo, hi). */
static uint32_t pk_count(const uint8_t *m, uint32_t lo, uint32_t hi)
{
    uint32_t n = 0;
    while (lo < hi && (lo & 7))
        n += pk_bit(m, lo++);
    for (; lo + 8 <= hi; lo += 8)
        n += pk_pop8(m[lo >> 3]);
    while (lo < hi)
        n += pk_bit(m, lo++);
    return n;
}

/* The set bits of m in [lo, hi), a 32-bit word at a time (the mask is
 * 4-aligned and little-endian, as in the blob): each step gives the bits of
 * one word within the range and the bit index of its bit 0. */
typedef struct {
    const uint32_t *w;
    uint32_t at, hi;
} pk_walk;

PK_INLINE void pk_walk_init(pk_walk *k, const uint8_t *m, uint32_t lo, uint32_t hi)
{
    k->w = (const uint32_t *)(const void *)m;
    k->at = lo;
    k->hi = hi;
}

PK_INLINE int pk_word(pk_walk *k, uint32_t *base, uint32_t *bits)
{
    if (k->at >= k->hi)
        return 0;
    uint32_t b = k->at & ~31u, end = b + 32;
    uint32_t v = k->w[k->at >> 5] >> (k->at & 31) << (k->at & 31);
    if (end > k->hi) {
        v &= ~0u >> (end - k->hi);
        end = k->hi;
    }
    k->at = end;
    *base = b;
    *bits = v;
    return 1;
}

/* Windows ------------------------------------------------------------------ */

/* The in-image taps [ky0, ky1) x [kx0, kx1) of output (oy, ox), whose tap
 * (0, 0) reads input (y0, x0); empty when a dilated window misses. */
typedef struct {
    int y0, x0, ky0, ky1, kx0, kx1;
} pk_span;

PK_INLINE void pk_inside(int origin, int k, int dil, int size, int *lo, int *hi)
{
    int last = size - 1 - origin;
    if (dil == 1) { /* the common case, without divisions */
        *lo = origin < 0 ? -origin : 0;
        *hi = last < 0 ? 0 : last + 1;
    } else {
        *lo = origin < 0 ? (-origin + dil - 1) / dil : 0;
        *hi = last < 0 ? 0 : last / dil + 1;
    }
    if (*hi > k)
        *hi = k;
    if (*lo > *hi)
        *lo = *hi;
}

static pk_span pk_span_at(const nn_k_window *win, const nn_k_dims *in_d,
                          const nn_k_dims *f_d, int oy, int ox)
{
    pk_span s;
    s.y0 = oy * win->stride.h - win->padding.h;
    s.x0 = ox * win->stride.w - win->padding.w;
    pk_inside(s.y0, f_d->h, win->dilation.h, in_d->h, &s.ky0, &s.ky1);
    pk_inside(s.x0, f_d->w, win->dilation.w, in_d->w, &s.kx0, &s.kx1);
    if (s.ky0 == s.ky1 || s.kx0 == s.kx1)
        s.ky1 = s.ky0, s.kx1 = s.kx0;
    return s;
}

/* The in-image taps of a span as a grid: rows x cols, stepping through the
 * input (x_) and the stored values (v_; v_col apart along a filter row). */
typedef struct {
    int rows, cols;
    long x_row, x_col, v_row, v_col;
} pk_grid;

PK_INLINE pk_grid pk_grid_of(const pk_span *sp, const nn_k_window *win, const nn_k_dims *in_d,
                             const nn_k_dims *f_d, long v_col)
{
    pk_grid g;
    g.rows = sp->ky1 - sp->ky0;
    g.cols = sp->kx1 - sp->kx0;
    g.x_col = (long)win->dilation.w * in_d->c;
    g.x_row = (long)win->dilation.h * in_d->w * in_d->c;
    g.v_col = v_col;
    g.v_row = (long)f_d->w * v_col;
    return g;
}

PK_INLINE long pk_at(const nn_k_dims *d, int b, int y, int x)
{
    return (((long)b * d->h + y) * d->w + x) * d->c;
}

/* Finishing ---------------------------------------------------------------- */

typedef struct {
    int32_t in_off, out_off, act_min, act_max;
    const nn_k_requant *rq;
} pk_s8;

typedef struct {
    float act_min, act_max;
} pk_f32;

/* Bias, requantisation, output offset in 64 bits, clamp: nn_k_conv.c's
 * requant(), which is nn_k_fc_s8's wherever that does not overflow. */
static inline int8_t pk_fin_s8(int32_t acc, int c, const int32_t *bias, const pk_s8 *f)
{
    if (bias)
        acc += bias[c];
    int r = c * f->rq->stride;
    int64_t v = (int64_t)nn_fx_mul_by_quantized(acc, f->rq->mult[r], f->rq->shift[r]) +
                f->out_off;
    return (int8_t)(v < f->act_min ? f->act_min : (v > f->act_max ? f->act_max : v));
}

static inline float pk_clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* nn_k_fc_f32 adds the bias to the sum, the convolutions add it in the
 * clamp's argument; kept apart so each matches its dense kernel. */
static inline float pk_fin_fc_f32(float acc, int c, const float *bias, const pk_f32 *f)
{
    if (bias)
        acc += bias[c];
    return pk_clampf(acc, f->act_min, f->act_max);
}

static inline float pk_fin_conv_f32(float acc, int c, const float *bias, const pk_f32 *f)
{
    return pk_clampf(acc + (bias ? bias[c] : 0.0f), f->act_min, f->act_max);
}

/* Instantiations ------------------------------------------------------------ */

#define PK_FIN_FC(acc, c, bias, f) pk_fin_s8(acc, c, bias, f)
#define PK_FIN_CONV(acc, c, bias, f) pk_fin_s8(acc, c, bias, f)
#define PK_X int8_t
#define PK_Y int8_t
#define PK_ACC int32_t
#define PK_BIAS int32_t
#define PK_FIN pk_s8
#define PK_SCALE(w, c) 0.0f
#define PK_MAC(acc, x, wv) ((acc) + (wv) * ((int32_t)(x) + f->in_off))

#define PK_FN(name) name##_s8
#define PK_V int8_t
#define PK_LD(v, i, s) ((void)(s), (int32_t)(v)[i])
#include "nn_k_packed_impl.h"
#undef PK_FN
#undef PK_V
#undef PK_LD

#undef PK_FIN_FC
#undef PK_FIN_CONV
#undef PK_X
#undef PK_Y
#undef PK_ACC
#undef PK_BIAS
#undef PK_FIN
#undef PK_MAC
#define PK_FIN_FC(acc, c, bias, f) pk_fin_fc_f32(acc, c, bias, f)
#define PK_FIN_CONV(acc, c, bias, f) pk_fin_conv_f32(acc, c, bias, f)
#define PK_X float
#define PK_Y float
#define PK_ACC float
#define PK_BIAS float
#define PK_FIN pk_f32
#define PK_MAC(acc, x, wv) ((acc) + (x) * (wv))

#define PK_FN(name) name##_f32
#define PK_V float
#define PK_LD(v, i, s) ((void)(s), (v)[i])
#include "nn_k_packed_impl.h"
#undef PK_FN
#undef PK_V
#undef PK_LD

#define PK_FN(name) name##_f16
#define PK_V uint16_t
#define PK_LD(v, i, s) ((void)(s), nn_f16_to_f32((v)[i]))
#include "nn_k_packed_impl.h"
#undef PK_FN
#undef PK_V
#undef PK_LD

/* The dense hybrid kernels compute x * ((float)(q - zp) * scale); zp is 0. */
#undef PK_SCALE
#define PK_SCALE(w, c) ((w)->scales[(c) * (w)->scale_stride])
#define PK_FN(name) name##_hyb
#define PK_V int8_t
#define PK_LD(v, i, s) ((float)(int32_t)(v)[i] * (s))
#include "nn_k_packed_impl.h"

/* Entry points: tables by layout (and value type) ---------------------------- */

typedef void (*pk_fc_s8_fn)(const nn_k_fc_dims *, const pk_s8 *, const int8_t *,
                            const nn_k_weights *, const int32_t *, int8_t *);
typedef void (*pk_fc_f32_fn)(const nn_k_fc_dims *, const pk_f32 *, const float *,
                             const nn_k_weights *, const float *, float *);
typedef void (*pk_conv_s8_fn)(const nn_k_window *, const pk_s8 *, const nn_k_dims *,
                              const int8_t *, const nn_k_dims *, const nn_k_weights *,
                              const int32_t *, const nn_k_dims *, int8_t *);
typedef void (*pk_conv_f32_fn)(const nn_k_window *, const pk_f32 *, const nn_k_dims *,
                               const float *, const nn_k_dims *, const nn_k_weights *,
                               const float *, const nn_k_dims *, float *);

/* [layout]; the dense layout is the channel mask without a mask. */
static const pk_fc_s8_fn fc_s8[3] = {fc_channels_s8, fc_bitmap_s8, fc_channels_s8};
static const pk_conv_s8_fn conv_s8[3] = {conv_channels_s8, conv_bitmap_s8, conv_channels_s8};
static const pk_conv_s8_fn dw_s8[3] = {dw_channels_s8, dw_bitmap_s8, dw_channels_s8};

/* [layout][value]: float32, float16, int8 (hybrid). */
static const pk_fc_f32_fn fc_f32[3][3] = {
    {fc_channels_f32, fc_channels_f16, fc_channels_hyb},
    {fc_bitmap_f32, fc_bitmap_f16, fc_bitmap_hyb},
    {fc_channels_f32, fc_channels_f16, fc_channels_hyb},
};
static const pk_conv_f32_fn conv_f32[3][3] = {
    {conv_channels_f32, conv_channels_f16, conv_channels_hyb},
    {conv_bitmap_f32, conv_bitmap_f16, conv_bitmap_hyb},
    {conv_channels_f32, conv_channels_f16, conv_channels_hyb},
};
static const pk_conv_f32_fn dw_f32[3][3] = {
    {dw_channels_f32, dw_channels_f16, dw_channels_hyb},
    {dw_bitmap_f32, dw_bitmap_f16, dw_bitmap_hyb},
    {dw_channels_f32, dw_channels_f16, dw_channels_hyb},
};

void nn_k_fc_packed_s8(const nn_k_fc_dims *d, const nn_k_fc_s8_params *p,
                       const nn_k_requant *rq, const int8_t *input,
                       const nn_k_weights *w, const int32_t *bias, int8_t *output)
{
    pk_s8 f = {p->input_offset, p->output_offset, p->act_min, p->act_max, rq};
    fc_s8[w->layout](d, &f, input, w, bias, output);
}

void nn_k_fc_packed_f32(const nn_k_fc_dims *d, float act_min, float act_max,
                        const float *input, const nn_k_weights *w, const float *bias,
                        float *output)
{
    pk_f32 f = {act_min, act_max};
    fc_f32[w->layout][w->value](d, &f, input, w, bias, output);
}

void nn_k_conv_packed_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                         const nn_k_requant *rq, const nn_k_dims *in_d,
                         const int8_t *input, const nn_k_dims *f_d,
                         const nn_k_weights *w, const int32_t *bias,
                         const nn_k_dims *out_d, int8_t *output)
{
    pk_s8 f = {p->input_offset, p->output_offset, p->act_min, p->act_max, rq};
    conv_s8[w->layout](win, &f, in_d, input, f_d, w, bias, out_d, output);
}

void nn_k_conv_packed_f32(const nn_k_window *win, float act_min, float act_max,
                          const nn_k_dims *in_d, const float *input,
                          const nn_k_dims *f_d, const nn_k_weights *w,
                          const float *bias, const nn_k_dims *out_d, float *output)
{
    pk_f32 f = {act_min, act_max};
    conv_f32[w->layout][w->value](win, &f, in_d, input, f_d, w, bias, out_d, output);
}

void nn_k_dw_conv_packed_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                            const nn_k_requant *rq, const nn_k_dims *in_d,
                            const int8_t *input, const nn_k_dims *f_d,
                            const nn_k_weights *w, const int32_t *bias,
                            const nn_k_dims *out_d, int8_t *output)
{
    pk_s8 f = {p->input_offset, p->output_offset, p->act_min, p->act_max, rq};
    dw_s8[w->layout](win, &f, in_d, input, f_d, w, bias, out_d, output);
}

void nn_k_dw_conv_packed_f32(const nn_k_window *win, float act_min, float act_max,
                             const nn_k_dims *in_d, const float *input,
                             const nn_k_dims *f_d, const nn_k_weights *w,
                             const float *bias, const nn_k_dims *out_d, float *output)
{
    pk_f32 f = {act_min, act_max};
    dw_f32[w->layout][w->value](win, &f, in_d, input, f_d, w, bias, out_d, output);
}
