/*
 * session_mlperf.c: a sweep on a board that runs an MLPerf Tiny firmware
 * ([link] protocol = mlperf-tiny, docs/mlperf-tiny.md).
 *
 * Such a firmware runs its own model: the run has one variant, the model
 * the firmware is said to run (--model), which the host engine runs beside
 * it for reference outputs. Each vector goes over as the MLCommons runner
 * sends it: the bytes of its file (its window, for a sliding-window
 * sample) in "db" commands, then "infer N W". The two m-lap-us stamps give
 * the time of the N inferences (microseconds, wrap-safe); the results
 * line, printed numbers, becomes the variant's outputs (quantised with the
 * output's own parameters, where the printed precision is finer than one
 * step of it), so that scores, reports and resume treat it like any board's.
 * Layers are not timed: the firmware has no such command.
 *
 * The anomaly-detection firmware prints one value instead of the model's
 * outputs: its own reconstruction error of the input. With a task of
 * anomaly detection such a line is taken for that score: the vector's
 * output row holds it (a float32), and session_score.c computes the same
 * score from the host engine's outputs to compare with it.
 *
 * --mlperf-rules follows the runner: performance mode first (the first
 * SESSION_MLPERF_PERF_INPUTS inputs, each timed over a loop that lasts at
 * least the minimum time, N found by a probe; the median throughput is the
 * score), then accuracy mode (every input once, "infer 1 0"), whose rows
 * are the run's vectors. Each input of performance mode is one step of
 * session.c's reset-and-retry loop, as a vector is, and the median is
 * stored as soon as it is known, so that --resume does not measure it
 * again; so is each input's throughput (throughput_ips_input_K), so that a
 * run killed in performance mode goes on with the next input.
 */
#include "session_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Probe loops are grown until they last this long, for a usable estimate
 * of one inference's time (microseconds). */
#define PROBE_MIN_US 20000.0
/* Most inferences one "infer" may ask for (the firmware parses an int). */
#define MAX_LOOP 2000000000L
/* Timed loops of performance mode tried before giving up on the minimum. */
#define PERF_TRIES 4

int session_is_mlperf(const session *s)
{
    return s->board && s->board->protocol == BOARD_PROTO_MLPERF_TINY;
}

hb_status session_mlperf_check(session *s)
{
    const session_options *o = s->o;
    if (!session_is_mlperf(s)) {
        if (o->mlperf_rules)
            return hb_fail(HB_ERR_ARG, "--mlperf-rules: board %s speaks the hilbench protocol; "
                           "the rules are for boards with [link] protocol = mlperf-tiny",
                           s->board->name);
        return HB_OK;
    }
    /* The reference joins the variants unless it is one of them. */
    const char *only = o->n_variants > 0 ? o->variants[0] : "float";
    if (o->n_variants > 1 || (o->reference && strcmp(o->reference, only) != 0))
        return hb_fail(HB_ERR_ARG, "board %s runs an MLPerf Tiny firmware with its own model: "
                       "give one variant, the model it runs (--model, and --variant if it was "
                       "made from it)", s->board->name);
    if (o->mlperf_rules && (o->repeat != 1 || o->warmup != 0))
        return hb_fail(HB_ERR_ARG, "--mlperf-rules runs accuracy mode as \"infer 1 0\": it "
                       "cannot take --repeat %d --warmup %d", o->repeat, o->warmup);
    return HB_OK;
}

/* Room for the printed results of variant v. */
static hb_status results_room(session *s, const session_variant *v)
{
    if (s->mlperf_cap >= v->out_values + 1)
        return HB_OK;
    size_t cap = v->out_values + 1;
    float *f = realloc(s->mlperf_f, cap * sizeof(*f));
    if (f)
        s->mlperf_f = f;
    double *t = f ? realloc(s->mlperf_tol, cap * sizeof(*t)) : NULL;
    if (!f || !t)
        return hb_fail(HB_ERR_MEM, "out of memory");
    s->mlperf_tol = t;
    s->mlperf_cap = cap;
    return HB_OK;
}

/* The bytes of the current vector as they are in its file. */
static const uint8_t *vector_bytes(const session *s, int smp, int w, size_t *len)
{
    const dataset_sample *d = &s->data.samples[smp];
    *len = s->data.window_bytes;
    return d->raw + (size_t)w * d->stride;
}

/* Whether a results line of one value may be v's anomaly score; if not,
 * why not (HB_ERR_UNSUPPORTED). */
