/*
 * check_sweep.c: `hilbench run` sweeps on the native board with the
 * project's own models (no ../shared needed): the sine suite with float
 * and int8 scored against labels and the float model, composed recipes,
 * a blob made elsewhere, an anomaly dataset with windows, and recipe
 * errors that stop everything before a run row exists.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_util.h"
#include "model/blob.h"
#include "model/graph.h"
#include "model/tflite.h"

static int run_count(const char *db)
{
    char *out = NULL;
    const char *args[] = {"runs", "--db", db, "--json", NULL};
    ck_assert_int_eq(hbt_hb(&out, args), 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(j);
    int n = (int)json_array_size(j);
    json_decref(j);
    free(out);
    return n;
}

static double score(json_t *variant, const char *metric)
{
    json_t *v = json_object_get(json_object_get(variant, "scores"), metric);
    ck_assert_msg(json_is_number(v), "variant %s has no score %s",
                  json_string_value(json_object_get(variant, "recipe")), metric);
    return json_number_value(v);
}

static json_t *variant_of(json_t *run, int i)
{
    return json_array_get(json_object_get(run, "variants"), (size_t)i);
}

START_TEST(sine_suite_float_int8)
{
    const char *dir = hbt_tmpdir("sweep-sine");
    const char *db = hbt_path("%s/s.db", dir);
    const char *suite = hbt_path("%s/benchmarks/sine.ini", getenv("HB_SOURCE_DIR"));
    char *out = NULL;
    const char *args[] = {"run", "--suite", suite, "--board", "native", "--repeat", "2",
                          "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 64/64"), "%s", out);
    ck_assert_msg(strstr(out, "scores (fidelity against float)"), "%s", out);
    free(out);

    json_t *j = hbt_show_json(db, "1"), *run = json_object_get(j, "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "ok");
    ck_assert_str_eq(json_string_value(json_object_get(run, "reference")), "float");
    ck_assert_str_eq(json_string_value(json_object_get(run, "task")), "regression");
    ck_assert_str_eq(json_string_value(json_object_get(run, "suite")), suite);
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(run, "dataset")),
                                 "sine_data"));
    ck_assert_int_eq(json_array_size(json_object_get(j, "variants")), 2);
    json_t *f = variant_of(j, 0), *q = variant_of(j, 1);
    ck_assert_int_eq(json_integer_value(json_object_get(run, "reference_variant_id")),
                     json_integer_value(json_object_get(f, "id")));
    ck_assert_str_eq(json_string_value(json_object_get(f, "recipe")), "float");
    ck_assert_str_eq(json_string_value(json_object_get(q, "recipe")), "int8");
    ck_assert_int_eq(json_array_size(json_object_get(q, "inferences")), 32);

    /* Against the labels: the float model was trained to an MAE < 0.05. */
    ck_assert_double_lt(score(f, "mae"), 0.05);
    ck_assert_double_lt(score(q, "mae"), 0.06);
    /* The reference against itself. */
    ck_assert_double_eq(score(f, "snr_db"), 200.0);
    ck_assert_double_eq(score(f, "rmse"), 0.0);
    ck_assert_double_eq(score(f, "max_abs_error"), 0.0);
    ck_assert_double_eq_tol(score(f, "cosine"), 1.0, 1e-12);
    /* int8 against float: close, but not identical. */
    ck_assert_double_gt(score(q, "snr_db"), 20.0);
    ck_assert_double_lt(score(q, "snr_db"), 100.0);
    ck_assert_double_gt(score(q, "rmse"), 0.0);
    ck_assert_double_lt(score(q, "rmse"), 0.05);
    ck_assert_double_lt(score(q, "max_abs_error"), 0.1);
    ck_assert_double_gt(score(q, "cosine"), 0.99);
    /* A regression has no top-1 class to agree on. */
    ck_assert_ptr_null(json_object_get(json_object_get(q, "scores"), "top1_agreement"));

    /* Per-layer SNR: same op sequence, so layer i against layer i. */
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(q, "layers"), i, l) {
        ck_assert_int_eq(json_integer_value(json_object_get(l, "snr_ref_layer")), (long long)i);
        double db_l = json_number_value(json_object_get(l, "snr_db"));
        ck_assert_msg(db_l > 15.0 && db_l < 100.0, "layer %zu: %g dB", i, db_l);
    }
    json_array_foreach(json_object_get(f, "layers"), i, l)
        ck_assert_double_eq(json_number_value(json_object_get(l, "snr_db")), 200.0);
    json_decref(j);
}
END_TEST

