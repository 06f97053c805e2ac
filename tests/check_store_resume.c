/*
 * check_store_resume.c: what recovery asks of the store (store_resume.c):
 * runs left "running" by a dead process are marked interrupted on the next
 * open, and only those; a run is taken over once; progress per variant;
 * a variant's end; scores cleared; stored outputs read back in order.
 */
#include "check_util.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const store_layer LAYER = {0, "FULLY_CONNECTED", NULL, NULL, NULL, NULL, 16, 80};

static void run_info(store_run_info *ri, char *host, size_t cap)
{
    gethostname(host, cap - 1);
    host[cap - 1] = '\0';
    *ri = (store_run_info){.board = "native", .host = host, .version = "0.1.0",
                           .timing_unit = "ns", .counter_hz = 1e9, .repeat = 1,
                           .warmup = 0};
}

static store *open_ok(const char *path)
{
    store *s = NULL;
    ck_assert_msg(store_open(path, &s) == HB_OK, "%s", hb_last_error());
    return s;
}

static void add_vector(store *s, int64_t run, int64_t var, int index, uint8_t out)
{
    uint64_t cyc = 100 + (uint64_t)index, layer = 5;
    char name[32];
    snprintf(name, sizeof(name), "v%d", index);
    store_inference inf = {index, name, cyc, 1.0, &out, 1, 1, &cyc, 1, &layer};
    ck_assert_msg(store_inference_add(s, run, var, &inf) == HB_OK, "%s", hb_last_error());
}

/* A child process begins a run and dies without finishing it. */
START_TEST(dead_owner_marked_interrupted)
{
    const char *path = hbt_path("%s/r.db", hbt_tmpdir("orphan"));
    store_run_info ri;
    char host[256];
    run_info(&ri, host, sizeof(host));
    store_close(open_ok(path));
    pid_t pid = fork();
    if (pid == 0) {
        store *s = NULL;
        int64_t run;
        if (store_open(path, &s) != HB_OK || store_run_begin(s, &ri, &run) != HB_OK)
            _exit(1);
        _exit(0); /* no finish, no close: as if killed */
    }
    int status;
    waitpid(pid, &status, 0);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);

    /* A run of this (live) process stays running. */
    store *s = open_ok(path);
    int64_t mine;
    ck_assert_int_eq(store_run_begin(s, &ri, &mine), HB_OK);
    /* One of another host cannot be checked: left alone. */
    store_run_info other = ri;
    other.host = "some-other-bench";
    int64_t remote;
    ck_assert_int_eq(store_run_begin(s, &other, &remote), HB_OK);
    store_close(s);

    s = open_ok(path);
    store_run_state st;
    ck_assert_int_eq(store_run_state_get(s, 1, &st), HB_OK);
    ck_assert_str_eq(st.status, "interrupted");
    ck_assert_int_eq(st.owner_alive, 0);
    store_run_state_free(&st);
    json_t *j = NULL;
    ck_assert_int_eq(store_run_json(s, 1, &j), HB_OK);
    const char *err = json_string_value(json_object_get(json_object_get(j, "run"), "error"));
    ck_assert_msg(err && strstr(err, hbt_path("pid %d", (int)pid)) && strstr(err, "is gone"),
                  "%s", err ? err : "(null)");
    json_decref(j);
    ck_assert_int_eq(store_run_state_get(s, mine, &st), HB_OK);
    ck_assert_str_eq(st.status, "running");
    ck_assert_int_eq(st.owner_alive, 1);
    store_run_state_free(&st);
    ck_assert_int_eq(store_run_state_get(s, remote, &st), HB_OK);
    ck_assert_str_eq(st.status, "running");
    ck_assert_int_eq(st.owner_alive, 1);
    store_run_state_free(&st);

    /* Taken over once: a running or finished run cannot be. */
    ck_assert_int_eq(store_run_reopen(s, 1), HB_OK);
    ck_assert_int_eq(store_run_reopen(s, 1), HB_ERR_ARG);
    ck_assert_int_eq(store_run_finish(s, 1, "ok", NULL), HB_OK);
    ck_assert_int_eq(store_run_reopen(s, 1), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "not failed or interrupted"));
    store_close(s);
}
END_TEST

