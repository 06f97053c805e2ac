/*
 * weight_sizes.c: the size table of docs/performance.md ("Weight
 * recipes"): for each model and recipe, the bytes of the weights as the
 * blob stores them (blob_info.weight_bytes, sparse storage included) and of
 * the whole blob.
 *
 *   hilbench-weight-sizes MODEL.tflite... [--recipes R1;R2;...]
 *
 * Calibration (recipes with int8) uses 8 vectors of uniform values in
 * [-1, 1]: the weights' bytes do not depend on them. Prints a Markdown
 * table, percentages of the float and int8 recipes' weight bytes; a recipe
 * that does not apply prints its error in the row.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compress/compress.h"
#include "model/blob.h"
#include "model/tflite.h"

#define N_CALIB 8

static const char *default_recipes =
    "float;fp16;prune:0.5;prune:0.5:structured;int8;prune:0.5,int8;"
    "prune:0.5:structured,int8;prune:0.75,int8;features:32;features:32,int8";

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* Weight and blob bytes of recipe `text` on g; HB_OK or the error. */
static hb_status measure(const graph *g, const char *text, const compress_context *ctx,
                         blob_info *info, size_t *len)
{
    compress_recipe *r = NULL;
    graph *v = NULL;
    uint8_t *blob = NULL;
    hb_status st = compress_recipe_parse(text, &r);
    if (st == HB_OK)
        st = compress_apply(g, r, ctx, &v, NULL);
    if (st == HB_OK)
        st = blob_build(v, &blob, len, info);
    free(blob);
    graph_free(v);
    compress_recipe_free(r);
    return st;
}

static void percent(uint32_t part, uint32_t whole)
{
    if (whole)
        printf(" %.1f %% |", 100.0 * part / whole);
    else
        printf(" - |");
}

int main(int argc, char **argv)
{
    const char *recipes = default_recipes;
    int n_models = 0;
    char **models = calloc((size_t)argc, sizeof(char *));
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--recipes") && i + 1 < argc)
            recipes = argv[++i];
        else
            models[n_models++] = argv[i];
    }
    if (!n_models) {
        fprintf(stderr, "usage: hilbench-weight-sizes MODEL.tflite... [--recipes R1;R2]\n");
        free(models);
        return 2;
    }
    printf("| model | recipe | weight bytes | of float | of int8 | blob bytes |\n");
    printf("|---|---|---:|---:|---:|---:|\n");
    for (int m = 0; m < n_models; m++) {
        graph *g = NULL;
        if (tflite_read_file(models[m], &g) != HB_OK) {
            fprintf(stderr, "hilbench-weight-sizes: %s\n", hb_last_error());
            continue;
        }
        size_t total = 0;
        for (int k = 0; k < g->n_inputs; k++)
            total += graph_tensor_count(&g->tensors[g->inputs[k]]);
        float *data = malloc(N_CALIB * total * sizeof(float));
        const float *calib[N_CALIB];
        uint32_t seed = 12345;
        for (size_t i = 0; i < N_CALIB * total; i++) {
            seed = seed * 1664525u + 1013904223u;
            data[i] = (float)(seed >> 8) / (float)(1u << 23) - 1.0f;
        }
        for (int c = 0; c < N_CALIB; c++)
            calib[c] = data + (size_t)c * total;
        compress_context ctx = {calib, N_CALIB, NULL};
        blob_info fl = {0}, i8 = {0}, info;
        size_t len;
        if (measure(g, "float", &ctx, &fl, &len) != HB_OK ||
            measure(g, "int8", &ctx, &i8, &len) != HB_OK)
            fprintf(stderr, "hilbench-weight-sizes: %s: %s\n", models[m], hb_last_error());
        char *list = strdup(recipes);
        for (char *save = NULL, *t = strtok_r(list, ";", &save); t; t = strtok_r(NULL, ";", &save)) {
            printf("| %s | `%s` |", base_name(models[m]), t);
            if (measure(g, t, &ctx, &info, &len) != HB_OK) {
                printf(" %s | | | |\n", hb_last_error());
                continue;
            }
            printf(" %u |", info.weight_bytes);
            percent(info.weight_bytes, fl.weight_bytes);
            percent(info.weight_bytes, i8.weight_bytes);
            printf(" %zu |\n", len);
        }
        free(list);
        free(data);
        graph_free(g);
    }
    free(models);
    return 0;
}
