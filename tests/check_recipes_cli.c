/*
 * check_recipes_cli.c: `hilbench compress` and what `hilbench infer` needs
 * to read its output: .tflite and blob files of every quantisation recipe
 * give identical outputs, float I/O through the model's own quantisation,
 * the command's errors, and `hilbench inspect --variant` of the same recipe.
 *
 * The model is the project's own sine_float.tflite (x [1, 1] -> three
 * FULLY_CONNECTED layers -> y [1, 1], trained on y = sin x for x in
 * [0, 2 pi)); calibration: 16 points spread over that interval.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"

static int run_hilbench(char **out, const char *const *args)
{
    char *argv[16] = {(char *)hbt_hilbench()};
    int n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = (char *)args[n - 1];
    argv[n] = NULL;
    return hbt_run(argv, out);
}

/* A folder with the model path, a calibration folder and x = 1.0. */
typedef struct {
    char dir[1024], model[1100], calib[1100], x[1100];
} fixture;

static void setup(fixture *f, const char *tag)
{
    snprintf(f->dir, sizeof(f->dir), "%s", hbt_tmpdir(tag));
    snprintf(f->model, sizeof(f->model), "%s/sine_float.tflite", hbt_models_dir());
    snprintf(f->calib, sizeof(f->calib), "%s/calib", f->dir);
    snprintf(f->x, sizeof(f->x), "%s/x.bin", f->dir);
    char *out = NULL;
    char *const mk[] = {"mkdir", "-p", f->calib, NULL};
    ck_assert_int_eq(hbt_run(mk, &out), 0);
    free(out);
    for (int k = 0; k < 16; k++) {
        float v = (float)k * 6.2831853f / 15.0f;
        ck_assert_int_eq(hbt_write_file(hbt_path("%s/v%02d.bin", f->calib, k), &v, 4), 0);
    }
    float x = 1.0f;
    ck_assert_int_eq(hbt_write_file(f->x, &x, 4), 0);
}

static float read_float(const char *path)
{
    size_t n = 0;
    float v = NAN;
    uint8_t *b = hbt_read_file(path, &n);
    ck_assert_ptr_nonnull(b);
    ck_assert_uint_eq(n, 4);
    memcpy(&v, b, 4);
    free(b);
    return v;
}

static const char *const recipes[] = {"int8", "int8:per-tensor:mse", "int8:percentile=99.9",
                                      "int16x8", "dynamic"};

/* .tflite and blob of one recipe give identical bytes through infer, raw
 * and as floats; the float output follows sin(1). */
START_TEST(tflite_and_blob_agree)
{
    fixture f;
    char tfl[1200], blob[1200], y[2][1200], raw[2][1200], *out = NULL;
    setup(&f, "recipes-cli");
    snprintf(tfl, sizeof(tfl), "%s/v.tflite", f.dir);
    snprintf(blob, sizeof(blob), "%s/v.blob", f.dir);

    const char *c1[] = {"compress", f.model, "--variant", recipes[_i], "--calib", f.calib,
                        "-o", tfl, NULL};
    ck_assert_msg(run_hilbench(&out, c1) == 0, "%s: %s", recipes[_i], out);
    ck_assert_ptr_nonnull(strstr(out, "TensorFlow Lite"));
    free(out);
    const char *c2[] = {"compress", f.model, "--variant", recipes[_i], "--calib", f.calib,
                        "--output", blob, NULL};
    ck_assert_msg(run_hilbench(&out, c2) == 0, "%s: %s", recipes[_i], out);
    ck_assert_ptr_nonnull(strstr(out, "hilbench blob"));
    free(out);
    for (int k = 0; k < 2; k++) {
        const char *m = k ? blob : tfl;
        snprintf(y[k], sizeof(y[k]), "%s/y%d.bin", f.dir, k);
        snprintf(raw[k], sizeof(raw[k]), "%s/raw%d.bin", f.dir, k);
        const char *i1[] = {"infer", m, "--input", f.x, "--input-dtype", "float32",
                            "--output-dtype", "float32", "--output", y[k], NULL};
        ck_assert_msg(run_hilbench(&out, i1) == 0, "infer %s: %s", m, out);
        free(out);
        const char *i2[] = {"infer", m, "--input", f.x, "--input-dtype", "float32",
                            "--output", raw[k], NULL};
        ck_assert_msg(run_hilbench(&out, i2) == 0, "infer %s: %s", m, out);
        free(out);
    }
    float y0 = read_float(y[0]), y1 = read_float(y[1]);
    ck_assert_msg(memcmp(&y0, &y1, 4) == 0, "%s: tflite %g, blob %g", recipes[_i], (double)y0,
                  (double)y1);
    ck_assert_msg(fabsf(y0 - sinf(1.0f)) < 0.1f, "%s: y %g, sin(1) %g", recipes[_i],
                  (double)y0, (double)sinf(1.0f));
    size_t n0, n1;
    uint8_t *a = hbt_read_file(raw[0], &n0), *b = hbt_read_file(raw[1], &n1);
    ck_assert_uint_eq(n0, n1);
    ck_assert_mem_eq(a, b, n0);
    free(a);
    free(b);
}
END_TEST

static const struct {
    const char *recipe;
    int with_calib;
    const char *message;
} errors[] = {
    {"int8", 0, "recipe 'int8' needs calibration vectors: --calib DIR"},
    {"int9", 1, "recipe step 'int9' is unknown"},
    {"int8:what", 1, "int8: unknown argument 'what'"},
};

