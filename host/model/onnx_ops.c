/*
 * onnx_ops.c: the elementwise arithmetic (Add, Sub, Mul, Div, Sum, Neg), the activations (Relu, Clip, LeakyRelu, PRelu, Sigmoid,
 * Tanh) and Softmax / LogSoftmax (Gemm and MatMul: onnx_gemm.c).
 *
 * Elementwise ops run in the layout of their NHWC input when they have
 * one, so that a channel-wise chain between convolutions needs no
 * transposes. A Relu (or a Clip to [0, 6] or [-1, 1]) whose input was made
 * by a convolution, FULLY_CONNECTED, ADD, MUL or pool that nothing else
 * reads becomes that op's fused activation.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* A temporary constant of n floats shaped (rank, dims), owned by the
 * caller (free v->c.f). */
hb_status onnx_temp_const(onnx_value *v, const char *name, int rank, const int64_t *dims)
{
    memset(v, 0, sizeof(*v));
    v->name = name;
    v->kind = ONNX_CONST;
    v->rank = rank;
    memcpy(v->dims, dims, (size_t)rank * sizeof(int64_t));
    v->c.type = ONNX_CF;
    v->c.count = onnx_count(rank, dims);
    v->c.f = calloc(v->c.count ? v->c.count : 1, sizeof(float));
    return v->c.f ? HB_OK : hb_fail(HB_ERR_MEM, "out of memory");
}

/* int8 output parameters when every activation input is int8, every
 * constant input quantised, and the output is quantised by all its
 * consumers. */
int onnx_int8_mode(onnx_ctx *c, onnx_value *const *ins, int n, const onnx_value *o,
                   float *s, int32_t *z)
{
    for (int k = 0; k < n; k++) {
        if (!ins[k])
            continue;
        if (ins[k]->kind == ONNX_ACT ? !onnx_is_q_act(c, ins[k])
                                     : ins[k]->c.type != ONNX_CQ ||
                                           ins[k]->c.qdtype != NN_DT_INT8 ||
                                           ins[k]->c.n_quant != 1)
            return 0;
    }
    return onnx_q_lookahead(c, o, s, z);
}

/* Emits op over ins (n, broadcast, output dims od of rank r) in layout,
 * float or int8. */
static hb_status elementwise_in(onnx_ctx *c, int op, onnx_value *const *ins, int n,
                                onnx_value *o, int r, const int64_t *od,
                                const graph_options *opt, int pinned, int layout)
{
    float s = 0.0f;
    int32_t z = 0;
    int q8 = pinned ? ins[0]->kind == ONNX_ACT && onnx_is_q_act(c, ins[0])
                    : onnx_int8_mode(c, ins, n, o, &s, &z);
    int t[3], out, idx;
    hb_status st;
    for (int k = 0; k < n; k++)
        if ((st = onnx_operand(c, ins[k], layout, r, !q8, &t[k])) != HB_OK)
            return st;
    if (q8 && pinned) {
        s = pinned == 1 ? 1.0f / 256 : pinned == 2 ? 1.0f / 128 : 16.0f / 256;
        z = pinned == 1 ? -128 : pinned == 2 ? 0 : 127;
    }
    if ((st = onnx_new_act(c, o, r, od, layout, q8 ? NN_DT_INT8 : NN_DT_FLOAT32, -1, &out)))
        return st;
    if (q8 && (st = graph_set_quant(c->g, out, 1, &s, &z, 0)) != HB_OK)
        return st;
    if ((st = onnx_emit(c, op, n, t, out, opt, &idx)) != HB_OK)
        return st;
    o->producer = idx;
    return HB_OK;
}

/* The same in the layout of the inputs (onnx_pick_layout). pinned: 1
 * SOFTMAX, 2 TANH, 3 LOG_SOFTMAX (TFLite fixes their int8 outputs). */
static hb_status elementwise(onnx_ctx *c, int op, onnx_value *const *ins, int n, onnx_value *o,
                             int r, const int64_t *od, const graph_options *opt, int pinned)
{
    return elementwise_in(c, op, ins, n, o, r, od, opt, pinned,
                          onnx_pick_layout(c, ins, n, r));
}

