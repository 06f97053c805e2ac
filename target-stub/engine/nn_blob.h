/*
 * nn_blob.h: byte layout of the model blob, version 1 (docs/model-format.md).
 *
 * Namespace: NN_BLOB_ / nn_rd_ / nn_wr_.
 *
 * Shared by the engine (reader) and the host (writer), so both agree on every
 * offset. All fields are little-endian and read with the loaders below, never
 * by casting the buffer to a struct.
 *
 *  [header 64 B][tensor table: n_tensors x 48 B][op offset table: n_ops x u32]
 *  [op records, 4-aligned][io list: u16 inputs, u16 outputs][data, 16-aligned]
 */
#ifndef NN_BLOB_H
#define NN_BLOB_H

#include <stdint.h>

#include "nn_types.h"

#define NN_BLOB_MAGIC 0x424E4248u /* "HBNB" read as little-endian u32 */
#define NN_BLOB_VERSION 1
#define NN_BLOB_HEADER_BYTES 64
#define NN_BLOB_TENSOR_BYTES 48
#define NN_BLOB_OP_HEAD_BYTES 4

/* Header field offsets. */
enum {
    NN_BH_MAGIC = 0,        /* u32 */
    NN_BH_VERSION = 4,      /* u16 */
    NN_BH_HEADER_BYTES = 6, /* u16, = 64 */
    NN_BH_BLOB_BYTES = 8,   /* u32, whole blob, multiple of 4 */
    NN_BH_CRC = 12,         /* u32, CRC-32 of bytes [16, blob_bytes) */
    NN_BH_ARENA_BYTES = 16, /* u32, planned arena size */
    NN_BH_FLAGS = 20,       /* u32, 0 in version 1 */
    NN_BH_N_TENSORS = 24,   /* u16 */
    NN_BH_N_OPS = 26,       /* u16 */
    NN_BH_N_INPUTS = 28,    /* u16 */
    NN_BH_N_OUTPUTS = 30,   /* u16 */
    NN_BH_TENSORS_OFF = 32, /* u32 */
    NN_BH_OPS_OFF = 36,     /* u32: table of n_ops u32 record offsets */
    NN_BH_IO_OFF = 40,      /* u32 */
    NN_BH_DATA_OFF = 44,    /* u32, NN_ALIGN-aligned */
    NN_BH_DATA_BYTES = 48   /* u32 */
    /* 52..63 reserved, zero */
};

/* Tensor record field offsets. */
enum {
    NN_BT_DTYPE = 0,   /* u8 nn_dtype */
    NN_BT_RANK = 1,    /* u8 */
    NN_BT_KIND = 2,    /* u8: 0 arena, 1 constant in the data region */
    NN_BT_QUANT = 3,   /* u8 NN_QUANT_* */
    NN_BT_DIMS = 4,    /* i32 x NN_MAX_RANK; unused ones are 0 */
    NN_BT_OFFSET = 28, /* u32: arena offset, or blob offset of the data */
    NN_BT_BYTES = 32,  /* u32 */
    NN_BT_SCALE = 36,  /* f32 (per-tensor) | u32 blob offset of f32 scales[],
                          then i32 zero_points[] (per-channel) */
    NN_BT_ZERO = 40,   /* i32 (per-tensor) | u32 channel count */
    NN_BT_AXIS = 44,   /* u8 per-channel dimension */
    NN_BT_KIND_AXIS = 45 /* u8 kind 3: the channel dimension; else 0. 46..47 zero */
};

/* Where a tensor's data lives and how it is stored. Kinds 2 and 3 are
 * constants without their zeros (docs/model-format.md, "Sparse constants"):
 * at the offset, a mask (1 bit per element, or per channel along the
 * dimension at NN_BT_KIND_AXIS; LSB first) zero-padded to 4 bytes, then the
 * kept values in element order; `bytes` counts both. A reader refuses a kind
 * it does not know. */
enum {
    NN_KIND_ARENA = 0,    /* activation in the arena */
    NN_KIND_CONST = 1,    /* dense constant in the data region */
    NN_KIND_SPARSE = 2,   /* bitmap of the nonzero elements, then those */
    NN_KIND_CHANNELS = 3, /* mask of the kept channels, then their values */
    NN_KIND_COUNT
};

/* Bytes of a sparse constant's mask of `bits` bits, padding included. */
static inline uint64_t nn_blob_mask_bytes(uint64_t bits)
{
    return (bits + 31) / 32 * 4;
}

/* The op inputs that may be sparse (kinds 2 and 3): the weights (input 1)
 * of FULLY_CONNECTED, CONV_2D and DEPTHWISE_CONV_2D. Returns the dimension
 * of that input that runs over output channels (the kind 3 axis), or -1 if
 * input k of opcode `op` must be dense. */
static inline int nn_blob_sparse_axis(int op, int k)
{
    if (k != 1)
        return -1;
    if (op == NN_OP_FULLY_CONNECTED || op == NN_OP_CONV_2D)
        return 0;
    return op == NN_OP_DEPTHWISE_CONV_2D ? 3 : -1;
}

/* Most taps (KH x KW) of a DEPTHWISE_CONV_2D filter stored as kind 2: its
 * kernel keeps one running value index per tap on the stack. */
#define NN_BLOB_SPARSE_DW_TAPS 64

/* Op record: u8 opcode, u8 n_inputs, u8 n_outputs, u8 n_words, then
 * u16 tensor indices (inputs, outputs; NN_ABSENT for an absent optional
 * input), zero-padded to 4 bytes, then n_words u32 parameter words whose
 * meaning each op defines (nn_params.h). */

static inline uint16_t nn_rd_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t nn_rd_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline int32_t nn_rd_i32(const uint8_t *p)
{
    return (int32_t)nn_rd_u32(p);
}
static inline float nn_rd_f32(const uint8_t *p)
{
    union { uint32_t u; float f; } v;
    v.u = nn_rd_u32(p);
    return v.f;
}
static inline void nn_wr_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void nn_wr_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void nn_wr_f32(uint8_t *p, float f)
{
    union { uint32_t u; float f; } v;
    v.f = f;
    nn_wr_u32(p, v.u);
}
static inline uint32_t nn_f32_bits(float f)
{
    union { uint32_t u; float f; } v;
    v.f = f;
    return v.u;
}
static inline float nn_bits_f32(uint32_t u)
{
    union { uint32_t u; float f; } v;
    v.u = u;
    return v.f;
}

#endif
