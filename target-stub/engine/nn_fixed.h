/*
 * nn_fixed.h: integer arithmetic of TFLite's int8 scheme.
 *
 * Namespace: nn_fx_.
 *
 * A real multiplier M is stored as a Q31 integer m in [2^30, 2^31) and a
 * power-of-two exponent s with M = m / 2^31 * 2^s. Requantising x is
 * "rounding doubling high multiply" by m, then a rounding right shift
 * (round half away from zero), exactly as TFLite's reference kernels do.
 * Results are identical on every platform: only int32/int64 arithmetic.
 */
#ifndef NN_FIXED_H
#define NN_FIXED_H

#include <stdint.h>

/* (a * b * 2) >> 32 with round-to-nearest; saturates the one overflow case
 * a == b == INT32_MIN. */
static inline int32_t nn_fx_doubling_high_mul(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN)
        return INT32_MAX;
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
    /* Division, not shift: truncation towards zero is part of the rule. */
    return (int32_t)((ab + nudge) / ((int64_t)1 << 31));
}

/* x / 2^exponent, rounding half away from zero. exponent in [0, 31]. */
static inline int32_t nn_fx_rounding_shift(int32_t x, int exponent)
{
    int32_t mask = (int32_t)(((int64_t)1 << exponent) - 1);
    int32_t remainder = x & mask;
    int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* x * M for M = (multiplier, shift) as described above. */
static inline int32_t nn_fx_mul_by_quantized(int32_t x, int32_t multiplier,
                                             int shift)
{
    int left = shift > 0 ? shift : 0;
    int right = shift > 0 ? 0 : -shift;
    int32_t scaled = (int32_t)((uint32_t)x << left);
    return nn_fx_rounding_shift(nn_fx_doubling_high_mul(scaled, multiplier),
                                right);
}

/* x * M for a 64-bit accumulator (TFLite's 16x8 kernels): the multiplier is
 * first rounded to 16 bits (Q15), then one rounding shift of 15 - shift
 * bits, halves rounding up. Needs |x| < 2^47 and shift in [-31, 7]; the
 * result stays in 64 bits so that the caller clamps before narrowing. */
static inline int64_t nn_fx_mul_by_quantized64(int64_t x, int32_t multiplier,
                                               int shift)
{
    int32_t reduced = multiplier < 0x7FFF0000 ? (multiplier + (1 << 15)) >> 16
                                              : 0x7FFF;
    int total = 15 - shift;
    return (x * reduced + ((int64_t)1 << (total - 1))) >> total;
}

static inline int32_t nn_fx_clamp(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

#endif
