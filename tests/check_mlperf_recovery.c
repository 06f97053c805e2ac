/*
 * check_mlperf_recovery.c: an MLPerf Tiny firmware (tests/mlperf_sim.c)
 * that fails during --mlperf-rules performance mode is reset and the input
 * tried again, as a vector is in accuracy mode (docs/reliability.md); and
 * a run killed with SIGKILL in performance or in accuracy mode is finished
 * by --resume: a throughput recorded before is not measured again, and
 * accuracy mode goes on at the first vector not recorded.
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "check_util.h"

static const char *sine(void)
{
    return hbt_path("%s/sine_float.tflite", hbt_models_dir());
}

static void become_subreaper(void)
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

/* Waits for every board process left (they end with hilbench); returns
 * how many there were. */
static int reap_all(void)
{
    int status, n = 0;
    while (waitpid(-1, &status, 0) > 0)
        n++;
    return n;
}

START_TEST(performance_failure_is_reset_and_retried)
{
    const char *dir = hbt_tmpdir("mlperf-rec");
    const char *db = hbt_path("%s/r.db", dir);
    char args[1200];
    /* Silent once, in the probe of the second input (hello 2, input 1 six
     * commands, the second input's load 2): the firmware the reset starts
     * answers everything. */
    snprintf(args, sizeof(args), "--hang-after 10 --hang-once %s/hung --us-per-inference 250",
             dir);
    const char *b = hbt_mlperf_profile(dir, "simonce", args, 300);
    char *out = NULL;
    become_subreaper();
    const char *run[] = {"run", "--board", b, "--model", sine(), "--random", "8", "--db", db,
                         "--mlperf-rules", NULL};
    int rc = hbt_hb(&out, run);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "vector random-1: performance mode: board simonce: no answer to "
                              "'infer 1 0'") &&
                      strstr(out, "resetting the board (try 2 of 3)") &&
                      strstr(out, "board resets: 1") &&
                      strstr(out, "throughput (MLPerf Tiny performance mode): 4000.000"),
                  "%s", out);
    free(out);
    ck_assert_int_eq(reap_all(), 0);
    json_t *j = hbt_show_json(db, "1"), *v = hbt_variant0(j);
    ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "ok");
    ck_assert_int_eq(json_integer_value(json_object_get(v, "resets")), 1);
    ck_assert(hbt_score_of(v, "throughput_ips") == 4000.0);
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 8);
    json_decref(j);
}
END_TEST

START_TEST(performance_failure_gives_up)
{
    const char *dir = hbt_tmpdir("mlperf-rec");
    const char *db = hbt_path("%s/r.db", dir);
    /* Silent in the first probe after every reset. */
    const char *b = hbt_mlperf_profile(dir, "simdead", "--hang-after 4", 200);
    char *out = NULL;
    become_subreaper();
    const char *run[] = {"run", "--board", b, "--model", sine(), "--random", "3", "--db", db,
                         "--mlperf-rules", NULL};
    ck_assert_int_ne(hbt_hb(&out, run), 0);
    ck_assert_msg(strstr(out, "hilbench: error: 1 of 1 variants failed") &&
                      strstr(out, "performance mode: board simdead: no answer to 'infer 1 0' "
                                  "within 400 ms (3 failures in a row, 2 board resets in this "
                                  "variant)"), "%s", out);
    free(out);
    ck_assert_int_eq(reap_all(), 0);
    json_t *j = hbt_show_json(db, "1"), *v = hbt_variant0(j);
    ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "failed");
    ck_assert_int_eq(json_integer_value(json_object_get(v, "resets")), 2);
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 0);
    json_decref(j);
}
END_TEST

/* Where the run is killed: the first progress line that holds this text. */
static const char *const kill_points[] = {
    "performance mode, random-2:", /* in performance mode */
    "vector 21/40",                /* in accuracy mode, after it */
};

