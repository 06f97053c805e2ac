/*
 * store_resume.c: what recovery needs from the database: who owns a run,
 * runs whose process died, a run's progress per variant, a variant's end.
 *
 * A run is owned by the process that writes it. kill -9, a crash or a
 * power cut leaves it "running" with no one behind it; the next
 * store_open() on the same host sees that its process is gone and marks it
 * "interrupted" (docs/reliability.md). A process is named by pid, boot id
 * and start time, so a reused pid or a reboot is not mistaken for it. Runs
 * of other hosts are left alone: their processes cannot be checked here.
 */
#include "store_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- owners ---------------------------------------------------------------- */

static void read_line(const char *path, char *buf, size_t cap)
{
    FILE *f = fopen(path, "r");
    buf[0] = '\0';
    if (!f)
        return;
    if (!fgets(buf, (int)cap, f))
        buf[0] = '\0';
    fclose(f);
    buf[strcspn(buf, "\n")] = '\0';
}

/* Field 22 of /proc/PID/stat: start time in clock ticks after boot; -1 if
 * there is no such process. The command name (field 2) may hold blanks and
 * parentheses, so fields are counted from the last ')'. */
static int64_t start_time(int64_t pid)
{
    char path[64], buf[1024];
    snprintf(path, sizeof(path), "/proc/%" PRId64 "/stat", pid);
    read_line(path, buf, sizeof(buf));
    char *p = strrchr(buf, ')');
    if (!p)
        return -1;
    p++;
    for (int field = 2; field < 22 && p; field++) {
        p = strchr(p + 1, ' ');
    }
    return p ? strtoll(p + 1, NULL, 10) : -1;
}

void store_owner_self(store_owner *o)
{
    o->pid = (int64_t)getpid();
    read_line("/proc/sys/kernel/random/boot_id", o->boot, sizeof(o->boot));
    o->start = start_time(o->pid);
}

int store_owner_alive(const store_owner *o)
{
    store_owner me;
    store_owner_self(&me);
    if (o->boot[0] && me.boot[0] && strcmp(o->boot, me.boot) != 0)
        return 0; /* the machine rebooted since */
    int64_t t = start_time(o->pid);
    return t >= 0 && (o->start < 0 || t == o->start);
}

void store_host_name(char *buf, size_t cap)
{
    if (gethostname(buf, cap - 1) != 0)
        snprintf(buf, cap, "unknown");
    buf[cap - 1] = '\0';
}

static void owner_of(sqlite3_stmt *st, int col, store_owner *o)
{
    const char *boot = (const char *)sqlite3_column_text(st, col + 1);
    o->pid = sqlite3_column_int64(st, col);
    snprintf(o->boot, sizeof(o->boot), "%s", boot ? boot : "");
    o->start = sqlite3_column_type(st, col + 2) == SQLITE_NULL ? -1
                                                             : sqlite3_column_int64(st, col + 2);
}

hb_status store_reap_orphans(store *s)
{
    static const char find_sql[] =
        "SELECT id, owner_pid, owner_boot, owner_start FROM runs"
        " WHERE status = 'running' AND host = ?1 AND owner_pid IS NOT NULL";
    /* Only if nobody claimed it in the meantime (--resume). */
    static const char mark_sql[] =
        "UPDATE runs SET status = 'interrupted', error = ?2"
        " WHERE id = ?1 AND status = 'running' AND owner_pid = ?3"
        " AND owner_start IS ?4";
    sqlite3_stmt *find = NULL, *mark = NULL;
    char host[256];
    hb_status ret;
    int64_t ids[64];
    store_owner owners[64];
    int n = 0, rc;

    store_host_name(host, sizeof(host));
    if ((ret = store_sql_prepare(s, "find orphan runs", find_sql, &find)) != HB_OK ||
        (ret = store_sql_bind_text(s, find, 1, host)) != HB_OK)
        goto cleanup;
    /* Read first, write after: a few dead runs at a time is plenty (the
     * rest are found on the next open). */
    while (n < 64 && (rc = sqlite3_step(find)) == SQLITE_ROW) {
        owner_of(find, 1, &owners[n]);
        ids[n] = sqlite3_column_int64(find, 0);
        if (!store_owner_alive(&owners[n]))
            n++;
    }
    sqlite3_finalize(find);
    find = NULL;
    if (n == 0)
        goto cleanup;
    if ((ret = store_sql_prepare(s, "mark orphan run", mark_sql, &mark)) != HB_OK ||
        (ret = store_sql_begin(s, 1)) != HB_OK)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        char why[400];
        snprintf(why, sizeof(why), "the process that ran it (pid %" PRId64 " on %s) is gone",
                 owners[i].pid, host);
        sqlite3_bind_int64(mark, 1, ids[i]);
        sqlite3_bind_int64(mark, 3, owners[i].pid);
        if (owners[i].start >= 0)
            sqlite3_bind_int64(mark, 4, owners[i].start);
        else
            sqlite3_bind_null(mark, 4);
        if ((ret = store_sql_bind_text(s, mark, 2, why)) != HB_OK ||
            (ret = store_sql_step_done(s, mark, "mark orphan run")) != HB_OK)
            goto cleanup;
    }
    ret = store_sql_commit(s);
