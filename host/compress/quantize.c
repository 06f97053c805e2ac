/*
 * quantize.c: post-training quantisation (arithmetic: quantize.h): the
 * plan's helpers, activations, assembling the new graph, the entry points,
 * and weights-only quantisation. The per-op rules are in quantize_rules.c,
 * calibration in calibrate.c.
 *
 * The new graph is built tensor by tensor from the plan (planned tensors
 * changed, the rest copied), with the ops and I/O copied unchanged except
 * for the opcodes a rule replaced.
 *
 * Workload: tens of ops, thousands of weights; calibration dominates.
 */
#include "quantize.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quantize_plan.h"

static const compress_quantize_options defaults = {0, COMPRESS_SCHEME_INT8,
                                                   COMPRESS_CALIB_MINMAX, 0.0};

/* Parameters ---------------------------------------------------------------- */

void compress_int8_params(float min, float max, float *scale, int32_t *zero_point)
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

void compress_int16_params(float min, float max, float *scale)
{
    float t = fmaxf(fabsf(min), fabsf(max));
    *scale = t > 0.0f ? t / 32767.0f : 1.0f / 32767.0f;
}

int8_t compress_int8_from_float(float x, float scale, int32_t zero_point)
{
    float q = roundf(x / scale) + (float)zero_point;
    return (int8_t)(q < -128.0f ? -128 : q > 127.0f ? 127 : (int32_t)q);
}

int16_t compress_int16_from_float(float x, float scale)
{
    float q = roundf(x / scale);
    return (int16_t)(q < -32768.0f ? -32768 : q > 32767.0f ? 32767 : (int32_t)q);
}

float compress_int8_to_float(int8_t q, float scale, int32_t zero_point)
{
    return scale * (float)((int32_t)q - zero_point);
}

/* Plan helpers -------------------------------------------------------------- */

const char *qplan_name(const graph *g, int t)
{
    return g->tensors[t].name ? g->tensors[t].name : "?";
}

hb_status qplan_refuse(const graph *g, int op, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return hb_fail(HB_ERR_UNSUPPORTED, "op %d (%s): %s", op, nn_op_name(g->ops[op].op), why);
}

hb_status qplan_quant(qplan_tensor *p, int dtype, int n, int axis)
{
    free(p->scales);
    free(p->zps);
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

hb_status qplan_share(qplan_tensor *p, const qplan_tensor *src)
{
    hb_status st = qplan_quant(p, src->dtype, src->n_quant, src->axis);
    if (st != HB_OK)
        return st;
    memcpy(p->scales, src->scales, (size_t)src->n_quant * sizeof(float));
    memcpy(p->zps, src->zps, (size_t)src->n_quant * sizeof(int32_t));
    return HB_OK;
}

hb_status qplan_activation(const qplan *q, qplan_tensor *p, float min, float max)
{
    int is16 = q->opt->scheme == COMPRESS_SCHEME_INT16X8;
    hb_status st = qplan_quant(p, is16 ? NN_DT_INT16 : NN_DT_INT8, 1, 0);
    if (st != HB_OK)
        return st;
    if (is16)
        compress_int16_params(min, max, &p->scales[0]);
    else
        compress_int8_params(min, max, &p->scales[0], &p->zps[0]);
    return HB_OK;
}

int qplan_is_float_const(const graph *g, int t)
{
    const graph_tensor *gt = &g->tensors[t];
    return gt->data && gt->dtype == NN_DT_FLOAT32 && gt->n_quant == 0;
}

int qplan_is_fixed_edge(const graph *g, int t)
{
    const graph_tensor *gt = &g->tensors[t];
    int writers = 0, readers = 0, dequant_readers = 0;
    if (gt->data || gt->dtype != NN_DT_INT8 || gt->n_quant != 1)
        return 0;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        for (int k = 0; k < o->n_outputs; k++)
            if (o->outputs[k] == t)
                writers += o->op == NN_OP_QUANTIZE ? 1 : 100;
        for (int k = 0; k < o->n_inputs; k++)
            if (o->inputs[k] == t) {
                readers++;
                dequant_readers += o->op == NN_OP_DEQUANTIZE;
            }
    }
    /* Written by a QUANTIZE (and read by anything), or a model input read
     * by DEQUANTIZE ops only. */
    return writers == 1 || (writers == 0 && readers > 0 && readers == dequant_readers);
}

static void plan_free(qplan_tensor *p, int n)
{
    for (int i = 0; p && i < n; i++) {
        free(p[i].scales);
        free(p[i].zps);
        free(p[i].data);
    }
    free(p);
}

/* 1 if some op or the model's I/O refers to tensor t. */
static int is_used(const graph *g, int t)
{
    for (int k = 0; k < g->n_inputs; k++)
        if (g->inputs[k] == t)
            return 1;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        for (int k = 0; k < o->n_inputs; k++)
            if (o->inputs[k] == t)
                return 1;
        for (int k = 0; k < o->n_outputs; k++)
            if (o->outputs[k] == t)
                return 1;
    }
    return 0;
}

