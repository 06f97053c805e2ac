/*
 * nn_op_logistic.c: LOGISTIC, float32, int8 and int16.
 * Parameter words: nn_params.h (NN_LOGISTIC_*).
 *
 * check() bounds the int8 words so that the kernel's Q4.27 scaling fits:
 * it only scales inputs with |x| < RADIUS, and RADIUS x 2^SHIFT <=
 * 15 x 2^27 < 2^31. int16: |x| x MULT + the rounding term < 2^31 for
 * MULT <= 32767 and SHIFT <= 31 (and 3 << SHIFT when MULT is 0, SHIFT <= 1);
 * the table is in bounds; the kernel's table arithmetic is unsigned.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

typedef struct {
    uint8_t dtype; /* of the input and the output */
    int (*words_ok)(const nn_op_view *op);
    void (*eval)(const nn_op_view *op, const nn_tensor *in, nn_tensor *out);
} logistic_variant;

static int words_ok_s8(const nn_op_view *op)
{
    int32_t zp = nn_op_word_i32(op, NN_LOGISTIC_IN_ZP);
    int32_t shift = nn_op_word_i32(op, NN_LOGISTIC_SHIFT);
    int32_t radius = nn_op_word_i32(op, NN_LOGISTIC_RADIUS);
    if (zp < -128 || zp > 127 || shift < 0 || shift > 31 || radius < 0)
        return 0;
    return radius <= ((int64_t)15 << 27) >> shift;
}

enum { SIGMOID_ENTRIES = 256 };

static int words_ok_s16(const nn_op_view *op)
{
    int32_t mult = nn_op_word_i32(op, NN_LOGISTIC_MULT);
    int32_t shift = nn_op_word_i32(op, NN_LOGISTIC_SHIFT);
    if (op->n_words < NN_LOGISTIC_WORDS || nn_op_word(op, NN_LOGISTIC_IN_ZP) ||
        mult < 0 || mult > 32767 || shift < 0 || shift > 31 || (mult == 0 && shift > 1))
        return 0;
    /* 256 u16: 128 u32-sized items. */
    return nn_op_blob_array(op, nn_op_word(op, NN_LOGISTIC_LUT), SIGMOID_ENTRIES / 2) != 0;
}

static int words_ok_f32(const nn_op_view *op)
{
    (void)op;
    return 1;
}

static void eval_s8(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_logistic_s8_params p = {
        .in_zero_point = nn_op_word_i32(op, NN_LOGISTIC_IN_ZP),
        .mult = nn_op_word_i32(op, NN_LOGISTIC_MULT),
        .shift = nn_op_word_i32(op, NN_LOGISTIC_SHIFT),
        .radius = nn_op_word_i32(op, NN_LOGISTIC_RADIUS),
    };
    nn_k_logistic_s8(&p, (int)in->count, in->data, out->data);
}

static void eval_s16(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_logistic_s16_params p = {
        .mult = nn_op_word_i32(op, NN_LOGISTIC_MULT),
        .shift = nn_op_word_i32(op, NN_LOGISTIC_SHIFT),
        .table = (const uint16_t *)(const void *)(op->model->blob +
                                                  nn_op_word(op, NN_LOGISTIC_LUT)),
    };
    nn_k_logistic_s16(&p, (int)in->count, in->data, out->data);
}

static void eval_f32(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    (void)op;
    nn_k_logistic_f32((int)in->count, in->data, out->data);
}

static const logistic_variant variants[] = {
    {NN_DT_FLOAT32, words_ok_f32, eval_f32},
    {NN_DT_INT8, words_ok_s8, eval_s8},
    {NN_DT_INT16, words_ok_s16, eval_s16},
};

static const logistic_variant *variant_of(const nn_tensor *in, const nn_tensor *out)
{
    for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++)
        if (in->dtype == variants[k].dtype && out->dtype == variants[k].dtype)
            return &variants[k];
    return NULL;
}

nn_status nn_op_logistic_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_LOGISTIC_LUT) /* int8 and float end there */
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    const logistic_variant *v = variant_of(&in, &out);
    if (!v)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_op_same_shape(&in, &out))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (!v->words_ok(op))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_logistic_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    variant_of(&in, &out)->eval(op, &in, &out);
}
