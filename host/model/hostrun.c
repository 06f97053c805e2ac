/*
 * hostrun.c: the engine on the host, over a blob built from a graph.
 */
#include "hostrun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/proto/proto.h"
#include "blob.h"

struct hostrun {
    uint8_t *blob;     /* NN_ALIGN-aligned copy */
    size_t blob_len;
    uint8_t *arena;    /* NN_ALIGN-aligned */
    uint32_t arena_bytes;
    nn_model model;
    hostrun_layer_fn layer;
    void *ctx;
};

static void *alloc_aligned(size_t n)
{
    size_t rounded = (n + NN_ALIGN - 1) / NN_ALIGN * NN_ALIGN;
    void *p = aligned_alloc(NN_ALIGN, rounded ? rounded : NN_ALIGN);
    if (p)
        memset(p, 0, rounded ? rounded : NN_ALIGN);
    return p;
}

hb_status hostrun_new_blob(const uint8_t *blob, size_t len, hostrun **out)
{
    hb_status st = HB_OK;
    nn_error e;
    hostrun *r = calloc(1, sizeof(*r));

    *out = NULL;
    if (!r)
        return hb_fail(HB_ERR_MEM, "out of memory");
    if (len > UINT32_MAX) {
        st = hb_fail(HB_ERR_FORMAT, "model blob larger than 4 GiB");
        goto cleanup;
    }
    if (!(r->blob = alloc_aligned(len))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    memcpy(r->blob, blob, len);
    r->blob_len = len;
    if (nn_model_open(&r->model, r->blob, (uint32_t)len, &e) != NN_OK) {
        st = hb_fail(e.status == NN_ERR_UNSUPPORTED ? HB_ERR_UNSUPPORTED : HB_ERR_FORMAT,
                     "model blob refused: %s (op %d, tensor %d, offset %d)",
                     nn_why_text(e.why), (int)e.op, (int)e.tensor, (int)e.offset);
        goto cleanup;
    }
    /* The stub refuses a damaged blob at upload; so does the host, or a
     * blob file with a flipped weight would run and give wrong numbers. The
     * engine checked that blob_bytes fits in len. */
    if (proto_crc32(0, r->blob + 16, nn_rd_u32(r->blob + NN_BH_BLOB_BYTES) - 16) !=
        nn_rd_u32(r->blob + NN_BH_CRC)) {
        st = hb_fail(HB_ERR_FORMAT, "model blob CRC mismatch: the file is damaged");
        goto cleanup;
    }
    r->arena_bytes = nn_model_arena_bytes(&r->model);
    if (r->arena_bytes > HOSTRUN_ARENA_MAX) {
        st = hb_fail(HB_ERR_UNSUPPORTED, "the model needs an arena of %u MiB; the host runs "
                     "models of up to %u MiB", r->arena_bytes >> 20, HOSTRUN_ARENA_MAX >> 20);
        goto cleanup;
    }
    if (!(r->arena = alloc_aligned(r->arena_bytes))) {
        st = hb_fail(HB_ERR_MEM, "out of memory (arena of %u bytes)", r->arena_bytes);
        goto cleanup;
    }
    *out = r;
    return HB_OK;
cleanup:
    hostrun_free(r);
    return st;
}

hb_status hostrun_new(const graph *g, hostrun **out)
{
    uint8_t *blob = NULL;
    size_t len = 0;
    hb_status st;

    *out = NULL;
    if ((st = blob_build(g, &blob, &len, NULL)) != HB_OK)
        return st;
    st = hostrun_new_blob(blob, len, out);
    free(blob);
    return st;
}

void hostrun_free(hostrun *r)
{
    if (!r)
        return;
    free(r->blob);
    free(r->arena);
    free(r);
}

const nn_model *hostrun_model(const hostrun *r)
{
    return &r->model;
}

const uint8_t *hostrun_blob(const hostrun *r, size_t *len)
{
    if (len)
        *len = r->blob_len;
    return r->blob;
}

static hb_status io_tensor(hostrun *r, int i, int output, nn_tensor *t)
{
    uint16_t n = output ? nn_model_output_count(&r->model)
                        : nn_model_input_count(&r->model);
    if (i < 0 || i >= n)
        return hb_fail(HB_ERR_ARG, "model has %u %s, no %s %d", n,
                       output ? "outputs" : "inputs", output ? "output" : "input", i);
    uint16_t idx = output ? nn_model_output(&r->model, (uint16_t)i)
                          : nn_model_input(&r->model, (uint16_t)i);
    nn_model_tensor(&r->model, idx, r->arena, t);
    return HB_OK;
}

hb_status hostrun_input(hostrun *r, int i, nn_tensor *out)
{
    return io_tensor(r, i, 0, out);
}

hb_status hostrun_output(hostrun *r, int i, nn_tensor *out)
{
    return io_tensor(r, i, 1, out);
}

hb_status hostrun_set_input(hostrun *r, int i, const void *data, size_t bytes)
{
    nn_tensor t;
    hb_status st = io_tensor(r, i, 0, &t);
    if (st != HB_OK)
        return st;
    if (bytes != t.bytes)
        return hb_fail(HB_ERR_ARG, "input %d takes %u bytes (%s x %u), got %zu", i,
                       t.bytes, nn_dtype_name(t.dtype), t.count, bytes);
    memcpy(t.data, data, bytes);
    return HB_OK;
}

/* The per-tensor parameters of an int8 / int16 tensor and its range. */
static hb_status int_params(const nn_tensor *t, const char *what, int i, int32_t *lo,
                            int32_t *hi)
{
    if ((t->dtype != NN_DT_INT8 && t->dtype != NN_DT_INT16) || t->quant != NN_QUANT_TENSOR)
        return hb_fail(HB_ERR_UNSUPPORTED, "%s %d is %s%s: no float form", what, i,
                       nn_dtype_name(t->dtype),
                       t->quant == NN_QUANT_TENSOR ? "" : " without one scale");
    *lo = t->dtype == NN_DT_INT8 ? INT8_MIN : INT16_MIN;
    *hi = t->dtype == NN_DT_INT8 ? INT8_MAX : INT16_MAX;
    return HB_OK;
}

hb_status hostrun_set_input_f32(hostrun *r, int i, const float *v, size_t count)
{
    nn_tensor t;
    int32_t lo = 0, hi = 0;
    hb_status st = io_tensor(r, i, 0, &t);
    if (st != HB_OK)
        return st;
    if (count != t.count)
        return hb_fail(HB_ERR_ARG, "input %d takes %u values, got %zu float32", i, t.count,
                       count);
    if (t.dtype == NN_DT_FLOAT32) {
        memcpy(t.data, v, count * sizeof(float));
        return HB_OK;
    }
    if ((st = int_params(&t, "input", i, &lo, &hi)) != HB_OK)
        return st;
    for (size_t e = 0; e < count; e++) {
        if (!isfinite(v[e]))
            return hb_fail(HB_ERR_ARG, "input %d: value %zu is not finite", i, e);
        float q = roundf(v[e] / t.scale) + (float)t.zero_point;
        int32_t x = q < (float)lo ? lo : q > (float)hi ? hi : (int32_t)q;
        if (t.dtype == NN_DT_INT8)
            ((int8_t *)t.data)[e] = (int8_t)x;
        else
            ((int16_t *)t.data)[e] = (int16_t)x;
    }
    return HB_OK;
}

hb_status hostrun_output_f32(hostrun *r, int i, float *v, size_t count)
{
    nn_tensor t;
    int32_t lo = 0, hi = 0;
    hb_status st = io_tensor(r, i, 1, &t);
    if (st != HB_OK)
        return st;
    if (count != t.count)
        return hb_fail(HB_ERR_ARG, "output %d has %u values, asked for %zu", i, t.count, count);
    if (t.dtype == NN_DT_FLOAT32) {
        memcpy(v, t.data, count * sizeof(float));
        return HB_OK;
    }
    if ((st = int_params(&t, "output", i, &lo, &hi)) != HB_OK)
        return st;
    for (size_t e = 0; e < count; e++) {
        int32_t q = t.dtype == NN_DT_INT8 ? ((const int8_t *)t.data)[e]
                                          : ((const int16_t *)t.data)[e];
        v[e] = t.scale * (float)(q - t.zero_point);
    }
    return HB_OK;
}

static void after_op(void *ctx, uint16_t op)
{
    hostrun *r = ctx;
    nn_tensor outs[NN_MAX_OP_IO];
    uint16_t n = nn_model_op_output_count(&r->model, op);
    for (uint16_t k = 0; k < n && k < NN_MAX_OP_IO; k++)
        nn_model_tensor(&r->model, nn_model_op_output(&r->model, op, k), r->arena,
                        &outs[k]);
    r->layer(r->ctx, op, outs, n);
}

hb_status hostrun_invoke(hostrun *r, hostrun_layer_fn layer, void *ctx)
{
    nn_hooks hooks = {NULL, after_op, r};
    nn_error e;
    r->layer = layer;
    r->ctx = ctx;
    if (nn_model_invoke(&r->model, r->arena, r->arena_bytes, layer ? &hooks : NULL,
                        &e) != NN_OK)
        return hb_fail(HB_ERR_FAIL, "invoke failed: %s", nn_strerror(e.status));
    return HB_OK;
}
