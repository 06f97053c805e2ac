/*
 * session_int.h: what the files of the session module share; not a public
 * API.
 *
 * Namespace: session_ (internal).
 *
 * session.c runs the sweep, session_prepare.c turns recipes into variants
 * before the board starts, session_board.c talks to the board and records
 * the variant rows, session_score.c runs the host engine beside the board
 * and turns outputs into scores, session_recover.c brings a hung or dead
 * board back and scores again what a resumed run recorded before,
 * session_record.c writes and reads the options a run is recorded with.
 */
#ifndef SESSION_INT_H
#define SESSION_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../../target-stub/engine/nn.h"
#include "../board/board.h"
#include "../compress/compress.h"
#include "../model/graph.h"
#include "../model/hostrun.h"
#include "../score/score.h"
#include "../store/store.h"
#include "dataset.h"
#include "device.h"
#include "session.h"

#define say(o, ...) \
    do { if ((o)->progress) (o)->progress((o)->progress_ctx, __VA_ARGS__); } while (0)

/* Most calibration vectors a recipe is given. */
#define SESSION_MAX_CALIB 1000
/* A single-value classifier output votes class 1 above this. */
#define SESSION_CLASS_THRESHOLD 0.5

typedef struct {
    char *recipe;               /* canonical text */
    char *model_file;           /* the file it was made from */
    char sha[65];               /* of that file */
    graph *g;                   /* its graph; for a blob, one rebuilt from it */
    int from_blob;              /* run as given, made elsewhere */
    hostrun *host;              /* the engine over the exact blob the board runs */
    compress_input_map map;     /* how its inputs derive from the source's */
    size_t in_bytes;            /* all inputs of one vector */
    size_t out_bytes;           /* all outputs */
    size_t out_values;          /* output elements, all outputs */
    size_t out0_values;         /* elements of output 0: what votes a class */
    size_t *layer_off;          /* per op: offset of its outputs' values */
    size_t *layer_values;       /* per op: elements of its outputs */
    size_t all_layer_values;
    int *ref_layer;             /* per op: the reference layer it compares
                                 * with, or -1 */
    int64_t id;                 /* variants.id once stored */
} session_variant;

/* Scores of the variant being run; reset for each variant. */
typedef struct {
    score_fidelity out;         /* outputs against the reference's */
    score_fidelity *layers;     /* per op of the variant */
    int *pred;                  /* per sample: voted class */
    double *value;              /* per sample: regression output, or the
                                 * anomaly score summed over windows */
    int *label;                 /* per sample: class label */
    double *target;             /* per sample: label value */
    double throughput_ips;      /* MLPerf performance mode; NAN if not run */
    int throughput_stored;      /* already in the store (it is stored when
                                 * measured, or was recorded before) */
} session_scores;

/* A run's recorded options, read back for --resume; o's strings point
 * into doc. */
typedef struct {
    session_options o;
    json_t *doc;
    const char **variants;
    const char **dirs;
    int n_dirs;
    dataset_element element;
} session_recorded;

typedef struct {
    const session_options *o;
    session_result *res;
    board_profile *board;
    graph *source;
    char *source_sha;
    dataset data;
    session_variant *v;
    int n_v;
    int ref;                    /* index of the reference variant */
    dataset_task task;          /* declared, else from the labels: decides
                                 * which fidelity scores make sense */
    store *db;
    device *dev;
    int64_t run_id;
    int dev_for;                /* the variant whose model the board holds
                                 * (flash placement), -1 if none */
    store_variant_progress *prog; /* resume: the variants recorded before */
    int n_prog;
    uint8_t *done;              /* resume: per vector, recorded before */
    char failed_why[1400];      /* why the last failed variant failed */
    /* [model] placement = flash: the board is brought up once per variant
     * with that variant's blob in a file ({blob}) in this folder. */
    char blob_dir[64];
    /* Work buffers, sized for the largest variant. */
    float *x;                   /* one vector's values */
    uint8_t *in, *board_out, *host_out;
    float *out_f, *ref_f, *ref_layers, *layer_tmp;
    uint32_t *slots;
    uint64_t *tmp, *layer_med, *repeat_cycles;
    session_scores sc;
    /* MLPerf Tiny boards: the vector being run, and the printed results of
     * the last one with half a unit of their last digit. */
    int cur_sample, cur_window;
    int mlperf_scored;          /* -1: not known yet; 0: the results are the
                                 * model's outputs; 1: one anomaly score
                                 * (board_out and the stored row hold it as
                                 * a float32) */
    int replaying;              /* scoring rows recorded before: their
                                 * printed digits are not kept */
    float *mlperf_f;
    double *mlperf_tol;
    size_t mlperf_cap;
} session;

