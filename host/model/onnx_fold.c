/*
 * onnx_fold.c: constant folding. A node whose inputs are all constants
 * (Shape and Size: whose input's shape is known, as every shape is) is
 * evaluated here, on the host, and its outputs become constants: the
 * Shape -> Gather -> Unsqueeze -> Concat -> Reshape chains exporters write
 * for a static shape, weights behind ConstantOfShape, Transpose or
 * arithmetic, BatchNormalization statistics computed from initializers.
 *
 * Constants are float (ONNX_CF) or 64-bit integers (ONNX_CI); a quantised
 * constant entering a fold is read dequantised. Work and memory are
 * bounded by the import's constant cap (onnx_def_const).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* Inputs and outputs -------------------------------------------------------- */

static hb_status need(onnx_ctx *c, int k, onnx_value **v)
{
    *v = onnx_in(c, k);
    if (!*v)
        return onnx_fail(c, HB_ERR_FORMAT, "input %d is missing", k);
    if ((*v)->kind != ONNX_CONST)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "input %d ('%s') must be a constant", k,
                         (*v)->name);
    if (!(*v)->c.f && !(*v)->c.i)
        return onnx_fail(c, HB_ERR_FORMAT, "input '%s' was released", (*v)->name);
    return HB_OK;
}

static onnx_value *out0(onnx_ctx *c) { return onnx_out(c, 0); }

static int type_of(const onnx_value *v) { return v->c.type == ONNX_CI ? ONNX_CI : ONNX_CF; }

/* out[j] = in[k], in out's type. */
static void put(onnx_value *o, size_t j, const onnx_value *a, size_t k)
{
    if (o->c.type == ONNX_CF)
        o->c.f[j] = onnx_cf(a, k);
    else
        o->c.i[j] = onnx_ci(a, k);
}

/* o keeps x's integer type (uint8 stays uint8 for QuantizeLinear's zero
 * point); floats are float. */
static void keep_elem(onnx_value *o, const onnx_value *x)
{
    o->c.elem = x->c.type == ONNX_CI ? x->c.elem : ONNX_T_FLOAT;
}

/* An axis in [-rank, rank) normalised, or an error. */
static hb_status axis_of(onnx_ctx *c, int64_t axis, int rank, int *out)
{
    if (axis < -rank || axis >= rank)
        return onnx_fail(c, HB_ERR_FORMAT, "axis %lld for rank %d", (long long)axis, rank);
    *out = (int)(axis < 0 ? axis + rank : axis);
    return HB_OK;
}

hb_status onnx_ints_arg(onnx_ctx *c, const char *attr, int input, int max, int64_t *v, int *n)
{
    hb_status st;
    *n = -1;
    if (attr && (st = onnx_attr_ints(c, attr, max, v, n)) != HB_OK)
        return st;
    if (*n >= 0 || input < 0)
        return HB_OK;
    onnx_value *x = onnx_in(c, input);
    if (!x)
        return HB_OK;
    if (x->kind != ONNX_CONST)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "input %d ('%s') must be a constant", input,
                         x->name);
    if (x->c.count > (size_t)max)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "input %d has %zu values, at most %d", input,
                         x->c.count, max);
    for (size_t k = 0; k < x->c.count; k++)
        v[k] = onnx_ci(x, k);
    *n = (int)x->c.count;
    return HB_OK;
}

hb_status onnx_broadcast(onnx_ctx *c, int ra, const int64_t *da, int rb, const int64_t *db,
                         int *r, int64_t *d)
{
    *r = ra > rb ? ra : rb;
    for (int k = 0; k < *r; k++) {
        int64_t x = k - (*r - ra) >= 0 ? da[k - (*r - ra)] : 1;
        int64_t y = k - (*r - rb) >= 0 ? db[k - (*r - rb)] : 1;
        if (x != y && x != 1 && y != 1)
            return onnx_fail(c, HB_ERR_FORMAT, "shapes do not broadcast (dimension %d: "
                             "%lld and %lld)", k, (long long)x, (long long)y);
        d[k] = x == 1 ? y : x;
    }
    return HB_OK;
}

