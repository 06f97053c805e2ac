/*
 * quantize.h: full-integer post-training quantisation to int8.
 *
 * Namespace: compress_ / COMPRESS_.
 *
 * Turns a float32 graph into the int8 graph the TFLite converter makes with
 * full-integer quantisation (inference input and output types int8), using
 * TFLite's int8 quantisation spec. Every number is real = scale * (q - zp).
 *
 * Activations (every non-constant tensor, model input and output included):
 * int8, per tensor, asymmetric. Their float range [min, max] comes from
 * calibration: the float graph runs on the host (hostrun) over the
 * calibration vectors and min/max are taken over all of them. Then
 *     min   = min(min, 0), max = max(max, 0)     (0 must be exact)
 *     scale = (max - min) / 255                  (float arithmetic)
 *     zp    = round(-128 - min / scale), clamped to [-128, 127]
 * round() is half away from zero. A tensor that was always 0 has no range;
 * it gets scale 1/255, zp -128 (any positive scale represents 0 exactly).
 * A fused RELU or RELU6 needs nothing special: the calibrated output is
 * already >= 0, so min = 0 and zp = -128.
 *
 * Weights (FULLY_CONNECTED [units, depth]): int8, symmetric, zp 0.
 *     per channel (default): scale[u] = max_k |w[u][k]| / 127, axis 0
 *     per tensor:            scale    = max |w| / 127
 *     q = round(w / scale), clamped to [-127, 127]  (-128 is never used)
 * An all-zero channel gets scale 1.
 *
 * Bias ([units]): int32, zp 0, one scale per weight scale:
 *     bscale[u] = input_scale * wscale[u]   (float product)
 *     q = round(b / bscale), clamped to [-(2^31 - 1), 2^31 - 1]
 * so the int32 accumulator of the kernel and the bias share one scale.
 *
 * Ops are handled by a table indexed by opcode; an op without an entry gives
 * HB_ERR_UNSUPPORTED naming it ("op 3 (CONV_2D): int8 quantisation not
 * supported"). Supported now: FULLY_CONNECTED with fused NONE, RELU,
 * RELU_N1_TO_1 or RELU6.
 *
 * Ownership: *out graphs belong to the caller (graph_free); NULL on failure.
 * The input graph is never changed.
 */
#ifndef COMPRESS_QUANTIZE_H
#define COMPRESS_QUANTIZE_H

#include <stdint.h>

#include "../model/graph.h"

typedef struct {
    int per_tensor; /* 0: one weight scale per output channel (TFLite's
                       default); 1: one scale per weight tensor */
} compress_quantize_options;

/* Quantises float graph g (all activations float32, constants float32) to
 * int8. calib_inputs[v] (v < n_vectors, n_vectors >= 1) is the float32 data
 * of model input 0 for calibration vector v, graph_tensor_count() elements;
 * graphs with more than one input give HB_ERR_UNSUPPORTED. opt may be NULL
 * (defaults: per channel). Non-finite calibration values give HB_ERR_ARG.
 * Needs hostrun (blob_build and the engine) to run g. */
hb_status compress_quantize_int8(const graph *g,
                                 const compress_quantize_options *opt,
                                 const float *const *calib_inputs,
                                 int n_vectors, graph **out);

/* Calibration alone: runs g over the vectors (as above) and writes, for
 * every tensor t (n_tensors entries each), the smallest and largest value
 * seen in t_min[t], t_max[t]. Constants and tensors never written keep
 * t_min = +INFINITY, t_max = -INFINITY. */
hb_status compress_calibrate(const graph *g, const float *const *calib_inputs,
                             int n_vectors, float *t_min, float *t_max);

/* Quantisation from known ranges (calibration done elsewhere, or ranges
 * from training): t_min/t_max as compress_calibrate() fills them; every
 * activation tensor needs t_min <= t_max (HB_ERR_ARG naming it otherwise).
 * Does not run the graph. */
hb_status compress_quantize_int8_ranges(const graph *g,
                                        const compress_quantize_options *opt,
                                        const float *t_min, const float *t_max,
                                        graph **out);

/* The per-tensor int8 parameters of a float range, as above. */
void compress_int8_params(float min, float max, float *scale,
                          int32_t *zero_point);
/* round(x / scale) + zero_point, clamped to [-128, 127]. scale > 0. */
int8_t compress_int8_from_float(float x, float scale, int32_t zero_point);
/* scale * (q - zero_point). */
float compress_int8_to_float(int8_t q, float scale, int32_t zero_point);

#endif
