/*
 * quantize.c: int8 post-training quantisation (arithmetic: quantize.h).
 *
 * Work plan: every tensor of the float graph gets a `tplan` saying what it
 * becomes (dtype, quantisation, new constant data). Activations are planned
 * first from their calibrated ranges; then each op's rule, in execution
 * order, plans the constants it owns (weights, biases) and may override its
 * outputs' parameters (ops that TFLite pins, such as SOFTMAX, or that must
 * pass their input's parameters through, such as pooling). Execution order
 * matters because a bias scale depends on the input's scale. The new graph
 * is then built tensor by tensor, with the ops and I/O copied unchanged.
 *
 * Workload: tens of ops, thousands of weights; calibration dominates.
 */
#include "quantize.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../model/hostrun.h"

typedef struct {
    int set;           /* 1 once planned */
    int dtype;         /* nn_dtype of the new tensor */
    int n_quant;       /* 0 none, 1 per tensor, > 1 per channel */
    float *scales;     /* owned, n_quant */
    int32_t *zps;      /* owned, n_quant */
    int axis;
    void *data;        /* owned new constant data, NULL: keep / none */
    size_t bytes;
} tplan;

typedef struct {
    const graph *g;
    const compress_quantize_options *opt;
    tplan *plan;       /* n_tensors */
} qctx;

typedef hb_status (*op_rule)(qctx *q, int op);

static hb_status rule_fully_connected(qctx *q, int op);

/* Indexed by opcode; NULL: not quantisable yet. CONV_2D, DEPTHWISE_CONV_2D
 * (per-channel weights on the last axis), pooling and RESHAPE (output
 * parameters = input's), ADD (own output range) and SOFTMAX (output pinned
 * to 1/256, -128) go here. */
static const op_rule rules[NN_OP_COUNT] = {
    [NN_OP_FULLY_CONNECTED] = rule_fully_connected,
};

static const char *tname(const graph *g, int t)
{
    return g->tensors[t].name ? g->tensors[t].name : "?";
}

void compress_int8_params(float min, float max, float *scale,
                          int32_t *zero_point)
{
    min = fminf(min, 0.0f);
    max = fmaxf(max, 0.0f);
    float s = (max - min) / 255.0f;
    if (!(s > 0.0f)) {
        *scale = 1.0f / 255.0f;
        *zero_point = -128;
        return;
    }
    float zp = -128.0f - min / s;
    *scale = s;
    *zero_point = zp < -128.0f ? -128 : zp > 127.0f ? 127 : (int32_t)roundf(zp);
}

int8_t compress_int8_from_float(float x, float scale, int32_t zero_point)
{
    float q = roundf(x / scale) + (float)zero_point;
    return (int8_t)(q < -128.0f ? -128 : q > 127.0f ? 127 : (int32_t)q);
}

float compress_int8_to_float(int8_t q, float scale, int32_t zero_point)
{
    return scale * (float)((int32_t)q - zero_point);
}

static hb_status plan_quant(tplan *p, int dtype, int n, int axis)
{
    p->scales = calloc((size_t)n, sizeof(float));
    p->zps = calloc((size_t)n, sizeof(int32_t));
    if (!p->scales || !p->zps)
        return hb_fail(HB_ERR_MEM, "out of memory");
    p->set = 1;
    p->dtype = dtype;
    p->n_quant = n;
    p->axis = axis;
    return HB_OK;
}

static void plan_clear(tplan *p, int n)
{
    for (int i = 0; p && i < n; i++) {
        free(p[i].scales);
        free(p[i].zps);
        free(p[i].data);
    }
    free(p);
}

static hb_status refuse(const graph *g, int op, const char *why)
{
    return hb_fail(HB_ERR_UNSUPPORTED, "op %d (%s): %s", op,
                   nn_op_name(g->ops[op].op), why);
}

