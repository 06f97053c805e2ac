/*
 * nn_kernels.h: flat compute kernels, one per op and dtype.
 *
 * Namespace: nn_k_.
 *
 * Kernels take dimensions and arithmetic parameters in structs, inputs
 * const, the output last. They never allocate, never fail and trust their
 * arguments: the op layer (ops/) has validated everything before the call.
 * Each kernel here is the plain reference; a faster variant must be tested
 * bit-exact against it.
 */
#ifndef NN_KERNELS_H
#define NN_KERNELS_H

#include <stdint.h>

/* Requantisation of int32 accumulators: per-channel when stride is 1,
 * per-tensor when stride is 0 (mult[0]/shift[0] for every channel). */
typedef struct {
    const int32_t *mult;
    const int32_t *shift;
    int stride;
} nn_k_requant;

/* FULLY_CONNECTED -------------------------------------------------------- */
typedef struct {
    int batches; /* rows of input and output */
    int depth;   /* input features */
    int units;   /* output features */
} nn_k_fc_dims;

typedef struct {
    int32_t input_offset;   /* -input zero point, [-127, 128] */
    int32_t weights_offset; /* -weights zero point */
    int32_t output_offset;  /* output zero point */
    int32_t act_min, act_max;
} nn_k_fc_s8_params;

/* input [batches, depth], weights [units, depth], bias [units] or NULL,
 * output [batches, units]. */
void nn_k_fc_s8(const nn_k_fc_dims *d, const nn_k_fc_s8_params *p,
                const nn_k_requant *rq, const int8_t *input,
                const int8_t *weights, const int32_t *bias, int8_t *output);

void nn_k_fc_f32(const nn_k_fc_dims *d, float act_min, float act_max,
                 const float *input, const float *weights, const float *bias,
                 float *output);

/* Hybrid: int8 weights with a scale per unit (scale_stride 1) or one scale
 * (scale_stride 0); float input, bias and output. */
void nn_k_fc_hybrid(const nn_k_fc_dims *d, float act_min, float act_max,
                    const float *input, const int8_t *weights,
                    const float *scales, int scale_stride, int32_t weights_zp,
                    const float *bias, float *output);

#endif
