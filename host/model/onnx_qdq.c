/*
 * onnx_qdq.c: QuantizeLinear and DequantizeLinear (the QDQ form ONNX
 * Runtime's quantiser writes) folded into int8 tensors.
 *
 * DequantizeLinear of a constant makes a quantised constant (int8 weights
 * with a scale per tensor or per channel, int32 biases), read as int8 by
 * an op that runs in int8 and dequantised by one that does not. Of an
 * int8 activation it is free: the value stays that int8 tensor, and a
 * consumer that needs float gets a DEQUANTIZE. QuantizeLinear of a float
 * activation is a QUANTIZE op (model inputs); of an int8 activation with
 * the same parameters it is free (the producer already ran in int8 because
 * every consumer of its output quantises, onnx_q_lookahead), with other
 * parameters an int8 -> int8 QUANTIZE; of a constant it is computed here.
 *
 * uint8 becomes int8 (q - 128, zero point - 128), which represents the
 * same real numbers. Constants are quantised here as ONNX does (round half
 * to even); the engine's QUANTIZE rounds half away from zero as TFLite's
 * does, so an input exactly halfway between two steps may land one step
 * apart from ONNX Runtime (docs/onnx.md).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

int onnx_is_q_act(const onnx_ctx *c, const onnx_value *v)
{
    return v && v->kind == ONNX_ACT && onnx_act_dtype(c, v) == NN_DT_INT8;
}

/* The per-tensor parameters of a quantise/dequantise node's inputs 1 and
 * 2 (int8 zero point, uint8 shifted); 0 if they are not constant scalars
 * of a supported type. *is_u8 tells the output type. */
static int scalar_params(onnx_ctx *c, const Onnx__NodeProto *n, float *scale, int32_t *zp,
                         int *is_u8)
{
    onnx_value *s = n->n_input > 1 ? onnx_find(c, n->input[1]) : NULL;
    onnx_value *z = n->n_input > 2 && n->input[2][0] ? onnx_find(c, n->input[2]) : NULL;
    if (!s || s->kind != ONNX_CONST || s->c.count != 1 || (!s->c.f && !s->c.i))
        return 0;
    if (z && (z->kind != ONNX_CONST || z->c.count != 1 || (!z->c.f && !z->c.i)))
        return 0;
    *scale = onnx_cf(s, 0);
    *is_u8 = !z || z->c.elem == ONNX_T_UINT8;
    if (z && z->c.elem != ONNX_T_UINT8 && z->c.elem != ONNX_T_INT8)
        return 0;
    *zp = (int32_t)(z ? onnx_ci(z, 0) : 0) - (*is_u8 ? 128 : 0);
    return *scale > 0.0f && isfinite(*scale) && *zp >= -128 && *zp <= 127;
}

int onnx_q_lookahead(onnx_ctx *c, const onnx_value *v, float *scale, int32_t *zp)
{
    int iv = onnx_index_of(c, v), found = 0;
    if (iv < 0 || v->is_output || c->cons_off[iv] == c->cons_off[iv + 1])
        return 0;
    for (int k = c->cons_off[iv]; k < c->cons_off[iv + 1]; k++) {
        const Onnx__NodeProto *n = c->gp->node[c->cons[k]];
        float s;
        int32_t z;
        int u8;
        if (strcmp(n->op_type, "QuantizeLinear") || n->n_input < 2 ||
            strcmp(n->input[0], v->name) || !scalar_params(c, n, &s, &z, &u8))
            return 0;
        if (found && (s != *scale || z != *zp))
            return 0;
        *scale = s;
        *zp = z;
        found = 1;
    }
    return found;
}

/* Per-axis parameters of a constant quantise/dequantise: n scales (1 or
 * the axis' size), zero points (zero when absent), uint8 shifted. */
static hb_status const_params(onnx_ctx *c, const onnx_value *x, onnx_const *q, int *is_u8,
                              int *is_i32)
{
    onnx_value *s = onnx_in(c, 1), *z = onnx_in(c, 2);
    int64_t axis;
    hb_status st;
    if (!s || s->kind != ONNX_CONST || (z && z->kind != ONNX_CONST))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "scale and zero point must be constants");
    if ((st = onnx_attr_i(c, "axis", 1, &axis)) != HB_OK)
        return st;
    size_t n = s->c.count;
    if (z && z->c.count != n)
        return onnx_fail(c, HB_ERR_FORMAT, "%zu scales but %zu zero points", n, z->c.count);
    int elem = z ? z->c.elem : x->c.type == ONNX_CI ? x->c.elem : ONNX_T_UINT8;
    *is_u8 = elem == ONNX_T_UINT8;
    *is_i32 = elem == ONNX_T_INT32;
    if (elem != ONNX_T_UINT8 && elem != ONNX_T_INT8 && elem != ONNX_T_INT32)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "quantised type %d (int8, uint8 and int32 "
                         "biases are supported)", elem);
    q->axis = 0;
    if (n > 1) {
        if (axis < -x->rank || axis >= x->rank)
            return onnx_fail(c, HB_ERR_FORMAT, "axis %lld for rank %d", (long long)axis,
                             x->rank);
        q->axis = (int)(axis < 0 ? axis + x->rank : axis);
        if ((int64_t)n != x->dims[q->axis])
            return onnx_fail(c, HB_ERR_FORMAT, "%zu scales for dimension %d of %lld", n,
                             q->axis, (long long)x->dims[q->axis]);
    } else if (n != 1) {
        return onnx_fail(c, HB_ERR_FORMAT, "no scale");
    }
    q->n_quant = (int)n;
    q->scales = malloc(n * sizeof(float));
    q->zps = calloc(n, sizeof(int32_t));
    if (!q->scales || !q->zps)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t k = 0; k < n; k++) {
        q->scales[k] = onnx_cf(s, k);
        int64_t zz = (z ? onnx_ci(z, k) : 0) - (*is_u8 ? 128 : 0);
        if (!(q->scales[k] > 0.0f) || !isfinite(q->scales[k]) ||
            zz < (*is_i32 ? 0 : -128) || zz > (*is_i32 ? 0 : 127))
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "scale %g and zero point %lld",
                             (double)q->scales[k], (long long)zz);
        q->zps[k] = (int32_t)zz;
    }
    q->qdtype = *is_i32 ? NN_DT_INT32 : NN_DT_INT8;
    return HB_OK;
}