START_TEST(killed_rules_run_resumes)
{
    const char *dir = hbt_tmpdir("mlperf-rec");
    char ref[1100], db[1100];
    snprintf(ref, sizeof(ref), "%s/ref.db", dir);
    snprintf(db, sizeof(db), "%s/k.db", dir);
    const char *fast = hbt_mlperf_profile(dir, "simfast", "--us-per-inference 250", 2000);
    char board[1100];
    snprintf(board, sizeof(board), "%s", fast);
    /* Slow answers: the kill comes long before the run could end. */
    const char *slow = hbt_mlperf_profile(dir, "simslow", "--us-per-inference 250 --slow-ms 5",
                                          2000);
    char *lines = NULL, *out = NULL;
    become_subreaper();

    const char *ref_args[] = {"run", "--board", board, "--model", sine(), "--random", "40",
                              "--db", ref, "--mlperf-rules", NULL};
    hbt_hb_kill_at(ref_args, 0, &lines);
    const char *at = strstr(lines, kill_points[_i]);
    ck_assert_msg(at != NULL, "%s", lines);
    int kill_line = 1;
    for (const char *p = lines; p < at; p++)
        kill_line += *p == '\n';
    free(lines);
    ck_assert_int_eq(reap_all(), 0);

    const char *args[] = {"run", "--board", slow, "--model", sine(), "--random", "40", "--db", db,
                          "--mlperf-rules", NULL};
    hbt_hb_kill_at(args, kill_line, NULL);
    reap_all();
    ck_assert_int_eq(hbt_sql_int(db, "SELECT status = 'running' FROM runs"), 1);
    long long before = hbt_sql_int(db, "SELECT count(*) FROM inferences");
    long long measured = hbt_sql_int(db, "SELECT count(*) FROM scores"
                                         " WHERE metric = 'throughput_ips'");
    /* Each input's throughput is stored as soon as it is timed. */
    long long inputs = hbt_sql_int(db, "SELECT count(*) FROM scores"
                                       " WHERE metric LIKE 'throughput_ips_input_%'");
    if (_i == 0)
        ck_assert_msg(before == 0 && measured == 0 && inputs >= 2 && inputs < 5,
                      "%lld vectors, throughput %lld, %lld inputs", before, measured, inputs);
    else
        ck_assert_msg(before >= 20 && before < 40 && measured == 1,
                      "%lld vectors, throughput %lld", before, measured);

    const char *resume[] = {"run", "--resume", "1", "--db", db, NULL};
    int rc = hbt_hb(&out, resume);
    ck_assert_msg(rc == 0, "resume failed (%d):\n%s", rc, out);
    if (_i == 0)
        /* The inputs timed before the kill are not timed again. */
        ck_assert_msg(strstr(out, "performance mode, random-0: recorded before, 4000.000") &&
                          strstr(out, "performance mode, random-1: recorded before") &&
                          strstr(out, "performance mode, random-4: ") &&
                          !strstr(out, "random-4: recorded before"), "%s", out);
    else
        ck_assert_msg(!strstr(out, "performance mode, random-") &&
                          strstr(out, "performance mode: recorded before, median throughput "
                                      "4000.000"), "%s", out);
    ck_assert_msg(strstr(out, "throughput (MLPerf Tiny performance mode): 4000.000"), "%s", out);
    free(out);
    ck_assert_int_eq(reap_all(), 0);

    /* Every vector exactly once, the scores of the uninterrupted run. */
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM inferences"), 40);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(DISTINCT vector_index) FROM inferences"), 40);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT status = 'ok' FROM runs"), 1);
    json_t *a = hbt_show_json(ref, "1"), *b = hbt_show_json(db, "1");
    hbt_assert_same_scores(a, b);
    json_decref(a);
    json_decref(b);
}
END_TEST

static Suite *mlperf_recovery_suite(void)
{
    Suite *s = suite_create("mlperf_recovery");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, performance_failure_is_reset_and_retried);
    tcase_add_test(tc, performance_failure_gives_up);
    tcase_add_loop_test(tc, killed_rules_run_resumes, 0,
                        (int)(sizeof(kill_points) / sizeof(kill_points[0])));
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(mlperf_recovery_suite)
