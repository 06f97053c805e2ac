/*
 * lower_shape.c: TRANSPOSE, CONCATENATION, PAD, PADV2 and MIRROR_PAD
 * parameters (nn_params.h NN_TRANSPOSE_*, NN_CONCAT_*, NN_PAD_*).
 *
 * The graph keeps these ops in TFLite's form (the permutation, paddings and
 * fill value are constant input tensors, so that a TFLite file can hold
 * them); the lowering folds those constants into parameter words and drops
 * the inputs, so the engine reads words only.
 */
#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_params.h"
#include "lower.h"

#include <string.h>

/* Integer element k of a constant int32 or int64 tensor. */
static int64_t const_int(const graph_tensor *t, size_t k)
{
    if (t->dtype == NN_DT_INT64) {
        int64_t v;
        memcpy(&v, t->data + 8 * k, 8);
        return v;
    }
    int32_t v;
    memcpy(&v, t->data + 4 * k, 4);
    return v;
}

static int is_int_const(const graph_tensor *t)
{
    return t->data && (t->dtype == NN_DT_INT32 || t->dtype == NN_DT_INT64);
}

/* Data in, one output, the first input present. */
static hb_status data_io(const graph *g, int i, int min_in, int max_in, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    if (o->n_inputs < min_in || o->n_inputs > max_in || o->n_outputs != 1 ||
        o->inputs[0] < 0)
        return lower_refuse(g, i, "expects %d to %d inputs and 1 output", min_in, max_in);
    lower_copy_io(g, i, lo);
    return HB_OK;
}

hb_status lower_transpose(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = data_io(g, i, 2, 2, lo)) != HB_OK)
        return st;
    const graph_op *o = &g->ops[i];
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *perm = o->inputs[1] >= 0 ? &g->tensors[o->inputs[1]] : NULL;
    if (!perm || !is_int_const(perm) || perm->rank != 1 || perm->dims[0] != in->rank)
        return lower_refuse(g, i, "the permutation must be a constant vector of %d integers",
                            in->rank);
    if (in->rank < 1 || in->rank > 6)
        return lower_refuse(g, i, "rank %d; 1 to 6 are supported", in->rank);
    lo->n_inputs = 1;
    lo->n_words = NN_TRANSPOSE_WORDS;
    for (int k = 0; k < in->rank; k++) {
        int64_t p = const_int(perm, (size_t)k);
        if (p < 0 || p >= in->rank)
            return lower_refuse(g, i, "permutation entry %lld is out of range", (long long)p);
        lo->words[NN_TRANSPOSE_PERM + k] = (uint32_t)p;
    }
    return HB_OK;
}

hb_status lower_concatenation(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    if (o->n_inputs < 1 || o->n_inputs > NN_MAX_OP_IO - 1 || o->n_outputs != 1)
        return lower_refuse(g, i, "expects 1 to %d inputs and 1 output", NN_MAX_OP_IO - 1);
    for (int k = 0; k < o->n_inputs; k++)
        if (o->inputs[k] < 0)
            return lower_refuse(g, i, "input %d is missing", k);
    if (o->opt.activation != NN_ACT_NONE)
        return lower_refuse(g, i, "fused activation %d is not supported", o->opt.activation);
    lower_copy_io(g, i, lo);
    const graph_tensor *out = &g->tensors[o->outputs[0]];
    int axis = o->opt.axis < 0 ? o->opt.axis + out->rank : o->opt.axis;
    if (axis < 0 || axis >= out->rank)
        return lower_refuse(g, i, "axis %d for rank %d", o->opt.axis, out->rank);
    for (int k = 0; k < o->n_inputs; k++) {
        const graph_tensor *t = &g->tensors[o->inputs[k]];
        if (t->n_quant != out->n_quant || (t->n_quant == 1 && (t->scales[0] != out->scales[0] ||
                                                               t->zero_points[0] !=
                                                                   out->zero_points[0])))
            return lower_refuse(g, i, "input %d must have the output's scale and zero point",
                                k);
    }
    lo->n_words = NN_CONCAT_WORDS;
    lo->words[NN_CONCAT_AXIS] = (uint32_t)axis;
    return HB_OK;
}

