/*
 * nn_fixed_q.h: Q-format fixed-point functions of TFLite's integer softmax
 * and logistic.
 *
 * Namespace: nn_fx_ (with nn_fixed.h).
 *
 * A raw int32 r in format Qk (k integer bits) stands for r / 2^(31 - k).
 * A product of Qa and Qb values is a Q(a+b) value computed with
 * nn_fx_doubling_high_mul; changing format is a rounding right shift or a
 * saturating left shift. These are the rules of gemmlowp's FixedPoint
 * class, which TFLite's reference kernels use; every step below rounds
 * exactly where that arithmetic rounds, so results are bit-exact with it.
 * The constants are the Q0.31 (or Q2.29) values of the real numbers named
 * beside them, rounded to nearest.
 */
#ifndef NN_FIXED_Q_H
#define NN_FIXED_Q_H

#include <stdint.h>

#include "nn_fixed.h"

/* x * 2^e for e in [0, 31), saturating to the int32 range. */
static inline int32_t nn_fx_sat_shl(int32_t x, int e)
{
    int32_t limit = (int32_t)((1u << (31 - e)) - 1u);
    if (x > limit)
        return INT32_MAX;
    if (x < -limit)
        return INT32_MIN;
    return (int32_t)((uint32_t)x << e);
}

/* x / 2^e rounding half away from zero, for e in [0, 62]: the same rule as
 * nn_fx_rounding_shift, also defined past 31 (where it gives 0 or +-1). */
static inline int32_t nn_fx_rounding_shift_wide(int32_t x, int e)
{
    int64_t v = x;
    int64_t mask = ((int64_t)1 << e) - 1;
    int64_t threshold = (mask >> 1) + (v < 0 ? 1 : 0);
    return (int32_t)((v >> e) + ((v & mask) > threshold ? 1 : 0));
}

