/*
 * plan.c: greedy-by-size arena planning over tensor lifetimes.
 *
 * Aliased tensors (a RESHAPE output and its input) are merged into one
 * buffer first, with the union of their lifetimes and the larger size, so
 * the rest of the planner sees plain buffers.
 */
#include "plan.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    int first, last;  /* op steps; -1 = before the first op */
    uint32_t bytes;
    int root;         /* alias group representative (tensor index) */
    uint32_t offset;
    int placed;
} buffer;

int plan_op_aliases(const graph *g, int i, int *input_index)
{
    const graph_op *o = &g->ops[i];
    if (o->op != NN_OP_RESHAPE || o->n_inputs < 1 || o->n_outputs != 1)
        return 0;
    int in = o->inputs[0], out = o->outputs[0];
    if (in < 0 || g->tensors[in].data)
        return 0;
    if (graph_tensor_bytes(&g->tensors[in]) != graph_tensor_bytes(&g->tensors[out]))
        return 0;
    if (input_index)
        *input_index = 0;
    return 1;
}

static int find_root(buffer *b, int t)
{
    while (b[t].root != t)
        t = b[t].root = b[b[t].root].root;
    return t;
}

static uint32_t align_up(uint64_t v)
{
    return (uint32_t)((v + NN_ALIGN - 1) & ~(uint64_t)(NN_ALIGN - 1));
}

static int cmp_size_desc(const void *pa, const void *pb, void *ctx)
{
    const buffer *b = ctx;
    int a = *(const int *)pa, c = *(const int *)pb;
    if (b[a].bytes != b[c].bytes)
        return b[a].bytes > b[c].bytes ? -1 : 1;
    if (b[a].first != b[c].first)
        return b[a].first < b[c].first ? -1 : 1;
    return a < c ? -1 : (a > c);
}

static int overlap(const buffer *a, const buffer *b)
{
    return a->first <= b->last && b->first <= a->last;
}

hb_status plan_arena(const graph *g, const uint8_t *used, uint32_t *offsets,
                     uint32_t *arena_bytes)
{
    hb_status st = HB_OK;
    int n = g->n_tensors;
    buffer *b = calloc((size_t)(n ? n : 1), sizeof(*b));
    int *order = calloc((size_t)(n ? n : 1), sizeof(int));
    int *placed = calloc((size_t)(n ? n : 1), sizeof(int));
    int n_order = 0, n_placed = 0;
    uint64_t total = 0;

    if (!b || !order || !placed) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int t = 0; t < n; t++) {
        b[t].first = INT32_MAX;
        b[t].last = -2;
        b[t].root = t;
        b[t].bytes = (uint32_t)graph_tensor_bytes(&g->tensors[t]);
        offsets[t] = PLAN_NONE;
    }
    for (int k = 0; k < g->n_inputs; k++)
        b[g->inputs[k]].first = -1;
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        for (int k = 0; k < o->n_inputs; k++)
            if (o->inputs[k] >= 0 && b[o->inputs[k]].last < i)
                b[o->inputs[k]].last = i;
        for (int k = 0; k < o->n_outputs; k++)
            if (b[o->outputs[k]].first > i)
                b[o->outputs[k]].first = i;
    }
    for (int k = 0; k < g->n_outputs; k++)
        b[g->outputs[k]].last = g->n_ops;
    /* An activation nobody reads still needs bytes while it is written. */
    for (int t = 0; t < n; t++)
        if (b[t].first != INT32_MAX && b[t].last < b[t].first)
            b[t].last = b[t].first;

    for (int i = 0; i < g->n_ops; i++) {
        int j;
        if (!plan_op_aliases(g, i, &j))
            continue;
        int r1 = find_root(b, g->ops[i].inputs[j]);
        int r2 = find_root(b, g->ops[i].outputs[0]);
        if (r1 == r2)
            continue;
        b[r2].root = r1;
        if (b[r2].first < b[r1].first)
            b[r1].first = b[r2].first;
        if (b[r2].last > b[r1].last)
            b[r1].last = b[r2].last;
        if (b[r2].bytes > b[r1].bytes)
            b[r1].bytes = b[r2].bytes;
    }

    for (int t = 0; t < n; t++) {
        if (g->tensors[t].data || (used && !used[t]) || b[t].first == INT32_MAX)
            continue;
        if (find_root(b, t) == t)
            order[n_order++] = t;
    }
    qsort_r(order, (size_t)n_order, sizeof(int), cmp_size_desc, b);

    for (int k = 0; k < n_order; k++) {
        buffer *cur = &b[order[k]];
        uint64_t off = 0;
        /* Try the lowest offset; on a clash move past the clashing buffer
         * and start over. Terminates: off only grows. */
        for (int again = 1; again;) {
            again = 0;
            for (int p = 0; p < n_placed; p++) {
                const buffer *o = &b[placed[p]];
                if (!overlap(cur, o))
                    continue;
                if (off < (uint64_t)o->offset + o->bytes && o->offset < off + cur->bytes) {
                    off = align_up((uint64_t)o->offset + o->bytes);
                    again = 1;
                }
            }
        }
        if (off + cur->bytes > UINT32_MAX - NN_ALIGN) {
            st = hb_fail(HB_ERR_UNSUPPORTED, "arena plan exceeds 4 GiB");
            goto cleanup;
        }
        cur->offset = (uint32_t)off;
        cur->placed = 1;
        placed[n_placed++] = order[k];
        if (off + cur->bytes > total)
            total = off + cur->bytes;
    }
    for (int t = 0; t < n; t++) {
        if (g->tensors[t].data || (used && !used[t]) || b[t].first == INT32_MAX)
            continue;
        offsets[t] = b[find_root(b, t)].offset;
    }
    *arena_bytes = align_up(total);
cleanup:
    free(b);
    free(order);
    free(placed);
    return st;
}
