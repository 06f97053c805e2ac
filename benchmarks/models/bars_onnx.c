/*
 * bars_onnx.c: a small CNN written as an ONNX model with hand-set weights,
 * and the images it is scored on (bars_onnx.h).
 *
 * Filters: Sobel-x and its negation answer a vertical bar's two edges,
 * Sobel-y and its negation a horizontal bar's, the same in every input
 * channel; after Relu, MaxPool and the global average, the Gemm takes
 * (vertical - horizontal) and its opposite as the two logits. The
 * BatchNormalization in between scales by 0.5 (folded into the
 * convolution at import). A bar of length 8 gives its own edges about
 * eight times the response its two ends give the other filters, so every
 * image is classified right by a wide margin: the int8 variant's fidelity,
 * not the model, is what a run measures.
 *
 * Images: a bar of 1.0 (column or row 1 to 6, channel i mod 3) over noise
 * in [-0.125, 0.125) in every channel, from a fixed-seed integer PRNG
 * (exact float values: the same bytes everywhere).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bars_onnx.h"
#include "model/hostrun.h"
#include "model/onnx.h"
#include "model/onnx_build.h"

enum { ONNX_FLOAT = 1, C = 3, S = 8, F = 4 };

static hb_status write_model(const char *path)
{
    static const float sobel[9] = {-1, 0, 1, -2, 0, 2, -1, 0, 1};
    float w[F * C * 9], gemm[2 * F] = {4, 4, -4, -4, -4, -4, 4, 4};
    float scale[F] = {0.5f, 0.5f, 0.5f, 0.5f}, zero[F] = {0}, one[F] = {1, 1, 1, 1};
    int64_t xd[4] = {-1, C, S, S}, yd[2] = {-1, 2}, wd[4] = {F, C, 3, 3}, fd = F;
    int64_t gd[2] = {2, F}, pads[4] = {1, 1, 1, 1}, k2[2] = {2, 2};
    onnx_build *b = NULL;
    hb_status st;

    for (int f = 0; f < F; f++)
        for (int c = 0; c < C; c++)
            for (int k = 0; k < 9; k++) {
                /* f 0, 1: Sobel-x, negated; f 2, 3: Sobel-y (transposed). */
                float v = f < 2 ? sobel[k] : sobel[(k % 3) * 3 + k / 3];
                w[(f * C + c) * 9 + k] = f % 2 ? -v : v;
            }
    if ((st = onnx_build_new(13, &b)) != HB_OK)
        return st;
    if ((st = onnx_build_io(b, 0, "image", ONNX_FLOAT, 4, xd)) ||
        (st = onnx_build_io(b, 1, "probabilities", ONNX_FLOAT, 2, yd)) ||
        (st = onnx_build_init_f32(b, "conv.weight", 4, wd, w)) ||
        (st = onnx_build_init_f32(b, "conv.bias", 1, &fd, zero)) ||
        (st = onnx_build_init_f32(b, "bn.weight", 1, &fd, scale)) ||
        (st = onnx_build_init_f32(b, "bn.bias", 1, &fd, zero)) ||
        (st = onnx_build_init_f32(b, "bn.running_mean", 1, &fd, zero)) ||
        (st = onnx_build_init_f32(b, "bn.running_var", 1, &fd, one)) ||
        (st = onnx_build_init_f32(b, "fc.weight", 2, gd, gemm)) ||
        (st = onnx_build_node(b, "Conv", "conv", "image,conv.weight,conv.bias", "c")) ||
        (st = onnx_build_attr_ints(b, "pads", 4, pads)) ||
        (st = onnx_build_node(b, "BatchNormalization", "bn",
                              "c,bn.weight,bn.bias,bn.running_mean,bn.running_var", "n")) ||
        (st = onnx_build_attr_f(b, "epsilon", 0.0f)) ||
        (st = onnx_build_node(b, "Relu", "relu", "n", "r")) ||
        (st = onnx_build_node(b, "MaxPool", "pool", "r", "p")) ||
        (st = onnx_build_attr_ints(b, "kernel_shape", 2, k2)) ||
        (st = onnx_build_attr_ints(b, "strides", 2, k2)) ||
        (st = onnx_build_node(b, "GlobalAveragePool", "gap", "p", "g")) ||
        (st = onnx_build_node(b, "Flatten", "flatten", "g", "v")) ||
        (st = onnx_build_node(b, "Gemm", "fc", "v,fc.weight", "logits")) ||
        (st = onnx_build_attr_i(b, "transB", 1)) ||
        (st = onnx_build_node(b, "Softmax", "softmax", "logits", "probabilities")) ||
        (st = onnx_build_attr_i(b, "axis", 1)))
        goto cleanup;
    st = onnx_build_write(b, path);