typedef struct {
    int n, last;
    char names[8][8];
} seen_outputs;

static hb_status note_output(void *ctx, int index, const char *vector, const void *out,
                             size_t bytes)
{
    seen_outputs *s = ctx;
    ck_assert_int_eq(bytes, 1);
    ck_assert_int_eq(*(const uint8_t *)out, (uint8_t)(index * 3));
    ck_assert_int_gt(index, s->last);
    s->last = index;
    snprintf(s->names[s->n++ % 8], 8, "%s", vector);
    return HB_OK;
}

START_TEST(progress_finish_and_outputs)
{
    const char *path = hbt_path("%s/p.db", hbt_tmpdir("progress"));
    store_run_info ri;
    char host[256];
    run_info(&ri, host, sizeof(host));
    store *s = open_ok(path);
    int64_t run, a, b;
    ck_assert_int_eq(store_run_begin_options(s, &ri, "{\"version\": 1}", &run), HB_OK);
    store_variant_info vi = {"m.tflite", SHA, "float", 100, &LAYER, 1};
    ck_assert_int_eq(store_variant_add(s, run, &vi, &a), HB_OK);
    vi.recipe = "int8";
    ck_assert_int_eq(store_variant_add(s, run, &vi, &b), HB_OK);
    for (int i = 2; i >= 0; i--)
        add_vector(s, run, a, i, (uint8_t)(i * 3));
    store_memory mem = {32, 640, 100, 0, 0};
    ck_assert_int_eq(store_memory_set(s, run, a, &mem), HB_OK);
    store_score sc = {"rmse", 0.5};
    store_layer_score ls = {0, 0, 40.0};
    ck_assert_int_eq(store_scores_add(s, run, a, &sc, 1, &ls, 1), HB_OK);

    store_run_state st;
    ck_assert_int_eq(store_run_state_get(s, run, &st), HB_OK);
    ck_assert_str_eq(st.options, "{\"version\": 1}");
    store_run_state_free(&st);

    store_variant_progress *p = NULL;
    int n = 0;
    ck_assert_int_eq(store_variants_progress(s, run, &p, &n), HB_OK);
    ck_assert_int_eq(n, 2);
    ck_assert_str_eq(p[0].recipe, "float");
    ck_assert_str_eq(p[0].status, "running");
    ck_assert_int_eq(p[0].vectors, 3);
    ck_assert_int_eq(p[0].next_vector, 3);
    ck_assert_int_eq(p[0].has_memory, 1);
    ck_assert_uint_eq(p[0].stack_bytes, 640);
    ck_assert_int_eq(p[1].vectors, 0);
    ck_assert_int_eq(p[1].has_memory, 0);
    store_variants_progress_free(p, n);

    seen_outputs seen = {0, -1, {{0}}};
    ck_assert_int_eq(store_outputs_each(s, a, note_output, &seen), HB_OK);
    ck_assert_int_eq(seen.n, 3);
    ck_assert_str_eq(seen.names[0], "v0");

    /* Scores go before they are computed again. */
    ck_assert_int_eq(store_scores_clear(s, run, a, NULL), HB_OK);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM scores"), 0);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM layer_scores"), 0);
    /* But those not computed again (names starting with keep), which are
     * kept. */
    store_score ips = {"throughput_ips", 4000.0}, one = {"throughput_ips_input_1", 3990.0};
    double value = -1;
    int found = -1;
    ck_assert_int_eq(store_score_get(s, a, "throughput_ips", &value, &found), HB_OK);
    ck_assert(found == 0 && value == 0.0);
    ck_assert_int_eq(store_scores_add(s, run, a, &ips, 1, NULL, 0), HB_OK);
    ck_assert_int_eq(store_scores_add(s, run, a, &one, 1, NULL, 0), HB_OK);
    ck_assert_int_eq(store_scores_add(s, run, a, &sc, 1, &ls, 1), HB_OK);
    ck_assert_int_eq(store_scores_clear(s, run, a, "throughput_ips"), HB_OK);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM scores"), 2);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM layer_scores"), 0);
    ck_assert_int_eq(store_score_get(s, a, "throughput_ips", &value, &found), HB_OK);
    ck_assert(found == 1 && value == 4000.0);
    ck_assert_int_eq(store_scores_add(s, run, a, &sc, 1, &ls, 1), HB_OK);

    ck_assert_int_eq(store_variant_finish(s, run, a, "ok", "board reset once", 1), HB_OK);
    ck_assert_int_eq(store_variant_finish(s, run, b, "failed", "hung", 3), HB_OK);
    ck_assert_int_eq(store_variant_finish(s, run, b, "done", NULL, 0), HB_ERR_ARG);
    ck_assert_int_eq(store_variant_finish(s, run + 1, b, "ok", NULL, 0), HB_ERR_ARG);
    ck_assert_int_eq(store_variant_finish(s, run, b, "ok", NULL, -1), HB_ERR_ARG);
    json_t *j = NULL;
    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    json_t *vb = json_array_get(json_object_get(j, "variants"), 1);
    ck_assert_str_eq(json_string_value(json_object_get(vb, "status")), "failed");
    ck_assert_str_eq(json_string_value(json_object_get(vb, "error")), "hung");
    ck_assert_int_eq(json_integer_value(json_object_get(vb, "resets")), 3);
    json_decref(j);
    store_close(s);
}
END_TEST

