/*
 * lower.c: the op lowering table and the arithmetic shared by all ops.
 */
#include "lower.h"

#include "../../target-stub/engine/nn_blob.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef hb_status (*lower_fn)(const graph *g, int i, lower_op *lo);

static const lower_fn lower_table[NN_OP_COUNT] = {
    [NN_OP_FULLY_CONNECTED] = lower_fully_connected,
    [NN_OP_ADD] = lower_add,
    [NN_OP_RESHAPE] = lower_reshape,
    [NN_OP_SOFTMAX] = lower_softmax,
    [NN_OP_LOGISTIC] = lower_logistic,
    [NN_OP_QUANTIZE] = lower_quantize,
    [NN_OP_DEQUANTIZE] = lower_dequantize,
    [NN_OP_CONV_2D] = lower_conv_2d,
    [NN_OP_DEPTHWISE_CONV_2D] = lower_depthwise_conv_2d,
    [NN_OP_AVERAGE_POOL_2D] = lower_pool_2d,
    [NN_OP_MAX_POOL_2D] = lower_pool_2d,
    [NN_OP_TRANSPOSE] = lower_transpose,
    [NN_OP_CONCATENATION] = lower_concatenation,
    [NN_OP_PAD] = lower_pad,
    [NN_OP_PADV2] = lower_pad,
    [NN_OP_MIRROR_PAD] = lower_pad,
    [NN_OP_MUL] = lower_mul,
    [NN_OP_MAXIMUM] = lower_maxmin,
    [NN_OP_MINIMUM] = lower_maxmin,
    [NN_OP_RELU] = lower_relu,
    [NN_OP_RELU6] = lower_relu,
    [NN_OP_RELU_N1_TO_1] = lower_relu,
    [NN_OP_LEAKY_RELU] = lower_leaky_relu,
    [NN_OP_PRELU] = lower_prelu,
    [NN_OP_TANH] = lower_tanh,
    [NN_OP_LOG_SOFTMAX] = lower_log_softmax,
};

hb_status lower_refuse(const graph *g, int i, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    return hb_fail(HB_ERR_UNSUPPORTED, "op %d (%s): %s", i,
                   nn_op_name(g->ops[i].op), why);
}

void lower_op_clear(lower_op *lo)
{
    for (int k = 0; k < lo->n_arrays; k++)
        free(lo->arrays[k].data);
    memset(lo, 0, sizeof(*lo));
}

hb_status lower_op_build(const graph *g, int i, lower_op *lo)
{
    memset(lo, 0, sizeof(*lo));
    int op = g->ops[i].op;
    if (op < 0 || op >= NN_OP_COUNT || !lower_table[op])
        return lower_refuse(g, i, "the engine does not run this op yet");
    if (g->ops[i].n_inputs > NN_MAX_OP_IO ||
        g->ops[i].n_inputs + g->ops[i].n_outputs > NN_MAX_OP_IO)
        return lower_refuse(g, i, "too many inputs and outputs");
    lo->op = op;
    return lower_table[op](g, i, lo);
}

void lower_copy_io(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    lo->n_inputs = o->n_inputs;
    lo->n_outputs = o->n_outputs;
    memcpy(lo->inputs, o->inputs, (size_t)o->n_inputs * sizeof(int));
    memcpy(lo->outputs, o->outputs, (size_t)o->n_outputs * sizeof(int));
}

hb_status lower_add_array(lower_op *lo, int word, const void *data,
                          uint32_t bytes)
{
    if (lo->n_arrays >= LOWER_MAX_ARRAYS)
        return hb_fail(HB_ERR_ARG, "lower_add_array: too many arrays");
    uint8_t *copy = malloc(bytes ? bytes : 1);
    if (!copy)
        return hb_fail(HB_ERR_MEM, "out of memory");
    memcpy(copy, data, bytes);
    lo->arrays[lo->n_arrays++] = (lower_array){word, copy, bytes};
    return HB_OK;
}

