/*
 * nn_op_softmax.c: SOFTMAX over the last dimension, float32, int8 and int16.
 * Parameter words: nn_params.h (NN_SOFTMAX_*).
 *
 * check() bounds the int8 words so that the kernel's scaled differences
 * fit: every difference it scales is at least DIFF_MIN, and
 * |DIFF_MIN| x 2^SHIFT <= 31 x 2^26 < 2^31. int16: a left shift of at most
 * 15 keeps 65535 x 2^SHIFT inside int32; the tables are in bounds with
 * entries in [0, 32767], and the exponential table ends at >= 2^14, so the
 * row sum is at least 2^14 and, over at most 65535 values, below 2^31.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

typedef struct {
    uint8_t dtype; /* of the input and the output */
    int (*words_ok)(const nn_op_view *op);
    void (*eval)(const nn_op_view *op, const nn_k_softmax_dims *d,
                 const nn_tensor *in, nn_tensor *out);
} softmax_variant;

static int words_ok_s8(const nn_op_view *op)
{
    int32_t mult = nn_op_word_i32(op, NN_SOFTMAX_MULT);
    int32_t shift = nn_op_word_i32(op, NN_SOFTMAX_SHIFT);
    int32_t diff_min = nn_op_word_i32(op, NN_SOFTMAX_DIFF_MIN);
    if (mult <= 0 || shift < 0 || shift > 31 || diff_min > 0)
        return 0;
    return -(int64_t)diff_min <= ((int64_t)31 << 26) >> shift;
}

enum { LUT_ENTRIES = 513, SOFTMAX_MAX_DEPTH_S16 = 65535 };

static int words_ok_s16(const nn_op_view *op)
{
    nn_tensor in;
    int32_t shift = nn_op_word_i32(op, NN_SOFTMAX_SHIFT);
    if (op->n_words < NN_SOFTMAX_WORDS || shift < -31 || shift > 15)
        return 0;
    nn_op_input(op, 0, NULL, &in);
    if (in.dims[in.rank - 1] > SOFTMAX_MAX_DEPTH_S16)
        return 0;
    /* Two tables of 513 i16: 513 u32-sized items. */
    const uint8_t *lut = nn_op_blob_array(op, nn_op_word(op, NN_SOFTMAX_LUT), LUT_ENTRIES);
    if (!lut)
        return 0;
    for (int k = 0; k < 2 * LUT_ENTRIES; k++) {
        int16_t v = (int16_t)nn_rd_u16(lut + 2 * k);
        if (v < 0)
            return 0;
    }
    return (int16_t)nn_rd_u16(lut + 2 * 511) >= (1 << 14) &&
           (int16_t)nn_rd_u16(lut + 2 * 512) >= (1 << 14);
}

static int words_ok_f32(const nn_op_view *op)
{
    (void)op; /* any beta is safe: float arithmetic cannot trap */
    return 1;
}

static void eval_s8(const nn_op_view *op, const nn_k_softmax_dims *d,
                    const nn_tensor *in, nn_tensor *out)
{
    nn_k_softmax_s8_params p = {
        .mult = nn_op_word_i32(op, NN_SOFTMAX_MULT),
        .shift = nn_op_word_i32(op, NN_SOFTMAX_SHIFT),
        .diff_min = nn_op_word_i32(op, NN_SOFTMAX_DIFF_MIN),
    };
    nn_k_softmax_s8(d, &p, in->data, out->data);
}

static void eval_s16(const nn_op_view *op, const nn_k_softmax_dims *d,
                     const nn_tensor *in, nn_tensor *out)
{
    const int16_t *lut = (const int16_t *)(const void *)(op->model->blob +
                                                         nn_op_word(op, NN_SOFTMAX_LUT));
    nn_k_softmax_s16_params p = {
        .mult = nn_op_word_i32(op, NN_SOFTMAX_MULT),
        .shift = nn_op_word_i32(op, NN_SOFTMAX_SHIFT),
        .exp_lut = lut,
        .recip_lut = lut + LUT_ENTRIES,
    };
    nn_k_softmax_s16(d, &p, in->data, out->data);
}

static void eval_f32(const nn_op_view *op, const nn_k_softmax_dims *d,
                     const nn_tensor *in, nn_tensor *out)
{
    nn_k_softmax_f32(d, nn_op_word_f32(op, NN_SOFTMAX_BETA), in->data, out->data);
}

static const softmax_variant variants[] = {
    {NN_DT_FLOAT32, words_ok_f32, eval_f32},
    {NN_DT_INT8, words_ok_s8, eval_s8},
    {NN_DT_INT16, words_ok_s16, eval_s16},
};

static const softmax_variant *variant_of(const nn_tensor *in, const nn_tensor *out)
{
    for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++)
        if (in->dtype == variants[k].dtype && out->dtype == variants[k].dtype)
            return &variants[k];
    return NULL;
}

static void dims_of(const nn_tensor *in, nn_k_softmax_dims *d)
{
    d->depth = in->dims[in->rank - 1];
    d->rows = (int)(in->count / (uint32_t)d->depth);
}

nn_status nn_op_softmax_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_SOFTMAX_LUT) /* int8 and float end there */
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    const softmax_variant *v = variant_of(&in, &out);
    if (!v)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (in.rank < 1 || !nn_op_same_shape(&in, &out))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (!v->words_ok(op))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_softmax_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, out;
    nn_k_softmax_dims d;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    dims_of(&in, &d);
    variant_of(&in, &out)->eval(op, &d, &in, &out);
}
