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

/* CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D, MAX_POOL_2D ---------------
 * Tensors are NHWC. Output (y, x), tap (ky, kx) reads input row
 * y * stride.h - padding.h + ky * dilation.h, and the column likewise. Taps
 * outside the image are skipped: zeros for a convolution, left out of a
 * pool (an average divides by the taps inside). */
typedef struct {
    int n, h, w, c;
} nn_k_dims;

typedef struct {
    int h, w;
} nn_k_hw;

typedef struct {
    nn_k_hw stride;   /* >= 1 */
    nn_k_hw padding;  /* >= 0: rows / columns before the image */
    nn_k_hw dilation; /* >= 1; > 1 in a pool only with VALID geometry */
    nn_k_hw filter;   /* pool window; convolutions take it from the filter */
} nn_k_window;

typedef struct {
    int32_t input_offset;  /* -input zero point, [-127, 128] */
    int32_t output_offset; /* output zero point, [-128, 127] */
    int32_t act_min, act_max;
} nn_k_conv_s8_params;

/* Hybrid weights: w_real = scales[c * stride] * (w - zero_point), c the
 * output channel; stride 1 per channel, 0 per tensor. */
typedef struct {
    const float *scales;
    int stride;
    int32_t zero_point;
} nn_k_dequant;

/* input [N, H, W, C_IN], filter [C_OUT, KH, KW, C_F] with groups =
 * C_IN / C_F: output channel o reads input channels g * C_F .. + C_F - 1,
 * g = o / (C_OUT / groups). bias [C_OUT] or NULL, output [N, OH, OW, C_OUT].
 * int8: |sum of products| + |bias| must fit in int32 (the op checks it). */
void nn_k_conv_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                  const nn_k_requant *rq, const nn_k_dims *in_d,
                  const int8_t *input, const nn_k_dims *f_d,
                  const int8_t *filter, const int32_t *bias,
                  const nn_k_dims *out_d, int8_t *output);
void nn_k_conv_f32(const nn_k_window *win, float act_min, float act_max,
                   const nn_k_dims *in_d, const float *input,
                   const nn_k_dims *f_d, const float *filter,
                   const float *bias, const nn_k_dims *out_d, float *output);
void nn_k_conv_hybrid(const nn_k_window *win, float act_min, float act_max,
                      const nn_k_dequant *dq, const nn_k_dims *in_d,
                      const float *input, const nn_k_dims *f_d,
                      const int8_t *filter, const float *bias,
                      const nn_k_dims *out_d, float *output);

/* Depthwise: filter [1, KH, KW, C_OUT] with C_OUT = C_IN x m; output
 * channel o reads input channel o / m. Other arguments as above. */
void nn_k_dw_conv_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                     const nn_k_requant *rq, const nn_k_dims *in_d,
                     const int8_t *input, const nn_k_dims *f_d,
                     const int8_t *filter, const int32_t *bias,
                     const nn_k_dims *out_d, int8_t *output);
void nn_k_dw_conv_f32(const nn_k_window *win, float act_min, float act_max,
                      const nn_k_dims *in_d, const float *input,
                      const nn_k_dims *f_d, const float *filter,
                      const float *bias, const nn_k_dims *out_d,
                      float *output);
void nn_k_dw_conv_hybrid(const nn_k_window *win, float act_min,
                         float act_max, const nn_k_dequant *dq,
                         const nn_k_dims *in_d, const float *input,
                         const nn_k_dims *f_d, const int8_t *filter,
                         const float *bias, const nn_k_dims *out_d,
                         float *output);

/* Pools: input [N, H, W, C], output [N, OH, OW, C], window win->filter;
 * every window must overlap the image. int8 input and output share their
 * quantisation; the average rounds half away from zero. */
void nn_k_avg_pool_s8(const nn_k_window *win, int32_t act_min,
                      int32_t act_max, const nn_k_dims *in_d,
                      const int8_t *input, const nn_k_dims *out_d,
                      int8_t *output);
void nn_k_avg_pool_f32(const nn_k_window *win, float act_min, float act_max,
                       const nn_k_dims *in_d, const float *input,
                       const nn_k_dims *out_d, float *output);
void nn_k_max_pool_s8(const nn_k_window *win, int32_t act_min,
                      int32_t act_max, const nn_k_dims *in_d,
                      const int8_t *input, const nn_k_dims *out_d,
                      int8_t *output);
void nn_k_max_pool_f32(const nn_k_window *win, float act_min, float act_max,
                       const nn_k_dims *in_d, const float *input,
                       const nn_k_dims *out_d, float *output);

