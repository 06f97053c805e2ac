/*
 * client.c: request/response with retries over a link.
 */
#include "client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../target-stub/engine/nn.h"
#include "../../target-stub/proto/proto.h"

#define HOST_MAX_PAYLOAD 65536

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
};

void client_set_watchdog(client *c, hb_status (*fn)(void *ctx), void *ctx)
{
    c->watchdog = fn;
    c->watchdog_ctx = ctx;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case PROTO_HELLO: return "HELLO";
    case PROTO_LOAD_BEGIN: return "LOAD_BEGIN";
    case PROTO_LOAD_CHUNK: return "LOAD_CHUNK";
    case PROTO_LOAD_END: return "LOAD_END";
    case PROTO_SET_INPUT: return "SET_INPUT";
    case PROTO_INVOKE: return "INVOKE";
    case PROTO_READ_TIMING: return "READ_TIMING";
    case PROTO_READ_OUTPUT: return "READ_OUTPUT";
    case PROTO_LOAD_FLASH: return "LOAD_FLASH";
    }
    return "request";
}

const char *client_unit_name(int unit)
{
    switch (unit) {
    case PROTO_UNIT_CYCLES: return "cycles";
    case PROTO_UNIT_INSTRUCTIONS: return "instructions";
    case PROTO_UNIT_NS: return "ns";
    }
    return "ticks";
}