hb_status lower_requant_words(const graph *g, int i, double in_scale,
                              const graph_tensor *w, double out_scale,
                              int channels, int max_shift, int w_mult,
                              int w_shift, int w_ch, lower_op *lo)
{
    int n = w->n_quant > 1 ? channels : 1;
    if (w->n_quant < 1 || (w->n_quant > 1 && w->n_quant != channels))
        return lower_refuse(g, i, "filter needs one scale, or one per output (%d), not %d",
                            channels, w->n_quant);
    uint8_t *le = malloc(8 * (size_t)n);
    hb_status st = HB_OK;
    if (!le)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int c = 0; c < n; c++) {
        int32_t m, s;
        lower_quantize_multiplier(in_scale * (double)w->scales[c] / out_scale, &m, &s);
        if (s > max_shift) {
            st = lower_refuse(g, i, "input x filter scale / output scale %g is too large",
                              in_scale * (double)w->scales[c] / out_scale);
            goto cleanup;
        }
        nn_wr_u32(le + 4 * c, (uint32_t)m);
        nn_wr_u32(le + 4 * (n + c), (uint32_t)s);
    }
    if (n == 1) {
        lo->words[w_mult] = nn_rd_u32(le);
        lo->words[w_shift] = nn_rd_u32(le + 4);
    } else {
        st = lower_add_array(lo, w_ch, le, 8u * (uint32_t)n);
    }
cleanup:
    free(le);
    return st;
}

void lower_quantize_multiplier(double m, int32_t *mult, int32_t *shift)
{
    if (m == 0.0) {
        *mult = 0;
        *shift = 0;
        return;
    }
    int exp;
    double q = frexp(m, &exp);
    /* round() is half away from zero, as TFLite's TfLiteRound. */
    int64_t fixed = (int64_t)round(q * (double)(1ll << 31));
    if (fixed == (1ll << 31)) {
        fixed /= 2;
        exp++;
    }
    if (exp < -31) {
        exp = 0;
        fixed = 0;
    }
    *mult = (int32_t)fixed;
    *shift = exp;
}

/* round(f / scale) in float as TFLite does, kept inside +-2^30 so that a
 * tiny scale cannot make the conversion overflow (the clamp to the type's
 * range follows anyway). */
static int32_t round_div(float f, float scale)
{
    float v = roundf(f / scale);
    return v > 1073741824.0f ? 1073741824 : v < -1073741824.0f ? -1073741824 : (int32_t)v;
}

/* TFLite's CalculateActivationRangeQuantized for a type's [qmin, qmax]. */
static hb_status act_range_q(int activation, float scale, int32_t zero_point,
                             int32_t qmin, int32_t qmax, int32_t *lo, int32_t *hi)
{
    /* quantize(f) = zp + round(f / scale). */
#define Q(f) (zero_point + round_div((f), scale))
    switch (activation) {
    case NN_ACT_NONE:
        *lo = qmin, *hi = qmax;
        return HB_OK;
    case NN_ACT_RELU:
        *lo = Q(0.0f) > qmin ? Q(0.0f) : qmin, *hi = qmax;
        return HB_OK;
    case NN_ACT_RELU6:
        *lo = Q(0.0f) > qmin ? Q(0.0f) : qmin;
        *hi = Q(6.0f) < qmax ? Q(6.0f) : qmax;
        return HB_OK;
    case NN_ACT_RELU_N1_TO_1:
        *lo = Q(-1.0f) > qmin ? Q(-1.0f) : qmin;
        *hi = Q(1.0f) < qmax ? Q(1.0f) : qmax;
        return HB_OK;
    }
#undef Q
    return hb_fail(HB_ERR_UNSUPPORTED, "fused activation %d is not supported", activation);
}

hb_status lower_act_range_s8(int activation, float scale, int32_t zero_point,
                             int32_t *lo, int32_t *hi)
{
    return act_range_q(activation, scale, zero_point, -128, 127, lo, hi);
}

hb_status lower_act_range_s16(int activation, float scale, int32_t *lo, int32_t *hi)
{
    return act_range_q(activation, scale, 0, -32768, 32767, lo, hi);
}

hb_status lower_act_range_f32(int activation, float *lo, float *hi)
{
    switch (activation) {
    case NN_ACT_NONE:
        *lo = -FLT_MAX, *hi = FLT_MAX;
        return HB_OK;
    case NN_ACT_RELU:
        *lo = 0.0f, *hi = FLT_MAX;
        return HB_OK;
    case NN_ACT_RELU6:
        *lo = 0.0f, *hi = 6.0f;
        return HB_OK;
    case NN_ACT_RELU_N1_TO_1:
        *lo = -1.0f, *hi = 1.0f;
        return HB_OK;
    }
    return hb_fail(HB_ERR_UNSUPPORTED, "fused activation %d is not supported", activation);
}