/* Packed weights: FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D ------------
 * Weights stored without their zeros, or as half floats (the blob's sparse
 * constants and float16 weights). The kernels walk only the stored values,
 * in the dense kernels' order, so each gives the dense reference kernel's
 * result on the same weights with the zeros filled in: int8 exactly; float
 * exactly when every input is finite (an accumulator that starts at +0 never
 * becomes -0, so the skipped +-0 products change nothing; an infinite or
 * NaN input meeting a skipped weight gives NaN only in the dense kernel).
 * Arguments as the dense kernels', with the weights described by: */
typedef enum {
    NN_K_DENSE = 0,    /* every value */
    NN_K_BITMAP = 1,   /* bit i of mask: element i stored */
    NN_K_CHANNELS = 2  /* bit c of mask: output channel c stored */
} nn_k_layout;

typedef enum {
    NN_K_F32 = 0,      /* float */
    NN_K_F16 = 1,      /* uint16_t IEEE half, converted on the fly */
    NN_K_S8 = 2        /* int8_t, symmetric (zero point 0) */
} nn_k_value;

typedef struct {
    int layout;             /* nn_k_layout */
    int value;              /* nn_k_value */
    const uint8_t *mask;    /* LSB first, 4-byte aligned (read in 32-bit
                               little-endian words); NULL for NN_K_DENSE */
    const void *values;     /* stored values in element order (CHANNELS:
                               the dense tensor without the dropped
                               channels) */
    /* NN_K_S8 in a float kernel (hybrid): w = scales[c * scale_stride] x q,
     * c the output channel. */
    const float *scales;
    int scale_stride;
} nn_k_weights;

/* Most taps (KH x KW) of a DEPTHWISE_CONV_2D filter in NN_K_BITMAP layout. */
#define NN_K_PACKED_DW_TAPS 64
/* The CONV_2D bitmap kernel lists the stored taps of a filter with at most
 * this many (on the stack, 4 bytes each) and replays the list at every
 * output inside the image; larger filters are walked. */
#define NN_K_PACKED_LIST 256

/* int8 (NN_K_S8 values, p->weights_offset 0) and float (float32, float16,
 * or int8 dequantised with w->scales) FULLY_CONNECTED. */
void nn_k_fc_packed_s8(const nn_k_fc_dims *d, const nn_k_fc_s8_params *p,
                       const nn_k_requant *rq, const int8_t *input,
                       const nn_k_weights *w, const int32_t *bias,
                       int8_t *output);
void nn_k_fc_packed_f32(const nn_k_fc_dims *d, float act_min, float act_max,
                        const float *input, const nn_k_weights *w,
                        const float *bias, float *output);
/* CONV_2D, filter layout and groups as nn_k_conv_s8 (f_d: its shape). */
void nn_k_conv_packed_s8(const nn_k_window *win, const nn_k_conv_s8_params *p,
                         const nn_k_requant *rq, const nn_k_dims *in_d,
                         const int8_t *input, const nn_k_dims *f_d,
                         const nn_k_weights *w, const int32_t *bias,
                         const nn_k_dims *out_d, int8_t *output);
void nn_k_conv_packed_f32(const nn_k_window *win, float act_min,
                          float act_max, const nn_k_dims *in_d,
                          const float *input, const nn_k_dims *f_d,
                          const nn_k_weights *w, const float *bias,
                          const nn_k_dims *out_d, float *output);
/* DEPTHWISE_CONV_2D as nn_k_dw_conv_s8; NN_K_BITMAP filters have at most
 * NN_K_PACKED_DW_TAPS taps. */
void nn_k_dw_conv_packed_s8(const nn_k_window *win,
                            const nn_k_conv_s8_params *p,
                            const nn_k_requant *rq, const nn_k_dims *in_d,
                            const int8_t *input, const nn_k_dims *f_d,
                            const nn_k_weights *w, const int32_t *bias,
                            const nn_k_dims *out_d, int8_t *output);
void nn_k_dw_conv_packed_f32(const nn_k_window *win, float act_min,
                             float act_max, const nn_k_dims *in_d,
                             const float *input, const nn_k_dims *f_d,
                             const nn_k_weights *w, const float *bias,
                             const nn_k_dims *out_d, float *output);

/* ADD, QUANTIZE, DEQUANTIZE, LOGISTIC, SOFTMAX --------------------------- */
#define NN_K_BCAST_RANK 6