/* A version 2 file gets the version 3 columns, null where unknown. */
START_TEST(migration_from_version_2)
{
    const char *path = hbt_path("%s/v2.db", hbt_tmpdir("v2"));
    store *s = open_ok(path);
    store_run_info ri;
    char host[256];
    int64_t run;
    run_info(&ri, host, sizeof(host));
    ck_assert_int_eq(store_run_begin(s, &ri, &run), HB_OK);
    ck_assert_int_eq(store_run_finish(s, run, "ok", NULL), HB_OK);
    store_close(s);
    /* Back to version 2 by hand: what a file of the last release holds. */
    sqlite3 *db = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_exec(db, "ALTER TABLE runs DROP COLUMN firmware_sha256;"
                                      "ALTER TABLE runs DROP COLUMN protocol;"
                                      "ALTER TABLE runs DROP COLUMN mlperf_rules;"
                                      "ALTER TABLE variants DROP COLUMN layer_timing;"
                                      "ALTER TABLE variants DROP COLUMN firmware_model;"
                                      "DROP INDEX runs_status;"
                                      "ALTER TABLE runs DROP COLUMN owner_pid;"
                                      "ALTER TABLE runs DROP COLUMN owner_boot;"
                                      "ALTER TABLE runs DROP COLUMN owner_start;"
                                      "ALTER TABLE runs DROP COLUMN options;"
                                      "ALTER TABLE variants DROP COLUMN status;"
                                      "ALTER TABLE variants DROP COLUMN error;"
                                      "ALTER TABLE variants DROP COLUMN resets;"
                                      "PRAGMA user_version = 2;", NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    s = open_ok(path);
    ck_assert_int_eq(hbt_sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    store_run_state st;
    ck_assert_int_eq(store_run_state_get(s, run, &st), HB_OK);
    ck_assert_str_eq(st.status, "ok");
    ck_assert_ptr_null(st.options);
    store_run_state_free(&st);
    store_close(s);
}
END_TEST

static Suite *store_resume_suite(void)
{
    Suite *s = suite_create("store_resume");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, dead_owner_marked_interrupted);
    tcase_add_test(tc, progress_finish_and_outputs);
    tcase_add_test(tc, migration_from_version_2);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(store_resume_suite)
