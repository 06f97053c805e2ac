/*
 * cmd_run.c: `hilbench run`: one model, a sweep of variants, on a board.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "link/link.h"
#include "session/session.h"
#include "session/suite.h"
#include "store/store.h"
#include "util/hb_file.h"

const cli_option cli_opts_run[] = {
    {"board", "NAME", "board profile to run on (see hilbench boards)", 0, 0},
    {"suite", "FILE", "a benchmark suite (docs/suites.md); options override it", 0, 0},
    {"model", "MODEL", "the source model (.tflite or .onnx) the variants are made from", 0, 0},
    {"variant", "RECIPE", "a variant: float, int8, file:PATH, ... (default float)", 1, 0},
    {"reference", "RECIPE", "the variant others are compared with (default: first)", 0, 0},
    {"calib", "DIR", "calibration vectors for recipes (default: the run's)", 0, 0},
    {"dataset", "DIR", "dataset: *.bin files and y_labels.csv (MLPerf Tiny layout)", 0, 0},
    {"vectors", "DIR", "the same as --dataset", 0, 0},
    {"task", "TASK", "classification, anomaly or regression (default: from labels)", 0, 0},
    {"random", "N", "N random vectors instead of a dataset (see --seed)", 0, 0},
    {"seed", "S", "seed of the random vectors (default 1000)", 0, 0},
    {"repeat", "N", "timed invokes per vector; the median is kept (default 5)", 0, 0},
    {"warmup", "N", "untimed invokes before them (default 1)", 0, 0},
    {"no-layers", NULL, "do not time every layer", 0, 0},
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0, 0},
    {"boards", "DIR", "also read board profiles from DIR", 1, 0},
    {"quiet", NULL, "no progress lines", 0, 0},
    {"link-faults", "SPEC",
     "fault injection: corrupt=P,drop=P,dup=P,delay_ms=N,baud=B,seed=S", 0, 0},
    {"resume", "RUN", "finish an interrupted or failed run with its recorded options", 0, 0},
    {"mlperf-rules", NULL,
     "MLPerf Tiny boards: performance mode (median throughput) then accuracy mode, as the "
     "MLCommons runner runs them (docs/mlperf-tiny.md)", 0, 0},
    {0},
};

/* With --resume only these may be given: the rest is recorded with the run. */
static const char *const resume_options[] = {"resume", "db", "boards", "quiet", "link-faults",
                                             NULL};

/* Progress on stderr: a bar redrawn in place (variant, vector i/N, ETA)
 * when stderr is a terminal, a plain line every tenth of a variant
 * otherwise. NO_COLOR turns the bar's colour off. */
typedef struct {
    int tty, color;
    int bar_shown;
    struct timespec start;
    int started;
} progress_state;

static double seconds_since(const struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
}

