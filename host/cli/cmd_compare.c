/*
 * cmd_compare.c: `hilbench compare BASE NEW`, the regression gate of a
 * nightly job: exit status 1 on a regression beyond tolerance, 0 without,
 * 2 when the comparison could not be made (bad options, no such database
 * or run), so that a CI can tell "slower" from "broken".
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "report/report.h"

const cli_option cli_opts_compare[] = {
    {"latency-tolerance", "PCT", "allowed latency increase, percent (default 5)", 0, 0},
    {"accuracy-tolerance", "PTS", "allowed quality drop, points (% or dB; default 0)", 0, 0},
    {"memory-tolerance", "PCT", "allowed memory increase, percent (default 0)", 0, 0},
    {"metric", "NAME", "score compared (default: see docs/report.md)", 0, 0},
    {"junit", "FILE", "also write the checks as JUnit XML", 0, 0},
    {"json", NULL, "print JSON (docs/schema.md)", 0, 0},
    {"db", "PATH", "database of NEW (default " CLI_DEFAULT_DB ")", 0, 0},
    {"base-db", "PATH", "database of BASE (default: the same as --db)", 0, 0},
    {0},
};

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static double num(json_t *o, const char *k)
{
    json_t *x = json_object_get(o, k);
    return json_is_number(x) ? json_number_value(x) : NAN;
}

/* A checked value as shown to people, by the kind of check. */
static void value_text(const report_metric *m, const char *check, double x, char *buf,
                       size_t cap)
{
    if (!strcmp(check, "latency_ms"))
        report_ms_text(x, buf, cap);
    else if (strstr(check, "_bytes"))
        report_bytes_text(isnan(x) ? -1 : (long long)x, buf, cap);
    else
        report_metric_format(m, x, buf, cap);
}

static void print_runs(const char *side, json_t *runs)
{
    json_t *r;
    size_t i;
    printf("%-5s", side);
    json_array_foreach(runs, i, r) {
        printf("%s run %lld (%s, %s, %s", i ? "," : "", (long long)num(r, "id"), str(r, "board"),
               str(r, "status"), str(r, "started"));
        /* The firmware's hash, shortened: a change of firmware explains a
         * change of latency or memory that the model does not. */
        if (json_string_value(json_object_get(r, "firmware_sha256")))
            printf(", firmware %.12s", str(r, "firmware_sha256"));
        printf(")");
    }
    printf("\n");
}

static void print_comparison(json_t *cmp, const report_tolerance *t)
{
    const report_metric *m = report_metric_find(json_string_value(json_object_get(cmp, "metric")));
    json_t *r, *c;
    size_t i, k;
    int wb = 5, wv = 7;

    print_runs("base:", json_object_get(cmp, "base"));
    print_runs("new:", json_object_get(cmp, "new"));
    printf("tolerance: latency %g%%, %s %g%s, memory %g%%\n\n", t->latency_pct,
           m ? m->name : "quality", t->quality_pts, m && m->percent ? " points" : "",
           t->memory_pct);
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        int nb = (int)strlen(str(r, "board")), nv = (int)strlen(str(r, "recipe"));
        wb = nb > wb ? nb : wb;
        wv = nv > wv ? nv : wv;
    }
    printf("%-*s %-*s %-7s %-20s %12s %12s %9s  %s\n", wb, "board", wv, "variant", "match",
           "check", "base", "new", "change", "status");
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        const char *match = str(r, "match");
        if (!strcmp(match, "added") || !strcmp(match, "removed")) {
            printf("%-*s %-*s %-7s %s\n", wb, str(r, "board"), wv, str(r, "recipe"), match,
                   str(r, "note"));
            continue;
        }
        if (!strcmp(match, "recipe"))
            printf("%-*s %-*s %s\n", wb, str(r, "board"), wv, str(r, "recipe"), str(r, "note"));
        json_array_foreach(json_object_get(r, "checks"), k, c) {
            char b[48], n[48], ch[32] = "";
            const char *name = str(c, "name");
            value_text(m, name, num(c, "base"), b, sizeof(b));
            value_text(m, name, num(c, "new"), n, sizeof(n));
            if (m && !strcmp(name, m->name) && !isnan(num(c, "base")) && !isnan(num(c, "new")))
                snprintf(ch, sizeof(ch), "%+.3g%s",
                         report_metric_shown(m, num(c, "new")) -
                             report_metric_shown(m, num(c, "base")),
                         m->percent ? " pt" : "");
            else if (!isnan(num(c, "change_pct")))
                snprintf(ch, sizeof(ch), "%+.1f%%", num(c, "change_pct"));
            const char *status = str(c, "status");
            printf("%-*s %-*s %-7s %-20s %12s %12s %9s  %s\n", wb, str(r, "board"), wv,
                   str(r, "recipe"), match, name, b, n, ch,
                   !strcmp(status, "regression") ? "REGRESSION" : status);
        }
    }
}

