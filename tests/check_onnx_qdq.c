/*
 * check_onnx_qdq.c: quantised ONNX models (QDQ form, as ONNX Runtime's
 * quantiser writes them) imported as int8 graphs, and float ONNX models
 * compressed to int8 by hilbench (the API and `hilbench compress` /
 * `infer` / `inspect` / `run` on .onnx files, and the shipped suite
 * benchmarks/sine_onnx.ini).
 *
 * The QDQ model is checked against a reference that follows the same
 * steps in float (quantise, dequantise, float op, requantise) within one
 * output step: the engine requantises with TFLite's fixed-point rounding,
 * the reference in double.
 */
#include <stdio.h>

#include "compress/quantize.h"
#include "model/tflite.h"
#include "onnx_test_util.h"

static float quant(float x, float s, int zp)
{
    float q = roundf(x / s) + (float)zp;
    q = q < -128 ? -128 : q > 127 ? 127 : q;
    return s * (q - (float)zp);
}

/* x [1, 2, 6, 6] -Q/DQ-> Conv(int8 W per channel, int32 B, pads 1) -Q/DQ->
 * Relu -Q/DQ-> MaxPool 2x2 -Q/DQ-> y, activations int8 or uint8. */
START_TEST(qdq_conv_runs_in_int8)
{
    int u8 = _i;
    const float sx = 0.02f, sc = 0.05f, sr = 0.03f;
    const int zx = -3, zc = 5, zr = -128;
    int8_t w[72];
    int32_t bias[4];
    float ws[4] = {0.01f, 0.02f, 0.015f, 0.005f}, bs[4];
    for (int i = 0; i < 72; i++)
        w[i] = (int8_t)((i * 37) % 255 - 127);
    for (int m = 0; m < 4; m++) {
        bs[m] = sx * ws[m];
        bias[m] = (m - 2) * 100;
    }
    float *x = ot_random(72);
    onnx_build *b = ot_new(13);
    int64_t xd[4] = {1, 2, 6, 6}, yd[4] = {1, 4, 3, 3}, wd[4] = {4, 2, 3, 3}, four = 4;
    int64_t pads[4] = {1, 1, 1, 1}, k2[2] = {2, 2};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", 4, yd);
    int qt = u8 ? OT_UINT8 : OT_INT8, off = u8 ? 128 : 0;
    uint8_t zpx = (uint8_t)(zx + off), zpc = (uint8_t)(zc + off), zpr = (uint8_t)(zr + off);
    int8_t wz[4] = {0};
    int32_t bz[4] = {0};
    ck_assert_int_eq(onnx_build_init(b, "sx", OT_FLOAT, 0, NULL, &sx, 4), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "zx", qt, 0, NULL, &zpx, 1), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "sc", OT_FLOAT, 0, NULL, &sc, 4), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "zc", qt, 0, NULL, &zpc, 1), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "sr", OT_FLOAT, 0, NULL, &sr, 4), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "zr", qt, 0, NULL, &zpr, 1), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "W", OT_INT8, 4, wd, w, 72), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "ws", OT_FLOAT, 1, &four, ws, 16), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "wz", OT_INT8, 1, &four, wz, 4), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "B", OT_INT32, 1, &four, bias, 16), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "bs", OT_FLOAT, 1, &four, bs, 16), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "bz", OT_INT32, 1, &four, bz, 16), HB_OK);
    ot_node(b, "QuantizeLinear", "x,sx,zx", "xq");
    ot_node(b, "DequantizeLinear", "xq,sx,zx", "xd");
    ot_node(b, "DequantizeLinear", "W,ws,wz", "Wd");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 0), HB_OK);
    ot_node(b, "DequantizeLinear", "B,bs,bz", "Bd");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 0), HB_OK);
    ot_node(b, "Conv", "xd,Wd,Bd", "c");
    ot_ints(b, "pads", 4, pads);
    ot_node(b, "QuantizeLinear", "c,sc,zc", "cq");
    ot_node(b, "DequantizeLinear", "cq,sc,zc", "cd");
    ot_node(b, "Relu", "cd", "r");
    ot_node(b, "QuantizeLinear", "r,sr,zr", "rq");
    ot_node(b, "DequantizeLinear", "rq,sr,zr", "rd");
    ot_node(b, "MaxPool", "rd", "m");
    ot_ints(b, "kernel_shape", 2, k2);
    ot_ints(b, "strides", 2, k2);
    ot_node(b, "QuantizeLinear", "m,sr,zr", "mq");
    ot_node(b, "DequantizeLinear", "mq,sr,zr", "y");
    graph *g = ot_import_ok(b);

    int convs = 0;
    for (int i = 0; i < g->n_ops; i++)
        if (g->ops[i].op == NN_OP_CONV_2D) {
            convs++;
            ck_assert_int_eq(g->tensors[g->ops[i].inputs[0]].dtype, NN_DT_INT8);
            ck_assert_int_eq(g->tensors[g->ops[i].inputs[1]].n_quant, 4);
            ck_assert_int_eq(g->tensors[g->ops[i].outputs[0]].dtype, NN_DT_INT8);
        }
    ck_assert_int_eq(convs, 1);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_QUANTIZE), 1);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_DEQUANTIZE), 1);

    /* The reference, step by step in float. */
    float xq[72], conv[144], want[36];
    for (int i = 0; i < 72; i++)
        xq[i] = quant(x[i], sx, zx);
    for (int m = 0; m < 4; m++)
        for (int oy = 0; oy < 6; oy++)
            for (int ox = 0; ox < 6; ox++) {
                double acc = bias[m] * (double)bs[m];
                for (int ci = 0; ci < 2; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = oy - 1 + ky, ix = ox - 1 + kx;
                            if (iy >= 0 && iy < 6 && ix >= 0 && ix < 6)
                                acc += (double)xq[(ci * 6 + iy) * 6 + ix] *
                                       ws[m] * w[((m * 2 + ci) * 3 + ky) * 3 + kx];
                        }
                float r = quant((float)acc, sc, zc);
                conv[(m * 6 + oy) * 6 + ox] = quant(r > 0 ? r : 0, sr, zr);
            }
    for (int m = 0; m < 4; m++)
        for (int oy = 0; oy < 3; oy++)
            for (int ox = 0; ox < 3; ox++) {
                float mx = -1e30f;
                for (int k = 0; k < 4; k++)
                    mx = fmaxf(mx, conv[(m * 6 + oy * 2 + k / 2) * 6 + ox * 2 + k % 2]);
                want[(m * 3 + oy) * 3 + ox] = mx;
            }
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 36);
    for (int i = 0; i < 36; i++)
        ck_assert_msg(fabsf(got[i] - want[i]) <= 1.01f * sr, "%d: %g, want %g", i,
                      (double)got[i], (double)want[i]);
    free(got), free(x);
    graph_free(g);
}
END_TEST

