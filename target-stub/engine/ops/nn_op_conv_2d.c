/*
 * nn_op_conv_2d.c: CONV_2D, float32, int8, hybrid and 16x8, with groups; and the
 * checks and argument set-up it shares with DEPTHWISE_CONV_2D
 * (nn_op_conv.h). Parameter words: nn_params.h (NN_CONV_*).
 */
#include "../nn_params.h"
#include "../nn_sparse.h"
#include "nn_op_conv.h"

enum { IN = 0, FILTER = 1, BIAS = 2 };

/* Worst |w * (x + input_offset)|: 128 x 255. */
#define MAX_PRODUCT 32640

static nn_conv_kind kind_of(const nn_tensor *in, const nn_tensor *w,
                            const nn_tensor *b, const nn_tensor *out)
{
    int has_bias = b->count > 0;
    if (in->dtype == NN_DT_FLOAT32 && out->dtype == NN_DT_FLOAT32 &&
        (!has_bias || b->dtype == NN_DT_FLOAT32)) {
        if (w->dtype == NN_DT_FLOAT32 || w->dtype == NN_DT_FLOAT16)
            return NN_CONV_KIND_FLOAT;
        if (w->dtype == NN_DT_INT8 && w->quant != NN_QUANT_NONE)
            return NN_CONV_KIND_HYBRID;
    }
    if (in->dtype == NN_DT_INT8 && w->dtype == NN_DT_INT8 &&
        out->dtype == NN_DT_INT8 && (!has_bias || b->dtype == NN_DT_INT32))
        return NN_CONV_KIND_INT8;
    if (in->dtype == NN_DT_INT16 && w->dtype == NN_DT_INT8 &&
        out->dtype == NN_DT_INT16 && (!has_bias || b->dtype == NN_DT_INT64))
        return NN_CONV_KIND_INT16;
    return NN_CONV_KIND_BAD;
}

static nn_k_dims nhwc(const nn_tensor *t)
{
    nn_k_dims d = {t->dims[0], t->dims[1], t->dims[2], t->dims[3]};
    return d;
}

static int shift_ok(int32_t s) { return s >= -31 && s <= 30; }

nn_status nn_op_conv_check_io(const nn_op_view *op, int n_words, nn_error *err)
{
    if (op->n_inputs < 2 || op->n_inputs > 3 || op->n_outputs != 1 ||
        nn_op_input_index(op, IN) == NN_ABSENT ||
        nn_op_input_index(op, FILTER) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < n_words)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

void nn_op_conv_view(const nn_op_view *op, uint8_t *arena, nn_conv_view *v)
{
    nn_op_input(op, IN, arena, &v->in);
    nn_op_input(op, FILTER, arena, &v->w);
    if (op->n_inputs == 3)
        nn_op_input(op, BIAS, arena, &v->b);
    else
        v->b.count = 0, v->b.data = 0;
    nn_op_output(op, 0, arena, &v->out);
    v->kind = kind_of(&v->in, &v->w, &v->b, &v->out);
    v->in_d = nhwc(&v->in);
    v->w_d = nhwc(&v->w);
    v->out_d = nhwc(&v->out);
    v->win.stride.h = nn_op_word_i32(op, NN_CONV_STRIDE_H);
    v->win.stride.w = nn_op_word_i32(op, NN_CONV_STRIDE_W);
    v->win.dilation.h = nn_op_word_i32(op, NN_CONV_DIL_H);
    v->win.dilation.w = nn_op_word_i32(op, NN_CONV_DIL_W);
    v->win.padding.h = nn_op_word_i32(op, NN_CONV_PAD_H);
    v->win.padding.w = nn_op_word_i32(op, NN_CONV_PAD_W);
    v->win.filter.h = v->w_d.h;
    v->win.filter.w = v->w_d.w;
}

/* int8 words: activation range, offsets, shifts, and that no accumulator
 * (taps products plus the bias) can overflow int32. */
static nn_status check_s8(const nn_op_view *op, const nn_conv_view *v,
                          int64_t taps, nn_error *err)
{
    int32_t lo = nn_op_word_i32(op, NN_CONV_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_CONV_ACT_MAX);
    int32_t in_off = nn_op_word_i32(op, NN_CONV_IN_OFFSET);
    int32_t out_off = nn_op_word_i32(op, NN_CONV_OUT_OFFSET);
    int channels = v->out_d.c;
    if (lo < -128 || hi > 127 || lo > hi || in_off < -127 || in_off > 128 ||
        out_off < -128 || out_off > 127)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    uint32_t ch = nn_op_word(op, NN_CONV_CH_OFF);
    if (ch) {
        const uint8_t *a = nn_op_blob_array(op, ch, 2u * (uint32_t)channels);
        if (!a)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        for (int c = 0; c < channels; c++)
            if (!shift_ok(nn_rd_i32(a + 4 * (channels + c))))
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    } else if (!shift_ok(nn_op_word_i32(op, NN_CONV_SHIFT))) {
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    }
    int64_t room = INT32_MAX - taps * MAX_PRODUCT;
    if (room < 0)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, FILTER));
    if (v->b.count) {
        /* Only a constant bias can be checked here, once. */
        if (!v->b.is_const)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
        const int32_t *bias = v->b.data;
        for (int c = 0; c < channels; c++) {
            int64_t x = bias[c];
            if ((x < 0 ? -x : x) > room)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
        }
    }
    return NN_OK;
}

