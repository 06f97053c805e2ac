/*
 * quantize.h: post-training quantisation: full-integer int8, 16x8, and
 * weights only (dynamic range).
 *
 * Namespace: compress_ / COMPRESS_.
 *
 * Turns a float32 graph into the integer graph the TFLite converter makes
 * with full-integer quantisation (model inputs and outputs integer too),
 * following TFLite's quantisation spec. Every number is
 * real = scale * (q - zp). docs/variants.md states the same rules with
 * examples.
 *
 * Activations (every non-constant tensor, model input and output included),
 * per tensor, from a float range [min, max] found by calibration:
 *   int8 (asymmetric):
 *     min   = min(min, 0), max = max(max, 0)     (0 must be exact)
 *     scale = (max - min) / 255                  (float arithmetic)
 *     zp    = round(-128 - min / scale), clamped to [-128, 127]
 *     A tensor that was always 0 gets scale 1/255, zp -128.
 *   int16 (16x8, symmetric): scale = max(|min|, |max|) / 32767, zp 0; an
 *     all-zero tensor gets 1/32767.
 * round() is half away from zero. A fused RELU or RELU6 needs nothing
 * special: the calibrated output is already >= 0.
 *
 * Ranges (compress_calibrate_ranges): minmax takes the smallest and largest
 * value seen over all calibration vectors. percentile takes, per tail, the
 * value below which (above which) only (100 - P) % of the values lie
 * (P = 99.99 by default). mse takes the clip range [a, b] (a <= 0 <= b)
 * that minimises the expected squared error of quantising the calibration
 * values: (b - a)^2 / (levels^2 x 12) per value inside (rounding noise;
 * exact zeros, as ReLU makes, cost nothing because 0 is exact) plus
 * (x - a)^2 or (x - b)^2 per value outside (clipping), over a histogram of
 * COMPRESS_HIST_BINS bins between min and max; a and b are searched on the
 * bin edges, alternately, four rounds from [min, max]. int16 ranges are
 * symmetric, so percentile takes max(|low tail|, |high tail|) and mse
 * searches one bound t for [-t, t].
 *
 * Weights (FULLY_CONNECTED [units, depth], CONV_2D [C_OUT, KH, KW, C_IN]:
 * axis 0; DEPTHWISE_CONV_2D [1, KH, KW, C_OUT]: axis 3): int8, symmetric,
 * zp 0, in both schemes.
 *     per channel (default): scale[c] = max |w| over channel c / 127
 *     per tensor:            scale    = max |w| / 127
 *     q = round(w / scale), clamped to [-127, 127]  (-128 is never used)
 * An all-zero channel gets scale 1.
 *
 * Bias ([C_OUT]), zp 0, one scale per weight scale:
 *     bscale[c] = input_scale * wscale[c]   (float product)
 *     q = round(b / bscale): int32 clamped to +-(2^31 - 1) (int8 scheme),
 *     int64 clamped to +-(2^46 - 1) (16x8, the engine's accumulator room)
 *
 * Ops (a table of rules, one per opcode): FULLY_CONNECTED, CONV_2D,
 * DEPTHWISE_CONV_2D as above, fused NONE, RELU, RELU_N1_TO_1 or RELU6;
 * AVERAGE_POOL_2D, MAX_POOL_2D and RESHAPE: the output takes the input's
 * parameters; ADD: its own output range, a float constant operand is
 * quantised per tensor from its values; SOFTMAX and LOGISTIC: output scale
 * 1/256, zp -128 (int8) or 1/32768, zp 0 (int16). A float model's own
 * QUANTIZE (float -> int8) keeps its output's parameters and becomes an
 * int8 requantisation; DEQUANTIZE (int8 -> float) becomes an identity
 * QUANTIZE whose output takes the input's parameters (int8 scheme only).
 * The ops the ONNX importer brought (quantize_ops.c): TRANSPOSE and the
 * pads keep their input's parameters; CONCATENATION, MAXIMUM and MINIMUM
 * share one scale and zero point with their inputs (the tensors they join
 * get the union of their ranges before any rule runs); MUL as ADD; RELU,
 * RELU6, RELU_N1_TO_1, LEAKY_RELU and PRELU their own output range; TANH
 * 1/128 and 0, LOG_SOFTMAX 16/256 and 127 (int8 scheme only, except the
 * data movers).
 * Anything else gives HB_ERR_UNSUPPORTED naming the op ("op 3 (CONV_2D):
 * ...").
 *
 * Weights only (compress_quantize_weights, the converter's dynamic range
 * quantisation): the weights of FULLY_CONNECTED, CONV_2D and
 * DEPTHWISE_CONV_2D become int8 as above; activations and biases stay
 * float, and the engine computes these ops with the weights dequantised.
 *
 * Ownership: *out graphs belong to the caller (graph_free); NULL on failure.
 * The input graph is never changed.
 */
