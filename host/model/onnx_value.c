/*
 * onnx_value.c: constants, layouts and the graph tensors and ops the
 * handlers emit.
 *
 * A value is moved between layouts by one rule: drop the unit dimensions
 * of both shapes; if the remaining dimensions come in the same order the
 * bytes are already right and a RESHAPE (free: the arena plan aliases it)
 * is enough; otherwise a TRANSPOSE of the remaining dimensions, with
 * RESHAPEs around it when unit dimensions come or go. So NCHW -> NHWC with
 * N = 1 is a rank-3 transpose, and [N, C, 1, 1] -> NHWC is a reshape.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* Constants ------------------------------------------------------------------ */

size_t onnx_count(int rank, const int64_t *dims)
{
    size_t n = 1;
    for (int d = 0; d < rank; d++) {
        if (dims[d] <= 0)
            return 0;
        if (n > SIZE_MAX / (size_t)dims[d])
            return SIZE_MAX;
        n *= (size_t)dims[d];
    }
    return n;
}

hb_status onnx_charge(onnx_ctx *c, uint64_t bytes)
{
    if (bytes > c->max_const_bytes - c->const_bytes || bytes >= ((uint64_t)1 << 31))
        return hb_fail(HB_ERR_UNSUPPORTED, "constants would exceed %llu bytes (a tensor at "
                       "most 2 GiB)", (unsigned long long)c->max_const_bytes);
    c->const_bytes += bytes;
    return HB_OK;
}

void onnx_const_clear(onnx_const *k)
{
    free(k->f);
    free(k->i);
    free(k->scales);
    free(k->zps);
    memset(k, 0, sizeof(*k));
}

hb_status onnx_def_const(onnx_ctx *c, onnx_value *v, int type, int rank, const int64_t *dims)
{
    hb_status st;
    if (rank < 0 || rank > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "'%s' would have rank %d, at most %d is "
                         "supported", v->name, rank, NN_MAX_RANK);
    for (int d = 0; d < rank; d++)
        if (dims[d] < 0 || dims[d] > INT32_MAX)
            return onnx_fail(c, HB_ERR_FORMAT, "'%s': dimension %d is %lld", v->name, d,
                             (long long)dims[d]);
    size_t n = onnx_count(rank, dims);
    size_t esize = type == ONNX_CF ? sizeof(float) : sizeof(int64_t);
    if (n > SIZE_MAX / esize || (st = onnx_charge(c, (uint64_t)n * esize)) != HB_OK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "'%s' is too large", v->name);
    onnx_const_clear(&v->c);
    v->c.type = type;
    v->c.elem = type == ONNX_CF ? ONNX_T_FLOAT : ONNX_T_INT64;
    v->c.count = n;
    if (type == ONNX_CF)
        v->c.f = calloc(n ? n : 1, sizeof(float));
    else
        v->c.i = calloc(n ? n : 1, sizeof(int64_t));
    if (!v->c.f && !v->c.i)
        return hb_fail(HB_ERR_MEM, "out of memory");
    v->kind = ONNX_CONST;
    v->rank = rank;
    memcpy(v->dims, dims, (size_t)rank * sizeof(int64_t));
    return HB_OK;
}

float onnx_cf(const onnx_value *v, size_t k)
{
    const onnx_const *q = &v->c;
    if (q->type == ONNX_CF)
        return q->f[k];
    if (q->type == ONNX_CI)
        return (float)q->i[k];
    size_t ch = 0;
    if (q->n_quant > 1) {
        size_t inner = 1;
        for (int d = q->axis + 1; d < v->rank; d++)
            inner *= (size_t)v->dims[d];
        ch = k / inner % (size_t)q->n_quant;
    }
    return q->scales[ch] * (float)(q->i[k] - q->zps[ch]);
}

