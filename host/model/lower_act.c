/*
 * lower_act.c: MUL, MAXIMUM, MINIMUM, RELU, RELU6, RELU_N1_TO_1,
 * LEAKY_RELU, PRELU, TANH and LOG_SOFTMAX parameters (nn_params.h).
 *
 * int8 multipliers are computed as TFLite's Prepare functions compute
 * them: MUL's in double from the three scales; RELU's, LEAKY_RELU's and
 * PRELU's as float quotients widened to double (TFLite divides the float
 * scales); TANH's input scaling as LOGISTIC's (frexp of scale x 2^27).
 * Output parameters TFLite pins (TANH 1/128 and 0, LOG_SOFTMAX 16/256 and
 * 127) are checked; shapes and broadcasting are left to the engine's
 * check() when blob_build opens the blob.
 */
#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_params.h"
#include "lower.h"

#include <math.h>

static const graph_tensor *in_t(const graph *g, int i, int k)
{
    return &g->tensors[g->ops[i].inputs[k]];
}

static const graph_tensor *out_t(const graph *g, int i)
{
    return &g->tensors[g->ops[i].outputs[0]];
}

static hb_status take_io(const graph *g, int i, int n_in, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    if (o->n_inputs != n_in || o->n_outputs != 1)
        return lower_refuse(g, i, "expects %d input%s and 1 output", n_in, n_in == 1 ? "" : "s");
    for (int k = 0; k < n_in; k++)
        if (o->inputs[k] < 0)
            return lower_refuse(g, i, "input %d is missing", k);
    lower_copy_io(g, i, lo);
    return HB_OK;
}

/* float32 throughout (1), int8 throughout with one scale each (0), or a
 * refusal naming the dtypes. */
static hb_status dtypes(const graph *g, int i, int n_in, int *is_float)
{
    const graph_tensor *out = out_t(g, i);
    int all_f = out->dtype == NN_DT_FLOAT32, all_q = out->dtype == NN_DT_INT8 &&
                                                     out->n_quant == 1;
    for (int k = 0; k < n_in; k++) {
        const graph_tensor *t = in_t(g, i, k);
        all_f &= t->dtype == NN_DT_FLOAT32;
        all_q &= t->dtype == NN_DT_INT8 && t->n_quant == 1;
    }
    *is_float = all_f;
    if (all_f || all_q)
        return HB_OK;
    return lower_refuse(g, i, "runs float32 or int8 with per-tensor quantisation, not %s%s%s -> %s",
                        nn_dtype_name(in_t(g, i, 0)->dtype), n_in > 1 ? ", " : "",
                        n_in > 1 ? nn_dtype_name(in_t(g, i, 1)->dtype) : "",
                        nn_dtype_name(out->dtype));
}

/* QuantizeMultiplier of m into two words; a shift above max_shift refused. */
static hb_status mult_words(const graph *g, int i, double m, int max_shift, int w_mult,
                            int w_shift, lower_op *lo)
{
    int32_t mult, shift;
    lower_quantize_multiplier(m, &mult, &shift);
    if (shift > max_shift)
        return lower_refuse(g, i, "scale ratio %g is too large for int8", m);
    lo->words[w_mult] = (uint32_t)mult;
    lo->words[w_shift] = (uint32_t)shift;
    return HB_OK;
}

