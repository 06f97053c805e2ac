/*
 * nn_op_log_softmax.c: LOG_SOFTMAX over the last dimension, float32 and
 * int8. Parameter words: nn_params.h (NN_LOG_SOFTMAX_*).
 *
 * The int8 kernel computes in float32 (nn_k_act.c); check() requires
 * finite positive scales, so every value it forms is finite or saturates.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static int scale_ok(float s) { return s > 0.0f && s <= 3.40282347e38f; }

static int words_ok(const nn_op_view *op, int dtype)
{
    if (dtype != NN_DT_INT8)
        return 1;
    int32_t zp = nn_op_word_i32(op, NN_LOG_SOFTMAX_OUT_ZP);
    return scale_ok(nn_op_word_f32(op, NN_LOG_SOFTMAX_IN_SCALE)) &&
           scale_ok(nn_op_word_f32(op, NN_LOG_SOFTMAX_OUT_SCALE)) && zp >= -128 && zp <= 127;
}

nn_status nn_op_log_softmax_check(const nn_op_view *op, nn_error *err)
{
    nn_status st = nn_op_check_unary(op, err, NN_LOG_SOFTMAX_WORDS, words_ok);
    nn_tensor in;
    if (st != NN_OK)
        return st;
    nn_op_input(op, 0, NULL, &in);
    if (in.rank < 1)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    return NN_OK;
}

void nn_op_log_softmax_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;
    nn_k_softmax_dims d;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    d.depth = in.dims[in.rank - 1];
    d.rows = (int)(in.count / (uint32_t)d.depth);
    if (in.dtype == NN_DT_FLOAT32) {
        nn_k_log_softmax_f32(&d, in.data, out.data);
        return;
    }
    nn_k_affine q = {nn_op_word_f32(op, NN_LOG_SOFTMAX_OUT_SCALE),
                     nn_op_word_i32(op, NN_LOG_SOFTMAX_OUT_ZP)};
    nn_k_log_softmax_s8(&d, nn_op_word_f32(op, NN_LOG_SOFTMAX_IN_SCALE), &q, in.data, out.data);
}
