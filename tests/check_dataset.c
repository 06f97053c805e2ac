/*
 * check_dataset.c: y_labels.csv parsing and dataset folders
 * (host/session/dataset): labels, windows, element mappings, detection,
 * random vectors, and clear errors naming the file and the line.
 */
#include "check_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "session/dataset.h"

/* A graph with one input of n elements (rank 2), enough for a dataset. */
static graph *input_graph(int dtype, int n, float scale, int32_t zp)
{
    graph *g = NULL;
    int t;
    int32_t dims[2] = {1, n};
    ck_assert_int_eq(graph_new(&g), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "in", dtype, 2, dims, NULL, 0, &t), HB_OK);
    if (scale > 0)
        ck_assert_int_eq(graph_set_quant(g, t, 1, &scale, &zp, 0), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, &t, 1, &t), HB_OK);
    return g;
}

static void write_text(const char *path, const char *text)
{
    ck_assert_int_eq(hbt_write_file(path, text, strlen(text)), 0);
}

static void write_floats(const char *path, const float *v, int n)
{
    ck_assert_int_eq(hbt_write_file(path, v, (size_t)n * sizeof(float)), 0);
}

START_TEST(test_labels_good)
{
    const char *dir = hbt_tmpdir("labels-good");
    const char *csv = hbt_path("%s/y_labels.csv", dir);
    dataset_label *rows = NULL;
    int n = 0;

    write_text(csv, "# file, classes, label\n"
                    "a.bin,10,3\n"
                    "\n"
                    "  sub/b.bin , 2 , 1 , 2560 , 512 \r\n"
                    "c.bin,1,-0.25");
    ck_assert_msg(dataset_labels_read(csv, &rows, &n) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(rows[0].file, "a.bin");
    ck_assert_int_eq(rows[0].classes, 10);
    ck_assert_double_eq(rows[0].label, 3);
    ck_assert_int_eq(rows[0].window, 0);
    ck_assert_int_eq(rows[0].line, 2);
    ck_assert_str_eq(rows[1].file, "sub/b.bin");
    ck_assert_int_eq(rows[1].window, 2560);
    ck_assert_int_eq(rows[1].stride, 512);
    ck_assert_int_eq(rows[1].line, 4);
    ck_assert_double_eq(rows[2].label, -0.25);
    ck_assert_int_eq(rows[2].line, 5);
    dataset_labels_free(rows, n);
}
END_TEST

static const struct {
    const char *text;
    int line;             /* the line the message must name */
    const char *says;
} bad_labels[] = {
    {"a.bin,2\n", 1, "expected file,classes,label"},
    {"a.bin,2,1\nb.bin,2,1,640\n", 2, "(4 fields)"},
    {"a.bin,2,1,2,3,4\n", 1, "more than 5"},
    {"a.bin,two,1\n", 1, "classes 'two'"},
    {"a.bin,0,0\n", 1, "classes '0'"},
    {"a.bin,2,yes\n", 1, "label 'yes'"},
    {"a.bin,2,1,0,128\n", 1, "window '0'"},
    {"a.bin,2,1,640,-1\n", 1, "stride '-1'"},
    {",2,1\n", 1, "empty file name"},
    {"ok.bin,2,1\n../a.bin,2,1\n", 2, "outside the dataset folder"},
    {"/etc/passwd,2,1\n", 1, "outside the dataset folder"},
    {"sub/../../a.bin,2,1\n", 1, "outside the dataset folder"},
    {"a.bin,2,1\n# again\na.bin,2,0\n", 3, "listed twice (first on line 1)"},
};

START_TEST(test_labels_bad)
{
    const char *dir = hbt_tmpdir("labels-bad");
    const char *csv = hbt_path("%s/y_labels.csv", dir);
    char where[4200];
    dataset_label *rows = (dataset_label *)1;
    int n = 7;

    write_text(csv, bad_labels[_i].text);
    ck_assert_int_eq(dataset_labels_read(csv, &rows, &n), HB_ERR_FORMAT);
    ck_assert_ptr_null(rows);
    ck_assert_int_eq(n, 0);
    snprintf(where, sizeof(where), "%s:%d: ", csv, bad_labels[_i].line);
    ck_assert_msg(strstr(hb_last_error(), where), "'%s' does not name %s", hb_last_error(), where);
    ck_assert_msg(strstr(hb_last_error(), bad_labels[_i].says), "'%s' does not say '%s'",
                  hb_last_error(), bad_labels[_i].says);
}
END_TEST

START_TEST(test_labels_empty_or_missing)
{
    const char *dir = hbt_tmpdir("labels-empty");
    const char *csv = hbt_path("%s/y_labels.csv", dir);
    dataset_label *rows = NULL;
    int n = 0;
    write_text(csv, "# nothing\n\n");
    ck_assert_int_eq(dataset_labels_read(csv, &rows, &n), HB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "no rows"));
    ck_assert_int_eq(dataset_labels_read(hbt_path("%s/none.csv", dir), &rows, &n),
                     HB_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "none.csv"));
}
END_TEST

