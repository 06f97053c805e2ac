/*
 * steps_basic.c: the recipe steps float, file: and int8 (whose argument
 * parser int16x8 shares).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/model_read.h"
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
    if ((n < 7 || strcmp(p + n - 7, ".tflite") != 0) && (n < 5 || strcmp(p + n - 5, ".onnx")))
        return hb_fail(HB_ERR_UNSUPPORTED, "file:%s: only .tflite and .onnx files become "
                       "graphs (blobs run as they are)", p);
    if (p[0] != '/' && ctx && ctx->base_dir)
        snprintf(path, sizeof(path), "%s/%s", ctx->base_dir, p);
    else
        snprintf(path, sizeof(path), "%s", p);
    return model_read_file(path, out);
}

/* int8 and int16x8: [per-tensor | per-channel] and [minmax | percentile |
 * percentile=P | mse], each at most once. */
hb_status step_int8_parse(compress_step *s)
{
    const char *name = s->kind->name;
    int weights = 0, calib = 0;
    s->calibration = CALIB_MINMAX;
    s->value = 0;
    for (int a = 0; a < s->n_args; a++) {
        const char *arg = s->args[a];
        char *end = NULL;
        if (!strcmp(arg, "per-tensor") || !strcmp(arg, "per-channel")) {
            s->per_tensor = !strcmp(arg, "per-tensor");
            if (weights++)
                return hb_fail(HB_ERR_ARG, "%s: per-tensor / per-channel given twice", name);
            continue;
        }
        if (!strcmp(arg, "minmax")) {
            s->calibration = CALIB_MINMAX;
        } else if (!strcmp(arg, "mse")) {
            s->calibration = CALIB_MSE;
        } else if (!strcmp(arg, "percentile")) {
            s->calibration = CALIB_PERCENTILE;
        } else if (!strncmp(arg, "percentile=", 11)) {
            s->calibration = CALIB_PERCENTILE;
            s->value = strtod(arg + 11, &end);
            if (end == arg + 11 || *end || !(s->value >= 50.0 && s->value <= 100.0))
                return hb_fail(HB_ERR_ARG, "%s: '%s': the percentile must be a number in "
                               "[50, 100]", name, arg);
        } else {
            return hb_fail(HB_ERR_ARG, "%s: unknown argument '%s' (per-tensor, per-channel, "
                           "minmax, percentile, percentile=P, mse)", name, arg);
        }
        if (calib++)
            return hb_fail(HB_ERR_ARG, "%s: more than one calibration method", name);
    }
    return HB_OK;
}

hb_status step_int8_applies(const graph *g, const compress_step *s)
{
    compress_quantize_options opt = {s->per_tensor, COMPRESS_SCHEME_INT8, s->calibration,
                                     s->value};
    return compress_quantize_check(g, &opt);
}

hb_status step_int8_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map)
{
    compress_quantize_options opt = {s->per_tensor, COMPRESS_SCHEME_INT8, s->calibration,
                                     s->value};
    (void)map;
    return compress_quantize(g, &opt, ctx->calib, ctx->n_calib, out);
}
