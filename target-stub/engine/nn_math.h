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

/* x rounded to an integer, halves away from zero (C's roundf). Infinity
 * and NaN are returned unchanged. */
float nn_roundf(float x);

/* x rounded half away from zero, saturated to [lo, hi]; NaN gives lo.
 * The float-to-int step of TFLite's affine quantisation, without the
 * undefined conversion of out-of-range values. */
int32_t nn_round_sat(float x, int32_t lo, int32_t hi);

#endif