hb_status lower_mul(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int is_float;
    if ((st = take_io(g, i, 2, lo)) != HB_OK || (st = dtypes(g, i, 2, &is_float)) != HB_OK)
        return st;
    lo->n_words = NN_MUL_WORDS;
    int act = g->ops[i].opt.activation;
    if (is_float) {
        float flo, fhi;
        if (lower_act_range_f32(act, &flo, &fhi) != HB_OK)
            return lower_refuse(g, i, "%s", hb_last_error());
        lo->words[NN_MUL_ACT_MIN] = nn_f32_bits(flo);
        lo->words[NN_MUL_ACT_MAX] = nn_f32_bits(fhi);
        return HB_OK;
    }
    const graph_tensor *a = in_t(g, i, 0), *b = in_t(g, i, 1), *out = out_t(g, i);
    int32_t lo8, hi8;
    if (lower_act_range_s8(act, out->scales[0], out->zero_points[0], &lo8, &hi8) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[NN_MUL_ACT_MIN] = (uint32_t)lo8;
    lo->words[NN_MUL_ACT_MAX] = (uint32_t)hi8;
    lo->words[NN_MUL_A_OFFSET] = (uint32_t)-a->zero_points[0];
    lo->words[NN_MUL_B_OFFSET] = (uint32_t)-b->zero_points[0];
    lo->words[NN_MUL_OUT_OFFSET] = (uint32_t)out->zero_points[0];
    double m = (double)a->scales[0] * (double)b->scales[0] / (double)out->scales[0];
    return mult_words(g, i, m, 15, NN_MUL_MULT, NN_MUL_SHIFT, lo);
}

hb_status lower_maxmin(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = take_io(g, i, 2, lo)) != HB_OK)
        return st;
    const graph_tensor *out = out_t(g, i);
    for (int k = 0; k < 2; k++) {
        const graph_tensor *t = in_t(g, i, k);
        if (t->dtype != out->dtype || t->n_quant != out->n_quant ||
            (t->n_quant == 1 && (t->scales[0] != out->scales[0] ||
                                 t->zero_points[0] != out->zero_points[0])))
            return lower_refuse(g, i, "inputs and output need one dtype, scale and zero point");
    }
    lo->n_words = NN_MAXMIN_WORDS;
    return HB_OK;
}

/* The fused activation each RELU op stands for. */
static int relu_activation(int op)
{
    return op == NN_OP_RELU6 ? NN_ACT_RELU6
           : op == NN_OP_RELU_N1_TO_1 ? NN_ACT_RELU_N1_TO_1 : NN_ACT_RELU;
}

hb_status lower_relu(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int is_float;
    if ((st = take_io(g, i, 1, lo)) != HB_OK || (st = dtypes(g, i, 1, &is_float)) != HB_OK)
        return st;
    int act = relu_activation(g->ops[i].op);
    lo->n_words = NN_RELU_WORDS;
    if (is_float) {
        float flo, fhi;
        lower_act_range_f32(act, &flo, &fhi);
        lo->words[NN_RELU_ACT_MIN] = nn_f32_bits(flo);
        lo->words[NN_RELU_ACT_MAX] = nn_f32_bits(fhi);
        return HB_OK;
    }
    const graph_tensor *in = in_t(g, i, 0), *out = out_t(g, i);
    int32_t lo8, hi8;
    lower_act_range_s8(act, out->scales[0], out->zero_points[0], &lo8, &hi8);
    lo->words[NN_RELU_ACT_MIN] = (uint32_t)lo8;
    lo->words[NN_RELU_ACT_MAX] = (uint32_t)hi8;
    lo->words[NN_RELU_IN_ZP] = (uint32_t)in->zero_points[0];
    lo->words[NN_RELU_OUT_ZP] = (uint32_t)out->zero_points[0];
    return mult_words(g, i, (double)(in->scales[0] / out->scales[0]), 23, NN_RELU_MULT,
                      NN_RELU_SHIFT, lo);
}

hb_status lower_leaky_relu(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int is_float;
    if ((st = take_io(g, i, 1, lo)) != HB_OK || (st = dtypes(g, i, 1, &is_float)) != HB_OK)
        return st;
    float alpha = g->ops[i].opt.alpha;
    lo->n_words = NN_LEAKY_WORDS;
    lo->words[NN_LEAKY_ALPHA] = nn_f32_bits(alpha);
    if (is_float)
        return HB_OK;
    const graph_tensor *in = in_t(g, i, 0), *out = out_t(g, i);
    if (!isfinite(alpha))
        return lower_refuse(g, i, "alpha %g is not finite", (double)alpha);
    lo->words[NN_LEAKY_IN_ZP] = (uint32_t)in->zero_points[0];
    lo->words[NN_LEAKY_OUT_ZP] = (uint32_t)out->zero_points[0];
    if ((st = mult_words(g, i, (double)(in->scales[0] / out->scales[0]), 23, NN_LEAKY_ID_MULT,
                         NN_LEAKY_ID_SHIFT, lo)) != HB_OK)
        return st;
    return mult_words(g, i, (double)(in->scales[0] * alpha / out->scales[0]), 23,
                      NN_LEAKY_ALPHA_MULT, NN_LEAKY_ALPHA_SHIFT, lo);
}

