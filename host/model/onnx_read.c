/*
 * onnx_read.c: an ONNX ModelProto into a graph: the file, the value table,
 * the graph's inputs, the node loop and the outputs.
 *
 * Order: the nesting check (onnx_proto.c), unpacking (protobuf-c), the
 * opset, then every name gets a value (initializers and graph inputs
 * defined, node outputs not yet), uses are counted (an input nobody
 * defines is reported here: a missing initializer), then the nodes run in
 * file order: each is folded on the host when its inputs are constants and
 * a folding rule exists, else its handler emits graph ops. A constant's
 * host data is freed after its last consumer. The graph outputs are
 * brought back to the model's layout and float32, graph_validate() last.
 *
 * Workload: models of tens to hundreds of nodes; the weights dominate
 * (VGG-19's 574 MB import in seconds), so constants are copied as few
 * times as the layout change needs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"
#include "../util/hb_file.h"

#define ONNX_MIN_OPSET 6
#define ONNX_MAX_OPSET 17

/* Values ---------------------------------------------------------------------- */

static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

onnx_value *onnx_find(const onnx_ctx *c, const char *name)
{
    if (!name || !c->hash_cap)
        return NULL;
    for (uint32_t k = name_hash(name) & (uint32_t)(c->hash_cap - 1);;
         k = (k + 1) & (uint32_t)(c->hash_cap - 1)) {
        int e = c->hash[k];
        if (!e)
            return NULL;
        if (!strcmp(c->vals[e - 1]->name, name))
            return c->vals[e - 1];
    }
}

int onnx_index_of(const onnx_ctx *c, const onnx_value *v)
{
    if (!v->name || !c->hash_cap)
        return -1;
    for (uint32_t k = name_hash(v->name) & (uint32_t)(c->hash_cap - 1); c->hash[k];
         k = (k + 1) & (uint32_t)(c->hash_cap - 1))
        if (c->vals[c->hash[k] - 1] == v)
            return c->hash[k] - 1;
    return -1; /* a temporary value of a handler */
}

/* A new (undefined) value named name; NULL if it already exists. */
static hb_status add_value(onnx_ctx *c, const char *name, onnx_value **out)
{
    *out = NULL;
    if (onnx_find(c, name))
        return HB_OK;
    onnx_value *v = calloc(1, sizeof(*v));
    if (!v)
        return hb_fail(HB_ERR_MEM, "out of memory");
    v->name = name;
    v->t[0] = v->t[1] = v->tf[0] = v->tf[1] = v->producer = -1;
    c->vals[c->n_vals] = v;
    uint32_t k = name_hash(name) & (uint32_t)(c->hash_cap - 1);
    while (c->hash[k])
        k = (k + 1) & (uint32_t)(c->hash_cap - 1);
    c->hash[k] = ++c->n_vals;
    *out = v;
    return HB_OK;
}

onnx_value *onnx_in(onnx_ctx *c, int k)
{
    if (k < 0 || (size_t)k >= c->n->n_input || !c->n->input[k] || !c->n->input[k][0])
        return NULL;
    return onnx_find(c, c->n->input[k]);
}

int onnx_n_in(const onnx_ctx *c) { return (int)c->n->n_input; }

onnx_value *onnx_out(onnx_ctx *c, int k)
{
    if (k < 0 || (size_t)k >= c->n->n_output || !c->n->output[k] || !c->n->output[k][0])
        return NULL;
    return onnx_find(c, c->n->output[k]);
}

int onnx_out_used(onnx_ctx *c, int k)
{
    onnx_value *v = onnx_out(c, k);
    return v && v->uses > 0;
}

/* Handlers -------------------------------------------------------------------- */

