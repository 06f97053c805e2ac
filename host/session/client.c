/*
 * client.c: request/response with retries over a link: time-outs learnt
 * from round trips, the loss estimate, chunk sizes, HELLO.
 *
 * Workload: on a clean link nearly every try is answered and the time-outs
 * only matter for a hung board. On a noisy one (a USB serial adapter
 * losing bytes, the fault injector) a large share of tries fail, so what a
 * failure costs decides the run time: a damaged answer is repeated at once,
 * a silent try costs one per-try time-out, which is kept close to the real
 * round trip (a few ms on the native board) instead of the profile's
 * seconds. Repeats are harmless: the stub answers a repeated seq from its
 * cache (docs/protocol.md section 2).
 */
#include "client_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../target-stub/engine/nn.h"

/* Per-try time-outs: floor, and the first guess before any sample. */
#define CLIENT_RTO_MIN_MS 1.0
#define CLIENT_RTO_INITIAL_MS 250.0
/* The loss estimate follows the last ~16 tries. */
#define CLIENT_LOSS_GAIN (1.0 / 16)
/* Tries a request gets so that bad luck alone fails it with odds below
 * 1e-9 at the observed loss (ln 1e-9), bounded. */
#define CLIENT_LUCK_LN (-20.72)
#define CLIENT_MAX_MIN_TRIES 64
/* A board that sends nothing but damage still ends the request. */
#define CLIENT_MAX_TRIES 2000

void client_set_watchdog(client *c, hb_status (*fn)(void *ctx), void *ctx)
{
    c->watchdog = fn;
    c->watchdog_ctx = ctx;
}

const char *client_type_name(uint8_t t)
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

