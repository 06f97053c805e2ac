/*
 * nn_op_add.c: ADD, float32, int8 and int16, with numpy broadcasting.
 * Parameter words: nn_params.h (NN_ADD_*).
 *
 * check() proves the shapes broadcast (the same nn_k_bcast_init eval uses,
 * so eval's walk stays inside both inputs and the output) and bounds every
 * int8 word so that no intermediate of the integer rule can overflow:
 * |offset input| <= 255, x 2^20 < 2^28, scaled by multipliers <= 1. int16
 * has no offsets: |x| <= 2^15, x 2^15 <= 2^30, scaled by multipliers in
 * [0, 1], so the sum of two stays within [-2^31, 2^31).
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"

enum { A = 0, B = 1 };

typedef struct {
    uint8_t dtype; /* of both inputs and the output */
    int (*words_ok)(const nn_op_view *op);
    void (*eval)(const nn_op_view *op, const nn_k_bcast *w, const nn_tensor *a,
                 const nn_tensor *b, nn_tensor *out);
} add_variant;

static int in_range(int32_t v, int32_t lo, int32_t hi) { return v >= lo && v <= hi; }

static int words_ok_s8(const nn_op_view *op)
{
    int32_t lo = nn_op_word_i32(op, NN_ADD_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_ADD_ACT_MAX);
    return in_range(lo, -128, 127) && in_range(hi, lo, 127) &&
           in_range(nn_op_word_i32(op, NN_ADD_A_OFFSET), -127, 128) &&
           in_range(nn_op_word_i32(op, NN_ADD_B_OFFSET), -127, 128) &&
           in_range(nn_op_word_i32(op, NN_ADD_OUT_OFFSET), -128, 127) &&
           in_range(nn_op_word_i32(op, NN_ADD_LEFT_SHIFT), 0, 20) &&
           in_range(nn_op_word_i32(op, NN_ADD_A_SHIFT), -31, 0) &&
           in_range(nn_op_word_i32(op, NN_ADD_B_SHIFT), -31, 0) &&
           in_range(nn_op_word_i32(op, NN_ADD_OUT_SHIFT), -31, 0);
}

static int words_ok_s16(const nn_op_view *op)
{
    int32_t lo = nn_op_word_i32(op, NN_ADD_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_ADD_ACT_MAX);
    return in_range(lo, INT16_MIN, INT16_MAX) && in_range(hi, lo, INT16_MAX) &&
           !nn_op_word(op, NN_ADD_A_OFFSET) && !nn_op_word(op, NN_ADD_B_OFFSET) &&
           !nn_op_word(op, NN_ADD_OUT_OFFSET) &&
           in_range(nn_op_word_i32(op, NN_ADD_LEFT_SHIFT), 0, 15) &&
           nn_op_word_i32(op, NN_ADD_A_MULT) >= 0 && nn_op_word_i32(op, NN_ADD_B_MULT) >= 0 &&
           nn_op_word_i32(op, NN_ADD_OUT_MULT) >= 0 &&
           in_range(nn_op_word_i32(op, NN_ADD_A_SHIFT), -31, 0) &&
           in_range(nn_op_word_i32(op, NN_ADD_B_SHIFT), -31, 0) &&
           in_range(nn_op_word_i32(op, NN_ADD_OUT_SHIFT), -31, 0);
}

static int words_ok_f32(const nn_op_view *op)
{
    /* NaN fails the comparison. */
    return nn_op_word_f32(op, NN_ADD_ACT_MIN) <= nn_op_word_f32(op, NN_ADD_ACT_MAX);
}

static nn_k_add_s8_params params_of(const nn_op_view *op)
{
    nn_k_add_s8_params p = {
        .a_offset = nn_op_word_i32(op, NN_ADD_A_OFFSET),
        .b_offset = nn_op_word_i32(op, NN_ADD_B_OFFSET),
        .out_offset = nn_op_word_i32(op, NN_ADD_OUT_OFFSET),
        .left_shift = nn_op_word_i32(op, NN_ADD_LEFT_SHIFT),
        .a_mult = nn_op_word_i32(op, NN_ADD_A_MULT),
        .a_shift = nn_op_word_i32(op, NN_ADD_A_SHIFT),
        .b_mult = nn_op_word_i32(op, NN_ADD_B_MULT),
        .b_shift = nn_op_word_i32(op, NN_ADD_B_SHIFT),
        .out_mult = nn_op_word_i32(op, NN_ADD_OUT_MULT),
        .out_shift = nn_op_word_i32(op, NN_ADD_OUT_SHIFT),
        .act_min = nn_op_word_i32(op, NN_ADD_ACT_MIN),
        .act_max = nn_op_word_i32(op, NN_ADD_ACT_MAX),
    };
    return p;
}

static void eval_s8(const nn_op_view *op, const nn_k_bcast *w, const nn_tensor *a,
                    const nn_tensor *b, nn_tensor *out)
{
    nn_k_add_s8_params p = params_of(op);
    nn_k_add_s8(w, &p, a->data, b->data, out->data);
}

static void eval_s16(const nn_op_view *op, const nn_k_bcast *w, const nn_tensor *a,
                     const nn_tensor *b, nn_tensor *out)
{
    nn_k_add_s8_params p = params_of(op);
    nn_k_add_s16(w, &p, a->data, b->data, out->data);
}

static void eval_f32(const nn_op_view *op, const nn_k_bcast *w, const nn_tensor *a,
                     const nn_tensor *b, nn_tensor *out)
{
    nn_k_add_f32(w, nn_op_word_f32(op, NN_ADD_ACT_MIN),
                 nn_op_word_f32(op, NN_ADD_ACT_MAX), a->data, b->data, out->data);
}

static const add_variant variants[] = {
    {NN_DT_FLOAT32, words_ok_f32, eval_f32},
    {NN_DT_INT8, words_ok_s8, eval_s8},
    {NN_DT_INT16, words_ok_s16, eval_s16},
};

static const add_variant *variant_of(const nn_tensor *a, const nn_tensor *b,
                                     const nn_tensor *out)
{
    for (size_t k = 0; k < sizeof(variants) / sizeof(variants[0]); k++)
        if (a->dtype == variants[k].dtype && b->dtype == variants[k].dtype &&
            out->dtype == variants[k].dtype)
            return &variants[k];
    return NULL;
}

static int walk_of(const nn_tensor *a, const nn_tensor *b, const nn_tensor *out,
                   nn_k_bcast *w)
{
    return nn_k_bcast_init(w, a->dims, a->rank, b->dims, b->rank, out->dims,
                           out->rank);
}

nn_status nn_op_add_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor a, b, out;
    nn_k_bcast w;

    if (op->n_inputs != 2 || op->n_outputs != 1 ||
        nn_op_input_index(op, A) == NN_ABSENT || nn_op_input_index(op, B) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_ADD_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, A, NULL, &a);
    nn_op_input(op, B, NULL, &b);
    nn_op_output(op, 0, NULL, &out);
    const add_variant *v = variant_of(&a, &b, &out);
    if (!v)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, A));
    if (!walk_of(&a, &b, &out, &w))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (!v->words_ok(op))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_add_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor a, b, out;
    nn_k_bcast w;

    nn_op_input(op, A, arena, &a);
    nn_op_input(op, B, arena, &b);
    nn_op_output(op, 0, arena, &out);
    walk_of(&a, &b, &out, &w);
    variant_of(&a, &b, &out)->eval(op, &w, &a, &b, &out);
}
