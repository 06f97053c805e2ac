/*
 * cmd_inspect.c: `hilbench inspect MODEL [--variant RECIPE [--calib DIR]]
 * [--json]`: what the board will run.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compress/compress.h"
#include "model/blob.h"
#include "model/model_read.h"
#include "session/vectors.h"

const cli_option cli_opts_inspect[] = {
    {"variant", "RECIPE", "inspect the variant a recipe makes (docs/variants.md; default: float, "
                          "the model as given)", 0, 0},
    {"calib", "DIR", "calibration vectors for the recipe (default: 8 random ones; layers, sizes "
                     "and arena do not depend on them)", 0, 0},
    {"json", NULL, "print JSON: arena_bytes, blob_bytes, layers[index, op, macs, param_bytes, "
                   "inputs, outputs]", 0, 0},
    {0},
};

static json_t *tensor_json(const graph *g, int t)
{
    json_t *o = json_object();
    if (t < 0) {
        json_object_set_new(o, "absent", json_true());
        return o;
    }
    const graph_tensor *x = &g->tensors[t];
    json_t *shape = json_array();
    for (int d = 0; d < x->rank; d++)
        json_array_append_new(shape, json_integer(x->dims[d]));
    json_object_set_new(o, "tensor", json_integer(t));
    json_object_set_new(o, "name", json_string(x->name ? x->name : ""));
    json_object_set_new(o, "dtype", json_string(nn_dtype_name(x->dtype)));
    json_object_set_new(o, "shape", shape);
    json_object_set_new(o, "constant", json_boolean(x->data != NULL));
    if (x->n_quant == 1) {
        json_object_set_new(o, "scale", json_real(x->scales[0]));
        json_object_set_new(o, "zero_point", json_integer(x->zero_points[0]));
    } else if (x->n_quant > 1) {
        json_object_set_new(o, "channels", json_integer(x->n_quant));
        json_object_set_new(o, "quant_axis", json_integer(x->quant_axis));
    }
    return o;
}

static void tensors_text(const graph *g, const int *idx, int n, char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < n && used < cap; k++) {
        char shape[96] = "-";
        const char *dt = "-";
        if (idx[k] >= 0) {
            graph_shape_text(&g->tensors[idx[k]], shape, sizeof(shape));
            dt = nn_dtype_name(g->tensors[idx[k]].dtype);
        }
        used += (size_t)snprintf(out + used, cap - used, "%s%s %s", k ? ", " : "", dt, shape);
    }
}

/* The variant recipe text makes of *g, which it replaces. Calibration: the
 * files in calib_dir, else 8 vectors uniform in [-1, 1) (what they hold
 * changes scales only, not what inspect shows). */
static hb_status make_variant(graph **g, const char *text, const char *calib_dir)
{
    enum { N_RANDOM = 8 };
    compress_recipe *r = NULL;
    graph *v = NULL;
    vectors calib = {0};
    const float **ptrs = NULL;
    float *random = NULL;
    size_t values = 0; /* of all inputs, one vector */
    int n = 0;
    hb_status st;

    if ((st = compress_recipe_parse(text, &r)) != HB_OK)
        return st;
    if (calib_dir) {
        if ((st = vectors_load_float_dir(calib_dir, *g, &calib)) != HB_OK)
            goto cleanup;
        n = calib.n;
    } else if (compress_recipe_needs_calibration(r)) {
        for (int k = 0; k < (*g)->n_inputs; k++)
            values += graph_tensor_count(&(*g)->tensors[(*g)->inputs[k]]);
        if (!(random = malloc(N_RANDOM * (values ? values : 1) * sizeof(float)))) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        uint32_t x = 1000; /* xorshift32, as the goldens' inputs */
        for (size_t i = 0; i < N_RANDOM * values; i++) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            random[i] = (float)((double)x / 4294967296.0 * 2.0 - 1.0);
        }
        n = N_RANDOM;
    }
    if (n > 0 && !(ptrs = calloc((size_t)n, sizeof(*ptrs)))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n; i++)
        ptrs[i] = calib_dir ? (const float *)(const void *)calib.data[i]
                            : random + (size_t)i * values;
    compress_context ctx = {ptrs, n, NULL};
    if ((st = compress_apply(*g, r, &ctx, &v, NULL)) != HB_OK)
        goto cleanup;
    graph_free(*g);
    *g = v;
