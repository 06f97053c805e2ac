/*
 * check_util.c: helpers of the Check test programs.
 */
#include "check_util.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../target-stub/engine/nn.h"
#include "model/graph.h"
#include "model/tflite.h"

const char *hbt_shared_dir(void)
{
    /* HILBENCH_SHARED when the tests run wins over the folder CMake found
     * (../shared, or HILBENCH_SHARED when it configured). */
    const char *d = getenv("HILBENCH_SHARED");
    if (!d || !*d)
        d = getenv("HB_SHARED_DIR");
    struct stat st;
    if (!d || stat(d, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return d;
}

const char *hbt_models_dir(void)
{
    const char *d = getenv("HB_MODELS_DIR");
    return d ? d : "models";
}

const char *hbt_hilbench(void)
{
    const char *d = getenv("HB_HILBENCH");
    return d ? d : "hilbench";
}

const char *hbt_path(const char *fmt, ...)
{
    static char bufs[8][4096];
    static int next;
    char *b = bufs[next++ % 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b, sizeof(bufs[0]), fmt, ap);
    va_end(ap);
    return b;
}

static void mkdirs(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0777);
            *p = '/';
        }
    mkdir(tmp, 0777);
}

const char *hbt_tmpdir(const char *tag)
{
    static char dir[4096];
    const char *base = getenv("HB_TEST_TMP");
    char tmpl[4096];
    if (!base)
        base = "/tmp";
    mkdirs(base);
    snprintf(tmpl, sizeof(tmpl), "%s/%s-XXXXXX", base, tag);
    if (!mkdtemp(tmpl))
        return NULL;
    snprintf(dir, sizeof(dir), "%s", tmpl);
    return dir;
}

uint8_t *hbt_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0 && (buf = malloc((size_t)n + 1))) {
        if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        } else {
            buf[n] = 0;
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

int hbt_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, len, f);
    return fclose(f) == 0 && n == len ? 0 : -1;
}

