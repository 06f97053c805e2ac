/*
 * nn_k_conv.c: CONV_2D and DEPTHWISE_CONV_2D kernels (reference).
 *
 * The int8 kernels follow TFLite's integer rule per output: accumulate
 * w * (x + input_offset) over the taps inside the image in int32, add the
 * bias, requantise with the channel's multiplier, add the output zero
 * point, clamp. Taps outside the image contribute nothing, which is the
 * same as padding with the input zero point.
 *
 * Each output position describes its in-image taps once, as a grid of
 * rows x columns of contiguous runs; both convolutions then sum grids, and
 * differ only in strides and where an output channel starts reading. The
 * float kernels sum rows, columns, then channels (TFLite's order), add the
 * bias last and clamp, so that float32 results match TFLite's reference
 * kernels. The hybrid kernels do the same with weights dequantised on the
 * fly.
 */
#include "../nn_fixed.h"
#include "../nn_kernels.h"

/* The in-image taps of one output position: rows x cols taps, each a run of
 * depth contiguous values, in the input from x_first and in the filter from
 * w_first (element offsets), taps x_row / x_col and w_row / w_col apart. */
typedef struct {
    int rows, cols, depth;
    long x_first, x_row, x_col;
    long w_first, w_row, w_col;
} tap_grid;

/* The taps [*lo, *hi) of a filter of k taps, dil apart, starting at origin,
 * that land inside [0, size). */
static inline void taps_inside(int origin, int k, int dil, int size, int *lo, int *hi)
{
    int last = size - 1 - origin; /* largest offset still inside */
    *lo = origin < 0 ? (-origin + dil - 1) / dil : 0;
    *hi = last < 0 ? 0 : last / dil + 1;
    if (*hi > k)
        *hi = k;
    if (*lo > *hi)
        *lo = *hi;
}

/* The grid of output (b, oy, ox) over filter taps w_col apart in the
 * filter. A dilated window can miss the image: then the grid is empty and
 * its offsets are 0. */
static inline tap_grid grid_at(const nn_k_window *win, const nn_k_dims *in_d,
                               const nn_k_dims *f_d, int b, int oy, int ox,
                               long w_col, int depth)
{
    tap_grid g = {0, 0, depth, 0, 0, 0, 0, 0, 0};
    int y0 = oy * win->stride.h - win->padding.h;
    int x0 = ox * win->stride.w - win->padding.w;
    int ky0, ky1, kx0, kx1;
    taps_inside(y0, f_d->h, win->dilation.h, in_d->h, &ky0, &ky1);
    taps_inside(x0, f_d->w, win->dilation.w, in_d->w, &kx0, &kx1);
    if (ky0 == ky1 || kx0 == kx1)
        return g;
    g.rows = ky1 - ky0;
    g.cols = kx1 - kx0;
    g.x_col = (long)win->dilation.w * in_d->c;
    g.x_row = (long)win->dilation.h * in_d->w * in_d->c;
    g.x_first = (((long)b * in_d->h + y0 + ky0 * win->dilation.h) * in_d->w + x0 +
                 kx0 * win->dilation.w) * in_d->c;
    g.w_col = w_col;
    g.w_row = f_d->w * w_col;
    g.w_first = ky0 * g.w_row + kx0 * w_col;
    /* Adjacent runs (groups of 1, no column dilation): one run per row. */
    if (g.x_col == depth && g.w_col == depth) {
        g.depth = depth * g.cols;
        g.cols = 1;
    }
    return g;
}

/* The sums are leaf functions on purpose: inlined into the loop nests,
 * GCC at -Os runs out of registers and spills the inner loop's pointers. */
#if defined(__GNUC__)
#define LEAF __attribute__((noinline))
#else
#define LEAF
#endif

/* acc plus a contiguous run of n products, in order. */
static LEAF int32_t run_s8(int32_t acc, const int8_t *x, const int8_t *w, int n,
                           int32_t x_off)
{
    for (int k = 0; k < n; k++)
        acc += (int32_t)w[k] * ((int32_t)x[k] + x_off);
    return acc;
}

static LEAF float run_f32(float acc, const float *x, const float *w, int n)
{
    for (int k = 0; k < n; k++)
        acc += x[k] * w[k];
    return acc;
}

/* Hybrid: weights dequantised as scale * (w - zp). */
static LEAF float run_hybrid(float acc, const float *x, const int8_t *w, int n,
                             int32_t zp, float scale)
{
    for (int k = 0; k < n; k++)
        acc += x[k] * ((float)((int32_t)w[k] - zp) * scale);
    return acc;
}

/* The sum over a grid: rows, columns, then each run (TFLite's order). Runs
 * of one value (depthwise) are summed in place. */