START_TEST(test_classification)
{
    const char *dir = hbt_tmpdir("ds-class");
    const float a[2] = {0, 1}, b[2] = {1, 1}, c[2] = {0.5f, -2};
    graph *g = input_graph(NN_DT_FLOAT32, 2, 0, 0);
    dataset d;
    float x[2];

    write_floats(hbt_path("%s/a.bin", dir), a, 2);
    write_floats(hbt_path("%s/b.bin", dir), b, 2);
    write_floats(hbt_path("%s/c.bin", dir), c, 2);
    /* Rows decide the order, not the names. */
    write_text(hbt_path("%s/y_labels.csv", dir), "c.bin,2,1\na.bin,2,1\nb.bin,2,0\n");
    ck_assert_msg(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d) == HB_OK, "%s",
                  hb_last_error());
    ck_assert_int_eq(d.task, DATASET_TASK_CLASSIFICATION);
    ck_assert_int_eq(d.detected, 1);
    ck_assert_int_eq(d.n, 3);
    ck_assert_int_eq(d.windows, 3);
    ck_assert_str_eq(d.samples[0].name, "c.bin");
    ck_assert_double_eq(d.samples[1].label, 1);
    dataset_values(&d, 0, 0, x);
    ck_assert(x[0] == 0.5f && x[1] == -2.0f);
    dataset_free(&d);

    /* A label that is not a class. */
    write_text(hbt_path("%s/y_labels.csv", dir), "c.bin,2,1\na.bin,2,2\n");
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d), HB_ERR_FORMAT);
    ck_assert_msg(strstr(hb_last_error(), "y_labels.csv:2:") &&
                  strstr(hb_last_error(), "label 2"), "%s", hb_last_error());
    ck_assert_int_eq(d.n, 0);

    /* A listed file that is missing, and one of the wrong size. */
    write_text(hbt_path("%s/y_labels.csv", dir), "c.bin,2,1\nzz.bin,2,1\n");
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d), HB_ERR_NOT_FOUND);
    ck_assert_msg(strstr(hb_last_error(), "y_labels.csv:2") && strstr(hb_last_error(), "zz.bin"),
                  "%s", hb_last_error());
    write_floats(hbt_path("%s/short.bin", dir), a, 1);
    write_text(hbt_path("%s/y_labels.csv", dir), "c.bin,2,1\nshort.bin,2,1\n");
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d), HB_ERR_ARG);
    ck_assert_msg(strstr(hb_last_error(), "y_labels.csv:2") &&
                  strstr(hb_last_error(), "short.bin has 4 bytes"), "%s", hb_last_error());
    graph_free(g);
}
END_TEST

START_TEST(test_regression_and_unlabelled)
{
    const char *dir = hbt_tmpdir("ds-reg");
    const float v0 = 0.25f, v1 = 3.0f;
    graph *g = input_graph(NN_DT_FLOAT32, 1, 0, 0);
    dataset d;
    float x;

    write_floats(hbt_path("%s/x1.bin", dir), &v1, 1);
    write_floats(hbt_path("%s/x0.bin", dir), &v0, 1);
    /* No labels: every *.bin in name order, no task. */
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d), HB_OK);
    ck_assert_int_eq(d.task, DATASET_TASK_NONE);
    ck_assert_str_eq(d.samples[0].name, "x0.bin");
    ck_assert_int_eq(d.samples[0].labelled, 0);
    dataset_free(&d);
    /* One class: regression, any real label. */
    write_text(hbt_path("%s/y_labels.csv", dir), "x0.bin,1,0.247\nx1.bin,1,0.141\n");
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d), HB_OK);
    ck_assert_int_eq(d.task, DATASET_TASK_REGRESSION);
    ck_assert_double_eq_tol(d.samples[1].label, 0.141, 1e-12);
    dataset_values(&d, 1, 0, &x);
    ck_assert(x == 3.0f);
    dataset_free(&d);
    graph_free(g);
}
END_TEST

