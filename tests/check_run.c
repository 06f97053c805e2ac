/*
 * check_run.c: `hilbench run` end to end on the native board, with the
 * project's own models (no ../shared needed): outputs equal the host
 * engine's, per-layer counts recorded, the board process gone afterwards,
 * errors clear; a model too big for the stub's RAM runs from flash
 * (native-flash).
 */
#include <jansson.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check_util.h"
#include "model/graph.h"
#include "model/tflite.h"

/* Board processes must not outlive hilbench. The test process becomes a
 * sub-reaper, so a board process hilbench left behind would be reparented
 * to it: afterwards it must have no child still running. */
static void become_subreaper(void)
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

static int running_children(void)
{
    int status, n = 0;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        ; /* reap exited orphans */
    if (p == 0)
        n = 1; /* some child is still running */
    return n;
}

START_TEST(run_sine_int8_native)
{
    const char *dir = hbt_tmpdir("run");
    const char *db = hbt_path("%s/r.db", dir);
    const char *model = hbt_path("%s/sine_int8.tflite", hbt_models_dir());
    const char *vecs = hbt_path("%s/sine_data", hbt_models_dir());
    char *out = NULL;
    become_subreaper();
    const char *args[] = {"run", "--board", "native", "--model", model, "--vectors", vecs,
                          "--repeat", "3", "--warmup", "1", "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 32/32"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);

    json_t *j = hbt_show_json(db, "1");
    json_t *run = json_object_get(j, "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "ok");
    ck_assert_str_eq(json_string_value(json_object_get(run, "timing_unit")), "ns");
    json_t *v = json_array_get(json_object_get(j, "variants"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(v, "recipe")), "float");
    ck_assert_int_eq(strlen(json_string_value(json_object_get(v, "model_sha256"))), 64);
    ck_assert_int_gt(json_integer_value(json_object_get(v, "arena_bytes")), 0);
    ck_assert_int_gt(json_integer_value(json_object_get(v, "stack_bytes")), 0);
    ck_assert_int_gt(json_integer_value(json_object_get(v, "blob_bytes")), 0);
    json_t *infs = json_object_get(v, "inferences");
    ck_assert_int_eq(json_array_size(infs), 32);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(infs, 0), "vector")),
                     "x_000.bin");
    ck_assert_int_eq(strlen(json_string_value(
                         json_object_get(json_array_get(infs, 0), "output_hex"))), 2);
    json_t *layers = json_object_get(v, "layers");
    ck_assert_int_eq(json_array_size(layers), 3);
    size_t i;
    json_t *l;
    json_array_foreach(layers, i, l) {
        ck_assert_str_eq(json_string_value(json_object_get(l, "op")), "FULLY_CONNECTED");
        ck_assert_int_gt(json_integer_value(json_object_get(l, "macs")), 0);
        ck_assert_int_gt(json_integer_value(json_object_get(l, "cycles_median")), 0);
    }
    json_decref(j);
}
END_TEST

START_TEST(run_random_float_native)
{
    const char *dir = hbt_tmpdir("run");
    const char *db = hbt_path("%s/r.db", dir);
    const char *model = hbt_path("%s/xor_float.tflite", hbt_models_dir());
    char *out = NULL;
    const char *args[] = {"run", "--board", "native", "--model", model, "--random", "5",
                          "--repeat", "2", "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 5/5"), "%s", out);
    free(out);
    json_t *j = hbt_show_json(db, "1");
    json_t *v = json_array_get(json_object_get(j, "variants"), 0);
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 5);
    json_decref(j);
}
END_TEST

/* Error cases: one line naming the thing, non-zero exit, nothing half
 * written. */
