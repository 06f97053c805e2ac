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
    {"dump-layers", "DIR", "write every layer's output tensors to DIR as "
                           "opNNN_<OP>_out<k>.bin, with an index layers.json", 0},
    {0},
};

/* Layer dumps: the same file naming as TensorFlow Lite Micro's goldens. */
typedef struct {
    const char *dir;
    const graph *g;
    json_t *index;
    hb_status st;
} dumper;

static void dump_layer(void *ctx, int op, const nn_tensor *out, int n)
{
    dumper *d = ctx;
    for (int k = 0; k < n && d->st == HB_OK; k++) {
        char name[96], path[4096];
        snprintf(name, sizeof(name), "op%03d_%s_out%d.bin", op, nn_op_name(d->g->ops[op].op), k);
        snprintf(path, sizeof(path), "%s/%s", d->dir, name);
        d->st = hb_write_file(path, out[k].data, out[k].bytes);
        json_t *e = json_object(), *shape = json_array();
        for (int r = 0; r < out[k].rank; r++)
            json_array_append_new(shape, json_integer(out[k].dims[r]));
        json_object_set_new(e, "op_index", json_integer(op));
        json_object_set_new(e, "op", json_string(nn_op_name(d->g->ops[op].op)));
        json_object_set_new(e, "output_slot", json_integer(k));
        json_object_set_new(e, "file", json_string(name));
        json_object_set_new(e, "bytes", json_integer(out[k].bytes));
        json_object_set_new(e, "dtype", json_string(nn_dtype_name(out[k].dtype)));
        json_object_set_new(e, "shape", shape);
        json_array_append_new(d->index, e);
    }
}

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
    dumper dump = {cli_get(a, "dump-layers"), g, NULL, HB_OK};
    if (dump.dir) {
        if ((st = hb_mkdirs(dump.dir)) != HB_OK)
            goto cleanup;
        dump.index = json_array();
    }
    st = hostrun_invoke(r, dump.dir ? dump_layer : NULL, &dump);
    if (st == HB_OK && dump.dir && (st = dump.st) == HB_OK) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/layers.json", dump.dir);
        if (json_dump_file(dump.index, path, JSON_INDENT(2)) != 0)
            st = hb_fail(HB_ERR_FAIL, "%s: cannot write", path);
    }
    json_decref(dump.index);
    if (st != HB_OK)
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
