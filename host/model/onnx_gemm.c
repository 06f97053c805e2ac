/*
 * onnx_gemm.c: Gemm and MatMul as FULLY_CONNECTED.
 *
 * The weights become [units, depth] (TFLite's layout), transposed at
 * import when the model has them [depth, units]; alpha scales them and
 * beta the bias. A C that is a bias (N values, or one) goes into the op;
 * any other C is an ADD after it. A computed B gets a TRANSPOSE (float
 * only). A of rank 3 and more keeps its leading dimensions
 * (keep_num_dims).
 */
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* Int8 weights FULLY_CONNECTED can take: an int8 constant with one zero
 * point, per tensor or per unit (ONNX dimension n_axis of B). */
static int int8_weights(const onnx_value *b, int n_axis)
{
    if (b->kind != ONNX_CONST || b->c.type != ONNX_CQ || b->c.qdtype != NN_DT_INT8 ||
        (b->c.n_quant > 1 && b->c.axis != n_axis))
        return 0;
    for (int k = 1; k < b->c.n_quant; k++)
        if (b->c.zps[k] != b->c.zps[0])
            return 0;
    return 1;
}

/* Gemm, MatMul -------------------------------------------------------------------- */

/* FULLY_CONNECTED of activation a (plain, [.., K]) with weights w (a
 * constant [K, N] when trans is 0, [N, K] when 1; or an activation), an
 * optional bias tensor, output dims od. */
static hb_status fully_connected(onnx_ctx *c, onnx_value *a, onnx_value *w, int trans,
                                 float alpha, int t_bias, onnx_value *o, int r,
                                 const int64_t *od, int q8, float qs, int32_t qz)
{
    int t[3], out, idx, map[2] = {trans ? 0 : 1, trans ? 1 : 0};
    int64_t n = trans ? w->dims[0] : w->dims[w->rank - 1];
    int64_t k = trans ? w->dims[1] : w->dims[0];
    int32_t gw[2] = {(int32_t)n, (int32_t)k};
    onnx_value scaled;
    hb_status st;
    if ((st = onnx_operand(c, a, ONNX_PLAIN, a->rank, !q8, &t[0])) != HB_OK)
        return st;
    if (w->kind == ONNX_CONST) {
        onnx_value *src = w;
        memset(&scaled, 0, sizeof(scaled));
        if (alpha != 1.0f) {
            if ((st = onnx_temp_const(&scaled, w->name, w->rank, w->dims)) != HB_OK)
                return st;
            for (size_t j = 0; j < w->c.count; j++)
                scaled.c.f[j] = alpha * onnx_cf(w, j);
            src = &scaled;
        }
        st = onnx_const_mapped(c, src, "weights", 2, gw, map, !q8, &t[1]);
        free(scaled.c.f);
        if (st != HB_OK)
            return st;
    } else {
        int32_t gs[2];
        int ms[2], md[2] = {map[0], map[1]};
        if (alpha != 1.0f)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "alpha with computed weights");
        int rs = onnx_view(ONNX_PLAIN, w->rank, w->dims, gs, ms);
        if ((st = onnx_operand(c, w, ONNX_PLAIN, w->rank, 1, &t[1])) != HB_OK ||
            (st = onnx_rearrange(c, w->name, "t", t[1], rs, gs, ms, w->dims, 2, gw, md,
                                 &t[1])) != HB_OK)
            return st;
    }
    t[2] = t_bias;
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.keep_num_dims = r != 2;
    if ((st = onnx_new_act(c, o, r, od, ONNX_PLAIN, q8 ? NN_DT_INT8 : NN_DT_FLOAT32, -1, &out)))
        return st;
    if (q8 && (st = graph_set_quant(c->g, out, 1, &qs, &qz, 0)) != HB_OK)
        return st;
    if ((st = onnx_emit(c, NN_OP_FULLY_CONNECTED, t_bias >= 0 ? 3 : 2, t, out, &opt, &idx)))
        return st;
    o->producer = idx;
    return HB_OK;
}

