/*
 * check_ops_misc.c: ADD, RESHAPE, SOFTMAX, LOGISTIC, QUANTIZE, DEQUANTIZE
 * and the engine's own math (nn_expf, the Q-format functions).
 *
 * Each op runs as a one-op graph through hostrun (lowering, blob, engine)
 * against expectations computed here independently: exact float sums and
 * naive broadcast indexing, double-precision softmax and logistic (int8
 * results within one step of the real value), TFLite's rounding rules, and
 * int8 softmax outputs TensorFlow Lite Micro produced on real models (bit
 * for bit). check() must refuse every out-of-range word and inconsistent
 * shape, and random bit flips must never make the engine misbehave (this
 * runs under ASan and UBSan).
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../target-stub/engine/nn.h"
#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/engine/nn_fixed_q.h"
#include "../target-stub/engine/nn_math.h"
#include "../target-stub/engine/nn_params.h"
#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"

/* Helpers ------------------------------------------------------------------ */

typedef struct {
    int dtype, rank;
    int32_t dims[NN_MAX_RANK];
    float scale; /* 0: not quantised */
    int32_t zp;
} tspec;

static uint32_t rng_state = 2463534242u;
static uint32_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}
static float rnd_f(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() >> 8) / 16777216.0f; }

static int add_tensor(graph *g, const tspec *s, const void *data)
{
    int t;
    size_t bytes = nn_dtype_bytes(s->dtype);
    for (int d = 0; d < s->rank; d++)
        bytes *= (size_t)s->dims[d];
    ck_assert_int_eq(graph_add_tensor(g, NULL, s->dtype, s->rank, s->dims, data,
                                      data ? bytes : 0, &t), HB_OK);
    if (s->scale > 0)
        ck_assert_int_eq(graph_set_quant(g, t, 1, &s->scale, &s->zp, 0), HB_OK);
    return t;
}

