/*
 * cmd_infer.c: `hilbench infer MODEL --input IN.bin --output OUT.bin`.
 *
 * MODEL is a .tflite or .onnx file or a hilbench blob (recognised by
 * content, so the name matters only for an ONNX file that does not start
 * as exporters write them). --input-dtype / --output-dtype float32 move
 * the data through the model's own quantisation, so that any variant can
 * be fed and compared in the float domain.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn_blob.h"
#include "cli.h"
#include "model/hostrun.h"
#include "model/model_read.h"
#include "util/hb_file.h"

const cli_option cli_opts_infer[] = {
    {"input", "IN.bin", "raw bytes of the model's input (one per input, in order)", 1, 0},
    {"output", "OUT.bin", "where to write the output bytes (one file per output, or one file "
                          "for all outputs concatenated)", 1, 0},
    {"input-dtype", "float32", "the inputs hold float32 values, quantised with each input's "
                               "own scale and zero point", 0, 0},
    {"output-dtype", "float32", "write float32 values, dequantised with each output's own "
                                "scale and zero point", 0, 0},
    {"dump-layers", "DIR", "write every layer's output tensors to DIR as "
                           "opNNN_<OP>_out<k>.bin, with an index layers.json", 0, 0},
    {0},
};

/* Layer dumps: the same file naming as TensorFlow Lite Micro's goldens. */
typedef struct {
    const char *dir;
    const nn_model *m;
    json_t *index;
    hb_status st;
} dumper;

static void dump_layer(void *ctx, int op, const nn_tensor *out, int n)
{
    dumper *d = ctx;
    const char *op_name = nn_op_name(nn_model_op_code(d->m, (uint16_t)op));
    for (int k = 0; k < n && d->st == HB_OK; k++) {
        char name[96], path[4096];
        snprintf(name, sizeof(name), "op%03d_%s_out%d.bin", op, op_name, k);
        snprintf(path, sizeof(path), "%s/%s", d->dir, name);
        d->st = hb_write_file(path, out[k].data, out[k].bytes);
        json_t *e = json_object(), *shape = json_array();
        for (int r = 0; r < out[k].rank; r++)
            json_array_append_new(shape, json_integer(out[k].dims[r]));
        json_object_set_new(e, "op_index", json_integer(op));
        json_object_set_new(e, "op", json_string(op_name));
        json_object_set_new(e, "output_slot", json_integer(k));
        json_object_set_new(e, "file", json_string(name));
        json_object_set_new(e, "bytes", json_integer(out[k].bytes));
        json_object_set_new(e, "dtype", json_string(nn_dtype_name(out[k].dtype)));
        json_object_set_new(e, "shape", shape);
        json_array_append_new(d->index, e);
    }
}

/* A .tflite or .onnx file or a blob, by content. */
static hb_status open_model(const char *path, hostrun **r)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    graph *g = NULL;
    hb_status st;

    *r = NULL;
    if ((st = hb_read_file(path, &buf, &len)) != HB_OK)
        return st;
    if (len >= 4 && nn_rd_u32(buf) == NN_BLOB_MAGIC)
        st = hostrun_new_blob(buf, len, r);
    else if ((st = model_read(buf, len, path, &g)) == HB_OK)
        st = hostrun_new(g, r);
    if (st != HB_OK && !strstr(hb_last_error(), path))
        hb_context(st, "%s", path);
    graph_free(g);
    free(buf);
    return st;
}

/* --input-dtype / --output-dtype: absent (the model's own) or float32. */
static hb_status float_option(const cli_args *a, const char *name, int *as_float)
{
    const char *v = cli_get(a, name);
    *as_float = v != NULL;
    if (v && strcmp(v, "float32") != 0)
        return hb_fail(HB_ERR_ARG, "--%s: '%s' is not supported (float32, or leave it out for "
                       "the model's own dtype)", name, v);
    return HB_OK;
}

