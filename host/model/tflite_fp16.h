/*
 * tflite_fp16.h: float16 weights as TFLite stores them. Internal to the
 * tflite module (tflite.h).
 *
 * Namespace: tflite_.
 *
 * TFLite's float16 models keep each weight as a float16 constant read by a
 * DEQUANTIZE op whose float32 output is the op's weight input. A graph
 * instead holds the float16 constant itself as the weight (the engine
 * converts on the fly, and the blob stays half the size).
 */
#ifndef TFLITE_FP16_H
#define TFLITE_FP16_H

#include "graph.h"

/* Reading: folds every DEQUANTIZE of a float16 constant (one input, one
 * output of the same element count, not a model output) away. Its output
 * becomes a constant: float16 (the same bits) when every op reading it
 * reads it as weights (input 1 of FULLY_CONNECTED, CONV_2D,
 * DEPTHWISE_CONV_2D), else float32 (converted exactly). Constants left
 * unused are dropped and the tensors renumbered in order. */
hb_status tflite_fold_fp16(graph *g);

/* Writing: *out is a copy of g in which every float16 constant t that an
 * op reads is a float32 tensor computed by a DEQUANTIZE (placed before
 * every other op) of a new float16 constant appended to the tensors, named
 * NAME_fp16; *out is NULL when g has no such constant. Folding *out gives
 * g back. */
hb_status tflite_expand_fp16(const graph *g, graph **out);

#endif
