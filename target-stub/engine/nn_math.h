/*
 * nn_math.h: the few float functions the kernels need, without libm.
 *
 * Namespace: nn_ (engine-internal).
 *
 * The engine is freestanding, so it carries its own exponential. nn_expf
 * is within about one ulp of the correctly rounded result over the whole
 * float range (tests/check_ops_misc.c sweeps it against the host's expf and
 * reports the largest error), including subnormal results, overflow to
 * infinity and NaN propagation. Float32 arithmetic only: a Cortex-M4 has
 * no double-precision unit.
 */
#ifndef NN_MATH_H
#define NN_MATH_H

#include <stdint.h>

/* e^x. x > 88.72283 gives +inf, x < -103.97208 gives +0, NaN gives NaN. */
float nn_expf(float x);

/* Natural logarithm: within about one ulp for positive x (subnormals
 * included); +0 and -0 give -inf, negative x and NaN give NaN, +inf gives
 * +inf. */
float nn_logf(float x);

/* Hyperbolic tangent, within a few ulp: an odd Taylor polynomial for
 * |x| < 0.55, (1 - e^(-2|x|)) / (1 + e^(-2|x|)) above; NaN gives NaN. */
float nn_tanhf(float x);

/* x rounded to an integer, halves away from zero (C's roundf). Infinity
 * and NaN are returned unchanged. */
float nn_roundf(float x);

/* x rounded half away from zero, saturated to [lo, hi]; NaN gives lo.
 * The float-to-int step of TFLite's affine quantisation, without the
 * undefined conversion of out-of-range values. */
int32_t nn_round_sat(float x, int32_t lo, int32_t hi);

/* The float value of an IEEE-754 half (binary16) given as its bits: exact
 * for every half, subnormals, infinities and NaNs (payload kept) included.
 * Always inlined: the float16 weight kernels call it for every product. */
#if defined(__GNUC__)
__attribute__((always_inline))
#endif
static inline float nn_f16_to_f32(uint16_t h)
{
#if defined(__GNUC__) && defined(__ARM_FP) && (__ARM_FP & 4) &&                    \
    (defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__) ||                   \
     defined(__ARM_ARCH_8_1M_MAIN__))
    /* The FPUs of these cores (FPv4-SP, FPv5) convert halves in one
     * instruction, exactly; only a signalling NaN comes out quieted. GCC
     * advertises it only with -mfp16-format, hence the architecture test. */
    union { uint32_t u; float f; } in = {h};
    float f;
    __asm__("vcvtb.f32.f16 %0, %1" : "=t"(f) : "t"(in.f));
    return f;
#else
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (exp == 0x1fu) {
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp) {
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    } else if (!man) {
        bits = sign;
    } else {
        /* Subnormal: man x 2^-24; normalise to 1.m x 2^e. */
        uint32_t e = 113;
        do {
            man <<= 1;
            e--;
        } while (!(man & 0x400u));
        bits = sign | (e << 23) | ((man & 0x3ffu) << 13);
    }
    union { uint32_t u; float f; } v;
    v.u = bits;
    return v.f;
#endif
}

#endif
