/*
 * lower_conv.c: CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D and MAX_POOL_2D
 * parameters (nn_params.h NN_CONV_*, NN_DW_*, NN_POOL_*).
 *
 * The output size and padding follow TFLite's ComputePaddingHeightWidth:
 * the output must have the size TFLite derives from the padding kind, and
 * the leading pad is half the total padding, rounded down. The int8
 * multipliers are TFLite Micro's: one per output channel from the double
 * (double)input_scale * (double)filter_scale[c] / (double)output_scale,
 * stored per tensor when the filter has one scale. 16x8 (int16 activations)
 * uses the same multipliers, with shifts limited to 7 and no offsets.
 */
#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_params.h"
#include "lower.h"

#include <stdlib.h>

/* One spatial axis of a window. */
typedef struct {
    int in, out, filter, stride, dilation;
} win_axis;

/* TFLite's output size and leading padding of one axis. */
static hb_status axis_padding(const graph *g, int i, const char *name, int padding,
                              const win_axis *a, int32_t *pad)
{
    if (a->stride < 1 || a->dilation < 1 || a->filter < 1)
        return lower_refuse(g, i, "%s: stride %d, dilation %d and filter %d must be >= 1",
                            name, a->stride, a->dilation, a->filter);
    int64_t eff = (int64_t)(a->filter - 1) * a->dilation + 1;
    int64_t out;
    if (padding == NN_PAD_SAME)
        out = ((int64_t)a->in + a->stride - 1) / a->stride;
    else if (padding == NN_PAD_VALID)
        out = ((int64_t)a->in + a->stride - eff) / a->stride;
    else
        return lower_refuse(g, i, "unknown padding %d", padding);
    if (out != a->out)
        return lower_refuse(g, i, "%s: output size %d, but %s padding gives %lld", name,
                            a->out, padding == NN_PAD_SAME ? "SAME" : "VALID",
                            (long long)out);
    int64_t total = (out - 1) * a->stride + eff - a->in;
    *pad = (int32_t)(total > 0 ? total / 2 : 0);
    return HB_OK;
}

/* The leading pads of an NHWC window op over in, giving out. */
static hb_status window_pads(const graph *g, int i, const graph_tensor *in,
                             const graph_tensor *out, int f_h, int f_w, int dil_h,
                             int dil_w, int32_t *pad_h, int32_t *pad_w)
{
    const graph_options *opt = &g->ops[i].opt;
    win_axis h = {in->dims[1], out->dims[1], f_h, opt->stride_h, dil_h};
    win_axis w = {in->dims[2], out->dims[2], f_w, opt->stride_w, dil_w};
    hb_status st = axis_padding(g, i, "height", opt->padding, &h, pad_h);
    return st != HB_OK ? st : axis_padding(g, i, "width", opt->padding, &w, pad_w);
}