/* The first regression, for the error line. */
static void first_regression(json_t *cmp, char *out, size_t cap)
{
    json_t *r, *c;
    size_t i, k;
    snprintf(out, cap, "a run did not finish with status ok");
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        if (!strcmp(str(r, "match"), "removed")) {
            snprintf(out, cap, "%s on %s is missing from the new runs", str(r, "recipe"),
                     str(r, "board"));
            return;
        }
        json_array_foreach(json_object_get(r, "checks"), k, c)
            if (!strcmp(str(c, "status"), "regression")) {
                snprintf(out, cap, "%s on %s: %s", str(r, "recipe"), str(r, "board"),
                         str(c, "message"));
                return;
            }
    }
}

hb_status cmd_compare(const cli_args *a)
{
    json_t *base_runs = NULL, *new_runs = NULL, *cmp = NULL;
    report_set *base = NULL, *cur = NULL;
    report_tolerance t;
    const char *db = cli_db_path(a), *base_db = cli_get(a, "base-db");
    hb_status st;

    if ((st = cli_double(a, "latency-tolerance", 0, &t.latency_pct)) != HB_OK ||
        (st = cli_double(a, "accuracy-tolerance", 0, &t.quality_pts)) != HB_OK ||
        (st = cli_double(a, "memory-tolerance", 0, &t.memory_pct)) != HB_OK)
        goto cleanup;
    t.latency_pct = isnan(t.latency_pct) ? 5.0 : t.latency_pct;
    t.quality_pts = isnan(t.quality_pts) ? 0.0 : t.quality_pts;
    t.memory_pct = isnan(t.memory_pct) ? 0.0 : t.memory_pct;
    if ((st = cli_load_runs(base_db ? base_db : db, a->pos[0], &base_runs)) != HB_OK ||
        (st = cli_load_runs(db, a->pos[1], &new_runs)) != HB_OK ||
        (st = report_set_build(new_runs, cli_get(a, "metric"), &cur)) != HB_OK ||
        (st = report_set_build(base_runs, cur->metric.name, &base)) != HB_OK) {
        /* Nothing was compared: a usage error (exit status 2), never a
         * regression. */
        if (st == HB_ERR_NOT_FOUND || st == HB_ERR_FORMAT || st == HB_ERR_UNSUPPORTED)
            st = HB_ERR_ARG;
        goto cleanup;
    }
    if ((st = report_compare(base, cur, &t, &cmp)) != HB_OK)
        goto cleanup;
    if (cli_flag(a, "json")) {
        json_dumpf(cmp, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        fputc('\n', stdout);
    } else {
        print_comparison(cmp, &t);
    }
    if (cli_get(a, "junit") &&
        (st = report_junit_write(cmp, cli_get(a, "junit"))) != HB_OK)
        goto cleanup;
    long long n = (long long)json_integer_value(json_object_get(cmp, "regressions"));
    if (n > 0) {
        char first[400];
        first_regression(cmp, first, sizeof(first));
        st = hb_fail(HB_ERR_CHECK, "compare: %lld regression%s beyond tolerance; first: %s", n,
                     n == 1 ? "" : "s", first);
    } else if (!cli_flag(a, "json")) {
        printf("\nno regressions beyond tolerance\n");
    }
cleanup:
    json_decref(cmp);
    report_set_free(base);
    report_set_free(cur);
    json_decref(base_runs);
    json_decref(new_runs);
    return st;
}
