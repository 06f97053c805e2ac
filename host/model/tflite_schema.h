/*
 * tflite_schema.h: facts of the TFLite FlatBuffer schema (version 3) that
 * the reader and writer share.
 *
 * Namespace: tflite_ / TFLITE_. Internal to the tflite module and its tests.
 *
 * Field ids are the declaration order of each table in schema.fbs; a union
 * field takes two ids (its `_type` byte, then the offset). Union member
 * numbers count from 1 (0 is NONE). All values are part of the format:
 * never renumber.
 */
#ifndef TFLITE_SCHEMA_H
#define TFLITE_SCHEMA_H

#include <stdint.h>

#include "../../target-stub/engine/nn_types.h"

#define TFLITE_SCHEMA_VERSION 3u
#define TFLITE_FILE_ID "TFL3"
/* deprecated_builtin_code is a byte: codes above this live only in
 * builtin_code (PLACEHOLDER_FOR_GREATER_OP_CODES). */
#define TFLITE_MAX_DEPRECATED_CODE 127

enum { /* table Model */
    TFLITE_MODEL_VERSION = 0,
    TFLITE_MODEL_OPERATOR_CODES = 1,
    TFLITE_MODEL_SUBGRAPHS = 2,
    TFLITE_MODEL_DESCRIPTION = 3,
    TFLITE_MODEL_BUFFERS = 4,
    TFLITE_MODEL_METADATA_BUFFER = 5,
    TFLITE_MODEL_METADATA = 6,
    TFLITE_MODEL_SIGNATURE_DEFS = 7
};

enum { /* table OperatorCode */
    TFLITE_OPCODE_DEPRECATED_BUILTIN_CODE = 0, /* byte */
    TFLITE_OPCODE_CUSTOM_CODE = 1,             /* string */
    TFLITE_OPCODE_VERSION = 2,                 /* int = 1 */
    TFLITE_OPCODE_BUILTIN_CODE = 3             /* int (BuiltinOperator) */
};

enum { /* table SubGraph */
    TFLITE_SUBGRAPH_TENSORS = 0,
    TFLITE_SUBGRAPH_INPUTS = 1,
    TFLITE_SUBGRAPH_OUTPUTS = 2,
    TFLITE_SUBGRAPH_OPERATORS = 3,
    TFLITE_SUBGRAPH_NAME = 4
};

enum { /* table Tensor */
    TFLITE_TENSOR_SHAPE = 0,          /* [int] */
    TFLITE_TENSOR_TYPE = 1,           /* byte (TensorType) */
    TFLITE_TENSOR_BUFFER = 2,         /* uint, index into Model.buffers */
    TFLITE_TENSOR_NAME = 3,           /* string */
    TFLITE_TENSOR_QUANTIZATION = 4,   /* QuantizationParameters */
    TFLITE_TENSOR_IS_VARIABLE = 5,    /* bool */
    TFLITE_TENSOR_SPARSITY = 6,       /* SparsityParameters */
    TFLITE_TENSOR_SHAPE_SIGNATURE = 7,
    TFLITE_TENSOR_HAS_RANK = 8,       /* bool */
    TFLITE_TENSOR_VARIANT_TENSORS = 9
};

enum { /* table QuantizationParameters */
    TFLITE_QUANT_MIN = 0,             /* [float] */
    TFLITE_QUANT_MAX = 1,             /* [float] */
    TFLITE_QUANT_SCALE = 2,           /* [float] */
    TFLITE_QUANT_ZERO_POINT = 3,      /* [long] */
    TFLITE_QUANT_DETAILS_TYPE = 4,
    TFLITE_QUANT_DETAILS = 5,
    TFLITE_QUANT_QUANTIZED_DIMENSION = 6 /* int */
};

