/*
 * client.h: the host side of the protocol (docs/protocol.md) over a link.
 *
 * Namespace: client_.
 *
 * Each call sends one request and waits for its response. A damaged
 * response makes the client send the request again at once, with the same
 * sequence number (the stub answers a repeat from its cache, without
 * running it again); a try that gets no answer is repeated after a
 * per-try time-out learnt from the round trips seen so far (RFC 6298
 * smoothing, plus the time the frames need on the wire when the link
 * knows its line rate). That time-out only grows for proof that the board
 * is slower than assumed (a second, late answer to a repeated try) or for
 * a run of silent tries that the loss rate does not explain: on a noisy
 * line a silence is nearly always a lost frame. A request fails once the
 * board has been silent for the profile's time-out (INVOKE: its own
 * time-out) and at least 1 + retries tries were sent; under steady loss
 * that minimum grows with the observed loss rate, so bad luck alone does
 * not end a run. Stale responses (another seq) are dropped. An ERROR
 * response becomes HB_ERR_BOARD with the stub's code and text in the
 * message.
 *
 * Chunked transfers (LOAD_CHUNK, SET_INPUT, READ_TIMING, READ_OUTPUT) size
 * their frames to the link: the chunk shrinks by a third after a failed
 * try and grows by an eighth after a clean full-size one. These requests
 * are idempotent, so one that failed a try is re-sent smaller under a new
 * sequence number; everything else (INVOKE above all) keeps its bytes and
 * its seq until it is answered.
 *
 * Ownership: client_new() borrows the link (it must outlive the client).
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "../link/link.h"
#include "../util/hb_error.h"

typedef struct client client;

typedef struct {
    uint16_t version;
    uint16_t max_payload;
    uint32_t counter_hz;
    uint8_t counter_unit;     /* PROTO_UNIT_* */
    uint32_t model_capacity, arena_capacity, timing_capacity;
    uint32_t ops, dtypes;     /* bitmaps */
    uint32_t read_overhead, hook_overhead;
    uint32_t flash_capacity;  /* flash model region bytes, 0 if none */
    char name[65];
} client_hello_info;

typedef struct {
    uint32_t arena_bytes;
    uint16_t ops, inputs, outputs;
} client_model_info;

typedef struct {
    uint16_t repeat, layers;
    uint32_t stack_bytes, arena_bytes;
} client_invoke_info;

/* Counters of link trouble seen so far, for reports and tests. */
typedef struct {
    uint64_t requests, retries, bad_frames, stale_frames;
    uint64_t bytes_sent, bytes_received;       /* on the wire, frames and all */
    uint64_t timeouts;       /* tries that got no answer within their time-out */
    uint64_t spurious;       /* repeats that proved needless (a late answer) */
    uint64_t resized;        /* chunked requests given up for smaller ones */
    uint64_t payload_sent;   /* LOAD_CHUNK and SET_INPUT data bytes delivered */
    uint64_t payload_received; /* READ_TIMING and READ_OUTPUT data bytes */
    int max_tries;           /* most tries one request needed */
    double loss;             /* smoothed fraction of tries that failed */
    int min_tries;           /* tries a request gets before it may fail, now */
    double rto_ms;           /* per-try time-out of ordinary requests, now */
    uint32_t chunk_out, chunk_in; /* chunk sizes now, data bytes */
    uint32_t chunk_out_min, chunk_in_min; /* the smallest they have been */
} client_stats;

hb_status client_new(link_conn *link, int timeout_ms, int retries, client **out);
/* A check run after every time-out before the next try (e.g. "is the
 * board's process still alive?"); a non-OK status ends the request with
 * that status and message. */
void client_set_watchdog(client *c, hb_status (*fn)(void *ctx), void *ctx);
void client_free(client *c);
/* The counters (and the adaptive state: loss, time-out, chunk sizes). */
const client_stats *client_get_stats(const client *c);
/* The PROTO_E_* code of the ERROR response that ended the last request, or
 * 0 when it did not end with one (success, time-out, link failure). */
int client_last_error_code(const client *c);

/* HELLO, retried until timeout_ms (the stub may still be starting). */
hb_status client_hello(client *c, int timeout_ms, client_hello_info *info);
/* LOAD_BEGIN, LOAD_CHUNK..., LOAD_END. A new model also resets what the
 * client has learnt about INVOKE round trips. */
hb_status client_load(client *c, const uint8_t *blob, size_t len,
                      client_model_info *info);
/* LOAD_FLASH: the blob (the same bytes, for its size and CRC) was placed
 * in the stub's flash model region before it started. */
hb_status client_load_flash(client *c, const uint8_t *blob, size_t len,
                            client_model_info *info);
hb_status client_set_input(client *c, int input, const uint8_t *data, size_t len);
hb_status client_invoke(client *c, int repeat, int warmup, int layers,
                        int timeout_ms, client_invoke_info *info);
/* Reads count timing slots starting at first into out. */
hb_status client_read_timing(client *c, uint32_t first, uint32_t count, uint32_t *out);
hb_status client_read_output(client *c, int output, uint8_t *out, size_t len);

/* Name of a PROTO_UNIT_* value: "cycles", "instructions", "ns". */
const char *client_unit_name(int unit);

#endif
