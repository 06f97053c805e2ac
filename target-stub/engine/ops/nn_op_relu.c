/*
 * nn_op_relu.c: RELU, RELU6 and RELU_N1_TO_1, float32 and int8, as
 * standalone ops (an importer fuses them into the op before when it can).
 * Parameter words: nn_params.h (NN_RELU_*).
 *
 * The three differ only in the range the host puts in ACT_MIN / ACT_MAX.
 * check() bounds the int8 words: |x - IN_ZP| <= 255, so left shifts of up
 * to 23 stay inside int32.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static int in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

static int words_ok(const nn_op_view *op, int dtype)
{
    if (dtype == NN_DT_FLOAT32)
        return nn_op_word_f32(op, NN_RELU_ACT_MIN) <= nn_op_word_f32(op, NN_RELU_ACT_MAX);
    int32_t lo = nn_op_word_i32(op, NN_RELU_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_RELU_ACT_MAX);
    return in_range(lo, -128, 127) && in_range(hi, lo, 127) &&
           in_range(nn_op_word_i32(op, NN_RELU_IN_ZP), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_RELU_OUT_ZP), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_RELU_SHIFT), -31, 23);
}

static nn_status check(const nn_op_view *op, nn_error *err)
{
    return nn_op_check_unary(op, err, NN_RELU_WORDS, words_ok);
}

static void eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    if (in.dtype == NN_DT_FLOAT32) {
        nn_k_clamp_f32(nn_op_word_f32(op, NN_RELU_ACT_MIN), nn_op_word_f32(op, NN_RELU_ACT_MAX),
                       (int)in.count, in.data, out.data);
        return;
    }
    nn_k_relu_s8_params p = {
        .in_zp = nn_op_word_i32(op, NN_RELU_IN_ZP),
        .out_zp = nn_op_word_i32(op, NN_RELU_OUT_ZP),
        .mult = nn_op_word_i32(op, NN_RELU_MULT),
        .shift = nn_op_word_i32(op, NN_RELU_SHIFT),
        .act_min = nn_op_word_i32(op, NN_RELU_ACT_MIN),
        .act_max = nn_op_word_i32(op, NN_RELU_ACT_MAX),
    };
    nn_k_relu_s8(&p, (int)in.count, in.data, out.data);
}

nn_status nn_op_relu_check(const nn_op_view *op, nn_error *err) { return check(op, err); }
nn_status nn_op_relu6_check(const nn_op_view *op, nn_error *err) { return check(op, err); }
nn_status nn_op_relu_n1_to_1_check(const nn_op_view *op, nn_error *err)
{
    return check(op, err);
}
void nn_op_relu_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena); }
void nn_op_relu6_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena); }
void nn_op_relu_n1_to_1_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena); }