int64_t onnx_ci(const onnx_value *v, size_t k)
{
    if (v->c.type == ONNX_CF) {
        float f = v->c.f[k];
        return !(f == f) ? 0 : f >= 9.2e18f ? INT64_MAX : f <= -9.2e18f ? INT64_MIN
                                                                        : (int64_t)f;
    }
    return v->c.i[k];
}

static float half_to_float(uint16_t h, int bfloat)
{
    uint32_t bits;
    if (bfloat) {
        bits = (uint32_t)h << 16;
    } else {
        uint32_t s = (uint32_t)(h & 0x8000u) << 16, e = (h >> 10) & 0x1f, m = h & 0x3ff;
        if (e == 0x1f)
            bits = s | 0x7f800000u | (m << 13);
        else if (e)
            bits = s | ((e + 112) << 23) | (m << 13);
        else if (!m)
            bits = s;
        else {
            e = 113;
            do {
                m <<= 1;
                e--;
            } while (!(m & 0x400));
            bits = s | (e << 23) | ((m & 0x3ff) << 13);
        }
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

/* Bytes per element of raw_data for a data type, 0 if not supported. */
static size_t raw_size(int type)
{
    switch (type) {
    case ONNX_T_FLOAT: case ONNX_T_INT32: case ONNX_T_UINT32: return 4;
    case ONNX_T_DOUBLE: case ONNX_T_INT64: case ONNX_T_UINT64: return 8;
    case ONNX_T_INT8: case ONNX_T_UINT8: case ONNX_T_BOOL: return 1;
    case ONNX_T_INT16: case ONNX_T_UINT16: case ONNX_T_FLOAT16: case ONNX_T_BFLOAT16:
        return 2;
    }
    return 0;
}

static int is_float_type(int type)
{
    return type == ONNX_T_FLOAT || type == ONNX_T_DOUBLE || type == ONNX_T_FLOAT16 ||
           type == ONNX_T_BFLOAT16;
}

/* Element k of little-endian raw data. */
static void raw_elem(const uint8_t *p, int type, float *f, int64_t *i)
{
    uint64_t u = 0;
    size_t n = raw_size(type);
    for (size_t b = 0; b < n; b++)
        u |= (uint64_t)p[b] << (8 * b);
    switch (type) {
    case ONNX_T_FLOAT: { uint32_t w = (uint32_t)u; memcpy(f, &w, 4); break; }
    case ONNX_T_DOUBLE: { double d; memcpy(&d, &u, 8); *f = (float)d; break; }
    case ONNX_T_FLOAT16: *f = half_to_float((uint16_t)u, 0); break;
    case ONNX_T_BFLOAT16: *f = half_to_float((uint16_t)u, 1); break;
    case ONNX_T_INT8: *i = (int8_t)u; break;
    case ONNX_T_INT16: *i = (int16_t)u; break;
    case ONNX_T_INT32: *i = (int32_t)u; break;
    case ONNX_T_INT64: memcpy(i, &u, 8); break;
    case ONNX_T_UINT64: *i = u > INT64_MAX ? INT64_MAX : (int64_t)u; break;
    default: *i = (int64_t)u; break; /* uint8, uint16, uint32, bool */
    }
}

hb_status onnx_const_from_proto(onnx_ctx *c, const Onnx__TensorProto *t, onnx_value *v)
{
    int type = t->has_data_type ? t->data_type : 0;
    int64_t dims[NN_MAX_RANK];
    hb_status st;

    if (t->has_data_location && t->data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL)
        return hb_fail(HB_ERR_UNSUPPORTED, "data in an external file is not supported");
    if (t->segment)
        return hb_fail(HB_ERR_UNSUPPORTED, "segmented tensors are not supported");
    if (!raw_size(type))
        return hb_fail(HB_ERR_UNSUPPORTED, "element type %d is not supported", type);
    if (t->n_dims > NN_MAX_RANK)
        return hb_fail(HB_ERR_UNSUPPORTED, "rank %zu, at most %d is supported", t->n_dims,
                       NN_MAX_RANK);
    for (size_t d = 0; d < t->n_dims; d++)
        dims[d] = t->dims[d];
    if ((st = onnx_def_const(c, v, is_float_type(type) ? ONNX_CF : ONNX_CI, (int)t->n_dims,
                             dims)) != HB_OK)
        return st;
    size_t count = v->c.count, have;
    v->c.elem = type;
    /* The values: raw bytes, or the typed field of this data type. */
    if (t->has_raw_data && t->raw_data.len) {
        have = t->raw_data.len / raw_size(type);
        if (t->raw_data.len % raw_size(type))
            have = (size_t)-1;
    } else if (type == ONNX_T_FLOAT) {
        have = t->n_float_data;
    } else if (type == ONNX_T_DOUBLE) {
        have = t->n_double_data;
    } else if (type == ONNX_T_INT64) {
        have = t->n_int64_data;
    } else if (type == ONNX_T_UINT32 || type == ONNX_T_UINT64) {
        have = t->n_uint64_data;
    } else {
        have = t->n_int32_data; /* int8..int32, uint8, uint16, bool, float16 bits */
    }
    if (have != count) {
        onnx_const_clear(&v->c); /* failure leaves no data behind */
        v->kind = ONNX_UNDEF;
        return hb_fail(HB_ERR_FORMAT, "%zu values for a shape of %zu elements",
                       have == (size_t)-1 ? 0 : have, count);
    }
    for (size_t k = 0; k < count; k++) {
        float f = 0.0f;
        int64_t i = 0;
        if (t->has_raw_data && t->raw_data.len) {
            raw_elem(t->raw_data.data + k * raw_size(type), type, &f, &i);
        } else if (type == ONNX_T_FLOAT) {
            f = t->float_data[k];
        } else if (type == ONNX_T_DOUBLE) {
            f = (float)t->double_data[k];
        } else if (type == ONNX_T_INT64) {
            i = t->int64_data[k];
        } else if (type == ONNX_T_UINT32 || type == ONNX_T_UINT64) {
            i = t->uint64_data[k] > INT64_MAX ? INT64_MAX : (int64_t)t->uint64_data[k];
        } else if (type == ONNX_T_FLOAT16 || type == ONNX_T_BFLOAT16) {
            f = half_to_float((uint16_t)t->int32_data[k], type == ONNX_T_BFLOAT16);
        } else {
            i = t->int32_data[k];
        }
        if (v->c.type == ONNX_CF)
            v->c.f[k] = f;
        else
            v->c.i[k] = i;
    }
    return HB_OK;
}

/* Layouts ---------------------------------------------------------------------- */

int onnx_nhwc_ok(int rank) { return rank == 3 || rank == 4; }

int onnx_view(int layout, int rank, const int64_t *dims, int32_t *gdims, int *map)
{
    static const int nhwc4[4] = {0, 2, 3, 1}, nhwc3[4] = {0, -1, 2, 1};
    if (layout == ONNX_NHWC && onnx_nhwc_ok(rank)) {
        const int *m = rank == 4 ? nhwc4 : nhwc3;
        for (int j = 0; j < 4; j++) {
            map[j] = m[j];
            gdims[j] = m[j] < 0 ? 1 : (int32_t)dims[m[j]];
        }
        return 4;
    }
    for (int j = 0; j < rank; j++) {
        map[j] = j;
        gdims[j] = (int32_t)dims[j];
    }
    return rank;
}

void onnx_permute(const void *src, size_t esize, int rank, const int64_t *dims, int grank,
                  const int32_t *gdims, const int *map, void *dst)
{
    size_t stride[NN_MAX_RANK], step[NN_MAX_RANK], n = 1;
    int32_t idx[NN_MAX_RANK] = {0};
    const uint8_t *s = src;
    uint8_t *d = dst;

    size_t acc = 1;
    for (int k = rank - 1; k >= 0; k--) {
        stride[k] = acc;
        acc *= (size_t)dims[k];
    }
    for (int j = 0; j < grank; j++) {
        step[j] = map[j] < 0 ? 0 : stride[map[j]];
        n *= (size_t)gdims[j];
    }
    size_t off = 0;
    for (size_t e = 0; e < n; e++) {
        memcpy(d + e * esize, s + off * esize, esize);
        for (int j = grank - 1; j >= 0; j--) {
            off += step[j];
            if (++idx[j] < gdims[j])
                break;
            off -= step[j] * (size_t)gdims[j];
            idx[j] = 0;
        }
    }
}

/* Graph tensors and ops ------------------------------------------------------- */

hb_status onnx_add_tensor(onnx_ctx *c, const char *name, const char *suffix, int dtype,
                          int grank, const int32_t *gdims, const void *data, size_t bytes,
                          int *t)
{
    char buf[256];
    if (suffix) {
        snprintf(buf, sizeof(buf), "%s:%s", name ? name : "", suffix);
        name = buf;
    }
    for (int d = 0; d < grank; d++)
        if (gdims[d] < 1)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "'%s' would have an empty dimension",
                             name ? name : "?");
    return graph_add_tensor(c->g, name, dtype, grank, gdims, data, bytes, t);
}

hb_status onnx_emit(onnx_ctx *c, int op, int n_in, const int *ins, int out,
                    const graph_options *opt, int *index)
{
    graph_options none;
    memset(&none, 0, sizeof(none));
    if (n_in + 1 > NN_MAX_OP_IO)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "%d inputs, at most %d are supported", n_in,
                         NN_MAX_OP_IO - 1);
    return graph_add_op(c->g, op, n_in, ins, 1, &out, opt ? opt : &none, index);
}