/* Symmetric int8 weights, per channel along axis 0 or per tensor. */
static hb_status quant_weights(qctx *q, int t, int per_tensor)
{
    const graph_tensor *w = &q->g->tensors[t];
    tplan *p = &q->plan[t];
    int rows = (int)w->dims[0];
    size_t n = graph_tensor_count(w), per_row = n / (size_t)rows;
    int nq = per_tensor ? 1 : rows;
    const float *src = (const float *)(const void *)w->data;
    hb_status st;
    int8_t *dst;

    if ((st = plan_quant(p, NN_DT_INT8, nq, 0)) != HB_OK)
        return st;
    if (!(dst = malloc(n)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    p->data = dst;
    p->bytes = n;
    for (size_t i = 0; i < n; i++) {
        int c = per_tensor ? 0 : (int)(i / per_row);
        float a = fabsf(src[i]);
        if (!isfinite(src[i]))
            return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): non-finite weight",
                           t, tname(q->g, t));
        if (a > p->scales[c])
            p->scales[c] = a;
    }
    for (int c = 0; c < nq; c++)
        p->scales[c] = p->scales[c] > 0.0f ? p->scales[c] / 127.0f : 1.0f;
    for (size_t i = 0; i < n; i++) {
        float v = roundf(src[i] / p->scales[per_tensor ? 0 : i / per_row]);
        dst[i] = (int8_t)(v < -127.0f ? -127 : v > 127.0f ? 127 : (int)v);
    }
    return HB_OK;
}

/* int32 bias with scale input_scale * weight_scale[c]. */
static hb_status quant_bias(qctx *q, int t, float in_scale, const tplan *w)
{
    const graph_tensor *b = &q->g->tensors[t];
    tplan *p = &q->plan[t];
    size_t n = graph_tensor_count(b);
    const float *src = (const float *)(const void *)b->data;
    hb_status st;
    int32_t *dst;

    if ((st = plan_quant(p, NN_DT_INT32, w->n_quant, 0)) != HB_OK)
        return st;
    if (!(dst = malloc(n * sizeof(int32_t))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    p->data = dst;
    p->bytes = n * sizeof(int32_t);
    for (int c = 0; c < w->n_quant; c++)
        p->scales[c] = in_scale * w->scales[c];
    for (size_t i = 0; i < n; i++) {
        float s = p->scales[w->n_quant > 1 ? i : 0];
        double v = round((double)src[i] / (double)s);
        if (!isfinite(src[i]))
            return hb_fail(HB_ERR_FORMAT, "tensor %d (%s): non-finite bias",
                           t, tname(q->g, t));
        dst[i] = v < -2147483647.0 ? -2147483647
               : v > 2147483647.0 ? 2147483647 : (int32_t)v;
    }
    return HB_OK;
}

static int is_float_const(const graph_tensor *t)
{
    return t->data && t->dtype == NN_DT_FLOAT32 && t->n_quant == 0;
}

static hb_status rule_fully_connected(qctx *q, int op)
{
    const graph *g = q->g;
    const graph_op *o = &g->ops[op];
    int in = o->n_inputs > 0 ? o->inputs[0] : -1;
    int w = o->n_inputs > 1 ? o->inputs[1] : -1;
    int b = o->n_inputs > 2 ? o->inputs[2] : -1;
    hb_status st;

    if (in < 0 || w < 0 || o->n_inputs > 3 || o->n_outputs != 1)
        return refuse(g, op, "needs input, weights, optional bias and one output");
    switch (o->opt.activation) {
    case NN_ACT_NONE: case NN_ACT_RELU: case NN_ACT_RELU_N1_TO_1:
    case NN_ACT_RELU6:
        break;
    default:
        return refuse(g, op, "fused activation has no int8 form");
    }
    const graph_tensor *wt = &g->tensors[w];
    if (g->tensors[in].data || !is_float_const(wt) || wt->rank != 2)
        return refuse(g, op, "needs an activation input and constant "
                             "float32 weights [units, depth]");
    if (q->plan[w].set || (b >= 0 && q->plan[b].set))
        return refuse(g, op, "weights or bias shared with another op");
    if (b >= 0 && (!is_float_const(&g->tensors[b]) ||
                   graph_tensor_count(&g->tensors[b]) != (size_t)wt->dims[0]))
        return refuse(g, op, "needs a constant float32 bias [units]");
    if ((st = quant_weights(q, w, q->opt->per_tensor)) != HB_OK)
        return st;
    if (b >= 0 && (st = quant_bias(q, b, q->plan[in].scales[0], &q->plan[w])) != HB_OK)
        return st;
    return HB_OK;
}

/* Activations: int8 per tensor from the calibrated range. */
static hb_status plan_activations(qctx *q, const float *t_min, const float *t_max)
{
    const graph *g = q->g;
    hb_status st;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *gt = &g->tensors[t];
        if (gt->data)
            continue;
        if (gt->dtype != NN_DT_FLOAT32 || gt->n_quant)
            return hb_fail(HB_ERR_ARG, "tensor %d (%s) is %s, not float32: "
                           "quantise a float graph", t, tname(g, t),
                           nn_dtype_name(gt->dtype));
        if (!(t_min[t] <= t_max[t]) || !isfinite(t_min[t]) || !isfinite(t_max[t]))
            return hb_fail(HB_ERR_ARG, "tensor %d (%s): no calibration range",
                           t, tname(g, t));
        if ((st = plan_quant(&q->plan[t], NN_DT_INT8, 1, 0)) != HB_OK)
            return st;
        compress_int8_params(t_min[t], t_max[t], &q->plan[t].scales[0],
                             &q->plan[t].zps[0]);
    }
    return HB_OK;
}

/* The new graph: planned tensors changed, everything else copied. */
static hb_status assemble(const graph *g, const tplan *plan, graph **out)
{
    graph *ng = NULL;
    hb_status st;
    if ((st = graph_new(&ng)) != HB_OK)
        return st;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *gt = &g->tensors[t];
        const tplan *p = &plan[t];
        if (!p->set) {
            st = graph_add_tensor(ng, gt->name, gt->dtype, gt->rank, gt->dims,
                                  gt->data, gt->bytes, NULL);
            if (st == HB_OK)
                st = graph_set_quant(ng, t, gt->n_quant, gt->scales,
                                     gt->zero_points, gt->quant_axis);
        } else {
            st = graph_add_tensor(ng, gt->name, p->dtype, gt->rank, gt->dims,
                                  p->data, p->bytes, NULL);
            if (st == HB_OK)
                st = graph_set_quant(ng, t, p->n_quant, p->scales, p->zps,
                                     p->axis);
        }
        if (st != HB_OK)
            goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        if ((st = graph_add_op(ng, o->op, o->n_inputs, o->inputs, o->n_outputs,
                               o->outputs, &o->opt, NULL)) != HB_OK)
            goto cleanup;
    }
    if ((st = graph_set_io(ng, g->n_inputs, g->inputs, g->n_outputs,
                           g->outputs)) != HB_OK)
        goto cleanup;
    if (g->description) {
        size_t n = strlen(g->description) + 1;
        if (!(ng->description = malloc(n))) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        memcpy(ng->description, g->description, n);
    }
    if ((st = graph_validate(ng)) != HB_OK)
        goto cleanup;
    *out = ng;
    return HB_OK;
cleanup:
    graph_free(ng);
    return st;
}

