/*
 * nn_model.c: blob validation, tensor views and the invoke loop.
 *
 * Validation is done once, in nn_model_open(), and is complete: every
 * offset, size and index an op will use is proven in bounds there, so the
 * invoke loop and the kernels carry no checks. All arithmetic on untrusted
 * numbers is done in 64 bits so that a hostile header cannot wrap around.
 */
#include "nn_op.h"

#include <string.h>

#include "nn_sparse.h"

static const nn_op_impl op_table[NN_OP_COUNT] = {
#define NN_X_(e, n) [NN_OP_##e] = {nn_op_##n##_check, nn_op_##n##_eval},
    NN_ENGINE_OPS(NN_X_)
#undef NN_X_
};

static const char *const op_names[NN_OP_COUNT] = {
#define NN_X_(e, n) [NN_OP_##e] = #e,
    NN_OP_LIST(NN_X_)
#undef NN_X_
};

static const char *const dtype_names[NN_DT_COUNT] = {
#define NN_X_(e, n, b) [NN_DT_##e] = #n,
    NN_DTYPE_LIST(NN_X_)
#undef NN_X_
};

static const uint8_t dtype_bytes[NN_DT_COUNT] = {
#define NN_X_(e, n, b) [NN_DT_##e] = b,
    NN_DTYPE_LIST(NN_X_)
#undef NN_X_
};

static const char *const why_texts[NN_WHY_COUNT] = {
#define NN_X_(e, s) [NN_WHY_##e] = s,
    NN_WHY_LIST(NN_X_)
#undef NN_X_
};

const char *nn_dtype_name(int dtype)
{
    return dtype >= 0 && dtype < NN_DT_COUNT ? dtype_names[dtype] : "?";
}

uint32_t nn_dtype_bytes(int dtype)
{
    return dtype >= 0 && dtype < NN_DT_COUNT ? dtype_bytes[dtype] : 0;
}

const char *nn_op_name(int op)
{
    return op >= 0 && op < NN_OP_COUNT ? op_names[op] : "?";
}

const char *nn_why_text(int why)
{
    return why >= 0 && why < NN_WHY_COUNT ? why_texts[why] : "?";
}

const char *nn_strerror(int status)
{
    switch (status) {
    case NN_OK: return "ok";
    case NN_ERR_ARG: return "bad argument";
    case NN_ERR_BLOB: return "malformed model blob";
    case NN_ERR_VERSION: return "unsupported model blob version";
    case NN_ERR_UNSUPPORTED: return "not supported by this engine";
    case NN_ERR_ARENA: return "arena too small";
    default: return "unknown error";
    }
}

uint32_t nn_engine_ops(void)
{
    uint32_t bits = 0;
    for (int i = 0; i < NN_OP_COUNT; i++)
        if (op_table[i].eval)
            bits |= 1u << i;
    return bits;
}

uint32_t nn_engine_dtypes(void)
{
    return (1u << NN_DT_FLOAT32) | (1u << NN_DT_INT8) | (1u << NN_DT_INT16);
}

static nn_status fail(nn_error *err, nn_status st, nn_why why, int32_t op,
                      int32_t tensor, int64_t offset)
{
    if (err) {
        err->status = (int16_t)st;
        err->why = (uint16_t)why;
        err->op = op;
        err->tensor = tensor;
        err->offset = offset >= 0 && offset <= INT32_MAX ? (int32_t)offset : -1;
    }
    return st;
}

nn_status nn_op_fail(const nn_op_view *op, nn_error *err, nn_why why,
                     int32_t tensor)
{
    nn_status st = why == NN_WHY_OP_DTYPE ? NN_ERR_UNSUPPORTED : NN_ERR_BLOB;
    return fail(err, st, why, op->index, tensor, -1);
}

/* Tensor records ---------------------------------------------------------- */

static const uint8_t *tensor_rec(const nn_model *m, uint16_t i)
{
    return m->blob + m->tensors_off + (uint32_t)i * NN_BLOB_TENSOR_BYTES;
}

