/*
 * session_board.c: the board side of a sweep: what it can hold, one vector
 * on it, failures described, and each variant's rows in the store.
 */
#include "session_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../util/hb_file.h"

/* A failure on the board, with the variant and vector it hit. A board whose
 * process died (a crashed emulator closes its link; a faulting firmware
 * exits) is described by its exit status and the last line it logged,
 * where a fault handler names the fault and the op; the process gets a
 * moment to finish exiting first. */
hb_status session_board_failure(session *s, hb_status st, const session_variant *v,
                                const char *vector)
{
    device *dev = s->dev;
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s", hb_last_error());
    /* A board that refused a request is alive: nothing to wait for. */
    int dying = st == HB_ERR_BOARD && session_board_trouble(s, st);
    if (dying && dev)
        board_proc_wait(dev->proc, 500);
    if (dev && device_check_alive(dev) != HB_OK)
        snprintf(msg, sizeof(msg), "%s", hb_last_error());
    return hb_fail(st, "variant %s of %s%s%s: %s", v->recipe, v->model_file,
                   vector ? ", vector " : "", vector ? vector : "", msg);
}

/* Every variant against what the board announced, before the run starts. */
hb_status session_check_board(session *s)
{
    const device *d = s->dev;
    const client_hello_info *h = &d->hello;
    const session_options *o = s->o;
    /* An MLPerf Tiny firmware holds its own model: nothing to fit. */
    if (session_is_mlperf(s))
        return HB_OK;
    for (int i = 0; i < s->n_v; i++) {
        const session_variant *v = &s->v[i];
        const nn_model *m = hostrun_model(v->host);
        size_t blob_bytes = 0;
        int n_ops = nn_model_op_count(m), layers = o->layers ? n_ops : 0;
        hostrun_blob(v->host, &blob_bytes);
        for (int k = 0; k < n_ops; k++) {
            int op = nn_model_op_code(m, (uint16_t)k);
            if (!(h->ops & (1u << op)))
                return hb_fail(HB_ERR_UNSUPPORTED, "board %s: its stub has no %s (variant %s, "
                               "op %d)", d->board->name, nn_op_name(op), v->recipe, k);
        }
        /* In flash the blob only needs the flash region; RAM holds the
         * staged inputs either way. */
        int in_flash = d->board->model_in_flash;
        size_t need = (in_flash ? 0 : blob_bytes) + v->in_bytes +
                      16 * (size_t)nn_model_input_count(m);
        if (in_flash && blob_bytes > h->flash_capacity)
            return hb_fail(HB_ERR_UNSUPPORTED, "board %s: variant %s of %zu bytes exceeds its "
                           "flash model region of %u", d->board->name, v->recipe, blob_bytes,
                           h->flash_capacity);
        if (need > h->model_capacity)
            return hb_fail(HB_ERR_UNSUPPORTED, "board %s: variant %s of %zu bytes (with "
                           "inputs) exceeds its model capacity of %u", d->board->name,
                           v->recipe, (in_flash ? 0 : blob_bytes) + v->in_bytes,
                           h->model_capacity);
        if (nn_model_arena_bytes(m) > h->arena_capacity)
            return hb_fail(HB_ERR_UNSUPPORTED, "board %s: variant %s needs an arena of %u "
                           "bytes, it has %u", d->board->name, v->recipe,
                           nn_model_arena_bytes(m), h->arena_capacity);
        if ((uint64_t)o->repeat * (uint64_t)(1 + layers) > h->timing_capacity)
            return hb_fail(HB_ERR_ARG, "board %s keeps %u timings per invoke: --repeat %d x "
                           "%d layers of variant %s is too many", d->board->name,
                           h->timing_capacity, o->repeat, layers, v->recipe);
    }
    return HB_OK;
}

hb_status session_device_open(session *s, const session_variant *v)
{
    char path[128];
    const char *blob_path = NULL;
    hb_status st;

    if (s->board->model_in_flash) {
        size_t len = 0;
        const uint8_t *blob = hostrun_blob(v->host, &len);
        if (!s->blob_dir[0]) {
            snprintf(s->blob_dir, sizeof(s->blob_dir), "/tmp/hilbench-blob-%ld-XXXXXX",
                     (long)getpid());
            if (!mkdtemp(s->blob_dir)) {
                s->blob_dir[0] = '\0';
                return hb_fail(HB_ERR_FAIL, "mkdtemp: %s", strerror(errno));
            }
        }
        snprintf(path, sizeof(path), "%s/model.blob", s->blob_dir);
        if ((st = hb_write_file(path, blob, len)) != HB_OK)
            return st;
        blob_path = path;
    }
    if ((st = device_open(s->board, blob_path, s->o->link_faults, &s->dev)) != HB_OK)
        return st;
    s->dev_for = (int)(v - s->v);
    return HB_OK;
}

void session_device_close(session *s)
{
    if (s->dev) {
        /* The link counters outlive the device (a board per variant). */
        client_stats now;
        link_fault_stats f;
        device_link_stats(s->dev, &now);
        device_stats_add(&s->res->link, &now);
        s->res->link.loss = now.loss;
        s->res->link.min_tries = now.min_tries;
        s->res->link.rto_ms = now.rto_ms;
        s->res->link.chunk_out = now.chunk_out;
        s->res->link.chunk_in = now.chunk_in;
        device_fault_stats(s->dev, &f);
        s->res->faults.bytes_out += f.bytes_out;
        s->res->faults.bytes_in += f.bytes_in;
        s->res->faults.corrupted += f.corrupted;
        s->res->faults.dropped += f.dropped;
        s->res->faults.duplicated += f.duplicated;
    }
    device_close(s->dev);
    s->dev = NULL;
    s->dev_for = -1;
    if (s->blob_dir[0]) {
        char path[128];
        snprintf(path, sizeof(path), "%s/model.blob", s->blob_dir);
        unlink(path);
        rmdir(s->blob_dir);
        s->blob_dir[0] = '\0';
    }
}

