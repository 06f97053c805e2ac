/*
 * onnx_conv.c: Conv, MaxPool, AveragePool, GlobalAveragePool,
 * GlobalMaxPool and BatchNormalization.
 *
 * These run in NHWC; 1-D forms run as 2-D with H = 1. ONNX states padding
 * explicitly; the engine (as TFLite) knows SAME and VALID geometry only,
 * so an axis whose pads match neither gets a PAD op in front (zeros, the
 * zero point in int8, the lowest value for a max pool) and the op runs
 * VALID. An average pool that excludes padding from its divisor over such
 * pads is computed as the padded sum over the whole window times a
 * constant map of window size / taps inside.
 *
 * BatchNormalization folds into the convolution or FULLY_CONNECTED that
 * feeds it (weights and bias rescaled per output channel) when that op's
 * output is read by nothing else; otherwise it is a per-channel MUL and
 * ADD.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* One spatial axis of a window op. */
typedef struct {
    int64_t in, k, s, d, pb, pe, out;
    int64_t extra; /* end padding ceil_mode added */
} axis_geo;

static int64_t eff(const axis_geo *a) { return (a->k - 1) * a->d + 1; }

/* TFLite's SAME and VALID on one axis (onnx_conv.c's only two shapes). */
static int is_same(const axis_geo *a)
{
    int64_t total = (a->out - 1) * a->s + eff(a) - a->in;
    return a->out == (a->in + a->s - 1) / a->s && a->pb == (total > 0 ? total / 2 : 0);
}

static int is_valid(const axis_geo *a)
{
    return a->pb == 0 && a->in >= eff(a) && a->out == (a->in - eff(a)) / a->s + 1;
}

/* The geometry of the n spatial axes of x (kernel given), from strides,
 * dilations, pads, auto_pad and ceil_mode. */
static hb_status geometry(onnx_ctx *c, const onnx_value *x, int n, const int64_t *kernel,
                          int dilations, axis_geo *ax)
{
    int64_t st_[2], dl[2], pads[4], ceil_mode;
    int ns, nd, np;
    char ap[32];
    hb_status st;
    if ((st = onnx_attr_ints(c, "strides", 2, st_, &ns)) != HB_OK ||
        (st = onnx_attr_ints(c, "dilations", 2, dl, &nd)) != HB_OK ||
        (st = onnx_attr_ints(c, "pads", 4, pads, &np)) != HB_OK ||
        (st = onnx_attr_i(c, "ceil_mode", 0, &ceil_mode)) != HB_OK ||
        (st = onnx_attr_s(c, "auto_pad", "NOTSET", ap, sizeof(ap))) != HB_OK)
        return st;
    if ((ns >= 0 && ns != n) || (nd >= 0 && nd != n) || (np >= 0 && np != 2 * n))
        return onnx_fail(c, HB_ERR_FORMAT, "strides, dilations or pads do not match %d "
                         "spatial dimensions", n);
    for (int k = 0; k < n; k++) {
        axis_geo *a = &ax[k];
        a->in = x->dims[2 + k];
        a->k = kernel[k];
        a->s = ns >= 0 ? st_[k] : 1;
        a->d = nd >= 0 ? dl[k] : 1;
        a->pb = np >= 0 ? pads[k] : 0;
        a->pe = np >= 0 ? pads[k + n] : 0;
        a->extra = 0;
        if (a->k < 1 || a->s < 1 || a->d < 1 || a->pb < 0 || a->pe < 0 || a->k > (1 << 20) ||
            a->s > (1 << 20) || a->d > (1 << 20) || a->pb > (1 << 20) || a->pe > (1 << 20))
            return onnx_fail(c, HB_ERR_FORMAT, "kernel %lld, stride %lld, dilation %lld, pads "
                             "%lld and %lld", (long long)a->k, (long long)a->s,
                             (long long)a->d, (long long)a->pb, (long long)a->pe);
        if (!dilations && a->d != 1)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "dilations are not supported here");
        if (!strcmp(ap, "SAME_UPPER") || !strcmp(ap, "SAME_LOWER")) {
            a->out = (a->in + a->s - 1) / a->s;
            int64_t total = (a->out - 1) * a->s + eff(a) - a->in;
            total = total > 0 ? total : 0;
            a->pb = ap[5] == 'U' ? total / 2 : total - total / 2;
            a->pe = total - a->pb;
            continue;
        }
        if (!strcmp(ap, "VALID"))
            a->pb = a->pe = 0;
        else if (strcmp(ap, "NOTSET"))
            return onnx_fail(c, HB_ERR_FORMAT, "auto_pad '%s'", ap);
        int64_t span = a->in + a->pb + a->pe - eff(a);
        if (span < 0)
            return onnx_fail(c, HB_ERR_FORMAT, "the window (%lld taps) is larger than the "
                             "padded input (%lld)", (long long)eff(a),
                             (long long)(a->in + a->pb + a->pe));
        a->out = span / a->s + 1;
        if (ceil_mode && span % a->s) {
            /* One more window, unless it would start in the end padding. */
            if (a->out * a->s < a->in + a->pb) {
                a->extra = (a->out * a->s + eff(a)) - (a->in + a->pb + a->pe);
                a->pe += a->extra;
                a->out++;
            }
        }
    }
    return HB_OK;
}

