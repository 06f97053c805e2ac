/*
 * bars_onnx.h: the project's convolutional ONNX model and its dataset
 * (hilbench-make-models, benchmarks/bars_onnx.ini).
 *
 * Namespace: bars_.
 *
 * "bars" tells a vertical bar (class 0) from a horizontal one (class 1)
 * in a 3-channel 8 x 8 image, NCHW as PyTorch exports it: Conv 3x3 (Sobel
 * filters, pads 1), BatchNormalization, Relu, MaxPool 2x2, GlobalAveragePool,
 * Flatten, Gemm, Softmax. Its weights are set by hand, not trained, so it
 * is exact and the same on every machine; it exercises the importer's
 * NCHW path (a TRANSPOSE after the input, batch norm folded into the
 * convolution, pools in NHWC) where the MLPs (mlp_onnx.h) have none.
 */
#ifndef BARS_ONNX_H
#define BARS_ONNX_H

#include "util/hb_error.h"

#define BARS_VECTORS 32 /* dataset images, half of each class */

/* Writes DIR/bars_float.onnx and DIR/bars_data/ (x_NNN.bin: float32
 * [1, 3, 8, 8] images; y_labels.csv: file,2,class), reads the model back
 * and checks that it classifies every image right (HB_ERR_CHECK if not).
 * Progress lines go to stdout. */
hb_status bars_make(const char *dir);

#endif
