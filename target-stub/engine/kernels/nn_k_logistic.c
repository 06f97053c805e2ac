/*
 * nn_k_logistic.c: LOGISTIC kernels (reference).
 *
 * int8: TFLite's integer rule. The offset input is scaled into Q4.27 by a
 * multiplier and left shift from the host; inputs at or beyond the radius
 * (where Q4.27 would overflow, and the result is saturated anyway) map
 * straight to the ends of the range. The Q0.31 logistic is rounded to units
 * of 1/256 with zero point -128.
 *
 * float: 1 / (1 + e^-x), with TFLite's cut-offs: 1 above 16.619..., where
 * the float result is already 1, and e^x below -9, where 1 + e^-x would
 * lose e^x's precision.
 */
#include "../nn_fixed_q.h"
#include "../nn_kernels.h"
#include "../nn_math.h"

enum { IN_INT_BITS = 4, OUT_FRAC_BITS = 8 };

void nn_k_logistic_s8(const nn_k_logistic_s8_params *p, int count,
                      const int8_t *input, int8_t *output)
{
    for (int i = 0; i < count; i++) {
        int32_t x = (int32_t)input[i] - p->in_zero_point;
        if (x <= -p->radius) {
            output[i] = INT8_MIN;
        } else if (x >= p->radius) {
            output[i] = INT8_MAX;
        } else {
            int32_t q4 = nn_fx_mul_by_quantized(x, p->mult, p->shift);
            int32_t y = nn_fx_rounding_shift(nn_fx_logistic(q4, IN_INT_BITS),
                                             31 - OUT_FRAC_BITS);
            output[i] = (int8_t)nn_fx_clamp(y + INT8_MIN, INT8_MIN, INT8_MAX);
        }
    }
}

void nn_k_logistic_f32(int count, const float *input, float *output)
{
    const float upper = 16.619047164916992188f;
    const float lower = -9.0f;
    for (int i = 0; i < count; i++) {
        float x = input[i];
        if (x > upper)
            output[i] = 1.0f;
        else if (x < lower)
            output[i] = nn_expf(x);
        else
            output[i] = 1.0f / (1.0f + nn_expf(-x));
    }
}

/* 16x8: TFLite's int16 logistic. The input is brought to units of
 * 1 / (3 x 4096); |x| >> 9 indexes a table of sigmoid(k / 24) (Q0.16), the
 * low 9 bits interpolate; negative inputs use 1 - sigmoid(|x|). Unsigned
 * arithmetic throughout, as in TFLite. */
void nn_k_logistic_s16(const nn_k_logistic_s16_params *p, int count,
                       const int16_t *input, int16_t *output)
{
    int32_t mult = p->mult, shift = p->shift;
    if (mult == 0) { /* power-of-two input scale */
        mult = 3 << shift;
        shift = 0;
    }
    int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    for (int i = 0; i < count; i++) {
        int32_t x = ((int32_t)input[i] * mult + round) >> shift;
        uint32_t ax = (uint32_t)(x < 0 ? -x : x);
        uint32_t uh = ax >> 9, r;
        if (uh >= 255) {
            r = 0x7FFFu << 10;
        } else {
            uint32_t ua = p->table[uh], ub = p->table[uh + 1];
            r = (ua << 9) + (ax & 0x1FFu) * (ub - ua);
        }
        r = x >= 0 ? r + (1u << 9) : (1u << 25) - r + (1u << 9) - 1u;
        r >>= 10;
        output[i] = (int16_t)(r > 32767u ? 32767u : r);
    }
}