/* The walk of out = f(a, b) under numpy broadcasting, with unit dimensions
 * dropped and neighbours that broadcast alike merged: shape[0..rank) is the
 * output extent of each merged dimension, outermost first; stride_a and
 * stride_b are each input's element step along it, 0 where that input
 * repeats. The innermost strides are 0 or 1. */
typedef struct {
    int rank; /* 1..NN_K_BCAST_RANK */
    int32_t shape[NN_K_BCAST_RANK];
    int32_t stride_a[NN_K_BCAST_RANK];
    int32_t stride_b[NN_K_BCAST_RANK];
} nn_k_bcast;

/* Builds the walk for inputs a, b and output out (dims outermost first,
 * ranks 0..6, aligned at the last dimension). Returns 1, or 0 when a and b
 * do not broadcast to exactly out's shape (leading 1s aside). */
int nn_k_bcast_init(nn_k_bcast *w, const int32_t *a_dims, int a_rank,
                    const int32_t *b_dims, int b_rank, const int32_t *out_dims,
                    int out_rank);

typedef struct {
    int32_t a_offset, b_offset; /* -input zero points, [-127, 128] */
    int32_t out_offset;         /* output zero point, [-128, 127] */
    int32_t left_shift;         /* [0, 20]: headroom before scaling */
    int32_t a_mult, a_shift;    /* Q31 multipliers, shifts in [-31, 0] */
    int32_t b_mult, b_shift;
    int32_t out_mult, out_shift;
    int32_t act_min, act_max;   /* [-128, 127] */
} nn_k_add_s8_params;

/* a, b and out laid out as the shapes given to nn_k_bcast_init. */
void nn_k_add_s8(const nn_k_bcast *w, const nn_k_add_s8_params *p,
                 const int8_t *a, const int8_t *b, int8_t *out);
void nn_k_add_f32(const nn_k_bcast *w, float act_min, float act_max,
                  const float *a, const float *b, float *out);

/* real = scale x (q - zero_point); scale finite and > 0. */
typedef struct {
    float scale;
    int32_t zero_point; /* within the int type's range */
} nn_k_affine;

typedef struct {
    int32_t in_zero_point, out_zero_point; /* [-128, 127] */
    int32_t mult, shift; /* in_scale / out_scale; shift in [-31, 23] */
} nn_k_requantize_params;

/* Elementwise over count values: float -> int (round half away from zero,
 * saturate; NaN gives the lowest code), int8 -> int8, int -> float. */
void nn_k_quantize_s8(const nn_k_affine *q, int count, const float *in,
                      int8_t *out);
void nn_k_quantize_s16(const nn_k_affine *q, int count, const float *in,
                       int16_t *out);
void nn_k_requantize_s8(const nn_k_requantize_params *p, int count,
                        const int8_t *in, int8_t *out);
void nn_k_dequantize_s8(const nn_k_affine *q, int count, const int8_t *in,
                        float *out);
void nn_k_dequantize_s16(const nn_k_affine *q, int count, const int16_t *in,
                         float *out);

/* int8 logistic; output scale 1/256, zero point -128. */
typedef struct {
    int32_t in_zero_point; /* [-128, 127] */
    int32_t mult, shift;   /* input_scale x 2^27 as Q31 and shift [0, 31] */
    int32_t radius;        /* >= 0, <= 15 x 2^27 >> shift */
} nn_k_logistic_s8_params;

void nn_k_logistic_s8(const nn_k_logistic_s8_params *p, int count,
                      const int8_t *in, int8_t *out);
void nn_k_logistic_f32(int count, const float *in, float *out);

/* Softmax over the last dimension: input and output [rows, depth]. */
typedef struct {
    int rows, depth;
} nn_k_softmax_dims;

/* int8; output scale 1/256, zero point -128. */
typedef struct {
    int32_t mult;     /* beta x input_scale x 2^26 as Q31, > 0 */
    int32_t shift;    /* left shift, [0, 31] */
    int32_t diff_min; /* <= 0, >= -(31 x 2^26 >> shift) */
} nn_k_softmax_s8_params;

void nn_k_softmax_s8(const nn_k_softmax_dims *d,
                     const nn_k_softmax_s8_params *p, const int8_t *in,
                     int8_t *out);
void nn_k_softmax_f32(const nn_k_softmax_dims *d, float beta, const float *in,
                      float *out);

/* 16x8: int16 activations with zero point 0, int8 weights, int64 bias ----
 * TFLite's 16x8 rule: accumulate w * x in int64, add the bias, requantise
 * with nn_fx_mul_by_quantized64 (per channel or per tensor), clamp. No
 * offsets: every int16 zero point is 0. |sum of products| + |bias| must be
 * below 2^47 (the ops check it). act_min <= act_max within [-32768, 32767]. */
