/*
 * nn_op_tanh.c: TANH, float32 and int8. Parameter words: nn_params.h
 * (NN_TANH_*, laid out as LOGISTIC's).
 *
 * check() bounds the int8 words as LOGISTIC's: only inputs with
 * |x| < RADIUS are scaled, and RADIUS x 2^SHIFT <= 15 x 2^27 < 2^31, so
 * the Q4.27 value cannot overflow.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static int words_ok_s8(const nn_op_view *op)
{
    int32_t zp = nn_op_word_i32(op, NN_TANH_IN_ZP);
    int32_t shift = nn_op_word_i32(op, NN_TANH_SHIFT);
    int32_t radius = nn_op_word_i32(op, NN_TANH_RADIUS);
    if (zp < -128 || zp > 127 || shift < 0 || shift > 31 || radius < 0)
        return 0;
    return radius <= ((int64_t)15 << 27) >> shift;
}

nn_status nn_op_tanh_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 || nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_TANH_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    if (in.dtype != out.dtype || (in.dtype != NN_DT_FLOAT32 && in.dtype != NN_DT_INT8))
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_op_same_shape(&in, &out))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (in.dtype == NN_DT_INT8 && !words_ok_s8(op))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_tanh_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    if (in.dtype == NN_DT_FLOAT32) {
        nn_k_tanh_f32((int)in.count, in.data, out.data);
        return;
    }
    nn_k_logistic_s8_params p = {
        .in_zero_point = nn_op_word_i32(op, NN_TANH_IN_ZP),
        .mult = nn_op_word_i32(op, NN_TANH_MULT),
        .shift = nn_op_word_i32(op, NN_TANH_SHIFT),
        .radius = nn_op_word_i32(op, NN_TANH_RADIUS),
    };
    nn_k_tanh_s8(&p, (int)in.count, in.data, out.data);
}
