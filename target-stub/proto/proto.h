/*
 * proto.h: the host <-> stub protocol (docs/protocol.md), version 1.
 *
 * Namespace: proto_ / PROTO_.
 *
 * Shared by the stub and the host: CRC-32, COBS, frames and the message
 * layouts. Freestanding C11, no allocation: callers pass every buffer.
 *
 * Wire format of one frame:
 *     COBS( type u8 | seq u8 | payload | crc32 u32 LE ) 0x00
 * The CRC-32 (IEEE 802.3, reflected, init and xorout 0xFFFFFFFF) covers
 * type, seq and payload. COBS removes every 0x00 from the frame so 0x00
 * delimits frames: a receiver resynchronises at the next 0x00 after any
 * damage. All integers are little-endian.
 *
 * Exchange: the host sends one request and waits for its response; a
 * response has the request's type | 0x80 (or PROTO_ERROR) and the same seq.
 * The host gives each new request the next seq (mod 256) and repeats a
 * request with the same seq after a time-out or a damaged response. The
 * stub keeps its last response and sends it again, without re-executing,
 * when a request arrives with the same seq and type as the last one.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define PROTO_HEAD_BYTES 2   /* type, seq */
#define PROTO_CRC_BYTES 4
#define PROTO_MIN_PAYLOAD 256 /* every stub accepts payloads this large */
/* Largest encoded size of a frame whose payload is n bytes (COBS overhead,
 * header, CRC, delimiter). */
#define PROTO_ENCODED_MAX(n) \
    ((n) + PROTO_HEAD_BYTES + PROTO_CRC_BYTES + ((n) + 6) / 254 + 2)

/* Message types. Responses are type | PROTO_RESPONSE. */
enum {
    PROTO_HELLO = 0x01,
    PROTO_LOAD_BEGIN = 0x02,
    PROTO_LOAD_CHUNK = 0x03,
    PROTO_LOAD_END = 0x04,
    PROTO_SET_INPUT = 0x05,
    PROTO_INVOKE = 0x06,
    PROTO_READ_TIMING = 0x07,
    PROTO_READ_OUTPUT = 0x08,
    PROTO_LOAD_FLASH = 0x09,
    PROTO_RESPONSE = 0x80,
    PROTO_ERROR = 0xFF
};

/* Payload layouts (offsets in bytes):
 *
 * HELLO       req:  u16 host_version
 *             resp: u16 version, u16 max_payload, u32 counter_hz,
 *                   u8 counter_unit (PROTO_UNIT_*), u8 flags (0),
 *                   u32 model_capacity, u32 arena_capacity,
 *                   u32 timing_capacity (u32 slots), u32 ops (bitmap of
 *                   nn_opcode), u32 dtypes (bitmap of nn_dtype),
 *                   u32 read_overhead (ticks between two back-to-back
 *                   counter reads), u32 hook_overhead (ticks one layer's
 *                   before+after hooks add to a whole invoke),
 *                   u8 name_len, name bytes,                (39 + name_len)
 *                   u32 flash_capacity (bytes of the flash model region,
 *                   0 if none; absent, meaning 0, from older stubs)
 * LOAD_BEGIN  req:  u32 blob_bytes, u32 blob_crc32   resp: empty
 * LOAD_CHUNK  req:  u32 offset, bytes                resp: u32 received
 *             (chunks arrive in order; offset must equal bytes received)
 * LOAD_END    req:  empty
 *             resp: u32 arena_bytes, u16 ops, u16 inputs, u16 outputs
 *             (the stub checks the CRC of the whole blob, then validates it)
 * LOAD_FLASH  req:  u32 blob_bytes, u32 blob_crc32
 *             resp: as LOAD_END. The blob was placed in the stub's flash
 *             model region before the stub started (by the board's flash
 *             or launch command); the stub checks its CRC and validates it
 *             there, and runs it in place.
 * SET_INPUT   req:  u8 input, u32 offset, bytes       resp: empty
 * INVOKE      req:  u16 repeat (>= 1), u16 warmup, u8 flags
 *                   (PROTO_INVOKE_LAYERS: time every layer)
 *             resp: u16 repeat, u16 layers (0 when not timed),
 *                   u32 stack_bytes (high-water), u32 arena_bytes (used)
 *             The stub stores, for each timed repeat r, the ticks of the
 *             whole invoke in slot r*(1+layers) and the ticks of layer l in
 *             slot r*(1+layers)+1+l, raw (overheads not subtracted).
 * READ_TIMING req:  u32 first_slot, u16 count         resp: u32 x count
 * READ_OUTPUT req:  u8 output, u32 offset, u16 bytes  resp: bytes
 * ERROR       resp: u16 code (PROTO_E_*), u8 why (nn_why), u8 0,
 *                   i32 op, i32 tensor, u32 arg, text (rest, not NUL-ended)
 */
