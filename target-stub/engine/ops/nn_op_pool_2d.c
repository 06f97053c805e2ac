/*
 * nn_op_pool_2d.c: AVERAGE_POOL_2D and MAX_POOL_2D, float32, int8 and int16.
 * Parameter words: nn_params.h (NN_POOL_*; the two dilation words are
 * optional).
 */
#include "../nn_params.h"
#include "nn_op_conv.h"

typedef enum { POOL_FLOAT, POOL_INT8, POOL_INT16, POOL_BAD } pool_kind;

typedef struct {
    nn_tensor in, out;
    pool_kind kind;
    nn_k_dims in_d, out_d;
    nn_k_window win;
} pool_view;

static void view_of(const nn_op_view *op, uint8_t *arena, pool_view *v)
{
    nn_op_input(op, 0, arena, &v->in);
    nn_op_output(op, 0, arena, &v->out);
    if (v->in.dtype == NN_DT_FLOAT32 && v->out.dtype == NN_DT_FLOAT32)
        v->kind = POOL_FLOAT;
    else if (v->in.dtype == NN_DT_INT8 && v->out.dtype == NN_DT_INT8)
        v->kind = POOL_INT8;
    else if (v->in.dtype == NN_DT_INT16 && v->out.dtype == NN_DT_INT16)
        v->kind = POOL_INT16;
    else
        v->kind = POOL_BAD;
    const nn_tensor *i = &v->in, *o = &v->out;
    v->in_d = (nn_k_dims){i->dims[0], i->dims[1], i->dims[2], i->dims[3]};
    v->out_d = (nn_k_dims){o->dims[0], o->dims[1], o->dims[2], o->dims[3]};
    v->win.stride.h = nn_op_word_i32(op, NN_POOL_STRIDE_H);
    v->win.stride.w = nn_op_word_i32(op, NN_POOL_STRIDE_W);
    v->win.filter.h = nn_op_word_i32(op, NN_POOL_FILTER_H);
    v->win.filter.w = nn_op_word_i32(op, NN_POOL_FILTER_W);
    v->win.padding.h = nn_op_word_i32(op, NN_POOL_PAD_H);
    v->win.padding.w = nn_op_word_i32(op, NN_POOL_PAD_W);
    v->win.dilation.h = v->win.dilation.w = 1;
    if (op->n_words >= NN_POOL_WORDS_DILATED) {
        v->win.dilation.h = nn_op_word_i32(op, NN_POOL_DIL_H);
        v->win.dilation.w = nn_op_word_i32(op, NN_POOL_DIL_W);
    }
}

/* A dilated window (taps d apart) only with VALID geometry: no padding
 * and every window inside the image, so none can miss it entirely. */
static int dilation_ok(int64_t in, int64_t out, int64_t filter, int64_t stride,
                       int64_t d, int64_t pad)
{
    if (d < 1 || d > NN_OP_WINDOW_MAX)
        return 0;
    if (d == 1)
        return 1;
    int64_t eff = (filter - 1) * d + 1;
    return pad == 0 && in >= eff && out == (in - eff) / stride + 1;
}

/* Largest number of taps an int8 average may sum: 128 x 2^23 and the
 * rounding term stay inside int32. */
#define MAX_AVG_TAPS (1 << 23)
/* int16: 32768 x 65535 plus the rounding term stays inside int32. */
#define MAX_AVG_TAPS_S16 65535

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