/* (a + b) / 2, rounding half away from zero, without overflow. */
static inline int32_t nn_fx_rounding_half_sum(int32_t a, int32_t b)
{
    int64_t sum = (int64_t)a + b;
    return (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
}

/* Leading zero bits of x (32 for 0). */
static inline int nn_fx_clz(uint32_t x)
{
    int n = 0;
    if (!x)
        return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

/* e^a for a in [-1/4, 0), Q0.31 in and out: the Taylor series to a^4
 * around -1/8, evaluated in x = a + 1/8. */
static inline int32_t nn_fx_exp_quarter(int32_t a)
{
    const int32_t exp_m1_8 = 1895147668; /* e^(-1/8) */
    const int32_t third = 715827883;     /* 1/3 */
    int32_t x = a + (1 << 28);
    int32_t x2 = nn_fx_doubling_high_mul(x, x);
    int32_t x3 = nn_fx_doubling_high_mul(x2, x);
    int32_t x4 = nn_fx_doubling_high_mul(x2, x2);
    int32_t x4_4 = nn_fx_rounding_shift(x4, 2);
    /* ((x^4/4 + x^3) / 3 + x^2) / 2 = x^2/2 + x^3/6 + x^4/24 */
    int32_t tail = nn_fx_rounding_shift(
        nn_fx_doubling_high_mul(x4_4 + x3, third) + x2, 1);
    return exp_m1_8 + nn_fx_doubling_high_mul(exp_m1_8, x + tail);
}

/* e^a for a <= 0 in Q(int_bits), int_bits in [2, 6]; result Q0.31.
 * a = -(n/4) + f with f in [-1/4, 0): e^f from the series, then one factor
 * e^(-2^j) for every bit 2^j set in n/4. Below -32 (int_bits > 5) the
 * result is 0; e^0 is the largest Q0.31 value. */
static inline int32_t nn_fx_exp_neg(int32_t a, int int_bits)
{
    static const int32_t factor[7] = {
        1672461947, /* e^(-1/4) */
        1302514674, /* e^(-1/2) */
        790015084,  /* e^(-1) */
        290630308,  /* e^(-2) */
        39332535,   /* e^(-4) */
        720401,     /* e^(-8) */
        242,        /* e^(-16) */
    };
    const int frac_bits = 31 - int_bits;
    const int32_t quarter = (int32_t)1 << (frac_bits - 2);
    int32_t f = (a & (quarter - 1)) - quarter;
    int32_t result = nn_fx_exp_quarter(nn_fx_sat_shl(f, int_bits));
    /* n/4, the part of -a taken off; unsigned, as it may wrap for a == 0. */
    uint32_t taken = (uint32_t)f - (uint32_t)a;
    for (int j = 0; j < 7 && j - 2 < int_bits; j++)
        if (taken & (1u << (frac_bits - 2 + j)))
            result = nn_fx_doubling_high_mul(result, factor[j]);
    if (int_bits > 5 && a < -((int32_t)1 << (frac_bits + 5)))
        result = 0;
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out: Newton-Raphson on the
 * half denominator d = (1 + a) / 2 in Q2.29, from the start 48/17 - 32/17 d,
 * three steps x += x (1 - d x), then x / 2. */
static inline int32_t nn_fx_one_over_one_plus(int32_t a)
{
    const int32_t c48_17 = 1515870810;      /* 48/17, Q2.29 */
    const int32_t c_m32_17 = -1010580540;   /* -32/17, Q2.29 */
    const int32_t one_q2 = (int32_t)1 << 29; /* 1, Q2.29 */
    int32_t d = nn_fx_rounding_half_sum(a, INT32_MAX);
    int32_t x = c48_17 + nn_fx_doubling_high_mul(d, c_m32_17);
    for (int i = 0; i < 3; i++) {
        int32_t err = one_q2 - nn_fx_doubling_high_mul(d, x);
        x += nn_fx_sat_shl(nn_fx_doubling_high_mul(x, err), 2);
    }
    return nn_fx_sat_shl(x, 1);
}

/* (1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out: the same
 * Newton-Raphson on the half denominator, then 1 / d - 1. */
static inline int32_t nn_fx_one_minus_over_one_plus(int32_t a)
{
    const int32_t c48_17 = 1515870810;      /* 48/17, Q2.29 */
    const int32_t c_m32_17 = -1010580540;   /* -32/17, Q2.29 */
    const int32_t one_q2 = (int32_t)1 << 29; /* 1, Q2.29 */
    int32_t d = nn_fx_rounding_half_sum(a, INT32_MAX);
    int32_t x = c48_17 + nn_fx_doubling_high_mul(d, c_m32_17);
    for (int i = 0; i < 3; i++) {
        int32_t err = one_q2 - nn_fx_doubling_high_mul(d, x);
        x += nn_fx_sat_shl(nn_fx_doubling_high_mul(x, err), 2);
    }
    return nn_fx_sat_shl(x - one_q2, 2);
}

/* tanh(a) for a in Q(int_bits), int_bits in [2, 5], |a| < 2^31; result
 * Q0.31: (1 - e^(-2|a|)) / (1 + e^(-2|a|)) (the raw -|a| read with one
 * more integer bit is -2|a|), negated for a negative a; 0 at 0. */
static inline int32_t nn_fx_tanh(int32_t a, int int_bits)
{
    if (a == 0)
        return 0;
    int32_t t = nn_fx_one_minus_over_one_plus(nn_fx_exp_neg(a < 0 ? a : -a, int_bits + 1));
    return a < 0 ? -t : t;
}

/* 1 / (1 + e^-a) for a in Q(int_bits), int_bits in [2, 6], with
 * |a| < 2^31; result Q0.31. Computed for |a| and mirrored (1 - y) for a
 * negative a; exactly 1/2 at 0. */
static inline int32_t nn_fx_logistic(int32_t a, int int_bits)
{
    if (a == 0)
        return (int32_t)1 << 30;
    int32_t y = nn_fx_one_over_one_plus(nn_fx_exp_neg(a > 0 ? -a : a, int_bits));
    return a > 0 ? y : INT32_MAX - y;
}

#endif
