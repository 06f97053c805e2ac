/*
 * quantize_ops.c: post-training quantisation of the ops the ONNX importer
 * brought (TRANSPOSE, CONCATENATION, PAD / PADV2 / MIRROR_PAD, MAXIMUM,
 * MINIMUM, RELU / RELU6 / RELU_N1_TO_1, LEAKY_RELU, PRELU, TANH,
 * LOG_SOFTMAX), and the grouping of tensors that must share quantisation.
 * The table that dispatches to these rules is in quantize_rules.c.
 *
 * TFLite's int8 scheme makes a CONCATENATION's inputs and output share one
 * scale and zero point (the kernel copies values), and likewise MAXIMUM and
 * MINIMUM (which compare them). Before any rule runs, qrule_prepare() joins
 * those tensors, and the ones pass-through ops (pools, RESHAPE, TRANSPOSE,
 * the pads) tie to them, into groups, and gives every member the union of
 * the members' ranges: the rules that run later in execution order (a
 * convolution's bias scale reads its input's) then see final parameters.
 * Groups without such an op are left alone, so models without them
 * quantise exactly as before.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quantize_plan.h"

static int is16(const qplan *q) { return q->opt->scheme == COMPRESS_SCHEME_INT16X8; }

static int is_pass_through(int op)
{
    return op == NN_OP_AVERAGE_POOL_2D || op == NN_OP_MAX_POOL_2D || op == NN_OP_RESHAPE ||
           op == NN_OP_TRANSPOSE || op == NN_OP_PAD || op == NN_OP_PADV2 ||
           op == NN_OP_MIRROR_PAD;
}

static int is_shared(int op)
{
    return op == NN_OP_CONCATENATION || op == NN_OP_MAXIMUM || op == NN_OP_MINIMUM;
}

/* An activation the plan made integer (per tensor). */
static int planned_act(const qplan *q, int t)
{
    return t >= 0 && !q->g->tensors[t].data && q->plan[t].set && q->plan[t].n_quant == 1;
}

static int find(int *parent, int t)
{
    while (parent[t] != t)
        t = parent[t] = parent[parent[t]];
    return t;
}

static void join(int *parent, int a, int b)
{
    a = find(parent, a);
    b = find(parent, b);
    if (a != b)
        parent[a < b ? b : a] = a < b ? a : b;
}

/* The real range a tensor's parameters cover. */
static void range_of(const qplan *q, const qplan_tensor *p, float *lo, float *hi)
{
    if (is16(q)) {
        *lo = -32767.0f * p->scales[0];
        *hi = 32767.0f * p->scales[0];
        return;
    }
    *lo = p->scales[0] * (float)(-128 - p->zps[0]);
    *hi = p->scales[0] * (float)(127 - p->zps[0]);
}

hb_status qrule_prepare(qplan *q)
{
    const graph *g = q->g;
    int n = g->n_tensors;
    int *parent = malloc((size_t)(n ? n : 1) * sizeof(int));
    unsigned char *shared = calloc((size_t)(n ? n : 1), 1);
    float *lo = malloc((size_t)(n ? n : 1) * sizeof(float));
    float *hi = malloc((size_t)(n ? n : 1) * sizeof(float));
    hb_status st = HB_OK;

    if (!parent || !shared || !lo || !hi) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int t = 0; t < n; t++)
        parent[t] = t;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        if (o->n_outputs != 1 || !planned_act(q, o->outputs[0]))
            continue;
        int out = o->outputs[0];
        if (is_pass_through(o->op) && o->n_inputs >= 1 && planned_act(q, o->inputs[0]))
            join(parent, o->inputs[0], out);
        if (!is_shared(o->op))
            continue;
        shared[out] = 1;
        for (int k = 0; k < o->n_inputs; k++)
            if (planned_act(q, o->inputs[k]))
                join(parent, o->inputs[k], out);
    }
    for (int t = 0; t < n; t++)
        if (shared[t])
            shared[find(parent, t)] = 1;
    for (int t = 0; t < n; t++) {
        lo[t] = INFINITY;
        hi[t] = -INFINITY;
    }
    for (int t = 0; t < n; t++) {
        int r = find(parent, t);
        if (!shared[r] || !planned_act(q, t))
            continue;
        float a, b;
        range_of(q, &q->plan[t], &a, &b);
        lo[r] = fminf(lo[r], a);
        hi[r] = fmaxf(hi[r], b);
    }
    for (int t = 0; t < n && st == HB_OK; t++) {
        int r = find(parent, t);
        if (shared[r] && planned_act(q, t) && !qplan_is_fixed_edge(g, t))
            st = qplan_activation(q, &q->plan[t], lo[r], hi[r]);
    }