/* Element offset in a (rank ra, da) input of output index idx (rank r). */
static size_t bcast_off(const int64_t *idx, int r, int ra, const int64_t *da)
{
    size_t off = 0;
    for (int k = 0; k < ra; k++) {
        int64_t i = da[k] == 1 ? 0 : idx[k + r - ra];
        off = off * (size_t)da[k] + (size_t)i;
    }
    return off;
}

static void next_index(int64_t *idx, int r, const int64_t *d)
{
    for (int k = r - 1; k >= 0; k--) {
        if (++idx[k] < d[k])
            return;
        idx[k] = 0;
    }
}

/* Sources of constants ---------------------------------------------------------- */

static hb_status fold_constant(onnx_ctx *c)
{
    onnx_value *o = out0(c);
    const Onnx__AttributeProto *a;
    int64_t one = 1;
    if (!o)
        return HB_OK;
    if ((a = onnx_attr(c, "value")) && a->t)
        return onnx_const_from_proto(c, a->t, o);
    hb_status st;
    if ((a = onnx_attr(c, "value_float"))) {
        if ((st = onnx_def_const(c, o, ONNX_CF, 0, &one)) == HB_OK)
            o->c.f[0] = a->f;
        return st;
    }
    if ((a = onnx_attr(c, "value_int"))) {
        if ((st = onnx_def_const(c, o, ONNX_CI, 0, &one)) == HB_OK)
            o->c.i[0] = a->i;
        return st;
    }
    if ((a = onnx_attr(c, "value_floats")) || (a = onnx_attr(c, "value_ints"))) {
        int f = a->n_floats > 0 || !strcmp(a->name, "value_floats");
        int64_t n = f ? (int64_t)a->n_floats : (int64_t)a->n_ints;
        if ((st = onnx_def_const(c, o, f ? ONNX_CF : ONNX_CI, 1, &n)) != HB_OK)
            return st;
        for (int64_t k = 0; k < n; k++) {
            if (f)
                o->c.f[k] = a->floats[k];
            else
                o->c.i[k] = a->ints[k];
        }
        return HB_OK;
    }
    return onnx_fail(c, HB_ERR_UNSUPPORTED, "no value (sparse values are not supported)");
}

static hb_status fold_constant_of_shape(onnx_ctx *c)
{
    onnx_value *s, *o = out0(c), fill;
    int64_t dims[NN_MAX_RANK];
    const Onnx__AttributeProto *a = onnx_attr(c, "value");
    hb_status st;
    if ((st = need(c, 0, &s)) != HB_OK || !o)
        return st;
    if (s->rank != 1 || s->c.count > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "the shape must be a vector of at most %d",
                         NN_MAX_RANK);
    for (size_t k = 0; k < s->c.count; k++)
        dims[k] = onnx_ci(s, k);
    memset(&fill, 0, sizeof(fill));
    fill.name = "value";
    if (a && a->t && (st = onnx_const_from_proto(c, a->t, &fill)) != HB_OK)
        return st;
    if (a && a->t && fill.c.count != 1) {
        onnx_const_clear(&fill.c);
        return onnx_fail(c, HB_ERR_FORMAT, "the value must have one element");
    }
    int type = a && a->t ? fill.c.type : ONNX_CF;
    if ((st = onnx_def_const(c, o, type, (int)s->c.count, dims)) == HB_OK)
        for (size_t k = 0; a && a->t && k < o->c.count; k++)
            put(o, k, &fill, 0);
    onnx_const_clear(&fill.c);
    return st;
}

static hb_status fold_shape(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = out0(c);
    int64_t start, end;
    hb_status st;
    if (!x)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if ((st = onnx_attr_i(c, "start", 0, &start)) != HB_OK ||
        (st = onnx_attr_i(c, "end", x->rank, &end)) != HB_OK || !o)
        return st;
    start = start < 0 ? start + x->rank : start;
    end = end < 0 ? end + x->rank : end;
    start = start < 0 ? 0 : start > x->rank ? x->rank : start;
    end = end < start ? start : end > x->rank ? x->rank : end;
    int64_t n = end - start;
    if ((st = onnx_def_const(c, o, ONNX_CI, 1, &n)) != HB_OK)
        return st;
    for (int64_t k = 0; k < n; k++)
        o->c.i[k] = x->dims[start + k];
    return HB_OK;
}

