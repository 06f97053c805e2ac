/*
 * check_run_shared.c: end to end against TFLite Micro's goldens
 * (../shared): `hilbench run` on the native board and `hilbench infer`
 * give the golden outputs for the hello_world models.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check_util.h"

static char *hex_of(const uint8_t *b, size_t n)
{
    char *s = malloc(2 * n + 1);
    for (size_t i = 0; i < n; i++)
        sprintf(s + 2 * i, "%02x", b[i]);
    s[2 * n] = 0;
    return s;
}

START_TEST(run_hello_world_int8_goldens)
{
    const char *shared = hbt_shared_dir();
    char gold[1024], dir[900], vecs[1024], db[1024];
    snprintf(gold, sizeof(gold), "%s/goldens/hello_world_int8", shared);
    snprintf(dir, sizeof(dir), "%s", hbt_tmpdir("gold"));
    snprintf(vecs, sizeof(vecs), "%s/vectors", dir);
    snprintf(db, sizeof(db), "%s/g.db", dir);
    mkdir(vecs, 0777);
    for (int k = 0; k < 4; k++) {
        size_t n;
        uint8_t *b = hbt_read_file(hbt_path("%s/input_%d.bin", gold, k), &n);
        ck_assert_ptr_nonnull(b);
        ck_assert_int_eq(hbt_write_file(hbt_path("%s/input_%d.bin", vecs, k), b, n), 0);
        free(b);
    }
    char *out = NULL;
    const char *args[] = {"run", "--board", "native", "--model",
                          hbt_path("%s/models/hello_world_int8.tflite", shared), "--vectors",
                          vecs, "--repeat", "3", "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "%s", out);
    free(out);

    const char *show[] = {"show", "1", "--db", db, "--json", NULL};
    ck_assert_int_eq(hbt_hb(&out, show), 0);
    json_t *j = json_loads(out, 0, NULL);
    free(out);
    ck_assert_ptr_nonnull(j);
    json_t *v = json_array_get(json_object_get(j, "variants"), 0);
    json_t *infs = json_object_get(v, "inferences");
    ck_assert_int_eq(json_array_size(infs), 4);
    for (int k = 0; k < 4; k++) {
        size_t n;
        uint8_t *want = hbt_read_file(hbt_path("%s/output_%d.bin", gold, k), &n);
        char *hex = hex_of(want, n);
        json_t *inf = json_array_get(infs, (size_t)k);
        ck_assert_str_eq(json_string_value(json_object_get(inf, "vector")),
                         hbt_path("input_%d.bin", k));
        ck_assert_str_eq(json_string_value(json_object_get(inf, "output_hex")), hex);
        free(hex);
        free(want);
    }
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(v, "layers"), i, l)
        ck_assert_int_gt(json_integer_value(json_object_get(l, "cycles_median")), 0);
    json_decref(j);
}
END_TEST

static void infer_case(const char *model, int is_float)
{
    const char *shared = hbt_shared_dir();
    char gold[1024], dir[900];
    snprintf(gold, sizeof(gold), "%s/goldens/%s", shared, model);
    snprintf(dir, sizeof(dir), "%s", hbt_tmpdir("infer"));
    for (int k = 0; k < 4; k++) {
        char outp[1100];
        snprintf(outp, sizeof(outp), "%s/out_%d.bin", dir, k);
        char *out = NULL;
        const char *args[] = {"infer", hbt_path("%s/models/%s.tflite", shared, model),
                              "--input", hbt_path("%s/input_%d.bin", gold, k),
                              "--output", outp, NULL};
        int rc = hbt_hb(&out, args);
        ck_assert_msg(rc == 0, "%s", out);
        free(out);
        size_t n_got = 0, n_want = 0;
        uint8_t *got = hbt_read_file(outp, &n_got);
        uint8_t *want = hbt_read_file(hbt_path("%s/output_%d.bin", gold, k), &n_want);
        ck_assert_int_eq(n_got, n_want);
        if (!is_float) {
            ck_assert_msg(memcmp(got, want, n_got) == 0, "%s input %d differs", model, k);
        } else {
            float maxg = 0, maxd = 0;
            for (size_t e = 0; e < n_got / 4; e++) {
                float a, b;
                memcpy(&a, got + 4 * e, 4);
                memcpy(&b, want + 4 * e, 4);
                maxg = fmaxf(maxg, fabsf(b));
                maxd = fmaxf(maxd, fabsf(a - b));
            }
            ck_assert_msg(maxd <= 1e-5f * maxg, "%s input %d: max diff %g", model, k,
                          (double)maxd);
        }
        free(got);
        free(want);
    }
}

START_TEST(infer_hello_world_goldens)
{
    infer_case("hello_world_int8", 0);
    infer_case("hello_world_float", 1);
}
END_TEST

static Suite *run_shared_suite(void)
{
    Suite *s = suite_create("run_shared");
    TCase *tc = tcase_create("goldens");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, run_hello_world_int8_goldens);
    tcase_add_test(tc, infer_hello_world_goldens);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN_SHARED(run_shared_suite)