static void tensor_view(const nn_model *m, uint16_t i, uint8_t *arena,
                        nn_tensor *t)
{
    const uint8_t *r = tensor_rec(m, i);
    memset(t, 0, sizeof(*t));
    t->dtype = r[NN_BT_DTYPE];
    t->rank = r[NN_BT_RANK];
    t->is_const = r[NN_BT_KIND] != NN_KIND_ARENA;
    t->kind = r[NN_BT_KIND];
    t->kind_axis = r[NN_BT_KIND_AXIS];
    t->quant = r[NN_BT_QUANT];
    t->count = 1;
    for (int d = 0; d < t->rank; d++) {
        t->dims[d] = nn_rd_i32(r + NN_BT_DIMS + 4 * d);
        t->count *= (uint32_t)t->dims[d];
    }
    t->bytes = nn_rd_u32(r + NN_BT_BYTES);
    uint32_t off = nn_rd_u32(r + NN_BT_OFFSET);
    if (t->is_const)
        t->data = (void *)(uintptr_t)(m->blob + off);
    else if (arena)
        t->data = arena + off;
    if (t->quant == NN_QUANT_TENSOR) {
        t->scale = nn_rd_f32(r + NN_BT_SCALE);
        t->zero_point = nn_rd_i32(r + NN_BT_ZERO);
    } else if (t->quant == NN_QUANT_CHANNEL) {
        uint32_t qoff = nn_rd_u32(r + NN_BT_SCALE);
        t->channels = nn_rd_u32(r + NN_BT_ZERO);
        t->axis = r[NN_BT_AXIS];
        t->scales = (const float *)(const void *)(m->blob + qoff);
        t->zero_points =
            (const int32_t *)(const void *)(m->blob + qoff + 4 * t->channels);
        t->scale = t->scales[0];
        t->zero_point = t->zero_points[0];
    }
}

static int in_data(const nn_model *m, uint64_t off, uint64_t bytes)
{
    return off >= m->data_off && off + bytes <= (uint64_t)m->data_off + m->data_bytes;
}

static int finite_positive(float f)
{
    /* NaN fails both comparisons; the upper bound rejects infinity. */
    return f > 0.0f && f < 3.0e38f;
}

static nn_status check_tensor(const nn_model *m, uint16_t i, nn_error *err)
{
    const uint8_t *r = tensor_rec(m, i);
    uint8_t dtype = r[NN_BT_DTYPE], rank = r[NN_BT_RANK];
    uint8_t kind = r[NN_BT_KIND], quant = r[NN_BT_QUANT];
    int64_t rec = m->tensors_off + (int64_t)i * NN_BLOB_TENSOR_BYTES;

    if (dtype >= NN_DT_COUNT)
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_DTYPE, -1, i, rec);
    if (rank > NN_MAX_RANK)
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_SHAPE, -1, i, rec);
    uint64_t count = 1;
    for (int d = 0; d < NN_MAX_RANK; d++) {
        int32_t v = nn_rd_i32(r + NN_BT_DIMS + 4 * d);
        if ((d < rank && v < 1) || (d >= rank && v != 0))
            return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_SHAPE, -1, i, rec);
        if (d < rank) {
            count *= (uint64_t)v;
            if (count > 0x7fffffffu)
                return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_SHAPE, -1, i, rec);
        }
    }
    uint64_t bytes = nn_rd_u32(r + NN_BT_BYTES);
    uint32_t esize = dtype_bytes[dtype];
    /* Sparse kinds store fewer bytes than the shape: checked below. */
    int sparse = kind == NN_KIND_SPARSE || kind == NN_KIND_CHANNELS;
    if (kind >= NN_KIND_COUNT)
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_KIND, -1, i, rec);
    if (!sparse && bytes != count * esize)
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_BYTES, -1, i, rec);
    uint64_t off = nn_rd_u32(r + NN_BT_OFFSET);
    uint32_t align = sparse ? 4 : esize < 4 ? esize : 4;
    if (off % align)
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_ALIGN, -1, i, rec);
    if (kind == NN_KIND_ARENA) {
        if (off + bytes > m->arena_bytes)
            return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_BOUNDS, -1, i, rec);
    } else if (!in_data(m, off, bytes)) {
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_BOUNDS, -1, i, rec);
    }
    if ((kind != NN_KIND_CHANNELS && r[NN_BT_KIND_AXIS]) || r[NN_BT_KIND_AXIS + 1] ||
        r[NN_BT_KIND_AXIS + 2])
        return fail(err, NN_ERR_BLOB, NN_WHY_TENSOR_SHAPE, -1, i, rec);
    if (sparse) {
        nn_why why = nn_sparse_check_tensor(r, m->blob + off, bytes, count, esize);
        if (why != NN_WHY_NONE)
            return fail(err, NN_ERR_BLOB, why, -1, i, rec);
    }

    if (quant == NN_QUANT_NONE) {
        if (nn_rd_u32(r + NN_BT_SCALE) || nn_rd_u32(r + NN_BT_ZERO) || r[NN_BT_AXIS])
            return fail(err, NN_ERR_BLOB, NN_WHY_QUANT, -1, i, rec);
    } else if (quant == NN_QUANT_TENSOR) {
        if (!finite_positive(nn_rd_f32(r + NN_BT_SCALE)) || r[NN_BT_AXIS])
            return fail(err, NN_ERR_BLOB, NN_WHY_QUANT, -1, i, rec);
    } else if (quant == NN_QUANT_CHANNEL) {
        uint64_t qoff = nn_rd_u32(r + NN_BT_SCALE);
        uint64_t n = nn_rd_u32(r + NN_BT_ZERO);
        uint8_t axis = r[NN_BT_AXIS];
        if (axis >= rank || n != (uint64_t)nn_rd_i32(r + NN_BT_DIMS + 4 * axis) ||
            qoff % 4 || !in_data(m, qoff, 8 * n))
            return fail(err, NN_ERR_BLOB, NN_WHY_QUANT, -1, i, rec);
        for (uint64_t c = 0; c < n; c++)
            if (!finite_positive(nn_rd_f32(m->blob + qoff + 4 * c)))
                return fail(err, NN_ERR_BLOB, NN_WHY_QUANT, -1, i, rec);
    } else {
        return fail(err, NN_ERR_BLOB, NN_WHY_QUANT, -1, i, rec);
    }
    return NN_OK;
}