static hb_status score_allowed(const session *s, const session_variant *v)
{
    const char *board = s->board->name;
    if (s->task != DATASET_TASK_ANOMALY)
        return hb_fail(HB_ERR_UNSUPPORTED, "board %s: its results line has 1 value, the "
                       "outputs of %s have %zu: is it running that model? (An anomaly-"
                       "detection firmware prints its score: declare the task, task = anomaly "
                       "in the suite or anomaly rows in y_labels.csv)", board, v->model_file,
                       v->out_values);
    if (v->out_values != s->data.values)
        return hb_fail(HB_ERR_UNSUPPORTED, "board %s: its results line has 1 value, an "
                       "anomaly score, but the outputs of %s (%zu values) cannot be compared "
                       "with its inputs (%zu)", board, v->model_file, v->out_values,
                       s->data.values);
    /* The stored row would not tell a score from the outputs on --resume. */
    if (v->out_bytes == sizeof(float))
        return hb_fail(HB_ERR_UNSUPPORTED, "board %s: an anomaly score from a model whose "
                       "outputs are %zu bytes, as the stored score is, is not supported", board,
                       v->out_bytes);
    return HB_OK;
}

int session_mlperf_scored_row(const session *s, const session_variant *v, size_t bytes)
{
    return session_is_mlperf(s) && bytes == sizeof(float) && bytes != v->out_bytes &&
           v->out_values > 1 && s->task == DATASET_TASK_ANOMALY;
}

/* One "infer": results into v's outputs (s->board_out), or the score. */
static hb_status infer(session *s, const session_variant *v, long n, long warmup,
                       int timeout_ms, mlperf_infer_info *info)
{
    device *d = s->dev;
    hb_status st;

    if ((st = results_room(s, v)) != HB_OK ||
        (st = mlperf_infer(d->mlperf, n, warmup, timeout_ms, s->mlperf_f, s->mlperf_tol,
                           s->mlperf_cap, info)) != HB_OK)
        return st;
    int scored = info->n_results == 1 && v->out_values > 1;
    if (scored && (st = score_allowed(s, v)) != HB_OK)
        return st;
    if (!scored && info->n_results != v->out_values)
        return hb_fail(HB_ERR_UNSUPPORTED, "board %s: its results line has %zu values, the "
                       "outputs of %s have %zu: is it running that model?", d->board->name,
                       info->n_results, v->model_file, v->out_values);
    if (s->mlperf_scored >= 0 && s->mlperf_scored != scored)
        return hb_fail(HB_ERR_UNSUPPORTED, "board %s: its results line has %zu value%s, where "
                       "it had %s before", d->board->name, info->n_results,
                       info->n_results == 1 ? "" : "s",
                       s->mlperf_scored ? "one score" : "the model's outputs");
    s->mlperf_scored = scored;
    if (scored) {
        memcpy(s->board_out, &s->mlperf_f[0], sizeof(float));
        return HB_OK;
    }
    /* Printed floats as the output tensors' own elements. */
    const nn_model *m = hostrun_model(v->host);
    const float *f = s->mlperf_f;
    uint8_t *q = s->board_out;
    for (int k = 0; k < nn_model_output_count(m); k++) {
        nn_tensor t;
        hostrun_output(v->host, k, &t);
        uint32_t size = nn_dtype_bytes(t.dtype);
        for (uint32_t e = 0; e < t.count; e++, q += size)
            session_put_value(&t, *f++, q);
    }
    return HB_OK;
}

hb_status session_mlperf_vector(session *s, const session_variant *v, store_inference *inf)
{
    const session_options *o = s->o;
    device *d = s->dev;
    mlperf_infer_info info;
    size_t len = 0;
    const uint8_t *bytes = vector_bytes(s, s->cur_sample, s->cur_window, &len);
    hb_status st;

    if ((st = mlperf_load(d->mlperf, bytes, len, d->board->timeout_ms)) != HB_OK ||
        (st = infer(s, v, o->repeat, o->warmup,
                    d->board->invoke_timeout_ms + d->board->timeout_ms, &info)) != HB_OK)
        return st;
    /* The stamps bracket all the loop's inferences: one inference is the
     * mean, the only figure such a firmware gives. */
    double us = (double)info.elapsed_us / (double)o->repeat;
    s->repeat_cycles[0] = (uint64_t)llround(us);
    inf->cycles = s->repeat_cycles[0];
    inf->latency_us = us;
    inf->repeats = 1;
    inf->repeat_cycles = s->repeat_cycles;
    inf->n_layers = 0;
    inf->layer_cycles = NULL;
    inf->output = s->board_out;
    inf->output_bytes = s->mlperf_scored == 1 ? sizeof(float) : v->out_bytes;
    return HB_OK;
}