static const struct {
    const char *op;
    onnx_fn fn;
} handlers[] = {
    {"Conv", onnx_op_conv},
    {"MaxPool", onnx_op_max_pool},
    {"AveragePool", onnx_op_average_pool},
    {"GlobalAveragePool", onnx_op_global_average_pool},
    {"GlobalMaxPool", onnx_op_global_max_pool},
    {"BatchNormalization", onnx_op_batch_norm},
    {"Gemm", onnx_op_gemm},
    {"MatMul", onnx_op_matmul},
    {"Add", onnx_op_add},
    {"Sub", onnx_op_sub},
    {"Mul", onnx_op_mul},
    {"Div", onnx_op_div},
    {"Sum", onnx_op_sum},
    {"Neg", onnx_op_neg},
    {"Relu", onnx_op_relu},
    {"Clip", onnx_op_clip},
    {"LeakyRelu", onnx_op_leaky_relu},
    {"PRelu", onnx_op_prelu},
    {"Sigmoid", onnx_op_sigmoid},
    {"Tanh", onnx_op_tanh},
    {"Softmax", onnx_op_softmax},
    {"LogSoftmax", onnx_op_log_softmax},
    {"Reshape", onnx_op_reshape},
    {"Flatten", onnx_op_flatten},
    {"Squeeze", onnx_op_squeeze},
    {"Unsqueeze", onnx_op_unsqueeze},
    {"Transpose", onnx_op_transpose},
    {"Concat", onnx_op_concat},
    {"Pad", onnx_op_pad},
    {"Identity", onnx_op_identity},
    {"Dropout", onnx_op_identity},
    {"QuantizeLinear", onnx_op_quantize_linear},
    {"DequantizeLinear", onnx_op_dequantize_linear},
};

static onnx_fn handler_of(const char *op)
{
    for (size_t k = 0; k < sizeof(handlers) / sizeof(handlers[0]); k++)
        if (!strcmp(handlers[k].op, op))
            return handlers[k].fn;
    return NULL;
}

/* Shape and Size read only dimensions, known for every value. */
static int reads_shape_only(const char *op)
{
    return !strcmp(op, "Shape") || !strcmp(op, "Size");
}

static hb_status run_node(onnx_ctx *c, int i)
{
    const Onnx__NodeProto *n = c->gp->node[i];
    int all_const = 1;
    hb_status st;

    c->node = i;
    c->n = n;
    if (!n->op_type || !n->op_type[0])
        return onnx_fail(c, HB_ERR_FORMAT, "no op type");
    if (n->domain && n->domain[0] && strcmp(n->domain, "ai.onnx"))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "op %s of domain '%s' is not supported",
                         n->op_type, n->domain);
    for (size_t k = 0; k < n->n_input; k++) {
        onnx_value *v = onnx_in(c, (int)k);
        if (!v)
            continue;
        if (v->kind == ONNX_UNDEF)
            return onnx_fail(c, HB_ERR_FORMAT, "input '%s' is computed by a later node: "
                             "nodes must be in topological order", v->name);
        all_const &= v->kind == ONNX_CONST;
    }
    onnx_fn fold = onnx_fold_fn(n->op_type), fn = handler_of(n->op_type);
    if (fold && (all_const || reads_shape_only(n->op_type) || !fn))
        st = fold(c);
    else if (fn)
        st = fn(c);
    else
        st = onnx_fail(c, HB_ERR_UNSUPPORTED, "op %s is not supported", n->op_type);
    if (st != HB_OK)
        return st;
    for (size_t k = 0; k < n->n_output; k++) {
        onnx_value *v = onnx_out(c, (int)k);
        if (v && v->uses > 0 && v->kind == ONNX_UNDEF)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "output %zu ('%s') is not supported", k,
                             v->name);
    }
    /* Host data nobody will read again goes now (weights live on in the
     * graph). */
    for (size_t k = 0; k < n->n_input; k++) {
        onnx_value *v = onnx_in(c, (int)k);
        if (v && ++v->done >= v->uses && v->kind == ONNX_CONST && !v->is_output)
            onnx_const_clear(&v->c);
    }
    return HB_OK;
}

/* Model, inputs, outputs ------------------------------------------------------- */