#ifndef COMPRESS_QUANTIZE_H
#define COMPRESS_QUANTIZE_H

#include <stddef.h>
#include <stdint.h>

#include "../model/graph.h"

enum { COMPRESS_SCHEME_INT8 = 0, COMPRESS_SCHEME_INT16X8 = 1 };
enum { COMPRESS_CALIB_MINMAX = 0, COMPRESS_CALIB_PERCENTILE = 1, COMPRESS_CALIB_MSE = 2 };

#define COMPRESS_PERCENTILE_DEFAULT 99.99
#define COMPRESS_HIST_BINS 8192

typedef struct {
    int per_tensor;    /* 0: one weight scale per output channel (TFLite's
                          default); 1: one scale per weight tensor */
    int scheme;        /* COMPRESS_SCHEME_* */
    int calibration;   /* COMPRESS_CALIB_* */
    double percentile; /* COMPRESS_CALIB_PERCENTILE: P in [50, 100];
                          0 means COMPRESS_PERCENTILE_DEFAULT */
} compress_quantize_options;

/* HB_OK if g can be quantised with opt (may be NULL: int8 defaults): a
 * float graph (activations float32, except a float model's own int8 edges
 * around QUANTIZE / DEQUANTIZE) whose every op has a rule. Otherwise an
 * error naming the tensor or op. Cheap: nothing runs. */
hb_status compress_quantize_check(const graph *g, const compress_quantize_options *opt);

/* Calibrates float graph g on calib[v] (v < n_vectors, n_vectors >= 1:
 * the float32 values of every model input, concatenated in input order;
 * int8 inputs of a float model are quantised with their own parameters)
 * and quantises it. opt may be NULL (int8, per channel, minmax).
 * Non-finite calibration values give HB_ERR_ARG. Runs g with hostrun. */
hb_status compress_quantize(const graph *g, const compress_quantize_options *opt,
                            const float *const *calib, int n_vectors, graph **out);
/* The same (the name predates the 16x8 scheme). */
hb_status compress_quantize_int8(const graph *g, const compress_quantize_options *opt,
                                 const float *const *calib_inputs, int n_vectors,
                                 graph **out);

/* Quantisation from known ranges (t_min/t_max as compress_calibrate fills
 * them); every float activation needs t_min <= t_max (HB_ERR_ARG naming it
 * otherwise). Does not run the graph. */
hb_status compress_quantize_ranges(const graph *g, const compress_quantize_options *opt,
                                   const float *t_min, const float *t_max, graph **out);
hb_status compress_quantize_int8_ranges(const graph *g,
                                        const compress_quantize_options *opt,
                                        const float *t_min, const float *t_max,
                                        graph **out);

/* Weights-only (dynamic range) quantisation; per_tensor as in the options.
 * HB_ERR_UNSUPPORTED if no FULLY_CONNECTED / CONV_2D / DEPTHWISE_CONV_2D
 * has constant float32 weights. */
hb_status compress_quantize_weights(const graph *g, int per_tensor, graph **out);

/* Calibration: runs g over the vectors (as compress_quantize takes them)
 * and writes, for every tensor t (n_tensors entries each), the smallest
 * and largest float value seen in t_min[t], t_max[t]. Constants and
 * tensors never written as float keep t_min = +INFINITY, t_max = -INFINITY. */
hb_status compress_calibrate(const graph *g, const float *const *calib_inputs,
                             int n_vectors, float *t_min, float *t_max);
/* The same, then each range clipped with opt's method (a second pass over
 * the vectors fills the histograms). opt may be NULL (minmax). */
hb_status compress_calibrate_ranges(const graph *g, const compress_quantize_options *opt,
                                    const float *const *calib, int n_vectors,
                                    float *t_min, float *t_max);

/* One tensor's histogram: COMPRESS_HIST_BINS equal bins over [min, max]
 * (min <= max, finite) plus the count of exact zeros. */
typedef struct compress_hist compress_hist;
hb_status compress_hist_new(float min, float max, compress_hist **out);
void compress_hist_free(compress_hist *h);
/* Adds n values; values outside [min, max] go to the end bins. */
void compress_hist_add(compress_hist *h, const float *v, size_t n);
/* The clip range of opt's method and scheme (minmax: [min, max]). An empty
 * histogram gives [min, max]. */
void compress_hist_clip(const compress_hist *h, const compress_quantize_options *opt,
                        float *lo, float *hi);

/* The per-tensor parameters of a float range, as above. */
void compress_int8_params(float min, float max, float *scale,
                          int32_t *zero_point);
void compress_int16_params(float min, float max, float *scale);
/* round(x / scale) + zero_point, clamped to the type. scale > 0. */
int8_t compress_int8_from_float(float x, float scale, int32_t zero_point);
int16_t compress_int16_from_float(float x, float scale);
/* scale * (q - zero_point). */
float compress_int8_to_float(int8_t q, float scale, int32_t zero_point);

#endif
