/*
 * store_write.c: the write functions of the store, and run references.
 *
 * Each write function is one BEGIN IMMEDIATE ... COMMIT: the write lock is
 * taken (or waited for) before the first row, and any failure rolls the
 * whole call back, so a reader never sees a variant without its layers or
 * an inference without its repeats. Checks SQLite does anyway (foreign keys,
 * duplicates) are left to it; its constraint errors are turned into
 * messages that name the caller's ids.
 */
#include "store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

/* Current UTC time, ISO-8601 with milliseconds: 2024-05-01T12:34:56.789Z. */
#define NOW_SQL "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"

static int extended_code(store *s)
{
    return sqlite3_extended_errcode(s->db);
}

/* A random (version 4, RFC 4122) uuid in lowercase, 36 characters + NUL. */
static hb_status new_uuid(char out[37])
{
    uint8_t b[16];
    size_t got = 0;

    while (got < sizeof(b)) {
        ssize_t n = getrandom(b + got, sizeof(b) - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hb_fail(HB_ERR_FAIL, "getrandom: %s", strerror(errno));
        got += (size_t)n;
    }
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40); /* version 4 */
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80); /* variant 10xx */
    snprintf(out, 37,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
             "%02x%02x%02x%02x%02x%02x",
             b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9],
             b[10], b[11], b[12], b[13], b[14], b[15]);
    return HB_OK;
}

static int one_of(const char *v, const char *const *set)
{
    for (; v && *set; set++)
        if (strcmp(v, *set) == 0)
            return 1;
    return 0;
}

hb_status store_run_begin(store *s, const store_run_info *info, int64_t *run_id)
{
    return store_run_begin_options(s, info, NULL, run_id);
}

hb_status store_run_begin_options(store *s, const store_run_info *info, const char *options,
                                  int64_t *run_id)
{
    return store_run_begin_board(s, info, options, NULL, run_id);
}

hb_status store_run_begin_board(store *s, const store_run_info *info, const char *options,
                                const store_run_board *b, int64_t *run_id)
{
    static const char *const units[] = {"cycles", "instructions", "ns", "us", NULL};
    static const char *const protocols[] = {"hilbench", "mlperf-tiny", NULL};
    static const char sql[] =
        "INSERT INTO runs (uuid, started, board, host, hilbench_version,"
        " timing_unit, counter_hz, repeat, warmup, command, reference, dataset,"
        " suite, task, options, owner_pid, owner_boot, owner_start, protocol,"
        " mlperf_rules)"
        " VALUES (?1, " NOW_SQL ", ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,"
        " ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
    static const char *const tasks[] = {"classification", "anomaly", "regression",
                                        NULL};
    sqlite3_stmt *st = NULL;
    char uuid[37];
    hb_status ret;
    store_owner me;

    if (run_id)
        *run_id = 0;
    if (!s || !info || !run_id)
        return hb_fail(HB_ERR_ARG, "store_run_begin: NULL argument");
    store_owner_self(&me);
    if (!info->board || !info->host || !info->version)
        return hb_fail(HB_ERR_ARG, "store_run_begin: board, host and version "
                       "are required");
    if (!one_of(info->timing_unit, units))
        return hb_fail(HB_ERR_ARG, "store_run_begin: timing unit '%s' is not "
                       "cycles, instructions, ns or us",
                       info->timing_unit ? info->timing_unit : "(null)");
    if (!isfinite(info->counter_hz) || info->counter_hz <= 0)
        return hb_fail(HB_ERR_ARG, "store_run_begin: counter_hz %g must be > 0",
                       info->counter_hz);
    if (info->task && !one_of(info->task, tasks))
        return hb_fail(HB_ERR_ARG, "store_run_begin: task '%s' is not "
                       "classification, anomaly or regression", info->task);
    const char *protocol = b && b->protocol ? b->protocol : "hilbench";
    int rules = b ? b->mlperf_rules : 0;
    if (!one_of(protocol, protocols) || (rules != 0 && rules != 1))
        return hb_fail(HB_ERR_ARG, "store_run_begin: protocol '%s' is not hilbench or "
                       "mlperf-tiny, or mlperf_rules %d is not 0 or 1", protocol, rules);
    if (info->repeat < 1 || info->warmup < 0)
        return hb_fail(HB_ERR_ARG, "store_run_begin: repeat %d must be >= 1 and "
                       "warmup %d >= 0", info->repeat, info->warmup);
    if ((ret = new_uuid(uuid)) != HB_OK ||
        (ret = store_sql_prepare(s, "insert run", sql, &st)) != HB_OK)
        goto cleanup;
    if ((ret = store_sql_bind_text(s, st, 1, uuid)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 2, info->board)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 3, info->host)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 4, info->version)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 5, info->timing_unit)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 9, info->command)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 10, info->reference)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 11, info->dataset)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 12, info->suite)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 13, info->task)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 14, options)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 16, me.boot)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 18, protocol)) != HB_OK)
        goto cleanup;
    if (sqlite3_bind_int64(st, 15, me.pid) != SQLITE_OK ||
        sqlite3_bind_int64(st, 17, me.start) != SQLITE_OK ||
        sqlite3_bind_double(st, 6, info->counter_hz) != SQLITE_OK ||
        sqlite3_bind_int(st, 7, info->repeat) != SQLITE_OK ||
        sqlite3_bind_int(st, 8, info->warmup) != SQLITE_OK ||
        sqlite3_bind_int(st, 19, rules) != SQLITE_OK) {
        ret = store_sql_fail(s, "sqlite3_bind", "insert run");
        goto cleanup;
    }
    if ((ret = store_sql_begin(s, 1)) != HB_OK ||
        (ret = store_sql_step_done(s, st, "insert run")) != HB_OK)
        goto cleanup;
    int64_t id = sqlite3_last_insert_rowid(s->db);
    if ((ret = store_sql_commit(s)) == HB_OK)
        *run_id = id;
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

