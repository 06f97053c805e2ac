/*
 * check_mlperf.c: boards that run an MLPerf Tiny firmware ([link] protocol =
 * mlperf-tiny) and boards that are programs on stdin/stdout ([link] type =
 * stdio), end to end with the simulated firmware (tests/mlperf_sim.c):
 * the exchange over stdio and over a pty, time stamps that wrap, refusals,
 * a slow firmware, one that stops answering, one that echoes the commands,
 * --mlperf-rules, the database and the report beside the stub; and the
 * protocol's parsing. Anomaly scores, and recovery and resume in
 * performance mode: check_mlperf_anomaly.c, check_mlperf_recovery.c.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include "board/board.h"
#include "check_util.h"
#include "session/mlperf.h"

static const char *model(const char *name)
{
    return hbt_path("%s/%s", hbt_models_dir(), name);
}

/* Runs `hilbench run` on board with the sine dataset (or --random 3). */
static int run_on(const char *board, const char *model_file, int random, const char *db,
                  const char *extra, char **out)
{
    const char *args[24] = {"run", "--board", board, "--model", model_file, "--db", db};
    int n = 7;
    if (random) {
        args[n++] = "--random";
        args[n++] = "3";
    } else {
        args[n++] = "--vectors";
        args[n++] = model("sine_data");
    }
    if (extra)
        args[n++] = extra;
    args[n] = NULL;
    return hbt_hb(out, args);
}

/* No board process may outlive hilbench (the test is their sub-reaper). */
static void become_subreaper(void)
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

static int running_children(void)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        ;
    return p == 0;
}

START_TEST(stdio_run_wrapping_clock)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    /* 250 us per inference on a counter that wraps during the run. */
    const char *b = hbt_mlperf_profile(dir, "simwrap",
                                       "--us-per-inference 250 --clock-start 4294966000 "
                                       "--model-id sine01", 2000);
    char *out = NULL;
    become_subreaper();
    int rc = run_on(b, model("sine_float.tflite"), 0, db, "--quiet", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "printed precision of the host engine: 32/32 vectors"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);

    json_t *j = hbt_show_json(db, "1"), *run = json_object_get(j, "run"), *v = hbt_variant0(j);
    ck_assert_str_eq(json_string_value(json_object_get(run, "protocol")), "mlperf-tiny");
    ck_assert_str_eq(json_string_value(json_object_get(run, "timing_unit")), "us");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "ok");
    ck_assert_int_eq(json_integer_value(json_object_get(v, "layer_timing")), 0);
    ck_assert_str_eq(json_string_value(json_object_get(v, "firmware_model")), "sine01");
    ck_assert(json_is_null(json_object_get(v, "arena_bytes")));
    json_t *infs = json_object_get(v, "inferences"), *inf;
    size_t i;
    ck_assert_int_eq(json_array_size(infs), 32);
    json_array_foreach(infs, i, inf) {
        /* "infer 5 1": 5 x 250 us between the stamps, whatever the wrap. */
        ck_assert_int_eq(json_integer_value(json_object_get(inf, "cycles")), 250);
        ck_assert(fabs(json_real_value(json_object_get(inf, "latency_us")) - 250.0) < 1e-9);
    }
    json_t *l;
    json_array_foreach(json_object_get(v, "layers"), i, l)
        ck_assert(json_is_null(json_object_get(l, "cycles_median")));
    json_t *scores = json_object_get(v, "scores");
    ck_assert(json_is_number(json_object_get(scores, "mae")));
    /* Printed with 3 decimals: close to the host engine, not equal. */
    ck_assert(json_number_value(json_object_get(scores, "max_abs_error")) <= 0.0005 + 1e-6);
    json_decref(j);
}
END_TEST

START_TEST(pty_run_int8)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    char body[1024];
    snprintf(body, sizeof(body),
             "timing_unit = us\n[launch]\ncommand = %s --model %s --us-per-inference 100 {tty}\n"
             "[link]\ntype = pty\nprotocol = mlperf-tiny\n",
             hbt_mlperf_sim(), model("sine_int8.tflite"));
    const char *b = hbt_profile(dir, "simpty", body);
    char *out = NULL;
    become_subreaper();
    int rc = run_on(b, model("sine_int8.tflite"), 0, db, "--quiet", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    /* Three decimals are finer than the int8 output's step: the outputs
     * come back exactly. */
    ck_assert_msg(strstr(out, "printed precision of the host engine: 32/32 vectors"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);
    json_t *j = hbt_show_json(db, "1"), *v = hbt_variant0(j);
    json_t *scores = json_object_get(v, "scores");
    ck_assert(json_number_value(json_object_get(scores, "max_abs_error")) == 0.0);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(v, "inferences"), 0), "cycles")), 100);
    json_decref(j);
}
END_TEST