START_TEST(run_errors)
{
    const char *dir = hbt_tmpdir("err");
    const char *db = hbt_path("%s/e.db", dir);
    const char *model = hbt_path("%s/sine_int8.tflite", hbt_models_dir());
    char *out = NULL;

    const char *no_board[] = {"run", "--board", "no-such-board", "--model", model,
                              "--db", db, "--quiet", NULL};
    ck_assert_int_ne(hbt_hb(&out, no_board), 0);
    ck_assert_msg(strstr(out, "no-such-board"), "%s", out);
    free(out);

    const char *no_model[] = {"run", "--board", "native", "--model", "/nonexistent.tflite",
                              "--db", db, "--quiet", NULL};
    ck_assert_int_ne(hbt_hb(&out, no_model), 0);
    ck_assert_msg(strstr(out, "/nonexistent.tflite"), "%s", out);
    free(out);

    /* A vector of the wrong size is refused before the run starts. */
    const char *vdir = hbt_path("%s/vecs", dir);
    mkdir(vdir, 0777);
    uint8_t bad[3] = {1, 2, 3};
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/a.bin", vdir), bad, 3), 0);
    const char *bad_vec[] = {"run", "--board", "native", "--model", model, "--vectors", vdir,
                             "--db", db, "--quiet", NULL};
    ck_assert_int_ne(hbt_hb(&out, bad_vec), 0);
    ck_assert_msg(strstr(out, "a.bin") && strstr(out, "3 bytes"), "%s", out);
    free(out);

    /* A malformed model. */
    const char *junk = hbt_path("%s/junk.tflite", dir);
    ck_assert_int_eq(hbt_write_file(junk, "not a model at all", 18), 0);
    const char *bad_model[] = {"run", "--board", "native", "--model", junk, "--db", db,
                               "--quiet", NULL};
    ck_assert_int_ne(hbt_hb(&out, bad_model), 0);
    ck_assert_msg(strstr(out, "junk.tflite"), "%s", out);
    free(out);

    /* None of these started a run. */
    const char *runs[] = {"runs", "--db", db, "--json", NULL};
    ck_assert_int_eq(hbt_hb(&out, runs), 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(json_array_size(j), 0);
    json_decref(j);
    free(out);
    /* and listing no runs did not make a database either */
    ck_assert_int_ne(access(db, F_OK), 0);

    const char *bad_opt[] = {"run", "--repeat", "many", "--board", "native", "--model", model,
                             NULL};
    ck_assert_int_eq(hbt_hb(&out, bad_opt), 2);
    ck_assert_msg(strstr(out, "--repeat") && strstr(out, "many"), "%s", out);
    free(out);
}
END_TEST

START_TEST(infer_matches_run)
{
    const char *dir = hbt_tmpdir("infer");
    const char *model = hbt_path("%s/sine_float.tflite", hbt_models_dir());
    const char *in = hbt_path("%s/sine_data/x_008.bin", hbt_models_dir());
    const char *outp = hbt_path("%s/out.bin", dir);
    char *out = NULL;
    const char *args[] = {"infer", model, "--input", in, "--output", outp, NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "%s", out);
    free(out);
    size_t len = 0;
    uint8_t *y = hbt_read_file(outp, &len);
    ck_assert_ptr_nonnull(y);
    ck_assert_int_eq(len, 4);
    float v;
    memcpy(&v, y, 4);
    free(y);
    /* x_008 is x = 8 * 2pi / 32 = pi/2: sin = 1. */
    ck_assert_msg(v > 0.9f && v < 1.1f, "sine(pi/2) = %f", (double)v);

    const char *wrong[] = {"infer", model, "--input", model, "--output", outp, NULL};
    ck_assert_int_ne(hbt_hb(&out, wrong), 0);
    ck_assert_msg(strstr(out, "bytes"), "%s", out);
    free(out);
}
END_TEST


/* Progress: plain lines when stderr is not a terminal, a bar redrawn in
 * place when it is (colour unless NO_COLOR), nothing with --quiet. */
static char *run_on_pty(char *const argv[], int no_color)
{
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (no_color)
            setenv("NO_COLOR", "1", 1);
        else
            unsetenv("NO_COLOR");
        execv(argv[0], argv);
        _exit(127);
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 4096 > cap)
            buf = realloc(buf, cap *= 2);
        ssize_t n = read(master, buf + len, cap - len - 1);
        if (n <= 0)
            break; /* EIO once the child has exited */
        len += (size_t)n;
    }
    buf[len] = 0;
    int status;
    waitpid(pid, &status, 0);
    close(master);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", buf);
    return buf;
}