/* The two axes the engine sees: 1-D ops have H = 1. */
static void hw_of(int n, const axis_geo *ax, axis_geo *hw)
{
    if (n == 2) {
        hw[0] = ax[0];
        hw[1] = ax[1];
        return;
    }
    hw[0] = (axis_geo){1, 1, 1, 1, 0, 0, 1, 0};
    hw[1] = ax[0];
}

/* Pads NHWC tensor *t by the axes' pads with a fill of `value` (real), then
 * makes the geometry VALID. */
static hb_status pad_nhwc(onnx_ctx *c, const char *name, int *t, axis_geo *hw, float value)
{
    const graph_tensor *x = &c->g->tensors[*t];
    int32_t pw[8] = {0, 0, (int32_t)hw[0].pb, (int32_t)hw[0].pe, (int32_t)hw[1].pb,
                     (int32_t)hw[1].pe, 0, 0};
    int32_t pd[2] = {4, 2}, gd[4];
    int ins[3], y, n_in = 2, op = NN_OP_PAD, dtype = x->dtype, one = 1, src = *t;
    hb_status st;
    for (int j = 0; j < 4; j++)
        gd[j] = x->dims[j] + pw[2 * j] + pw[2 * j + 1];
    ins[0] = *t;
    if ((st = onnx_int32_tensor(c, "paddings", 2, pd, pw, &ins[1])) != HB_OK)
        return st;
    if (value != 0.0f) {
        op = NN_OP_PADV2;
        n_in = 3;
        if (dtype == NN_DT_INT8) {
            float qs = c->g->tensors[*t].scales[0];
            int32_t qz = c->g->tensors[*t].zero_points[0];
            float r = value <= -FLT_MAX ? -128.0f : roundf(value / qs) + (float)qz;
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
    if ((st = onnx_add_tensor(c, name, "padded", dtype, 4, gd, NULL, 0, &y)) != HB_OK ||
        (st = graph_set_quant(c->g, y, c->g->tensors[src].n_quant, c->g->tensors[src].scales,
                              c->g->tensors[src].zero_points, 0)) != HB_OK ||
        (st = onnx_emit(c, op, n_in, ins, y, NULL, NULL)) != HB_OK)
        return st;
    for (int k = 0; k < 2; k++) {
        hw[k].in += hw[k].pb + hw[k].pe;
        hw[k].pb = hw[k].pe = 0;
    }
    *t = y;
    return HB_OK;
}

/* x as an NHWC rank-4 graph tensor (rank 3: [N, 1, L, C]) of its dtype,
 * or float32 when as_float. */
static hb_status nhwc_input(onnx_ctx *c, onnx_value *x, int as_float, int *t)
{
    if (x->kind != ONNX_ACT || (x->rank != 3 && x->rank != 4))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "input '%s' must be a rank 3 or 4 tensor "
                         "computed by the model (rank %d)", x->name, x->rank);
    return onnx_operand(c, x, ONNX_NHWC, x->rank, as_float, t);
}

/* Conv ---------------------------------------------------------------------- */

/* The int8 form applies when the input is int8, the filter a symmetric
 * int8 constant, the bias absent or an int32 constant, and the output is
 * quantised by its consumers. */
static int conv_int8(onnx_ctx *c, onnx_value *x, onnx_value *w, onnx_value *b,
                     const onnx_value *o, float *s, int32_t *z)
{
    if (!onnx_is_q_act(c, x) || w->c.type != ONNX_CQ || w->c.qdtype != NN_DT_INT8 ||
        (w->c.n_quant > 1 && w->c.axis != 0))
        return 0;
    for (int k = 0; k < w->c.n_quant; k++)
        if (w->c.zps[k])
            return 0;
    if (b && (b->kind != ONNX_CONST || b->c.type != ONNX_CQ || b->c.qdtype != NN_DT_INT32))
        return 0;
    return onnx_q_lookahead(c, o, s, z);
}

hb_status onnx_op_conv(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *w = onnx_in(c, 1), *b = onnx_in(c, 2), *o = onnx_out(c, 0);
    int64_t group, kernel[2], kattr[2], od[NN_MAX_RANK];
    int nk, t_in, t_w, t_b = -1, t_out, map[4], idx;
    int32_t gw[4];
    axis_geo ax[2], hw[2];
    float qs = 0.0f;
    int32_t qz = 0;
    hb_status st;

    if (!x || !w || !o)
        return onnx_fail(c, HB_ERR_FORMAT, "needs X and W");
    if (w->kind != ONNX_CONST || (b && b->kind != ONNX_CONST))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "weights and bias must be constants");
    int r = x->rank, n = r - 2;
    if (r != 3 && r != 4)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "%d-D convolutions are not supported (1-D "
                         "and 2-D are)", r - 2);
    if (w->rank != r)
        return onnx_fail(c, HB_ERR_FORMAT, "W has rank %d, X %d", w->rank, r);
    if ((st = onnx_attr_i(c, "group", 1, &group)) != HB_OK ||
        (st = onnx_attr_ints(c, "kernel_shape", 2, kattr, &nk)) != HB_OK)
        return st;
    int64_t cin = x->dims[1], m = w->dims[0], cg = w->dims[1];
    if (group < 1 || cin % group || m % group || cg * group != cin)
        return onnx_fail(c, HB_ERR_FORMAT, "W [%lld, %lld, ...] and group %lld do not fit %lld "
                         "input channels", (long long)m, (long long)cg, (long long)group,
                         (long long)cin);
    for (int k = 0; k < n; k++) {
        kernel[k] = w->dims[2 + k];
        if (nk >= 0 && (nk != n || kattr[k] != kernel[k]))
            return onnx_fail(c, HB_ERR_FORMAT, "kernel_shape does not match W");
    }
    if (b && (int64_t)b->c.count != m)
        return onnx_fail(c, HB_ERR_FORMAT, "B has %zu values for %lld filters", b->c.count,
                         (long long)m);
    if ((st = geometry(c, x, n, kernel, 1, ax)) != HB_OK)
        return st;
    hw_of(n, ax, hw);
    int q8 = conv_int8(c, x, w, b, o, &qs, &qz);
    if ((st = nhwc_input(c, x, !q8, &t_in)) != HB_OK)
        return st;
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    if (is_valid(&hw[0]) && is_valid(&hw[1])) {
        opt.padding = NN_PAD_VALID;
    } else if (is_same(&hw[0]) && is_same(&hw[1])) {
        opt.padding = NN_PAD_SAME;
    } else {
        opt.padding = NN_PAD_VALID;
        if ((st = pad_nhwc(c, o->name, &t_in, hw, 0.0f)) != HB_OK)
            return st;
    }
    opt.stride_h = (int)hw[0].s;
    opt.stride_w = (int)hw[1].s;
    opt.dilation_h = (int)hw[0].d;
    opt.dilation_w = (int)hw[1].d;
    /* Filters: [M, KH, KW, C / group]; depthwise [1, KH, KW, M]. */
    int depthwise = group > 1 && group == cin && cg == 1;
    int64_t kh = n == 2 ? kernel[0] : 1, kw = kernel[n - 1];
    if (depthwise) {
        int m4[4] = {1, n == 2 ? 2 : -1, r - 1, 0};
        memcpy(map, m4, sizeof(m4));
        gw[0] = 1, gw[1] = (int32_t)kh, gw[2] = (int32_t)kw, gw[3] = (int32_t)m;
        opt.depth_multiplier = (int)(m / cin);
    } else {
        int m4[4] = {0, n == 2 ? 2 : -1, r - 1, 1};
        memcpy(map, m4, sizeof(m4));
        gw[0] = (int32_t)m, gw[1] = (int32_t)kh, gw[2] = (int32_t)kw, gw[3] = (int32_t)cg;
    }
    if ((st = onnx_const_mapped(c, w, "filter", 4, gw, map, !q8, &t_w)) != HB_OK)
        return st;
    if (b) {
        int32_t gb = (int32_t)m;
        int mb = 0;
        if ((st = onnx_const_mapped(c, b, NULL, 1, &gb, &mb, !q8, &t_b)) != HB_OK)
            return st;
    }
    od[0] = x->dims[0];
    od[1] = m;
    for (int k = 0; k < n; k++)
        od[2 + k] = ax[k].out;
    if ((st = onnx_new_act(c, o, r, od, ONNX_NHWC, q8 ? NN_DT_INT8 : NN_DT_FLOAT32, -1,
                           &t_out)) != HB_OK)
        return st;
    if (q8 && (st = graph_set_quant(c->g, t_out, 1, &qs, &qz, 0)) != HB_OK)
        return st;
    int ins[3] = {t_in, t_w, t_b};
    if ((st = onnx_emit(c, depthwise ? NN_OP_DEPTHWISE_CONV_2D : NN_OP_CONV_2D, b ? 3 : 2, ins,
                        t_out, &opt, &idx)) != HB_OK)
        return st;
    o->producer = idx;
    return HB_OK;
}

