/*
 * check_onnx.c: the ONNX importer, op by op, on models the test builds
 * (onnx_build.h), each run on the host engine against a plain NCHW
 * reference computed here: convolutions (1-D, 2-D, strides, dilations,
 * groups, depthwise, every kind of padding), pools (padding, dilation,
 * ceil mode, count_include_pad, global), BatchNormalization (folded and
 * not), Gemm and MatMul, elementwise arithmetic with broadcasting,
 * activations, softmaxes, and the layout: NCHW in and out, NHWC inside,
 * with as few transposes as the model allows.
 *
 * check_onnx_graph.c has the shape ops, folding and bad models;
 * check_onnx_qdq.c quantised models and compression.
 */
#include <float.h>
#include <stdio.h>

#include "onnx_test_util.h"

/* References ---------------------------------------------------------------- */

typedef struct {
    int n, c, h, w;         /* input */
    int m, group, kh, kw;   /* filters [m, c / group, kh, kw] */
    int sh, sw, dh, dw;
    int pt, pl, pb, pr;     /* pads: top, left, bottom, right */
} conv_case;

static int out_size(int in, int k, int s, int d, int p0, int p1)
{
    return (in + p0 + p1 - ((k - 1) * d + 1)) / s + 1;
}

static void conv_ref(const conv_case *k, const float *x, const float *w, const float *b,
                     float *y)
{
    int oh = out_size(k->h, k->kh, k->sh, k->dh, k->pt, k->pb);
    int ow = out_size(k->w, k->kw, k->sw, k->dw, k->pl, k->pr);
    int cg = k->c / k->group, mg = k->m / k->group;
    for (int n = 0; n < k->n; n++)
        for (int m = 0; m < k->m; m++)
            for (int oy = 0; oy < oh; oy++)
                for (int ox = 0; ox < ow; ox++) {
                    double acc = b ? b[m] : 0.0;
                    int g = m / mg;
                    for (int ci = 0; ci < cg; ci++)
                        for (int ky = 0; ky < k->kh; ky++)
                            for (int kx = 0; kx < k->kw; kx++) {
                                int iy = oy * k->sh - k->pt + ky * k->dh;
                                int ix = ox * k->sw - k->pl + kx * k->dw;
                                if (iy < 0 || iy >= k->h || ix < 0 || ix >= k->w)
                                    continue;
                                acc += (double)x[((n * k->c + g * cg + ci) * k->h + iy) * k->w +
                                                 ix] *
                                       w[((m * cg + ci) * k->kh + ky) * k->kw + kx];
                            }
                    y[((n * k->m + m) * oh + oy) * ow + ox] = (float)acc;
                }
}

static const conv_case convs[] = {
    {1, 3, 7, 6, 4, 1, 3, 3, 1, 1, 1, 1, 0, 0, 0, 0},  /* VALID */
    {2, 3, 8, 8, 5, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},  /* SAME */
    {1, 3, 9, 9, 4, 1, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1},  /* stride 2, pad 1: a PAD */
    {1, 2, 8, 7, 3, 1, 3, 2, 1, 1, 1, 1, 2, 0, 1, 1},  /* asymmetric */
    {1, 3, 10, 10, 2, 1, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1},/* dilated */
    {1, 4, 6, 5, 6, 2, 3, 2, 1, 1, 1, 1, 0, 0, 0, 0},  /* groups */
    {2, 4, 6, 6, 4, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1},  /* depthwise */
    {1, 4, 6, 6, 8, 4, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0},  /* depthwise x2 */
    {1, 3, 1, 12, 5, 1, 1, 3, 1, 2, 1, 2, 0, 1, 0, 1}, /* 1-D (H = 1) */
    {1, 2, 1, 9, 4, 2, 1, 3, 1, 1, 1, 1, 0, 2, 0, 2}, /* 1-D groups, pads 2 */
};