cleanup:
    free(parent);
    free(shared);
    free(lo);
    free(hi);
    return st;
}

/* 1 if a and b plan the same numbers. */
static int same_params(const qplan_tensor *a, const qplan_tensor *b)
{
    return a->dtype == b->dtype && a->n_quant == 1 && b->n_quant == 1 &&
           a->scales[0] == b->scales[0] && a->zps[0] == b->zps[0];
}

/* A float constant quantised with parameters p already planned for it
 * (copied from `like`): one value per element, saturated. */
static hb_status quant_const_like(qplan *q, int t, const qplan_tensor *like)
{
    const graph_tensor *c = &q->g->tensors[t];
    const float *v = (const float *)(const void *)c->data;
    size_t n = graph_tensor_count(c), esize = is16(q) ? 2 : 1;
    qplan_tensor *p = &q->plan[t];
    hb_status st;

    if ((st = qplan_share(p, like)) != HB_OK)
        return st;
    if (!(p->data = malloc(n * esize)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    p->bytes = n * esize;
    for (size_t i = 0; i < n; i++) {
        if (isnan(v[i]))
            return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): NaN value", t, qplan_name(q->g, t));
        if (is16(q)) {
            int16_t x = compress_int16_from_float(v[i], p->scales[0]);
            memcpy((uint8_t *)p->data + 2 * i, &x, 2);
        } else {
            ((int8_t *)p->data)[i] = compress_int8_from_float(v[i], p->scales[0], p->zps[0]);
        }
    }
    return HB_OK;
}

/* A float constant quantised per tensor from its own range (zero kept). */
static hb_status quant_const_own(qplan *q, int t)
{
    const graph_tensor *c = &q->g->tensors[t];
    const float *v = (const float *)(const void *)c->data;
    size_t n = graph_tensor_count(c);
    float mn = 0.0f, mx = 0.0f;
    qplan_tensor own = {0};
    hb_status st;

    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): non-finite value", t,
                           qplan_name(q->g, t));
        mn = fminf(mn, v[i]);
        mx = fmaxf(mx, v[i]);
    }
    if ((st = qplan_activation(q, &own, mn, mx)) == HB_OK)
        st = quant_const_like(q, t, &own);
    free(own.scales);
    free(own.zps);
    return st;
}

/* TRANSPOSE, PAD, PADV2, MIRROR_PAD: the output means what input 0 means;
 * the other inputs are integer constants (permutation, paddings), or the
 * fill value of PADV2, quantised with the input's parameters. */
hb_status qrule_move(qplan *q, int op)
{
    const graph *g = q->g;
    const graph_op *o = &g->ops[op];
    hb_status st;
    if (o->n_outputs != 1 || o->n_inputs < 1 || !planned_act(q, o->inputs[0]))
        return qplan_refuse(g, op, "needs one activation input and one output");
    for (int k = 1; k < o->n_inputs; k++) {
        int t = o->inputs[k];
        if (t < 0)
            continue;
        if (o->op == NN_OP_PADV2 && k == 2 && qplan_is_float_const(g, t)) {
            if ((st = quant_const_like(q, t, &q->plan[o->inputs[0]])) != HB_OK)
                return st;
        } else if (!g->tensors[t].data || (g->tensors[t].dtype != NN_DT_INT32 &&
                                           g->tensors[t].dtype != NN_DT_INT64)) {
            return qplan_refuse(g, op, "input %d must be an integer constant", k);
        }
    }
    return qplan_share(&q->plan[o->outputs[0]], &q->plan[o->inputs[0]]);
}