/* ins (activations, model inputs) -> op -> out. */
static graph *one_op(int op, int n_in, const tspec *ins, const tspec *out,
                     const graph_options *opt)
{
    graph *g = NULL;
    int in_t[2], out_t;
    graph_options none = {0};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    for (int k = 0; k < n_in; k++)
        in_t[k] = add_tensor(g, &ins[k], NULL);
    out_t = add_tensor(g, out, NULL);
    ck_assert_int_eq(graph_add_op(g, op, n_in, in_t, 1, &out_t, opt ? opt : &none, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, n_in, in_t, 1, &out_t), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

/* Builds, runs once with the given inputs and copies the output out. */
static void run_graph(const graph *g, const void *const *ins, void *out, size_t out_bytes)
{
    hostrun *r = NULL;
    nn_tensor t;
    ck_assert_msg(hostrun_new(g, &r) == HB_OK, "hostrun_new: %s", hb_last_error());
    for (int k = 0; k < g->n_inputs; k++)
        ck_assert_int_eq(hostrun_set_input(r, k, ins[k],
                                           graph_tensor_bytes(&g->tensors[g->inputs[k]])), HB_OK);
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output(r, 0, &t), HB_OK);
    ck_assert_uint_eq(t.bytes, out_bytes);
    memcpy(out, t.data, out_bytes);
    hostrun_free(r);
}

static size_t count_of(const tspec *s)
{
    size_t n = 1;
    for (int d = 0; d < s->rank; d++)
        n *= (size_t)s->dims[d];
    return n;
}

/* nn_expf and rounding ---------------------------------------------------- */

static float bits_f(uint32_t u) { return nn_bits_f32(u); }

START_TEST(expf_accuracy)
{
    double worst = 0;
    float worst_x = 0;
    long n = 0;
    /* Every 7th float of [-104, 89] (both signs): about 3 x 10^8 / 7. */
    for (uint32_t sign = 0; sign < 2; sign++)
        for (uint32_t u = 0; u < 0x7f800000u; u += 7) {
            float x = bits_f(u | sign << 31);
            if (x < -104.0f || x > 89.0f)
                continue;
            double want = exp((double)x);
            float got = nn_expf(x);
            float w = (float)want;
            if (isinf(w))
                ck_assert_msg(isinf(got), "nn_expf(%a) = %a, want inf", (double)x, (double)got);
            if (isinf(w))
                continue;
            double ulp = w < FLT_MIN ? ldexp(1, -149) : nextafterf(w, INFINITY) - w;
            double err = fabs((double)got - want) / ulp;
            if (err > worst)
                worst = err, worst_x = x;
            n++;
        }
    printf("nn_expf: max error %.3f ulp (at %.9g) over %ld values\n", worst, (double)worst_x, n);
    ck_assert_msg(worst < 1.1, "nn_expf error %.3f ulp at %a", worst, (double)worst_x);
    ck_assert(nn_expf(0.0f) == 1.0f);
    ck_assert(isinf(nn_expf(89.0f)) && nn_expf(-104.0f) == 0.0f);
    ck_assert(isnan(nn_expf(NAN)) && isinf(nn_expf(INFINITY)) && nn_expf(-INFINITY) == 0.0f);
}
END_TEST

START_TEST(roundf_halves_away_from_zero)
{
    static const float xs[] = {0.5f, -0.5f, 1.5f, -1.5f, 2.5f, -2.5f, 0.49999997f,
                               -0.49999997f, 8388607.5f, 16777216.0f, 1e30f, -3.7f, 0.0f};
    for (size_t k = 0; k < sizeof(xs) / sizeof(xs[0]); k++)
        ck_assert_msg(nn_roundf(xs[k]) == roundf(xs[k]), "nn_roundf(%a)", (double)xs[k]);
    ck_assert_int_eq(nn_round_sat(1e10f, -128, 127), 127);
    ck_assert_int_eq(nn_round_sat(-1e10f, -128, 127), -128);
    ck_assert_int_eq(nn_round_sat(NAN, -128, 127), -128);
    ck_assert_int_eq(nn_round_sat(-128.5f, -128, 127), -128);
    ck_assert_int_eq(nn_round_sat(126.5f, -128, 127), 127);
}
END_TEST

/* The Q-format functions against their real-valued definitions. */
START_TEST(fixed_point_functions)
{
    double e_max = 0, r_max = 0, l_max = 0;
    for (int k = 0; k <= 20000; k++) {
        double a = -32.0 * k / 20000;
        int32_t raw = (int32_t)lround(a * (1 << 26));
        double got = nn_fx_exp_neg(raw, 5) / 2147483648.0;
        e_max = fmax(e_max, fabs(got - exp(raw / 67108864.0)));
        double x = (double)k / 20000 * 0.999;
        int32_t xr = (int32_t)(x * 2147483648.0);
        double rec = nn_fx_one_over_one_plus(xr) / 2147483648.0;
        r_max = fmax(r_max, fabs(rec - 1.0 / (1.0 + xr / 2147483648.0)));
        double la = -15.0 + 30.0 * k / 20000;
        int32_t lr = (int32_t)lround(la * (1 << 27));
        double lg = nn_fx_logistic(lr, 4) / 2147483648.0;
        l_max = fmax(l_max, fabs(lg - 1.0 / (1.0 + exp(-lr / 134217728.0))));
    }
    ck_assert_msg(e_max < 1e-6 && r_max < 1e-6 && l_max < 1e-6,
                  "exp %g, reciprocal %g, logistic %g", e_max, r_max, l_max);
    ck_assert_int_eq(nn_fx_exp_neg(0, 5), INT32_MAX);
    ck_assert_int_eq(nn_fx_logistic(0, 4), 1 << 30);
    ck_assert_int_eq(nn_fx_rounding_shift_wide(3, 1), 2);
    ck_assert_int_eq(nn_fx_rounding_shift_wide(-3, 1), -2);
    ck_assert_int_eq(nn_fx_rounding_shift_wide(INT32_MAX, 40), 0);
}
END_TEST

/* ADD ------------------------------------------------------------------------ */

typedef struct {
    int ra;
    int32_t a[6];
    int rb;
    int32_t b[6];
    int ro;
    int32_t o[6];
} bcast_case;

static const bcast_case bcast_cases[] = {
    {3, {2, 3, 4}, 3, {2, 3, 4}, 3, {2, 3, 4}},                /* same shape */
    {4, {1, 4, 4, 8}, 1, {8}, 4, {1, 4, 4, 8}},                /* per channel */
    {1, {8}, 4, {1, 4, 4, 8}, 4, {1, 4, 4, 8}},                /* swapped */
    {0, {0}, 2, {3, 5}, 2, {3, 5}},                            /* scalar */
    {2, {3, 5}, 1, {1}, 2, {3, 5}},                            /* [1] */
    {3, {2, 1, 4}, 2, {3, 1}, 3, {2, 3, 4}},                   /* both repeat */
    {4, {2, 3, 1, 5}, 4, {1, 3, 4, 1}, 4, {2, 3, 4, 5}},
    {6, {2, 1, 3, 1, 2, 1}, 6, {1, 2, 1, 2, 1, 3}, 6, {2, 2, 3, 2, 2, 3}},
    {5, {1, 1, 1, 1, 7}, 2, {7, 1}, 5, {1, 1, 1, 7, 7}},
};

/* Flat index into an input of dims d (rank r) for output index idx (6-D). */
static size_t bcast_index(const int32_t *d, int r, const int32_t *idx6)
{
    size_t off = 0;
    for (int k = 0; k < r; k++) {
        int32_t i = idx6[6 - r + k];
        off = off * (size_t)d[k] + (size_t)(d[k] == 1 ? 0 : i);
    }
    return off;
}

static void out_index(const bcast_case *c, size_t flat, int32_t *idx6)
{
    for (int k = 0; k < 6; k++)
        idx6[k] = 0;
    for (int k = c->ro - 1; k >= 0; k--) {
        idx6[6 - c->ro + k] = (int32_t)(flat % (size_t)c->o[k]);
        flat /= (size_t)c->o[k];
    }
}

static const int activations[] = {NN_ACT_NONE, NN_ACT_RELU, NN_ACT_RELU6, NN_ACT_RELU_N1_TO_1};
static const float act_lo[] = {-FLT_MAX, 0.0f, 0.0f, -1.0f}, act_hi[] = {FLT_MAX, FLT_MAX, 6.0f, 1.0f};

/* The int8 activation range: the float range quantised, within int8. */
static void act_range_s8(int v, float scale, int32_t zp, int32_t *lo, int32_t *hi)
{
    double l = act_lo[v] == -FLT_MAX ? -1e9 : zp + round(act_lo[v] / scale);
    double h = act_hi[v] == FLT_MAX ? 1e9 : zp + round(act_hi[v] / scale);
    *lo = (int32_t)fmax(l, -128);
    *hi = (int32_t)fmin(h, 127);
}

START_TEST(add_f32_broadcast)
{
    const bcast_case *c = &bcast_cases[_i];
    for (int act = 0; act < 4; act++) {
        tspec in[2] = {{NN_DT_FLOAT32, c->ra, {0}, 0, 0}, {NN_DT_FLOAT32, c->rb, {0}, 0, 0}};
        tspec out = {NN_DT_FLOAT32, c->ro, {0}, 0, 0};
        memcpy(in[0].dims, c->a, sizeof(c->a));
        memcpy(in[1].dims, c->b, sizeof(c->b));
        memcpy(out.dims, c->o, sizeof(c->o));
        graph_options opt = {.activation = activations[act]};
        graph *g = one_op(NN_OP_ADD, 2, in, &out, &opt);
        size_t na = count_of(&in[0]), nb = count_of(&in[1]), no = count_of(&out);
        float *a = malloc(na * 4), *b = malloc(nb * 4), *y = malloc(no * 4);
        for (size_t k = 0; k < na; k++)
            a[k] = rnd_f(-8, 8);
        for (size_t k = 0; k < nb; k++)
            b[k] = rnd_f(-8, 8);
        const void *ins[2] = {a, b};
        run_graph(g, ins, y, no * 4);
        float lo = act_lo[act], hi = act_hi[act];
        for (size_t k = 0; k < no; k++) {
            int32_t idx[6];
            out_index(c, k, idx);
            float want = a[bcast_index(c->a, c->ra, idx)] + b[bcast_index(c->b, c->rb, idx)];
            want = fminf(fmaxf(want, lo), hi);
            ck_assert_msg(y[k] == want, "case %d act %d element %zu: %g, want %g", _i, act, k,
                          (double)y[k], (double)want);
        }
        free(a), free(b), free(y);
        graph_free(g);
    }
}
END_TEST

/* TFLite's x * M: Q31 multiplier from frexp, a doubling high multiply that
 * rounds halves up, then a right shift that rounds halves away from zero;
 * written out here with 64-bit integers. */
static int64_t floor_div(int64_t a, int64_t d)
{
    int64_t q = a / d;
    return a % d != 0 && a < 0 ? q - 1 : q;
}

static int64_t t_mul(int64_t x, double m)
{
    int e;
    double q = frexp(m, &e);
    int64_t qm = llround(q * 2147483648.0);
    if (qm == 2147483648ll)
        qm /= 2, e++;
    if (e > 0)
        x *= 1ll << e;
    int64_t h = floor_div(x * qm + (1ll << 30), 1ll << 31);
    if (e >= 0)
        return h;
    int64_t d = 1ll << -e, mag = llabs(h) / d;
    if (2 * (llabs(h) % d) >= d)
        mag++;
    return h < 0 ? -mag : mag;
}

static int t_add_s8(int x, int y, const tspec *a, const tspec *b, const tspec *o, int lo, int hi)
{
    double tm = 2 * (double)fmaxf(a->scale, b->scale);
    int64_t xs = t_mul((int64_t)(x - a->zp) * (1 << 20), (double)a->scale / tm);
    int64_t ys = t_mul((int64_t)(y - b->zp) * (1 << 20), (double)b->scale / tm);
    int64_t v = t_mul(xs + ys, tm / ((1 << 20) * (double)o->scale)) + o->zp;
    return (int)(v < lo ? lo : v > hi ? hi : v);
}

START_TEST(add_s8_broadcast)
{
    static const float scales[][3] = {{0.05f, 0.05f, 0.1f}, {0.02f, 0.11f, 0.09f},
                                      {0.3f, 0.0078125f, 0.25f}, {0.127069145f, 0.0671f, 0.2f}};
    static const int32_t zps[][3] = {{0, 0, 0}, {-128, 5, -3}, {17, -90, 127}, {-1, -128, -128}};
    const bcast_case *c = &bcast_cases[_i];
    for (int v = 0; v < 4; v++) {
        int act = activations[v];
        tspec in[2] = {{NN_DT_INT8, c->ra, {0}, scales[v][0], zps[v][0]},
                       {NN_DT_INT8, c->rb, {0}, scales[v][1], zps[v][1]}};
        tspec out = {NN_DT_INT8, c->ro, {0}, scales[v][2], zps[v][2]};
        memcpy(in[0].dims, c->a, sizeof(c->a));
        memcpy(in[1].dims, c->b, sizeof(c->b));
        memcpy(out.dims, c->o, sizeof(c->o));
        graph_options opt = {.activation = act};
        graph *g = one_op(NN_OP_ADD, 2, in, &out, &opt);
        size_t na = count_of(&in[0]), nb = count_of(&in[1]), no = count_of(&out);
        int8_t *a = malloc(na), *b = malloc(nb), *y = malloc(no);
        for (size_t k = 0; k < na; k++)
            a[k] = (int8_t)rnd();
        for (size_t k = 0; k < nb; k++)
            b[k] = (int8_t)rnd();
        const void *ins[2] = {a, b};
        run_graph(g, ins, y, no);
        int32_t lo, hi;
        act_range_s8(v, out.scale, out.zp, &lo, &hi);
        for (size_t k = 0; k < no; k++) {
            int32_t idx[6];
            out_index(c, k, idx);
            int x = a[bcast_index(c->a, c->ra, idx)], z = b[bcast_index(c->b, c->rb, idx)];
            int want = t_add_s8(x, z, &in[0], &in[1], &out, lo, hi);
            double real = in[0].scale * (x - in[0].zp) + (double)in[1].scale * (z - in[1].zp);
            long rq = lround(real / out.scale) + out.zp;
            rq = rq < lo ? lo : rq > hi ? hi : rq;
            ck_assert_msg(y[k] == want && labs(y[k] - rq) <= 1,
                          "case %d v %d: %d + %d -> %d, rule %d, real %ld", _i, v, x, z, y[k],
                          want, rq);
        }
        free(a), free(b), free(y);
        graph_free(g);
    }
}
END_TEST

START_TEST(add_refuses_bad_shapes_and_dtypes)
{
    tspec in[2] = {{NN_DT_FLOAT32, 2, {2, 3}, 0, 0}, {NN_DT_FLOAT32, 1, {4}, 0, 0}};
    tspec out = {NN_DT_FLOAT32, 2, {2, 3}, 0, 0};
    uint8_t *blob = NULL;
    size_t len;
    graph *g = one_op(NN_OP_ADD, 2, in, &out, NULL);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "shapes"));
    graph_free(g);
    in[1].dims[0] = 3; /* broadcasts, but to [2,3], not the output's [2,1,3] */
    tspec out3 = {NN_DT_FLOAT32, 3, {2, 1, 3}, 0, 0};
    g = one_op(NN_OP_ADD, 2, in, &out3, NULL);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_FORMAT);
    graph_free(g);
    tspec one = {NN_DT_FLOAT32, 2, {1, 3}, 0, 0}, both_one[2] = {one, one};
    g = one_op(NN_OP_ADD, 2, both_one, &out, NULL); /* 1 and 1 cannot make 2 */
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_FORMAT);
    graph_free(g);
    tspec mixed[2] = {{NN_DT_INT8, 1, {3}, 0.1f, 0}, {NN_DT_FLOAT32, 1, {3}, 0, 0}};
    tspec out1 = {NN_DT_FLOAT32, 1, {3}, 0, 0};
    g = one_op(NN_OP_ADD, 2, mixed, &out1, NULL);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_UNSUPPORTED);
    graph_free(g);
    ck_assert_ptr_null(blob);
}
END_TEST

