/*
 * nn_op_leaky_relu.c: LEAKY_RELU, float32 and int8. Parameter words:
 * nn_params.h (NN_LEAKY_*).
 *
 * check() bounds the int8 words: |x - IN_ZP| <= 255, so left shifts of up
 * to 23 keep the scaled value inside int32.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static int in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

static int words_ok(const nn_op_view *op, int dtype)
{
    if (dtype != NN_DT_INT8)
        return 1;
    return in_range(nn_op_word_i32(op, NN_LEAKY_IN_ZP), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_LEAKY_OUT_ZP), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_LEAKY_ID_SHIFT), -31, 23) &&
           in_range(nn_op_word_i32(op, NN_LEAKY_ALPHA_SHIFT), -31, 23);
}

nn_status nn_op_leaky_relu_check(const nn_op_view *op, nn_error *err)
{
    return nn_op_check_unary(op, err, NN_LEAKY_WORDS, words_ok);
}

void nn_op_leaky_relu_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    if (in.dtype == NN_DT_FLOAT32) {
        nn_k_leaky_relu_f32(nn_op_word_f32(op, NN_LEAKY_ALPHA), (int)in.count, in.data,
                            out.data);
        return;
    }
    nn_k_leaky_s8_params p = {
        .in_zp = nn_op_word_i32(op, NN_LEAKY_IN_ZP),
        .out_zp = nn_op_word_i32(op, NN_LEAKY_OUT_ZP),
        .id_mult = nn_op_word_i32(op, NN_LEAKY_ID_MULT),
        .id_shift = nn_op_word_i32(op, NN_LEAKY_ID_SHIFT),
        .alpha_mult = nn_op_word_i32(op, NN_LEAKY_ALPHA_MULT),
        .alpha_shift = nn_op_word_i32(op, NN_LEAKY_ALPHA_SHIFT),
    };
    nn_k_leaky_relu_s8(&p, (int)in.count, in.data, out.data);
}
