/*
 * nn_op_prelu.c: PRELU, float32 and int8, alpha broadcast to the input's
 * shape. Parameter words: nn_params.h (NN_PRELU_*).
 *
 * check() proves alpha broadcasts into the input (the output has the
 * input's shape) and bounds the int8 words: offset values are at most 255
 * in magnitude, so the positive path may shift left by 23 and the
 * negative one (a product of at most 65025) by 15 inside int32.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static int in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

static int words_ok_s8(const nn_op_view *op)
{
    return in_range(nn_op_word_i32(op, NN_PRELU_IN_OFFSET), -127, 128) &&
           in_range(nn_op_word_i32(op, NN_PRELU_ALPHA_OFFSET), -127, 128) &&
           in_range(nn_op_word_i32(op, NN_PRELU_OUT_OFFSET), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_PRELU_POS_SHIFT), -31, 23) &&
           in_range(nn_op_word_i32(op, NN_PRELU_NEG_SHIFT), -31, 15);
}

nn_status nn_op_prelu_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor x, alpha, out;
    nn_k_bcast w;

    if (op->n_inputs != 2 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT || nn_op_input_index(op, 1) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_PRELU_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &x);
    nn_op_input(op, 1, NULL, &alpha);
    nn_op_output(op, 0, NULL, &out);
    if (x.dtype != alpha.dtype || x.dtype != out.dtype ||
        (x.dtype != NN_DT_FLOAT32 && x.dtype != NN_DT_INT8))
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_op_same_shape(&x, &out) ||
        !nn_k_bcast_init(&w, x.dims, x.rank, alpha.dims, alpha.rank, out.dims, out.rank))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (x.dtype == NN_DT_INT8 && !words_ok_s8(op))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_prelu_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor x, alpha, out;
    nn_k_bcast w;

    nn_op_input(op, 0, arena, &x);
    nn_op_input(op, 1, arena, &alpha);
    nn_op_output(op, 0, arena, &out);
    nn_k_bcast_init(&w, x.dims, x.rank, alpha.dims, alpha.rank, out.dims, out.rank);
    if (x.dtype == NN_DT_FLOAT32) {
        nn_k_prelu_f32(&w, x.data, alpha.data, out.data);
        return;
    }
    nn_k_prelu_s8_params p = {
        .in_offset = nn_op_word_i32(op, NN_PRELU_IN_OFFSET),
        .alpha_offset = nn_op_word_i32(op, NN_PRELU_ALPHA_OFFSET),
        .out_offset = nn_op_word_i32(op, NN_PRELU_OUT_OFFSET),
        .pos_mult = nn_op_word_i32(op, NN_PRELU_POS_MULT),
        .pos_shift = nn_op_word_i32(op, NN_PRELU_POS_SHIFT),
        .neg_mult = nn_op_word_i32(op, NN_PRELU_NEG_MULT),
        .neg_shift = nn_op_word_i32(op, NN_PRELU_NEG_SHIFT),
    };
    nn_k_prelu_s8(&w, &p, x.data, alpha.data, out.data);
}
