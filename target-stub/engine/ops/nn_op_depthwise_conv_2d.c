/*
 * nn_op_depthwise_conv_2d.c: DEPTHWISE_CONV_2D, float32, int8, hybrid and 16x8.
 * Parameter words: nn_params.h (NN_DW_*); words 0 .. NN_DW_CH_OFF are laid
 * out as CONV_2D's, so the shared checks (nn_op_conv.h) read them.
 */
#include "../nn_params.h"
#include "nn_op_conv.h"

#define SAME_WORD(w) ((int)NN_DW_##w == (int)NN_CONV_##w)
_Static_assert(SAME_WORD(STRIDE_H) && SAME_WORD(STRIDE_W) && SAME_WORD(DIL_H) &&
                   SAME_WORD(DIL_W) && SAME_WORD(PAD_H) && SAME_WORD(PAD_W) &&
                   SAME_WORD(ACT_MIN) && SAME_WORD(ACT_MAX) && SAME_WORD(IN_OFFSET) &&
                   SAME_WORD(OUT_OFFSET) && SAME_WORD(MULT) && SAME_WORD(SHIFT) &&
                   SAME_WORD(CH_OFF),
               "depthwise words must mirror CONV_2D's");
#undef SAME_WORD

nn_status nn_op_depthwise_conv_2d_check(const nn_op_view *op, nn_error *err)
{
    nn_conv_view v;
    nn_status st = nn_op_conv_check_io(op, NN_DW_WORDS, err);
    if (st != NN_OK)
        return st;
    nn_op_conv_view(op, NULL, &v);
    if (v.kind == NN_CONV_KIND_BAD)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (v.in.rank != 4 || v.w.rank != 4 || v.out.rank != 4)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    int32_t mult = nn_op_word_i32(op, NN_DW_DEPTH_MULT);
    if (mult < 1)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    /* Filter [1, KH, KW, C_OUT], C_OUT = C_IN x multiplier. */
    if (v.w_d.n != 1 || v.w_d.c != v.out_d.c ||
        (int64_t)v.in_d.c * mult != v.out_d.c)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, 1));
    int64_t taps = (int64_t)v.w_d.h * v.w_d.w;
    return nn_op_conv_check(op, &v, taps, 3, err);
}

void nn_op_depthwise_conv_2d_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_conv_view v;
    nn_op_conv_view(op, arena, &v);
    const void *bias = v.b.count ? v.b.data : 0;
    if (nn_op_conv_packed_eval(op, &v, 1))
        return;

    switch (v.kind) {
    case NN_CONV_KIND_INT8: {
        nn_k_conv_s8_params p;
        nn_k_requant rq;
        int32_t mult, shift;
        nn_op_conv_s8_args(op, &v, &p, &rq, &mult, &shift);
        nn_k_dw_conv_s8(&v.win, &p, &rq, &v.in_d, v.in.data, &v.w_d, v.w.data, bias,
                        &v.out_d, v.out.data);
        break;
    }
    case NN_CONV_KIND_INT16: {
        nn_k_conv_s8_params p;
        nn_k_requant rq;
        int32_t mult, shift;
        nn_k_act16 act = nn_op_conv_act16(op);
        nn_op_conv_s8_args(op, &v, &p, &rq, &mult, &shift);
        nn_k_dw_conv_s16(&v.win, &act, &rq, &v.in_d, v.in.data, &v.w_d, v.w.data, bias,
                         &v.out_d, v.out.data);
        break;
    }
    case NN_CONV_KIND_FLOAT:
        nn_k_dw_conv_f32(&v.win, nn_op_word_f32(op, NN_DW_ACT_MIN),
                         nn_op_word_f32(op, NN_DW_ACT_MAX), &v.in_d, v.in.data, &v.w_d,
                         v.w.data, bias, &v.out_d, v.out.data);
        break;
    case NN_CONV_KIND_HYBRID: {
        nn_k_dequant dq;
        nn_op_conv_dequant(&v, &dq);
        nn_k_dw_conv_hybrid(&v.win, nn_op_word_f32(op, NN_DW_ACT_MIN),
                            nn_op_word_f32(op, NN_DW_ACT_MAX), &dq, &v.in_d, v.in.data,
                            &v.w_d, v.w.data, bias, &v.out_d, v.out.data);
        break;
    }
    case NN_CONV_KIND_BAD:
        break;
    }
}