/* Add, Mul (and the others through them) ------------------------------------ */

/* Before opset 7, broadcast=1 with axis places B's dims at axis of A's. */
static hb_status legacy_b(onnx_ctx *c, onnx_value *a, onnx_value *b, onnx_value *tmp,
                          onnx_value **out)
{
    int64_t bc, axis;
    hb_status st;
    *out = b;
    if (c->opset >= 7 || (st = onnx_attr_i(c, "broadcast", 0, &bc)) != HB_OK || !bc)
        return HB_OK;
    if ((st = onnx_attr_i(c, "axis", -1, &axis)) != HB_OK || axis < 0)
        return st;
    int r = a->rank - (int)axis;
    if (r < b->rank || r > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_FORMAT, "broadcast axis %lld does not fit", (long long)axis);
    if (r == b->rank)
        return HB_OK;
    int64_t d[NN_MAX_RANK];
    for (int k = 0; k < r; k++)
        d[k] = k < b->rank ? b->dims[k] : 1;
    memset(tmp, 0, sizeof(*tmp));
    tmp->name = b->name;
    if (b->kind == ONNX_CONST) {
        *tmp = *b; /* the same data, trailing unit dimensions */
        tmp->rank = r;
        memcpy(tmp->dims, d, sizeof(d));
    } else if ((st = onnx_reshape_to(c, b, tmp, r, d)) != HB_OK) {
        return st;
    }
    *out = tmp;
    return HB_OK;
}

hb_status onnx_binary(onnx_ctx *c, int op, onnx_value *a, onnx_value *b, onnx_value *o)
{
    onnx_value tmp, *ins[2];
    int64_t d[NN_MAX_RANK];
    int r;
    hb_status st;
    if ((st = legacy_b(c, a, b, &tmp, &ins[1])) != HB_OK)
        return st;
    ins[0] = a;
    if ((st = onnx_broadcast(c, a->rank, a->dims, ins[1]->rank, ins[1]->dims, &r, d)))
        return st;
    return elementwise(c, op, ins, 2, o, r, d, NULL, 0);
}

static hb_status two_inputs(onnx_ctx *c, onnx_value **a, onnx_value **b)
{
    *a = onnx_in(c, 0);
    *b = onnx_in(c, 1);
    if (!*a || !*b || !onnx_out(c, 0))
        return onnx_fail(c, HB_ERR_FORMAT, "needs two inputs and an output");
    return HB_OK;
}

hb_status onnx_op_add(onnx_ctx *c)
{
    onnx_value *a, *b;
    hb_status st = two_inputs(c, &a, &b);
    return st != HB_OK ? st : onnx_binary(c, NN_OP_ADD, a, b, onnx_out(c, 0));
}

hb_status onnx_op_mul(onnx_ctx *c)
{
    onnx_value *a, *b;
    hb_status st = two_inputs(c, &a, &b);
    return st != HB_OK ? st : onnx_binary(c, NN_OP_MUL, a, b, onnx_out(c, 0));
}

/* A copy of constant b with each value mapped: -x, or 1 / x. */
static hb_status mapped_const(onnx_value *b, onnx_value *tmp, int recip)
{
    hb_status st = onnx_temp_const(tmp, b->name, b->rank, b->dims);
    for (size_t k = 0; st == HB_OK && k < b->c.count; k++)
        tmp->c.f[k] = recip ? 1.0f / onnx_cf(b, k) : -onnx_cf(b, k);
    return st;
}

/* -x as MUL(x, -1). */
static hb_status negate(onnx_ctx *c, onnx_value *x, onnx_value *o)
{
    onnx_value m;
    int64_t one = 1;
    hb_status st = onnx_temp_const(&m, "minus_one", 0, &one);
    if (st == HB_OK) {
        m.c.f[0] = -1.0f;
        st = onnx_binary(c, NN_OP_MUL, x, &m, o);
    }
    free(m.c.f);
    return st;
}