START_TEST(conv_matches_reference)
{
    const conv_case *k = &convs[_i];
    int one_d = k->h == 1 && k->kh == 1;
    int cg = k->c / k->group;
    int oh = out_size(k->h, k->kh, k->sh, k->dh, k->pt, k->pb);
    int ow = out_size(k->w, k->kw, k->sw, k->dw, k->pl, k->pr);
    size_t nx = (size_t)k->n * k->c * k->h * k->w, ny = (size_t)k->n * k->m * oh * ow;
    float *x = ot_random(nx), *w = ot_random((size_t)k->m * cg * k->kh * k->kw);
    float *b = ot_random((size_t)k->m), *want = malloc(ny * sizeof(float));
    conv_ref(k, x, w, b, want);

    onnx_build *m = ot_new(13);
    int64_t xd4[4] = {k->n, k->c, k->h, k->w}, yd4[4] = {k->n, k->m, oh, ow};
    int64_t xd3[3] = {k->n, k->c, k->w}, yd3[3] = {k->n, k->m, ow};
    int64_t wd4[4] = {k->m, cg, k->kh, k->kw}, wd3[3] = {k->m, cg, k->kw}, bd = k->m;
    ot_io(m, 0, "x", one_d ? 3 : 4, one_d ? xd3 : xd4);
    ot_io(m, 1, "y", one_d ? 3 : 4, one_d ? yd3 : yd4);
    ot_f32(m, "W", one_d ? 3 : 4, one_d ? wd3 : wd4, w);
    ot_f32(m, "B", 1, &bd, b);
    ot_node(m, "Conv", "x,W,B", "y");
    int64_t strides[2] = {k->sh, k->sw}, dil[2] = {k->dh, k->dw};
    int64_t pads[4] = {k->pt, k->pl, k->pb, k->pr};
    int64_t pads1[2] = {k->pl, k->pr};
    ck_assert_int_eq(onnx_build_attr_i(m, "group", k->group), HB_OK);
    ot_ints(m, "strides", one_d ? 1 : 2, one_d ? strides + 1 : strides);
    ot_ints(m, "dilations", one_d ? 1 : 2, one_d ? dil + 1 : dil);
    ot_ints(m, "pads", one_d ? 2 : 4, one_d ? pads1 : pads);
    graph *g = ot_import_ok(m);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, ny);
    char what[64];
    snprintf(what, sizeof(what), "conv case %d", _i);
    ot_close(what, got, want, ny, 1e-5);
    int depthwise = k->group == k->c && k->group > 1;
    ck_assert_int_eq(ot_count_ops(g, depthwise ? NN_OP_DEPTHWISE_CONV_2D : NN_OP_CONV_2D), 1);
    free(got);
    free(x), free(w), free(b), free(want);
    graph_free(g);
}
END_TEST

/* auto_pad SAME_UPPER / SAME_LOWER / VALID against explicit pads, 2-D and
 * 1-D. */
START_TEST(conv_auto_pad)
{
    static const char *modes[] = {"SAME_UPPER", "SAME_LOWER", "VALID"};
    /* in 8, k 4, s 2: SAME gives 4 outputs, total padding 2 (1 + 1); with
     * k 3: total 1, upper puts it after, lower before. */
    for (int one_d = 0; one_d < 2; one_d++)
        for (int mode = 0; mode < 3; mode++)
            for (int kk = 3; kk <= 4; kk++) {
                int total = kk == 4 ? 2 : 1, before = mode == 1 ? total - total / 2 : total / 2;
                int h = one_d ? 1 : 8, kh = one_d ? 1 : kk;
                conv_case k = {1, 2, h, 8, 3, 1, kh, kk, 2, 2, 1, 1, 0, 0, 0, 0};
                if (mode < 2) {
                    k.pl = before, k.pr = total - before;
                    k.pt = one_d ? 0 : k.pl, k.pb = one_d ? 0 : k.pr;
                }
                int oh = out_size(h, kh, 2, 1, k.pt, k.pb), ow = out_size(8, kk, 2, 1, k.pl, k.pr);
                size_t ny = (size_t)3 * oh * ow;
                float *x = ot_random((size_t)16 * h), *w = ot_random((size_t)6 * kh * kk);
                float *want = malloc(ny * sizeof(float));
                conv_ref(&k, x, w, NULL, want);
                onnx_build *m = ot_new(11);
                int64_t xd[4] = {1, 2, 8, 8}, yd[4] = {1, 3, oh, ow}, wd[4] = {3, 2, kk, kk};
                int64_t st[2] = {2, 2};
                if (one_d)
                    xd[2] = 8, yd[2] = ow, wd[2] = kk;
                ot_io(m, 0, "x", 4 - one_d, xd);
                ot_io(m, 1, "y", 4 - one_d, yd);
                ot_f32(m, "W", 4 - one_d, wd, w);
                ot_node(m, "Conv", "x,W", "y");
                ot_ints(m, "strides", 2 - one_d, st);
                ck_assert_int_eq(onnx_build_attr_s(m, "auto_pad", modes[mode]), HB_OK);
                graph *g = ot_import_ok(m);
                const float *ins[1] = {x};
                float *got = ot_run(g, ins, 0, ny);
                ot_close(modes[mode], got, want, ny, 1e-5);
                free(got), free(x), free(w), free(want);
                graph_free(g);
            }
}
END_TEST