hb_status store_run_finish(store *s, int64_t run_id, const char *status,
                           const char *error)
{
    static const char *const ends[] = {"ok", "failed", "interrupted", NULL};
    static const char sql[] =
        "UPDATE runs SET status = ?1, error = ?2, finished = " NOW_SQL
        " WHERE id = ?3";
    sqlite3_stmt *st = NULL;
    hb_status ret;

    if (!s)
        return hb_fail(HB_ERR_ARG, "store_run_finish: NULL store");
    if (!one_of(status, ends))
        return hb_fail(HB_ERR_ARG, "store_run_finish: status '%s' is not ok, "
                       "failed or interrupted", status ? status : "(null)");
    if ((ret = store_sql_prepare(s, "finish run", sql, &st)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 1, status)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 2, error)) != HB_OK)
        goto cleanup;
    if (sqlite3_bind_int64(st, 3, run_id) != SQLITE_OK) {
        ret = store_sql_fail(s, "sqlite3_bind_int64", "finish run");
        goto cleanup;
    }
    if ((ret = store_sql_update_one(s, st, "finish run")) == HB_ERR_NOT_FOUND)
        ret = hb_fail(HB_ERR_NOT_FOUND, "run %" PRId64 " not found", run_id);
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

hb_status store_run_set_firmware(store *s, int64_t run_id, const char *firmware_sha256)
{
    static const char sql[] = "UPDATE runs SET firmware_sha256 = ?1 WHERE id = ?2";
    sqlite3_stmt *st = NULL;
    hb_status ret;

    if (!s)
        return hb_fail(HB_ERR_ARG, "store_run_set_firmware: NULL store");
    if (firmware_sha256 && (strlen(firmware_sha256) != 64 ||
                            strspn(firmware_sha256, "0123456789abcdef") != 64))
        return hb_fail(HB_ERR_ARG, "store_run_set_firmware: '%s' is not a lower-case hex "
                       "SHA-256", firmware_sha256);
    if ((ret = store_sql_prepare(s, "set firmware", sql, &st)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 1, firmware_sha256)) != HB_OK)
        goto cleanup;
    if (sqlite3_bind_int64(st, 2, run_id) != SQLITE_OK) {
        ret = store_sql_fail(s, "sqlite3_bind_int64", "set firmware");
        goto cleanup;
    }
    if ((ret = store_sql_update_one(s, st, "set firmware")) == HB_ERR_NOT_FOUND)
        ret = hb_fail(HB_ERR_NOT_FOUND, "run %" PRId64 " not found", run_id);
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

