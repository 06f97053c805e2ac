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
    NN_POOL_WORDS,
    /* Optional (a record may stop at NN_POOL_WORDS: dilation 1): taps
     * DIL apart; only with VALID geometry (pads 0), so that every tap is
     * inside the image. TFLite has no dilated pooling. */
    NN_POOL_DIL_H = NN_POOL_WORDS, /* i32 >= 1 */
    NN_POOL_DIL_W,
    NN_POOL_WORDS_DILATED
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

/* The ops below came with the ONNX importer (docs/model-format.md has the
 * same words in a table). */

/* TRANSPOSE. Input: data of rank 1..6, any dtype (TFLite's second input,
 * the permutation, is dropped by the host). Output: dimension k is the
 * input's dimension PERM[k]; same dtype and quantisation. Words past the
 * rank are 0. */
enum {
    NN_TRANSPOSE_PERM = 0, /* i32 x 6: a permutation of 0 .. rank - 1 */
    NN_TRANSPOSE_WORDS = 6
};

/* MUL. Inputs a, b; output a x b with ADD's broadcasting. float32 or int8
 * throughout. int8 (TFLite's rule): OUT_OFFSET + (a + A_OFFSET) x
 * (b + B_OFFSET) scaled by (MULT, SHIFT) = a_scale x b_scale / out_scale,
 * clamped to the activation range. The product is at most 255 x 255, so a
 * left shift of up to 15 stays inside int32. */
enum {
    NN_MUL_ACT_MIN = 0, /* i32 (int8) or f32 bits (float) */
    NN_MUL_ACT_MAX,
    NN_MUL_A_OFFSET,    /* i32: -a zero point */
    NN_MUL_B_OFFSET,    /* i32: -b zero point */
    NN_MUL_OUT_OFFSET,  /* i32: output zero point */
    NN_MUL_MULT,        /* i32 Q31 */
    NN_MUL_SHIFT,       /* i32 in [-31, 15] */
    NN_MUL_WORDS
};

/* CONCATENATION. Inputs: 1 .. NN_MAX_OP_IO - 1 tensors of the output's
 * rank and dtype, equal in every dimension but AXIS, whose sizes add up
 * to the output's. Any dtype; quantised inputs must have the output's
 * scale and zero point (no requantisation, as TFLite requires of int8). */
enum {
    NN_CONCAT_AXIS = 0, /* i32 in [0, rank) */
    NN_CONCAT_WORDS
};

/* PAD, PADV2, MIRROR_PAD. Input: data of rank 1..6, float32, int8 or
 * int16 (TFLite's paddings and constant-value inputs are folded into the
 * words by the host). Output dimension k = BEFORE[k] + input's + AFTER[k].
 * MODE 0 (PAD, PADV2) fills with VALUE: f32 bits for float32, the integer
 * for int8 / int16 (PAD: 0.0 or the zero point). MODE 1 (REFLECT: pads at
 * most size - 1) and 2 (SYMMETRIC: at most size) mirror the input
 * (MIRROR_PAD). Quantised input and output share scale and zero point. */
enum {
    NN_PAD_BEFORE = 0,  /* i32 x 6, >= 0 */
    NN_PAD_AFTER = 6,   /* i32 x 6, >= 0 */
    NN_PAD_VALUE = 12,  /* f32 bits or i32 in the dtype's range */
    NN_PAD_MODE,        /* 0 constant, 1 reflect, 2 symmetric */
    NN_PAD_WORDS
};
enum { NN_PAD_CONSTANT = 0, NN_PAD_REFLECT = 1, NN_PAD_SYMMETRIC = 2 };

/* TANH; input and output of one shape. float32: tanh. int8 (output scale
 * 1/128, zero point 0): the LOGISTIC words and Q4.27 input scaling, then
 * the Q-format tanh (nn_fixed_q.h), as TFLite's integer kernel. */
enum {
    NN_TANH_IN_ZP = 0, /* i32: input zero point */
    NN_TANH_MULT,      /* i32 Q31 */
    NN_TANH_SHIFT,     /* i32 in [0, 31] */
    NN_TANH_RADIUS,    /* i32 in [0, 15 x 2^27 >> SHIFT] */
    NN_TANH_WORDS
};

