/*
 * store.c: opening the results database, its schema and migrations, and the
 * SQL helpers the other store files share. docs/schema.md is the reference.
 *
 * Workload: a benchmark writes a few rows per test vector (tens to thousands
 * of vectors per run), several hilbench processes may write to one file at
 * once, and reports read whole runs. Hence WAL (readers never block the
 * writer), a 10 s busy time-out (writers queue instead of failing), and one
 * short transaction per write function.
 *
 * Versioning: PRAGMA user_version is the number of migration steps applied.
 * store_migrations[i] takes the schema from version i to i + 1. A released
 * step is never edited; a new version appends a step and raises
 * STORE_SCHEMA_VERSION. All pending steps and the new user_version commit in
 * one transaction, so a crash mid-migration leaves the old version intact.
 */
#include "store_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* How long a write waits for another writer before failing. */
#define STORE_BUSY_TIMEOUT_MS 10000
#define STORE_WAL_RETRY_MS 5

/* Version 1: runs, variants and their layers, per-vector results, memory.
 * Child rows name their run and variant together, (variant_id, run_id)
 * referencing variants(id, run_id), so a row can never point at a variant
 * of another run. */
static const char schema_v1[] =
    "CREATE TABLE runs ("
    " id INTEGER PRIMARY KEY,"
    " uuid TEXT NOT NULL UNIQUE,"
    " started TEXT NOT NULL,"
    " finished TEXT,"
    " board TEXT NOT NULL,"
    " host TEXT NOT NULL,"
    " hilbench_version TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'running'"
    "  CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),"
    " error TEXT,"
    " timing_unit TEXT NOT NULL,"
    " counter_hz REAL NOT NULL,"
    " repeat INTEGER NOT NULL,"
    " warmup INTEGER NOT NULL,"
    " command TEXT);"
    "CREATE INDEX runs_started ON runs(started);"
    "CREATE TABLE variants ("
    " id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " model_file TEXT NOT NULL,"
    " model_sha256 TEXT NOT NULL,"
    " recipe TEXT NOT NULL,"
    " blob_bytes INTEGER NOT NULL,"
    " UNIQUE (run_id, id));"
    "CREATE TABLE layers ("
    " variant_id INTEGER NOT NULL REFERENCES variants(id) ON DELETE CASCADE,"
    " idx INTEGER NOT NULL CHECK (idx >= 0),"
    " op TEXT NOT NULL,"
    " input_shapes TEXT,"
    " output_shapes TEXT,"
    " input_dtypes TEXT,"
    " output_dtypes TEXT,"
    " macs INTEGER NOT NULL,"
    " param_bytes INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, idx)) WITHOUT ROWID;"
    "CREATE TABLE inferences ("
    " run_id INTEGER NOT NULL,"
    " variant_id INTEGER NOT NULL,"
    " vector_index INTEGER NOT NULL CHECK (vector_index >= 0),"
    " vector TEXT NOT NULL,"
    " cycles INTEGER NOT NULL,"
    " latency_us REAL NOT NULL,"
    " output BLOB NOT NULL,"
    " repeats INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, vector_index),"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX inferences_run ON inferences(run_id);"
    "CREATE TABLE repeat_timings ("
    " variant_id INTEGER NOT NULL,"
    " vector_index INTEGER NOT NULL,"
    " repeat INTEGER NOT NULL,"
    " cycles INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, vector_index, repeat),"
    " FOREIGN KEY (variant_id, vector_index)"
    "  REFERENCES inferences(variant_id, vector_index) ON DELETE CASCADE)"
    " WITHOUT ROWID;"
    "CREATE TABLE layer_timings ("
    " run_id INTEGER NOT NULL,"
    " variant_id INTEGER NOT NULL,"
    " vector_index INTEGER NOT NULL,"
    " layer INTEGER NOT NULL,"
    " cycles INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, vector_index, layer),"
    " FOREIGN KEY (variant_id, vector_index)"
    "  REFERENCES inferences(variant_id, vector_index) ON DELETE CASCADE,"
    " FOREIGN KEY (variant_id, layer) REFERENCES layers(variant_id, idx)"
    "  ON DELETE CASCADE,"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE) WITHOUT ROWID;"
    /* Serves the per-layer median (scan one variant by layer, cycles sorted)
     * and the foreign key to layers. */
    "CREATE INDEX layer_timings_layer"
    " ON layer_timings(variant_id, layer, cycles);"
    "CREATE TABLE memory ("
    " run_id INTEGER NOT NULL,"
    " variant_id INTEGER PRIMARY KEY,"
    " arena_bytes INTEGER NOT NULL,"
    " stack_bytes INTEGER NOT NULL,"
    " model_bytes INTEGER NOT NULL,"
    " firmware_flash_bytes INTEGER,"
    " firmware_ram_bytes INTEGER,"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE);"
    "CREATE INDEX memory_run ON memory(run_id);";

