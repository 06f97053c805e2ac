/*
 * cmd_runs.c: `hilbench runs`, `hilbench show`, and the run summary tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "store/store.h"

const cli_option cli_opts_runs[] = {
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0, 0},
    {"json", NULL, "print JSON (docs/schema.md)", 0, 0},
    {0},
};

const cli_option cli_opts_show[] = {
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0, 0},
    {"json", NULL, "print JSON (docs/schema.md)", 0, 0},
    {0},
};

static const char *str(json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "-";
}

static long long num(json_t *o, const char *k)
{
    return (long long)json_number_value(json_object_get(o, k));
}

static void human_bytes(long long b, char *out, size_t cap)
{
    if (b < 10240)
        snprintf(out, cap, "%lld B", b);
    else
        snprintf(out, cap, "%.1f KiB", (double)b / 1024.0);
}

/* The score columns of the summary, in order; a column shows when some
 * variant has that score. */
static const struct {
    const char *metric, *header, *fmt;
} score_columns[] = {
    {"accuracy", "accuracy", "%10.4f"},
    {"auc", "auc", "%10.4f"},
    {"mae", "mae", "%10.4g"},
    {"top1_agreement", "agree", "%10.4f"},
    {"rmse", "rmse", "%10.4g"},
    {"snr_db", "snr dB", "%10.1f"},
    {"cosine", "cosine", "%10.6f"},
    {"max_abs_error", "max err", "%10.4g"},
};
#define N_SCORE_COLUMNS (sizeof(score_columns) / sizeof(score_columns[0]))

/* At most this many vectors per variant are listed. */
#define SHOWN_VECTORS 16

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

/* Lower median of the variant's per-vector cycles, -1 if none. */
static long long median_cycles(json_t *v)
{
    json_t *infs = json_object_get(v, "inferences"), *inf;
    size_t n = json_array_size(infs), k;
    long long *c = n ? malloc(n * sizeof(*c)) : NULL, m;
    if (!c)
        return -1;
    json_array_foreach(infs, k, inf)
        c[k] = num(inf, "cycles");
    qsort(c, n, sizeof(*c), cmp_ll);
    m = c[(n - 1) / 2];
    free(c);
    return m;
}

static void print_scores(FILE *f, json_t *run, json_t *variants)
{
    int shown[N_SCORE_COLUMNS] = {0}, any = 0, width = 8;
    size_t i, c;
    json_t *v;

    json_array_foreach(variants, i, v) {
        int n = (int)strlen(str(v, "recipe"));
        width = n > width ? n : width;
    }
    json_array_foreach(variants, i, v)
        for (c = 0; c < N_SCORE_COLUMNS; c++)
            if (json_object_get(json_object_get(v, "scores"), score_columns[c].metric))
                any = shown[c] = 1;
    fprintf(f, "\n%s", any ? "scores" : "variants");
    if (any && json_string_value(json_object_get(run, "reference")))
        fprintf(f, " (fidelity against %s)", str(run, "reference"));
    fprintf(f, "\n  %-*s", width, "variant");
    for (c = 0; c < N_SCORE_COLUMNS; c++)
        if (shown[c])
            fprintf(f, " %10s", score_columns[c].header);
    fprintf(f, " %12s %10s %10s\n", str(run, "timing_unit"), "blob", "arena");
    json_array_foreach(variants, i, v) {
        json_t *scores = json_object_get(v, "scores");
        char blob[32], arena[32];
        human_bytes(num(v, "blob_bytes"), blob, sizeof(blob));
        human_bytes(num(v, "arena_bytes"), arena, sizeof(arena));
        if (!json_is_number(json_object_get(v, "arena_bytes")))
            snprintf(arena, sizeof(arena), "-"); /* the variant did not finish */
        fprintf(f, "  %-*s", width, str(v, "recipe"));
        for (c = 0; c < N_SCORE_COLUMNS; c++) {
            json_t *val = json_object_get(scores, score_columns[c].metric);
            if (!shown[c])
                continue;
            fputc(' ', f);
            if (json_is_number(val))
                fprintf(f, score_columns[c].fmt, json_number_value(val));
            else
                fprintf(f, "%10s", "-");
        }
        long long cycles = median_cycles(v);
        char count[32] = "-"; /* no vector finished */
        if (cycles >= 0)
            snprintf(count, sizeof(count), "%lld", cycles);
        fprintf(f, " %12s %10s %10s\n", count, blob, arena);
    }
}