/* LEAKY_RELU; input and output of one shape. float32: x >= 0 ? x : ALPHA
 * x. int8 (TFLite's rule): OUT_ZP + (x - IN_ZP) scaled by the identity
 * multiplier in_scale / out_scale for x >= IN_ZP, else by the alpha
 * multiplier alpha x in_scale / out_scale; clamped to int8. */
enum {
    NN_LEAKY_ALPHA = 0, /* f32 bits (float) */
    NN_LEAKY_IN_ZP,     /* i32 */
    NN_LEAKY_OUT_ZP,    /* i32 */
    NN_LEAKY_ID_MULT,   /* i32 Q31 */
    NN_LEAKY_ID_SHIFT,  /* i32 in [-31, 23] */
    NN_LEAKY_ALPHA_MULT,
    NN_LEAKY_ALPHA_SHIFT,
    NN_LEAKY_WORDS
};

/* PRELU. Inputs: x, alpha (broadcast to x's shape, as ADD's operands).
 * Output: x's shape. float32: x >= 0 ? x : alpha x. int8 (TFLite's rule):
 * v = x + IN_OFFSET; v >= 0: OUT_OFFSET + v scaled by (POS_MULT,
 * POS_SHIFT) = in_scale / out_scale; else OUT_OFFSET + v x (alpha +
 * ALPHA_OFFSET) scaled by (NEG_MULT, NEG_SHIFT) = in_scale x alpha_scale /
 * out_scale; clamped to int8. */
enum {
    NN_PRELU_IN_OFFSET = 0, /* i32: -input zero point */
    NN_PRELU_ALPHA_OFFSET,  /* i32: -alpha zero point */
    NN_PRELU_OUT_OFFSET,    /* i32: output zero point */
    NN_PRELU_POS_MULT,      /* i32 Q31 */
    NN_PRELU_POS_SHIFT,     /* i32 in [-31, 23] */
    NN_PRELU_NEG_MULT,      /* i32 Q31 */
    NN_PRELU_NEG_SHIFT,     /* i32 in [-31, 15] */
    NN_PRELU_WORDS
};

/* RELU, RELU6, RELU_N1_TO_1; input and output of one shape. float32:
 * clamp(x, ACT_MIN, ACT_MAX) ([0, +inf), [0, 6], [-1, 1]). int8 (TFLite's
 * rule): OUT_ZP + (x - IN_ZP) scaled by (MULT, SHIFT) = in_scale /
 * out_scale, clamped to [ACT_MIN, ACT_MAX], the op's range quantised with
 * the output's parameters. */
enum {
    NN_RELU_ACT_MIN = 0, /* i32 (int8) or f32 bits (float) */
    NN_RELU_ACT_MAX,
    NN_RELU_IN_ZP,       /* i32 */
    NN_RELU_OUT_ZP,      /* i32 */
    NN_RELU_MULT,        /* i32 Q31 */
    NN_RELU_SHIFT,       /* i32 in [-31, 23] */
    NN_RELU_WORDS
};

/* LOG_SOFTMAX over the last dimension; input and output of one shape.
 * float32: x - max - log(sum e^(x - max)). int8 (output scale 16/256, zero
 * point 127, as TFLite requires): the same in float32 on the dequantised
 * differences (x - max) x IN_SCALE, requantised round(y / OUT_SCALE) +
 * OUT_ZP, halves away from zero, saturated. */
enum {
    NN_LOG_SOFTMAX_IN_SCALE = 0, /* f32 bits, finite and > 0 (int8) */
    NN_LOG_SOFTMAX_OUT_SCALE,    /* f32 bits, finite and > 0 (int8) */
    NN_LOG_SOFTMAX_OUT_ZP,       /* i32 in [-128, 127] (int8) */
    NN_LOG_SOFTMAX_WORDS
};

/* MAXIMUM, MINIMUM. Inputs a, b; output max(a, b) / min(a, b) with ADD's
 * broadcasting. float32, int8 or int16 throughout; quantised inputs and
 * output share one scale and zero point (the values are compared as they
 * are). No words. */
enum { NN_MAXMIN_WORDS = 0 };

#endif