/* Pools --------------------------------------------------------------------- */

typedef struct {
    int max, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, include_pad, ceil;
    const char *auto_pad; /* NULL: the pads above; else they are what it gives */
} pool_case;

static const pool_case pools[] = {
    {1, 8, 8, 2, 2, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, NULL},
    {1, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, NULL},  /* PyTorch MaxPool2d(3, 2, 1) */
    {0, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, NULL},  /* the divisor leaves pads out */
    {0, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 0, NULL},  /* count_include_pad */
    {0, 6, 6, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, NULL},  /* SAME */
    {1, 20, 20, 3, 4, 2, 3, 3, 2, 2, 1, 2, 1, 0, 0, NULL}, /* dilated */
    {1, 8, 8, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 1, NULL},  /* ceil mode */
    {1, 1, 30, 1, 5, 1, 3, 1, 2, 0, 2, 0, 2, 0, 0, NULL}, /* 1-D, dilated */
    {0, 1, 12, 1, 3, 1, 2, 1, 1, 0, 1, 0, 1, 1, 0, NULL}, /* 1-D average */
    {0, 8, 8, 4, 4, 2, 2, 1, 1, 1, 1, 1, 1, 0, 0, "SAME_UPPER"},
    {1, 7, 8, 3, 2, 2, 2, 1, 1, 1, 0, 1, 0, 0, 0, "SAME_LOWER"},
    {0, 7, 7, 3, 3, 2, 2, 1, 1, 0, 0, 0, 0, 0, 0, "VALID"},
    {1, 1, 9, 1, 2, 1, 2, 1, 1, 0, 0, 0, 1, 0, 0, "SAME_UPPER"}, /* 1-D */
    {0, 1, 10, 1, 4, 1, 3, 1, 1, 0, 2, 0, 1, 0, 0, "SAME_LOWER"}, /* 1-D */
};

static int pool_out(int in, int k, int s, int d, int p0, int p1, int ceil_mode)
{
    int span = in + p0 + p1 - ((k - 1) * d + 1);
    int o = span / s + 1;
    if (ceil_mode && span % s && o * s < in + p0)
        o++;
    return o;
}

static void pool_ref(const pool_case *p, int c, const float *x, int oh, int ow, float *y)
{
    for (int ch = 0; ch < c; ch++)
        for (int oy = 0; oy < oh; oy++)
            for (int ox = 0; ox < ow; ox++) {
                double acc = p->max ? -INFINITY : 0.0;
                int inside = 0, padded = 0;
                for (int ky = 0; ky < p->kh; ky++)
                    for (int kx = 0; kx < p->kw; kx++) {
                        int iy = oy * p->sh - p->pt + ky * p->dh;
                        int ix = ox * p->sw - p->pl + kx * p->dw;
                        if (iy >= -p->pt && iy < p->h + p->pb && ix >= -p->pl &&
                            ix < p->w + p->pr)
                            padded++;
                        if (iy < 0 || iy >= p->h || ix < 0 || ix >= p->w)
                            continue;
                        double v = x[(ch * p->h + iy) * p->w + ix];
                        acc = p->max ? fmax(acc, v) : acc + v;
                        inside++;
                    }
                y[(ch * oh + oy) * ow + ox] =
                    (float)(p->max ? acc : acc / (p->include_pad ? padded : inside));
            }
}

