/*
 * session.h: one benchmark run, end to end.
 *
 * Namespace: session_.
 *
 * Reads the model, lowers it to a blob, brings the board up, uploads the
 * blob, streams every vector (set inputs, invoke with warm-ups and timed
 * repeats, read per-layer counts and outputs), checks each output against
 * the host engine, and records everything in the store: the run and its
 * variant first, then one transaction per vector, the memory row, and the
 * run's final status. A failure or an interrupt leaves every row already
 * written in place and marks the run "failed" or "interrupted".
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>

#include "../util/hb_error.h"

typedef struct {
    const char *board;             /* profile name or path */
    const char *const *board_dirs; /* where profiles are searched */
    int n_board_dirs;
    const char *firmware_dir;
    const char *model_path;
    const char *vectors_dir;       /* or NULL for random vectors */
    int random_n;                  /* used when vectors_dir is NULL */
    uint32_t seed;
    int repeat, warmup;
    int layers;                    /* time every layer */
    const char *db_path;
    const char *command_line;      /* provenance; may be NULL */
    /* Progress lines for people (may be NULL). */
    void (*progress)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void *progress_ctx;
} session_options;

typedef struct {
    int64_t run_id;                /* 0 if the run never started */
    int vectors;                   /* vectors recorded */
    int host_mismatches;           /* outputs that differ from the host engine */
} session_result;

hb_status session_run(const session_options *o, session_result *result);

#endif
