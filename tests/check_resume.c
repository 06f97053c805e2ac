/*
 * check_resume.c: a host killed with SIGKILL at 20 points of a run. After
 * each kill the database passes PRAGMA integrity_check, the run shows as
 * "interrupted" (its process is gone), no board process is left behind,
 * and `hilbench run --resume` finishes it: every vector of every variant
 * recorded exactly once, memory rows and scores present, and the scores
 * equal to those of a run that was never interrupted.
 *
 * Kill points are chosen by counting the run's progress lines on its
 * stderr (a pipe, so one line every tenth of a variant), never by time.
 */
#include <jansson.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include "check_util.h"

#define VECTORS "100"
#define N_VECTORS 100
#define KILLS 20

/* The run every kill point interrupts: two variants, a random dataset. */
static void fill_args(const char **argv, const char *db)
{
    const char *args[] = {hbt_hilbench(), "run", "--board", "native", "--model",
                          hbt_path("%s/sine_float.tflite", hbt_models_dir()), "--variant",
                          "float", "--variant", "int8", "--random", VECTORS, "--repeat", "1",
                          "--warmup", "0", "--db", db, NULL};
    for (int i = 0; i < (int)(sizeof(args) / sizeof(args[0])); i++)
        argv[i] = args[i];
}

/* Starts a run with stderr on a pipe; sends it sig once `lines` lines have
 * come (never if 0) and checks how it ended: SIGKILL kills it, SIGINT and
 * SIGTERM make it stop and exit non-zero. Returns the number of lines seen. */
/* The error line of the last run_and_signal that printed one. */
static char last_error[1024];

static int run_and_signal(const char *db, int lines, int sig)
{
    const char *argv[32];
    int fds[2];
    fill_args(argv, db);
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        dup2(fds[1], 2);
        int null = open("/dev/null", 1);
        dup2(null, 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[1024];
    int seen = 0, killed = 0;
    while (fgets(line, sizeof(line), f)) {
        seen++;
        if (lines && seen == lines) {
            kill(pid, sig);
            killed = 1;
            break;
        }
    }
    last_error[0] = '\0';
    while (killed && fgets(line, sizeof(line), f))
        if (!strncmp(line, "hilbench: error: ", 17))
            snprintf(last_error, sizeof(last_error), "%s", line);
    fclose(f);
    int status;
    waitpid(pid, &status, 0);
    if (killed && sig == SIGKILL)
        ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
                      WIFEXITED(status), "unexpected status %d", status);
    else if (killed) /* the shell's convention: 128 + the signal */
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 128 + sig,
                      "signal %d: unexpected status %d", sig, status);
    else
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run failed: %d",
                      status);
    return seen;
}

static int run_and_kill(const char *db, int lines)
{
    return run_and_signal(db, lines, SIGKILL);
}

static json_t *hb_json(const char *const *args)
{
    char *argv[16], *out = NULL;
    int n = 0;
    argv[n++] = (char *)hbt_hilbench();
    for (; *args; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    int rc = hbt_run(argv, &out);
    ck_assert_msg(rc == 0, "%s", out);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "%s", out);
    free(out);
    return j;
}

/* The board process dies with hilbench (its parent-death signal); as a
 * sub-reaper the test inherits it and waits for it here. A board process
 * left running would keep this wait (and the test) from ending. Returns
 * how many were reaped. */
static int reap_orphans(void)
{
    int status, n = 0;
    while (waitpid(-1, &status, 0) > 0)
        n++;
    return n;
}

