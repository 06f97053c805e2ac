/*
 * check_suite.c: benchmark suite files (host/session/suite): keys, paths
 * relative to the suite, ${build} and ${reference}, the random fallback of
 * a missing dataset, and errors naming the file, the line and the key.
 */
#include "check_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "session/suite.h"

static void write_text(const char *path, const char *text)
{
    ck_assert_int_eq(hbt_write_file(path, text, strlen(text)), 0);
}

/* A folder with a suite's surroundings: a model, a dataset folder, a
 * reference model fetched into models/reference. */
static const char *fixture(const char *tag)
{
    const char *dir = hbt_tmpdir(tag);
    static char copy[4096];
    snprintf(copy, sizeof(copy), "%s", dir);
    mkdir(hbt_path("%s/data", copy), 0777);
    mkdir(hbt_path("%s/build", copy), 0777);
    mkdir(hbt_path("%s/build/models", copy), 0777);
    mkdir(hbt_path("%s/models", copy), 0777);
    mkdir(hbt_path("%s/models/reference", copy), 0777);
    write_text(hbt_path("%s/m.tflite", copy), "x");
    write_text(hbt_path("%s/build/models/b.tflite", copy), "x");
    write_text(hbt_path("%s/models/reference/r.tflite", copy), "x");
    return copy;
}

START_TEST(test_full_suite)
{
    const char *dir = fixture("suite-full");
    char build[4096], path[4096];
    suite *s = NULL;

    snprintf(build, sizeof(build), "%s/build", dir);
    snprintf(path, sizeof(path), "%s/full.ini", dir);
    write_text(path, "; a suite\n"
                     "[suite]\n"
                     "name = demo\n"
                     "description = a test\n"
                     "model = m.tflite\n"
                     "task = classification\n"
                     "reference = float\n"
                     "variant = float\n"
                     "variant = int8:per-tensor   ; comment\n"
                     "variant = file:${reference}/r.tflite\n"
                     "variant = file:${build}/models/b.tflite\n"
                     "repeat = 7\n"
                     "warmup = 0\n"
                     "[dataset]\n"
                     "path = data\n"
                     "element = uint8\n"
                     "scale = 0.5\n"
                     "seed = 42\n"
                     "[calibration]\n"
                     "path = ${build}/models\n");
    ck_assert_msg(suite_load(path, build, &s) == HB_OK, "%s", hb_last_error());
    ck_assert_str_eq(s->name, "demo");
    ck_assert_str_eq(s->description, "a test");
    ck_assert_str_eq(s->model, hbt_path("%s/m.tflite", dir));
    ck_assert_int_eq(s->task, DATASET_TASK_CLASSIFICATION);
    ck_assert_str_eq(s->reference, "float");
    ck_assert_int_eq(s->n_variants, 4);
    ck_assert_str_eq(s->variants[1], "int8:per-tensor");
    char *real = realpath(hbt_path("%s/models/reference/r.tflite", dir), NULL);
    ck_assert_str_eq(s->variants[2], hbt_path("file:%s", real));
    free(real);
    ck_assert_str_eq(s->variants[3], hbt_path("file:%s/build/models/b.tflite", dir));
    ck_assert_int_eq(s->repeat, 7);
    ck_assert_int_eq(s->warmup, 0);
    ck_assert_str_eq(s->dataset, hbt_path("%s/data", dir));
    ck_assert_ptr_null(s->dataset_missing);
    ck_assert_int_eq(s->has_element, 1);
    ck_assert_int_eq(s->element.dtype, NN_DT_UINT8);
    ck_assert_double_eq(s->element.scale, 0.5);
    ck_assert_double_eq(s->element.offset, 0.0);
    ck_assert_int_eq(s->has_seed, 1);
    ck_assert_uint_eq(s->seed, 42);
    ck_assert_str_eq(s->calib, hbt_path("%s/build/models", dir));
    suite_free(s);
}
END_TEST

