/*
 * nn_types.h: the vocabulary shared by the engine, the stub and the host.
 *
 * Namespace: every public name starts with nn_ / NN_.
 *
 * The dtype and op lists are X-macros so that the enum, the names used in
 * logs, reports and the database, and the dispatch table can never drift
 * apart. Numbers are part of the blob format (docs/model-format.md): append
 * new entries at the end of a list, never reorder.
 *
 * Freestanding C11: only <stdint.h> and <stddef.h>.
 */
#ifndef NN_TYPES_H
#define NN_TYPES_H

#include <stddef.h>
#include <stdint.h>

#define NN_MAX_RANK 6      /* most dimensions a tensor may have */
#define NN_MAX_OP_IO 16    /* most input + output tensors of one op */
#define NN_ALIGN 16        /* arena and blob data alignment, bytes */
#define NN_ABSENT 0xFFFFu  /* tensor index of an absent optional input */

/* X(ENUM, name, element bytes) */
#define NN_DTYPE_LIST(X)     \
    X(FLOAT32, float32, 4)   \
    X(INT8, int8, 1)         \
    X(INT16, int16, 2)       \
    X(INT32, int32, 4)       \
    X(UINT8, uint8, 1)       \
    X(FLOAT16, float16, 2)   \
    X(INT64, int64, 8)       \
    X(BOOL, bool, 1)

typedef enum {
#define NN_X_(e, n, b) NN_DT_##e,
    NN_DTYPE_LIST(NN_X_)
#undef NN_X_
    NN_DT_COUNT
} nn_dtype;

/* X(ENUM, name). The name is the op's TFLite spelling in lower case. */
#define NN_OP_LIST(X)                       \
    X(FULLY_CONNECTED, fully_connected)     \
    X(CONV_2D, conv_2d)                     \
    X(DEPTHWISE_CONV_2D, depthwise_conv_2d) \
    X(AVERAGE_POOL_2D, average_pool_2d)     \
    X(MAX_POOL_2D, max_pool_2d)             \
    X(ADD, add)                             \
    X(RESHAPE, reshape)                     \
    X(SOFTMAX, softmax)                     \
    X(QUANTIZE, quantize)                   \
    X(DEQUANTIZE, dequantize)               \
    X(LOGISTIC, logistic)                   \
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

typedef enum {
#define NN_X_(e, n) NN_OP_##e,
    NN_OP_LIST(NN_X_)
#undef NN_X_
    NN_OP_COUNT
} nn_opcode;

/* Fused activations, as TFLite numbers them. */
typedef enum {
    NN_ACT_NONE = 0,
    NN_ACT_RELU = 1,
    NN_ACT_RELU_N1_TO_1 = 2,
    NN_ACT_RELU6 = 3,
    NN_ACT_TANH = 4,
    NN_ACT_SIGN_BIT = 5
} nn_activation;

typedef enum { NN_PAD_SAME = 0, NN_PAD_VALID = 1 } nn_padding;

/* Returns "float32", "int8", ... or "?" for an unknown value. */
const char *nn_dtype_name(int dtype);
/* Bytes per element, 0 for an unknown dtype. */
uint32_t nn_dtype_bytes(int dtype);
/* Returns "FULLY_CONNECTED", ... or "?" for an unknown value. */
const char *nn_op_name(int op);

#endif