/* The fill of PAD (0.0, or the zero point) and PADV2 (its constant input,
 * which must mean the same numbers as the data). */
static hb_status pad_value(const graph *g, int i, const graph_tensor *in, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    const graph_tensor *v = o->op == NN_OP_PADV2 && o->n_inputs == 3 && o->inputs[2] >= 0
                                ? &g->tensors[o->inputs[2]]
                                : NULL;
    if (o->op == NN_OP_PADV2 && !v)
        return lower_refuse(g, i, "PADV2 needs its constant value");
    if (!v) {
        lo->words[NN_PAD_VALUE] = in->dtype == NN_DT_FLOAT32
                                      ? nn_f32_bits(0.0f)
                                      : (uint32_t)(in->n_quant ? in->zero_points[0] : 0);
        return HB_OK;
    }
    if (!v->data || graph_tensor_count(v) != 1 || v->dtype != in->dtype)
        return lower_refuse(g, i, "the constant value must be one %s constant",
                            nn_dtype_name(in->dtype));
    if (in->dtype == NN_DT_FLOAT32) {
        lo->words[NN_PAD_VALUE] = nn_rd_u32(v->data);
        return HB_OK;
    }
    if (v->n_quant != in->n_quant ||
        (in->n_quant == 1 && (v->scales[0] != in->scales[0] ||
                              v->zero_points[0] != in->zero_points[0])))
        return lower_refuse(g, i, "the constant value must have the input's scale and zero "
                            "point");
    int32_t q = in->dtype == NN_DT_INT8 ? (int8_t)v->data[0] : (int16_t)nn_rd_u16(v->data);
    lo->words[NN_PAD_VALUE] = (uint32_t)q;
    return HB_OK;
}

hb_status lower_pad(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int op = g->ops[i].op;
    if ((st = data_io(g, i, 2, op == NN_OP_PADV2 ? 3 : 2, lo)) != HB_OK)
        return st;
    const graph_op *o = &g->ops[i];
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *p = o->inputs[1] >= 0 ? &g->tensors[o->inputs[1]] : NULL;
    if (in->rank < 1 || in->rank > 6)
        return lower_refuse(g, i, "rank %d; 1 to 6 are supported", in->rank);
    if (!p || !is_int_const(p) || p->rank != 2 || p->dims[0] != in->rank || p->dims[1] != 2)
        return lower_refuse(g, i, "the paddings must be a constant %dx2 integer tensor",
                            in->rank);
    if (in->dtype != NN_DT_FLOAT32 && in->dtype != NN_DT_INT8 && in->dtype != NN_DT_INT16)
        return lower_refuse(g, i, "runs float32, int8 or int16, not %s",
                            nn_dtype_name(in->dtype));
    lo->n_inputs = 1;
    lo->n_words = NN_PAD_WORDS;
    for (int k = 0; k < in->rank; k++) {
        int64_t b = const_int(p, 2 * (size_t)k), a = const_int(p, 2 * (size_t)k + 1);
        if (b < 0 || a < 0 || b > INT32_MAX || a > INT32_MAX)
            return lower_refuse(g, i, "padding %lld, %lld of dimension %d", (long long)b,
                                (long long)a, k);
        lo->words[NN_PAD_BEFORE + k] = (uint32_t)b;
        lo->words[NN_PAD_AFTER + k] = (uint32_t)a;
    }
    if (op == NN_OP_MIRROR_PAD) {
        if (o->opt.mirror_mode != 0 && o->opt.mirror_mode != 1)
            return lower_refuse(g, i, "unknown mirror mode %d", o->opt.mirror_mode);
        lo->words[NN_PAD_MODE] = o->opt.mirror_mode == 0 ? NN_PAD_REFLECT : NN_PAD_SYMMETRIC;
        return HB_OK;
    }
    lo->words[NN_PAD_MODE] = NN_PAD_CONSTANT;
    return pad_value(g, i, in, lo);
}