/* Activations: per tensor from the range; a float model's own int8 edges
 * keep their parameters. Tensors nothing uses (TFLite files may carry
 * some) stay as they are. */
static hb_status plan_activations(qplan *q, const float *t_min, const float *t_max)
{
    const graph *g = q->g;
    hb_status st;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *gt = &g->tensors[t];
        if (gt->data || !is_used(g, t))
            continue;
        if (qplan_is_fixed_edge(g, t)) {
            if ((st = qplan_quant(&q->plan[t], NN_DT_INT8, 1, 0)) != HB_OK)
                return st;
            q->plan[t].scales[0] = gt->scales[0];
            q->plan[t].zps[0] = gt->zero_points[0];
            continue;
        }
        if (gt->dtype != NN_DT_FLOAT32 || gt->n_quant)
            return hb_fail(HB_ERR_ARG, "tensor %d (%s) is %s, not float32: quantise a float "
                           "graph", t, qplan_name(g, t), nn_dtype_name(gt->dtype));
        if (!(t_min[t] <= t_max[t]) || !isfinite(t_min[t]) || !isfinite(t_max[t]))
            return hb_fail(HB_ERR_ARG, "tensor %d (%s): no calibration range", t,
                           qplan_name(g, t));
        if ((st = qplan_activation(q, &q->plan[t], t_min[t], t_max[t])) != HB_OK)
            return st;
    }
    return HB_OK;
}

/* The new graph: planned tensors changed, everything else copied. */
static hb_status assemble(const graph *g, const qplan_tensor *plan, const int *op_code,
                          graph **out)
{
    graph *ng = NULL;
    hb_status st;
    if ((st = graph_new(&ng)) != HB_OK)
        return st;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *gt = &g->tensors[t];
        const qplan_tensor *p = &plan[t];
        if (!p->set) {
            st = graph_add_tensor(ng, gt->name, gt->dtype, gt->rank, gt->dims, gt->data,
                                  gt->bytes, NULL);
            if (st == HB_OK)
                st = graph_set_quant(ng, t, gt->n_quant, gt->scales, gt->zero_points,
                                     gt->quant_axis);
        } else {
            st = graph_add_tensor(ng, gt->name, p->dtype, gt->rank, gt->dims, p->data,
                                  p->bytes, NULL);
            if (st == HB_OK)
                st = graph_set_quant(ng, t, p->n_quant, p->scales, p->zps, p->axis);
        }
        if (st != HB_OK)
            goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        if ((st = graph_add_op(ng, op_code ? op_code[i] : o->op, o->n_inputs, o->inputs,
                               o->n_outputs, o->outputs, &o->opt, NULL)) != HB_OK)
            goto cleanup;
    }
    if ((st = graph_set_io(ng, g->n_inputs, g->inputs, g->n_outputs, g->outputs)) != HB_OK)
        goto cleanup;
    if (g->description && !(ng->description = strdup(g->description))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((st = graph_validate(ng)) != HB_OK)
        goto cleanup;
    *out = ng;
    return HB_OK;
cleanup:
    graph_free(ng);
    return st;
}

/* Entry points ------------------------------------------------------------- */

hb_status compress_quantize_check(const graph *g, const compress_quantize_options *opt)
{
    hb_status st;
    if (!opt)
        opt = &defaults;
    if (!g)
        return hb_fail(HB_ERR_ARG, "compress_quantize: graph is NULL");
    if ((st = graph_validate(g)) != HB_OK)
        return st;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *gt = &g->tensors[t];
        if (gt->data || (gt->dtype == NN_DT_FLOAT32 && !gt->n_quant) || !is_used(g, t))
            continue;
        if (opt->scheme == COMPRESS_SCHEME_INT8 && qplan_is_fixed_edge(g, t))
            continue;
        return hb_fail(HB_ERR_UNSUPPORTED, "the model is not float (tensor %d (%s) is %s): "
                       "quantisation needs a float model", t, qplan_name(g, t),
                       nn_dtype_name(gt->dtype));
    }
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        int op = o->op;
        if (op < 0 || op >= NN_OP_COUNT || !qrule_table[op])
            return qplan_refuse(g, i, "quantisation not supported");
        if ((op == NN_OP_FULLY_CONNECTED || op == NN_OP_CONV_2D ||
             op == NN_OP_DEPTHWISE_CONV_2D) && o->n_inputs > 1 && o->inputs[1] >= 0 &&
            !qplan_is_float_const(g, o->inputs[1]))
            return qplan_refuse(g, i, "weights are %s%s, not float32: quantisation needs a "
                                "float model", nn_dtype_name(g->tensors[o->inputs[1]].dtype),
                                g->tensors[o->inputs[1]].data ? "" : " activations");
        if (opt->scheme == COMPRESS_SCHEME_INT16X8 &&
            (op == NN_OP_QUANTIZE || op == NN_OP_DEQUANTIZE))
            return qplan_refuse(g, i, "int16x8 does not quantise a model's own QUANTIZE / "
                                "DEQUANTIZE ops");
    }
    return HB_OK;
}

