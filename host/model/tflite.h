/*
 * tflite.h: TensorFlow Lite FlatBuffer files in and out of a graph.
 *
 * Namespace: tflite_ (tflite_schema.h, tflite_fb.h and tflite_fbr.h are
 * this module's internals).
 *
 * Reading (schema version 3, file identifier "TFL3"): a bounds-checked
 * FlatBuffer walker checks every offset, vtable, vector length, string and
 * table field against the buffer before use, so a truncated or corrupted
 * file gives HB_ERR_FORMAT with a one-line message naming the table and
 * file offset, never a crash. Only subgraph 0 is read: operator codes
 * (max(deprecated_builtin_code, builtin_code), as TFLite does), tensors
 * (shape, type, name, quantisation scale/zero_point/quantized_dimension),
 * operators (inputs with -1 for an absent optional one, outputs, builtin
 * options with the schema's defaults for absent fields or tables),
 * subgraph inputs/outputs, buffers (the data vector, or offset/size from
 * the file start as models over 2 GB store them) and the description.
 * A tensor is a constant when its buffer has data; the data is copied into
 * the graph and must match the tensor's shape. float16 weights behind a
 * DEQUANTIZE (TFLite's float16 models) become float16 constants read
 * directly (tflite_fp16.h). graph_validate() runs last.
 * HB_ERR_UNSUPPORTED, naming the op's TFLite name and index ("op 4
 * (SQUARED_DIFFERENCE): not supported") or the tensor, for: a builtin the
 * engine has no opcode for, a custom op, a tensor type without an
 * nn_dtype, a sparse tensor, custom quantisation, rank above NN_MAX_RANK,
 * a schema version other than 3. Ignored: other subgraphs, op versions,
 * shape_signature, quantisation min/max, metadata, signature_defs.
 *
 * Writing: a valid schema-3 FlatBuffer with one subgraph ("main"), operator
 * codes deduplicated in order of first use (both code fields set, version
 * 1, which every TFLite op resolver accepts), buffer 0 empty and one buffer
 * per constant tensor with its data aligned to 16 bytes from the file
 * start, the options table of every op kind (RESHAPE's new_shape is its
 * output's shape), quantisation, names and description; float16 constants
 * are written as TFLite's float16 models have them, a float16 buffer read
 * by a DEQUANTIZE whose float32 output the ops read. The graph must
 * pass graph_validate(); else HB_ERR_ARG. Over 2 GB: HB_ERR_UNSUPPORTED.
 * Writing what was read gives back an equal graph, and writing is
 * deterministic.
 *
 * Ownership: *out graphs and *buf buffers belong to the caller (graph_free,
 * free). On failure they are set to NULL (and *len to 0). The input buffer
 * is only borrowed during the call.
 */
#ifndef TFLITE_H
#define TFLITE_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* Reads len bytes at buf (NULL only if len is 0). name prefixes error
 * messages (may be NULL). HB_ERR_ARG if out is NULL. */
hb_status tflite_read(const uint8_t *buf, size_t len, const char *name,
                      graph **out);
/* Reads a whole file: HB_ERR_NOT_FOUND if it does not exist, HB_ERR_FAIL
 * if it cannot be read; messages are prefixed with the path. */
hb_status tflite_read_file(const char *path, graph **out);

/* *buf is malloc'ed, *len bytes. */
hb_status tflite_write(const graph *g, uint8_t **buf, size_t *len);
/* Writes path whole or not at all (hb_write_file); HB_ERR_FAIL naming the
 * path if it cannot be written. */
hb_status tflite_write_file(const graph *g, const char *path);

#endif