cleanup:
    sqlite3_finalize(find);
    sqlite3_finalize(mark);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

/* ---- a run's state ------------------------------------------------------------ */

static char *dup_col(sqlite3_stmt *st, int col)
{
    const char *t = (const char *)sqlite3_column_text(st, col);
    return t ? strdup(t) : NULL;
}

void store_run_state_free(store_run_state *r)
{
    if (!r)
        return;
    free(r->status);
    free(r->options);
    free(r->board);
    free(r->host);
    memset(r, 0, sizeof(*r));
}

hb_status store_run_state_get(store *s, int64_t run_id, store_run_state *out)
{
    static const char sql[] =
        "SELECT status, options, board, host, owner_pid, owner_boot, owner_start"
        " FROM runs WHERE id = ?1";
    sqlite3_stmt *st = NULL;
    hb_status ret;
    char host[256];

    memset(out, 0, sizeof(*out));
    if ((ret = store_sql_prepare(s, "run state", sql, &st)) != HB_OK)
        return ret;
    sqlite3_bind_int64(st, 1, run_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        ret = hb_fail(HB_ERR_NOT_FOUND, "run %" PRId64 " not found", run_id);
        goto cleanup;
    }
    if (rc != SQLITE_ROW) {
        ret = store_sql_fail(s, "sqlite3_step", "run state");
        goto cleanup;
    }
    out->status = dup_col(st, 0);
    out->options = dup_col(st, 1);
    out->board = dup_col(st, 2);
    out->host = dup_col(st, 3);
    if (!out->status || !out->board || !out->host) {
        ret = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    store_owner o;
    owner_of(st, 4, &o);
    out->owner_pid = o.pid;
    store_host_name(host, sizeof(host));
    /* Another host's process cannot be checked: assume it runs. */
    out->owner_alive = !strcmp(out->status, "running") &&
                       (strcmp(out->host, host) != 0 ||
                        sqlite3_column_type(st, 4) == SQLITE_NULL || store_owner_alive(&o));
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_run_state_free(out);
    return ret;
}

hb_status store_run_reopen(store *s, int64_t run_id)
{
    static const char sql[] =
        "UPDATE runs SET status = 'running', error = NULL, finished = NULL,"
        " owner_pid = ?2, owner_boot = ?3, owner_start = ?4"
        " WHERE id = ?1 AND status IN ('failed', 'interrupted')";
    sqlite3_stmt *st = NULL;
    store_owner me;
    hb_status ret;

    store_owner_self(&me);
    if ((ret = store_sql_prepare(s, "reopen run", sql, &st)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 3, me.boot)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, me.pid);
    sqlite3_bind_int64(st, 4, me.start);
    if ((ret = store_sql_update_one(s, st, "reopen run")) == HB_ERR_NOT_FOUND)
        ret = hb_fail(HB_ERR_ARG, "run %" PRId64 " is not failed or interrupted (another "
                      "process may be running it)", run_id);
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

/* ---- variants ------------------------------------------------------------------ */

void store_variants_progress_free(store_variant_progress *v, int n)
{
    for (int i = 0; v && i < n; i++) {
        free(v[i].recipe);
        free(v[i].model_sha256);
        free(v[i].status);
    }
    free(v);
}

hb_status store_variants_progress(store *s, int64_t run_id, store_variant_progress **out,
                                  int *n_out)
{
    static const char sql[] =
        "SELECT v.id, v.recipe, v.model_sha256, v.status, v.resets,"
        " (SELECT count(*) FROM inferences i WHERE i.variant_id = v.id),"
        " (SELECT coalesce(max(vector_index) + 1, 0) FROM inferences i"
        "  WHERE i.variant_id = v.id),"
        " m.stack_bytes"
        " FROM variants v LEFT JOIN memory m ON m.variant_id = v.id"
        " WHERE v.run_id = ?1 ORDER BY v.id";
    sqlite3_stmt *st = NULL;
    store_variant_progress *v = NULL;
    int n = 0, cap = 0, rc;
    hb_status ret;

    *out = NULL;
    *n_out = 0;
    if ((ret = store_sql_prepare(s, "variant progress", sql, &st)) != HB_OK)
        return ret;
    sqlite3_bind_int64(st, 1, run_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            store_variant_progress *bigger = realloc(v, (size_t)cap * sizeof(*v));
            if (!bigger) {
                ret = hb_fail(HB_ERR_MEM, "out of memory");
                goto cleanup;
            }
            v = bigger;
        }
        store_variant_progress *p = &v[n++];
        memset(p, 0, sizeof(*p));
        p->id = sqlite3_column_int64(st, 0);
        p->recipe = dup_col(st, 1);
        p->model_sha256 = dup_col(st, 2);
        p->status = dup_col(st, 3);
        p->resets = sqlite3_column_int(st, 4);
        p->vectors = sqlite3_column_int(st, 5);
        p->next_vector = sqlite3_column_int(st, 6);
        p->has_memory = sqlite3_column_type(st, 7) != SQLITE_NULL;
        p->stack_bytes = (uint64_t)sqlite3_column_int64(st, 7);
        if (!p->recipe || !p->model_sha256) {
            ret = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
    }
    if (rc != SQLITE_DONE) {
        ret = store_sql_fail(s, "sqlite3_step", "variant progress");
        goto cleanup;
    }
    *out = v;
    *n_out = n;
    v = NULL;
cleanup:
    sqlite3_finalize(st);
    store_variants_progress_free(v, v ? n : 0);
    return ret;
}

hb_status store_variant_finish(store *s, int64_t run_id, int64_t variant_id,
                               const char *status, const char *error, int resets)
{
    static const char sql[] =
        "UPDATE variants SET status = ?3, error = ?4, resets = ?5"
        " WHERE id = ?2 AND run_id = ?1";
    sqlite3_stmt *st = NULL;
    hb_status ret;

    if (!status || (strcmp(status, "ok") && strcmp(status, "failed") &&
                    strcmp(status, "running")) || resets < 0)
        return hb_fail(HB_ERR_ARG, "store_variant_finish: status '%s' is not running, ok or "
                       "failed, or resets %d < 0", status ? status : "(null)", resets);
    if ((ret = store_sql_prepare(s, "finish variant", sql, &st)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 3, status)) != HB_OK ||
        (ret = store_sql_bind_text(s, st, 4, error)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(st, 1, run_id);
    sqlite3_bind_int64(st, 2, variant_id);
    sqlite3_bind_int(st, 5, resets);
    if ((ret = store_sql_update_one(s, st, "finish variant")) == HB_ERR_NOT_FOUND)
        ret = hb_fail(HB_ERR_ARG, "finish variant: run %" PRId64 " has no variant %" PRId64,
                      run_id, variant_id);
cleanup:
    sqlite3_finalize(st);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

hb_status store_scores_clear(store *s, int64_t run_id, int64_t variant_id, const char *keep)
{
    hb_status ret;
    sqlite3_stmt *a = NULL, *b = NULL;
    if ((ret = store_sql_prepare(s, "clear scores",
                                 "DELETE FROM scores WHERE run_id = ?1 AND variant_id = ?2"
                                 " AND (?3 IS NULL OR substr(metric, 1, length(?3)) <> ?3)",
                                 &a)) != HB_OK ||
        (ret = store_sql_prepare(s, "clear layer scores",
                                 "DELETE FROM layer_scores WHERE run_id = ?1"
                                 " AND variant_id = ?2", &b)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(a, 1, run_id);
    sqlite3_bind_int64(a, 2, variant_id);
    if (keep && (ret = store_sql_bind_text(s, a, 3, keep)) != HB_OK)
        goto cleanup;
    sqlite3_bind_int64(b, 1, run_id);
    sqlite3_bind_int64(b, 2, variant_id);
    if ((ret = store_sql_begin(s, 1)) != HB_OK ||
        (ret = store_sql_step_done(s, a, "clear scores")) != HB_OK ||
        (ret = store_sql_step_done(s, b, "clear layer scores")) != HB_OK)
        goto cleanup;
    ret = store_sql_commit(s);
cleanup:
    sqlite3_finalize(a);
    sqlite3_finalize(b);
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

hb_status store_score_get(store *s, int64_t variant_id, const char *metric, double *value,
                          int *found)
{
    sqlite3_stmt *st = NULL;
    hb_status ret;
    int rc;

    *value = 0.0;
    *found = 0;
    if ((ret = store_sql_prepare(s, "read score",
                                 "SELECT value FROM scores WHERE variant_id = ?1"
                                 " AND metric = ?2", &st)) != HB_OK)
        return ret;
    sqlite3_bind_int64(st, 1, variant_id);
    if ((ret = store_sql_bind_text(s, st, 2, metric)) != HB_OK)
        goto cleanup;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *value = sqlite3_column_double(st, 0);
        *found = 1;
    } else if (rc != SQLITE_DONE) {
        ret = store_sql_fail(s, "sqlite3_step", "read score");
    }
cleanup:
    sqlite3_finalize(st);
    return ret;
}

hb_status store_outputs_each(store *s, int64_t variant_id, store_output_fn fn, void *ctx)
{
    static const char sql[] =
        "SELECT vector_index, vector, output FROM inferences"
        " WHERE variant_id = ?1 ORDER BY vector_index";
    sqlite3_stmt *st = NULL;
    hb_status ret;
    int rc;

    if ((ret = store_sql_prepare(s, "read outputs", sql, &st)) != HB_OK)
        return ret;
    sqlite3_bind_int64(st, 1, variant_id);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const void *blob = sqlite3_column_blob(st, 2);
        size_t bytes = (size_t)sqlite3_column_bytes(st, 2);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        if ((ret = fn(ctx, sqlite3_column_int(st, 0), name ? name : "", blob, bytes)) != HB_OK)
            goto cleanup;
    }
    if (rc != SQLITE_DONE)
        ret = store_sql_fail(s, "sqlite3_step", "read outputs");
cleanup:
    sqlite3_finalize(st);
    return ret;
}
