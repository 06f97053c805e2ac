/*
 * graph.h: the host's in-memory model, the hub every format converts to.
 *
 * Namespace: graph_ / GRAPH_.
 *
 * Importers (TFLite, later ONNX) build a graph; recipes (host/compress)
 * rewrite it; the planner and blob writer lower it to the engine's blob;
 * the TFLite writer exports it. Dtypes and opcodes are the engine's
 * (nn_types.h), so a graph only holds what the engine can run: an
 * importer refuses anything else, naming the op and its index.
 *
 * Ownership: a graph owns every string and array it points to; graph_free()
 * releases all of it. Tensor data of constants is owned (copied in).
 */
#ifndef GRAPH_H
#define GRAPH_H

#include <stddef.h>
#include <stdint.h>

#include "../../target-stub/engine/nn_types.h"
#include "../util/hb_error.h"

typedef struct {
    char *name;              /* owned, may be NULL */
    int dtype;               /* nn_dtype */
    int rank;                /* 0..NN_MAX_RANK */
    int32_t dims[NN_MAX_RANK];
    /* Quantisation: n_quant == 0 none, 1 per-tensor, > 1 per-channel along
     * quant_axis (n_quant == dims[quant_axis]). */
    int n_quant;
    float *scales;           /* owned, n_quant entries */
    int32_t *zero_points;    /* owned, n_quant entries */
    int quant_axis;
    /* Constant data: non-NULL for weights, biases and other constants. */
    uint8_t *data;           /* owned, `bytes` bytes, little-endian */
    size_t bytes;
} graph_tensor;

/* Options of every op kind in one struct; each op reads what it needs. */
typedef struct {
    int activation;          /* nn_activation */
    int padding;             /* nn_padding */
    int stride_w, stride_h;
    int dilation_w, dilation_h; /* pools: 0 or 1 = none (TFLite has none) */
    int filter_w, filter_h;  /* pooling window */
    int depth_multiplier;
    int keep_num_dims;       /* FULLY_CONNECTED */
    float beta;              /* SOFTMAX */
    int axis;                /* CONCATENATION; may be negative (from the end) */
    float alpha;             /* LEAKY_RELU */
    int mirror_mode;         /* MIRROR_PAD: 0 REFLECT, 1 SYMMETRIC (TFLite's) */
} graph_options;

typedef struct {
    int op;                  /* nn_opcode */
    int n_inputs, n_outputs;
    int *inputs;             /* owned; tensor indices, -1 = absent optional */
    int *outputs;            /* owned */
    graph_options opt;
} graph_op;

typedef struct {
    graph_tensor *tensors;   /* owned array of n_tensors */
    int n_tensors;
    graph_op *ops;           /* owned array of n_ops, execution order */
    int n_ops;
    int *inputs, n_inputs;   /* owned; tensor indices */
    int *outputs, n_outputs; /* owned */
    char *description;       /* owned, may be NULL */
} graph;

/* Allocates an empty graph. Returns HB_ERR_MEM on failure (*out = NULL). */
hb_status graph_new(graph **out);
/* Frees the graph and everything it owns. NULL is fine. */
void graph_free(graph *g);
/* Deep copy. */
hb_status graph_clone(const graph *g, graph **out);

/* Appends a tensor (copying name, quantisation and data when given) and
 * returns its index through *index. data may be NULL (an activation). */
hb_status graph_add_tensor(graph *g, const char *name, int dtype, int rank,
                           const int32_t *dims, const void *data, size_t bytes,
                           int *index);
/* Sets per-tensor (n == 1) or per-channel quantisation of tensor t. */
hb_status graph_set_quant(graph *g, int t, int n, const float *scales,
                          const int32_t *zero_points, int axis);
/* Appends an op; inputs/outputs are copied. */
hb_status graph_add_op(graph *g, int op, int n_inputs, const int *inputs,
                       int n_outputs, const int *outputs,
                       const graph_options *opt, int *index);
hb_status graph_set_io(graph *g, int n_inputs, const int *inputs,
                       int n_outputs, const int *outputs);

/* Elements and bytes of a tensor from its shape and dtype. */
size_t graph_tensor_count(const graph_tensor *t);
size_t graph_tensor_bytes(const graph_tensor *t);

/* Structural checks every importer runs last: indices in range, shapes and
 * byte sizes consistent, each activation written exactly once before it is
 * read. On failure the message names the op or tensor. */
hb_status graph_validate(const graph *g);

/* Multiply-accumulates of op i (the convention of TFLite Micro's
 * profiler: CONV_2D out x kh x kw x cin, DEPTHWISE out x kh x kw,
 * FULLY_CONNECTED out x depth; 0 for other ops). */
uint64_t graph_op_macs(const graph *g, int i);
/* Bytes of constant inputs (weights, biases) of op i. */
uint64_t graph_op_param_bytes(const graph *g, int i);
/* Writes "1x28x28x1" style shape text into buf. */
void graph_shape_text(const graph_tensor *t, char *buf, size_t len);

#endif
