/*
 * check_mlperf_anomaly.c: an MLPerf Tiny anomaly-detection firmware, which
 * prints its own anomaly score (the reconstruction error of the input)
 * instead of the model's outputs, simulated by tests/mlperf_sim.c
 * --anomaly-score: the score compared with the one hilbench computes from
 * the host engine's outputs, AUC against the labels, a score refused
 * without a task of anomaly detection, and a killed run resumed.
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "check_util.h"

/* Clips of 6 floats, windows of 4 every 2: two windows each. */
static const float clips[4][6] = {
    {0.1f, -0.1f, 0.2f, 0.0f, 0.1f, 0.1f},  /* quiet, normal */
    {2.0f, -3.0f, 1.0f, 2.5f, -2.0f, 1.0f}, /* bang, anomaly */
    {0.3f, 0.2f, -0.2f, 0.1f, 0.0f, 0.2f},  /* hum, normal */
    {-1.5f, 1.0f, 3.0f, -2.0f, 1.0f, 2.0f}, /* crash, anomaly */
};
static const char *const clip_names[4] = {"quiet", "bang", "hum", "crash"};

typedef struct {
    char dir[1024], data[1100], model[1100], db[1100], board[1100];
} fixture;

/* The model, the dataset (anomaly rows) and a profile of the simulated
 * firmware running the model and printing its score. */
static void set_up(fixture *f, const char *extra_args)
{
    char args[2400];
    snprintf(f->dir, sizeof(f->dir), "%s", hbt_tmpdir("mlperf-ad"));
    snprintf(f->data, sizeof(f->data), "%s/data", f->dir);
    snprintf(f->model, sizeof(f->model), "%s/halver.tflite", f->dir);
    snprintf(f->db, sizeof(f->db), "%s/r.db", f->dir);
    ck_assert_int_eq(mkdir(f->data, 0777), 0);
    hbt_write_halver(f->model);
    char csv[256] = "";
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(hbt_write_file(hbt_path("%s/%s.bin", f->data, clip_names[i]), clips[i],
                                        sizeof(clips[i])), 0);
        snprintf(csv + strlen(csv), sizeof(csv) - strlen(csv), "%s.bin,2,%d,16,8\n",
                 clip_names[i], i % 2);
    }
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/y_labels.csv", f->data), csv, strlen(csv)), 0);
    snprintf(args, sizeof(args), "--model %s --anomaly-score --us-per-inference 300 %s",
             f->model, extra_args);
    snprintf(f->board, sizeof(f->board), "%s", hbt_mlperf_profile(f->dir, "simad", args, 2000));
}

/* What the firmware computes for window w of clip c. */
static double expected_score(int c, int w)
{
    double sum = 0;
    for (int i = 0; i < 4; i++) {
        double x = clips[c][2 * w + i];
        sum += (0.5 * x - x) * (0.5 * x - x);
    }
    return sum / 4;
}

/* A stored output row: the score as a float32, in hex. */
static float stored_score(json_t *inference)
{
    const char *hex = json_string_value(json_object_get(inference, "output_hex"));
    uint8_t b[4];
    ck_assert_msg(hex && strlen(hex) == 8, "output %s is not one float32", hex ? hex : "null");
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(sscanf(hex + 2 * i, "%2hhx", &b[i]), 1);
    float f;
    memcpy(&f, b, sizeof(f));
    return f;
}

START_TEST(firmware_prints_its_score)
{
    fixture f;
    char *out = NULL;
    set_up(&f, "");
    const char *args[] = {"run", "--board", f.board, "--model", f.model, "--dataset", f.data,
                          "--db", f.db, "--mlperf-rules", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "anomaly scores within the firmware's printed precision of the "
                              "host engine's: 8/8 vectors") &&
                      strstr(out, "throughput (MLPerf Tiny performance mode): 3333.333"),
                  "%s", out);
    free(out);

    json_t *j = hbt_show_json(f.db, "1"), *v = hbt_variant0(j), *inf;
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "task")),
                     "anomaly");
    json_t *infs = json_object_get(v, "inferences");
    size_t i;
    ck_assert_int_eq(json_array_size(infs), 8);
    json_array_foreach(infs, i, inf) {
        /* The printed score, three decimals, stored as the vector's output. */
        double want = expected_score((int)i / 2, (int)i % 2);
        ck_assert_msg(fabs(stored_score(inf) - want) <= 0.0005 + 1e-6, "vector %zu: %g, not %g",
                      i, (double)stored_score(inf), want);
    }
    /* Loud clips score higher: every anomaly above every normal clip. */
    ck_assert(hbt_score_of(v, "auc") == 1.0);
    /* Fidelity of the score against the host engine's. */
    ck_assert(hbt_score_of(v, "max_abs_error") <= 0.0005 + 1e-6);
    ck_assert(hbt_score_of(v, "snr_db") > 40.0);
    ck_assert(json_object_get(json_object_get(v, "scores"), "top1_agreement") == NULL);
    json_decref(j);
}
END_TEST

