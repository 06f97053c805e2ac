/*
 * quantize_rules.c: what post-training quantisation does to each op
 * (arithmetic: quantize.h). One rule per opcode, in a table; each checks
 * the op's form first, so an op it cannot quantise is refused by name.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "quantize_plan.h"

static int is16(const qplan *q) { return q->opt->scheme == COMPRESS_SCHEME_INT16X8; }

static int input_of(const graph_op *o, int k) { return o->n_inputs > k ? o->inputs[k] : -1; }

hb_status qrule_weights(qplan *q, int t, int per_tensor, int axis)
{
    const graph_tensor *w = &q->g->tensors[t];
    qplan_tensor *p = &q->plan[t];
    size_t n = graph_tensor_count(w), inner = 1;
    int channels = w->dims[axis], nq = per_tensor ? 1 : channels;
    const float *src = (const float *)(const void *)w->data;
    hb_status st;
    int8_t *dst;

    for (int d = axis + 1; d < w->rank; d++)
        inner *= (size_t)w->dims[d];
    if ((st = qplan_quant(p, NN_DT_INT8, nq, per_tensor ? 0 : axis)) != HB_OK)
        return st;
    if (!(dst = malloc(n ? n : 1)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    p->data = dst;
    p->bytes = n;
#define CHANNEL(i) (per_tensor ? 0 : (int)((i) / inner % (size_t)channels))
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(src[i]))
            return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): non-finite weight", t,
                           qplan_name(q->g, t));
        if (fabsf(src[i]) > p->scales[CHANNEL(i)])
            p->scales[CHANNEL(i)] = fabsf(src[i]);
    }
    for (int c = 0; c < nq; c++)
        p->scales[c] = p->scales[c] > 0.0f ? p->scales[c] / 127.0f : 1.0f;
    for (size_t i = 0; i < n; i++) {
        float v = roundf(src[i] / p->scales[CHANNEL(i)]);
        dst[i] = (int8_t)(v < -127.0f ? -127 : v > 127.0f ? 127 : (int)v);
    }
#undef CHANNEL
    return HB_OK;
}

/* The largest |bias| in accumulator units the engine accepts next to
 * `taps` products per output (the ops' check(): int8 terms up to 255 x 255,
 * 16x8 terms up to 2^22 with 2^47 of room; biases are clamped to 2^46). */
static double bias_room(const qplan *q, size_t taps)
{
    if (is16(q))
        return fmin(70368744177663.0, 140737488355327.0 - (double)taps * 4194304.0);
    return 2147483647.0 - (double)taps * 65025.0;
}

/* A channel whose weights are tiny next to its bias would need a bias
 * beyond the accumulator's room. As TFLite's converter does for int32, the
 * weight scale is widened until the bias fits (by 2^-10 more, for the
 * float rounding of the bias scale), and the channel is quantised again. */
static void fit_bias(qplan *q, int w, int b, float in_scale, int axis)
{
    const graph_tensor *wt = &q->g->tensors[w];
    const float *wf = (const float *)(const void *)wt->data;
    const float *bf = (const float *)(const void *)q->g->tensors[b].data;
    qplan_tensor *p = &q->plan[w];
    size_t n = graph_tensor_count(wt), inner = 1;
    int channels = wt->dims[axis];
    double room = bias_room(q, n / (size_t)channels);
    if (!(room >= 1.0))
        return; /* the engine refuses the op, naming it */
    for (int d = axis + 1; d < wt->rank; d++)
        inner *= (size_t)wt->dims[d];
    for (int c = 0; c < p->n_quant; c++) {
        double need = 0;
        for (int k = 0; k < channels; k++)
            if (p->n_quant == 1 || k == c)
                need = fmax(need, fabs((double)bf[k]) / ((double)in_scale * room));
        if (!((double)p->scales[c] < need))
            continue;
        p->scales[c] = (float)(need * (1.0 + 1.0 / 1024));
        for (size_t i = 0; i < n; i++) {
            if (p->n_quant > 1 && (int)(i / inner % (size_t)channels) != c)
                continue;
            float v = roundf(wf[i] / p->scales[c]);
            ((int8_t *)p->data)[i] = (int8_t)(v < -127.0f ? -127 : v > 127.0f ? 127 : (int)v);
        }
    }
}

