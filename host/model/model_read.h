/*
 * model_read.h: a model file in any format the host reads into a graph.
 *
 * Namespace: model_.
 *
 * The format is told by content first (a TFLite file has "TFL3" at offset
 * 4, a hilbench blob its magic, an ONNX file starts with the ir_version
 * field), then by the name (".onnx"); anything else is read as TFLite, so
 * its error says what a TFLite file lacks. Errors and ownership as
 * tflite_read() and onnx_read().
 */
#ifndef MODEL_READ_H
#define MODEL_READ_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

typedef enum {
    MODEL_TFLITE = 0,
    MODEL_ONNX = 1,
    MODEL_BLOB = 2  /* a hilbench blob: runs as it is, no graph */
} model_format;

/* The format of len bytes at buf; name (may be NULL) breaks ties. */
model_format model_format_of(const uint8_t *buf, size_t len, const char *name);
/* "TFLite", "ONNX", "hilbench blob". */
const char *model_format_name(model_format f);

/* Reads a TFLite or ONNX model; a blob gives HB_ERR_UNSUPPORTED. name
 * prefixes messages (may be NULL). */
hb_status model_read(const uint8_t *buf, size_t len, const char *name, graph **out);
/* Reads a whole file (HB_ERR_NOT_FOUND, HB_ERR_FAIL as tflite_read_file). */
hb_status model_read_file(const char *path, graph **out);

#endif
