/*
 * nn.h: the inference engine. Runs a model blob in place, layer by layer.
 *
 * Namespace: nn_ / NN_.
 *
 * Contract
 *  - The blob (docs/model-format.md) is read in place and never written.
 *    nn_model_open() validates all of it once: header, every offset and size,
 *    every tensor, every op's tensors, dtypes, shapes and parameters. After a
 *    successful open, nn_model_invoke() cannot read or write out of bounds.
 *  - The engine never allocates. The caller passes an arena of at least
 *    nn_model_arena_bytes() bytes, aligned to NN_ALIGN; activations live there
 *    at offsets planned offline by the host.
 *  - Layer hooks run before and after every op: the place for the stub's
 *    cycle counter and the host's per-layer dumps. They may be NULL.
 *  - The blob must stay valid and unchanged while the model is used. The blob
 *    buffer must be 4-byte aligned (NN_ALIGN recommended) because weights are
 *    read as typed arrays.
 *  - Little-endian targets only; the header's magic check refuses a blob read
 *    on a big-endian machine.
 *
 * Freestanding C11: no malloc, no stdio.
 */
#ifndef NN_H
#define NN_H

#include "nn_types.h"

typedef enum {
    NN_OK = 0,
    NN_ERR_ARG = -1,         /* caller bug: NULL pointer, bad index */
    NN_ERR_BLOB = -2,        /* blob malformed: see nn_error.why */
    NN_ERR_VERSION = -3,     /* blob version not supported by this engine */
    NN_ERR_UNSUPPORTED = -4, /* op or dtype not built into this engine */
    NN_ERR_ARENA = -5        /* arena smaller than the blob's plan */
} nn_status;

/* X(ENUM, text): why a blob was refused. */
#define NN_WHY_LIST(X)                                              \
    X(NONE, "no error")                                             \
    X(MAGIC, "bad magic (not a hilbench blob, or big-endian)")      \
    X(VERSION, "unsupported blob version")                          \
    X(TRUNCATED, "blob shorter than its header says")               \
    X(CRC, "blob checksum mismatch")                                \
    X(HEADER, "inconsistent header")                                \
    X(TENSOR_DTYPE, "unknown tensor dtype")                         \
    X(TENSOR_SHAPE, "bad tensor rank or dimension")                 \
    X(TENSOR_BYTES, "tensor byte size does not match its shape")    \
    X(TENSOR_BOUNDS, "tensor data outside the blob or arena")       \
    X(TENSOR_ALIGN, "tensor data misaligned")                       \
    X(QUANT, "bad quantisation parameters")                         \
    X(OP_CODE, "unknown op")                                        \
    X(OP_MISSING, "op not built into this engine")                  \
    X(OP_IO, "wrong number of op inputs or outputs")                \
    X(OP_TENSOR, "op refers to a missing tensor")                   \
    X(OP_DTYPE, "op tensor dtypes not supported")                   \
    X(OP_SHAPE, "op tensor shapes inconsistent")                    \
    X(OP_PARAMS, "bad op parameters")                               \
    X(OP_CONST, "op writes a constant or reads an unset tensor")    \
    X(IO, "bad model input or output list")                         \
    X(ARENA, "arena too small for the model")                       \
    X(TENSOR_KIND, "unknown tensor kind")                           \
    X(SPARSE, "sparse tensor: mask and packed values disagree")     \
    X(OP_SPARSE, "op input may not be sparse")

typedef enum {
#define NN_X_(e, s) NN_WHY_##e,
    NN_WHY_LIST(NN_X_)
#undef NN_X_
    NN_WHY_COUNT
} nn_why;

/* What went wrong and where. Fields that do not apply are -1. */
typedef struct {
    int16_t status;  /* nn_status */
    uint16_t why;    /* nn_why */
    int32_t op;      /* op index, or -1 */
    int32_t tensor;  /* tensor index, or -1 */
    int32_t offset;  /* byte offset in the blob, or -1 */
} nn_error;