hb_status client_new(link_conn *link, int timeout_ms, int retries, client **out)
{
    client *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c)
        return hb_fail(HB_ERR_MEM, "out of memory");
    size_t frame = PROTO_ENCODED_MAX(HOST_MAX_PAYLOAD);
    c->rx_buf = malloc(frame);
    c->tx_buf = malloc(frame + 1);
    c->resp = malloc(HOST_MAX_PAYLOAD);
    if (!c->rx_buf || !c->tx_buf || !c->resp) {
        client_free(c);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    c->link = link;
    c->timeout_ms = timeout_ms;
    c->retries = retries;
    c->max_payload = PROTO_MIN_PAYLOAD;
    /* A random first seq: a stub left over from an earlier session cannot
     * mistake our first request for a repeat of its last one. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    c->seq = (uint8_t)(ts.tv_nsec ^ (ts.tv_nsec >> 8));
    proto_rx_init(&c->rx, c->rx_buf, frame);
    *out = c;
    return HB_OK;
}

void client_free(client *c)
{
    if (!c)
        return;
    free(c->rx_buf);
    free(c->tx_buf);
    free(c->resp);
    free(c);
}

const client_stats *client_get_stats(const client *c)
{
    return &c->stats;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static hb_status board_error(uint8_t type, const proto_frame *f)
{
    proto_rd r;
    proto_rd_init(&r, f->payload, f->len);
    uint16_t code = proto_get_u16(&r);
    uint8_t why = proto_get_u8(&r);
    proto_get_u8(&r);
    int32_t op = (int32_t)proto_get_u32(&r);
    int32_t tensor = (int32_t)proto_get_u32(&r);
    uint32_t arg = proto_get_u32(&r);
    size_t n = proto_rd_left(&r);
    const uint8_t *text = proto_get_bytes(&r, n);
    char where[96] = "";
    (void)why;
    if (code == PROTO_E_MODEL && op >= 0)
        snprintf(where, sizeof(where), " (op %d%s%d)", (int)op,
                 tensor >= 0 ? ", tensor " : "", tensor >= 0 ? (int)tensor : 0);
    else if (code == PROTO_E_MODEL && tensor >= 0)
        snprintf(where, sizeof(where), " (tensor %d)", (int)tensor);
    else if (code == PROTO_E_TOO_BIG || code == PROTO_E_ARENA)
        snprintf(where, sizeof(where), " (board capacity %u bytes)", arg);
    return hb_fail(HB_ERR_BOARD, "board refused %s: %s: %.*s%s", type_name(type),
                   proto_error_text(code), text ? (int)n : 0,
                   text ? (const char *)text : "", where);
}

/* Sends one request and waits for its response (in c->resp). */
static hb_status request(client *c, uint8_t type, const uint8_t *payload, size_t len,
                         int timeout_ms)
{
    /* A leading 0x00 ends whatever noise sits in the stub's receiver, so
     * our frame starts clean. */
    c->tx_buf[0] = 0;
    size_t n = proto_frame_encode(type, c->seq, payload, len, c->tx_buf + 1,
                                  PROTO_ENCODED_MAX(HOST_MAX_PAYLOAD));
    uint8_t buf[4096];
    hb_status st;

    if (n == 0)
        return hb_fail(HB_ERR_ARG, "%s payload of %zu bytes is too large", type_name(type), len);
    n++;
    c->stats.requests++;
    for (int attempt = 0; attempt <= c->retries; attempt++) {
        if (attempt) {
            c->stats.retries++;
            if (c->watchdog && (st = c->watchdog(c->watchdog_ctx)) != HB_OK)
                return st;
        }
        if ((st = link_write(c->link, c->tx_buf, n, c->timeout_ms)) != HB_OK)
            return st;
        c->stats.bytes_sent += n;
        int64_t deadline = now_ms() + timeout_ms;
        for (;;) {
            int64_t left = deadline - now_ms();
            if (left <= 0)
                break;
            long got = link_read(c->link, buf, sizeof(buf), (int)left);
            if (got == HB_ERR_INTERRUPTED)
                return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
            if (got < 0)
                return (hb_status)got;
            if (got == 0)
                break;
            c->stats.bytes_received += (uint64_t)got;
            for (long k = 0; k < got; k++) {
                proto_frame f;
                int r = proto_rx_feed(&c->rx, buf[k], &f);
                if (r == PROTO_RX_BAD) {
                    c->stats.bad_frames++;
                    continue;
                }
                if (r != PROTO_RX_FRAME)
                    continue;
                if (f.seq != c->seq ||
                    (f.type != (type | PROTO_RESPONSE) && f.type != PROTO_ERROR)) {
                    c->stats.stale_frames++;
                    continue;
                }
                /* Bytes after our response belong to nothing; drop them. */
                c->seq++;
                if (f.type == PROTO_ERROR)
                    return board_error(type, &f);
                memcpy(c->resp, f.payload, f.len);
                c->resp_len = f.len;
                return HB_OK;
            }
        }
    }
    return hb_fail(HB_ERR_TIMEOUT, "no answer to %s within %d ms (%d tries)", type_name(type),
                   timeout_ms, c->retries + 1);
}

hb_status client_hello(client *c, int timeout_ms, client_hello_info *info)
{
    uint8_t p[2];
    proto_wr w;
    proto_rd r;
    hb_status st;
    int saved = c->retries;
    int per_try = c->timeout_ms < timeout_ms ? c->timeout_ms : timeout_ms;
    if (per_try < 50)
        per_try = 50;

    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, PROTO_VERSION);
    c->retries = timeout_ms / per_try;
    st = request(c, PROTO_HELLO, p, w.len, per_try);
    c->retries = saved;
    if (st != HB_OK)
        return st == HB_ERR_TIMEOUT
                   ? hb_fail(HB_ERR_TIMEOUT, "the board did not answer HELLO within %d ms",
                             timeout_ms)
                   : st;
    memset(info, 0, sizeof(*info));
    proto_rd_init(&r, c->resp, c->resp_len);
    info->version = proto_get_u16(&r);
    info->max_payload = proto_get_u16(&r);
    info->counter_hz = proto_get_u32(&r);
    info->counter_unit = proto_get_u8(&r);
    proto_get_u8(&r);
    info->model_capacity = proto_get_u32(&r);
    info->arena_capacity = proto_get_u32(&r);
    info->timing_capacity = proto_get_u32(&r);
    info->ops = proto_get_u32(&r);
    info->dtypes = proto_get_u32(&r);
    info->read_overhead = proto_get_u32(&r);
    info->hook_overhead = proto_get_u32(&r);
    uint8_t name_len = proto_get_u8(&r);
    const uint8_t *name = proto_get_bytes(&r, name_len);
    if (r.short_read || info->max_payload < 16 || info->counter_hz == 0)
        return hb_fail(HB_ERR_BOARD, "malformed HELLO response (%zu bytes)", c->resp_len);
    if (info->counter_unit > PROTO_UNIT_NS)
        return hb_fail(HB_ERR_BOARD, "board announced an unknown counter unit %u",
                       info->counter_unit);
    if (info->version != PROTO_VERSION)
        return hb_fail(HB_ERR_UNSUPPORTED, "board speaks protocol version %u, hilbench %u",
                       info->version, PROTO_VERSION);
    memcpy(info->name, name, name_len > 64 ? 64 : name_len);
    /* Optional trailer; stubs that predate it send nothing (0). */
    info->flash_capacity = proto_rd_left(&r) >= 4 ? proto_get_u32(&r) : 0;
    c->max_payload = info->max_payload; /* u16: never above HOST_MAX_PAYLOAD */
    return HB_OK;
}

static hb_status model_info(client *c, client_model_info *info)
{
    proto_rd r;
    proto_rd_init(&r, c->resp, c->resp_len);
    info->arena_bytes = proto_get_u32(&r);
    info->ops = proto_get_u16(&r);
    info->inputs = proto_get_u16(&r);
    info->outputs = proto_get_u16(&r);
    return r.short_read ? hb_fail(HB_ERR_BOARD, "malformed model response") : HB_OK;
}