START_TEST(killed_runs_resume_complete)
{
    const char *dir = hbt_tmpdir("kill");
    char ref[1024];
    snprintf(ref, sizeof(ref), "%s/ref.db", dir);
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);

    /* An uninterrupted run: its scores, and how many lines a run says. */
    int total = run_and_kill(ref, 0);
    json_t *want = hbt_show_json(ref, "1");
    ck_assert_int_ge(total, 20);

    unsigned seed = 20240917u;
    int resumed = 0;
    for (int k = 0; k < KILLS; k++) {
        char db[1024];
        snprintf(db, sizeof(db), "%s/k%02d.db", dir, k);
        /* After the first progress line (the run row exists) and before
         * the end; spread over the whole run. */
        seed = seed * 1103515245u + 12345u;
        int at = 5 + (int)((seed >> 8) % (unsigned)(total - 6));
        run_and_kill(db, at);
        reap_orphans();
        ck_assert_msg(hbt_sql_int(db, "PRAGMA integrity_check") == 1, "kill %d (line %d): "
                      "integrity check failed", k, at);

        const char *runs[] = {"runs", "--db", db, "--json", NULL};
        json_t *list = hb_json(runs);
        ck_assert_int_eq(json_array_size(list), 1);
        const char *status = json_string_value(json_object_get(json_array_get(list, 0),
                                                               "status"));
        ck_assert_msg(!strcmp(status, "interrupted"), "kill %d (line %d): status %s", k, at,
                      status);
        json_decref(list);

        const char *resume[] = {"run", "--resume", "1", "--db", db, "--quiet", NULL};
        char *out = NULL;
        int rc = hbt_hb(&out, resume);
        ck_assert_msg(rc == 0, "kill %d (line %d): resume failed (%d):\n%s", k, at, rc, out);
        free(out);
        resumed++;

        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 1);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM variants"), 2);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM variants WHERE status = 'ok'"), 2);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM inferences"), 2 * N_VECTORS);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM (SELECT DISTINCT variant_id,"
                                     " vector_index FROM inferences)"), 2 * N_VECTORS);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT max(vector_index) FROM inferences"),
                         N_VECTORS - 1);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM repeat_timings"), 2 * N_VECTORS);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM memory"), 2);
        ck_assert_int_eq(hbt_sql_int(db, "PRAGMA integrity_check"), 1);
        json_t *got = hbt_show_json(db, "1");
        hbt_assert_same_scores(want, got);
        json_decref(got);
    }
    ck_assert_int_eq(resumed, KILLS);
    json_decref(want);
}
END_TEST

/* Ctrl-C and SIGTERM: the run stops, says it was interrupted, leaves no
 * board process behind, and can be resumed. */
START_TEST(signalled_runs_stop_cleanly)
{
    static const int sigs[] = {SIGINT, SIGTERM};
    const char *dir = hbt_tmpdir("signal");
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    for (int k = 0; k < 2; k++) {
        char db[1024];
        snprintf(db, sizeof(db), "%s/s%d.db", dir, k);
        run_and_signal(db, 8, sigs[k]);
        ck_assert_msg(strstr(last_error, "run 1 interrupted") &&
                          strstr(last_error, "hilbench run --resume 1"), "%s", last_error);
        /* The board process is reaped here, and none is left to wait for. */
        reap_orphans();
        ck_assert_int_eq(hbt_sql_int(db, "PRAGMA integrity_check"), 1);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM runs WHERE status = 'interrupted'"),
                         1);
        char *argv[] = {(char *)hbt_hilbench(), "run", "--resume", "1", "--db", db, "--quiet",
                        NULL};
        char *out = NULL;
        int rc = hbt_run(argv, &out);
        ck_assert_msg(rc == 0, "signal %d: resume failed (%d):\n%s", sigs[k], rc, out);
        free(out);
        ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM inferences"), 2 * N_VECTORS);
    }
}
END_TEST

/* What --resume refuses: a finished run, a run that is not there, options
 * that the record already fixes. */
START_TEST(resume_refusals)
{
    const char *dir = hbt_tmpdir("resume-no");
    char db[1024], *out = NULL;
    snprintf(db, sizeof(db), "%s/r.db", dir);
    run_and_kill(db, 0);
    char *done[] = {(char *)hbt_hilbench(), "run", "--resume", "1", "--db", db, NULL};
    ck_assert_int_eq(hbt_run(done, &out), 2);
    ck_assert_msg(strstr(out, "run 1 is complete"), "%s", out);
    free(out);
    char *missing[] = {(char *)hbt_hilbench(), "run", "--resume", "7", "--db", db, NULL};
    ck_assert_int_ne(hbt_run(missing, &out), 0);
    ck_assert_msg(strstr(out, "run 7 not found"), "%s", out);
    free(out);
    char *mixed[] = {(char *)hbt_hilbench(), "run", "--resume", "1", "--repeat", "3", "--db",
                     db, NULL};
    ck_assert_int_eq(hbt_run(mixed, &out), 2);
    ck_assert_msg(strstr(out, "--repeat cannot be given with --resume"), "%s", out);
    free(out);
}
END_TEST

static Suite *resume_suite(void)
{
    Suite *s = suite_create("resume");
    TCase *tc = tcase_create("kill");
    tcase_set_timeout(tc, 400);
    tcase_add_test(tc, killed_runs_resume_complete);
    tcase_add_test(tc, resume_refusals);
    tcase_add_test(tc, signalled_runs_stop_cleanly);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(resume_suite)
