/*
 * nn_k_pool.c: AVERAGE_POOL_2D and MAX_POOL_2D kernels (reference).
 *
 * Each window is clipped to the image first; the average divides by the
 * taps inside, as TFLite does. Taps are dilation apart (1 for TFLite's
 * pools; more for dilated ONNX max pools). The int8 average rounds half away from zero
 * with integer division ((sum +- count / 2) / count) and needs no
 * requantisation because input and output share scale and zero point.
 */
#include "../nn_kernels.h"

/* One output position's window, clipped to the image: taps
 * [ky0, ky1) x [kx0, kx1) relative to the origin (y0, x0). */
typedef struct {
    int y0, x0, ky0, ky1, kx0, kx1;
} span;

/* The taps [k0, k1) of a window starting at o (taps d apart) that land
 * in [0, size). */
static void taps_inside(int o, int size, int filter, int d, int *k0, int *k1)
{
    int end = (size - o + d - 1) / d;
    *k0 = o < 0 ? (-o + d - 1) / d : 0;
    *k1 = end < filter ? end : filter;
}

static span span_at(const nn_k_window *win, const nn_k_dims *in_d, int oy, int ox)
{
    span s;
    s.y0 = oy * win->stride.h - win->padding.h;
    s.x0 = ox * win->stride.w - win->padding.w;
    taps_inside(s.y0, in_d->h, win->filter.h, win->dilation.h, &s.ky0, &s.ky1);
    taps_inside(s.x0, in_d->w, win->filter.w, win->dilation.w, &s.kx0, &s.kx1);
    return s;
}

static long at(const nn_k_dims *d, int b, int y, int x)
{
    return (((long)b * d->h + y) * d->w + x) * d->c;
}

/* Offset of tap (ky, kx) of window s, channel 0. */
static long tap_at(const nn_k_dims *d, const nn_k_window *win, const span *s, int b,
                   int ky, int kx)
{
    return at(d, b, s->y0 + ky * win->dilation.h, s->x0 + kx * win->dilation.w);
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

static int32_t clamp32(int32_t v, int32_t lo, int32_t hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void nn_k_avg_pool_s8(const nn_k_window *win, int32_t act_min,
                      int32_t act_max, const nn_k_dims *in_d,
                      const int8_t *input, const nn_k_dims *out_d,
                      int8_t *output)
{
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                span s = span_at(win, in_d, oy, ox);
                int32_t count = (s.ky1 - s.ky0) * (s.kx1 - s.kx0);
                int8_t *o = output + at(out_d, b, oy, ox);
                for (int c = 0; c < out_d->c; c++) {
                    int32_t sum = 0;
                    for (int ky = s.ky0; ky < s.ky1; ky++)
                        for (int kx = s.kx0; kx < s.kx1; kx++)
                            sum += input[tap_at(in_d, win, &s, b, ky, kx) + c];
                    int32_t avg = sum > 0 ? (sum + count / 2) / count
                                          : (sum - count / 2) / count;
                    o[c] = (int8_t)clamp32(avg, act_min, act_max);
                }
            }
}

void nn_k_avg_pool_f32(const nn_k_window *win, float act_min, float act_max,
                       const nn_k_dims *in_d, const float *input,
                       const nn_k_dims *out_d, float *output)
{
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                span s = span_at(win, in_d, oy, ox);
                float count = (float)((s.ky1 - s.ky0) * (s.kx1 - s.kx0));
                float *o = output + at(out_d, b, oy, ox);
                for (int c = 0; c < out_d->c; c++) {
                    float sum = 0.0f;
                    for (int ky = s.ky0; ky < s.ky1; ky++)
                        for (int kx = s.kx0; kx < s.kx1; kx++)
                            sum += input[tap_at(in_d, win, &s, b, ky, kx) + c];
                    o[c] = clampf(sum / count, act_min, act_max);
                }
            }
}

void nn_k_max_pool_s8(const nn_k_window *win, int32_t act_min,
                      int32_t act_max, const nn_k_dims *in_d,
                      const int8_t *input, const nn_k_dims *out_d,
                      int8_t *output)
{
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                span s = span_at(win, in_d, oy, ox);
                int8_t *o = output + at(out_d, b, oy, ox);
                for (int c = 0; c < out_d->c; c++) {
                    int32_t m = -128;
                    for (int ky = s.ky0; ky < s.ky1; ky++)
                        for (int kx = s.kx0; kx < s.kx1; kx++) {
                            int32_t v = input[tap_at(in_d, win, &s, b, ky, kx) + c];
                            m = v > m ? v : m;
                        }
                    o[c] = (int8_t)clamp32(m, act_min, act_max);
                }
            }
}

void nn_k_max_pool_f32(const nn_k_window *win, float act_min, float act_max,
                       const nn_k_dims *in_d, const float *input,
                       const nn_k_dims *out_d, float *output)
{
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                span s = span_at(win, in_d, oy, ox);
                float *o = output + at(out_d, b, oy, ox);
                for (int c = 0; c < out_d->c; c++) {
                    float m = -3.40282347e38f; /* lowest finite float */
                    for (int ky = s.ky0; ky < s.ky1; ky++)
                        for (int kx = s.kx0; kx < s.kx1; kx++) {
                            float v = input[tap_at(in_d, win, &s, b, ky, kx) + c];
                            /* As std::max(m, v): a NaN tap leaves m as is. */
                            m = m < v ? v : m;
                        }
                    o[c] = clampf(m, act_min, act_max);
                }
            }
}

/* 16x8: as the int8 pools; the int32 sum of at most 65535 taps of int16
 * values cannot overflow. */
void nn_k_avg_pool_s16(const nn_k_window *win, const nn_k_act16 *p,
                       const nn_k_dims *in_d, const int16_t *input,
                       const nn_k_dims *out_d, int16_t *output)
{
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                span s = span_at(win, in_d, oy, ox);
                int32_t count = (s.ky1 - s.ky0) * (s.kx1 - s.kx0);
                int16_t *o = output + at(out_d, b, oy, ox);
                for (int c = 0; c < out_d->c; c++) {
                    int32_t sum = 0;
                    for (int ky = s.ky0; ky < s.ky1; ky++)
                        for (int kx = s.kx0; kx < s.kx1; kx++)
                            sum += input[tap_at(in_d, win, &s, b, ky, kx) + c];
                    int32_t avg = sum > 0 ? (sum + count / 2) / count
                                          : (sum - count / 2) / count;
                    o[c] = (int16_t)clamp32(avg, p->act_min, p->act_max);
                }
            }
}

void nn_k_max_pool_s16(const nn_k_window *win, const nn_k_act16 *p,
                       const nn_k_dims *in_d, const int16_t *input,
                       const nn_k_dims *out_d, int16_t *output)
{
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                span s = span_at(win, in_d, oy, ox);
                int16_t *o = output + at(out_d, b, oy, ox);
                for (int c = 0; c < out_d->c; c++) {
                    int32_t m = INT16_MIN;
                    for (int ky = s.ky0; ky < s.ky1; ky++)
                        for (int kx = s.kx0; kx < s.kx1; kx++) {
                            int32_t v = input[tap_at(in_d, win, &s, b, ky, kx) + c];
                            m = v > m ? v : m;
                        }
                    o[c] = (int16_t)clamp32(m, p->act_min, p->act_max);
                }
            }
}
