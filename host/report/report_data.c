/*
 * report_data.c: the figures of each variant, read once from the run
 * documents: median latency, RAM and flash, the quality metric, the Pareto
 * front. Everything else in host/report works from these.
 *
 * A run document may come from any schema version or from a run that
 * stopped half-way, so every field is read as "maybe there": a missing
 * number becomes -1 (bytes) or NAN, never 0, so that it cannot win a
 * comparison by accident.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

const char *const report_chart_stems[REPORT_N_CHARTS] = {
    "quality_latency", "layer_latency", "memory", "latency_distribution", "layer_snr"};
const char *const report_chart_titles[REPORT_N_CHARTS] = {
    "Quality against latency", "Per-layer latency", "Memory", "Latency distribution",
    "Per-layer SNR against the reference"};

/* The metrics that can rank variants; the first five, in this order, are
 * the automatic choice: labels first, fidelity when there are none. */
static const report_metric metrics[] = {
    {"accuracy", 1, 1, "%"},
    {"auc", 1, 1, "%"},
    {"mae", 0, 0, ""},
    {"top1_agreement", 1, 1, "%"},
    {"snr_db", 1, 0, " dB"},
    {"rmse", 0, 0, ""},
    {"cosine", 1, 0, ""},
    {"max_abs_error", 0, 0, ""},
};
#define N_AUTO 5
#define N_METRICS (int)(sizeof(metrics) / sizeof(metrics[0]))

const report_metric *report_metric_find(const char *name)
{
    for (int i = 0; name && i < N_METRICS; i++)
        if (!strcmp(metrics[i].name, name))
            return &metrics[i];
    return NULL;
}

double report_metric_shown(const report_metric *m, double value)
{
    return m && m->percent ? value * 100.0 : value;
}

void report_metric_format(const report_metric *m, double value, char *buf, size_t cap)
{
    if (!m || !m->name || isnan(value))
        snprintf(buf, cap, "-");
    else if (m->percent)
        snprintf(buf, cap, "%.1f%%", value * 100.0);
    else if (!strcmp(m->name, "snr_db"))
        snprintf(buf, cap, "%.1f dB", value);
    else
        snprintf(buf, cap, "%.4g", value);
}

static int64_t bytes_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (json_is_integer(v) && json_integer_value(v) >= 0)
        return json_integer_value(v);
    if (json_is_real(v) && json_real_value(v) >= 0)
        return (int64_t)json_real_value(v);
    return -1;
}

static double number_of(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Lower median over the vectors, the same rule as the store's layer
 * medians (docs/schema.md). */
static double median_latency_ms(json_t *variant, double counter_hz)
{
    json_t *infs = json_object_get(variant, "inferences"), *inf;
    size_t n = json_array_size(infs), k, m = 0;
    double *lat, med = NAN;
    if (!n || !(lat = malloc(n * sizeof(*lat))))
        return NAN;
    json_array_foreach(infs, k, inf) {
        double us = number_of(inf, "latency_us");
        if (isnan(us) && counter_hz > 0)
            us = number_of(inf, "cycles") / counter_hz * 1e6;
        if (isfinite(us))
            lat[m++] = us / 1000.0;
    }
    if (m) {
        qsort(lat, m, sizeof(*lat), cmp_double);
        med = lat[(m - 1) / 2];
    }
    free(lat);
    return med;
}

/* 1 if a is at least as good as b on both axes and better on one. */
static int dominates(double lat_a, double q_a, double lat_b, double q_b, int higher_better)
{
    int q_ge = higher_better ? q_a >= q_b : q_a <= q_b;
    int q_gt = higher_better ? q_a > q_b : q_a < q_b;
    return lat_a <= lat_b && q_ge && (lat_a < lat_b || q_gt);
}

static void mark_pareto(report_set *s)
{
    for (int i = 0; i < s->n; i++) {
        report_variant *a = &s->v[i];
        double qa = s->metric.name ? a->quality : (double)a->ram_bytes;
        int hb = s->metric.name ? s->metric.higher_is_better : 0;
        if (a->failed || isnan(a->latency_ms) || isnan(qa) || qa < 0) {
            a->pareto = 0;
            continue;
        }
        a->pareto = 1;
        for (int j = 0; j < s->n && a->pareto; j++) {
            report_variant *b = &s->v[j];
            double qb = s->metric.name ? b->quality : (double)b->ram_bytes;
            if (j != i && !b->failed && !isnan(b->latency_ms) && !isnan(qb) && qb >= 0 &&
                dominates(b->latency_ms, qb, a->latency_ms, qa, hb))
                a->pareto = 0;
        }
    }
}

static const char *str_or(json_t *o, const char *key, const char *def)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : def;
}

/* The metric to rank by: the one asked for, else the first automatic one
 * that some variant has. */
static hb_status pick_metric(json_t *runs, const char *name, report_metric *out)
{
    size_t i, k;
    json_t *doc, *v;
    memset(out, 0, sizeof(*out));
    if (name) {
        const report_metric *m = report_metric_find(name);
        if (!m)
            return hb_fail(HB_ERR_ARG, "unknown metric '%s' (accuracy, auc, mae, "
                           "top1_agreement, snr_db, rmse, cosine, max_abs_error)", name);
        *out = *m;
        return HB_OK;
    }
    for (int m = 0; m < N_AUTO; m++)
        json_array_foreach(runs, i, doc)
            json_array_foreach(json_object_get(doc, "variants"), k, v)
                if (json_is_number(json_object_get(json_object_get(v, "scores"),
                                                   metrics[m].name))) {
                    *out = metrics[m];
                    return HB_OK;
                }
    return HB_OK;
}

