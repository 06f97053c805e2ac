/*
 * store_merge.c: results of several bench hosts into one database.
 *
 * Each input file is attached to the output connection and copied run by
 * run inside one write transaction: either the whole file lands or none of
 * it. Local ids are per file, so every row gets new ids in the output and
 * the child rows follow their run and variant; a run's uuid is global and
 * decides what is already there, so merging a file twice adds nothing.
 */
#include "store_int.h"

#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define RUN_COLUMNS                                                             \
    "uuid, started, finished, board, host, hilbench_version, status, error,"   \
    " timing_unit, counter_hz, repeat, warmup, command, reference, dataset,"   \
    " suite, task, owner_pid, owner_boot, owner_start, options, protocol,"    \
    " mlperf_rules, firmware_sha256"

/* Child tables: what to copy for one variant. ?1 the input's variant id,
 * ?2 the new variant id, ?3 the new run id. */
static const struct {
    const char *what, *sql;
} children[] = {
    {"copy layers",
     "INSERT INTO main.layers (variant_id, idx, op, input_shapes, output_shapes,"
     " input_dtypes, output_dtypes, macs, param_bytes)"
     " SELECT ?2, idx, op, input_shapes, output_shapes, input_dtypes, output_dtypes,"
     " macs, param_bytes FROM src.layers WHERE variant_id = ?1"},
    {"copy inferences",
     "INSERT INTO main.inferences (run_id, variant_id, vector_index, vector, cycles,"
     " latency_us, output, repeats)"
     " SELECT ?3, ?2, vector_index, vector, cycles, latency_us, output, repeats"
     " FROM src.inferences WHERE variant_id = ?1"},
    {"copy repeat timings",
     "INSERT INTO main.repeat_timings (variant_id, vector_index, repeat, cycles)"
     " SELECT ?2, vector_index, repeat, cycles FROM src.repeat_timings"
     " WHERE variant_id = ?1"},
    {"copy layer timings",
     "INSERT INTO main.layer_timings (run_id, variant_id, vector_index, layer, cycles)"
     " SELECT ?3, ?2, vector_index, layer, cycles FROM src.layer_timings"
     " WHERE variant_id = ?1"},
    {"copy memory",
     "INSERT INTO main.memory (run_id, variant_id, arena_bytes, stack_bytes, model_bytes,"
     " firmware_flash_bytes, firmware_ram_bytes)"
     " SELECT ?3, ?2, arena_bytes, stack_bytes, model_bytes, firmware_flash_bytes,"
     " firmware_ram_bytes FROM src.memory WHERE variant_id = ?1"},
    {"copy scores",
     "INSERT INTO main.scores (run_id, variant_id, metric, value)"
     " SELECT ?3, ?2, metric, value FROM src.scores WHERE variant_id = ?1"},
    {"copy layer scores",
     "INSERT INTO main.layer_scores (run_id, variant_id, layer, ref_layer, snr_db)"
     " SELECT ?3, ?2, layer, ref_layer, snr_db FROM src.layer_scores"
     " WHERE variant_id = ?1"},
};

#define N_CHILDREN (sizeof(children) / sizeof(children[0]))

/* How complete a copy of a run is: a finished run beats an unfinished one. */
static int rank(const char *status)
{
    return !status ? 0
           : !strcmp(status, "ok") ? 3
           : !strcmp(status, "failed") ? 2
           : !strcmp(status, "interrupted") ? 1 : 0;
}

typedef struct {
    sqlite3_stmt *runs, *find, *drop, *run, *vars, *var, *child[N_CHILDREN];
} merge_stmts;

static void stmts_free(merge_stmts *m)
{
    sqlite3_finalize(m->runs);
    sqlite3_finalize(m->find);
    sqlite3_finalize(m->drop);
    sqlite3_finalize(m->run);
    sqlite3_finalize(m->vars);
    sqlite3_finalize(m->var);
    for (size_t i = 0; i < N_CHILDREN; i++)
        sqlite3_finalize(m->child[i]);
}

static hb_status stmts_prepare(store *s, merge_stmts *m)
{
    hb_status ret;
    if ((ret = store_sql_prepare(s, "input runs",
                                 "SELECT r.id, r.uuid, r.status, (SELECT count(*) FROM"
                                 " src.inferences i WHERE i.run_id = r.id)"
                                 " FROM src.runs r ORDER BY r.id", &m->runs)) != HB_OK ||
        (ret = store_sql_prepare(s, "find run",
                                 "SELECT r.id, r.status, (SELECT count(*) FROM"
                                 " main.inferences i WHERE i.run_id = r.id)"
                                 " FROM main.runs r WHERE r.uuid = ?1", &m->find)) != HB_OK ||
        (ret = store_sql_prepare(s, "drop run", "DELETE FROM main.runs WHERE id = ?1",
                                 &m->drop)) != HB_OK ||
        (ret = store_sql_prepare(s, "copy run",
                                 "INSERT INTO main.runs (" RUN_COLUMNS ") SELECT " RUN_COLUMNS
                                 " FROM src.runs WHERE id = ?1", &m->run)) != HB_OK ||
        (ret = store_sql_prepare(s, "input variants",
                                 "SELECT id FROM src.variants WHERE run_id = ?1 ORDER BY id",
                                 &m->vars)) != HB_OK ||
        (ret = store_sql_prepare(s, "copy variant",
                                 "INSERT INTO main.variants (run_id, model_file, model_sha256,"
                                 " recipe, blob_bytes, status, error, resets, layer_timing,"
                                 " firmware_model)"
                                 " SELECT ?2, model_file, model_sha256, recipe, blob_bytes,"
                                 " status, error, resets, layer_timing, firmware_model"
                                 " FROM src.variants WHERE id = ?1",
                                 &m->var)) != HB_OK)
        return ret;
    for (size_t i = 0; i < N_CHILDREN; i++)
        if ((ret = store_sql_prepare(s, children[i].what, children[i].sql, &m->child[i])) !=
            HB_OK)
            return ret;
    return HB_OK;
}