/* Pools -------------------------------------------------------------------- */

/* The map of window size / taps inside the (unpadded) input, per output
 * position: [1, OH, OW, 1]. */
static hb_status count_map(onnx_ctx *c, const char *name, const axis_geo *hw, int *t)
{
    int32_t d[4] = {1, (int32_t)hw[0].out, (int32_t)hw[1].out, 1};
    size_t n = (size_t)d[1] * (size_t)d[2];
    float *v = malloc(n * sizeof(float));
    hb_status st;
    if (!v)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int64_t y = 0; y < hw[0].out; y++)
        for (int64_t x = 0; x < hw[1].out; x++) {
            int64_t inside = 1;
            for (int k = 0; k < 2; k++) {
                int64_t o = k ? x : y, start = o * hw[k].s - hw[k].pb, cnt = 0;
                for (int64_t j = 0; j < hw[k].k; j++)
                    cnt += start + j >= 0 && start + j < hw[k].in;
                inside *= cnt;
            }
            v[y * hw[1].out + x] = inside ? (float)(hw[0].k * hw[1].k) / (float)inside : 0.0f;
        }
    st = onnx_add_tensor(c, name, "count", NN_DT_FLOAT32, 4, d, v, n * sizeof(float), t);
    free(v);
    return st;
}

static hb_status pool(onnx_ctx *c, int is_max, int global)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0);
    int64_t kernel[2], od[NN_MAX_RANK], include_pad = 0;
    int nk, t_in, t_out, idx, scale_map = 0;
    axis_geo ax[2], hw[2];
    hb_status st;

    if (!x || !o || x->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_FORMAT, "X must be computed by the model");
    int r = x->rank, n = r - 2;
    if (r != 3 && r != 4)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "%d-D pooling is not supported (1-D and 2-D "
                         "are)", r - 2);
    if (global) {
        for (int k = 0; k < n; k++)
            ax[k] = (axis_geo){x->dims[2 + k], x->dims[2 + k], 1, 1, 0, 0, 1, 0};
    } else {
        if ((st = onnx_attr_ints(c, "kernel_shape", 2, kernel, &nk)) != HB_OK)
            return st;
        if (nk != n)
            return onnx_fail(c, HB_ERR_FORMAT, "kernel_shape needs %d values", n);
        if ((st = onnx_attr_i(c, "count_include_pad", 0, &include_pad)) != HB_OK ||
            (st = geometry(c, x, n, kernel, is_max, ax)) != HB_OK)
            return st;
    }
    hw_of(n, ax, hw);
    if (!is_max && include_pad && (hw[0].extra || hw[1].extra))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "count_include_pad with a ceil_mode window "
                         "past the pads is not supported");
    /* int8 pools keep the input's parameters (a QuantizeLinear after them
     * requantises if it wants others). */
    int q8 = onnx_is_q_act(c, x);
    if ((st = nhwc_input(c, x, 0, &t_in)) != HB_OK)
        return st;
    graph_options opt;
    memset(&opt, 0, sizeof(opt));
    int padded = hw[0].pb || hw[0].pe || hw[1].pb || hw[1].pe;
    int dilated = hw[0].d > 1 || hw[1].d > 1;
    if (is_valid(&hw[0]) && is_valid(&hw[1])) {
        opt.padding = NN_PAD_VALID;
    } else if (!dilated && is_same(&hw[0]) && is_same(&hw[1]) &&
               (is_max || !include_pad || !padded)) {
        opt.padding = NN_PAD_SAME;
    } else {
        if (!is_max && !include_pad) {
            axis_geo before[2] = {hw[0], hw[1]};
            if ((st = count_map(c, o->name, before, &scale_map)) != HB_OK)
                return st;
        }
        opt.padding = NN_PAD_VALID;
        if ((st = pad_nhwc(c, o->name, &t_in, hw, is_max ? -FLT_MAX : 0.0f)) != HB_OK)
            return st;
    }
    opt.stride_h = (int)hw[0].s;
    opt.stride_w = (int)hw[1].s;
    opt.filter_h = (int)hw[0].k;
    opt.filter_w = (int)hw[1].k;
    /* 0 is "not dilated" for pools (TFLite has no field for it). */
    opt.dilation_h = hw[0].d > 1 ? (int)hw[0].d : 0;
    opt.dilation_w = hw[1].d > 1 ? (int)hw[1].d : 0;
    od[0] = x->dims[0];
    od[1] = x->dims[1];
    for (int k = 0; k < n; k++)
        od[2 + k] = ax[k].out;
    onnx_value tmp;
    onnx_value *dst = scale_map ? &tmp : o;
    if (scale_map) {
        memset(&tmp, 0, sizeof(tmp));
        tmp.name = o->name;
    }
    if ((st = onnx_new_act(c, dst, r, od, ONNX_NHWC, q8 ? NN_DT_INT8 : NN_DT_FLOAT32,
                           q8 ? t_in : -1, &t_out)) != HB_OK ||
        (st = onnx_emit(c, is_max ? NN_OP_MAX_POOL_2D : NN_OP_AVERAGE_POOL_2D, 1, &t_in, t_out,
                        &opt, &idx)) != HB_OK)
        return st;
    dst->producer = idx;
    if (!scale_map)
        return HB_OK;
    /* The padded average divided by the whole window; rescale to the taps
     * inside. */
    int ins[2] = {t_out, scale_map}, y;
    if (q8)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "an int8 average pool whose divisor leaves the "
                         "padding out is not supported");
    if ((st = onnx_new_act(c, o, r, od, ONNX_NHWC, NN_DT_FLOAT32, -1, &y)) != HB_OK)
        return st;
    return onnx_emit(c, NN_OP_MUL, 2, ins, y, NULL, NULL);
}