int64_t client_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double now_ms_f(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

hb_status client_new(link_conn *link, int timeout_ms, int retries, client **out)
{
    client *c = calloc(1, sizeof(*c));
    *out = NULL;
    if (!c)
        return hb_fail(HB_ERR_MEM, "out of memory");
    size_t frame = PROTO_ENCODED_MAX(CLIENT_HOST_MAX_PAYLOAD);
    c->rx_buf = malloc(frame);
    c->tx_buf = malloc(frame + 1);
    c->resp = malloc(CLIENT_HOST_MAX_PAYLOAD);
    if (!c->rx_buf || !c->tx_buf || !c->resp) {
        client_free(c);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    c->link = link;
    c->timeout_ms = timeout_ms > 0 ? timeout_ms : 1;
    c->retries = retries >= 0 ? retries : 0;
    c->max_payload = PROTO_MIN_PAYLOAD;
    c->chunk[CLIENT_DIR_OUT] = PROTO_MIN_PAYLOAD - 5;
    c->chunk[CLIENT_DIR_IN] = PROTO_MIN_PAYLOAD;
    for (int k = 0; k < 2; k++)
        c->rtt[k].rto = CLIENT_RTO_INITIAL_MS < c->timeout_ms ? CLIENT_RTO_INITIAL_MS
                                                              : c->timeout_ms;
    c->stats.min_tries = 1 + c->retries;
    c->stats.chunk_out_min = (uint32_t)c->chunk[CLIENT_DIR_OUT];
    c->stats.chunk_in_min = (uint32_t)c->chunk[CLIENT_DIR_IN];
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
    client_stats *s = (client_stats *)&c->stats;
    s->rto_ms = c->rtt[0].rto;
    s->chunk_out = (uint32_t)c->chunk[CLIENT_DIR_OUT];
    s->chunk_in = (uint32_t)c->chunk[CLIENT_DIR_IN];
    return &c->stats;
}

int client_last_error_code(const client *c)
{
    return c->err_code;
}

static hb_status board_error(client *c, uint8_t type, const proto_frame *f)
{
    proto_rd r;
    proto_rd_init(&r, f->payload, f->len);
    uint16_t code = proto_get_u16(&r);
    proto_get_u8(&r); /* why: in the text already */
    proto_get_u8(&r);
    int32_t op = (int32_t)proto_get_u32(&r);
    int32_t tensor = (int32_t)proto_get_u32(&r);
    uint32_t arg = proto_get_u32(&r);
    size_t n = proto_rd_left(&r);
    const uint8_t *text = proto_get_bytes(&r, n);
    char where[96] = "";
    c->err_code = code ? code : 0xFFFF;
    c->err_arg = arg;
    if (code == PROTO_E_MODEL && op >= 0)
        snprintf(where, sizeof(where), " (op %d%s%d)", (int)op,
                 tensor >= 0 ? ", tensor " : "", tensor >= 0 ? (int)tensor : 0);
    else if (code == PROTO_E_MODEL && tensor >= 0)
        snprintf(where, sizeof(where), " (tensor %d)", (int)tensor);
    else if (code == PROTO_E_TOO_BIG || code == PROTO_E_ARENA)
        snprintf(where, sizeof(where), " (board capacity %u bytes)", arg);
    return hb_fail(HB_ERR_BOARD, "board refused %s: %s: %.*s%s", client_type_name(type),
                   proto_error_text(code), text ? (int)n : 0,
                   text ? (const char *)text : "", where);
}

/* ---- what the client learns ---------------------------------------------------- */

static void rtt_sample(client_rtt *e, double r, size_t bytes)
{
    if (r < 0)
        r = 0;
    if (!e->have) {
        e->srtt = r;
        e->rttvar = r / 2;
        e->sbytes = (double)bytes;
        e->have = 1;
    } else {
        e->rttvar = 0.75 * e->rttvar + 0.25 * fabs(e->srtt - r);
        e->srtt = 0.875 * e->srtt + 0.125 * r;
        e->sbytes = 0.875 * e->sbytes + 0.125 * (double)bytes;
    }
    double rto = e->srtt + (4 * e->rttvar > 0.5 ? 4 * e->rttvar : 0.5);
    e->rto = rto > CLIENT_RTO_MIN_MS ? rto : CLIENT_RTO_MIN_MS;
}

/* The largest per-try time-out: several tries fit in the request's budget,
 * but never less than what the samples say a round trip takes. */
static double rto_cap(const client_rtt *e, int budget_ms)
{
    double cap = budget_ms / 8.0, floor_ms = e->have ? e->srtt + 4 * e->rttvar : 0;
    if (cap < floor_ms)
        cap = floor_ms;
    return cap > CLIENT_RTO_MIN_MS ? cap : CLIENT_RTO_MIN_MS;
}

/* A repeat turned out needless: the answer to the first try came after
 * all (a second copy arrived, or the answer to a request given up for
 * smaller ones), so the board is slower than the time-out assumed;
 * elapsed_ms is how long that answer took. Unlike a silence, which on a
 * noisy line is nearly always a lost frame, this is proof. */
static void rtt_spurious(client_rtt *e, double elapsed_ms, int budget_ms)
{
    double rto = 2 * e->rto > 1.25 * elapsed_ms ? 2 * e->rto : 1.25 * elapsed_ms;
    e->rto = rto < budget_ms ? rto : budget_ms;
}

/* Watches for a late answer to the request just tried (see client_late). */
static void late_watch(client *c, const client_req *r, size_t chunk, double sent,
                       double elapsed)
{
    client_late *l = &c->late[c->late_next];
    c->late_next = (c->late_next + 1) % CLIENT_LATE_MAX;
    *l = (client_late){1, c->seq, r->type, r->dir, chunk, sent, elapsed, r->budget_ms};
}

/* A frame that is no answer to the current request: if it is the late
 * answer to a watched one, learn from it and return 1. */
static int late_answer(client *c, const proto_frame *f)
{
    double now = now_ms_f();
    for (int i = 0; i < CLIENT_LATE_MAX; i++) {
        client_late *l = &c->late[i];
        /* Older than its budget: its seq may have come round again. */
        if (!l->live || now - l->sent > l->budget_ms)
            continue;
        if (f->seq != l->seq || f->type != (l->type | PROTO_RESPONSE))
            continue;
        l->live = 0;
        c->stats.spurious++;
        rtt_spurious(&c->rtt[l->type == PROTO_INVOKE], l->elapsed > 0 ? l->elapsed
                                                                        : now - l->sent,
                     l->budget_ms);
        /* The frame size was not to blame: undo its shrinking. */
        if (l->dir != CLIENT_DIR_NONE && l->chunk > c->chunk[l->dir])
            c->chunk[l->dir] = l->chunk;
        return 1;
    }
    return 0;
}

static void loss_note(client *c, int failed)
{
    client_stats *s = &c->stats;
    s->loss += CLIENT_LOSS_GAIN * ((failed ? 1.0 : 0.0) - s->loss);
    int need = 1 + c->retries;
    if (s->loss > 1e-3) {
        double n = s->loss < 0.999 ? ceil(CLIENT_LUCK_LN / log(s->loss)) : CLIENT_MAX_MIN_TRIES;
        if (n > need)
            need = n < CLIENT_MAX_MIN_TRIES ? (int)n : CLIENT_MAX_MIN_TRIES;
    }
    s->min_tries = need;
}

static size_t chunk_max(const client *c, int dir)
{
    return dir == CLIENT_DIR_OUT ? c->max_payload - 5 : c->max_payload;
}

static void chunk_note(client *c, int dir, size_t data_bytes, int failed)
{
    if (dir == CLIENT_DIR_NONE)
        return;
    size_t *ch = &c->chunk[dir], max = chunk_max(c, dir);
    if (failed) {
        *ch = *ch * 2 / 3 > CLIENT_CHUNK_MIN ? *ch * 2 / 3 : CLIENT_CHUNK_MIN;
        uint32_t *lo = dir == CLIENT_DIR_OUT ? &c->stats.chunk_out_min : &c->stats.chunk_in_min;
        if (*ch < *lo)
            *lo = (uint32_t)*ch;
    } else if (data_bytes >= *ch) {
        /* Only a full-size frame shows that full-size frames get through. */
        *ch += *ch / 8 + 1;
        if (*ch > max)
            *ch = max;
    }
}

/* ---- one request -------------------------------------------------------------- */

void client_budget_start(client_budget *b)
{
    b->life_ms = client_now_ms();
    b->tries = 0;
    b->silent = 0;
    b->rto = 0;
}

enum { TRY_ANSWER, TRY_DAMAGED, TRY_SILENT };

/* Waits for the answer to the try sent at sent_ms; TRY_* or a status. */
static int wait_answer(client *c, const client_req *r, double deadline, client_budget *b)
{
    uint8_t buf[4096];
    for (;;) {
        double left = deadline - now_ms_f();
        if (left <= 0)
            return TRY_SILENT;
        long got = link_read(c->link, buf, sizeof(buf), (int)ceil(left));
        if (got == HB_ERR_INTERRUPTED)
            return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
        if (got < 0)
            return (int)got;
        if (got == 0)
            continue;
        c->stats.bytes_received += (uint64_t)got;
        int damaged_last = 0;
        for (long k = 0; k < got; k++) {
            proto_frame f;
            int rr = proto_rx_feed(&c->rx, buf[k], &f);
            if (rr == PROTO_RX_MORE) {
                /* Bytes after a damaged frame: maybe the real answer. */
                if (buf[k] != 0)
                    damaged_last = 0;
                continue;
            }
            b->life_ms = client_now_ms();
            if (rr == PROTO_RX_BAD) {
                c->stats.bad_frames++;
                damaged_last = 1;
                continue;
            }
            if (f.seq != c->seq ||
                (f.type != (r->type | PROTO_RESPONSE) && f.type != PROTO_ERROR)) {
                c->stats.stale_frames++;
                if (late_answer(c, &f)) {
                    /* This try was queued behind that answer on the slow
                     * line: it gets the grown time-out from now. */
                    double later = now_ms_f() + c->rtt[r->type == PROTO_INVOKE].rto;
                    if (later > deadline)
                        deadline = later;
                }
                continue;
            }
            /* Bytes after our answer belong to nothing; they are dropped. */
            if (f.type == PROTO_ERROR)
                return board_error(c, r->type, &f);
            memcpy(c->resp, f.payload, f.len);
            c->resp_len = f.len;
            return TRY_ANSWER;
        }
        /* A damaged frame with nothing after it was our answer: repeat now
         * rather than wait out the time-out. */
        if (damaged_last)
            return TRY_DAMAGED;
    }
}

hb_status client_request(client *c, const client_req *r, client_budget *b)
{
    /* A leading 0x00 ends whatever noise sits in the stub's receiver, so
     * our frame starts clean. */
    c->tx_buf[0] = 0;
    size_t n = proto_frame_encode(r->type, c->seq, r->payload, r->len, c->tx_buf + 1,
                                  PROTO_ENCODED_MAX(CLIENT_HOST_MAX_PAYLOAD));
    client_rtt *e = &c->rtt[r->type == PROTO_INVOKE];
    long rate = link_line_rate(c->link);
    /* Time on the wire: our frame out, the answer back (+ its framing). */
    double wire_ms = rate > 0 ? (double)(n + 1 + r->resp_bytes + 12) * 1000.0 / (double)rate
                              : 0.0;
    double first_send = 0, rto_try = e->rto > b->rto ? e->rto : b->rto;
    int tries = 0, silent_tries = 0;
    /* What the loss seen before this request calls for; its own failures
     * must not raise its own bar (a hung board would never be given up). */
    int min_tries = c->stats.min_tries;
    size_t chunk_before = r->dir != CLIENT_DIR_NONE ? c->chunk[r->dir] : 0;
    hb_status st;

    c->err_code = 0;
    c->err_arg = 0;
    if (n == 0)
        return hb_fail(HB_ERR_ARG, "%s payload of %zu bytes is too large",
                       client_type_name(r->type), r->len);
    n++;
    c->stats.requests++;
    for (;;) {
        if (tries > 0) {
            c->stats.retries++;
            if (c->watchdog && (st = c->watchdog(c->watchdog_ctx)) != HB_OK)
                return st;
        }
        if ((st = link_write(c->link, c->tx_buf, n, c->timeout_ms)) != HB_OK)
            return st;
        double sent = now_ms_f();
        if (!tries)
            first_send = sent;
        tries++;
        b->tries++;
        if (tries > c->stats.max_tries)
            c->stats.max_tries = tries;
        c->stats.bytes_sent += n;
        /* On a line of unknown speed, a frame larger than those the time-out
         * was learnt on (HELLO's, then the sampled ones) gets time in
         * proportion to its size: a full chunk through a slow emulated UART
         * would otherwise time out every time, and be taken for loss. */
        double scale = 1.0;
        if (rate == 0 && e->sbytes > 0 && n + r->resp_bytes > e->sbytes)
            scale = (double)(n + r->resp_bytes) / e->sbytes;
        double rto = rto_try * scale + wire_ms;
        if (rto > r->budget_ms)
            rto = r->budget_ms;
        int got = wait_answer(c, r, sent + rto, b);
        if (got == TRY_ANSWER) {
            double since_first = now_ms_f() - first_send;
            /* Karn: after a silent try, which try was answered is
             * unknown; after damaged ones only, it was this one. */
            if (silent_tries == 0 && r->type != PROTO_HELLO) {
                rtt_sample(e, now_ms_f() - sent - wire_ms, n + r->resp_bytes);
            }
            else if (r->type == PROTO_HELLO) {
                /* HELLO's round trip includes the stub starting up: an
                 * upper bound to start from, not a sample; larger frames
                 * get time in proportion to their size (above). */
                for (int k = 0; k < 2; k++) {
                    c->rtt[k].rto = since_first * 2 < CLIENT_RTO_INITIAL_MS
                                        ? (since_first * 2 > CLIENT_RTO_MIN_MS
                                               ? since_first * 2 : CLIENT_RTO_MIN_MS)
                                        : CLIENT_RTO_INITIAL_MS;
                    c->rtt[k].sbytes = (double)(n + c->resp_len);
                }
            }
            /* Repeated after silence: a second answer may follow. */
            if (tries > 1 && silent_tries > 0)
                late_watch(c, r, chunk_before, first_send, since_first);
            loss_note(c, 0);
            /* A failed try has shrunk the chunk already. */
            if (tries == 1)
                chunk_note(c, r->dir, r->data_bytes, 0);
            c->seq++;
            return HB_OK;
        }
        if (got < 0) {
            if (got == HB_ERR_BOARD && c->err_code)
                c->seq++; /* answered, with an error: the request is done */
            return (hb_status)got;
        }
        loss_note(c, 1);
        if (got == TRY_SILENT) {
            c->stats.timeouts++;
            /* Silence after silence in this operation, beyond what the loss
             * explains (the board may be slow or hung), or before any round
             * trip is known (the time-out is a guess): wait longer between
             * tries, the smaller requests of a re-size included (Karn). */
            silent_tries++;
            if (++b->silent >= (min_tries + 3) / 4 || !e->have) {
                double cap = rto_cap(e, r->budget_ms);
                rto_try = 2 * rto_try < cap ? 2 * rto_try : cap;
                b->rto = rto_try;
            }
        }
        chunk_note(c, r->dir, r->data_bytes, 1);
        if (r->dir != CLIENT_DIR_NONE && c->chunk[r->dir] < r->data_bytes) {
            /* Its answer may still come while the smaller requests go: then
             * the line was slow, not lossy (see wait_answer). */
            c->stats.resized++;
            late_watch(c, r, chunk_before, first_send, 0);
            c->seq++;
            return CLIENT_RESIZE;
        }
        int64_t silent = client_now_ms() - b->life_ms;
        if ((b->tries >= min_tries && silent >= r->budget_ms) ||
            b->tries >= CLIENT_MAX_TRIES) {
            c->seq++;
            return hb_fail(HB_ERR_TIMEOUT, "no answer to %s within %d ms (%d tries)",
                           client_type_name(r->type), r->budget_ms, b->tries);
        }
    }
}

/* ---- HELLO ------------------------------------------------------------------- */

hb_status client_hello(client *c, int timeout_ms, client_hello_info *info)
{
    uint8_t p[2];
    proto_wr w;
    proto_rd r;
    hb_status st;
    client_budget b;

    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, PROTO_VERSION);
    /* The stub may still be starting: the whole wait is the budget. */
    client_req req = {PROTO_HELLO, p, w.len, 64, timeout_ms, CLIENT_DIR_NONE, 0};
    client_budget_start(&b);
    st = client_request(c, &req, &b);
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
    c->max_payload = info->max_payload; /* u16: never above the host's maximum */
    /* Start optimistic: the first failures bring the chunks down quickly. */
    c->chunk[CLIENT_DIR_OUT] = chunk_max(c, CLIENT_DIR_OUT);
    c->chunk[CLIENT_DIR_IN] = chunk_max(c, CLIENT_DIR_IN);
    c->stats.chunk_out_min = (uint32_t)c->chunk[CLIENT_DIR_OUT];
    c->stats.chunk_in_min = (uint32_t)c->chunk[CLIENT_DIR_IN];
    return HB_OK;
}
