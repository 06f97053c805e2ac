/*
 * tflite.h: TensorFlow Lite FlatBuffer files in and out of a graph.
 *
 * Namespace: tflite_.
 *
 * The reader is a small bounds-checked FlatBuffer walker written for the
 * TFLite schema (schema version 3): every offset, vector length and table
 * field is checked against the buffer before use, so a truncated or
 * corrupted file gives HB_ERR_FORMAT with a message naming the offset or
 * table, never a crash. It takes subgraph 0 only. An op the engine has no
 * opcode for gives HB_ERR_UNSUPPORTED naming the op's TFLite name and its
 * index ("op 4 (SQUARED_DIFFERENCE): not supported"), as does an
 * unsupported tensor type.
 *
 * The writer produces a valid schema-3 FlatBuffer (file identifier "TFL3")
 * that TFLite and this reader accept, with one buffer per constant tensor
 * and buffer 0 empty, as the TFLite converter does.
 *
 * Ownership: *out graphs and *buf buffers belong to the caller (graph_free,
 * free). On failure they are set to NULL.
 */
#ifndef TFLITE_H
#define TFLITE_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* name is used in error messages only (may be NULL). */
hb_status tflite_read(const uint8_t *buf, size_t len, const char *name,
                      graph **out);
hb_status tflite_read_file(const char *path, graph **out);

hb_status tflite_write(const graph *g, uint8_t **buf, size_t *len);
hb_status tflite_write_file(const graph *g, const char *path);

#endif