static nn_status check(const nn_op_view *op, nn_error *err)
{
    pool_view v;
    if (op->n_inputs != 1 || op->n_outputs != 1 ||
        nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_POOL_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    view_of(op, NULL, &v);
    if (v.kind == POOL_BAD)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (v.in.rank != 4 || v.out.rank != 4 || v.in_d.n != v.out_d.n ||
        v.in_d.c != v.out_d.c)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    const nn_k_window *w = &v.win;
    if (w->stride.h < 1 || w->stride.w < 1 || w->filter.h < 1 || w->filter.w < 1 ||
        w->padding.h < 0 || w->padding.w < 0)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    if (!dilation_ok(v.in_d.h, v.out_d.h, w->filter.h, w->stride.h, w->dilation.h,
                     w->padding.h) ||
        !dilation_ok(v.in_d.w, v.out_d.w, w->filter.w, w->stride.w, w->dilation.w,
                     w->padding.w))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    if (!nn_op_window_ok(v.in_d.h, v.out_d.h, w->filter.h, w->stride.h, w->dilation.h,
                         w->padding.h) ||
        !nn_op_window_ok(v.in_d.w, v.out_d.w, w->filter.w, w->stride.w, w->dilation.w,
                         w->padding.w))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));

    if (v.kind == POOL_INT8 || v.kind == POOL_INT16) {
        int is16 = v.kind == POOL_INT16;
        int32_t lo = nn_op_word_i32(op, NN_POOL_ACT_MIN);
        int32_t hi = nn_op_word_i32(op, NN_POOL_ACT_MAX);
        if (lo < (is16 ? INT16_MIN : -128) || hi > (is16 ? INT16_MAX : 127) || lo > hi)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        /* No requantisation: the output must mean what the input means. */
        if (v.in.quant != NN_QUANT_TENSOR || v.out.quant != NN_QUANT_TENSOR ||
            v.in.scale != v.out.scale || v.in.zero_point != v.out.zero_point)
            return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_output_index(op, 0));
        if (min64(w->filter.h, v.in_d.h) * min64(w->filter.w, v.in_d.w) >
            (is16 ? MAX_AVG_TAPS_S16 : MAX_AVG_TAPS))
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    } else {
        float lo = nn_op_word_f32(op, NN_POOL_ACT_MIN);
        float hi = nn_op_word_f32(op, NN_POOL_ACT_MAX);
        if (!(lo <= hi))
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    }
    return NN_OK;
}

nn_status nn_op_average_pool_2d_check(const nn_op_view *op, nn_error *err)
{
    return check(op, err);
}

nn_status nn_op_max_pool_2d_check(const nn_op_view *op, nn_error *err)
{
    return check(op, err);
}

void nn_op_average_pool_2d_eval(const nn_op_view *op, uint8_t *arena)
{
    pool_view v;
    view_of(op, arena, &v);
    nn_k_act16 act = {nn_op_word_i32(op, NN_POOL_ACT_MIN), nn_op_word_i32(op, NN_POOL_ACT_MAX)};
    if (v.kind == POOL_INT16)
        nn_k_avg_pool_s16(&v.win, &act, &v.in_d, v.in.data, &v.out_d, v.out.data);
    else if (v.kind == POOL_INT8)
        nn_k_avg_pool_s8(&v.win, nn_op_word_i32(op, NN_POOL_ACT_MIN),
                         nn_op_word_i32(op, NN_POOL_ACT_MAX), &v.in_d, v.in.data,
                         &v.out_d, v.out.data);
    else
        nn_k_avg_pool_f32(&v.win, nn_op_word_f32(op, NN_POOL_ACT_MIN),
                          nn_op_word_f32(op, NN_POOL_ACT_MAX), &v.in_d, v.in.data,
                          &v.out_d, v.out.data);
}

void nn_op_max_pool_2d_eval(const nn_op_view *op, uint8_t *arena)
{
    pool_view v;
    view_of(op, arena, &v);
    nn_k_act16 act = {nn_op_word_i32(op, NN_POOL_ACT_MIN), nn_op_word_i32(op, NN_POOL_ACT_MAX)};
    if (v.kind == POOL_INT16)
        nn_k_max_pool_s16(&v.win, &act, &v.in_d, v.in.data, &v.out_d, v.out.data);
    else if (v.kind == POOL_INT8)
        nn_k_max_pool_s8(&v.win, nn_op_word_i32(op, NN_POOL_ACT_MIN),
                         nn_op_word_i32(op, NN_POOL_ACT_MAX), &v.in_d, v.in.data,
                         &v.out_d, v.out.data);
    else
        nn_k_max_pool_f32(&v.win, nn_op_word_f32(op, NN_POOL_ACT_MIN),
                          nn_op_word_f32(op, NN_POOL_ACT_MAX), &v.in_d, v.in.data,
                          &v.out_d, v.out.data);
}
