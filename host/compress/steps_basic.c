/*
 * steps_basic.c: the recipe steps float, file: and int8.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/tflite.h"
#include "compress_step.h"
#include "quantize.h"

hb_status step_float_parse(compress_step *s)
{
    (void)s;
    return HB_OK;
}

hb_status step_float_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                           graph **out, compress_input_map *map)
{
    (void)s;
    (void)ctx;
    (void)map;
    return graph_clone(g, out);
}

hb_status step_file_parse(compress_step *s)
{
    if (!s->args[0][0])
        return hb_fail(HB_ERR_ARG, "file: needs a path");
    return HB_OK;
}

hb_status step_file_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map)
{
    char path[4096];
    const char *p = s->args[0];
    size_t n = strlen(p);
    (void)g;
    (void)map;
    if (n < 7 || strcmp(p + n - 7, ".tflite") != 0)
        return hb_fail(HB_ERR_UNSUPPORTED,
                       "file:%s: only .tflite files become graphs (blobs run as they are)", p);
    if (p[0] != '/' && ctx && ctx->base_dir)
        snprintf(path, sizeof(path), "%s/%s", ctx->base_dir, p);
    else
        snprintf(path, sizeof(path), "%s", p);
    return tflite_read_file(path, out);
}

hb_status step_int8_parse(compress_step *s)
{
    s->calibration = CALIB_MINMAX;
    for (int a = 0; a < s->n_args; a++) {
        if (!strcmp(s->args[a], "per-tensor"))
            s->per_tensor = 1;
        else if (!strcmp(s->args[a], "per-channel"))
            s->per_tensor = 0;
        else if (!strcmp(s->args[a], "minmax"))
            s->calibration = CALIB_MINMAX;
        else
            return hb_fail(HB_ERR_ARG,
                           "int8: unknown argument '%s' (per-tensor, per-channel, minmax)",
                           s->args[a]);
    }
    return HB_OK;
}

hb_status step_int8_applies(const graph *g, const compress_step *s)
{
    (void)s;
    for (int t = 0; t < g->n_tensors; t++)
        if (!g->tensors[t].data && g->tensors[t].dtype != NN_DT_FLOAT32)
            return hb_fail(HB_ERR_UNSUPPORTED,
                           "the model is not float (tensor %d is %s): int8 needs a float model", t,
                           nn_dtype_name(g->tensors[t].dtype));
    return HB_OK;
}

hb_status step_int8_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map)
{
    compress_quantize_options opt = {s->per_tensor};
    (void)map;
    return compress_quantize_int8(g, &opt, ctx->calib, ctx->n_calib, out);
}