/* 16x8 words: zero offsets, an int16 activation range, shifts in [-31, 7]
 * (the 64-bit requantisation's range), and no int64 accumulator (taps
 * products of at most 2^22, plus the bias) can reach 2^47. */
static nn_status check_s16(const nn_op_view *op, const nn_conv_view *v,
                           int64_t taps, nn_error *err)
{
    int32_t lo = nn_op_word_i32(op, NN_CONV_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_CONV_ACT_MAX);
    int channels = v->out_d.c;
    if (lo < INT16_MIN || hi > INT16_MAX || lo > hi || nn_op_word(op, NN_CONV_IN_OFFSET) ||
        nn_op_word(op, NN_CONV_OUT_OFFSET))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    uint32_t ch = nn_op_word(op, NN_CONV_CH_OFF);
    const uint8_t *a = ch ? nn_op_blob_array(op, ch, 2u * (uint32_t)channels) : 0;
    if (ch && !a)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    for (int c = 0; c < (ch ? channels : 1); c++) {
        int32_t s = ch ? nn_rd_i32(a + 4 * (channels + c)) : nn_op_word_i32(op, NN_CONV_SHIFT);
        if (s < -31 || s > 7)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    }
    if (taps > ((int64_t)1 << 24))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, FILTER));
    int64_t room = ((int64_t)1 << 47) - 1 - (taps << 22);
    if (v->b.count) {
        if (!v->b.is_const || (uintptr_t)v->b.data % 8)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
        const int64_t *bias = v->b.data;
        for (int c = 0; c < channels; c++)
            if (bias[c] > room || bias[c] < -room)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
    }
    return NN_OK;
}

nn_k_act16 nn_op_conv_act16(const nn_op_view *op)
{
    nn_k_act16 p = {nn_op_word_i32(op, NN_CONV_ACT_MIN), nn_op_word_i32(op, NN_CONV_ACT_MAX)};
    return p;
}

nn_status nn_op_conv_check(const nn_op_view *op, const nn_conv_view *v,
                           int64_t taps, int axis, nn_error *err)
{
    const nn_k_window *win = &v->win;
    if (win->stride.h < 1 || win->stride.w < 1 || win->dilation.h < 1 ||
        win->dilation.w < 1 || win->padding.h < 0 || win->padding.w < 0)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    if (v->in_d.n != v->out_d.n ||
        !nn_op_window_ok(v->in_d.h, v->out_d.h, v->w_d.h, win->stride.h,
                         win->dilation.h, win->padding.h) ||
        !nn_op_window_ok(v->in_d.w, v->out_d.w, v->w_d.w, win->stride.w,
                         win->dilation.w, win->padding.w))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (v->b.count && v->b.count != (uint32_t)v->out_d.c)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, BIAS));
    nn_status st = nn_sparse_check_op(op, &v->w, err);
    if (st != NN_OK)
        return st;

    if (v->kind == NN_CONV_KIND_INT8)
        return check_s8(op, v, taps, err);
    if (v->kind == NN_CONV_KIND_INT16)
        return check_s16(op, v, taps, err);
    float lo = nn_op_word_f32(op, NN_CONV_ACT_MIN);
    float hi = nn_op_word_f32(op, NN_CONV_ACT_MAX);
    if (!(lo <= hi))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    if (v->kind == NN_CONV_KIND_HYBRID) {
        const nn_tensor *w = &v->w;
        if ((w->quant == NN_QUANT_CHANNEL &&
             (w->axis != axis || w->channels != (uint32_t)v->out_d.c)) ||
            w->zero_point < -128 || w->zero_point > 127)
            return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_input_index(op, FILTER));
    }
    return NN_OK;
}