/* Copies one input run (its id in src) and everything under it. */
static hb_status copy_run(store *s, merge_stmts *m, int64_t src_run, store_merge_stats *stats)
{
    hb_status ret;
    int rc;

    sqlite3_bind_int64(m->run, 1, src_run);
    if ((ret = store_sql_step_done(s, m->run, "copy run")) != HB_OK)
        return ret;
    int64_t run = sqlite3_last_insert_rowid(s->db);
    sqlite3_reset(m->vars);
    sqlite3_bind_int64(m->vars, 1, src_run);
    while ((rc = sqlite3_step(m->vars)) == SQLITE_ROW) {
        int64_t old = sqlite3_column_int64(m->vars, 0);
        sqlite3_bind_int64(m->var, 1, old);
        sqlite3_bind_int64(m->var, 2, run);
        if ((ret = store_sql_step_done(s, m->var, "copy variant")) != HB_OK)
            return ret;
        int64_t var = sqlite3_last_insert_rowid(s->db);
        for (size_t i = 0; i < N_CHILDREN; i++) {
            sqlite3_bind_int64(m->child[i], 1, old);
            sqlite3_bind_int64(m->child[i], 2, var);
            sqlite3_bind_int64(m->child[i], 3, run);
            if ((ret = store_sql_step_done(s, m->child[i], children[i].what)) != HB_OK)
                return ret;
            if (i == 1)
                stats->inferences_added += sqlite3_changes(s->db);
        }
    }
    if (rc != SQLITE_DONE)
        return store_sql_fail(s, "sqlite3_step", "input variants");
    return HB_OK;
}

static hb_status merge_all(store *s, merge_stmts *m, store_merge_stats *stats)
{
    hb_status ret;
    int rc;

    while ((rc = sqlite3_step(m->runs)) == SQLITE_ROW) {
        int64_t src_run = sqlite3_column_int64(m->runs, 0);
        const char *uuid = (const char *)sqlite3_column_text(m->runs, 1);
        int src_rank = rank((const char *)sqlite3_column_text(m->runs, 2));
        int64_t src_n = sqlite3_column_int64(m->runs, 3);
        sqlite3_reset(m->find);
        if ((ret = store_sql_bind_text(s, m->find, 1, uuid)) != HB_OK)
            return ret;
        rc = sqlite3_step(m->find);
        if (rc == SQLITE_ROW) {
            int64_t have = sqlite3_column_int64(m->find, 0);
            int have_rank = rank((const char *)sqlite3_column_text(m->find, 1));
            int64_t have_n = sqlite3_column_int64(m->find, 2);
            if (src_rank < have_rank || (src_rank == have_rank && src_n <= have_n)) {
                stats->runs_skipped++;
                continue;
            }
            /* A more complete copy of the same run replaces the old one. */
            sqlite3_reset(m->find);
            sqlite3_bind_int64(m->drop, 1, have);
            if ((ret = store_sql_step_done(s, m->drop, "drop run")) != HB_OK)
                return ret;
            stats->runs_replaced++;
        } else if (rc != SQLITE_DONE) {
            return store_sql_fail(s, "sqlite3_step", "find run");
        } else {
            stats->runs_added++;
        }
        if ((ret = copy_run(s, m, src_run, stats)) != HB_OK)
            return ret;
    }
    return rc == SQLITE_DONE ? HB_OK : store_sql_fail(s, "sqlite3_step", "input runs");
}

hb_status store_merge(store *s, const char *in_path, store_merge_stats *stats)
{
    store *in = NULL;
    sqlite3_stmt *attach = NULL;
    merge_stmts m;
    char a[PATH_MAX], b[PATH_MAX];
    hb_status ret;
    int attached = 0;

    memset(&m, 0, sizeof(m));
    memset(stats, 0, sizeof(*stats));
    if (!s || !in_path)
        return hb_fail(HB_ERR_ARG, "store_merge: NULL argument");
    if (realpath(in_path, a) && realpath(s->path, b) && !strcmp(a, b))
        return hb_fail(HB_ERR_ARG, "%s: cannot merge a database into itself", in_path);
    if (!realpath(in_path, a))
        return hb_fail(HB_ERR_NOT_FOUND, "%s: no such database", in_path);
    /* Brings the input to this schema version (and marks its dead runs). */
    if ((ret = store_open(in_path, &in)) != HB_OK)
        return ret;
    store_close(in);
    if ((ret = store_sql_prepare(s, "attach", "ATTACH DATABASE ?1 AS src", &attach)) != HB_OK ||
        (ret = store_sql_bind_text(s, attach, 1, in_path)) != HB_OK ||
        (ret = store_sql_step_done(s, attach, "attach")) != HB_OK)
        goto cleanup;
    attached = 1;
    if ((ret = stmts_prepare(s, &m)) != HB_OK || (ret = store_sql_begin(s, 1)) != HB_OK)
        goto cleanup;
    if ((ret = merge_all(s, &m, stats)) != HB_OK)
        goto cleanup;
    sqlite3_reset(m.runs);
    ret = store_sql_commit(s);
cleanup:
    if (ret != HB_OK) {
        store_sql_rollback(s);
        memset(stats, 0, sizeof(*stats));
        hb_context(ret, "merging %s", in_path);
    }
    stmts_free(&m);
    sqlite3_finalize(attach);
    if (attached)
        sqlite3_exec(s->db, "DETACH DATABASE src", NULL, NULL, NULL);
    return ret;
}