hb_status onnx_op_gemm(onnx_ctx *c)
{
    onnx_value *a = onnx_in(c, 0), *b = onnx_in(c, 1), *cv = onnx_in(c, 2), *o = onnx_out(c, 0);
    int64_t ta, tb, od[2];
    float alpha, beta, qs = 0.0f;
    int32_t qz = 0;
    int t_bias = -1;
    hb_status st;
    if (!a || !b || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "needs A and B");
    if ((st = onnx_attr_i(c, "transA", 0, &ta)) || (st = onnx_attr_i(c, "transB", 0, &tb)) ||
        (st = onnx_attr_f(c, "alpha", 1.0f, &alpha)) ||
        (st = onnx_attr_f(c, "beta", 1.0f, &beta)))
        return st;
    if (a->kind != ONNX_ACT || a->rank != 2 || b->rank != 2)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "A must be a computed matrix and B a matrix");
    onnx_value at, *ap = a;
    if (ta) { /* A transposed first */
        int64_t d[2] = {a->dims[1], a->dims[0]};
        int32_t gs[2], gd[2] = {(int32_t)d[0], (int32_t)d[1]};
        int ms[2], md[2] = {1, 0}, src, y;
        int rs = onnx_view(ONNX_PLAIN, 2, a->dims, gs, ms);
        if ((st = onnx_operand(c, a, ONNX_PLAIN, 2, 0, &src)) != HB_OK ||
            (st = onnx_rearrange(c, a->name, "t", src, rs, gs, ms, a->dims, 2, gd, md, &y)))
            return st;
        memset(&at, 0, sizeof(at));
        at = *a;
        at.layout = ONNX_PLAIN;
        at.t[0] = y;
        at.t[1] = at.tf[0] = at.tf[1] = -1;
        memcpy(at.dims, d, sizeof(d));
        ap = &at;
    }
    int64_t k = ap->dims[1], n = tb ? b->dims[0] : b->dims[1];
    if ((tb ? b->dims[1] : b->dims[0]) != k)
        return onnx_fail(c, HB_ERR_FORMAT, "A is %lldx%lld, B does not match",
                         (long long)ap->dims[0], (long long)k);
    od[0] = ap->dims[0];
    od[1] = n;
    if (beta == 0.0f)
        cv = NULL;
    onnx_value *q_ins[1] = {ap};
    int q8 = alpha == 1.0f && beta == 1.0f && b->kind == ONNX_CONST &&
             (!cv || (cv->kind == ONNX_CONST && cv->c.type == ONNX_CQ &&
                      cv->c.qdtype == NN_DT_INT32 && (int64_t)cv->c.count == n)) &&
             int8_weights(b, tb ? 0 : 1) && onnx_int8_mode(c, q_ins, 1, o, &qs, &qz);
    /* A bias of N values (or one) goes into the op; anything else is an ADD. */
    int bias_in_op = cv && cv->kind == ONNX_CONST &&
                     ((int64_t)cv->c.count == n || (cv->c.count == 1 && !q8)) &&
                     (cv->rank < 2 || cv->dims[0] == 1);
    if (bias_in_op) {
        int32_t gb = (int32_t)n;
        int zero = 0;
        onnx_value bv;
        if (q8) {
            st = onnx_const_mapped(c, cv, "bias", 1, &gb, &zero, 0, &t_bias);
        } else if ((st = onnx_temp_const(&bv, cv->name, 1, &n)) == HB_OK) {
            for (int64_t j = 0; j < n; j++)
                bv.c.f[j] = beta * onnx_cf(cv, cv->c.count == 1 ? 0 : (size_t)j);
            st = onnx_const_mapped(c, &bv, "bias", 1, &gb, &zero, 1, &t_bias);
            free(bv.c.f);
        }
        if (st != HB_OK)
            return st;
    }
    if (!cv || bias_in_op)
        return fully_connected(c, ap, b, (int)tb, alpha, t_bias, o, 2, od, q8, qs, qz);
    /* FULLY_CONNECTED, then + beta C. */
    onnx_value y, cb;
    memset(&y, 0, sizeof(y));
    y.name = o->name;
    if ((st = fully_connected(c, ap, b, (int)tb, alpha, -1, &y, 2, od, 0, 0.0f, 0)) != HB_OK)
        return st;
    if (beta == 1.0f)
        return onnx_binary(c, NN_OP_ADD, &y, cv, o);
    if (cv->kind != ONNX_CONST)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "beta with a computed C");
    if ((st = onnx_temp_const(&cb, cv->name, cv->rank, cv->dims)) != HB_OK)
        return st;
    for (size_t j = 0; j < cv->c.count; j++)
        cb.c.f[j] = beta * onnx_cf(cv, j);
    st = onnx_binary(c, NN_OP_ADD, &y, &cb, o);
    free(cb.c.f);
    return st;
}

hb_status onnx_op_matmul(onnx_ctx *c)
{
    onnx_value *a = onnx_in(c, 0), *b = onnx_in(c, 1), *o = onnx_out(c, 0), wv;
    int64_t od[NN_MAX_RANK];
    float qs = 0.0f;
    int32_t qz = 0;
    if (!a || !b || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "needs A and B");
    if (a->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "A must be computed by the model");
    if (b->rank != 1 && b->rank != 2)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "batched MatMul (B of rank %d) is not "
                         "supported", b->rank);
    int64_t k = b->dims[0], n = b->rank == 2 ? b->dims[1] : 1;
    if (a->dims[a->rank - 1] != k)
        return onnx_fail(c, HB_ERR_FORMAT, "A's last dimension %lld, B's first %lld",
                         (long long)a->dims[a->rank - 1], (long long)k);
    int r = a->rank - (b->rank == 1);
    memcpy(od, a->dims, sizeof(od));
    if (b->rank == 2)
        od[a->rank - 1] = n;
    if (r == 0) {
        r = 1;
        od[0] = 1;
    }
    onnx_value *w = b;
    if (b->rank == 1) { /* [K] as [K, 1] */
        wv = *b;
        wv.rank = 2;
        wv.dims[1] = 1;
        w = &wv;
    }
    onnx_value *q_ins[1] = {a};
    int q8 = int8_weights(b, b->rank - 1) && onnx_int8_mode(c, q_ins, 1, o, &qs, &qz);
    return fully_connected(c, a, w, 0, 1.0f, -1, o, r, od, q8, qs, qz);
}
