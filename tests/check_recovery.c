/*
 * check_recovery.c: `hilbench run` on a board that hangs or dies half-way
 * (the native stub's test build, hilbench-stub-native-test, misbehaving on
 * purpose): the hang is noticed within the profile's time-out, the board is
 * brought back, the variant continues at the vector that failed with
 * nothing lost or doubled; a variant that keeps killing the board is marked
 * failed with the reason and the run goes on with the others.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check_util.h"

/* A profile for the test stub with short time-outs: a hang is noticed in
 * about a second. */
static const char *test_profile(const char *dir)
{
    const char *stub = getenv("HB_STUB_NATIVE_TEST");
    ck_assert_ptr_nonnull(stub);
    const char *path = hbt_path("%s/native-test.ini", dir);
    char text[2048];
    snprintf(text, sizeof(text),
             "[board]\nname = native-test\ntiming_unit = ns\n"
             "[firmware]\nimage = %s\n[launch]\ncommand = {image} {tty}\n"
             "[link]\ntype = pty\ntimeout_ms = 500\ninvoke_timeout_ms = 1000\nretries = 3\n",
             stub);
    ck_assert_int_eq(hbt_write_file(path, text, strlen(text)), 0);
    return path;
}

static void clear_switches(void)
{
    unsetenv("HB_STUB_HANG_AT");
    unsetenv("HB_STUB_CRASH_AT");
    unsetenv("HB_STUB_FAULT_ONCE");
    unsetenv("HB_STUB_FAULT_BLOB_BYTES");
}

static double seconds(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* No board process may outlive hilbench: as a sub-reaper, the test would
 * inherit one left behind. */
static int running_children(void)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        ;
    return p == 0;
}

/* Every vector of the variant once, in order, none missing. */
static void assert_vectors(json_t *variant, int n)
{
    json_t *infs = json_object_get(variant, "inferences"), *inf;
    size_t i;
    ck_assert_int_eq(json_array_size(infs), n);
    json_array_foreach(infs, i, inf)
        ck_assert_int_eq(json_integer_value(json_object_get(inf, "vector_index")), (int)i);
}

static json_t *variant_named(json_t *run, const char *recipe)
{
    json_t *v;
    size_t i;
    json_array_foreach(json_object_get(run, "variants"), i, v)
        if (!strcmp(json_string_value(json_object_get(v, "recipe")), recipe))
            return v;
    ck_abort_msg("no variant %s", recipe);
    return NULL;
}

/* Runs the sine model on the test board with the switches set in the
 * environment; returns the exit status and the output. */
static int run_sine(const char *dir, const char *db, const char *const *extra, char **out)
{
    const char *model = hbt_path("%s/sine_float.tflite", hbt_models_dir());
    const char *vecs = hbt_path("%s/sine_data", hbt_models_dir());
    const char *args[32] = {"run", "--board", test_profile(dir), "--model", model,
                            "--vectors", vecs, "--repeat", "1", "--warmup", "0",
                            "--db", db, NULL};
    int n = 13;
    for (; extra && *extra && n < 30; extra++)
        args[n++] = *extra;
    args[n] = NULL;
    return hbt_hb(out, args);
}

START_TEST(hang_is_reset_and_resumed)
{
    const char *dir = hbt_tmpdir("hang");
    const char *db = hbt_path("%s/r.db", dir);
    char *out = NULL;
    struct timespec t0;
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    setenv("HB_STUB_HANG_AT", "5", 1);
    setenv("HB_STUB_FAULT_ONCE", hbt_path("%s/hung-once", dir), 1);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = run_sine(dir, db, NULL, &out);
    double took = seconds(&t0);
    clear_switches();
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "board resets: 1"), "%s", out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 32/32"), "%s", out);
    free(out);
    ck_assert_int_eq(access(hbt_path("%s/hung-once", dir), F_OK), 0);
    /* Noticed within the 1 s invoke time-out, not the default minute. */
    ck_assert_msg(took < 30, "took %.1f s", took);
    ck_assert_int_eq(running_children(), 0);

    json_t *j = hbt_show_json(db, "1");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "status")),
                     "ok");
    json_t *v = variant_named(j, "float");
    assert_vectors(v, 32);
    ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "ok");
    ck_assert_int_eq(json_integer_value(json_object_get(v, "resets")), 1);
    const char *note = json_string_value(json_object_get(v, "error"));
    ck_assert_msg(note && strstr(note, "no answer to INVOKE") && strstr(note, "x_004.bin"),
                  "%s", note ? note : "(null)");
    json_decref(j);
}
END_TEST

