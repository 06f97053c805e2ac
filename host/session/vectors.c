/*
 * vectors.c: test vectors from a folder or from the PRNG.
 */
#include "vectors.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hb_file.h"

size_t vectors_input_bytes(const graph *g)
{
    size_t n = 0;
    for (int k = 0; k < g->n_inputs; k++)
        n += graph_tensor_bytes(&g->tensors[g->inputs[k]]);
    return n;
}

void vectors_free(vectors *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->n; i++) {
        if (v->names)
            free(v->names[i]);
        if (v->data)
            free(v->data[i]);
    }
    free(v->names);
    free(v->data);
    memset(v, 0, sizeof(*v));
}

static hb_status alloc_set(vectors *v, int n, size_t bytes)
{
    memset(v, 0, sizeof(*v));
    v->names = calloc((size_t)(n ? n : 1), sizeof(char *));
    v->data = calloc((size_t)(n ? n : 1), sizeof(uint8_t *));
    if (!v->names || !v->data) {
        free(v->names);
        free(v->data);
        v->names = NULL;
        v->data = NULL;
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    v->bytes = bytes;
    return HB_OK;
}

static size_t float_bytes(const graph *g)
{
    size_t n = 0;
    for (int k = 0; k < g->n_inputs; k++)
        n += 4 * graph_tensor_count(&g->tensors[g->inputs[k]]);
    return n;
}

/* Quantises float32 values for every input into buf (model input bytes). */
static hb_status quantise(const graph *g, const uint8_t *in, uint8_t *out)
{
    for (int k = 0; k < g->n_inputs; k++) {
        const graph_tensor *t = &g->tensors[g->inputs[k]];
        size_t n = graph_tensor_count(t);
        if (t->dtype == NN_DT_FLOAT32) {
            memcpy(out, in, 4 * n);
        } else if ((t->dtype == NN_DT_INT8 || t->dtype == NN_DT_INT16) && t->n_quant == 1) {
            long lo = t->dtype == NN_DT_INT8 ? -128 : -32768, hi = -lo - 1;
            for (size_t e = 0; e < n; e++) {
                float x;
                memcpy(&x, in + 4 * e, 4);
                long q = lroundf(x / t->scales[0]) + t->zero_points[0];
                q = q < lo ? lo : q > hi ? hi : q;
                if (t->dtype == NN_DT_INT8) {
                    out[e] = (uint8_t)(int8_t)q;
                } else {
                    out[2 * e] = (uint8_t)q;
                    out[2 * e + 1] = (uint8_t)((uint16_t)q >> 8);
                }
            }
        } else {
            return hb_fail(HB_ERR_UNSUPPORTED,
                           "vectors: cannot quantise float32 values for a %s input",
                           nn_dtype_name(t->dtype));
        }
        in += 4 * n;
        out += graph_tensor_bytes(t);
    }
    return HB_OK;
}

/* Both loaders: as float32 values only (as_float) or as model bytes with
 * float32 files quantised. */
static hb_status load_dir(const char *dir, const graph *g, int as_float, vectors *out)
{
    char **names = NULL;
    int n = 0;
    hb_status st;
    size_t want = as_float ? float_bytes(g) : vectors_input_bytes(g);

    memset(out, 0, sizeof(*out));
    if ((st = hb_list_dir(dir, ".bin", &names, &n)) != HB_OK)
        return hb_context(st, "vectors");
    if (n == 0) {
        hb_free_names(names, n);
        return hb_fail(HB_ERR_NOT_FOUND, "vectors: no *.bin files in %s", dir);
    }
    if ((st = alloc_set(out, n, want)) != HB_OK)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX];
        size_t len = 0;
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        out->n = i + 1;
        out->names[i] = names[i];
        names[i] = NULL;
        if ((st = hb_read_file(path, &out->data[i], &len)) != HB_OK)
            goto cleanup;
        if (as_float && len != want) {
            st = hb_fail(HB_ERR_ARG, "vector %s has %zu bytes, the model's inputs take %zu "
                         "as float32", path, len, want);
            goto cleanup;
        }
        if (len != want && len == float_bytes(g)) {
            uint8_t *q = malloc(want ? want : 1);
            if (!q) {
                st = hb_fail(HB_ERR_MEM, "out of memory");
                goto cleanup;
            }
            st = quantise(g, out->data[i], q);
            free(out->data[i]);
            out->data[i] = q;
            if (st != HB_OK)
                goto cleanup;
            out->quantised = 1;
        } else if (len != want) {
            st = hb_fail(HB_ERR_ARG,
                         "vector %s has %zu bytes, the model's input takes %zu (or %zu as float32)",
                         path, len, want, float_bytes(g));
            goto cleanup;
        }
    }
    hb_free_names(names, n);
    return HB_OK;
