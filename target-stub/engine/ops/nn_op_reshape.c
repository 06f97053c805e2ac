/*
 * nn_op_reshape.c: RESHAPE, any dtype. No parameter words (NN_RESHAPE_WORDS).
 *
 * A reshape moves no data when the plan gave the output its input's arena
 * bytes (host/model/plan.c aliases them); otherwise, as for a constant
 * input, the bytes are copied. memmove, because a blob may place the two
 * anywhere, overlapping included.
 */
#include <string.h>

#include "../nn_op.h"

nn_status nn_op_reshape_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;

    /* A second input (TFLite's shape tensor) is tolerated and ignored. */
    if (op->n_inputs < 1 || op->n_inputs > 2 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    if (in.dtype != out.dtype)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_output_index(op, 0));
    if (in.bytes != out.bytes)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    return NN_OK;
}

void nn_op_reshape_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    if (in.data != out.data)
        memmove(out.data, in.data, out.bytes);
}
