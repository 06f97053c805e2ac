/*
 * blob.c: packs a lowered, planned graph into a model blob (version 1).
 *
 * Only tensors that some op or the model's io uses are kept, renumbered in
 * graph order. The finished blob is opened with the engine before it is
 * returned, so a blob that leaves here is one the stub accepts.
 */
#include "blob.h"

#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn.h"
#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/proto/proto.h"
#include "blob_store.h"
#include "lower.h"
#include "plan.h"

static uint64_t align(uint64_t v, uint64_t a) { return (v + a - 1) / a * a; }

static uint32_t op_record_bytes(const lower_op *lo)
{
    uint32_t io = 2u * (uint32_t)(lo->n_inputs + lo->n_outputs);
    return NN_BLOB_OP_HEAD_BYTES + ((io + 3u) & ~3u) + 4u * (uint32_t)lo->n_words;
}

static void put_tensor(uint8_t *r, const graph_tensor *t, uint32_t offset,
                       const blob_store *store, uint32_t quant_off)
{
    r[NN_BT_DTYPE] = (uint8_t)t->dtype;
    r[NN_BT_RANK] = (uint8_t)t->rank;
    r[NN_BT_KIND] = store ? store->kind : NN_KIND_ARENA;
    if (store && store->kind == NN_KIND_CHANNELS)
        r[NN_BT_KIND_AXIS] = store->axis;
    for (int d = 0; d < t->rank; d++)
        nn_wr_u32(r + NN_BT_DIMS + 4 * d, (uint32_t)t->dims[d]);
    nn_wr_u32(r + NN_BT_OFFSET, offset);
    nn_wr_u32(r + NN_BT_BYTES, (uint32_t)(store ? store->bytes : graph_tensor_bytes(t)));
    if (t->n_quant == 1) {
        r[NN_BT_QUANT] = NN_QUANT_TENSOR;
        nn_wr_f32(r + NN_BT_SCALE, t->scales[0]);
        nn_wr_u32(r + NN_BT_ZERO, (uint32_t)t->zero_points[0]);
    } else if (t->n_quant > 1) {
        r[NN_BT_QUANT] = NN_QUANT_CHANNEL;
        nn_wr_u32(r + NN_BT_SCALE, quant_off);
        nn_wr_u32(r + NN_BT_ZERO, (uint32_t)t->n_quant);
        r[NN_BT_AXIS] = (uint8_t)t->quant_axis;
    }
}

