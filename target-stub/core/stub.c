/*
 * stub.c: the stub's request loop.
 *
 * One request in, one response out. The last response is kept encoded so a
 * request repeated by the host (same seq and type: its response was lost
 * or damaged) is answered again without running it twice.
 *
 * Memory: the model buffer holds the blob, then a copy of every input
 * tensor ("staged inputs"). Before each invoke the staged inputs are copied
 * into the arena, outside the timed region, because the arena plan may
 * reuse an input's bytes once the input is consumed.
 */
#include "stub.h"

#include <string.h>

#include "nn.h"
#include "nn_blob.h"
#include "port.h"
#include "proto.h"

#define PAINT 0xA5u
#define STAGE_ALIGN 16u

static uint8_t rx_buf[PROTO_ENCODED_MAX(STUB_MAX_PAYLOAD)];
/* The kept response, after a 0x00 that ends any noise the host's receiver
 * has collected (a response whose delimiter was lost, say), so the
 * response itself arrives clean. */
static uint8_t tx_buf[1 + PROTO_ENCODED_MAX(STUB_MAX_PAYLOAD)];
static int tx_len;
static uint8_t last_type, last_seq;
static int have_last;
static uint8_t payload[STUB_MAX_PAYLOAD];

static struct {
    uint8_t *buf;             /* model buffer */
    uint32_t capacity;
    uint8_t *arena;
    uint32_t arena_capacity;
    uint32_t expect_bytes, expect_crc, received;
    int loaded;
    nn_model model;
    uint32_t stage_off[16];   /* staged input offsets in buf */
    uint32_t slots_used;
    uint32_t read_overhead, hook_overhead;
} S;

static uint32_t slots[STUB_TIMING_SLOTS];

__attribute__((weak)) void port_quiet(int on)
{
    (void)on;
}

/* Ports without a flash model region need not define port_flash_model(). */
__attribute__((weak)) const uint8_t *port_flash_model(uint32_t *capacity)
{
    *capacity = 0;
    return 0;
}

volatile int32_t stub_current_op = STUB_OP_NONE;
/* The request being served, for stub_fault(). */
static volatile int serving;
static uint8_t serving_seq;

/* Layer hooks: the counter is read as late as possible before the op and
 * as early as possible after it. */
static uint32_t layer_start;
static uint32_t *layer_slots;

static void hook_before(void *ctx, uint16_t op)
{
    (void)ctx;
    stub_current_op = op;
    layer_start = port_counter();
}

static void hook_after(void *ctx, uint16_t op)
{
    uint32_t now = port_counter();
    (void)ctx;
    layer_slots[op] = now - layer_start;
}

static const nn_hooks layer_hooks = {hook_before, hook_after, 0};

/* Untimed runs only note the op, for a fault handler. */
static void hook_track(void *ctx, uint16_t op)
{
    (void)ctx;
    stub_current_op = op;
}

static const nn_hooks track_hooks = {hook_track, 0, 0};

/* Calibrates the two timing overheads reported by HELLO; min of several
 * tries, since interrupts and caches only ever add time. */
static void measure_overheads(void)
{
    static uint32_t scratch[1];
    uint32_t best_read = 0xFFFFFFFFu, best_hook = 0xFFFFFFFFu;
    const nn_hooks *volatile h = &layer_hooks;
    layer_slots = scratch;
    for (int k = 0; k < 16; k++) {
        h->before(h->ctx, 0);
        h->after(h->ctx, 0);
        if (scratch[0] < best_read)
            best_read = scratch[0];
        uint32_t t0 = port_counter();
        for (int n = 0; n < 8; n++) {
            h->before(h->ctx, 0);
            h->after(h->ctx, 0);
        }
        uint32_t t = (port_counter() - t0) / 8;
        if (t < best_hook)
            best_hook = t;
    }
    S.read_overhead = best_read;
    S.hook_overhead = best_hook;
    stub_current_op = STUB_OP_NONE;
}

