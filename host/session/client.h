/*
 * client.h: the host side of the protocol (docs/protocol.md) over a link.
 *
 * Namespace: client_.
 *
 * Each call sends one request and waits for its response. A response that
 * does not arrive within the time-out, or arrives damaged, makes the client
 * send the request again with the same sequence number (the stub answers a
 * repeat from its cache), up to `retries` times. Stale responses (another
 * seq) are dropped. An ERROR response becomes HB_ERR_BOARD with the stub's
 * code and text in the message.
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
    uint64_t bytes_sent, bytes_received;
} client_stats;

hb_status client_new(link_conn *link, int timeout_ms, int retries, client **out);
/* A check run after every time-out before the next try (e.g. "is the
 * board's process still alive?"); a non-OK status ends the request with
 * that status and message. */
void client_set_watchdog(client *c, hb_status (*fn)(void *ctx), void *ctx);
void client_free(client *c);
const client_stats *client_get_stats(const client *c);

/* HELLO, retried until timeout_ms (the stub may still be starting). */
hb_status client_hello(client *c, int timeout_ms, client_hello_info *info);
/* LOAD_BEGIN, LOAD_CHUNK..., LOAD_END. */
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
