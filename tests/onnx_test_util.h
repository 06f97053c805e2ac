/*
 * onnx_test_util.h: building, importing and running small ONNX models in
 * the tests (check_onnx*.c). Header-only.
 *
 * Namespace: ot_.
 */
#ifndef ONNX_TEST_UTIL_H
#define ONNX_TEST_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "model/hostrun.h"
#include "model/onnx.h"
#include "model/onnx_build.h"

enum { OT_FLOAT = 1, OT_UINT8 = 2, OT_INT8 = 3, OT_INT32 = 6, OT_INT64 = 7 };

static inline onnx_build *ot_new(int opset)
{
    onnx_build *b = NULL;
    ck_assert_int_eq(onnx_build_new(opset, &b), HB_OK);
    return b;
}

static inline void ot_io(onnx_build *b, int output, const char *name, int rank,
                         const int64_t *dims)
{
    ck_assert_int_eq(onnx_build_io(b, output, name, OT_FLOAT, rank, dims), HB_OK);
}

static inline void ot_node(onnx_build *b, const char *op, const char *ins, const char *outs)
{
    ck_assert_int_eq(onnx_build_node(b, op, NULL, ins, outs), HB_OK);
}

static inline void ot_ints(onnx_build *b, const char *name, int n, const int64_t *v)
{
    ck_assert_int_eq(onnx_build_attr_ints(b, name, n, v), HB_OK);
}

static inline void ot_f32(onnx_build *b, const char *name, int rank, const int64_t *dims,
                          const float *v)
{
    ck_assert_int_eq(onnx_build_init_f32(b, name, rank, dims, v), HB_OK);
}

static inline void ot_i64(onnx_build *b, const char *name, int n, const int64_t *v)
{
    int64_t d = n;
    ck_assert_int_eq(onnx_build_init(b, name, OT_INT64, 1, &d, v, (size_t)n * 8), HB_OK);
}

/* Imports b (freed); the status, *g on success. */
static inline hb_status ot_import(onnx_build *b, graph **g)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(onnx_build_pack(b, &buf, &len), HB_OK);
    onnx_build_free(b);
    hb_status st = onnx_read(buf, len, "test.onnx", g);
    free(buf);
    return st;
}

static inline graph *ot_import_ok(onnx_build *b)
{
    graph *g = NULL;
    hb_status st = ot_import(b, &g);
    ck_assert_msg(st == HB_OK, "import: %s", hb_last_error());
    return g;
}

/* Runs g with float inputs (one array per model input) and returns output
 * k as n floats (malloc'ed). */
static inline float *ot_run(const graph *g, const float *const *ins, int k, size_t n)
{
    hostrun *r = NULL;
    hb_status st = hostrun_new(g, &r);
    ck_assert_msg(st == HB_OK, "hostrun: %s", hb_last_error());
    for (int i = 0; i < nn_model_input_count(hostrun_model(r)); i++) {
        nn_tensor t;
        ck_assert_int_eq(hostrun_input(r, i, &t), HB_OK);
        st = hostrun_set_input_f32(r, i, ins[i], t.count);
        ck_assert_msg(st == HB_OK, "input %d: %s", i, hb_last_error());
    }
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    float *out = malloc((n ? n : 1) * sizeof(float));
    ck_assert_ptr_nonnull(out);
    st = hostrun_output_f32(r, k, out, n);
    ck_assert_msg(st == HB_OK, "output %d: %s", k, hb_last_error());
    hostrun_free(r);
    return out;
}

/* How many ops of a kind the graph has. */
static inline int ot_count_ops(const graph *g, int op)
{
    int n = 0;
    for (int i = 0; i < g->n_ops; i++)
        n += g->ops[i].op == op;
    return n;
}

static uint32_t ot_rng = 12345u;
static inline float ot_rand(void)
{
    ot_rng ^= ot_rng << 13;
    ot_rng ^= ot_rng >> 17;
    ot_rng ^= ot_rng << 5;
    return (float)(ot_rng >> 8) / 8388608.0f - 1.0f; /* [-1, 1) */
}

static inline float *ot_random(size_t n)
{
    float *v = malloc((n ? n : 1) * sizeof(float));
    ck_assert_ptr_nonnull(v);
    for (size_t k = 0; k < n; k++)
        v[k] = ot_rand();
    return v;
}

/* max |a - b| <= tol x max(1, max |b|). */
static inline void ot_close(const char *what, const float *a, const float *b, size_t n,
                            double tol)
{
    double m = 1.0, e = 0.0;
    size_t at = 0;
    for (size_t k = 0; k < n; k++) {
        m = fmax(m, fabs((double)b[k]));
        double d = fabs((double)a[k] - (double)b[k]);
        if (!(d <= e)) {
            e = d;
            at = k;
        }
    }
    ck_assert_msg(e <= tol * m, "%s: error %g at %zu (got %g, want %g)", what, e, at,
                  (double)a[at], (double)b[at]);
}

#endif