/* RESHAPE ------------------------------------------------------------------ */

START_TEST(reshape_aliases_its_input)
{
    static const int dtypes[] = {NN_DT_FLOAT32, NN_DT_INT8};
    for (int v = 0; v < 2; v++) {
        tspec in = {dtypes[v], 2, {2, 6}, v ? 0.5f : 0, v ? -3 : 0};
        tspec out = {dtypes[v], 3, {3, 2, 2}, v ? 0.5f : 0, v ? -3 : 0};
        int32_t shape_dims[1] = {3}, shape[3] = {3, 2, 2};
        graph *g = one_op(NN_OP_RESHAPE, 1, &in, &out, NULL);
        /* Add TFLite's optional shape input: a constant the lowering drops. */
        int t_shape;
        ck_assert_int_eq(graph_add_tensor(g, NULL, NN_DT_INT32, 1, shape_dims, shape,
                                          sizeof(shape), &t_shape), HB_OK);
        int *ins = realloc(g->ops[0].inputs, 2 * sizeof(int));
        ins[1] = t_shape;
        g->ops[0].inputs = ins;
        g->ops[0].n_inputs = 2;
        ck_assert_int_eq(graph_validate(g), HB_OK);

        uint8_t data[48];
        for (int k = 0; k < 48; k++)
            data[k] = (uint8_t)rnd();
        hostrun *r = NULL;
        ck_assert_int_eq(hostrun_new(g, &r), HB_OK);
        size_t n = graph_tensor_bytes(&g->tensors[0]);
        ck_assert_int_eq(hostrun_set_input(r, 0, data, n), HB_OK);
        ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
        nn_tensor ti, to;
        hostrun_input(r, 0, &ti);
        hostrun_output(r, 0, &to);
        ck_assert_ptr_eq(ti.data, to.data); /* planned into the same bytes */
        ck_assert_int_eq(memcmp(to.data, data, n), 0);
        ck_assert_int_eq(to.rank, 3);
        const uint8_t *b = hostrun_blob(r, NULL);
        const uint8_t *rec = b + nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF));
        ck_assert_int_eq(rec[1], 1); /* the shape input is gone */
        hostrun_free(r);
        graph_free(g);
    }
}
END_TEST