hb_status client_load(client *c, const uint8_t *blob, size_t len, client_model_info *info)
{
    uint8_t *p = malloc(c->max_payload);
    proto_wr w;
    hb_status st;

    if (!p)
        return hb_fail(HB_ERR_MEM, "out of memory");
    proto_wr_init(&w, p, c->max_payload);
    proto_put_u32(&w, (uint32_t)len);
    proto_put_u32(&w, proto_crc32(0, blob, len));
    if ((st = request(c, PROTO_LOAD_BEGIN, p, w.len, c->timeout_ms)) != HB_OK)
        goto cleanup;
    size_t chunk = c->max_payload - 4;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        proto_wr_init(&w, p, c->max_payload);
        proto_put_u32(&w, (uint32_t)off);
        proto_put_bytes(&w, blob + off, n);
        if ((st = request(c, PROTO_LOAD_CHUNK, p, w.len, c->timeout_ms)) != HB_OK)
            goto cleanup;
    }
    if ((st = request(c, PROTO_LOAD_END, NULL, 0, c->timeout_ms)) != HB_OK)
        goto cleanup;
    st = model_info(c, info);
cleanup:
    free(p);
    return st;
}

hb_status client_load_flash(client *c, const uint8_t *blob, size_t len,
                            client_model_info *info)
{
    uint8_t p[8];
    proto_wr w;
    hb_status st;
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u32(&w, (uint32_t)len);
    proto_put_u32(&w, proto_crc32(0, blob, len));
    if ((st = request(c, PROTO_LOAD_FLASH, p, w.len, c->timeout_ms)) != HB_OK)
        return st;
    return model_info(c, info);
}

hb_status client_set_input(client *c, int input, const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(c->max_payload);
    proto_wr w;
    hb_status st = HB_OK;
    size_t chunk = c->max_payload - 5;

    if (!p)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t off = 0; off < len || off == 0; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        proto_wr_init(&w, p, c->max_payload);
        proto_put_u8(&w, (uint8_t)input);
        proto_put_u32(&w, (uint32_t)off);
        proto_put_bytes(&w, data + off, n);
        if ((st = request(c, PROTO_SET_INPUT, p, w.len, c->timeout_ms)) != HB_OK)
            break;
        if (len == 0)
            break;
    }
    free(p);
    return st;
}

hb_status client_invoke(client *c, int repeat, int warmup, int layers, int timeout_ms,
                        client_invoke_info *info)
{
    uint8_t p[5];
    proto_wr w;
    proto_rd r;
    hb_status st;

    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, (uint16_t)repeat);
    proto_put_u16(&w, (uint16_t)warmup);
    proto_put_u8(&w, layers ? PROTO_INVOKE_LAYERS : 0);
    if ((st = request(c, PROTO_INVOKE, p, w.len, timeout_ms)) != HB_OK)
        return st;
    proto_rd_init(&r, c->resp, c->resp_len);
    info->repeat = proto_get_u16(&r);
    info->layers = proto_get_u16(&r);
    info->stack_bytes = proto_get_u32(&r);
    info->arena_bytes = proto_get_u32(&r);
    if (r.short_read || info->repeat != repeat)
        return hb_fail(HB_ERR_BOARD, "malformed INVOKE response");
    return HB_OK;
}

hb_status client_read_timing(client *c, uint32_t first, uint32_t count, uint32_t *out)
{
    uint8_t p[6];
    proto_wr w;
    proto_rd r;
    hb_status st;
    uint32_t per = (uint32_t)(c->max_payload / 4);

    while (count > 0) {
        uint32_t n = count < per ? count : per;
        proto_wr_init(&w, p, sizeof(p));
        proto_put_u32(&w, first);
        proto_put_u16(&w, (uint16_t)n);
        if ((st = request(c, PROTO_READ_TIMING, p, w.len, c->timeout_ms)) != HB_OK)
            return st;
        if (c->resp_len != 4u * n)
            return hb_fail(HB_ERR_BOARD, "READ_TIMING returned %zu bytes, expected %u",
                           c->resp_len, 4u * n);
        proto_rd_init(&r, c->resp, c->resp_len);
        for (uint32_t k = 0; k < n; k++)
            *out++ = proto_get_u32(&r);
        first += n;
        count -= n;
    }
    return HB_OK;
}

hb_status client_read_output(client *c, int output, uint8_t *out, size_t len)
{
    uint8_t p[7];
    proto_wr w;
    hb_status st;
    size_t per = c->max_payload < 0xFFFF ? c->max_payload : 0xFFFF;

    for (size_t off = 0; off < len; off += per) {
        size_t n = len - off < per ? len - off : per;
        proto_wr_init(&w, p, sizeof(p));
        proto_put_u8(&w, (uint8_t)output);
        proto_put_u32(&w, (uint32_t)off);
        proto_put_u16(&w, (uint16_t)n);
        if ((st = request(c, PROTO_READ_OUTPUT, p, w.len, c->timeout_ms)) != HB_OK)
            return st;
        if (c->resp_len != n)
            return hb_fail(HB_ERR_BOARD, "READ_OUTPUT returned %zu bytes, expected %zu",
                           c->resp_len, n);
        memcpy(out + off, c->resp, n);
    }
    return HB_OK;
}
