/*
 * session.h: one benchmark run, end to end: a sweep of variants.
 *
 * Namespace: session_.
 *
 * Reads the source model, makes every variant from its recipe (or reads a
 * variant made elsewhere), loads the dataset, all before the board starts:
 * a recipe that does not apply, a bad dataset or a board that cannot hold
 * a variant fails here, before any run row exists. Then it brings the board
 * up and, variant after variant, uploads the blob, streams every vector
 * (inputs quantised with that variant's own input parameters, invoke with
 * warm-ups and timed repeats, per-layer counts, outputs), checks each output
 * against the host engine and scores it against the labels and the
 * reference variant (host/score). The store receives the run, then per
 * variant its row with layers, one transaction per vector, its memory row
 * and its scores, and finally the run's status. A failure or an interrupt
 * leaves every row already written in place and marks the run "failed" or
 * "interrupted"; outputs that differ from the host engine's fail the run
 * once every variant has been recorded.
 *
 * Recovery (docs/reliability.md): a board that stops answering or dies
 * during a variant is reset (device_reset), the variant's model loaded
 * again, and the variant resumes at the vector that failed. A vector that
 * fails SESSION_VECTOR_TRIES times in a row, or a variant that needed
 * SESSION_MAX_RESETS resets, marks the variant "failed" with the reason,
 * and the run goes on with the next variant; so does a request the board
 * refuses. A run with a failed variant ends "failed".
 *
 * Resuming (options.resume): the run's recorded options give the model,
 * variants, dataset and settings again; variants that ended "ok" are
 * skipped, the others continue at their missing vectors, and the vectors
 * already recorded are scored again from their stored outputs.
 */
#ifndef SESSION_H
#define SESSION_H

#include <stdint.h>

#include "../link/link.h"
#include "../util/hb_error.h"
#include "client.h"
#include "dataset.h"

/* Tries of one vector (each after a board reset) before its variant fails. */
#define SESSION_VECTOR_TRIES 3
/* Board resets one variant may need in all before it fails. */
#define SESSION_MAX_RESETS 10

/* --mlperf-rules, performance mode as the MLCommons runner has it: this
 * many inputs (the first ones), each timed over a loop of inferences that
 * lasts at least SESSION_MLPERF_MIN_SECONDS; the score is the median
 * throughput. Tests shorten the loop (session_options.mlperf_min_seconds). */
#define SESSION_MLPERF_PERF_INPUTS 5
#define SESSION_MLPERF_MIN_SECONDS 10.0
/* Warm-up inferences before each timed loop of performance mode. */
#define SESSION_MLPERF_PERF_WARMUP 1

typedef struct {
    const char *board;             /* profile name or path */
    const char *const *board_dirs; /* where profiles are searched */
    int n_board_dirs;
    const char *firmware_dir;
    const char *model_path;        /* the source model (.tflite) */
    const char *const *variants;   /* recipes (compress.h); NULL or 0: "float" */
    int n_variants;
    const char *reference;         /* recipe; NULL: the first variant. Added
                                    * as the first variant if not listed. */
    const char *base_dir;          /* relative file: paths start here (NULL: .) */
    const char *dataset_dir;       /* or NULL for random vectors */
    const dataset_element *element;/* how dataset values map; NULL: detect */
    dataset_task task;             /* NONE: from the labels, if any */
    int random_n;                  /* used when dataset_dir is NULL */
    uint32_t seed;
    const char *calib_dir;         /* NULL: the run's own vectors calibrate */
    int repeat, warmup;
    int layers;                    /* time every layer */
    const char *db_path;
    const char *suite_path;        /* provenance; may be NULL */
    const char *command_line;      /* provenance; may be NULL */
    /* Progress lines for people (may be NULL). */
    void (*progress)(void *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    void *progress_ctx;
    /* Called before every vector (may be NULL; then a progress line is
     * said instead): variant i (0-based) of n_variants, vector k (0-based)
     * of n_vectors. Same ctx. */
    void (*on_vector)(void *ctx, const char *variant, int i, int n_variants, int k,
                      int n_vectors);
    const link_fault_config *link_faults; /* a fault injector in the link; NULL: none */
    /* A run to finish instead of a new one (a reference as store_run_find
     * takes). Its recorded options replace every field above but board_dirs
     * (added to the recorded ones), db_path, link_faults and the callbacks. */
    const char *resume;
    /* MLPerf Tiny boards ([link] protocol = mlperf-tiny, docs/mlperf-tiny.md):
     * 1 runs performance mode (throughput) and then accuracy mode (every
     * vector once, "infer 1 0"; needs repeat 1, warmup 0). */
    int mlperf_rules;
    double mlperf_min_seconds;     /* <= 0: SESSION_MLPERF_MIN_SECONDS */
} session_options;

typedef struct {
    int64_t run_id;                /* 0 if the run never started */
    int variants;                  /* variants completed */
    int vectors;                   /* inferences checked, all variants (on
                                    * resume also those recorded before) */
    int host_mismatches;           /* outputs that differ from the host engine */
    int failed_variants;           /* marked failed (the run goes on) */
    int skipped_variants;          /* resume: finished before */
    int replayed;                  /* resume: inferences recorded before */
    int resets;                    /* board resets over the run */
    char recovered[512];           /* what was recovered from, for people */
    client_stats link;             /* link counters over the run */
    int has_faults;
    link_fault_stats faults;       /* the fault injector's counters */
    int mlperf;                    /* the board spoke MLPerf Tiny: outputs are
                                    * printed numbers, compared within their
                                    * printed precision (host_close) */
    int host_close;                /* mlperf: outputs within that precision */
    int host_checked;              /* mlperf: vectors compared so (those run
                                    * now, not those recorded before) */
    int mlperf_score;              /* mlperf: the firmware printed an anomaly
                                    * score, compared instead of outputs */
    double throughput_ips;         /* mlperf performance mode: median
                                    * inferences per second; 0 if not run */
} session_result;

hb_status session_run(const session_options *o, session_result *result);

#endif
