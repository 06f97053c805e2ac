/*
 * nn_op_maximum.c: MAXIMUM and MINIMUM, float32, int8 and int16, with
 * ADD's numpy broadcasting. No parameter words (NN_MAXMIN_WORDS).
 *
 * Quantised values are compared as they are, so inputs and output must
 * share one scale and zero point (as TFLite requires).
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

static nn_status check(const nn_op_view *op, nn_error *err)
{
    nn_tensor a, b, out;
    nn_k_bcast w;

    if (op->n_inputs != 2 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT || nn_op_input_index(op, 1) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    nn_op_input(op, 0, NULL, &a);
    nn_op_input(op, 1, NULL, &b);
    nn_op_output(op, 0, NULL, &out);
    if (a.dtype != b.dtype || a.dtype != out.dtype ||
        (out.dtype != NN_DT_FLOAT32 && out.dtype != NN_DT_INT8 && out.dtype != NN_DT_INT16))
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_op_same_quant(&a, &out) || !nn_op_same_quant(&b, &out))
        return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_output_index(op, 0));
    if (!nn_k_bcast_init(&w, a.dims, a.rank, b.dims, b.rank, out.dims, out.rank))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    return NN_OK;
}

static void eval(const nn_op_view *op, uint8_t *arena, int is_max)
{
    nn_tensor a, b, out;
    nn_k_bcast w;

    nn_op_input(op, 0, arena, &a);
    nn_op_input(op, 1, arena, &b);
    nn_op_output(op, 0, arena, &out);
    nn_k_bcast_init(&w, a.dims, a.rank, b.dims, b.rank, out.dims, out.rank);
    if (out.dtype == NN_DT_FLOAT32)
        nn_k_maxmin_f32(&w, is_max, a.data, b.data, out.data);
    else if (out.dtype == NN_DT_INT8)
        nn_k_maxmin_s8(&w, is_max, a.data, b.data, out.data);
    else
        nn_k_maxmin_s16(&w, is_max, a.data, b.data, out.data);
}

nn_status nn_op_maximum_check(const nn_op_view *op, nn_error *err) { return check(op, err); }
nn_status nn_op_minimum_check(const nn_op_view *op, nn_error *err) { return check(op, err); }
void nn_op_maximum_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena, 1); }
void nn_op_minimum_eval(const nn_op_view *op, uint8_t *arena) { eval(op, arena, 0); }
