/*
 * onnx_shape.c: Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Concat,
 * Pad, Identity and Dropout on activations, and the shape arithmetic the
 * folding shares.
 *
 * Reshapes read the model's own element order, so an NHWC input is first
 * brought back (often just a RESHAPE: NHWC [N, 1, 1, C] is NCHW
 * [N, C, 1, 1]). Transpose composes the model's permutation with the
 * input's layout into one TRANSPOSE. Concat and Pad keep an NHWC input
 * NHWC, with the axis and the pads moved to match.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* Shape arithmetic -------------------------------------------------------- */

hb_status onnx_reshape_dims(onnx_ctx *c, int rank, const int64_t *dims, int *r, int64_t *d)
{
    int64_t shape[NN_MAX_RANK], allowzero, known = 1;
    int n, infer = -1;
    hb_status st;
    if ((st = onnx_attr_i(c, "allowzero", 0, &allowzero)) != HB_OK ||
        (st = onnx_ints_arg(c, "shape", 1, NN_MAX_RANK, shape, &n)) != HB_OK)
        return st;
    if (n < 0)
        return onnx_fail(c, HB_ERR_FORMAT, "no shape");
    for (int k = 0; k < n; k++) {
        if (shape[k] == 0 && !allowzero) {
            if (k >= rank)
                return onnx_fail(c, HB_ERR_FORMAT, "shape entry %d copies a missing "
                                 "dimension", k);
            d[k] = dims[k];
        } else if (shape[k] == -1) {
            if (infer >= 0)
                return onnx_fail(c, HB_ERR_FORMAT, "two -1 in the shape");
            infer = k;
            continue;
        } else if (shape[k] < 0 || shape[k] > INT32_MAX) {
            return onnx_fail(c, HB_ERR_FORMAT, "shape entry %lld", (long long)shape[k]);
        } else {
            d[k] = shape[k];
        }
        known *= d[k];
        if (known > INT32_MAX)
            return onnx_fail(c, HB_ERR_FORMAT, "the shape is too large");
    }
    int64_t total = (int64_t)onnx_count(rank, dims);
    if (infer >= 0) {
        if (known == 0 || total % known)
            return onnx_fail(c, HB_ERR_FORMAT, "cannot infer the -1 of the shape");
        d[infer] = total / known;
    } else if (known != total) {
        return onnx_fail(c, HB_ERR_FORMAT, "shape of %lld elements for an input of %lld",
                         (long long)known, (long long)total);
    }
    *r = n;
    return HB_OK;
}

hb_status onnx_flatten_dims(onnx_ctx *c, const onnx_value *x, int64_t *d)
{
    int64_t axis;
    hb_status st = onnx_attr_i(c, "axis", 1, &axis);
    if (st != HB_OK)
        return st;
    if (axis < 0)
        axis += x->rank;
    if (axis < 0 || axis > x->rank)
        return onnx_fail(c, HB_ERR_FORMAT, "axis %lld for rank %d", (long long)axis, x->rank);
    d[0] = (int64_t)onnx_count((int)axis, x->dims);
    d[1] = (int64_t)onnx_count(x->rank - (int)axis, x->dims + axis);
    return HB_OK;
}

hb_status onnx_squeeze_dims(onnx_ctx *c, const onnx_value *x, int unsqueeze, int *r,
                            int64_t *d)
{
    int64_t axes[NN_MAX_RANK];
    unsigned flag = 0;
    int n;
    hb_status st;
    int old = c->opset < 13;
    if ((st = onnx_ints_arg(c, old ? "axes" : NULL, old ? -1 : 1, NN_MAX_RANK, axes, &n)))
        return st;
    int out_rank = unsqueeze ? x->rank + (n < 0 ? 0 : n) : x->rank;
    if (unsqueeze && n < 0)
        return onnx_fail(c, HB_ERR_FORMAT, "no axes");
    if (out_rank > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "rank %d, at most %d", out_rank, NN_MAX_RANK);
    for (int k = 0; k < n; k++) {
        int64_t a = axes[k] < 0 ? axes[k] + out_rank : axes[k];
        if (a < 0 || a >= out_rank || (flag & (1u << a)))
            return onnx_fail(c, HB_ERR_FORMAT, "bad axis %lld", (long long)axes[k]);
        flag |= 1u << a;
    }
    *r = 0;
    if (unsqueeze) {
        for (int k = 0, j = 0; k < out_rank; k++)
            d[(*r)++] = flag & (1u << k) ? 1 : x->dims[j++];
        return HB_OK;
    }
    for (int k = 0; k < x->rank; k++) {
        int drop = n < 0 ? x->dims[k] == 1 : (flag >> k) & 1;
        if (drop && x->dims[k] != 1)
            return onnx_fail(c, HB_ERR_FORMAT, "dimension %d is %lld, not 1", k,
                             (long long)x->dims[k]);
        if (!drop)
            d[(*r)++] = x->dims[k];
    }
    return HB_OK;
}

