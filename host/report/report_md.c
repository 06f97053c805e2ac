/*
 * report_md.c: report.md, the same content as report.html for a code
 * review or a wiki: tables, and the charts as relative links to the PNGs
 * next to it. Texts from runs go through report_buf_md().
 */
#include <stdio.h>
#include <string.h>

#include "../util/hb_file.h"
#include "report_int.h"

static void row_end(report_buf *b)
{
    report_buf_lit(b, " |\n");
}

static void md_cell(report_buf *b, const char *text)
{
    report_buf_lit(b, " | ");
    report_buf_md(b, text);
}

static void variants(const report_set *s, report_buf *b)
{
    const char *head[REPORT_N_COLS];
    char cells[REPORT_N_COLS][48];
    report_col_headers(s, head);
    report_buf_lit(b, "## Variants\n\n| variant");
    for (int c = 0; c < REPORT_N_COLS; c++)
        md_cell(b, head[c]);
    report_buf_lit(b, " |\n|---");
    for (int c = 0; c < REPORT_N_COLS; c++)
        report_buf_lit(b, "|---");
    report_buf_lit(b, "|\n");
    for (int i = 0; i < s->n; i++) {
        report_variant_cells(s, &s->v[i], cells);
        report_buf_lit(b, "| ");
        report_buf_md(b, s->v[i].label);
        for (int c = 0; c < REPORT_N_COLS; c++)
            md_cell(b, cells[c]);
        row_end(b);
    }
    report_buf_lit(b, "\nLatency: median over the vectors. RAM: arena + stack high-water. "
                      "Flash: model + firmware image when recorded.\n\n");
    char note[1400];
    if (report_mlperf_note(s, note, sizeof(note))) {
        report_buf_md(b, note);
        report_buf_lit(b, "\n\n");
    }
}

static void recommendation(const json_t *rec, report_buf *b)
{
    size_t i, k;
    json_t *v, *r;
    report_buf_lit(b, "## Recommendation\n\n**");
    report_buf_md(b, json_string_value(json_object_get(rec, "message")));
    report_buf_lit(b, "**\n\n| variant | verdict |\n|---|---|\n");
    json_array_foreach(json_object_get(rec, "variants"), i, v) {
        report_buf_lit(b, "| ");
        report_buf_md(b, json_string_value(json_object_get(v, "label")));
        report_buf_lit(b, " | ");
        if (json_is_true(json_object_get(v, "recommended")))
            report_buf_lit(b, "recommended");
        json_array_foreach(json_object_get(v, "reasons"), k, r) {
            if (k)
                report_buf_lit(b, "; ");
            report_buf_md(b, json_string_value(r));
        }
        row_end(b);
    }
    report_buf_lit(b, "\n");
}

static void provenance(const report_set *s, const report_made *made, report_buf *b)
{
    size_t i, k;
    json_t *doc, *v;
    char text[4096];
    report_buf_lit(b, "## Provenance\n\n| field");
    json_array_foreach(s->runs, i, doc) {
        report_json_text(json_object_get(json_object_get(doc, "run"), "id"), text,
                         sizeof(text));
        report_buf_lit(b, " | run ");
        report_buf_md(b, text);
    }
    report_buf_lit(b, " |\n|---");
    for (int r = 0; r < s->n_runs; r++)
        report_buf_lit(b, "|---");
    report_buf_lit(b, "|\n");
    for (int r = 0; r < report_n_run_keys; r++) {
        report_buf_lit(b, "| ");
        report_buf_md(b, report_run_keys[r]);
        json_array_foreach(s->runs, i, doc) {
            report_json_text(json_object_get(json_object_get(doc, "run"), report_run_keys[r]),
                             text, sizeof(text));
            md_cell(b, text);
        }
        row_end(b);
    }
    report_buf_lit(b, "\n| run | variant | model file | model sha256 |\n|---|---|---|---|\n");
    json_array_foreach(s->runs, i, doc) {
        json_t *run = json_object_get(doc, "run");
        json_array_foreach(json_object_get(doc, "variants"), k, v) {
            report_json_text(json_object_get(run, "id"), text, sizeof(text));
            report_buf_lit(b, "| ");
            report_buf_md(b, text);
            report_json_text(json_object_get(v, "recipe"), text, sizeof(text));
            md_cell(b, text);
            report_json_text(json_object_get(v, "model_file"), text, sizeof(text));
            md_cell(b, text);
            report_json_text(json_object_get(v, "model_sha256"), text, sizeof(text));
            md_cell(b, text);
            row_end(b);
        }
    }
    report_buf_lit(b, "\nfirmware\\_sha256: SHA-256 of the firmware image the board ran "
                      "(\"-\" when the run did not record one).\n\nReport made ");
    report_buf_md(b, made->date);
    report_buf_lit(b, " on ");
    report_buf_md(b, made->host);
    report_buf_lit(b, " by hilbench ");
    report_buf_md(b, made->version);
    report_buf_lit(b, ".\n");
}

hb_status report_md_write(const report_set *s, const report_chart *charts,
                          const json_t *rec, const report_made *made, const char *dir)
{
    report_buf b;
    char text[512], path[4096];
    json_t *run0 = json_object_get(json_array_get(s->runs, 0), "run");

    report_buf_init(&b);
    report_json_text(json_object_get(run0, "id"), text, sizeof(text));
    report_buf_lit(&b, "# hilbench report: run ");
    report_buf_md(&b, text);
    report_buf_lit(&b, " on ");
    report_json_text(json_object_get(run0, "board"), text, sizeof(text));
    report_buf_md(&b, text);
    if (s->n_runs > 1)
        report_buf_lit(&b, " and more");
    report_buf_lit(&b, "\n\n");
    if (rec)
        recommendation(rec, &b);
    variants(s, &b);
    report_buf_lit(&b, "## Charts\n\n");
    for (int k = 0; k < REPORT_N_CHARTS; k++) {
        const report_chart *c = &charts[k];
        report_buf_printf(&b, "### %s\n\n", c->title);
        if (!c->drawn) {
            report_buf_lit(&b, "Not drawn: ");
            report_buf_md(&b, c->note);
            report_buf_lit(&b, ".\n\n");
            continue;
        }
        report_buf_printf(&b, "![%s](%s.png)\n\n", c->title, c->stem);
        if (c->note[0]) {
            report_buf_md(&b, c->note);
            report_buf_lit(&b, ". ");
        }
        report_buf_printf(&b, "Vector version: [%s.svg](%s.svg).\n\n", c->stem, c->stem);
    }
    provenance(s, made, &b);
    snprintf(path, sizeof(path), "%s/report.md", dir);
    hb_status st = b.ok ? hb_write_file(path, b.data, b.len)
                        : hb_fail(HB_ERR_MEM, "report.md: out of memory");
    report_buf_free(&b);
    return st;
}