/* Ops --------------------------------------------------------------------- */

static nn_status op_view(const nn_model *m, uint16_t i, nn_op_view *op)
{
    uint32_t off = nn_rd_u32(m->blob + m->ops_off + 4u * i);
    const uint8_t *r = m->blob + off;
    op->model = m;
    op->index = i;
    op->code = r[0];
    op->n_inputs = r[1];
    op->n_outputs = r[2];
    op->n_words = r[3];
    op->io = r + NN_BLOB_OP_HEAD_BYTES;
    uint32_t io_bytes = 2u * (op->n_inputs + op->n_outputs);
    op->words = op->io + ((io_bytes + 3u) & ~3u);
    return NN_OK;
}

/* Is arena tensor t set before op i runs (a model input or an output of an
 * earlier op)? Quadratic, but models are small and it runs once. */
static int tensor_ready(const nn_model *m, uint16_t t, uint16_t before_op)
{
    for (uint16_t k = 0; k < m->n_inputs; k++)
        if (nn_rd_u16(m->blob + m->io_off + 2u * k) == t)
            return 1;
    for (uint16_t j = 0; j < before_op; j++) {
        nn_op_view o;
        op_view(m, j, &o);
        for (int k = 0; k < o.n_outputs; k++)
            if (nn_op_output_index(&o, k) == t)
                return 1;
    }
    return 0;
}

static int tensor_is_const(const nn_model *m, uint16_t t)
{
    return tensor_rec(m, t)[NN_BT_KIND] != NN_KIND_ARENA;
}

