/*
 * onnx.h: ONNX models into a graph.
 *
 * Namespace: onnx_ (onnx_int.h is this module's internals; onnx_build.h
 * writes small models for tests and the project's own models).
 *
 * Reading: the file is a serialized onnx.ModelProto, unpacked with the
 * protobuf-c reader generated at build time from onnx.proto (nesting
 * deeper than ONNX_MAX_NESTING is refused first, so a hostile file cannot
 * exhaust the stack). The main graph becomes the same graph the TFLite
 * reader makes, so planning, lowering, recipes and reports work unchanged
 * (docs/onnx.md has the details):
 *  - float32 models (a float64 input is refused; float64, float16 and
 *    bfloat16 constants become float32), default-domain opsets 6 to 17;
 *    graph inputs that have an initializer are constants; every dynamic
 *    dimension of an input is 1 (batch 1), and an error about shapes that
 *    do not fit then names the dynamic dimension too;
 *  - nodes in the order given (ONNX requires a topological order);
 *    constant sub-graphs are evaluated at import (Shape, Gather, Unsqueeze,
 *    Concat, arithmetic, ... on constants; Shape of any tensor, shapes
 *    being static);
 *  - the body runs in NHWC: convolutions and pools read NHWC tensors,
 *    elementwise ops follow their inputs' layout, shape ops (Reshape,
 *    Flatten, MatMul, ...) read the model's own order. Converting between
 *    the two inserts TRANSPOSE ops (a RESHAPE when only unit dimensions
 *    move), so model inputs and outputs keep their declared NCHW layout;
 *    weights are transposed at import. 1-D convolutions and pools run as
 *    2-D with H = 1;
 *  - QuantizeLinear / DequantizeLinear pairs (QDQ form) fold into int8
 *    tensors: ops whose activation inputs are int8 and whose output is
 *    quantised by QuantizeLinear nodes only run in int8; others run in
 *    float on dequantised inputs. uint8 becomes int8 (q - 128, zero point
 *    - 128).
 * graph_validate() runs last. Errors: HB_ERR_FORMAT for a malformed file
 * or an inconsistent model, HB_ERR_UNSUPPORTED for what the engine cannot
 * run, each naming the node ("node 12 'conv1' (Conv): ...") or tensor.
 *
 * Ownership: *out graphs belong to the caller (graph_free); NULL on
 * failure. The input buffer is only borrowed during the call.
 */
#ifndef ONNX_H
#define ONNX_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* Deepest message nesting a file may have (a model is about 6 deep; a
 * control-flow subgraph adds 3 per level). */
#define ONNX_MAX_NESTING 64
/* Default cap on the constant bytes an import may create (constants made
 * by ConstantOfShape and folding, and weights transposed to NHWC). */
#define ONNX_DEFAULT_MAX_CONST_BYTES (4ull << 30)

typedef struct {
    const char *name;          /* prefixes messages; may be NULL */
    uint64_t max_const_bytes;  /* 0: ONNX_DEFAULT_MAX_CONST_BYTES */
} onnx_options;

/* Reads len bytes at buf (NULL only if len is 0). name prefixes error
 * messages (may be NULL). HB_ERR_ARG if out is NULL. */
hb_status onnx_read(const uint8_t *buf, size_t len, const char *name, graph **out);
/* The same with options (opt may be NULL: the defaults). */
hb_status onnx_read_opts(const uint8_t *buf, size_t len, const onnx_options *opt,
                         graph **out);
/* Reads a whole file: HB_ERR_NOT_FOUND if it does not exist, HB_ERR_FAIL
 * if it cannot be read; messages are prefixed with the path. */
hb_status onnx_read_file(const char *path, graph **out);

/* 1 if buf starts as an ONNX model does (the ir_version field, which every
 * exporter writes first), 0 otherwise. A guess: onnx_read decides. */
int onnx_detect(const uint8_t *buf, size_t len);

/* One serialized onnx.TensorProto (the test data's input_N.pb and
 * output_N.pb) as float32 values: float, double (narrowed), integer and
 * bool element types are converted. */
typedef struct {
    int rank;
    int64_t dims[NN_MAX_RANK];
    size_t count;              /* elements */
    float *values;             /* owned (onnx_tensor_free) */
} onnx_tensor;

/* HB_ERR_FORMAT for a malformed tensor (its name in the message). */
hb_status onnx_tensor_read(const uint8_t *buf, size_t len, onnx_tensor *out);
void onnx_tensor_free(onnx_tensor *t);

#endif