/* Stack painting, a word at a time: the native stub's stack is 1 MiB, and
 * painting and scanning it byte by byte cost more than a small model's
 * invoke. Not inlined: its own frame must sit above the paint. No calls in
 * the loop (a memset's frame could land in the painted area). A sanitizer
 * build would check every one of these accesses to memory no object owns:
 * they are left out of it. */
#define PAINT_WORD 0xA5A5A5A5u
#define RAW_MEMORY __attribute__((no_sanitize("address", "undefined")))

static uint32_t *stack_words(void)
{
    return (uint32_t *)(((uintptr_t)port_stack_limit() + 3u) & ~(uintptr_t)3u);
}

/* The first word from the limit up that is not paint: everything below
 * it still holds paint, from this or an earlier painting. */
static RAW_MEMORY uint32_t *first_dirty(void)
{
    const uint8_t *base = port_stack_base();
    uint32_t *w = stack_words();
    while ((const uint8_t *)(w + 1) <= base && *w == PAINT_WORD)
        w++;
    return w;
}

/* Paints from the limit up to just below its own frame. Reading is much
 * cheaper than writing, so the part that still holds paint (whatever ran
 * since the last painting, requests and interrupts included, did not go
 * that deep) is found and skipped. */
static __attribute__((noinline)) RAW_MEMORY void stack_paint(void)
{
    volatile uint8_t here = 0;
    uint32_t *p = stack_words();
    uintptr_t top = (uintptr_t)&here - 256; /* stay clear of this frame */
    /* Only paint when we really run on the port's stack. */
    if ((uintptr_t)p >= top || top > (uintptr_t)port_stack_base())
        return;
    uint32_t *dirty = first_dirty();
    if ((uintptr_t)dirty < top)
        p = dirty;
    /* volatile: a loop the compiler turned into a memset call would put
     * that call's frame into the area being painted. */
    for (; (uintptr_t)(p + 1) <= top; p++)
        *(volatile uint32_t *)p = PAINT_WORD;
}

static RAW_MEMORY uint32_t stack_high_water(void)
{
    const uint8_t *base = port_stack_base();
    const uint8_t *p = (const uint8_t *)first_dirty();
    while (p < base && *p == PAINT)
        p++;
    return (uint32_t)(base - p);
}

/* Responses ---------------------------------------------------------------- */

static int error_payload(uint8_t *out, int cap, int code, const nn_error *e,
                         uint32_t arg)
{
    proto_wr w;
    proto_wr_init(&w, out, (size_t)cap);
    proto_put_u16(&w, (uint16_t)code);
    proto_put_u8(&w, e ? (uint8_t)e->why : 0);
    proto_put_u8(&w, 0);
    proto_put_u32(&w, e ? (uint32_t)e->op : 0xFFFFFFFFu);
    proto_put_u32(&w, e ? (uint32_t)e->tensor : 0xFFFFFFFFu);
    proto_put_u32(&w, arg);
    const char *text = e ? nn_why_text(e->why) : proto_error_text(code);
    proto_put_bytes(&w, text, strlen(text));
    return -(int)w.len; /* negative: an ERROR response of that length */
}

#define FAIL(code) return error_payload(out, cap, (code), 0, 0)

static int model_input_stage(uint16_t i, nn_tensor *t)
{
    nn_model_tensor(&S.model, nn_model_input(&S.model, i), S.arena, t);
    return 0;
}