static hb_status fold_size(onnx_ctx *c)
{
    onnx_value *x = onnx_in(c, 0), *o = out0(c);
    int64_t one = 1;
    hb_status st;
    if (!x)
        return onnx_fail(c, HB_ERR_FORMAT, "input 0 is missing");
    if (!o || (st = onnx_def_const(c, o, ONNX_CI, 0, &one)) != HB_OK)
        return o ? st : HB_OK;
    o->c.i[0] = (int64_t)onnx_count(x->rank, x->dims);
    return HB_OK;
}

static hb_status fold_range(onnx_ctx *c)
{
    onnx_value *s, *l, *d, *o = out0(c);
    hb_status st;
    if ((st = need(c, 0, &s)) || (st = need(c, 1, &l)) || (st = need(c, 2, &d)) || !o)
        return st;
    int f = type_of(s) == ONNX_CF || type_of(l) == ONNX_CF || type_of(d) == ONNX_CF;
    double a = onnx_cf(s, 0), b = onnx_cf(l, 0), step = onnx_cf(d, 0);
    if (!f) {
        a = (double)onnx_ci(s, 0);
        b = (double)onnx_ci(l, 0);
        step = (double)onnx_ci(d, 0);
    }
    if (step == 0.0 || !isfinite(a) || !isfinite(b))
        return onnx_fail(c, HB_ERR_FORMAT, "bad range");
    double cnt = ceil((b - a) / step);
    int64_t n = cnt > 0 ? (int64_t)fmin(cnt, (double)INT32_MAX) : 0;
    if ((st = onnx_def_const(c, o, f ? ONNX_CF : ONNX_CI, 1, &n)) != HB_OK)
        return st;
    for (int64_t k = 0; k < n; k++) {
        if (f)
            o->c.f[k] = (float)(a + (double)k * step);
        else
            o->c.i[k] = onnx_ci(s, 0) + k * onnx_ci(d, 0);
    }
    return HB_OK;
}

/* Moving elements ------------------------------------------------------------ */

/* Output o as a copy of x with other dims (same count). */
static hb_status copy_as(onnx_ctx *c, onnx_value *x, onnx_value *o, int rank, const int64_t *d)
{
    hb_status st;
    if (onnx_count(rank, d) != x->c.count)
        return onnx_fail(c, HB_ERR_FORMAT, "%zu elements cannot take the new shape",
                         x->c.count);
    if ((st = onnx_def_const(c, o, type_of(x), rank, d)) != HB_OK)
        return st;
    keep_elem(o, x);
    for (size_t k = 0; k < x->c.count; k++)
        put(o, k, x, k);
    return HB_OK;
}

static hb_status fold_identity(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    hb_status st;
    if ((st = need(c, 0, &x)) != HB_OK || !o)
        return st;
    return copy_as(c, x, o, x->rank, x->dims);
}

static hb_status fold_reshape(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int64_t d[NN_MAX_RANK];
    int r;
    hb_status st;
    if ((st = need(c, 0, &x)) != HB_OK || !o ||
        (st = onnx_reshape_dims(c, x->rank, x->dims, &r, d)) != HB_OK)
        return st;
    return copy_as(c, x, o, r, d);
}

static hb_status fold_flatten(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int64_t d[2];
    hb_status st;
    if ((st = need(c, 0, &x)) != HB_OK || !o || (st = onnx_flatten_dims(c, x, d)) != HB_OK)
        return st;
    return copy_as(c, x, o, 2, d);
}

static hb_status fold_squeeze(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int64_t d[NN_MAX_RANK];
    int r;
    hb_status st;
    if ((st = need(c, 0, &x)) != HB_OK || !o ||
        (st = onnx_squeeze_dims(c, x, 0, &r, d)) != HB_OK)
        return st;
    return copy_as(c, x, o, r, d);
}

static hb_status fold_unsqueeze(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int64_t d[NN_MAX_RANK];
    int r;
    hb_status st;
    if ((st = need(c, 0, &x)) != HB_OK || !o ||
        (st = onnx_squeeze_dims(c, x, 1, &r, d)) != HB_OK)
        return st;
    return copy_as(c, x, o, r, d);
}