static nn_status check_op(const nn_model *m, uint16_t i, nn_error *err)
{
    uint64_t off = nn_rd_u32(m->blob + m->ops_off + 4u * i);
    if (off % 4 || off + NN_BLOB_OP_HEAD_BYTES > m->blob_bytes)
        return fail(err, NN_ERR_BLOB, NN_WHY_HEADER, i, -1, m->ops_off + 4u * i);
    nn_op_view op;
    op_view(m, i, &op);
    uint64_t io_bytes = 2u * ((uint64_t)op.n_inputs + op.n_outputs);
    uint64_t end = off + NN_BLOB_OP_HEAD_BYTES + ((io_bytes + 3) & ~3ull) +
                   4ull * op.n_words;
    if (end > m->blob_bytes)
        return fail(err, NN_ERR_BLOB, NN_WHY_TRUNCATED, i, -1, (int64_t)off);
    if (op.code >= NN_OP_COUNT)
        return fail(err, NN_ERR_UNSUPPORTED, NN_WHY_OP_CODE, i, -1, (int64_t)off);
    if (!op_table[op.code].eval)
        return fail(err, NN_ERR_UNSUPPORTED, NN_WHY_OP_MISSING, i, -1, (int64_t)off);
    if (op.n_inputs + op.n_outputs > NN_MAX_OP_IO || op.n_outputs == 0)
        return fail(err, NN_ERR_BLOB, NN_WHY_OP_IO, i, -1, (int64_t)off);
    for (int k = 0; k < op.n_inputs; k++) {
        uint16_t t = nn_op_input_index(&op, k);
        if (t == NN_ABSENT)
            continue;
        if (t >= m->n_tensors)
            return fail(err, NN_ERR_BLOB, NN_WHY_OP_TENSOR, i, t, (int64_t)off);
        if (!tensor_is_const(m, t) && !tensor_ready(m, t, i))
            return fail(err, NN_ERR_BLOB, NN_WHY_OP_CONST, i, t, (int64_t)off);
        /* Only the inputs whose ops read them through nn_sparse_view(). */
        uint8_t kind = tensor_rec(m, t)[NN_BT_KIND];
        if ((kind == NN_KIND_SPARSE || kind == NN_KIND_CHANNELS) &&
            nn_blob_sparse_axis(op.code, k) < 0)
            return fail(err, NN_ERR_BLOB, NN_WHY_OP_SPARSE, i, t, (int64_t)off);
    }
    for (int k = 0; k < op.n_outputs; k++) {
        uint16_t t = nn_op_output_index(&op, k);
        if (t >= m->n_tensors)
            return fail(err, NN_ERR_BLOB, NN_WHY_OP_TENSOR, i, t, (int64_t)off);
        if (tensor_is_const(m, t))
            return fail(err, NN_ERR_BLOB, NN_WHY_OP_CONST, i, t, (int64_t)off);
    }
    return op_table[op.code].check(&op, err);
}

