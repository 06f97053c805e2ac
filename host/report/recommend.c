/*
 * recommend.c: the variant to ship for a budget, and why each other one
 * lost.
 *
 * A variant is eligible when it meets every limit given; a limit on a
 * value the run did not record (no memory row, no score) is not met, since
 * "unknown" must never pass a gate. Among the eligible ones the best has
 * the best quality, then the lower latency, then the lower RAM; without
 * any score in the runs, latency and RAM alone decide. Qualities within
 * REPORT_QUALITY_TIE of each other (relative) count as equal: a firmware
 * that prints its outputs to a few digits must not outrank a variant many
 * times faster by its rounding.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

#define REPORT_QUALITY_TIE 1e-3

static int quality_same(double a, double b)
{
    double m = fabs(a) > fabs(b) ? fabs(a) : fabs(b);
    return a == b || fabs(a - b) <= REPORT_QUALITY_TIE * m;
}

/* <0 when a ranks before b. Unknown values rank last. */
static int rank_cmp(const report_set *s, const report_variant *a, const report_variant *b)
{
    if (s->metric.name) {
        int ka = !isnan(a->quality), kb = !isnan(b->quality);
        if (ka != kb)
            return kb - ka;
        if (ka && !quality_same(a->quality, b->quality))
            return (a->quality > b->quality) == (s->metric.higher_is_better != 0) ? -1 : 1;
    }
    int la = !isnan(a->latency_ms), lb = !isnan(b->latency_ms);
    if (la != lb)
        return lb - la;
    if (la && a->latency_ms != b->latency_ms)
        return a->latency_ms < b->latency_ms ? -1 : 1;
    int ra = a->ram_bytes >= 0, rb = b->ram_bytes >= 0;
    if (ra != rb)
        return rb - ra;
    if (a->ram_bytes != b->ram_bytes)
        return a->ram_bytes < b->ram_bytes ? -1 : 1;
    return 0;
}

static void add_reason(json_t *reasons, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void add_reason(json_t *reasons, const char *fmt, ...)
{
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    json_array_append_new(reasons, json_string(line));
}

static void kib_text(double kib, char *buf, size_t cap)
{
    snprintf(buf, cap, "%.1f KiB", kib);
}

/* The budget limits v breaks, as reasons; returns how many. */
static int budget_reasons(const report_set *s, const report_budget *b,
                          const report_variant *v, json_t *reasons)
{
    size_t before = json_array_size(reasons);
    char x[48], y[48];
    /* A variant that did not finish has partial figures: never ship it. */
    if (v->failed)
        add_reason(reasons, "did not finish (status %s%s%s)", v->status,
                   v->error ? ": " : "", v->error ? v->error : "");
    if (!isnan(b->max_latency_ms)) {
        report_ms_text(v->latency_ms, x, sizeof(x));
        report_ms_text(b->max_latency_ms, y, sizeof(y));
        if (isnan(v->latency_ms))
            add_reason(reasons, "no latency recorded (budget %s)", y);
        else if (v->latency_ms > b->max_latency_ms)
            add_reason(reasons, "latency %s > %s budget", x, y);
    }
    if (!isnan(b->max_ram_kb)) {
        kib_text((double)v->ram_bytes / 1024.0, x, sizeof(x));
        if (v->ram_bytes < 0)
            add_reason(reasons, "no RAM recorded (budget %g KiB)", b->max_ram_kb);
        else if ((double)v->ram_bytes > b->max_ram_kb * 1024.0)
            add_reason(reasons, "RAM %s > %g KiB budget", x, b->max_ram_kb);
    }
    if (!isnan(b->max_flash_kb)) {
        kib_text((double)v->flash_bytes / 1024.0, x, sizeof(x));
        if (v->flash_bytes < 0)
            add_reason(reasons, "no flash size recorded (budget %g KiB)", b->max_flash_kb);
        else if ((double)v->flash_bytes > b->max_flash_kb * 1024.0)
            add_reason(reasons, "flash %s > %g KiB budget", x, b->max_flash_kb);
    }
    if (!isnan(b->min_quality)) {
        report_metric_format(&s->metric, v->quality, x, sizeof(x));
        snprintf(y, sizeof(y), "%g%s", b->min_quality, s->metric.unit);
        if (isnan(v->quality))
            add_reason(reasons, "no %s score (minimum %s)", s->metric.name, y);
        else if (report_metric_shown(&s->metric, v->quality) < b->min_quality)
            add_reason(reasons, "%s %s < %s minimum", s->metric.name, x, y);
    }
    return (int)(json_array_size(reasons) - before);
}

/* Why an eligible variant ranks after the best one. */
static void lost_reason(const report_set *s, const report_variant *best,
                        const report_variant *v, json_t *reasons)
{
    char x[48], y[48];
    const char *m = s->metric.name;
    if (m && isnan(v->quality) && !isnan(best->quality)) {
        add_reason(reasons, "no %s score", m);
        return;
    }
    if (m && !isnan(v->quality) && !quality_same(v->quality, best->quality)) {
        report_metric_format(&s->metric, v->quality, x, sizeof(x));
        report_metric_format(&s->metric, best->quality, y, sizeof(y));
        add_reason(reasons, "%s %s %s best %s", m, x, s->metric.higher_is_better ? "<" : ">",
                   y);
        return;
    }
    const char *same = m ? "same " : "";
    if (!isnan(v->latency_ms) && v->latency_ms != best->latency_ms) {
        report_ms_text(v->latency_ms, x, sizeof(x));
        report_ms_text(best->latency_ms, y, sizeof(y));
        add_reason(reasons, "%s%s%slatency %s > best %s", same, m ? m : "", m ? ", " : "", x,
                   y);
        return;
    }
    if (isnan(v->latency_ms) && !isnan(best->latency_ms)) {
        add_reason(reasons, "no latency recorded");
        return;
    }
    if (v->ram_bytes != best->ram_bytes) {
        kib_text((double)v->ram_bytes / 1024.0, x, sizeof(x));
        kib_text((double)best->ram_bytes / 1024.0, y, sizeof(y));
        if (v->ram_bytes < 0)
            add_reason(reasons, "no RAM recorded");
        else
            add_reason(reasons, "same %slatency, RAM %s > best %s", m ? "quality and " : "", x,
                       y);
        return;
    }
    add_reason(reasons, "ties with %s, which comes first", best->label);
}

static json_t *number_or_null(double x)
{
    return isnan(x) ? json_null() : json_real(x);
}

static json_t *bytes_or_null(int64_t x)
{
    return x < 0 ? json_null() : json_integer(x);
}

static json_t *budget_json(const report_budget *b)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "max_latency_ms", number_or_null(b->max_latency_ms),
                     "max_ram_kb", number_or_null(b->max_ram_kb), "max_flash_kb",
                     number_or_null(b->max_flash_kb), "min_quality",
                     number_or_null(b->min_quality));
}