static LEAF int32_t sum_s8(const tap_grid *g, const int8_t *x, const int8_t *w,
                           int32_t x_off)
{
    int32_t acc = 0;
    for (int r = 0; r < g->rows; r++, x += g->x_row, w += g->w_row) {
        const int8_t *px = x, *pw = w;
        for (int c = 0; c < g->cols; c++, px += g->x_col, pw += g->w_col)
            acc = g->depth == 1 ? acc + (int32_t)*pw * ((int32_t)*px + x_off)
                                : run_s8(acc, px, pw, g->depth, x_off);
    }
    return acc;
}

static LEAF float sum_f32(const tap_grid *g, const float *x, const float *w)
{
    float acc = 0.0f;
    for (int r = 0; r < g->rows; r++, x += g->x_row, w += g->w_row) {
        const float *px = x, *pw = w;
        for (int c = 0; c < g->cols; c++, px += g->x_col, pw += g->w_col)
            acc = g->depth == 1 ? acc + *px * *pw : run_f32(acc, px, pw, g->depth);
    }
    return acc;
}

static LEAF float sum_hybrid(const tap_grid *g, const float *x, const int8_t *w,
                             int32_t zp, float scale)
{
    float acc = 0.0f;
    for (int r = 0; r < g->rows; r++, x += g->x_row, w += g->w_row) {
        const float *px = x;
        const int8_t *pw = w;
        for (int c = 0; c < g->cols; c++, px += g->x_col, pw += g->w_col)
            acc = run_hybrid(acc, px, pw, g->depth, zp, scale);
    }
    return acc;
}

static inline long at(const nn_k_dims *d, int b, int y, int x)
{
    return (((long)b * d->h + y) * d->w + x) * d->c;
}

static inline float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Requantises acc for output channel ch. The zero point is added in 64 bits
 * so that no multiplier can overflow the sum; in range this is TFLite's
 * int32 addition. */
static inline int8_t requant(int32_t acc, int ch, const nn_k_requant *rq,
                             const nn_k_conv_s8_params *p)
{
    int c = ch * rq->stride;
    int64_t v = (int64_t)nn_fx_mul_by_quantized(acc, rq->mult[c], rq->shift[c]) +
                p->output_offset;
    return (int8_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
}

/* CONV_2D: filter [C_OUT, KH, KW, C_F]; output channel oc reads the C_F
 * channels of its group and filter oc. ------------------------------------ */

void nn_k_conv_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                  const nn_k_requant *rq, const nn_k_dims *in_d,
                  const int8_t *input, const nn_k_dims *f_d,
                  const int8_t *filter, const int32_t *bias,
                  const nn_k_dims *out_d, int8_t *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const long f_size = (long)f_d->h * f_d->w * c_f;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, c_f, c_f);
                int8_t *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    int32_t acc = sum_s8(&g, input + g.x_first + oc / per_group * c_f,
                                         filter + oc * f_size + g.w_first, p->input_offset);
                    if (bias)
                        acc += bias[oc];
                    o[oc] = requant(acc, oc, rq, p);
                }
            }
}

void nn_k_conv_f32(const nn_k_window *win, float act_min, float act_max,
                   const nn_k_dims *in_d, const float *input,
                   const nn_k_dims *f_d, const float *filter,
                   const float *bias, const nn_k_dims *out_d, float *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const long f_size = (long)f_d->h * f_d->w * c_f;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, c_f, c_f);
                float *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    float acc = sum_f32(&g, input + g.x_first + oc / per_group * c_f,
                                        filter + oc * f_size + g.w_first);
                    o[oc] = clampf(acc + (bias ? bias[oc] : 0.0f), act_min, act_max);
                }
            }
}

void nn_k_conv_hybrid(const nn_k_window *win, float act_min, float act_max,
                      const nn_k_dequant *dq, const nn_k_dims *in_d,
                      const float *input, const nn_k_dims *f_d,
                      const int8_t *filter, const float *bias,
                      const nn_k_dims *out_d, float *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const long f_size = (long)f_d->h * f_d->w * c_f;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, c_f, c_f);
                float *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    float acc = sum_hybrid(&g, input + g.x_first + oc / per_group * c_f,
                                           filter + oc * f_size + g.w_first, dq->zero_point,
                                           dq->scales[oc * dq->stride]);
                    o[oc] = clampf(acc + (bias ? bias[oc] : 0.0f), act_min, act_max);
                }
            }
}

/* DEPTHWISE_CONV_2D: filter [1, KH, KW, C_OUT]; output channel oc reads
 * input channel oc / multiplier, one value per tap, C_OUT apart in the
 * filter. ---------------------------------------------------------------- */

