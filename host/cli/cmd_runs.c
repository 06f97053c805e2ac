/*
 * cmd_runs.c: `hilbench runs`, `hilbench show`, and the run summary tables.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "store/store.h"

const cli_option cli_opts_runs[] = {
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0},
    {"json", NULL, "print JSON (docs/schema.md)", 0},
    {0},
};

const cli_option cli_opts_show[] = {
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0},
    {"json", NULL, "print JSON (docs/schema.md)", 0},
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

void cli_print_run(FILE *f, json_t *doc)
{
    json_t *run = json_object_get(doc, "run"), *variants = json_object_get(doc, "variants");
    const char *unit = str(run, "timing_unit");
    size_t i;
    json_t *v;

    fprintf(f, "run %lld  %s  board %s  status %s  started %s\n", num(run, "id"),
            str(run, "uuid"), str(run, "board"), str(run, "status"), str(run, "started"));
    if (json_string_value(json_object_get(run, "error")))
        fprintf(f, "error: %s\n", str(run, "error"));
    json_array_foreach(variants, i, v) {
        char arena[32], stack[32], blob[32];
        human_bytes(num(v, "arena_bytes"), arena, sizeof(arena));
        human_bytes(num(v, "stack_bytes"), stack, sizeof(stack));
        human_bytes(num(v, "blob_bytes"), blob, sizeof(blob));
        fprintf(f, "\nvariant %s  model %s\n", str(v, "recipe"), str(v, "model_file"));
        fprintf(f, "  model blob %s, arena %s, stack high-water %s\n", blob, arena, stack);
        json_t *infs = json_object_get(v, "inferences"), *inf;
        size_t k;
        fprintf(f, "  %-20s %14s %12s  %s\n", "vector", unit, "latency us", "output");
        json_array_foreach(infs, k, inf) {
            const char *hex = str(inf, "output_hex");
            fprintf(f, "  %-20s %14lld %12.3f  %.24s%s\n", str(inf, "vector"), num(inf, "cycles"),
                    json_number_value(json_object_get(inf, "latency_us")), hex,
                    strlen(hex) > 24 ? "..." : "");
        }
        json_t *layers = json_object_get(v, "layers"), *l;
        if (json_array_size(layers) == 0)
            continue;
        fprintf(f, "  %-6s %-20s %12s %14s\n", "layer", "op", "MACs", unit);
        json_array_foreach(layers, k, l) {
            json_t *c = json_object_get(l, "cycles_median");
            char cyc[32] = "-";
            if (json_is_number(c))
                snprintf(cyc, sizeof(cyc), "%lld", (long long)json_number_value(c));
            fprintf(f, "  %-6lld %-20s %12lld %14s\n", num(l, "index"), str(l, "op"),
                    num(l, "macs"), cyc);
        }
    }
}

hb_status cmd_runs(const cli_args *a)
{
    store *db = NULL;
    json_t *runs = NULL, *r;
    size_t i;
    hb_status st;

    if ((st = store_open(cli_db_path(a), &db)) != HB_OK ||
        (st = store_runs_json(db, &runs)) != HB_OK)
        goto cleanup;
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

    if ((st = store_open(cli_db_path(a), &db)) != HB_OK ||
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
