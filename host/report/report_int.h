/*
 * report_int.h: shared by the files of host/report: a growing text buffer
 * and the escapes of each output language.
 *
 * Namespace: report_.
 *
 * A buffer that failed to grow stays failed (ok == 0) and ignores further
 * appends, so writers append freely and check once at the end.
 */
#ifndef REPORT_INT_H
#define REPORT_INT_H

#include <stddef.h>

#include "report.h"

typedef struct {
    char *data; /* NUL-terminated when len > 0 */
    size_t len, cap;
    int ok;     /* 0 after a failed allocation */
} report_buf;

void report_buf_init(report_buf *b);
void report_buf_free(report_buf *b);
void report_buf_put(report_buf *b, const char *s, size_t n);
/* Appends a string literal. */
#define report_buf_lit(b, lit) report_buf_put((b), (lit), sizeof(lit) - 1)
void report_buf_printf(report_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Escaped appends. Each drops control characters that the language cannot
 * hold (XML 1.0 refuses most of them outright). */
void report_buf_gp(report_buf *b, const char *s);   /* 'gnuplot string' */
void report_buf_html(report_buf *b, const char *s); /* & < > " ' as entities */
void report_buf_md(report_buf *b, const char *s);   /* Markdown table cell text */
void report_buf_base64(report_buf *b, const void *data, size_t n);

/* The stems and titles of the charts, in report_chart_kind order. */
extern const char *const report_chart_stems[REPORT_N_CHARTS];
extern const char *const report_chart_titles[REPORT_N_CHARTS];

/* The columns of the variant tables (after the variant's label). */
#define REPORT_N_COLS 9
/* Headers; the first is the metric's name (or "quality"). */
void report_col_headers(const report_set *s, const char *out[REPORT_N_COLS]);
/* One variant's cells, plain text. */
void report_variant_cells(const report_set *s, const report_variant *v,
                          char cells[REPORT_N_COLS][48]);
/* The sentence that says which variants ran on an MLPerf Tiny firmware
 * (and what that leaves out) into buf; 0 (buf empty) when none did. */
int report_mlperf_note(const report_set *s, char *buf, size_t cap);
/* A JSON scalar as text: strings as they are, numbers, "-" for null. */
void report_json_text(json_t *x, char *buf, size_t cap);

/* The run fields shown as provenance, in order. */
extern const char *const report_run_keys[];
extern const int report_n_run_keys;

/* Context of one report: when and where it was made. */
typedef struct {
    char date[32];       /* UTC, ISO-8601 */
    char host[256];
    const char *version; /* hilbench that made the report */
} report_made;

hb_status report_html_write(const report_set *s, const report_chart *charts,
                            const json_t *recommendation, const report_made *made,
                            const char *dir);
hb_status report_md_write(const report_set *s, const report_chart *charts,
                          const json_t *recommendation, const report_made *made,
                          const char *dir);

/* Latency of one value in ticks, in microseconds (NAN if hz unknown). */
double report_ticks_us(const report_variant *v, double ticks);

#endif