START_TEST(run_progress)
{
    const char *dir = hbt_tmpdir("progress");
    const char *model = hbt_path("%s/sine_int8.tflite", hbt_models_dir());
    char db[1024], *out = NULL;
    snprintf(db, sizeof(db), "%s/p.db", dir);
    const char *plain[] = {"run", "--board", "native", "--model", model, "--random", "20",
                           "--repeat", "1", "--db", db, NULL};
    ck_assert_int_eq(hbt_hb(&out, plain), 0);
    ck_assert_msg(strstr(out, "variant 1/1 float: vector 1/20"), "%s", out);
    ck_assert_msg(!strstr(out, "\033["), "escape codes without a terminal:\n%s", out);
    free(out);

    const char *quiet[] = {"run", "--board", "native", "--model", model, "--random", "3",
                           "--db", db, "--quiet", NULL};
    ck_assert_int_eq(hbt_hb(&out, quiet), 0);
    ck_assert_msg(!strstr(out, "hilbench: variant"), "%s", out);
    free(out);

    char *argv[] = {(char *)hbt_hilbench(), "run", "--board", "native", "--model",
                    (char *)model, "--random", "5", "--db", db, NULL};
    out = run_on_pty(argv, 0);
    ck_assert_msg(strstr(out, "\r\033[Kvariant 1/1 float  vector 5/5"), "%s", out);
    ck_assert_msg(strstr(out, "\033[32m"), "no colour on a terminal");
    free(out);
    out = run_on_pty(argv, 1);
    ck_assert_msg(strstr(out, "vector 5/5") && !strstr(out, "\033[32m"), "NO_COLOR ignored");
    free(out);
}
END_TEST

/* A model bigger than the native stub's model buffer (16 MiB): uploaded
 * into RAM it is refused before anything is sent, naming the capacity;
 * placed in flash (native-flash: the stub maps the blob file before it
 * starts) the same model runs, with the host engine's outputs. */
START_TEST(flash_runs_model_bigger_than_ram)
{
    enum { IN = 4096, OUT = 1100 }; /* 4096 x 1100 float weights: 18.0 MB */
    const char *dir = hbt_tmpdir("flash-big");
    const char *model = hbt_path("%s/big.tflite", dir), *db = hbt_path("%s/b.db", dir);
    int32_t d_in[] = {1, IN}, d_w[] = {OUT, IN}, d_b[] = {OUT}, d_out[] = {1, OUT};
    float *w = malloc(sizeof(float) * IN * OUT), b[OUT];
    ck_assert_ptr_nonnull(w);
    for (long i = 0; i < (long)IN * OUT; i++)
        w[i] = (float)((i * 7919) % 201 - 100) / 1e4f;
    for (int i = 0; i < OUT; i++)
        b[i] = (float)(i % 13) / 10.0f;
    graph *g = NULL;
    int t_in, t_w, t_b, t_out;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    graph_add_tensor(g, "in", NN_DT_FLOAT32, 2, d_in, NULL, 0, &t_in);
    graph_add_tensor(g, "w", NN_DT_FLOAT32, 2, d_w, w, sizeof(float) * IN * OUT, &t_w);
    graph_add_tensor(g, "b", NN_DT_FLOAT32, 1, d_b, b, sizeof(b), &t_b);
    graph_add_tensor(g, "out", NN_DT_FLOAT32, 2, d_out, NULL, 0, &t_out);
    graph_options none = {0};
    int in[] = {t_in, t_w, t_b}, out[] = {t_out};
    ck_assert_int_eq(graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, in, 1, out, &none, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, &t_in, 1, &t_out), HB_OK);
    ck_assert_msg(tflite_write_file(g, model) == HB_OK, "%s", hb_last_error());
    graph_free(g);
    free(w);

    become_subreaper();
    char *text = NULL;
    const char *ram[] = {"run", "--board", "native", "--model", model, "--random", "2",
                         "--db", db, "--quiet", NULL};
    ck_assert_int_ne(hbt_hb(&text, ram), 0);
    ck_assert_msg(strstr(text, "exceeds its model capacity of 16777216"), "%s", text);
    free(text);
    const char *flash[] = {"run", "--board", "native-flash", "--model", model, "--random", "2",
                           "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&text, flash);
    ck_assert_msg(rc == 0, "native-flash (%d):\n%s", rc, text);
    ck_assert_msg(strstr(text, "outputs identical to the host engine: 2/2"), "%s", text);
    free(text);
    ck_assert_int_eq(running_children(), 0);
    json_t *j = hbt_show_json(db, "1");
    json_t *v = json_array_get(json_object_get(j, "variants"), 0);
    ck_assert_int_gt(json_integer_value(json_object_get(v, "blob_bytes")), 16 << 20);
    ck_assert_int_eq(json_array_size(json_object_get(v, "inferences")), 2);
    json_decref(j);
}
END_TEST