/* Bias with scale input_scale x weight_scale[c]: int32 (int8 scheme) or
 * int64 (16x8), zero point 0, clamped to what the engine accepts. */
static hb_status quant_bias(qplan *q, int t, float in_scale, const qplan_tensor *w)
{
    const graph_tensor *b = &q->g->tensors[t];
    qplan_tensor *p = &q->plan[t];
    size_t n = graph_tensor_count(b), esize = is16(q) ? 8 : 4;
    const double limit = is16(q) ? 70368744177663.0 /* 2^46 - 1 */ : 2147483647.0;
    const float *src = (const float *)(const void *)b->data;
    hb_status st;
    uint8_t *dst;

    if ((st = qplan_quant(p, is16(q) ? NN_DT_INT64 : NN_DT_INT32, w->n_quant, 0)) != HB_OK)
        return st;
    if (!(dst = malloc(n * esize)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    p->data = dst;
    p->bytes = n * esize;
    for (int c = 0; c < w->n_quant; c++)
        p->scales[c] = in_scale * w->scales[c];
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(src[i]))
            return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): non-finite bias", t,
                           qplan_name(q->g, t));
        double v = round((double)src[i] / (double)p->scales[w->n_quant > 1 ? i : 0]);
        v = v < -limit ? -limit : v > limit ? limit : v;
        if (esize == 8) {
            int64_t x = (int64_t)v;
            memcpy(dst + 8 * i, &x, 8);
        } else {
            int32_t x = (int32_t)v;
            memcpy(dst + 4 * i, &x, 4);
        }
    }
    return HB_OK;
}

static hb_status check_activation(const qplan *q, int op)
{
    switch (q->g->ops[op].opt.activation) {
    case NN_ACT_NONE: case NN_ACT_RELU: case NN_ACT_RELU_N1_TO_1: case NN_ACT_RELU6:
        return HB_OK;
    }
    return qplan_refuse(q->g, op, "fused activation %d has no integer form",
                        q->g->ops[op].opt.activation);
}

/* An input that must be an activation the plan made integer. */
static int is_activation(const qplan *q, int t)
{
    return t >= 0 && !q->g->tensors[t].data && q->plan[t].set && q->plan[t].n_quant == 1;
}

/* FULLY_CONNECTED, CONV_2D, DEPTHWISE_CONV_2D: weights per output channel
 * along axis (0, 0, 3), the bias after them. */
static hb_status rule_weighted(qplan *q, int op, int rank, int axis)
{
    const graph *g = q->g;
    const graph_op *o = &g->ops[op];
    int in = input_of(o, 0), w = input_of(o, 1), b = input_of(o, 2);
    hb_status st;

    if (in < 0 || w < 0 || o->n_inputs > 3 || o->n_outputs != 1)
        return qplan_refuse(g, op, "needs input, weights, optional bias and one output");
    if ((st = check_activation(q, op)) != HB_OK)
        return st;
    const graph_tensor *wt = &g->tensors[w];
    if (!is_activation(q, in) || !qplan_is_float_const(g, w) || wt->rank != rank)
        return qplan_refuse(g, op, "needs an activation input and constant float32 "
                            "weights of rank %d", rank);
    if (q->plan[w].set || (b >= 0 && q->plan[b].set))
        return qplan_refuse(g, op, "weights or bias shared with another op");
    if (b >= 0 && (!qplan_is_float_const(g, b) ||
                   graph_tensor_count(&g->tensors[b]) != (size_t)wt->dims[axis]))
        return qplan_refuse(g, op, "needs a constant float32 bias of %d values",
                            (int)wt->dims[axis]);
    if ((st = qrule_weights(q, w, q->opt->per_tensor, axis)) != HB_OK)
        return st;
    if (b < 0)
        return HB_OK;
    fit_bias(q, w, b, q->plan[in].scales[0], axis);
    return quant_bias(q, b, q->plan[in].scales[0], &q->plan[w]);
}

