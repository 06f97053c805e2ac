/*
 * tflite_read.c: a TFLite FlatBuffer (schema version 3) into a graph.
 *
 * Every read goes through the bounds-checked walker (tflite_fbr.h). On top
 * of it, work and memory stay proportional to the file: vector lengths are
 * bounded by the bytes that follow them, constant data must match its
 * tensor's shape before it is copied, and the total copied is capped (a
 * buffer may be shared by several tensors).
 *
 * Order: operator codes, then the operators of subgraph 0 (so an
 * unsupported op is what gets reported), buffers, tensors, inputs and
 * outputs, description; graph_validate() last.
 */
#include "tflite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tflite_fbr.h"
#include "tflite_fp16.h"
#include "tflite_schema.h"
#include "../util/hb_file.h"

/* Copied constants may total at most this many times the file size. */
#define RD_COPY_FACTOR 8u

typedef struct {
    int64_t builtin;     /* max(deprecated_builtin_code, builtin_code) */
    size_t table;        /* position of the OperatorCode, for messages */
} rd_opcode;

typedef struct {
    uint64_t pos, size;  /* constant bytes within the file; size 0: none */
} rd_buffer;

typedef struct {
    tflite_fbr r;
    graph *g;
    rd_opcode *codes;
    uint32_t n_codes;
    rd_buffer *buffers;
    uint32_t n_buffers;
    size_t tensors;      /* first element of subgraph 0's tensors vector */
    uint32_t n_tensors;
    uint64_t copied;     /* constant bytes copied so far */
} reader;

