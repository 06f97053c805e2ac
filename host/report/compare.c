/*
 * compare.c: the regression gate: each variant of the new runs against the
 * same variant of the base runs, metric by metric, with tolerances.
 *
 * Variants match by board + recipe + model sha256; failing that by board +
 * recipe, and the row says the model changed. A base variant the new runs
 * no longer have counts as a regression (a variant that stopped building or
 * a board that dropped out is what a nightly gate must catch); a new one is
 * listed as added. A value unknown on either side is not judged. A new run
 * whose status is not "ok" is a regression too.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

/* Differences smaller than this are rounding, not change. */
#define EPS 1e-9

typedef enum { CHECK_OK, CHECK_REGRESSION, CHECK_IMPROVED, CHECK_UNKNOWN } check_status;

static const char *const status_names[] = {"ok", "regression", "improved", "unknown"};

static double score_of(const report_variant *v, const char *metric)
{
    json_t *x = json_object_get(json_object_get(v->json, "scores"), metric);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

static json_t *num_or_null(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static void add_check(json_t *checks, const char *name, double base, double cur,
                      check_status st, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
static void add_check(json_t *checks, const char *name, double base, double cur,
                      check_status st, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    double pct = !isnan(base) && !isnan(cur) && base != 0 ? (cur - base) / base * 100.0 : NAN;
    json_array_append_new(checks, json_pack("{s:s, s:o, s:o, s:o, s:s, s:s}", "name", name,
                                            "base", num_or_null(base), "new", num_or_null(cur),
                                            "change_pct", num_or_null(pct), "status",
                                            status_names[st], "message", msg));
}

/* Relative check for "more is worse" values (latency, bytes). */
static void check_relative(json_t *checks, const char *name, const char *what, double base,
                           double cur, double tol_pct, int is_bytes)
{
    char b[48], c[48];
    if (isnan(base) || isnan(cur) || base < 0 || cur < 0) {
        add_check(checks, name, base < 0 ? NAN : base, cur < 0 ? NAN : cur, CHECK_UNKNOWN,
                  "%s not recorded in %s", what,
                  isnan(base) || base < 0 ? (isnan(cur) || cur < 0 ? "either run" : "the base")
                                          : "the new run");
        return;
    }
    if (is_bytes) {
        report_bytes_text((long long)base, b, sizeof(b));
        report_bytes_text((long long)cur, c, sizeof(c));
    } else {
        report_ms_text(base, b, sizeof(b));
        report_ms_text(cur, c, sizeof(c));
    }
    double pct = base > 0 ? (cur - base) / base * 100.0 : (cur > 0 ? INFINITY : 0.0);
    check_status st = cur > base * (1.0 + tol_pct / 100.0) + EPS ? CHECK_REGRESSION
                      : cur < base - EPS                        ? CHECK_IMPROVED
                                                                : CHECK_OK;
    add_check(checks, name, base, cur, st, "%s %s -> %s (%+.1f%%%s %g%% tolerance)", what, b, c,
              pct, st == CHECK_REGRESSION ? " >" : ",", tol_pct);
}

static void check_quality(json_t *checks, const report_metric *m, double base, double cur,
                          double tol)
{
    char b[48], c[48];
    if (isnan(base) || isnan(cur)) {
        add_check(checks, m->name, base, cur, CHECK_UNKNOWN, "no %s score in %s", m->name,
                  isnan(base) ? (isnan(cur) ? "either run" : "the base") : "the new run");
        return;
    }
    report_metric_format(m, base, b, sizeof(b));
    report_metric_format(m, cur, c, sizeof(c));
    /* Gain in the shown unit, positive when the new one is better. */
    double gain = report_metric_shown(m, cur) - report_metric_shown(m, base);
    if (!m->higher_is_better)
        gain = -gain;
    check_status st = gain < -tol - EPS ? CHECK_REGRESSION : gain > EPS ? CHECK_IMPROVED
                                                                        : CHECK_OK;
    add_check(checks, m->name, base, cur, st, "%s %s -> %s (%s by %.4g%s%s %g tolerance)",
              m->name, b, c, gain < 0 ? "worse" : "better", fabs(gain),
              m->percent ? " points" : m->unit, st == CHECK_REGRESSION ? ", beyond" : ", within",
              tol);
}

static json_t *pair_checks(const report_set *cur_set, const report_variant *base,
                           const report_variant *cur, const report_tolerance *t, int *n_reg)
{
    json_t *checks = json_array(), *c;
    size_t i;
    if (!checks)
        return NULL;
    check_relative(checks, "latency_ms", "latency", base->latency_ms, cur->latency_ms,
                   t->latency_pct, 0);
    if (cur_set->metric.name)
        check_quality(checks, &cur_set->metric, score_of(base, cur_set->metric.name),
                      score_of(cur, cur_set->metric.name), t->quality_pts);
    check_relative(checks, "arena_bytes", "arena", (double)base->arena_bytes,
                   (double)cur->arena_bytes, t->memory_pct, 1);
    check_relative(checks, "stack_bytes", "stack", (double)base->stack_bytes,
                   (double)cur->stack_bytes, t->memory_pct, 1);
    check_relative(checks, "model_bytes", "model", (double)base->model_bytes,
                   (double)cur->model_bytes, t->memory_pct, 1);
    check_relative(checks, "firmware_flash_bytes", "firmware flash",
                   (double)base->fw_flash_bytes, (double)cur->fw_flash_bytes, t->memory_pct, 1);
    /* Schema 3 records each variant's own status; one that failed tonight
     * has partial figures, which must not pass for a comparison. */
    if (cur->failed)
        add_check(checks, "status", NAN, NAN, CHECK_REGRESSION, "variant status %s%s%s",
                  cur->status, cur->error ? ": " : "", cur->error ? cur->error : "");
    json_array_foreach(checks, i, c)
        *n_reg += !strcmp(json_string_value(json_object_get(c, "status")), "regression");
    return checks;
}

static json_t *row(const char *match, const report_variant *base, const report_variant *cur,
                   const char *note, json_t *checks)
{
    const report_variant *v = cur ? cur : base;
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "board", v->board,
                     "recipe", v->recipe, "label", v->label, "match", match, "note", note,
                     "base_run_id", base ? json_integer(base->run_id) : json_null(),
                     "new_run_id", cur ? json_integer(cur->run_id) : json_null(),
                     "base_model_sha256", base ? json_string(base->model_sha256) : json_null(),
                     "new_model_sha256", cur ? json_string(cur->model_sha256) : json_null(),
                     "checks", checks ? checks : json_array());
}

/* A new reference to o[key], or null when absent. */
static json_t *field(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return v ? json_incref(v) : json_null();
}

static json_t *runs_json(const report_set *s, int judge, int *n_reg)
{
    json_t *list = json_array(), *doc;
    size_t i;
    json_array_foreach(s->runs, i, doc) {
        json_t *r = json_object_get(doc, "run");
        const char *status = json_string_value(json_object_get(r, "status"));
        int ok = status && !strcmp(status, "ok");
        if (judge && !ok)
            (*n_reg)++;
        json_array_append_new(list, json_pack("{s:o, s:o, s:o, s:o, s:o, s:b, s:o}", "id",
                                              field(r, "id"), "uuid", field(r, "uuid"),
                                              "board", field(r, "board"), "status",
                                              field(r, "status"), "started",
                                              field(r, "started"), "ok", ok,
                                              "firmware_sha256",
                                              field(r, "firmware_sha256")));
    }
    return list;
}

static int same(const char *a, const char *b)
{
    return !strcmp(a, b);
}

hb_status report_compare(const report_set *base, const report_set *cur,
                         const report_tolerance *t, json_t **out)
{
    json_t *rows = NULL, *doc = NULL;
    char *used = NULL;
    int n_reg = 0;
    char note[256];

    *out = NULL;
    if (!(rows = json_array()) || (base->n && !(used = calloc((size_t)base->n, 1))))
        goto oom;
    for (int i = 0; i < cur->n; i++) {
        const report_variant *c = &cur->v[i];
        int by_sha = -1, by_recipe = -1;
        for (int j = 0; j < base->n; j++) {
            const report_variant *b = &base->v[j];
            if (used[j] || !same(b->board, c->board) || !same(b->recipe, c->recipe))
                continue;
            if (by_sha < 0 && same(b->model_sha256, c->model_sha256))
                by_sha = j;
            if (by_recipe < 0)
                by_recipe = j;
        }
        int j = by_sha >= 0 ? by_sha : by_recipe;
        json_t *r;
        if (j < 0) {
            r = row("added", NULL, c, "only in the new runs", NULL);
        } else {
            used[j] = 1;
            if (by_sha >= 0)
                snprintf(note, sizeof(note), "same model");
            else
                snprintf(note, sizeof(note), "model changed (sha256 %.12s -> %.12s): matched "
                         "by recipe", base->v[j].model_sha256, c->model_sha256);
            r = row(by_sha >= 0 ? "sha256" : "recipe", &base->v[j], c, note,
                    pair_checks(cur, &base->v[j], c, t, &n_reg));
        }
        if (!r || json_array_append_new(rows, r))
            goto oom;
    }
    for (int j = 0; j < base->n; j++) {
        if (used[j])
            continue;
        n_reg++;
        json_t *r = row("removed", &base->v[j], NULL, "missing from the new runs", NULL);
        if (!r || json_array_append_new(rows, r))
            goto oom;
    }
    json_t *base_runs = runs_json(base, 0, &n_reg), *new_runs = runs_json(cur, 1, &n_reg);
    doc = json_pack("{s:o, s:b, s:{s:f, s:f, s:f}, s:o, s:o, s:i, s:o}", "metric",
                    cur->metric.name ? json_string(cur->metric.name) : json_null(),
                    "higher_is_better", cur->metric.name ? cur->metric.higher_is_better : 0,
                    "tolerance", "latency_pct", t->latency_pct, "quality_pts", t->quality_pts,
                    "memory_pct", t->memory_pct, "base", base_runs, "new", new_runs,
                    "regressions", n_reg, "rows", rows);
    rows = NULL;
    if (!doc)
        goto oom;
    free(used);
    *out = doc;
    return HB_OK;
oom:
    json_decref(rows);
    free(used);
    return hb_fail(HB_ERR_MEM, "compare: out of memory");
}
