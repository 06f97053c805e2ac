/*
 * store.h: the results database (SQLite), docs/schema.md.
 *
 * Namespace: store_ / STORE_.
 *
 * The only module that speaks SQL. Every value is bound, never spliced into
 * SQL text. The database is versioned with PRAGMA user_version and runs in
 * WAL mode with a busy time-out, so several hilbench processes can write to
 * one file. Each write function is one transaction: it lands completely or
 * not at all (one vector's results, a variant with its layers, ...).
 *
 * Ownership: store_open() returns a handle closed with store_close()
 * (which accepts NULL).
 * Strings passed in are copied by SQLite before the call returns.
 * json_t results belong to the caller (json_decref).
 */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../util/hb_error.h"

/* PRAGMA user_version of the database this build writes. */
#define STORE_SCHEMA_VERSION 5
/* "json_version" of store_run_json(); raised when a stable field changes
 * meaning or goes away (adding fields does not raise it). */
#define STORE_JSON_VERSION 1

typedef struct store store;

/* Opens (creating the file and its parent folder if needed) and migrates the
 * schema. A database from a newer hilbench gives HB_ERR_UNSUPPORTED and is
 * left untouched; a file that is not a database gives HB_ERR_FORMAT.
 * Runs left "running" by a process of this host that no longer exists
 * (killed, crashed, the machine rebooted) are marked "interrupted" here,
 * so every reader sees them as such (docs/reliability.md).
 * *out is NULL on failure. One handle per thread: a handle must not be used
 * by two threads at once (open one each; they may share the file). */
hb_status store_open(const char *path, store **out);
void store_close(store *s);

typedef struct {
    const char *board;        /* profile name */
    const char *host;         /* host name of the bench machine */
    const char *version;      /* hilbench version */
    const char *timing_unit;  /* "cycles", "instructions" or "ns" */
    double counter_hz;        /* ticks per second of the board's counter */
    int repeat, warmup;
    const char *command;      /* the command line, for provenance; may be NULL */
    /* Since schema version 2; each may be NULL. */
    const char *reference;    /* canonical recipe of the reference variant */
    const char *dataset;      /* the dataset folder as given, or "random:N:SEED" */
    const char *suite;        /* the suite file */
    const char *task;         /* "classification", "anomaly" or "regression" */
} store_run_info;

/* Since schema version 4: what the run's board speaks. */
typedef struct {
    const char *protocol;     /* "hilbench" (NULL means it) or "mlperf-tiny" */
    int mlperf_rules;         /* 1: run by the MLCommons runner's rules */
} store_run_board;

/* Creates a run with status "running", the current UTC time as "started"
 * and a new random uuid, owned by this process (pid, boot and process start
 * time are recorded, so a run whose process died is recognised). board, host, version and timing_unit are required;
 * counter_hz > 0, repeat >= 1, warmup >= 0, else HB_ERR_ARG. *run_id is the
 * local id (> 0), 0 on failure. task, when given, must be one of its three
 * words (HB_ERR_ARG). timing_unit may also be "us" (microseconds: MLPerf
 * Tiny time stamps). */
hb_status store_run_begin(store *s, const store_run_info *info, int64_t *run_id);
/* The same, also recording options: what `hilbench run --resume` needs to
 * continue the run (JSON text, schema version 3; may be NULL). */
hb_status store_run_begin_options(store *s, const store_run_info *info, const char *options,
                                  int64_t *run_id);
/* The same, also recording what the board speaks (NULL: the hilbench
 * protocol, not by the MLPerf rules); a protocol other than its two words,
 * or mlperf_rules other than 0 or 1, is HB_ERR_ARG. */
hb_status store_run_begin_board(store *s, const store_run_info *info, const char *options,
                                const store_run_board *b, int64_t *run_id);
/* Records the lower-case hex SHA-256 (64 characters) of the firmware image
 * the run's board runs (schema version 5); NULL clears it. Anything else
 * is HB_ERR_ARG, an unknown run HB_ERR_NOT_FOUND. One transaction. */
hb_status store_run_set_firmware(store *s, int64_t run_id, const char *firmware_sha256);
/* Sets status ("ok", "failed" or "interrupted"), error (may be NULL) and
 * "finished" (now). HB_ERR_NOT_FOUND if there is no such run. */
hb_status store_run_finish(store *s, int64_t run_id, const char *status,
                           const char *error);
