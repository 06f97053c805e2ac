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

static int words_ok_s8(const nn_op_view *op)
{
    return in_range(nn_op_word_i32(op, NN_LEAKY_IN_ZP), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_LEAKY_OUT_ZP), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_LEAKY_ID_SHIFT), -31, 23) &&
           in_range(nn_op_word_i32(op, NN_LEAKY_ALPHA_SHIFT), -31, 23);
}

nn_status nn_op_leaky_relu_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 || nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_LEAKY_WORDS)
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