START_TEST(reshape_copies_a_constant)
{
    graph *g = NULL;
    int32_t d1[1] = {1}, d6[1] = {6}, d23[2] = {2, 3};
    int8_t c[6] = {1, -2, 3, -4, 5, -6};
    int x, tc, y;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "x", NN_DT_INT8, 1, d1, NULL, 0, &x);
    graph_add_tensor(g, "c", NN_DT_INT8, 1, d6, c, sizeof(c), &tc);
    graph_add_tensor(g, "y", NN_DT_INT8, 2, d23, NULL, 0, &y);
    graph_options none = {0};
    graph_add_op(g, NN_OP_RESHAPE, 1, &tc, 1, &y, &none, NULL);
    graph_set_io(g, 1, &x, 1, &y);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    int8_t in = 0, out[6];
    const void *ins[1] = {&in};
    run_graph(g, ins, out, 6);
    ck_assert_int_eq(memcmp(out, c, 6), 0);
    graph_free(g);
}
END_TEST

/* SOFTMAX ------------------------------------------------------------------ */

static void softmax_ref(const double *x, int n, double *p)
{
    double m = x[0], s = 0;
    for (int k = 1; k < n; k++)
        m = fmax(m, x[k]);
    for (int k = 0; k < n; k++)
        s += p[k] = exp(x[k] - m);
    for (int k = 0; k < n; k++)
        p[k] /= s;
}

START_TEST(softmax_f32_matches_real)
{
    static const struct { int rows, depth; float beta; } cases[] = {
        {1, 10, 1.0f}, {3, 7, 0.5f}, {2, 1000, 2.5f}, {4, 1, 1.0f}, {2, 3, 0.0f}};
    for (size_t v = 0; v < sizeof(cases) / sizeof(cases[0]); v++) {
        int rows = cases[v].rows, depth = cases[v].depth;
        tspec s = {NN_DT_FLOAT32, 2, {rows, depth}, 0, 0};
        graph_options opt = {.beta = cases[v].beta};
        graph *g = one_op(NN_OP_SOFTMAX, 1, &s, &s, &opt);
        float *x = malloc((size_t)rows * depth * 4), *y = malloc((size_t)rows * depth * 4);
        double *xd = calloc((size_t)depth, 8), *p = calloc((size_t)depth, 8);
        for (int k = 0; k < rows * depth; k++)
            x[k] = rnd_f(-10, 10);
        const void *ins[1] = {x};
        run_graph(g, ins, y, (size_t)rows * depth * 4);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < depth; c++)
                xd[c] = (double)cases[v].beta * x[r * depth + c];
            softmax_ref(xd, depth, p);
            for (int c = 0; c < depth; c++)
                ck_assert_msg(fabs(y[r * depth + c] - p[c]) <= 1e-6 * fmax(p[c], 1e-2),
                              "case %zu [%d,%d]: %.9g, want %.9g", v, r, c,
                              (double)y[r * depth + c], p[c]);
        }
        free(x), free(y), free(xd), free(p);
        graph_free(g);
    }
}
END_TEST

/* Logits and softmax outputs of TensorFlow Lite Micro's reference kernels
 * (per-layer dumps of input 0 of three MLPerf Tiny models; beta 1). */
static const struct {
    const char *model;
    float scale;
    int32_t zp;
    int n;
    int8_t in[12], out[12];
} tflm_softmax[] = {
    {"pretrainedResnet_quant", 0.171853513f, 24, 10,
     {-87, -43, -18, 13, -128, -116, 13, -111, -17, -109},
     {-128, -128, -127, -1, -128, -128, -1, -128, -127, -128}},
    {"kws_ref_model", 0.14469251f, 14, 12,
     {-62, -25, -55, 18, -48, -44, -64, -85, -85, 63, -128, 61},
     {-128, -128, -128, -128, -128, -128, -128, -128, -128, 18, -128, -18}},
    {"vww_96_int8", 0.0146362185f, -5, 2, {120, -128}, {121, -121}},
};