hb_status compress_quantize_ranges(const graph *g, const compress_quantize_options *opt,
                                   const float *t_min, const float *t_max, graph **out)
{
    qplan q = {g, opt ? opt : &defaults, NULL, NULL};
    hb_status st;

    if (!out)
        return hb_fail(HB_ERR_ARG, "compress_quantize: out is NULL");
    *out = NULL;
    if (!g || !t_min || !t_max)
        return hb_fail(HB_ERR_ARG, "compress_quantize: NULL argument");
    if ((st = compress_quantize_check(g, opt)) != HB_OK)
        return st;
    q.plan = calloc((size_t)g->n_tensors + 1, sizeof(qplan_tensor));
    q.op_code = calloc((size_t)g->n_ops + 1, sizeof(int));
    if (!q.plan || !q.op_code) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++)
        q.op_code[i] = g->ops[i].op;
    if ((st = plan_activations(&q, t_min, t_max)) != HB_OK ||
        (st = qrule_prepare(&q)) != HB_OK)
        goto cleanup;
    for (int i = 0; i < g->n_ops; i++)
        if ((st = qrule_table[g->ops[i].op](&q, i)) != HB_OK)
            goto cleanup;
    st = assemble(g, q.plan, q.op_code, out);
cleanup:
    plan_free(q.plan, g->n_tensors);
    free(q.op_code);
    return st;
}

hb_status compress_quantize_int8_ranges(const graph *g, const compress_quantize_options *opt,
                                        const float *t_min, const float *t_max, graph **out)
{
    return compress_quantize_ranges(g, opt, t_min, t_max, out);
}

hb_status compress_quantize(const graph *g, const compress_quantize_options *opt,
                            const float *const *calib, int n_vectors, graph **out)
{
    float *t_min = NULL, *t_max = NULL;
    hb_status st;

    if (!out)
        return hb_fail(HB_ERR_ARG, "compress_quantize: out is NULL");
    *out = NULL;
    /* Refuse what cannot be quantised before spending time on calibration. */
    if ((st = compress_quantize_check(g, opt)) != HB_OK)
        return st;
    size_t n = (size_t)(g->n_tensors ? g->n_tensors : 1);
    t_min = malloc(n * sizeof(float));
    t_max = malloc(n * sizeof(float));
    if (!t_min || !t_max) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((st = compress_calibrate_ranges(g, opt, calib, n_vectors, t_min, t_max)) != HB_OK)
        goto cleanup;
    st = compress_quantize_ranges(g, opt, t_min, t_max, out);
cleanup:
    free(t_min);
    free(t_max);
    return st;
}

hb_status compress_quantize_int8(const graph *g, const compress_quantize_options *opt,
                                 const float *const *calib_inputs, int n_vectors,
                                 graph **out)
{
    return compress_quantize(g, opt, calib_inputs, n_vectors, out);
}

/* Weights only --------------------------------------------------------------- */

hb_status compress_quantize_weights(const graph *g, int per_tensor, graph **out)
{
    static const struct {
        int op, rank, axis;
    } weighted[] = {
        {NN_OP_FULLY_CONNECTED, 2, 0},
        {NN_OP_CONV_2D, 4, 0},
        {NN_OP_DEPTHWISE_CONV_2D, 4, 3},
    };
    compress_quantize_options opt = defaults;
    qplan q = {g, &opt, NULL, NULL};
    int done = 0;
    hb_status st;

    if (!out)
        return hb_fail(HB_ERR_ARG, "compress_quantize_weights: out is NULL");
    *out = NULL;
    if (!g)
        return hb_fail(HB_ERR_ARG, "compress_quantize_weights: graph is NULL");
    if ((st = graph_validate(g)) != HB_OK)
        return st;
    opt.per_tensor = per_tensor;
    if (!(q.plan = calloc((size_t)g->n_tensors + 1, sizeof(qplan_tensor))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        for (size_t k = 0; k < sizeof(weighted) / sizeof(weighted[0]); k++) {
            int w = o->n_inputs > 1 ? o->inputs[1] : -1;
            if (o->op != weighted[k].op || w < 0 || !qplan_is_float_const(g, w) ||
                g->tensors[w].rank != weighted[k].rank || q.plan[w].set)
                continue;
            /* Weights-only is the int8 rule's first half. */
            if ((st = qrule_weights(&q, w, per_tensor, weighted[k].axis)) != HB_OK)
                goto cleanup;
            done++;
        }
    }
    if (!done) {
        st = hb_fail(HB_ERR_UNSUPPORTED, "no FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D "
                     "with float32 weights: nothing to quantise");
        goto cleanup;
    }
    st = assemble(g, q.plan, NULL, out);
cleanup:
    plan_free(q.plan, g->n_tensors);
    return st;
}