static hb_status rule_fully_connected(qplan *q, int op) { return rule_weighted(q, op, 2, 0); }
static hb_status rule_conv_2d(qplan *q, int op) { return rule_weighted(q, op, 4, 0); }
static hb_status rule_depthwise(qplan *q, int op) { return rule_weighted(q, op, 4, 3); }

/* Pools and RESHAPE move values without arithmetic: the output means what
 * the input means (TFLite requires it of the pools). */
static hb_status rule_pass_through(qplan *q, int op)
{
    const graph_op *o = &q->g->ops[op];
    int in = input_of(o, 0), pool = o->op != NN_OP_RESHAPE;
    hb_status st;
    /* RESHAPE's optional second input, the shape, is a constant it keeps. */
    if (o->n_outputs != 1 || !is_activation(q, in) || (pool && o->n_inputs != 1))
        return qplan_refuse(q->g, op, "needs one activation input and one output");
    if (pool && (st = check_activation(q, op)) != HB_OK)
        return st;
    return qplan_share(&q->plan[o->outputs[0]], &q->plan[in]);
}

/* ADD: the output keeps its own calibrated range; a constant operand is
 * quantised per tensor from its own values. */
static hb_status rule_add(qplan *q, int op)
{
    const graph *g = q->g;
    const graph_op *o = &g->ops[op];
    hb_status st;
    if (o->n_inputs != 2 || o->n_outputs != 1)
        return qplan_refuse(g, op, "needs two inputs and one output");
    if ((st = check_activation(q, op)) != HB_OK)
        return st;
    for (int k = 0; k < 2; k++) {
        int t = o->inputs[k];
        if (t >= 0 && qplan_is_float_const(g, t) && !q->plan[t].set) {
            const graph_tensor *c = &g->tensors[t];
            const float *v = (const float *)(const void *)c->data;
            size_t n = graph_tensor_count(c);
            float mn = 0.0f, mx = 0.0f;
            for (size_t i = 0; i < n; i++) {
                if (!isfinite(v[i]))
                    return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): non-finite value", t,
                                   qplan_name(g, t));
                mn = fminf(mn, v[i]);
                mx = fmaxf(mx, v[i]);
            }
            qplan_tensor *p = &q->plan[t];
            if ((st = qplan_activation(q, p, mn, mx)) != HB_OK)
                return st;
            size_t esize = is16(q) ? 2 : 1;
            if (!(p->data = malloc(n * esize)))
                return hb_fail(HB_ERR_MEM, "out of memory");
            p->bytes = n * esize;
            for (size_t i = 0; i < n; i++) {
                if (is16(q)) {
                    int16_t x = compress_int16_from_float(v[i], p->scales[0]);
                    memcpy((uint8_t *)p->data + 2 * i, &x, 2);
                } else {
                    ((int8_t *)p->data)[i] =
                        compress_int8_from_float(v[i], p->scales[0], p->zps[0]);
                }
            }
        } else if (!is_activation(q, t)) {
            return qplan_refuse(g, op, "input %d is neither an activation nor a float "
                                "constant", k);
        }
    }
    return HB_OK;
}

/* SOFTMAX and LOGISTIC: outputs in [0, 1] with the parameters TFLite
 * insists on: 1/256 and -128 (int8), 1/32768 and 0 (int16). */
static hb_status rule_unit_output(qplan *q, int op)
{
    const graph_op *o = &q->g->ops[op];
    if (o->n_inputs != 1 || o->n_outputs != 1 || !is_activation(q, o->inputs[0]))
        return qplan_refuse(q->g, op, "needs one activation input and one output");
    qplan_tensor *p = &q->plan[o->outputs[0]];
    p->scales[0] = is16(q) ? 1.0f / 32768 : 1.0f / 256;
    p->zps[0] = is16(q) ? 0 : -128;
    return HB_OK;
}