hb_status lower_prelu(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int is_float;
    if ((st = take_io(g, i, 2, lo)) != HB_OK || (st = dtypes(g, i, 2, &is_float)) != HB_OK)
        return st;
    lo->n_words = NN_PRELU_WORDS;
    if (is_float)
        return HB_OK;
    const graph_tensor *in = in_t(g, i, 0), *alpha = in_t(g, i, 1), *out = out_t(g, i);
    lo->words[NN_PRELU_IN_OFFSET] = (uint32_t)-in->zero_points[0];
    lo->words[NN_PRELU_ALPHA_OFFSET] = (uint32_t)-alpha->zero_points[0];
    lo->words[NN_PRELU_OUT_OFFSET] = (uint32_t)out->zero_points[0];
    if ((st = mult_words(g, i, (double)(in->scales[0] / out->scales[0]), 23,
                         NN_PRELU_POS_MULT, NN_PRELU_POS_SHIFT, lo)) != HB_OK)
        return st;
    return mult_words(g, i, (double)(in->scales[0] * alpha->scales[0] / out->scales[0]), 15,
                      NN_PRELU_NEG_MULT, NN_PRELU_NEG_SHIFT, lo);
}

hb_status lower_tanh(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int is_float;
    if ((st = take_io(g, i, 1, lo)) != HB_OK || (st = dtypes(g, i, 1, &is_float)) != HB_OK)
        return st;
    lo->n_words = NN_TANH_WORDS;
    if (is_float)
        return HB_OK;
    const graph_tensor *in = in_t(g, i, 0), *out = out_t(g, i);
    if (out->zero_points[0] != 0 || out->scales[0] != 1.0f / 128)
        return lower_refuse(g, i, "int8 output must have scale 1/128 and zero point 0");
    /* The input in Q4.27, words laid out as LOGISTIC's. */
    _Static_assert((int)NN_TANH_IN_ZP == (int)NN_LOGISTIC_IN_ZP &&
                   (int)NN_TANH_MULT == (int)NN_LOGISTIC_MULT &&
                   (int)NN_TANH_SHIFT == (int)NN_LOGISTIC_SHIFT &&
                   (int)NN_TANH_RADIUS == (int)NN_LOGISTIC_RADIUS, "TANH's words are LOGISTIC's");
    return lower_q427_words(g, i, in, lo);
}

hb_status lower_log_softmax(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    int is_float;
    if ((st = take_io(g, i, 1, lo)) != HB_OK || (st = dtypes(g, i, 1, &is_float)) != HB_OK)
        return st;
    lo->n_words = NN_LOG_SOFTMAX_WORDS;
    if (is_float)
        return HB_OK;
    const graph_tensor *in = in_t(g, i, 0), *out = out_t(g, i);
    if (out->zero_points[0] != 127 || out->scales[0] != 16.0f / 256)
        return lower_refuse(g, i, "int8 output must have scale 16/256 and zero point 127");
    lo->words[NN_LOG_SOFTMAX_IN_SCALE] = nn_f32_bits(in->scales[0]);
    lo->words[NN_LOG_SOFTMAX_OUT_SCALE] = nn_f32_bits(out->scales[0]);
    lo->words[NN_LOG_SOFTMAX_OUT_ZP] = (uint32_t)out->zero_points[0];
    return HB_OK;
}