nn_status nn_model_open(nn_model *model, const void *blob, uint32_t blob_bytes,
                        nn_error *err)
{
    nn_status st;
    nn_model m;
    const uint8_t *b = blob;

    if (model)
        memset(model, 0, sizeof(*model));
    if (err)
        fail(err, NN_OK, NN_WHY_NONE, -1, -1, -1);
    if (!model || !blob)
        return fail(err, NN_ERR_ARG, NN_WHY_NONE, -1, -1, -1);
    if ((uintptr_t)blob % 4)
        return fail(err, NN_ERR_ARG, NN_WHY_TENSOR_ALIGN, -1, -1, 0);
    if (blob_bytes < NN_BLOB_HEADER_BYTES)
        return fail(err, NN_ERR_BLOB, NN_WHY_TRUNCATED, -1, -1, 0);
    if (nn_rd_u32(b + NN_BH_MAGIC) != NN_BLOB_MAGIC)
        return fail(err, NN_ERR_BLOB, NN_WHY_MAGIC, -1, -1, NN_BH_MAGIC);
    if (nn_rd_u16(b + NN_BH_VERSION) != NN_BLOB_VERSION)
        return fail(err, NN_ERR_VERSION, NN_WHY_VERSION, -1, -1, NN_BH_VERSION);

    memset(&m, 0, sizeof(m));
    m.blob = b;
    m.blob_bytes = nn_rd_u32(b + NN_BH_BLOB_BYTES);
    m.arena_bytes = nn_rd_u32(b + NN_BH_ARENA_BYTES);
    m.n_tensors = nn_rd_u16(b + NN_BH_N_TENSORS);
    m.n_ops = nn_rd_u16(b + NN_BH_N_OPS);
    m.n_inputs = nn_rd_u16(b + NN_BH_N_INPUTS);
    m.n_outputs = nn_rd_u16(b + NN_BH_N_OUTPUTS);
    m.tensors_off = nn_rd_u32(b + NN_BH_TENSORS_OFF);
    m.ops_off = nn_rd_u32(b + NN_BH_OPS_OFF);
    m.io_off = nn_rd_u32(b + NN_BH_IO_OFF);
    m.data_off = nn_rd_u32(b + NN_BH_DATA_OFF);
    m.data_bytes = nn_rd_u32(b + NN_BH_DATA_BYTES);

    if (m.blob_bytes > blob_bytes)
        return fail(err, NN_ERR_BLOB, NN_WHY_TRUNCATED, -1, -1, NN_BH_BLOB_BYTES);
    if (nn_rd_u16(b + NN_BH_HEADER_BYTES) != NN_BLOB_HEADER_BYTES ||
        m.blob_bytes < NN_BLOB_HEADER_BYTES || m.blob_bytes % 4 ||
        nn_rd_u32(b + NN_BH_FLAGS) != 0)
        return fail(err, NN_ERR_BLOB, NN_WHY_HEADER, -1, -1, NN_BH_HEADER_BYTES);
    for (int k = 52; k < NN_BLOB_HEADER_BYTES; k++)
        if (b[k])
            return fail(err, NN_ERR_BLOB, NN_WHY_HEADER, -1, -1, k);
    if (m.n_tensors == 0 || m.n_ops == 0 || m.n_inputs == 0 || m.n_outputs == 0 ||
        m.n_tensors == NN_ABSENT)
        return fail(err, NN_ERR_BLOB, NN_WHY_HEADER, -1, -1, NN_BH_N_TENSORS);
    if (m.tensors_off % 4 || m.ops_off % 4 || m.io_off % 2 ||
        m.data_off % NN_ALIGN ||
        (uint64_t)m.tensors_off + (uint64_t)m.n_tensors * NN_BLOB_TENSOR_BYTES > m.blob_bytes ||
        (uint64_t)m.ops_off + 4ull * m.n_ops > m.blob_bytes ||
        (uint64_t)m.io_off + 2ull * (m.n_inputs + m.n_outputs) > m.blob_bytes ||
        (uint64_t)m.data_off + m.data_bytes > m.blob_bytes)
        return fail(err, NN_ERR_BLOB, NN_WHY_HEADER, -1, -1, NN_BH_TENSORS_OFF);

    for (uint16_t i = 0; i < m.n_tensors; i++)
        if ((st = check_tensor(&m, i, err)) != NN_OK)
            return st;
    for (uint16_t k = 0; k < m.n_inputs + m.n_outputs; k++) {
        uint16_t t = nn_rd_u16(b + m.io_off + 2u * k);
        if (t >= m.n_tensors || tensor_is_const(&m, t))
            return fail(err, NN_ERR_BLOB, NN_WHY_IO, -1, t, m.io_off + 2u * k);
    }
    for (uint16_t i = 0; i < m.n_ops; i++)
        if ((st = check_op(&m, i, err)) != NN_OK)
            return st;
    for (uint16_t k = 0; k < m.n_outputs; k++) {
        uint16_t t = nn_rd_u16(b + m.io_off + 2u * (m.n_inputs + k));
        if (!tensor_ready(&m, t, m.n_ops))
            return fail(err, NN_ERR_BLOB, NN_WHY_IO, -1, t, m.io_off);
    }
    *model = m;
    return NN_OK;
}

/* Views and queries -------------------------------------------------------- */

void nn_op_input(const nn_op_view *op, int i, uint8_t *arena, nn_tensor *t)
{
    uint16_t idx = nn_op_input_index(op, i);
    if (idx == NN_ABSENT) {
        memset(t, 0, sizeof(*t));
        t->count = 0;
        return;
    }
    tensor_view(op->model, idx, arena, t);
}

void nn_op_output(const nn_op_view *op, int i, uint8_t *arena, nn_tensor *t)
{
    tensor_view(op->model, nn_op_output_index(op, i), arena, t);
}

const uint8_t *nn_op_blob_array(const nn_op_view *op, uint32_t off,
                                uint32_t count)
{
    if (off % 4 || !in_data(op->model, off, 4ull * count))
        return NULL;
    return op->model->blob + off;
}

int nn_op_same_shape(const nn_tensor *a, const nn_tensor *b)
{
    if (a->rank != b->rank)
        return 0;
    for (int d = 0; d < a->rank; d++)
        if (a->dims[d] != b->dims[d])
            return 0;
    return 1;
}

