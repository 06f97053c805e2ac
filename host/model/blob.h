/*
 * blob.h: lowering a graph to the engine's model blob.
 *
 * Namespace: blob_.
 *
 * blob_build() plans the arena (plan.h), computes every op's parameter
 * words (requantisation multipliers and shifts with TFLite's double-
 * precision rules, activation ranges, zero-point offsets: nn_params.h),
 * packs tensors, ops and constant data (docs/model-format.md) and stamps
 * the CRC. The result is what the stub validates and runs.
 *
 * Ownership: *blob is malloc'ed for the caller (free); NULL on failure.
 */
#ifndef BLOB_H
#define BLOB_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

typedef struct {
    uint32_t arena_bytes;  /* planned arena */
    uint32_t blob_bytes;
    uint32_t data_bytes;   /* constants: weights, biases, quantisation */
    uint32_t weight_bytes; /* of which the weights (input 1) of
                              FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D,
                              as stored (sparse storage included) */
} blob_info;

/* g must have passed graph_validate(). An op the engine cannot express
 * (bad dtype mix, unsupported option) gives HB_ERR_UNSUPPORTED naming the
 * op index and op. info may be NULL. */
hb_status blob_build(const graph *g, uint8_t **blob, size_t *len,
                     blob_info *info);

#endif