cleanup:
    hb_free_names(names, n);
    vectors_free(out);
    return st;
}

hb_status vectors_load_dir(const char *dir, const graph *g, vectors *out)
{
    return load_dir(dir, g, 0, out);
}

hb_status vectors_load_float_dir(const char *dir, const graph *g, vectors *out)
{
    return load_dir(dir, g, 1, out);
}

static uint32_t xorshift32(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static uint32_t avalanche32(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x85EBCA6Bu;
    x ^= x >> 13;
    x *= 0xC2B2AE35u;
    x ^= x >> 16;
    return x;
}

/* The starting state of vector k of seed S. xorshift32 is linear and slow
 * to mix: started from S + k, the first draws of neighbouring vectors (and
 * of neighbouring seeds) are nearly equal, and state 0 stays 0 for ever.
 * A 32-bit avalanche (the finaliser of MurmurHash3) of S, then of that
 * and k, decorrelates them; a zero result is replaced, since xorshift32
 * cannot leave 0. */
static uint32_t random_state(uint32_t seed, uint32_t k)
{
    uint32_t x = avalanche32(avalanche32(seed + 0x9E3779B9u) ^ (k * 0x85EBCA77u + 1u));
    return x ? x : 0x6D2B79F5u;
}

static hb_status fill_random(uint8_t *p, const graph_tensor *t, uint32_t *state)
{
    size_t count = graph_tensor_count(t);
    for (size_t e = 0; e < count; e++) {
        uint32_t d = xorshift32(state);
        switch (t->dtype) {
        case NN_DT_INT8:
        case NN_DT_UINT8:
        case NN_DT_BOOL:
            p[e] = (uint8_t)d;
            break;
        case NN_DT_INT16:
            p[2 * e] = (uint8_t)d;
            p[2 * e + 1] = (uint8_t)(d >> 8);
            break;
        case NN_DT_INT32:
            memcpy(p + 4 * e, &d, 4);
            break;
        case NN_DT_FLOAT32: {
            float f = (float)((double)d / 4294967296.0 * 2.0 - 1.0);
            memcpy(p + 4 * e, &f, 4);
            break;
        }
        default:
            return hb_fail(HB_ERR_UNSUPPORTED, "random vectors: %s inputs are not supported",
                           nn_dtype_name(t->dtype));
        }
    }
    return HB_OK;
}

hb_status vectors_random(int n, uint32_t seed, const graph *g, vectors *out)
{
    hb_status st;
    size_t bytes = vectors_input_bytes(g);

    if (n < 1)
        return hb_fail(HB_ERR_ARG, "--random needs at least 1 vector");
    if ((st = alloc_set(out, n, bytes)) != HB_OK)
        return st;
    for (int i = 0; i < n; i++) {
        char name[32];
        uint32_t state = random_state(seed, (uint32_t)i);
        out->n = i + 1;
        snprintf(name, sizeof(name), "random-%d", i);
        if (!(out->names[i] = strdup(name)) || !(out->data[i] = malloc(bytes ? bytes : 1))) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        uint8_t *p = out->data[i];
        for (int k = 0; k < g->n_inputs; k++) {
            const graph_tensor *t = &g->tensors[g->inputs[k]];
            if ((st = fill_random(p, t, &state)) != HB_OK)
                goto cleanup;
            p += graph_tensor_bytes(t);
        }
    }
    return HB_OK;
cleanup:
    vectors_free(out);
    return st;
}