static hb_status read_opset(onnx_ctx *c, const Onnx__ModelProto *m)
{
    c->opset = -1;
    for (size_t k = 0; k < m->n_opset_import; k++) {
        const Onnx__OperatorSetIdProto *o = m->opset_import[k];
        if (o && (!o->domain || !o->domain[0] || !strcmp(o->domain, "ai.onnx")))
            c->opset = o->has_version ? o->version : 1;
    }
    /* IR version 2 and older files have no opset_import: opset 1. */
    if (c->opset < 0)
        c->opset = 1;
    if (c->opset < ONNX_MIN_OPSET || c->opset > ONNX_MAX_OPSET)
        return hb_fail(HB_ERR_UNSUPPORTED, "opset %lld; opsets %d to %d are supported",
                       (long long)c->opset, ONNX_MIN_OPSET, ONNX_MAX_OPSET);
    return HB_OK;
}

/* The declared tensor type of a value info; 0 with a message if none. */
static const Onnx__TypeProto__Tensor *tensor_type(const Onnx__ValueInfoProto *vi)
{
    if (!vi || !vi->type || vi->type->value_case != ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE)
        return NULL;
    return vi->type->tensor_type;
}

static hb_status define_input(onnx_ctx *c, const Onnx__ValueInfoProto *vi)
{
    onnx_value *v = onnx_find(c, vi->name);
    const Onnx__TypeProto__Tensor *tt = tensor_type(vi);
    int32_t gd[NN_MAX_RANK];
    int map[NN_MAX_RANK], t;
    hb_status st;

    if (v->kind != ONNX_UNDEF)
        return HB_OK; /* an initializer: a constant with a default */
    if (!tt || !tt->shape)
        return hb_fail(HB_ERR_UNSUPPORTED, "input '%s' has no tensor type and shape", vi->name);
    if (tt->elem_type == ONNX_T_DOUBLE)
        return hb_fail(HB_ERR_UNSUPPORTED, "input '%s' is float64; only float32 models are "
                       "supported", vi->name);
    if (tt->elem_type != ONNX_T_FLOAT)
        return hb_fail(HB_ERR_UNSUPPORTED, "input '%s' has element type %d; inputs must be "
                       "float32", vi->name, (int)tt->elem_type);
    if (tt->shape->n_dim > NN_MAX_RANK)
        return hb_fail(HB_ERR_UNSUPPORTED, "input '%s' has rank %zu, at most %d is supported",
                       vi->name, tt->shape->n_dim, NN_MAX_RANK);
    v->rank = (int)tt->shape->n_dim;
    for (int d = 0; d < v->rank; d++) {
        const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
        int known = dim && dim->value_case ==
                               ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
        /* Dynamic dimensions (a name, or nothing) are 1: batch 1. */
        v->dims[d] = known && dim->dim_value > 0 ? dim->dim_value : 1;
        if (!known && (!c->dynamic[0] || (d > 0 && !c->dynamic_inner))) {
            c->dynamic_inner = d > 0;
            snprintf(c->dynamic, sizeof(c->dynamic), "input '%.64s' dimension %d ('%.32s')",
                     vi->name, d,
                     dim && dim->value_case ==
                                ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM
                         ? dim->dim_param : "?");
        }
        if (v->dims[d] > INT32_MAX)
            return hb_fail(HB_ERR_UNSUPPORTED, "input '%s': dimension %d is %lld", vi->name,
                           d, (long long)v->dims[d]);
    }
    int grank = onnx_view(ONNX_PLAIN, v->rank, v->dims, gd, map);
    if ((st = onnx_add_tensor(c, vi->name, NULL, NN_DT_FLOAT32, grank, gd, NULL, 0, &t)))
        return st;
    v->kind = ONNX_ACT;
    v->layout = ONNX_PLAIN;
    v->t[ONNX_PLAIN] = t;
    return HB_OK;
}