START_TEST(command_errors)
{
    fixture f;
    char *out = NULL;
    setup(&f, "recipes-cli-err");
    const char *o = hbt_path("%s/never.blob", f.dir);
    const char *with[] = {"compress", f.model, "--variant", errors[_i].recipe, "--calib",
                          f.calib, "-o", o, NULL};
    const char *without[] = {"compress", f.model, "--variant", errors[_i].recipe, "-o", o, NULL};
    ck_assert_int_eq(run_hilbench(&out, errors[_i].with_calib ? with : without), 2);
    ck_assert_msg(strstr(out, "hilbench: error: ") && strstr(out, errors[_i].message), "'%s'",
                  out);
    ck_assert_ptr_null(hbt_read_file(o, NULL));
    free(out);
}
END_TEST

/* A variant of a variant does not apply, and says so; a calibration file
 * of the wrong size is named; infer refuses a dtype it does not convert. */
START_TEST(command_refusals)
{
    fixture f;
    char q[1200], *out = NULL;
    setup(&f, "recipes-cli-ref");
    snprintf(q, sizeof(q), "%s/q.tflite", f.dir);
    const char *c1[] = {"compress", f.model, "--variant", "int8", "--calib", f.calib, "-o", q,
                        NULL};
    ck_assert_int_eq(run_hilbench(&out, c1), 0);
    free(out);
    const char *c2[] = {"compress", q, "--variant", "int16x8", "--calib", f.calib, "-o",
                        hbt_path("%s/qq.blob", f.dir), NULL};
    ck_assert_int_eq(run_hilbench(&out, c2), 1);
    ck_assert_msg(strstr(out, "step 'int16x8' does not apply: the model is not float"), "'%s'",
                  out);
    free(out);
    static const float two[2] = {1, 2};
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/bad.bin", f.calib), two, 8), 0);
    const char *c3[] = {"compress", f.model, "--variant", "int8", "--calib", f.calib, "-o",
                        hbt_path("%s/q2.blob", f.dir), NULL};
    ck_assert_int_eq(run_hilbench(&out, c3), 2);
    ck_assert_msg(strstr(out, "bad.bin has 8 bytes"), "'%s'", out);
    free(out);
    const char *i1[] = {"infer", q, "--input", f.x, "--input-dtype", "int4", "--output",
                        hbt_path("%s/y.bin", f.dir), NULL};
    ck_assert_int_eq(run_hilbench(&out, i1), 2);
    ck_assert_msg(strstr(out, "--input-dtype: 'int4' is not supported"), "'%s'", out);
    free(out);
    const char *h[] = {"compress", "--help", NULL};
    ck_assert_int_eq(run_hilbench(&out, h), 0);
    ck_assert_ptr_nonnull(strstr(out, "-o, --output OUT"));
    free(out);
}
END_TEST

/* `hilbench inspect --variant` shows the variant `compress` makes: the
 * blob size is that of the compressed blob file, the layers are int8, and
 * calibration (given, or the default random vectors) changes no size. */
START_TEST(inspect_shows_the_variant)
{
    fixture f;
    setup(&f, "inspect-variant");
    const char *blob = hbt_path("%s/v.blob", f.dir);
    char *out = NULL;
    const char *c[] = {"compress", f.model, "--variant", "int8", "--calib", f.calib, "-o",
                       blob, NULL};
    ck_assert_msg(run_hilbench(&out, c) == 0, "%s", out);
    free(out);
    size_t blob_bytes = 0;
    free(hbt_read_file(blob, &blob_bytes));
    ck_assert_uint_gt(blob_bytes, 0);

    for (int with_calib = 0; with_calib < 2; with_calib++) {
        const char *i[] = {"inspect", f.model, "--variant", "int8", "--json",
                           with_calib ? "--calib" : NULL, f.calib, NULL};
        ck_assert_msg(run_hilbench(&out, i) == 0, "%s", out);
        json_error_t e;
        json_t *j = json_loads(out, 0, &e);
        ck_assert_msg(j != NULL, "%s: %s", e.text, out);
        ck_assert_uint_eq(json_integer_value(json_object_get(j, "blob_bytes")), blob_bytes);
        json_t *l0 = json_array_get(json_object_get(j, "layers"), 0);
        json_t *o0 = json_array_get(json_object_get(l0, "outputs"), 0);
        ck_assert_str_eq(json_string_value(json_object_get(o0, "dtype")), "int8");
        json_decref(j);
        free(out);
    }
    /* An int8 model cannot be quantised again: the recipe's own reason. */
    const char *tfl = hbt_path("%s/v.tflite", f.dir);
    const char *c8[] = {"compress", f.model, "--variant", "int8", "--calib", f.calib, "-o",
                        tfl, NULL};
    ck_assert_msg(run_hilbench(&out, c8) == 0, "%s", out);
    free(out);
    const char *q[] = {"inspect", tfl, "--variant", "int8", NULL};
    ck_assert_int_ne(run_hilbench(&out, q), 0);
    ck_assert_msg(strstr(out, "not float"), "%s", out);
    free(out);
}
END_TEST

static Suite *recipes_cli_suite(void)
{
    Suite *s = suite_create("recipes_cli");
    TCase *tc = tcase_create("command");
    tcase_add_loop_test(tc, tflite_and_blob_agree, 0, (int)(sizeof(recipes) / sizeof(recipes[0])));
    tcase_add_loop_test(tc, command_errors, 0, (int)(sizeof(errors) / sizeof(errors[0])));
    tcase_add_test(tc, command_refusals);
    tcase_add_test(tc, inspect_shows_the_variant);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(recipes_cli_suite)
