/*
 * prune.c: magnitude pruning of weights, single or whole output channels
 * (weights.h; arithmetic in docs/variants.md).
 *
 * Work: one sort of n (magnitude, index) pairs per weight tensor, or of C
 * channel norms. Ties go to the lower index so that the result does not
 * depend on the sort.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_math.h"
#include "weights.h"

typedef struct {
    double mag;
    uint32_t index;
} ranked;

static int by_magnitude(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->mag != y->mag)
        return x->mag < y->mag ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

int compress_weight_axis(const graph *g, int t)
{
    int axis = -1, readers = 0;
    if (t < 0 || t >= g->n_tensors || !g->tensors[t].data)
        return -1;
    for (int i = 0; i < g->n_ops; i++)
        for (int k = 0; k < g->ops[i].n_inputs; k++) {
            if (g->ops[i].inputs[k] != t)
                continue;
            int a = nn_blob_sparse_axis(g->ops[i].op, k);
            if (a < 0 || a >= g->tensors[t].rank || (readers && a != axis))
                return -1;
            axis = a;
            readers++;
        }
    return axis;
}

/* Elements of t before and after its dimension `axis`. */
static void split(const graph_tensor *t, int axis, size_t *outer, size_t *inner)
{
    *outer = *inner = 1;
    for (int d = 0; d < axis; d++)
        *outer *= (size_t)t->dims[d];
    for (int d = axis + 1; d < t->rank; d++)
        *inner *= (size_t)t->dims[d];
}

/* |real value| of element i of weights t. */
static double magnitude(const graph_tensor *t, size_t i)
{
    if (t->dtype == NN_DT_FLOAT32) {
        float f;
        memcpy(&f, t->data + 4 * i, 4);
        return fabs((double)f);
    }
    if (t->dtype == NN_DT_FLOAT16) {
        uint16_t h;
        memcpy(&h, t->data + 2 * i, 2);
        return fabs((double)nn_f16_to_f32(h));
    }
    int q = ((const int8_t *)t->data)[i];
    float scale = t->scales[0];
    if (t->n_quant > 1) {
        size_t outer, inner;
        split(t, t->quant_axis, &outer, &inner);
        scale = t->scales[i / inner % (size_t)t->dims[t->quant_axis]];
    }
    return fabs((double)scale * q);
}

static void zero_element(graph_tensor *t, size_t i)
{
    size_t e = nn_dtype_bytes(t->dtype);
    memset(t->data + i * e, 0, e);
}

static size_t to_remove(double sparsity, size_t n)
{
    /* The epsilon keeps 0.29 x 100 from flooring to 28. */
    return (size_t)floor(sparsity * (double)n + 1e-9);
}

static hb_status prune_single(graph_tensor *t, double sparsity)
{
    size_t n = graph_tensor_count(t), k = to_remove(sparsity, n);
    ranked *r = malloc((n ? n : 1) * sizeof(*r));
    if (!r)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        r[i] = (ranked){magnitude(t, i), (uint32_t)i};
    qsort(r, n, sizeof(*r), by_magnitude);
    for (size_t j = 0; j < k; j++)
        zero_element(t, r[j].index);
    free(r);
    return HB_OK;
}

/* Zeroes bias entry c of every op reading weights w (constant biases). */
static void zero_bias(graph *g, int w, int32_t c)
{
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        if (o->n_inputs < 3 || o->inputs[1] != w || o->inputs[2] < 0)
            continue;
        graph_tensor *b = &g->tensors[o->inputs[2]];
        if (b->data && graph_tensor_count(b) > (size_t)c)
            zero_element(b, (size_t)c);
    }
}

static hb_status prune_channels(graph *g, int w, int axis, double sparsity)
{
    graph_tensor *t = &g->tensors[w];
    size_t outer, inner, n = (size_t)t->dims[axis];
    size_t k = to_remove(sparsity, n);
    split(t, axis, &outer, &inner);
    ranked *r = calloc(n, sizeof(*r));
    if (!r)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t c = 0; c < n; c++)
        r[c].index = (uint32_t)c;
    for (size_t o = 0; o < outer; o++)
        for (size_t c = 0; c < n; c++)
            for (size_t i = 0; i < inner; i++) {
                double m = magnitude(t, (o * n + c) * inner + i);
                r[c].mag += m * m;
            }
    /* Sums of squares rank as their square roots do. */
    qsort(r, n, sizeof(*r), by_magnitude);
    for (size_t j = 0; j < k; j++) {
        size_t c = r[j].index;
        for (size_t o = 0; o < outer; o++)
            for (size_t i = 0; i < inner; i++)
                zero_element(t, (o * n + c) * inner + i);
        zero_bias(g, w, (int32_t)c);
    }
    free(r);
    return HB_OK;
}

hb_status compress_prune_check(const graph *g)
{
    int found = 0;
    for (int t = 0; t < g->n_tensors; t++) {
        const graph_tensor *w = &g->tensors[t];
        if (compress_weight_axis(g, t) < 0)
            continue;
        if (w->dtype != NN_DT_FLOAT32 && w->dtype != NN_DT_FLOAT16 && w->dtype != NN_DT_INT8)
            return hb_fail(HB_ERR_UNSUPPORTED, "prune: weights %d (%s) are %s", t,
                           w->name ? w->name : "?", nn_dtype_name(w->dtype));
        for (int q = 0; q < w->n_quant; q++)
            if (w->zero_points[q] != 0)
                return hb_fail(HB_ERR_UNSUPPORTED,
                               "prune: weights %d (%s) have zero point %d: a pruned int8 "
                               "weight must be q = 0 = the zero point", t,
                               w->name ? w->name : "?", (int)w->zero_points[q]);
        if (w->dtype == NN_DT_INT8 && w->n_quant < 1)
            return hb_fail(HB_ERR_UNSUPPORTED, "prune: int8 weights %d (%s) have no scale", t,
                           w->name ? w->name : "?");
        found++;
    }
    if (!found)
        return hb_fail(HB_ERR_UNSUPPORTED, "prune: the model has no constant weights of "
                       "FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D");
    return HB_OK;
}

hb_status compress_prune(const graph *g, const compress_prune_options *opt, graph **out)
{
    graph *p = NULL;
    hb_status st;

    *out = NULL;
    if (!(opt->sparsity > 0.0 && opt->sparsity < 1.0))
        return hb_fail(HB_ERR_ARG, "prune: sparsity %g is not strictly between 0 and 1",
                       opt->sparsity);
    if ((st = compress_prune_check(g)) != HB_OK || (st = graph_clone(g, &p)) != HB_OK)
        return st;
    for (int t = 0; t < p->n_tensors; t++) {
        int axis = compress_weight_axis(p, t);
        if (axis < 0)
            continue;
        st = opt->structured ? prune_channels(p, t, axis, opt->sparsity)
                             : prune_single(&p->tensors[t], opt->sparsity);
        if (st != HB_OK) {
            graph_free(p);
            return st;
        }
    }
    *out = p;
    return HB_OK;
}
