/*
 * link_bench.c: payload throughput of the protocol over an emulated serial
 * line (docs/performance.md, "Link throughput"). Not a test: it measures.
 *
 *     hilbench-link-bench [--baud B] [--faults SPEC] [--input-bytes N]
 *                         [--vectors K] [--board NAME]
 *
 * It starts the board (default: native), puts the fault injector into its
 * link paced at B baud (8N1: B / 10 bytes/s each way, default 115200) plus
 * any other faults of SPEC, uploads a model whose one input is N bytes
 * (default 16384; a float FULLY_CONNECTED to one output, so the blob is
 * about N bytes too), then sends K vectors (default 8) with SET_INPUT alone,
 * timed, and reports the payload bytes per second against the line rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../target-stub/engine/nn_types.h"
#include "board/board.h"
#include "model/graph.h"
#include "model/hostrun.h"
#include "session/device.h"
#include "util/hb_file.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* input [1, n] float, one output: y = w . x + b. */
static hb_status make_model(int n, hostrun **out)
{
    graph *g = NULL;
    float *w = calloc((size_t)n, sizeof(float)), b = 0.5f;
    int32_t in_dims[2] = {1, n}, w_dims[2] = {1, n}, b_dims[1] = {1}, o_dims[2] = {1, 1};
    int io[3], y;
    graph_options opt = {.activation = NN_ACT_NONE};
    hb_status st;

    if (!w)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int i = 0; i < n; i++)
        w[i] = (float)(i % 7) * 0.125f;
    if ((st = graph_new(&g)) != HB_OK ||
        (st = graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, in_dims, NULL, 0, &io[0])) != HB_OK ||
        (st = graph_add_tensor(g, "w", NN_DT_FLOAT32, 2, w_dims, w, sizeof(float) * (size_t)n,
                               &io[1])) != HB_OK ||
        (st = graph_add_tensor(g, "b", NN_DT_FLOAT32, 1, b_dims, &b, sizeof(b), &io[2])) !=
            HB_OK ||
        (st = graph_add_tensor(g, "y", NN_DT_FLOAT32, 2, o_dims, NULL, 0, &y)) != HB_OK ||
        (st = graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, io, 1, &y, &opt, NULL)) != HB_OK ||
        (st = graph_set_io(g, 1, &io[0], 1, &y)) != HB_OK)
        goto cleanup;
    st = hostrun_new(g, out);
cleanup:
    graph_free(g);
    free(w);
    return st;
}

static int usage(void)
{
    fprintf(stderr, "usage: hilbench-link-bench [--baud B] [--faults SPEC] [--input-bytes N]"
                    " [--vectors K] [--board NAME]\n");
    return 2;
}

static long number(const char *s)
{
    char *end;
    long v = strtol(s, &end, 10);
    return *end || v <= 0 ? -1 : v;
}

int main(int argc, char **argv)
{
    long baud = 115200, bytes = 16384, vectors = 8;
    const char *faults = "", *board_name = "native";
    for (int i = 1; i < argc; i++) {
        if (i + 1 >= argc)
            return usage();
        if (!strcmp(argv[i], "--baud"))
            baud = number(argv[++i]);
        else if (!strcmp(argv[i], "--faults"))
            faults = argv[++i];
        else if (!strcmp(argv[i], "--input-bytes"))
            bytes = number(argv[++i]);
        else if (!strcmp(argv[i], "--vectors"))
            vectors = number(argv[++i]);
        else if (!strcmp(argv[i], "--board"))
            board_name = argv[++i];
        else
            return usage();
    }
    if (baud <= 0 || bytes < 4 || vectors <= 0)
        return usage();

    char spec[512];
    link_fault_config cfg;
    board_profile *b = NULL;
    device *d = NULL;
    hostrun *h = NULL;
    client_model_info mi;
    const char *dirs[] = {hb_boards_dir()};
    hb_status st;
    snprintf(spec, sizeof(spec), "%s%sbaud=%ld", faults, faults[0] ? "," : "", baud);
    if ((st = link_fault_parse(spec, &cfg)) != HB_OK ||
        (st = make_model((int)(bytes / 4), &h)) != HB_OK ||
        (st = board_find(board_name, dirs, 1, hb_firmware_dir(), &b)) != HB_OK ||
        (st = device_open(b, NULL, &cfg, &d)) != HB_OK)
        goto cleanup;

    size_t blob_len = 0;
    const uint8_t *blob = hostrun_blob(h, &blob_len);
    double line = (double)baud / 10.0, t0 = now_s();
    if ((st = client_load(d->client, blob, blob_len, &mi)) != HB_OK)
        goto cleanup;
    double t_load = now_s() - t0;
    uint8_t *x = calloc((size_t)bytes, 1);
    if (!x) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    t0 = now_s();
    for (long k = 0; k < vectors && st == HB_OK; k++) {
        x[k % bytes] ^= 1;
        st = client_set_input(d->client, 0, x, (size_t)bytes);
    }
    double t_set = now_s() - t0;
    free(x);
    if (st != HB_OK)
        goto cleanup;

    client_stats ls;
    device_link_stats(d, &ls);
    double up = (double)(bytes * vectors) / t_set;
    printf("line: %ld baud, %.0f bytes/s each way (8N1)%s%s; max_payload %u\n", baud, line,
           faults[0] ? "; faults " : "", faults, d->hello.max_payload);
    printf("model upload (LOAD_CHUNK): %zu bytes in %.3f s: %.2f kB/s, %.1f%% of the line\n",
           blob_len, t_load, (double)blob_len / t_load / 1000.0,
           100.0 * (double)blob_len / t_load / line);
    printf("vector upload (SET_INPUT): %ld x %ld bytes in %.3f s: %.2f kB/s, %.1f%% of the "
           "line\n", vectors, bytes, t_set, up / 1000.0, 100.0 * up / line);
    printf("link: %llu requests, %llu repeated, chunks %u/%u bytes, per-try time-out %.1f ms\n",
           (unsigned long long)ls.requests, (unsigned long long)ls.retries, ls.chunk_out,
           ls.chunk_in, ls.rto_ms);
cleanup:
    device_close(d);
    board_free(b);
    hostrun_free(h);
    if (st != HB_OK) {
        fprintf(stderr, "hilbench-link-bench: %s\n", hb_last_error());
        return 1;
    }
    return 0;
}