START_TEST(refusal_fails_variant)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    const char *b = hbt_mlperf_profile(dir, "simerr", "--error-on infer", 2000);
    char *out = NULL;
    become_subreaper();
    int rc = run_on(b, model("sine_float.tflite"), 1, db, "--quiet", &out);
    ck_assert_int_ne(rc, 0);
    ck_assert_msg(strstr(out, "hilbench: error: 1 of 1 variants failed") &&
                      strstr(out, "board simerr: 'infer 5 1' refused: e-[Simulated failure"),
                  "%s", out);
    /* A refusal is not board trouble: no reset. */
    ck_assert_msg(!strstr(out, "board resets"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);
    json_t *j = hbt_show_json(db, "1"), *v = hbt_variant0(j);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "status")),
                     "failed");
    ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "failed");
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 0);
    json_decref(j);
}
END_TEST

START_TEST(silent_firmware_times_out)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    /* Answers name and profile, then nothing, after every restart. */
    const char *b = hbt_mlperf_profile(dir, "simhang", "--hang-after 2", 200);
    char *out = NULL;
    become_subreaper();
    int rc = run_on(b, model("sine_float.tflite"), 1, db, "--quiet", &out);
    ck_assert_int_ne(rc, 0);
    const char *e = strstr(out, "hilbench: error: ");
    ck_assert_msg(e != NULL, "%s", out);
    ck_assert_msg(strstr(e, "board simhang: no answer to 'db load 4' within 200 ms"), "%s", out);
    ck_assert_msg(strchr(e, '\n') == NULL || strchr(e, '\n')[1] == '\0', "not one line: %s", e);
    free(out);
    ck_assert_int_eq(running_children(), 0);
    /* Nothing of a vector the firmware never finished. */
    json_t *j = hbt_show_json(db, "1"), *v = hbt_variant0(j);
    ck_assert_str_eq(json_string_value(json_object_get(v, "status")), "failed");
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 0);
    json_decref(j);
}
END_TEST

START_TEST(slow_firmware_within_timeout)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    /* Every answer 150 ms late, within a 1 s time-out. */
    const char *b = hbt_mlperf_profile(dir, "simslow", "--slow-ms 150 --us-per-inference 40",
                                       1000);
    char *out = NULL;
    int rc = run_on(b, model("sine_float.tflite"), 1, db, "--quiet", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "3/3 vectors") && !strstr(out, "board resets"), "%s", out);
    free(out);
    json_t *j = hbt_show_json(db, "1");
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(hbt_variant0(j), "inferences"), 2),
                         "cycles")), 40);
    json_decref(j);
}
END_TEST

START_TEST(mlperf_rules_modes)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    /* Virtual clock: the 10 s of the rules pass in no time, exactly. */
    const char *b = hbt_mlperf_profile(dir, "simrules", "--us-per-inference 250", 2000);
    char *out = NULL;
    unsetenv("HILBENCH_MLPERF_MIN_SECONDS");
    int rc = run_on(b, model("sine_float.tflite"), 0, db, "--mlperf-rules", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "throughput (MLPerf Tiny performance mode): 4000.000"), "%s", out);
    /* Five inputs, each a loop of at least 10 s. */
    int loops = 0;
    for (const char *p = out; (p = strstr(p, "performance mode, x_")); p++) {
        double secs = 0;
        const char *in = strstr(p, " inferences in ");
        ck_assert(in && sscanf(in, " inferences in %lf s", &secs) == 1);
        ck_assert_msg(secs >= 10.0, "a loop of %g s", secs);
        loops++;
    }
    ck_assert_int_eq(loops, 5);
    free(out);
    json_t *j = hbt_show_json(db, "1"), *run = json_object_get(j, "run"), *v = hbt_variant0(j);
    ck_assert_int_eq(json_integer_value(json_object_get(run, "mlperf_rules")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(run, "repeat")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(run, "warmup")), 0);
    ck_assert(json_number_value(json_object_get(json_object_get(v, "scores"),
                                                "throughput_ips")) == 4000.0);
    /* Accuracy mode: every input once. */
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 32);
    json_decref(j);

    /* The real clock, with the minimum shortened as tests may. */
    const char *real = hbt_mlperf_profile(dir, "simreal", "", 2000);
    setenv("HILBENCH_MLPERF_MIN_SECONDS", "0.05", 1);
    rc = run_on(real, model("sine_float.tflite"), 1, db, "--mlperf-rules", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    const char *p = strstr(out, "performance mode, random-0: ");
    double secs = 0;
    ck_assert_msg(p && sscanf(strstr(p, " inferences in "), " inferences in %lf s", &secs) == 1,
                  "%s", out);
    ck_assert_msg(secs >= 0.05, "%s", out);
    free(out);
    const char *bad[] = {"run", "--board", real, "--model", model("sine_float.tflite"),
                         "--random", "2", "--db", db, "--mlperf-rules", "--repeat", "3", NULL};
    ck_assert_int_ne(hbt_hb(&out, bad), 0);
    ck_assert_msg(strstr(out, "--mlperf-rules runs accuracy mode as \"infer 1 0\""), "%s", out);
    free(out);
    const char *two[] = {"run", "--board", real, "--model", model("sine_float.tflite"),
                         "--random", "2", "--db", db, "--variant", "float", "--variant", "int8",
                         NULL};
    ck_assert_int_ne(hbt_hb(&out, two), 0);
    ck_assert_msg(strstr(out, "give one variant, the model it runs"), "%s", out);
    free(out);
    const char *stub[] = {"run", "--board", "native", "--model", model("sine_float.tflite"),
                          "--random", "2", "--db", db, "--mlperf-rules", NULL};
    ck_assert_int_ne(hbt_hb(&out, stub), 0);
    ck_assert_msg(strstr(out, "protocol = mlperf-tiny"), "%s", out);
    free(out);
}
END_TEST