hb_status onnx_op_sub(onnx_ctx *c)
{
    onnx_value *a, *b, tmp, neg;
    hb_status st = two_inputs(c, &a, &b);
    if (st != HB_OK)
        return st;
    memset(&tmp, 0, sizeof(tmp));
    if (b->kind == ONNX_CONST) { /* a + (-b) */
        if ((st = mapped_const(b, &tmp, 0)) == HB_OK)
            st = onnx_binary(c, NN_OP_ADD, a, &tmp, onnx_out(c, 0));
        free(tmp.c.f);
        return st;
    }
    memset(&neg, 0, sizeof(neg));
    neg.name = b->name;
    if ((st = negate(c, b, &neg)) != HB_OK)
        return st;
    return onnx_binary(c, NN_OP_ADD, a, &neg, onnx_out(c, 0));
}

hb_status onnx_op_div(onnx_ctx *c)
{
    onnx_value *a, *b, tmp;
    hb_status st = two_inputs(c, &a, &b);
    if (st != HB_OK)
        return st;
    if (b->kind != ONNX_CONST)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "division by a computed tensor is not "
                         "supported");
    if ((st = mapped_const(b, &tmp, 1)) == HB_OK)
        st = onnx_binary(c, NN_OP_MUL, a, &tmp, onnx_out(c, 0));
    free(tmp.c.f);
    return st;
}

hb_status onnx_op_neg(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0);
    if (!x || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    return negate(c, x, o);
}

hb_status onnx_op_sum(onnx_ctx *c)
{
    onnx_value *o = onnx_out(c, 0), *acc = onnx_in(c, 0), part[2];
    int n = onnx_n_in(c);
    hb_status st;
    if (!acc || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (n == 1) {
        if (acc->kind != ONNX_ACT)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "a sum of one constant");
        onnx_alias(o, acc);
        return HB_OK;
    }
    for (int k = 1; k < n; k++) {
        onnx_value *b = onnx_in(c, k), *dst = k == n - 1 ? o : &part[k % 2];
        if (!b)
            return onnx_fail(c, HB_ERR_FORMAT, "input %d is missing", k);
        if (dst != o) {
            memset(dst, 0, sizeof(*dst));
            dst->name = o->name;
        }
        if ((st = onnx_binary(c, NN_OP_ADD, acc, b, dst)) != HB_OK)
            return st;
        acc = dst;
    }
    return HB_OK;
}

/* Activations --------------------------------------------------------------- */

/* Fuses `act` into the op that made x when nothing else reads x; o then
 * is x. */
static int try_fuse(onnx_ctx *c, onnx_value *x, onnx_value *o, int act)
{
    if (x->kind != ONNX_ACT || x->producer < 0 || x->uses != 1 || x->is_output)
        return 0;
    graph_op *p = &c->g->ops[x->producer];
    if ((p->op != NN_OP_CONV_2D && p->op != NN_OP_DEPTHWISE_CONV_2D &&
         p->op != NN_OP_FULLY_CONNECTED && p->op != NN_OP_ADD && p->op != NN_OP_MUL &&
         p->op != NN_OP_AVERAGE_POOL_2D && p->op != NN_OP_MAX_POOL_2D) ||
        p->opt.activation != NN_ACT_NONE || p->outputs[0] != onnx_act_tensor(x))
        return 0;
    if (onnx_is_q_act(c, x)) {
        /* int8: only when the output keeps the input's parameters. */
        float s;
        int32_t z;
        const graph_tensor *t = &c->g->tensors[onnx_act_tensor(x)];
        if (!onnx_q_lookahead(c, o, &s, &z) || s != t->scales[0] || z != t->zero_points[0])
            return 0;
    }
    p->opt.activation = act;
    int prod = x->producer;
    onnx_alias(o, x);
    o->producer = prod;
    return 1;
}

/* A standalone activation op of x's shape. */
static hb_status unary(onnx_ctx *c, int op, const graph_options *opt, int pinned)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0);
    if (!x || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (x->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "input '%s' is a constant", x->name);
    return elementwise(c, op, &x, 1, o, x->rank, x->dims, opt, pinned);
}