hb_status onnx_int32_tensor(onnx_ctx *c, const char *name, int rank, const int32_t *dims,
                            const int32_t *v, int *t)
{
    size_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= (size_t)dims[d];
    return onnx_add_tensor(c, name, NULL, NN_DT_INT32, rank, dims, v, n * 4, t);
}

int onnx_act_tensor(const onnx_value *v) { return v->t[v->layout]; }

int onnx_act_dtype(const onnx_ctx *c, const onnx_value *v)
{
    return c->g->tensors[onnx_act_tensor(v)].dtype;
}

hb_status onnx_new_act(onnx_ctx *c, onnx_value *v, int rank, const int64_t *dims,
                       int layout, int dtype, int q_like, int *t)
{
    int32_t gd[NN_MAX_RANK];
    int map[NN_MAX_RANK];
    hb_status st;
    if (rank > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "'%s' would have rank %d", v->name, rank);
    for (int d = 0; d < rank; d++)
        if (dims[d] < 1 || dims[d] > INT32_MAX)
            return onnx_fail(c, HB_ERR_UNSUPPORTED, "'%s' would have dimension %d = %lld",
                             v->name, d, (long long)dims[d]);
    if (layout == ONNX_NHWC && !onnx_nhwc_ok(rank))
        layout = ONNX_PLAIN;
    int grank = onnx_view(layout, rank, dims, gd, map);
    if ((st = onnx_add_tensor(c, v->name, NULL, dtype, grank, gd, NULL, 0, t)) != HB_OK)
        return st;
    if (q_like >= 0) {
        const graph_tensor *q = &c->g->tensors[q_like];
        if ((st = graph_set_quant(c->g, *t, q->n_quant, q->scales, q->zero_points, 0)))
            return st;
    }
    v->kind = ONNX_ACT;
    v->rank = rank;
    memcpy(v->dims, dims, (size_t)rank * sizeof(int64_t));
    v->layout = layout;
    v->t[0] = v->t[1] = v->tf[0] = v->tf[1] = -1;
    v->t[layout] = *t;
    v->producer = -1;
    return HB_OK;
}