START_TEST(pool_matches_reference)
{
    const pool_case *p = &pools[_i];
    int c = 3, one_d = p->h == 1 && p->kh == 1;
    int oh = pool_out(p->h, p->kh, p->sh, p->dh, p->pt, p->pb, p->ceil);
    int ow = pool_out(p->w, p->kw, p->sw, p->dw, p->pl, p->pr, p->ceil);
    size_t nx = (size_t)c * p->h * p->w, ny = (size_t)c * oh * ow;
    float *x = ot_random(nx), *want = malloc(ny * sizeof(float));
    pool_ref(p, c, x, oh, ow, want);
    onnx_build *m = ot_new(p->dh > 1 || p->dw > 1 || p->ceil ? 12 : 9);
    int64_t xd4[4] = {1, c, p->h, p->w}, yd4[4] = {1, c, oh, ow};
    int64_t xd3[3] = {1, c, p->w}, yd3[3] = {1, c, ow};
    ot_io(m, 0, "x", one_d ? 3 : 4, one_d ? xd3 : xd4);
    ot_io(m, 1, "y", one_d ? 3 : 4, one_d ? yd3 : yd4);
    ot_node(m, p->max ? "MaxPool" : "AveragePool", "x", "y");
    int64_t ks[2] = {p->kh, p->kw}, st[2] = {p->sh, p->sw}, dl[2] = {p->dh, p->dw};
    int64_t pads[4] = {p->pt, p->pl, p->pb, p->pr}, pads1[2] = {p->pl, p->pr};
    ot_ints(m, "kernel_shape", one_d ? 1 : 2, one_d ? ks + 1 : ks);
    ot_ints(m, "strides", one_d ? 1 : 2, one_d ? st + 1 : st);
    if (p->auto_pad)
        ck_assert_int_eq(onnx_build_attr_s(m, "auto_pad", p->auto_pad), HB_OK);
    else
        ot_ints(m, "pads", one_d ? 2 : 4, one_d ? pads1 : pads);
    if (p->dh > 1 || p->dw > 1)
        ot_ints(m, "dilations", one_d ? 1 : 2, one_d ? dl + 1 : dl);
    if (p->ceil)
        ck_assert_int_eq(onnx_build_attr_i(m, "ceil_mode", 1), HB_OK);
    if (!p->max)
        ck_assert_int_eq(onnx_build_attr_i(m, "count_include_pad", p->include_pad), HB_OK);
    graph *g = ot_import_ok(m);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, ny);
    char what[64];
    snprintf(what, sizeof(what), "pool case %d", _i);
    ot_close(what, got, want, ny, 1e-5);
    free(got), free(x), free(want);
    graph_free(g);
}
END_TEST

START_TEST(global_pools)
{
    for (int max = 0; max < 2; max++) {
        float *x = ot_random(2 * 3 * 5 * 4), want[6];
        for (int k = 0; k < 6; k++) {
            double acc = max ? -INFINITY : 0.0;
            for (int j = 0; j < 20; j++)
                acc = max ? fmax(acc, x[k * 20 + j]) : acc + x[k * 20 + j];
            want[k] = (float)(max ? acc : acc / 20);
        }
        onnx_build *m = ot_new(13);
        int64_t xd[4] = {2, 3, 5, 4}, yd[4] = {2, 3, 1, 1};
        ot_io(m, 0, "x", 4, xd);
        ot_io(m, 1, "y", 4, yd);
        ot_node(m, max ? "GlobalMaxPool" : "GlobalAveragePool", "x", "y");
        graph *g = ot_import_ok(m);
        const float *ins[1] = {x};
        float *got = ot_run(g, ins, 0, 6);
        ot_close("global pool", got, want, 6, 1e-6);
        free(got), free(x);
        graph_free(g);
    }
}
END_TEST

/* Layout --------------------------------------------------------------------- */

/* Conv -> Relu -> Conv -> Add(bias [C,1,1]) -> y: one TRANSPOSE in, one
 * out, the Relu fused, the Add in NHWC. */
START_TEST(layout_transposes_only_at_the_edges)
{
    conv_case k1 = {1, 3, 6, 6, 4, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
    conv_case k2 = {1, 4, 6, 6, 2, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
    float *x = ot_random(108), *w1 = ot_random(108), *w2 = ot_random(8), *c = ot_random(2);
    float mid[144], want[72];
    conv_ref(&k1, x, w1, NULL, mid);
    for (int i = 0; i < 144; i++)
        mid[i] = mid[i] > 0 ? mid[i] : 0;
    conv_ref(&k2, mid, w2, NULL, want);
    for (int i = 0; i < 72; i++)
        want[i] += c[i / 36];
    onnx_build *m = ot_new(13);
    int64_t xd[4] = {1, 3, 6, 6}, yd[4] = {1, 2, 6, 6}, w1d[4] = {4, 3, 3, 3};
    int64_t w2d[4] = {2, 4, 1, 1}, cd[3] = {2, 1, 1}, pads[4] = {1, 1, 1, 1};
    ot_io(m, 0, "x", 4, xd);
    ot_io(m, 1, "y", 4, yd);
    ot_f32(m, "W1", 4, w1d, w1);
    ot_f32(m, "W2", 4, w2d, w2);
    ot_f32(m, "C", 3, cd, c);
    ot_node(m, "Conv", "x,W1", "a");
    ot_ints(m, "pads", 4, pads);
    ot_node(m, "Relu", "a", "b");
    ot_node(m, "Conv", "b,W2", "d");
    ot_node(m, "Add", "d,C", "y");
    graph *g = ot_import_ok(m);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_TRANSPOSE), 2);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_RELU), 0);
    ck_assert_int_eq(g->ops[0].op, NN_OP_TRANSPOSE);
    ck_assert_int_eq(g->ops[g->n_ops - 1].op, NN_OP_TRANSPOSE);
    ck_assert_int_eq(g->ops[1].opt.activation, NN_ACT_RELU);
    /* The model's input and output keep NCHW. */
    const graph_tensor *in = &g->tensors[g->inputs[0]], *out = &g->tensors[g->outputs[0]];
    ck_assert_int_eq(in->dims[1], 3);
    ck_assert_int_eq(out->dims[1], 2);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 72);
    ot_close("conv chain", got, want, 72, 1e-5);
    free(got), free(x), free(w1), free(w2), free(c);
    graph_free(g);
}
END_TEST