/* A float model's QUANTIZE (float -> int8) becomes an int8 -> int8
 * requantisation: its input is calibrated, its output keeps its
 * parameters. DEQUANTIZE (int8 -> float) becomes the identity: its output
 * takes the input's parameters and the op turns into QUANTIZE, which the
 * engine runs int8 -> int8. The int16x8 scheme has no such edges. */
static hb_status rule_quantize(qplan *q, int op)
{
    const graph_op *o = &q->g->ops[op];
    if (is16(q))
        return qplan_refuse(q->g, op, "int16x8 does not quantise a model's own "
                            "QUANTIZE / DEQUANTIZE ops");
    if (o->n_inputs != 1 || o->n_outputs != 1 || !is_activation(q, o->inputs[0]) ||
        !qplan_is_fixed_edge(q->g, o->outputs[0]))
        return qplan_refuse(q->g, op, "needs a float input and an int8 output with one scale");
    return HB_OK;
}

static hb_status rule_dequantize(qplan *q, int op)
{
    const graph_op *o = &q->g->ops[op];
    if (is16(q))
        return qplan_refuse(q->g, op, "int16x8 does not quantise a model's own "
                            "QUANTIZE / DEQUANTIZE ops");
    if (o->n_inputs != 1 || o->n_outputs != 1 || !qplan_is_fixed_edge(q->g, o->inputs[0]))
        return qplan_refuse(q->g, op, "needs an int8 activation input with one scale");
    q->op_code[op] = NN_OP_QUANTIZE;
    return qplan_share(&q->plan[o->outputs[0]], &q->plan[o->inputs[0]]);
}

/* MUL: ADD's rule (own output range, a constant operand quantised per
 * tensor); the engine has no 16x8 MUL. */
static hb_status rule_mul(qplan *q, int op)
{
    if (is16(q))
        return qplan_refuse(q->g, op, "no 16x8 form");
    return rule_add(q, op);
}

const qrule_fn qrule_table[NN_OP_COUNT] = {
    [NN_OP_FULLY_CONNECTED] = rule_fully_connected,
    [NN_OP_CONV_2D] = rule_conv_2d,
    [NN_OP_DEPTHWISE_CONV_2D] = rule_depthwise,
    [NN_OP_AVERAGE_POOL_2D] = rule_pass_through,
    [NN_OP_MAX_POOL_2D] = rule_pass_through,
    [NN_OP_RESHAPE] = rule_pass_through,
    [NN_OP_ADD] = rule_add,
    [NN_OP_SOFTMAX] = rule_unit_output,
    [NN_OP_LOGISTIC] = rule_unit_output,
    [NN_OP_QUANTIZE] = rule_quantize,
    [NN_OP_DEQUANTIZE] = rule_dequantize,
    [NN_OP_MUL] = rule_mul,
    [NN_OP_TRANSPOSE] = qrule_move,
    [NN_OP_PAD] = qrule_move,
    [NN_OP_PADV2] = qrule_move,
    [NN_OP_MIRROR_PAD] = qrule_move,
    [NN_OP_CONCATENATION] = qrule_shared,
    [NN_OP_MAXIMUM] = qrule_shared,
    [NN_OP_MINIMUM] = qrule_shared,
    [NN_OP_RELU] = qrule_own_range,
    [NN_OP_RELU6] = qrule_own_range,
    [NN_OP_RELU_N1_TO_1] = qrule_own_range,
    [NN_OP_LEAKY_RELU] = qrule_own_range,
    [NN_OP_PRELU] = qrule_prelu,
    [NN_OP_TANH] = qrule_pinned,
    [NN_OP_LOG_SOFTMAX] = qrule_pinned,
};
