/*
 * check_models.c: the project's own models (benchmarks/models/make_models.c)
 * as the build wrote them into hbt_models_dir(): present, valid TFLite that
 * round-trips byte for byte, and as good as promised on their datasets when
 * run through the host engine.
 */
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "compress/quantize.h"
#include "model/hostrun.h"
#include "model/tflite.h"

static const char *const model_files[] = {
    "sine_float.tflite", "sine_int8.tflite", "xor_float.tflite", "xor_int8.tflite",
};
#define N_MODELS 4

/* A dataset in the MLPerf Tiny layout: <dir>/<name>_data/y_labels.csv with
 * rows "file,count,label" and raw float32 vectors. */
typedef struct {
    int n;
    float x[64][2];
    double label[64];
} dataset;

static void load_dataset(const char *name, int depth, int count, dataset *d)
{
    char dir[4096]; /* hbt_path() buffers rotate */
    size_t len = 0;
    snprintf(dir, sizeof(dir), "%s/%s_data", hbt_models_dir(), name);
    char *csv = (char *)hbt_read_file(hbt_path("%s/y_labels.csv", dir), &len);
    ck_assert_msg(csv != NULL, "%s/y_labels.csv missing", dir);
    d->n = 0;
    for (char *line = strtok(csv, "\n"); line; line = strtok(NULL, "\n")) {
        char file[64];
        int cnt;
        ck_assert_int_lt(d->n, 64);
        ck_assert_msg(sscanf(line, "%63[^,],%d,%lf", file, &cnt,
                             &d->label[d->n]) == 3, "bad row '%s'", line);
        ck_assert_int_eq(cnt, count);
        ck_assert_str_eq(file, hbt_path("x_%03d.bin", d->n));
        size_t blen = 0;
        uint8_t *x = hbt_read_file(hbt_path("%s/%s", dir, file), &blen);
        ck_assert_msg(x != NULL, "%s/%s missing", dir, file);
        ck_assert_uint_eq(blen, (size_t)depth * sizeof(float));
        memcpy(d->x[d->n], x, blen);
        free(x);
        d->n++;
    }
    free(csv);
}

/* Output 0 as a float for input vector x, quantising and dequantising with
 * the model's own parameters when it is int8. */
static float run(hostrun *r, const float *x, int depth)
{
    nn_tensor in, out;
    int8_t q[2];
    ck_assert_int_eq(hostrun_input(r, 0, &in), HB_OK);
    if (in.dtype == NN_DT_INT8) {
        ck_assert_int_eq(in.quant, NN_QUANT_TENSOR);
        for (int i = 0; i < depth; i++)
            q[i] = compress_int8_from_float(x[i], in.scale, in.zero_point);
        ck_assert_int_eq(hostrun_set_input(r, 0, q, (size_t)depth), HB_OK);
    } else {
        ck_assert_int_eq(hostrun_set_input(r, 0, x, (size_t)depth * sizeof(float)),
                         HB_OK);
    }
    ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
    ck_assert_int_eq(hostrun_output(r, 0, &out), HB_OK);
    ck_assert_uint_eq(out.count, 1);
    if (out.dtype == NN_DT_INT8)
        return compress_int8_to_float(*(const int8_t *)out.data, out.scale,
                                      out.zero_point);
    ck_assert_int_eq(out.dtype, NN_DT_FLOAT32);
    return *(const float *)out.data;
}

static hostrun *open_model(const char *file)
{
    graph *g = NULL;
    hostrun *r = NULL;
    const char *path = hbt_path("%s/%s", hbt_models_dir(), file);
    ck_assert_msg(tflite_read_file(path, &g) == HB_OK, "%s: %s", path,
                  hb_last_error());
    ck_assert_msg(hostrun_new(g, &r) == HB_OK, "%s: %s", path, hb_last_error());
    graph_free(g);
    return r;
}

/* Reads back, validates, has the expected structure, and writing the graph
 * again gives the file's bytes. */
START_TEST(test_round_trip)
{
    const char *file = model_files[_i];
    const char *path = hbt_path("%s/%s", hbt_models_dir(), file);
    int is_int8 = strstr(file, "int8") != NULL, is_sine = file[0] == 's';
    graph *g = NULL;
    uint8_t *buf = NULL;
    size_t len = 0, flen = 0;
    uint8_t *fbytes = hbt_read_file(path, &flen);

    ck_assert_msg(fbytes != NULL, "%s missing", path);
    ck_assert_msg(tflite_read_file(path, &g) == HB_OK, "%s: %s", path,
                  hb_last_error());
    ck_assert_int_eq(graph_validate(g), HB_OK);
    ck_assert_int_eq(g->n_ops, is_sine ? 3 : 2);
    ck_assert_int_eq(g->n_inputs, 1);
    ck_assert_int_eq(g->n_outputs, 1);
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        ck_assert_int_eq(o->op, NN_OP_FULLY_CONNECTED);
        ck_assert_int_eq(o->opt.activation,
                         i == g->n_ops - 1 ? NN_ACT_NONE : NN_ACT_RELU);
        ck_assert_int_eq(o->n_inputs, 3);
        const graph_tensor *w = &g->tensors[o->inputs[1]];
        const graph_tensor *b = &g->tensors[o->inputs[2]];
        ck_assert_int_eq(w->dtype, is_int8 ? NN_DT_INT8 : NN_DT_FLOAT32);
        ck_assert_int_eq(b->dtype, is_int8 ? NN_DT_INT32 : NN_DT_FLOAT32);
        ck_assert_int_eq(w->n_quant, is_int8 ? (int)w->dims[0] : 0);
        ck_assert_int_eq(g->tensors[o->outputs[0]].dtype,
                         is_int8 ? NN_DT_INT8 : NN_DT_FLOAT32);
    }
    const graph_tensor *in = &g->tensors[g->inputs[0]];
    ck_assert_int_eq(in->dims[in->rank - 1], is_sine ? 1 : 2);
    ck_assert_int_eq(in->n_quant, is_int8 ? 1 : 0);
    ck_assert_int_eq(tflite_write(g, &buf, &len), HB_OK);
    ck_assert_uint_eq(len, flen);
    ck_assert_mem_eq(buf, fbytes, len);
    free(buf);
    free(fbytes);
    graph_free(g);
}
END_TEST