/* Names every value, defines initializers and inputs, counts uses. */
static hb_status define_values(onnx_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    size_t total = gp->n_initializer + gp->n_input;
    onnx_value *v;
    hb_status st;

    for (size_t i = 0; i < gp->n_node; i++)
        total += gp->node[i]->n_output;
    if (total > (size_t)INT32_MAX / 4)
        return hb_fail(HB_ERR_FORMAT, "too many values (%zu)", total);
    c->hash_cap = 16;
    while ((size_t)c->hash_cap < 2 * total + 2)
        c->hash_cap *= 2;
    c->vals = calloc(total + 1, sizeof(*c->vals));
    c->hash = calloc((size_t)c->hash_cap, sizeof(int));
    if (!c->vals || !c->hash)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t k = 0; k < gp->n_initializer; k++) {
        const Onnx__TensorProto *t = gp->initializer[k];
        if (!t->name || !t->name[0])
            return hb_fail(HB_ERR_FORMAT, "initializer %zu has no name", k);
        if ((st = add_value(c, t->name, &v)) != HB_OK)
            return st;
        if (!v)
            return hb_fail(HB_ERR_FORMAT, "initializer '%s' is defined twice", t->name);
        if ((st = onnx_const_from_proto(c, t, v)) != HB_OK)
            return hb_context(st, "initializer '%s'", t->name);
    }
    for (size_t k = 0; k < gp->n_input; k++) {
        const Onnx__ValueInfoProto *vi = gp->input[k];
        if (!vi->name || !vi->name[0])
            return hb_fail(HB_ERR_FORMAT, "graph input %zu has no name", k);
        if ((st = add_value(c, vi->name, &v)) != HB_OK)
            return st;
    }
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        c->node = (int)i;
        c->n = n;
        for (size_t k = 0; k < n->n_output; k++) {
            if (!n->output[k] || !n->output[k][0])
                continue;
            if ((st = add_value(c, n->output[k], &v)) != HB_OK)
                return st;
            if (!v)
                return onnx_fail(c, HB_ERR_FORMAT, "output '%s' is defined twice",
                                 n->output[k]);
        }
    }
    c->n = NULL;
    for (size_t k = 0; k < gp->n_input; k++)
        if ((st = define_input(c, gp->input[k])) != HB_OK)
            return st;
    return HB_OK;
}