START_TEST(crash_is_reset_and_resumed)
{
    const char *dir = hbt_tmpdir("crash");
    const char *db = hbt_path("%s/r.db", dir);
    char *out = NULL;
    setenv("HB_STUB_CRASH_AT", "3", 1);
    setenv("HB_STUB_FAULT_ONCE", hbt_path("%s/crashed-once", dir), 1);
    int rc = run_sine(dir, db, NULL, &out);
    clear_switches();
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "board resets: 1"), "%s", out);
    free(out);

    json_t *j = hbt_show_json(db, "1");
    json_t *v = variant_named(j, "float");
    assert_vectors(v, 32);
    ck_assert_int_eq(json_integer_value(json_object_get(v, "resets")), 1);
    const char *note = json_string_value(json_object_get(v, "error"));
    ck_assert_msg(note && strstr(note, "signal 6") && strstr(note, "crashing at INVOKE 3"),
                  "%s", note ? note : "(null)");
    json_decref(j);
}
END_TEST

/* int8 crashes the board at every invoke: after 3 tries of its first
 * vector it is marked failed, and float is still measured in full. */
START_TEST(variant_that_kills_the_board_fails_alone)
{
    const char *dir = hbt_tmpdir("killer");
    const char *db = hbt_path("%s/r.db", dir), *probe = hbt_path("%s/probe.db", dir);
    const char *variants[] = {"--variant", "float", "--variant", "int8", NULL};
    char *out = NULL;

    /* The size of the int8 blob singles it out to the stub. */
    ck_assert_msg(run_sine(dir, probe, variants, &out) == 0, "%s", out);
    free(out);
    json_t *j = hbt_show_json(probe, "1");
    long long bytes = json_integer_value(json_object_get(variant_named(j, "int8"),
                                                         "blob_bytes"));
    ck_assert_int_ne(bytes, json_integer_value(json_object_get(variant_named(j, "float"),
                                                               "blob_bytes")));
    json_decref(j);

    char b[32];
    snprintf(b, sizeof(b), "%lld", bytes);
    setenv("HB_STUB_CRASH_AT", "1", 1);
    setenv("HB_STUB_FAULT_BLOB_BYTES", b, 1);
    const char *both[] = {"--variant", "int8", "--variant", "float", NULL};
    int rc = run_sine(dir, db, both, &out);
    clear_switches();
    ck_assert_msg(rc == 1, "expected a failed run (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "1 of 2 variants failed: int8: variant int8"), "%s", out);
    /* The failed variant has no count in the summary: "-", not a number. */
    ck_assert_msg(!strstr(out, " -1 "), "%s", out);
    free(out);

    j = hbt_show_json(db, "1");
    json_t *run = json_object_get(j, "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "failed");
    json_t *bad = variant_named(j, "int8"), *good = variant_named(j, "float");
    ck_assert_str_eq(json_string_value(json_object_get(bad, "status")), "failed");
    ck_assert_int_eq(json_array_size(json_object_get(bad, "inferences")), 0);
    const char *why = json_string_value(json_object_get(bad, "error"));
    ck_assert_msg(why && strstr(why, "3 failures in a row") && strstr(why, "signal 6"), "%s",
                  why ? why : "(null)");
    ck_assert_str_eq(json_string_value(json_object_get(good, "status")), "ok");
    assert_vectors(good, 32);
    ck_assert_ptr_nonnull(json_object_get(json_object_get(good, "scores"), "mae"));
    json_decref(j);

    /* A run of the killer alone: nothing to recommend, and the error says
     * why (not that a budget, here none, was missed). */
    const char *db2 = hbt_path("%s/alone.db", dir), *alone[] = {"--variant", "int8", NULL};
    setenv("HB_STUB_CRASH_AT", "1", 1);
    setenv("HB_STUB_FAULT_BLOB_BYTES", b, 1);
    rc = run_sine(dir, db2, alone, &out);
    clear_switches();
    ck_assert_msg(rc == 1, "expected a failed run (%d):\n%s", rc, out);
    free(out);
    const char *rec[] = {"recommend", "1", "--db", db2, NULL};
    ck_assert_int_eq(hbt_hb(&out, rec), 1);
    ck_assert_msg(strstr(out, "hilbench: error: recommend: no variant finished (1 failed"),
                  "%s", out);
    free(out);
}
END_TEST

static Suite *recovery_suite(void)
{
    Suite *s = suite_create("recovery");
    TCase *tc = tcase_create("native-test");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, hang_is_reset_and_resumed);
    tcase_add_test(tc, crash_is_reset_and_resumed);
    tcase_add_test(tc, variant_that_kills_the_board_fails_alone);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(recovery_suite)
