/*
 * store_int.h: what the files of the store module share; not a public API.
 *
 * Namespace: store_ (internal helpers: store_sql_*).
 *
 * store.c opens the database and migrates it, store_write.c holds the write
 * functions and store_json.c the JSON queries. All SQL errors go through
 * store_sql_fail() so every message names the file, the failing call and
 * statement: "results/hilbench.db: sqlite3_step(insert run): UNIQUE
 * constraint failed: runs.uuid".
 */
#ifndef STORE_INT_H
#define STORE_INT_H

#include <sqlite3.h>

#include "store.h"

struct store {
    sqlite3 *db;
    char *path;   /* owned copy, for messages */
};

/* Records "<path>: <call>(<what>): <sqlite message>" and returns the matching
 * status: constraint -> HB_ERR_ARG, not a database/corrupt -> HB_ERR_FORMAT,
 * out of memory -> HB_ERR_MEM, anything else -> HB_ERR_FAIL. */
hb_status store_sql_fail(store *s, const char *call, const char *what);

/* sqlite3_prepare_v2 of one statement, failing with store_sql_fail(). */
hb_status store_sql_prepare(store *s, const char *what, const char *sql,
                            sqlite3_stmt **st);
/* Steps a statement that returns no row (INSERT, UPDATE); on success resets
 * it so it can be bound again. */
hb_status store_sql_step_done(store *s, sqlite3_stmt *st, const char *what);
/* Runs SQL text without values (BEGIN, COMMIT, schema steps). */
hb_status store_sql_exec(store *s, const char *what, const char *sql);

/* Write transactions take the write lock up front (BEGIN IMMEDIATE), so a
 * busy database is waited for (busy_timeout) at the start instead of failing
 * half-way. Read transactions (BEGIN) give the JSON queries one snapshot. */
hb_status store_sql_begin(store *s, int write);
hb_status store_sql_commit(store *s);
/* Runs st, a bound UPDATE of one row, in a write transaction of its own.
 * If it changed no row, rolls back and returns HB_ERR_NOT_FOUND with no
 * message: the caller names what was missing. */
hb_status store_sql_update_one(store *s, sqlite3_stmt *st, const char *what);
/* Rolls back if a transaction is open; keeps the recorded error message. */
void store_sql_rollback(store *s);

/* Binders that fail with HB_ERR_ARG naming the field: SQLite integers are
 * signed 64-bit, so unsigned values above INT64_MAX cannot be stored. */
hb_status store_sql_bind_u64(store *s, sqlite3_stmt *st, int col,
                             uint64_t v, const char *field);
/* Binds a string, or NULL when v is NULL. SQLite copies it. */
hb_status store_sql_bind_text(store *s, sqlite3_stmt *st, int col,
                              const char *v);

/* The process that owns a run (store_resume.c): its pid, the kernel's boot
 * id and the process's start time in clock ticks since boot, which
 * together name one process even after its pid is reused. */
typedef struct {
    int64_t pid;
    char boot[40];
    int64_t start;
} store_owner;

void store_owner_self(store_owner *o);
/* 1 if that process (of this host) is still running. */
int store_owner_alive(const store_owner *o);
/* This machine's host name, as runs record it. */
void store_host_name(char *buf, size_t cap);
/* Marks the runs of this host whose owner is gone "interrupted". */
hb_status store_reap_orphans(store *s);

#endif