static void join_shapes(const graph *g, const graph_op *o, int outputs, char *shapes,
                        size_t slen, char *dtypes, size_t dlen)
{
    int n = outputs ? o->n_outputs : o->n_inputs;
    const int *idx = outputs ? o->outputs : o->inputs;
    size_t su = 0, du = 0;
    shapes[0] = dtypes[0] = '\0';
    for (int k = 0; k < n; k++) {
        char sh[96];
        const graph_tensor *t = idx[k] >= 0 ? &g->tensors[idx[k]] : NULL;
        if (t)
            graph_shape_text(t, sh, sizeof(sh));
        else
            snprintf(sh, sizeof(sh), "-");
        su += (size_t)snprintf(shapes + su, su < slen ? slen - su : 0, "%s%s", k ? "," : "", sh);
        du += (size_t)snprintf(dtypes + du, du < dlen ? dlen - du : 0, "%s%s", k ? "," : "",
                               t ? nn_dtype_name(t->dtype) : "-");
    }
}

/* The variant's row and its layer table. */
hb_status session_store_variant(session *s, session_variant *v)
{
    const graph *g = v->g;
    store_layer *layers = calloc((size_t)g->n_ops + 1, sizeof(*layers));
    char (*text)[4][512] = calloc((size_t)g->n_ops + 1, sizeof(*text));
    size_t blob_bytes = 0;
    hb_status st;

    if (!layers || !text) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        join_shapes(g, o, 0, text[i][0], 512, text[i][1], 512);
        join_shapes(g, o, 1, text[i][2], 512, text[i][3], 512);
        layers[i] = (store_layer){i, nn_op_name(o->op), text[i][0], text[i][2], text[i][1],
                                  text[i][3], graph_op_macs(g, i), graph_op_param_bytes(g, i)};
    }
    hostrun_blob(v->host, &blob_bytes);
    store_variant_info info = {v->model_file, v->sha, v->recipe, blob_bytes, layers, g->n_ops};
    store_variant_board bi = {!s->o->layers || session_is_mlperf(s),
                              session_is_mlperf(s) && s->dev && s->dev->mlperf_info.model[0]
                                  ? s->dev->mlperf_info.model
                                  : NULL};
    st = store_variant_add_board(s->db, s->run_id, &info, &bi, &v->id);
cleanup:
    free(layers);
    free(text);
    return st;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Lower median: the middle value, or the lower of the two middle ones. */
static uint64_t median(uint64_t *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_u64);
    return v[(n - 1) / 2];
}

/* One vector on the board: inputs, invoke, timings, outputs (into
 * s->board_out). */
hb_status session_run_vector(session *s, const session_variant *v, const uint8_t *in,
                             store_inference *inf, uint32_t *stack_bytes)
{
    const session_options *o = s->o;
    device *d = s->dev;
    const nn_model *m = hostrun_model(v->host);
    int layers = o->layers ? nn_model_op_count(m) : 0, stride = 1 + layers;
    client_invoke_info ii;
    nn_tensor t;
    hb_status st;

    if (session_is_mlperf(s))
        return session_mlperf_vector(s, v, inf);
    for (int k = 0; k < nn_model_input_count(m); k++) {
        hostrun_input(v->host, k, &t);
        if ((st = client_set_input(d->client, k, in, t.bytes)) != HB_OK)
            return st;
        in += t.bytes;
    }
    if ((st = client_invoke(d->client, o->repeat, o->warmup, o->layers,
                            d->board->invoke_timeout_ms, &ii)) != HB_OK)
        return st;
    if (ii.layers != layers)
        return hb_fail(HB_ERR_BOARD, "board timed %u layers, the model has %d", ii.layers,
                       layers);
    if ((st = client_read_timing(d->client, 0, (uint32_t)(o->repeat * stride), s->slots)) != HB_OK)
        return st;
    uint8_t *q = s->board_out;
    for (int k = 0; k < nn_model_output_count(m); k++) {
        hostrun_output(v->host, k, &t);
        if ((st = client_read_output(d->client, k, q, t.bytes)) != HB_OK)
            return st;
        q += t.bytes;
    }
    if (ii.stack_bytes > *stack_bytes)
        *stack_bytes = ii.stack_bytes;

    /* Overheads: each layer's count includes one back-to-back counter read;
     * the total includes every layer's hooks. */
    uint64_t read_oh = d->hello.read_overhead, hook_oh = d->hello.hook_overhead;
    for (int r = 0; r < o->repeat; r++) {
        uint64_t total = s->slots[r * stride];
        uint64_t bias = (uint64_t)layers * hook_oh;
        s->repeat_cycles[r] = total > bias ? total - bias : 0;
    }
    for (int l = 0; l < layers; l++) {
        for (int r = 0; r < o->repeat; r++) {
            uint64_t c = s->slots[r * stride + 1 + l];
            s->tmp[r] = c > read_oh ? c - read_oh : 0;
        }
        s->layer_med[l] = median(s->tmp, o->repeat);
    }
    memcpy(s->tmp, s->repeat_cycles, (size_t)o->repeat * sizeof(uint64_t));
    inf->cycles = median(s->tmp, o->repeat);
    inf->latency_us = (double)inf->cycles * 1e6 / (double)d->hello.counter_hz;
    inf->repeats = o->repeat;
    inf->repeat_cycles = s->repeat_cycles;
    inf->n_layers = layers;
    inf->layer_cycles = s->layer_med;
    inf->output = s->board_out;
    inf->output_bytes = v->out_bytes;
    return HB_OK;
}
