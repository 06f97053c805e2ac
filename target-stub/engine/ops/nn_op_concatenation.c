/*
 * nn_op_concatenation.c: CONCATENATION, any dtype.
 * Parameter words: nn_params.h (NN_CONCAT_*).
 *
 * check() proves every input has the output's rank and dtype, matches it
 * outside the axis, and that the axis sizes add up (in 64 bits), so the
 * kernel's row copies fill the output exactly. Quantised inputs must have
 * the output's parameters: the values are copied, not requantised.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

nn_status nn_op_concatenation_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;
    int64_t total = 0;

    if (op->n_inputs < 1 || op->n_inputs > NN_MAX_OP_IO - 1 || op->n_outputs != 1)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_CONCAT_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_output(op, 0, NULL, &out);
    int32_t axis = nn_op_word_i32(op, NN_CONCAT_AXIS);
    if (out.rank < 1 || axis < 0 || axis >= out.rank)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    for (int k = 0; k < op->n_inputs; k++) {
        uint16_t t = nn_op_input_index(op, k);
        if (t == NN_ABSENT)
            return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
        nn_op_input(op, k, NULL, &in);
        if (in.dtype != out.dtype)
            return nn_op_fail(op, err, NN_WHY_OP_DTYPE, t);
        if (!nn_op_same_quant(&in, &out))
            return nn_op_fail(op, err, NN_WHY_QUANT, t);
        if (in.rank != out.rank)
            return nn_op_fail(op, err, NN_WHY_OP_SHAPE, t);
        for (int d = 0; d < out.rank; d++)
            if (d != axis && in.dims[d] != out.dims[d])
                return nn_op_fail(op, err, NN_WHY_OP_SHAPE, t);
        total += in.dims[axis];
    }
    if (total != out.dims[axis])
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    return NN_OK;
}

void nn_op_concatenation_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;
    const void *data[NN_MAX_OP_IO];
    uint32_t inner[NN_MAX_OP_IO], outer = 1, tail;

    nn_op_output(op, 0, arena, &out);
    int32_t axis = nn_op_word_i32(op, NN_CONCAT_AXIS);
    tail = nn_dtype_bytes(out.dtype);
    for (int d = 0; d < out.rank; d++) {
        if (d < axis)
            outer *= (uint32_t)out.dims[d];
        else if (d > axis)
            tail *= (uint32_t)out.dims[d];
    }
    for (int k = 0; k < op->n_inputs; k++) {
        nn_op_input(op, k, arena, &in);
        data[k] = in.data;
        inner[k] = (uint32_t)in.dims[axis] * tail;
    }
    nn_k_concat(op->n_inputs, data, inner, outer, out.data);
}
