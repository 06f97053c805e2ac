/*
 * tflite_fp16.c: float16 weights between TFLite's DEQUANTIZE form and the
 * graph's (tflite_fp16.h).
 */
#include "tflite_fp16.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_math.h"

/* 1 if every op reading t reads it as weights, and one does. */
static int read_as_weights(const graph *g, int t)
{
    int readers = 0;
    for (int i = 0; i < g->n_ops; i++)
        for (int k = 0; k < g->ops[i].n_inputs; k++)
            if (g->ops[i].inputs[k] == t) {
                if (nn_blob_sparse_axis(g->ops[i].op, k) < 0)
                    return 0;
                readers++;
            }
    return readers > 0;
}

static int foldable(const graph *g, const graph_op *o)
{
    if (o->op != NN_OP_DEQUANTIZE || o->n_inputs != 1 || o->n_outputs != 1)
        return 0;
    int s = o->inputs[0], d = o->outputs[0];
    if (s < 0 || s >= g->n_tensors || d < 0 || d >= g->n_tensors || s == d)
        return 0;
    const graph_tensor *src = &g->tensors[s], *dst = &g->tensors[d];
    if (src->dtype != NN_DT_FLOAT16 || !src->data || src->bytes != graph_tensor_bytes(src) ||
        dst->dtype != NN_DT_FLOAT32 || dst->data ||
        graph_tensor_count(dst) != graph_tensor_count(src))
        return 0;
    for (int k = 0; k < g->n_outputs; k++)
        if (g->outputs[k] == d)
            return 0;
    return 1;
}

/* dst takes src's values: half bits, or floats. */
static hb_status take_values(graph_tensor *dst, const graph_tensor *src, int keep_half)
{
    size_t n = graph_tensor_count(src);
    size_t bytes = keep_half ? 2 * n : 4 * n;
    uint8_t *data = malloc(bytes ? bytes : 1);
    if (!data)
        return hb_fail(HB_ERR_MEM, "out of memory");
    if (keep_half) {
        memcpy(data, src->data, bytes);
    } else {
        for (size_t i = 0; i < n; i++) {
            uint16_t h;
            memcpy(&h, src->data + 2 * i, 2);
            float f = nn_f16_to_f32(h);
            memcpy(data + 4 * i, &f, 4);
        }
    }
    dst->data = data;
    dst->bytes = bytes;
    dst->dtype = keep_half ? NN_DT_FLOAT16 : NN_DT_FLOAT32;
    return HB_OK;
}

static int referenced(const graph *g, int t)
{
    for (int i = 0; i < g->n_ops; i++) {
        for (int k = 0; k < g->ops[i].n_inputs; k++)
            if (g->ops[i].inputs[k] == t)
                return 1;
        for (int k = 0; k < g->ops[i].n_outputs; k++)
            if (g->ops[i].outputs[k] == t)
                return 1;
    }
    for (int k = 0; k < g->n_inputs; k++)
        if (g->inputs[k] == t)
            return 1;
    for (int k = 0; k < g->n_outputs; k++)
        if (g->outputs[k] == t)
            return 1;
    return 0;
}

static void renumber(int *v, int n, const int *map)
{
    for (int k = 0; k < n; k++)
        if (v[k] >= 0)
            v[k] = map[v[k]];
}

/* Drops the tensors marked in `drop` (unreferenced), keeping the order. */
static hb_status drop_tensors(graph *g, const uint8_t *drop)
{
    int *map = calloc((size_t)g->n_tensors + 1, sizeof(int));
    int n = 0;
    if (!map)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int t = 0; t < g->n_tensors; t++) {
        if (drop[t]) {
            graph_tensor *x = &g->tensors[t];
            free(x->name);
            free(x->scales);
            free(x->zero_points);
            free(x->data);
            map[t] = -1;
            continue;
        }
        map[t] = n;
        g->tensors[n++] = g->tensors[t];
    }
    g->n_tensors = n;
    for (int i = 0; i < g->n_ops; i++) {
        renumber(g->ops[i].inputs, g->ops[i].n_inputs, map);
        renumber(g->ops[i].outputs, g->ops[i].n_outputs, map);
    }
    renumber(g->inputs, g->n_inputs, map);
    renumber(g->outputs, g->n_outputs, map);
    free(map);
    return HB_OK;
}