static json_t *variant_json(const report_set *s, const report_variant *v)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:b, s:b}", "run_id",
                          (json_int_t)v->run_id, "board", v->board, "recipe", v->recipe,
                          "label", v->label, "model_sha256", v->model_sha256, "latency_ms",
                          number_or_null(v->latency_ms), "ram_bytes",
                          bytes_or_null(v->ram_bytes), "flash_bytes",
                          bytes_or_null(v->flash_bytes), "quality",
                          s->metric.name ? number_or_null(v->quality) : json_null(), "pareto",
                          v->pareto, "reference", v->is_reference);
    return o;
}

hb_status report_recommend(const report_set *s, const report_budget *b, json_t **out)
{
    json_t *doc = NULL, *list = NULL;
    int *eligible = NULL, best = -1, n_eligible = 0;
    char msg[512];
    hb_status st = HB_OK;

    *out = NULL;
    if (!isnan(b->min_quality) && (!s->metric.name || !s->metric.higher_is_better))
        return hb_fail(HB_ERR_ARG, "--min-accuracy: %s", s->metric.name
                       ? "the ranking metric is lower-is-better; choose another with --metric"
                       : "the runs have no scores");
    if (s->n && !(eligible = calloc((size_t)s->n, sizeof(*eligible))))
        return hb_fail(HB_ERR_MEM, "recommend: out of memory");
    if (!(list = json_array()))
        goto oom;
    for (int i = 0; i < s->n; i++) {
        json_t *vj = variant_json(s, &s->v[i]), *reasons = json_array();
        if (!vj || !reasons || json_object_set_new(vj, "reasons", reasons) ||
            json_array_append_new(list, vj)) {
            json_decref(vj);
            goto oom;
        }
        eligible[i] = budget_reasons(s, b, &s->v[i], reasons) == 0;
        json_object_set_new(vj, "meets_budget", json_boolean(eligible[i]));
        if (eligible[i]) {
            n_eligible++;
            if (best < 0 || rank_cmp(s, &s->v[i], &s->v[best]) < 0)
                best = i;
        }
    }
    for (int i = 0; i < s->n; i++) {
        json_t *vj = json_array_get(list, (size_t)i);
        json_object_set_new(vj, "recommended", json_boolean(i == best));
        if (eligible[i] && i != best)
            lost_reason(s, &s->v[best], &s->v[i], json_object_get(vj, "reasons"));
    }
    if (best >= 0) {
        char q[48], l[48];
        report_metric_format(&s->metric, s->v[best].quality, q, sizeof(q));
        report_ms_text(s->v[best].latency_ms, l, sizeof(l));
        if (s->metric.name)
            snprintf(msg, sizeof(msg), "%s: %s %s, latency %s; %d of %d variants within the "
                     "budget", s->v[best].label, s->metric.name, q, l, n_eligible, s->n);
        else
            snprintf(msg, sizeof(msg), "%s: latency %s; %d of %d variants within the budget",
                     s->v[best].label, l, n_eligible, s->n);
    } else {
        snprintf(msg, sizeof(msg), "no variant meets the budget (%d variants)", s->n);
    }
    doc = json_pack("{s:o, s:b, s:o, s:o, s:s, s:o}", "metric",
                    s->metric.name ? json_string(s->metric.name) : json_null(),
                    "higher_is_better", s->metric.name ? s->metric.higher_is_better : 0,
                    "budget", budget_json(b), "recommended",
                    best >= 0 ? variant_json(s, &s->v[best]) : json_null(), "message", msg,
                    "variants", list);
    list = NULL;
    if (!doc)
        goto oom;
    *out = doc;
    goto cleanup;
oom:
    st = hb_fail(HB_ERR_MEM, "recommend: out of memory");
cleanup:
    json_decref(list);
    free(eligible);
    return st;
}