int session_mlperf_close(const session *s, const float *host_f, size_t n, double rel)
{
    for (size_t i = 0; i < n; i++) {
        double diff = fabs((double)s->mlperf_f[i] - (double)host_f[i]);
        /* The host's own rounding on top of the printed digits. */
        if (diff > s->mlperf_tol[i] + rel * fabs((double)host_f[i]) + 1e-9)
            return 0;
    }
    return 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Times one input: a probe for one inference's time, then loops of N
 * until one lasts min_us. *ips: inferences per second of that loop. */
static hb_status time_input(session *s, const session_variant *v, double min_us,
                            const char *name, double *ips)
{
    device *d = s->dev;
    const board_profile *b = d->board;
    mlperf_infer_info info;
    long n = 1;
    hb_status st;

    /* Probe: grow n tenfold until the loop is long enough to measure. */
    for (;;) {
        if ((st = infer(s, v, n, 0, b->invoke_timeout_ms + b->timeout_ms, &info)) != HB_OK)
            return st;
        if (info.elapsed_us >= PROBE_MIN_US || info.elapsed_us >= min_us || n >= MAX_LOOP / 10)
            break;
        n *= 10;
    }
    double per_us = info.elapsed_us > 0 ? (double)info.elapsed_us / (double)n : 1.0 / n;
    for (int tries = 0; tries < PERF_TRIES; tries++) {
        /* 5% over the minimum, so a slightly faster loop still passes. */
        double want = ceil(min_us * 1.05 / per_us);
        long loop = want > (double)MAX_LOOP ? MAX_LOOP : want < 1 ? 1 : (long)want;
        /* The firmware is silent while it loops: allow for the loop. */
        double wait_ms = (double)loop * per_us / 1000.0 * 2 + b->invoke_timeout_ms +
                         b->timeout_ms;
        int timeout_ms = wait_ms > 2e9 ? 2000000000 : (int)wait_ms;
        if ((st = infer(s, v, loop, SESSION_MLPERF_PERF_WARMUP, timeout_ms, &info)) != HB_OK)
            return st;
        if ((double)info.elapsed_us >= min_us || loop == MAX_LOOP) {
            *ips = info.elapsed_us ? (double)loop * 1e6 / (double)info.elapsed_us : INFINITY;
            say(s->o, "performance mode, %s: %ld inferences in %.3f s: %.3f inferences/s", name,
                loop, (double)info.elapsed_us / 1e6, *ips);
            return HB_OK;
        }
        per_us = (double)info.elapsed_us / (double)loop;
        if (per_us <= 0)
            per_us = 1.0 / (double)loop;
    }
    return hb_fail(HB_ERR_BOARD, "board %s: performance mode, %s: no loop lasted %.3f s in %d "
                   "tries", b->name, name, min_us / 1e6, PERF_TRIES);
}

int session_mlperf_perf_inputs(const session *s)
{
    return s->data.n < SESSION_MLPERF_PERF_INPUTS ? s->data.n : SESSION_MLPERF_PERF_INPUTS;
}

/* The score an input's throughput is stored as. */
static void input_metric(int smp, char *buf, size_t cap)
{
    snprintf(buf, cap, "throughput_ips_input_%d", smp + 1);
}

hb_status session_mlperf_perf_recorded(session *s, const session_variant *v, int smp,
                                       double *ips, int *found)
{
    char metric[64], name[512];
    input_metric(smp, metric, sizeof(metric));
    hb_status st = store_score_get(s->db, v->id, metric, ips, found);
    if (st == HB_OK && *found) {
        dataset_vector_name(&s->data, smp, 0, name, sizeof(name));
        say(s->o, "performance mode, %s: recorded before, %.3f inferences/s", name, *ips);
    }
    return st;
}

hb_status session_mlperf_perf_input(session *s, const session_variant *v, int smp, double *ips)
{
    const session_options *o = s->o;
    double min_s = o->mlperf_min_seconds > 0 ? o->mlperf_min_seconds : SESSION_MLPERF_MIN_SECONDS;
    char name[512], metric[64];
    size_t len = 0;
    /* Like the runner, the first window of each sample. */
    const uint8_t *bytes = vector_bytes(s, smp, 0, &len);
    hb_status st;

    dataset_vector_name(&s->data, smp, 0, name, sizeof(name));
    if ((st = mlperf_load(s->dev->mlperf, bytes, len, s->dev->board->timeout_ms)) != HB_OK ||
        (st = time_input(s, v, min_s * 1e6, name, ips)) != HB_OK)
        return hb_context(st, "performance mode");
    if (!isfinite(*ips))
        return HB_OK; /* nothing measurable: timed again on --resume */
    /* At once, in its own transaction: a run killed in performance mode
     * keeps the inputs timed so far. */
    input_metric(smp, metric, sizeof(metric));
    store_score sc = {metric, *ips};
    return store_scores_add(s->db, s->run_id, v->id, &sc, 1, NULL, 0);
}

hb_status session_mlperf_perf_done(session *s, const session_variant *v, double *ips, int n)
{
    qsort(ips, (size_t)n, sizeof(ips[0]), cmp_double);
    s->sc.throughput_ips = n % 2 ? ips[n / 2] : (ips[n / 2 - 1] + ips[n / 2]) / 2;
    s->res->throughput_ips = s->sc.throughput_ips;
    say(s->o, "performance mode: median throughput %.3f inferences/s over %d input%s",
        s->sc.throughput_ips, n, n == 1 ? "" : "s");
    if (!isfinite(s->sc.throughput_ips))
        return HB_OK;
    /* Now, in its own transaction: a run killed in accuracy mode keeps it. */
    store_score sc = {"throughput_ips", s->sc.throughput_ips};
    hb_status st = store_scores_add(s->db, s->run_id, v->id, &sc, 1, NULL, 0);
    s->sc.throughput_stored = st == HB_OK;
    return st;
}