static hb_status count_uses(onnx_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    size_t edges = 0;
    for (size_t i = 0; i < gp->n_node; i++) {
        const Onnx__NodeProto *n = gp->node[i];
        c->node = (int)i;
        c->n = n;
        for (size_t k = 0; k < n->n_input; k++) {
            if (!n->input[k] || !n->input[k][0])
                continue;
            onnx_value *v = onnx_find(c, n->input[k]);
            if (!v)
                return onnx_fail(c, HB_ERR_FORMAT, "input '%s' is not defined: no initializer, "
                                 "graph input or node output has that name", n->input[k]);
            v->uses++;
            edges++;
        }
    }
    c->n = NULL;
    for (size_t k = 0; k < gp->n_output; k++) {
        onnx_value *v = gp->output[k]->name ? onnx_find(c, gp->output[k]->name) : NULL;
        if (!v)
            return hb_fail(HB_ERR_FORMAT, "graph output '%s' is not computed",
                           gp->output[k]->name ? gp->output[k]->name : "?");
        v->uses++;
        v->is_output = 1;
    }
    /* Consumers of each value (for the QuantizeLinear look-ahead). */
    c->cons_off = calloc((size_t)c->n_vals + 1, sizeof(int));
    c->cons = malloc((edges ? edges : 1) * sizeof(int));
    int *fill = calloc((size_t)c->n_vals + 1, sizeof(int));
    if (!c->cons_off || !c->cons || !fill) {
        free(fill);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    for (int v = 0; v < c->n_vals; v++)
        c->cons_off[v + 1] = c->cons_off[v] + c->vals[v]->uses - c->vals[v]->is_output;
    for (size_t i = 0; i < gp->n_node; i++)
        for (size_t k = 0; k < gp->node[i]->n_input; k++) {
            const char *name = gp->node[i]->input[k];
            if (!name || !name[0])
                continue;
            int v = onnx_index_of(c, onnx_find(c, name));
            c->cons[c->cons_off[v] + fill[v]++] = (int)i;
        }
    free(fill);
    return HB_OK;
}

/* A model output: a float32 (or, for an int8 model output, int8) tensor
 * in the model's layout, written by an op of its own. */
static hb_status define_output(onnx_ctx *c, const Onnx__ValueInfoProto *vi, int k, int *outs)
{
    onnx_value *v = onnx_find(c, vi->name);
    const Onnx__TypeProto__Tensor *tt = tensor_type(vi);
    int elem = tt && tt->has_elem_type ? tt->elem_type : ONNX_T_FLOAT;
    int as_float = elem != ONNX_T_INT8 && elem != ONNX_T_UINT8, t;
    hb_status st;

    if (v->kind == ONNX_CONST && v->c.type == ONNX_CI)
        return hb_fail(HB_ERR_UNSUPPORTED, "output '%s' is an integer constant", vi->name);
    if (tt && tt->shape && tt->shape->n_dim == (size_t)v->rank) {
        for (int d = 0; d < v->rank; d++) {
            const Onnx__TensorShapeProto__Dimension *dim = tt->shape->dim[d];
            if (dim && dim->value_case == ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE &&
                dim->dim_value > 0 && dim->dim_value != v->dims[d])
                return hb_fail(HB_ERR_FORMAT, "output '%s': dimension %d is %lld, the model "
                               "declares %lld", vi->name, d, (long long)v->dims[d],
                               (long long)dim->dim_value);
        }
    }
    if ((st = onnx_operand(c, v, ONNX_PLAIN, v->rank, as_float, &t)) != HB_OK)
        return st;
    /* A tensor that is a model input, a constant or another output gets
     * its own copy. */
    int copy = c->g->tensors[t].data != NULL;
    for (int j = 0; j < c->g->n_inputs; j++)
        copy |= c->g->inputs[j] == t;
    for (int j = 0; j < k; j++)
        copy |= outs[j] == t;
    if (copy) {
        graph_tensor src = c->g->tensors[t]; /* the array may move below */
        int32_t dims[NN_MAX_RANK];
        int y, in = t;
        memcpy(dims, src.dims, sizeof(dims));
        if ((st = onnx_add_tensor(c, vi->name, "out", src.dtype, src.rank, dims, NULL, 0,
                                  &y)) != HB_OK ||
            (st = graph_set_quant(c->g, y, src.n_quant, src.scales, src.zero_points,
                                  src.quant_axis)) != HB_OK ||
            (st = onnx_emit(c, NN_OP_RESHAPE, 1, &in, y, NULL, NULL)) != HB_OK)
            return st;
        t = y;
    }
    outs[k] = t;
    return HB_OK;
}

static hb_status define_outputs(onnx_ctx *c)
{
    const Onnx__GraphProto *gp = c->gp;
    int *outs = calloc(gp->n_output + 1, sizeof(int)), *ins = NULL, n_in = 0;
    hb_status st = HB_OK;
    if (!outs)
        return hb_fail(HB_ERR_MEM, "out of memory");
    c->n = NULL;
    for (size_t k = 0; k < gp->n_output && st == HB_OK; k++)
        st = define_output(c, gp->output[k], (int)k, outs);
    if (st == HB_OK && !(ins = calloc(gp->n_input + 1, sizeof(int))))
        st = hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t k = 0; st == HB_OK && k < gp->n_input; k++) {
        onnx_value *v = onnx_find(c, gp->input[k]->name);
        if (v->kind == ONNX_ACT && v->t[ONNX_PLAIN] >= 0 &&
            !c->g->tensors[v->t[ONNX_PLAIN]].data)
            ins[n_in++] = v->t[ONNX_PLAIN];
    }
    if (st == HB_OK && n_in == 0)
        st = hb_fail(HB_ERR_UNSUPPORTED, "the model has no input (every graph input has an "
                     "initializer)");
    if (st == HB_OK)
        st = graph_set_io(c->g, n_in, ins, (int)gp->n_output, outs);
    free(ins);
    free(outs);
    return st;
}