/* GlobalAveragePool -> Flatten -> Gemm: NHWC [1, 1, 1, C] is NCHW
 * [1, C, 1, 1], so flattening needs a RESHAPE, not a TRANSPOSE. */
START_TEST(layout_unit_dims_need_no_transpose)
{
    float *x = ot_random(4 * 9), *w = ot_random(3 * 4), *b = ot_random(3), want[3];
    for (int j = 0; j < 3; j++) {
        double acc = b[j];
        for (int ch = 0; ch < 4; ch++) {
            double s = 0;
            for (int i = 0; i < 9; i++)
                s += x[ch * 9 + i];
            acc += s / 9 * w[j * 4 + ch];
        }
        want[j] = (float)acc;
    }
    onnx_build *m = ot_new(13);
    int64_t xd[4] = {1, 4, 3, 3}, yd[2] = {1, 3}, wd[2] = {3, 4}, bd = 3;
    ot_io(m, 0, "x", 4, xd);
    ot_io(m, 1, "y", 2, yd);
    ot_f32(m, "W", 2, wd, w);
    ot_f32(m, "B", 1, &bd, b);
    ot_node(m, "GlobalAveragePool", "x", "p");
    ot_node(m, "Flatten", "p", "f");
    ot_node(m, "Gemm", "f,W,B", "y");
    ck_assert_int_eq(onnx_build_attr_i(m, "transB", 1), HB_OK);
    graph *g = ot_import_ok(m);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_TRANSPOSE), 1); /* the input's */
    ck_assert_int_eq(ot_count_ops(g, NN_OP_FULLY_CONNECTED), 1);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 3);
    ot_close("pool flatten gemm", got, want, 3, 1e-5);
    free(got), free(x), free(w), free(b);
    graph_free(g);
}
END_TEST

/* BatchNormalization ---------------------------------------------------------- */

START_TEST(batch_norm_folded_and_not)
{
    for (int fold = 0; fold < 2; fold++) {
        conv_case k = {1, 2, 5, 5, 3, 1, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1};
        float *x = ot_random(50), *w = ot_random(54), p[4][3], conv[75], want[75];
        int ch = fold ? 3 : 2;
        for (int j = 0; j < 4; j++)
            for (int q = 0; q < 3; q++)
                p[j][q] = j == 3 ? 0.5f + ot_rand() * 0.25f : ot_rand();
        conv_ref(&k, x, w, NULL, conv);
        const float *src = fold ? conv : x;
        int n = fold ? 75 : 50;
        for (int i = 0; i < n; i++) {
            int q = i / 25;
            want[i] = (float)((src[i] - p[2][q]) / sqrt(p[3][q] + 1e-5) * p[0][q] + p[1][q]);
        }
        onnx_build *m = ot_new(9);
        int64_t xd[4] = {1, 2, 5, 5}, yd[4] = {1, ch, 5, 5}, wd[4] = {3, 2, 3, 3}, pd = ch;
        int64_t pads[4] = {1, 1, 1, 1};
        ot_io(m, 0, "x", 4, xd);
        ot_io(m, 1, "y", 4, yd);
        static const char *names[4] = {"s", "b", "mean", "var"};
        for (int j = 0; j < 4; j++)
            ot_f32(m, names[j], 1, &pd, p[j]);
        if (fold) {
            ot_f32(m, "W", 4, wd, w);
            ot_node(m, "Conv", "x,W", "c");
            ot_ints(m, "pads", 4, pads);
        }
        ot_node(m, "BatchNormalization", fold ? "c,s,b,mean,var" : "x,s,b,mean,var", "y");
        graph *g = ot_import_ok(m);
        ck_assert_int_eq(ot_count_ops(g, NN_OP_MUL), fold ? 0 : 1);
        const float *ins[1] = {x};
        float *got = ot_run(g, ins, 0, (size_t)n);
        ot_close(fold ? "batch norm folded" : "batch norm", got, want, (size_t)n, 1e-5);
        free(got), free(x), free(w);
        graph_free(g);
    }
}
END_TEST