hb_status onnx_op_max_pool(onnx_ctx *c) { return pool(c, 1, 0); }
hb_status onnx_op_average_pool(onnx_ctx *c) { return pool(c, 0, 0); }
hb_status onnx_op_global_average_pool(onnx_ctx *c) { return pool(c, 0, 1); }
hb_status onnx_op_global_max_pool(onnx_ctx *c) { return pool(c, 1, 1); }

/* BatchNormalization ---------------------------------------------------------- */

/* Folds y = x s + t (per output channel) into op p's weights and bias; 1
 * if it could. */
static hb_status fold_into(onnx_ctx *c, int p, const double *s, const double *t, int64_t ch,
                           int *done)
{
    graph_op *op = &c->g->ops[p];
    *done = 0;
    int axis = op->op == NN_OP_DEPTHWISE_CONV_2D ? 3 : 0;
    if ((op->op != NN_OP_CONV_2D && op->op != NN_OP_DEPTHWISE_CONV_2D &&
         op->op != NN_OP_FULLY_CONNECTED) ||
        op->opt.activation != NN_ACT_NONE || op->n_inputs < 2)
        return HB_OK;
    graph_tensor *w = &c->g->tensors[op->inputs[1]];
    if (!w->data || w->dtype != NN_DT_FLOAT32 || w->dims[axis] != ch)
        return HB_OK;
    int bt = op->n_inputs > 2 ? op->inputs[2] : -1;
    if (bt >= 0 && (!c->g->tensors[bt].data || c->g->tensors[bt].dtype != NN_DT_FLOAT32))
        return HB_OK;
    size_t n = graph_tensor_count(w), inner = 1;
    for (int d = axis + 1; d < w->rank; d++)
        inner *= (size_t)w->dims[d];
    float *wf = (float *)(void *)w->data;
    for (size_t k = 0; k < n; k++)
        wf[k] = (float)((double)wf[k] * s[k / inner % (size_t)ch]);
    hb_status st;
    if (bt < 0) {
        int32_t d = (int32_t)ch;
        int *ins = realloc(op->inputs, 3 * sizeof(int));
        if (!ins)
            return hb_fail(HB_ERR_MEM, "out of memory");
        op->inputs = ins;
        float *zero = calloc((size_t)ch, sizeof(float));
        if (!zero)
            return hb_fail(HB_ERR_MEM, "out of memory");
        st = onnx_add_tensor(c, c->g->tensors[op->outputs[0]].name, "bias", NN_DT_FLOAT32, 1,
                             &d, zero, (size_t)ch * sizeof(float), &bt);
        free(zero);
        if (st != HB_OK)
            return st;
        op = &c->g->ops[p];
        op->inputs[2] = bt;
        op->n_inputs = 3;
    }
    float *bf = (float *)(void *)c->g->tensors[bt].data;
    for (int64_t k = 0; k < ch; k++)
        bf[k] = (float)((double)bf[k] * s[k] + t[k]);
    *done = 1;
    return HB_OK;
}