void onnx_alias(onnx_value *v, const onnx_value *src)
{
    onnx_const keep = v->c;
    int uses = v->uses, done = v->done, is_output = v->is_output;
    const char *name = v->name;
    *v = *src;
    v->c = keep; /* constants are not aliased (the folding copies them) */
    v->name = name;
    v->uses = uses;
    v->done = done;
    v->is_output = is_output;
    /* A fused activation must not reach a value read elsewhere. */
    v->producer = -1;
}

/* Moving activations between layouts ------------------------------------------ */

/* A new tensor with src's dtype and quantisation and graph dims (r, d). */
static hb_status like(onnx_ctx *c, int src, const char *name, const char *sfx, int r,
                      const int32_t *d, int *y)
{
    hb_status st = onnx_add_tensor(c, name, sfx, c->g->tensors[src].dtype, r, d, NULL, 0, y);
    if (st != HB_OK)
        return st;
    const graph_tensor *q = &c->g->tensors[src];
    return graph_set_quant(c->g, *y, q->n_quant, q->scales, q->zero_points, q->quant_axis);
}

hb_status onnx_rearrange(onnx_ctx *c, const char *name, const char *tag, int src, int rs,
                         const int32_t *gs, const int *ms, const int64_t *e, int rd,
                         const int32_t *gd, const int *md, int *out)
{
    int32_t sq[NN_MAX_RANK], sqd[NN_MAX_RANK], perm[NN_MAX_RANK];
    int S[NN_MAX_RANK], D[NN_MAX_RANK], ns = 0, nd = 0, cur = src;
    hb_status st;

    for (int j = 0; j < rs; j++)
        if (gs[j] != 1)
            S[ns++] = ms[j];
    for (int j = 0; j < rd; j++)
        if (gd[j] != 1)
            D[nd++] = md[j];
    if (ns != nd)
        return onnx_fail(c, HB_ERR_FORMAT, "'%s': cannot rearrange", name);
    int same = rs == rd, in_order = 1;
    for (int j = 0; same && j < rs; j++)
        same = gs[j] == gd[j];
    for (int k = 0; k < ns; k++)
        in_order &= S[k] == D[k];
    *out = src;
    if (same && in_order)
        return HB_OK;
    if (!in_order && rs == rd) {
        /* One TRANSPOSE of the whole rank when the units fall in place:
         * dimension j takes the source dimension holding md[j], a unit
         * takes any unused unit. */
        int32_t full[NN_MAX_RANK];
        unsigned used = 0;
        int ok = 1;
        for (int j = 0; j < rd && ok; j++) {
            full[j] = -1;
            for (int i = 0; i < rs; i++)
                if (!(used & (1u << i)) &&
                    (gd[j] == 1 ? gs[i] == 1 : ms[i] == md[j] && gs[i] == gd[j])) {
                    full[j] = i;
                    used |= 1u << i;
                    break;
                }
            ok = full[j] >= 0;
        }
        if (ok) {
            int pt, tt, ins[2];
            int32_t pd = rd;
            if ((st = onnx_int32_tensor(c, "perm", 1, &pd, full, &pt)) != HB_OK ||
                (st = like(c, src, name, tag, rd, gd, &tt)) != HB_OK)
                return st;
            ins[0] = src;
            ins[1] = pt;
            if ((st = onnx_emit(c, NN_OP_TRANSPOSE, 2, ins, tt, NULL, NULL)) != HB_OK)
                return st;
            *out = tt;
            return HB_OK;
        }
    }
    if (!in_order) {
        int pt, tt, ins[2], y;
        for (int k = 0; k < ns; k++) {
            sq[k] = (int32_t)e[S[k]];
            sqd[k] = (int32_t)e[D[k]];
            for (int m = 0; m < ns; m++)
                if (S[m] == D[k])
                    perm[k] = m;
        }
        if (rs != ns) { /* the units go first */
            if ((st = like(c, src, name, "squeezed", ns, sq, &y)) != HB_OK ||
                (st = onnx_emit(c, NN_OP_RESHAPE, 1, &cur, y, NULL, NULL)) != HB_OK)
                return st;
            cur = y;
        }
        int32_t pd = ns;
        if ((st = onnx_int32_tensor(c, "perm", 1, &pd, perm, &pt)) != HB_OK ||
            (st = like(c, src, name, tag, ns, sqd, &tt)) != HB_OK)
            return st;
        ins[0] = cur;
        ins[1] = pt;
        if ((st = onnx_emit(c, NN_OP_TRANSPOSE, 2, ins, tt, NULL, NULL)) != HB_OK)
            return st;
        cur = tt;
    }
    const graph_tensor *now = &c->g->tensors[cur];
    int fits = now->rank == rd;
    for (int j = 0; fits && j < rd; j++)
        fits = now->dims[j] == gd[j];
    if (!fits) {
        int y;
        if ((st = like(c, src, name, tag, rd, gd, &y)) != HB_OK ||
            (st = onnx_emit(c, NN_OP_RESHAPE, 1, &cur, y, NULL, NULL)) != HB_OK)
            return st;
        cur = y;
    }
    *out = cur;
    return HB_OK;
}