static hb_status read_inputs(const cli_args *a, hostrun *r, int as_float)
{
    const char *const *ins;
    int n_in = cli_all(a, "input", &ins);
    int want = nn_model_input_count(hostrun_model(r));
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st = HB_OK;

    if (n_in != want)
        return hb_fail(HB_ERR_ARG, "%s has %d input%s, got %d --input", a->pos[0], want,
                       want == 1 ? "" : "s", n_in);
    for (int k = 0; k < n_in && st == HB_OK; k++) {
        if ((st = hb_read_file(ins[k], &buf, &len)) != HB_OK)
            break;
        if (!as_float)
            st = hostrun_set_input(r, k, buf, len);
        else if (len % sizeof(float))
            st = hb_fail(HB_ERR_ARG, "%zu bytes are not float32 values", len);
        else {
            float *v = malloc(len ? len : 1);
            if (!v) {
                st = hb_fail(HB_ERR_MEM, "out of memory");
            } else {
                memcpy(v, buf, len);
                st = hostrun_set_input_f32(r, k, v, len / sizeof(float));
                free(v);
            }
        }
        if (st != HB_OK)
            hb_context(st, "%s", ins[k]);
        free(buf);
        buf = NULL;
    }
    return st;
}

static hb_status write_outputs(const cli_args *a, hostrun *r, int as_float)
{
    const char *const *outs;
    int n_out = cli_all(a, "output", &outs);
    int have = nn_model_output_count(hostrun_model(r));
    uint8_t *all = NULL;
    size_t total = 0, at = 0;
    hb_status st = HB_OK;

    for (int k = 0; k < have; k++) {
        nn_tensor t;
        hostrun_output(r, k, &t);
        total += as_float ? t.count * sizeof(float) : t.bytes;
    }
    if (!(all = malloc(total + 1)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int k = 0; k < have && st == HB_OK; k++) {
        nn_tensor t;
        size_t bytes;
        hostrun_output(r, k, &t);
        if (as_float) {
            bytes = t.count * sizeof(float);
            float *v = malloc(bytes + 1);
            if (!v) {
                st = hb_fail(HB_ERR_MEM, "out of memory");
                break;
            }
            if ((st = hostrun_output_f32(r, k, v, t.count)) == HB_OK)
                memcpy(all + at, v, bytes);
            free(v);
        } else {
            bytes = t.bytes;
            memcpy(all + at, t.data, bytes);
        }
        if (st == HB_OK && n_out > 1)
            st = hb_write_file(outs[k], all + at, bytes);
        at += bytes;
    }
    if (st == HB_OK && n_out == 1)
        st = hb_write_file(outs[0], all, total);
    free(all);
    return st;
}

hb_status cmd_infer(const cli_args *a)
{
    const char *model = a->pos[0];
    const char *const *outs;
    int n_out = cli_all(a, "output", &outs), in_float, out_float;
    hostrun *r = NULL;
    dumper dump = {cli_get(a, "dump-layers"), NULL, NULL, HB_OK};
    hb_status st;

    if ((st = float_option(a, "input-dtype", &in_float)) != HB_OK ||
        (st = float_option(a, "output-dtype", &out_float)) != HB_OK)
        return st;
    if ((st = open_model(model, &r)) != HB_OK)
        return st;
    int have = nn_model_output_count(hostrun_model(r));
    if (n_out != 1 && n_out != have) {
        st = hb_fail(HB_ERR_ARG, "%s has %d output%s, got %d --output: give one per output, "
                     "or one for all", model, have, have == 1 ? "" : "s", n_out);
        goto cleanup;
    }
    if ((st = read_inputs(a, r, in_float)) != HB_OK)
        goto cleanup;
    if (dump.dir) {
        if ((st = hb_mkdirs(dump.dir)) != HB_OK)
            goto cleanup;
        dump.m = hostrun_model(r);
        dump.index = json_array();
    }
    st = hostrun_invoke(r, dump.dir ? dump_layer : NULL, &dump);
    if (st == HB_OK && dump.dir && (st = dump.st) == HB_OK) {
        char path[4096];
        snprintf(path, sizeof(path), "%s/layers.json", dump.dir);
        if (json_dump_file(dump.index, path, JSON_INDENT(2)) != 0)
            st = hb_fail(HB_ERR_FAIL, "%s: cannot write", path);
    }
    if (st == HB_OK)
        st = write_outputs(a, r, out_float);
cleanup:
    json_decref(dump.index);
    hostrun_free(r);
    return st;
}
