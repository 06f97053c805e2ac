/*
 * client_int.h: what client.c (requests, retries, time-outs) and
 * client_xfer.c (the messages, chunked transfers) share; not a public API.
 *
 * Namespace: client_ (internal).
 */
#ifndef CLIENT_INT_H
#define CLIENT_INT_H

#include <stdint.h>

#include "../../target-stub/proto/proto.h"
#include "client.h"

/* Largest payload the host handles in either direction. */
#define CLIENT_HOST_MAX_PAYLOAD 65536
/* Chunks never shrink below this many data bytes. */
#define CLIENT_CHUNK_MIN 16

/* Smoothed round trip of one kind of request (RFC 6298, in ms). */
typedef struct {
    double srtt, rttvar;
    int have;                  /* a sample has been taken */
    double sbytes;             /* smoothed size of the sampled exchanges
                                * (request and answer frames), bytes; HELLO's
                                * before the first sample */
    double rto;                /* per-try time-out to start a request with */
} client_rtt;

/* Which chunk size a request's data follows. */
enum { CLIENT_DIR_NONE = -1, CLIENT_DIR_OUT = 0, CLIENT_DIR_IN = 1 };

/* A request whose answer may yet arrive, after the time-out gave up on a
 * try of it: one answered after a silent try (a second copy may follow) or
 * one given up for smaller requests. Such an answer proves the line slow
 * rather than lossy. */
typedef struct {
    int live;
    uint8_t seq, type;
    int dir;                   /* CLIENT_DIR_* */
    size_t chunk;              /* that chunk size before the request */
    double sent;               /* its first try, ms */
    double elapsed;            /* ms to its answer; 0 if unanswered */
    int budget_ms;
} client_late;
#define CLIENT_LATE_MAX 8

struct client {
    link_conn *link;
    int timeout_ms, retries;
    uint8_t seq;
    size_t max_payload;        /* the stub's, after HELLO */
    proto_rx rx;
    uint8_t *rx_buf, *tx_buf, *resp;
    size_t resp_len;
    client_stats stats;
    hb_status (*watchdog)(void *ctx);
    void *watchdog_ctx;
    client_rtt rtt[2];         /* [0] every request but INVOKE, [1] INVOKE */
    size_t chunk[2];           /* data bytes per chunk: to the board, from it */
    uint16_t err_code;         /* PROTO_E_* of the ERROR that ended the last
                                * request, 0 otherwise */
    uint32_t err_arg;
    /* Requests whose answers may still come late (see client_late). */
    client_late late[CLIENT_LATE_MAX];
    int late_next;             /* the slot to fill next */
};

/* The state of one operation across its tries and re-sizes: the time-out
 * counts from the last sign of life, not from each try. */
typedef struct {
    int64_t life_ms;           /* start, or the last frame the board sent */
    int tries;
    int silent;                /* tries that met silence */
    double rto;                /* the per-try time-out as backed off so far
                                * (Karn: kept across re-sizes), 0 = none */
} client_budget;

/* request() returns this (> 0) when a chunked request failed a try and the
 * chunk size has since shrunk below its data: the caller sends the rest as
 * new, smaller requests (the stub may or may not have run the old one, so
 * only idempotent requests are re-sized). */
#define CLIENT_RESIZE 1

typedef struct {
    uint8_t type;
    const uint8_t *payload;
    size_t len;
    size_t resp_bytes;         /* expected response payload, for the wire time */
    int budget_ms;             /* silence after which the request fails */
    int dir;                   /* CLIENT_DIR_*: may be re-sized */
    size_t data_bytes;         /* data it carries (or asks for) in that dir */
} client_req;

void client_budget_start(client_budget *b);
/* Sends one request until its response arrives (in c->resp). */
hb_status client_request(client *c, const client_req *r, client_budget *b);
const char *client_type_name(uint8_t type);
int64_t client_now_ms(void);

#endif