/* Classifies a reference: 1 = local id (all digits), 2 = uuid prefix (hex
 * digits and dashes, at least 4 hex digits), 0 = neither. */
static int ref_kind(const char *ref)
{
    size_t n = strlen(ref), hex = 0;

    if (n > 0 && strspn(ref, "0123456789") == n)
        return 1;
    for (const char *p = ref; *p; p++) {
        if (*p == '-')
            continue;
        if (!strchr("0123456789abcdefABCDEF", *p))
            return 0;
        hex++;
    }
    return hex >= 4 ? 2 : 0;
}

hb_status store_run_find(store *s, const char *ref, int64_t *run_id)
{
    sqlite3_stmt *st = NULL;
    char *pattern = NULL;
    hb_status ret = HB_OK;
    int kind, rc;

    if (run_id)
        *run_id = 0;
    if (!s || !ref || !run_id)
        return hb_fail(HB_ERR_ARG, "store_run_find: NULL argument");
    kind = ref_kind(ref);
    if (kind == 0)
        return hb_fail(HB_ERR_ARG, "run '%s': expected a run id or at least 4 "
                       "hex digits of a run uuid", ref);
    if (kind == 1) {
        char *end;
        errno = 0;
        long long id = strtoll(ref, &end, 10);
        if (errno != 0 || *end != '\0')
            return hb_fail(HB_ERR_NOT_FOUND, "run %s not found", ref);
        if ((ret = store_sql_prepare(s, "find run by id",
                                     "SELECT id FROM runs WHERE id = ?1",
                                     &st)) != HB_OK)
            goto cleanup;
        sqlite3_bind_int64(st, 1, id);
    } else {
        /* uuids are stored lowercase; the prefix holds no GLOB wildcards
         * (checked above), so GLOB is a plain prefix match on the index. */
        size_t n = strlen(ref);
        if (!(pattern = malloc(n + 2))) {
            ret = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        for (size_t i = 0; i < n; i++)
            pattern[i] = (char)(ref[i] >= 'A' && ref[i] <= 'F' ? ref[i] + 32
                                                               : ref[i]);
        memcpy(pattern + n, "*", 2);
        if ((ret = store_sql_prepare(s, "find run by uuid",
                                     "SELECT id FROM runs WHERE uuid GLOB ?1"
                                     " ORDER BY id LIMIT 2", &st)) != HB_OK ||
            (ret = store_sql_bind_text(s, st, 1, pattern)) != HB_OK)
            goto cleanup;
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = hb_fail(HB_ERR_NOT_FOUND, "run %s not found", ref);
        goto cleanup;
    }
    if (rc != SQLITE_ROW) {
        ret = store_sql_fail(s, "sqlite3_step", "find run");
        goto cleanup;
    }
    int64_t id = sqlite3_column_int64(st, 0);
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        ret = hb_fail(HB_ERR_ARG, "run %s is ambiguous: several run uuids "
                      "start with it; give more characters", ref);
        goto cleanup;
    }
    if (rc != SQLITE_DONE) {
        ret = store_sql_fail(s, "sqlite3_step", "find run");
        goto cleanup;
    }
    *run_id = id;
cleanup:
    sqlite3_finalize(st);
    free(pattern);
    return ret;
}