static hb_status fold_transpose(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int perm[NN_MAX_RANK];
    int64_t d[NN_MAX_RANK], idx[NN_MAX_RANK] = {0};
    hb_status st;
    if ((st = need(c, 0, &x)) != HB_OK || !o || (st = onnx_perm_of(c, x->rank, perm)) != HB_OK)
        return st;
    for (int k = 0; k < x->rank; k++)
        d[k] = x->dims[perm[k]];
    if ((st = onnx_def_const(c, o, type_of(x), x->rank, d)) != HB_OK)
        return st;
    keep_elem(o, x);
    for (size_t j = 0; j < o->c.count; j++) {
        size_t off = 0;
        int64_t src[NN_MAX_RANK];
        for (int k = 0; k < x->rank; k++)
            src[perm[k]] = idx[k];
        for (int k = 0; k < x->rank; k++)
            off = off * (size_t)x->dims[k] + (size_t)src[k];
        put(o, j, x, off);
        next_index(idx, x->rank, d);
    }
    return HB_OK;
}

static hb_status fold_concat(onnx_ctx *c)
{
    onnx_value *x, *first, *o = out0(c);
    int64_t axis, d[NN_MAX_RANK];
    int ax = 0, type = ONNX_CI;
    hb_status st;
    if ((st = need(c, 0, &first)) != HB_OK || (st = onnx_attr_i(c, "axis", 0, &axis)) ||
        (st = axis_of(c, axis, first->rank, &ax)) != HB_OK || !o)
        return st;
    memcpy(d, first->dims, sizeof(d));
    d[ax] = 0;
    for (int k = 0; k < onnx_n_in(c); k++) {
        if ((st = need(c, k, &x)) != HB_OK)
            return st;
        if (x->rank != first->rank)
            return onnx_fail(c, HB_ERR_FORMAT, "inputs of different ranks");
        for (int j = 0; j < x->rank; j++)
            if (j != ax && x->dims[j] != first->dims[j])
                return onnx_fail(c, HB_ERR_FORMAT, "input %d does not match input 0", k);
        d[ax] += x->dims[ax];
        if (type_of(x) == ONNX_CF)
            type = ONNX_CF;
    }
    if ((st = onnx_def_const(c, o, type, first->rank, d)) != HB_OK)
        return st;
    size_t outer = onnx_count(ax, d), j = 0;
    for (size_t r = 0; r < outer; r++)
        for (int k = 0; k < onnx_n_in(c); k++) {
            x = onnx_in(c, k);
            size_t inner = onnx_count(x->rank - ax, x->dims + ax);
            for (size_t e = 0; e < inner; e++)
                put(o, j++, x, r * inner + e);
        }
    return HB_OK;
}

static hb_status fold_gather(onnx_ctx *c)
{
    onnx_value *x, *ix, *o = out0(c);
    int64_t axis, d[NN_MAX_RANK];
    int ax = 0;
    hb_status st;
    if ((st = need(c, 0, &x)) || (st = need(c, 1, &ix)) ||
        (st = onnx_attr_i(c, "axis", 0, &axis)) || (st = axis_of(c, axis, x->rank, &ax)) ||
        !o)
        return st;
    int r = x->rank - 1 + ix->rank;
    if (r > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "the result would have rank %d", r);
    memcpy(d, x->dims, (size_t)ax * sizeof(int64_t));
    memcpy(d + ax, ix->dims, (size_t)ix->rank * sizeof(int64_t));
    memcpy(d + ax + ix->rank, x->dims + ax + 1, (size_t)(x->rank - ax - 1) * sizeof(int64_t));
    if ((st = onnx_def_const(c, o, type_of(x), r, d)) != HB_OK)
        return st;
    keep_elem(o, x);
    size_t outer = onnx_count(ax, x->dims), inner = onnx_count(x->rank - ax - 1,
                                                                x->dims + ax + 1), j = 0;
    for (size_t a = 0; a < outer; a++)
        for (size_t k = 0; k < ix->c.count; k++) {
            int64_t i = onnx_ci(ix, k);
            i = i < 0 ? i + x->dims[ax] : i;
            if (i < 0 || i >= x->dims[ax])
                return onnx_fail(c, HB_ERR_FORMAT, "index %lld out of range",
                                 (long long)onnx_ci(ix, k));
            for (size_t e = 0; e < inner; e++)
                put(o, j++, x, (a * (size_t)x->dims[ax] + (size_t)i) * inner + e);
        }
    return HB_OK;
}

