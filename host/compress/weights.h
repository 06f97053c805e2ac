/*
 * weights.h: recipes that rewrite weights: half floats, pruning, feature
 * selection (docs/variants.md).
 *
 * Namespace: compress_.
 *
 * "Weights" are the constant input 1 of FULLY_CONNECTED ([units, depth]),
 * CONV_2D ([C_OUT, KH, KW, C_F]) and DEPTHWISE_CONV_2D ([1, KH, KW,
 * C_OUT]); their output channels run along dimension 0, 0 and 3. Biases
 * and other constants are left alone except where stated. The graphs stay
 * dense: zeros are zeros in the data, and the blob writer stores them
 * sparse when that is smaller (host/model/blob_store.h).
 *
 * Ownership: *out graphs belong to the caller (graph_free); NULL on
 * failure. The input graph is never changed.
 */
#ifndef COMPRESS_WEIGHTS_H
#define COMPRESS_WEIGHTS_H

#include <stdint.h>

#include "compress.h"

/* The output-channel dimension of tensor t as weights of every op that
 * reads it (all must read it as weights and agree), or -1. */
int compress_weight_axis(const graph *g, int t);

/* fp16: every float32 weight tensor becomes float16 (IEEE half, rounded to
 * nearest even; -0 becomes +0); the kernels convert on the fly and compute
 * in float.
 * HB_ERR_UNSUPPORTED if an activation is not float32 or no weight is
 * float32; HB_ERR_ARG naming the tensor if a weight is beyond half's range
 * (|w| >= 65520 would become infinite). */
hb_status compress_fp16(const graph *g, graph **out);
/* compress_fp16()'s checks alone (HB_OK: it applies). */
hb_status compress_fp16_check(const graph *g);

/* float -> IEEE half bits, round to nearest even; overflow gives infinity,
 * NaN stays NaN. */
uint16_t compress_f32_to_f16(float f);

typedef struct {
    double sparsity; /* fraction to zero, in (0, 1) */
    int structured;  /* 0: single weights; 1: whole output channels */
} compress_prune_options;

/* Magnitude pruning, per weight tensor (float32, float16, or int8 with
 * zero point 0; magnitude = |real value|, scale x |q| for int8):
 *   unstructured: of n weights, the floor(S n) smallest by (magnitude,
 *                 index) become 0 (weights already 0 count);
 *   structured:   of C output channels, the floor(S C) smallest by (L2
 *                 norm, index) become all 0, and so does their bias entry
 *                 (input 2 when constant): a removed channel outputs the
 *                 activation of 0.
 * HB_ERR_UNSUPPORTED if the graph has no such weights or an int8 weight
 * has a nonzero zero point; HB_ERR_ARG for a sparsity outside (0, 1). */
hb_status compress_prune(const graph *g, const compress_prune_options *opt,
                         graph **out);
/* compress_prune()'s checks of g alone (HB_OK: it applies). */
hb_status compress_prune_check(const graph *g);

/* Feature selection: the first op must be FULLY_CONNECTED reading model
 * input 0 (read by no other op, last dimension = the weights' depth) with
 * weights [units, depth]. Feature j's mass is sum_u |w[u][j]| (real
 * values); the k heaviest (ties: lower index) are kept, the others dropped
 * from the input and the weights. 1 <= k < depth. map (in/out) is composed:
 * on return it maps input 0 of the new graph to input 0 of the reference,
 * kept indices ascending; it is unchanged on failure. */
hb_status compress_features(const graph *g, int k, graph **out,
                            compress_input_map *map);
/* compress_features()'s checks alone (HB_OK: it applies). */
hb_status compress_features_check(const graph *g, int k);

/* Reduces calibration vectors of the reference model `ref` (every input's
 * float32 values, concatenated) to the inputs of a variant with input map
 * `map`: *out shares nothing with ctx; free *store (one allocation) after
 * use. With map->n_kept == 0, *out = *ctx and *store = NULL. */
hb_status compress_map_calibration(const graph *ref,
                                   const compress_input_map *map,
                                   const compress_context *ctx,
                                   compress_context *out, void **store);

#endif