/* Resolves a user's run reference: all digits is the local id; otherwise a
 * prefix of the uuid (hex digits and dashes, at least 4 hex digits, any
 * case). HB_ERR_NOT_FOUND if nothing matches, HB_ERR_ARG if the reference is
 * malformed or several uuids match; the message names the reference.
 * *run_id is 0 on failure. */
hb_status store_run_find(store *s, const char *ref, int64_t *run_id);

typedef struct {
    int index;
    const char *op;            /* "FULLY_CONNECTED"; required */
    const char *input_shapes;  /* e.g. "1x16,16x16,16"; NULL stores null */
    const char *output_shapes; /* NULL stores null */
    const char *input_dtypes;  /* e.g. "int8,int8,int32"; NULL stores null */
    const char *output_dtypes; /* NULL stores null */
    uint64_t macs;
    uint64_t param_bytes;
} store_layer;

typedef struct {
    const char *model_file;
    const char *model_sha256;  /* hex */
    const char *recipe;        /* "float", "int8", ... */
    uint64_t blob_bytes;
    const store_layer *layers; /* n_layers entries, stored with the variant */
    int n_layers;
} store_variant_info;

/* Since schema version 4: what the board of a variant measures. */
typedef struct {
    int layers_untimed;         /* 1: no layer timings will be stored (the
                                 * board cannot time layers, or --no-layers) */
    const char *firmware_model; /* the model the firmware says it runs; may be NULL */
} store_variant_board;

/* Adds a variant and its layers to a run, in one transaction: an unknown run
 * or a layer index given twice (HB_ERR_ARG) stores nothing. *variant_id is
 * 0 on failure. */
hb_status store_variant_add(store *s, int64_t run_id,
                            const store_variant_info *v, int64_t *variant_id);
/* The same, with what the board measures (NULL: layers timed, no firmware
 * model). */
hb_status store_variant_add_board(store *s, int64_t run_id, const store_variant_info *v,
                                  const store_variant_board *b, int64_t *variant_id);

typedef struct {
    int vector_index;          /* 0-based position in the run's vector list */
    const char *vector;        /* file name, or "random-<i>"; required */
    uint64_t cycles;           /* median of the repeats, board ticks */
    double latency_us;
    const void *output;        /* raw output bytes (all outputs, in order) */
    size_t output_bytes;
    int repeats;
    const uint64_t *repeat_cycles; /* repeats entries: each repeat's total */
    int n_layers;              /* 0 when layers were not timed */
    const uint64_t *layer_cycles;  /* n_layers entries: median per layer;
                                    * entry i is the variant's layer i */
} store_inference;

/* Stores one vector's results (inference, repeats, layer timings) in one
 * transaction. Adding the same (variant, vector_index) twice, a variant that
 * is not in run_id, or a layer timing for a layer the variant does not have
 * is refused with HB_ERR_ARG and changes nothing. Board ticks above
 * INT64_MAX are refused (HB_ERR_ARG); latency_us must be finite. */
hb_status store_inference_add(store *s, int64_t run_id, int64_t variant_id,
                              const store_inference *inf);

typedef struct {
    uint64_t arena_bytes;          /* planned arena */
    uint64_t stack_bytes;          /* stack high-water during invokes */
    uint64_t model_bytes;          /* blob bytes on the board */
    uint64_t firmware_flash_bytes; /* 0 if unknown: stored as null */
    uint64_t firmware_ram_bytes;   /* 0 if unknown: stored as null */
} store_memory;

/* Sets (inserts or replaces) a variant's memory row. HB_ERR_ARG if run_id
 * has no such variant. */
hb_status store_memory_set(store *s, int64_t run_id, int64_t variant_id,
                           const store_memory *m);

typedef struct {
    const char *metric;        /* "accuracy", "snr_db", ...; required */
    double value;              /* finite */
} store_score;

typedef struct {
    int layer;                 /* the variant's layer index */
    int ref_layer;             /* the reference layer compared with, or -1
                                * when none matches (stored as null) */
    double snr_db;             /* finite; ignored when ref_layer is -1 */
} store_layer_score;

/* Stores a variant's scores and per-layer SNR in one transaction. A metric
 * or layer given twice, a layer the variant does not have, a variant not in
 * run_id or a value that is not finite is refused (HB_ERR_ARG) and changes
 * nothing. */
hb_status store_scores_add(store *s, int64_t run_id, int64_t variant_id,
                           const store_score *scores, int n_scores,
                           const store_layer_score *layers, int n_layers);

