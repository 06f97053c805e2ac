/*
 * nn_op_conv_packed.c: CONV_2D and DEPTHWISE_CONV_2D with sparse or float16
 * filters (nn_op_conv.h): the same words and arithmetic as the dense path,
 * the packed-weight kernels (nn_kernels.h).
 */
#include "../nn_params.h"
#include "../nn_sparse.h"
#include "nn_op_conv.h"

int nn_op_conv_packed_eval(const nn_op_view *op, const nn_conv_view *v, int depthwise)
{
    nn_k_weights kw;
    if (!nn_sparse_view(&v->w, &kw))
        return 0;
    const void *bias = v->b.count ? v->b.data : 0;
    if (v->kind == NN_CONV_KIND_INT8) {
        nn_k_conv_s8_params p;
        nn_k_requant rq;
        int32_t mult, shift;
        nn_op_conv_s8_args(op, v, &p, &rq, &mult, &shift);
        (depthwise ? nn_k_dw_conv_packed_s8 : nn_k_conv_packed_s8)(
            &v->win, &p, &rq, &v->in_d, v->in.data, &v->w_d, &kw, bias, &v->out_d,
            v->out.data);
    } else {
        /* Float and hybrid: the kernels read float32, float16 or int8. */
        (depthwise ? nn_k_dw_conv_packed_f32 : nn_k_conv_packed_f32)(
            &v->win, nn_op_word_f32(op, NN_CONV_ACT_MIN), nn_op_word_f32(op, NN_CONV_ACT_MAX),
            &v->in_d, v->in.data, &v->w_d, &kw, bias, &v->out_d, v->out.data);
    }
    return 1;
}
