/*
 * nn_params.h: the parameter words of each op in a blob (format version 1).
 *
 * Namespace: NN_<OP>_.
 *
 * The host computes every derived quantity (requantisation multipliers and
 * shifts, activation ranges, zero-point offsets) at conversion time with the
 * same double-precision arithmetic TFLite uses, and stores it here; the
 * target only does integer work. Floats are stored as their IEEE-754 bits.
 * Append words at the end; a reader refuses a record with too few words.
 */
#ifndef NN_PARAMS_H
#define NN_PARAMS_H

/* FULLY_CONNECTED. Inputs: input [..., depth], weights [units, depth],
 * bias [units] (optional). Output: [batches, units] (or the input's leading
 * dims with units last when keep_num_dims was set; same bytes either way).
 * float32: input/weights/output float32, bias float32.
 * int8:    input/weights/output int8, bias int32, per-tensor or per-channel
 *          weights (multiplier/shift per unit at CH_OFF).
 * hybrid:  input/output float32, weights int8 (scale per tensor or channel),
 *          bias float32: weights are dequantised on the fly. */
enum {
    NN_FC_ACT_MIN = 0, /* i32 (int8) or f32 bits (float) */
    NN_FC_ACT_MAX,
    NN_FC_IN_OFFSET,   /* i32: -input zero point */
    NN_FC_W_OFFSET,    /* i32: -weights zero point */
    NN_FC_OUT_OFFSET,  /* i32: output zero point */
    NN_FC_MULT,        /* i32 per-tensor output multiplier (Q31) */
    NN_FC_SHIFT,       /* i32 per-tensor output shift (>0: left) */
    NN_FC_CH_OFF,      /* u32 blob offset of i32 mult[units], i32 shift[units];
                          0 = per-tensor */
    NN_FC_WORDS
};

#endif
