/*
 * cmd_report.c: `hilbench report` and `hilbench recommend`, and what they
 * share with `compare`: loading runs by reference, number options.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "report/report.h"
#include "store/store.h"

#define BUDGET_OPTIONS                                                                       \
    {"metric", "NAME", "score to rank by (default: see docs/report.md)", 0, 0},              \
    {"max-latency-ms", "X", "budget: median latency at most X ms", 0, 0},                     \
    {"max-ram-kb", "Y", "budget: arena + stack at most Y KiB", 0, 0},                         \
    {"max-flash-kb", "Z", "budget: model + firmware flash at most Z KiB", 0, 0},              \
    {"min-accuracy", "A", "budget: quality at least A (% or dB)", 0, 0}

const cli_option cli_opts_report[] = {
    {"out", "DIR", "output folder (default results/report-<run id>)", 0, 'o'},
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0, 0},
    BUDGET_OPTIONS,
    {0},
};

const cli_option cli_opts_recommend[] = {
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0, 0},
    BUDGET_OPTIONS,
    {"json", NULL, "print JSON (docs/schema.md)", 0, 0},
    {0},
};

hb_status cli_double(const cli_args *a, const char *name, double min, double *out)
{
    const char *s = cli_get(a, name);
    char *end;
    *out = NAN;
    if (!s)
        return HB_OK;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v) || v < min)
        return hb_fail(HB_ERR_ARG, "--%s: '%s' is not a number >= %g", name, s, min);
    *out = v;
    return HB_OK;
}

/* "latest" or "latest:BOARD": the newest run (of that board). */
static hb_status find_latest(store *db, const char *ref, int64_t *id)
{
    json_t *runs = NULL, *r;
    const char *board = ref[6] == ':' ? ref + 7 : NULL;
    size_t i;
    hb_status st;
    *id = 0;
    if ((st = store_runs_json(db, &runs)) != HB_OK)
        return st;
    json_array_foreach(runs, i, r) {
        const char *b = json_string_value(json_object_get(r, "board"));
        if (!board || (b && !strcmp(b, board))) {
            *id = json_integer_value(json_object_get(r, "id"));
            break;
        }
    }
    json_decref(runs);
    if (!*id)
        return hb_fail(HB_ERR_NOT_FOUND, "run '%s': no %s%s%s in the database", ref,
                       board ? "run on board '" : "runs", board ? board : "", board ? "'" : "");
    return HB_OK;
}

hb_status cli_open_results(const char *db_path, store **out)
{
    *out = NULL;
    /* store_open would create a missing file: a typo must not leave an
     * empty database behind, nor read as one without the run asked for. */
    if (access(db_path, F_OK) != 0)
        return hb_fail(HB_ERR_NOT_FOUND, "no results database at %s", db_path);
    return store_open(db_path, out);
}

hb_status cli_load_runs(const char *db_path, const char *refs, json_t **out)
{
    store *db = NULL;
    json_t *docs = json_array();
    char *copy = strdup(refs), *save = NULL;
    hb_status st = HB_OK;

    *out = NULL;
    if (!docs || !copy) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((st = cli_open_results(db_path, &db)) != HB_OK)
        goto cleanup;
    for (char *ref = strtok_r(copy, ",", &save); ref; ref = strtok_r(NULL, ",", &save)) {
        int64_t id;
        json_t *doc = NULL;
        if (!strcmp(ref, "latest") || !strncmp(ref, "latest:", 7))
            st = find_latest(db, ref, &id);
        else
            st = store_run_find(db, ref, &id);
        if (st == HB_OK)
            st = store_run_json(db, id, &doc);
        if (st != HB_OK) {
            hb_context(st, "%s", db_path);
            goto cleanup;
        }
        json_array_append_new(docs, doc);
    }
    if (json_array_size(docs) == 0)
        st = hb_fail(HB_ERR_ARG, "no run given");
cleanup:
    store_close(db);
    free(copy);
    if (st == HB_OK)
        *out = docs;
    else
        json_decref(docs);
    return st;
}

static hb_status read_budget(const cli_args *a, report_budget *b, int *given)
{
    hb_status st;
    if ((st = cli_double(a, "max-latency-ms", 0, &b->max_latency_ms)) != HB_OK ||
        (st = cli_double(a, "max-ram-kb", 0, &b->max_ram_kb)) != HB_OK ||
        (st = cli_double(a, "max-flash-kb", 0, &b->max_flash_kb)) != HB_OK ||
        (st = cli_double(a, "min-accuracy", -1e9, &b->min_quality)) != HB_OK)
        return st;
    *given = !isnan(b->max_latency_ms) || !isnan(b->max_ram_kb) || !isnan(b->max_flash_kb) ||
             !isnan(b->min_quality);
    return HB_OK;
}

static void budget_text(const report_budget *b, const char *metric, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
#define ADD(...) n += (size_t)snprintf(out + n, n < cap ? cap - n : 0, __VA_ARGS__)
    if (!isnan(b->max_latency_ms))
        ADD("%slatency <= %g ms", n ? ", " : "", b->max_latency_ms);
    if (!isnan(b->max_ram_kb))
        ADD("%sRAM <= %g KiB", n ? ", " : "", b->max_ram_kb);
    if (!isnan(b->max_flash_kb))
        ADD("%sflash <= %g KiB", n ? ", " : "", b->max_flash_kb);
    if (!isnan(b->min_quality))
        ADD("%s%s >= %g", n ? ", " : "", metric ? metric : "quality", b->min_quality);
    if (!n)
        ADD("none");
#undef ADD
}