/* A validated blob. Plain data; copying it is fine. Fields are private. */
typedef struct {
    const uint8_t *blob;
    uint32_t blob_bytes;
    uint32_t arena_bytes;
    uint16_t n_tensors, n_ops, n_inputs, n_outputs;
    uint32_t tensors_off, ops_off, io_off, data_off, data_bytes;
} nn_model;

/* A tensor's description and, when an arena is given, its data. */
typedef struct {
    uint8_t dtype;       /* nn_dtype */
    uint8_t rank;        /* 0..NN_MAX_RANK */
    uint8_t is_const;    /* 1: data in the blob, 0: data in the arena */
    uint8_t quant;       /* NN_QUANT_* */
    int32_t dims[NN_MAX_RANK];
    uint32_t count;      /* elements */
    uint32_t bytes;      /* count x element bytes */
    void *data;          /* NULL for an arena tensor when no arena given */
    float scale;         /* per-tensor scale (quant == NN_QUANT_TENSOR) */
    int32_t zero_point;
    const float *scales; /* per-channel (quant == NN_QUANT_CHANNEL) */
    const int32_t *zero_points;
    uint32_t channels;   /* per-channel count */
    uint8_t axis;        /* per-channel dimension */
    uint8_t kind;        /* NN_KIND_* (nn_blob.h); sparse kinds: data and
                            bytes are the stored mask and values */
    uint8_t kind_axis;   /* NN_KIND_CHANNELS: the channel dimension */
} nn_tensor;

enum { NN_QUANT_NONE = 0, NN_QUANT_TENSOR = 1, NN_QUANT_CHANNEL = 2 };

/* Called around every op; op is its index in execution order. */
typedef struct {
    void (*before)(void *ctx, uint16_t op);
    void (*after)(void *ctx, uint16_t op);
    void *ctx;
} nn_hooks;

/* Validates blob[0..blob_bytes) and fills *model. On failure *model is
 * zeroed and *err (may be NULL) says why and where. */
nn_status nn_model_open(nn_model *model, const void *blob, uint32_t blob_bytes,
                        nn_error *err);

/* Runs every op once. arena: at least nn_model_arena_bytes(), NN_ALIGN-
 * aligned; inputs must have been written into it (nn_model_tensor()).
 * hooks may be NULL. */
nn_status nn_model_invoke(const nn_model *model, void *arena,
                          uint32_t arena_bytes, const nn_hooks *hooks,
                          nn_error *err);

uint32_t nn_model_arena_bytes(const nn_model *model);
uint16_t nn_model_op_count(const nn_model *model);
uint16_t nn_model_input_count(const nn_model *model);
uint16_t nn_model_output_count(const nn_model *model);
/* Tensor index of input/output i (i < count), NN_ABSENT if out of range. */
uint16_t nn_model_input(const nn_model *model, uint16_t i);
uint16_t nn_model_output(const nn_model *model, uint16_t i);
/* Opcode (nn_opcode) of op i, -1 if out of range. */
int nn_model_op_code(const nn_model *model, uint16_t i);
/* Output tensor j of op i, NN_ABSENT if out of range. */
uint16_t nn_model_op_output(const nn_model *model, uint16_t i, uint16_t j);
uint16_t nn_model_op_output_count(const nn_model *model, uint16_t i);

/* Describes tensor `index`. arena may be NULL (then arena tensors get
 * data = NULL). Returns NN_ERR_ARG for a bad index. */
nn_status nn_model_tensor(const nn_model *model, uint16_t index, void *arena,
                          nn_tensor *out);

/* Bitmap of the ops built into this engine: bit k set = opcode k runs. */
uint32_t nn_engine_ops(void);
/* Bitmap of the activation dtypes the engine computes in (bit = nn_dtype). */
uint32_t nn_engine_dtypes(void);

const char *nn_strerror(int status);
const char *nn_why_text(int why);

#endif