/* Version 2: scores. The run names its reference variant (by recipe), its
 * dataset, suite and task; each variant gets its scores (one row per
 * metric) and, per layer, the reference layer it was compared with and the
 * SNR against it. */
static const char schema_v2[] =
    "ALTER TABLE runs ADD COLUMN reference TEXT;"
    "ALTER TABLE runs ADD COLUMN dataset TEXT;"
    "ALTER TABLE runs ADD COLUMN suite TEXT;"
    "ALTER TABLE runs ADD COLUMN task TEXT"
    " CHECK (task IN ('classification', 'anomaly', 'regression'));"
    "CREATE TABLE scores ("
    " run_id INTEGER NOT NULL,"
    " variant_id INTEGER NOT NULL,"
    " metric TEXT NOT NULL CHECK (metric <> ''),"
    " value REAL NOT NULL,"
    " PRIMARY KEY (variant_id, metric),"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX scores_run ON scores(run_id);"
    "CREATE TABLE layer_scores ("
    " run_id INTEGER NOT NULL,"
    " variant_id INTEGER NOT NULL,"
    " layer INTEGER NOT NULL,"
    " ref_layer INTEGER CHECK (ref_layer >= 0),"
    " snr_db REAL,"
    " CHECK ((ref_layer IS NULL) = (snr_db IS NULL)),"
    " PRIMARY KEY (variant_id, layer),"
    " FOREIGN KEY (variant_id, layer) REFERENCES layers(variant_id, idx)"
    "  ON DELETE CASCADE,"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE) WITHOUT ROWID;";

/* Version 3: recovery. A run records the process that runs it (so one
 * left "running" by a process that died is recognised) and the options
 * `hilbench run --resume` needs; a variant records how it ended, why, and
 * how often the board had to be reset during it. Older rows keep null
 * owner, options and variant status (unknown). */
static const char schema_v3[] =
    "ALTER TABLE runs ADD COLUMN owner_pid INTEGER;"
    "ALTER TABLE runs ADD COLUMN owner_boot TEXT;"
    "ALTER TABLE runs ADD COLUMN owner_start INTEGER;"
    "ALTER TABLE runs ADD COLUMN options TEXT;"
    "ALTER TABLE variants ADD COLUMN status TEXT"
    " CHECK (status IN ('running', 'ok', 'failed'));"
    "ALTER TABLE variants ADD COLUMN error TEXT;"
    "ALTER TABLE variants ADD COLUMN resets INTEGER NOT NULL DEFAULT 0"
    " CHECK (resets >= 0);"
    "CREATE INDEX runs_status ON runs(status);";

/* Version 4: boards that speak another protocol. A run says what its
 * board spoke (the stub's frames, or MLPerf Tiny's text commands) and
 * whether it followed the MLCommons runner's rules; a variant says whether
 * its layers were timed (an MLPerf Tiny firmware times whole inferences
 * only) and which model the firmware said it runs. Older rows are the
 * stub's, timed per layer when they have layer timings. */
static const char schema_v4[] =
    "ALTER TABLE runs ADD COLUMN protocol TEXT NOT NULL DEFAULT 'hilbench'"
    " CHECK (protocol IN ('hilbench', 'mlperf-tiny'));"
    "ALTER TABLE runs ADD COLUMN mlperf_rules INTEGER NOT NULL DEFAULT 0"
    " CHECK (mlperf_rules IN (0, 1));"
    "ALTER TABLE variants ADD COLUMN layer_timing INTEGER NOT NULL DEFAULT 1"
    " CHECK (layer_timing IN (0, 1));"
    "ALTER TABLE variants ADD COLUMN firmware_model TEXT;"
    "UPDATE variants SET layer_timing = 0 WHERE NOT EXISTS"
    " (SELECT 1 FROM layer_timings t WHERE t.variant_id = variants.id);";