static int do_hello(proto_rd *r, uint8_t *out, int cap)
{
    uint16_t host_version = proto_get_u16(r);
    if (r->short_read)
        FAIL(PROTO_E_BAD_LENGTH);
    if (host_version != PROTO_VERSION)
        return error_payload(out, cap, PROTO_E_VERSION, 0, PROTO_VERSION);
    const char *name = port_board_name();
    size_t name_len = strlen(name);
    if (name_len > 64)
        name_len = 64;
    proto_wr w;
    proto_wr_init(&w, out, (size_t)cap);
    proto_put_u16(&w, PROTO_VERSION);
    proto_put_u16(&w, STUB_MAX_PAYLOAD);
    proto_put_u32(&w, port_counter_hz());
    proto_put_u8(&w, port_counter_unit());
    proto_put_u8(&w, 0);
    proto_put_u32(&w, S.capacity);
    proto_put_u32(&w, S.arena_capacity);
    proto_put_u32(&w, STUB_TIMING_SLOTS);
    proto_put_u32(&w, nn_engine_ops());
    proto_put_u32(&w, nn_engine_dtypes());
    proto_put_u32(&w, S.read_overhead);
    proto_put_u32(&w, S.hook_overhead);
    proto_put_u8(&w, (uint8_t)name_len);
    proto_put_bytes(&w, name, name_len);
    uint32_t flash_bytes = 0;
    port_flash_model(&flash_bytes);
    proto_put_u32(&w, flash_bytes);
    return (int)w.len;
}

static int do_load_begin(proto_rd *r, uint8_t *out, int cap)
{
    uint32_t bytes = proto_get_u32(r), crc = proto_get_u32(r);
    if (r->short_read || proto_rd_left(r))
        FAIL(PROTO_E_BAD_LENGTH);
    S.loaded = 0;
    S.received = 0;
    if (bytes > S.capacity)
        return error_payload(out, cap, PROTO_E_TOO_BIG, 0, S.capacity);
    S.expect_bytes = bytes;
    S.expect_crc = crc;
    return 0;
}

static int do_load_chunk(proto_rd *r, uint8_t *out, int cap)
{
    uint32_t off = proto_get_u32(r);
    size_t n = proto_rd_left(r);
    const uint8_t *data = proto_get_bytes(r, n);
    if (r->short_read)
        FAIL(PROTO_E_BAD_LENGTH);
    if (off != S.received)
        return error_payload(out, cap, PROTO_E_SEQUENCE, 0, S.received);
    if ((uint64_t)off + n > S.expect_bytes)
        FAIL(PROTO_E_RANGE);
    memcpy(S.buf + off, data, n);
    S.received += (uint32_t)n;
    proto_wr w;
    proto_wr_init(&w, out, (size_t)cap);
    proto_put_u32(&w, S.received);
    return (int)w.len;
}

/* Checks and opens the blob at `blob` (in the model buffer after an
 * upload, or in the flash model region), then stages the inputs in the
 * model buffer from offset `stage`. */
static int open_blob(const uint8_t *blob, uint32_t bytes, uint32_t crc, uint32_t stage,
                     uint8_t *out, int cap)
{
    nn_error e;
    if (proto_crc32(0, blob, bytes) != crc)
        FAIL(PROTO_E_BLOB_CRC);
    /* The blob's own CRC guards a blob that was stored, not just sent. */
    uint32_t blob_bytes = bytes >= NN_BLOB_HEADER_BYTES ? nn_rd_u32(blob + NN_BH_BLOB_BYTES) : 0;
    if (blob_bytes >= NN_BLOB_HEADER_BYTES && blob_bytes <= bytes &&
        proto_crc32(0, blob + 16, blob_bytes - 16) != nn_rd_u32(blob + NN_BH_CRC))
        FAIL(PROTO_E_BLOB_CRC);
    if (nn_model_open(&S.model, blob, bytes, &e) != NN_OK)
        return error_payload(out, cap, PROTO_E_MODEL, &e, 0);
    if (nn_model_arena_bytes(&S.model) > S.arena_capacity)
        return error_payload(out, cap, PROTO_E_ARENA, 0, S.arena_capacity);
    uint32_t at = (stage + STAGE_ALIGN - 1) & ~(STAGE_ALIGN - 1);
    uint16_t n_in = nn_model_input_count(&S.model);
    if (n_in > sizeof(S.stage_off) / sizeof(S.stage_off[0]))
        FAIL(PROTO_E_RANGE);
    for (uint16_t i = 0; i < n_in; i++) {
        nn_tensor t;
        model_input_stage(i, &t);
        S.stage_off[i] = at;
        if ((uint64_t)at + t.bytes > S.capacity)
            return error_payload(out, cap, PROTO_E_TOO_BIG, 0, S.capacity);
        memset(S.buf + at, 0, t.bytes);
        at = (at + t.bytes + STAGE_ALIGN - 1) & ~(STAGE_ALIGN - 1);
    }
    S.loaded = 1;
    S.slots_used = 0;
    proto_wr w;
    proto_wr_init(&w, out, (size_t)cap);
    proto_put_u32(&w, nn_model_arena_bytes(&S.model));
    proto_put_u16(&w, nn_model_op_count(&S.model));
    proto_put_u16(&w, n_in);
    proto_put_u16(&w, nn_model_output_count(&S.model));
    return (int)w.len;
}

