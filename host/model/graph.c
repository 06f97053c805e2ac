/*
 * graph.c: construction, copying and validation of the in-memory model.
 */
#include "graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

hb_status graph_new(graph **out)
{
    *out = calloc(1, sizeof(graph));
    return *out ? HB_OK : hb_fail(HB_ERR_MEM, "out of memory");
}

static void tensor_clear(graph_tensor *t)
{
    free(t->name);
    free(t->scales);
    free(t->zero_points);
    free(t->data);
}

void graph_free(graph *g)
{
    if (!g)
        return;
    for (int i = 0; i < g->n_tensors; i++)
        tensor_clear(&g->tensors[i]);
    for (int i = 0; i < g->n_ops; i++) {
        free(g->ops[i].inputs);
        free(g->ops[i].outputs);
    }
    free(g->tensors);
    free(g->ops);
    free(g->inputs);
    free(g->outputs);
    free(g->description);
    free(g);
}

static void *dup_mem(const void *p, size_t n)
{
    if (!p || n == 0)
        return NULL;
    void *q = malloc(n);
    if (q)
        memcpy(q, p, n);
    return q;
}

static char *dup_str(const char *s)
{
    return s ? dup_mem(s, strlen(s) + 1) : NULL;
}

size_t graph_tensor_count(const graph_tensor *t)
{
    size_t n = 1;
    for (int d = 0; d < t->rank; d++)
        n *= (size_t)t->dims[d];
    return n;
}

size_t graph_tensor_bytes(const graph_tensor *t)
{
    return graph_tensor_count(t) * nn_dtype_bytes(t->dtype);
}

hb_status graph_add_tensor(graph *g, const char *name, int dtype, int rank,
                           const int32_t *dims, const void *data, size_t bytes,
                           int *index)
{
    if (rank < 0 || rank > NN_MAX_RANK || dtype < 0 || dtype >= NN_DT_COUNT)
        return hb_fail(HB_ERR_ARG, "tensor %s: bad rank %d or dtype %d",
                       name ? name : "?", rank, dtype);
    graph_tensor *ts = realloc(g->tensors, (size_t)(g->n_tensors + 1) * sizeof(*ts));
    if (!ts)
        return hb_fail(HB_ERR_MEM, "out of memory");
    g->tensors = ts;
    graph_tensor *t = &ts[g->n_tensors];
    memset(t, 0, sizeof(*t));
    t->dtype = dtype;
    t->rank = rank;
    for (int d = 0; d < rank; d++)
        t->dims[d] = dims[d];
    t->name = dup_str(name);
    if (data && bytes) {
        t->data = dup_mem(data, bytes);
        t->bytes = bytes;
        if (!t->data) {
            free(t->name);
            return hb_fail(HB_ERR_MEM, "out of memory");
        }
    }
    if (index)
        *index = g->n_tensors;
    g->n_tensors++;
    return HB_OK;
}

hb_status graph_set_quant(graph *g, int ti, int n, const float *scales,
                          const int32_t *zero_points, int axis)
{
    if (ti < 0 || ti >= g->n_tensors || n < 0)
        return hb_fail(HB_ERR_ARG, "graph_set_quant: bad tensor %d", ti);
    graph_tensor *t = &g->tensors[ti];
    free(t->scales);
    free(t->zero_points);
    t->scales = NULL;
    t->zero_points = NULL;
    t->n_quant = 0;
    t->quant_axis = 0;
    if (n == 0)
        return HB_OK;
    t->scales = dup_mem(scales, (size_t)n * sizeof(float));
    t->zero_points = calloc((size_t)n, sizeof(int32_t));
    if (!t->scales || !t->zero_points)
        return hb_fail(HB_ERR_MEM, "out of memory");
    if (zero_points)
        memcpy(t->zero_points, zero_points, (size_t)n * sizeof(int32_t));
    t->n_quant = n;
    t->quant_axis = axis;
    return HB_OK;
}