/* Version 5: provenance of the firmware. A run records the SHA-256 of the
 * firmware image its board ran (the profile's [firmware] image file), so a
 * report can say which build of the stub produced the numbers. Older runs,
 * and boards without an image, have null. */
static const char schema_v5[] =
    "ALTER TABLE runs ADD COLUMN firmware_sha256 TEXT"
    " CHECK (firmware_sha256 IS NULL OR length(firmware_sha256) = 64);";

static const char *const store_migrations[] = {
    schema_v1, /* 0 -> 1 */
    schema_v2, /* 1 -> 2 */
    schema_v3, /* 2 -> 3 */
    schema_v4, /* 3 -> 4 */
    schema_v5, /* 4 -> 5 */
};

_Static_assert(sizeof(store_migrations) / sizeof(store_migrations[0]) ==
                   STORE_SCHEMA_VERSION,
               "one migration step per schema version");

/* ---- SQL helpers --------------------------------------------------------- */

hb_status store_sql_fail(store *s, const char *call, const char *what)
{
    int rc = sqlite3_extended_errcode(s->db);
    hb_status code;

    switch (rc & 0xff) {
    case SQLITE_CONSTRAINT: code = HB_ERR_ARG; break;
    case SQLITE_NOMEM: code = HB_ERR_MEM; break;
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT: code = HB_ERR_FORMAT; break;
    default: code = HB_ERR_FAIL; break;
    }
    return hb_fail(code, "%s: %s(%s): %s", s->path, call, what, sqlite3_errmsg(s->db));
}

hb_status store_sql_prepare(store *s, const char *what, const char *sql,
                            sqlite3_stmt **st)
{
    *st = NULL;
    if (sqlite3_prepare_v2(s->db, sql, -1, st, NULL) != SQLITE_OK)
        return store_sql_fail(s, "sqlite3_prepare", what);
    return HB_OK;
}

hb_status store_sql_step_done(store *s, sqlite3_stmt *st, const char *what)
{
    /* On failure the statement is left as is, so the caller can still read
     * the extended error code (a duplicate, a foreign key) and finalize. */
    if (sqlite3_step(st) != SQLITE_DONE)
        return store_sql_fail(s, "sqlite3_step", what);
    sqlite3_reset(st);
    return HB_OK;
}

hb_status store_sql_exec(store *s, const char *what, const char *sql)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
        return store_sql_fail(s, "sqlite3_exec", what);
    return HB_OK;
}

hb_status store_sql_begin(store *s, int write)
{
    return write ? store_sql_exec(s, "begin immediate", "BEGIN IMMEDIATE")
                 : store_sql_exec(s, "begin", "BEGIN");
}

hb_status store_sql_commit(store *s)
{
    return store_sql_exec(s, "commit", "COMMIT");
}

hb_status store_sql_update_one(store *s, sqlite3_stmt *st, const char *what)
{
    hb_status ret;
    if ((ret = store_sql_begin(s, 1)) != HB_OK ||
        (ret = store_sql_step_done(s, st, what)) != HB_OK)
        goto fail;
    if (sqlite3_changes(s->db) == 0) {
        ret = HB_ERR_NOT_FOUND;
        goto fail;
    }
    return store_sql_commit(s);
fail:
    store_sql_rollback(s);
    return ret;
}

