/*
 * nn_op_fully_connected.c: FULLY_CONNECTED, float32, int8, hybrid and 16x8.
 * Parameter words: nn_params.h (NN_FC_*).
 */
#include "../nn_kernels.h"
#include "../nn_op.h"
#include "../nn_params.h"
#include "../nn_sparse.h"

enum { IN = 0, WEIGHTS = 1, BIAS = 2 };

typedef enum { FC_FLOAT, FC_INT8, FC_HYBRID, FC_INT16, FC_BAD } fc_kind;

static fc_kind kind_of(const nn_tensor *in, const nn_tensor *w,
                       const nn_tensor *b, const nn_tensor *out)
{
    int has_bias = b->count > 0;
    if (in->dtype == NN_DT_FLOAT32 && out->dtype == NN_DT_FLOAT32 &&
        (!has_bias || b->dtype == NN_DT_FLOAT32)) {
        if (w->dtype == NN_DT_FLOAT32 || w->dtype == NN_DT_FLOAT16)
            return FC_FLOAT;
        if (w->dtype == NN_DT_INT8 && w->quant != NN_QUANT_NONE)
            return FC_HYBRID;
    }
    if (in->dtype == NN_DT_INT8 && w->dtype == NN_DT_INT8 &&
        out->dtype == NN_DT_INT8 && (!has_bias || b->dtype == NN_DT_INT32))
        return FC_INT8;
    if (in->dtype == NN_DT_INT16 && w->dtype == NN_DT_INT8 &&
        out->dtype == NN_DT_INT16 && (!has_bias || b->dtype == NN_DT_INT64))
        return FC_INT16;
    return FC_BAD;
}

static void dims_of(const nn_tensor *in, const nn_tensor *w, nn_k_fc_dims *d)
{
    d->units = w->dims[0];
    d->depth = w->dims[1];
    d->batches = (int)(in->count / (uint32_t)d->depth);
}

static int shift_ok(int32_t s) { return s >= -31 && s <= 30; }

/* 16x8 words: zero offsets, an int16 activation range, shifts in [-31, 7],
 * and no int64 accumulator can reach 2^47 (products are at most 2^22). */
static nn_status check_s16(const nn_op_view *op, const nn_tensor *b,
                           const nn_k_fc_dims *d, nn_error *err)
{
    int32_t lo = nn_op_word_i32(op, NN_FC_ACT_MIN);
    int32_t hi = nn_op_word_i32(op, NN_FC_ACT_MAX);
    if (lo < INT16_MIN || hi > INT16_MAX || lo > hi || nn_op_word(op, NN_FC_IN_OFFSET) ||
        nn_op_word(op, NN_FC_W_OFFSET) || nn_op_word(op, NN_FC_OUT_OFFSET))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    int64_t room = ((int64_t)1 << 47) - 1 - ((int64_t)d->depth << 22);
    if (room < 0)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, WEIGHTS));
    if (b->count) {
        const int64_t *bias = b->data;
        if (!b->is_const || (uintptr_t)b->data % 8)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
        for (uint32_t u = 0; u < b->count; u++)
            if (bias[u] > room || bias[u] < -room)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
    }
    uint32_t ch = nn_op_word(op, NN_FC_CH_OFF);
    if (ch) {
        const uint8_t *a = nn_op_blob_array(op, ch, 2u * (uint32_t)d->units);
        if (!a)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        for (int u = 0; u < d->units; u++) {
            int32_t s = nn_rd_i32(a + 4 * (d->units + u));
            if (s < -31 || s > 7)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        }
    } else if (nn_op_word_i32(op, NN_FC_SHIFT) < -31 || nn_op_word_i32(op, NN_FC_SHIFT) > 7) {
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    }
    return NN_OK;
}

