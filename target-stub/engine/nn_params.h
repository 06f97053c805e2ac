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
 *          bias float32: weights are dequantised on the fly.
 * 16x8:    input/output int16 (zero points 0: the three offsets are 0),
 *          weights int8, bias int64; activation range in int16; shifts in
 *          [-31, 7] (nn_fx_mul_by_quantized64). */
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

/* CONV_2D. Inputs: input [N, H, W, C_IN], filter [C_OUT, KH, KW, C_F],
 * bias [C_OUT] (optional). Output: [N, OH, OW, C_OUT]. C_F divides C_IN:
 * groups = C_IN / C_F, each of C_OUT / groups filters reads its group.
 * OH, OW and the pads are TFLite's for SAME or VALID padding; the engine
 * refuses any other combination. Dtypes as FULLY_CONNECTED (float32, int8
 * with symmetric per-tensor or per-channel weights, hybrid, 16x8 with an
 * int64 bias at an 8-aligned address); the weights' per-channel axis is 0. */
enum {
    NN_CONV_STRIDE_H = 0, /* i32 >= 1 */
    NN_CONV_STRIDE_W,
    NN_CONV_DIL_H,        /* i32 >= 1 */
    NN_CONV_DIL_W,
    NN_CONV_PAD_H,        /* i32 >= 0: rows of padding before the input */
    NN_CONV_PAD_W,
    NN_CONV_ACT_MIN,      /* i32 (int8) or f32 bits (float) */
    NN_CONV_ACT_MAX,
    NN_CONV_IN_OFFSET,    /* i32: -input zero point */
    NN_CONV_OUT_OFFSET,   /* i32: output zero point */
    NN_CONV_MULT,         /* i32 per-tensor output multiplier (Q31) */
    NN_CONV_SHIFT,        /* i32 per-tensor output shift (>0: left) */
    NN_CONV_CH_OFF,       /* u32 blob offset of i32 mult[C_OUT], i32
                             shift[C_OUT]; 0 = per-tensor */
    NN_CONV_WORDS
};

/* DEPTHWISE_CONV_2D. Inputs: input [N, H, W, C_IN], filter [1, KH, KW,
 * C_OUT], bias [C_OUT] (optional). Output [N, OH, OW, C_OUT] with
 * C_OUT = C_IN x DEPTH_MULT; output channel c reads input channel
 * c / DEPTH_MULT. Words as CONV_2D, plus the multiplier; the weights'
 * per-channel axis is 3. */
enum {
    NN_DW_STRIDE_H = 0,
    NN_DW_STRIDE_W,
    NN_DW_DIL_H,
    NN_DW_DIL_W,
    NN_DW_PAD_H,
    NN_DW_PAD_W,
    NN_DW_ACT_MIN,
    NN_DW_ACT_MAX,
    NN_DW_IN_OFFSET,
    NN_DW_OUT_OFFSET,
    NN_DW_MULT,
    NN_DW_SHIFT,
    NN_DW_CH_OFF,
    NN_DW_DEPTH_MULT,     /* i32 >= 1 */
    NN_DW_WORDS
};

/* AVERAGE_POOL_2D and MAX_POOL_2D. Input [N, H, W, C], output
 * [N, OH, OW, C], float32, int8 or int16; int8 and int16 inputs and outputs
 * share one scale and zero point (no requantisation). The int8 average rounds half away
 * from zero: (sum +- count / 2) / count over the in-image taps. */
enum {
    NN_POOL_STRIDE_H = 0, /* i32 >= 1 */
    NN_POOL_STRIDE_W,
    NN_POOL_FILTER_H,     /* i32 >= 1: window */
    NN_POOL_FILTER_W,
    NN_POOL_PAD_H,        /* i32 >= 0 */
    NN_POOL_PAD_W,
    NN_POOL_ACT_MIN,      /* i32 (int8) or f32 bits (float) */
    NN_POOL_ACT_MAX,
    NN_POOL_WORDS
};

/* ADD. Inputs a, b; output out = a + b, numpy broadcasting over up to 6
 * dimensions (aligned at the last; each pair equal or one of them 1; out
 * has the broadcast shape). float32 or int8 throughout. int8 is TFLite's
 * rule: a' = (a + A_OFFSET) << LEFT_SHIFT scaled by (A_MULT, A_SHIFT), b'
 * likewise, (a' + b') scaled by (OUT_MULT, OUT_SHIFT) + OUT_OFFSET,
 * clamped to the activation range. The host computes the multipliers from
 * in_scale / (2 max(in scales)) and 2 max(in scales) / (2^20 out_scale).
 * int16 (16x8) is the same rule with zero offsets, LEFT_SHIFT 15 (2^15 in
 * the output multiplier) and non-negative multipliers. */