START_TEST(side_by_side_report)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    char *out = NULL;
    /* The shipped profile, with the stub beside it. */
    int rc = run_on("mlperf-tiny-sim", model("sine_float.tflite"), 0, db, "--quiet", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    free(out);
    rc = run_on("native", model("sine_float.tflite"), 0, db, "--quiet", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    free(out);
    json_t *j = hbt_show_json(db, "2");
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "protocol")),
                     "hilbench");
    ck_assert_int_eq(json_integer_value(json_object_get(hbt_variant0(j), "layer_timing")), 1);
    json_decref(j);
    const char *rep = hbt_path("%s/report", dir);
    const char *args[] = {"report", "1,2", "--db", db, "--out", rep, NULL};
    rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "report failed (%d):\n%s", rc, out);
    free(out);
    size_t md_len = 0;
    char *md = (char *)hbt_read_file(hbt_path("%s/report.md", rep), &md_len);
    ck_assert(md != NULL);
    ck_assert_msg(strstr(md, "| float @ mlperf-tiny-sim | ") && strstr(md, "| float @ native | ")
                      && strstr(md, "Ran on an MLPerf Tiny firmware") &&
                      strstr(md, "| protocol | mlperf-tiny | hilbench |"),
                  "%s", md);
    free(md);
    const char *rec[] = {"recommend", "1,2", "--db", db, "--json", NULL};
    ck_assert_int_eq(hbt_hb(&out, rec), 0);
    ck_assert_msg(strstr(out, "mlperf-tiny-sim") && strstr(out, "native"), "%s", out);
    free(out);
}
END_TEST

/* Firmwares that echo what they are typed: the command on a line of its
 * own, or glued to the first line of the answer. */
static const char *const echo_modes[] = {"line", "raw"};

START_TEST(echoing_firmware)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    char args[64];
    snprintf(args, sizeof(args), "--echo %s --us-per-inference 120", echo_modes[_i]);
    const char *b = hbt_mlperf_profile(dir, "simecho", args, 2000);
    char *out = NULL;
    become_subreaper();
    setenv("HILBENCH_MLPERF_MIN_SECONDS", "0.05", 1);
    int rc = run_on(b, model("sine_float.tflite"), 0, db, "--mlperf-rules", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "printed precision of the host engine: 32/32 vectors") &&
                      strstr(out, "MLPerf Tiny firmware \"hilbench-sim\", model \"sim01\"") &&
                      !strstr(out, "board resets"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);
    json_t *j = hbt_show_json(db, "1"), *v = hbt_variant0(j);
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 32);
    ck_assert_int_eq(json_integer_value(json_object_get(
                         json_array_get(json_object_get(v, "inferences"), 5), "cycles")), 120);
    json_decref(j);
}
END_TEST

START_TEST(native_stub_over_stdio)
{
    const char *dir = hbt_tmpdir("mlperf");
    const char *db = hbt_path("%s/r.db", dir);
    const char *b = hbt_profile(dir, "nstdio",
                                "timing_unit = ns\n[firmware]\nimage = hilbench-stub-native\n"
                                "[link]\ntype = stdio\ncommand = {image} -\n");
    char *out = NULL;
    become_subreaper();
    int rc = run_on(b, model("sine_int8.tflite"), 0, db, "--quiet", &out);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 32/32"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);
}
END_TEST

