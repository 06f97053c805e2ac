/*
 * nn_math.c: float32 exp and rounding without libm.
 *
 * nn_expf reduces x = k ln2 + r with |r| <= ln2 / 2 (Cody-Waite: ln2 split
 * into a head with trailing zero bits, so k * head is exact for every k in
 * range, and a tail), evaluates e^r as 1 + (r + r^2 q(r)) with q the Taylor
 * series to r^5 / 7! (truncation error below 6e-9, a tenth of an ulp), and
 * scales by 2^k through the exponent bits. Adding the 1 last keeps the
 * rounding error of the polynomial below the final rounding.
 */
#include "nn_math.h"

static float from_bits(uint32_t u)
{
    union { uint32_t u; float f; } v;
    v.u = u;
    return v.f;
}

/* 2^e for e in [-126, 127], built from the exponent field. */
static float pow2i(int32_t e)
{
    return from_bits((uint32_t)(e + 127) << 23);
}

float nn_expf(float x)
{
    const float log2e = 1.44269504088896341f;
    const float ln2_hi = 0.693145751953125f;        /* 0x3f317200 */
    const float ln2_lo = 1.42860682030941723212e-6f; /* ln2 - ln2_hi */

    if (x != x)
        return x + x;                /* NaN */
    if (x > 88.72283172607421875f)   /* largest x whose e^x is finite */
        return from_bits(0x7f800000u);
    if (x < -103.972084045410156f)   /* e^x below half the least subnormal */
        return 0.0f;

    float t = x * log2e;
    int32_t k = (int32_t)(t + (t < 0.0f ? -0.5f : 0.5f));
    float kf = (float)k;
    float r = (x - kf * ln2_hi) - kf * ln2_lo;

    float q = 1.0f / 5040.0f;
    q = q * r + 1.0f / 720.0f;
    q = q * r + 1.0f / 120.0f;
    q = q * r + 1.0f / 24.0f;
    q = q * r + 1.0f / 6.0f;
    q = q * r + 0.5f;
    float p = 1.0f + (r + r * r * q);

    if (k > 127)
        return p * pow2i(127) * 2.0f;
    if (k < -126)                    /* subnormal result: one rounding, last */
        return p * pow2i(k + 64) * pow2i(-64);
    return p * pow2i(k);
}

static uint32_t to_bits(float f)
{
    union { float f; uint32_t u; } v;
    v.f = f;
    return v.u;
}

/* x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s =
 * (m - 1) / (m + 1), |s| <= 0.1716, by its odd series to s^11 (truncation
 * below 2e-10). */
float nn_logf(float x)
{
    const float ln2_hi = 0.693145751953125f;
    const float ln2_lo = 1.42860682030941723212e-6f;
    uint32_t u = to_bits(x);
    int32_t e = 0;

    if (x != x || x < 0.0f)
        return from_bits(0x7fc00000u); /* NaN */
    if (x == 0.0f)
        return from_bits(0xff800000u); /* -inf */
    if (u >= 0x7f800000u)
        return x;                      /* +inf */
    if (u < 0x00800000u) {             /* subnormal: scale by 2^25 */
        x *= 33554432.0f;
        u = to_bits(x);
        e = -25;
    }
    e += (int32_t)((u >> 23) & 0xffu) - 127;
    float m = from_bits((u & 0x007fffffu) | 0x3f800000u); /* [1, 2) */
    if (m > 1.41421356f) {
        m *= 0.5f;
        e++;
    }
    float s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    float p = 1.0f / 11.0f;
    p = p * s2 + 1.0f / 9.0f;
    p = p * s2 + 1.0f / 7.0f;
    p = p * s2 + 1.0f / 5.0f;
    p = p * s2 + 1.0f / 3.0f;
    float lm = 2.0f * s + 2.0f * s * s2 * p;
    float ef = (float)e;
    return (ef * ln2_hi + lm) + ef * ln2_lo;
}

float nn_tanhf(float x)
{
    float a = x < 0.0f ? -x : x;
    if (x != x)
        return x + x;
    if (a < 0.55f) {
        /* tanh x = x (1 + c3 x^2 + c5 x^4 + ... + c17 x^16) */
        float z = x * x;
        float p = 6404582.0f / 10854718875.0f;
        p = p * z - 929569.0f / 638512875.0f;
        p = p * z + 21844.0f / 6081075.0f;
        p = p * z - 1382.0f / 155925.0f;
        p = p * z + 62.0f / 2835.0f;
        p = p * z - 17.0f / 315.0f;
        p = p * z + 2.0f / 15.0f;
        p = p * z - 1.0f / 3.0f;
        return x + x * (z * p);
    }
    float t = nn_expf(-2.0f * a);
    float r = (1.0f - t) / (1.0f + t);
    return x < 0.0f ? -r : r;
}

float nn_roundf(float x)
{
    float a = x < 0.0f ? -x : x;
    if (!(a < 8388608.0f))           /* 2^23: already integral, inf or NaN */
        return x;
    float t = (float)(int32_t)a;     /* truncation; a - t is exact */
    if (a - t >= 0.5f)
        t += 1.0f;
    return x < 0.0f ? -t : t;
}

int32_t nn_round_sat(float x, int32_t lo, int32_t hi)
{
    if (!(x >= (float)lo))           /* also NaN */
        return lo;
    if (x >= (float)hi)
        return hi;
    int32_t v = (int32_t)nn_roundf(x);
    return v < lo ? lo : (v > hi ? hi : v);
}