/* CONCATENATION, MAXIMUM, MINIMUM: qrule_prepare gave every activation the
 * same parameters; a float constant operand takes them too. */
hb_status qrule_shared(qplan *q, int op)
{
    const graph *g = q->g;
    const graph_op *o = &g->ops[op];
    hb_status st;
    if (o->n_outputs != 1 || o->n_inputs < 1)
        return qplan_refuse(g, op, "needs inputs and one output");
    if (o->op == NN_OP_CONCATENATION && g->ops[op].opt.activation != NN_ACT_NONE)
        return qplan_refuse(g, op, "fused activation %d is not supported",
                            g->ops[op].opt.activation);
    const qplan_tensor *out = &q->plan[o->outputs[0]];
    for (int k = 0; k < o->n_inputs; k++) {
        int t = o->inputs[k];
        if (t >= 0 && o->op != NN_OP_CONCATENATION && qplan_is_float_const(g, t) &&
            !q->plan[t].set) {
            if ((st = quant_const_like(q, t, out)) != HB_OK)
                return st;
            continue;
        }
        if (!planned_act(q, t))
            return qplan_refuse(g, op, "input %d is not an activation", k);
        if (!same_params(&q->plan[t], out))
            return qplan_refuse(g, op, "input %d (%s) has other quantisation parameters than "
                                "the output (an earlier op fixed them)", k, qplan_name(g, t));
    }
    return HB_OK;
}

static hb_status int8_only(const qplan *q, int op)
{
    if (is16(q))
        return qplan_refuse(q->g, op, "no 16x8 form");
    const graph_op *o = &q->g->ops[op];
    if (o->n_outputs != 1 || o->n_inputs < 1 || !planned_act(q, o->inputs[0]))
        return qplan_refuse(q->g, op, "needs an activation input and one output");
    return HB_OK;
}

/* RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU: the output keeps its own
 * calibrated range; the kernels rescale. */
hb_status qrule_own_range(qplan *q, int op)
{
    hb_status st = int8_only(q, op);
    if (st == HB_OK && q->g->ops[op].n_inputs != 1)
        st = qplan_refuse(q->g, op, "needs one input");
    return st;
}

/* PRELU: the output keeps its range; a constant alpha is quantised per
 * tensor from its own values. */
hb_status qrule_prelu(qplan *q, int op)
{
    hb_status st = int8_only(q, op);
    const graph_op *o = &q->g->ops[op];
    if (st != HB_OK)
        return st;
    int a = o->n_inputs == 2 ? o->inputs[1] : -1;
    if (a >= 0 && qplan_is_float_const(q->g, a) && !q->plan[a].set)
        return quant_const_own(q, a);
    if (!planned_act(q, a))
        return qplan_refuse(q->g, op, "alpha must be a float constant or an activation");
    return HB_OK;
}

/* TANH (1/128, 0) and LOG_SOFTMAX (16/256, 127): outputs pinned as
 * TFLite requires. */
hb_status qrule_pinned(qplan *q, int op)
{
    hb_status st = int8_only(q, op);
    if (st != HB_OK)
        return st;
    qplan_tensor *p = &q->plan[q->g->ops[op].outputs[0]];
    int tanh = q->g->ops[op].op == NN_OP_TANH;
    p->scales[0] = tanh ? 1.0f / 128 : 16.0f / 256;
    p->zps[0] = tanh ? 0 : 127;
    return HB_OK;
}