static const struct {
    const char *body, *message;
} bad_profiles[] = {
    {"timing_unit = us\n[link]\ntype = stdio\nprotocol = mlperf-tiny\n",
     "type = stdio needs a command"},
    {"timing_unit = ns\n[link]\ntype = serial\nprotocol = mlperf-tiny\n",
     "set timing_unit = us"},
    {"timing_unit = us\n[link]\ntype = pty\n", "us is only for protocol = mlperf-tiny"},
    {"timing_unit = us\n[link]\ntype = pty\nprotocol = eembc\n",
     "'eembc' is not one of hilbench, mlperf-tiny"},
    {"timing_unit = ns\n[link]\ntype = pty\ncommand = x\n", "only for type = stdio"},
    {"timing_unit = us\n[launch]\ncommand = x\n[link]\ntype = stdio\nprotocol = mlperf-tiny\n"
     "command = y\n", "drop [launch]"},
};

START_TEST(profile_checks)
{
    const char *dir = hbt_tmpdir("mlperf");
    board_profile *b = NULL;
    const char *path = hbt_profile(dir, "bad", bad_profiles[_i].body);
    ck_assert_int_eq(board_load(path, NULL, &b), HB_ERR_FORMAT);
    ck_assert(b == NULL);
    ck_assert_msg(strstr(hb_last_error(), bad_profiles[_i].message), "%s", hb_last_error());
}
END_TEST

START_TEST(shipped_profiles)
{
    board_profile *b = NULL;
    const char *src = getenv("HB_SOURCE_DIR");
    ck_assert(src != NULL);
    ck_assert_int_eq(board_load(hbt_path("%s/boards/mlperf-tiny-serial.ini", src), NULL, &b),
                     HB_OK);
    ck_assert_int_eq(b->protocol, BOARD_PROTO_MLPERF_TINY);
    ck_assert_int_eq(b->link_type, BOARD_LINK_SERIAL);
    board_free(b);
    ck_assert_int_eq(board_load(hbt_path("%s/boards/mlperf-tiny-sim.ini", src), "/fw", &b),
                     HB_OK);
    ck_assert_int_eq(b->link_type, BOARD_LINK_STDIO);
    ck_assert_str_eq(b->stdio_argv[0], "{image}");
    ck_assert_str_eq(b->image, "/fw/hilbench-mlperf-sim");
    board_free(b);
}
END_TEST

START_TEST(lap_and_results_parsing)
{
    ck_assert_uint_eq(mlperf_lap_us(100, 350), 250);
    ck_assert_uint_eq(mlperf_lap_us(4294967000u, 704), 1000);
    float v[4];
    double tol[4];
    size_t n = 0;
    ck_assert_int_eq(mlperf_parse_results("m-results-[0.125,1,-2.50, 3e-2]", v, tol, 4, &n),
                     HB_OK);
    ck_assert_uint_eq(n, 4);
    ck_assert(v[0] == 0.125f && v[1] == 1.0f && v[2] == -2.5f && fabsf(v[3] - 0.03f) < 1e-7f);
    ck_assert(fabs(tol[0] - 0.0005) < 1e-12 && fabs(tol[1] - 0.5) < 1e-12 &&
              fabs(tol[2] - 0.005) < 1e-12 && fabs(tol[3] - 0.005) < 1e-12);
    ck_assert_int_eq(mlperf_parse_results("m-results-[]", v, tol, 4, &n), HB_OK);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(mlperf_parse_results("m-results-[1,x]", v, tol, 4, &n), HB_ERR_FORMAT);
    ck_assert_int_eq(mlperf_parse_results("m-results-[1,2,3,4,5]", v, tol, 4, &n),
                     HB_ERR_FORMAT);
    ck_assert_int_eq(mlperf_parse_results("m-results-1,2", v, tol, 4, &n), HB_ERR_FORMAT);
    ck_assert_int_eq(mlperf_parse_results("m-results-[nan]", v, tol, 4, &n), HB_ERR_FORMAT);
}
END_TEST

static Suite *mlperf_suite(void)
{
    Suite *s = suite_create("mlperf");
    TCase *unit = tcase_create("unit");
    tcase_add_test(unit, lap_and_results_parsing);
    tcase_add_loop_test(unit, profile_checks, 0,
                        (int)(sizeof(bad_profiles) / sizeof(bad_profiles[0])));
    tcase_add_test(unit, shipped_profiles);
    suite_add_tcase(s, unit);
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, stdio_run_wrapping_clock);
    tcase_add_test(tc, pty_run_int8);
    tcase_add_test(tc, refusal_fails_variant);
    tcase_add_test(tc, silent_firmware_times_out);
    tcase_add_test(tc, slow_firmware_within_timeout);
    tcase_add_test(tc, mlperf_rules_modes);
    tcase_add_test(tc, side_by_side_report);
    tcase_add_test(tc, native_stub_over_stdio);
    tcase_add_loop_test(tc, echoing_firmware, 0,
                        (int)(sizeof(echo_modes) / sizeof(echo_modes[0])));
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(mlperf_suite)
