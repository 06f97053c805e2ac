/*
 * nn_k_fc.c: FULLY_CONNECTED kernels (reference).
 *
 * The int8 kernel follows TFLite's integer rule: accumulate
 * (w + w_off)(x + x_off) in int32, add the bias, requantise, add the output
 * zero point, clamp. The float kernels accumulate in the weights' order so
 * that results match a straightforward float32 dot product.
 */
#include "../nn_fixed.h"
#include "../nn_kernels.h"

/* The dot product is a leaf function when optimising for size (the
 * firmware, -Os): inlined beside the requantisation, GCC runs out of
 * registers there and reloads both offsets from the stack for every MAC on
 * the Cortex-M4. At -O2 (the host) inlining it is faster. */
#if defined(__GNUC__) && defined(__OPTIMIZE_SIZE__)
#define LEAF __attribute__((noinline))
#else
#define LEAF
#endif

/* sum over k < n of (w[k] + w_off) (x[k] + x_off), in order. */
static LEAF int32_t dot_s8(const int8_t *x, const int8_t *w, int n, int32_t x_off,
                           int32_t w_off)
{
    int32_t acc = 0;
    if (n <= 0)
        return 0;
    do /* counted down, tested at the bottom: a MAC is 7 M4 instructions */
        acc += ((int32_t)*w++ + w_off) * ((int32_t)*x++ + x_off);
    while (--n);
    return acc;
}

void nn_k_fc_s8(const nn_k_fc_dims *d, const nn_k_fc_s8_params *p,
                const nn_k_requant *rq, const int8_t *input,
                const int8_t *weights, const int32_t *bias, int8_t *output)
{
    for (int b = 0; b < d->batches; b++) {
        const int8_t *x = input + (long)b * d->depth;
        for (int u = 0; u < d->units; u++) {
            int32_t acc = dot_s8(x, weights + (long)u * d->depth, d->depth, p->input_offset,
                                 p->weights_offset);
            if (bias)
                acc += bias[u];
            int c = u * rq->stride;
            acc = nn_fx_mul_by_quantized(acc, rq->mult[c], rq->shift[c]);
            acc += p->output_offset;
            output[(long)b * d->units + u] =
                (int8_t)nn_fx_clamp(acc, p->act_min, p->act_max);
        }
    }
}

static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

void nn_k_fc_f32(const nn_k_fc_dims *d, float act_min, float act_max,
                 const float *input, const float *weights, const float *bias,
                 float *output)
{
    for (int b = 0; b < d->batches; b++) {
        const float *x = input + (long)b * d->depth;
        for (int u = 0; u < d->units; u++) {
            const float *w = weights + (long)u * d->depth;
            float acc = 0.0f;
            for (int k = 0; k < d->depth; k++)
                acc += x[k] * w[k];
            if (bias)
                acc += bias[u];
            output[(long)b * d->units + u] = clampf(acc, act_min, act_max);
        }
    }
}

void nn_k_fc_hybrid(const nn_k_fc_dims *d, float act_min, float act_max,
                    const float *input, const int8_t *weights,
                    const float *scales, int scale_stride, int32_t weights_zp,
                    const float *bias, float *output)
{
    for (int b = 0; b < d->batches; b++) {
        const float *x = input + (long)b * d->depth;
        for (int u = 0; u < d->units; u++) {
            const int8_t *w = weights + (long)u * d->depth;
            float s = scales[u * scale_stride];
            float acc = 0.0f;
            for (int k = 0; k < d->depth; k++)
                acc += x[k] * ((float)((int32_t)w[k] - weights_zp) * s);
            if (bias)
                acc += bias[u];
            output[(long)b * d->units + u] = clampf(acc, act_min, act_max);
        }
    }
}

/* 16x8: int16 input and output (zero points 0), int8 weights (zero point
 * 0), int64 accumulator and bias. */
void nn_k_fc_s16(const nn_k_fc_dims *d, const nn_k_act16 *p,
                 const nn_k_requant *rq, const int16_t *input,
                 const int8_t *weights, const int64_t *bias, int16_t *output)
{
    for (int b = 0; b < d->batches; b++) {
        const int16_t *x = input + (long)b * d->depth;
        for (int u = 0; u < d->units; u++) {
            const int8_t *w = weights + (long)u * d->depth;
            int64_t acc = 0;
            for (int k = 0; k < d->depth; k++)
                acc += (int32_t)w[k] * (int32_t)x[k];
            if (bias)
                acc += bias[u];
            int c = u * rq->stride;
            int64_t v = nn_fx_mul_by_quantized64(acc, rq->mult[c], rq->shift[c]);
            output[(long)b * d->units + u] =
                (int16_t)(v < p->act_min ? p->act_min : (v > p->act_max ? p->act_max : v));
        }
    }
}
