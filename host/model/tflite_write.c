/*
 * tflite_write.c: a graph out as a TFLite FlatBuffer (schema version 3).
 *
 * Layout, front to back (tflite_fb.h): header, Model, operator codes,
 * subgraph 0 with its tensors and operators, description, and last the
 * buffers with their data, each aligned to 16 bytes from the file start.
 * Buffer 0 is the empty sentinel every activation points to; each constant
 * tensor gets a buffer of its own, as the TFLite converter does. Fields
 * equal to their schema default are left out, as FlatBuffers builders do.
 */
#include "tflite.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hb_file.h"
#include "tflite_fb.h"
#include "tflite_fp16.h"
#include "tflite_schema.h"

typedef struct {
    const graph *g;
    tflite_fb b;
    int code_of_op[NN_OP_COUNT]; /* nn_opcode -> operator_codes index */
    int ops_of_code[NN_OP_COUNT];/* operator_codes index -> nn_opcode */
    int n_codes;
    uint32_t *buffer_of;         /* tensor -> buffer index, 0 if none */
    uint32_t n_buffers;          /* including the empty buffer 0 */
    size_t *data_slot;           /* buffer -> slot of its data offset */
} writer;

/* Refuses what a TFLite file cannot say, naming the op or tensor. */
static hb_status wr_check(writer *w)
{
    const graph *g = w->g;
    hb_status st = graph_validate(g);
    if (st != HB_OK)
        return hb_context(HB_ERR_ARG, "tflite_write: invalid graph");
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        if (o->op < 0 || o->op >= NN_OP_COUNT)
            return hb_fail(HB_ERR_ARG, "tflite_write: op %d: bad opcode %d", i, o->op);
        if ((o->op == NN_OP_MAX_POOL_2D || o->op == NN_OP_AVERAGE_POOL_2D) &&
            (o->opt.dilation_h > 1 || o->opt.dilation_w > 1))
            return hb_fail(HB_ERR_UNSUPPORTED, "tflite_write: op %d (%s): TFLite has no "
                           "dilated pooling", i, nn_op_name(o->op));
        /* Enum fields are bytes in the file: refuse what would not fit. */
        for (int k = 0; k < tflite_n_opt_fields; k++) {
            const tflite_opt_field *f = &tflite_opt_fields[k];
            int v;
            if (f->options != tflite_options_of_nn(o->op) || f->kind != TFLITE_OPT_INT)
                continue;
            memcpy(&v, (const char *)&o->opt + f->member, sizeof(int));
            if (v < f->lo || v > f->hi)
                return hb_fail(HB_ERR_ARG, "tflite_write: op %d (%s): bad %s %d", i,
                               nn_op_name(o->op), f->name, v);
        }
    }
    for (int i = 0; i < g->n_tensors; i++)
        if (tflite_type_from_nn(g->tensors[i].dtype) < 0)
            return hb_fail(HB_ERR_ARG, "tflite_write: tensor %d: bad dtype %d", i,
                           g->tensors[i].dtype);
    return HB_OK;
}

/* Operator codes in order of first use; buffers for constants. */
static hb_status wr_number(writer *w)
{
    const graph *g = w->g;
    for (int k = 0; k < NN_OP_COUNT; k++)
        w->code_of_op[k] = -1;
    for (int i = 0; i < g->n_ops; i++) {
        int op = g->ops[i].op;
        if (w->code_of_op[op] < 0) {
            w->ops_of_code[w->n_codes] = op;
            w->code_of_op[op] = w->n_codes++;
        }
    }
    w->buffer_of = calloc((size_t)(g->n_tensors ? g->n_tensors : 1), sizeof(uint32_t));
    if (!w->buffer_of)
        return hb_fail(HB_ERR_MEM, "out of memory");
    w->n_buffers = 1;
    for (int i = 0; i < g->n_tensors; i++)
        if (g->tensors[i].data)
            w->buffer_of[i] = w->n_buffers++;
    w->data_slot = calloc(w->n_buffers, sizeof(size_t));
    if (!w->data_slot)
        return hb_fail(HB_ERR_MEM, "out of memory");
    return HB_OK;
}