hb_status tflite_fold_fp16(graph *g)
{
    int8_t *half = NULL; /* per op: -1 kept, else fold keeping half floats or not */
    uint8_t *drop = NULL;
    hb_status st = HB_OK;
    int n_ops = 0, folded = 0;

    half = malloc((size_t)g->n_ops + 1);
    drop = calloc((size_t)g->n_tensors + 1, 1);
    if (!half || !drop) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    /* Decide on the unchanged graph, then fold. */
    for (int i = 0; i < g->n_ops; i++)
        half[i] = (int8_t)(foldable(g, &g->ops[i]) ? read_as_weights(g, g->ops[i].outputs[0])
                                                     : -1);
    for (int i = 0; i < g->n_ops; i++) {
        graph_tensor *dst = half[i] < 0 ? NULL : &g->tensors[g->ops[i].outputs[0]];
        if (dst && dst->data) /* written twice: leave it to graph_validate() */
            half[i] = -1;
        else if (dst && (st = take_values(dst, &g->tensors[g->ops[i].inputs[0]], half[i])))
            goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++) {
        graph_op *o = &g->ops[i];
        if (half[i] < 0) {
            g->ops[n_ops++] = *o;
            continue;
        }
        drop[o->inputs[0]] = 1;
        free(o->inputs);
        free(o->outputs);
        folded++;
    }
    g->n_ops = n_ops;
    if (folded) {
        for (int t = 0; t < g->n_tensors; t++)
            drop[t] = drop[t] && !referenced(g, t);
        st = drop_tensors(g, drop);
    }
cleanup:
    free(half);
    free(drop);
    return st;
}

/* A float16 constant some op reads. */
static int expands(const graph *g, int t)
{
    if (g->tensors[t].dtype != NN_DT_FLOAT16 || !g->tensors[t].data)
        return 0;
    for (int i = 0; i < g->n_ops; i++)
        for (int k = 0; k < g->ops[i].n_inputs; k++)
            if (g->ops[i].inputs[k] == t)
                return 1;
    return 0;
}

hb_status tflite_expand_fp16(const graph *g, graph **out)
{
    graph *x = NULL;
    hb_status st = HB_OK;
    int n = 0, n_ops = g->n_ops;

    *out = NULL;
    for (int t = 0; t < g->n_tensors; t++)
        n += expands(g, t);
    if (!n)
        return HB_OK;
    if ((st = graph_clone(g, &x)) != HB_OK)
        return st;
    for (int t = 0; t < g->n_tensors; t++) {
        graph_tensor *gt = &x->tensors[t];
        if (!expands(g, t))
            continue;
        char name[512];
        int src, rank = gt->rank;
        int32_t dims[NN_MAX_RANK];
        /* Copied out: adding a tensor may move the array gt points into. */
        memcpy(dims, gt->dims, sizeof(dims));
        snprintf(name, sizeof(name), "%s_fp16", gt->name ? gt->name : "weights");
        if ((st = graph_add_tensor(x, name, NN_DT_FLOAT16, rank, dims, gt->data, gt->bytes,
                                   &src)) != HB_OK ||
            (st = graph_add_op(x, NN_OP_DEQUANTIZE, 1, &src, 1, &t, NULL, NULL)) != HB_OK)
            goto cleanup;
        gt = &x->tensors[t]; /* the tensor array may have moved */
        free(gt->data);
        gt->data = NULL;
        gt->bytes = 0;
        gt->dtype = NN_DT_FLOAT32;
    }
    /* The DEQUANTIZE ops go first, in the order added. */
    graph_op *ops = malloc((size_t)x->n_ops * sizeof(*ops));
    if (!ops) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    memcpy(ops, x->ops + n_ops, (size_t)(x->n_ops - n_ops) * sizeof(*ops));
    memcpy(ops + (x->n_ops - n_ops), x->ops, (size_t)n_ops * sizeof(*ops));
    free(x->ops);
    x->ops = ops;
    *out = x;
    return HB_OK;
cleanup:
    graph_free(x);
    return st;
}