START_TEST(softmax_s8_matches_tflm)
{
    for (size_t v = 0; v < sizeof(tflm_softmax) / sizeof(tflm_softmax[0]); v++) {
        int n = tflm_softmax[v].n;
        tspec in = {NN_DT_INT8, 2, {1, n}, tflm_softmax[v].scale, tflm_softmax[v].zp};
        tspec out = {NN_DT_INT8, 2, {1, n}, 1.0f / 256, -128};
        graph_options opt = {.beta = 1.0f};
        graph *g = one_op(NN_OP_SOFTMAX, 1, &in, &out, &opt);
        int8_t y[12];
        const void *ins[1] = {tflm_softmax[v].in};
        run_graph(g, ins, y, (size_t)n);
        for (int k = 0; k < n; k++)
            ck_assert_msg(y[k] == tflm_softmax[v].out[k], "%s [%d]: %d, TFLM %d",
                          tflm_softmax[v].model, k, y[k], tflm_softmax[v].out[k]);
        graph_free(g);
    }
}
END_TEST

START_TEST(softmax_s8_within_one_step)
{
    static const struct { float scale; int32_t zp; float beta; int rows, depth; } cases[] = {
        {0.1f, 0, 1.0f, 2, 10},     {0.171853513f, 24, 1.0f, 3, 10}, {0.05f, -128, 1.0f, 3, 100},
        {1.0f, 5, 1.0f, 2, 16},     {0.0039f, -128, 1.0f, 1, 1000},  {0.1f, 0, 0.5f, 4, 5},
        {16.0f, 0, 4.0f, 2, 8},     {0.02f, 100, 2.0f, 2, 1},        {0.3f, -7, 1.0f, 1, 300},
    };
    const int c = _i;
    int rows = cases[c].rows, depth = cases[c].depth;
    tspec in = {NN_DT_INT8, 2, {rows, depth}, cases[c].scale, cases[c].zp};
    tspec out = {NN_DT_INT8, 2, {rows, depth}, 1.0f / 256, -128};
    graph_options opt = {.beta = cases[c].beta};
    graph *g = one_op(NN_OP_SOFTMAX, 1, &in, &out, &opt);
    int8_t *x = malloc((size_t)rows * depth), *y = malloc((size_t)rows * depth);
    double *xd = calloc((size_t)depth, 8), *p = calloc((size_t)depth, 8);
    for (int k = 0; k < rows * depth; k++)
        x[k] = (int8_t)(k % 7 == 3 ? 127 : rnd()); /* some rows with ties at the top */
    const void *ins[1] = {x};
    run_graph(g, ins, y, (size_t)rows * depth);
    for (int r = 0; r < rows; r++) {
        for (int k = 0; k < depth; k++)
            xd[k] = (double)cases[c].beta * cases[c].scale * (x[r * depth + k] - cases[c].zp);
        softmax_ref(xd, depth, p);
        for (int k = 0; k < depth; k++) {
            long want = lround(p[k] * 256) - 128;
            want = want > 127 ? 127 : want;
            ck_assert_msg(labs(y[r * depth + k] - want) <= 1, "case %d [%d,%d]: %d, real %ld", c,
                          r, k, y[r * depth + k], want);
        }
    }
    free(x), free(y), free(xd), free(p);
    graph_free(g);
}
END_TEST

/* LOGISTIC ----------------------------------------------------------------- */

START_TEST(logistic_f32_matches_real)
{
    const int n = 4001;
    tspec s = {NN_DT_FLOAT32, 1, {n}, 0, 0};
    graph *g = one_op(NN_OP_LOGISTIC, 1, &s, &s, NULL);
    float *x = malloc((size_t)n * 4), *y = malloc((size_t)n * 4);
    for (int k = 0; k < n; k++)
        x[k] = -20.0f + 40.0f * (float)k / (float)(n - 1);
    x[0] = 16.62f, x[1] = 16.619047f, x[2] = -9.0f, x[3] = -9.0000010f, x[4] = 0.0f;
    const void *ins[1] = {x};
    run_graph(g, ins, y, (size_t)n * 4);
    for (int k = 0; k < n; k++) {
        double xv = x[k];
        double want = xv > 16.619047164916992188 ? 1.0 : xv < -9.0 ? exp(xv) : 1 / (1 + exp(-xv));
        ck_assert_msg(fabs(y[k] - want) <= 3 * ldexp(want, -24), "logistic(%.9g) = %.9g, want %.9g",
                      xv, (double)y[k], want);
    }
    ck_assert(y[0] == 1.0f);
    free(x), free(y);
    graph_free(g);
}
END_TEST

START_TEST(logistic_s8_within_one_step)
{
    static const struct { float scale; int32_t zp; } cases[] = {
        {0.1f, 0}, {0.0625f, -128}, {0.02f, 10}, {0.5f, 3}, {1.0f, 0}, {0.003f, -5}, {0.0784f, 127}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        tspec in = {NN_DT_INT8, 2, {2, 128}, cases[c].scale, cases[c].zp};
        tspec out = {NN_DT_INT8, 2, {2, 128}, 1.0f / 256, -128};
        graph *g = one_op(NN_OP_LOGISTIC, 1, &in, &out, NULL);
        int8_t x[256], y[256];
        for (int k = 0; k < 256; k++)
            x[k] = (int8_t)(k - 128);
        const void *ins[1] = {x};
        run_graph(g, ins, y, 256);
        for (int k = 0; k < 256; k++) {
            double real = 1 / (1 + exp(-(double)cases[c].scale * (x[k] - cases[c].zp)));
            long want = lround(real * 256) - 128;
            want = want > 127 ? 127 : want;
            ck_assert_msg(labs(y[k] - want) <= 1, "case %zu: logistic(%d) = %d, real %ld", c, x[k],
                          y[k], want);
        }
        graph_free(g);
    }
}
END_TEST

/* QUANTIZE / DEQUANTIZE ---------------------------------------------------- */

