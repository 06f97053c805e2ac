/*
 * fuzz_onnx.c: libFuzzer target: the ONNX importer (protobuf-c unpacking,
 * folding, layout, QDQ), then lowering, the engine's validation and one
 * invoke of whatever gets through.
 */
#include <stdint.h>
#include <string.h>

#include "model/graph.h"
#include "model/hostrun.h"
#include "model/onnx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A small cap: a ten-byte ConstantOfShape may ask for gigabytes. */
    onnx_options opt = {"fuzz", 64u << 20};
    graph *g = NULL;
    hostrun *r = NULL;
    if (onnx_read_opts(data, size, &opt, &g) != HB_OK)
        return 0;
    /* The work of one invoke, roughly: MACs, and every output element
     * times its window (pools count no MACs). */
    uint64_t work = 0;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        uint64_t window = (uint64_t)(o->opt.filter_h > 1 ? o->opt.filter_h : 1) *
                          (uint64_t)(o->opt.filter_w > 1 ? o->opt.filter_w : 1);
        work += graph_op_macs(g, i) + window * graph_tensor_count(&g->tensors[o->outputs[0]]);
    }
    /* Keep iterations fast: huge models are read and lowered, not run. */
    if (hostrun_new(g, &r) == HB_OK && work < 2000000) {
        nn_tensor t;
        for (int k = 0; hostrun_input(r, k, &t) == HB_OK; k++)
            memset(t.data, 0x5a, t.bytes);
        hostrun_invoke(r, NULL, NULL);
    }
    hostrun_free(r);
    graph_free(g);
    return 0;
}