START_TEST(composed_recipes)
{
    const char *dir = hbt_tmpdir("sweep-composed");
    const char *db = hbt_path("%s/c.db", dir);
    const char *model = hbt_path("%s/sine_float.tflite", hbt_models_dir());
    const char *data = hbt_path("%s/sine_data", hbt_models_dir());
    char *out = NULL;
    /* The reference is not listed: it runs first. */
    const char *args[] = {"run", "--board", "native", "--model", model, "--dataset", data,
                          "--variant", "int8:per-tensor", "--variant", "prune:0.5,int8",
                          "--reference", "float", "--repeat", "1", "--warmup", "0",
                          "--no-layers", "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    free(out);
    json_t *j = hbt_show_json(db, "1");
    const char *want[] = {"float", "int8:per-tensor", "prune:0.5,int8"};
    ck_assert_int_eq(json_array_size(json_object_get(j, "variants")), 3);
    for (int k = 0; k < 3; k++) {
        json_t *v = variant_of(j, k);
        ck_assert_str_eq(json_string_value(json_object_get(v, "recipe")), want[k]);
        ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 32);
        score(v, "mae");
        score(v, "snr_db");
        /* Layers untimed, yet compared. */
        json_t *l0 = json_array_get(json_object_get(v, "layers"), 0);
        ck_assert(json_is_null(json_object_get(l0, "cycles_median")));
        ck_assert(json_is_number(json_object_get(l0, "snr_db")));
    }
    /* Pruning half the weights of a 1-16-16-1 network costs fidelity. */
    ck_assert_double_lt(score(variant_of(j, 2), "snr_db"), score(variant_of(j, 1), "snr_db"));
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "task")),
                     "regression");
    json_decref(j);
}
END_TEST

START_TEST(xor_features_and_blob)
{
    const char *dir = hbt_tmpdir("sweep-blob");
    const char *db = hbt_path("%s/b.db", dir);
    const char *blob_path = hbt_path("%s/xor_int8.hbnb", dir);
    const char *model = hbt_path("%s/xor_float.tflite", hbt_models_dir());
    const char *data = hbt_path("%s/xor_data", hbt_models_dir());
    char recipe[4200], *out = NULL;
    graph *g = NULL;
    uint8_t *blob = NULL;
    size_t len = 0;

    /* A variant made elsewhere, as a blob: the int8 model lowered. */
    ck_assert_int_eq(tflite_read_file(hbt_path("%s/xor_int8.tflite", hbt_models_dir()), &g), HB_OK);
    ck_assert_int_eq(blob_build(g, &blob, &len, NULL), HB_OK);
    ck_assert_int_eq(hbt_write_file(blob_path, blob, len), 0);
    free(blob);
    snprintf(recipe, sizeof(recipe), "file:%s", blob_path);
    const char *args[] = {"run", "--board", "native", "--model", model, "--dataset", data,
                          "--variant", "float", "--variant", recipe, "--variant",
                          "features:1,int8", "--calib", data, "--repeat", "1",
                          "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 12/12"), "%s", out);
    free(out);

    json_t *j = hbt_show_json(db, "1");
    json_t *f = variant_of(j, 0), *b = variant_of(j, 1), *k = variant_of(j, 2);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "task")),
                     "classification");
    ck_assert_double_eq(score(f, "accuracy"), 1.0);
    ck_assert_double_eq(score(b, "accuracy"), 1.0);
    ck_assert_double_eq(score(b, "top1_agreement"), 1.0);
    ck_assert_str_eq(json_string_value(json_object_get(b, "recipe")), recipe);
    ck_assert_str_eq(json_string_value(json_object_get(b, "model_file")), blob_path);
    ck_assert_int_eq(json_integer_value(json_object_get(b, "blob_bytes")), (long long)len);
    /* The blob's layer table, rebuilt from its tensors and ops. */
    json_t *layers = json_object_get(b, "layers");
    ck_assert_int_eq(json_array_size(layers), g->n_ops);
    for (int i = 0; i < g->n_ops; i++) {
        json_t *l = json_array_get(layers, (size_t)i);
        ck_assert_str_eq(json_string_value(json_object_get(l, "op")), "FULLY_CONNECTED");
        ck_assert_int_eq(json_integer_value(json_object_get(l, "macs")),
                         (long long)graph_op_macs(g, i));
        ck_assert_int_eq(json_integer_value(json_object_get(l, "snr_ref_layer")), i);
    }
    /* One input of two kept: the vectors were cut down for it. */
    ck_assert_int_eq(json_array_size(json_object_get(k, "inferences")), 4);
    json_t *first = json_array_get(json_object_get(k, "layers"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(first, "input_shapes")), "1x1,8x1,8");
    graph_free(g);
    json_decref(j);
}
END_TEST