static hb_status float_act(const graph *g, int i, int w_min, lower_op *lo)
{
    float flo, fhi;
    if (lower_act_range_f32(g->ops[i].opt.activation, &flo, &fhi) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[w_min] = nn_f32_bits(flo);
    lo->words[w_min + 1] = nn_f32_bits(fhi);
    return HB_OK;
}

/* int8 words of a convolution: activation range, offsets and the
 * requantisation, per tensor or per output channel. */
static hb_status conv_s8_words(const graph *g, int i, const graph_tensor *in,
                               const graph_tensor *w, const graph_tensor *out,
                               int channels, lower_op *lo)
{
    int32_t lo8, hi8;
    hb_status st;
    if (in->n_quant != 1 || out->n_quant != 1)
        return lower_refuse(g, i, "int8 input and output need one scale each");
    for (int c = 0; c < w->n_quant; c++)
        if (w->zero_points[c] != 0)
            return lower_refuse(g, i, "int8 filters must be symmetric (zero point 0)");
    if (lower_act_range_s8(g->ops[i].opt.activation, out->scales[0], out->zero_points[0],
                           &lo8, &hi8) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[NN_CONV_ACT_MIN] = (uint32_t)lo8;
    lo->words[NN_CONV_ACT_MAX] = (uint32_t)hi8;
    lo->words[NN_CONV_IN_OFFSET] = (uint32_t)-in->zero_points[0];
    lo->words[NN_CONV_OUT_OFFSET] = (uint32_t)out->zero_points[0];
    double in_s = (double)in->scales[0], out_s = (double)out->scales[0];
    if (w->n_quant == 1) {
        int32_t m, s;
        lower_quantize_multiplier(in_s * (double)w->scales[0] / out_s, &m, &s);
        lo->words[NN_CONV_MULT] = (uint32_t)m;
        lo->words[NN_CONV_SHIFT] = (uint32_t)s;
        return HB_OK;
    }
    /* Little-endian i32 mult[channels] then i32 shift[channels]. */
    uint8_t *le = malloc(8 * (size_t)channels);
    if (!le)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int c = 0; c < channels; c++) {
        int32_t m, s;
        lower_quantize_multiplier(in_s * (double)w->scales[c] / out_s, &m, &s);
        nn_wr_u32(le + 4 * c, (uint32_t)m);
        nn_wr_u32(le + 4 * (channels + c), (uint32_t)s);
    }
    st = lower_add_array(lo, NN_CONV_CH_OFF, le, 8u * (uint32_t)channels);
    free(le);
    return st;
}

/* 16x8 words: int16 input and output with zero point 0, symmetric int8
 * filters, shifts up to 7 (the 64-bit requantisation's range). */
static hb_status conv_s16_words(const graph *g, int i, const graph_tensor *in,
                                const graph_tensor *w, const graph_tensor *out,
                                int channels, lower_op *lo)
{
    int32_t lo16, hi16;
    if (in->n_quant != 1 || out->n_quant != 1 || in->zero_points[0] || out->zero_points[0])
        return lower_refuse(g, i, "int16 input and output need one scale and zero point 0");
    for (int c = 0; c < w->n_quant; c++)
        if (w->zero_points[c] != 0)
            return lower_refuse(g, i, "16x8 filters must be symmetric (zero point 0)");
    if (lower_act_range_s16(g->ops[i].opt.activation, out->scales[0], &lo16, &hi16) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[NN_CONV_ACT_MIN] = (uint32_t)lo16;
    lo->words[NN_CONV_ACT_MAX] = (uint32_t)hi16;
    return lower_requant_words(g, i, in->scales[0], w, out->scales[0], channels, 7,
                               NN_CONV_MULT, NN_CONV_SHIFT, NN_CONV_CH_OFF, lo);
}

/* Shared by both convolutions: io, dtype mix and quantisation layout.
 * axis is the filter's output-channel dimension. Words ACT_MIN .. CH_OFF
 * are laid out alike in NN_CONV_* and NN_DW_* (the engine asserts it), so
 * the NN_CONV_ names serve both. */
static hb_status conv_common(const graph *g, int i, int axis, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    if (o->n_inputs < 2 || o->n_inputs > 3 || o->n_outputs != 1 || o->inputs[0] < 0 ||
        o->inputs[1] < 0)
        return lower_refuse(g, i, "expects input, filter, optional bias and 1 output");
    lower_copy_io(g, i, lo);
    if (lo->n_inputs == 3 && lo->inputs[2] < 0)
        lo->n_inputs = 2;
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *w = &g->tensors[o->inputs[1]];
    const graph_tensor *out = &g->tensors[o->outputs[0]];
    const graph_tensor *b = lo->n_inputs == 3 ? &g->tensors[o->inputs[2]] : NULL;
    if (in->rank != 4 || w->rank != 4 || out->rank != 4)
        return lower_refuse(g, i, "input, filter and output must have rank 4");
    if (b && graph_tensor_count(b) != (size_t)out->dims[3])
        return lower_refuse(g, i, "bias has %zu entries for %d output channels",
                            graph_tensor_count(b), (int)out->dims[3]);
    if (w->n_quant > 1 && (w->quant_axis != axis || w->n_quant != out->dims[3]))
        return lower_refuse(g, i, "per-channel filter scales must be along dimension %d, "
                            "one per output channel", axis);

    int bias_dt = b ? b->dtype : -1;
    if (in->dtype == NN_DT_INT8 && w->dtype == NN_DT_INT8 && out->dtype == NN_DT_INT8 &&
        (!b || bias_dt == NN_DT_INT32)) {
        if (w->n_quant < 1)
            return lower_refuse(g, i, "int8 filter without quantisation");
        return conv_s8_words(g, i, in, w, out, out->dims[3], lo);
    }
    if (in->dtype == NN_DT_INT16 && w->dtype == NN_DT_INT8 && out->dtype == NN_DT_INT16 &&
        (!b || bias_dt == NN_DT_INT64))
        return conv_s16_words(g, i, in, w, out, out->dims[3], lo);
    if (in->dtype != NN_DT_FLOAT32 || out->dtype != NN_DT_FLOAT32 ||
        (b && bias_dt != NN_DT_FLOAT32) ||
        (w->dtype != NN_DT_FLOAT32 && w->dtype != NN_DT_FLOAT16 && w->dtype != NN_DT_INT8))
        return lower_refuse(g, i, "unsupported dtypes: input %s, filter %s, output %s",
                            nn_dtype_name(in->dtype), nn_dtype_name(w->dtype),
                            nn_dtype_name(out->dtype));
    if (w->dtype == NN_DT_INT8) {
        /* Hybrid: the engine reads the filter's own scales and zero point. */
        if (w->n_quant < 1)
            return lower_refuse(g, i, "int8 filter without quantisation");
        for (int c = 1; c < w->n_quant; c++)
            if (w->zero_points[c] != w->zero_points[0])
                return lower_refuse(g, i, "per-channel filters need one zero point");
    }
    return float_act(g, i, NN_CONV_ACT_MIN, lo);
}

hb_status lower_conv_2d(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    hb_status st;
    lo->n_words = NN_CONV_WORDS;
    if ((st = conv_common(g, i, 0, lo)) != HB_OK)
        return st;
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *w = &g->tensors[o->inputs[1]];
    const graph_tensor *out = &g->tensors[o->outputs[0]];
    int c_in = in->dims[3], c_f = w->dims[3], c_out = out->dims[3];
    if (w->dims[0] != c_out || c_in % c_f || c_out % (c_in / c_f))
        return lower_refuse(g, i, "filter %dx%dx%dx%d does not fit %d input and %d output "
                            "channels", (int)w->dims[0], (int)w->dims[1], (int)w->dims[2],
                            c_f, c_in, c_out);
    int32_t pad_h, pad_w;
    if ((st = window_pads(g, i, in, out, w->dims[1], w->dims[2], o->opt.dilation_h,
                          o->opt.dilation_w, &pad_h, &pad_w)) != HB_OK)
        return st;
    lo->words[NN_CONV_STRIDE_H] = (uint32_t)o->opt.stride_h;
    lo->words[NN_CONV_STRIDE_W] = (uint32_t)o->opt.stride_w;
    lo->words[NN_CONV_DIL_H] = (uint32_t)o->opt.dilation_h;
    lo->words[NN_CONV_DIL_W] = (uint32_t)o->opt.dilation_w;
    lo->words[NN_CONV_PAD_H] = (uint32_t)pad_h;
    lo->words[NN_CONV_PAD_W] = (uint32_t)pad_w;
    return HB_OK;
}

hb_status lower_depthwise_conv_2d(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    hb_status st;
    lo->n_words = NN_DW_WORDS;
    if ((st = conv_common(g, i, 3, lo)) != HB_OK)
        return st;
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *w = &g->tensors[o->inputs[1]];
    const graph_tensor *out = &g->tensors[o->outputs[0]];
    int c_in = in->dims[3], c_out = out->dims[3];
    if (w->dims[0] != 1 || w->dims[3] != c_out || c_out % c_in)
        return lower_refuse(g, i, "filter %dx%dx%dx%d does not fit %d input and %d output "
                            "channels", (int)w->dims[0], (int)w->dims[1], (int)w->dims[2],
                            (int)w->dims[3], c_in, c_out);
    int mult = c_out / c_in;
    if (o->opt.depth_multiplier != 0 && o->opt.depth_multiplier != mult)
        return lower_refuse(g, i, "depth multiplier %d, but the shapes give %d",
                            o->opt.depth_multiplier, mult);
    int32_t pad_h, pad_w;
    if ((st = window_pads(g, i, in, out, w->dims[1], w->dims[2], o->opt.dilation_h,
                          o->opt.dilation_w, &pad_h, &pad_w)) != HB_OK)
        return st;
    lo->words[NN_DW_STRIDE_H] = (uint32_t)o->opt.stride_h;
    lo->words[NN_DW_STRIDE_W] = (uint32_t)o->opt.stride_w;
    lo->words[NN_DW_DIL_H] = (uint32_t)o->opt.dilation_h;
    lo->words[NN_DW_DIL_W] = (uint32_t)o->opt.dilation_w;
    lo->words[NN_DW_PAD_H] = (uint32_t)pad_h;
    lo->words[NN_DW_PAD_W] = (uint32_t)pad_w;
    lo->words[NN_DW_DEPTH_MULT] = (uint32_t)mult;
    return HB_OK;
}

hb_status lower_pool_2d(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    hb_status st;
    if (o->n_inputs != 1 || o->n_outputs != 1 || o->inputs[0] < 0)
        return lower_refuse(g, i, "expects 1 input and 1 output");
    lower_copy_io(g, i, lo);
    lo->n_words = NN_POOL_WORDS;
    const graph_tensor *in = &g->tensors[o->inputs[0]];
    const graph_tensor *out = &g->tensors[o->outputs[0]];
    if (in->rank != 4 || out->rank != 4 || in->dims[0] != out->dims[0] ||
        in->dims[3] != out->dims[3])
        return lower_refuse(g, i, "input and output must be [N, H, W, C] with equal N, C");
    if (in->dtype != out->dtype ||
        (in->dtype != NN_DT_FLOAT32 && in->dtype != NN_DT_INT8 && in->dtype != NN_DT_INT16))
        return lower_refuse(g, i, "unsupported dtypes: input %s, output %s",
                            nn_dtype_name(in->dtype), nn_dtype_name(out->dtype));
    /* Dilated pools (ONNX's; TFLite has none): 0 and 1 both mean none. */
    int dil_h = o->opt.dilation_h > 1 ? o->opt.dilation_h : 1;
    int dil_w = o->opt.dilation_w > 1 ? o->opt.dilation_w : 1;
    if ((dil_h > 1 || dil_w > 1) && o->opt.padding != NN_PAD_VALID)
        return lower_refuse(g, i, "a dilated pool needs VALID padding");
    int32_t pad_h, pad_w;
    if ((st = window_pads(g, i, in, out, o->opt.filter_h, o->opt.filter_w, dil_h, dil_w,
                          &pad_h, &pad_w)) != HB_OK)
        return st;
    if (dil_h > 1 || dil_w > 1) {
        lo->n_words = NN_POOL_WORDS_DILATED;
        lo->words[NN_POOL_DIL_H] = (uint32_t)dil_h;
        lo->words[NN_POOL_DIL_W] = (uint32_t)dil_w;
    }
    lo->words[NN_POOL_STRIDE_H] = (uint32_t)o->opt.stride_h;
    lo->words[NN_POOL_STRIDE_W] = (uint32_t)o->opt.stride_w;
    lo->words[NN_POOL_FILTER_H] = (uint32_t)o->opt.filter_h;
    lo->words[NN_POOL_FILTER_W] = (uint32_t)o->opt.filter_w;
    lo->words[NN_POOL_PAD_H] = (uint32_t)pad_h;
    lo->words[NN_POOL_PAD_W] = (uint32_t)pad_w;
    if (in->dtype == NN_DT_FLOAT32)
        return float_act(g, i, NN_POOL_ACT_MIN, lo);
    int32_t lo8, hi8;
    if (in->n_quant != 1 || out->n_quant != 1 || in->scales[0] != out->scales[0] ||
        in->zero_points[0] != out->zero_points[0])
        return lower_refuse(g, i, "%s input and output must share scale and zero point",
                            nn_dtype_name(in->dtype));
    if (in->dtype == NN_DT_INT16 && in->zero_points[0])
        return lower_refuse(g, i, "int16 zero point must be 0");
    st = in->dtype == NN_DT_INT16
             ? lower_act_range_s16(o->opt.activation, out->scales[0], &lo8, &hi8)
             : lower_act_range_s8(o->opt.activation, out->scales[0], out->zero_points[0],
                                  &lo8, &hi8);
    if (st != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    lo->words[NN_POOL_ACT_MIN] = (uint32_t)lo8;
    lo->words[NN_POOL_ACT_MAX] = (uint32_t)hi8;
    return HB_OK;
}