START_TEST(test_anomaly_windows)
{
    const char *dir = hbt_tmpdir("ds-anomaly");
    const float clip[8] = {0, 1, 2, 3, 4, 5, 6, 7};
    graph *g = input_graph(NN_DT_FLOAT32, 4, 0, 0);
    dataset d;
    float x[4];
    char name[64];

    write_floats(hbt_path("%s/n.bin", dir), clip, 8);
    write_floats(hbt_path("%s/a.bin", dir), clip, 6);
    /* 4 floats per window (16 bytes), a new window every 2 floats. */
    write_text(hbt_path("%s/y_labels.csv", dir), "n.bin,2,0,16,8\na.bin,2,1,16,8\n");
    ck_assert_msg(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d) == HB_OK, "%s",
                  hb_last_error());
    ck_assert_int_eq(d.task, DATASET_TASK_ANOMALY);
    ck_assert_int_eq(d.samples[0].n_windows, 3); /* at 0, 2, 4 */
    ck_assert_int_eq(d.samples[1].n_windows, 2); /* at 0, 2 */
    ck_assert_int_eq(d.windows, 5);
    dataset_values(&d, 0, 2, x);
    ck_assert(x[0] == 4.0f && x[3] == 7.0f);
    dataset_vector_name(&d, 0, 2, name, sizeof(name));
    ck_assert_str_eq(name, "n.bin[2]");
    dataset_free(&d);

    /* A window that is not one vector, and an anomaly row without one. */
    write_text(hbt_path("%s/y_labels.csv", dir), "n.bin,2,0,12,8\n");
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_NONE, &d), HB_ERR_ARG);
    ck_assert_msg(strstr(hb_last_error(), "per window"), "%s", hb_last_error());
    write_floats(hbt_path("%s/one.bin", dir), clip, 4);
    write_text(hbt_path("%s/y_labels.csv", dir), "one.bin,2,0\n");
    ck_assert_int_eq(dataset_load(dir, g, NULL, DATASET_TASK_ANOMALY, &d), HB_ERR_FORMAT);
    ck_assert_msg(strstr(hb_last_error(), "y_labels.csv:1") && strstr(hb_last_error(), "window"),
                  "%s", hb_last_error());
    graph_free(g);
}
END_TEST

START_TEST(test_elements)
{
    const char *dir = hbt_tmpdir("ds-elem");
    const uint8_t pix[3] = {0, 51, 255};
    const int8_t q[3] = {10, 12, -128};
    graph *f = input_graph(NN_DT_FLOAT32, 3, 0, 0);
    graph *i8 = input_graph(NN_DT_INT8, 3, 0.5f, 10);
    dataset_element u8 = {NN_DT_UINT8, 1.0 / 255.0, -0.5};
    dataset d;
    float x[3];

    ck_assert_int_eq(hbt_write_file(hbt_path("%s/p.bin", dir), pix, 3), 0);
    /* Declared: x = raw * scale + offset. */
    ck_assert_int_eq(dataset_load(dir, f, &u8, DATASET_TASK_NONE, &d), HB_OK);
    ck_assert_int_eq(d.detected, 0);
    dataset_values(&d, 0, 0, x);
    ck_assert_float_eq_tol(x[0], -0.5f, 1e-7f);
    ck_assert_float_eq_tol(x[1], -0.3f, 1e-7f);
    ck_assert_float_eq_tol(x[2], 0.5f, 1e-7f);
    dataset_free(&d);
    /* Three bytes for a float model without a declaration: refused. */
    ck_assert_int_eq(dataset_load(dir, f, NULL, DATASET_TASK_NONE, &d), HB_ERR_ARG);
    ck_assert_msg(strstr(hb_last_error(), "p.bin has 3 bytes"), "%s", hb_last_error());

    /* Detected: the int8 model's own values, x = 0.5 (q - 10). */
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/p.bin", dir), q, 3), 0);
    ck_assert_int_eq(dataset_load(dir, i8, NULL, DATASET_TASK_NONE, &d), HB_OK);
    ck_assert_int_eq(d.detected, 1);
    dataset_values(&d, 0, 0, x);
    ck_assert(x[0] == 0.0f && x[1] == 1.0f && x[2] == -69.0f);
    dataset_free(&d);
    graph_free(f);
    graph_free(i8);
}
END_TEST