/* Defines o as the quantised constant of x's integers (dequantise) or of
 * x's values quantised (quantise), with parameters q (taken over). */
static hb_status def_cq(onnx_ctx *c, onnx_value *x, onnx_value *o, onnx_const *q, int quantise,
                        int is_u8)
{
    hb_status st;
    if ((st = onnx_def_const(c, o, ONNX_CI, x->rank, x->dims)) != HB_OK)
        return st;
    size_t inner = 1;
    for (int d = q->axis + 1; d < x->rank; d++)
        inner *= (size_t)x->dims[d];
    for (size_t k = 0; k < x->c.count; k++) {
        size_t ch = q->n_quant > 1 ? k / inner % (size_t)q->n_quant : 0;
        int64_t v;
        if (quantise) {
            /* ONNX's rounding: half to even (rint in the default mode). */
            double r = rint((double)onnx_cf(x, k) / (double)q->scales[ch]);
            r += q->zps[ch];
            v = r < -128.0 ? -128 : r > 127.0 ? 127 : (int64_t)r;
        } else {
            v = onnx_ci(x, k) - (is_u8 ? 128 : 0);
        }
        o->c.i[k] = v;
    }
    o->c.type = ONNX_CQ;
    o->c.elem = ONNX_T_FLOAT;
    o->c.qdtype = q->qdtype;
    o->c.n_quant = q->n_quant;
    o->c.axis = q->axis;
    o->c.scales = q->scales;
    o->c.zps = q->zps;
    q->scales = NULL;
    q->zps = NULL;
    return HB_OK;
}

hb_status onnx_op_dequantize_linear(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0);
    onnx_const q;
    int u8 = 0, i32 = 0;
    hb_status st;
    if (!x || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (x->kind == ONNX_ACT) {
        float s;
        int32_t z;
        if (!onnx_is_q_act(c, x) || !scalar_params(c, c->n, &s, &z, &u8))
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "dequantises '%s', which is not an int8 "
                             "tensor with one constant scale", x->name);
        const graph_tensor *t = &c->g->tensors[onnx_act_tensor(x)];
        if (t->scales[0] != s || t->zero_points[0] != z)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "dequantises '%s' with other parameters "
                             "than it was quantised with", x->name);
        onnx_alias(o, x);
        return HB_OK;
    }
    if (x->c.type == ONNX_CQ) { /* a constant quantised here: the same numbers */
        memset(&q, 0, sizeof(q));
        q.n_quant = x->c.n_quant;
        q.axis = x->c.axis;
        q.qdtype = x->c.qdtype;
        q.scales = malloc((size_t)q.n_quant * sizeof(float));
        q.zps = malloc((size_t)q.n_quant * sizeof(int32_t));
        if (!q.scales || !q.zps) {
            onnx_const_clear(&q);
            return hb_fail(HB_ERR_MEM, "out of memory");
        }
        memcpy(q.scales, x->c.scales, (size_t)q.n_quant * sizeof(float));
        memcpy(q.zps, x->c.zps, (size_t)q.n_quant * sizeof(int32_t));
        st = def_cq(c, x, o, &q, 0, 0);
        onnx_const_clear(&q);
        return st;
    }
    if (x->c.type != ONNX_CI)
        return onnx_fail(c, HB_ERR_FORMAT, "dequantises a float constant");
    memset(&q, 0, sizeof(q));
    if ((st = const_params(c, x, &q, &u8, &i32)) == HB_OK)
        st = def_cq(c, x, o, &q, 0, u8);
    onnx_const_clear(&q);
    return st;
}

hb_status onnx_op_quantize_linear(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0);
    onnx_const q;
    float s;
    int32_t z;
    int u8 = 0, i32 = 0, t, in;
    hb_status st;
    if (!x || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (x->kind == ONNX_CONST) {
        memset(&q, 0, sizeof(q));
        if ((st = const_params(c, x, &q, &u8, &i32)) == HB_OK && i32)
            st = onnx_fail(c, HB_ERR_UNSUPPORTED, "quantising to int32");
        if (st == HB_OK)
            st = def_cq(c, x, o, &q, 1, u8);
        onnx_const_clear(&q);
        return st;
    }
    if (!scalar_params(c, c->n, &s, &z, &u8))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "an activation needs one constant int8 or "
                         "uint8 scale and zero point");
    in = onnx_act_tensor(x);
    if (onnx_is_q_act(c, x)) {
        const graph_tensor *g = &c->g->tensors[in];
        if (g->scales[0] == s && g->zero_points[0] == z) {
            onnx_alias(o, x);
            return HB_OK;
        }
    } else if ((st = onnx_operand(c, x, x->layout, x->rank, 1, &in)) != HB_OK) {
        return st;
    }
    if ((st = onnx_new_act(c, o, x->rank, x->dims, x->layout, NN_DT_INT8, -1, &t)) != HB_OK ||
        (st = graph_set_quant(c->g, t, 1, &s, &z, 0)) != HB_OK)
        return st;
    return onnx_emit(c, NN_OP_QUANTIZE, 1, &in, t, NULL, NULL);
}