hb_status graph_add_op(graph *g, int op, int n_inputs, const int *inputs,
                       int n_outputs, const int *outputs,
                       const graph_options *opt, int *index)
{
    graph_op *ops = realloc(g->ops, (size_t)(g->n_ops + 1) * sizeof(*ops));
    if (!ops)
        return hb_fail(HB_ERR_MEM, "out of memory");
    g->ops = ops;
    graph_op *o = &ops[g->n_ops];
    memset(o, 0, sizeof(*o));
    o->op = op;
    o->n_inputs = n_inputs;
    o->n_outputs = n_outputs;
    o->inputs = malloc((size_t)(n_inputs ? n_inputs : 1) * sizeof(int));
    o->outputs = malloc((size_t)(n_outputs ? n_outputs : 1) * sizeof(int));
    if (!o->inputs || !o->outputs) {
        free(o->inputs);
        free(o->outputs);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    if (n_inputs)
        memcpy(o->inputs, inputs, (size_t)n_inputs * sizeof(int));
    if (n_outputs)
        memcpy(o->outputs, outputs, (size_t)n_outputs * sizeof(int));
    if (opt)
        o->opt = *opt;
    if (index)
        *index = g->n_ops;
    g->n_ops++;
    return HB_OK;
}

hb_status graph_set_io(graph *g, int n_inputs, const int *inputs,
                       int n_outputs, const int *outputs)
{
    int *in = dup_mem(inputs, (size_t)n_inputs * sizeof(int));
    int *out = dup_mem(outputs, (size_t)n_outputs * sizeof(int));
    if ((n_inputs && !in) || (n_outputs && !out)) {
        free(in);
        free(out);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    free(g->inputs);
    free(g->outputs);
    g->inputs = in;
    g->n_inputs = n_inputs;
    g->outputs = out;
    g->n_outputs = n_outputs;
    return HB_OK;
}

hb_status graph_clone(const graph *g, graph **out)
{
    graph *c = NULL;
    hb_status st;
    *out = NULL;
    if ((st = graph_new(&c)) != HB_OK)
        return st;
    for (int i = 0; i < g->n_tensors; i++) {
        const graph_tensor *t = &g->tensors[i];
        if ((st = graph_add_tensor(c, t->name, t->dtype, t->rank, t->dims,
                                   t->data, t->bytes, NULL)) != HB_OK ||
            (st = graph_set_quant(c, i, t->n_quant, t->scales, t->zero_points,
                                  t->quant_axis)) != HB_OK)
            goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        if ((st = graph_add_op(c, o->op, o->n_inputs, o->inputs, o->n_outputs,
                               o->outputs, &o->opt, NULL)) != HB_OK)
            goto cleanup;
    }
    if ((st = graph_set_io(c, g->n_inputs, g->inputs, g->n_outputs,
                           g->outputs)) != HB_OK)
        goto cleanup;
    if (g->description && !(c->description = dup_str(g->description))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    *out = c;
    return HB_OK;
cleanup:
    graph_free(c);
    return st;
}

hb_status graph_validate(const graph *g)
{
    hb_status st = HB_OK;
    /* state: 0 unset activation, 1 written (or an input), 2 constant */
    unsigned char *state = calloc((size_t)(g->n_tensors ? g->n_tensors : 1), 1);
    if (!state)
        return hb_fail(HB_ERR_MEM, "out of memory");
    if (g->n_ops == 0 || g->n_inputs == 0 || g->n_outputs == 0) {
        st = hb_fail(HB_ERR_FORMAT, "model has no ops, inputs or outputs");
        goto cleanup;
    }
    for (int i = 0; i < g->n_tensors; i++) {
        const graph_tensor *t = &g->tensors[i];
        for (int d = 0; d < t->rank; d++)
            if (t->dims[d] < 1) {
                st = hb_fail(HB_ERR_FORMAT, "tensor %d (%s): dimension %d is %d",
                             i, t->name ? t->name : "?", d, (int)t->dims[d]);
                goto cleanup;
            }
        if (t->data && t->bytes != graph_tensor_bytes(t)) {
            st = hb_fail(HB_ERR_FORMAT,
                         "tensor %d (%s): %zu bytes of data for %zu expected", i,
                         t->name ? t->name : "?", t->bytes, graph_tensor_bytes(t));
            goto cleanup;
        }
        if (t->n_quant > 1 &&
            (t->quant_axis < 0 || t->quant_axis >= t->rank ||
             t->dims[t->quant_axis] != t->n_quant)) {
            st = hb_fail(HB_ERR_FORMAT,
                         "tensor %d (%s): %d channel scales do not match axis %d",
                         i, t->name ? t->name : "?", t->n_quant, t->quant_axis);
            goto cleanup;
        }
        for (int q = 0; q < t->n_quant; q++)
            if (!(t->scales[q] > 0.0f) || t->scales[q] > 3.0e38f) {
                st = hb_fail(HB_ERR_FORMAT, "tensor %d (%s): scale %g is not positive",
                             i, t->name ? t->name : "?", (double)t->scales[q]);
                goto cleanup;
            }
        state[i] = t->data ? 2 : 0;
    }
    for (int k = 0; k < g->n_inputs; k++) {
        int t = g->inputs[k];
        if (t < 0 || t >= g->n_tensors || state[t] == 2) {
            st = hb_fail(HB_ERR_FORMAT, "model input %d refers to bad tensor %d", k, t);
            goto cleanup;
        }
        state[t] = 1;
    }
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        for (int k = 0; k < o->n_inputs; k++) {
            int t = o->inputs[k];
            /* -1: an optional input left out; no op's first one is. */
            if (t == -1 && k == 0) {
                st = hb_fail(HB_ERR_FORMAT, "op %d (%s): its first input is absent (-1)", i,
                             nn_op_name(o->op));
                goto cleanup;
            }
            if (t == -1)
                continue;
            if (t < 0 || t >= g->n_tensors || state[t] == 0) {
                st = hb_fail(HB_ERR_FORMAT,
                             "op %d (%s): input %d (tensor %d) is not computed before it is used",
                             i, nn_op_name(o->op), k, t);
                goto cleanup;
            }
        }
        for (int k = 0; k < o->n_outputs; k++) {
            int t = o->outputs[k];
            if (t < 0 || t >= g->n_tensors || state[t] != 0) {
                st = hb_fail(HB_ERR_FORMAT,
                             "op %d (%s): output %d (tensor %d) is a constant, an input or written twice",
                             i, nn_op_name(o->op), k, t);
                goto cleanup;
            }
            state[t] = 1;
        }
    }
    for (int k = 0; k < g->n_outputs; k++) {
        int t = g->outputs[k];
        if (t < 0 || t >= g->n_tensors || state[t] != 1) {
            st = hb_fail(HB_ERR_FORMAT, "model output %d (tensor %d) is never computed", k, t);
            goto cleanup;
        }
    }
cleanup:
    free(state);
    return st;
}

static const graph_tensor *op_tensor(const graph *g, const graph_op *o, int k,
                                     int output)
{
    int t = output ? (k < o->n_outputs ? o->outputs[k] : -1)
                   : (k < o->n_inputs ? o->inputs[k] : -1);
    return t >= 0 && t < g->n_tensors ? &g->tensors[t] : NULL;
}

uint64_t graph_op_macs(const graph *g, int i)
{
    const graph_op *o = &g->ops[i];
    const graph_tensor *out = op_tensor(g, o, 0, 1);
    const graph_tensor *w = op_tensor(g, o, 1, 0);
    if (!out || !w)
        return 0;
    uint64_t n = graph_tensor_count(out);
    switch (o->op) {
    case NN_OP_FULLY_CONNECTED:
        return w->rank == 2 ? n * (uint64_t)w->dims[1] : 0;
    case NN_OP_CONV_2D: /* filter [C_OUT, KH, KW, C_F] */
        return w->rank == 4 ? n * (uint64_t)w->dims[1] * (uint64_t)w->dims[2] *
                                  (uint64_t)w->dims[3]
                            : 0;
    case NN_OP_DEPTHWISE_CONV_2D: /* filter [1, KH, KW, C_OUT] */
        return w->rank == 4 ? n * (uint64_t)w->dims[1] * (uint64_t)w->dims[2] : 0;
    default:
        return 0;
    }
}

uint64_t graph_op_param_bytes(const graph *g, int i)
{
    const graph_op *o = &g->ops[i];
    uint64_t sum = 0;
    for (int k = 0; k < o->n_inputs; k++) {
        const graph_tensor *t = op_tensor(g, o, k, 0);
        if (t && t->data)
            sum += t->bytes;
    }
    return sum;
}

void graph_shape_text(const graph_tensor *t, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    if (t->rank == 0) {
        snprintf(buf, len, "scalar");
        return;
    }
    for (int d = 0; d < t->rank && used < len; d++) {
        int n = snprintf(buf + used, len - used, d ? "x%d" : "%d", (int)t->dims[d]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}