START_TEST(test_random_and_floats)
{
    graph *f = input_graph(NN_DT_FLOAT32, 5, 0, 0);
    dataset_element u8 = {NN_DT_UINT8, 2.0, 1.0};
    dataset d, e;
    float **v = NULL;
    int n = 0;

    ck_assert_int_eq(dataset_random(3, 1000, f, NULL, &d), HB_OK);
    ck_assert_int_eq(d.n, 3);
    ck_assert_int_eq(d.task, DATASET_TASK_NONE);
    ck_assert_str_eq(d.samples[2].name, "random-2");
    ck_assert_int_eq(dataset_floats(&d, 2, &v, &n), HB_OK); /* at most 2 */
    ck_assert_int_eq(n, 2);
    for (int i = 0; i < 5; i++)
        ck_assert(v[1][i] >= -1.0f && v[1][i] < 1.0f);
    dataset_floats_free(v, n);
    /* The same seed gives the same vectors; a declared type maps them. */
    ck_assert_int_eq(dataset_random(3, 1000, f, &u8, &e), HB_OK);
    float x[5];
    dataset_values(&e, 0, 0, x);
    for (int i = 0; i < 5; i++)
        ck_assert(x[i] >= 1.0f && x[i] <= 511.0f && x[i] == floorf(x[i]) && (int)x[i] % 2 == 1);
    dataset_free(&d);
    dataset_free(&e);
    ck_assert_int_eq(dataset_random(0, 1, f, NULL, &d), HB_ERR_ARG);
    graph_free(f);
}
END_TEST

/* Random vectors of a one-element model: neighbouring vectors, neighbouring
 * seeds and seed 0 must not start alike (xorshift32 from seed + k did: every
 * first value near -1, seed 0 all -1). */
START_TEST(test_random_spread)
{
    graph *f = input_graph(NN_DT_FLOAT32, 1, 0, 0);
    dataset a, b, z;
    float x[1], first_a[64], first_b[64];
    int below = 0, above = 0;

    ck_assert_int_eq(dataset_random(64, 7, f, NULL, &a), HB_OK);
    ck_assert_int_eq(dataset_random(64, 8, f, NULL, &b), HB_OK);
    ck_assert_int_eq(dataset_random(2, 0, f, NULL, &z), HB_OK);
    for (int k = 0; k < 64; k++) {
        dataset_values(&a, k, 0, x);
        first_a[k] = x[0];
        dataset_values(&b, k, 0, x);
        first_b[k] = x[0];
        below += first_a[k] < 0.0f;
        above += first_a[k] >= 0.0f;
    }
    /* Uniform in [-1, 1): 64 draws fall on both halves (chance of not:
     * 2^-63), and seed 8 shares no vector with seed 7 (not shifted by one). */
    ck_assert_int_ge(below, 8);
    ck_assert_int_ge(above, 8);
    for (int k = 0; k + 1 < 64; k++) {
        ck_assert(first_a[k] != first_a[k + 1]);
        ck_assert(first_b[k] != first_a[k + 1]);
    }
    float z0[1], z1[1];
    dataset_values(&z, 0, 0, z0);
    dataset_values(&z, 1, 0, z1);
    ck_assert(z0[0] != -1.0f && z1[0] != -1.0f && z0[0] != z1[0]);
    dataset_free(&a);
    dataset_free(&b);
    dataset_free(&z);
    graph_free(f);
}
END_TEST

START_TEST(test_words)
{
    dataset_task t;
    int dt;
    ck_assert_int_eq(dataset_task_parse("anomaly", &t), HB_OK);
    ck_assert_int_eq(t, DATASET_TASK_ANOMALY);
    ck_assert_str_eq(dataset_task_name(DATASET_TASK_REGRESSION), "regression");
    ck_assert_ptr_null(dataset_task_name(DATASET_TASK_NONE));
    ck_assert_int_eq(dataset_task_parse("detection", &t), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "detection"));
    ck_assert_int_eq(dataset_element_parse("uint8", &dt), HB_OK);
    ck_assert_int_eq(dt, NN_DT_UINT8);
    ck_assert_int_eq(dataset_element_parse("float64", &dt), HB_ERR_ARG);
}
END_TEST

static Suite *dataset_suite(void)
{
    Suite *s = suite_create("dataset");
    TCase *tc = tcase_create("dataset");
    tcase_add_test(tc, test_labels_good);
    tcase_add_loop_test(tc, test_labels_bad, 0, (int)(sizeof(bad_labels) / sizeof(bad_labels[0])));
    tcase_add_test(tc, test_labels_empty_or_missing);
    tcase_add_test(tc, test_classification);
    tcase_add_test(tc, test_regression_and_unlabelled);
    tcase_add_test(tc, test_anomaly_windows);
    tcase_add_test(tc, test_elements);
    tcase_add_test(tc, test_random_and_floats);
    tcase_add_test(tc, test_random_spread);
    tcase_add_test(tc, test_words);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(dataset_suite)
