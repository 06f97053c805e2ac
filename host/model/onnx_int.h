/*
 * onnx_int.h: the ONNX importer's internals, shared by onnx_read.c (model,
 * values, node loop), onnx_proto.c (nesting check, attributes, errors),
 * onnx_value.c (constants, layouts, emitting ops),
 * onnx_fold.c (constant folding), onnx_conv.c, onnx_ops.c, onnx_gemm.c,
 * onnx_shape.c and onnx_qdq.c (one handler per ONNX op).
 *
 * Namespace: onnx_ / ONNX_. Not for use outside host/model.
 *
 * Every ONNX value (a name) gets one onnx_value. A constant holds host data
 * in the model's own order (folding and weights work on it); an activation
 * is a graph tensor, in one of two layouts: PLAIN (the ONNX dims as they
 * are) or NHWC (channels last: [N, C, H, W] stored [N, H, W, C], and
 * [N, C, L] stored [N, 1, L, C], the 2-D form 1-D convolutions run in).
 * A value converted to the other layout, or dequantised to float, is
 * cached so that the conversion is emitted once.
 */
#ifndef ONNX_INT_H
#define ONNX_INT_H

#include <stdarg.h>

#include "onnx.h"
#include "onnx.pb-c.h"

enum { ONNX_PLAIN = 0, ONNX_NHWC = 1 };
enum { ONNX_UNDEF = 0, ONNX_CONST = 1, ONNX_ACT = 2 };
enum { ONNX_CF = 0, ONNX_CI = 1, ONNX_CQ = 2 }; /* float, integer, quantised */

/* ONNX TensorProto.DataType values the importer names. */
enum {
    ONNX_T_FLOAT = 1, ONNX_T_UINT8 = 2, ONNX_T_INT8 = 3, ONNX_T_UINT16 = 4,
    ONNX_T_INT16 = 5, ONNX_T_INT32 = 6, ONNX_T_INT64 = 7, ONNX_T_STRING = 8,
    ONNX_T_BOOL = 9, ONNX_T_FLOAT16 = 10, ONNX_T_DOUBLE = 11, ONNX_T_UINT32 = 12,
    ONNX_T_UINT64 = 13, ONNX_T_BFLOAT16 = 16
};

/* Host data of a constant, in ONNX order. */
typedef struct {
    int type;          /* ONNX_CF, ONNX_CI, ONNX_CQ */
    int elem;          /* the ONNX data type it came as (ONNX_T_*) */
    size_t count;      /* elements */
    float *f;          /* ONNX_CF: owned */
    int64_t *i;        /* ONNX_CI, ONNX_CQ (the integers): owned */
    /* ONNX_CQ: real = scales[c] x (i - zps[c]), c along axis (n_quant 1:
     * per tensor). qdtype: the graph dtype the integers fit (int8 or
     * int32). */
    int qdtype;
    int n_quant, axis;
    float *scales;     /* owned */
    int32_t *zps;      /* owned */
} onnx_const;

typedef struct {
    const char *name;  /* borrowed from the model */
    int kind;          /* ONNX_UNDEF until defined */
    int rank;
    int64_t dims[NN_MAX_RANK];
    onnx_const c;      /* ONNX_CONST */
    /* ONNX_ACT: the graph tensor in each layout (-1: not made yet), the
     * dequantised float32 form of an int8 activation, the layout it was
     * made in and the op that wrote it there (for fusing activations). */
    int t[2];
    int tf[2];
    int layout;
    int producer;
    int uses, done;    /* consumers (node inputs, graph outputs); done */
    int is_output;
} onnx_value;

typedef struct {
    graph *g;
    const Onnx__GraphProto *gp;
    int64_t opset;
    onnx_value **vals;
    int n_vals;
    int *hash;         /* open addressing: value index + 1, 0 = empty */
    int hash_cap;
    int *cons_off;     /* consumers of value v: cons[cons_off[v] .. cons_off[v + 1]) */
    int *cons;         /* node indices */
    uint64_t const_bytes, max_const_bytes;
    int node;          /* index of the node being imported */
    const Onnx__NodeProto *n;
    /* A dynamic input dimension read as 1 ("input 'x' dimension 2 ('H')";
     * empty if none; the first past the batch, dynamic_inner, preferred),
     * named when a node's shapes do not fit. */
    char dynamic[160];
    int dynamic_inner;
} onnx_ctx;

