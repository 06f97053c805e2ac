/*
 * nn_op_quantize.c: QUANTIZE (float32 -> int8 / int16, int8 -> int8) and
 * DEQUANTIZE (int8 / int16 -> float32).
 * Parameter words: nn_params.h (NN_QUANTIZE_*, NN_DEQUANTIZE_*).
 *
 * Both are elementwise over tensors of one shape; a table of dtype pairs
 * picks the kernel. check() bounds the words: zero points within their
 * type (so float(q - zp) is exact), scales finite and positive, and the
 * requantising shift at most 23, so that (x - zp) x 2^shift fits in int32.
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

typedef struct {
    uint8_t in, out; /* dtypes */
    int (*words_ok)(const nn_op_view *op);
    void (*eval)(const nn_op_view *op, const nn_tensor *in, nn_tensor *out);
} unary_variant;

static int in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

static int scale_ok(float s)
{
    return s > 0.0f && s < 3.0e38f; /* NaN fails too */
}

static nn_k_affine affine(const nn_op_view *op, int scale_word, int zp_word)
{
    nn_k_affine q = {nn_op_word_f32(op, scale_word), nn_op_word_i32(op, zp_word)};
    return q;
}

/* QUANTIZE ------------------------------------------------------------------ */

static int q_words_ok_s8(const nn_op_view *op)
{
    return scale_ok(nn_op_word_f32(op, NN_QUANTIZE_SCALE)) &&
           in_range(nn_op_word_i32(op, NN_QUANTIZE_OUT_ZP), INT8_MIN, INT8_MAX);
}

static int q_words_ok_s16(const nn_op_view *op)
{
    return scale_ok(nn_op_word_f32(op, NN_QUANTIZE_SCALE)) &&
           in_range(nn_op_word_i32(op, NN_QUANTIZE_OUT_ZP), INT16_MIN, INT16_MAX);
}

static int rq_words_ok_s8(const nn_op_view *op)
{
    return in_range(nn_op_word_i32(op, NN_QUANTIZE_IN_ZP), INT8_MIN, INT8_MAX) &&
           in_range(nn_op_word_i32(op, NN_QUANTIZE_OUT_ZP), INT8_MIN, INT8_MAX) &&
           in_range(nn_op_word_i32(op, NN_QUANTIZE_SHIFT), -31, 23);
}

static void q_eval_s8(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_affine q = affine(op, NN_QUANTIZE_SCALE, NN_QUANTIZE_OUT_ZP);
    nn_k_quantize_s8(&q, (int)in->count, in->data, out->data);
}

static void q_eval_s16(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_affine q = affine(op, NN_QUANTIZE_SCALE, NN_QUANTIZE_OUT_ZP);
    nn_k_quantize_s16(&q, (int)in->count, in->data, out->data);
}

static void rq_eval_s8(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_requantize_params p = {
        .in_zero_point = nn_op_word_i32(op, NN_QUANTIZE_IN_ZP),
        .out_zero_point = nn_op_word_i32(op, NN_QUANTIZE_OUT_ZP),
        .mult = nn_op_word_i32(op, NN_QUANTIZE_MULT),
        .shift = nn_op_word_i32(op, NN_QUANTIZE_SHIFT),
    };
    nn_k_requantize_s8(&p, (int)in->count, in->data, out->data);
}

static const unary_variant quantize_variants[] = {
    {NN_DT_FLOAT32, NN_DT_INT8, q_words_ok_s8, q_eval_s8},
    {NN_DT_FLOAT32, NN_DT_INT16, q_words_ok_s16, q_eval_s16},
    {NN_DT_INT8, NN_DT_INT8, rq_words_ok_s8, rq_eval_s8},
};

/* DEQUANTIZE ------------------------------------------------------------- */

static int dq_words_ok_s8(const nn_op_view *op)
{
    return scale_ok(nn_op_word_f32(op, NN_DEQUANTIZE_SCALE)) &&
           in_range(nn_op_word_i32(op, NN_DEQUANTIZE_ZP), INT8_MIN, INT8_MAX);
}

static int dq_words_ok_s16(const nn_op_view *op)
{
    return scale_ok(nn_op_word_f32(op, NN_DEQUANTIZE_SCALE)) &&
           in_range(nn_op_word_i32(op, NN_DEQUANTIZE_ZP), INT16_MIN, INT16_MAX);
}

static void dq_eval_s8(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_affine q = affine(op, NN_DEQUANTIZE_SCALE, NN_DEQUANTIZE_ZP);
    nn_k_dequantize_s8(&q, (int)in->count, in->data, out->data);
}

static void dq_eval_s16(const nn_op_view *op, const nn_tensor *in, nn_tensor *out)
{
    nn_k_affine q = affine(op, NN_DEQUANTIZE_SCALE, NN_DEQUANTIZE_ZP);
    nn_k_dequantize_s16(&q, (int)in->count, in->data, out->data);
}

static const unary_variant dequantize_variants[] = {
    {NN_DT_INT8, NN_DT_FLOAT32, dq_words_ok_s8, dq_eval_s8},
    {NN_DT_INT16, NN_DT_FLOAT32, dq_words_ok_s16, dq_eval_s16},
};

/* Shared ------------------------------------------------------------------ */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const unary_variant *variant_of(const unary_variant *v, size_t n,
                                       const nn_tensor *in, const nn_tensor *out)
{
    for (size_t k = 0; k < n; k++)
        if (in->dtype == v[k].in && out->dtype == v[k].out)
            return &v[k];
    return NULL;
}

static nn_status check(const nn_op_view *op, nn_error *err, const unary_variant *vs,
                       size_t n, int n_words)
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < n_words)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    const unary_variant *v = variant_of(vs, n, &in, &out);
    if (!v)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_op_same_shape(&in, &out))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (!v->words_ok(op))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

static void eval(const nn_op_view *op, uint8_t *arena, const unary_variant *vs,
                 size_t n)
{
    nn_tensor in, out;

    nn_op_input(op, 0, arena, &in);
    nn_op_output(op, 0, arena, &out);
    variant_of(vs, n, &in, &out)->eval(op, &in, &out);
}

nn_status nn_op_quantize_check(const nn_op_view *op, nn_error *err)
{
    return check(op, err, quantize_variants, COUNT(quantize_variants),
                 NN_QUANTIZE_WORDS);
}

void nn_op_quantize_eval(const nn_op_view *op, uint8_t *arena)
{
    eval(op, arena, quantize_variants, COUNT(quantize_variants));
}

nn_status nn_op_dequantize_check(const nn_op_view *op, nn_error *err)
{
    return check(op, err, dequantize_variants, COUNT(dequantize_variants),
                 NN_DEQUANTIZE_WORDS);
}

void nn_op_dequantize_eval(const nn_op_view *op, uint8_t *arena)
{
    eval(op, arena, dequantize_variants, COUNT(dequantize_variants));
}
