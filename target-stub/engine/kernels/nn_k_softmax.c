/*
 * nn_k_softmax.c: SOFTMAX kernels (reference), along the last dimension.
 *
 * int8: TFLite's integer softmax. Differences from the row maximum are
 * scaled by beta x input_scale into Q5.26 (the multiplier and left shift
 * are computed on the host); differences below diff_min are treated as
 * e^-inf = 0 because they cannot change the result. Exponentials in Q0.31
 * are summed in Q12.19, the sum's reciprocal is taken in Q0.31 after
 * normalising it into [1, 2), and each output is e^x / sum in units of
 * 1/256 with zero point -128.
 *
 * float: max-subtract, e^(beta x), sum, divide, in float32 as TFLite.
 */
#include "../nn_fixed_q.h"
#include "../nn_kernels.h"
#include "../nn_math.h"

enum {
    DIFF_INT_BITS = 5,  /* Q5.26 scaled differences: down to -32 */
    ACCUM_INT_BITS = 12 /* Q12.19 sum: up to 4096 terms of 1 */
};

static int32_t scaled_diff(const nn_k_softmax_s8_params *p, int32_t diff)
{
    /* |diff| <= -diff_min keeps diff x 2^shift within 31 x 2^26. */
    return nn_fx_doubling_high_mul((int32_t)((uint32_t)diff << p->shift),
                                   p->mult);
}

void nn_k_softmax_s8(const nn_k_softmax_dims *d,
                     const nn_k_softmax_s8_params *p, const int8_t *input,
                     int8_t *output)
{
    for (int r = 0; r < d->rows; r++) {
        const int8_t *x = input + (long)r * d->depth;
        int8_t *y = output + (long)r * d->depth;
        int32_t max = INT8_MIN;
        for (int c = 0; c < d->depth; c++)
            max = x[c] > max ? x[c] : max;

        /* The maximum contributes 2^19, so the sum is never 0. Past 4096
         * (where TFLite's int32 sum overflows) it saturates. */
        int64_t sum = 0;
        for (int c = 0; c < d->depth; c++) {
            int32_t diff = x[c] - max;
            if (diff >= p->diff_min)
                sum += nn_fx_rounding_shift( /* Q0.31 -> Q12.19 */
                    nn_fx_exp_neg(scaled_diff(p, diff), DIFF_INT_BITS),
                    ACCUM_INT_BITS);
        }
        int32_t sum32 = sum > INT32_MAX ? INT32_MAX : (int32_t)sum;

        /* sum = 2^over x (1 + m), m in [0, 1): reciprocal of 1 + m. */
        int lead = nn_fx_clz((uint32_t)sum32);
        int over = ACCUM_INT_BITS - lead;
        int32_t m = (int32_t)(((uint32_t)sum32 << lead) - 0x80000000u);
        int32_t recip = nn_fx_one_over_one_plus(m);

        for (int c = 0; c < d->depth; c++) {
            int32_t diff = x[c] - max;
            if (diff < p->diff_min) {
                y[c] = INT8_MIN;
                continue;
            }
            int32_t e = nn_fx_exp_neg(scaled_diff(p, diff), DIFF_INT_BITS);
            /* Q0.31 quotient to units of 1/256: shift by 31 - 8 + over. */
            int32_t v = nn_fx_rounding_shift_wide(
                nn_fx_doubling_high_mul(recip, e), over + 31 - 8);
            y[c] = (int8_t)nn_fx_clamp(v + INT8_MIN, INT8_MIN, INT8_MAX);
        }
    }
}

void nn_k_softmax_f32(const nn_k_softmax_dims *d, float beta,
                      const float *input, float *output)
{
    for (int r = 0; r < d->rows; r++) {
        const float *x = input + (long)r * d->depth;
        float *y = output + (long)r * d->depth;
        float max = -3.40282347e38f;
        for (int c = 0; c < d->depth; c++)
            max = max < x[c] ? x[c] : max;
        float sum = 0.0f;
        for (int c = 0; c < d->depth; c++) {
            y[c] = nn_expf((x[c] - max) * beta);
            sum += y[c];
        }
        for (int c = 0; c < d->depth; c++)
            y[c] = y[c] / sum;
    }
}

/* 16x8 ----------------------------------------------------------------------
 * TFLite's int16 softmax: table lookups instead of fixed-point series. A
 * table of 513 entries splits the int16 range into 512 intervals of 128;
 * the value is interpolated linearly, rounding the Q0.7 fraction. */
static int16_t lut_lookup(int16_t value, const int16_t *lut)
{
    int index = 256 + (value >> 7);
    int32_t offset = value & 0x7f;
    int16_t slope = (int16_t)(lut[index + 1] - lut[index]);
    return (int16_t)(lut[index] + (((int32_t)slope * offset + 64) >> 7));
}

static int16_t sat16(int32_t v)
{
    return (int16_t)(v < INT16_MIN ? INT16_MIN : (v > INT16_MAX ? INT16_MAX : v));
}

/* e^(x - max) in Q0.15: the difference scaled so that -65535 is -10, moved
 * to the table's symmetric input range. */
static int16_t exp_of(const nn_k_softmax_s16_params *p, int32_t diff)
{
    int32_t scaled = nn_fx_mul_by_quantized(diff, p->mult, p->shift);
    return lut_lookup(sat16(scaled + 32767), p->exp_lut);
}

void nn_k_softmax_s16(const nn_k_softmax_dims *d,
                      const nn_k_softmax_s16_params *p, const int16_t *input,
                      int16_t *output)
{
    for (int r = 0; r < d->rows; r++) {
        const int16_t *x = input + (long)r * d->depth;
        int16_t *y = output + (long)r * d->depth;
        int32_t max = INT16_MIN;
        for (int c = 0; c < d->depth; c++)
            max = x[c] > max ? x[c] : max;
        /* Q16.15; the maximum alone adds at least 2^14 (the op checks the
         * table), and depth <= 65535 keeps it inside int32. The exponentials
         * are computed again below rather than stored: the engine has no
         * scratch. */
        int32_t sum = 0;
        for (int c = 0; c < d->depth; c++)
            sum += exp_of(p, x[c] - max);
        /* sum = 2^m (1 + f), f in [0, 1): 1 / (1 + f) from the table, the
         * 2^m folded into the final shift. */
        int lead = nn_fx_clz((uint32_t)sum);
        int32_t shifted = (int32_t)((((int64_t)sum << (lead - 1)) + (1 << 13)) >> 14);
        int16_t recip = lut_lookup(sat16(shifted - ((1 << 15) + (1 << 16))), p->recip_lut);
        int right = 31 - lead;
        for (int c = 0; c < d->depth; c++) {
            int64_t v = ((int64_t)exp_of(p, x[c] - max) * recip +
                         ((int64_t)1 << (right - 1))) >> right;
            y[c] = (int16_t)(v < 0 ? 0 : (v > INT16_MAX ? INT16_MAX : v));
        }
    }
}
