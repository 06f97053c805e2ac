/*
 * cmd_compress.c: `hilbench compress MODEL --variant RECIPE [--calib DIR]
 * -o OUT`: the variant a recipe makes, written so that it can be deployed
 * elsewhere (.tflite) or run by the stub as it is (a blob).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "compress/compress.h"
#include "model/blob.h"
#include "model/model_read.h"
#include "model/tflite.h"
#include "session/vectors.h"
#include "util/hb_file.h"

const cli_option cli_opts_compress[] = {
    {"variant", "RECIPE", "the recipe: int8, int8:per-tensor, int8:mse, int16x8, dynamic, ... "
                          "(docs/variants.md)", 0, 0},
    {"calib", "DIR", "calibration vectors: *.bin files of float32 values, every model input's "
                     "elements in input order", 0, 0},
    {"output", "OUT", "the variant: a .tflite file when OUT ends in .tflite, else a hilbench "
                      "blob", 0, 'o'},
    {0},
};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), k = strlen(tail);
    return n >= k && !strcmp(s + n - k, tail);
}

static hb_status write_variant(const graph *v, const char *out, size_t *bytes)
{
    uint8_t *blob = NULL;
    hb_status st;
    if (ends_with(out, ".tflite")) {
        /* only a failure to encode is the format's limit; one to write is
         * the file's, and says so itself */
        if ((st = tflite_write(v, &blob, bytes)) != HB_OK)
            return hb_context(st, "%s: TensorFlow Lite cannot hold this variant (write a "
                              "blob: any name not ending in .tflite)", out);
    } else if ((st = blob_build(v, &blob, bytes, NULL)) != HB_OK) {
        return st;
    }
    st = hb_write_file(out, blob, *bytes);
    free(blob);
    return st;
}

hb_status cmd_compress(const cli_args *a)
{
    const char *model = a->pos[0], *text = cli_get(a, "variant");
    const char *out = cli_get(a, "output"), *calib_dir = cli_get(a, "calib");
    compress_recipe *r = NULL;
    graph *g = NULL, *v = NULL;
    vectors calib = {0};
    const float **ptrs = NULL;
    compress_input_map map = {0, NULL};
    size_t bytes = 0;
    hb_status st;

    if (!text || !out)
        return hb_fail(HB_ERR_ARG, "compress: --variant RECIPE and -o OUT are required");
    if ((st = compress_recipe_parse(text, &r)) != HB_OK)
        return st;
    if ((st = model_read_file(model, &g)) != HB_OK)
        goto cleanup;
    if (compress_recipe_needs_calibration(r) && !calib_dir) {
        st = hb_fail(HB_ERR_ARG, "recipe '%s' needs calibration vectors: --calib DIR",
                     compress_recipe_text(r));
        goto cleanup;
    }
    if (calib_dir) {
        if ((st = vectors_load_float_dir(calib_dir, g, &calib)) != HB_OK)
            goto cleanup;
        if (!(ptrs = calloc((size_t)calib.n, sizeof(*ptrs)))) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        for (int i = 0; i < calib.n; i++)
            ptrs[i] = (const float *)(const void *)calib.data[i];
    }
    compress_context ctx = {ptrs, calib.n, NULL};
    if ((st = compress_apply(g, r, &ctx, &v, &map)) != HB_OK)
        goto cleanup;
    if ((st = write_variant(v, out, &bytes)) != HB_OK)
        goto cleanup;
    printf("%s: %s of %s, %zu bytes (%s)\n", out, compress_recipe_text(r), model, bytes,
           ends_with(out, ".tflite") ? "TensorFlow Lite" : "hilbench blob");
    if (map.n_kept)
        printf("input 0 keeps %d of its %zu elements: feed the variant those only\n",
               map.n_kept, graph_tensor_count(&g->tensors[g->inputs[0]]));
cleanup:
    compress_input_map_free(&map);
    free(ptrs);
    vectors_free(&calib);
    graph_free(v);
    graph_free(g);
    compress_recipe_free(r);
    return st;
}
