/*
 * lower_fc.c: FULLY_CONNECTED parameters (nn_params.h NN_FC_*).
 */
#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_params.h"
#include "lower.h"

#include <stdlib.h>

/* 16x8: int16 input and output with zero point 0, symmetric int8 weights,
 * int64 bias; shifts up to 7 (the 64-bit requantisation's range). */
static hb_status fc_s16_words(const graph *g, int i, const graph_tensor *in,
                              const graph_tensor *w, const graph_tensor *out,
                              lower_op *lo)
{
    const graph_tensor *b = lo->n_inputs == 3 ? &g->tensors[lo->inputs[2]] : NULL;
    int32_t lo16, hi16;
    if (w->dtype != NN_DT_INT8 || out->dtype != NN_DT_INT16 ||
        (b && b->dtype != NN_DT_INT64))
        return lower_refuse(g, i, "16x8 needs int8 weights, an int16 output and an "
                            "int64 bias, not %s, %s, %s", nn_dtype_name(w->dtype),
                            nn_dtype_name(out->dtype), b ? nn_dtype_name(b->dtype) : "none");
    if (in->n_quant != 1 || out->n_quant != 1 || in->zero_points[0] || out->zero_points[0])
        return lower_refuse(g, i, "int16 input and output need one scale and zero point 0");
    for (int c = 0; c < w->n_quant; c++)
        if (w->zero_points[c])
            return lower_refuse(g, i, "16x8 weights must be symmetric (zero point 0)");
    if (lower_act_range_s16(g->ops[i].opt.activation, out->scales[0], &lo16, &hi16) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[NN_FC_ACT_MIN] = (uint32_t)lo16;
    lo->words[NN_FC_ACT_MAX] = (uint32_t)hi16;
    return lower_requant_words(g, i, in->scales[0], w, out->scales[0], (int)w->dims[0], 7,
                               NN_FC_MULT, NN_FC_SHIFT, NN_FC_CH_OFF, lo);
}

hb_status lower_fully_connected(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    hb_status st;

    if (o->n_inputs < 2 || o->n_inputs > 3 || o->n_outputs != 1 || o->inputs[0] < 0 ||
        o->inputs[1] < 0)
        return lower_refuse(g, i, "expects 2 or 3 inputs (input and weights present) and 1 "
                            "output");
    lower_copy_io(g, i, lo);
    if (lo->n_inputs == 3 && lo->inputs[2] < 0)
        lo->n_inputs = 2;
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *w = &g->tensors[o->inputs[1]];
    const graph_tensor *out = &g->tensors[o->outputs[0]];
    lo->n_words = NN_FC_WORDS;

    if (in->dtype == NN_DT_INT16)
        return fc_s16_words(g, i, in, w, out, lo);
    if (in->dtype == NN_DT_INT8) {
        int32_t lo8, hi8;
        if (in->n_quant != 1 || out->n_quant != 1 || w->n_quant < 1)
            return lower_refuse(g, i, "int8 tensors need quantisation parameters");
        if ((st = lower_act_range_s8(o->opt.activation, out->scales[0],
                                     out->zero_points[0], &lo8, &hi8)) != HB_OK)
            return lower_refuse(g, i, "%s", hb_last_error());
        for (int c = 1; c < w->n_quant; c++)
            if (w->zero_points[c] != w->zero_points[0])
                return lower_refuse(g, i, "per-channel weights need one zero point");
        lo->words[NN_FC_ACT_MIN] = (uint32_t)lo8;
        lo->words[NN_FC_ACT_MAX] = (uint32_t)hi8;
        lo->words[NN_FC_IN_OFFSET] = (uint32_t)-in->zero_points[0];
        lo->words[NN_FC_W_OFFSET] = (uint32_t)-w->zero_points[0];
        lo->words[NN_FC_OUT_OFFSET] = (uint32_t)out->zero_points[0];
        double in_s = (double)in->scales[0], out_s = (double)out->scales[0];
        if (w->n_quant == 1) {
            int32_t m, s;
            lower_quantize_multiplier(in_s * (double)w->scales[0] / out_s, &m, &s);
            lo->words[NN_FC_MULT] = (uint32_t)m;
            lo->words[NN_FC_SHIFT] = (uint32_t)s;
        } else {
            int units = w->n_quant;
            int32_t *a = malloc(2 * (size_t)units * sizeof(int32_t));
            if (!a)
                return hb_fail(HB_ERR_MEM, "out of memory");
            for (int c = 0; c < units; c++)
                lower_quantize_multiplier(in_s * (double)w->scales[c] / out_s,
                                          &a[c], &a[units + c]);
            uint8_t *le = malloc(8 * (size_t)units);
            if (!le) {
                free(a);
                return hb_fail(HB_ERR_MEM, "out of memory");
            }
            for (int k = 0; k < 2 * units; k++)
                nn_wr_u32(le + 4 * k, (uint32_t)a[k]);
            st = lower_add_array(lo, NN_FC_CH_OFF, le, 8u * (uint32_t)units);
            free(a);
            free(le);
            if (st != HB_OK)
                return st;
        }
        return HB_OK;
    }
    float flo, fhi;
    if ((st = lower_act_range_f32(o->opt.activation, &flo, &fhi)) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[NN_FC_ACT_MIN] = nn_f32_bits(flo);
    lo->words[NN_FC_ACT_MAX] = nn_f32_bits(fhi);
    return HB_OK;
}
