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

static int words_ok(const nn_op_view *op, int dtype)
{
    if (dtype != NN_DT_INT8)
        return 1;
    int32_t zp = nn_op_word_i32(op, NN_TANH_IN_ZP);
    int32_t shift = nn_op_word_i32(op, NN_TANH_SHIFT);
    int32_t radius = nn_op_word_i32(op, NN_TANH_RADIUS);
    if (zp < -128 || zp > 127 || shift < 0 || shift > 31 || radius < 0)
        return 0;
    return radius <= ((int64_t)15 << 27) >> shift;
}

nn_status nn_op_tanh_check(const nn_op_view *op, nn_error *err)
{
    return nn_op_check_unary(op, err, NN_TANH_WORDS, words_ok);
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