static hb_status rd_opcodes(reader *m, const tflite_fbr_table *model)
{
    const tflite_fbr *r = &m->r;
    size_t data;
    hb_status st = tflite_fbr_vector(r, model, TFLITE_MODEL_OPERATOR_CODES, 4,
                                     "operator_codes", &data, &m->n_codes);
    if (st != HB_OK)
        return st;
    if (!(m->codes = calloc(m->n_codes ? m->n_codes : 1, sizeof(rd_opcode))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (uint32_t i = 0; i < m->n_codes; i++) {
        tflite_fbr_table t;
        int64_t old, code;
        snprintf(t.what, sizeof(t.what), "operator code %u", i);
        if ((st = tflite_fbr_elem(r, data, i, &t)) != HB_OK ||
            (st = tflite_fbr_int(r, &t, TFLITE_OPCODE_DEPRECATED_BUILTIN_CODE, 1, 0,
                                 &old)) != HB_OK ||
            (st = tflite_fbr_int(r, &t, TFLITE_OPCODE_BUILTIN_CODE, 4, 0, &code)) != HB_OK)
            return st;
        /* Old files have only the byte; newer ones put 127 in it for larger
         * codes. TFLite takes the larger of the two. */
        m->codes[i].builtin = old > code ? old : code;
        m->codes[i].table = t.pos;
    }
    return HB_OK;
}

/* HB_ERR_UNSUPPORTED naming op i by its TFLite name. */
static hb_status rd_unsupported_op(const reader *m, int i, const rd_opcode *c)
{
    const char *name = tflite_builtin_name(c->builtin);
    if (c->builtin == TFLITE_BUILTIN_CUSTOM) {
        tflite_fbr_table t;
        char *custom = NULL;
        snprintf(t.what, sizeof(t.what), "operator code");
        if (tflite_fbr_table_at(&m->r, c->table, &t) == HB_OK)
            tflite_fbr_string(&m->r, &t, TFLITE_OPCODE_CUSTOM_CODE, "custom_code",
                              &custom);
        hb_status st = tflite_fbr_error(&m->r, HB_ERR_UNSUPPORTED,
                                        "op %d (custom %s): not supported", i,
                                        custom ? custom : "?");
        free(custom);
        return st;
    }
    if (!name)
        return tflite_fbr_error(&m->r, HB_ERR_UNSUPPORTED,
                                "op %d (builtin code %lld): not supported", i,
                                (long long)c->builtin);
    return tflite_fbr_error(&m->r, HB_ERR_UNSUPPORTED, "op %d (%s): not supported", i,
                            name);
}

static void rd_set_opt(graph_options *o, const tflite_opt_field *f, int64_t v, float x)
{
    void *member = (char *)o + f->member;
    if (f->kind == TFLITE_OPT_FLOAT)
        memcpy(member, &x, sizeof(float));
    else {
        int i = f->kind == TFLITE_OPT_BOOL ? v != 0 : (int)v;
        memcpy(member, &i, sizeof(int));
    }
}

/* The builtin options of operator table `op` (engine opcode nn) into *o,
 * with the schema's defaults for absent fields or tables. */
static hb_status rd_options(const reader *m, const tflite_fbr_table *op, int i, int nn,
                            graph_options *o)
{
    tflite_fbr_table t;
    uint64_t type;
    int expected = tflite_options_of_nn(nn), present;
    hb_status st;

    memset(o, 0, sizeof(*o));
    for (int k = 0; k < tflite_n_opt_fields; k++)
        if (tflite_opt_fields[k].options == expected)
            rd_set_opt(o, &tflite_opt_fields[k], tflite_opt_fields[k].def, 0.0f);
    if ((st = tflite_fbr_uint(&m->r, op, TFLITE_OP_BUILTIN_OPTIONS_TYPE, 1, 0, &type)))
        return st;
    if (type == TFLITE_OPTIONS_NONE)
        return HB_OK;
    if ((int)type != expected)
        return tflite_fbr_error(&m->r, HB_ERR_FORMAT,
                                "operator %d (%s): options of union type %u, expected %d",
                                i, nn_op_name(nn), (unsigned)type, expected);
    char what[sizeof(t.what)];
    snprintf(what, sizeof(what), "operator %d options", i);
    if ((st = tflite_fbr_child(&m->r, op, TFLITE_OP_BUILTIN_OPTIONS, what, &t,
                               &present)) != HB_OK || !present)
        return st;
    for (int k = 0; k < tflite_n_opt_fields; k++) {
        const tflite_opt_field *f = &tflite_opt_fields[k];
        int64_t v = 0;
        float x = 0.0f;
        if (f->options != expected)
            continue;
        if (f->kind == TFLITE_OPT_FLOAT)
            st = tflite_fbr_f32(&m->r, &t, f->id, 0.0f, &x);
        else
            st = tflite_fbr_int(&m->r, &t, f->id, (unsigned)f->bytes, f->def, &v);
        if (st != HB_OK)
            return st;
        if (f->kind == TFLITE_OPT_INT && (v < f->lo || v > f->hi))
            return tflite_fbr_error(&m->r, HB_ERR_FORMAT,
                                    "operator %d (%s): %s %lld is out of range", i,
                                    nn_op_name(nn), f->name, (long long)v);
        rd_set_opt(o, f, v, x);
    }
    return HB_OK;
}

/* A vector of tensor indices, each in [lo, n_tensors). *v is malloc'ed. */
static hb_status rd_indices(const reader *m, const tflite_fbr_table *t, int id,
                            const char *field, int lo, int **v, int *n)
{
    size_t data;
    uint32_t count;
    hb_status st = tflite_fbr_vector(&m->r, t, id, 4, field, &data, &count);
    *v = NULL;
    *n = 0;
    if (st != HB_OK)
        return st;
    if (count > INT32_MAX / sizeof(int)) /* needs a file over 2 GB */
        return tflite_fbr_error(&m->r, HB_ERR_FORMAT, "%s %s: %u tensor indices",
                                t->what, field, count);
    if (!(*v = malloc((size_t)(count ? count : 1) * sizeof(int))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (uint32_t k = 0; k < count; k++) {
        int64_t x = tflite_fbr_sext(tflite_fbr_ld32(m->r.p + data + 4 * (size_t)k), 4);
        if (x < lo || x >= (int64_t)m->n_tensors)
            return tflite_fbr_error(&m->r, HB_ERR_FORMAT,
                                    "%s %s[%u]: tensor %lld, the subgraph has %u",
                                    t->what, field, k, (long long)x, m->n_tensors);
        (*v)[k] = (int)x;
    }
    *n = (int)count;
    return HB_OK;
}

static hb_status rd_operators(reader *m, const tflite_fbr_table *sub)
{
    size_t data;
    uint32_t n;
    int *ins = NULL, *outs = NULL, n_in, n_out;
    hb_status st = tflite_fbr_vector(&m->r, sub, TFLITE_SUBGRAPH_OPERATORS, 4,
                                     "operators", &data, &n);
    for (uint32_t i = 0; st == HB_OK && i < n; i++) {
        tflite_fbr_table t;
        graph_options opt;
        uint64_t index;
        snprintf(t.what, sizeof(t.what), "operator %u", i);
        if ((st = tflite_fbr_elem(&m->r, data, i, &t)) != HB_OK ||
            (st = tflite_fbr_uint(&m->r, &t, TFLITE_OP_OPCODE_INDEX, 4, 0, &index)) != HB_OK)
            break;
        if (index >= m->n_codes) {
            st = tflite_fbr_error(&m->r, HB_ERR_FORMAT,
                                  "operator %u: opcode_index %llu, the model has %u codes",
                                  i, (unsigned long long)index, m->n_codes);
            break;
        }
        int nn = tflite_builtin_to_nn(m->codes[index].builtin);
        if (nn < 0) {
            st = rd_unsupported_op(m, (int)i, &m->codes[index]);
            break;
        }
        if ((st = rd_indices(m, &t, TFLITE_OP_INPUTS, "inputs", -1, &ins, &n_in)) ||
            (st = rd_indices(m, &t, TFLITE_OP_OUTPUTS, "outputs", 0, &outs, &n_out)) ||
            (st = rd_options(m, &t, (int)i, nn, &opt)) ||
            (st = graph_add_op(m->g, nn, n_in, ins, n_out, outs, &opt, NULL)))
            break;
        free(ins);
        free(outs);
        ins = outs = NULL;
    }
    free(ins);
    free(outs);
    return st;
}

static hb_status rd_buffers(reader *m, const tflite_fbr_table *model)
{
    const tflite_fbr *r = &m->r;
    size_t data;
    hb_status st = tflite_fbr_vector(r, model, TFLITE_MODEL_BUFFERS, 4, "buffers",
                                     &data, &m->n_buffers);
    if (st != HB_OK)
        return st;
    if (!(m->buffers = calloc(m->n_buffers ? m->n_buffers : 1, sizeof(rd_buffer))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (uint32_t k = 0; k < m->n_buffers; k++) {
        tflite_fbr_table t;
        size_t bytes;
        uint32_t n;
        uint64_t offset, size;
        snprintf(t.what, sizeof(t.what), "buffer %u", k);
        if ((st = tflite_fbr_elem(r, data, k, &t)) != HB_OK ||
            (st = tflite_fbr_vector(r, &t, TFLITE_BUFFER_DATA, 1, "data", &bytes, &n)) ||
            (st = tflite_fbr_uint(r, &t, TFLITE_BUFFER_OFFSET, 8, 0, &offset)) ||
            (st = tflite_fbr_uint(r, &t, TFLITE_BUFFER_SIZE, 8, 0, &size)))
            return st;
        /* Models over 2 GB keep data after the FlatBuffer; offset counts
         * from the file start and is only meaningful above 1. */
        if (offset > 1) {
            if (offset > r->len || size > r->len - offset)
                return tflite_fbr_error(r, HB_ERR_FORMAT,
                                        "buffer %u: %llu bytes at offset %llu are "
                                        "outside the %zu-byte file", k,
                                        (unsigned long long)size,
                                        (unsigned long long)offset, r->len);
            m->buffers[k].pos = offset;
            m->buffers[k].size = size;
        } else {
            m->buffers[k].pos = bytes;
            m->buffers[k].size = n;
        }
    }
    return HB_OK;
}

/* Quantisation of tensor i from its QuantizationParameters table q. */
static hb_status rd_quant(reader *m, const tflite_fbr_table *q, int i, const char *tname)
{
    const tflite_fbr *r = &m->r;
    size_t sdata, zdata;
    uint32_t ns, nz;
    uint64_t details;
    int64_t axis;
    float *scales = NULL;
    int32_t *zps = NULL;
    hb_status st;

    if ((st = tflite_fbr_uint(r, q, TFLITE_QUANT_DETAILS_TYPE, 1, 0, &details)) ||
        (st = tflite_fbr_vector(r, q, TFLITE_QUANT_SCALE, 4, "scale", &sdata, &ns)) ||
        (st = tflite_fbr_vector(r, q, TFLITE_QUANT_ZERO_POINT, 8, "zero_point", &zdata,
                                &nz)) ||
        (st = tflite_fbr_int(r, q, TFLITE_QUANT_QUANTIZED_DIMENSION, 4, 0, &axis)))
        return st;
    if (details != 0)
        return tflite_fbr_error(r, HB_ERR_UNSUPPORTED,
                                "tensor %d (%s): custom quantization is not supported",
                                i, tname);
    if (ns == 0)
        return HB_OK;
    if (nz != ns && nz != 0)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "tensor %d (%s): %u scales but %u zero points", i,
                                tname, ns, nz);
    scales = malloc((size_t)ns * sizeof(float));
    zps = calloc(ns, sizeof(int32_t));
    if (!scales || !zps) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (uint32_t k = 0; k < ns; k++) {
        uint32_t bits = tflite_fbr_ld32(r->p + sdata + 4 * (size_t)k);
        memcpy(&scales[k], &bits, 4);
        if (nz) {
            int64_t z = tflite_fbr_sext(tflite_fbr_ld64(r->p + zdata + 8 * (size_t)k), 8);
            if (z < INT32_MIN || z > INT32_MAX) {
                st = tflite_fbr_error(r, HB_ERR_FORMAT,
                                      "tensor %d (%s): zero point %lld is out of range",
                                      i, tname, (long long)z);
                goto cleanup;
            }
            zps[k] = (int32_t)z;
        }
    }
    st = graph_set_quant(m->g, i, (int)ns, scales, zps, (int)axis);
cleanup:
    free(scales);
    free(zps);
    return st;
}

static hb_status rd_tensor(reader *m, uint32_t i)
{
    const tflite_fbr *r = &m->r;
    tflite_fbr_table t, q;
    char *name = NULL;
    const char *tname;
    size_t shape, sparsity;
    uint32_t rank;
    int32_t dims[NN_MAX_RANK];
    int64_t type;
    uint64_t buffer, need;
    int present, dtype;
    hb_status st;

    snprintf(t.what, sizeof(t.what), "tensor %u", i);
    if ((st = tflite_fbr_elem(r, m->tensors, i, &t)) ||
        (st = tflite_fbr_string(r, &t, TFLITE_TENSOR_NAME, "name", &name)) ||
        (st = tflite_fbr_vector(r, &t, TFLITE_TENSOR_SHAPE, 4, "shape", &shape, &rank)) ||
        (st = tflite_fbr_int(r, &t, TFLITE_TENSOR_TYPE, 1, 0, &type)) ||
        (st = tflite_fbr_field(r, &t, TFLITE_TENSOR_SPARSITY, 4, &sparsity)) ||
        (st = tflite_fbr_uint(r, &t, TFLITE_TENSOR_BUFFER, 4, 0, &buffer)))
        goto cleanup;
    tname = name ? name : "?";
    dtype = tflite_type_to_nn((int)type);
    if (dtype < 0) {
        const char *tn = tflite_type_name((int)type);
        st = tn ? tflite_fbr_error(r, HB_ERR_UNSUPPORTED,
                                   "tensor %u (%s): type %s is not supported", i, tname, tn)
                : tflite_fbr_error(r, HB_ERR_UNSUPPORTED,
                                   "tensor %u (%s): unknown type %lld", i, tname,
                                   (long long)type);
        goto cleanup;
    }
    if (sparsity) {
        st = tflite_fbr_error(r, HB_ERR_UNSUPPORTED,
                              "tensor %u (%s): sparse tensors are not supported", i, tname);
        goto cleanup;
    }
    if (rank > NN_MAX_RANK) {
        st = tflite_fbr_error(r, HB_ERR_UNSUPPORTED,
                              "tensor %u (%s): rank %u, at most %d is supported", i,
                              tname, rank, NN_MAX_RANK);
        goto cleanup;
    }
    if (buffer >= m->n_buffers) {
        st = tflite_fbr_error(r, HB_ERR_FORMAT, "tensor %u (%s): buffer %llu, the model "
                              "has %u", i, tname, (unsigned long long)buffer, m->n_buffers);
        goto cleanup;
    }
    /* Bytes the shape needs, saturating so no product can wrap. */
    need = nn_dtype_bytes(dtype);
    for (uint32_t d = 0; d < rank; d++) {
        int64_t x = tflite_fbr_sext(tflite_fbr_ld32(r->p + shape + 4 * (size_t)d), 4);
        dims[d] = (int32_t)x;
        need = x <= 0 ? 0 : need > UINT64_MAX / (uint64_t)x ? UINT64_MAX : need * (uint64_t)x;
    }
    const rd_buffer *b = &m->buffers[buffer];
    if (b->size && b->size != need) {
        st = tflite_fbr_error(r, HB_ERR_FORMAT, "tensor %u (%s): buffer %llu holds %llu "
                              "bytes, its shape needs %llu", i, tname,
                              (unsigned long long)buffer, (unsigned long long)b->size,
                              (unsigned long long)need);
        goto cleanup;
    }
    m->copied += b->size;
    if (m->copied > (uint64_t)r->len * RD_COPY_FACTOR) {
        st = tflite_fbr_error(r, HB_ERR_FORMAT, "tensor %u (%s): constants shared so "
                              "often that they exceed %u times the file", i, tname,
                              RD_COPY_FACTOR);
        goto cleanup;
    }
    if ((st = graph_add_tensor(m->g, name, dtype, (int)rank, dims,
                               b->size ? r->p + b->pos : NULL, (size_t)b->size, NULL)) ||
        (st = tflite_fbr_child(r, &t, TFLITE_TENSOR_QUANTIZATION, t.what, &q, &present)))
        goto cleanup;
    if (present)
        st = rd_quant(m, &q, (int)i, tname);
cleanup:
    free(name);
    return st;
}

/* Tensors, inputs and outputs of subgraph 0 (its operators are read). */
static hb_status rd_tensors_io(reader *m, const tflite_fbr_table *sub)
{
    int *ins = NULL, *outs = NULL, n_in, n_out;
    hb_status st;

    for (uint32_t i = 0; i < m->n_tensors; i++)
        if ((st = rd_tensor(m, i)) != HB_OK)
            return st;
    if ((st = rd_indices(m, sub, TFLITE_SUBGRAPH_INPUTS, "inputs", 0, &ins, &n_in)) ||
        (st = rd_indices(m, sub, TFLITE_SUBGRAPH_OUTPUTS, "outputs", 0, &outs, &n_out)))
        goto cleanup;
    st = graph_set_io(m->g, n_in, ins, n_out, outs);
cleanup:
    free(ins);
    free(outs);
    return st;
}

hb_status tflite_read(const uint8_t *buf, size_t len, const char *name, graph **out)
{
    reader m;
    tflite_fbr_table model, sub;
    size_t subgraphs;
    uint32_t n_subgraphs;
    uint64_t version;
    hb_status st;

    if (out)
        *out = NULL;
    if (!out || (!buf && len))
        return hb_fail(HB_ERR_ARG, "tflite_read: NULL argument");
    memset(&m, 0, sizeof(m));
    m.r.p = buf;
    m.r.len = len;
    m.r.name = name;
    if (len < 8)
        return tflite_fbr_error(&m.r, HB_ERR_FORMAT, "%zu bytes are too few for a "
                                "TFLite file", len);
    if (memcmp(buf + 4, TFLITE_FILE_ID, 4) != 0)
        return tflite_fbr_error(&m.r, HB_ERR_FORMAT, "no \"" TFLITE_FILE_ID "\" file "
                                "identifier at offset 4: not a TFLite file");
    snprintf(model.what, sizeof(model.what), "Model");
    if ((st = tflite_fbr_root(&m.r, &model)) ||
        (st = tflite_fbr_uint(&m.r, &model, TFLITE_MODEL_VERSION, 4, 0, &version)))
        return st;
    if (version != TFLITE_SCHEMA_VERSION)
        return tflite_fbr_error(&m.r, HB_ERR_UNSUPPORTED, "schema version %llu; only "
                                "version %u is read", (unsigned long long)version,
                                TFLITE_SCHEMA_VERSION);
    if ((st = graph_new(&m.g)) || (st = rd_opcodes(&m, &model)) ||
        (st = tflite_fbr_vector(&m.r, &model, TFLITE_MODEL_SUBGRAPHS, 4, "subgraphs",
                                &subgraphs, &n_subgraphs)))
        goto cleanup;
    if (n_subgraphs == 0) {
        st = tflite_fbr_error(&m.r, HB_ERR_FORMAT, "the model has no subgraph");
        goto cleanup;
    }
    snprintf(sub.what, sizeof(sub.what), "subgraph 0");
    if ((st = tflite_fbr_elem(&m.r, subgraphs, 0, &sub)) ||
        (st = tflite_fbr_vector(&m.r, &sub, TFLITE_SUBGRAPH_TENSORS, 4, "tensors",
                                &m.tensors, &m.n_tensors)) ||
        (st = rd_operators(&m, &sub)) || (st = rd_buffers(&m, &model)) ||
        (st = rd_tensors_io(&m, &sub)) ||
        (st = tflite_fbr_string(&m.r, &model, TFLITE_MODEL_DESCRIPTION, "description",
                                &m.g->description)) ||
        (st = tflite_fold_fp16(m.g)))
        goto cleanup;
    if ((st = graph_validate(m.g)) != HB_OK) {
        if (name)
            hb_context(st, "%s", name);
        goto cleanup;
    }
    *out = m.g;
    m.g = NULL;
cleanup:
    graph_free(m.g);
    free(m.codes);
    free(m.buffers);
    return st;
}

hb_status tflite_read_file(const char *path, graph **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st;

    if (out)
        *out = NULL;
    if (!path || !out)
        return hb_fail(HB_ERR_ARG, "tflite_read_file: NULL argument");
    if ((st = hb_read_file(path, &buf, &len)) != HB_OK)
        return st;
    st = tflite_read(buf, len, path, out);
    free(buf);
    return st;
}
