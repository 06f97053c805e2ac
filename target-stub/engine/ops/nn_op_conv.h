/*
 * nn_op_conv.h: what CONV_2D, DEPTHWISE_CONV_2D and the pools share.
 *
 * Namespace: nn_op_conv_ / nn_op_window_ (engine-internal, ops/ only).
 *
 * The pools use the window rule. The two convolutions have the same
 * parameter words 0 .. NN_CONV_CH_OFF (nn_params.h), the same dtype mixes
 * and the same int8 arithmetic; they differ in the filter layout and in how
 * output channels map to input channels, which each op checks itself
 * before calling nn_op_conv_check().
 */
#ifndef NN_OP_CONV_H
#define NN_OP_CONV_H

#include "../nn_kernels.h"
#include "../nn_op.h"

/* Largest image side, filter side, stride or dilation the ops accept, so
 * that every index a kernel forms (y * stride - pad + k * dilation) stays
 * far inside int even on a 32-bit target. */
#define NN_OP_WINDOW_MAX (1 << 28)

/* 1 if one axis is consistent with TFLite's SAME or VALID padding: an input
 * of `in` elements, a filter of `filter` taps `dilation` apart and `stride`
 * give `out` outputs, and `pad` is the leading padding TFLite derives from
 * them. Every window then overlaps the image. Untrusted arguments: the
 * arithmetic is done in 64 bits. */
static inline int nn_op_window_ok(int64_t in, int64_t out, int64_t filter,
                                  int64_t stride, int64_t dilation, int64_t pad)
{
    if (in < 1 || in > NN_OP_WINDOW_MAX || out < 1 || filter < 1 ||
        stride < 1 || stride > NN_OP_WINDOW_MAX || dilation < 1 ||
        dilation > NN_OP_WINDOW_MAX || pad < 0)
        return 0;
    int64_t eff = (filter - 1) * dilation + 1;
    if (filter > NN_OP_WINDOW_MAX || eff > NN_OP_WINDOW_MAX)
        return 0;
    int64_t same = (in + stride - 1) / stride;
    int64_t valid = in >= eff ? (in - eff) / stride + 1 : 0;
    if (out != same && out != valid)
        return 0;
    int64_t total = (out - 1) * stride + eff - in;
    return pad == (total > 0 ? total / 2 : 0);
}

typedef enum {
    NN_CONV_KIND_FLOAT,  /* all float32 */
    NN_CONV_KIND_INT8,   /* int8 input, filter, output; int32 bias */
    NN_CONV_KIND_HYBRID, /* float32 input, output, bias; int8 filter */
    NN_CONV_KIND_INT16,  /* 16x8: int16 input, output; int8 filter; int64 bias */
    NN_CONV_KIND_BAD
} nn_conv_kind;

/* A convolution's tensors and geometry. */
typedef struct {
    nn_tensor in, w, b, out; /* b.count == 0: no bias */
    nn_conv_kind kind;
    nn_k_dims in_d, w_d, out_d; /* valid once the ranks are checked */
    nn_k_window win;
} nn_conv_view;

/* Fills v from the op (tensor data from arena, NULL when arena is NULL).
 * The op must have 2 or 3 inputs, the first two present, and at least
 * NN_CONV_WORDS words. */
void nn_op_conv_view(const nn_op_view *op, uint8_t *arena, nn_conv_view *v);

/* Checks io counts and word count; call before nn_op_conv_view(). */
nn_status nn_op_conv_check_io(const nn_op_view *op, int n_words,
                              nn_error *err);

/* The shared checks, after the op has checked ranks and channel mapping:
 * window words against the shapes, batch, bias size, the int8 words and
 * accumulator range (taps = products summed per output), the hybrid
 * weights' quantisation along `axis`. */
nn_status nn_op_conv_check(const nn_op_view *op, const nn_conv_view *v,
                           int64_t taps, int axis, nn_error *err);

/* The int8 kernel arguments. rq may point at *mult and *shift (per
 * tensor), which must outlive its use. */
void nn_op_conv_s8_args(const nn_op_view *op, const nn_conv_view *v,
                        nn_k_conv_s8_params *p, nn_k_requant *rq,
                        int32_t *mult, int32_t *shift);

/* The 16x8 kernels' activation range (words NN_CONV_ACT_MIN/MAX). */
nn_k_act16 nn_op_conv_act16(const nn_op_view *op);

/* Runs the convolution (depthwise if 1) with the packed-weight kernels
 * when its filter is sparse or float16 (nn_sparse_view) and returns 1;
 * returns 0 for a dense filter. nn_op_conv_check() has checked it. */
int nn_op_conv_packed_eval(const nn_op_view *op, const nn_conv_view *v,
                           int depthwise);

/* The hybrid kernels' weight dequantisation. */
void nn_op_conv_dequant(const nn_conv_view *v, nn_k_dequant *dq);

#endif
