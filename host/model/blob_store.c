/*
 * blob_store.c: dense or sparse storage of the blob's constants
 * (blob_store.h).
 */
#include "blob_store.h"

#include <string.h>

#include "../../target-stub/engine/nn_blob.h"

static int is_zero(const uint8_t *p, uint32_t esize)
{
    for (uint32_t b = 0; b < esize; b++)
        if (p[b])
            return 0;
    return 1;
}

/* -1 if t must be dense; else 1, with *axis the channel dimension all its
 * readers agree on (-1 if they disagree) and *bitmap_ok. */
static int sparse_allowed(const graph *g, int t, int *axis, int *bitmap_ok)
{
    const graph_tensor *gt = &g->tensors[t];
    int readers = 0;
    *axis = -2;
    *bitmap_ok = 1;
    if (gt->dtype != NN_DT_FLOAT32 && gt->dtype != NN_DT_FLOAT16 && gt->dtype != NN_DT_INT8)
        return -1;
    for (int q = 0; q < gt->n_quant; q++)
        if (gt->zero_points[q] != 0)
            return -1;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        for (int k = 0; k < o->n_inputs; k++) {
            if (o->inputs[k] != t)
                continue;
            int a = nn_blob_sparse_axis(o->op, k);
            int in_dt = o->inputs[0] >= 0 ? g->tensors[o->inputs[0]].dtype : -1;
            /* The packed kernels compute in float32 or int8. */
            if (a < 0 || a >= gt->rank || (in_dt != NN_DT_FLOAT32 && in_dt != NN_DT_INT8))
                return -1;
            *axis = *axis == -2 || *axis == a ? a : -1;
            if (o->op == NN_OP_DEPTHWISE_CONV_2D &&
                (gt->rank != 4 || (int64_t)gt->dims[1] * gt->dims[2] > NN_BLOB_SPARSE_DW_TAPS))
                *bitmap_ok = 0;
            readers++;
        }
    }
    return readers ? 1 : -1;
}

/* Nonzero channel c along axis: elements with that index on the axis. */
static int channel_nonzero(const graph_tensor *gt, int axis, int32_t c, uint32_t esize)
{
    size_t inner = 1, outer = 1;
    for (int d = axis + 1; d < gt->rank; d++)
        inner *= (size_t)gt->dims[d];
    for (int d = 0; d < axis; d++)
        outer *= (size_t)gt->dims[d];
    for (size_t o = 0; o < outer; o++) {
        size_t base = (o * (size_t)gt->dims[axis] + (size_t)c) * inner;
        for (size_t i = 0; i < inner; i++)
            if (!is_zero(gt->data + (base + i) * esize, esize))
                return 1;
    }
    return 0;
}

blob_store blob_store_choose(const graph *g, int t)
{
    const graph_tensor *gt = &g->tensors[t];
    blob_store best = {NN_KIND_CONST, 0, graph_tensor_bytes(gt)};
    int axis, bitmap_ok;
    if (!gt->data || sparse_allowed(g, t, &axis, &bitmap_ok) < 0)
        return best;
    uint32_t esize = nn_dtype_bytes(gt->dtype);
    size_t count = graph_tensor_count(gt), nonzero = 0;
    for (size_t i = 0; i < count; i++)
        nonzero += !is_zero(gt->data + i * esize, esize);
    uint64_t bitmap = nn_blob_mask_bytes(count) + (uint64_t)nonzero * esize;
    if (bitmap_ok && bitmap < best.bytes)
        best = (blob_store){NN_KIND_SPARSE, 0, bitmap};
    if (axis >= 0) {
        int32_t n = gt->dims[axis], kept = 0;
        for (int32_t c = 0; c < n; c++)
            kept += channel_nonzero(gt, axis, c, esize);
        uint64_t channels =
            nn_blob_mask_bytes((uint64_t)n) + (uint64_t)kept * (count / (size_t)n) * esize;
        if (channels < best.bytes || (channels == best.bytes && best.kind == NN_KIND_SPARSE))
            best = (blob_store){NN_KIND_CHANNELS, (uint8_t)axis, channels};
    }
    return best;
}

void blob_store_write(const graph *g, int t, const blob_store *s, uint8_t *out)
{
    const graph_tensor *gt = &g->tensors[t];
    uint32_t esize = nn_dtype_bytes(gt->dtype);
    size_t count = graph_tensor_count(gt);
    if (s->kind == NN_KIND_CONST) {
        memcpy(out, gt->data, graph_tensor_bytes(gt));
        return;
    }
    if (s->kind == NN_KIND_SPARSE) {
        uint8_t *v = out + nn_blob_mask_bytes(count);
        for (size_t i = 0; i < count; i++) {
            const uint8_t *e = gt->data + i * esize;
            if (is_zero(e, esize))
                continue;
            out[i / 8] |= (uint8_t)(1u << (i % 8));
            memcpy(v, e, esize);
            v += esize;
        }
        return;
    }
    /* Channels: the mask, then the dense tensor without the dropped
     * channels, in element order. */
    int axis = s->axis;
    int32_t n = gt->dims[axis];
    size_t inner = 1;
    for (int d = axis + 1; d < gt->rank; d++)
        inner *= (size_t)gt->dims[d];
    for (int32_t c = 0; c < n; c++)
        if (channel_nonzero(gt, axis, c, esize))
            out[c / 8] |= (uint8_t)(1u << (c % 8));
    uint8_t *v = out + nn_blob_mask_bytes((uint64_t)n);
    for (size_t i = 0; i < count; i++) {
        size_t c = i / inner % (size_t)n;
        if (!(out[c / 8] >> (c % 8) & 1))
            continue;
        memcpy(v, gt->data + i * esize, esize);
        v += esize;
    }
}
