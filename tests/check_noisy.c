/*
 * check_noisy.c: `hilbench run --link-faults` end to end: 10,000
 * inferences on the native board through a link that corrupts 1% and
 * loses 0.1% of its bytes, each way. Every output must equal the host
 * engine's, every vector be recorded exactly once, and the stub must have
 * run exactly one INVOKE per vector (its test build logs each request it
 * runs, not the repeats it answers from its cache).
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"

#define VECTORS 10000

START_TEST(ten_thousand_through_noise)
{
    const char *dir = hbt_tmpdir("noisy");
    const char *db = hbt_path("%s/r.db", dir), *log = hbt_path("%s/stub.log", dir);
    const char *board = hbt_path("%s/native-test.ini", dir);
    const char *model = hbt_path("%s/sine_int8.tflite", hbt_models_dir());
    char text[1024], *out = NULL;
    snprintf(text, sizeof(text),
             "[board]\nname = native-test\ntiming_unit = ns\n[firmware]\nimage = %s\n"
             "[launch]\ncommand = {image} {tty}\n[link]\ntype = pty\n",
             getenv("HB_STUB_NATIVE_TEST"));
    ck_assert_int_eq(hbt_write_file(board, text, strlen(text)), 0);
    setenv("HB_STUB_LOG", log, 1);
    char n[16];
    snprintf(n, sizeof(n), "%d", VECTORS);
    char *argv[] = {(char *)hbt_hilbench(), "run", "--board", (char *)board, "--model",
                    (char *)model, "--random", n, "--repeat", "1", "--warmup", "0",
                    "--no-layers", "--quiet", "--db", (char *)db, "--link-faults",
                    "corrupt=0.01,drop=0.001,seed=2024", NULL};
    int rc = hbt_run(argv, &out);
    unsetenv("HB_STUB_LOG");
    ck_assert_msg(rc == 0, "run failed (%d):\n%s", rc, out);
    char want[64];
    snprintf(want, sizeof(want), "outputs identical to the host engine: %d/%d", VECTORS,
             VECTORS);
    ck_assert_msg(strstr(out, want), "%s", out);
    /* The faults did happen, and were repeated through. */
    ck_assert_msg(strstr(out, "faults injected:") && strstr(out, "repeated"), "%s", out);
    fprintf(stderr, "%s", strstr(out, "faults injected:"));
    free(out);

    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM inferences"), VECTORS);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(DISTINCT vector_index) FROM inferences"),
                     VECTORS);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT min(vector_index) FROM inferences"), 0);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT max(vector_index) FROM inferences"), VECTORS - 1);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM runs WHERE status = 'ok'"), 1);
    ck_assert_int_eq(hbt_sql_int(db, "SELECT count(*) FROM repeat_timings"), VECTORS);

    size_t len = 0;
    char *requests = (char *)hbt_read_file(log, &len);
    ck_assert_ptr_nonnull(requests);
    int invokes = 0;
    for (char *q = requests; (q = strstr(q, "06\n")); q += 3)
        invokes++;
    ck_assert_int_eq(invokes, VECTORS);
    free(requests);
}
END_TEST

static Suite *noisy_suite(void)
{
    Suite *s = suite_create("noisy");
    TCase *tc = tcase_create("native");
    tcase_set_timeout(tc, 400);
    tcase_add_test(tc, ten_thousand_through_noise);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(noisy_suite)
