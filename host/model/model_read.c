/*
 * model_read.c: choosing the reader of a model file by its content.
 */
#include "model_read.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../../target-stub/engine/nn_blob.h"
#include "../util/hb_file.h"
#include "onnx.h"
#include "tflite.h"

static int ends_with(const char *s, const char *tail)
{
    size_t n = s ? strlen(s) : 0, k = strlen(tail);
    return n >= k && !strcasecmp(s + n - k, tail);
}

model_format model_format_of(const uint8_t *buf, size_t len, const char *name)
{
    if (len >= 8 && !memcmp(buf + 4, "TFL3", 4))
        return MODEL_TFLITE;
    if (len >= 4 && nn_rd_u32(buf) == NN_BLOB_MAGIC)
        return MODEL_BLOB;
    if (onnx_detect(buf, len) || ends_with(name, ".onnx"))
        return MODEL_ONNX;
    return MODEL_TFLITE;
}

const char *model_format_name(model_format f)
{
    return f == MODEL_ONNX ? "ONNX" : f == MODEL_BLOB ? "hilbench blob" : "TFLite";
}

hb_status model_read(const uint8_t *buf, size_t len, const char *name, graph **out)
{
    switch (model_format_of(buf, len, name)) {
    case MODEL_ONNX:
        return onnx_read(buf, len, name, out);
    case MODEL_BLOB:
        if (out)
            *out = NULL;
        return hb_fail(HB_ERR_UNSUPPORTED, "%s%sa hilbench blob runs as it is; a model "
                       "(.tflite or .onnx) is needed here", name ? name : "", name ? ": " : "");
    default:
        return tflite_read(buf, len, name, out);
    }
}

hb_status model_read_file(const char *path, graph **out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st;
    if (out)
        *out = NULL;
    if (!path || !out)
        return hb_fail(HB_ERR_ARG, "model_read_file: NULL argument");
    if ((st = hb_read_file(path, &buf, &len)) != HB_OK)
        return st;
    st = model_read(buf, len, path, out);
    free(buf);
    return st;
}
