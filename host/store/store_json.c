/*
 * store_json.c: runs as JSON, the contract of `hilbench show RUN --json` and
 * `hilbench runs --json` (docs/schema.md).
 *
 * Every JSON key is the alias of a column in the SELECT that produces it, so
 * the SQL text here is the one place that names the fields. Types follow the
 * stored values: integers, reals, strings, null for NULL; a blob becomes
 * lowercase hex. Each call reads inside one transaction, so a concurrent
 * writer cannot make a run's variants and inferences disagree.
 */
#include "store_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define STORE_JSON_RUN_COLUMNS                                               \
    "r.id AS id, r.uuid AS uuid, r.started AS started,"                      \
    " r.finished AS finished, r.board AS board, r.host AS host,"             \
    " r.hilbench_version AS hilbench_version, r.status AS status,"           \
    " r.error AS error, r.timing_unit AS timing_unit,"                       \
    " r.counter_hz AS counter_hz, r.repeat AS repeat, r.warmup AS warmup,"   \
    " r.command AS command, r.reference AS reference,"                       \
    " (SELECT v.id FROM variants v WHERE v.run_id = r.id"                    \
    "  AND v.recipe = r.reference ORDER BY v.id LIMIT 1)"                    \
    "  AS reference_variant_id,"                                             \
    " r.dataset AS dataset, r.suite AS suite, r.task AS task,"              \
    " r.protocol AS protocol, r.mlperf_rules AS mlperf_rules,"              \
    " r.firmware_sha256 AS firmware_sha256"

/* Length of the valid UTF-8 sequence at p (1..4), or 0 if it is not one
 * (bad lead or continuation byte, overlong form, surrogate, > U+10FFFF). */
static size_t utf8_len(const unsigned char *p, size_t left)
{
    uint32_t cp;
    size_t len;

    if (p[0] < 0x80)
        return 1;
    if ((p[0] & 0xe0) == 0xc0) {
        len = 2;
        cp = p[0] & 0x1fu;
    } else if ((p[0] & 0xf0) == 0xe0) {
        len = 3;
        cp = p[0] & 0x0fu;
    } else if ((p[0] & 0xf8) == 0xf0) {
        len = 4;
        cp = p[0] & 0x07u;
    } else {
        return 0;
    }
    if (len > left)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3fu);
    }
    static const uint32_t min_cp[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_cp[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

/* JSON strings must be UTF-8, stored text need not be (a file name in
 * Latin-1): bytes that are not valid UTF-8 become U+FFFD. */
static json_t *text_json(const char *text, size_t n)
{
    json_t *j = json_stringn(text, n);
    const unsigned char *p = (const unsigned char *)text;
    char *buf;
    size_t used = 0;

    if (j || !text)
        return j;
    if (!(buf = malloc(3 * n + 1)))
        return NULL;
    for (size_t i = 0; i < n;) {
        size_t len = utf8_len(p + i, n - i);
        if (len == 0) {
            memcpy(buf + used, "\xef\xbf\xbd", 3);
            used += 3;
            i++;
        } else {
            memcpy(buf + used, p + i, len);
            used += len;
            i += len;
        }
    }
    j = json_stringn(buf, used);
    free(buf);
    return j;
}

static json_t *hex_json(const unsigned char *p, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    char *buf = malloc(2 * n + 1);
    json_t *j;

    if (!buf)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        buf[2 * i] = digits[p[i] >> 4];
        buf[2 * i + 1] = digits[p[i] & 15];
    }
    j = json_stringn(buf, 2 * n);
    free(buf);
    return j;
}

static json_t *column_json(sqlite3_stmt *st, int i)
{
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_INTEGER:
        return json_integer(sqlite3_column_int64(st, i));
    case SQLITE_FLOAT:
        return json_real(sqlite3_column_double(st, i));
    case SQLITE_TEXT: {
        const char *t = (const char *)sqlite3_column_text(st, i);
        return text_json(t ? t : "", (size_t)sqlite3_column_bytes(st, i));
    }
    case SQLITE_BLOB: {
        const void *b = sqlite3_column_blob(st, i);
        size_t n = (size_t)sqlite3_column_bytes(st, i);
        return hex_json(b ? b : "", b ? n : 0);
    }
    default:
        return json_null();
    }
}

/* Adds every column of the current row to obj, keyed by its alias. */
static hb_status row_into(sqlite3_stmt *st, json_t *obj)
{
    for (int i = 0; i < sqlite3_column_count(st); i++)
        if (json_object_set_new(obj, sqlite3_column_name(st, i),
                                column_json(st, i)) != 0)
            return hb_fail(HB_ERR_MEM, "out of memory");
    return HB_OK;
}

/* Steps st to the end, appending one object per row to arr. */
static hb_status rows_into(store *s, sqlite3_stmt *st, json_t *arr,
                           const char *what)
{
    hb_status ret = HB_OK;
    int rc = SQLITE_DONE;

    while (ret == HB_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *obj = json_object();
        if (!obj || json_array_append_new(arr, obj) != 0)
            return hb_fail(HB_ERR_MEM, "out of memory");
        ret = row_into(st, obj);
    }
    if (ret == HB_OK && rc != SQLITE_DONE)
        ret = store_sql_fail(s, "sqlite3_step", what);
    sqlite3_reset(st);
    return ret;
}

