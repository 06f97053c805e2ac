/*
 * report_html.c: report.html, one self-contained page: the charts as PNG
 * data URIs, the tables, the provenance. Every text that came from a run
 * goes through report_buf_html(), numbers included, so a name can never
 * become markup.
 *
 * The page's own script marks <body data-charts="loaded N/N"> once every
 * chart image has loaded with a non-zero size ("broken K/N" otherwise), so
 * a headless browser can check the page as a person would see it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hb_file.h"
#include "report_int.h"

static const char style[] =
    "body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222}"
    "table{border-collapse:collapse;margin:1em 0}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f2f2f2}td.n{text-align:right}"
    "figure{margin:1.5em 0}figure img{max-width:100%;height:auto;border:1px solid #ddd}"
    ".ok{color:#060}.bad{color:#a00}code{font-size:90%}";

static const char script[] =
    "(function(){\n"
    "  function check(){\n"
    "    var imgs=document.images,ok=0,i;\n"
    "    for(i=0;i<imgs.length;i++)\n"
    "      if(imgs[i].complete&&imgs[i].naturalWidth>0&&imgs[i].naturalHeight>0)ok++;\n"
    "    document.body.setAttribute('data-charts',\n"
    "      (ok===imgs.length?'loaded ':'broken ')+ok+'/'+imgs.length);\n"
    "  }\n"
    "  if(document.readyState==='complete')check();\n"
    "  else window.addEventListener('load',check);\n"
    "})();\n";

static void cell(report_buf *b, const char *tag, const char *cls, const char *text)
{
    report_buf_printf(b, "<%s%s%s%s>", tag, cls ? " class=\"" : "", cls ? cls : "",
                      cls ? "\"" : "");
    report_buf_html(b, text);
    report_buf_printf(b, "</%s>", tag);
}

static void provenance(const report_set *s, const report_made *made, report_buf *b)
{
    size_t i, k;
    json_t *doc, *v;
    char text[4096];

    report_buf_lit(b, "<h2>Provenance</h2>\n<table>\n<tr><th>field</th>");
    json_array_foreach(s->runs, i, doc) {
        snprintf(text, sizeof(text), "run %lld",
                 (long long)json_integer_value(json_object_get(json_object_get(doc, "run"),
                                                               "id")));
        cell(b, "th", NULL, text);
    }
    report_buf_lit(b, "</tr>\n");
    for (int r = 0; r < report_n_run_keys; r++) {
        report_buf_lit(b, "<tr>");
        cell(b, "th", NULL, report_run_keys[r]);
        json_array_foreach(s->runs, i, doc) {
            report_json_text(json_object_get(json_object_get(doc, "run"), report_run_keys[r]),
                             text, sizeof(text));
            cell(b, "td", NULL, text);
        }
        report_buf_lit(b, "</tr>\n");
    }
    report_buf_lit(b, "</table>\n<h3>Models</h3>\n<table>\n"
                      "<tr><th>run</th><th>variant</th><th>model file</th>"
                      "<th>model sha256</th></tr>\n");
    json_array_foreach(s->runs, i, doc) {
        json_t *run = json_object_get(doc, "run");
        json_array_foreach(json_object_get(doc, "variants"), k, v) {
            report_buf_lit(b, "<tr>");
            report_json_text(json_object_get(run, "id"), text, sizeof(text));
            cell(b, "td", NULL, text);
            report_json_text(json_object_get(v, "recipe"), text, sizeof(text));
            cell(b, "td", NULL, text);
            report_json_text(json_object_get(v, "model_file"), text, sizeof(text));
            cell(b, "td", NULL, text);
            report_json_text(json_object_get(v, "model_sha256"), text, sizeof(text));
            report_buf_lit(b, "<td><code>");
            report_buf_html(b, text);
            report_buf_lit(b, "</code></td></tr>\n");
        }
    }
    /* Runs before schema version 5, and boards without a firmware image,
     * have no firmware hash: the table above shows "-" for them. */
    report_buf_lit(b, "</table>\n<p>firmware_sha256: SHA-256 of the firmware image the board "
                      "ran (\"-\" when the run did not record one).</p>\n<p>Report made ");
    report_buf_html(b, made->date);
    report_buf_lit(b, " on ");
    report_buf_html(b, made->host);
    report_buf_lit(b, " by hilbench ");
    report_buf_html(b, made->version);
    report_buf_lit(b, ".</p>\n");
}

static void variants_table(const report_set *s, report_buf *b)
{
    const char *head[REPORT_N_COLS];
    char cells[REPORT_N_COLS][48];
    report_col_headers(s, head);
    report_buf_lit(b, "<h2>Variants</h2>\n<table>\n<tr><th>variant</th>");
    for (int c = 0; c < REPORT_N_COLS; c++)
        cell(b, "th", NULL, head[c]);
    report_buf_lit(b, "</tr>\n");
    for (int i = 0; i < s->n; i++) {
        report_variant_cells(s, &s->v[i], cells);
        report_buf_lit(b, "<tr>");
        cell(b, "td", NULL, s->v[i].label);
        for (int c = 0; c < REPORT_N_COLS; c++)
            cell(b, "td", c < REPORT_N_COLS - 1 ? "n" : NULL, cells[c]);
        report_buf_lit(b, "</tr>\n");
    }
    report_buf_lit(b, "</table>\n<p>Latency is the median over the vectors; RAM is the tensor "
                      "arena plus the stack high-water mark; flash is the model plus the "
                      "firmware image when its size is recorded. Pareto front: no other "
                      "variant is both faster and ");
    report_buf_lit(b, s->metric.name ? "better." : "smaller in RAM.");
    report_buf_lit(b, "</p>\n");
    char note[1400];
    if (report_mlperf_note(s, note, sizeof(note))) {
        report_buf_lit(b, "<p>");
        report_buf_html(b, note);
        report_buf_lit(b, "</p>\n");
    }
}