void cli_print_run(FILE *f, json_t *doc)
{
    json_t *run = json_object_get(doc, "run"), *variants = json_object_get(doc, "variants");
    const char *unit = str(run, "timing_unit");
    size_t i;
    json_t *v;

    fprintf(f, "run %lld  %s  board %s  status %s  started %s\n", num(run, "id"),
            str(run, "uuid"), str(run, "board"), str(run, "status"), str(run, "started"));
    if (json_string_value(json_object_get(run, "suite")))
        fprintf(f, "suite %s\n", str(run, "suite"));
    if (json_string_value(json_object_get(run, "dataset")))
        fprintf(f, "dataset %s%s%s\n", str(run, "dataset"),
                json_string_value(json_object_get(run, "task")) ? ", task " : "",
                json_string_value(json_object_get(run, "task")) ? str(run, "task") : "");
    if (json_string_value(json_object_get(run, "error")))
        fprintf(f, "error: %s\n", str(run, "error"));
    json_array_foreach(variants, i, v) {
        char arena[32], stack[32], blob[32];
        human_bytes(num(v, "arena_bytes"), arena, sizeof(arena));
        human_bytes(num(v, "stack_bytes"), stack, sizeof(stack));
        human_bytes(num(v, "blob_bytes"), blob, sizeof(blob));
        fprintf(f, "\nvariant %s  model %s\n", str(v, "recipe"), str(v, "model_file"));
        if (!strcmp(str(run, "protocol"), "mlperf-tiny"))
            fprintf(f, "  MLPerf Tiny firmware running %s: no memory figures, no per-layer "
                    "timings\n", json_string_value(json_object_get(v, "firmware_model"))
                                     ? str(v, "firmware_model") : "an unnamed model");
        else
            fprintf(f, "  model blob %s, arena %s, stack high-water %s\n", blob, arena, stack);
        json_t *infs = json_object_get(v, "inferences"), *inf;
        size_t k, n_infs = json_array_size(infs);
        fprintf(f, "  %-20s %14s %12s  %s\n", "vector", unit, "latency us", "output");
        json_array_foreach(infs, k, inf) {
            const char *hex = str(inf, "output_hex");
            if (k == SHOWN_VECTORS) {
                fprintf(f, "  ... %zu more (hilbench show %lld)\n", n_infs - k, num(run, "id"));
                break;
            }
            fprintf(f, "  %-20s %14lld %12.3f  %.24s%s\n", str(inf, "vector"), num(inf, "cycles"),
                    json_number_value(json_object_get(inf, "latency_us")), hex,
                    strlen(hex) > 24 ? "..." : "");
        }
        json_t *layers = json_object_get(v, "layers"), *l;
        if (json_array_size(layers) == 0)
            continue;
        fprintf(f, "  %-6s %-20s %12s %14s %8s\n", "layer", "op", "MACs", unit, "snr dB");
        json_array_foreach(layers, k, l) {
            json_t *c = json_object_get(l, "cycles_median"), *snr = json_object_get(l, "snr_db");
            char cyc[32] = "-", db[32] = "-";
            if (json_is_number(c))
                snprintf(cyc, sizeof(cyc), "%lld", (long long)json_number_value(c));
            if (json_is_number(snr))
                snprintf(db, sizeof(db), "%.1f", json_number_value(snr));
            fprintf(f, "  %-6lld %-20s %12lld %14s %8s\n", num(l, "index"), str(l, "op"),
                    num(l, "macs"), cyc, db);
        }
    }
    if (json_array_size(variants) > 0)
        print_scores(f, run, variants);
}

hb_status cmd_runs(const cli_args *a)
{
    store *db = NULL;
    json_t *runs = NULL, *r;
    size_t i;
    hb_status st;

    /* no database is no run recorded; listing them creates none */
    if (access(cli_db_path(a), F_OK) != 0) {
        if (!(runs = json_array())) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
    } else if ((st = store_open(cli_db_path(a), &db)) != HB_OK ||
               (st = store_runs_json(db, &runs)) != HB_OK) {
        goto cleanup;
    }
    if (cli_flag(a, "json")) {
        json_dumpf(runs, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        fputc('\n', stdout);
        goto cleanup;
    }
    printf("%-5s %-10s %-21s %-14s %-12s %s\n", "RUN", "UUID", "STARTED", "BOARD", "STATUS",
           "VARIANTS");
    json_array_foreach(runs, i, r)
        printf("%-5lld %-10.8s %-21s %-14s %-12s %lld\n", num(r, "id"), str(r, "uuid"),
               str(r, "started"), str(r, "board"), str(r, "status"), num(r, "variants"));
cleanup:
    json_decref(runs);
    store_close(db);
    return st;
}

hb_status cmd_show(const cli_args *a)
{
    store *db = NULL;
    json_t *run = NULL;
    int64_t id;
    hb_status st;

    if ((st = cli_open_results(cli_db_path(a), &db)) != HB_OK ||
        (st = store_run_find(db, a->pos[0], &id)) != HB_OK ||
        (st = store_run_json(db, id, &run)) != HB_OK)
        goto cleanup;
    if (cli_flag(a, "json")) {
        json_dumpf(run, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(12));
        fputc('\n', stdout);
    } else {
        cli_print_run(stdout, run);
    }
cleanup:
    json_decref(run);
    store_close(db);
    return st;
}