enum { /* table Operator */
    TFLITE_OP_OPCODE_INDEX = 0,       /* uint */
    TFLITE_OP_INPUTS = 1,             /* [int], -1 = absent optional */
    TFLITE_OP_OUTPUTS = 2,            /* [int] */
    TFLITE_OP_BUILTIN_OPTIONS_TYPE = 3, /* ubyte (BuiltinOptions) */
    TFLITE_OP_BUILTIN_OPTIONS = 4,
    TFLITE_OP_CUSTOM_OPTIONS = 5,
    TFLITE_OP_CUSTOM_OPTIONS_FORMAT = 6,
    TFLITE_OP_MUTATING_VARIABLE_INPUTS = 7,
    TFLITE_OP_INTERMEDIATES = 8,
    TFLITE_OP_LARGE_CUSTOM_OPTIONS_OFFSET = 9,
    TFLITE_OP_LARGE_CUSTOM_OPTIONS_SIZE = 10,
    TFLITE_OP_BUILTIN_OPTIONS_2_TYPE = 11,
    TFLITE_OP_BUILTIN_OPTIONS_2 = 12
};

enum { /* table Buffer */
    TFLITE_BUFFER_DATA = 0,           /* [ubyte], force_align 16 */
    TFLITE_BUFFER_OFFSET = 1,         /* ulong, from file start; used if > 1 */
    TFLITE_BUFFER_SIZE = 2            /* ulong */
};
#define TFLITE_BUFFER_ALIGN 16

/* Field ids of the option tables of the ops the engine runs. */
enum { /* Conv2DOptions */
    TFLITE_CONV_PADDING = 0, TFLITE_CONV_STRIDE_W = 1, TFLITE_CONV_STRIDE_H = 2,
    TFLITE_CONV_ACTIVATION = 3, TFLITE_CONV_DILATION_W = 4,
    TFLITE_CONV_DILATION_H = 5 /* dilations default to 1 */
};
enum { /* DepthwiseConv2DOptions */
    TFLITE_DW_PADDING = 0, TFLITE_DW_STRIDE_W = 1, TFLITE_DW_STRIDE_H = 2,
    TFLITE_DW_DEPTH_MULTIPLIER = 3, TFLITE_DW_ACTIVATION = 4,
    TFLITE_DW_DILATION_W = 5, TFLITE_DW_DILATION_H = 6
};
enum { /* Pool2DOptions */
    TFLITE_POOL_PADDING = 0, TFLITE_POOL_STRIDE_W = 1, TFLITE_POOL_STRIDE_H = 2,
    TFLITE_POOL_FILTER_W = 3, TFLITE_POOL_FILTER_H = 4,
    TFLITE_POOL_ACTIVATION = 5
};
enum { /* FullyConnectedOptions */
    TFLITE_FC_ACTIVATION = 0, TFLITE_FC_WEIGHTS_FORMAT = 1,
    TFLITE_FC_KEEP_NUM_DIMS = 2
};
enum { TFLITE_SOFTMAX_BETA = 0 };      /* SoftmaxOptions, float = 0 */
enum { TFLITE_ADD_ACTIVATION = 0 };    /* AddOptions */
enum { TFLITE_RESHAPE_NEW_SHAPE = 0 }; /* ReshapeOptions, [int] */
enum { /* ConcatenationOptions */
    TFLITE_CONCAT_AXIS = 0, TFLITE_CONCAT_ACTIVATION = 1
};
enum { TFLITE_MUL_ACTIVATION = 0 };    /* MulOptions */
enum { TFLITE_LEAKY_RELU_ALPHA = 0 };  /* LeakyReluOptions, float = 0 */
enum { TFLITE_MIRROR_PAD_MODE = 0 };   /* MirrorPadOptions: REFLECT 0, SYMMETRIC 1 */

/* The scalar option fields the engine uses, one row per field, each with
 * the graph_options member it fills: the reader and the writer both walk
 * this table, so they cannot disagree on an id, size or default. */
typedef enum {
    TFLITE_OPT_INT,      /* byte or int, checked against [lo, hi] */
    TFLITE_OPT_BOOL,     /* byte, any non-zero is true */
    TFLITE_OPT_FLOAT     /* float, default 0 */
} tflite_opt_kind;