hb_status onnx_perm_of(onnx_ctx *c, int rank, int *perm)
{
    int64_t p[NN_MAX_RANK];
    unsigned seen = 0;
    int n;
    hb_status st = onnx_attr_ints(c, "perm", NN_MAX_RANK, p, &n);
    if (st != HB_OK)
        return st;
    if (n < 0) {
        for (int k = 0; k < rank; k++)
            perm[k] = rank - 1 - k;
        return HB_OK;
    }
    if (n != rank)
        return onnx_fail(c, HB_ERR_FORMAT, "perm has %d entries for rank %d", n, rank);
    for (int k = 0; k < n; k++) {
        if (p[k] < 0 || p[k] >= rank || (seen & (1u << p[k])))
            return onnx_fail(c, HB_ERR_FORMAT, "perm is not a permutation");
        seen |= 1u << p[k];
        perm[k] = (int)p[k];
    }
    return HB_OK;
}

/* Reshapes ------------------------------------------------------------------- */

static onnx_value *act_in0(onnx_ctx *c, hb_status *st)
{
    onnx_value *x = onnx_in(c, 0);
    *st = HB_OK;
    if (!x || x->kind != ONNX_ACT)
        *st = onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    return x;
}

hb_status onnx_reshape_to(onnx_ctx *c, onnx_value *v, onnx_value *out, int rank,
                          const int64_t *dims)
{
    int in, t;
    hb_status st;
    if ((st = onnx_operand(c, v, ONNX_PLAIN, v->rank, 0, &in)) != HB_OK ||
        (st = onnx_new_act(c, out, rank, dims, ONNX_PLAIN, c->g->tensors[in].dtype, in, &t)))
        return st;
    return onnx_emit(c, NN_OP_RESHAPE, 1, &in, t, NULL, NULL);
}

hb_status onnx_op_reshape(onnx_ctx *c)
{
    hb_status st;
    onnx_value *x = act_in0(c, &st), *o = onnx_out(c, 0);
    int64_t d[NN_MAX_RANK];
    int r;
    if (st != HB_OK || !o || (st = onnx_reshape_dims(c, x->rank, x->dims, &r, d)) != HB_OK)
        return st;
    return onnx_reshape_to(c, x, o, r, d);
}

hb_status onnx_op_flatten(onnx_ctx *c)
{
    hb_status st;
    onnx_value *x = act_in0(c, &st), *o = onnx_out(c, 0);
    int64_t d[2];
    if (st != HB_OK || !o || (st = onnx_flatten_dims(c, x, d)) != HB_OK)
        return st;
    return onnx_reshape_to(c, x, o, 2, d);
}

static hb_status squeeze(onnx_ctx *c, int unsqueeze)
{
    hb_status st;
    onnx_value *x = act_in0(c, &st), *o = onnx_out(c, 0);
    int64_t d[NN_MAX_RANK];
    int r;
    if (st != HB_OK || !o || (st = onnx_squeeze_dims(c, x, unsqueeze, &r, d)) != HB_OK)
        return st;
    return onnx_reshape_to(c, x, o, r, d);
}

hb_status onnx_op_squeeze(onnx_ctx *c) { return squeeze(c, 0); }
hb_status onnx_op_unsqueeze(onnx_ctx *c) { return squeeze(c, 1); }

hb_status onnx_op_transpose(onnx_ctx *c)
{
    hb_status st;
    onnx_value *x = act_in0(c, &st), *o = onnx_out(c, 0);
    int perm[NN_MAX_RANK], ms[NN_MAX_RANK], md[NN_MAX_RANK], t, src = 0;
    int64_t d[NN_MAX_RANK];
    int32_t gs[NN_MAX_RANK], gd[NN_MAX_RANK];
    if (st != HB_OK || !o || (st = onnx_perm_of(c, x->rank, perm)) != HB_OK)
        return st;
    src = onnx_act_tensor(x);
    int rs = onnx_view(x->layout, x->rank, x->dims, gs, ms);
    for (int k = 0; k < x->rank; k++) {
        d[k] = x->dims[perm[k]];
        gd[k] = (int32_t)d[k];
        md[k] = perm[k];
    }
    if ((st = onnx_rearrange(c, o->name, "t", src, rs, gs, ms, x->dims, x->rank, gd, md,
                             &t)) != HB_OK)
        return st;
    /* The result is o itself, in the model's order. */
    o->kind = ONNX_ACT;
    o->rank = x->rank;
    memcpy(o->dims, d, sizeof(d));
    o->layout = ONNX_PLAIN;
    o->t[0] = o->t[1] = o->tf[0] = o->tf[1] = -1;
    o->t[ONNX_PLAIN] = t;
    o->producer = -1;
    return HB_OK;
}