nn_status nn_op_fully_connected_check(const nn_op_view *op, nn_error *err)
{
    nn_tensor in, w, b, out;
    nn_k_fc_dims d;

    if (op->n_inputs < 2 || op->n_inputs > 3 || op->n_outputs != 1)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < NN_FC_WORDS)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    if (nn_op_input_index(op, IN) == NN_ABSENT ||
        nn_op_input_index(op, WEIGHTS) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    nn_op_input(op, IN, NULL, &in);
    nn_op_input(op, WEIGHTS, NULL, &w);
    if (op->n_inputs == 3)
        nn_op_input(op, BIAS, NULL, &b);
    else
        b.count = 0;
    nn_op_output(op, 0, NULL, &out);

    fc_kind k = kind_of(&in, &w, &b, &out);
    if (k == FC_BAD)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, IN));
    if (w.rank != 2)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, WEIGHTS));
    dims_of(&in, &w, &d);
    if (in.count % (uint32_t)d.depth ||
        out.count != (uint32_t)d.batches * (uint32_t)d.units)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (b.count && b.count != (uint32_t)d.units)
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, BIAS));
    nn_status st = nn_sparse_check_op(op, &w, err);
    if (st != NN_OK)
        return st;

    if (k == FC_INT16)
        return check_s16(op, &b, &d, err);
    if (k == FC_INT8) {
        int32_t lo = nn_op_word_i32(op, NN_FC_ACT_MIN);
        int32_t hi = nn_op_word_i32(op, NN_FC_ACT_MAX);
        int32_t in_off = nn_op_word_i32(op, NN_FC_IN_OFFSET);
        int32_t w_off = nn_op_word_i32(op, NN_FC_W_OFFSET);
        int32_t out_off = nn_op_word_i32(op, NN_FC_OUT_OFFSET);
        if (lo < -128 || hi > 127 || lo > hi || in_off < -127 || in_off > 128 ||
            w_off < -127 || w_off > 128 || out_off < -128 || out_off > 127)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        nn_k_weights kw;
        if (nn_sparse_view(&w, &kw) && w_off != 0)
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        /* The int32 accumulator must not overflow (undefined behaviour in
         * C): every term is at most 255 x 255, and the bias, a constant,
         * is checked value by value. */
        int64_t worst = (int64_t)d.depth * 255 * 255;
        if (b.count) {
            if (!b.is_const)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, nn_op_input_index(op, BIAS));
            nn_op_input(op, BIAS, NULL, &b);
            int64_t big = 0;
            for (uint32_t u = 0; u < b.count; u++) {
                int64_t v = ((const int32_t *)b.data)[u];
                if (v < 0)
                    v = -v;
                if (v > big)
                    big = v;
            }
            worst += big;
        }
        if (worst > INT32_MAX)
            return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_input_index(op, WEIGHTS));
        uint32_t ch = nn_op_word(op, NN_FC_CH_OFF);
        if (ch) {
            const uint8_t *a = nn_op_blob_array(op, ch, 2u * (uint32_t)d.units);
            if (!a)
                return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
            for (int u = 0; u < d.units; u++)
                if (!shift_ok(nn_rd_i32(a + 4 * (d.units + u))))
                    return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        } else if (!shift_ok(nn_op_word_i32(op, NN_FC_SHIFT))) {
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        }
    } else {
        float lo = nn_op_word_f32(op, NN_FC_ACT_MIN);
        float hi = nn_op_word_f32(op, NN_FC_ACT_MAX);
        if (!(lo <= hi))
            return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
        if (k == FC_HYBRID) {
            if (w.zero_point < -128 || w.zero_point > 127)
                return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_input_index(op, WEIGHTS));
            if (w.quant == NN_QUANT_CHANNEL &&
                (w.axis != 0 || w.channels != (uint32_t)d.units))
                return nn_op_fail(op, err, NN_WHY_QUANT, nn_op_input_index(op, WEIGHTS));
        }
    }
    return NN_OK;
}

