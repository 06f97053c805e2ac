/*
 * mlperf_sim.c: a simulated MLPerf Tiny firmware, to test hilbench's side
 * of the protocol (docs/mlperf-tiny.md) without a board.
 *
 * It answers the commands a firmware built on the MLPerf Tiny API answers
 * (name, profile, db load / db HEX, infer N W, results, timestamp), running
 * a model with the project's host engine, over its standard input and
 * output or over a terminal named on the command line. Switches make it a
 * difficult board: refusals, a slow one, one that stops answering, one that
 * echoes what it is typed; and an anomaly-detection firmware that prints
 * its score instead of the model's outputs.
 *
 *   hilbench-mlperf-sim [--model M.tflite] [--name N] [--model-id ID]
 *                       [--digits D] [--us-per-inference U] [--clock-start T]
 *                       [--slow-ms MS] [--error-on WORD] [--hang-after K]
 *                       [--hang-once FILE] [--echo raw|line] [--anomaly-score]
 *                       [TTY]
 *
 * --model: default ../../models/sine_float.tflite next to the program (the
 *   build tree's models). --us-per-inference: a virtual clock that advances
 *   U us per inference (deterministic times) instead of the real one.
 * --clock-start: the 32-bit microsecond counter's first value (to make it
 *   wrap). --slow-ms: waits before answering each command. --error-on:
 *   answers commands starting with WORD with e-[...]. --hang-after: reads
 *   but never answers once K commands were answered; with --hang-once,
 *   only if FILE does not exist yet (it is created then), so that the
 *   firmware a reset starts again answers everything. --echo: every
 *   character received is sent back as it comes, and with "line" a newline
 *   after each '%' ("raw": the reply follows on the same line).
 *   --anomaly-score: the results line holds one value, as the MLPerf Tiny
 *   anomaly-detection firmware prints it: the mean squared difference
 *   between the float input and the dequantised output.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "model/hostrun.h"
#include "model/model_read.h"

/* Built with the sanitizers like everything else, but without the leak check
 * at exit: the host may stop this process at any moment, and the check's
 * helper task would then outlive it (the tests count leftover processes). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}

#define CMD_MAX 80
#define DB_MAX (1u << 20)

typedef struct {
    const char *model, *name, *model_id, *error_on, *hang_once, *echo;
    int digits, slow_ms, anomaly;
    long us_per_inference, hang_after;
    uint32_t clock;       /* the virtual counter */
    uint32_t clock_start;
    int in_fd, out_fd;
    hostrun *run;
    uint8_t *db;
    size_t db_size, db_pos;
    long answered;
    struct timespec t0;
} sim;