static int do_load_end(proto_rd *r, uint8_t *out, int cap)
{
    if (proto_rd_left(r))
        FAIL(PROTO_E_BAD_LENGTH);
    if (S.received != S.expect_bytes || S.expect_bytes == 0)
        return error_payload(out, cap, PROTO_E_SEQUENCE, 0, S.received);
    return open_blob(S.buf, S.expect_bytes, S.expect_crc, S.expect_bytes, out, cap);
}

static int do_load_flash(proto_rd *r, uint8_t *out, int cap)
{
    uint32_t bytes = proto_get_u32(r), crc = proto_get_u32(r);
    uint32_t region_bytes = 0;
    const uint8_t *region = port_flash_model(&region_bytes);
    if (r->short_read || proto_rd_left(r))
        FAIL(PROTO_E_BAD_LENGTH);
    S.loaded = 0;
    if (!region || region_bytes == 0)
        FAIL(PROTO_E_NO_FLASH);
    if (bytes == 0 || bytes > region_bytes)
        return error_payload(out, cap, PROTO_E_TOO_BIG, 0, region_bytes);
    return open_blob(region, bytes, crc, 0, out, cap);
}

static int do_set_input(proto_rd *r, uint8_t *out, int cap)
{
    uint8_t idx = proto_get_u8(r);
    uint32_t off = proto_get_u32(r);
    size_t n = proto_rd_left(r);
    const uint8_t *data = proto_get_bytes(r, n);
    nn_tensor t;
    if (r->short_read)
        FAIL(PROTO_E_BAD_LENGTH);
    if (!S.loaded)
        FAIL(PROTO_E_NO_MODEL);
    if (idx >= nn_model_input_count(&S.model))
        FAIL(PROTO_E_RANGE);
    model_input_stage(idx, &t);
    if ((uint64_t)off + n > t.bytes)
        return error_payload(out, cap, PROTO_E_RANGE, 0, t.bytes);
    memcpy(S.buf + S.stage_off[idx] + off, data, n);
    return 0;
}

static void restore_inputs(void)
{
    for (uint16_t i = 0; i < nn_model_input_count(&S.model); i++) {
        nn_tensor t;
        model_input_stage(i, &t);
        memcpy(t.data, S.buf + S.stage_off[i], t.bytes);
    }
}

