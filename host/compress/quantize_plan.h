/*
 * quantize_plan.h: the work plan of post-training quantisation, shared by
 * quantize.c (activations, assembly, entry points) and quantize_rules.c
 * (one rule per op). Internal to host/compress.
 *
 * Namespace: qplan_ / qrule_.
 *
 * Every tensor of the float graph gets a qplan_tensor saying what it
 * becomes. Activations are planned first from their ranges; then each op's
 * rule, in execution order, plans the constants it owns (weights, biases)
 * and may override its outputs (ops whose output TFLite pins, such as
 * SOFTMAX, or that pass their input's quantisation through, such as
 * pooling). Execution order matters: a bias scale depends on the input's.
 */
#ifndef COMPRESS_QUANTIZE_PLAN_H
#define COMPRESS_QUANTIZE_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "quantize.h"

typedef struct {
    int set;           /* 1 once planned */
    int dtype;         /* nn_dtype of the new tensor */
    int n_quant;       /* 0 none, 1 per tensor, > 1 per channel */
    float *scales;     /* owned, n_quant */
    int32_t *zps;      /* owned, n_quant */
    int axis;
    void *data;        /* owned new constant data, NULL: keep / none */
    size_t bytes;
} qplan_tensor;

typedef struct {
    const graph *g;
    const compress_quantize_options *opt;
    qplan_tensor *plan; /* n_tensors */
    int *op_code;       /* n_ops: the opcode each op gets (a rule may change it) */
} qplan;

typedef hb_status (*qrule_fn)(qplan *q, int op);

/* The rule of each opcode (quantize_rules.c); NULL: not quantisable. */
extern const qrule_fn qrule_table[NN_OP_COUNT];

/* Rules of the ops the ONNX importer brought (quantize_ops.c). */
hb_status qrule_move(qplan *q, int op);       /* TRANSPOSE, PAD, PADV2, MIRROR_PAD */
hb_status qrule_shared(qplan *q, int op);     /* CONCATENATION, MAXIMUM, MINIMUM */
hb_status qrule_own_range(qplan *q, int op);  /* RELU, RELU6, RELU_N1_TO_1, LEAKY_RELU */
hb_status qrule_prelu(qplan *q, int op);
hb_status qrule_pinned(qplan *q, int op);     /* TANH, LOG_SOFTMAX */
/* Before the rules: tensors that must share quantisation (CONCATENATION,
 * MAXIMUM, MINIMUM and what pass-through ops tie to them) get the union of
 * their ranges (quantize_ops.c). */
hb_status qrule_prepare(qplan *q);

/* Plans constant float32 weights t as symmetric int8 [-127, 127], per
 * channel along axis, or per tensor (quantize_rules.c). */
hb_status qrule_weights(qplan *q, int t, int per_tensor, int axis);

/* Allocates n scales and zero points (zeroed) and marks p planned. */
hb_status qplan_quant(qplan_tensor *p, int dtype, int n, int axis);
/* p gets src's dtype and quantisation (the tensors then mean the same). */
hb_status qplan_share(qplan_tensor *p, const qplan_tensor *src);
/* Per-tensor activation parameters of a range for the plan's scheme. */
hb_status qplan_activation(const qplan *q, qplan_tensor *p, float min, float max);
/* "op I (NAME): why" as HB_ERR_UNSUPPORTED. */
hb_status qplan_refuse(const graph *g, int op, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const char *qplan_name(const graph *g, int t);

/* 1 if tensor t is a float32 constant without quantisation. */
int qplan_is_float_const(const graph *g, int t);
/* 1 if t is an int8 activation with per-tensor quantisation that only a
 * QUANTIZE writes or only DEQUANTIZE ops read: a float model's own
 * quantised edges, which keep their parameters. */
int qplan_is_fixed_edge(const graph *g, int t);

#endif
