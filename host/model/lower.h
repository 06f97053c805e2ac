/*
 * lower.h: from a graph op to an engine op record (nn_params.h).
 *
 * Namespace: lower_.
 *
 * One lowering function per opcode, in a table: it picks the op's tensors,
 * checks the dtype mix is one the engine runs, and computes the parameter
 * words with TFLite's arithmetic (double-precision effective scales,
 * frexp-based Q31 multipliers, activation ranges from the output's
 * quantisation). Per-channel arrays go into the blob's data region; the
 * packer (blob.c) patches their final offsets into the named words.
 */
#ifndef LOWER_H
#define LOWER_H

#include <stdint.h>

#include "graph.h"

#define LOWER_MAX_WORDS 64
#define LOWER_MAX_ARRAYS 4

typedef struct {
    int word;          /* parameter word that receives the blob offset */
    uint8_t *data;     /* owned */
    uint32_t bytes;
} lower_array;

typedef struct {
    int op;                        /* nn_opcode */
    int n_inputs, n_outputs;
    int inputs[NN_MAX_OP_IO];      /* graph tensor indices, -1 absent */
    int outputs[NN_MAX_OP_IO];
    int n_words;
    uint32_t words[LOWER_MAX_WORDS];
    int n_arrays;
    lower_array arrays[LOWER_MAX_ARRAYS];
} lower_op;

/* Lowers op i of g into *lo (zeroed first). HB_ERR_UNSUPPORTED names the op
 * and why. Free with lower_op_clear() in every case. */
hb_status lower_op_build(const graph *g, int i, lower_op *lo);
void lower_op_clear(lower_op *lo);

/* Helpers for the per-op lowering functions ------------------------------ */

/* TFLite's QuantizeMultiplier: m = mult / 2^31 * 2^shift, mult in
 * [2^30, 2^31), or (0, 0) for m == 0; tiny m flushes to (0, 0). */
void lower_quantize_multiplier(double m, int32_t *mult, int32_t *shift);
/* Integer activation range of an int8 output (scale, zero point). */
hb_status lower_act_range_s8(int activation, float scale, int32_t zero_point,
                             int32_t *lo, int32_t *hi);
/* The same for an int16 output (zero point 0). */
hb_status lower_act_range_s16(int activation, float scale, int32_t *lo, int32_t *hi);
/* Float activation range. */
hb_status lower_act_range_f32(int activation, float *lo, float *hi);
/* The requantisation in_scale x w->scales[c] / out_scale of each of the
 * `channels` outputs: with one filter scale, Q31 multiplier and shift into
 * words w_mult, w_shift; else little-endian i32 mult[channels] then
 * shift[channels] as an array at word w_ch. A shift above max_shift is
 * refused (op i named). */
hb_status lower_requant_words(const graph *g, int i, double in_scale,
                              const graph_tensor *w, double out_scale,
                              int channels, int max_shift, int w_mult,
                              int w_shift, int w_ch, lower_op *lo);
/* Appends a copy of bytes as an array whose blob offset goes in word. */
hb_status lower_add_array(lower_op *lo, int word, const void *data,
                          uint32_t bytes);
/* Sets the op's tensors from the graph op (all inputs, all outputs). */
void lower_copy_io(const graph *g, int i, lower_op *lo);
/* LOGISTIC's and TANH's int8 input words (IN_ZP, MULT, SHIFT, RADIUS):
 * the input scale as a Q4.27 multiplier, as TFLite does. */
hb_status lower_q427_words(const graph *g, int i, const graph_tensor *in, lower_op *lo);
/* Fails with "op I (NAME): <reason>" as HB_ERR_UNSUPPORTED. */
hb_status lower_refuse(const graph *g, int i, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Per-op lowering functions (lower_<family>.c). */
hb_status lower_fully_connected(const graph *g, int i, lower_op *lo);
/* lower_misc.c: ADD, RESHAPE, SOFTMAX, LOGISTIC, QUANTIZE, DEQUANTIZE. */
hb_status lower_add(const graph *g, int i, lower_op *lo);
hb_status lower_reshape(const graph *g, int i, lower_op *lo);
hb_status lower_softmax(const graph *g, int i, lower_op *lo);
hb_status lower_logistic(const graph *g, int i, lower_op *lo);
hb_status lower_quantize(const graph *g, int i, lower_op *lo);
hb_status lower_dequantize(const graph *g, int i, lower_op *lo);
/* lower_conv.c: convolutions and pools (AVERAGE_POOL_2D, MAX_POOL_2D). */
hb_status lower_conv_2d(const graph *g, int i, lower_op *lo);
hb_status lower_depthwise_conv_2d(const graph *g, int i, lower_op *lo);
hb_status lower_pool_2d(const graph *g, int i, lower_op *lo);
/* lower_shape.c: TRANSPOSE, CONCATENATION, PAD / PADV2 / MIRROR_PAD. */
hb_status lower_transpose(const graph *g, int i, lower_op *lo);
hb_status lower_concatenation(const graph *g, int i, lower_op *lo);
hb_status lower_pad(const graph *g, int i, lower_op *lo);
/* lower_act.c: MUL, MAXIMUM / MINIMUM, RELU / RELU6 / RELU_N1_TO_1,
 * LEAKY_RELU, PRELU, TANH, LOG_SOFTMAX. */
hb_status lower_mul(const graph *g, int i, lower_op *lo);
hb_status lower_maxmin(const graph *g, int i, lower_op *lo);
hb_status lower_relu(const graph *g, int i, lower_op *lo);
hb_status lower_leaky_relu(const graph *g, int i, lower_op *lo);
hb_status lower_prelu(const graph *g, int i, lower_op *lo);
hb_status lower_tanh(const graph *g, int i, lower_op *lo);
hb_status lower_log_softmax(const graph *g, int i, lower_op *lo);

#endif