static hb_status fold_slice(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int64_t starts[NN_MAX_RANK], ends[NN_MAX_RANK], axes[NN_MAX_RANK], steps[NN_MAX_RANK];
    int64_t b[NN_MAX_RANK], e[NN_MAX_RANK], s[NN_MAX_RANK], d[NN_MAX_RANK];
    int64_t idx[NN_MAX_RANK] = {0};
    int ns, ne, na, nst;
    hb_status st;
    int old = c->opset < 10;
    if ((st = need(c, 0, &x)) ||
        (st = onnx_ints_arg(c, old ? "starts" : NULL, old ? -1 : 1, NN_MAX_RANK, starts, &ns)) ||
        (st = onnx_ints_arg(c, old ? "ends" : NULL, old ? -1 : 2, NN_MAX_RANK, ends, &ne)) ||
        (st = onnx_ints_arg(c, old ? "axes" : NULL, old ? -1 : 3, NN_MAX_RANK, axes, &na)) ||
        (st = onnx_ints_arg(c, NULL, old ? -1 : 4, NN_MAX_RANK, steps, &nst)) || !o)
        return st;
    if (ns < 0 || ns != ne || (na >= 0 && na != ns) || (nst >= 0 && nst != ns))
        return onnx_fail(c, HB_ERR_FORMAT, "starts, ends, axes and steps disagree");
    for (int k = 0; k < x->rank; k++)
        b[k] = 0, e[k] = x->dims[k], s[k] = 1;
    for (int k = 0; k < ns; k++) {
        int ax = 0;
        if ((st = axis_of(c, na >= 0 ? axes[k] : k, x->rank, &ax)) != HB_OK)
            return st;
        int64_t n = x->dims[ax], step = nst >= 0 ? steps[k] : 1;
        if (step == 0)
            return onnx_fail(c, HB_ERR_FORMAT, "step 0");
        int64_t lo = step > 0 ? 0 : -1, hi = step > 0 ? n : n - 1;
        int64_t a = starts[k] < 0 ? starts[k] + n : starts[k];
        int64_t z = ends[k] < 0 ? (ends[k] < -n ? -1 : ends[k] + n) : ends[k];
        b[ax] = a < lo ? lo : a > hi ? hi : a;
        e[ax] = z < lo ? lo : z > hi ? hi : z;
        s[ax] = step;
    }
    for (int k = 0; k < x->rank; k++) {
        int64_t span = s[k] > 0 ? e[k] - b[k] : b[k] - e[k], st_abs = s[k] > 0 ? s[k] : -s[k];
        d[k] = span > 0 ? (span + st_abs - 1) / st_abs : 0;
    }
    if ((st = onnx_def_const(c, o, type_of(x), x->rank, d)) != HB_OK)
        return st;
    keep_elem(o, x);
    for (size_t j = 0; j < o->c.count; j++) {
        size_t off = 0;
        for (int k = 0; k < x->rank; k++)
            off = off * (size_t)x->dims[k] + (size_t)(b[k] + idx[k] * s[k]);
        put(o, j, x, off);
        next_index(idx, x->rank, d);
    }
    return HB_OK;
}

static hb_status fold_expand(onnx_ctx *c)
{
    onnx_value *x, *sh, *o = out0(c);
    int64_t want[NN_MAX_RANK], d[NN_MAX_RANK], idx[NN_MAX_RANK] = {0};
    int r;
    hb_status st;
    if ((st = need(c, 0, &x)) || (st = need(c, 1, &sh)) || !o)
        return st;
    if (sh->c.count > NN_MAX_RANK)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "shape of rank %zu", sh->c.count);
    for (size_t k = 0; k < sh->c.count; k++)
        want[k] = onnx_ci(sh, k);
    if ((st = onnx_broadcast(c, x->rank, x->dims, (int)sh->c.count, want, &r, d)) ||
        (st = onnx_def_const(c, o, type_of(x), r, d)))
        return st;
    for (size_t j = 0; j < o->c.count; j++, next_index(idx, r, d))
        put(o, j, x, bcast_off(idx, r, x->rank, x->dims));
    return HB_OK;
}

