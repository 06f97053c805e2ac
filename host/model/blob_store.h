/*
 * blob_store.h: how the blob writer stores each constant: dense, or sparse
 * (docs/model-format.md, "Sparse constants"). Internal to host/model.
 *
 * Namespace: blob_store_.
 *
 * A constant may be stored sparse only if every op reading it reads it
 * where nn_blob_sparse_axis() allows, its dtype is float32, float16 or
 * int8 with every zero point 0 (a skipped int8 value is q = 0), and, for a
 * DEPTHWISE_CONV_2D bitmap, its filter has at most NN_BLOB_SPARSE_DW_TAPS
 * taps. An element is zero when all its bytes are (so -0.0f is stored).
 * Of the storages allowed, the smallest wins; dense on a tie, so a model
 * without zeros gives the same blob as before sparse kinds existed.
 */
#ifndef BLOB_STORE_H
#define BLOB_STORE_H

#include <stdint.h>

#include "graph.h"

typedef struct {
    uint8_t kind;    /* NN_KIND_CONST, NN_KIND_SPARSE or NN_KIND_CHANNELS */
    uint8_t axis;    /* NN_KIND_CHANNELS: the channel dimension */
    uint64_t bytes;  /* bytes stored in the data region */
} blob_store;

/* The storage of constant tensor t of g. */
blob_store blob_store_choose(const graph *g, int t);
/* Writes tensor t's data as s says into out (s->bytes bytes, zeroed). */
void blob_store_write(const graph *g, int t, const blob_store *s, uint8_t *out);

#endif
