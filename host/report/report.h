/*
 * report.h: what the recorded runs say about which variant to ship: charts
 * (gnuplot) with an HTML and a Markdown page, the recommendation for a
 * budget, and the comparison of two sets of runs for a regression gate
 * (with its JUnit file). docs/report.md describes the outputs.
 *
 * Namespace: report_ / REPORT_.
 *
 * Input: run documents as returned by store_run_json() (docs/schema.md).
 * Every field may be absent or null (older schema versions, a run that
 * died half-way); a missing value is "unknown", never zero.
 *
 * Ownership: report_set_build() keeps a reference to the runs array and
 * borrows strings from it; report_set_free() drops both (accepts NULL).
 * json_t results belong to the caller (json_decref). Nothing here prints:
 * human text comes back as strings inside the JSON results.
 *
 * Only report_plot.c writes gnuplot: it runs `gnuplot` through popen() with
 * the script on its stdin and every string as an escaped single-quoted
 * literal (report_gp_quote), never on a shell command line.
 */
#ifndef REPORT_H
#define REPORT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../util/hb_error.h"

/* The score that ranks variants ("quality"). */
typedef struct {
    const char *name;     /* "accuracy", "mae", ... (docs/suites.md); NULL: none */
    int higher_is_better; /* 1 for accuracy, auc, agreement, snr_db, cosine */
    int percent;          /* a fraction in [0, 1], shown and compared in percent */
    const char *unit;     /* "%", " dB" or "" (appended to shown values) */
} report_metric;

/* One variant of one run. Bytes are -1 and times NAN when unknown. */
typedef struct {
    json_t *run;              /* the "run" object (borrowed) */
    json_t *json;             /* the variant object (borrowed) */
    int64_t run_id;
    const char *board;        /* borrowed; "?" when absent */
    const char *recipe;       /* borrowed; "?" when absent */
    const char *model_sha256; /* borrowed; "" when absent */
    const char *status;       /* "running", "ok", "failed" (schema 3); NULL if absent */
    const char *error;        /* why it failed (a note when ok); NULL if absent */
    int failed;               /* status says it failed: its figures are partial */
    char *label;              /* recipe, or "recipe @ board" with several boards,
                               * with " [STATUS]" when it failed */
    double counter_hz;        /* ticks per second of the run, NAN if unknown */
    double latency_ms;        /* lower median over the vectors */
    double quality;           /* the set's metric as stored (a fraction for %) */
    int64_t arena_bytes, stack_bytes, model_bytes;
    int64_t fw_flash_bytes, fw_ram_bytes;
    int64_t ram_bytes;        /* arena + stack */
    int64_t flash_bytes;      /* model + firmware flash (model alone if unknown) */
    int is_reference;         /* the run's reference variant */
    int pareto;               /* not dominated on (latency, quality) or, without
                               * a metric, on (latency, RAM) */
    int mlperf;               /* ran on an MLPerf Tiny firmware (run protocol
                               * "mlperf-tiny"): whole inferences timed by its
                               * own stamps, no layer timings, no memory */
    const char *firmware_model; /* borrowed; what such a firmware said it runs,
                                 * or NULL */
} report_variant;

typedef struct {
    json_t *runs;             /* array of run documents (a reference held) */
    int n_runs, n_boards;
    report_metric metric;
    int n;                    /* variants, in run then variant order */
    report_variant *v;
} report_set;

/* Builds the figures of every variant of runs (a JSON array of
 * store_run_json documents, at least one). metric: a score name to rank
 * by, or NULL to take the first score some variant has among accuracy,
 * auc, mae, top1_agreement, snr_db. HB_ERR_ARG for an unknown metric name
 * or an empty array. *out is NULL on failure. */
hb_status report_set_build(json_t *runs, const char *metric, report_set **out);
void report_set_free(report_set *s);

/* Looks a metric up by name; NULL if hilbench does not know it. */
const report_metric *report_metric_find(const char *name);
/* A metric value as shown: "93.0%", "39.3 dB", "0.0119"; "-" for NAN. */
void report_metric_format(const report_metric *m, double value, char *buf, size_t cap);
/* The value in the unit shown and compared (percent for fractions). */
double report_metric_shown(const report_metric *m, double value);