int hbt_run(char *const argv[], char **out)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        execvp(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (len + 1024 > cap) {
            cap *= 2;
            buf = realloc(buf, cap);
        }
        ssize_t n = read(fds[0], buf + len, cap - len - 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int hbt_main(Suite *(*suite)(void), const char *name, int needs_shared)
{
    if (needs_shared && !hbt_shared_dir()) {
        printf("SKIPPED %s: ../shared not found (set HILBENCH_SHARED to its folder)\n", name);
        return 77;
    }
    SRunner *sr = srunner_create(suite());
    char xml[256];
    snprintf(xml, sizeof(xml), "%s.xml", name);
    srunner_set_xml(sr, xml);
    srunner_set_fork_status(sr, CK_FORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}

int hbt_hb(char **out, const char *const *args)
{
    char *argv[64];
    int n = 0;
    argv[n++] = (char *)hbt_hilbench();
    for (; *args && n < 63; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    return hbt_run(argv, out);
}

const char *hbt_profile(const char *dir, const char *name, const char *body)
{
    const char *path = hbt_path("%s/%s.ini", dir, name);
    char text[2048];
    int n = snprintf(text, sizeof(text), "[board]\nname = %s\n%s", name, body);
    ck_assert(n > 0 && (size_t)n < sizeof(text));
    ck_assert_int_eq(hbt_write_file(path, text, (size_t)n), 0);
    return path;
}

const char *hbt_mlperf_sim(void)
{
    const char *p = getenv("HB_MLPERF_SIM");
    ck_assert_msg(p != NULL, "HB_MLPERF_SIM is not set");
    return p;
}

const char *hbt_mlperf_profile(const char *dir, const char *name, const char *args,
                               int timeout_ms)
{
    char body[1536];
    int n = snprintf(body, sizeof(body),
                     "timing_unit = us\n[link]\ntype = stdio\nprotocol = mlperf-tiny\n"
                     "command = %s %s\ntimeout_ms = %d\ninvoke_timeout_ms = %d\n",
                     hbt_mlperf_sim(), args, timeout_ms, timeout_ms);
    ck_assert_msg(n > 0 && (size_t)n < sizeof(body), "profile %s: paths too long", name);
    return hbt_profile(dir, name, body);
}

int hbt_hb_kill_at(const char *const *args, int lines, char **text)
{
    char *argv[64], *got = NULL;
    int fds[2], n = 0, seen = 0, killed = 0, status = 0;
    size_t len = 0;
    argv[n++] = (char *)hbt_hilbench();
    for (; *args && n < 63; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int null = open("/dev/null", O_WRONLY);
        dup2(fds[1], 2);
        dup2(null, 1);
        close(fds[0]);
        close(fds[1]);
        execv(argv[0], argv);
        _exit(127);
    }
    close(fds[1]);
    FILE *f = fdopen(fds[0], "r");
    char line[2048];
    /* Kept whole, for the caller and for the message of a failed run. */
    while (fgets(line, sizeof(line), f)) {
        size_t add = strlen(line);
        seen++;
        got = realloc(got, len + add + 1);
        memcpy(got + len, line, add + 1);
        len += add;
        if (lines && seen == lines) {
            kill(pid, SIGKILL);
            killed = 1;
            break;
        }
    }
    fclose(f);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (killed)
        ck_assert_msg((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
                      WIFEXITED(status), "unexpected status %d", status);
    else
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "run failed: %d\n%s",
                      status, got ? got : "");
    if (text && got) {
        size_t had = *text ? strlen(*text) : 0;
        *text = realloc(*text, had + len + 1);
        memcpy(*text + had, got, len + 1);
    }
    free(got);
    return seen;
}

json_t *hbt_show_json(const char *db, const char *run)
{
    char *out = NULL;
    const char *args[] = {"show", run, "--db", db, "--json", NULL};
    ck_assert_int_eq(hbt_hb(&out, args), 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_msg(j != NULL, "show --json is not JSON:\n%s", out);
    free(out);
    return j;
}

json_t *hbt_variant0(json_t *doc)
{
    return json_array_get(json_object_get(doc, "variants"), 0);
}

double hbt_score_of(json_t *variant, const char *metric)
{
    json_t *x = json_object_get(json_object_get(variant, "scores"), metric);
    ck_assert_msg(json_is_number(x), "no score %s", metric);
    return json_number_value(x);
}

/* The variant of doc made with recipe, or NULL. */
static json_t *variant_of(json_t *doc, const char *recipe)
{
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(doc, "variants"), i, v)
        if (!strcmp(json_string_value(json_object_get(v, "recipe")), recipe))
            return v;
    return NULL;
}

void hbt_assert_same_scores(json_t *want, json_t *got)
{
    json_t *wv, *value;
    const char *metric;
    size_t i;
    ck_assert_int_eq(json_array_size(json_object_get(got, "variants")),
                     json_array_size(json_object_get(want, "variants")));
    json_array_foreach(json_object_get(want, "variants"), i, wv) {
        const char *recipe = json_string_value(json_object_get(wv, "recipe"));
        json_t *gv = variant_of(got, recipe), *ws = json_object_get(wv, "scores");
        ck_assert_msg(gv && json_object_size(json_object_get(gv, "scores")) ==
                                json_object_size(ws), "scores of %s", recipe);
        json_object_foreach(ws, metric, value) {
            double a = json_number_value(value), b = hbt_score_of(gv, metric);
            ck_assert_msg(fabs(a - b) <= 1e-9 * (fabs(a) + 1), "%s %s: %.17g resumed, %.17g "
                          "uninterrupted", recipe, metric, b, a);
        }
    }
}

long long hbt_sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    long long v = -1;
    ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL),
                     SQLITE_OK);
    sqlite3_busy_timeout(db, 10000);
    ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                  sqlite3_errmsg(db));
    int rc = sqlite3_step(st);
    ck_assert_msg(rc == SQLITE_ROW || rc == SQLITE_DONE, "%s: %s", sql, sqlite3_errmsg(db));
    if (rc == SQLITE_ROW)
        v = sqlite3_column_type(st, 0) == SQLITE_TEXT
                ? !strcmp((const char *)sqlite3_column_text(st, 0), "ok")
                : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

void hbt_write_halver(const char *path)
{
    graph *g = NULL;
    float w[16] = {0}, b[4] = {0};
    int in, wt, bt, out;
    int32_t d_in[2] = {1, 4}, d_w[2] = {4, 4}, d_b[1] = {4};
    for (int i = 0; i < 4; i++)
        w[i * 4 + i] = 0.5f;
    ck_assert_int_eq(graph_new(&g), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "input", NN_DT_FLOAT32, 2, d_in, NULL, 0, &in), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "w", NN_DT_FLOAT32, 2, d_w, w, sizeof(w), &wt), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "b", NN_DT_FLOAT32, 1, d_b, b, sizeof(b), &bt), HB_OK);
    ck_assert_int_eq(graph_add_tensor(g, "output", NN_DT_FLOAT32, 2, d_in, NULL, 0, &out), HB_OK);
    int io[3] = {in, wt, bt};
    graph_options opt = {0};
    ck_assert_int_eq(graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, io, 1, &out, &opt, NULL), HB_OK);
    ck_assert_int_eq(graph_set_io(g, 1, &in, 1, &out), HB_OK);
    ck_assert_int_eq(graph_validate(g), HB_OK);
    ck_assert_int_eq(tflite_write_file(g, path), HB_OK);
    graph_free(g);
}

int hbt_flip_and_run(const uint8_t *blob, size_t len, uint32_t seed, int trials)
{
    uint8_t *copy = aligned_alloc(16, (len + 15) / 16 * 16);
    uint32_t state = seed;
    int opened = 0;
    ck_assert_ptr_nonnull(copy);
    for (int trial = 0; trial < trials; trial++) {
        memcpy(copy, blob, len);
        for (int k = 0; k < 1 + trial % 3; k++) {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            copy[state % len] ^= (uint8_t)(1u << (state >> 29));
        }
        nn_model m;
        nn_error e;
        if (nn_model_open(&m, copy, (uint32_t)len, &e) != NN_OK)
            continue;
        opened++;
        uint32_t n = nn_model_arena_bytes(&m);
        if (n > 1u << 20)
            continue;
        uint8_t *arena = aligned_alloc(16, (n + 15) / 16 * 16 + 16);
        for (uint32_t k = 0; k < n; k++)
            arena[k] = (uint8_t)(k * 37);
        ck_assert_int_eq(nn_model_invoke(&m, arena, n, NULL, &e), NN_OK);
        free(arena);
    }
    free(copy);
    return opened;
}