static hb_status relu_family(onnx_ctx *c, int op, int act)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0);
    if (x && o && try_fuse(c, x, o, act))
        return HB_OK;
    return unary(c, op, NULL, 0);
}

hb_status onnx_op_relu(onnx_ctx *c) { return relu_family(c, NN_OP_RELU, NN_ACT_RELU); }
hb_status onnx_op_sigmoid(onnx_ctx *c) { return unary(c, NN_OP_LOGISTIC, NULL, 1); }
hb_status onnx_op_tanh(onnx_ctx *c) { return unary(c, NN_OP_TANH, NULL, 2); }

hb_status onnx_op_leaky_relu(onnx_ctx *c)
{
    graph_options opt;
    float alpha;
    hb_status st = onnx_attr_f(c, "alpha", 0.01f, &alpha);
    if (st != HB_OK)
        return st;
    memset(&opt, 0, sizeof(opt));
    opt.alpha = alpha;
    return unary(c, NN_OP_LEAKY_RELU, &opt, 0);
}

hb_status onnx_op_clip(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0), *lo_v = onnx_in(c, 1),
               *hi_v = onnx_in(c, 2), mid, bound;
    float lo = -FLT_MAX, hi = FLT_MAX;
    int64_t one = 1;
    hb_status st;
    if (!x || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (c->opset < 11) {
        if ((st = onnx_attr_f(c, "min", -FLT_MAX, &lo)) != HB_OK ||
            (st = onnx_attr_f(c, "max", FLT_MAX, &hi)) != HB_OK)
            return st;
    } else {
        if ((lo_v && (lo_v->kind != ONNX_CONST || lo_v->c.count != 1)) ||
            (hi_v && (hi_v->kind != ONNX_CONST || hi_v->c.count != 1)))
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "min and max must be constant scalars");
        lo = lo_v ? onnx_cf(lo_v, 0) : -FLT_MAX;
        hi = hi_v ? onnx_cf(hi_v, 0) : FLT_MAX;
    }
    if (lo == 0.0f && hi >= FLT_MAX)
        return relu_family(c, NN_OP_RELU, NN_ACT_RELU);
    if (lo == 0.0f && hi == 6.0f)
        return relu_family(c, NN_OP_RELU6, NN_ACT_RELU6);
    if (lo == -1.0f && hi == 1.0f)
        return relu_family(c, NN_OP_RELU_N1_TO_1, NN_ACT_RELU_N1_TO_1);
    if (x->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "input '%s' is a constant", x->name);
    if (!(lo <= hi))
        return onnx_fail(c, HB_ERR_FORMAT, "min %g above max %g", (double)lo, (double)hi);
    if (lo <= -FLT_MAX && hi >= FLT_MAX) {
        onnx_alias(o, x);
        return HB_OK;
    }
    /* max(x, lo) then min(., hi), in float. */
    onnx_value *cur = x, *ins[2];
    memset(&mid, 0, sizeof(mid));
    mid.name = o->name;
    for (int k = 0; k < 2; k++) {
        float b = k ? hi : lo;
        if (k ? b >= FLT_MAX : b <= -FLT_MAX)
            continue;
        onnx_value *dst = k == 1 || hi >= FLT_MAX ? o : &mid;
        if ((st = onnx_temp_const(&bound, k ? "clip_max" : "clip_min", 0, &one)) != HB_OK)
            return st;
        bound.c.f[0] = b;
        ins[0] = cur;
        ins[1] = &bound;
        int layout = onnx_pick_layout(c, ins, 1, x->rank), t[2], out;
        st = onnx_operand(c, cur, layout, x->rank, 1, &t[0]);
        if (st == HB_OK)
            st = onnx_operand(c, &bound, layout, x->rank, 1, &t[1]);
        free(bound.c.f);
        if (st != HB_OK ||
            (st = onnx_new_act(c, dst, x->rank, x->dims, layout, NN_DT_FLOAT32, -1, &out)) ||
            (st = onnx_emit(c, k ? NN_OP_MINIMUM : NN_OP_MAXIMUM, 2, t, out, NULL, NULL)))
            return st;
        cur = dst;
    }
    return HB_OK;
}

