/*
 * check_store_merge.c: many boards, one database. Two `hilbench run`
 * processes on two boards write to one file at once and lose nothing;
 * store_merge / `hilbench merge` combine the databases of several bench
 * hosts: new ids, the same uuids, nothing added twice, a more complete copy
 * of a run replacing an older one.
 */
#include "check_util.h"

#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const store_layer LAYERS[2] = {
    {0, "FULLY_CONNECTED", "1x4", "1x2", "int8", "int8", 8, 10},
    {1, "SOFTMAX", "1x2", "1x2", "int8", "int8", 2, 0},
};

static store *open_ok(const char *path)
{
    store *s = NULL;
    ck_assert_msg(store_open(path, &s) == HB_OK, "%s", hb_last_error());
    return s;
}

/* A run with two variants, n vectors each, memory and scores; finished
 * "ok" unless finish is 0. Returns its id. */
static int64_t make_run(store *s, const char *board, int n, int finish)
{
    store_run_info ri = {.board = board, .host = "bench-x", .version = "0.1.0",
                         .timing_unit = "ns", .counter_hz = 1e9, .repeat = 2, .warmup = 0,
                         .reference = "float"};
    int64_t run, var[2];
    ck_assert_int_eq(store_run_begin(s, &ri, &run), HB_OK);
    for (int v = 0; v < 2; v++) {
        store_variant_info vi = {"m.tflite", SHA, v ? "int8" : "float", 100 + v, LAYERS, 2};
        ck_assert_int_eq(store_variant_add(s, run, &vi, &var[v]), HB_OK);
        for (int i = 0; i < n; i++) {
            uint64_t rep[2] = {10 + (uint64_t)i, 11}, lay[2] = {3, 4};
            uint8_t out[2] = {(uint8_t)i, (uint8_t)v};
            store_inference inf = {i, "vec", 10, 0.5, out, 2, 2, rep, 2, lay};
            ck_assert_int_eq(store_inference_add(s, run, var[v], &inf), HB_OK);
        }
        store_memory mem = {64, 512, 100, 0, 0};
        store_score sc = {"rmse", 0.25 * v};
        store_layer_score ls[2] = {{0, 0, 30.0}, {1, -1, 0}};
        ck_assert_int_eq(store_memory_set(s, run, var[v], &mem), HB_OK);
        ck_assert_int_eq(store_scores_add(s, run, var[v], &sc, 1, ls, 2), HB_OK);
        ck_assert_int_eq(store_variant_finish(s, run, var[v], "ok", NULL, 0), HB_OK);
    }
    if (finish)
        ck_assert_int_eq(store_run_finish(s, run, "ok", NULL), HB_OK);
    return run;
}

/* A run's JSON without its local ids, to compare copies across files. */
static json_t *portable(store *s, int64_t run)
{
    json_t *j = NULL, *v;
    size_t i;
    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    json_object_del(json_object_get(j, "run"), "id");
    json_object_del(json_object_get(j, "run"), "reference_variant_id");
    json_array_foreach(json_object_get(j, "variants"), i, v)
        json_object_del(v, "id");
    return j;
}

static int64_t id_of(store *s, const char *uuid)
{
    int64_t id = 0;
    ck_assert_int_eq(store_run_find(s, uuid, &id), HB_OK);
    return id;
}

START_TEST(merge_renumbers_and_dedups)
{
    const char *dir = hbt_tmpdir("merge");
    char a[1024], b[1024], out[1024];
    snprintf(a, sizeof(a), "%s/a.db", dir);
    snprintf(b, sizeof(b), "%s/b.db", dir);
    snprintf(out, sizeof(out), "%s/out.db", dir);
    store *sa = open_ok(a), *sb = open_ok(b), *so = open_ok(out);
    int64_t ra = make_run(sa, "board-a", 5, 1), rb = make_run(sb, "board-b", 7, 1);
    ck_assert_int_eq(ra, 1);
    ck_assert_int_eq(rb, 1);
    /* out has a run of its own already: the merged ones follow it. */
    make_run(so, "board-o", 1, 1);

    store_merge_stats ms;
    ck_assert_msg(store_merge(so, a, &ms) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(ms.runs_added, 1);
    ck_assert_int_eq(ms.inferences_added, 10);
    ck_assert_int_eq(store_merge(so, b, &ms), HB_OK);
    ck_assert_int_eq(ms.runs_added, 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM runs"), 3);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM inferences"), 2 + 10 + 14);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM repeat_timings"), 2 * (2 + 10 + 14));
    ck_assert_int_eq(hbt_sql_int(out, "PRAGMA integrity_check"), 1);
    ck_assert_int_eq(hbt_sql_int(out, "PRAGMA foreign_key_check"), -1);

    /* Same uuids and contents, new ids. */
    json_t *ja = portable(sa, ra), *jb = portable(sb, rb);
    const char *ua = json_string_value(json_object_get(json_object_get(ja, "run"), "uuid"));
    const char *ub = json_string_value(json_object_get(json_object_get(jb, "run"), "uuid"));
    ck_assert_int_eq(id_of(so, ua), 2);
    ck_assert_int_eq(id_of(so, ub), 3);
    json_t *ca = portable(so, 2), *cb = portable(so, 3);
    ck_assert(json_equal(ja, ca));
    ck_assert(json_equal(jb, cb));

    /* Twice adds nothing. */
    ck_assert_int_eq(store_merge(so, a, &ms), HB_OK);
    ck_assert_int_eq(ms.runs_added, 0);
    ck_assert_int_eq(ms.runs_skipped, 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM inferences"), 26);

    /* Refused: itself, a missing file, a file that is no database; out
     * unchanged by each. */
    ck_assert_int_eq(store_merge(so, out, &ms), HB_ERR_ARG);
    ck_assert_int_eq(store_merge(so, hbt_path("%s/none.db", dir), &ms), HB_ERR_NOT_FOUND);
    const char *junk = hbt_path("%s/junk.db", dir);
    char text[4096];
    memset(text, 'j', sizeof(text));
    ck_assert_int_eq(hbt_write_file(junk, text, sizeof(text)), 0);
    ck_assert_int_eq(store_merge(so, junk, &ms), HB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "junk.db"));
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM runs"), 3);

    json_decref(ja);
    json_decref(jb);
    json_decref(ca);
    json_decref(cb);
    store_close(sa);
    store_close(sb);
    store_close(so);
}
END_TEST

