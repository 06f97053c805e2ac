/*
 * nn_op.h: the interface between the engine core and one op.
 *
 * Namespace: nn_op_ (engine-internal; the host includes it only to share
 * parameter layouts through nn_params.h).
 *
 * Every op supplies two functions, listed in the op table (nn_model.c):
 *  - check: called once by nn_model_open(). Must verify everything eval will
 *    rely on (input/output counts, dtypes, shapes, parameter words, every
 *    parameter offset in bounds), so that eval never fails and never reads
 *    or writes out of bounds.
 *  - eval: computes the outputs. Returns nothing: it cannot fail.
 */
#ifndef NN_OP_H
#define NN_OP_H

#include "nn.h"
#include "nn_blob.h"

/* One op record, decoded in place. */
typedef struct {
    const nn_model *model;
    uint16_t index;     /* position in execution order */
    uint8_t code;       /* nn_opcode */
    uint8_t n_inputs;
    uint8_t n_outputs;
    uint8_t n_words;
    const uint8_t *io;    /* u16 tensor indices: inputs then outputs */
    const uint8_t *words; /* u32 parameter words */
} nn_op_view;

typedef nn_status (*nn_op_check_fn)(const nn_op_view *op, nn_error *err);
typedef void (*nn_op_eval_fn)(const nn_op_view *op, uint8_t *arena);

typedef struct {
    nn_op_check_fn check;
    nn_op_eval_fn eval;
} nn_op_impl;

/* The ops built into this engine, a subset of NN_OP_LIST in any order.
 * An op of the format that is not listed here is refused at open with
 * NN_WHY_OP_MISSING, and HELLO does not announce it. */
#define NN_ENGINE_OPS(X)                    \
    X(FULLY_CONNECTED, fully_connected)     \
    X(ADD, add)                             \
    X(RESHAPE, reshape)                     \
    X(SOFTMAX, softmax)                     \
    X(QUANTIZE, quantize)                   \
    X(DEQUANTIZE, dequantize)               \
    X(LOGISTIC, logistic)                   \
    X(CONV_2D, conv_2d)                     \
    X(DEPTHWISE_CONV_2D, depthwise_conv_2d) \
    X(AVERAGE_POOL_2D, average_pool_2d)     \
    X(MAX_POOL_2D, max_pool_2d)             \
    X(TRANSPOSE, transpose)                 \
    X(MUL, mul)                             \
    X(CONCATENATION, concatenation)         \
    X(PAD, pad)                             \
    X(PADV2, padv2)                         \
    X(MIRROR_PAD, mirror_pad)               \
    X(TANH, tanh)                           \
    X(LEAKY_RELU, leaky_relu)               \
    X(PRELU, prelu)                         \
    X(RELU, relu)                           \
    X(RELU6, relu6)                         \
    X(RELU_N1_TO_1, relu_n1_to_1)           \
    X(LOG_SOFTMAX, log_softmax)             \
    X(MAXIMUM, maximum)                     \
    X(MINIMUM, minimum)

/* Declarations of every built-in op's functions, generated from the list. */
#define NN_X_(e, n)                                                    \
    nn_status nn_op_##n##_check(const nn_op_view *op, nn_error *err); \
    void nn_op_##n##_eval(const nn_op_view *op, uint8_t *arena);
NN_ENGINE_OPS(NN_X_)
#undef NN_X_

/* Helpers for op modules. ------------------------------------------------ */

static inline uint16_t nn_op_input_index(const nn_op_view *op, int i)
{
    return nn_rd_u16(op->io + 2 * i);
}
static inline uint16_t nn_op_output_index(const nn_op_view *op, int i)
{
    return nn_rd_u16(op->io + 2 * (op->n_inputs + i));
}
static inline uint32_t nn_op_word(const nn_op_view *op, int i)
{
    return nn_rd_u32(op->words + 4 * i);
}
static inline int32_t nn_op_word_i32(const nn_op_view *op, int i)
{
    return (int32_t)nn_rd_u32(op->words + 4 * i);
}
static inline float nn_op_word_f32(const nn_op_view *op, int i)
{
    return nn_bits_f32(nn_rd_u32(op->words + 4 * i));
}

/* Tensor view of input/output i (data from the arena or blob). An absent
 * optional input gives a tensor with data == NULL and count == 0. */
void nn_op_input(const nn_op_view *op, int i, uint8_t *arena, nn_tensor *t);
void nn_op_output(const nn_op_view *op, int i, uint8_t *arena, nn_tensor *t);

/* Fills err and returns NN_ERR_BLOB for this op. */
nn_status nn_op_fail(const nn_op_view *op, nn_error *err, nn_why why,
                     int32_t tensor);

/* Blob pointer to `count` u32-sized items at blob offset `off`, or NULL if
 * they are not inside the data region or not 4-aligned. */
const uint8_t *nn_op_blob_array(const nn_op_view *op, uint32_t off,
                                uint32_t count);

/* Checks of common shapes; each returns 1 if fine. */
int nn_op_same_shape(const nn_tensor *a, const nn_tensor *b);
/* 1 if a and b mean the same numbers: both unquantised, or both per
 * tensor with equal scale and zero point (ops that move values without
 * arithmetic need it). */
int nn_op_same_quant(const nn_tensor *a, const nn_tensor *b);

/* The checks of an elementwise op with one input and one output: both
 * present, at least `words` parameter words, the same dtype (float32 or
 * int8) and shape; then words_ok(op, dtype) (may be NULL) for the op's own
 * parameters. NN_OK or nn_op_fail()'s status. */
nn_status nn_op_check_unary(const nn_op_view *op, nn_error *err, uint32_t words,
                            int (*words_ok)(const nn_op_view *op, int dtype));

#endif
