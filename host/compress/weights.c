/*
 * weights.c: the fp16 and features recipes, and calibration vectors for a
 * variant whose inputs shrank (weights.h).
 */
#include "weights.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn_math.h"

static const char *tname(const graph *g, int t)
{
    return g->tensors[t].name ? g->tensors[t].name : "?";
}

/* fp16 -------------------------------------------------------------------- */

uint16_t compress_f32_to_f16(float f)
{
    uint32_t x;
    memcpy(&x, &f, 4);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) /* NaN: keep it quiet and keep the top payload */
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu));
    if (ax >= 0x477ff000u) /* rounds to 65536 or more */
        return (uint16_t)(sign | 0x7c00u);
    if (ax <= 0x33000000u) /* at most 2^-25: rounds (to even) to zero */
        return sign;
    uint32_t e = ax >> 23, m = (ax & 0x7fffffu) | 0x800000u;
    uint32_t h, rem, half;
    if (e < 113) {
        /* Half subnormal: m x 2^(e - 150) in units of 2^-24. */
        uint32_t shift = 126 - e;
        h = m >> shift;
        rem = m & ((1u << shift) - 1);
        half = 1u << (shift - 1);
    } else {
        /* Rebias the exponent; a carry out of the mantissa bumps it. */
        uint32_t r = ax - 0x38000000u;
        h = r >> 13;
        rem = r & 0x1fffu;
        half = 0x1000u;
    }
    if (rem > half || (rem == half && (h & 1u)))
        h++;
    return (uint16_t)(sign | h);
}

hb_status compress_fp16_check(const graph *g)
{
    int found = 0;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *gt = &g->tensors[t];
        if (!gt->data && gt->dtype != NN_DT_FLOAT32)
            return hb_fail(HB_ERR_UNSUPPORTED,
                           "fp16: the model is not float (tensor %d (%s) is %s): fp16 "
                           "stores the weights of a float model as half floats", t,
                           tname(g, t), nn_dtype_name(gt->dtype));
        if (gt->dtype == NN_DT_FLOAT32 && compress_weight_axis(g, t) >= 0)
            found++;
    }
    if (!found)
        return hb_fail(HB_ERR_UNSUPPORTED, "fp16: the model has no float32 weights of "
                       "FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D");
    return HB_OK;
}

hb_status compress_fp16(const graph *g, graph **out)
{
    graph *h = NULL;
    hb_status st;

    *out = NULL;
    if ((st = compress_fp16_check(g)) != HB_OK || (st = graph_clone(g, &h)) != HB_OK)
        return st;
    for (int t = 0; t < h->n_tensors; t++) {
        graph_tensor *gt = &h->tensors[t];
        if (gt->dtype != NN_DT_FLOAT32 || compress_weight_axis(h, t) < 0)
            continue;
        size_t n = graph_tensor_count(gt);
        uint16_t *half = malloc((n ? n : 1) * sizeof(uint16_t));
        if (!half) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++) {
            float f;
            memcpy(&f, gt->data + 4 * i, 4);
            if (fabsf(f) >= 65520.0f) {
                free(half);
                st = hb_fail(HB_ERR_ARG, "fp16: weights %d (%s) hold %g, beyond the half "
                             "range (65504)", t, tname(h, t), (double)f);
                goto cleanup;
            }
            half[i] = compress_f32_to_f16(f);
            /* -0 multiplies like +0 into a sum that starts at +0, and +0
             * is what sparse storage drops. */
            if (half[i] == 0x8000u)
                half[i] = 0;
        }
        free(gt->data);
        gt->data = (uint8_t *)half;
        gt->bytes = 2 * n;
        gt->dtype = NN_DT_FLOAT16;
    }
    *out = h;
    return HB_OK;
cleanup:
    graph_free(h);
    return st;
}

/* features ---------------------------------------------------------------- */

typedef struct {
    double mass;
    int32_t index;
} feature;

