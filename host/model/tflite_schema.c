/*
 * tflite_schema.c: name tables and the mapping between TFLite codes and the
 * engine's opcodes and dtypes.
 */
#include "tflite_schema.h"

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

/* Indexed by code; the gap between 205 and 225 stays NULL. */
static const char *const builtin_names[] = {
#define TFLITE_X_(code, name) [code] = #name,
    TFLITE_BUILTIN_LIST(TFLITE_X_)
#undef TFLITE_X_
};

static const struct {
    const char *name;
    int nn;
} types[] = {
#define TFLITE_X_(code, name, nn) [code] = {#name, nn},
    TFLITE_TYPE_LIST(TFLITE_X_)
#undef TFLITE_X_
};

/* The ops the engine runs, with their builtin code and options table. */
static const struct {
    int nn;
    int builtin;
    int options;
} ops[] = {
    {NN_OP_FULLY_CONNECTED, TFLITE_BUILTIN_FULLY_CONNECTED, TFLITE_OPTIONS_FULLY_CONNECTED},
    {NN_OP_CONV_2D, TFLITE_BUILTIN_CONV_2D, TFLITE_OPTIONS_CONV_2D},
    {NN_OP_DEPTHWISE_CONV_2D, TFLITE_BUILTIN_DEPTHWISE_CONV_2D,
     TFLITE_OPTIONS_DEPTHWISE_CONV_2D},
    {NN_OP_AVERAGE_POOL_2D, TFLITE_BUILTIN_AVERAGE_POOL_2D, TFLITE_OPTIONS_POOL_2D},
    {NN_OP_MAX_POOL_2D, TFLITE_BUILTIN_MAX_POOL_2D, TFLITE_OPTIONS_POOL_2D},
    {NN_OP_ADD, TFLITE_BUILTIN_ADD, TFLITE_OPTIONS_ADD},
    {NN_OP_RESHAPE, TFLITE_BUILTIN_RESHAPE, TFLITE_OPTIONS_RESHAPE},
    {NN_OP_SOFTMAX, TFLITE_BUILTIN_SOFTMAX, TFLITE_OPTIONS_SOFTMAX},
    {NN_OP_QUANTIZE, TFLITE_BUILTIN_QUANTIZE, TFLITE_OPTIONS_QUANTIZE},
    {NN_OP_DEQUANTIZE, TFLITE_BUILTIN_DEQUANTIZE, TFLITE_OPTIONS_DEQUANTIZE},
    /* The schema has no LogisticOptions. */
    {NN_OP_LOGISTIC, TFLITE_BUILTIN_LOGISTIC, TFLITE_OPTIONS_NONE},
    {NN_OP_TRANSPOSE, TFLITE_BUILTIN_TRANSPOSE, TFLITE_OPTIONS_TRANSPOSE},
    {NN_OP_MUL, TFLITE_BUILTIN_MUL, TFLITE_OPTIONS_MUL},
    {NN_OP_CONCATENATION, TFLITE_BUILTIN_CONCATENATION, TFLITE_OPTIONS_CONCATENATION},
    {NN_OP_PAD, TFLITE_BUILTIN_PAD, TFLITE_OPTIONS_PAD},
    {NN_OP_PADV2, TFLITE_BUILTIN_PADV2, TFLITE_OPTIONS_PADV2},
    {NN_OP_MIRROR_PAD, TFLITE_BUILTIN_MIRROR_PAD, TFLITE_OPTIONS_MIRROR_PAD},
    {NN_OP_LEAKY_RELU, TFLITE_BUILTIN_LEAKY_RELU, TFLITE_OPTIONS_LEAKY_RELU},
    {NN_OP_LOG_SOFTMAX, TFLITE_BUILTIN_LOG_SOFTMAX, TFLITE_OPTIONS_LOG_SOFTMAX},
    {NN_OP_MAXIMUM, TFLITE_BUILTIN_MAXIMUM, TFLITE_OPTIONS_MAXIMUM_MINIMUM},
    {NN_OP_MINIMUM, TFLITE_BUILTIN_MINIMUM, TFLITE_OPTIONS_MAXIMUM_MINIMUM},
    /* No options tables in the schema. */
    {NN_OP_TANH, TFLITE_BUILTIN_TANH, TFLITE_OPTIONS_NONE},
    {NN_OP_PRELU, TFLITE_BUILTIN_PRELU, TFLITE_OPTIONS_NONE},
    {NN_OP_RELU, TFLITE_BUILTIN_RELU, TFLITE_OPTIONS_NONE},
    {NN_OP_RELU6, TFLITE_BUILTIN_RELU6, TFLITE_OPTIONS_NONE},
    {NN_OP_RELU_N1_TO_1, TFLITE_BUILTIN_RELU_N1_TO_1, TFLITE_OPTIONS_NONE},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

#define PAD(type, id) \
    {type, id, 1, TFLITE_OPT_INT, NN_PAD_SAME, NN_PAD_SAME, NN_PAD_VALID, \
     offsetof(graph_options, padding), "padding"}
#define ACT(type, id) \
    {type, id, 1, TFLITE_OPT_INT, NN_ACT_NONE, NN_ACT_NONE, NN_ACT_SIGN_BIT, \
     offsetof(graph_options, activation), "fused_activation_function"}
#define I32(type, id, def, member, name) \
    {type, id, 4, TFLITE_OPT_INT, def, INT32_MIN, INT32_MAX, \
     offsetof(graph_options, member), name}

const tflite_opt_field tflite_opt_fields[] = {
    PAD(TFLITE_OPTIONS_CONV_2D, TFLITE_CONV_PADDING),
    I32(TFLITE_OPTIONS_CONV_2D, TFLITE_CONV_STRIDE_W, 0, stride_w, "stride_w"),
    I32(TFLITE_OPTIONS_CONV_2D, TFLITE_CONV_STRIDE_H, 0, stride_h, "stride_h"),
    ACT(TFLITE_OPTIONS_CONV_2D, TFLITE_CONV_ACTIVATION),
    I32(TFLITE_OPTIONS_CONV_2D, TFLITE_CONV_DILATION_W, 1, dilation_w, "dilation_w_factor"),
    I32(TFLITE_OPTIONS_CONV_2D, TFLITE_CONV_DILATION_H, 1, dilation_h, "dilation_h_factor"),

    PAD(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_PADDING),
    I32(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_STRIDE_W, 0, stride_w, "stride_w"),
    I32(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_STRIDE_H, 0, stride_h, "stride_h"),
    I32(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_DEPTH_MULTIPLIER, 0, depth_multiplier,
        "depth_multiplier"),
    ACT(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_ACTIVATION),
    I32(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_DILATION_W, 1, dilation_w,
        "dilation_w_factor"),
    I32(TFLITE_OPTIONS_DEPTHWISE_CONV_2D, TFLITE_DW_DILATION_H, 1, dilation_h,
        "dilation_h_factor"),

    PAD(TFLITE_OPTIONS_POOL_2D, TFLITE_POOL_PADDING),
    I32(TFLITE_OPTIONS_POOL_2D, TFLITE_POOL_STRIDE_W, 0, stride_w, "stride_w"),
    I32(TFLITE_OPTIONS_POOL_2D, TFLITE_POOL_STRIDE_H, 0, stride_h, "stride_h"),
    I32(TFLITE_OPTIONS_POOL_2D, TFLITE_POOL_FILTER_W, 0, filter_w, "filter_width"),
    I32(TFLITE_OPTIONS_POOL_2D, TFLITE_POOL_FILTER_H, 0, filter_h, "filter_height"),
    ACT(TFLITE_OPTIONS_POOL_2D, TFLITE_POOL_ACTIVATION),

    ACT(TFLITE_OPTIONS_FULLY_CONNECTED, TFLITE_FC_ACTIVATION),
    {TFLITE_OPTIONS_FULLY_CONNECTED, TFLITE_FC_KEEP_NUM_DIMS, 1, TFLITE_OPT_BOOL, 0, 0, 1,
     offsetof(graph_options, keep_num_dims), "keep_num_dims"},

    {TFLITE_OPTIONS_SOFTMAX, TFLITE_SOFTMAX_BETA, 4, TFLITE_OPT_FLOAT, 0, 0, 0,
     offsetof(graph_options, beta), "beta"},

    ACT(TFLITE_OPTIONS_ADD, TFLITE_ADD_ACTIVATION),

    I32(TFLITE_OPTIONS_CONCATENATION, TFLITE_CONCAT_AXIS, 0, axis, "axis"),
    ACT(TFLITE_OPTIONS_CONCATENATION, TFLITE_CONCAT_ACTIVATION),
    ACT(TFLITE_OPTIONS_MUL, TFLITE_MUL_ACTIVATION),
    {TFLITE_OPTIONS_LEAKY_RELU, TFLITE_LEAKY_RELU_ALPHA, 4, TFLITE_OPT_FLOAT, 0, 0, 0,
     offsetof(graph_options, alpha), "alpha"},
    {TFLITE_OPTIONS_MIRROR_PAD, TFLITE_MIRROR_PAD_MODE, 1, TFLITE_OPT_INT, 0, 0, 1,
     offsetof(graph_options, mirror_mode), "mode"},
};

const int tflite_n_opt_fields = (int)COUNT(tflite_opt_fields);

const char *tflite_builtin_name(int64_t code)
{
    if (code < 0 || code >= (int64_t)COUNT(builtin_names))
        return NULL;
    return builtin_names[code];
}

const char *tflite_type_name(int code)
{
    if (code < 0 || code >= (int)COUNT(types))
        return NULL;
    return types[code].name;
}

int tflite_type_to_nn(int code)
{
    if (code < 0 || code >= (int)COUNT(types))
        return -1;
    return types[code].nn;
}

int tflite_type_from_nn(int dtype)
{
    for (int i = 0; i < (int)COUNT(types); i++)
        if (types[i].nn == dtype && dtype >= 0)
            return i;
    return -1;
}

int tflite_builtin_to_nn(int64_t code)
{
    for (size_t i = 0; i < COUNT(ops); i++)
        if (ops[i].builtin == code)
            return ops[i].nn;
    return -1;
}

int tflite_builtin_from_nn(int op)
{
    for (size_t i = 0; i < COUNT(ops); i++)
        if (ops[i].nn == op)
            return ops[i].builtin;
    return -1;
}

int tflite_options_of_nn(int op)
{
    for (size_t i = 0; i < COUNT(ops); i++)
        if (ops[i].nn == op)
            return ops[i].options;
    return -1;
}