/* Gemm, MatMul ------------------------------------------------------------------- */

START_TEST(gemm_variants)
{
    /* transA, transB, alpha, beta, C: 0 none, 1 [N], 2 [M, N], 3 scalar,
     * 4 computed [M, N] */
    static const struct {
        int ta, tb;
        float alpha, beta;
        int c;
    } v[] = {{0, 0, 1, 1, 1}, {0, 1, 1, 1, 0}, {1, 0, 0.5f, 2, 2}, {1, 1, 2, 1, 3},
             {0, 0, 1, 1, 4}, {0, 1, 1, 0.25f, 1}};
    const int M = 3, K = 4, N = 5;
    for (size_t t = 0; t < sizeof(v) / sizeof(v[0]); t++) {
        float *a = ot_random(12), *b = ot_random(20), *cc = ot_random(15), want[15];
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double acc = 0;
                for (int q = 0; q < K; q++)
                    acc += (double)(v[t].ta ? a[q * M + i] : a[i * K + q]) *
                           (v[t].tb ? b[j * K + q] : b[q * N + j]);
                double cv = v[t].c == 1 ? cc[j] : v[t].c == 3 ? cc[0]
                            : v[t].c ? cc[i * N + j] : 0.0;
                want[i * N + j] = (float)(v[t].alpha * acc + v[t].beta * cv);
            }
        onnx_build *m = ot_new(13);
        int64_t ad[2] = {v[t].ta ? K : M, v[t].ta ? M : K};
        int64_t bd[2] = {v[t].tb ? N : K, v[t].tb ? K : N}, yd[2] = {M, N}, cd[2] = {M, N};
        ot_io(m, 0, "a", 2, ad);
        if (v[t].c == 4)
            ot_io(m, 0, "c", 2, cd);
        ot_io(m, 1, "y", 2, yd);
        ot_f32(m, "B", 2, bd, b);
        if (v[t].c == 1)
            ot_f32(m, "c", 1, &cd[1], cc);
        else if (v[t].c == 2)
            ot_f32(m, "c", 2, cd, cc);
        else if (v[t].c == 3)
            ot_f32(m, "c", 0, cd, cc);
        ot_node(m, "Gemm", v[t].c ? "a,B,c" : "a,B", "y");
        ck_assert_int_eq(onnx_build_attr_i(m, "transA", v[t].ta), HB_OK);
        ck_assert_int_eq(onnx_build_attr_i(m, "transB", v[t].tb), HB_OK);
        ck_assert_int_eq(onnx_build_attr_f(m, "alpha", v[t].alpha), HB_OK);
        ck_assert_int_eq(onnx_build_attr_f(m, "beta", v[t].beta), HB_OK);
        graph *g = ot_import_ok(m);
        const float *ins[2] = {a, cc};
        float *got = ot_run(g, ins, 0, 15);
        ot_close("gemm", got, want, 15, 1e-5);
        free(got), free(a), free(b), free(cc);
        graph_free(g);
    }
}
END_TEST

START_TEST(matmul_rank3_and_computed_b)
{
    for (int computed = 0; computed < 2; computed++) {
        float *a = ot_random(2 * 3 * 4), *b = ot_random(4 * 5), want[30];
        for (int r = 0; r < 6; r++)
            for (int j = 0; j < 5; j++) {
                double acc = 0;
                for (int q = 0; q < 4; q++)
                    acc += (double)a[r * 4 + q] * b[q * 5 + j];
                want[r * 5 + j] = (float)acc;
            }
        onnx_build *m = ot_new(13);
        int64_t ad[3] = {2, 3, 4}, bd[2] = {4, 5}, yd[3] = {2, 3, 5};
        ot_io(m, 0, "a", computed ? 2 : 3, computed ? (int64_t[]){6, 4} : ad);
        if (computed)
            ot_io(m, 0, "b", 2, bd);
        else
            ot_f32(m, "b", 2, bd, b);
        ot_io(m, 1, "y", computed ? 2 : 3, computed ? (int64_t[]){6, 5} : yd);
        ot_node(m, "MatMul", "a,b", "y");
        graph *g = ot_import_ok(m);
        const float *ins[2] = {a, b};
        float *got = ot_run(g, ins, 0, 30);
        ot_close("matmul", got, want, 30, 1e-5);
        free(got), free(a), free(b);
        graph_free(g);
    }
}
END_TEST

/* Elementwise and activations --------------------------------------------- */