void nn_k_dw_conv_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                     const nn_k_requant *rq, const nn_k_dims *in_d,
                     const int8_t *input, const nn_k_dims *f_d,
                     const int8_t *filter, const int32_t *bias,
                     const nn_k_dims *out_d, int8_t *output)
{
    const int mult = out_d->c / in_d->c;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, out_d->c, 1);
                int8_t *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    int32_t acc = sum_s8(&g, input + g.x_first + oc / mult,
                                         filter + g.w_first + oc, p->input_offset);
                    if (bias)
                        acc += bias[oc];
                    o[oc] = requant(acc, oc, rq, p);
                }
            }
}

void nn_k_dw_conv_f32(const nn_k_window *win, float act_min, float act_max,
                      const nn_k_dims *in_d, const float *input,
                      const nn_k_dims *f_d, const float *filter,
                      const float *bias, const nn_k_dims *out_d,
                      float *output)
{
    const int mult = out_d->c / in_d->c;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, out_d->c, 1);
                float *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    float acc = sum_f32(&g, input + g.x_first + oc / mult,
                                        filter + g.w_first + oc);
                    o[oc] = clampf(acc + (bias ? bias[oc] : 0.0f), act_min, act_max);
                }
            }
}

void nn_k_dw_conv_hybrid(const nn_k_window *win, float act_min,
                         float act_max, const nn_k_dequant *dq,
                         const nn_k_dims *in_d, const float *input,
                         const nn_k_dims *f_d, const int8_t *filter,
                         const float *bias, const nn_k_dims *out_d,
                         float *output)
{
    const int mult = out_d->c / in_d->c;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, out_d->c, 1);
                float *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    float acc = sum_hybrid(&g, input + g.x_first + oc / mult,
                                           filter + g.w_first + oc, dq->zero_point,
                                           dq->scales[oc * dq->stride]);
                    o[oc] = clampf(acc + (bias ? bias[oc] : 0.0f), act_min, act_max);
                }
            }
}

/* 16x8 ---------------------------------------------------------------------
 * int16 input and output, int8 filter, int64 accumulator and bias. Integer
 * sums do not depend on the order, so one grid walk serves both. */

static LEAF int64_t sum_s16(const tap_grid *g, const int16_t *x, const int8_t *w)
{
    int64_t acc = 0;
    for (int r = 0; r < g->rows; r++, x += g->x_row, w += g->w_row) {
        const int16_t *px = x;
        const int8_t *pw = w;
        for (int c = 0; c < g->cols; c++, px += g->x_col, pw += g->w_col)
            for (int k = 0; k < g->depth; k++)
                acc += (int32_t)pw[k] * (int32_t)px[k];
    }
    return acc;
}

static inline int16_t requant16(int64_t acc, int ch, const nn_k_requant *rq,
                                const nn_k_act16 *p)
{
    int c = ch * rq->stride;
    int64_t v = nn_fx_mul_by_quantized64(acc, rq->mult[c], rq->shift[c]);
    return (int16_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
}

void nn_k_conv_s16(const nn_k_window *win, const nn_k_act16 *p,
                   const nn_k_requant *rq, const nn_k_dims *in_d,
                   const int16_t *input, const nn_k_dims *f_d,
                   const int8_t *filter, const int64_t *bias,
                   const nn_k_dims *out_d, int16_t *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const long f_size = (long)f_d->h * f_d->w * c_f;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, c_f, c_f);
                int16_t *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    int64_t acc = sum_s16(&g, input + g.x_first + oc / per_group * c_f,
                                          filter + oc * f_size + g.w_first);
                    if (bias)
                        acc += bias[oc];
                    o[oc] = requant16(acc, oc, rq, p);
                }
            }
}

void nn_k_dw_conv_s16(const nn_k_window *win, const nn_k_act16 *p,
                      const nn_k_requant *rq, const nn_k_dims *in_d,
                      const int16_t *input, const nn_k_dims *f_d,
                      const int8_t *filter, const int64_t *bias,
                      const nn_k_dims *out_d, int16_t *output)
{
    const int mult = out_d->c / in_d->c;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                tap_grid g = grid_at(win, in_d, f_d, b, oy, ox, out_d->c, 1);
                int16_t *o = output + at(out_d, b, oy, ox);
                for (int oc = 0; oc < out_d->c; oc++) {
                    int64_t acc = sum_s16(&g, input + g.x_first + oc / mult,
                                          filter + g.w_first + oc);
                    if (bias)
                        acc += bias[oc];
                    o[oc] = requant16(acc, oc, rq, p);
                }
            }
}