/* Fills each inference object with repeat_cycles, in repeat order. */
static hb_status add_repeats(store *s, sqlite3_stmt *st, int64_t variant_id,
                             json_t *inferences)
{
    size_t i;
    json_t *inf;

    json_array_foreach(inferences, i, inf) {
        json_t *list = json_array();
        int rc;
        if (!list || json_object_set_new(inf, "repeat_cycles", list) != 0)
            return hb_fail(HB_ERR_MEM, "out of memory");
        sqlite3_bind_int64(st, 1, variant_id);
        sqlite3_bind_int64(st, 2, json_integer_value(json_object_get(inf,
                                                     "vector_index")));
        while ((rc = sqlite3_step(st)) == SQLITE_ROW)
            if (json_array_append_new(list, column_json(st, 0)) != 0)
                return hb_fail(HB_ERR_MEM, "out of memory");
        if (rc != SQLITE_DONE)
            return store_sql_fail(s, "sqlite3_step", "select repeats");
        sqlite3_reset(st);
    }
    return HB_OK;
}

/* Adds "scores", an object of metric -> value, to one variant object. */
static hb_status add_scores(store *s, sqlite3_stmt *st, int64_t variant_id,
                            json_t *variant)
{
    json_t *scores = json_object();
    int rc;

    if (json_object_set_new(variant, "scores", scores) != 0)
        return hb_fail(HB_ERR_MEM, "out of memory");
    sqlite3_bind_int64(st, 1, variant_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *metric = (const char *)sqlite3_column_text(st, 0);
        if (!metric || json_object_set_new(scores, metric, column_json(st, 1)) != 0)
            return hb_fail(HB_ERR_MEM, "out of memory");
    }
    if (rc != SQLITE_DONE)
        return store_sql_fail(s, "sqlite3_step", "select scores");
    sqlite3_reset(st);
    return HB_OK;
}

/* Adds "scores", "inferences" and "layers" to one variant object. */
static hb_status fill_variant(store *s, sqlite3_stmt *inf_st,
                              sqlite3_stmt *rep_st, sqlite3_stmt *layer_st,
                              sqlite3_stmt *score_st, json_t *variant)
{
    int64_t id = json_integer_value(json_object_get(variant, "id"));
    json_t *inferences = json_array(), *layers;
    hb_status ret;

    if ((ret = add_scores(s, score_st, id, variant)) != HB_OK)
        return ret;
    /* set_new takes the reference even when it fails. */
    if (json_object_set_new(variant, "inferences", inferences) != 0)
        return hb_fail(HB_ERR_MEM, "out of memory");
    layers = json_array();
    if (json_object_set_new(variant, "layers", layers) != 0)
        return hb_fail(HB_ERR_MEM, "out of memory");
    sqlite3_bind_int64(inf_st, 1, id);
    sqlite3_bind_int64(layer_st, 1, id);
    if ((ret = rows_into(s, inf_st, inferences, "select inferences")) != HB_OK ||
        (ret = add_repeats(s, rep_st, id, inferences)) != HB_OK)
        return ret;
    return rows_into(s, layer_st, layers, "select layers");
}