typedef struct {
    int32_t act_min, act_max;
} nn_k_act16;

void nn_k_fc_s16(const nn_k_fc_dims *d, const nn_k_act16 *p,
                 const nn_k_requant *rq, const int16_t *input,
                 const int8_t *weights, const int64_t *bias, int16_t *output);
void nn_k_conv_s16(const nn_k_window *win, const nn_k_act16 *p,
                   const nn_k_requant *rq, const nn_k_dims *in_d,
                   const int16_t *input, const nn_k_dims *f_d,
                   const int8_t *filter, const int64_t *bias,
                   const nn_k_dims *out_d, int16_t *output);
void nn_k_dw_conv_s16(const nn_k_window *win, const nn_k_act16 *p,
                      const nn_k_requant *rq, const nn_k_dims *in_d,
                      const int16_t *input, const nn_k_dims *f_d,
                      const int8_t *filter, const int64_t *bias,
                      const nn_k_dims *out_d, int16_t *output);

/* Pools as the int8 ones; the average over at most 65535 taps. */
void nn_k_avg_pool_s16(const nn_k_window *win, const nn_k_act16 *p,
                       const nn_k_dims *in_d, const int16_t *input,
                       const nn_k_dims *out_d, int16_t *output);
void nn_k_max_pool_s16(const nn_k_window *win, const nn_k_act16 *p,
                       const nn_k_dims *in_d, const int16_t *input,
                       const nn_k_dims *out_d, int16_t *output);

/* ADD: the int8 rule with int16 values; offsets 0, left_shift <= 15,
 * multipliers >= 0 (then no intermediate leaves int32). */
void nn_k_add_s16(const nn_k_bcast *w, const nn_k_add_s8_params *p,
                  const int16_t *a, const int16_t *b, int16_t *out);

/* Softmax, output scale 1/32768, zero point 0: differences from the row
 * maximum scaled by (mult, shift) so that -65535 stands for -10, e^x and
 * 1 / (1 + x) from 513-entry tables with linear interpolation. */
typedef struct {
    int32_t mult, shift;     /* Q31 and left shift in [-31, 15] */
    const int16_t *exp_lut;  /* e^x over [-10, 0], Q0.15; every entry in
                                [0, 32767], the last two >= 2^14 */
    const int16_t *recip_lut;/* 1 / (1 + x) over [0, 1], Q0.15 */
} nn_k_softmax_s16_params;

void nn_k_softmax_s16(const nn_k_softmax_dims *d,
                      const nn_k_softmax_s16_params *p, const int16_t *in,
                      int16_t *out);

/* Logistic, output scale 1/32768, zero point 0: the input is scaled to
 * units of 1 / (3 x 4096) by (x * mult + round) >> shift (mult 0 stands for
 * 3 << shift, shift 0), then sigmoid from a 256-entry table of
 * sigmoid(k / 24) in Q0.16, interpolated. */
typedef struct {
    int32_t mult;            /* [0, 32767] */
    int32_t shift;           /* [0, 31]; <= 1 when mult is 0 */
    const uint16_t *table;   /* 256 entries */
} nn_k_logistic_s16_params;

void nn_k_logistic_s16(const nn_k_logistic_s16_params *p, int count,
                       const int16_t *in, int16_t *out);

/* Layout: TRANSPOSE, CONCATENATION, PAD -------------------------------------
 * Data movement for any element size (1, 2, 4 or 8 bytes); values are
 * copied, never converted. */
#define NN_K_LAYOUT_RANK 6

/* Output dimension k is input dimension perm[k]. dims: the input's. */
typedef struct {
    int rank;                        /* 1..NN_K_LAYOUT_RANK */
    int32_t dims[NN_K_LAYOUT_RANK];
    int32_t perm[NN_K_LAYOUT_RANK];  /* a permutation of 0 .. rank - 1 */
} nn_k_transpose_dims;

void nn_k_transpose(const nn_k_transpose_dims *d, uint32_t elem_bytes,
                    const void *input, void *output);

/* n inputs, each outer x inner[k] bytes (the dimensions from the axis on,
 * times the element size), laid side by side: output row r is input 0's
 * row r, then input 1's, ... */
void nn_k_concat(int n, const void *const *inputs, const uint32_t *inner,
                 uint32_t outer, void *output);

