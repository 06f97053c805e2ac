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