/* Heaviest first; ties to the lower index. */
static int by_mass(const void *a, const void *b)
{
    const feature *x = a, *y = b;
    if (x->mass != y->mass)
        return x->mass > y->mass ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static int by_index(const void *a, const void *b)
{
    const feature *x = a, *y = b;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* |real value| of w[u][j] of a [units, depth] weight tensor. */
static double weight_abs(const graph_tensor *w, int32_t u, int32_t j)
{
    size_t i = (size_t)u * (size_t)w->dims[1] + (size_t)j;
    if (w->dtype == NN_DT_FLOAT32) {
        float f;
        memcpy(&f, w->data + 4 * i, 4);
        return fabs((double)f);
    }
    if (w->dtype == NN_DT_FLOAT16) {
        uint16_t h;
        memcpy(&h, w->data + 2 * i, 2);
        return fabs((double)nn_f16_to_f32(h));
    }
    int c = w->n_quant > 1 ? u : 0;
    return fabs((double)w->scales[c] * (((const int8_t *)w->data)[i] - w->zero_points[c]));
}

hb_status compress_features_check(const graph *g, int k)
{
    const graph_op *o = g->n_ops ? &g->ops[0] : NULL;
    if (!o || o->op != NN_OP_FULLY_CONNECTED)
        return hb_fail(HB_ERR_UNSUPPORTED, "features: the first op is %s, not "
                       "FULLY_CONNECTED", o ? nn_op_name(o->op) : "missing");
    int x = o->inputs[0], w = o->n_inputs > 1 ? o->inputs[1] : -1;
    if (g->n_inputs < 1 || x != g->inputs[0])
        return hb_fail(HB_ERR_UNSUPPORTED, "features: op 0 (FULLY_CONNECTED) does not read "
                       "model input 0");
    const graph_tensor *wt = w >= 0 ? &g->tensors[w] : NULL;
    if (!wt || !wt->data || wt->rank != 2 ||
        (wt->dtype != NN_DT_FLOAT32 && wt->dtype != NN_DT_FLOAT16 && wt->dtype != NN_DT_INT8) ||
        (wt->dtype == NN_DT_INT8 && wt->n_quant < 1) ||
        (wt->n_quant > 1 && wt->quant_axis != 0))
        return hb_fail(HB_ERR_UNSUPPORTED, "features: op 0 (FULLY_CONNECTED) needs constant "
                       "float or int8 weights [units, depth] (scales per unit)");
    const graph_tensor *xt = &g->tensors[x];
    int32_t depth = wt->dims[1];
    if (xt->rank < 1 || xt->dims[xt->rank - 1] != depth)
        return hb_fail(HB_ERR_UNSUPPORTED, "features: model input 0 does not end in the %d "
                       "features op 0 reads", (int)depth);
    for (int i = 0; i < g->n_ops; i++)
        for (int j = 0; j < g->ops[i].n_inputs; j++)
            if (g->ops[i].inputs[j] == x && (i || j))
                return hb_fail(HB_ERR_UNSUPPORTED, "features: op %d (%s) also reads model "
                               "input 0", i, nn_op_name(g->ops[i].op));
    for (int j = 0; j < g->n_outputs; j++)
        if (g->outputs[j] == x || g->outputs[j] == w)
            return hb_fail(HB_ERR_UNSUPPORTED, "features: model input 0 is also an output");
    if (depth < 2)
        return hb_fail(HB_ERR_UNSUPPORTED, "features: the model has %d input feature: nothing "
                       "to select", (int)depth);
    if (k < 1 || k >= depth)
        return hb_fail(HB_ERR_ARG, "features:%d: keep between 1 and %d of the %d features", k,
                       (int)depth - 1, (int)depth);
    return HB_OK;
}

hb_status compress_features(const graph *g, int k, graph **out, compress_input_map *map)
{
    graph *f = NULL;
    feature *rank = NULL;
    uint8_t *data = NULL;
    int32_t *kept = NULL;
    hb_status st;

    *out = NULL;
    if ((st = compress_features_check(g, k)) != HB_OK)
        return st;
    const graph_tensor *w = &g->tensors[g->ops[0].inputs[1]];
    int32_t units = w->dims[0], depth = w->dims[1];
    size_t esize = nn_dtype_bytes(w->dtype);
    rank = calloc((size_t)depth, sizeof(*rank));
    data = malloc((size_t)units * (size_t)k * esize);
    kept = malloc((size_t)k * sizeof(int32_t));
    if (!rank || !data || !kept) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int32_t j = 0; j < depth; j++) {
        rank[j].index = j;
        for (int32_t u = 0; u < units; u++)
            rank[j].mass += weight_abs(w, u, j);
    }
    qsort(rank, (size_t)depth, sizeof(*rank), by_mass);
    qsort(rank, (size_t)k, sizeof(*rank), by_index);
    for (int32_t u = 0; u < units; u++)
        for (int j = 0; j < k; j++)
            memcpy(data + ((size_t)u * (size_t)k + (size_t)j) * esize,
                   w->data + ((size_t)u * (size_t)depth + (size_t)rank[j].index) * esize, esize);
    /* Composed with an earlier map: indices into the reference's input. */
    for (int j = 0; j < k; j++)
        kept[j] = map && map->n_kept ? map->kept[rank[j].index] : rank[j].index;

    if ((st = graph_clone(g, &f)) != HB_OK)
        goto cleanup;
    graph_tensor *fw = &f->tensors[g->ops[0].inputs[1]];
    graph_tensor *fx = &f->tensors[g->ops[0].inputs[0]];
    free(fw->data);
    fw->data = data;
    data = NULL;
    fw->dims[1] = k;
    fw->bytes = (size_t)units * (size_t)k * esize;
    fx->dims[fx->rank - 1] = k;
    if ((st = graph_validate(f)) != HB_OK)
        goto cleanup;
    if (map) {
        free(map->kept);
        map->kept = kept;
        map->n_kept = k;
        kept = NULL;
    }
    *out = f;
    f = NULL;
cleanup:
    graph_free(f);
    free(rank);
    free(data);
    free(kept);
    return st;
}

/* Calibration vectors ------------------------------------------------------ */

hb_status compress_map_calibration(const graph *ref, const compress_input_map *map,
                                   const compress_context *ctx, compress_context *out,
                                   void **store)
{
    *out = *ctx;
    *store = NULL;
    if (!map || map->n_kept == 0 || ctx->n_calib < 1)
        return HB_OK;
    size_t total = 0, first = graph_tensor_count(&ref->tensors[ref->inputs[0]]);
    for (int i = 0; i < ref->n_inputs; i++)
        total += graph_tensor_count(&ref->tensors[ref->inputs[i]]);
    size_t n = (size_t)ctx->n_calib, len = total - first + (size_t)map->n_kept;
    /* One block: the vector pointers, then the vectors. */
    float **v = malloc(n * sizeof(float *) + n * len * sizeof(float));
    if (!v)
        return hb_fail(HB_ERR_MEM, "out of memory");
    float *data = (float *)(void *)(v + n);
    for (size_t c = 0; c < n; c++) {
        v[c] = data + c * len;
        for (int j = 0; j < map->n_kept; j++)
            v[c][j] = ctx->calib[c][map->kept[j]];
        memcpy(v[c] + map->n_kept, ctx->calib[c] + first, (total - first) * sizeof(float));
    }
    out->calib = (const float *const *)v;
    *store = v;
    return HB_OK;
}
