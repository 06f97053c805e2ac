/*
 * mlp_onnx.c: the project's MLPs written as ONNX models (onnx_build.h), so
 * that an ONNX suite can run on a model the project makes itself.
 *
 * A chain of FULLY_CONNECTED ops becomes Gemm nodes (weights [units,
 * depth], transB = 1, the bias as C), each fused ReLU a Relu node: what
 * PyTorch exports for nn.Linear and nn.ReLU. The batch dimension is
 * dynamic ("N"), as exporters write it; the importer reads it as 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "mlp_onnx.h"
#include "model/onnx_build.h"

enum { ONNX_FLOAT = 1 };

hb_status mlp_write_onnx(const graph *g, const char *path)
{
    onnx_build *b = NULL;
    char prev[64] = "input", next[64], w[64], bias[64];
    hb_status st;

    if ((st = onnx_build_new(13, &b)) != HB_OK)
        return st;
    const graph_tensor *in = &g->tensors[g->inputs[0]];
    const graph_tensor *out = &g->tensors[g->outputs[0]];
    int64_t in_dims[2] = {-1, in->dims[1]}, out_dims[2] = {-1, out->dims[1]};
    if ((st = onnx_build_io(b, 0, "input", ONNX_FLOAT, 2, in_dims)) != HB_OK ||
        (st = onnx_build_io(b, 1, "output", ONNX_FLOAT, 2, out_dims)) != HB_OK)
        goto cleanup;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        const graph_tensor *wt = &g->tensors[o->inputs[1]];
        const graph_tensor *bt = o->n_inputs > 2 ? &g->tensors[o->inputs[2]] : NULL;
        int last = i == g->n_ops - 1, relu = o->opt.activation == NN_ACT_RELU;
        if (o->op != NN_OP_FULLY_CONNECTED || !wt->data || !bt || !bt->data ||
            wt->dtype != NN_DT_FLOAT32 || (o->opt.activation != NN_ACT_NONE && !relu)) {
            st = hb_fail(HB_ERR_UNSUPPORTED, "mlp_write_onnx: op %d is not a float "
                         "FULLY_CONNECTED with a bias and ReLU or nothing", i);
            goto cleanup;
        }
        int64_t wd[2] = {wt->dims[0], wt->dims[1]}, bd = wt->dims[0];
        char ins[200], gemm_out[64];
        snprintf(w, sizeof(w), "dense_%d.weight", i + 1);
        snprintf(bias, sizeof(bias), "dense_%d.bias", i + 1);
        snprintf(gemm_out, sizeof(gemm_out), "gemm_%d", i + 1);
        if (last)
            snprintf(next, sizeof(next), "output");
        else if (relu)
            snprintf(next, sizeof(next), "relu_%d", i + 1);
        else
            snprintf(next, sizeof(next), "%s", gemm_out);
        snprintf(ins, sizeof(ins), "%s,%s,%s", prev, w, bias);
        if ((st = onnx_build_init(b, w, ONNX_FLOAT, 2, wd, wt->data, wt->bytes)) != HB_OK ||
            (st = onnx_build_init(b, bias, ONNX_FLOAT, 1, &bd, bt->data, bt->bytes)) ||
            (st = onnx_build_node(b, "Gemm", NULL, ins, relu ? gemm_out : next)) ||
            (st = onnx_build_attr_i(b, "transB", 1)) != HB_OK)
            goto cleanup;
        if (relu && (st = onnx_build_node(b, "Relu", NULL, gemm_out, next)) != HB_OK)
            goto cleanup;
        snprintf(prev, sizeof(prev), "%s", next);
    }
    st = onnx_build_write(b, path);
cleanup:
    onnx_build_free(b);
    return st;
}
