/*
 * nn_op_mul.c: MUL, float32 and int8, with ADD's numpy broadcasting.
 * Parameter words: nn_params.h (NN_MUL_*).
 *
 * check() proves the shapes broadcast (the walk eval uses) and bounds the
 * int8 words so that no intermediate can overflow: offset inputs are at
 * most 255 in magnitude, their product at most 65025, and a left shift of
 * at most 15 keeps it inside int32.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static int in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

static int words_ok(const nn_op_view *op, uint8_t dtype)
{
    if (dtype == NN_DT_FLOAT32)
        return nn_op_word_f32(op, NN_MUL_ACT_MIN) <= nn_op_word_f32(op, NN_MUL_ACT_MAX);
    int32_t lo = nn_op_word_i32(op, NN_MUL_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_MUL_ACT_MAX);
    return in_range(lo, -128, 127) && in_range(hi, lo, 127) &&
           in_range(nn_op_word_i32(op, NN_MUL_A_OFFSET), -127, 128) &&
           in_range(nn_op_word_i32(op, NN_MUL_B_OFFSET), -127, 128) &&
           in_range(nn_op_word_i32(op, NN_MUL_OUT_OFFSET), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_MUL_SHIFT), -31, 15);
}

static void views(const nn_op_view *op, uint8_t *arena, nn_tensor *a, nn_tensor *b,
                  nn_tensor *out)
{
    nn_op_input(op, 0, arena, a);
    nn_op_input(op, 1, arena, b);
    nn_op_output(op, 0, arena, out);
}

nn_status nn_op_mul_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor a, b, out;
    nn_k_bcast w;

    if (op->n_inputs != 2 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT || nn_op_input_index(op, 1) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_MUL_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    views(op, NULL, &a, &b, &out);
    if (a.dtype != b.dtype || a.dtype != out.dtype ||
        (out.dtype != NN_DT_FLOAT32 && out.dtype != NN_DT_INT8))
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_k_bcast_init(&w, a.dims, a.rank, b.dims, b.rank, out.dims, out.rank))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (!words_ok(op, out.dtype))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_mul_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor a, b, out;
    nn_k_bcast w;

    views(op, arena, &a, &b, &out);
    nn_k_bcast_init(&w, a.dims, a.rank, b.dims, b.rank, out.dims, out.rank);
    if (out.dtype == NN_DT_FLOAT32) {
        nn_k_mul_f32(&w, nn_op_word_f32(op, NN_MUL_ACT_MIN),
                     nn_op_word_f32(op, NN_MUL_ACT_MAX), a.data, b.data, out.data);
        return;
    }
    nn_k_mul_s8_params p = {
        .a_offset = nn_op_word_i32(op, NN_MUL_A_OFFSET),
        .b_offset = nn_op_word_i32(op, NN_MUL_B_OFFSET),
        .out_offset = nn_op_word_i32(op, NN_MUL_OUT_OFFSET),
        .mult = nn_op_word_i32(op, NN_MUL_MULT),
        .shift = nn_op_word_i32(op, NN_MUL_SHIFT),
        .act_min = nn_op_word_i32(op, NN_MUL_ACT_MIN),
        .act_max = nn_op_word_i32(op, NN_MUL_ACT_MAX),
    };
    nn_k_mul_s8(&w, &p, a.data, b.data, out.data);
}