nn_status nn_op_check_unary(const nn_op_view *op, nn_error *err, uint32_t words,
                            int (*words_ok)(const nn_op_view *op, int dtype))
{
    nn_tensor in, out;

    if (op->n_inputs != 1 || op->n_outputs != 1 || nn_op_input_index(op, 0) == NN_ABSENT)
        return nn_op_fail(op, err, NN_WHY_OP_IO, -1);
    if (op->n_words < words)
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    nn_op_input(op, 0, NULL, &in);
    nn_op_output(op, 0, NULL, &out);
    if (in.dtype != out.dtype || (in.dtype != NN_DT_FLOAT32 && in.dtype != NN_DT_INT8))
        return nn_op_fail(op, err, NN_WHY_OP_DTYPE, nn_op_input_index(op, 0));
    if (!nn_op_same_shape(&in, &out))
        return nn_op_fail(op, err, NN_WHY_OP_SHAPE, nn_op_output_index(op, 0));
    if (words_ok && !words_ok(op, in.dtype))
        return nn_op_fail(op, err, NN_WHY_OP_PARAMS, -1);
    return NN_OK;
}

int nn_op_same_quant(const nn_tensor *a, const nn_tensor *b)
{
    if (a->quant != b->quant || a->quant == NN_QUANT_CHANNEL)
        return 0;
    return a->quant == NN_QUANT_NONE ||
           (a->scale == b->scale && a->zero_point == b->zero_point);
}

uint32_t nn_model_arena_bytes(const nn_model *m) { return m->arena_bytes; }
uint16_t nn_model_op_count(const nn_model *m) { return m->n_ops; }
uint16_t nn_model_input_count(const nn_model *m) { return m->n_inputs; }
uint16_t nn_model_output_count(const nn_model *m) { return m->n_outputs; }

uint16_t nn_model_input(const nn_model *m, uint16_t i)
{
    return i < m->n_inputs ? nn_rd_u16(m->blob + m->io_off + 2u * i) : NN_ABSENT;
}

uint16_t nn_model_output(const nn_model *m, uint16_t i)
{
    return i < m->n_outputs
               ? nn_rd_u16(m->blob + m->io_off + 2u * (m->n_inputs + i))
               : NN_ABSENT;
}

int nn_model_op_code(const nn_model *m, uint16_t i)
{
    nn_op_view op;
    if (i >= m->n_ops)
        return -1;
    op_view(m, i, &op);
    return op.code;
}

uint16_t nn_model_op_output_count(const nn_model *m, uint16_t i)
{
    nn_op_view op;
    if (i >= m->n_ops)
        return 0;
    op_view(m, i, &op);
    return op.n_outputs;
}

uint16_t nn_model_op_output(const nn_model *m, uint16_t i, uint16_t j)
{
    nn_op_view op;
    if (i >= m->n_ops)
        return NN_ABSENT;
    op_view(m, i, &op);
    return j < op.n_outputs ? nn_op_output_index(&op, j) : NN_ABSENT;
}

nn_status nn_model_tensor(const nn_model *m, uint16_t index, void *arena,
                          nn_tensor *out)
{
    if (!m || !out || index >= m->n_tensors)
        return NN_ERR_ARG;
    tensor_view(m, index, arena, out);
    return NN_OK;
}

/* Invoke ------------------------------------------------------------------ */

nn_status nn_model_invoke(const nn_model *m, void *arena, uint32_t arena_bytes,
                          const nn_hooks *hooks, nn_error *err)
{
    if (!m || !m->blob || !arena || (uintptr_t)arena % NN_ALIGN)
        return fail(err, NN_ERR_ARG, NN_WHY_NONE, -1, -1, -1);
    if (arena_bytes < m->arena_bytes)
        return fail(err, NN_ERR_ARENA, NN_WHY_ARENA, -1, -1, -1);
    for (uint16_t i = 0; i < m->n_ops; i++) {
        nn_op_view op;
        op_view(m, i, &op);
        if (hooks && hooks->before)
            hooks->before(hooks->ctx, i);
        op_table[op.code].eval(&op, arena);
        if (hooks && hooks->after)
            hooks->after(hooks->ctx, i);
    }
    return NN_OK;
}