START_TEST(quantize_from_float)
{
    static const struct { int dtype; float scale; int32_t zp; } cases[] = {
        {NN_DT_INT8, 0.5f, 3}, {NN_DT_INT8, 0.0235f, -128}, {NN_DT_INT16, 1.0f / 4096, 0},
        {NN_DT_INT16, 0.37f, -1000}};
    float x[64] = {1.25f, -1.25f, 0.25f, -0.25f, 0.75f, -0.75f, 1e30f, -1e30f, INFINITY,
                   -INFINITY, NAN, 0.0f, -0.0f, 63.5f, -64.5f};
    for (int k = 15; k < 64; k++)
        x[k] = rnd_f(-300, 300) * (k % 2 ? 1.0f : 0.01f);
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int s16 = cases[c].dtype == NN_DT_INT16;
        long lo = s16 ? -32768 : -128, hi = s16 ? 32767 : 127;
        tspec in = {NN_DT_FLOAT32, 1, {64}, 0, 0};
        tspec out = {cases[c].dtype, 1, {64}, cases[c].scale, cases[c].zp};
        graph *g = one_op(NN_OP_QUANTIZE, 1, &in, &out, NULL);
        int16_t y[64];
        const void *ins[1] = {x};
        run_graph(g, ins, y, 64 * (s16 ? 2u : 1u));
        for (int k = 0; k < 64; k++) {
            int got = s16 ? y[k] : ((const int8_t *)y)[k];
            float v = roundf(x[k] / cases[c].scale);
            long want = isnan(v) ? lo : v > 1e9f ? hi : v < -1e9f ? lo : (long)v + cases[c].zp;
            want = want < lo ? lo : want > hi ? hi : want;
            ck_assert_msg(got == want, "case %zu: quantize(%.9g) = %d, want %ld", c,
                          (double)x[k], got, want);
        }
        graph_free(g);
    }
}
END_TEST

START_TEST(requantize_s8)
{
    static const float s[][2] = {{0.1f, 0.1f}, {0.1f, 0.05f}, {0.0235f, 0.17f}, {1.5f, 0.01f}};
    static const int32_t z[][2] = {{-5, -5}, {0, 0}, {-128, 17}, {3, -60}};
    for (int c = 0; c < 4; c++) {
        tspec in = {NN_DT_INT8, 2, {16, 16}, s[c][0], z[c][0]};
        tspec out = {NN_DT_INT8, 2, {16, 16}, s[c][1], z[c][1]};
        graph *g = one_op(NN_OP_QUANTIZE, 1, &in, &out, NULL);
        int8_t x[256], y[256];
        for (int k = 0; k < 256; k++)
            x[k] = (int8_t)(k - 128);
        const void *ins[1] = {x};
        run_graph(g, ins, y, 256);
        for (int k = 0; k < 256; k++) {
            int64_t rule = t_mul(x[k] - z[c][0], (double)s[c][0] / s[c][1]) + z[c][1];
            rule = rule < -128 ? -128 : rule > 127 ? 127 : rule;
            long real = lround((double)s[c][0] * (x[k] - z[c][0]) / s[c][1]) + z[c][1];
            real = real < -128 ? -128 : real > 127 ? 127 : real;
            ck_assert_msg(y[k] == rule && labs(y[k] - real) <= 1, "case %d: %d -> %d, rule %ld",
                          c, x[k], y[k], (long)rule);
            if (c == 0)
                ck_assert_int_eq(y[k], x[k]); /* same quantisation: identity */
        }
        graph_free(g);
    }
}
END_TEST

START_TEST(dequantize_exact)
{
    static const struct { int dtype; float scale; int32_t zp; } cases[] = {
        {NN_DT_INT8, 0.1f, -128}, {NN_DT_INT8, 0.00390625f, 7}, {NN_DT_INT16, 3.0517578e-5f, 0},
        {NN_DT_INT16, 0.1234567f, -77}};
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        int s16 = cases[c].dtype == NN_DT_INT16, n = 256;
        tspec in = {cases[c].dtype, 1, {n}, cases[c].scale, cases[c].zp};
        tspec out = {NN_DT_FLOAT32, 1, {n}, 0, 0};
        graph *g = one_op(NN_OP_DEQUANTIZE, 1, &in, &out, NULL);
        int16_t x[256];
        float y[256];
        for (int k = 0; k < n; k++) {
            if (s16)
                x[k] = (int16_t)(k == 0 ? -32768 : k == 1 ? 32767 : (int)(rnd() & 0xffff) - 32768);
            else
                ((int8_t *)x)[k] = (int8_t)(k - 128);
        }
        const void *ins[1] = {x};
        run_graph(g, ins, y, (size_t)n * 4);
        for (int k = 0; k < n; k++) {
            int q = s16 ? x[k] : ((const int8_t *)x)[k];
            float want = (float)((double)cases[c].scale * (q - cases[c].zp)); /* TFLite's */
            ck_assert_msg(y[k] == want, "case %zu: %d -> %.9g, want %.9g", c, q, (double)y[k],
                          (double)want);
        }
        graph_free(g);
    }
}
END_TEST

/* check() refusals --------------------------------------------------------- */

enum { G_ADD_S8, G_ADD_F32, G_SOFTMAX_S8, G_LOGISTIC_S8, G_REQUANT, G_QUANT_F32, G_DEQUANT };

static graph *refusal_graph(int kind)
{
    tspec s8 = {NN_DT_INT8, 2, {2, 4}, 0.1f, -3}, f32 = {NN_DT_FLOAT32, 2, {2, 4}, 0, 0};
    tspec unit = {NN_DT_INT8, 2, {2, 4}, 1.0f / 256, -128}, pair8[2] = {s8, s8};
    tspec pairf[2] = {f32, f32};
    graph_options beta = {.beta = 1.0f}, relu1 = {.activation = NN_ACT_RELU_N1_TO_1};
    switch (kind) {
    case G_ADD_S8: return one_op(NN_OP_ADD, 2, pair8, &s8, &relu1); /* act max 7 */
    case G_ADD_F32: return one_op(NN_OP_ADD, 2, pairf, &f32, NULL);
    case G_SOFTMAX_S8: return one_op(NN_OP_SOFTMAX, 1, &s8, &unit, &beta);
    case G_LOGISTIC_S8: return one_op(NN_OP_LOGISTIC, 1, &s8, &unit, NULL);
    case G_REQUANT: return one_op(NN_OP_QUANTIZE, 1, &s8, &unit, NULL);
    case G_QUANT_F32: return one_op(NN_OP_QUANTIZE, 1, &f32, &s8, NULL);
    default: return one_op(NN_OP_DEQUANTIZE, 1, &s8, &f32, NULL);
    }
}

typedef struct {
    const char *what;
    int graph;
    int field; /* >= 0: parameter word; -1: n_words byte; -2: output dtype */
    uint32_t value;
    int why;
} refusal;