/* The tensor of activation v (own rank) in layout L, extended to rank r. */
static hb_status act_in(onnx_ctx *c, onnx_value *v, int L, int r, int *out)
{
    int shift = r - v->rank;
    int64_t e[NN_MAX_RANK];
    int32_t gs[NN_MAX_RANK], gd[NN_MAX_RANK];
    int ms[NN_MAX_RANK], md[NN_MAX_RANK];
    hb_status st;

    if (L == ONNX_NHWC && !onnx_nhwc_ok(r))
        L = ONNX_PLAIN;
    if (shift == 0 && v->t[L] >= 0) {
        *out = v->t[L];
        return HB_OK;
    }
    for (int d = 0; d < r; d++)
        e[d] = d < shift ? 1 : v->dims[d - shift];
    int rs = onnx_view(v->layout, v->rank, v->dims, gs, ms);
    for (int j = 0; j < rs; j++)
        ms[j] = ms[j] < 0 ? -1 : ms[j] + shift;
    int rd = onnx_view(L, r, e, gd, md);
    if ((st = onnx_rearrange(c, v->name, L == ONNX_NHWC ? "nhwc" : "plain",
                             onnx_act_tensor(v), rs, gs, ms, e, rd, gd, md, out)) != HB_OK)
        return st;
    if (shift == 0)
        v->t[L] = *out;
    return HB_OK;
}