static hb_status insert_layer(store *s, sqlite3_stmt *st, int64_t variant_id,
                              const store_layer *l)
{
    char what[64];
    hb_status ret;

    snprintf(what, sizeof(what), "insert layer %d", l->index);
    if (l->index < 0 || !l->op)
        return hb_fail(HB_ERR_ARG, "%s: index must be >= 0 and op set", what);
    sqlite3_bind_int64(st, 1, variant_id);
    sqlite3_bind_int(st, 2, l->index);
    if ((ret = store_sql_bind_text(s, st, 3, l->op)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 4, l->input_shapes)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 5, l->output_shapes)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 6, l->input_dtypes)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 7, l->output_dtypes)) != HB_OK ||
        (ret = store_sql_bind_u64(s, st, 8, l->macs, "macs")) != HB_OK ||
        (ret = store_sql_bind_u64(s, st, 9, l->param_bytes, "param_bytes")) != HB_OK)
        return ret;
    ret = store_sql_step_done(s, st, what);
    if (ret != HB_OK && extended_code(s) == SQLITE_CONSTRAINT_PRIMARYKEY)
        ret = hb_fail(HB_ERR_ARG, "%s: layer index %d given twice", what, l->index);
    return ret;
}

hb_status store_variant_add(store *s, int64_t run_id,
                            const store_variant_info *v, int64_t *variant_id)
{
    return store_variant_add_board(s, run_id, v, NULL, variant_id);
}

