/*
 * report.c: one report: the folder, the charts, the recommendation when a
 * budget is given, the HTML and Markdown pages; and the table cells both
 * pages share, so they never disagree.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../util/hb_file.h"
#include "hb_version.h"
#include "report_int.h"

const char *const report_run_keys[] = {
    "id", "uuid", "board", "status", "error", "started", "finished", "host",
    "hilbench_version", "firmware_sha256", "command", "suite", "dataset", "task", "reference",
    "timing_unit", "counter_hz", "repeat", "warmup", "protocol", "mlperf_rules"};
const int report_n_run_keys = (int)(sizeof(report_run_keys) / sizeof(report_run_keys[0]));

int report_mlperf_note(const report_set *s, char *buf, size_t cap)
{
    size_t used = 0;
    int n = 0;
    buf[0] = '\0';
    for (int i = 0; i < s->n && used < cap; i++) {
        const report_variant *v = &s->v[i];
        if (!v->mlperf)
            continue;
        int k = snprintf(buf + used, cap - used, "%s%s%s%s%s", n++ ? ", " : "", v->label,
                         v->firmware_model ? " (firmware model " : "",
                         v->firmware_model ? v->firmware_model : "",
                         v->firmware_model ? ")" : "");
        used = k < 0 ? cap : used + (size_t)k;
    }
    if (!n)
        return 0;
    char list[1024];
    snprintf(list, sizeof(list), "%s", buf);
    snprintf(buf, cap, "Ran on an MLPerf Tiny firmware, which times whole inferences with its "
             "own microsecond stamps and reports no per-layer timings and no memory: %s.",
             list);
    return 1;
}

void report_col_headers(const report_set *s, const char *out[REPORT_N_COLS])
{
    static const char *const rest[REPORT_N_COLS - 1] = {
        "latency (median)", "RAM (arena + stack)", "flash (model + firmware)", "arena",
        "stack high-water", "model", "firmware RAM", "Pareto front"};
    out[0] = s->metric.name ? s->metric.name : "quality";
    for (int i = 1; i < REPORT_N_COLS; i++)
        out[i] = rest[i - 1];
}

void report_variant_cells(const report_set *s, const report_variant *v,
                          char cells[REPORT_N_COLS][48])
{
    report_metric_format(&s->metric, v->quality, cells[0], 48);
    if (v->is_reference && s->metric.name)
        strncat(cells[0], " (reference)", 47 - strlen(cells[0]));
    report_ms_text(v->latency_ms, cells[1], 48);
    report_bytes_text(v->ram_bytes, cells[2], 48);
    report_bytes_text(v->flash_bytes, cells[3], 48);
    report_bytes_text(v->arena_bytes, cells[4], 48);
    report_bytes_text(v->stack_bytes, cells[5], 48);
    report_bytes_text(v->model_bytes, cells[6], 48);
    report_bytes_text(v->fw_ram_bytes, cells[7], 48);
    snprintf(cells[8], 48, "%s", v->pareto ? "yes" : "");
}

void report_json_text(json_t *x, char *buf, size_t cap)
{
    if (json_is_string(x))
        snprintf(buf, cap, "%s", json_string_value(x));
    else if (json_is_integer(x))
        snprintf(buf, cap, "%lld", (long long)json_integer_value(x));
    else if (json_is_real(x))
        snprintf(buf, cap, "%.12g", json_real_value(x));
    else if (json_is_boolean(x))
        snprintf(buf, cap, "%s", json_is_true(x) ? "true" : "false");
    else
        snprintf(buf, cap, "-");
}

hb_status report_write(const report_set *s, const report_options *o)
{
    report_chart charts[REPORT_N_CHARTS];
    report_made made = {.version = HB_VERSION};
    json_t *rec = NULL;
    time_t now = time(NULL);
    struct tm tm;
    hb_status st;

    if (!o->out_dir || !o->out_dir[0])
        return hb_fail(HB_ERR_ARG, "report: no output folder");
    gmtime_r(&now, &tm);
    strftime(made.date, sizeof(made.date), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(made.host, sizeof(made.host) - 1) != 0)
        snprintf(made.host, sizeof(made.host), "unknown");
    if (o->budget && (st = report_recommend(s, o->budget, &rec)) != HB_OK)
        return st;
    /* hb_mkdirs names the folder itself */
    if ((st = hb_mkdirs(o->out_dir)) == HB_OK &&
        ((st = report_plot(s, o->out_dir, charts)) != HB_OK ||
         (st = report_html_write(s, charts, rec, &made, o->out_dir)) != HB_OK ||
         (st = report_md_write(s, charts, rec, &made, o->out_dir)) != HB_OK))
        hb_context(st, "report %s", o->out_dir);
    json_decref(rec);
    return st;
}
