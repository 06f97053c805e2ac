/*
 * cmd_infer.c: `hilbench infer MODEL --input IN.bin --output OUT.bin`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model/hostrun.h"
#include "model/tflite.h"
#include "util/hb_file.h"

const cli_option cli_opts_infer[] = {
    {"input", "IN.bin", "raw bytes of the model's input (one per input, in order)", 1},
    {"output", "OUT.bin", "where to write the output bytes (one file per output, or one file "
                          "for all outputs concatenated)", 1},
    {0},
};

hb_status cmd_infer(const cli_args *a)
{
    const char *model = a->pos[0];
    const char *const *ins, *const *outs;
    int n_in = cli_all(a, "input", &ins), n_out = cli_all(a, "output", &outs);
    graph *g = NULL;
    hostrun *r = NULL;
    uint8_t *buf = NULL, *all = NULL;
    size_t len = 0, total = 0;
    hb_status st;

    if ((st = tflite_read_file(model, &g)) != HB_OK)
        goto cleanup;
    if (n_in != g->n_inputs) {
        st = hb_fail(HB_ERR_ARG, "%s has %d input%s, got %d --input", model, g->n_inputs,
                     g->n_inputs == 1 ? "" : "s", n_in);
        goto cleanup;
    }
    if (n_out != 1 && n_out != g->n_outputs) {
        st = hb_fail(HB_ERR_ARG, "%s has %d outputs: give one --output per output, or one for all",
                     model, g->n_outputs);
        goto cleanup;
    }
    if ((st = hostrun_new(g, &r)) != HB_OK) {
        hb_context(st, "%s", model);
        goto cleanup;
    }
    for (int k = 0; k < n_in; k++) {
        if ((st = hb_read_file(ins[k], &buf, &len)) != HB_OK)
            goto cleanup;
        if ((st = hostrun_set_input(r, k, buf, len)) != HB_OK) {
            hb_context(st, "%s", ins[k]);
            goto cleanup;
        }
        free(buf);
        buf = NULL;
    }
    if ((st = hostrun_invoke(r, NULL, NULL)) != HB_OK)
        goto cleanup;
    for (int k = 0; k < g->n_outputs; k++) {
        nn_tensor t;
        hostrun_output(r, k, &t);
        total += t.bytes;
    }
    if (!(all = malloc(total + 1))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    size_t at = 0;
    for (int k = 0; k < g->n_outputs; k++) {
        nn_tensor t;
        hostrun_output(r, k, &t);
        memcpy(all + at, t.data, t.bytes);
        if (n_out > 1 && (st = hb_write_file(outs[k], t.data, t.bytes)) != HB_OK)
            goto cleanup;
        at += t.bytes;
    }
    if (n_out == 1)
        st = hb_write_file(outs[0], all, total);
cleanup:
    free(buf);
    free(all);
    hostrun_free(r);
    graph_free(g);
    return st;
}