static void wr_operator_codes(writer *w, size_t slot)
{
    tflite_fb *b = &w->b;
    size_t vec = tflite_fb_vec_refs(b, (size_t)w->n_codes);
    tflite_fb_patch(b, slot, vec);
    for (int c = 0; c < w->n_codes; c++) {
        int code = tflite_builtin_from_nn(w->ops_of_code[c]);
        int old = code < TFLITE_MAX_DEPRECATED_CODE ? code : TFLITE_MAX_DEPRECATED_CODE;
        tflite_fb_table t;
        tflite_fb_table_init(&t);
        tflite_fb_scalar(&t, TFLITE_OPCODE_DEPRECATED_BUILTIN_CODE, 1, (uint8_t)old, 0);
        tflite_fb_i32(&t, TFLITE_OPCODE_BUILTIN_CODE, code, 0);
        tflite_fb_patch(b, tflite_fb_elem(vec, (size_t)c), tflite_fb_table_end(b, &t));
    }
}

static void wr_quant(writer *w, const graph_tensor *gt, size_t slot)
{
    tflite_fb *b = &w->b;
    tflite_fb_table t;
    tflite_fb_table_init(&t);
    tflite_fb_ref(&t, TFLITE_QUANT_SCALE);
    tflite_fb_ref(&t, TFLITE_QUANT_ZERO_POINT);
    tflite_fb_i32(&t, TFLITE_QUANT_QUANTIZED_DIMENSION, gt->quant_axis, 0);
    tflite_fb_patch(b, slot, tflite_fb_table_end(b, &t));

    size_t vec = tflite_fb_vec_begin(b, (size_t)gt->n_quant, 4, 4);
    for (int q = 0; q < gt->n_quant; q++) {
        uint32_t bits;
        memcpy(&bits, &gt->scales[q], 4);
        tflite_fb_put(b, bits, 4);
    }
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_QUANT_SCALE), vec);
    vec = tflite_fb_vec_begin(b, (size_t)gt->n_quant, 8, 8);
    for (int q = 0; q < gt->n_quant; q++)
        tflite_fb_put(b, (uint64_t)(int64_t)gt->zero_points[q], 8);
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_QUANT_ZERO_POINT), vec);
}

static void wr_tensor(writer *w, int i, size_t slot)
{
    tflite_fb *b = &w->b;
    const graph_tensor *gt = &w->g->tensors[i];
    tflite_fb_table t;
    tflite_fb_table_init(&t);
    tflite_fb_ref(&t, TFLITE_TENSOR_SHAPE);
    tflite_fb_scalar(&t, TFLITE_TENSOR_TYPE, 1, (uint8_t)tflite_type_from_nn(gt->dtype), 0);
    tflite_fb_scalar(&t, TFLITE_TENSOR_BUFFER, 4, w->buffer_of[i], 0);
    if (gt->name)
        tflite_fb_ref(&t, TFLITE_TENSOR_NAME);
    if (gt->n_quant > 0)
        tflite_fb_ref(&t, TFLITE_TENSOR_QUANTIZATION);
    /* The rank is known: a rank-0 shape is a scalar, not an unranked tensor. */
    tflite_fb_scalar(&t, TFLITE_TENSOR_HAS_RANK, 1, 1, 0);
    tflite_fb_patch(b, slot, tflite_fb_table_end(b, &t));

    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_TENSOR_SHAPE),
                    tflite_fb_vec_i32(b, gt->dims, (size_t)gt->rank));
    if (gt->name)
        tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_TENSOR_NAME),
                        tflite_fb_string(b, gt->name));
    if (gt->n_quant > 0)
        wr_quant(w, gt, tflite_fb_slot(&t, TFLITE_TENSOR_QUANTIZATION));
}

static size_t wr_ints(tflite_fb *b, const int *v, int n)
{
    size_t vec = tflite_fb_vec_begin(b, (size_t)n, 4, 4);
    for (int k = 0; k < n; k++)
        tflite_fb_put(b, (uint32_t)(int32_t)v[k], 4);
    return vec;
}