static void recommendation(const json_t *rec, report_buf *b)
{
    size_t i, k;
    json_t *v, *r, *budget = json_object_get(rec, "budget");
    char text[512];
    const char *const limits[][2] = {{"max_latency_ms", "latency at most %g ms"},
                                     {"max_ram_kb", "RAM at most %g KiB"},
                                     {"max_flash_kb", "flash at most %g KiB"},
                                     {"min_quality", "quality at least %g"}};
    int found = json_is_object(json_object_get(rec, "recommended"));

    report_buf_lit(b, "<h2>Recommendation</h2>\n<p>Budget: ");
    for (int l = 0, first = 1; l < 4; l++) {
        json_t *x = json_object_get(budget, limits[l][0]);
        if (!json_is_number(x))
            continue;
        const char *metric = json_string_value(json_object_get(rec, "metric"));
        if (l == 3 && metric)
            snprintf(text, sizeof(text), "%s at least %g", metric, json_number_value(x));
        else
            snprintf(text, sizeof(text), limits[l][1], json_number_value(x));
        report_buf_printf(b, "%s", first ? "" : ", ");
        report_buf_html(b, text);
        first = 0;
    }
    report_buf_printf(b, ".</p>\n<p class=\"%s\"><strong>", found ? "ok" : "bad");
    report_buf_html(b, json_string_value(json_object_get(rec, "message")));
    report_buf_lit(b, "</strong></p>\n<table>\n<tr><th>variant</th><th>verdict</th></tr>\n");
    json_array_foreach(json_object_get(rec, "variants"), i, v) {
        report_buf_lit(b, "<tr>");
        cell(b, "td", NULL, json_string_value(json_object_get(v, "label")));
        report_buf_lit(b, "<td>");
        if (json_is_true(json_object_get(v, "recommended")))
            report_buf_lit(b, "recommended");
        json_array_foreach(json_object_get(v, "reasons"), k, r) {
            report_buf_html(b, json_string_value(r));
            report_buf_lit(b, "<br>");
        }
        report_buf_lit(b, "</td></tr>\n");
    }
    report_buf_lit(b, "</table>\n");
}

static hb_status charts_html(const report_chart *charts, const char *dir, report_buf *b)
{
    char path[4096];
    report_buf_lit(b, "<h2>Charts</h2>\n");
    for (int k = 0; k < REPORT_N_CHARTS; k++) {
        const report_chart *c = &charts[k];
        uint8_t *png = NULL;
        size_t len = 0;
        hb_status st;
        if (!c->drawn) {
            report_buf_lit(b, "<p><em>");
            report_buf_html(b, c->title);
            report_buf_lit(b, ": not drawn, ");
            report_buf_html(b, c->note);
            report_buf_lit(b, ".</em></p>\n");
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s.png", dir, c->stem);
        if ((st = hb_read_file(path, &png, &len)) != HB_OK)
            return st;
        report_buf_lit(b, "<figure><img alt=\"");
        report_buf_html(b, c->title);
        report_buf_lit(b, "\" src=\"data:image/png;base64,");
        report_buf_base64(b, png, len);
        free(png);
        report_buf_lit(b, "\">\n<figcaption>");
        report_buf_html(b, c->title);
        if (c->note[0]) {
            report_buf_lit(b, " (");
            report_buf_html(b, c->note);
            report_buf_lit(b, ")");
        }
        report_buf_printf(b, ". Vector version: <a href=\"%s.svg\">%s.svg</a>.</figcaption>"
                          "</figure>\n", c->stem, c->stem);
    }
    return HB_OK;
}

hb_status report_html_write(const report_set *s, const report_chart *charts,
                            const json_t *rec, const report_made *made, const char *dir)
{
    report_buf b;
    char title[512], path[4096];
    json_t *run0 = json_object_get(json_array_get(s->runs, 0), "run");
    hb_status st;

    report_buf_init(&b);
    snprintf(title, sizeof(title), "hilbench report: run %lld on %s%s",
             (long long)json_integer_value(json_object_get(run0, "id")),
             json_string_value(json_object_get(run0, "board"))
                 ? json_string_value(json_object_get(run0, "board")) : "?",
             s->n_runs > 1 ? " and more" : "");
    report_buf_lit(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                       "<title>");
    report_buf_html(&b, title);
    report_buf_printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>", style);
    report_buf_html(&b, title);
    report_buf_lit(&b, "</h1>\n");
    if (rec)
        recommendation(rec, &b);
    variants_table(s, &b);
    if ((st = charts_html(charts, dir, &b)) != HB_OK)
        goto cleanup;
    provenance(s, made, &b);
    report_buf_printf(&b, "<script>\n%s</script>\n</body>\n</html>\n", script);
    snprintf(path, sizeof(path), "%s/report.html", dir);
    if (!b.ok)
        st = hb_fail(HB_ERR_MEM, "report.html: out of memory");
    else
        st = hb_write_file(path, b.data, b.len);
cleanup:
    report_buf_free(&b);
    return st;
}