typedef struct {
    int options;         /* BuiltinOptions member of the table */
    int id;              /* field id */
    int bytes;           /* 1 or 4 */
    tflite_opt_kind kind;
    int32_t def, lo, hi; /* schema default, accepted range */
    size_t member;       /* offsetof(graph_options, ...) */
    const char *name;    /* field name in schema.fbs */
} tflite_opt_field;

extern const tflite_opt_field tflite_opt_fields[];
extern const int tflite_n_opt_fields;

/* Members of union BuiltinOptions. */
enum {
    TFLITE_OPTIONS_NONE = 0,
    TFLITE_OPTIONS_CONV_2D = 1,
    TFLITE_OPTIONS_DEPTHWISE_CONV_2D = 2,
    TFLITE_OPTIONS_POOL_2D = 5,
    TFLITE_OPTIONS_FULLY_CONNECTED = 8,
    TFLITE_OPTIONS_SOFTMAX = 9,
    TFLITE_OPTIONS_CONCATENATION = 10,
    TFLITE_OPTIONS_ADD = 11,
    TFLITE_OPTIONS_RESHAPE = 17,
    TFLITE_OPTIONS_MUL = 21,
    TFLITE_OPTIONS_PAD = 22,
    TFLITE_OPTIONS_TRANSPOSE = 26,
    TFLITE_OPTIONS_LOG_SOFTMAX = 36,
    TFLITE_OPTIONS_DEQUANTIZE = 38,
    TFLITE_OPTIONS_MAXIMUM_MINIMUM = 39,
    TFLITE_OPTIONS_PADV2 = 43,
    TFLITE_OPTIONS_LEAKY_RELU = 75,
    TFLITE_OPTIONS_MIRROR_PAD = 77,
    TFLITE_OPTIONS_QUANTIZE = 89
};

