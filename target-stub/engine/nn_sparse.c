/*
 * nn_sparse.c: sparse constants: validation once at open, views for the
 * packed kernels (nn_sparse.h).
 */
#include "nn_sparse.h"

static uint32_t pop8(uint32_t b)
{
    b = b - ((b >> 1) & 0x55u);
    b = (b & 0x33u) + ((b >> 2) & 0x33u);
    return (b + (b >> 4)) & 0x0fu;
}

_Static_assert(NN_K_PACKED_DW_TAPS == NN_BLOB_SPARSE_DW_TAPS,
               "the writer and the kernel must agree on the tap limit");

nn_why nn_sparse_check_tensor(const uint8_t *rec, const uint8_t *data,
                              uint64_t bytes, uint64_t count, uint32_t esize)
{
    uint64_t bits = count, per_bit = 1;
    if (rec[NN_BT_KIND] == NN_KIND_CHANNELS) {
        uint8_t axis = rec[NN_BT_KIND_AXIS];
        if (axis >= rec[NN_BT_RANK])
            return NN_WHY_SPARSE;
        bits = (uint64_t)nn_rd_i32(rec + NN_BT_DIMS + 4 * axis);
        per_bit = count / bits;
    }
    uint64_t mask = nn_blob_mask_bytes(bits);
    if (bytes < mask)
        return NN_WHY_SPARSE;
    uint64_t kept = 0;
    for (uint64_t k = 0; k < mask; k++) {
        uint32_t b = data[k];
        /* Bits past the last one, and the padding, must be zero. */
        if (8 * k + 8 > bits && (b >> (8 * k < bits ? bits - 8 * k : 0)))
            return NN_WHY_SPARSE;
        kept += pop8(b);
    }
    return bytes - mask == kept * per_bit * esize ? NN_WHY_NONE : NN_WHY_SPARSE;
}

int nn_sparse_view(const nn_tensor *w, nn_k_weights *kw)
{
    int per_ch = w->quant == NN_QUANT_CHANNEL;
    const uint8_t *data = w->data;
    kw->layout = NN_K_DENSE;
    kw->value = w->dtype == NN_DT_FLOAT16 ? NN_K_F16 : w->dtype == NN_DT_INT8 ? NN_K_S8 : NN_K_F32;
    kw->mask = 0;
    kw->values = data;
    kw->scales = per_ch ? w->scales : &w->scale;
    kw->scale_stride = per_ch;
    if (w->kind == NN_KIND_SPARSE) {
        kw->layout = NN_K_BITMAP;
        kw->mask = data;
        kw->values = data + nn_blob_mask_bytes(w->count);
    } else if (w->kind == NN_KIND_CHANNELS) {
        kw->layout = NN_K_CHANNELS;
        kw->mask = data;
        kw->values = data + nn_blob_mask_bytes((uint32_t)w->dims[w->kind_axis]);
    }
    return kw->layout != NN_K_DENSE || kw->value == NN_K_F16;
}

nn_status nn_sparse_check_op(const nn_op_view *op, const nn_tensor *w, nn_error *err)
{
    nn_k_weights kw;
    uint16_t t = nn_op_input_index(op, 1);
    if (!nn_sparse_view(w, &kw))
        return NN_OK;
    if (w->dtype != NN_DT_FLOAT32 && w->dtype != NN_DT_FLOAT16 && w->dtype != NN_DT_INT8)
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, t);
    /* The packed kernels compute in float32 or int8 (not 16x8). */
    nn_tensor in;
    nn_op_input(op, 0, 0, &in);
    if (in.dtype != NN_DT_FLOAT32 && in.dtype != NN_DT_INT8)
        return nn_op_fail(op, err, NN_WHY_OP_SPARSE, t);
    if (w->dtype == NN_DT_INT8) {
        /* A skipped int8 weight is q = 0, which is a real zero only when
         * the zero point is. */
        uint32_t n = w->quant == NN_QUANT_CHANNEL ? w->channels : 1;
        for (uint32_t c = 0; c < n; c++)
            if ((w->quant == NN_QUANT_CHANNEL ? w->zero_points[c] : w->zero_point) != 0)
                return nn_op_fail(op, err, NN_WHY_QUANT, t);
    }
    if (kw.layout == NN_K_CHANNELS && w->kind_axis != nn_blob_sparse_axis(op->code, 1))
        return nn_op_fail(op, err, NN_WHY_OP_SPARSE, t);
    if (kw.layout == NN_K_BITMAP && op->code == NN_OP_DEPTHWISE_CONV_2D &&
        (int64_t)w->dims[1] * w->dims[2] > NN_K_PACKED_DW_TAPS)
        return nn_op_fail(op, err, NN_WHY_OP_SPARSE, t);
    return NN_OK;
}