/* The options table of one op; `type` is its BuiltinOptions member. */
static void wr_options(writer *w, const graph_op *o, int type, size_t slot)
{
    tflite_fb *b = &w->b;
    const graph_options *p = &o->opt;
    tflite_fb_table t;
    tflite_fb_table_init(&t);
    for (int k = 0; k < tflite_n_opt_fields; k++) {
        const tflite_opt_field *f = &tflite_opt_fields[k];
        const void *member = (const char *)p + f->member;
        int v;
        float x;
        if (f->options != type)
            continue;
        if (f->kind == TFLITE_OPT_FLOAT) {
            memcpy(&x, member, sizeof(float));
            tflite_fb_f32(&t, f->id, x, 0.0f);
            continue;
        }
        memcpy(&v, member, sizeof(int));
        if (f->kind == TFLITE_OPT_BOOL)
            v = v != 0;
        if (f->bytes == 1)
            tflite_fb_scalar(&t, f->id, 1, (uint8_t)v, (uint8_t)f->def);
        else
            tflite_fb_i32(&t, f->id, v, f->def);
    }
    /* TFLite takes the shape from here when there is no shape input. */
    if (type == TFLITE_OPTIONS_RESHAPE)
        tflite_fb_ref(&t, TFLITE_RESHAPE_NEW_SHAPE);
    tflite_fb_patch(b, slot, tflite_fb_table_end(b, &t));
    if (type == TFLITE_OPTIONS_RESHAPE) {
        const graph_tensor *out = &w->g->tensors[o->outputs[0]];
        tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_RESHAPE_NEW_SHAPE),
                        tflite_fb_vec_i32(b, out->dims, (size_t)out->rank));
    }
}

static void wr_operator(writer *w, int i, size_t slot)
{
    tflite_fb *b = &w->b;
    const graph_op *o = &w->g->ops[i];
    int type = tflite_options_of_nn(o->op);
    tflite_fb_table t;
    tflite_fb_table_init(&t);
    tflite_fb_scalar(&t, TFLITE_OP_OPCODE_INDEX, 4, (uint32_t)w->code_of_op[o->op], 0);
    tflite_fb_ref(&t, TFLITE_OP_INPUTS);
    tflite_fb_ref(&t, TFLITE_OP_OUTPUTS);
    tflite_fb_scalar(&t, TFLITE_OP_BUILTIN_OPTIONS_TYPE, 1, (uint8_t)type, 0);
    /* A RESHAPE without outputs cannot say its new shape. */
    if (type != TFLITE_OPTIONS_NONE &&
        !(type == TFLITE_OPTIONS_RESHAPE && o->n_outputs < 1))
        tflite_fb_ref(&t, TFLITE_OP_BUILTIN_OPTIONS);
    tflite_fb_patch(b, slot, tflite_fb_table_end(b, &t));
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_OP_INPUTS),
                    wr_ints(b, o->inputs, o->n_inputs));
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_OP_OUTPUTS),
                    wr_ints(b, o->outputs, o->n_outputs));
    size_t opt = tflite_fb_slot(&t, TFLITE_OP_BUILTIN_OPTIONS);
    if (opt)
        wr_options(w, o, type, opt);
}

static void wr_subgraph(writer *w, size_t slot)
{
    tflite_fb *b = &w->b;
    const graph *g = w->g;
    tflite_fb_table t;
    tflite_fb_table_init(&t);
    tflite_fb_ref(&t, TFLITE_SUBGRAPH_TENSORS);
    tflite_fb_ref(&t, TFLITE_SUBGRAPH_INPUTS);
    tflite_fb_ref(&t, TFLITE_SUBGRAPH_OUTPUTS);
    tflite_fb_ref(&t, TFLITE_SUBGRAPH_OPERATORS);
    tflite_fb_ref(&t, TFLITE_SUBGRAPH_NAME);
    tflite_fb_patch(b, slot, tflite_fb_table_end(b, &t));

    size_t vec = tflite_fb_vec_refs(b, (size_t)g->n_tensors);
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_SUBGRAPH_TENSORS), vec);
    for (int i = 0; i < g->n_tensors; i++)
        wr_tensor(w, i, tflite_fb_elem(vec, (size_t)i));
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_SUBGRAPH_INPUTS),
                    wr_ints(b, g->inputs, g->n_inputs));
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_SUBGRAPH_OUTPUTS),
                    wr_ints(b, g->outputs, g->n_outputs));
    vec = tflite_fb_vec_refs(b, (size_t)g->n_ops);
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_SUBGRAPH_OPERATORS), vec);
    for (int i = 0; i < g->n_ops; i++)
        wr_operator(w, i, tflite_fb_elem(vec, (size_t)i));
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_SUBGRAPH_NAME),
                    tflite_fb_string(b, "main"));
}

