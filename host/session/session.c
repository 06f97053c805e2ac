/*
 * session.c: one benchmark run.
 */
#include "session.h"

#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../target-stub/engine/nn.h"
#include "../board/board.h"
#include "../board/board_elf.h"
#include "../model/blob.h"
#include "../model/hostrun.h"
#include "../model/tflite.h"
#include "../store/store.h"
#include "../util/hb_file.h"
#include "device.h"
#include "hb_version.h"
#include "vectors.h"

#define say(o, ...) \
    do { if ((o)->progress) (o)->progress((o)->progress_ctx, __VA_ARGS__); } while (0)

#define RECIPE "float" /* the one variant so far: the model as given */

/* A failure on the board, with the variant and vector it hit. A board whose
 * process died (a crashed emulator closes its link; a faulting firmware
 * exits) is described by its exit status and the last line it logged,
 * where a fault handler names the fault and the op; the process gets a
 * moment to finish exiting first. */
static hb_status board_failure(device *dev, hb_status st, const char *model,
                               const char *vector)
{
    char msg[1024];
    snprintf(msg, sizeof(msg), "%s", hb_last_error());
    for (int k = 0; st == HB_ERR_BOARD && dev->proc && k < 50 &&
                    board_proc_alive(dev->proc, NULL); k++)
        poll(NULL, 0, 10);
    if (device_check_alive(dev) != HB_OK)
        snprintf(msg, sizeof(msg), "%s", hb_last_error());
    return hb_fail(st, "variant %s of %s%s%s: %s", RECIPE, model, vector ? ", vector " : "",
                   vector ? vector : "", msg);
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

static void join_shapes(const graph *g, const graph_op *o, int outputs, char *shapes,
                        size_t slen, char *dtypes, size_t dlen)
{
    int n = outputs ? o->n_outputs : o->n_inputs;
    const int *idx = outputs ? o->outputs : o->inputs;
    size_t su = 0, du = 0;
    shapes[0] = dtypes[0] = '\0';
    for (int k = 0; k < n; k++) {
        char s[96];
        const graph_tensor *t = idx[k] >= 0 ? &g->tensors[idx[k]] : NULL;
        if (t)
            graph_shape_text(t, s, sizeof(s));
        else
            snprintf(s, sizeof(s), "-");
        su += (size_t)snprintf(shapes + su, su < slen ? slen - su : 0, "%s%s", k ? "," : "", s);
        du += (size_t)snprintf(dtypes + du, du < dlen ? dlen - du : 0, "%s%s", k ? "," : "",
                               t ? nn_dtype_name(t->dtype) : "-");
    }
}

static hb_status add_variant(store *db, int64_t run_id, const graph *g, const char *model,
                             const char *sha, size_t blob_bytes, int64_t *variant_id)
{
    store_layer *layers = calloc((size_t)g->n_ops, sizeof(*layers));
    char (*text)[4][512] = calloc((size_t)g->n_ops, sizeof(*text));
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
    store_variant_info v = {model, sha, RECIPE, blob_bytes, layers, g->n_ops};
    st = store_variant_add(db, run_id, &v, variant_id);
cleanup:
    free(layers);
    free(text);
    return st;
}

/* Checks what the board announced against what the model needs. */
static hb_status check_capabilities(const device *d, const graph *g, size_t blob_bytes,
                                    uint32_t arena_bytes)
{
    const client_hello_info *h = &d->hello;
    for (int i = 0; i < g->n_ops; i++)
        if (!(h->ops & (1u << g->ops[i].op)))
            return hb_fail(HB_ERR_UNSUPPORTED, "board %s: its stub has no %s (op %d)",
                           d->board->name, nn_op_name(g->ops[i].op), i);
    if (blob_bytes + vectors_input_bytes(g) + 16 * (size_t)g->n_inputs > h->model_capacity)
        return hb_fail(HB_ERR_UNSUPPORTED,
                       "board %s: model of %zu bytes (with inputs) exceeds its model capacity of %u",
                       d->board->name, blob_bytes + vectors_input_bytes(g), h->model_capacity);
    if (arena_bytes > h->arena_capacity)
        return hb_fail(HB_ERR_UNSUPPORTED, "board %s: arena of %u bytes exceeds its %u",
                       d->board->name, arena_bytes, h->arena_capacity);
    return HB_OK;
}

/* One vector on the board: inputs, invoke, timings, outputs. */
static hb_status run_vector(const session_options *o, device *d, const graph *g,
                            const uint8_t *vec, uint8_t *board_out, uint32_t *slots, uint64_t *tmp,
                            store_inference *inf, uint64_t *layer_med,
                            uint64_t *repeat_cycles, client_invoke_info *ii)
{
    hb_status st;
    const uint8_t *p = vec;
    int layers = o->layers ? g->n_ops : 0;
    int stride = 1 + layers;

    for (int k = 0; k < g->n_inputs; k++) {
        size_t n = graph_tensor_bytes(&g->tensors[g->inputs[k]]);
        if ((st = client_set_input(d->client, k, p, n)) != HB_OK)
            return st;
        p += n;
    }
    if ((st = client_invoke(d->client, o->repeat, o->warmup, o->layers,
                            d->board->invoke_timeout_ms, ii)) != HB_OK)
        return st;
    if (ii->layers != layers)
        return hb_fail(HB_ERR_BOARD, "board timed %u layers, the model has %d", ii->layers,
                       layers);
    if ((st = client_read_timing(d->client, 0, (uint32_t)(o->repeat * stride), slots)) != HB_OK)
        return st;
    uint8_t *q = board_out;
    for (int k = 0; k < g->n_outputs; k++) {
        size_t n = graph_tensor_bytes(&g->tensors[g->outputs[k]]);
        if ((st = client_read_output(d->client, k, q, n)) != HB_OK)
            return st;
        q += n;
    }

    /* Overheads: each layer's count includes one back-to-back counter read;
     * the total includes every layer's hooks. */
    uint64_t read_oh = d->hello.read_overhead, hook_oh = d->hello.hook_overhead;
    for (int r = 0; r < o->repeat; r++) {
        uint64_t total = slots[r * stride];
        uint64_t bias = (uint64_t)layers * hook_oh;
        repeat_cycles[r] = total > bias ? total - bias : 0;
    }
    for (int l = 0; l < layers; l++) {
        for (int r = 0; r < o->repeat; r++) {
            uint64_t v = slots[r * stride + 1 + l];
            tmp[r] = v > read_oh ? v - read_oh : 0;
        }
        layer_med[l] = median(tmp, o->repeat);
    }
    memcpy(tmp, repeat_cycles, (size_t)o->repeat * sizeof(uint64_t));
    inf->cycles = median(tmp, o->repeat);
    inf->latency_us = (double)inf->cycles * 1e6 / (double)d->hello.counter_hz;
    inf->repeats = o->repeat;
    inf->repeat_cycles = repeat_cycles;
    inf->n_layers = layers;
    inf->layer_cycles = layer_med;
    return HB_OK;
}

static hb_status host_reference(hostrun *ref, const graph *g, const uint8_t *vec, uint8_t *out)
{
    hb_status st;
    for (int k = 0; k < g->n_inputs; k++) {
        size_t n = graph_tensor_bytes(&g->tensors[g->inputs[k]]);
        if ((st = hostrun_set_input(ref, k, vec, n)) != HB_OK)
            return st;
        vec += n;
    }
    if ((st = hostrun_invoke(ref, NULL, NULL)) != HB_OK)
        return st;
    for (int k = 0; k < g->n_outputs; k++) {
        nn_tensor t;
        hostrun_output(ref, k, &t);
        memcpy(out, t.data, t.bytes);
        out += t.bytes;
    }
    return HB_OK;
}

hb_status session_run(const session_options *o, session_result *res)
{
    hb_status st = HB_OK, fin;
    board_profile *board = NULL;
    graph *g = NULL;
    hostrun *ref = NULL;
    vectors vs = {0};
    store *db = NULL;
    device *dev = NULL;
    uint8_t *model_file = NULL, *board_out = NULL, *ref_out = NULL;
    uint32_t *slots = NULL;
    uint64_t *tmp = NULL, *layer_med = NULL, *repeat_cycles = NULL;
    size_t model_len = 0, blob_len = 0, out_bytes = 0;
    int64_t run_id = 0, variant_id = 0;
    uint32_t stack_max = 0;
    char sha[65], host[256] = "unknown";
    client_model_info mi;

    memset(res, 0, sizeof(*res));
    if (o->repeat < 1 || o->repeat > 10000 || o->warmup < 0 || o->warmup > 10000)
        return hb_fail(HB_ERR_ARG, "--repeat must be 1..10000 and --warmup 0..10000");

    /* Everything that can be checked without the board, first. */
    if ((st = board_find(o->board, o->board_dirs, o->n_board_dirs, o->firmware_dir, &board)) != HB_OK)
        goto cleanup;
    if ((st = hb_read_file(o->model_path, &model_file, &model_len)) != HB_OK)
        goto cleanup;
    hb_sha256_hex(model_file, model_len, sha);
    if ((st = tflite_read(model_file, model_len, o->model_path, &g)) != HB_OK) {
        hb_context(st, "%s", o->model_path);
        goto cleanup;
    }
    if ((st = hostrun_new(g, &ref)) != HB_OK) {
        hb_context(st, "%s", o->model_path);
        goto cleanup;
    }
    const uint8_t *blob = hostrun_blob(ref, &blob_len);
    st = o->vectors_dir ? vectors_load_dir(o->vectors_dir, g, &vs)
                        : vectors_random(o->random_n, o->seed, g, &vs);
    if (st != HB_OK)
        goto cleanup;
    if (vs.quantised)
        say(o, "vectors are float32: quantised with the model's input scale and zero point");
    for (int k = 0; k < g->n_outputs; k++)
        out_bytes += graph_tensor_bytes(&g->tensors[g->outputs[k]]);
    int layers = o->layers ? g->n_ops : 0;
    board_out = malloc(out_bytes + 1);
    ref_out = malloc(out_bytes + 1);
    slots = calloc((size_t)o->repeat * (size_t)(1 + layers), sizeof(uint32_t));
    tmp = calloc((size_t)o->repeat, sizeof(uint64_t));
    repeat_cycles = calloc((size_t)o->repeat, sizeof(uint64_t));
    layer_med = calloc((size_t)layers + 1, sizeof(uint64_t));
    if (!board_out || !ref_out || !slots || !tmp || !repeat_cycles || !layer_med) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((st = store_open(o->db_path, &db)) != HB_OK)
        goto cleanup;

    say(o, "board %s: starting", board->name);
    if ((st = device_open(board, NULL, &dev)) != HB_OK)
        goto cleanup;
    say(o, "board %s: stub \"%s\", counter %u Hz (%s)", board->name, dev->hello.name,
        dev->hello.counter_hz, client_unit_name(dev->hello.counter_unit));
    if ((st = check_capabilities(dev, g, blob_len, nn_model_arena_bytes(hostrun_model(ref)))) != HB_OK)
        goto cleanup;
    if ((uint64_t)o->repeat * (uint64_t)(1 + layers) > dev->hello.timing_capacity) {
        st = hb_fail(HB_ERR_ARG, "board %s keeps %u timings per invoke: --repeat %d x %d layers is too many",
                     board->name, dev->hello.timing_capacity, o->repeat, layers);
        goto cleanup;
    }

    gethostname(host, sizeof(host) - 1);
    store_run_info ri = {board->name, host, HB_VERSION,
                         client_unit_name(dev->hello.counter_unit),
                         (double)dev->hello.counter_hz, o->repeat, o->warmup, o->command_line};
    if ((st = store_run_begin(db, &ri, &run_id)) != HB_OK)
        goto cleanup;
    res->run_id = run_id;
    if ((st = add_variant(db, run_id, g, o->model_path, sha, blob_len, &variant_id)) != HB_OK)
        goto cleanup;

    say(o, "uploading %zu byte model blob", blob_len);
    if ((st = client_load(dev->client, blob, blob_len, &mi)) != HB_OK) {
        st = board_failure(dev, st, o->model_path, NULL);
        goto cleanup;
    }

    for (int v = 0; v < vs.n; v++) {
        store_inference inf = {0};
        client_invoke_info ii;
        say(o, "vector %d/%d: %s", v + 1, vs.n, vs.names[v]);
        if ((st = run_vector(o, dev, g, vs.data[v], board_out, slots, tmp,
                             &inf, layer_med, repeat_cycles, &ii)) != HB_OK) {
            st = board_failure(dev, st, o->model_path, vs.names[v]);
            goto cleanup;
        }
        if (ii.stack_bytes > stack_max)
            stack_max = ii.stack_bytes;
        if ((st = host_reference(ref, g, vs.data[v], ref_out)) != HB_OK)
            goto cleanup;
        if (memcmp(board_out, ref_out, out_bytes) != 0)
            res->host_mismatches++;
        inf.vector_index = v;
        inf.vector = vs.names[v];
        inf.output = board_out;
        inf.output_bytes = out_bytes;
        if ((st = store_inference_add(db, run_id, variant_id, &inf)) != HB_OK)
            goto cleanup;
        res->vectors++;
    }
    /* The firmware's own footprint, when its image is a 32-bit ELF file
     * (a host program, like the native stub, is not). */
    uint64_t fw_flash = 0, fw_ram = 0;
    if (board->image && board_elf_footprint(board->image, &fw_flash, &fw_ram) == HB_ERR_FORMAT)
        say(o, "firmware footprint unknown: %s", hb_last_error());
    store_memory mem = {nn_model_arena_bytes(hostrun_model(ref)), stack_max, blob_len,
                        fw_flash, fw_ram};
    if ((st = store_memory_set(db, run_id, variant_id, &mem)) != HB_OK)
        goto cleanup;

cleanup:
    device_close(dev);
    if (run_id) {
        const char *status = st == HB_OK ? "ok"
                             : st == HB_ERR_INTERRUPTED ? "interrupted" : "failed";
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", st == HB_OK ? "" : hb_last_error());
        fin = store_run_finish(db, run_id, status, st == HB_OK ? NULL : msg);
        if (st == HB_OK)
            st = fin;
        else
            hb_fail(st, "%s", msg);
    }
    store_close(db);
    vectors_free(&vs);
    hostrun_free(ref);
    graph_free(g);
    board_free(board);
    free(model_file);
    free(board_out);
    free(ref_out);
    free(slots);
    free(tmp);
    free(layer_med);
    free(repeat_cycles);
    return st;
}