hb_status onnx_op_prelu(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *slope = onnx_in(c, 1), *o = onnx_out(c, 0), tmp, *ins[2];
    int64_t d[NN_MAX_RANK];
    int r;
    hb_status st;
    if (!x || !slope || !o || x->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_FORMAT, "needs a computed X and a slope");
    if (slope->kind == ONNX_CONST && slope->c.count == 1 && slope->c.type != ONNX_CQ) {
        graph_options opt;
        memset(&opt, 0, sizeof(opt));
        opt.alpha = onnx_cf(slope, 0);
        return elementwise(c, NN_OP_LEAKY_RELU, &x, 1, o, x->rank, x->dims, &opt, 0);
    }
    ins[0] = x;
    ins[1] = slope;
    /* Before opset 7 a vector slope is per channel (axis 1). */
    if (c->opset < 7 && slope->rank == 1 && x->rank > 2 && slope->dims[0] == x->dims[1]) {
        if (slope->kind != ONNX_CONST)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "a computed slope");
        tmp = *slope;
        tmp.rank = x->rank - 1;
        for (int k = 0; k < tmp.rank; k++)
            tmp.dims[k] = k ? 1 : slope->dims[0];
        ins[1] = &tmp;
    }
    if ((st = onnx_broadcast(c, x->rank, x->dims, ins[1]->rank, ins[1]->dims, &r, d)))
        return st;
    if (r != x->rank || memcmp(d, x->dims, (size_t)r * sizeof(int64_t)))
        return onnx_fail(c, HB_ERR_FORMAT, "the slope does not broadcast to X");
    return elementwise(c, NN_OP_PRELU, ins, 2, o, x->rank, x->dims, NULL, 0);
}

/* Softmax, LogSoftmax --------------------------------------------------------- */

static hb_status softmax(onnx_ctx *c, int op)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0), flat;
    int64_t axis;
    hb_status st;
    if (!x || !o || x->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_FORMAT, "X must be computed by the model");
    int r = x->rank, old = c->opset < 13;
    if ((st = onnx_attr_i(c, "axis", old ? 1 : -1, &axis)) != HB_OK)
        return st;
    if (axis < -r || axis >= r || r < 1)
        return onnx_fail(c, HB_ERR_FORMAT, "axis %lld for rank %d", (long long)axis, r);
    int ax = (int)(axis < 0 ? axis + r : axis);
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.beta = 1.0f;
    /* Over one axis that is last in a layout (the model's, or NHWC for the
     * channels): directly. */
    int last_nhwc = ax == 1 && onnx_nhwc_ok(r);
    if (ax == r - 1 || (!old && last_nhwc))
        return elementwise_in(c, op, &x, 1, o, r, x->dims, &opt, op == NN_OP_SOFTMAX ? 1 : 3,
                              ax == r - 1 ? ONNX_PLAIN : ONNX_NHWC);
    if (!old)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "axis %d of a rank-%d tensor (only the last "
                         "axis, or the channels of an image) is supported", ax, r);
    /* Before opset 13: over every dimension from axis on, as one row. */
    int64_t d2[2] = {(int64_t)onnx_count(ax, x->dims),
                     (int64_t)onnx_count(r - ax, x->dims + ax)};
    memset(&flat, 0, sizeof(flat));
    flat.name = o->name;
    onnx_value soft;
    memset(&soft, 0, sizeof(soft));
    soft.name = o->name;
    if ((st = onnx_reshape_to(c, x, &flat, 2, d2)) != HB_OK)
        return st;
    flat.uses = 1;
    onnx_value *fp = &flat;
    if ((st = elementwise(c, op, &fp, 1, &soft, 2, d2, &opt, op == NN_OP_SOFTMAX ? 1 : 3)))
        return st;
    return onnx_reshape_to(c, &soft, o, r, x->dims);
}

hb_status onnx_op_softmax(onnx_ctx *c) { return softmax(c, NN_OP_SOFTMAX); }
hb_status onnx_op_log_softmax(onnx_ctx *c) { return softmax(c, NN_OP_LOG_SOFTMAX); }