START_TEST(test_minimal_and_random_fallback)
{
    const char *dir = fixture("suite-min");
    char path[4096];
    suite *s = NULL;

    snprintf(path, sizeof(path), "%s/min-suite.ini", dir);
    write_text(path, "[suite]\nmodel = m.tflite\n"
                     "[dataset]\npath = ${reference}/nowhere\nrandom = 8\n");
    ck_assert_msg(suite_load(path, NULL, &s) == HB_OK, "%s", hb_last_error());
    ck_assert_str_eq(s->name, "min-suite"); /* from the file name */
    ck_assert_int_eq(s->n_variants, 0);
    ck_assert_int_eq(s->repeat, -1);
    ck_assert_int_eq(s->warmup, -1);
    ck_assert_int_eq(s->task, DATASET_TASK_NONE);
    ck_assert_ptr_null(s->dataset);
    ck_assert_str_eq(s->dataset_missing, "${reference}/nowhere");
    ck_assert_int_eq(s->random_n, 8);
    ck_assert_int_eq(s->has_element, 0);
    suite_free(s);

    /* Without a random count, a missing dataset is an error. */
    write_text(path, "[suite]\nmodel = m.tflite\n[dataset]\npath = gone\n");
    ck_assert_int_eq(suite_load(path, NULL, &s), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(hb_last_error(), ":4: [dataset] path: gone not found"), "%s",
                  hb_last_error());
}
END_TEST

