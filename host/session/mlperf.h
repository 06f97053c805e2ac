/*
 * mlperf.h: the host side of the MLPerf Tiny benchmark protocol (the text
 * commands of the EEMBC / MLCommons runner, docs/mlperf-tiny.md) over a
 * link, so that any firmware built on the MLPerf Tiny API takes part in a
 * run.
 *
 * Namespace: mlperf_ / MLPERF_.
 *
 * Each call sends one command ("name%", "db load 640%", "infer 10 1%" ...)
 * and reads the reply line by line until "m-ready". A reply that holds an
 * "e-[...]" line is a refusal: HB_ERR_BOARD with the firmware's text, and
 * mlperf_refused() says so (a reset would not help). Silence longer than
 * the time-out (the clock restarts with every line) is HB_ERR_TIMEOUT, a
 * closed link HB_ERR_BOARD. Every message is one line naming the board and
 * the command. Commands never exceed MLPERF_CMD_MAX characters with their
 * '%'.
 *
 * Ownership: mlperf_new() borrows the link (it must outlive the handle);
 * mlperf_free() accepts NULL.
 */
#ifndef MLPERF_H
#define MLPERF_H

#include <stddef.h>
#include <stdint.h>

#include "../link/link.h"
#include "../util/hb_error.h"

/* Longest command, terminator included (the firmware's buffer). */
#define MLPERF_CMD_MAX 80
/* Data bytes per "db HH..." command: "db " + 2 x 38 hex digits + "%" = 80. */
#define MLPERF_DB_CHUNK 38
/* Longest reply line read (a results line of many classes). */
#define MLPERF_LINE_MAX 65536

typedef struct mlperf_conn mlperf_conn;

typedef struct {
    char name[81];    /* from "m-name-dut-[NAME]" */
    char profile[81]; /* from "m-profile-[...]"; "" if not given */
    char model[81];   /* from "m-model-[...]" (ic01, kws01, ...); "" if not given */
} mlperf_info;

typedef struct {
    uint32_t start_us, end_us; /* the first and the last m-lap-us stamps */
    uint32_t elapsed_us;       /* end - start modulo 2^32 */
    size_t n_results;          /* values of the results line */
} mlperf_infer_info;

/* board names the board in messages (copied). *out is NULL on failure. */
hb_status mlperf_new(link_conn *l, const char *board, mlperf_conn **out);
void mlperf_free(mlperf_conn *m);

/* Discards what the firmware printed before (its start-up lines), sends
 * "name" and "profile" and fills info. A reply without an m-name line is
 * HB_ERR_BOARD ("not an MLPerf Tiny firmware?"). */
hb_status mlperf_hello(mlperf_conn *m, int timeout_ms, mlperf_info *info);
/* "db load LEN", then the bytes in "db HH..." chunks until m-load-done. */
hb_status mlperf_load(mlperf_conn *m, const uint8_t *data, size_t len, int timeout_ms);
/* "infer N WARMUP": the time stamps, and the results line of the reply
 * (or of a "results" command when the reply had none) into results[0..cap)
 * with, per value, tol: half a unit of its last printed digit.
 * HB_ERR_BOARD if a stamp is missing or there are more than cap values.
 * n >= 1, warmup >= 0. */
hb_status mlperf_infer(mlperf_conn *m, long n, long warmup, int timeout_ms, float *results,
                       double *tol, size_t cap, mlperf_infer_info *info);
/* 1 if the last failure was an e-[...] refusal (or an answer that says the
 * command was not accepted), 0 otherwise. */
int mlperf_refused(const mlperf_conn *m);

/* Microseconds from start to end of a 32-bit counter that may have wrapped
 * once. */
uint32_t mlperf_lap_us(uint32_t start, uint32_t end);
/* Parses "m-results-[a,b,...]": at most cap values into out, tolerances
 * into tol (may be NULL), the count into *n. HB_ERR_FORMAT naming the bad
 * value. */
hb_status mlperf_parse_results(const char *line, float *out, double *tol, size_t cap,
                               size_t *n);

#endif