/* A copy taken while the run was going, merged first, is replaced by the
 * finished one; the unfinished copy merged again changes nothing. */
START_TEST(merge_prefers_the_complete_copy)
{
    const char *dir = hbt_tmpdir("merge-copy");
    char a[1024], early[1024], out[1024];
    snprintf(a, sizeof(a), "%s/a.db", dir);
    snprintf(early, sizeof(early), "%s/early.db", dir);
    snprintf(out, sizeof(out), "%s/out.db", dir);
    store *sa = open_ok(a);
    int64_t run = make_run(sa, "board-a", 3, 0);
    store_close(sa); /* checkpoints: the file alone holds everything */
    size_t len = 0;
    uint8_t *bytes = hbt_read_file(a, &len);
    ck_assert_int_eq(hbt_write_file(early, bytes, len), 0);
    free(bytes);
    sa = open_ok(a);
    ck_assert_int_eq(store_run_finish(sa, run, "ok", NULL), HB_OK);
    store_close(sa);

    store *so = open_ok(out);
    store_merge_stats ms;
    ck_assert_int_eq(store_merge(so, early, &ms), HB_OK);
    ck_assert_int_eq(ms.runs_added, 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT status FROM runs"), 0);
    ck_assert_int_eq(store_merge(so, a, &ms), HB_OK);
    ck_assert_int_eq(ms.runs_replaced, 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM runs"), 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT status FROM runs"), 1);
    ck_assert_int_eq(store_merge(so, early, &ms), HB_OK);
    ck_assert_int_eq(ms.runs_skipped, 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT status FROM runs"), 1);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM inferences"), 6);
    store_close(so);
}
END_TEST

static pid_t start_run(const char *db, const char *seed, const char *model)
{
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(hbt_hilbench(), hbt_hilbench(), "run", "--board", "native", "--model", model,
              "--random", "300", "--seed", seed, "--repeat", "1", "--warmup", "0", "--db", db,
              "--quiet", (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Two hosts' worth of runs at once into one file, then merged elsewhere. */
START_TEST(two_boards_one_database_then_merge)
{
    const char *dir = hbt_tmpdir("two");
    char db[1024], other[1024], out[1024];
    snprintf(db, sizeof(db), "%s/shared.db", dir);
    snprintf(other, sizeof(other), "%s/host2.db", dir);
    snprintf(out, sizeof(out), "%s/all.db", dir);
    const char *model = hbt_path("%s/sine_int8.tflite", hbt_models_dir());
    pid_t p1 = start_run(db, "1", model), p2 = start_run(db, "2", model);
    int s1, s2;
    waitpid(p1, &s1, 0);
    waitpid(p2, &s2, 0);
    ck_assert(WIFEXITED(s1) && WEXITSTATUS(s1) == 0);
    ck_assert(WIFEXITED(s2) && WEXITSTATUS(s2) == 0);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 2);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM inferences"), 600);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM (SELECT run_id FROM inferences"
                                 " GROUP BY run_id HAVING count(*) = 300)"), 2);
    ck_assert_int_eq(hbt_sql_int(db, "PRAGMA integrity_check"), 1);

    pid_t p3 = start_run(other, "3", model);
    waitpid(p3, &s1, 0);
    ck_assert(WIFEXITED(s1) && WEXITSTATUS(s1) == 0);
    char *argv[] = {(char *)hbt_hilbench(), "merge", out, db, other, NULL}, *text = NULL;
    ck_assert_int_eq(hbt_run(argv, &text), 0);
    ck_assert_msg(strstr(text, "3 runs added, 0 replaced, 0 already there"), "%s", text);
    free(text);
    ck_assert_int_eq(hbt_run(argv, &text), 0);
    ck_assert_msg(strstr(text, "0 runs added, 0 replaced, 3 already there"), "%s", text);
    free(text);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(*) FROM inferences"), 900);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT count(DISTINCT uuid) FROM runs"), 3);
    ck_assert_int_eq(hbt_sql_int(out, "SELECT max(id) FROM runs"), 3);
}
END_TEST

static Suite *store_merge_suite(void)
{
    Suite *s = suite_create("store_merge");
    TCase *tc = tcase_create("merge");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, merge_renumbers_and_dedups);
    tcase_add_test(tc, merge_prefers_the_complete_copy);
    tcase_add_test(tc, two_boards_one_database_then_merge);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(store_merge_suite)