START_TEST(anomaly_windows)
{
    const char *dir = hbt_tmpdir("sweep-anomaly");
    char data[4096], db[4200], model[4200];
    char *out = NULL;
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(db, sizeof(db), "%s/a.db", dir);
    snprintf(model, sizeof(model), "%s/halver.tflite", dir);
    mkdir(data, 0777);
    hbt_write_halver(model);
    /* Clips of 6 floats, windows of 4 every 2: two windows each. */
    const float quiet[6] = {0.1f, -0.1f, 0.2f, 0.0f, 0.1f, 0.1f},
                hum[6] = {0.3f, 0.2f, -0.2f, 0.1f, 0.0f, 0.2f},
                bang[6] = {2.0f, -3.0f, 1.0f, 2.5f, -2.0f, 1.0f},
                crash[6] = {-1.5f, 1.0f, 3.0f, -2.0f, 1.0f, 2.0f};
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/quiet.bin", data), quiet, 24), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/hum.bin", data), hum, 24), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/bang.bin", data), bang, 24), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/crash.bin", data), crash, 24), 0);
    const char *csv = "quiet.bin,2,0,16,8\nbang.bin,2,1,16,8\nhum.bin,2,0,16,8\n"
                      "crash.bin,2,1,16,8\n";
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/y_labels.csv", data), csv, strlen(csv)), 0);
    const char *args[] = {"run", "--board", "native", "--model", model, "--dataset", data,
                          "--variant", "float", "--variant", "int8", "--repeat", "1",
                          "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    free(out);
    json_t *j = hbt_show_json(db, "1");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "task")),
                     "anomaly");
    json_t *f = variant_of(j, 0), *q = variant_of(j, 1);
    json_t *infs = json_object_get(f, "inferences");
    ck_assert_int_eq(json_array_size(infs), 8);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(infs, 3), "vector")),
                     "bang.bin[1]");
    ck_assert_double_eq(score(f, "auc"), 1.0);
    ck_assert_double_eq(score(q, "auc"), 1.0);
    ck_assert_ptr_null(json_object_get(json_object_get(q, "scores"), "top1_agreement"));
    json_decref(j);
}
END_TEST

/* Anything wrong with a recipe stops the run before the board starts: no
 * run row, a message naming the recipe. */
START_TEST(recipe_errors_before_run)
{
    const char *dir = hbt_tmpdir("sweep-errors");
    const char *db = hbt_path("%s/e.db", dir);
    char fm[4200], qm[4200], data[4200], xm[4200];
    snprintf(fm, sizeof(fm), "%s/sine_float.tflite", hbt_models_dir());
    snprintf(qm, sizeof(qm), "%s/sine_int8.tflite", hbt_models_dir());
    snprintf(xm, sizeof(xm), "file:%s/xor_float.tflite", hbt_models_dir());
    snprintf(data, sizeof(data), "%s/sine_data", hbt_models_dir());
    static const struct {
        int model_int8;
        const char *v1, *v2, *says;
    } cases[] = {
        {0, "float", "int9", "recipe step 'int9' is unknown"},
        {0, "float", "prune:2", "prune"},
        {1, "float", "int8", "variant 'int8'"},                /* not a float model */
        {0, "int8", "int8", "variant 'int8' is given twice"},
        {0, "float", "file:/nonexistent.tflite", "/nonexistent.tflite"},
        {0, "float", NULL, "input 0 has 2 elements"},           /* xor's inputs */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = NULL;
        const char *args[] = {"run", "--board", "native", "--model",
                              cases[i].model_int8 ? qm : fm, "--dataset", data, "--variant",
                              cases[i].v1, "--variant", cases[i].v2 ? cases[i].v2 : xm,
                              "--db", db, NULL};
        int rc = hbt_hb(&out, args);
        ck_assert_msg(rc != 0, "case %zu ran:\n%s", i, out);
        ck_assert_msg(strstr(out, cases[i].says), "case %zu: no '%s' in:\n%s", i, cases[i].says,
                      out);
        ck_assert_msg(!strstr(out, "board native: starting"), "case %zu started the board", i);
        free(out);
    }
    ck_assert_int_eq(run_count(db), 0);

    /* A bad option value, and --dataset with --vectors. */
    char *out = NULL;
    const char *both[] = {"run", "--board", "native", "--model", fm, "--dataset", data,
                          "--vectors", data, "--db", db, NULL};
    ck_assert_int_eq(hbt_hb(&out, both), 2);
    ck_assert_msg(strstr(out, "--dataset and --vectors"), "%s", out);
    free(out);
    const char *task[] = {"run", "--board", "native", "--model", fm, "--task", "ranking",
                          "--db", db, NULL};
    ck_assert_int_eq(hbt_hb(&out, task), 2);
    ck_assert_msg(strstr(out, "ranking"), "%s", out);
    free(out);
    ck_assert_int_eq(run_count(db), 0);
}
END_TEST

static Suite *sweep_suite(void)
{
    Suite *s = suite_create("sweep");
    TCase *tc = tcase_create("native");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, sine_suite_float_int8);
    tcase_add_test(tc, composed_recipes);
    tcase_add_test(tc, xor_features_and_blob);
    tcase_add_test(tc, anomaly_windows);
    tcase_add_test(tc, recipe_errors_before_run);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(sweep_suite)