void store_sql_rollback(store *s)
{
    /* SQLite itself rolls back on some errors (I/O, full disk, busy); a
     * second ROLLBACK would only fail. Its result is ignored so the error
     * that caused the rollback stays the recorded one. */
    if (!sqlite3_get_autocommit(s->db))
        sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

hb_status store_sql_bind_u64(store *s, sqlite3_stmt *st, int col, uint64_t v,
                             const char *field)
{
    if (v > (uint64_t)INT64_MAX)
        return hb_fail(HB_ERR_ARG, "%s %" PRIu64 " is out of range (max %" PRId64
                       ")", field, v, INT64_MAX);
    if (sqlite3_bind_int64(st, col, (sqlite3_int64)v) != SQLITE_OK)
        return store_sql_fail(s, "sqlite3_bind_int64", field);
    return HB_OK;
}

hb_status store_sql_bind_text(store *s, sqlite3_stmt *st, int col,
                              const char *v)
{
    int rc = v ? sqlite3_bind_text(st, col, v, -1, SQLITE_TRANSIENT)
               : sqlite3_bind_null(st, col);
    return rc == SQLITE_OK ? HB_OK : store_sql_fail(s, "sqlite3_bind_text",
                                                     "string");
}

/* ---- opening --------------------------------------------------------------- */

/* mkdir -p of the folder holding path; nothing to do for a bare file name. */
static hb_status make_parent(const char *path)
{
    char *dir = strdup(path);
    hb_status ret = HB_OK;
    char *slash;

    if (!dir)
        return hb_fail(HB_ERR_MEM, "out of memory");
    slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        goto cleanup;
    *slash = '\0';
    for (char *p = dir + 1;; p++) {
        int last = *p == '\0';
        if (*p != '/' && !last)
            continue;
        *p = '\0';
        if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
            ret = hb_fail(HB_ERR_FAIL, "mkdir(%s): %s", dir, strerror(errno));
            goto cleanup;
        }
        if (last)
            break;
        *p = '/';
    }
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        ret = hb_fail(HB_ERR_FAIL, "%s: not a folder", dir);
cleanup:
    free(dir);
    return ret;
}

/* Runs a one-row PRAGMA and returns its integer result. */
static hb_status pragma_int(store *s, const char *sql, int *out)
{
    sqlite3_stmt *st = NULL;
    hb_status ret = store_sql_prepare(s, sql, sql, &st);

    if (ret != HB_OK)
        goto cleanup;
    if (sqlite3_step(st) != SQLITE_ROW) {
        ret = store_sql_fail(s, "sqlite3_step", sql);
        goto cleanup;
    }
    *out = sqlite3_column_int(st, 0);
cleanup:
    sqlite3_finalize(st);
    return ret;
}

static hb_status check_version(int version)
{
    if (version > STORE_SCHEMA_VERSION)
        return hb_fail(HB_ERR_UNSUPPORTED,
                       "database schema version %d is newer than this "
                       "hilbench supports (version %d); use a newer hilbench",
                       version, STORE_SCHEMA_VERSION);
    if (version < 0)
        return hb_fail(HB_ERR_FORMAT, "bad schema version %d", version);
    return HB_OK;
}

/* Version 0 is a new file; one that already holds tables at version 0 is
 * another program's database (hilbench's first step sets version 1 with
 * its first table), which hilbench must not fill with its own. One
 * statement reads both, so another hilbench creating the file at the same
 * time is seen before or after, never half-way. */
static hb_status check_ours(store *s)
{
    int n = 0;
    hb_status ret = pragma_int(s, "SELECT count(*) FROM sqlite_master WHERE "
                               "(SELECT user_version FROM pragma_user_version) = 0", &n);
    if (ret == HB_OK && n > 0)
        ret = hb_fail(HB_ERR_FORMAT, "not a hilbench database (it holds %d tables or "
                      "indexes of another program)", n);
    return ret;
}

static hb_status migrate(store *s)
{
    int version = 0;
    hb_status ret = pragma_int(s, "PRAGMA user_version", &version);

    if (ret != HB_OK || (ret = check_version(version)) != HB_OK ||
        version == STORE_SCHEMA_VERSION)
        return ret;
    if ((ret = store_sql_begin(s, 1)) != HB_OK)
        return ret;
    /* Another process may have migrated while we waited for the lock. */
    if ((ret = pragma_int(s, "PRAGMA user_version", &version)) != HB_OK ||
        (ret = check_version(version)) != HB_OK)
        goto cleanup;
    for (int v = version; v < STORE_SCHEMA_VERSION; v++) {
        char what[64];
        snprintf(what, sizeof(what), "schema step %d -> %d", v, v + 1);
        if ((ret = store_sql_exec(s, what, store_migrations[v])) != HB_OK)
            goto cleanup;
    }
    /* PRAGMA takes no bound parameters; the value is our own constant. */
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
    if ((ret = store_sql_exec(s, "set user_version", sql)) != HB_OK)
        goto cleanup;
    ret = store_sql_commit(s);
cleanup:
    if (ret != HB_OK)
        store_sql_rollback(s);
    return ret;
}