cleanup:
    onnx_build_free(b);
    return st;
}

/* Image i (NCHW) and its class. */
static int image(int i, uint32_t *rng, float *x)
{
    int horizontal = i % 2, at = 1 + (i / 2) % (S - 2), ch = i % C;
    for (int k = 0; k < C * S * S; k++) {
        *rng = *rng * 1664525u + 1013904223u;
        x[k] = (float)((int)(*rng >> 24) - 128) / 1024.0f; /* [-0.125, 0.125) */
    }
    for (int k = 0; k < S; k++)
        x[(ch * S + (horizontal ? at : k)) * S + (horizontal ? k : at)] = 1.0f;
    return horizontal;
}

static hb_status write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return hb_fail(HB_ERR_FAIL, "fopen(%s): %s", path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len)
        return hb_fail(HB_ERR_FAIL, "%s: write failed", path);
    return HB_OK;
}

hb_status bars_make(const char *dir)
{
    char path[4200], sub[4096];
    float x[C * S * S], y[2];
    graph *g = NULL;
    hostrun *r = NULL;
    FILE *csv = NULL;
    uint32_t rng = 2024u;
    hb_status st;

    snprintf(path, sizeof(path), "%s/bars_float.onnx", dir);
    snprintf(sub, sizeof(sub), "%s/bars_data", dir);
    if (mkdir(sub, 0777) != 0 && errno != EEXIST)
        return hb_fail(HB_ERR_FAIL, "mkdir(%s): %s", sub, strerror(errno));
    if ((st = write_model(path)) != HB_OK || (st = onnx_read_file(path, &g)) != HB_OK ||
        (st = hostrun_new(g, &r)) != HB_OK)
        goto cleanup;
    printf("wrote %s\n", path);
    snprintf(path, sizeof(path), "%s/y_labels.csv", sub);
    if (!(csv = fopen(path, "w"))) {
        st = hb_fail(HB_ERR_FAIL, "fopen(%s): %s", path, strerror(errno));
        goto cleanup;
    }
    for (int i = 0; i < BARS_VECTORS; i++) {
        int label = image(i, &rng, x);
        snprintf(path, sizeof(path), "%s/x_%03d.bin", sub, i);
        if ((st = write_file(path, x, sizeof(x))) != HB_OK ||
            (st = hostrun_set_input_f32(r, 0, x, C * S * S)) != HB_OK ||
            (st = hostrun_invoke(r, NULL, NULL)) != HB_OK ||
            (st = hostrun_output_f32(r, 0, y, 2)) != HB_OK)
            goto cleanup;
        if ((y[1] > y[0]) != label || !(y[label] > 0.9f)) {
            st = hb_fail(HB_ERR_CHECK, "bars: image %d (class %d) scores %.3f, %.3f", i,
                         label, (double)y[0], (double)y[1]);
            goto cleanup;
        }
        fprintf(csv, "x_%03d.bin,2,%d\n", i, label);
    }
    printf("wrote %s/x_000.bin .. x_%03d.bin\n", sub, BARS_VECTORS - 1);
    if (fclose(csv) != 0) {
        csv = NULL;
        st = hb_fail(HB_ERR_FAIL, "%s/y_labels.csv: write failed", sub);
        goto cleanup;
    }
    csv = NULL;
    printf("wrote %s/y_labels.csv\nbars: %d of %d images right (host engine)\n", sub,
           BARS_VECTORS, BARS_VECTORS);
cleanup:
    if (csv)
        fclose(csv);
    hostrun_free(r);
    graph_free(g);
    return st;
}