/* onnx_proto.c --------------------------------------------------------------- */

/* The deepest message nesting of a buffer read as protobuf, every
 * length-delimited field that parses counted as a message: >= 0, or
 * ONNX_WIRE_BAD (not protobuf), ONNX_WIRE_DEEP (past ONNX_MAX_NESTING). */
enum { ONNX_WIRE_BAD = -1, ONNX_WIRE_DEEP = -2 };
int onnx_wire_depth(const uint8_t *p, size_t len);
/* "node I 'name' (Op): why" (the output's name when the node has none). */
hb_status onnx_fail(onnx_ctx *c, hb_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* onnx_read.c ---------------------------------------------------------------- */

onnx_value *onnx_find(const onnx_ctx *c, const char *name);
/* v's index in the table; -1 for a handler's temporary value. */
int onnx_index_of(const onnx_ctx *c, const onnx_value *v);
/* Input k of the current node, or NULL when absent (or empty: optional). */
onnx_value *onnx_in(onnx_ctx *c, int k);
int onnx_n_in(const onnx_ctx *c);
/* Output k of the current node (to define), or NULL if absent. */
onnx_value *onnx_out(onnx_ctx *c, int k);
/* 1 if output k exists and something reads it. */
int onnx_out_used(onnx_ctx *c, int k);

/* Attributes of the current node (onnx_proto.c); a present attribute of
 * another type is an error. */
hb_status onnx_attr_i(onnx_ctx *c, const char *name, int64_t def, int64_t *v);
hb_status onnx_attr_f(onnx_ctx *c, const char *name, float def, float *v);
/* Up to max ints; *n = -1 when absent. */
hb_status onnx_attr_ints(onnx_ctx *c, const char *name, int max, int64_t *v, int *n);
/* The string copied into buf (def when absent). */
hb_status onnx_attr_s(onnx_ctx *c, const char *name, const char *def, char *buf, size_t len);
const Onnx__AttributeProto *onnx_attr(const onnx_ctx *c, const char *name);

/* onnx_value.c --------------------------------------------------------------- */

/* A constant from a TensorProto (initializer or attribute). */
hb_status onnx_const_from_proto(onnx_ctx *c, const Onnx__TensorProto *t, onnx_value *v);
/* Defines v as a constant of type (ONNX_CF / ONNX_CI) and dims, with
 * zeroed data of its count (counted against the cap). */
hb_status onnx_def_const(onnx_ctx *c, onnx_value *v, int type, int rank, const int64_t *dims);
void onnx_const_clear(onnx_const *k);
/* Element k of a constant as float / integer (CQ: dequantised / raw). */
float onnx_cf(const onnx_value *v, size_t k);
int64_t onnx_ci(const onnx_value *v, size_t k);
/* Elements of dims; 0 if any is 0. */
size_t onnx_count(int rank, const int64_t *dims);
/* Counts bytes against the cap. */
hb_status onnx_charge(onnx_ctx *c, uint64_t bytes);

/* Graph shape of ONNX dims in a layout; map[j] is the ONNX dimension of
 * graph dimension j, -1 for an inserted unit. Returns the graph rank. */
int onnx_view(int layout, int rank, const int64_t *dims, int32_t *gdims, int *map);
/* 1 if values of this rank can be NHWC (3 and 4). */
int onnx_nhwc_ok(int rank);
/* Copies a rank-r array of esize-byte elements (dims) into graph order:
 * graph dimension j reads source dimension map[j] (-1: a unit). */
void onnx_permute(const void *src, size_t esize, int rank, const int64_t *dims, int grank,
                  const int32_t *gdims, const int *map, void *dst);

/* Adds a graph tensor (dims in graph order). */
hb_status onnx_add_tensor(onnx_ctx *c, const char *name, const char *suffix, int dtype,
                          int grank, const int32_t *gdims, const void *data, size_t bytes,
                          int *t);
/* Appends an op; *index (may be NULL) gets its index. */
hb_status onnx_emit(onnx_ctx *c, int op, int n_in, const int *ins, int out,
                    const graph_options *opt, int *index);
/* A constant int32 vector tensor (TRANSPOSE permutation and the like). */
hb_status onnx_int32_tensor(onnx_ctx *c, const char *name, int rank, const int32_t *dims,
                            const int32_t *v, int *t);

/* Defines v as an activation: a new graph tensor of dtype with v's dims
 * (rank, dims) in layout; *t gets it. Quantisation is copied from q_like
 * (a graph tensor index, -1: none). */
hb_status onnx_new_act(onnx_ctx *c, onnx_value *v, int rank, const int64_t *dims,
                       int layout, int dtype, int q_like, int *t);
/* Defines v as an existing graph tensor (an alias). */
void onnx_alias(onnx_value *v, const onnx_value *src);

/* The graph tensor of value v (activation or constant) in a layout, its
 * dims extended with leading 1s to rank (>= v->rank). as_float: float32
 * (int8 activations dequantised, quantised constants too); otherwise the
 * activation's own dtype, and constants as float32 (CF), int32 (CI) or
 * their quantised integers (CQ). */
hb_status onnx_operand(onnx_ctx *c, onnx_value *v, int layout, int rank, int as_float, int *t);
/* A graph tensor of constant v in an arbitrary order: graph dimension j
 * (of gd) reads v's dimension map[j] (-1: a unit); quantisation axes
 * follow. as_float as for onnx_operand. */
hb_status onnx_const_mapped(onnx_ctx *c, onnx_value *v, const char *tag, int grank,
                           const int32_t *gd, const int *map, int as_float, int *t);
/* The layout an elementwise op over these inputs should run in: NHWC if
 * one activation input is NHWC with the output's rank. */
int onnx_pick_layout(onnx_ctx *c, onnx_value *const *ins, int n, int out_rank);
/* Dtype of an activation's primary tensor. */
int onnx_act_dtype(const onnx_ctx *c, const onnx_value *v);
/* Graph tensor of an activation in its own layout. */
int onnx_act_tensor(const onnx_value *v);

/* onnx_fold.c ---------------------------------------------------------------- */

typedef hb_status (*onnx_fn)(onnx_ctx *c);
/* The folding function of op_type, or NULL. */
onnx_fn onnx_fold_fn(const char *op_type);
/* Numpy broadcast of two shapes; HB_ERR_FORMAT (node named) if they do
 * not broadcast. */
hb_status onnx_broadcast(onnx_ctx *c, int ra, const int64_t *da, int rb, const int64_t *db,
                         int *r, int64_t *d);
/* A node's integer list from an attribute (older opsets) or a constant
 * input (newer); *n = -1 when neither is given. */
hb_status onnx_ints_arg(onnx_ctx *c, const char *attr, int input, int max, int64_t *v, int *n);

/* Handlers (onnx_conv.c, onnx_ops.c, onnx_shape.c, onnx_qdq.c) ---------------- */

hb_status onnx_op_conv(onnx_ctx *c);
hb_status onnx_op_max_pool(onnx_ctx *c);
hb_status onnx_op_average_pool(onnx_ctx *c);
hb_status onnx_op_global_average_pool(onnx_ctx *c);
hb_status onnx_op_global_max_pool(onnx_ctx *c);
hb_status onnx_op_batch_norm(onnx_ctx *c);

hb_status onnx_op_gemm(onnx_ctx *c);    /* onnx_gemm.c */
hb_status onnx_op_matmul(onnx_ctx *c);
hb_status onnx_op_add(onnx_ctx *c);     /* onnx_ops.c */
hb_status onnx_op_sub(onnx_ctx *c);
hb_status onnx_op_mul(onnx_ctx *c);
hb_status onnx_op_div(onnx_ctx *c);
hb_status onnx_op_sum(onnx_ctx *c);
hb_status onnx_op_neg(onnx_ctx *c);
hb_status onnx_op_relu(onnx_ctx *c);
hb_status onnx_op_clip(onnx_ctx *c);
hb_status onnx_op_leaky_relu(onnx_ctx *c);
hb_status onnx_op_prelu(onnx_ctx *c);
hb_status onnx_op_sigmoid(onnx_ctx *c);
hb_status onnx_op_tanh(onnx_ctx *c);
hb_status onnx_op_softmax(onnx_ctx *c);
hb_status onnx_op_log_softmax(onnx_ctx *c);

hb_status onnx_op_reshape(onnx_ctx *c);
hb_status onnx_op_flatten(onnx_ctx *c);
hb_status onnx_op_squeeze(onnx_ctx *c);
hb_status onnx_op_unsqueeze(onnx_ctx *c);
hb_status onnx_op_transpose(onnx_ctx *c);
hb_status onnx_op_concat(onnx_ctx *c);
hb_status onnx_op_pad(onnx_ctx *c);
hb_status onnx_op_identity(onnx_ctx *c);

hb_status onnx_op_quantize_linear(onnx_ctx *c);
hb_status onnx_op_dequantize_linear(onnx_ctx *c);

/* Shared by the elementwise and the Gemm handlers (onnx_ops.c). */
/* A temporary float constant of (rank, dims), zeroed; the caller frees
 * v->c.f. */
hb_status onnx_temp_const(onnx_value *v, const char *name, int rank, const int64_t *dims);
/* int8 output parameters when every activation input is int8, every
 * constant input a per-tensor int8 constant, and o is quantised by all its
 * consumers (1); else 0. */
int onnx_int8_mode(onnx_ctx *c, onnx_value *const *ins, int n, const onnx_value *o, float *s,
                   int32_t *z);
/* ADD or MUL of a and b (numpy broadcasting, opset < 7 legacy too) into o. */
hb_status onnx_binary(onnx_ctx *c, int op, onnx_value *a, onnx_value *b, onnx_value *o);

/* Shape helpers shared by the folding and the handlers (onnx_shape.c). */
/* Reshape's output dims for an input of (rank, dims), from the node's
 * shape input (0 copies, -1 infers; allowzero). */
hb_status onnx_reshape_dims(onnx_ctx *c, int rank, const int64_t *dims, int *r, int64_t *d);
/* Flatten's [outer, inner] for x (attribute axis). */
hb_status onnx_flatten_dims(onnx_ctx *c, const onnx_value *x, int64_t *d);
/* Squeeze's (unsqueeze 0) or Unsqueeze's (1) output dims for x. */
hb_status onnx_squeeze_dims(onnx_ctx *c, const onnx_value *x, int unsqueeze, int *r,
                            int64_t *d);
/* Transpose's permutation (attribute perm, default reversed), checked. */
hb_status onnx_perm_of(onnx_ctx *c, int rank, int *perm);
/* Emits a RESHAPE of activation v (read in the model's order) to (rank,
 * dims), defining out as a plain activation of v's dtype. */
hb_status onnx_reshape_to(onnx_ctx *c, onnx_value *v, onnx_value *out, int rank,
                          const int64_t *dims);
/* Emits what moves graph tensor src, whose graph dimension j holds
 * dimension ms[j] of a value of dims e (-1: a unit), to graph dims gd
 * holding md[j]: nothing, a RESHAPE, or a TRANSPOSE with RESHAPEs around
 * it. *out is the result (src when nothing moves); name and tag name the
 * new tensors. */
hb_status onnx_rearrange(onnx_ctx *c, const char *name, const char *tag, int src, int rs,
                         const int32_t *gs, const int *ms, const int64_t *e, int rd,
                         const int32_t *gd, const int *md, int *out);

/* int8 execution (onnx_qdq.c) ------------------------------------------------ */

/* The parameters every consumer of v applies, if all of them are
 * QuantizeLinear nodes with one constant per-tensor scale and zero point
 * (uint8 shifted to int8): 1 and *scale, *zp; else 0. */
int onnx_q_lookahead(onnx_ctx *c, const onnx_value *v, float *scale, int32_t *zp);
/* 1 if v is an int8 activation. */
int onnx_is_q_act(const onnx_ctx *c, const onnx_value *v);

#endif