/* Arithmetic ------------------------------------------------------------------ */

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_EQUAL };

static hb_status binary(onnx_ctx *c, int op)
{
    onnx_value *a, *b, *o = out0(c);
    int64_t d[NN_MAX_RANK], idx[NN_MAX_RANK] = {0};
    int r;
    hb_status st;
    if ((st = need(c, 0, &a)) || (st = need(c, 1, &b)) || !o ||
        (st = onnx_broadcast(c, a->rank, a->dims, b->rank, b->dims, &r, d)))
        return st;
    int f = type_of(a) == ONNX_CF || type_of(b) == ONNX_CF;
    if ((st = onnx_def_const(c, o, op == OP_EQUAL || !f ? ONNX_CI : ONNX_CF, r, d)))
        return st;
    for (size_t j = 0; j < o->c.count; j++, next_index(idx, r, d)) {
        size_t ka = bcast_off(idx, r, a->rank, a->dims), kb = bcast_off(idx, r, b->rank, b->dims);
        if (f) {
            float x = onnx_cf(a, ka), y = onnx_cf(b, kb);
            float v = op == OP_ADD ? x + y : op == OP_SUB ? x - y : op == OP_MUL ? x * y
                      : op == OP_DIV ? x / y : (float)(x == y);
            if (op == OP_EQUAL)
                o->c.i[j] = x == y;
            else
                o->c.f[j] = v;
            continue;
        }
        /* Integers wrap as two's complement, as ONNX runtimes do. */
        uint64_t x = (uint64_t)onnx_ci(a, ka), y = (uint64_t)onnx_ci(b, kb);
        int64_t sy = (int64_t)y;
        if (op == OP_DIV && (sy == 0 || ((int64_t)x == INT64_MIN && sy == -1)))
            return onnx_fail(c, HB_ERR_FORMAT, "integer division by zero or overflow");
        o->c.i[j] = op == OP_ADD ? (int64_t)(x + y) : op == OP_SUB ? (int64_t)(x - y)
                    : op == OP_MUL ? (int64_t)(x * y) : op == OP_DIV ? (int64_t)x / sy
                                                                      : x == y;
    }
    return HB_OK;
}

static hb_status fold_add(onnx_ctx *c) { return binary(c, OP_ADD); }
static hb_status fold_sub(onnx_ctx *c) { return binary(c, OP_SUB); }
static hb_status fold_mul(onnx_ctx *c) { return binary(c, OP_MUL); }
static hb_status fold_div(onnx_ctx *c) { return binary(c, OP_DIV); }
static hb_status fold_equal(onnx_ctx *c) { return binary(c, OP_EQUAL); }

static hb_status fold_where(onnx_ctx *c)
{
    onnx_value *k, *a, *b, *o = out0(c);
    int64_t d1[NN_MAX_RANK], d[NN_MAX_RANK], idx[NN_MAX_RANK] = {0};
    int r1, r;
    hb_status st;
    if ((st = need(c, 0, &k)) || (st = need(c, 1, &a)) || (st = need(c, 2, &b)) || !o ||
        (st = onnx_broadcast(c, a->rank, a->dims, b->rank, b->dims, &r1, d1)) ||
        (st = onnx_broadcast(c, k->rank, k->dims, r1, d1, &r, d)))
        return st;
    int f = type_of(a) == ONNX_CF || type_of(b) == ONNX_CF;
    if ((st = onnx_def_const(c, o, f ? ONNX_CF : ONNX_CI, r, d)))
        return st;
    for (size_t j = 0; j < o->c.count; j++, next_index(idx, r, d)) {
        int pick = onnx_ci(k, bcast_off(idx, r, k->rank, k->dims)) != 0;
        onnx_value *src = pick ? a : b;
        put(o, j, src, bcast_off(idx, r, src->rank, src->dims));
    }
    return HB_OK;
}

enum { U_NEG, U_SQRT, U_RECIP, U_ABS, U_FLOOR, U_CEIL, U_RELU };