static hb_status set_wal(store *s)
{
    static const char sql[] = "PRAGMA journal_mode = WAL";
    sqlite3_stmt *st = NULL;
    hb_status ret = HB_OK;
    int rc = SQLITE_OK;

    /* Switching a new file to WAL needs an exclusive lock, and SQLite does
     * not call the busy handler for it: when several processes create the
     * file at once, the losers get SQLITE_BUSY at once. Retry for as long
     * as the busy time-out would have waited. */
    for (int waited_ms = 0;; waited_ms += STORE_WAL_RETRY_MS) {
        if ((ret = store_sql_prepare(s, "journal_mode", sql, &st)) != HB_OK)
            goto cleanup;
        rc = sqlite3_step(st);
        if ((rc & 0xff) != SQLITE_BUSY || waited_ms >= STORE_BUSY_TIMEOUT_MS)
            break;
        sqlite3_finalize(st);
        st = NULL;
        sqlite3_sleep(STORE_WAL_RETRY_MS);
    }
    if (rc != SQLITE_ROW) {
        ret = store_sql_fail(s, "sqlite3_step", sql);
        goto cleanup;
    }
    /* SQLite answers with the mode in force; a file system without shared
     * memory keeps the old one, and concurrent writers would then fail. */
    const char *mode = (const char *)sqlite3_column_text(st, 0);
    if (!mode || strcmp(mode, "wal") != 0)
        ret = hb_fail(HB_ERR_UNSUPPORTED, "cannot use WAL journal mode "
                      "(got '%s')", mode ? mode : "?");
cleanup:
    sqlite3_finalize(st);
    return ret;
}

hb_status store_open(const char *path, store **out)
{
    store *s = NULL;
    hb_status ret;
    int version = 0;

    if (!out)
        return hb_fail(HB_ERR_ARG, "store_open: out is NULL");
    *out = NULL;
    if (!path || !*path)
        return hb_fail(HB_ERR_ARG, "store_open: empty database path");
    if ((ret = make_parent(path)) != HB_OK)
        return ret;
    s = calloc(1, sizeof(*s));
    if (!s || !(s->path = strdup(path))) {
        ret = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                        NULL) != SQLITE_OK) {
        ret = s->db ? hb_fail(HB_ERR_FAIL, "sqlite3_open: %s",
                              sqlite3_errmsg(s->db))
                    : hb_fail(HB_ERR_MEM, "sqlite3_open: out of memory");
        goto cleanup;
    }
    sqlite3_extended_result_codes(s->db, 1);
    if (sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS) != SQLITE_OK) {
        ret = store_sql_fail(s, "sqlite3_busy_timeout", "open");
        goto cleanup;
    }
    /* The version is checked before anything writes to the file, so a newer
     * database is left exactly as it was. */
    if ((ret = pragma_int(s, "PRAGMA user_version", &version)) != HB_OK ||
        (ret = check_version(version)) != HB_OK || (ret = check_ours(s)) != HB_OK)
        goto cleanup;
    if ((ret = store_sql_exec(s, "foreign_keys", "PRAGMA foreign_keys = ON")) != HB_OK ||
        (ret = set_wal(s)) != HB_OK ||
        (ret = store_sql_exec(s, "synchronous",
                              "PRAGMA synchronous = NORMAL")) != HB_OK ||
        (ret = migrate(s)) != HB_OK ||
        (ret = store_reap_orphans(s)) != HB_OK)
        goto cleanup;
    *out = s;
    s = NULL;
cleanup:
    store_close(s);
    /* Every failure message starts with the file: "<path>: <reason>"
     * (store_sql_fail's already do). */
    if (ret != HB_OK && strncmp(hb_last_error(), path, strlen(path)) != 0)
        hb_context(ret, "%s", path);
    return ret;
}

void store_close(store *s)
{
    if (!s)
        return;
    /* Every function finalizes its own statements, so this closes at once;
     * the last connection also checkpoints and removes the WAL files. */
    sqlite3_close_v2(s->db);
    free(s->path);
    free(s);
}