hb_status blob_build(const graph *g, uint8_t **blob_out, size_t *len_out,
                     blob_info *info)
{
    hb_status st = HB_OK;
    int n = g->n_tensors;
    lower_op *ops = NULL;
    uint8_t *used = NULL, *blob = NULL;
    uint32_t *arena_off = NULL, *data_off = NULL, *quant_off = NULL;
    blob_store *store = NULL;
    int *remap = NULL;
    uint32_t *rec_off = NULL;
    uint32_t arena_bytes = 0;
    int kept = 0;

    *blob_out = NULL;
    *len_out = 0;
    if (n > 0xFFFE || g->n_ops > 0xFFFF)
        return hb_fail(HB_ERR_UNSUPPORTED, "model too large for the blob format");
    ops = calloc((size_t)g->n_ops + 1, sizeof(*ops));
    used = calloc((size_t)n + 1, 1);
    arena_off = calloc((size_t)n + 1, sizeof(uint32_t));
    data_off = calloc((size_t)n + 1, sizeof(uint32_t));
    quant_off = calloc((size_t)n + 1, sizeof(uint32_t));
    remap = calloc((size_t)n + 1, sizeof(int));
    rec_off = calloc((size_t)g->n_ops + 1, sizeof(uint32_t));
    store = calloc((size_t)n + 1, sizeof(*store));
    if (!ops || !used || !arena_off || !data_off || !quant_off || !remap || !rec_off ||
        !store) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }

    for (int i = 0; i < g->n_ops; i++) {
        if ((st = lower_op_build(g, i, &ops[i])) != HB_OK)
            goto cleanup;
        for (int k = 0; k < ops[i].n_inputs; k++)
            if (ops[i].inputs[k] >= 0)
                used[ops[i].inputs[k]] = 1;
        for (int k = 0; k < ops[i].n_outputs; k++)
            used[ops[i].outputs[k]] = 1;
    }
    for (int k = 0; k < g->n_inputs; k++)
        used[g->inputs[k]] = 1;
    for (int k = 0; k < g->n_outputs; k++)
        used[g->outputs[k]] = 1;
    for (int t = 0; t < n; t++)
        remap[t] = used[t] ? kept++ : -1;
    if ((st = plan_arena(g, used, arena_off, &arena_bytes)) != HB_OK)
        goto cleanup;

    /* Layout. */
    uint64_t off = NN_BLOB_HEADER_BYTES;
    uint64_t tensors_off = off;
    off += (uint64_t)kept * NN_BLOB_TENSOR_BYTES;
    uint64_t ops_off = off;
    off += 4ull * (uint64_t)g->n_ops;
    for (int i = 0; i < g->n_ops; i++) {
        rec_off[i] = (uint32_t)off;
        off += op_record_bytes(&ops[i]);
    }
    uint64_t io_off = off;
    off += 2ull * (uint64_t)(g->n_inputs + g->n_outputs);
    off = align(off, NN_ALIGN);
    uint64_t data_start = off;
    uint64_t weight_bytes = 0;
    for (int t = 0; t < n; t++)
        if (used[t] && g->tensors[t].data) {
            store[t] = blob_store_choose(g, t);
            off = align(off, NN_ALIGN);
            data_off[t] = (uint32_t)off;
            off += store[t].bytes;
        }
    /* Weights: input 1 of the ops that may read it sparse, counted once. */
    for (int t = 0; t < n; t++) {
        int weight = 0;
        for (int i = 0; i < g->n_ops && g->tensors[t].data && used[t]; i++)
            weight |= g->ops[i].n_inputs > 1 && g->ops[i].inputs[1] == t &&
                      nn_blob_sparse_axis(g->ops[i].op, 1) >= 0;
        weight_bytes += weight ? store[t].bytes : 0;
    }
    for (int t = 0; t < n; t++)
        if (used[t] && g->tensors[t].n_quant > 1) {
            off = align(off, 4);
            quant_off[t] = (uint32_t)off;
            off += 8ull * (uint64_t)g->tensors[t].n_quant;
        }
    for (int i = 0; i < g->n_ops; i++)
        for (int a = 0; a < ops[i].n_arrays; a++) {
            off = align(off, 4);
            ops[i].words[ops[i].arrays[a].word] = (uint32_t)off;
            off += ops[i].arrays[a].bytes;
        }
    uint64_t data_end = off;
    uint64_t total = align(off, 4);
    if (total > UINT32_MAX) {
        st = hb_fail(HB_ERR_UNSUPPORTED, "model blob would exceed 4 GiB");
        goto cleanup;
    }

    blob = calloc(1, (size_t)total);
    if (!blob) {
        st = hb_fail(HB_ERR_MEM, "out of memory (%llu byte blob)", (unsigned long long)total);
        goto cleanup;
    }
    nn_wr_u32(blob + NN_BH_MAGIC, NN_BLOB_MAGIC);
    nn_wr_u16(blob + NN_BH_VERSION, NN_BLOB_VERSION);
    nn_wr_u16(blob + NN_BH_HEADER_BYTES, NN_BLOB_HEADER_BYTES);
    nn_wr_u32(blob + NN_BH_BLOB_BYTES, (uint32_t)total);
    nn_wr_u32(blob + NN_BH_ARENA_BYTES, arena_bytes);
    nn_wr_u16(blob + NN_BH_N_TENSORS, (uint16_t)kept);
    nn_wr_u16(blob + NN_BH_N_OPS, (uint16_t)g->n_ops);
    nn_wr_u16(blob + NN_BH_N_INPUTS, (uint16_t)g->n_inputs);
    nn_wr_u16(blob + NN_BH_N_OUTPUTS, (uint16_t)g->n_outputs);
    nn_wr_u32(blob + NN_BH_TENSORS_OFF, (uint32_t)tensors_off);
    nn_wr_u32(blob + NN_BH_OPS_OFF, (uint32_t)ops_off);
    nn_wr_u32(blob + NN_BH_IO_OFF, (uint32_t)io_off);
    nn_wr_u32(blob + NN_BH_DATA_OFF, (uint32_t)data_start);
    nn_wr_u32(blob + NN_BH_DATA_BYTES, (uint32_t)(data_end - data_start));

    for (int t = 0; t < n; t++) {
        if (!used[t])
            continue;
        const graph_tensor *gt = &g->tensors[t];
        uint8_t *r = blob + tensors_off + (uint64_t)remap[t] * NN_BLOB_TENSOR_BYTES;
        put_tensor(r, gt, gt->data ? data_off[t] : arena_off[t], gt->data ? &store[t] : NULL,
                   quant_off[t]);
        if (gt->data)
            blob_store_write(g, t, &store[t], blob + data_off[t]);
        if (gt->n_quant > 1) {
            for (int c = 0; c < gt->n_quant; c++) {
                nn_wr_f32(blob + quant_off[t] + 4u * (uint32_t)c, gt->scales[c]);
                nn_wr_u32(blob + quant_off[t] + 4u * (uint32_t)(gt->n_quant + c),
                          (uint32_t)gt->zero_points[c]);
            }
        }
    }
    for (int i = 0; i < g->n_ops; i++) {
        const lower_op *lo = &ops[i];
        uint8_t *r = blob + rec_off[i];
        nn_wr_u32(blob + ops_off + 4u * (uint32_t)i, rec_off[i]);
        r[0] = (uint8_t)lo->op;
        r[1] = (uint8_t)lo->n_inputs;
        r[2] = (uint8_t)lo->n_outputs;
        r[3] = (uint8_t)lo->n_words;
        uint8_t *p = r + NN_BLOB_OP_HEAD_BYTES;
        for (int k = 0; k < lo->n_inputs; k++, p += 2)
            nn_wr_u16(p, lo->inputs[k] < 0 ? NN_ABSENT : (uint16_t)remap[lo->inputs[k]]);
        for (int k = 0; k < lo->n_outputs; k++, p += 2)
            nn_wr_u16(p, (uint16_t)remap[lo->outputs[k]]);
        uint8_t *w = r + NN_BLOB_OP_HEAD_BYTES +
                     ((2u * (uint32_t)(lo->n_inputs + lo->n_outputs) + 3u) & ~3u);
        for (int k = 0; k < lo->n_words; k++)
            nn_wr_u32(w + 4 * k, lo->words[k]);
        for (int a = 0; a < lo->n_arrays; a++)
            memcpy(blob + lo->words[lo->arrays[a].word], lo->arrays[a].data,
                   lo->arrays[a].bytes);
    }
    for (int k = 0; k < g->n_inputs; k++)
        nn_wr_u16(blob + io_off + 2u * (uint32_t)k, (uint16_t)remap[g->inputs[k]]);
    for (int k = 0; k < g->n_outputs; k++)
        nn_wr_u16(blob + io_off + 2u * (uint32_t)(g->n_inputs + k),
                  (uint16_t)remap[g->outputs[k]]);
    nn_wr_u32(blob + NN_BH_CRC, proto_crc32(0, blob + 16, (size_t)total - 16));

    /* Self-check with the engine the stub runs. */
    nn_model m;
    nn_error e;
    if (nn_model_open(&m, blob, (uint32_t)total, &e) != NN_OK) {
        hb_status code = e.status == NN_ERR_UNSUPPORTED ? HB_ERR_UNSUPPORTED : HB_ERR_FORMAT;
        const char *tname = NULL;
        for (int t = 0; t < n && e.tensor >= 0; t++)
            if (remap[t] == e.tensor)
                tname = g->tensors[t].name;
        if (e.op >= 0 && e.op < g->n_ops)
            st = hb_fail(code, "op %d (%s): %s%s%s", (int)e.op,
                         nn_op_name(g->ops[e.op].op), nn_why_text(e.why),
                         tname ? ", tensor " : "", tname ? tname : "");
        else
            st = hb_fail(code, "model: %s%s%s", nn_why_text(e.why),
                         tname ? ", tensor " : "", tname ? tname : "");
        goto cleanup;
    }
    if (info) {
        info->arena_bytes = arena_bytes;
        info->blob_bytes = (uint32_t)total;
        info->data_bytes = (uint32_t)(data_end - data_start);
        info->weight_bytes = (uint32_t)weight_bytes;
    }
    *blob_out = blob;
    *len_out = (size_t)total;
    blob = NULL;
cleanup:
    if (ops)
        for (int i = 0; i < g->n_ops; i++)
            lower_op_clear(&ops[i]);
    free(ops);
    free(used);
    free(arena_off);
    free(data_off);
    free(quant_off);
    free(remap);
    free(rec_off);
    free(store);
    free(blob);
    return st;
}