/* x [2, 4] -Q/DQ-> Gemm(int8 W [3, 4] per unit, int32 B, transB) -Q/DQ-> y:
 * one int8 FULLY_CONNECTED. */
START_TEST(qdq_gemm_runs_in_int8)
{
    const float sx = 0.01f, sy = 0.02f;
    const int8_t zx = 4, zy = -10;
    int8_t w[12], wz[3] = {0, 0, 0};
    int32_t bias[3] = {-50, 0, 70}, bz[3] = {0, 0, 0};
    float ws[3] = {0.004f, 0.006f, 0.008f}, bs[3];
    for (int i = 0; i < 12; i++)
        w[i] = (int8_t)(i * 23 - 127);
    for (int u = 0; u < 3; u++)
        bs[u] = sx * ws[u];
    onnx_build *b = ot_new(13);
    int64_t xd[2] = {2, 4}, yd[2] = {2, 3}, wd[2] = {3, 4}, three = 3;
    ot_io(b, 0, "x", 2, xd);
    ot_io(b, 1, "y", 2, yd);
    ck_assert_int_eq(onnx_build_init(b, "sx", OT_FLOAT, 0, NULL, &sx, 4), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "zx", OT_INT8, 0, NULL, &zx, 1), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "sy", OT_FLOAT, 0, NULL, &sy, 4), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "zy", OT_INT8, 0, NULL, &zy, 1), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "W", OT_INT8, 2, wd, w, 12), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "ws", OT_FLOAT, 1, &three, ws, 12), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "wz", OT_INT8, 1, &three, wz, 3), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "B", OT_INT32, 1, &three, bias, 12), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "bs", OT_FLOAT, 1, &three, bs, 12), HB_OK);
    ck_assert_int_eq(onnx_build_init(b, "bz", OT_INT32, 1, &three, bz, 12), HB_OK);
    ot_node(b, "QuantizeLinear", "x,sx,zx", "xq");
    ot_node(b, "DequantizeLinear", "xq,sx,zx", "xd");
    ot_node(b, "DequantizeLinear", "W,ws,wz", "Wd");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 0), HB_OK);
    ot_node(b, "DequantizeLinear", "B,bs,bz", "Bd");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 0), HB_OK);
    ot_node(b, "Gemm", "xd,Wd,Bd", "g");
    ck_assert_int_eq(onnx_build_attr_i(b, "transB", 1), HB_OK);
    ot_node(b, "QuantizeLinear", "g,sy,zy", "gq");
    ot_node(b, "DequantizeLinear", "gq,sy,zy", "y");
    graph *g = ot_import_ok(b);
    ck_assert_int_eq(ot_count_ops(g, NN_OP_FULLY_CONNECTED), 1);
    for (int i = 0; i < g->n_ops; i++)
        if (g->ops[i].op == NN_OP_FULLY_CONNECTED)
            ck_assert_int_eq(g->tensors[g->ops[i].outputs[0]].dtype, NN_DT_INT8);
    float x[8], want[6];
    for (int i = 0; i < 8; i++)
        x[i] = 0.3f * ot_rand();
    for (int r = 0; r < 2; r++)
        for (int u = 0; u < 3; u++) {
            double acc = bias[u] * (double)bs[u];
            for (int k = 0; k < 4; k++)
                acc += (double)quant(x[r * 4 + k], sx, zx) * ws[u] * w[u * 4 + k];
            want[r * 3 + u] = quant((float)acc, sy, zy);
        }
    const float *ins[1] = {x};
    float *got = ot_run(g, ins, 0, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(fabsf(got[i] - want[i]) <= 1.01f * sy, "%d: %g, want %g", i,
                      (double)got[i], (double)want[i]);
    free(got);
    graph_free(g);
}
END_TEST