START_TEST(test_sine_mae)
{
    static dataset d;
    const char *file = _i ? "sine_int8.tflite" : "sine_float.tflite";
    double limit = _i ? 0.08 : 0.05, sum = 0.0;
    load_dataset("sine", 1, 1, &d);
    ck_assert_int_eq(d.n, 32);
    hostrun *r = open_model(file);
    for (int i = 0; i < d.n; i++) {
        ck_assert(d.x[i][0] >= 0.0f && d.x[i][0] < 6.2832f);
        ck_assert_double_eq_tol(d.label[i], sin((double)d.x[i][0]), 1e-8);
        sum += fabs((double)run(r, d.x[i], 1) - d.label[i]);
    }
    double mae = sum / d.n;
    ck_assert_msg(mae < limit, "%s: MAE %.4f, limit %.2f", file, mae, limit);
    hostrun_free(r);
}
END_TEST

START_TEST(test_xor)
{
    static dataset d;
    const char *file = _i ? "xor_int8.tflite" : "xor_float.tflite";
    static const int want[4] = {0, 1, 1, 0};
    load_dataset("xor", 2, 2, &d);
    ck_assert_int_eq(d.n, 4);
    hostrun *r = open_model(file);
    for (int i = 0; i < 4; i++) {
        ck_assert_float_eq(d.x[i][0], (float)(i >> 1));
        ck_assert_float_eq(d.x[i][1], (float)(i & 1));
        ck_assert_int_eq((int)d.label[i], want[i]);
        float y = run(r, d.x[i], 2);
        /* Trained to 0/1 with margin: well clear of the 0.5 threshold. */
        ck_assert_msg(want[i] ? y > 0.75f : y < 0.25f, "%s: point %d gives %g",
                      file, i, (double)y);
    }
    hostrun_free(r);
}
END_TEST

/* The trainer is deterministic: running it again gives the same bytes. */
START_TEST(test_rerun_identical)
{
    char prog[4096], tool[4096], dir[4096]; /* not hbt_path(): it rotates */
    snprintf(prog, sizeof(prog), "%s", hbt_hilbench());
    snprintf(tool, sizeof(tool), "%s/hilbench-make-models", dirname(prog));
    const char *tmp = hbt_tmpdir("models");
    ck_assert_ptr_nonnull(tmp);
    snprintf(dir, sizeof(dir), "%s", tmp);
    char *out = NULL;
    char *argv[] = {tool, "--out", dir, NULL};
    ck_assert_msg(hbt_run(argv, &out) == 0, "%s failed:\n%s", tool, out);
    ck_assert_ptr_nonnull(strstr(out, "wrote"));
    free(out);
    for (int i = 0; i < N_MODELS + 2; i++) {
        const char *f = i < N_MODELS ? model_files[i]
                      : i == N_MODELS ? "sine_data/y_labels.csv"
                                      : "xor_data/x_003.bin";
        size_t la = 0, lb = 0;
        uint8_t *a = hbt_read_file(hbt_path("%s/%s", hbt_models_dir(), f), &la);
        uint8_t *b = hbt_read_file(hbt_path("%s/%s", dir, f), &lb);
        ck_assert_msg(a && b, "%s missing", f);
        ck_assert_uint_eq(la, lb);
        ck_assert_msg(memcmp(a, b, la) == 0, "%s differs between runs", f);
        free(a);
        free(b);
    }
    char *bad[] = {tool, "--bogus", NULL};
    ck_assert_int_ne(hbt_run(bad, &out), 0);
    ck_assert_ptr_nonnull(strstr(out, "--bogus"));
    free(out);
}
END_TEST

static Suite *models_suite(void)
{
    Suite *s = suite_create("models");
    TCase *tc = tcase_create("files");
    tcase_add_loop_test(tc, test_round_trip, 0, N_MODELS);
    tcase_add_test(tc, test_rerun_identical);
    suite_add_tcase(s, tc);
    tc = tcase_create("quality");
    tcase_add_loop_test(tc, test_sine_mae, 0, 2);
    tcase_add_loop_test(tc, test_xor, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(models_suite)