static void print_recommendation(json_t *rec, const report_set *s, const report_budget *b)
{
    json_t *v, *r;
    size_t i, k;
    int width = 8;
    char budget[256], q[48], lat[48], ram[48], flash[48];

    budget_text(b, s->metric.name, budget, sizeof(budget));
    if (s->metric.name)
        printf("ranked by %s (%s is better), then latency, then RAM\n", s->metric.name,
               s->metric.higher_is_better ? "higher" : "lower");
    else
        printf("no scores recorded: ranked by latency, then RAM\n");
    printf("budget: %s\n\n", budget);
    json_array_foreach(json_object_get(rec, "variants"), i, v) {
        int n = (int)strlen(json_string_value(json_object_get(v, "label")));
        width = n > width ? n : width;
    }
    printf("  %-*s %12s %12s %10s %10s  %s\n", width, "variant",
           s->metric.name ? s->metric.name : "quality", "latency", "RAM", "flash", "budget");
    json_array_foreach(json_object_get(rec, "variants"), i, v) {
        json_t *ram_j = json_object_get(v, "ram_bytes"), *fl_j = json_object_get(v, "flash_bytes");
        json_t *q_j = json_object_get(v, "quality"), *l_j = json_object_get(v, "latency_ms");
        report_metric_format(&s->metric, json_is_number(q_j) ? json_number_value(q_j) : NAN, q,
                             sizeof(q));
        report_ms_text(json_is_number(l_j) ? json_number_value(l_j) : NAN, lat, sizeof(lat));
        report_bytes_text(json_is_integer(ram_j) ? json_integer_value(ram_j) : -1, ram,
                          sizeof(ram));
        report_bytes_text(json_is_integer(fl_j) ? json_integer_value(fl_j) : -1, flash,
                          sizeof(flash));
        printf("  %-*s %12s %12s %10s %10s  %s\n", width,
               json_string_value(json_object_get(v, "label")), q, lat, ram, flash,
               json_is_true(json_object_get(v, "meets_budget")) ? "meets" : "over");
    }
    printf("\n%s%s\n", json_is_object(json_object_get(rec, "recommended")) ? "recommended: "
                                                                          : "",
           json_string_value(json_object_get(rec, "message")));
    json_array_foreach(json_object_get(rec, "variants"), i, v)
        json_array_foreach(json_object_get(v, "reasons"), k, r)
            printf("  %s: %s\n", json_string_value(json_object_get(v, "label")),
                   json_string_value(r));
}

hb_status cmd_recommend(const cli_args *a)
{
    json_t *runs = NULL, *rec = NULL;
    report_set *s = NULL;
    report_budget b;
    int given;
    hb_status st;

    if ((st = read_budget(a, &b, &given)) != HB_OK ||
        (st = cli_load_runs(cli_db_path(a), a->pos[0], &runs)) != HB_OK ||
        (st = report_set_build(runs, cli_get(a, "metric"), &s)) != HB_OK ||
        (st = report_recommend(s, &b, &rec)) != HB_OK)
        goto cleanup;
    if (cli_flag(a, "json")) {
        json_dumpf(rec, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        fputc('\n', stdout);
    } else {
        print_recommendation(rec, s, &b);
    }
    if (!json_is_object(json_object_get(rec, "recommended"))) {
        char budget[256];
        int failed = 0;
        for (int i = 0; i < s->n; i++)
            failed += s->v[i].failed;
        budget_text(&b, s->metric.name, budget, sizeof(budget));
        /* a run whose variants all failed has nothing to weigh against a budget */
        if (failed == s->n)
            st = hb_fail(HB_ERR_CHECK, "recommend: no variant finished (%d failed: see "
                         "hilbench show)", failed);
        else
            st = hb_fail(HB_ERR_CHECK, "recommend: no variant meets the budget (%s)", budget);
    }
cleanup:
    json_decref(rec);
    report_set_free(s);
    json_decref(runs);
    return st;
}

hb_status cmd_report(const cli_args *a)
{
    json_t *runs = NULL, *doc;
    report_set *s = NULL;
    report_budget b;
    int given;
    char out[4096];
    size_t i;
    hb_status st;

    if ((st = read_budget(a, &b, &given)) != HB_OK ||
        (st = cli_load_runs(cli_db_path(a), a->pos[0], &runs)) != HB_OK ||
        (st = report_set_build(runs, cli_get(a, "metric"), &s)) != HB_OK)
        goto cleanup;
    if (cli_get(a, "out")) {
        snprintf(out, sizeof(out), "%s", cli_get(a, "out"));
    } else {
        size_t n = (size_t)snprintf(out, sizeof(out), "results/report");
        json_array_foreach(runs, i, doc)
            if (n < sizeof(out))
                n += (size_t)snprintf(out + n, sizeof(out) - n, "-%lld",
                                      (long long)json_integer_value(json_object_get(
                                          json_object_get(doc, "run"), "id")));
    }
    report_options o = {out, given ? &b : NULL};
    if ((st = report_write(s, &o)) != HB_OK)
        goto cleanup;
    printf("report written to %s/report.html and %s/report.md\n", out, out);
cleanup:
    report_set_free(s);
    json_decref(runs);
    return st;
}