typedef struct {
    int rank;                        /* 1..NN_K_LAYOUT_RANK */
    int32_t in[NN_K_LAYOUT_RANK];    /* input dims */
    int32_t before[NN_K_LAYOUT_RANK];
    int32_t after[NN_K_LAYOUT_RANK];
    int mode;                        /* NN_PAD_CONSTANT, _REFLECT, _SYMMETRIC */
} nn_k_pad_dims;

/* Pads input into output; value points at one element of the fill
 * (mode 0). Reflect needs pads <= size - 1, symmetric <= size. */
void nn_k_pad(const nn_k_pad_dims *d, uint32_t elem_bytes, const void *value,
              const void *input, void *output);

/* Activations: RELU family, LEAKY_RELU, PRELU, TANH --------------------------
 * int8 rules as TFLite's reference integer kernels: x - in_zp scaled by a
 * Q31 multiplier (nn_fx_mul_by_quantized), plus out_zp, clamped. */
typedef struct {
    int32_t in_zp, out_zp;   /* [-128, 127] */
    int32_t mult, shift;     /* shift in [-31, 23] */
    int32_t act_min, act_max;/* within [-128, 127] */
} nn_k_relu_s8_params;

void nn_k_relu_s8(const nn_k_relu_s8_params *p, int count, const int8_t *in,
                  int8_t *out);
void nn_k_clamp_f32(float lo, float hi, int count, const float *in, float *out);

typedef struct {
    int32_t in_zp, out_zp;       /* [-128, 127] */
    int32_t id_mult, id_shift;   /* x >= in_zp; shift in [-31, 23] */
    int32_t alpha_mult, alpha_shift;
} nn_k_leaky_s8_params;

void nn_k_leaky_relu_s8(const nn_k_leaky_s8_params *p, int count,
                        const int8_t *in, int8_t *out);
void nn_k_leaky_relu_f32(float alpha, int count, const float *in, float *out);

typedef struct {
    int32_t in_offset, alpha_offset; /* -zero points, [-127, 128] */
    int32_t out_offset;              /* [-128, 127] */
    int32_t pos_mult, pos_shift;     /* shift in [-31, 23] */
    int32_t neg_mult, neg_shift;     /* shift in [-31, 15] */
} nn_k_prelu_s8_params;

/* x and out of the output's shape; alpha broadcast (the walk's b). */
void nn_k_prelu_s8(const nn_k_bcast *w, const nn_k_prelu_s8_params *p,
                   const int8_t *x, const int8_t *alpha, int8_t *out);
void nn_k_prelu_f32(const nn_k_bcast *w, const float *x, const float *alpha,
                    float *out);

/* int8 tanh; output scale 1/128, zero point 0. Parameters as logistic's. */
void nn_k_tanh_s8(const nn_k_logistic_s8_params *p, int count,
                  const int8_t *in, int8_t *out);
void nn_k_tanh_f32(int count, const float *in, float *out);

/* MUL, MAXIMUM, MINIMUM ------------------------------------------------------ */
typedef struct {
    int32_t a_offset, b_offset; /* -input zero points, [-127, 128] */
    int32_t out_offset;         /* [-128, 127] */
    int32_t mult, shift;        /* a_scale x b_scale / out_scale; [-31, 15] */
    int32_t act_min, act_max;   /* within [-128, 127] */
} nn_k_mul_s8_params;

void nn_k_mul_s8(const nn_k_bcast *w, const nn_k_mul_s8_params *p,
                 const int8_t *a, const int8_t *b, int8_t *out);
void nn_k_mul_f32(const nn_k_bcast *w, float act_min, float act_max,
                  const float *a, const float *b, float *out);

/* is_max 1: maximum, 0: minimum. A NaN operand gives NaN (float). */
void nn_k_maxmin_f32(const nn_k_bcast *w, int is_max, const float *a,
                     const float *b, float *out);
void nn_k_maxmin_s8(const nn_k_bcast *w, int is_max, const int8_t *a,
                    const int8_t *b, int8_t *out);
void nn_k_maxmin_s16(const nn_k_bcast *w, int is_max, const int16_t *a,
                     const int16_t *b, int16_t *out);

/* LOG_SOFTMAX over the last dimension ----------------------------------------
 * float32: x - max - log(sum e^(x - max)). int8: the same in float32 on
 * (x - max) x in_scale, requantised with out (halves away from zero). */
void nn_k_log_softmax_f32(const nn_k_softmax_dims *d, const float *in,
                          float *out);
void nn_k_log_softmax_s8(const nn_k_softmax_dims *d, float in_scale,
                         const nn_k_affine *out_q, const int8_t *in,
                         int8_t *out);

#endif