hb_status onnx_const_mapped(onnx_ctx *c, onnx_value *v, const char *tag, int grank,
                           const int32_t *gd, const int *map, int as_float, int *t)
{
    const onnx_const *k = &v->c;
    int dtype = as_float || k->type == ONNX_CF ? NN_DT_FLOAT32
                : k->type == ONNX_CI          ? NN_DT_INT32
                                              : k->qdtype;
    size_t n = k->count, esize = nn_dtype_bytes(dtype);
    hb_status st;

    if (!k->f && !k->i)
        return onnx_fail(c, HB_ERR_FORMAT, "constant '%s' was released", v->name);
    if ((st = onnx_charge(c, 2 * (uint64_t)n * esize)) != HB_OK)
        return onnx_fail(c, st, "constant '%s' is too large", v->name);
    uint8_t *flat = malloc(n * esize + 1), *perm = malloc(n * esize + 1);
    if (!flat || !perm) {
        free(flat);
        free(perm);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    for (size_t j = 0; j < n; j++) {
        if (dtype == NN_DT_FLOAT32) {
            float f = onnx_cf(v, j);
            memcpy(flat + 4 * j, &f, 4);
        } else if (dtype == NN_DT_INT8) {
            flat[j] = (uint8_t)(int8_t)k->i[j];
        } else {
            int64_t x = k->i[j];
            int32_t y = x > INT32_MAX ? INT32_MAX : x < INT32_MIN ? INT32_MIN : (int32_t)x;
            memcpy(flat + 4 * j, &y, 4);
        }
    }
    onnx_permute(flat, esize, v->rank, v->dims, grank, gd, map, perm);
    free(flat);
    st = onnx_add_tensor(c, v->name, tag, dtype, grank, gd, perm, n * esize, t);
    free(perm);
    if (st == HB_OK && k->type == ONNX_CQ && !as_float) {
        int axis = 0;
        for (int j = 0; j < grank; j++)
            if (map[j] == k->axis)
                axis = j;
        st = graph_set_quant(c->g, *t, k->n_quant, k->scales, k->zps, k->n_quant > 1 ? axis : 0);
    }
    return st;
}

/* A graph tensor holding constant v in layout L, extended to rank r. */
static hb_status const_in(onnx_ctx *c, onnx_value *v, int L, int r, int as_float, int *out)
{
    int shift = r - v->rank, map[NN_MAX_RANK];
    int64_t e[NN_MAX_RANK];
    int32_t gd[NN_MAX_RANK];

    if (L == ONNX_NHWC && !onnx_nhwc_ok(r))
        L = ONNX_PLAIN;
    for (int d = 0; d < r; d++)
        e[d] = d < shift ? 1 : v->dims[d - shift];
    int grank = onnx_view(L, r, e, gd, map);
    for (int j = 0; j < grank; j++)
        map[j] = map[j] - shift < 0 ? -1 : map[j] - shift;
    return onnx_const_mapped(c, v, L == ONNX_NHWC ? "nhwc" : NULL, grank, gd, map, as_float,
                             out);
}

hb_status onnx_operand(onnx_ctx *c, onnx_value *v, int layout, int rank, int as_float, int *t)
{
    hb_status st;
    if (rank < v->rank || rank > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "'%s' cannot take rank %d", v->name, rank);
    if (v->kind == ONNX_CONST)
        return const_in(c, v, layout, rank, as_float, t);
    if (v->kind != ONNX_ACT)
        return onnx_fail(c, HB_ERR_FORMAT, "'%s' is not computed", v->name);
    int L = layout == ONNX_NHWC && onnx_nhwc_ok(rank) ? ONNX_NHWC : ONNX_PLAIN;
    if (!as_float || onnx_act_dtype(c, v) == NN_DT_FLOAT32)
        return act_in(c, v, L, rank, t);
    /* int8 read as float: a DEQUANTIZE, kept per layout. */
    if (rank == v->rank && v->tf[L] >= 0) {
        *t = v->tf[L];
        return HB_OK;
    }
    int q, y;
    if ((st = act_in(c, v, L, rank, &q)) != HB_OK)
        return st;
    int32_t dims[NN_MAX_RANK];
    int qrank = c->g->tensors[q].rank;
    memcpy(dims, c->g->tensors[q].dims, sizeof(dims)); /* the array may move */
    if ((st = onnx_add_tensor(c, v->name, "float", NN_DT_FLOAT32, qrank, dims, NULL, 0,
                              &y)) != HB_OK ||
        (st = onnx_emit(c, NN_OP_DEQUANTIZE, 1, &q, y, NULL, NULL)) != HB_OK)
        return st;
    if (rank == v->rank)
        v->tf[L] = y;
    *t = y;
    return HB_OK;
}

int onnx_pick_layout(onnx_ctx *c, onnx_value *const *ins, int n, int out_rank)
{
    (void)c;
    if (!onnx_nhwc_ok(out_rank))
        return ONNX_PLAIN;
    for (int k = 0; k < n; k++)
        if (ins[k] && ins[k]->kind == ONNX_ACT && ins[k]->rank == out_rank &&
            ins[k]->layout == ONNX_NHWC)
            return ONNX_NHWC;
    return ONNX_PLAIN;
}