static hb_status fill_variant(report_set *s, json_t *run, json_t *v, report_variant *rv)
{
    rv->run = run;
    rv->json = v;
    rv->run_id = json_integer_value(json_object_get(run, "id"));
    rv->board = str_or(run, "board", "?");
    rv->recipe = str_or(v, "recipe", "?");
    rv->model_sha256 = str_or(v, "model_sha256", "");
    rv->status = json_string_value(json_object_get(v, "status"));
    rv->error = json_string_value(json_object_get(v, "error"));
    /* "running" is what a variant says until the session finishes it; the
     * run's own status tells an unfinished run. */
    rv->failed = rv->status && strcmp(rv->status, "ok") && strcmp(rv->status, "running");
    rv->counter_hz = number_of(run, "counter_hz");
    if (!(rv->counter_hz > 0))
        rv->counter_hz = NAN;
    rv->latency_ms = median_latency_ms(v, rv->counter_hz);
    rv->quality = s->metric.name ? number_of(json_object_get(v, "scores"), s->metric.name)
                                 : NAN;
    rv->arena_bytes = bytes_of(v, "arena_bytes");
    rv->stack_bytes = bytes_of(v, "stack_bytes");
    const char *protocol = json_string_value(json_object_get(run, "protocol"));
    rv->mlperf = protocol && !strcmp(protocol, "mlperf-tiny");
    rv->firmware_model = json_string_value(json_object_get(v, "firmware_model"));
    rv->model_bytes = bytes_of(v, "model_bytes");
    /* Our blob's size says nothing of another firmware's copy of the model. */
    if (rv->model_bytes < 0 && !rv->mlperf)
        rv->model_bytes = bytes_of(v, "blob_bytes");
    rv->fw_flash_bytes = bytes_of(v, "firmware_flash_bytes");
    rv->fw_ram_bytes = bytes_of(v, "firmware_ram_bytes");
    rv->ram_bytes = rv->arena_bytes >= 0 && rv->stack_bytes >= 0
                        ? rv->arena_bytes + rv->stack_bytes : -1;
    rv->flash_bytes = rv->model_bytes < 0 ? -1
                      : rv->model_bytes + (rv->fw_flash_bytes > 0 ? rv->fw_flash_bytes : 0);
    json_t *ref_id = json_object_get(run, "reference_variant_id");
    const char *ref = json_string_value(json_object_get(run, "reference"));
    rv->is_reference = json_is_integer(ref_id)
                           ? json_integer_value(ref_id) ==
                                 json_integer_value(json_object_get(v, "id"))
                           : ref && !strcmp(ref, rv->recipe);
    int bad = rv->failed;
    size_t need = strlen(rv->recipe) + strlen(rv->board) + (bad ? strlen(rv->status) : 0) + 8;
    if (!(rv->label = malloc(need)))
        return hb_fail(HB_ERR_MEM, "report: out of memory");
    snprintf(rv->label, need, "%s%s%s%s%s%s", rv->recipe, s->n_boards > 1 ? " @ " : "",
             s->n_boards > 1 ? rv->board : "", bad ? " [" : "", bad ? rv->status : "",
             bad ? "]" : "");
    return HB_OK;
}

static int count_boards(json_t *runs)
{
    size_t i, j;
    json_t *doc, *other;
    int n = 0;
    json_array_foreach(runs, i, doc) {
        const char *b = str_or(json_object_get(doc, "run"), "board", "?");
        int seen = 0;
        for (j = 0; j < i && !seen; j++) {
            other = json_array_get(runs, j);
            seen = !strcmp(b, str_or(json_object_get(other, "run"), "board", "?"));
        }
        n += !seen;
    }
    return n;
}

hb_status report_set_build(json_t *runs, const char *metric, report_set **out)
{
    report_set *s = NULL;
    size_t i, k, total = 0;
    json_t *doc, *v;
    hb_status st;

    *out = NULL;
    if (!json_is_array(runs) || json_array_size(runs) == 0)
        return hb_fail(HB_ERR_ARG, "report: no runs given");
    json_array_foreach(runs, i, doc)
        total += json_array_size(json_object_get(doc, "variants"));
    if (!(s = calloc(1, sizeof(*s))) || (total && !(s->v = calloc(total, sizeof(*s->v))))) {
        st = hb_fail(HB_ERR_MEM, "report: out of memory");
        goto cleanup;
    }
    s->runs = json_incref(runs);
    s->n_runs = (int)json_array_size(runs);
    s->n_boards = count_boards(runs);
    if ((st = pick_metric(runs, metric, &s->metric)) != HB_OK)
        goto cleanup;
    json_array_foreach(runs, i, doc) {
        json_t *run = json_object_get(doc, "run");
        json_array_foreach(json_object_get(doc, "variants"), k, v)
            if ((st = fill_variant(s, run, v, &s->v[s->n++])) != HB_OK)
                goto cleanup;
    }
    mark_pareto(s);
    *out = s;
    return HB_OK;
cleanup:
    report_set_free(s);
    return st;
}

void report_set_free(report_set *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->n; i++)
        free(s->v[i].label);
    free(s->v);
    json_decref(s->runs);
    free(s);
}