/* enum BuiltinOperator: X(code, NAME), every code of the current schema. */
#define TFLITE_BUILTIN_LIST(X) \
    X(0, ADD) X(1, AVERAGE_POOL_2D) X(2, CONCATENATION) X(3, CONV_2D) \
    X(4, DEPTHWISE_CONV_2D) X(5, DEPTH_TO_SPACE) X(6, DEQUANTIZE) \
    X(7, EMBEDDING_LOOKUP) X(8, FLOOR) X(9, FULLY_CONNECTED) \
    X(10, HASHTABLE_LOOKUP) X(11, L2_NORMALIZATION) X(12, L2_POOL_2D) \
    X(13, LOCAL_RESPONSE_NORMALIZATION) X(14, LOGISTIC) \
    X(15, LSH_PROJECTION) X(16, LSTM) X(17, MAX_POOL_2D) X(18, MUL) \
    X(19, RELU) X(20, RELU_N1_TO_1) X(21, RELU6) X(22, RESHAPE) \
    X(23, RESIZE_BILINEAR) X(24, RNN) X(25, SOFTMAX) X(26, SPACE_TO_DEPTH) \
    X(27, SVDF) X(28, TANH) X(29, CONCAT_EMBEDDINGS) X(30, SKIP_GRAM) \
    X(31, CALL) X(32, CUSTOM) X(33, EMBEDDING_LOOKUP_SPARSE) X(34, PAD) \
    X(35, UNIDIRECTIONAL_SEQUENCE_RNN) X(36, GATHER) \
    X(37, BATCH_TO_SPACE_ND) X(38, SPACE_TO_BATCH_ND) X(39, TRANSPOSE) \
    X(40, MEAN) X(41, SUB) X(42, DIV) X(43, SQUEEZE) \
    X(44, UNIDIRECTIONAL_SEQUENCE_LSTM) X(45, STRIDED_SLICE) \
    X(46, BIDIRECTIONAL_SEQUENCE_RNN) X(47, EXP) X(48, TOPK_V2) X(49, SPLIT) \
    X(50, LOG_SOFTMAX) X(51, DELEGATE) X(52, BIDIRECTIONAL_SEQUENCE_LSTM) \
    X(53, CAST) X(54, PRELU) X(55, MAXIMUM) X(56, ARG_MAX) X(57, MINIMUM) \
    X(58, LESS) X(59, NEG) X(60, PADV2) X(61, GREATER) X(62, GREATER_EQUAL) \
    X(63, LESS_EQUAL) X(64, SELECT) X(65, SLICE) X(66, SIN) \
    X(67, TRANSPOSE_CONV) X(68, SPARSE_TO_DENSE) X(69, TILE) \
    X(70, EXPAND_DIMS) X(71, EQUAL) X(72, NOT_EQUAL) X(73, LOG) X(74, SUM) \
    X(75, SQRT) X(76, RSQRT) X(77, SHAPE) X(78, POW) X(79, ARG_MIN) \
    X(80, FAKE_QUANT) X(81, REDUCE_PROD) X(82, REDUCE_MAX) X(83, PACK) \
    X(84, LOGICAL_OR) X(85, ONE_HOT) X(86, LOGICAL_AND) X(87, LOGICAL_NOT) \
    X(88, UNPACK) X(89, REDUCE_MIN) X(90, FLOOR_DIV) X(91, REDUCE_ANY) \
    X(92, SQUARE) X(93, ZEROS_LIKE) X(94, FILL) X(95, FLOOR_MOD) \
    X(96, RANGE) X(97, RESIZE_NEAREST_NEIGHBOR) X(98, LEAKY_RELU) \
    X(99, SQUARED_DIFFERENCE) X(100, MIRROR_PAD) X(101, ABS) X(102, SPLIT_V) \
    X(103, UNIQUE) X(104, CEIL) X(105, REVERSE_V2) X(106, ADD_N) \
    X(107, GATHER_ND) X(108, COS) X(109, WHERE) X(110, RANK) X(111, ELU) \
    X(112, REVERSE_SEQUENCE) X(113, MATRIX_DIAG) X(114, QUANTIZE) \
    X(115, MATRIX_SET_DIAG) X(116, ROUND) X(117, HARD_SWISH) X(118, IF) \
    X(119, WHILE) X(120, NON_MAX_SUPPRESSION_V4) \
    X(121, NON_MAX_SUPPRESSION_V5) X(122, SCATTER_ND) X(123, SELECT_V2) \
    X(124, DENSIFY) X(125, SEGMENT_SUM) X(126, BATCH_MATMUL) \
    X(127, PLACEHOLDER_FOR_GREATER_OP_CODES) X(128, CUMSUM) \
    X(129, CALL_ONCE) X(130, BROADCAST_TO) X(131, RFFT2D) X(132, CONV_3D) \
    X(133, IMAG) X(134, REAL) X(135, COMPLEX_ABS) X(136, HASHTABLE) \
    X(137, HASHTABLE_FIND) X(138, HASHTABLE_IMPORT) X(139, HASHTABLE_SIZE) \
    X(140, REDUCE_ALL) X(141, CONV_3D_TRANSPOSE) X(142, VAR_HANDLE) \
    X(143, READ_VARIABLE) X(144, ASSIGN_VARIABLE) X(145, BROADCAST_ARGS) \
    X(146, RANDOM_STANDARD_NORMAL) X(147, BUCKETIZE) X(148, RANDOM_UNIFORM) \
    X(149, MULTINOMIAL) X(150, GELU) X(151, DYNAMIC_UPDATE_SLICE) \
    X(152, RELU_0_TO_1) X(153, UNSORTED_SEGMENT_PROD) \
    X(154, UNSORTED_SEGMENT_MAX) X(155, UNSORTED_SEGMENT_SUM) X(156, ATAN2) \
    X(157, UNSORTED_SEGMENT_MIN) X(158, SIGN) X(159, BITCAST) \
    X(160, BITWISE_XOR) X(161, RIGHT_SHIFT) X(162, STABLEHLO_LOGISTIC) \
    X(163, STABLEHLO_ADD) X(164, STABLEHLO_DIVIDE) \
    X(165, STABLEHLO_MULTIPLY) X(166, STABLEHLO_MAXIMUM) \
    X(167, STABLEHLO_RESHAPE) X(168, STABLEHLO_CLAMP) \
    X(169, STABLEHLO_CONCATENATE) X(170, STABLEHLO_BROADCAST_IN_DIM) \
    X(171, STABLEHLO_CONVOLUTION) X(172, STABLEHLO_SLICE) \
    X(173, STABLEHLO_CUSTOM_CALL) X(174, STABLEHLO_REDUCE) \
    X(175, STABLEHLO_ABS) X(176, STABLEHLO_AND) X(177, STABLEHLO_COSINE) \
    X(178, STABLEHLO_EXPONENTIAL) X(179, STABLEHLO_FLOOR) \
    X(180, STABLEHLO_LOG) X(181, STABLEHLO_MINIMUM) X(182, STABLEHLO_NEGATE) \
    X(183, STABLEHLO_OR) X(184, STABLEHLO_POWER) X(185, STABLEHLO_REMAINDER) \
    X(186, STABLEHLO_RSQRT) X(187, STABLEHLO_SELECT) \
    X(188, STABLEHLO_SUBTRACT) X(189, STABLEHLO_TANH) \
    X(190, STABLEHLO_SCATTER) X(191, STABLEHLO_COMPARE) \
    X(192, STABLEHLO_CONVERT) X(193, STABLEHLO_DYNAMIC_SLICE) \
    X(194, STABLEHLO_DYNAMIC_UPDATE_SLICE) X(195, STABLEHLO_PAD) \
    X(196, STABLEHLO_IOTA) X(197, STABLEHLO_DOT_GENERAL) \
    X(198, STABLEHLO_REDUCE_WINDOW) X(199, STABLEHLO_SORT) \
    X(200, STABLEHLO_WHILE) X(201, STABLEHLO_GATHER) \
    X(202, STABLEHLO_TRANSPOSE) X(203, DILATE) \
    X(204, STABLEHLO_RNG_BIT_GENERATOR) X(205, REDUCE_WINDOW) \
    X(225, TEMP_STREAMING_CONV_2D)