hb_status onnx_op_identity(onnx_ctx *c)
{
    hb_status st;
    onnx_value *x = act_in0(c, &st), *o = onnx_out(c, 0), *mode = onnx_in(c, 2);
    if (st != HB_OK || !o)
        return st;
    if (mode && mode->kind == ONNX_CONST && mode->c.count && onnx_ci(mode, 0))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "training mode is not supported");
    if (mode && mode->kind != ONNX_CONST)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "training_mode must be a constant");
    onnx_alias(o, x);
    return HB_OK;
}

/* Concat ---------------------------------------------------------------------- */

hb_status onnx_op_concat(onnx_ctx *c)
{
    int n = onnx_n_in(c), ins[NN_MAX_OP_IO], map[NN_MAX_RANK], ax, t;
    onnx_value *x0 = onnx_in(c, 0), *o = onnx_out(c, 0), *vs[64];
    int64_t axis, d[NN_MAX_RANK];
    int32_t gd[NN_MAX_RANK];
    hb_status st;
    if (!x0 || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (n > 64)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "%d inputs, at most 64", n);
    if ((st = onnx_attr_i(c, "axis", 1, &axis)) != HB_OK)
        return st;
    int r = x0->rank;
    if (axis < -r || axis >= r)
        return onnx_fail(c, HB_ERR_FORMAT, "axis %lld for rank %d", (long long)axis, r);
    ax = (int)(axis < 0 ? axis + r : axis);
    memcpy(d, x0->dims, sizeof(d));
    d[ax] = 0;
    int all_q = 1, all_nhwc = onnx_nhwc_ok(r);
    for (int k = 0; k < n; k++) {
        if (!(vs[k] = onnx_in(c, k)) || vs[k]->rank != r)
            return onnx_fail(c, HB_ERR_FORMAT, "input %d is missing or of another rank", k);
        for (int j = 0; j < r; j++)
            if (j != ax && vs[k]->dims[j] != x0->dims[j])
                return onnx_fail(c, HB_ERR_FORMAT, "input %d does not match input 0", k);
        d[ax] += vs[k]->dims[ax];
        all_q &= onnx_is_q_act(c, vs[k]);
        all_nhwc &= vs[k]->kind != ONNX_ACT || vs[k]->layout == ONNX_NHWC;
    }
    int layout = all_nhwc ? ONNX_NHWC : ONNX_PLAIN;
    int grank = onnx_view(layout, r, d, gd, map);
    int gaxis = 0;
    for (int j = 0; j < grank; j++)
        if (map[j] == ax)
            gaxis = j;
    /* int8 when every input is int8 with the same parameters; else float. */
    float s0 = 0.0f;
    int32_t z0 = 0;
    for (int k = 0; all_q && k < n; k++) {
        const graph_tensor *q = &c->g->tensors[onnx_act_tensor(vs[k])];
        if (k == 0)
            s0 = q->scales[0], z0 = q->zero_points[0];
        all_q &= q->scales[0] == s0 && q->zero_points[0] == z0;
    }
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.axis = gaxis;
    int first = -1, total = 0;
    int64_t part[NN_MAX_RANK];
    memcpy(part, d, sizeof(part));
    /* At most NN_MAX_OP_IO - 1 inputs per op: longer lists chain. */
    for (int k = 0; k < n;) {
        int m = 0;
        if (first >= 0)
            ins[m++] = first;
        part[ax] = first >= 0 ? total : 0;
        while (k < n && m < NN_MAX_OP_IO - 1) {
            if ((st = onnx_operand(c, vs[k], layout, r, !all_q, &ins[m++])) != HB_OK)
                return st;
            part[ax] += vs[k]->dims[ax];
            k++;
        }
        total = (int)part[ax];
        int q_like = all_q ? ins[0] : -1;
        if ((st = onnx_new_act(c, o, r, part, layout, all_q ? NN_DT_INT8 : NN_DT_FLOAT32,
                               q_like, &t)) != HB_OK ||
            (st = onnx_emit(c, NN_OP_CONCATENATION, m, ins, t, &opt, NULL)) != HB_OK)
            return st;
        first = t;
    }
    return HB_OK;
}

