/*
 * fuzz_tflite.c: libFuzzer target: the TFLite reader, then lowering, the
 * engine's validation and one invoke of whatever gets through.
 */
#include <stdint.h>
#include <string.h>

#include "model/graph.h"
#include "model/hostrun.h"
#include "model/tflite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    graph *g = NULL;
    hostrun *r = NULL;
    if (tflite_read(data, size, "fuzz", &g) != HB_OK)
        return 0;
    uint64_t macs = 0;
    for (int i = 0; i < g->n_ops; i++)
        macs += graph_op_macs(g, i);
    /* Keep iterations fast: huge models are read and lowered, not run. */
    if (hostrun_new(g, &r) == HB_OK && macs < 2000000) {
        nn_tensor t;
        for (int k = 0; hostrun_input(r, k, &t) == HB_OK; k++)
            memset(t.data, 0x5a, t.bytes);
        hostrun_invoke(r, NULL, NULL);
    }
    hostrun_free(r);
    graph_free(g);
    return 0;
}