enum {
    NN_ADD_ACT_MIN = 0, /* i32 (int8) or f32 bits (float) */
    NN_ADD_ACT_MAX,
    NN_ADD_A_OFFSET,    /* i32: -a zero point */
    NN_ADD_B_OFFSET,    /* i32: -b zero point */
    NN_ADD_OUT_OFFSET,  /* i32: output zero point */
    NN_ADD_LEFT_SHIFT,  /* i32 in [0, 20]; 20 for int8 */
    NN_ADD_A_MULT,      /* i32 Q31 */
    NN_ADD_A_SHIFT,     /* i32 in [-31, 0] */
    NN_ADD_B_MULT,
    NN_ADD_B_SHIFT,
    NN_ADD_OUT_MULT,
    NN_ADD_OUT_SHIFT,
    NN_ADD_WORDS
};

/* RESHAPE. Input: data (a second input, the shape, is dropped by the host).
 * Output: same dtype and byte size. When the plan put both at one arena
 * offset there is nothing to do; otherwise the bytes are copied. */
enum { NN_RESHAPE_WORDS = 0 };

/* SOFTMAX over the last dimension; input and output of one shape.
 * float32: e^(BETA (x - max)) / sum. int8 (output scale 1/256, zero point
 * -128): TFLite's integer softmax; MULT and SHIFT are
 * min(beta x input_scale x 2^26, 2^31 - 1) as a Q31 multiplier and left
 * shift, DIFF_MIN minus the input radius floor(31 x 2^26 / 2^SHIFT).
 * int16 (output scale 1/32768, zero point 0; input zero point 0): TFLite's
 * table softmax; MULT and SHIFT are beta x input_scale x 65535 / 10 as a
 * Q31 multiplier and shift in [-31, 15], LUT the offset of the tables
 * (nn_k_softmax_s16_params). int8 and float records may end before LUT. */
enum {
    NN_SOFTMAX_BETA = 0, /* f32 bits (float) */
    NN_SOFTMAX_MULT,     /* i32 Q31, > 0 (int8) */
    NN_SOFTMAX_SHIFT,    /* i32 in [0, 31] */
    NN_SOFTMAX_DIFF_MIN, /* i32 in [-(31 x 2^26 >> SHIFT), 0] */
    NN_SOFTMAX_LUT,      /* u32 blob offset of i16 exp[513], then i16
                            one_over_one_plus[513] (int16 only) */
    NN_SOFTMAX_WORDS
};

/* LOGISTIC; input and output of one shape. float32: TFLite's cut-offs.
 * int8 (output scale 1/256, zero point -128): input_scale x 2^27 as a Q31
 * multiplier and left shift (frexp), RADIUS = floor(15 x 2^27 / 2^SHIFT).
 * int16 (zero points 0, output scale 1/32768): MULT in [0, 32767] and
 * SHIFT in [0, 31] bring the input to units of 1 / (3 x 4096) (MULT 0: a
 * power-of-two input scale, multiplier 3 << SHIFT with SHIFT <= 1), LUT the
 * offset of the u16 sigmoid table (nn_k_logistic_s16_params); IN_ZP and
 * RADIUS are 0. int8 and float records may end before LUT. */
enum {
    NN_LOGISTIC_IN_ZP = 0, /* i32: input zero point */
    NN_LOGISTIC_MULT,      /* i32 Q31 */
    NN_LOGISTIC_SHIFT,     /* i32 in [0, 31] */
    NN_LOGISTIC_RADIUS,    /* i32 in [0, 15 x 2^27 >> SHIFT] */
    NN_LOGISTIC_LUT,       /* u32 blob offset of u16 sigmoid[256] (int16) */
    NN_LOGISTIC_WORDS
};

/* QUANTIZE; input and output of one shape, per-tensor quantisation.
 * float32 -> int8 / int16: q = round(x / SCALE) + OUT_ZP, halves away from
 * zero, clamped. int8 -> int8: q = ((x - IN_ZP) x (MULT, SHIFT)) + OUT_ZP,
 * clamped, with MULT and SHIFT from in_scale / out_scale. */
enum {
    NN_QUANTIZE_SCALE = 0, /* f32 bits: output scale (from float) */
    NN_QUANTIZE_OUT_ZP,    /* i32: output zero point */
    NN_QUANTIZE_IN_ZP,     /* i32: input zero point (int8 input) */
    NN_QUANTIZE_MULT,      /* i32 Q31 (int8 input) */
    NN_QUANTIZE_SHIFT,     /* i32 in [-31, 23] */
    NN_QUANTIZE_WORDS
};

/* DEQUANTIZE; int8 / int16 -> float32 of one shape: SCALE x (q - ZP). */
enum {
    NN_DEQUANTIZE_SCALE = 0, /* f32 bits: input scale */
    NN_DEQUANTIZE_ZP,        /* i32: input zero point */
    NN_DEQUANTIZE_WORDS
};

#endif