static void ctx_free(onnx_ctx *c)
{
    for (int k = 0; k < c->n_vals; k++) {
        onnx_const_clear(&c->vals[k]->c);
        free(c->vals[k]);
    }
    free(c->vals);
    free(c->hash);
    free(c->cons_off);
    free(c->cons);
    graph_free(c->g);
}

static hb_status import(onnx_ctx *c, const Onnx__ModelProto *m)
{
    hb_status st;
    if (!m->graph)
        return hb_fail(HB_ERR_FORMAT, "the model has no graph");
    c->gp = m->graph;
    if ((st = read_opset(c, m)) != HB_OK || (st = graph_new(&c->g)) != HB_OK ||
        (st = define_values(c)) != HB_OK || (st = count_uses(c)) != HB_OK)
        return st;
    if (c->gp->n_node == 0)
        return hb_fail(HB_ERR_UNSUPPORTED, "the graph has no nodes");
    for (size_t i = 0; i < c->gp->n_node; i++)
        if ((st = run_node(c, (int)i)) != HB_OK) {
            /* Shapes that do not fit may come from reading a dynamic
             * dimension as 1: say so. */
            if (st == HB_ERR_FORMAT && c->dynamic[0]) {
                char why[1024];
                snprintf(why, sizeof(why), "%s", hb_last_error());
                return hb_fail(st, "%s (the dynamic %s was read as 1)", why, c->dynamic);
            }
            return st;
        }
    if ((st = define_outputs(c)) != HB_OK)
        return st;
    if (m->producer_name && m->producer_name[0]) {
        char d[256];
        snprintf(d, sizeof(d), "ONNX model from %s%s%s", m->producer_name,
                 m->producer_version && m->producer_version[0] ? " " : "",
                 m->producer_version ? m->producer_version : "");
        if (!(c->g->description = strdup(d)))
            return hb_fail(HB_ERR_MEM, "out of memory");
    }
    return graph_validate(c->g);
}

hb_status onnx_read_opts(const uint8_t *buf, size_t len, const onnx_options *opt, graph **out)
{
    const char *name = opt ? opt->name : NULL;
    onnx_ctx c;
    Onnx__ModelProto *m = NULL;
    hb_status st;

    if (out)
        *out = NULL;
    if (!out || (!buf && len))
        return hb_fail(HB_ERR_ARG, "onnx_read: NULL argument");
    memset(&c, 0, sizeof(c));
    c.max_const_bytes = opt && opt->max_const_bytes ? opt->max_const_bytes
                                                     : ONNX_DEFAULT_MAX_CONST_BYTES;
    int depth = onnx_wire_depth(buf, len);
    if (depth == ONNX_WIRE_DEEP)
        st = hb_fail(HB_ERR_FORMAT, "messages nested deeper than %d", ONNX_MAX_NESTING);
    else if (depth == ONNX_WIRE_BAD || len == 0 ||
             !(m = onnx__model_proto__unpack(NULL, len, buf)))
        st = hb_fail(HB_ERR_FORMAT, "not a valid ONNX protobuf (ModelProto)");
    else
        st = import(&c, m);
    if (st == HB_OK) {
        *out = c.g;
        c.g = NULL;
    } else if (name) {
        hb_context(st, "%s", name);
    }
    ctx_free(&c);
    if (m)
        onnx__model_proto__free_unpacked(m, NULL);
    return st;
}

hb_status onnx_read(const uint8_t *buf, size_t len, const char *name, graph **out)
{
    onnx_options opt = {name, 0};
    return onnx_read_opts(buf, len, &opt, out);
}

hb_status onnx_read_file(const char *path, graph **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st;

    if (out)
        *out = NULL;
    if (!path || !out)
        return hb_fail(HB_ERR_ARG, "onnx_read_file: NULL argument");
    if ((st = hb_read_file(path, &buf, &len)) != HB_OK)
        return st;
    st = onnx_read(buf, len, path, out);
    free(buf);
    return st;
}
