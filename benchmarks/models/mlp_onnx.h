/*
 * mlp_onnx.h: the project's MLPs as ONNX files (hilbench-make-models).
 *
 * Namespace: mlp_.
 */
#ifndef MLP_ONNX_H
#define MLP_ONNX_H

#include "model/graph.h"

/* Writes g, a chain of float FULLY_CONNECTED ops with biases and fused
 * ReLU or none (the graphs make_models.c builds), as Gemm and Relu nodes
 * (opset 13, dynamic batch) to path. HB_ERR_UNSUPPORTED for other graphs. */
hb_status mlp_write_onnx(const graph *g, const char *path);

#endif