static void progress(void *ctx, const char *fmt, ...)
{
    progress_state *p = ctx;
    va_list ap;
    if (p && p->bar_shown) {
        fputs("\r\033[K", stderr);
        p->bar_shown = 0;
    }
    va_start(ap, fmt);
    fputs("hilbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static void on_vector(void *ctx, const char *variant, int i, int n_variants, int k,
                      int n_vectors)
{
    progress_state *p = ctx;
    if (!p->started) {
        clock_gettime(CLOCK_MONOTONIC, &p->start);
        p->started = 1;
    }
    long done = (long)i * n_vectors + k, total = (long)n_variants * n_vectors;
    if (!p->tty) {
        int step = n_vectors >= 10 ? n_vectors / 10 : 1;
        if (k % step == 0 || k == n_vectors - 1)
            fprintf(stderr, "hilbench: variant %d/%d %s: vector %d/%d\n", i + 1, n_variants,
                    variant, k + 1, n_vectors);
        return;
    }
    char eta[32] = "--:--";
    double elapsed = seconds_since(&p->start);
    if (done > 0) {
        long left = (long)(elapsed / (double)done * (double)(total - done) + 0.5);
        snprintf(eta, sizeof(eta), "%ld:%02ld", left / 60, left % 60);
    }
    char bar[21];
    int fill = total ? (int)(20 * done / total) : 0;
    for (int b = 0; b < 20; b++)
        bar[b] = b < fill ? '#' : '.';
    bar[20] = '\0';
    fprintf(stderr, "\r\033[Kvariant %d/%d %.30s  vector %d/%d  %s[%s]%s  ETA %s", i + 1,
            n_variants, variant, k + 1, n_vectors, p->color ? "\033[32m" : "", bar,
            p->color ? "\033[0m" : "", eta);
    p->bar_shown = 1;
}

/* ${build} of suites: $HILBENCH_BUILD, else the folder hilbench runs from
 * (<prefix>/bin/hilbench, whose firmware is in <prefix>/lib/hilbench). */
static const char *build_dir(char *buf, size_t cap)
{
    const char *env = getenv("HILBENCH_BUILD");
    if (env && env[0])
        return env;
    snprintf(buf, cap, "%s", hb_firmware_dir());
    char *tail = strstr(buf, "/lib/hilbench");
    if (tail && tail[strlen("/lib/hilbench")] == '\0')
        *tail = '\0';
    return buf;
}

/* Where the vectors come from: the command line first, then the suite. */
static hb_status pick_vectors(const cli_args *a, const suite *su, session_options *o,
                              long *random_n)
{
    const char *ds = cli_get(a, "dataset"), *vs = cli_get(a, "vectors");
    hb_status st;
    if (ds && vs)
        return hb_fail(HB_ERR_ARG, "run: --dataset and --vectors are the same option: give one");
    o->dataset_dir = ds ? ds : vs;
    if (o->dataset_dir && cli_get(a, "random"))
        return hb_fail(HB_ERR_ARG, "run: give --dataset or --random, not both");
    long def_random = su && su->random_n ? su->random_n : 4;
    if ((st = cli_long(a, "random", def_random, 1, 1000000, random_n)) != HB_OK)
        return st;
    if (!o->dataset_dir && !cli_get(a, "random") && su) {
        o->dataset_dir = su->dataset;
        if (su->dataset_missing && o->progress)
            o->progress(NULL, "dataset %s not found: %ld random vectors instead",
                        su->dataset_missing, *random_n);
    }
    return HB_OK;
}

/* What the run survived: resets, a resumed start, the link's trouble. */
static void print_recovery(const session_result *res)
{
    const client_stats *l = &res->link;
    if (res->skipped_variants || res->replayed)
        printf("resumed: %d variant%s finished before, %d vector%s recorded before\n",
               res->skipped_variants, res->skipped_variants == 1 ? "" : "s", res->replayed,
               res->replayed == 1 ? "" : "s");
    if (res->resets)
        printf("board resets: %d (%s)\n", res->resets,
               res->recovered[0] ? res->recovered : "the failed variants");
    if (res->has_faults)
        printf("faults injected: %llu corrupted, %llu dropped, %llu duplicated of %llu bytes\n",
               res->faults.corrupted, res->faults.dropped, res->faults.duplicated,
               res->faults.bytes_out + res->faults.bytes_in);
    if (res->has_faults || l->retries)
        printf("link: %llu requests, %llu repeated (%llu timed out, %llu damaged answers), "
               "%llu re-sent smaller; most tries of one request %d; loss %.1f%%; chunks "
               "%u/%u bytes (smallest %u/%u); time-out %.1f ms\n",
               (unsigned long long)l->requests, (unsigned long long)l->retries,
               (unsigned long long)l->timeouts, (unsigned long long)l->bad_frames,
               (unsigned long long)l->resized, l->max_tries, 100.0 * l->loss, l->chunk_out,
               l->chunk_in, l->chunk_out_min, l->chunk_in_min, l->rto_ms);
}

static hb_status print_summary(const char *db_path, const session_result *res)
{
    store *db = NULL;
    json_t *run = NULL;
    hb_status st;
    if ((st = store_open(db_path, &db)) == HB_OK &&
        (st = store_run_json(db, res->run_id, &run)) == HB_OK) {
        cli_print_run(stdout, run);
        if (res->mlperf)
            printf("%s within the firmware's printed precision of the host engine%s: "
                   "%d/%d vectors%s\n", res->mlperf_score ? "anomaly scores" : "outputs",
                   res->mlperf_score ? "'s" : "", res->host_close, res->host_checked,
                   res->replayed ? " run now" : "");
        else
            printf("outputs identical to the host engine: %d/%d vectors\n",
                   res->vectors - res->host_mismatches, res->vectors);
        if (res->throughput_ips > 0)
            printf("throughput (MLPerf Tiny performance mode): %.3f inferences/s\n",
                   res->throughput_ips);
        print_recovery(res);
    }
    json_decref(run);
    store_close(db);
    return st;
}

/* The shortest timed loop of MLPerf performance mode: the rules' 10 s,
 * unless HILBENCH_MLPERF_MIN_SECONDS (for tests) says otherwise. */
static hb_status mlperf_min_seconds(session_options *o)
{
    const char *env = getenv("HILBENCH_MLPERF_MIN_SECONDS");
    char *end = NULL;
    o->mlperf_min_seconds = SESSION_MLPERF_MIN_SECONDS;
    if (!env || !env[0])
        return HB_OK;
    double v = strtod(env, &end);
    if (!end || *end || !(v > 0 && v <= 3600))
        return hb_fail(HB_ERR_ARG, "HILBENCH_MLPERF_MIN_SECONDS: '%s' is not a number of "
                       "seconds (0 to 3600)", env);
    o->mlperf_min_seconds = v;
    return HB_OK;
}

/* --resume RUN: everything else comes from the run's record. */
static hb_status resume_args(const cli_args *a, session_options *o)
{
    for (int i = 0; a->cmd->options[i].name; i++) {
        const char *name = a->cmd->options[i].name;
        int allowed = 0;
        for (int k = 0; resume_options[k]; k++)
            allowed |= !strcmp(name, resume_options[k]);
        if (!allowed && a->counts[i])
            return hb_fail(HB_ERR_ARG, "run: --%s cannot be given with --resume (the run's "
                           "recorded options are used)", name);
    }
    o->resume = cli_get(a, "resume");
    /* the run is in the database already: a mistyped --db must not be
     * created empty, nor read as one without the run */
    if (access(o->db_path, F_OK) != 0)
        return hb_fail(HB_ERR_NOT_FOUND, "no results database at %s", o->db_path);
    return HB_OK;
}

hb_status cmd_run(const cli_args *a)
{
    const char *dirs[16], *const *variants = NULL;
    char build[4096];
    long repeat, warmup, random_n, seed;
    session_options o = {0};
    session_result res = {0};
    suite *su = NULL;
    dataset_task task = DATASET_TASK_NONE;
    hb_status st;

    link_fault_config faults;
    progress_state ps = {isatty(2), 0, 0, {0, 0}, 0};
    ps.color = ps.tty && !getenv("NO_COLOR");
    if (!cli_flag(a, "quiet")) {
        o.progress = progress;
        o.progress_ctx = &ps;
        o.on_vector = on_vector;
    }
    if (cli_get(a, "link-faults")) {
        if ((st = link_fault_parse(cli_get(a, "link-faults"), &faults)) != HB_OK)
            return st;
        o.link_faults = &faults;
    }
    o.db_path = cli_db_path(a);
    if ((st = cli_board_dirs(a, dirs, 16, &o.n_board_dirs)) != HB_OK)
        return st;
    o.board_dirs = dirs;
    o.firmware_dir = hb_firmware_dir();
    if (cli_get(a, "resume")) {
        if ((st = resume_args(a, &o)) != HB_OK)
            return st;
        goto run;
    }
    if (cli_get(a, "suite") &&
        (st = suite_load(cli_get(a, "suite"), build_dir(build, sizeof(build)), &su)) != HB_OK)
        return st;
    o.board = cli_get(a, "board");
    o.model_path = cli_get(a, "model") ? cli_get(a, "model") : su ? su->model : NULL;
    if (!o.board || !o.model_path) {
        st = hb_fail(HB_ERR_ARG, "run: --board and --model (or --suite) are required (see "
                     "hilbench run --help)");
        goto cleanup;
    }
    o.n_variants = cli_all(a, "variant", &variants);
    o.variants = variants;
    if (!o.n_variants && su) {
        o.variants = (const char *const *)su->variants;
        o.n_variants = su->n_variants;
    }
    o.reference = cli_get(a, "reference") ? cli_get(a, "reference") : su ? su->reference : NULL;
    o.calib_dir = cli_get(a, "calib") ? cli_get(a, "calib") : su ? su->calib : NULL;
    if (cli_get(a, "task") && (st = dataset_task_parse(cli_get(a, "task"), &task)) != HB_OK)
        goto cleanup;
    o.task = cli_get(a, "task") ? task : su ? su->task : DATASET_TASK_NONE;
    o.element = su && su->has_element ? &su->element : NULL;
    o.suite_path = su ? su->path : NULL;
    /* Accuracy mode of the MLPerf rules is "infer 1 0". */
    o.mlperf_rules = cli_flag(a, "mlperf-rules");
    if ((st = mlperf_min_seconds(&o)) != HB_OK ||
        (st = pick_vectors(a, su, &o, &random_n)) != HB_OK ||
        (st = cli_long(a, "repeat", o.mlperf_rules ? 1 : su && su->repeat > 0 ? su->repeat : 5,
                       1, 10000, &repeat)) != HB_OK ||
        (st = cli_long(a, "warmup", o.mlperf_rules ? 0 : su && su->warmup >= 0 ? su->warmup : 1,
                       0, 10000, &warmup)) != HB_OK ||
        (st = cli_long(a, "seed", su && su->has_seed ? (long)su->seed : 1000, 0, 4294967295L,
                       &seed)) != HB_OK)
        goto cleanup;
    o.random_n = (int)random_n;
    o.seed = (uint32_t)seed;
    o.repeat = (int)repeat;
    o.warmup = (int)warmup;
    o.layers = !cli_flag(a, "no-layers");
    o.command_line = cli_command_line(a);

run:
    st = session_run(&o, &res);
    if (ps.bar_shown)
        fputs("\r\033[K", stderr);
    if (res.run_id) {
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", hb_last_error());
        printf("run %lld\n", (long long)res.run_id);
        hb_status shown = print_summary(o.db_path, &res);
        if (st != HB_OK)
            hb_fail(st, "%s", msg);
        else
            st = shown;
    }
cleanup:
    suite_free(su);
    return st;
}