void nn_op_conv_s8_args(const nn_op_view *op, const nn_conv_view *v,
                        nn_k_conv_s8_params *p, nn_k_requant *rq,
                        int32_t *mult, int32_t *shift)
{
    p->input_offset = nn_op_word_i32(op, NN_CONV_IN_OFFSET);
    p->output_offset = nn_op_word_i32(op, NN_CONV_OUT_OFFSET);
    p->act_min = nn_op_word_i32(op, NN_CONV_ACT_MIN);
    p->act_max = nn_op_word_i32(op, NN_CONV_ACT_MAX);
    *mult = nn_op_word_i32(op, NN_CONV_MULT);
    *shift = nn_op_word_i32(op, NN_CONV_SHIFT);
    uint32_t ch = nn_op_word(op, NN_CONV_CH_OFF);
    if (ch) {
        const int32_t *a = (const int32_t *)(const void *)(op->model->blob + ch);
        rq->mult = a;
        rq->shift = a + v->out_d.c;
        rq->stride = 1;
    } else {
        rq->mult = mult;
        rq->shift = shift;
        rq->stride = 0;
    }
}

void nn_op_conv_dequant(const nn_conv_view *v, nn_k_dequant *dq)
{
    int per_ch = v->w.quant == NN_QUANT_CHANNEL;
    dq->scales = per_ch ? v->w.scales : &v->w.scale;
    dq->stride = per_ch;
    dq->zero_point = v->w.zero_point;
}

/* CONV_2D itself ---------------------------------------------------------- */

nn_status nn_op_conv_2d_check(const nn_op_view *op, nn_error *err)
{
    nn_conv_view v;
    nn_status st = nn_op_conv_check_io(op, NN_CONV_WORDS, err);
    if (st != NN_OK)
        return st;
    nn_op_conv_view(op, NULL, &v);
    if (v.kind == NN_CONV_KIND_BAD)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, IN));
    if (v.in.rank != 4 || v.w.rank != 4 || v.out.rank != 4)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    /* Filters [C_OUT, KH, KW, C_F]; C_F divides C_IN into groups that
     * divide the output channels. */
    if (v.w_d.n != v.out_d.c || v.in_d.c % v.w_d.c ||
        v.out_d.c % (v.in_d.c / v.w_d.c))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, FILTER));
    int64_t taps = (int64_t)v.w_d.h * v.w_d.w * v.w_d.c;
    return nn_op_conv_check(op, &v, taps, 0, err);
}

void nn_op_conv_2d_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_conv_view v;
    nn_op_conv_view(op, arena, &v);
    const void *bias = v.b.count ? v.b.data : 0;
    if (nn_op_conv_packed_eval(op, &v, 0))
        return;

    switch (v.kind) {
    case NN_CONV_KIND_INT8: {
        nn_k_conv_s8_params p;
        nn_k_requant rq;
        int32_t mult, shift;
        nn_op_conv_s8_args(op, &v, &p, &rq, &mult, &shift);
        nn_k_conv_s8(&v.win, &p, &rq, &v.in_d, v.in.data, &v.w_d, v.w.data, bias,
                     &v.out_d, v.out.data);
        break;
    }
    case NN_CONV_KIND_INT16: {
        nn_k_conv_s8_params p;
        nn_k_requant rq;
        int32_t mult, shift;
        nn_k_act16 act = nn_op_conv_act16(op);
        nn_op_conv_s8_args(op, &v, &p, &rq, &mult, &shift);
        nn_k_conv_s16(&v.win, &act, &rq, &v.in_d, v.in.data, &v.w_d, v.w.data, bias,
                      &v.out_d, v.out.data);
        break;
    }
    case NN_CONV_KIND_FLOAT:
        nn_k_conv_f32(&v.win, nn_op_word_f32(op, NN_CONV_ACT_MIN),
                      nn_op_word_f32(op, NN_CONV_ACT_MAX), &v.in_d, v.in.data, &v.w_d,
                      v.w.data, bias, &v.out_d, v.out.data);
        break;
    case NN_CONV_KIND_HYBRID: {
        nn_k_dequant dq;
        nn_op_conv_dequant(&v, &dq);
        nn_k_conv_hybrid(&v.win, nn_op_word_f32(op, NN_CONV_ACT_MIN),
                         nn_op_word_f32(op, NN_CONV_ACT_MAX), &dq, &v.in_d, v.in.data,
                         &v.w_d, v.w.data, bias, &v.out_d, v.out.data);
        break;
    }
    case NN_CONV_KIND_BAD:
        break;
    }
}