/* Buffer tables first, then their data: the file ends with the last
 * constant, so a truncated file always cuts into something the reader
 * checks. */
static void wr_buffers(writer *w, size_t slot)
{
    tflite_fb *b = &w->b;
    const graph *g = w->g;
    size_t vec = tflite_fb_vec_refs(b, w->n_buffers);
    tflite_fb_patch(b, slot, vec);
    for (uint32_t k = 0; k < w->n_buffers; k++) {
        tflite_fb_table t;
        tflite_fb_table_init(&t);
        if (k > 0)
            tflite_fb_ref(&t, TFLITE_BUFFER_DATA);
        tflite_fb_patch(b, tflite_fb_elem(vec, k), tflite_fb_table_end(b, &t));
        w->data_slot[k] = tflite_fb_slot(&t, TFLITE_BUFFER_DATA);
    }
    for (int i = 0; i < g->n_tensors; i++) {
        const graph_tensor *gt = &g->tensors[i];
        uint32_t k = w->buffer_of[i];
        if (!k)
            continue;
        size_t data = tflite_fb_vec_begin(b, gt->bytes, 1, TFLITE_BUFFER_ALIGN);
        tflite_fb_bytes(b, gt->data, gt->bytes);
        tflite_fb_patch(b, w->data_slot[k], data);
    }
}

hb_status tflite_write(const graph *g, uint8_t **buf, size_t *len)
{
    writer w;
    tflite_fb *b = &w.b;
    tflite_fb_table t;
    size_t model, subgraphs;
    graph *expanded = NULL;
    hb_status st;

    if (buf)
        *buf = NULL;
    if (len)
        *len = 0;
    if (!g || !buf || !len)
        return hb_fail(HB_ERR_ARG, "tflite_write: NULL argument");
    memset(&w, 0, sizeof(w));
    w.g = g;
    tflite_fb_init(&w.b);
    /* float16 weights go out as TFLite has them: behind a DEQUANTIZE. */
    if ((st = wr_check(&w)) != HB_OK || (st = tflite_expand_fp16(g, &expanded)) != HB_OK)
        goto cleanup;
    if (expanded)
        g = w.g = expanded;
    if ((st = wr_number(&w)) != HB_OK)
        goto cleanup;

    tflite_fb_header(b, TFLITE_FILE_ID);
    tflite_fb_table_init(&t);
    tflite_fb_scalar(&t, TFLITE_MODEL_VERSION, 4, TFLITE_SCHEMA_VERSION, 0);
    tflite_fb_ref(&t, TFLITE_MODEL_OPERATOR_CODES);
    tflite_fb_ref(&t, TFLITE_MODEL_SUBGRAPHS);
    if (g->description)
        tflite_fb_ref(&t, TFLITE_MODEL_DESCRIPTION);
    tflite_fb_ref(&t, TFLITE_MODEL_BUFFERS);
    model = tflite_fb_table_end(b, &t);

    wr_operator_codes(&w, tflite_fb_slot(&t, TFLITE_MODEL_OPERATOR_CODES));
    subgraphs = tflite_fb_vec_refs(b, 1);
    tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_MODEL_SUBGRAPHS), subgraphs);
    wr_subgraph(&w, tflite_fb_elem(subgraphs, 0));
    if (g->description)
        tflite_fb_patch(b, tflite_fb_slot(&t, TFLITE_MODEL_DESCRIPTION),
                        tflite_fb_string(b, g->description));
    wr_buffers(&w, tflite_fb_slot(&t, TFLITE_MODEL_BUFFERS));
    st = tflite_fb_finish(b, model, buf, len);
cleanup:
    tflite_fb_release(&w.b);
    free(w.buffer_of);
    free(w.data_slot);
    graph_free(expanded);
    return st;
}

hb_status tflite_write_file(const graph *g, const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st;

    if (!path)
        return hb_fail(HB_ERR_ARG, "tflite_write_file: NULL path");
    /* through a temporary name, so a failed write leaves no half a model */
    if ((st = tflite_write(g, &buf, &len)) == HB_OK)
        st = hb_write_file(path, buf, len);
    free(buf);
    return st;
}