/* ---- recovery (store_resume.c) -----------------------------------------------
 * What `hilbench run --resume` and the board recovery need. */

typedef struct {
    char *status;              /* "running", "ok", "failed", "interrupted" */
    char *options;             /* recorded options (JSON text), NULL if none */
    char *board, *host;
    int64_t owner_pid;         /* 0 if unknown */
    int owner_alive;           /* "running" and its process still runs (or
                                * runs on another host, which is assumed) */
} store_run_state;

/* *out is zeroed on failure; free with store_run_state_free. */
hb_status store_run_state_get(store *s, int64_t run_id, store_run_state *out);
void store_run_state_free(store_run_state *r);
/* Makes a "failed" or "interrupted" run "running" again, owned by this
 * process (finished and error cleared). HB_ERR_ARG for any other status:
 * finished, or already taken over by another process. */
hb_status store_run_reopen(store *s, int64_t run_id);

typedef struct {
    int64_t id;
    char *recipe, *model_sha256;
    char *status;              /* "running", "ok", "failed"; NULL before
                                * schema version 3 */
    int resets;
    int vectors;               /* inference rows */
    int next_vector;           /* max(vector_index) + 1: equal to vectors
                                * when the rows are 0..vectors-1 */
    int has_memory;
    uint64_t stack_bytes;      /* of the memory row */
} store_variant_progress;

/* A run's variants in the order they were added. */
hb_status store_variants_progress(store *s, int64_t run_id, store_variant_progress **out,
                                  int *n);
void store_variants_progress_free(store_variant_progress *v, int n);
/* Sets a variant's status ("running", "ok" or "failed"), its error or note
 * (may be NULL) and its board resets. HB_ERR_ARG if run_id has no such
 * variant. */
hb_status store_variant_finish(store *s, int64_t run_id, int64_t variant_id,
                               const char *status, const char *error, int resets);
/* Deletes a variant's scores and layer scores (before they are computed
 * again), but the scores whose names start with keep (NULL: none). */
hb_status store_scores_clear(store *s, int64_t run_id, int64_t variant_id, const char *keep);
/* A variant's score of metric into *value; *found is 0 (and *value 0) if
 * it has none. */
hb_status store_score_get(store *s, int64_t variant_id, const char *metric, double *value,
                          int *found);
/* Calls fn for each stored inference of the variant in vector order with
 * its output bytes (valid during the call). A non-OK status from fn stops
 * and is returned. */
typedef hb_status (*store_output_fn)(void *ctx, int vector_index, const char *vector,
                                     const void *output, size_t bytes);
hb_status store_outputs_each(store *s, int64_t variant_id, store_output_fn fn, void *ctx);

/* ---- merging (store_merge.c) ---------------------------------------------------- */

typedef struct {
    int runs_added;            /* runs copied */
    int runs_replaced;         /* older copies of a run replaced by a more
                                * complete one */
    int runs_skipped;          /* already there (same uuid) */
    int64_t inferences_added;
} store_merge_stats;

/* Copies every run of the database at in_path into s, with all its rows:
 * ids are new in s, a run's uuid is kept. A run whose uuid s already has
 * is skipped, unless s holds an unfinished copy and the input a finished
 * one (or the same status with more inferences): then the input's copy
 * replaces it. One transaction per input file. in_path is opened with
 * store_open (an older file is migrated first); it may not be s's file. */
hb_status store_merge(store *s, const char *in_path, store_merge_stats *stats);

/* All runs, newest first (by "started", then id): a JSON array of run
 * objects (the "run" object of store_run_json) with two extra counts,
 * "variants" and "inferences". *out is NULL on failure. */
hb_status store_runs_json(store *s, json_t **out);
/* One run as the documented JSON contract (docs/schema.md):
 * {"json_version": 1, "run": {..., reference, ...}, "variants": [{recipe,
 *  model_sha256, blob_bytes, arena_bytes, stack_bytes, scores: {metric:
 *  value}, inferences: [{vector, cycles, latency_us, output_hex, ...}],
 *  layers: [{index, op, macs, cycles_median, snr_db, ...}]}]}. cycles_median is the lower median over vectors. Read in one
 * transaction (one consistent snapshot). HB_ERR_NOT_FOUND if there is no
 * such run; *out is NULL on failure. */
hb_status store_run_json(store *s, int64_t run_id, json_t **out);

#endif