static int do_invoke(proto_rd *r, uint8_t *out, int cap)
{
    uint16_t repeat = proto_get_u16(r), warmup = proto_get_u16(r);
    uint8_t flags = proto_get_u8(r);
    if (r->short_read || proto_rd_left(r))
        FAIL(PROTO_E_BAD_LENGTH);
    if (repeat == 0)
        FAIL(PROTO_E_RANGE);
    if (!S.loaded)
        FAIL(PROTO_E_NO_MODEL);
    uint32_t layers = (flags & PROTO_INVOKE_LAYERS) ? nn_model_op_count(&S.model) : 0;
    uint32_t stride = 1 + layers;
    if ((uint64_t)repeat * stride > STUB_TIMING_SLOTS)
        return error_payload(out, cap, PROTO_E_TIMING, 0, STUB_TIMING_SLOTS);

    port_quiet(1);
    stack_paint();
    for (uint16_t k = 0; k < warmup; k++) {
        restore_inputs();
        nn_model_invoke(&S.model, S.arena, S.arena_capacity, &track_hooks, 0);
    }
    for (uint16_t k = 0; k < repeat; k++) {
        uint32_t *row = slots + (uint32_t)k * stride;
        restore_inputs();
        layer_slots = row + 1;
        stub_current_op = STUB_OP_UNKNOWN;
        uint32_t t0 = port_counter();
        nn_model_invoke(&S.model, S.arena, S.arena_capacity,
                        layers ? &layer_hooks : 0, 0);
        row[0] = port_counter() - t0;
    }
    stub_current_op = STUB_OP_NONE;
    uint32_t stack_bytes = stack_high_water();
    port_quiet(0);
    S.slots_used = (uint32_t)repeat * stride;
    proto_wr w;
    proto_wr_init(&w, out, (size_t)cap);
    proto_put_u16(&w, repeat);
    proto_put_u16(&w, (uint16_t)layers);
    proto_put_u32(&w, stack_bytes);
    proto_put_u32(&w, nn_model_arena_bytes(&S.model));
    return (int)w.len;
}

static int do_read_timing(proto_rd *r, uint8_t *out, int cap)
{
    uint32_t first = proto_get_u32(r);
    uint16_t count = proto_get_u16(r);
    if (r->short_read || proto_rd_left(r))
        FAIL(PROTO_E_BAD_LENGTH);
    if ((uint64_t)first + count > S.slots_used || 4u * count > (uint32_t)cap)
        return error_payload(out, cap, PROTO_E_RANGE, 0, S.slots_used);
    proto_wr w;
    proto_wr_init(&w, out, (size_t)cap);
    for (uint16_t k = 0; k < count; k++)
        proto_put_u32(&w, slots[first + k]);
    return (int)w.len;
}

static int do_read_output(proto_rd *r, uint8_t *out, int cap)
{
    uint8_t idx = proto_get_u8(r);
    uint32_t off = proto_get_u32(r);
    uint16_t n = proto_get_u16(r);
    nn_tensor t;
    if (r->short_read || proto_rd_left(r))
        FAIL(PROTO_E_BAD_LENGTH);
    if (!S.loaded)
        FAIL(PROTO_E_NO_MODEL);
    if (idx >= nn_model_output_count(&S.model))
        FAIL(PROTO_E_RANGE);
    nn_model_tensor(&S.model, nn_model_output(&S.model, idx), S.arena, &t);
    if ((uint64_t)off + n > t.bytes || n > (uint32_t)cap)
        return error_payload(out, cap, PROTO_E_RANGE, 0, t.bytes);
    memcpy(out, (const uint8_t *)t.data + off, n);
    return n;
}

typedef int (*handler)(proto_rd *r, uint8_t *out, int cap);

static const handler handlers[] = {
    [PROTO_HELLO] = do_hello,
    [PROTO_LOAD_BEGIN] = do_load_begin,
    [PROTO_LOAD_CHUNK] = do_load_chunk,
    [PROTO_LOAD_END] = do_load_end,
    [PROTO_LOAD_FLASH] = do_load_flash,
    [PROTO_SET_INPUT] = do_set_input,
    [PROTO_INVOKE] = do_invoke,
    [PROTO_READ_TIMING] = do_read_timing,
    [PROTO_READ_OUTPUT] = do_read_output,
};

