/*
 * nn_op_transpose.c: TRANSPOSE, any dtype (values are moved, not read).
 * Parameter words: nn_params.h (NN_TRANSPOSE_*).
 *
 * check() proves the words are a permutation of the rank and that the
 * output's shape is the input's permuted, so the kernel's strides stay
 * inside both tensors.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static void dims_of(const nn_op_view *op, const nn_tensor *in, nn_k_transpose_dims *d)
{
    d->rank = in->rank;
    for (int k = 0; k < NN_K_LAYOUT_RANK; k++) {
        d->dims[k] = k < in->rank ? in->dims[k] : 1;
        d->perm[k] = nn_op_word_i32(op, NN_TRANSPOSE_PERM + k);
    }
}

nn_status nn_op_transpose_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;
    uint32_t seen = 0;

    if (op->n_inputs != 1 || op->n_outputs != 1 || nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_TRANSPOSE_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    if (in.dtype != out.dtype)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_output_index(op, 0));
    if (!nn_op_same_quant(&in, &out))
        return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_output_index(op, 0));
    if (in.rank < 1 || in.rank > NN_K_LAYOUT_RANK || out.rank != in.rank)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    for (int k = 0; k < NN_K_LAYOUT_RANK; k++) {
        int32_t p = nn_op_word_i32(op, NN_TRANSPOSE_PERM + k);
        if (k >= in.rank) {
            if (p != 0)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
            continue;
        }
        if (p < 0 || p >= in.rank || (seen & (1u << p)))
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        seen |= 1u << p;
        if (out.dims[k] != in.dims[p])
            return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    }
    return NN_OK;
}

void nn_op_transpose_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;
    nn_k_transpose_dims d;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    dims_of(op, &in, &d);
    nn_k_transpose(&d, nn_dtype_bytes(in.dtype), in.data, out.data);
}
