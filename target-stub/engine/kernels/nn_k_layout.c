/*
 * nn_k_layout.c: TRANSPOSE, CONCATENATION and PAD kernels (reference).
 *
 * Pure data movement for any element size. The importers put these at
 * layout boundaries (an ONNX model's NCHW inputs and outputs around an
 * NHWC body) and around convolutions whose padding TFLite cannot express,
 * so they copy whole rows where they can: the innermost dimension of a
 * transpose that keeps it, the inner blocks of a concatenation, the
 * middle of every padded row.
 */
#include <string.h>

#include "../nn_kernels.h"
#include "../nn_params.h"

static void copy_elem(uint8_t *dst, const uint8_t *src, uint32_t size)
{
    switch (size) {
    case 1: *dst = *src; break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    default: memcpy(dst, src, 8); break;
    }
}

/* TRANSPOSE ------------------------------------------------------------------ */

void nn_k_transpose(const nn_k_transpose_dims *d, uint32_t elem_bytes,
                    const void *input, void *output)
{
    const uint8_t *in = input;
    uint8_t *out = output;
    int r = d->rank;
    long in_stride[NN_K_LAYOUT_RANK], step[NN_K_LAYOUT_RANK];
    int32_t extent[NN_K_LAYOUT_RANK], idx[NN_K_LAYOUT_RANK] = {0};

    in_stride[r - 1] = 1;
    for (int k = r - 2; k >= 0; k--)
        in_stride[k] = in_stride[k + 1] * d->dims[k + 1];
    for (int k = 0; k < r; k++) {
        extent[k] = d->dims[d->perm[k]];
        step[k] = in_stride[d->perm[k]];
    }
    /* The innermost output dimension is a run; when it is also the input's
     * innermost, the run is contiguous in both. */
    int32_t n = extent[r - 1];
    long s = step[r - 1];
    uint32_t run = (uint32_t)n * elem_bytes;
    long src = 0;
    for (;;) {
        if (s == 1) {
            memcpy(out, in + src * elem_bytes, run);
        } else {
            for (int32_t i = 0; i < n; i++)
                copy_elem(out + (size_t)i * elem_bytes,
                          in + (src + i * s) * (long)elem_bytes, elem_bytes);
        }
        out += run;
        int k = r - 2;
        for (; k >= 0; k--) {
            src += step[k];
            if (++idx[k] < extent[k])
                break;
            src -= step[k] * extent[k];
            idx[k] = 0;
        }
        if (k < 0)
            return;
    }
}

/* CONCATENATION ----------------------------------------------------------- */

void nn_k_concat(int n, const void *const *inputs, const uint32_t *inner,
                 uint32_t outer, void *output)
{
    uint8_t *out = output;
    for (uint32_t r = 0; r < outer; r++)
        for (int k = 0; k < n; k++) {
            memcpy(out, (const uint8_t *)inputs[k] + (size_t)r * inner[k], inner[k]);
            out += inner[k];
        }
}

/* PAD ------------------------------------------------------------------------ */

/* The input index that output index o of one dimension reads, or -1 for
 * the fill value. */
static int32_t source_index(int mode, int32_t o, int32_t before, int32_t size)
{
    int32_t i = o - before;
    if (i >= 0 && i < size)
        return i;
    if (mode == NN_PAD_CONSTANT)
        return -1;
    if (i < 0)
        return mode == NN_PAD_REFLECT ? -i : -i - 1;
    return mode == NN_PAD_REFLECT ? 2 * (size - 1) - i : 2 * size - 1 - i;
}

void nn_k_pad(const nn_k_pad_dims *d, uint32_t elem_bytes, const void *value,
              const void *input, void *output)
{
    const uint8_t *in = input;
    uint8_t *out = output;
    int r = d->rank;
    int32_t out_dims[NN_K_LAYOUT_RANK], idx[NN_K_LAYOUT_RANK] = {0};
    long in_stride[NN_K_LAYOUT_RANK];

    in_stride[r - 1] = 1;
    for (int k = r - 2; k >= 0; k--)
        in_stride[k] = in_stride[k + 1] * d->in[k + 1];
    for (int k = 0; k < r; k++)
        out_dims[k] = d->before[k] + d->in[k] + d->after[k];
    int32_t row = out_dims[r - 1], size = d->in[r - 1], before = d->before[r - 1];
    for (;;) {
        /* The input row this output row reads, or none (a fill row). */
        long base = 0;
        int fill = 0;
        for (int k = 0; k < r - 1; k++) {
            int32_t i = source_index(d->mode, idx[k], d->before[k], d->in[k]);
            if (i < 0)
                fill = 1;
            else
                base += i * in_stride[k];
        }
        for (int32_t o = 0; o < row; o++) {
            int32_t i = fill ? -1 : source_index(d->mode, o, before, size);
            if (i < 0) {
                copy_elem(out, value, elem_bytes);
            } else if (o == before && d->mode == NN_PAD_CONSTANT) {
                memcpy(out, in + base * (long)elem_bytes, (size_t)size * elem_bytes);
                out += (size_t)size * elem_bytes;
                o += size - 1;
                continue;
            } else {
                copy_elem(out, in + (base + i) * (long)elem_bytes, elem_bytes);
            }
            out += elem_bytes;
        }
        int k = r - 2;
        for (; k >= 0; k--) {
            if (++idx[k] < out_dims[k])
                break;
            idx[k] = 0;
        }
        if (k < 0)
            return;
    }
}