static const refusal refusals[] = {
    {"add: a shift > 0", G_ADD_S8, NN_ADD_A_SHIFT, 1, NN_WHY_OP_PARAMS},
    {"add: out shift -32", G_ADD_S8, NN_ADD_OUT_SHIFT, (uint32_t)-32, NN_WHY_OP_PARAMS},
    {"add: left shift 21", G_ADD_S8, NN_ADD_LEFT_SHIFT, 21, NN_WHY_OP_PARAMS},
    {"add: input offset -128", G_ADD_S8, NN_ADD_B_OFFSET, (uint32_t)-128, NN_WHY_OP_PARAMS},
    {"add: output offset 128", G_ADD_S8, NN_ADD_OUT_OFFSET, 128, NN_WHY_OP_PARAMS},
    {"add: act min > max", G_ADD_S8, NN_ADD_ACT_MIN, 127, NN_WHY_OP_PARAMS},
    {"add: act max 128", G_ADD_S8, NN_ADD_ACT_MAX, 128, NN_WHY_OP_PARAMS},
    {"add: float act NaN", G_ADD_F32, NN_ADD_ACT_MAX, 0x7fc00000u, NN_WHY_OP_PARAMS},
    {"add: too few words", G_ADD_S8, -1, NN_ADD_WORDS - 1, NN_WHY_OP_PARAMS},
    {"add: uint8 output", G_ADD_S8, -2, NN_DT_UINT8, NN_WHY_OP_DTYPE},
    {"softmax: shift 32", G_SOFTMAX_S8, NN_SOFTMAX_SHIFT, 32, NN_WHY_OP_PARAMS},
    {"softmax: shift -1", G_SOFTMAX_S8, NN_SOFTMAX_SHIFT, (uint32_t)-1, NN_WHY_OP_PARAMS},
    {"softmax: multiplier 0", G_SOFTMAX_S8, NN_SOFTMAX_MULT, 0, NN_WHY_OP_PARAMS},
    {"softmax: diff_min > 0", G_SOFTMAX_S8, NN_SOFTMAX_DIFF_MIN, 1, NN_WHY_OP_PARAMS},
    {"softmax: diff_min past radius", G_SOFTMAX_S8, NN_SOFTMAX_DIFF_MIN, 0x80000000u,
     NN_WHY_OP_PARAMS},
    /* int8 records may end before the int16 table word. */
    {"softmax: too few words", G_SOFTMAX_S8, -1, NN_SOFTMAX_LUT - 1, NN_WHY_OP_PARAMS},
    {"softmax: uint8 output", G_SOFTMAX_S8, -2, NN_DT_UINT8, NN_WHY_OP_DTYPE},
    {"logistic: radius past Q4", G_LOGISTIC_S8, NN_LOGISTIC_RADIUS, 0x7fffffffu, NN_WHY_OP_PARAMS},
    {"logistic: radius < 0", G_LOGISTIC_S8, NN_LOGISTIC_RADIUS, (uint32_t)-1, NN_WHY_OP_PARAMS},
    {"logistic: shift 32", G_LOGISTIC_S8, NN_LOGISTIC_SHIFT, 32, NN_WHY_OP_PARAMS},
    {"logistic: zero point 128", G_LOGISTIC_S8, NN_LOGISTIC_IN_ZP, 128, NN_WHY_OP_PARAMS},
    {"requantize: shift 24", G_REQUANT, NN_QUANTIZE_SHIFT, 24, NN_WHY_OP_PARAMS},
    {"requantize: zero point -129", G_REQUANT, NN_QUANTIZE_IN_ZP, (uint32_t)-129,
     NN_WHY_OP_PARAMS},
    {"quantize: scale 0", G_QUANT_F32, NN_QUANTIZE_SCALE, 0, NN_WHY_OP_PARAMS},
    {"quantize: scale inf", G_QUANT_F32, NN_QUANTIZE_SCALE, 0x7f800000u, NN_WHY_OP_PARAMS},
    {"quantize: zero point 128", G_QUANT_F32, NN_QUANTIZE_OUT_ZP, 128, NN_WHY_OP_PARAMS},
    {"quantize: uint8 output", G_QUANT_F32, -2, NN_DT_UINT8, NN_WHY_OP_DTYPE},
    {"dequantize: zero point 128", G_DEQUANT, NN_DEQUANTIZE_ZP, 128, NN_WHY_OP_PARAMS},
    {"dequantize: scale NaN", G_DEQUANT, NN_DEQUANTIZE_SCALE, 0x7fc00000u, NN_WHY_OP_PARAMS},
    {"dequantize: too few words", G_DEQUANT, -1, 1, NN_WHY_OP_PARAMS},
};

START_TEST(check_refuses_bad_words)
{
    const refusal *c = &refusals[_i];
    graph *g = refusal_graph(c->graph);
    uint8_t *b = NULL;
    size_t len;
    ck_assert_msg(blob_build(g, &b, &len, NULL) == HB_OK, "%s", hb_last_error());
    uint8_t *rec = b + nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF));
    uint8_t *words = rec + NN_BLOB_OP_HEAD_BYTES + ((2u * (rec[1] + rec[2]) + 3u) & ~3u);
    if (c->field >= 0) {
        nn_wr_u32(words + 4 * c->field, c->value);
    } else if (c->field == -1) {
        rec[3] = (uint8_t)c->value;
    } else {
        uint16_t t = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES + 2 * rec[1]);
        uint8_t *tr = b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + t * NN_BLOB_TENSOR_BYTES;
        tr[NN_BT_DTYPE] = (uint8_t)c->value;
    }
    nn_model m;
    nn_error e;
    ck_assert_msg(nn_model_open(&m, b, (uint32_t)len, &e) != NN_OK, "%s: accepted", c->what);
    ck_assert_msg(e.why == c->why && e.op == 0, "%s: '%s' at op %d", c->what,
                  nn_why_text(e.why), (int)e.op);
    free(b);
    graph_free(g);
}
END_TEST