static hb_status unary(onnx_ctx *c, int op)
{
    onnx_value *x, *o = out0(c);
    hb_status st;
    if ((st = need(c, 0, &x)) || !o)
        return st;
    int f = type_of(x) == ONNX_CF || op == U_SQRT || op == U_RECIP;
    if ((st = onnx_def_const(c, o, f ? ONNX_CF : ONNX_CI, x->rank, x->dims)))
        return st;
    for (size_t k = 0; k < x->c.count; k++) {
        if (!f) {
            int64_t v = onnx_ci(x, k);
            v = v == INT64_MIN ? INT64_MAX : v;
            o->c.i[k] = op == U_NEG ? -v : op == U_ABS ? (v < 0 ? -v : v)
                        : op == U_RELU ? (v > 0 ? v : 0) : v;
            continue;
        }
        float v = onnx_cf(x, k);
        o->c.f[k] = op == U_NEG ? -v : op == U_SQRT ? sqrtf(v) : op == U_RECIP ? 1.0f / v
                    : op == U_ABS ? fabsf(v) : op == U_FLOOR ? floorf(v)
                    : op == U_CEIL ? ceilf(v) : (v > 0.0f ? v : 0.0f);
    }
    return HB_OK;
}

static hb_status fold_neg(onnx_ctx *c) { return unary(c, U_NEG); }
static hb_status fold_sqrt(onnx_ctx *c) { return unary(c, U_SQRT); }
static hb_status fold_reciprocal(onnx_ctx *c) { return unary(c, U_RECIP); }
static hb_status fold_abs(onnx_ctx *c) { return unary(c, U_ABS); }
static hb_status fold_floor(onnx_ctx *c) { return unary(c, U_FLOOR); }
static hb_status fold_ceil(onnx_ctx *c) { return unary(c, U_CEIL); }
static hb_status fold_relu(onnx_ctx *c) { return unary(c, U_RELU); }

static hb_status fold_cast(onnx_ctx *c)
{
    onnx_value *x, *o = out0(c);
    int64_t to;
    hb_status st;
    if ((st = need(c, 0, &x)) || (st = onnx_attr_i(c, "to", 0, &to)) || !o)
        return st;
    int f = to == ONNX_T_FLOAT || to == ONNX_T_DOUBLE || to == ONNX_T_FLOAT16 ||
            to == ONNX_T_BFLOAT16;
    if (!f && (to < ONNX_T_UINT8 || to > ONNX_T_UINT64 || to == ONNX_T_STRING))
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "cast to type %lld", (long long)to);
    if ((st = onnx_def_const(c, o, f ? ONNX_CF : ONNX_CI, x->rank, x->dims)))
        return st;
    o->c.elem = (int)to;
    for (size_t k = 0; k < x->c.count; k++) {
        if (f)
            o->c.f[k] = onnx_cf(x, k);
        else
            o->c.i[k] = to == ONNX_T_BOOL ? onnx_cf(x, k) != 0.0f || onnx_ci(x, k) != 0
                                          : onnx_ci(x, k);
    }
    return HB_OK;
}

static const struct {
    const char *op;
    onnx_fn fn;
} folds[] = {
    {"Constant", fold_constant}, {"ConstantOfShape", fold_constant_of_shape},
    {"Shape", fold_shape}, {"Size", fold_size}, {"Range", fold_range},
    {"Identity", fold_identity}, {"Dropout", fold_identity}, {"Reshape", fold_reshape},
    {"Flatten", fold_flatten}, {"Squeeze", fold_squeeze}, {"Unsqueeze", fold_unsqueeze},
    {"Transpose", fold_transpose}, {"Concat", fold_concat}, {"Gather", fold_gather},
    {"Slice", fold_slice}, {"Expand", fold_expand}, {"Add", fold_add}, {"Sub", fold_sub},
    {"Mul", fold_mul}, {"Div", fold_div}, {"Equal", fold_equal}, {"Where", fold_where},
    {"Neg", fold_neg}, {"Sqrt", fold_sqrt}, {"Reciprocal", fold_reciprocal},
    {"Abs", fold_abs}, {"Floor", fold_floor}, {"Ceil", fold_ceil}, {"Relu", fold_relu},
    {"Cast", fold_cast},
};

onnx_fn onnx_fold_fn(const char *op_type)
{
    for (size_t k = 0; k < sizeof(folds) / sizeof(folds[0]); k++)
        if (!strcmp(folds[k].op, op_type))
            return folds[k].fn;
    return NULL;
}