START_TEST(test_reference_lookup)
{
    const char *dir = fixture("suite-ref");
    char *got = NULL;
    const char *other = hbt_tmpdir("suite-ref-env");
    char env[4096];
    snprintf(env, sizeof(env), "%s", other);

    /* models/reference next to the suite. */
    unsetenv("HILBENCH_MODELS");
    ck_assert_int_eq(suite_resolve("${reference}/r.tflite", dir, NULL, &got), HB_OK);
    ck_assert_ptr_nonnull(strstr(got, "/models/reference/r.tflite"));
    free(got);
    /* $HILBENCH_MODELS comes first. */
    write_text(hbt_path("%s/r.tflite", env), "y");
    setenv("HILBENCH_MODELS", env, 1);
    ck_assert_int_eq(suite_resolve("${reference}/r.tflite", dir, NULL, &got), HB_OK);
    char *real = realpath(hbt_path("%s/r.tflite", env), NULL);
    ck_assert_str_eq(got, real);
    free(real);
    free(got);
    /* ../../shared/models from the suite's folder. */
    mkdir(hbt_path("%s/a", dir), 0777);
    mkdir(hbt_path("%s/a/b", dir), 0777);
    mkdir(hbt_path("%s/shared", dir), 0777);
    mkdir(hbt_path("%s/shared/models", dir), 0777);
    write_text(hbt_path("%s/shared/models/s.tflite", dir), "z");
    ck_assert_int_eq(suite_resolve("${reference}/s.tflite", hbt_path("%s/a/b", dir), NULL, &got),
                     HB_OK);
    ck_assert_ptr_nonnull(strstr(got, "/shared/models/s.tflite"));
    ck_assert_ptr_null(strstr(got, ".."));
    free(got);
    /* Nowhere: the message lists where it looked. */
    ck_assert_int_eq(suite_resolve("${reference}/none.tflite", dir, NULL, &got), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(got);
    ck_assert_msg(strstr(hb_last_error(), env) && strstr(hb_last_error(), "models/reference") &&
                  strstr(hb_last_error(), "shared/models") && strstr(hb_last_error(), "fetch"),
                  "%s", hb_last_error());
    /* Plain paths are relative to the suite, absolute ones kept. */
    ck_assert_int_eq(suite_resolve("x/y.bin", "/s", NULL, &got), HB_OK);
    ck_assert_str_eq(got, "/s/x/y.bin");
    free(got);
    ck_assert_int_eq(suite_resolve("/abs", "/s", NULL, &got), HB_OK);
    ck_assert_str_eq(got, "/abs");
    free(got);
    ck_assert_int_eq(suite_resolve("${home}/x", "/s", NULL, &got), HB_ERR_FORMAT);
    ck_assert_int_eq(suite_resolve("${build}/x", "/s", NULL, &got), HB_ERR_ARG);
}
END_TEST

/* Long lines (a model deep in a build folder) load whole. */
START_TEST(test_long_lines)
{
    const char *dir = fixture("suite-long");
    char deep[300], path[4096], text[4096];
    suite *s = NULL;

    /* Five folders of 59 characters: a name may not exceed 255. */
    memset(deep, 'd', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    for (int k = 1; k <= 5; k++) {
        deep[k * 60 - 1] = '\0';
        mkdir(hbt_path("%s/%s", dir, deep), 0777);
        if (k < 5)
            deep[k * 60 - 1] = '/';
    }
    write_text(hbt_path("%s/%s/m.tflite", dir, deep), "x");
    snprintf(path, sizeof(path), "%s/long.ini", dir);
    snprintf(text, sizeof(text), "; %s\n[suite]\nmodel = %s/m.tflite ; deep\n"
             "description = %s\n[dataset]\nrandom = 2\n", deep, deep, deep);
    write_text(path, text);
    ck_assert_msg(suite_load(path, NULL, &s) == HB_OK, "%s", hb_last_error());
    ck_assert_str_eq(s->model, hbt_path("%s/%s/m.tflite", dir, deep));
    ck_assert_str_eq(s->description, deep);
    suite_free(s);
}
END_TEST

static const struct {
    const char *text;
    const char *says;     /* with the line: "NAME.ini:LINE: ..." */
} bad_suites[] = {
    {"[suite]\nmodel = m.tflite\nmodle = x\n", ":3: [suite] modle: unknown key (known: name,"},
    {"[suite]\nmodel = m.tflite\n[run]\nrepeat = 3\n", ":4: [run] repeat: unknown section"},
    {"[suite]\nmodel = m.tflite\nmodel = m.tflite\n", ":3: [suite] model: given twice (first on "
                                                      "line 2)"},
    {"[suite]\nmodel = m.tflite\nrepeat = often\n", ":3: [suite] repeat: 'often' is not a whole"},
    {"[suite]\nmodel = m.tflite\nwarmup = -1\n", ":3: [suite] warmup: '-1'"},
    {"[suite]\nmodel = m.tflite\ntask = detection\n", ":3: [suite] task: task 'detection'"},
    {"[suite]\nmodel = m.tflite\n[dataset]\nelement = float64\n", ":4: [dataset] element:"},
    {"[suite]\nmodel = m.tflite\n[dataset]\nscale = 2\n", ":4: [dataset] scale and offset need "
                                                          "element"},
    {"[suite]\nmodel = m.tflite\n[dataset]\nelement = int8\nscale = big\n", ":5: [dataset] scale:"},
    {"[suite]\nmodel = gone.tflite\n", ":2: [suite] model: "},
    {"[suite]\nname = x\n", ": [suite] model is required"},
    {"[suite]\nmodel = ${nope}/m.tflite\n", ":2: [suite] model: ${nope}/m.tflite: unknown "
                                             "variable"},
    {"[suite]\nmodel = m.tflite\nvariant = file:missing.tflite\n", ":3: file:missing.tflite"},
    {"[suite]\nmodel = m.tflite\nvariant = float\n  int8\n", ":4: [suite] variant: a value takes "
                                                             "one line"},
    {"[suite]\nmodel = m.tflite\nvariant =\n", ":3: [suite] variant: is empty"},
    {"[suite]\nmodel = m.tflite\njunk line\n", ":3: expected [section], key = value"},
};

START_TEST(test_bad_suite)
{
    const char *dir = fixture("suite-bad");
    char path[4096], want[4200];
    suite *s = (suite *)1;

    snprintf(path, sizeof(path), "%s/bad.ini", dir);
    write_text(path, bad_suites[_i].text);
    ck_assert_int_ne(suite_load(path, "/build", &s), HB_OK);
    ck_assert_ptr_null(s);
    snprintf(want, sizeof(want), "%s%s", path, bad_suites[_i].says);
    ck_assert_msg(strstr(hb_last_error(), want), "'%s' does not say '%s'", hb_last_error(), want);
}
END_TEST

START_TEST(test_missing_file)
{
    suite *s = (suite *)1;
    ck_assert_int_eq(suite_load("/nonexistent/x.ini", NULL, &s), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "/nonexistent/x.ini"));
}
END_TEST

/* The suites the project ships read cleanly (the reference models may be
 * absent: then only the project's own suites are read). */
START_TEST(test_shipped_suites)
{
    const char *src = getenv("HB_SOURCE_DIR");
    const char *names[] = {"sine", "xor", "sine_onnx"};
    char build[4096];
    ck_assert_ptr_nonnull(src);
    snprintf(build, sizeof(build), "%s/..", hbt_models_dir());
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        suite *s = NULL;
        ck_assert_msg(suite_load(hbt_path("%s/benchmarks/%s.ini", src, names[i]), build, &s) ==
                          HB_OK, "%s: %s", names[i], hb_last_error());
        ck_assert_int_eq(s->n_variants, 2);
        ck_assert_ptr_nonnull(s->dataset);
        ck_assert_ptr_nonnull(s->calib);
        suite_free(s);
    }
}
END_TEST

static Suite *suite_suite(void)
{
    Suite *s = suite_create("suite");
    TCase *tc = tcase_create("suite");
    tcase_add_test(tc, test_full_suite);
    tcase_add_test(tc, test_minimal_and_random_fallback);
    tcase_add_test(tc, test_reference_lookup);
    tcase_add_test(tc, test_long_lines);
    tcase_add_loop_test(tc, test_bad_suite, 0, (int)(sizeof(bad_suites) / sizeof(bad_suites[0])));
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_shipped_suites);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(suite_suite)