static void say(sim *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say(sim *s, const char *fmt, ...)
{
    char line[70000];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof(line) - 3)
        n = (int)sizeof(line) - 3;
    memcpy(line + n, "\r\n", 2);
    n += 2;
    for (const char *p = line; n > 0;) {
        ssize_t w = write(s->out_fd, p, (size_t)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            exit(0); /* the host went away */
        p += w;
        n -= (int)w;
    }
}

/* Characters sent back as they came. */
static void echo(sim *s, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(s->out_fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            exit(0);
        p += w;
        n -= (size_t)w;
    }
}

static uint32_t now_us(sim *s)
{
    if (s->us_per_inference > 0)
        return s->clock;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    uint64_t us = (uint64_t)(t.tv_sec - s->t0.tv_sec) * 1000000u +
                  (uint64_t)((t.tv_nsec - s->t0.tv_nsec) / 1000);
    return s->clock_start + (uint32_t)us;
}

static int load_inputs(sim *s);

/* The inputs go in again every time: the arena plan may reuse their bytes
 * (the stub restores them the same way). */
static int infer_once(sim *s)
{
    s->clock += (uint32_t)s->us_per_inference;
    return load_inputs(s) && hostrun_invoke(s->run, NULL, NULL) == HB_OK;
}

/* The db buffer into the model's inputs: native bytes, or float32 values
 * of them, as the dataset files may hold either. */
static int load_inputs(sim *s)
{
    const nn_model *m = hostrun_model(s->run);
    size_t native = 0, count = 0, off = 0;
    for (int k = 0; k < nn_model_input_count(m); k++) {
        nn_tensor t;
        hostrun_input(s->run, k, &t);
        native += t.bytes;
        count += t.count;
    }
    int as_float = s->db_pos != native && s->db_pos == count * 4;
    if (s->db_pos != native && !as_float) {
        say(s, "e-[Input db has %zu bytes, expected %zu]", s->db_pos, native);
        return 0;
    }
    for (int k = 0; k < nn_model_input_count(m); k++) {
        nn_tensor t;
        hostrun_input(s->run, k, &t);
        hb_status st;
        if (as_float) {
            float *v = malloc(t.count * sizeof(float) + 1);
            memcpy(v, s->db + off, t.count * sizeof(float));
            st = hostrun_set_input_f32(s->run, k, v, t.count);
            free(v);
            off += t.count * sizeof(float);
        } else {
            st = hostrun_set_input(s->run, k, s->db + off, t.bytes);
            off += t.bytes;
        }
        if (st != HB_OK) {
            say(s, "e-[Input %d: %s]", k, hb_last_error());
            return 0;
        }
    }
    return 1;
}

/* The input as floats: the db's float32 values, or the input tensors'
 * native values dequantised. 0 if the count is not n. */
static int input_floats(sim *s, float *x, size_t n)
{
    const nn_model *m = hostrun_model(s->run);
    size_t native = 0, count = 0;
    for (int k = 0; k < nn_model_input_count(m); k++) {
        nn_tensor t;
        hostrun_input(s->run, k, &t);
        native += t.bytes;
        count += t.count;
    }
    if (count != n)
        return 0;
    if (s->db_pos != native) {
        memcpy(x, s->db, n * sizeof(float));
        return 1;
    }
    const uint8_t *p = s->db;
    for (int k = 0; k < nn_model_input_count(m); k++) {
        nn_tensor t;
        hostrun_input(s->run, k, &t);
        for (uint32_t i = 0; i < t.count; i++, x++) {
            if (t.dtype == NN_DT_FLOAT32) {
                memcpy(x, p, 4);
                p += 4;
            } else {
                int q = t.dtype == NN_DT_INT8 ? (int8_t)*p : *p;
                *x = t.quant == NN_QUANT_TENSOR ? t.scale * (float)(q - t.zero_point)
                                                : (float)q;
                p++;
            }
        }
    }
    return 1;
}

/* What the anomaly-detection firmware prints: the reconstruction error. */
static void anomaly_score(sim *s)
{
    const nn_model *m = hostrun_model(s->run);
    size_t n = 0;
    for (int k = 0; k < nn_model_output_count(m); k++) {
        nn_tensor t;
        hostrun_output(s->run, k, &t);
        n += t.count;
    }
    float *out = malloc((n + 1) * sizeof(float)), *in = malloc((n + 1) * sizeof(float));
    float *o = out;
    for (int k = 0; out && in && k < nn_model_output_count(m); k++) {
        nn_tensor t;
        hostrun_output(s->run, k, &t);
        hostrun_output_f32(s->run, k, o, t.count);
        o += t.count;
    }
    if (!out || !in || !input_floats(s, in, n)) {
        say(s, "e-[Input and output differ in size]");
    } else {
        /* In float, summed in order, as a firmware does. */
        float sum = 0.0f;
        for (size_t i = 0; i < n; i++)
            sum += (out[i] - in[i]) * (out[i] - in[i]);
        say(s, "m-results-[%.*f]", s->digits, (double)(sum / (float)n));
    }
    free(out);
    free(in);
}

static void results(sim *s)
{
    const nn_model *m = hostrun_model(s->run);
    static char line[65536];
    if (s->anomaly) {
        anomaly_score(s);
        return;
    }
    size_t used = (size_t)snprintf(line, sizeof(line), "m-results-[");
    int first = 1;
    for (int k = 0; k < nn_model_output_count(m); k++) {
        nn_tensor t;
        hostrun_output(s->run, k, &t);
        float *v = malloc(t.count * sizeof(float) + 1);
        hostrun_output_f32(s->run, k, v, t.count);
        for (uint32_t i = 0; i < t.count && used < sizeof(line) - 64; i++, first = 0)
            used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%.*f",
                                     first ? "" : ",", s->digits, (double)v[i]);
        free(v);
    }
    say(s, "%s]", line);
}