/* Pad --------------------------------------------------------------------------- */

hb_status onnx_op_pad(onnx_ctx *c)
{
    hb_status st;
    onnx_value *x = act_in0(c, &st), *o = onnx_out(c, 0), *cv = onnx_in(c, 2);
    int64_t pads[2 * NN_MAX_RANK], d[NN_MAX_RANK];
    int32_t gd[NN_MAX_RANK], pw[2 * NN_MAX_RANK];
    int n, map[NN_MAX_RANK], ins[3], t;
    char mode[16];
    float value = 0.0f;
    int old = c->opset < 11;
    if (st != HB_OK || !o || (st = onnx_attr_s(c, "mode", "constant", mode, sizeof(mode))) ||
        (st = onnx_ints_arg(c, old ? "pads" : NULL, old ? -1 : 1, 2 * NN_MAX_RANK, pads, &n)))
        return st;
    if (old && (st = onnx_attr_f(c, "value", 0.0f, &value)) != HB_OK)
        return st;
    if (!old && cv) {
        if (cv->kind != ONNX_CONST || cv->c.count != 1)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "the constant value must be one constant");
        value = onnx_cf(cv, 0);
    }
    if (n != 2 * x->rank)
        return onnx_fail(c, HB_ERR_FORMAT, "%d pads for rank %d", n, x->rank);
    int reflect = !strcmp(mode, "reflect");
    if (!reflect && strcmp(mode, "constant"))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "mode '%s' is not supported (constant, "
                         "reflect)", mode);
    for (int k = 0; k < x->rank; k++) {
        if (pads[k] < 0 || pads[k + x->rank] < 0 || pads[k] > INT32_MAX / 4 ||
            pads[k + x->rank] > INT32_MAX / 4)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "pads %lld, %lld (negative pads crop, "
                             "which is not supported)", (long long)pads[k],
                             (long long)pads[k + x->rank]);
        if (reflect && (pads[k] >= x->dims[k] || pads[k + x->rank] >= x->dims[k]))
            return onnx_fail(c, HB_ERR_FORMAT, "reflect pads must be below the size");
        d[k] = x->dims[k] + pads[k] + pads[k + x->rank];
    }
    int layout = x->layout;
    int grank = onnx_view(layout, x->rank, x->dims, gd, map);
    for (int j = 0; j < grank; j++) {
        pw[2 * j] = map[j] < 0 ? 0 : (int32_t)pads[map[j]];
        pw[2 * j + 1] = map[j] < 0 ? 0 : (int32_t)pads[map[j] + x->rank];
    }
    int32_t pdims[2] = {grank, 2};
    int dtype = onnx_act_dtype(c, x), in = onnx_act_tensor(x), op = NN_OP_PAD, n_in = 2;
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    ins[0] = in;
    if ((st = onnx_int32_tensor(c, "paddings", 2, pdims, pw, &ins[1])) != HB_OK ||
        (st = onnx_new_act(c, o, x->rank, d, layout, dtype, in, &t)) != HB_OK)
        return st;
    if (reflect) {
        op = NN_OP_MIRROR_PAD; /* mode 0: REFLECT */
    } else if (value != 0.0f) {
        /* A fill other than 0: PADV2 with the value as a constant. */
        int one = 1;
        op = NN_OP_PADV2;
        n_in = 3;
        if (dtype == NN_DT_INT8) {
            float qs = c->g->tensors[in].scales[0];
            int32_t qz = c->g->tensors[in].zero_points[0];
            float r = roundf(value / qs) + (float)qz;
            int8_t v8 = (int8_t)(!(r >= -128.0f) ? -128 : r > 127.0f ? 127 : (int)r);
            if ((st = onnx_add_tensor(c, "pad_value", NULL, NN_DT_INT8, 1, &one, &v8, 1,
                                      &ins[2])) != HB_OK ||
                (st = graph_set_quant(c->g, ins[2], 1, &qs, &qz, 0)))
                return st;
        } else if ((st = onnx_add_tensor(c, "pad_value", NULL, NN_DT_FLOAT32, 1, &one, &value,
                                         4, &ins[2])) != HB_OK) {
            return st;
        }
    }
    return onnx_emit(c, op, n_in, ins, t, &opt, NULL);
}