/* One-input model x [2, 3, 4] -> op -> y, against f. */
typedef struct {
    const char *op;
    int opset;
    float (*f)(float);
    const char *attr;
    float value;
} unary_case;

static float f_relu(float x) { return x > 0 ? x : 0; }
static float f_sig(float x) { return 1.0f / (1.0f + expf(-x)); }
static float f_tanh(float x) { return tanhf(x); }
static float f_leaky(float x) { return x >= 0 ? x : 0.2f * x; }
static float f_clip6(float x) { return fminf(fmaxf(x, 0), 6); }
static float f_clip1(float x) { return fminf(fmaxf(x, -1), 1); }
static float f_clip_any(float x) { return fminf(fmaxf(x, -0.5f), 3.0f); }
static float f_clip_min(float x) { return fmaxf(x, -0.5f); }
static float f_neg(float x) { return -x; }

static const unary_case unaries[] = {
    {"Relu", 13, f_relu, NULL, 0}, {"Sigmoid", 13, f_sig, NULL, 0},
    {"Tanh", 13, f_tanh, NULL, 0}, {"LeakyRelu", 13, f_leaky, "alpha", 0.2f},
    {"Clip6", 13, f_clip6, NULL, 0}, {"Clip1", 9, f_clip1, NULL, 0},
    {"ClipAny", 13, f_clip_any, NULL, 0}, {"ClipMin", 13, f_clip_min, NULL, 0},
    {"Neg", 13, f_neg, NULL, 0},
};

START_TEST(unary_ops)
{
    const unary_case *u = &unaries[_i];
    float *x = ot_random(24), want[24];
    int clip = !strncmp(u->op, "Clip", 4);
    for (int k = 0; k < 24; k++) {
        x[k] *= clip ? 8.0f : 1.0f; /* past the bounds */
        want[k] = u->f(x[k]);
    }
    onnx_build *m = ot_new(u->opset);
    int64_t d[3] = {2, 3, 4};
    float bounds[2] = {!strcmp(u->op, "Clip6") ? 0.0f : -0.5f, !strcmp(u->op, "Clip6") ? 6.0f
                                                                : 3.0f};
    ot_io(m, 0, "x", 3, d);
    ot_io(m, 1, "y", 3, d);
    if (clip && u->opset >= 11) {
        int64_t none[1] = {0};
        ot_f32(m, "lo", 0, none, &bounds[0]);
        ot_f32(m, "hi", 0, none, &bounds[1]);
        ot_node(m, "Clip", !strcmp(u->op, "ClipMin") ? "x,lo" : "x,lo,hi", "y");
    } else if (clip) {
        ot_node(m, "Clip", "x", "y");
        ck_assert_int_eq(onnx_build_attr_f(m, "min", -1.0f), HB_OK);
        ck_assert_int_eq(onnx_build_attr_f(m, "max", 1.0f), HB_OK);
    } else {
        ot_node(m, u->op, "x", "y");
    }
    if (u->attr)
        ck_assert_int_eq(onnx_build_attr_f(m, u->attr, u->value), HB_OK);
    graph *g = ot_import_ok(m);
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 24);
    ot_close(u->op, got, want, 24, 1e-5);
    free(got), free(x);
    graph_free(g);
}
END_TEST

/* Add, Sub, Mul, Div, Sum with broadcasting, one operand a constant or
 * both computed, on an NHWC input (after a 1x1 conv). */
START_TEST(binary_ops_broadcast)
{
    static const char *ops[] = {"Add", "Sub", "Mul", "Div", "Sum", "PRelu"};
    for (int o = 0; o < 6; o++)
        for (int konst = 0; konst < 2; konst++) {
            if ((o == 3 || o == 5) && !konst)
                continue; /* Div and PRelu need a constant here */
            float *x = ot_random(2 * 3 * 4 * 2), *w = ot_random(9), *c = ot_random(3);
            float conv[48], want[48];
            conv_case k = {2, 3, 4, 2, 3, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0};
            for (int i = 0; i < 3; i++)
                c[i] = c[i] * 0.5f + (c[i] >= 0 ? 0.5f : -0.5f); /* away from 0 for Div */
            conv_ref(&k, x, w, NULL, conv);
            for (int i = 0; i < 48; i++) {
                float a = conv[i], b = c[(i / 8) % 3];
                want[i] = o == 0 || o == 4 ? a + b : o == 1 ? a - b : o == 2 ? a * b
                          : o == 3 ? a / b : a >= 0 ? a : a * b;
            }
            onnx_build *m = ot_new(13);
            int64_t xd[4] = {2, 3, 4, 2}, wd[4] = {3, 3, 1, 1}, cd[3] = {3, 1, 1};
            ot_io(m, 0, "x", 4, xd);
            if (!konst)
                ot_io(m, 0, "c", 3, cd);
            ot_io(m, 1, "y", 4, xd);
            ot_f32(m, "W", 4, wd, w);
            if (konst)
                ot_f32(m, "c", 3, cd, c);
            ot_node(m, "Conv", "x,W", "a");
            ot_node(m, ops[o], "a,c", "y");
            graph *g = ot_import_ok(m);
            /* The constant joins the NHWC body: only the edges transpose. */
            if (konst)
                ck_assert_int_eq(ot_count_ops(g, NN_OP_TRANSPOSE), 2);
            const float *ins[2] = {x, c};
            float *got = ot_run(g, ins, 0, 48);
            ot_close(ops[o], got, want, 48, 1e-5);
            free(got), free(x), free(w), free(c);
            graph_free(g);
        }
}
END_TEST