/* A float model of most of the importer's ops, x [1, 3, 8, 8]. */
static onnx_build *float_model(void)
{
    onnx_build *b = ot_new(13);
    int64_t xd[4] = {1, 3, 8, 8}, wd[4] = {4, 3, 3, 3}, dwd[4] = {4, 1, 3, 3}, bd = 4;
    int64_t gd[2] = {5, 128}, pads[4] = {1, 1, 1, 1}, k2[2] = {2, 2}, s2[2] = {2, 2};
    int64_t perm[4] = {0, 1, 3, 2}, ppads[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    float *w = ot_random(108), *dw = ot_random(36), *bias = ot_random(4), *gw = ot_random(640);
    float slope = 0.1f, scale[4] = {1.5f, -0.5f, 0.75f, 2.0f};
    int64_t sd[3] = {4, 1, 1};
    ot_io(b, 0, "x", 4, xd);
    ot_io(b, 1, "y", 2, (int64_t[]){1, 5});
    ot_f32(b, "W", 4, wd, w);
    ot_f32(b, "DW", 4, dwd, dw);
    ot_f32(b, "B", 1, &bd, bias);
    ot_f32(b, "G", 2, gd, gw);
    ot_f32(b, "slope", 0, &bd, &slope);
    ot_f32(b, "scale", 3, sd, scale);
    ot_i64(b, "ppads", 8, ppads);
    ot_node(b, "Conv", "x,W,B", "c1");
    ot_ints(b, "pads", 4, pads);
    ot_node(b, "Relu", "c1", "r1");
    ot_node(b, "Conv", "r1,DW", "c2");
    ck_assert_int_eq(onnx_build_attr_i(b, "group", 4), HB_OK);
    ot_ints(b, "pads", 4, pads);
    ot_node(b, "LeakyRelu", "c2", "l2");
    ot_node(b, "Mul", "l2,scale", "m2");
    ot_node(b, "Concat", "r1,m2", "cc");
    ck_assert_int_eq(onnx_build_attr_i(b, "axis", 1), HB_OK);
    ot_node(b, "Tanh", "cc", "t2");
    ot_node(b, "MaxPool", "t2", "p");
    ot_ints(b, "kernel_shape", 2, k2);
    ot_ints(b, "strides", 2, s2);
    ot_node(b, "Transpose", "p", "tp");
    ot_ints(b, "perm", 4, perm);
    ot_node(b, "Pad", "tp,ppads", "pp");
    ot_node(b, "PRelu", "pp,slope", "pr");
    ot_node(b, "Flatten", "pr", "f");
    ot_node(b, "Gemm", "f,G", "gm");
    ck_assert_int_eq(onnx_build_attr_i(b, "transB", 1), HB_OK);
    ot_node(b, "Softmax", "gm", "y");
    free(w), free(dw), free(bias), free(gw);
    return b;
}

START_TEST(float_onnx_compresses_to_int8)
{
    graph *g = ot_import_ok(float_model()), *q = NULL, *back = NULL;
    enum { NV = 16 };
    float *calib[NV];
    for (int k = 0; k < NV; k++)
        calib[k] = ot_random(192);
    hb_status st = compress_quantize(g, NULL, (const float *const *)calib, NV, &q);
    ck_assert_msg(st == HB_OK, "quantise: %s", hb_last_error());
    for (int i = 0; i < q->n_ops; i++)
        for (int k = 0; k < q->ops[i].n_outputs; k++)
            ck_assert_int_eq(q->tensors[q->ops[i].outputs[k]].dtype, NN_DT_INT8);
    /* Within a few percent of the float model (softmax outputs in [0, 1]). */
    for (int k = 0; k < 4; k++) {
        const float *ins[1] = {calib[k]};
        float *a = ot_run(g, ins, 0, 5), *b = ot_run(q, ins, 0, 5);
        ot_close("int8 against float", b, a, 5, 0.06);
        free(a), free(b);
    }
    /* As TFLite, read back: the same numbers. */
    uint8_t *buf = NULL;
    size_t len = 0;
    ck_assert_int_eq(tflite_write(q, &buf, &len), HB_OK);
    ck_assert_int_eq(tflite_read(buf, len, "int8", &back), HB_OK);
    const float *ins[1] = {calib[0]};
    float *a = ot_run(q, ins, 0, 5), *b = ot_run(back, ins, 0, 5);
    ot_close("read back", b, a, 5, 0);
    free(a), free(b), free(buf);
    for (int k = 0; k < NV; k++)
        free(calib[k]);
    graph_free(g), graph_free(q), graph_free(back);
}
END_TEST

/* The CLI takes .onnx wherever it takes .tflite. */
START_TEST(cli_takes_onnx)
{
    char model[512], calib[512], x[512], y[512], out[512], blob[512];
    snprintf(calib, sizeof(calib), "%s", hbt_tmpdir("onnx_cli_calib"));
    const char *dir = hbt_tmpdir("onnx_cli");
    snprintf(model, sizeof(model), "%s/m.onnx", dir);
    snprintf(x, sizeof(x), "%s/x.bin", dir);
    snprintf(y, sizeof(y), "%s/y.bin", dir);
    snprintf(out, sizeof(out), "%s/m_int8.tflite", dir);
    snprintf(blob, sizeof(blob), "%s/m_int8.blob", dir);
    onnx_build *b = float_model();
    ck_assert_int_eq(onnx_build_write(b, model), HB_OK);
    onnx_build_free(b);
    for (int k = 0; k < 8; k++) {
        float *v = ot_random(192);
        ck_assert_int_eq(hbt_write_file(hbt_path("%s/%d.bin", calib, k), v, 192 * 4), 0);
        if (!k)
            ck_assert_int_eq(hbt_write_file(x, v, 192 * 4), 0);
        free(v);
    }
    char *text = NULL;
    char *inspect[] = {(char *)hbt_hilbench(), "inspect", model, NULL};
    ck_assert_int_eq(hbt_run(inspect, &text), 0);
    ck_assert_msg(strstr(text, "CONV_2D") && strstr(text, "TRANSPOSE"), "%s", text);
    free(text);
    char *infer[] = {(char *)hbt_hilbench(), "infer", model, "--input", x, "--output", y, NULL};
    ck_assert_int_eq(hbt_run(infer, &text), 0);
    free(text);
    char *comp[] = {(char *)hbt_hilbench(), "compress", model, "--variant", "int8", "--calib",
                    calib, "-o", out, NULL};
    ck_assert_msg(hbt_run(comp, &text) == 0, "%s", text);
    free(text);
    char *comp2[] = {(char *)hbt_hilbench(), "compress", model, "--variant", "int8", "--calib",
                     calib, "-o", blob, NULL};
    ck_assert_msg(hbt_run(comp2, &text) == 0, "%s", text);
    free(text);
    char *infer8[] = {(char *)hbt_hilbench(), "infer", out, "--input", x, "--input-dtype",
                      "float32", "--output-dtype", "float32", "--output", y, NULL};
    ck_assert_msg(hbt_run(infer8, &text) == 0, "%s", text);
    free(text);
}
END_TEST

/* The shipped ONNX suites (an MLP and a CNN), float and int8, on the
 * native board. */
START_TEST(onnx_suite_runs_on_native)
{
    static const char *suites[] = {"sine_onnx", "bars_onnx"};
    const char *db = hbt_path("%s/s.db", hbt_tmpdir("onnx_suite"));
    char suite[4096];
    snprintf(suite, sizeof(suite), "%s/benchmarks/%s.ini", getenv("HB_SOURCE_DIR"), suites[_i]);
    char *out = NULL;
    char *args[] = {(char *)hbt_hilbench(), "run", "--suite", suite, "--board", "native",
                    "--repeat", "2", "--db", (char *)db, "--quiet", NULL};
    ck_assert_msg(hbt_run(args, &out) == 0, "%s", out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 64/64"), "%s", out);
    free(out);
}
END_TEST

static Suite *onnx_qdq_suite(void)
{
    Suite *s = suite_create("onnx_qdq");
    TCase *tc = tcase_create("qdq");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, qdq_conv_runs_in_int8, 0, 2);
    tcase_add_test(tc, qdq_gemm_runs_in_int8);
    tcase_add_test(tc, float_onnx_compresses_to_int8);
    tcase_add_test(tc, cli_takes_onnx);
    tcase_add_loop_test(tc, onnx_suite_runs_on_native, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(onnx_qdq_suite)