START_TEST(shape_and_dtype_mismatches_refused)
{
    tspec a = {NN_DT_FLOAT32, 2, {2, 3}, 0, 0}, b = {NN_DT_FLOAT32, 2, {3, 2}, 0, 0};
    tspec q = {NN_DT_INT8, 2, {3, 2}, 0.1f, 0}, q6 = {NN_DT_INT8, 1, {5}, 0.1f, 0};
    static const int ops[] = {NN_OP_SOFTMAX, NN_OP_LOGISTIC};
    uint8_t *blob = NULL;
    size_t len;
    for (int k = 0; k < 2; k++) {
        graph *g = one_op(ops[k], 1, &a, &b, NULL); /* same size, other shape */
        ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_FORMAT);
        graph_free(g);
    }
    graph *g = one_op(NN_OP_QUANTIZE, 1, &a, &q, NULL);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_FORMAT);
    graph_free(g);
    g = one_op(NN_OP_RESHAPE, 1, &a, &q6, NULL); /* other dtype and size */
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_UNSUPPORTED);
    graph_free(g);
    tspec s8 = {NN_DT_INT8, 2, {2, 3}, 0.1f, 0}, bad_out = {NN_DT_INT8, 2, {2, 3}, 0.1f, -128};
    graph_options beta = {.beta = 1.0f};
    g = one_op(NN_OP_SOFTMAX, 1, &s8, &bad_out, &beta); /* int8 output must be 1/256 */
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_UNSUPPORTED);
    graph_free(g);
    g = one_op(NN_OP_DEQUANTIZE, 1, &a, &b, NULL);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_ERR_UNSUPPORTED);
    graph_free(g);
    ck_assert_ptr_null(blob);
}
END_TEST

/* Every op in one chain, with random bit flips: whatever open accepts must
 * run without a sanitizer report. */
static graph *chain(void)
{
    graph *g = NULL;
    int32_t d[2] = {2, 8}, d8[1] = {8}, d16[1] = {16};
    float sq = 0.05f, su = 1.0f / 256, sc = 0.02f;
    int32_t zq = 3, zu = -128, zc = 0;
    int8_t cdata[8] = {1, -2, 3, -4, 50, -60, 70, -80};
    int x, q, c, a, s, l, r, y;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "x", NN_DT_FLOAT32, 2, d, NULL, 0, &x);
    graph_add_tensor(g, "q", NN_DT_INT8, 2, d, NULL, 0, &q);
    graph_add_tensor(g, "c", NN_DT_INT8, 1, d8, cdata, 8, &c);
    graph_add_tensor(g, "a", NN_DT_INT8, 2, d, NULL, 0, &a);
    graph_add_tensor(g, "s", NN_DT_INT8, 2, d, NULL, 0, &s);
    graph_add_tensor(g, "l", NN_DT_INT8, 2, d, NULL, 0, &l);
    graph_add_tensor(g, "r", NN_DT_INT8, 1, d16, NULL, 0, &r);
    graph_add_tensor(g, "y", NN_DT_FLOAT32, 1, d16, NULL, 0, &y);
    graph_set_quant(g, q, 1, &sq, &zq, 0);
    graph_set_quant(g, c, 1, &sc, &zc, 0);
    graph_set_quant(g, a, 1, &sq, &zq, 0);
    graph_set_quant(g, s, 1, &su, &zu, 0);
    graph_set_quant(g, l, 1, &su, &zu, 0);
    graph_set_quant(g, r, 1, &su, &zu, 0);
    graph_options none = {0}, beta = {.beta = 1.0f};
    int ac[2] = {q, c};
    graph_add_op(g, NN_OP_QUANTIZE, 1, &x, 1, &q, &none, NULL);
    graph_add_op(g, NN_OP_ADD, 2, ac, 1, &a, &none, NULL);
    graph_add_op(g, NN_OP_SOFTMAX, 1, &a, 1, &s, &beta, NULL);
    graph_add_op(g, NN_OP_LOGISTIC, 1, &s, 1, &l, &none, NULL);
    graph_add_op(g, NN_OP_RESHAPE, 1, &l, 1, &r, &none, NULL);
    graph_add_op(g, NN_OP_DEQUANTIZE, 1, &r, 1, &y, &none, NULL);
    graph_set_io(g, 1, &x, 1, &y);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    return g;
}

START_TEST(bit_flips_never_crash)
{
    graph *g = chain();
    uint8_t *b = NULL;
    size_t len;
    ck_assert_msg(blob_build(g, &b, &len, NULL) == HB_OK, "%s", hb_last_error());
    ck_assert_int_gt(hbt_flip_and_run(b, len, 4242, 20000), 100);
    free(b);
    graph_free(g);
}
END_TEST

static Suite *ops_misc_suite(void)
{
    Suite *s = suite_create("ops_misc");
    TCase *tm = tcase_create("math");
    tcase_add_test(tm, expf_accuracy);
    tcase_add_test(tm, roundf_halves_away_from_zero);
    tcase_add_test(tm, fixed_point_functions);
    tcase_set_timeout(tm, 300);
    suite_add_tcase(s, tm);
    TCase *to = tcase_create("ops");
    int nb = (int)(sizeof(bcast_cases) / sizeof(bcast_cases[0]));
    tcase_add_loop_test(to, add_f32_broadcast, 0, nb);
    tcase_add_loop_test(to, add_s8_broadcast, 0, nb);
    tcase_add_test(to, add_refuses_bad_shapes_and_dtypes);
    tcase_add_test(to, reshape_aliases_its_input);
    tcase_add_test(to, reshape_copies_a_constant);
    tcase_add_test(to, softmax_f32_matches_real);
    tcase_add_test(to, softmax_s8_matches_tflm);
    tcase_add_loop_test(to, softmax_s8_within_one_step, 0, 9);
    tcase_add_test(to, logistic_f32_matches_real);
    tcase_add_test(to, logistic_s8_within_one_step);
    tcase_add_test(to, quantize_from_float);
    tcase_add_test(to, requantize_s8);
    tcase_add_test(to, dequantize_exact);
    tcase_set_timeout(to, 120);
    suite_add_tcase(s, to);
    TCase *tc = tcase_create("check");
    tcase_add_loop_test(tc, check_refuses_bad_words, 0,
                        (int)(sizeof(refusals) / sizeof(refusals[0])));
    tcase_add_test(tc, shape_and_dtype_mismatches_refused);
    tcase_add_test(tc, bit_flips_never_crash);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(ops_misc_suite)