START_TEST(score_needs_the_task)
{
    fixture f;
    char *out = NULL;
    set_up(&f, "");
    /* Random vectors, no labels: one value is not the model's 4 outputs. */
    const char *plain[] = {"run", "--board", f.board, "--model", f.model, "--random", "3",
                           "--db", f.db, NULL};
    ck_assert_int_ne(hbt_hb(&out, plain), 0);
    ck_assert_msg(strstr(out, "its results line has 1 value, the outputs of") &&
                      strstr(out, "declare the task"), "%s", out);
    free(out);
    /* Declared: scored, with fidelity but no AUC (no labels). */
    const char *task[] = {"run", "--board", f.board, "--model", f.model, "--random", "3",
                          "--task", "anomaly", "--db", f.db, NULL};
    int rc = hbt_hb(&out, task);
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "anomaly scores within the firmware's printed precision of the "
                              "host engine's: 3/3 vectors"), "%s", out);
    free(out);
    json_t *j = hbt_show_json(f.db, "2"), *v = hbt_variant0(j);
    ck_assert(json_object_get(json_object_get(v, "scores"), "auc") == NULL);
    ck_assert(hbt_score_of(v, "max_abs_error") <= 0.0005 + 1e-6);
    json_decref(j);
}
END_TEST

/* Killed while it runs (by the count of its progress lines, never by
 * time), then resumed: the scores of the rows recorded before come back
 * from their stored scores. */
START_TEST(killed_run_resumes)
{
    fixture f, ref;
    char *lines = NULL, *out = NULL;
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    set_up(&ref, "");
    /* Slow answers: the kill comes long before the run could end. */
    set_up(&f, "--slow-ms 50");
    const char *ref_args[] = {"run", "--board", ref.board, "--model", ref.model, "--dataset",
                              ref.data, "--db", ref.db, NULL};
    hbt_hb_kill_at(ref_args, 0, &lines);
    const char *at = strstr(lines, "vector 5/8");
    ck_assert_msg(at != NULL, "%s", lines);
    int kill_line = 1;
    for (const char *p = lines; p < at; p++)
        kill_line += *p == '\n';
    free(lines);

    const char *args[] = {"run", "--board", f.board, "--model", f.model, "--dataset", f.data,
                          "--db", f.db, NULL};
    hbt_hb_kill_at(args, kill_line, NULL);
    int status;
    while (waitpid(-1, &status, 0) > 0) /* the firmware, gone with hilbench */
        ;
    /* Left "running": the next opening of the store sees its process gone. */
    ck_assert_int_eq(hbt_sql_int(f.db, "SELECT status = 'running' FROM runs"), 1);
    long long before = hbt_sql_int(f.db, "SELECT count(*) FROM inferences");
    ck_assert_msg(before >= 4 && before < 8, "%lld vectors before the kill", before);

    const char *resume[] = {"run", "--resume", "1", "--db", f.db, NULL};
    int rc = hbt_hb(&out, resume);
    ck_assert_msg(rc == 0, "resume failed (%d):\n%s", rc, out);
    char want[128];
    snprintf(want, sizeof(want), "%lld vectors recorded before", before);
    ck_assert_msg(strstr(out, want) && strstr(out, "vectors run now"), "%s", out);
    free(out);
    ck_assert_int_eq(hbt_sql_int(f.db, "SELECT count(DISTINCT vector_index) FROM inferences"),
                     8);
    ck_assert_int_eq(hbt_sql_int(f.db, "SELECT count(*) FROM inferences"), 8);
    ck_assert_int_eq(hbt_sql_int(f.db, "SELECT status = 'ok' FROM runs"), 1);
    json_t *a = hbt_show_json(ref.db, "1"), *b = hbt_show_json(f.db, "1");
    hbt_assert_same_scores(a, b);
    json_decref(a);
    json_decref(b);
}
END_TEST

static Suite *mlperf_anomaly_suite(void)
{
    Suite *s = suite_create("mlperf_anomaly");
    TCase *tc = tcase_create("runs");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, firmware_prints_its_score);
    tcase_add_test(tc, score_needs_the_task);
    tcase_add_test(tc, killed_run_resumes);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(mlperf_anomaly_suite)
