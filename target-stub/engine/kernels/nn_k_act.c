/*
 * nn_k_act.c: RELU / RELU6 / RELU_N1_TO_1, LEAKY_RELU, TANH and
 * LOG_SOFTMAX kernels (reference).
 *
 * int8 RELU and LEAKY_RELU are TFLite's integer rules: the offset input
 * (at most 255 in magnitude) is scaled by a Q31 multiplier to the output's
 * scale. int8 TANH is TFLite's: the LOGISTIC input scaling into Q4.27 and
 * the Q-format tanh, rounded to units of 1/128. int8 LOG_SOFTMAX is not
 * TFLite's integer kernel: it computes in float32 on the dequantised
 * differences and requantises (within half a step of the exact value).
 */
#include "../nn_fixed_q.h"
#include "../nn_kernels.h"
#include "../nn_math.h"

void nn_k_relu_s8(const nn_k_relu_s8_params *p, int count, const int8_t *in,
                  int8_t *out)
{
    for (int i = 0; i < count; i++) {
        int32_t v = p->out_zp + nn_fx_mul_by_quantized((int32_t)in[i] - p->in_zp,
                                                       p->mult, p->shift);
        out[i] = (int8_t)nn_fx_clamp(v, p->act_min, p->act_max);
    }
}

void nn_k_clamp_f32(float lo, float hi, int count, const float *in, float *out)
{
    for (int i = 0; i < count; i++) {
        float v = in[i];
        v = v < lo ? lo : v;
        out[i] = v > hi ? hi : v;
    }
}

void nn_k_leaky_relu_s8(const nn_k_leaky_s8_params *p, int count,
                        const int8_t *in, int8_t *out)
{
    for (int i = 0; i < count; i++) {
        int32_t x = (int32_t)in[i] - p->in_zp, v;
        if (x >= 0)
            v = nn_fx_mul_by_quantized(x, p->id_mult, p->id_shift);
        else
            v = nn_fx_mul_by_quantized(x, p->alpha_mult, p->alpha_shift);
        out[i] = (int8_t)nn_fx_clamp(v + p->out_zp, INT8_MIN, INT8_MAX);
    }
}

void nn_k_leaky_relu_f32(float alpha, int count, const float *in, float *out)
{
    for (int i = 0; i < count; i++)
        out[i] = in[i] >= 0.0f ? in[i] : in[i] * alpha;
}

enum { TANH_IN_INT_BITS = 4, TANH_OUT_FRAC_BITS = 7 };

void nn_k_tanh_s8(const nn_k_logistic_s8_params *p, int count,
                  const int8_t *in, int8_t *out)
{
    for (int i = 0; i < count; i++) {
        int32_t x = (int32_t)in[i] - p->in_zero_point;
        if (x <= -p->radius) {
            out[i] = INT8_MIN;
        } else if (x >= p->radius) {
            out[i] = INT8_MAX;
        } else {
            int32_t q4 = nn_fx_mul_by_quantized(x, p->mult, p->shift);
            int32_t y = nn_fx_rounding_shift(nn_fx_tanh(q4, TANH_IN_INT_BITS),
                                             31 - TANH_OUT_FRAC_BITS);
            out[i] = (int8_t)nn_fx_clamp(y, INT8_MIN, INT8_MAX);
        }
    }
}

void nn_k_tanh_f32(int count, const float *in, float *out)
{
    for (int i = 0; i < count; i++)
        out[i] = nn_tanhf(in[i]);
}

/* log(sum e^(x - max)) of one row. */
static float log_sum_exp_f32(const float *x, int depth, float max)
{
    float sum = 0.0f;
    for (int c = 0; c < depth; c++)
        sum += nn_expf(x[c] - max);
    return nn_logf(sum);
}

void nn_k_log_softmax_f32(const nn_k_softmax_dims *d, const float *in,
                          float *out)
{
    for (int r = 0; r < d->rows; r++) {
        const float *x = in + (long)r * d->depth;
        float *y = out + (long)r * d->depth;
        float max = -3.40282347e38f;
        for (int c = 0; c < d->depth; c++)
            max = max < x[c] ? x[c] : max;
        float lse = log_sum_exp_f32(x, d->depth, max);
        for (int c = 0; c < d->depth; c++)
            y[c] = (x[c] - max) - lse;
    }
}

void nn_k_log_softmax_s8(const nn_k_softmax_dims *d, float in_scale,
                         const nn_k_affine *out_q, const int8_t *in,
                         int8_t *out)
{
    for (int r = 0; r < d->rows; r++) {
        const int8_t *x = in + (long)r * d->depth;
        int8_t *y = out + (long)r * d->depth;
        int32_t max = INT8_MIN;
        for (int c = 0; c < d->depth; c++)
            max = x[c] > max ? x[c] : max;
        float sum = 0.0f;
        for (int c = 0; c < d->depth; c++)
            sum += nn_expf((float)((int32_t)x[c] - max) * in_scale);
        float lse = nn_logf(sum);
        for (int c = 0; c < d->depth; c++) {
            float v = (float)((int32_t)x[c] - max) * in_scale - lse;
            y[c] = (int8_t)(nn_round_sat(v / out_q->scale, INT8_MIN - out_q->zero_point,
                                         INT8_MAX - out_q->zero_point) +
                            out_q->zero_point);
        }
    }
}