/* The listing is a table: every description starts in the header's
 * DESCRIPTION column, however long a profile's name or link is. */
START_TEST(boards_lists_native)
{
    char *out = NULL;
    const char *args[] = {"boards", NULL};
    ck_assert_int_eq(hbt_hb(&out, args), 0);
    ck_assert_msg(strstr(out, "native") && strstr(out, "pty"), "%s", out);
    const char *desc = strstr(out, "DESCRIPTION");
    ck_assert_ptr_nonnull(desc);
    long col = (long)(desc - out);
    int rows = 0;
    for (char *line = strchr(out, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char *start = line + 1, *end = strchr(start, '\n');
        ck_assert_msg(end && end - start > col && start[col - 1] == ' ' && start[col] != ' ',
                      "row %d not aligned with DESCRIPTION at %ld:\n%s", rows, col, out);
        rows++;
    }
    ck_assert_int_ge(rows, 2);
    free(out);
}
END_TEST

/* `hilbench --help` lists each command with a whole sentence on one line,
 * and every command answers --help. */
START_TEST(help_of_every_command)
{
    char *out = NULL;
    const char *args[] = {"--help", NULL};
    ck_assert_int_eq(hbt_hb(&out, args), 0);
    char *list = strstr(out, "commands:\n");
    ck_assert_ptr_nonnull(list);
    int n = 0;
    for (char *line = strchr(list, '\n') + 1; line[0] == ' '; line = strchr(line, '\n') + 1) {
        char *end = strchr(line, '\n');
        char name[32];
        ck_assert_ptr_nonnull(end);
        ck_assert_msg(end - line <= 80 && end[-1] == '.', "summary cut or too long: %.*s",
                      (int)(end - line), line);
        ck_assert_int_eq(sscanf(line, " %31s", name), 1);
        char *help = NULL;
        const char *h[] = {name, "--help", NULL};
        ck_assert_msg(hbt_hb(&help, h) == 0, "%s --help: %s", name, help);
        ck_assert_msg(strstr(help, "usage: hilbench ") && strstr(help, name), "%s", help);
        free(help);
        n++;
    }
    ck_assert_int_ge(n, 10);
    free(out);
}
END_TEST

static Suite *run_suite(void)
{
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("native");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, run_sine_int8_native);
    tcase_add_test(tc, run_random_float_native);
    tcase_add_test(tc, run_errors);
    tcase_add_test(tc, infer_matches_run);
    tcase_add_test(tc, boards_lists_native);
    tcase_add_test(tc, help_of_every_command);
    tcase_add_test(tc, flash_runs_model_bigger_than_ram);
    tcase_add_test(tc, run_progress);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(run_suite)