static void infer(sim *s, char *args)
{
    char *save = NULL, *a = strtok_r(args, " ", &save), *b = strtok_r(NULL, " ", &save);
    long n = a ? atol(a) : 1, w = b ? atol(b) : 10;
    if (n <= 0) {
        say(s, "e-[Inference iterations must be >0]");
        return;
    }
    if (w < 0) {
        say(s, "e-[Inference warmup must be >=0]");
        return;
    }
    if (!load_inputs(s))
        return;
    say(s, "m-warmup-start-%ld", w);
    while (w-- > 0)
        infer_once(s);
    say(s, "m-warmup-done");
    say(s, "m-infer-start-%ld", n);
    say(s, "m-lap-us-%lu", (unsigned long)now_us(s));
    while (n-- > 0)
        if (!infer_once(s)) {
            say(s, "e-[Inference failed]");
            return;
        }
    say(s, "m-lap-us-%lu", (unsigned long)now_us(s));
    say(s, "m-infer-done");
    results(s);
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static void db(sim *s, char *args)
{
    if (!strncmp(args, "load ", 5)) {
        long n = atol(args + 5);
        if (n <= 0) {
            say(s, "e-[Command 'db load' must be >0 bytes]");
        } else if ((unsigned long)n > DB_MAX) {
            /* As the reference firmware does: no "e-" prefix. */
            say(s, "Supplied buffer size %ld exceeds maximum of %u", n, DB_MAX);
        } else {
            s->db_size = (size_t)n;
            s->db_pos = 0;
            say(s, "m-[Expecting %ld bytes]", n);
        }
        return;
    }
    size_t len = strlen(args);
    if (len % 2) {
        say(s, "e-[Insufficent number of hex digits]");
        return;
    }
    for (size_t i = 0; i < len; i += 2) {
        int hi = hexval(args[i]), lo = hexval(args[i + 1]);
        if (hi < 0 || lo < 0) {
            say(s, "e-[Invalid hex digit '%c%c']", args[i], args[i + 1]);
            return;
        }
        if (s->db_pos < s->db_size)
            s->db[s->db_pos++] = (uint8_t)(hi << 4 | lo);
        if (s->db_pos == s->db_size) {
            say(s, "m-load-done");
            return;
        }
    }
}

static void command(sim *s, char *cmd)
{
    if (s->hang_after >= 0 && s->answered >= s->hang_after) {
        if (!s->hang_once)
            return; /* stopped answering: the host must time out */
        int fd = open(s->hang_once, O_WRONLY | O_CREAT | O_EXCL, 0600);
        if (fd >= 0) {
            close(fd);
            s->hang_once = NULL; /* hangs from now on, this time only */
            return;
        }
        s->hang_after = -1; /* hung once before: answers everything */
    }
    if (s->slow_ms > 0) {
        struct timespec d = {s->slow_ms / 1000, (long)(s->slow_ms % 1000) * 1000000L};
        nanosleep(&d, NULL);
    }
    s->answered++;
    if (s->error_on && !strncmp(cmd, s->error_on, strlen(s->error_on))) {
        say(s, "e-[Simulated failure of '%s']", cmd);
    } else if (!strcmp(cmd, "name")) {
        say(s, "m-name-dut-[%s]", s->name);
    } else if (!strcmp(cmd, "profile")) {
        say(s, "m-profile-[ULPMark for tinyML Firmware V0.0.1]");
        say(s, "m-model-[%s]", s->model_id);
    } else if (!strcmp(cmd, "timestamp")) {
        say(s, "m-lap-us-%lu", (unsigned long)now_us(s));
    } else if (!strncmp(cmd, "db ", 3)) {
        db(s, cmd + 3);
    } else if (!strncmp(cmd, "infer", 5) && (!cmd[5] || cmd[5] == ' ')) {
        infer(s, cmd + 5);
    } else if (!strcmp(cmd, "results")) {
        results(s);
    } else {
        say(s, "e-[Unknown command: %s]", cmd);
    }
    say(s, "m-ready");
}

/* The build tree's sine model, next to the program. */
static const char *default_model(char *buf, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(buf, cap, "%s/../../models/sine_float.tflite", exe);
    return buf;
}

static long number(const char *opt, const char *text)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(text ? text : "", &end, 10);
    if (!text || end == text || *end || errno) {
        fprintf(stderr, "hilbench-mlperf-sim: %s: '%s' is not a number\n", opt,
                text ? text : "");
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static char model_buf[PATH_MAX + 64];
    sim s = {0};
    graph *g = NULL;
    const char *tty = NULL;

    s.name = "hilbench-sim";
    s.model_id = "sim01";
    s.digits = 3;
    s.hang_after = -1;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(o, "--model") && v)
            s.model = argv[++i];
        else if (!strcmp(o, "--name") && v)
            s.name = argv[++i];
        else if (!strcmp(o, "--model-id") && v)
            s.model_id = argv[++i];
        else if (!strcmp(o, "--error-on") && v)
            s.error_on = argv[++i];
        else if (!strcmp(o, "--digits"))
            s.digits = (int)number(o, argv[++i]);
        else if (!strcmp(o, "--slow-ms"))
            s.slow_ms = (int)number(o, argv[++i]);
        else if (!strcmp(o, "--us-per-inference"))
            s.us_per_inference = number(o, argv[++i]);
        else if (!strcmp(o, "--clock-start"))
            s.clock_start = (uint32_t)strtoul(v ? argv[++i] : "0", NULL, 10);
        else if (!strcmp(o, "--hang-after"))
            s.hang_after = number(o, argv[++i]);
        else if (!strcmp(o, "--hang-once") && v)
            s.hang_once = argv[++i];
        else if (!strcmp(o, "--echo") && v && (!strcmp(v, "raw") || !strcmp(v, "line")))
            s.echo = argv[++i];
        else if (!strcmp(o, "--anomaly-score"))
            s.anomaly = 1;
        else if (o[0] != '-' && !tty)
            tty = o;
        else {
            fprintf(stderr, "hilbench-mlperf-sim: unknown argument '%s'\n", o);
            return 2;
        }
    }
    if (!s.model && !(s.model = default_model(model_buf, sizeof(model_buf)))) {
        fprintf(stderr, "hilbench-mlperf-sim: no --model\n");
        return 2;
    }
    if (model_read_file(s.model, &g) != HB_OK || hostrun_new(g, &s.run) != HB_OK) {
        fprintf(stderr, "hilbench-mlperf-sim: %s\n", hb_last_error());
        return 1;
    }
    graph_free(g);
    s.db = malloc(DB_MAX);
    s.clock = s.clock_start;
    clock_gettime(CLOCK_MONOTONIC, &s.t0);
    s.in_fd = 0;
    s.out_fd = 1;
    if (tty) {
        struct termios tio;
        s.in_fd = s.out_fd = open(tty, O_RDWR | O_NOCTTY);
        if (s.in_fd < 0) {
            fprintf(stderr, "hilbench-mlperf-sim: open %s: %s\n", tty, strerror(errno));
            return 1;
        }
        if (tcgetattr(s.in_fd, &tio) == 0) {
            cfmakeraw(&tio);
            tcsetattr(s.in_fd, TCSANOW, &tio);
        }
    }
    /* What a firmware prints when it starts. */
    say(&s, "m-init-done");
    say(&s, "m-ready");

    char cmd[CMD_MAX + 1];
    size_t pos = 0;
    for (;;) {
        char buf[512];
        ssize_t n = read(s.in_fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        ssize_t echoed = 0;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '%') {
                if (s.echo) {
                    echo(&s, buf + echoed, (size_t)(i + 1 - echoed));
                    echoed = i + 1;
                    if (!strcmp(s.echo, "line"))
                        echo(&s, "\r\n", 2);
                }
                cmd[pos] = '\0';
                command(&s, cmd);
                pos = 0;
            } else if (pos < CMD_MAX) {
                cmd[pos++] = buf[i]; /* a longer command is cut, as the API's is */
            }
        }
        if (s.echo && echoed < n)
            echo(&s, buf + echoed, (size_t)(n - echoed));
    }
    hostrun_free(s.run);
    free(s.db);
    return 0;
}