void nn_op_fully_connected_eval(const nn_op_view *op, uint8_t *arena)
{
    nn_tensor in, w, b, out;
    nn_k_fc_dims d;

    nn_op_input(op, IN, arena, &in);
    nn_op_input(op, WEIGHTS, arena, &w);
    if (op->n_inputs == 3)
        nn_op_input(op, BIAS, arena, &b);
    else
        b.count = 0, b.data = 0;
    nn_op_output(op, 0, arena, &out);
    dims_of(&in, &w, &d);
    nn_k_weights kw;
    int packed = nn_sparse_view(&w, &kw);

    switch (kind_of(&in, &w, &b, &out)) {
    case FC_INT8: {
        nn_k_fc_s8_params p = {
            .input_offset = nn_op_word_i32(op, NN_FC_IN_OFFSET),
            .weights_offset = nn_op_word_i32(op, NN_FC_W_OFFSET),
            .output_offset = nn_op_word_i32(op, NN_FC_OUT_OFFSET),
            .act_min = nn_op_word_i32(op, NN_FC_ACT_MIN),
            .act_max = nn_op_word_i32(op, NN_FC_ACT_MAX),
        };
        int32_t mult = nn_op_word_i32(op, NN_FC_MULT);
        int32_t shift = nn_op_word_i32(op, NN_FC_SHIFT);
        uint32_t ch = nn_op_word(op, NN_FC_CH_OFF);
        nn_k_requant rq = {&mult, &shift, 0};
        if (ch) {
            const int32_t *a = (const int32_t *)(const void *)(op->model->blob + ch);
            rq.mult = a;
            rq.shift = a + d.units;
            rq.stride = 1;
        }
        if (packed)
            nn_k_fc_packed_s8(&d, &p, &rq, in.data, &kw, b.count ? b.data : 0, out.data);
        else
            nn_k_fc_s8(&d, &p, &rq, in.data, w.data, b.count ? b.data : 0, out.data);
        break;
    }
    case FC_FLOAT:
        if (packed) {
            nn_k_fc_packed_f32(&d, nn_op_word_f32(op, NN_FC_ACT_MIN),
                               nn_op_word_f32(op, NN_FC_ACT_MAX), in.data, &kw,
                               b.count ? b.data : 0, out.data);
            break;
        }
        nn_k_fc_f32(&d, nn_op_word_f32(op, NN_FC_ACT_MIN),
                    nn_op_word_f32(op, NN_FC_ACT_MAX), in.data, w.data,
                    b.count ? b.data : 0, out.data);
        break;
    case FC_HYBRID: {
        if (packed) {
            nn_k_fc_packed_f32(&d, nn_op_word_f32(op, NN_FC_ACT_MIN),
                               nn_op_word_f32(op, NN_FC_ACT_MAX), in.data, &kw,
                               b.count ? b.data : 0, out.data);
            break;
        }
        int per_ch = w.quant == NN_QUANT_CHANNEL;
        nn_k_fc_hybrid(&d, nn_op_word_f32(op, NN_FC_ACT_MIN),
                       nn_op_word_f32(op, NN_FC_ACT_MAX), in.data, w.data,
                       per_ch ? w.scales : &w.scale, per_ch, w.zero_point,
                       b.count ? b.data : 0, out.data);
        break;
    }
    case FC_INT16: {
        nn_k_act16 p = {nn_op_word_i32(op, NN_FC_ACT_MIN), nn_op_word_i32(op, NN_FC_ACT_MAX)};
        int32_t mult = nn_op_word_i32(op, NN_FC_MULT);
        int32_t shift = nn_op_word_i32(op, NN_FC_SHIFT);
        uint32_t ch = nn_op_word(op, NN_FC_CH_OFF);
        nn_k_requant rq = {&mult, &shift, 0};
        if (ch) {
            const int32_t *a = (const int32_t *)(const void *)(op->model->blob + ch);
            rq.mult = a;
            rq.shift = a + d.units;
            rq.stride = 1;
        }
        nn_k_fc_s16(&d, &p, &rq, in.data, w.data, b.count ? b.data : 0, out.data);
        break;
    }
    case FC_BAD:
        break;
    }
}