cleanup:
    free(ptrs);
    free(random);
    vectors_free(&calib);
    compress_recipe_free(r);
    return st;
}

hb_status cmd_inspect(const cli_args *a)
{
    const char *model = a->pos[0], *recipe = cli_get(a, "variant");
    graph *g = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;
    blob_info info;
    hb_status st;

    if ((st = model_read_file(model, &g)) != HB_OK)
        return st;
    if (recipe && (st = make_variant(&g, recipe, cli_get(a, "calib"))) != HB_OK) {
        hb_context(st, "%s", model);
        goto cleanup;
    }
    if ((st = blob_build(g, &blob, &len, &info)) != HB_OK) {
        hb_context(st, "%s", model);
        goto cleanup;
    }
    uint64_t macs = 0, params = 0;
    for (int i = 0; i < g->n_ops; i++) {
        macs += graph_op_macs(g, i);
        params += graph_op_param_bytes(g, i);
    }
    if (cli_flag(a, "json")) {
        json_t *root = json_object(), *layers = json_array(), *ins = json_array(),
               *outs = json_array();
        json_object_set_new(root, "model", json_string(model));
        json_object_set_new(root, "arena_bytes", json_integer(info.arena_bytes));
        json_object_set_new(root, "blob_bytes", json_integer(info.blob_bytes));
        json_object_set_new(root, "data_bytes", json_integer(info.data_bytes));
        json_object_set_new(root, "macs", json_integer((json_int_t)macs));
        json_object_set_new(root, "param_bytes", json_integer((json_int_t)params));
        for (int k = 0; k < g->n_inputs; k++)
            json_array_append_new(ins, tensor_json(g, g->inputs[k]));
        for (int k = 0; k < g->n_outputs; k++)
            json_array_append_new(outs, tensor_json(g, g->outputs[k]));
        json_object_set_new(root, "inputs", ins);
        json_object_set_new(root, "outputs", outs);
        for (int i = 0; i < g->n_ops; i++) {
            const graph_op *o = &g->ops[i];
            json_t *l = json_object(), *li = json_array(), *lo = json_array();
            json_object_set_new(l, "index", json_integer(i));
            json_object_set_new(l, "op", json_string(nn_op_name(o->op)));
            json_object_set_new(l, "macs", json_integer((json_int_t)graph_op_macs(g, i)));
            json_object_set_new(l, "param_bytes",
                                json_integer((json_int_t)graph_op_param_bytes(g, i)));
            for (int k = 0; k < o->n_inputs; k++)
                json_array_append_new(li, tensor_json(g, o->inputs[k]));
            for (int k = 0; k < o->n_outputs; k++)
                json_array_append_new(lo, tensor_json(g, o->outputs[k]));
            json_object_set_new(l, "inputs", li);
            json_object_set_new(l, "outputs", lo);
            json_array_append_new(layers, l);
        }
        json_object_set_new(root, "layers", layers);
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(9));
        fputc('\n', stdout);
        json_decref(root);
        goto cleanup;
    }
    printf("%s: %d layers, %llu MACs, %llu parameter bytes\n", model, g->n_ops,
           (unsigned long long)macs, (unsigned long long)params);
    printf("blob %u bytes (constants %u), planned arena %u bytes\n\n", info.blob_bytes,
           info.data_bytes, info.arena_bytes);
    printf("%-5s %-18s %-36s %-22s %10s %8s\n", "layer", "op", "inputs", "outputs", "MACs",
           "params");
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        char in[256], out[128];
        tensors_text(g, o->inputs, o->n_inputs, in, sizeof(in));
        tensors_text(g, o->outputs, o->n_outputs, out, sizeof(out));
        printf("%-5d %-18s %-36s %-22s %10llu %8llu\n", i, nn_op_name(o->op), in, out,
               (unsigned long long)graph_op_macs(g, i),
               (unsigned long long)graph_op_param_bytes(g, i));
    }
cleanup:
    free(blob);
    graph_free(g);
    return st;
}