/* Softmax and LogSoftmax over the axes each opset means. */
START_TEST(softmax_axes)
{
    static const struct {
        int opset, axis, log;
    } v[] = {{11, 1, 0}, {13, 1, 0}, {13, -1, 0}, {11, 3, 1}, {13, 1, 1}, {11, 2, 0}};
    for (size_t t = 0; t < sizeof(v) / sizeof(v[0]); t++) {
        int d[4] = {2, 3, 2, 4}, ax = v[t].axis < 0 ? 3 : v[t].axis;
        float *x = ot_random(48), want[48];
        /* Rows: opset 11 flattens from the axis on, 13 takes one axis. */
        int inner = 1, stride = 1;
        for (int k = ax; k < 4; k++)
            inner *= d[k];
        if (v[t].opset >= 13) {
            stride = 1;
            for (int k = ax + 1; k < 4; k++)
                stride *= d[k];
            inner = d[ax];
        }
        for (int o = 0; o < 48 / inner; o++) {
            int base = v[t].opset >= 13 ? (o / stride) * stride * inner + o % stride : o * inner;
            int step = v[t].opset >= 13 ? stride : 1;
            double mx = -INFINITY, s = 0;
            for (int i = 0; i < inner; i++)
                mx = fmax(mx, x[base + i * step]);
            for (int i = 0; i < inner; i++)
                s += exp(x[base + i * step] - mx);
            for (int i = 0; i < inner; i++) {
                double e = x[base + i * step] - mx;
                want[base + i * step] = (float)(v[t].log ? e - log(s) : exp(e) / s);
            }
        }
        onnx_build *m = ot_new(v[t].opset);
        int64_t xd[4] = {2, 3, 2, 4};
        ot_io(m, 0, "x", 4, xd);
        ot_io(m, 1, "y", 4, xd);
        ot_node(m, v[t].log ? "LogSoftmax" : "Softmax", "x", "y");
        ck_assert_int_eq(onnx_build_attr_i(m, "axis", v[t].axis), HB_OK);
        graph *g = ot_import_ok(m);
        const float *ins[1] = {x};
        float *got = ot_run(g, ins, 0, 48);
        ot_close("softmax", got, want, 48, 1e-5);
        free(got), free(x);
        graph_free(g);
    }
}
END_TEST

static Suite *onnx_suite(void)
{
    Suite *s = suite_create("onnx");
    TCase *tc = tcase_create("ops");
    tcase_add_loop_test(tc, conv_matches_reference, 0, (int)(sizeof(convs) / sizeof(convs[0])));
    tcase_add_test(tc, conv_auto_pad);
    tcase_add_loop_test(tc, pool_matches_reference, 0, (int)(sizeof(pools) / sizeof(pools[0])));
    tcase_add_test(tc, global_pools);
    tcase_add_test(tc, batch_norm_folded_and_not);
    tcase_add_test(tc, gemm_variants);
    tcase_add_test(tc, matmul_rank3_and_computed_b);
    tcase_add_loop_test(tc, unary_ops, 0, (int)(sizeof(unaries) / sizeof(unaries[0])));
    tcase_add_test(tc, binary_ops_broadcast);
    tcase_add_test(tc, softmax_axes);
    suite_add_tcase(s, tc);
    TCase *tl = tcase_create("layout");
    tcase_add_test(tl, layout_transposes_only_at_the_edges);
    tcase_add_test(tl, layout_unit_dims_need_no_transpose);
    suite_add_tcase(s, tl);
    return s;
}

HBT_MAIN(onnx_suite)
