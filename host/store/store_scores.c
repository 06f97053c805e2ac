/*
 * store_scores.c: a variant's scores and per-layer SNR (schema version 2).
 *
 * One transaction per call, like every write of the store: the scores of a
 * variant appear all at once or not at all.
 */
#include "store_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

static int extended_code(store *s)
{
    return sqlite3_extended_errcode(s->db);
}

static hb_status check_scores(const store_score *scores, int n_scores,
                              const store_layer_score *layers, int n_layers)
{
    if (n_scores < 0 || n_layers < 0 || (n_scores > 0 && !scores) ||
        (n_layers > 0 && !layers))
        return hb_fail(HB_ERR_ARG, "store_scores_add: a count without its array");
    for (int i = 0; i < n_scores; i++)
        if (!scores[i].metric || !scores[i].metric[0] || !isfinite(scores[i].value))
            return hb_fail(HB_ERR_ARG, "store_scores_add: score %d (%s) needs a name and a "
                           "finite value", i, scores[i].metric ? scores[i].metric : "null");
    for (int i = 0; i < n_layers; i++)
        if (layers[i].layer < 0 || layers[i].ref_layer < -1 ||
            (layers[i].ref_layer >= 0 && !isfinite(layers[i].snr_db)))
            return hb_fail(HB_ERR_ARG, "store_scores_add: layer %d: bad index, reference "
                           "layer %d or SNR", layers[i].layer, layers[i].ref_layer);
    return HB_OK;
}

static hb_status insert_score(store *s, sqlite3_stmt *st, int64_t run_id,
                              int64_t variant_id, const store_score *sc)
{
    char what[96];
    hb_status ret;

    snprintf(what, sizeof(what), "insert score %.40s", sc->metric);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, variant_id);
    if ((ret = store_sql_bind_text(s, st, 3, sc->metric)) != HB_OK)
        return ret;
    sqlite3_bind_double(st, 4, sc->value);
    if ((ret = store_sql_step_done(s, st, what)) == HB_OK)
        return HB_OK;
    if (extended_code(s) == SQLITE_CONSTRAINT_PRIMARYKEY)
        return hb_fail(HB_ERR_ARG, "%s: variant %" PRId64 " already has it", what,
                       variant_id);
    if (extended_code(s) == SQLITE_CONSTRAINT_FOREIGNKEY)
        return hb_fail(HB_ERR_ARG, "%s: run %" PRId64 " has no variant %" PRId64, what,
                       run_id, variant_id);
    return ret;
}

static hb_status insert_layer_score(store *s, sqlite3_stmt *st, int64_t run_id,
                                    int64_t variant_id, const store_layer_score *l)
{
    char what[64];
    hb_status ret;

    snprintf(what, sizeof(what), "insert layer score %d", l->layer);
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, variant_id);
    sqlite3_bind_int(st, 3, l->layer);
    if (l->ref_layer >= 0) {
        sqlite3_bind_int(st, 4, l->ref_layer);
        sqlite3_bind_double(st, 5, l->snr_db);
    } else {
        sqlite3_bind_null(st, 4);
        sqlite3_bind_null(st, 5);
    }
    if ((ret = store_sql_step_done(s, st, what)) == HB_OK)
        return HB_OK;
    if (extended_code(s) == SQLITE_CONSTRAINT_PRIMARYKEY)
        return hb_fail(HB_ERR_ARG, "%s: given twice", what);
    if (extended_code(s) == SQLITE_CONSTRAINT_FOREIGNKEY)
        return hb_fail(HB_ERR_ARG, "%s: run %" PRId64 " has no variant %" PRId64
                       " with layer %d", what, run_id, variant_id, l->layer);
    return ret;
}

hb_status store_scores_add(store *s, int64_t run_id, int64_t variant_id,
                           const store_score *scores, int n_scores,
                           const store_layer_score *layers, int n_layers)
{
    static const char score_sql[] =
        "INSERT INTO scores (run_id, variant_id, metric, value)"
        " VALUES (?1, ?2, ?3, ?4)";
    static const char layer_sql[] =
        "INSERT INTO layer_scores (run_id, variant_id, layer, ref_layer, snr_db)"
        " VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *sst = NULL, *lst = NULL;
    hb_status ret;

    if (!s)
        return hb_fail(HB_ERR_ARG, "store_scores_add: NULL store");
    if ((ret = check_scores(scores, n_scores, layers, n_layers)) != HB_OK ||
        (ret = store_sql_prepare(s, "insert score", score_sql, &sst)) != HB_OK ||
        (ret = store_sql_prepare(s, "insert layer score", layer_sql, &lst)) != HB_OK ||
        (ret = store_sql_begin(s, 1)) != HB_OK)
        goto cleanup;
    for (int i = 0; i < n_scores; i++)
        if ((ret = insert_score(s, sst, run_id, variant_id, &scores[i])) != HB_OK)
            goto cleanup;
    for (int i = 0; i < n_layers; i++)
        if ((ret = insert_layer_score(s, lst, run_id, variant_id, &layers[i])) != HB_OK)
            goto cleanup;
    ret = store_sql_commit(s);
cleanup:
    sqlite3_finalize(sst);
    sqlite3_finalize(lst);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}