/* session_prepare.c */
hb_status session_prepare(session *s);
void session_variants_free(session *s);

/* session_board.c */
hb_status session_check_board(session *s);
/* Brings the board up (for a flash-placed model: with variant v's blob). */
hb_status session_device_open(session *s, const session_variant *v);
void session_device_close(session *s);
hb_status session_board_failure(session *s, hb_status st, const session_variant *v,
                                 const char *vector);
hb_status session_store_variant(session *s, session_variant *v);
hb_status session_run_vector(session *s, const session_variant *v, const uint8_t *in,
                             store_inference *inf, uint32_t *stack_bytes);

/* session_mlperf.c: boards with [link] protocol = mlperf-tiny. */
int session_is_mlperf(const session *s);
/* Before anything is made: one variant (the model the firmware runs), no
 * --mlperf-rules for other boards, and what --mlperf-rules implies. */
hb_status session_mlperf_check(session *s);
/* One vector (s->cur_sample, s->cur_window): its file bytes loaded as the
 * runner sends them, "infer REPEAT WARMUP", the results as v's outputs in
 * s->board_out (or, for an anomaly score, the score; s->mlperf_scored). */
hb_status session_mlperf_vector(session *s, const session_variant *v, store_inference *inf);
/* 1 if the n values the firmware printed last are within their printed
 * precision of host_f, give or take rel of each host value. */
int session_mlperf_close(const session *s, const float *host_f, size_t n, double rel);
/* 1 if a recorded output row of this many bytes holds v's anomaly score
 * (a float32) rather than v's outputs. */
int session_mlperf_scored_row(const session *s, const session_variant *v, size_t bytes);
/* Performance mode, one input at a time: how many inputs it times; the
 * throughput of input smp (its first window; the board must be up) into
 * *ips, stored at once (score throughput_ips_input_K, K from 1); that
 * figure of a resumed run (*found 0 if none); the median of n of them into
 * s->sc.throughput_ips, stored at once (ips is sorted). */
int session_mlperf_perf_inputs(const session *s);
hb_status session_mlperf_perf_input(session *s, const session_variant *v, int smp, double *ips);
hb_status session_mlperf_perf_recorded(session *s, const session_variant *v, int smp,
                                       double *ips, int *found);
hb_status session_mlperf_perf_done(session *s, const session_variant *v, double *ips, int n);

/* session_recover.c */
/* 1 if st (from a request on the board) means the board hung, died or
 * faulted, so that a reset may help; 0 for anything else (a refusal, the
 * store, an interrupt). */
int session_board_trouble(session *s, hb_status st);
/* Resets the board (device_reset) after it failed on variant v. */
hb_status session_reset_board(session *s, const session_variant *v);
/* Resume: scores the vectors variant v recorded before from their stored
 * outputs, and marks them in s->done; *n gets how many. */
hb_status session_replay(session *s, const session_variant *v, int64_t variant_id, int *n);

/* session_record.c */
/* The options of the run as recorded (JSON text, malloc'ed). */
hb_status session_record_options(const session *s, char **out);
/* Reads them back; now gives what is not recorded (db, callbacks, faults,
 * extra board folders). */
hb_status session_recorded_load(const char *json, const session_options *now,
                                session_recorded *r);
void session_recorded_free(session_recorded *r);

/* session_score.c */
/* Converts one vector's values (s->x) to v's input bytes. */
void session_inputs(const session_variant *v, const dataset *d, const float *x, uint8_t *out);
/* x as one element of t at p: quantised with t's own parameters. */
void session_put_value(const nn_tensor *t, float x, uint8_t *p);
/* Dequantises output or layer tensors into floats. */
void session_tensor_floats(const nn_tensor *t, float *out);
hb_status session_scores_begin(session *s, const session_variant *v);
/* Host engine, fidelity and labels for one vector the board just ran. */
hb_status session_score_vector(session *s, const session_variant *v, int sample, int window);
hb_status session_scores_store(session *s, const session_variant *v);
void session_scores_free(session_scores *sc);

#endif