enum {
#define TFLITE_X_(code, name) TFLITE_BUILTIN_##name = code,
    TFLITE_BUILTIN_LIST(TFLITE_X_)
#undef TFLITE_X_
    TFLITE_BUILTIN_END_
};

/* enum TensorType: X(code, NAME, nn_dtype or -1 if the engine has none). */
#define TFLITE_TYPE_LIST(X)                                              \
    X(0, FLOAT32, NN_DT_FLOAT32) X(1, FLOAT16, NN_DT_FLOAT16)            \
    X(2, INT32, NN_DT_INT32) X(3, UINT8, NN_DT_UINT8)                    \
    X(4, INT64, NN_DT_INT64) X(5, STRING, -1) X(6, BOOL, NN_DT_BOOL)     \
    X(7, INT16, NN_DT_INT16) X(8, COMPLEX64, -1) X(9, INT8, NN_DT_INT8)  \
    X(10, FLOAT64, -1) X(11, COMPLEX128, -1) X(12, UINT64, -1)           \
    X(13, RESOURCE, -1) X(14, VARIANT, -1) X(15, UINT32, -1)             \
    X(16, UINT16, -1) X(17, INT4, -1)

/* "CONV_2D", ... for a BuiltinOperator code; NULL if the schema has none. */
const char *tflite_builtin_name(int64_t code);
/* "FLOAT32", ... for a TensorType code; NULL if unknown. */
const char *tflite_type_name(int code);
/* nn_dtype of a TensorType code, or -1 if the engine has no such dtype. */
int tflite_type_to_nn(int code);
/* TensorType code of an nn_dtype, or -1 for an unknown dtype. */
int tflite_type_from_nn(int dtype);
/* nn_opcode of a builtin code, or -1 if the engine does not run it. */
int tflite_builtin_to_nn(int64_t code);
/* Builtin code and BuiltinOptions member of an nn_opcode; -1 if unknown. */
int tflite_builtin_from_nn(int op);
int tflite_options_of_nn(int op);

#endif