hb_status store_variant_add_board(store *s, int64_t run_id, const store_variant_info *v,
                                  const store_variant_board *b, int64_t *variant_id)
{
    static const char variant_sql[] =
        "INSERT INTO variants (run_id, model_file, model_sha256, recipe,"
        " blob_bytes, status, layer_timing, firmware_model)"
        " VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7)";
    static const char layer_sql[] =
        "INSERT INTO layers (variant_id, idx, op, input_shapes, output_shapes,"
        " input_dtypes, output_dtypes, macs, param_bytes)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *vst = NULL, *lst = NULL;
    hb_status ret;

    if (variant_id)
        *variant_id = 0;
    if (!s || !v || !variant_id)
        return hb_fail(HB_ERR_ARG, "store_variant_add: NULL argument");
    if (!v->model_file || !v->model_sha256 || !v->recipe)
        return hb_fail(HB_ERR_ARG, "store_variant_add: model_file, model_sha256 "
                       "and recipe are required");
    if (v->n_layers < 0 || (v->n_layers > 0 && !v->layers))
        return hb_fail(HB_ERR_ARG, "store_variant_add: %d layers without an "
                       "array", v->n_layers);
    if ((ret = store_sql_prepare(s, "insert variant", variant_sql, &vst)) != HB_OK ||
        (ret = store_sql_prepare(s, "insert layer", layer_sql, &lst)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(vst, 1, run_id);
    if ((ret = store_sql_bind_text(s, vst, 2, v->model_file)) != HB_OK ||
        (ret = store_sql_bind_text(s, vst, 3, v->model_sha256)) != HB_OK ||
        (ret = store_sql_bind_text(s, vst, 4, v->recipe)) != HB_OK ||
        (ret = store_sql_bind_u64(s, vst, 5, v->blob_bytes, "blob_bytes")) != HB_OK ||
        (ret = store_sql_bind_text(s, vst, 7, b ? b->firmware_model : NULL)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int(vst, 6, b && b->layers_untimed ? 0 : 1);
    if ((ret = store_sql_begin(s, 1)) != HB_OK)
        goto cleanup;
    if ((ret = store_sql_step_done(s, vst, "insert variant")) != HB_OK) {
        if (extended_code(s) == SQLITE_CONSTRAINT_FOREIGNKEY)
            ret = hb_fail(HB_ERR_ARG, "insert variant: run %" PRId64
                          " not found", run_id);
        goto cleanup;
    }
    int64_t id = sqlite3_last_insert_rowid(s->db);
    for (int i = 0; i < v->n_layers; i++)
        if ((ret = insert_layer(s, lst, id, &v->layers[i])) != HB_OK)
            goto cleanup;
    if ((ret = store_sql_commit(s)) == HB_OK)
        *variant_id = id;
cleanup:
    sqlite3_finalize(vst);
    sqlite3_finalize(lst);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

static hb_status check_inference(const store_inference *inf)
{
    if (inf->vector_index < 0 || !inf->vector)
        return hb_fail(HB_ERR_ARG, "store_inference_add: vector index %d must "
                       "be >= 0 and vector named", inf->vector_index);
    if (!isfinite(inf->latency_us))
        return hb_fail(HB_ERR_ARG, "store_inference_add: latency is not a number");
    if (inf->repeats < 0 || (inf->repeats > 0 && !inf->repeat_cycles) ||
        inf->n_layers < 0 || (inf->n_layers > 0 && !inf->layer_cycles) ||
        (inf->output_bytes > 0 && !inf->output))
        return hb_fail(HB_ERR_ARG, "store_inference_add: a count without its "
                       "array (repeats %d, layers %d, output %zu bytes)",
                       inf->repeats, inf->n_layers, inf->output_bytes);
    return HB_OK;
}

/* Inserts the per-repeat or the per-layer rows of one vector. Both
 * statements bind (variant_id, vector_index, number, cycles); the layer one
 * also binds run_id as ?5. */
static hb_status insert_series(store *s, sqlite3_stmt *st, int64_t run_id,
                               int64_t variant_id, int vector_index,
                               const uint64_t *cycles, int n, int layers)
{
    const char *kind = layers ? "layer timing" : "repeat";
    char what[64];
    hb_status ret;

    for (int i = 0; i < n; i++) {
        snprintf(what, sizeof(what), "insert %s %d", kind, i);
        sqlite3_bind_int64(st, 1, variant_id);
        sqlite3_bind_int(st, 2, vector_index);
        sqlite3_bind_int(st, 3, i);
        if (layers)
            sqlite3_bind_int64(st, 5, run_id);
        if ((ret = store_sql_bind_u64(s, st, 4, cycles[i], what)) != HB_OK)
            return ret;
        if ((ret = store_sql_step_done(s, st, what)) != HB_OK) {
            /* The inference row exists by now, so only the layer can be
             * missing. */
            if (layers && extended_code(s) == SQLITE_CONSTRAINT_FOREIGNKEY)
                ret = hb_fail(HB_ERR_ARG, "%s: variant %" PRId64 " has no "
                              "layer %d", what, variant_id, i);
            return ret;
        }
    }
    return HB_OK;
}

hb_status store_inference_add(store *s, int64_t run_id, int64_t variant_id,
                              const store_inference *inf)
{
    static const char inference_sql[] =
        "INSERT INTO inferences (run_id, variant_id, vector_index, vector,"
        " cycles, latency_us, output, repeats)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
    static const char repeat_sql[] =
        "INSERT INTO repeat_timings (variant_id, vector_index, repeat, cycles)"
        " VALUES (?1, ?2, ?3, ?4)";
    static const char layer_sql[] =
        "INSERT INTO layer_timings (variant_id, vector_index, layer, cycles,"
        " run_id) VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *ist = NULL, *rst = NULL, *lst = NULL;
    hb_status ret;
    int rc;

    if (!s || !inf)
        return hb_fail(HB_ERR_ARG, "store_inference_add: NULL argument");
    if ((ret = check_inference(inf)) != HB_OK)
        return ret;
    if ((ret = store_sql_prepare(s, "insert inference", inference_sql, &ist)) != HB_OK ||
        (ret = store_sql_prepare(s, "insert repeat", repeat_sql, &rst)) != HB_OK ||
        (ret = store_sql_prepare(s, "insert layer timing", layer_sql, &lst)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(ist, 1, run_id);
    sqlite3_bind_int64(ist, 2, variant_id);
    sqlite3_bind_int(ist, 3, inf->vector_index);
    sqlite3_bind_double(ist, 6, inf->latency_us);
    sqlite3_bind_int(ist, 8, inf->repeats);
    /* A NULL pointer would bind SQL NULL; no output is an empty blob. */
    rc = inf->output_bytes > 0
             ? sqlite3_bind_blob64(ist, 7, inf->output, inf->output_bytes,
                                   SQLITE_TRANSIENT)
             : sqlite3_bind_zeroblob(ist, 7, 0);
    if (rc != SQLITE_OK) {
        ret = store_sql_fail(s, "sqlite3_bind_blob", "inference output");
        goto cleanup;
    }
    if ((ret = store_sql_bind_text(s, ist, 4, inf->vector)) != HB_OK ||
        (ret = store_sql_bind_u64(s, ist, 5, inf->cycles, "cycles")) != HB_OK ||
        (ret = store_sql_begin(s, 1)) != HB_OK)
        goto cleanup;
    if ((ret = store_sql_step_done(s, ist, "insert inference")) != HB_OK) {
        if (extended_code(s) == SQLITE_CONSTRAINT_PRIMARYKEY)
            ret = hb_fail(HB_ERR_ARG, "insert inference: variant %" PRId64
                          " vector %d is already stored", variant_id,
                          inf->vector_index);
        else if (extended_code(s) == SQLITE_CONSTRAINT_FOREIGNKEY)
            ret = hb_fail(HB_ERR_ARG, "insert inference: run %" PRId64
                          " has no variant %" PRId64, run_id, variant_id);
        goto cleanup;
    }
    if ((ret = insert_series(s, rst, run_id, variant_id, inf->vector_index,
                             inf->repeat_cycles, inf->repeats, 0)) != HB_OK ||
        (ret = insert_series(s, lst, run_id, variant_id, inf->vector_index,
                             inf->layer_cycles, inf->n_layers, 1)) != HB_OK)
        goto cleanup;
    ret = store_sql_commit(s);
cleanup:
    sqlite3_finalize(ist);
    sqlite3_finalize(rst);
    sqlite3_finalize(lst);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

hb_status store_memory_set(store *s, int64_t run_id, int64_t variant_id,
                           const store_memory *m)
{
    static const char sql[] =
        "INSERT INTO memory (run_id, variant_id, arena_bytes, stack_bytes,"
        " model_bytes, firmware_flash_bytes, firmware_ram_bytes)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (variant_id) DO UPDATE SET run_id = excluded.run_id,"
        " arena_bytes = excluded.arena_bytes,"
        " stack_bytes = excluded.stack_bytes,"
        " model_bytes = excluded.model_bytes,"
        " firmware_flash_bytes = excluded.firmware_flash_bytes,"
        " firmware_ram_bytes = excluded.firmware_ram_bytes";
    sqlite3_stmt *st = NULL;
    hb_status ret;

    if (!s || !m)
        return hb_fail(HB_ERR_ARG, "store_memory_set: NULL argument");
    if ((ret = store_sql_prepare(s, "set memory", sql, &st)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, variant_id);
    if ((ret = store_sql_bind_u64(s, st, 3, m->arena_bytes, "arena_bytes")) != HB_OK ||
        (ret = store_sql_bind_u64(s, st, 4, m->stack_bytes, "stack_bytes")) != HB_OK ||
        (ret = store_sql_bind_u64(s, st, 5, m->model_bytes, "model_bytes")) != HB_OK)
        goto cleanup;
    /* 0 means unknown for the firmware sizes: stored as NULL, shown as null. */
    if (m->firmware_flash_bytes)
        ret = store_sql_bind_u64(s, st, 6, m->firmware_flash_bytes,
                                 "firmware_flash_bytes");
    if (ret == HB_OK && m->firmware_ram_bytes)
        ret = store_sql_bind_u64(s, st, 7, m->firmware_ram_bytes,
                                 "firmware_ram_bytes");
    if (ret != HB_OK || (ret = store_sql_begin(s, 1)) != HB_OK)
        goto cleanup;
    if ((ret = store_sql_step_done(s, st, "set memory")) != HB_OK) {
        if (extended_code(s) == SQLITE_CONSTRAINT_FOREIGNKEY)
            ret = hb_fail(HB_ERR_ARG, "set memory: run %" PRId64 " has no "
                          "variant %" PRId64, run_id, variant_id);
        goto cleanup;
    }
    ret = store_sql_commit(s);
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}