/* Every op has a rule, before any work is done. */
static hb_status check_ops(const graph *g)
{
    for (int i = 0; i < g->n_ops; i++) {
        int op = g->ops[i].op;
        if (op < 0 || op >= NN_OP_COUNT || !rules[op])
            return refuse(g, i, "int8 quantisation not supported");
    }
    return HB_OK;
}

hb_status compress_quantize_int8_ranges(const graph *g,
                                        const compress_quantize_options *opt,
                                        const float *t_min, const float *t_max,
                                        graph **out)
{
    static const compress_quantize_options defaults = {0};
    qctx q = {g, opt ? opt : &defaults, NULL};
    hb_status st;

    if (!out)
        return hb_fail(HB_ERR_ARG, "compress_quantize_int8: out is NULL");
    *out = NULL;
    if (!g || !t_min || !t_max)
        return hb_fail(HB_ERR_ARG, "compress_quantize_int8: NULL argument");
    if ((st = graph_validate(g)) != HB_OK || (st = check_ops(g)) != HB_OK)
        return st;
    if (!(q.plan = calloc((size_t)g->n_tensors, sizeof(tplan))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    if ((st = plan_activations(&q, t_min, t_max)) != HB_OK)
        goto cleanup;
    for (int i = 0; i < g->n_ops; i++)
        if ((st = rules[g->ops[i].op](&q, i)) != HB_OK)
            goto cleanup;
    st = assemble(g, q.plan, out);
cleanup:
    plan_clear(q.plan, g->n_tensors);
    return st;
}

/* Calibration -------------------------------------------------------------- */

typedef struct {
    const graph *g;
    float *t_min, *t_max;
    hb_status st;      /* first failure seen in the layer callback */
} calib;

static hb_status observe(calib *c, int t, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return hb_fail(HB_ERR_ARG, "calibration: tensor %d (%s) holds a "
                           "non-finite value", t, tname(c->g, t));
        if (v[i] < c->t_min[t])
            c->t_min[t] = v[i];
        if (v[i] > c->t_max[t])
            c->t_max[t] = v[i];
    }
    return HB_OK;
}

static void on_layer(void *ctx, int op, const nn_tensor *out, int n)
{
    calib *c = ctx;
    if (c->st != HB_OK)
        return;
    if (op < 0 || op >= c->g->n_ops || n != c->g->ops[op].n_outputs) {
        c->st = hb_fail(HB_ERR_FAIL, "calibration: op %d does not match the graph", op);
        return;
    }
    for (int k = 0; k < n && c->st == HB_OK; k++) {
        int t = c->g->ops[op].outputs[k];
        if (out[k].dtype != NN_DT_FLOAT32 || !out[k].data ||
            out[k].count != graph_tensor_count(&c->g->tensors[t])) {
            c->st = hb_fail(HB_ERR_FAIL, "calibration: op %d output %d is not "
                            "tensor %d (%s) as float32", op, k, t, tname(c->g, t));
            return;
        }
        c->st = observe(c, t, out[k].data, out[k].count);
    }
}

hb_status compress_calibrate(const graph *g, const float *const *calib_inputs,
                             int n_vectors, float *t_min, float *t_max)
{
    hostrun *r = NULL;
    calib c = {g, t_min, t_max, HB_OK};
    hb_status st;

    if (!g || !calib_inputs || n_vectors < 1 || !t_min || !t_max)
        return hb_fail(HB_ERR_ARG, "compress_calibrate: no graph, ranges or "
                       "calibration vectors");
    if ((st = graph_validate(g)) != HB_OK)
        return st;
    if (g->n_inputs != 1)
        return hb_fail(HB_ERR_UNSUPPORTED, "calibration of a model with %d "
                       "inputs (1 supported)", g->n_inputs);
    int in = g->inputs[0];
    if (g->tensors[in].dtype != NN_DT_FLOAT32)
        return hb_fail(HB_ERR_ARG, "calibration: input tensor %d (%s) is %s, "
                       "not float32", in, tname(g, in),
                       nn_dtype_name(g->tensors[in].dtype));
    for (int t = 0; t < g->n_tensors; t++) {
        t_min[t] = INFINITY;
        t_max[t] = -INFINITY;
    }
    if ((st = hostrun_new(g, &r)) != HB_OK)
        return hb_context(st, "calibration");
    const nn_model *m = hostrun_model(r);
    if (nn_model_op_count(m) != g->n_ops) {
        st = hb_fail(HB_ERR_FAIL, "calibration: the blob has %d ops, the "
                     "graph %d", nn_model_op_count(m), g->n_ops);
        goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++)
        if (nn_model_op_code(m, (uint16_t)i) != g->ops[i].op) {
            st = hb_fail(HB_ERR_FAIL, "calibration: blob op %d is not the "
                         "graph's op %d (%s)", i, i, nn_op_name(g->ops[i].op));
            goto cleanup;
        }
    size_t count = graph_tensor_count(&g->tensors[in]);
    for (int v = 0; v < n_vectors; v++) {
        if (!calib_inputs[v]) {
            st = hb_fail(HB_ERR_ARG, "calibration vector %d is NULL", v);
            goto cleanup;
        }
        if ((st = observe(&c, in, calib_inputs[v], count)) != HB_OK ||
            (st = hostrun_set_input(r, 0, calib_inputs[v],
                                    count * sizeof(float))) != HB_OK ||
            (st = hostrun_invoke(r, on_layer, &c)) != HB_OK)
            goto cleanup;
        if ((st = c.st) != HB_OK)
            goto cleanup;
    }
cleanup:
    hostrun_free(r);
    return st;
}

hb_status compress_quantize_int8(const graph *g,
                                 const compress_quantize_options *opt,
                                 const float *const *calib_inputs,
                                 int n_vectors, graph **out)
{
    float *t_min = NULL, *t_max = NULL;
    hb_status st;

    if (!out)
        return hb_fail(HB_ERR_ARG, "compress_quantize_int8: out is NULL");
    *out = NULL;
    if (!g)
        return hb_fail(HB_ERR_ARG, "compress_quantize_int8: graph is NULL");
    /* Refuse unsupported ops before spending time on calibration. */
    if ((st = graph_validate(g)) != HB_OK || (st = check_ops(g)) != HB_OK)
        return st;
    size_t n = (size_t)(g->n_tensors ? g->n_tensors : 1);
    t_min = malloc(n * sizeof(float));
    t_max = malloc(n * sizeof(float));
    if (!t_min || !t_max) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((st = compress_calibrate(g, calib_inputs, n_vectors, t_min, t_max)) != HB_OK)
        goto cleanup;
    st = compress_quantize_int8_ranges(g, opt, t_min, t_max, out);
cleanup:
    free(t_min);
    free(t_max);
    return st;
}
