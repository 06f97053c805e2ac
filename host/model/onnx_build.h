/*
 * onnx_build.h: small ONNX models written from C, for the tests, the fuzz
 * seeds and the project's own models (benchmarks/models/make_models.c).
 *
 * Namespace: onnx_build_ (part of the onnx module).
 *
 * A model is built in order: inputs, outputs and initializers, then nodes,
 * each node's attributes right after it. Lists of names are one string,
 * comma-separated; an empty entry is an absent optional input ("x,,B").
 * Element types are ONNX's TensorProto.DataType numbers (1 float, 3 int8,
 * 7 int64, ...); raw data is little-endian. The result is a serialized
 * onnx.ModelProto (IR version 8, producer "hilbench").
 *
 * Ownership: onnx_build_new / onnx_build_free; packed bytes are malloc'ed
 * for the caller.
 */
#ifndef ONNX_BUILD_H
#define ONNX_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

typedef struct onnx_build onnx_build;

/* A model of the default domain at opset (6 .. 17 are read back). */
hb_status onnx_build_new(int64_t opset, onnx_build **out);
void onnx_build_free(onnx_build *b);

/* A graph input (output = 0) or output (1) of element type elem; a
 * negative dimension is dynamic (dim_param "N"); rank -1: no shape. */
hb_status onnx_build_io(onnx_build *b, int output, const char *name, int elem, int rank,
                        const int64_t *dims);
/* An initializer holding bytes of raw data. */
hb_status onnx_build_init(onnx_build *b, const char *name, int elem, int rank,
                          const int64_t *dims, const void *raw, size_t bytes);
/* A float32 initializer (count from dims). */
hb_status onnx_build_init_f32(onnx_build *b, const char *name, int rank, const int64_t *dims,
                              const float *v);
/* A node; name may be NULL. */
hb_status onnx_build_node(onnx_build *b, const char *op, const char *name, const char *ins,
                          const char *outs);
/* Attributes of the last node. */
hb_status onnx_build_attr_i(onnx_build *b, const char *name, int64_t v);
hb_status onnx_build_attr_f(onnx_build *b, const char *name, float v);
hb_status onnx_build_attr_ints(onnx_build *b, const char *name, int n, const int64_t *v);
hb_status onnx_build_attr_s(onnx_build *b, const char *name, const char *v);
hb_status onnx_build_attr_tensor(onnx_build *b, const char *name, int elem, int rank,
                                 const int64_t *dims, const void *raw, size_t bytes);

/* The serialized model. */
hb_status onnx_build_pack(const onnx_build *b, uint8_t **buf, size_t *len);
hb_status onnx_build_write(const onnx_build *b, const char *path);
/* A serialized TensorProto (the test data's .pb files). */
hb_status onnx_build_tensor_pb(const char *name, int elem, int rank, const int64_t *dims,
                               const void *raw, size_t bytes, uint8_t **buf, size_t *len);

#endif