/* Texts for people: "1.8 KiB", "512 B", "-" when bytes < 0; "4.84 ms",
 * "12.3 us", "-" for NAN. */
void report_bytes_text(long long bytes, char *buf, size_t cap);
void report_ms_text(double ms, char *buf, size_t cap);

/* A budget. Each limit is NAN when not given. KB are KiB (1024 bytes).
 * RAM is arena + stack high-water; flash is the model's bytes plus the
 * firmware's flash when recorded. min_quality is in the metric's shown
 * unit (percent for accuracy). */
typedef struct {
    double max_latency_ms, max_ram_kb, max_flash_kb, min_quality;
} report_budget;

/* Picks the best variant that meets the budget: the best quality (by the
 * metric's direction), then the lower latency, then the lower RAM. Gives
 * the documented JSON (docs/schema.md, "hilbench recommend --json"); its
 * "recommended" is null when nothing meets the budget, which is not an
 * error here. HB_ERR_ARG when a quality minimum is given but the metric
 * is lower-is-better or absent. *out is NULL on failure. */
hb_status report_recommend(const report_set *s, const report_budget *b, json_t **out);

/* Tolerances of the gate: latency and memory in percent of the base,
 * quality in the metric's shown unit (points of percent, dB, ...). */
typedef struct {
    double latency_pct, quality_pts, memory_pct;
} report_tolerance;

/* Compares each variant of cur with base's, matched by board + recipe +
 * model sha256, else by board + recipe (the model changed: said in the row).
 * cur's metric is used for both. Gives the documented JSON
 * (docs/schema.md, "hilbench compare --json") with "regressions", the
 * count of checks beyond tolerance. *out is NULL on failure. */
hb_status report_compare(const report_set *base, const report_set *cur,
                         const report_tolerance *t, json_t **out);

/* Writes the JUnit XML of a report_compare() result: one test case per
 * variant and metric, a failure (with both values) per regression, a
 * skipped case where a value is unknown. */
hb_status report_junit_write(const json_t *comparison, const char *path);

/* The charts; file stems under the output folder (.png and .svg). */
typedef enum {
    REPORT_CHART_QUALITY,   /* quality against latency, size = RAM, Pareto front */
    REPORT_CHART_LAYERS,    /* per-layer latency, grouped bars per variant */
    REPORT_CHART_MEMORY,    /* model, arena, stack, firmware flash/RAM per variant */
    REPORT_CHART_LATENCY,   /* distribution of every repeat's latency per variant */
    REPORT_CHART_LAYER_SNR, /* per-layer SNR against the reference */
    REPORT_N_CHARTS
} report_chart_kind;

typedef struct {
    const char *stem;       /* "quality_latency", ...: static */
    const char *title;      /* static */
    int drawn;              /* 1 when the .png and .svg were written */
    char note[160];         /* why it was not drawn, or what it shows instead */
} report_chart;

/* Draws every chart that has data into dir (which must exist) as PNG
 * (pngcairo, or png when cairo is missing) and SVG, with one gnuplot
 * process. HB_ERR_NOT_FOUND if gnuplot is not installed, HB_ERR_FAIL with
 * gnuplot's first error line if it fails, HB_ERR_ARG for a dir with a
 * control character. */
hb_status report_plot(const report_set *s, const char *dir,
                      report_chart charts[REPORT_N_CHARTS]);

typedef struct {
    const char *out_dir;           /* created if missing */
    const report_budget *budget;   /* NULL: no recommendation section */
} report_options;

/* Draws the charts and writes out_dir/report.html (self-contained: PNGs as
 * data URIs) and out_dir/report.md (relative links to the PNGs). */
hb_status report_write(const report_set *s, const report_options *o);

/* Appends s to buf as a gnuplot single-quoted string: quotes doubled,
 * control characters (newlines included) dropped. buf is always
 * terminated; returns the length s needed (like snprintf). */
size_t report_gp_quote(const char *s, char *buf, size_t cap);

#endif
