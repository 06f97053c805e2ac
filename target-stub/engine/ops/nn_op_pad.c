/*
 * nn_op_pad.c: PAD, PADV2 (a constant fill) and MIRROR_PAD (reflect or
 * symmetric), float32, int8 and int16. Parameter words: nn_params.h
 * (NN_PAD_*).
 *
 * check() proves the output's shape is the padded input's (in 64 bits),
 * that mirrored pads stay within what the input can mirror, and that an
 * integer fill value fits the dtype, so every index the kernel forms is
 * inside the input or the output.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static nn_status check(const nn_op_view *op, int mirror, nn_error *err)
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 || nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_PAD_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    if (in.dtype != out.dtype ||
        (in.dtype != NN_DT_FLOAT32 && in.dtype != NN_DT_INT8 && in.dtype != NN_DT_INT16))
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_output_index(op, 0));
    if (!nn_op_same_quant(&in, &out))
        return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_output_index(op, 0));
    if (in.rank < 1 || in.rank > NN_K_LAYOUT_RANK || out.rank != in.rank)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    int32_t mode = nn_op_word_i32(op, NN_PAD_MODE);
    if (mirror ? (mode != NN_PAD_REFLECT && mode != NN_PAD_SYMMETRIC) : mode != NN_PAD_CONSTANT)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    for (int k = 0; k < NN_K_LAYOUT_RANK; k++) {
        int64_t b = nn_op_word_i32(op, NN_PAD_BEFORE + k);
        int64_t a = nn_op_word_i32(op, NN_PAD_AFTER + k);
        if (k >= in.rank) {
            if (a || b)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
            continue;
        }
        int64_t most = mode == NN_PAD_REFLECT ? in.dims[k] - 1
                       : mode == NN_PAD_SYMMETRIC ? in.dims[k] : INT32_MAX;
        if (a < 0 || b < 0 || a > most || b > most)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        if (b + in.dims[k] + a != out.dims[k])
            return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    }
    int32_t v = nn_op_word_i32(op, NN_PAD_VALUE);
    if ((in.dtype == NN_DT_INT8 && (v < INT8_MIN || v > INT8_MAX)) ||
        (in.dtype == NN_DT_INT16 && (v < INT16_MIN || v > INT16_MAX)))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

static void eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;
    nn_k_pad_dims d;
    float f = nn_op_word_f32(op, NN_PAD_VALUE);
    int32_t v = nn_op_word_i32(op, NN_PAD_VALUE);
    int8_t v8 = (int8_t)v;
    int16_t v16 = (int16_t)v;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    d.rank = in.rank;
    d.mode = nn_op_word_i32(op, NN_PAD_MODE);
    for (int k = 0; k < in.rank; k++) {
        d.in[k] = in.dims[k];
        d.before[k] = nn_op_word_i32(op, NN_PAD_BEFORE + k);
        d.after[k] = nn_op_word_i32(op, NN_PAD_AFTER + k);
    }
    const void *value = in.dtype == NN_DT_FLOAT32 ? (const void *)&f
                        : in.dtype == NN_DT_INT8  ? (const void *)&v8
                                                  : (const void *)&v16;
    nn_k_pad(&d, nn_dtype_bytes(in.dtype), value, in.data, out.data);
}

nn_status nn_op_pad_check(const nn_op_view *op, nn_error *err) { return check(op, 0, err); }
nn_status nn_op_padv2_check(const nn_op_view *op, nn_error *err) { return check(op, 0, err); }
nn_status nn_op_mirror_pad_check(const nn_op_view *op, nn_error *err)
{
    return check(op, 1, err);
}
void nn_op_pad_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena); }
void nn_op_padv2_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena); }
void nn_op_mirror_pad_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena); }