static void respond(const proto_frame *f)
{
    proto_rd r;
    int n;
    uint8_t type;

    proto_rd_init(&r, f->payload, f->len);
    serving_seq = f->seq;
    serving = 1;
#ifdef STUB_TEST_HOOKS
    port_test_request(f->type, f->payload, f->len);
#endif
    if (f->type < sizeof(handlers) / sizeof(handlers[0]) && handlers[f->type])
        n = handlers[f->type](&r, payload, (int)sizeof(payload));
    else
        n = error_payload(payload, (int)sizeof(payload), PROTO_E_UNKNOWN_TYPE, 0, f->type);
    serving = 0;
    type = n < 0 ? PROTO_ERROR : (uint8_t)(f->type | PROTO_RESPONSE);
    tx_buf[0] = 0;
    tx_len = 1 + (int)proto_frame_encode(type, f->seq, payload, (size_t)(n < 0 ? -n : n),
                                         tx_buf + 1, sizeof(tx_buf) - 1);
    last_type = f->type;
    last_seq = f->seq;
    have_last = 1;
}

/* Faults ------------------------------------------------------------------- */

static size_t put_text(char *out, size_t at, size_t cap, const char *s)
{
    while (*s && at + 1 < cap)
        out[at++] = *s++;
    return at;
}

static size_t put_dec(char *out, size_t at, size_t cap, uint32_t v)
{
    char d[11];
    int n = 0;
    do
        d[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0 && at + 1 < cap)
        out[at++] = d[--n];
    return at;
}

void stub_fault(const char *what, uint32_t status, char *line, int line_cap)
{
    /* Own buffers: the fault may have hit in the middle of an encode. */
    static char text[160];
    static uint8_t body[16 + sizeof(text)];
    static uint8_t frame[1 + PROTO_ENCODED_MAX(16 + sizeof(text))];
    int32_t op = stub_current_op;
    size_t n = put_text(text, 0, sizeof(text), what ? what : "fault");
    if (op >= 0 && S.loaded && op < nn_model_op_count(&S.model)) {
        n = put_text(text, n, sizeof(text), " in op ");
        n = put_dec(text, n, sizeof(text), (uint32_t)op);
        n = put_text(text, n, sizeof(text), " (");
        n = put_text(text, n, sizeof(text),
                     nn_op_name(nn_model_op_code(&S.model, (uint16_t)op)));
        n = put_text(text, n, sizeof(text), ")");
    } else if (op == STUB_OP_UNKNOWN) {
        n = put_text(text, n, sizeof(text), " while running the model");
    } else {
        op = -1;
    }
    text[n] = '\0';
    for (int k = 0; line && k < line_cap; k++)
        if ((line[k] = text[k]) == '\0' || k == line_cap - 1) {
            line[k] = '\0';
            break;
        }
    if (!serving)
        return;
    proto_wr w;
    proto_wr_init(&w, body, sizeof(body));
    proto_put_u16(&w, PROTO_E_FAULT);
    proto_put_u8(&w, 0);
    proto_put_u8(&w, 0);
    proto_put_u32(&w, (uint32_t)op);
    proto_put_u32(&w, 0xFFFFFFFFu);
    proto_put_u32(&w, status);
    proto_put_bytes(&w, text, n);
    /* A leading 0x00 ends any frame the fault cut short. */
    frame[0] = 0;
    size_t len = proto_frame_encode(PROTO_ERROR, serving_seq, body, w.len, frame + 1,
                                    sizeof(frame) - 1);
    port_write(frame, (int)len + 1);
}

void stub_run(void)
{
    static uint8_t in[256];
    proto_rx rx;
    proto_frame f;

    S.buf = port_model_buffer(&S.capacity);
    S.arena = port_arena(&S.arena_capacity);
    measure_overheads();
    proto_rx_init(&rx, rx_buf, sizeof(rx_buf));
    for (;;) {
        int n = port_read(in, (int)sizeof(in));
        if (n < 0)
            return;
        for (int k = 0; k < n; k++) {
            if (proto_rx_feed(&rx, in[k], &f) != PROTO_RX_FRAME)
                continue;
            if (!(have_last && f.seq == last_seq && f.type == last_type))
                respond(&f);
            port_write(tx_buf, tx_len);
        }
    }
}
