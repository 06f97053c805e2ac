/*
 * nn_sparse.h: sparse and half-float constants (blob kinds 2 and 3, float16
 * weights): their validation at open and the view the kernels take.
 *
 * Namespace: nn_sparse_ (engine-internal).
 *
 * Layout (docs/model-format.md, "Sparse constants"): at the tensor's
 * offset a mask of `bits` bits (kind 2: one per element; kind 3: one per
 * channel along the record's kind axis), LSB first, zero-padded to a
 * multiple of 4 bytes (nn_blob_mask_bytes), then the stored values in
 * element order. Only the inputs nn_blob_sparse_axis() names may be
 * sparse; nn_model.c refuses any other.
 */
#ifndef NN_SPARSE_H
#define NN_SPARSE_H

#include "nn_kernels.h"
#include "nn_op.h"

/* Checks the sparse constant whose record is rec and whose data (bytes
 * long, already proven inside the data region and 4-aligned) is at data:
 * mask bits past the end and padding zero, and the stored bytes equal to
 * the mask's popcount x values per bit x esize. count: elements of the
 * shape. Returns NN_WHY_NONE or the reason. */
nn_why nn_sparse_check_tensor(const uint8_t *rec, const uint8_t *data,
                              uint64_t bytes, uint64_t count, uint32_t esize);

/* 1 if weights w need the packed kernels (a sparse kind, or float16);
 * then *kw describes them. */
int nn_sparse_view(const nn_tensor *w, nn_k_weights *kw);

/* An op's checks of packed weights (input 1), for any op that calls
 * nn_sparse_view() in eval: values float32, float16 or int8 with every zero
 * point 0; a channel mask along the op's output-channel dimension; a
 * DEPTHWISE_CONV_2D bitmap of at most NN_K_PACKED_DW_TAPS taps. NN_OK for
 * weights that are not packed. */
nn_status nn_sparse_check_op(const nn_op_view *op, const nn_tensor *w,
                             nn_error *err);

#endif