hb_status store_run_json(store *s, int64_t run_id, json_t **out)
{
    static const char run_sql[] =
        "SELECT " STORE_JSON_RUN_COLUMNS " FROM runs r WHERE r.id = ?1";
    static const char variant_sql[] =
        "SELECT v.id AS id, v.recipe AS recipe, v.model_file AS model_file,"
        " v.model_sha256 AS model_sha256, v.blob_bytes AS blob_bytes,"
        " v.status AS status, v.error AS error, v.resets AS resets,"
        " v.layer_timing AS layer_timing, v.firmware_model AS firmware_model,"
        " m.arena_bytes AS arena_bytes, m.stack_bytes AS stack_bytes,"
        " m.model_bytes AS model_bytes,"
        " m.firmware_flash_bytes AS firmware_flash_bytes,"
        " m.firmware_ram_bytes AS firmware_ram_bytes"
        " FROM variants v LEFT JOIN memory m ON m.variant_id = v.id"
        " WHERE v.run_id = ?1 ORDER BY v.id";
    static const char inference_sql[] =
        "SELECT vector AS vector, vector_index AS vector_index,"
        " cycles AS cycles, latency_us AS latency_us, output AS output_hex"
        " FROM inferences WHERE variant_id = ?1 ORDER BY vector_index";
    static const char repeat_sql[] =
        "SELECT cycles FROM repeat_timings"
        " WHERE variant_id = ?1 AND vector_index = ?2 ORDER BY repeat";
    /* Lower median: the k-th smallest of n values with k = (n + 1) / 2
     * (integer division), i.e. the middle one for odd n, the lower of the
     * two middle ones for even n; always a measured value. */
    static const char layer_sql[] =
        "SELECT l.idx AS \"index\", l.op AS op, l.macs AS macs,"
        " l.param_bytes AS param_bytes, l.input_shapes AS input_shapes,"
        " l.output_shapes AS output_shapes, l.input_dtypes AS input_dtypes,"
        " l.output_dtypes AS output_dtypes, m.cycles AS cycles_median,"
        " ls.snr_db AS snr_db, ls.ref_layer AS snr_ref_layer"
        " FROM layers l LEFT JOIN layer_scores ls"
        "  ON ls.variant_id = l.variant_id AND ls.layer = l.idx"
        " LEFT JOIN ("
        "  SELECT layer, cycles FROM ("
        "   SELECT layer, cycles,"
        "    row_number() OVER (PARTITION BY layer ORDER BY cycles) AS k,"
        "    count(*) OVER (PARTITION BY layer) AS n"
        "   FROM layer_timings WHERE variant_id = ?1)"
        "  WHERE k = (n + 1) / 2) m ON m.layer = l.idx"
        " WHERE l.variant_id = ?1 ORDER BY l.idx";
    static const char score_sql[] =
        "SELECT metric, value FROM scores WHERE variant_id = ?1 ORDER BY metric";
    sqlite3_stmt *run_st = NULL, *var_st = NULL, *inf_st = NULL,
                 *rep_st = NULL, *layer_st = NULL, *score_st = NULL;
    json_t *top = NULL, *run = NULL, *variants = NULL, *v;
    hb_status ret;
    size_t i;
    int rc;

    if (out)
        *out = NULL;
    if (!s || !out)
        return hb_fail(HB_ERR_ARG, "store_run_json: NULL argument");
    if ((ret = store_sql_prepare(s, "select run", run_sql, &run_st)) != HB_OK ||
        (ret = store_sql_prepare(s, "select variants", variant_sql, &var_st)) != HB_OK ||
        (ret = store_sql_prepare(s, "select inferences", inference_sql, &inf_st)) != HB_OK ||
        (ret = store_sql_prepare(s, "select repeats", repeat_sql, &rep_st)) != HB_OK ||
        (ret = store_sql_prepare(s, "select layers", layer_sql, &layer_st)) != HB_OK ||
        (ret = store_sql_prepare(s, "select scores", score_sql, &score_st)) != HB_OK)
        goto cleanup;
    top = json_object();
    run = json_object();
    variants = json_array();
    if (!top || !run || !variants ||
        json_object_set_new(top, "json_version", json_integer(STORE_JSON_VERSION)) != 0 ||
        json_object_set(top, "run", run) != 0 ||
        json_object_set(top, "variants", variants) != 0) {
        ret = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((ret = store_sql_begin(s, 0)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(run_st, 1, run_id);
    rc = sqlite3_step(run_st);
    if (rc == SQLITE_DONE) {
        ret = hb_fail(HB_ERR_NOT_FOUND, "run %" PRId64 " not found", run_id);
        goto cleanup;
    }
    if (rc != SQLITE_ROW) {
        ret = store_sql_fail(s, "sqlite3_step", "select run");
        goto cleanup;
    }
    if ((ret = row_into(run_st, run)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(var_st, 1, run_id);
    if ((ret = rows_into(s, var_st, variants, "select variants")) != HB_OK)
        goto cleanup;
    json_array_foreach(variants, i, v)
        if ((ret = fill_variant(s, inf_st, rep_st, layer_st, score_st, v)) != HB_OK)
            goto cleanup;
    ret = store_sql_commit(s);
cleanup:
    sqlite3_finalize(run_st);
    sqlite3_finalize(var_st);
    sqlite3_finalize(inf_st);
    sqlite3_finalize(rep_st);
    sqlite3_finalize(layer_st);
    sqlite3_finalize(score_st);
    store_sql_rollback(s);
    json_decref(run);
    json_decref(variants);
    if (ret == HB_OK)
        *out = top;
    else
        json_decref(top);
    return ret;
}

hb_status store_runs_json(store *s, json_t **out)
{
    static const char sql[] =
        "SELECT " STORE_JSON_RUN_COLUMNS ","
        " (SELECT count(*) FROM variants v WHERE v.run_id = r.id) AS variants,"
        " (SELECT count(*) FROM inferences i WHERE i.run_id = r.id)"
        " AS inferences"
        " FROM runs r ORDER BY r.started DESC, r.id DESC";
    sqlite3_stmt *st = NULL;
    json_t *arr = NULL;
    hb_status ret;

    if (out)
        *out = NULL;
    if (!s || !out)
        return hb_fail(HB_ERR_ARG, "store_runs_json: NULL argument");
    if ((ret = store_sql_prepare(s, "select runs", sql, &st)) != HB_OK)
        goto cleanup;
    if (!(arr = json_array())) {
        ret = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    ret = rows_into(s, st, arr, "select runs");
cleanup:
    sqlite3_finalize(st);
    if (ret == HB_OK)
        *out = arr;
    else
        json_decref(arr);
    return ret;
}