hb_status onnx_op_batch_norm(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = onnx_out(c, 0), *p[4];
    float eps;
    hb_status st = HB_OK;
    if (!x || !o || x->kind != ONNX_ACT || x->rank < 2)
        return onnx_fail(c, HB_ERR_FORMAT, "X must be a computed tensor of rank >= 2");
    int64_t ch = x->dims[1];
    for (int k = 0; k < 4; k++) {
        p[k] = onnx_in(c, k + 1);
        if (!p[k] || p[k]->kind != ONNX_CONST || (int64_t)p[k]->c.count != ch)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "scale, B, mean and var must be constants "
                             "of %lld values", (long long)ch);
    }
    if ((st = onnx_attr_f(c, "epsilon", 1e-5f, &eps)) != HB_OK)
        return st;
    double *s = malloc((size_t)ch * 2 * sizeof(double)), *t = s ? s + ch : NULL;
    float *sf = malloc((size_t)ch * 2 * sizeof(float));
    if (!s || !sf) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int64_t k = 0; k < ch; k++) {
        s[k] = (double)onnx_cf(p[0], (size_t)k) /
               sqrt((double)onnx_cf(p[3], (size_t)k) + (double)eps);
        t[k] = (double)onnx_cf(p[1], (size_t)k) - (double)onnx_cf(p[2], (size_t)k) * s[k];
        sf[k] = (float)s[k];
        sf[ch + k] = (float)t[k];
    }
    int done = 0;
    if (x->producer >= 0 && x->uses == 1 && !x->is_output &&
        onnx_act_dtype(c, x) == NN_DT_FLOAT32 &&
        (st = fold_into(c, x->producer, s, t, ch, &done)) != HB_OK)
        goto cleanup;
    if (done) {
        int prod = x->producer;
        onnx_alias(o, x);
        o->producer = prod; /* a Relu after it may still fuse */
        goto cleanup;
    }
    /* x s + t per channel, the constants shaped [C, 1, ...] to broadcast. */
    onnx_value sv, tv;
    memset(&sv, 0, sizeof(sv));
    memset(&tv, 0, sizeof(tv));
    sv.name = "bn_scale";
    tv.name = "bn_shift";
    sv.kind = tv.kind = ONNX_CONST;
    sv.rank = tv.rank = x->rank - 1;
    for (int d = 0; d < x->rank - 1; d++)
        sv.dims[d] = tv.dims[d] = d == 0 ? ch : 1;
    sv.c.type = tv.c.type = ONNX_CF;
    sv.c.count = tv.c.count = (size_t)ch;
    sv.c.f = sf;
    tv.c.f = sf + ch;
    int layout = onnx_pick_layout(c, &x, 1, x->rank), ins[2], tm, ta;
    onnx_value mid;
    memset(&mid, 0, sizeof(mid));
    mid.name = o->name;
    if ((st = onnx_operand(c, x, layout, x->rank, 1, &ins[0])) != HB_OK ||
        (st = onnx_operand(c, &sv, layout, x->rank, 1, &ins[1])) != HB_OK ||
        (st = onnx_new_act(c, &mid, x->rank, x->dims, layout, NN_DT_FLOAT32, -1, &tm)) ||
        (st = onnx_emit(c, NN_OP_MUL, 2, ins, tm, NULL, NULL)) != HB_OK)
        goto cleanup;
    ins[0] = tm;
    if ((st = onnx_operand(c, &tv, layout, x->rank, 1, &ins[1])) != HB_OK ||
        (st = onnx_new_act(c, o, x->rank, x->dims, layout, NN_DT_FLOAT32, -1, &ta)) ||
        (st = onnx_emit(c, NN_OP_ADD, 2, ins, ta, NULL, &o->producer)) != HB_OK)
        goto cleanup;
cleanup:
    free(s);
    free(sf);
    return st;
}