enum { PROTO_UNIT_CYCLES = 0, PROTO_UNIT_INSTRUCTIONS = 1, PROTO_UNIT_NS = 2 };
enum { PROTO_INVOKE_LAYERS = 0x01 };

#define PROTO_HELLO_FIXED_BYTES 39

/* Error codes carried by PROTO_ERROR. */
#define PROTO_E_LIST(X)                                           \
    X(UNKNOWN_TYPE, 1, "unknown request type")                    \
    X(BAD_LENGTH, 2, "request payload has the wrong length")      \
    X(NO_MODEL, 3, "no model loaded")                             \
    X(TOO_BIG, 4, "model larger than the board's model capacity") \
    X(SEQUENCE, 5, "chunk out of order")                          \
    X(BLOB_CRC, 6, "model blob CRC mismatch")                     \
    X(MODEL, 7, "model blob refused by the engine")               \
    X(ARENA, 8, "model needs more arena than the board has")      \
    X(RANGE, 9, "index or offset out of range")                   \
    X(TIMING, 10, "timing buffer too small for repeat x layers")  \
    X(VERSION, 11, "protocol version not supported")              \
    X(FAULT, 12, "the board's CPU faulted")                       \
    X(NO_FLASH, 13, "the board has no flash model region")

enum {
#define PROTO_X_(e, n, s) PROTO_E_##e = n,
    PROTO_E_LIST(PROTO_X_)
#undef PROTO_X_
};

/* Text of a PROTO_E_* code, "unknown error" otherwise. */
const char *proto_error_text(int code);

/* CRC-32 ---------------------------------------------------------------- */
/* Continues a CRC: crc = proto_crc32(0, a, n); crc = proto_crc32(crc, b, m)
 * equals proto_crc32(0, ab, n + m). */
uint32_t proto_crc32(uint32_t crc, const void *data, size_t len);

/* COBS ------------------------------------------------------------------ */
/* Encodes len bytes into out (capacity cap), without the trailing 0x00.
 * Returns the encoded length, or 0 if cap is too small. */
size_t proto_cobs_encode(const uint8_t *in, size_t len, uint8_t *out,
                         size_t cap);
/* Decodes len bytes (no 0x00 among them) into out (may equal in).
 * Returns the decoded length, or -1 if the input is not valid COBS or out
 * is too small. */
long proto_cobs_decode(const uint8_t *in, size_t len, uint8_t *out,
                       size_t cap);

/* Frames ---------------------------------------------------------------- */
typedef struct {
    uint8_t type;
    uint8_t seq;
    const uint8_t *payload; /* points into the receiver's buffer */
    size_t len;
} proto_frame;

/* Writes one complete frame, delimiter included, into out. Returns its
 * length, or 0 if cap < PROTO_ENCODED_MAX(len). */
size_t proto_frame_encode(uint8_t type, uint8_t seq, const uint8_t *payload,
                          size_t len, uint8_t *out, size_t cap);

/* Incremental receiver. The buffer holds one encoded frame; its capacity
 * bounds the frames it accepts: PROTO_ENCODED_MAX(max payload). */
typedef struct {
    uint8_t *buf;
    size_t cap;
    size_t len;
    int dropping;  /* discarding an overlong frame until the next 0x00 */
    uint32_t crc_errors, framing_errors, overflows; /* counters, for tests
                                                       and diagnostics */
} proto_rx;

enum {
    PROTO_RX_MORE = 0,     /* byte consumed, no frame yet */
    PROTO_RX_FRAME = 1,    /* *frame is valid until the next feed */
    PROTO_RX_BAD = 2       /* a damaged or overlong frame was dropped */
};

void proto_rx_init(proto_rx *rx, uint8_t *buf, size_t cap);
/* Feeds one received byte. */
int proto_rx_feed(proto_rx *rx, uint8_t byte, proto_frame *frame);

/* Cursors for building and parsing payloads ------------------------------ */
typedef struct {
    uint8_t *p;
    size_t cap, len;
    int overflow; /* set when a put did not fit; later puts do nothing */
} proto_wr;

typedef struct {
    const uint8_t *p;
    size_t len, pos;
    int short_read; /* set when a get ran past the end; gets return 0 */
} proto_rd;

void proto_wr_init(proto_wr *w, uint8_t *buf, size_t cap);
void proto_put_u8(proto_wr *w, uint8_t v);
void proto_put_u16(proto_wr *w, uint16_t v);
void proto_put_u32(proto_wr *w, uint32_t v);
void proto_put_bytes(proto_wr *w, const void *data, size_t n);

void proto_rd_init(proto_rd *r, const uint8_t *buf, size_t len);
uint8_t proto_get_u8(proto_rd *r);
uint16_t proto_get_u16(proto_rd *r);
uint32_t proto_get_u32(proto_rd *r);
/* Returns a pointer to the next n bytes (NULL and short_read if fewer). */
const uint8_t *proto_get_bytes(proto_rd *r, size_t n);
size_t proto_rd_left(const proto_rd *r);

#endif
