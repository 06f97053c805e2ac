/*
 * proto_frame.c: frames on the wire, and the incremental receiver.
 *
 * A frame is COBS(type | seq | payload | crc32 LE) followed by 0x00. The
 * receiver keeps the encoded bytes of the current frame and decodes them in
 * place when the 0x00 arrives, so it needs one buffer and no copy. Every
 * outcome but PROTO_RX_MORE is reported on a 0x00: when the receiver says
 * FRAME or BAD the sender has finished a frame, which is when a host may
 * react (accept, or repeat its request) without talking over the rest of it.
 */
#include "proto_priv.h"

#define PROTO_FRAME_EXTRA (PROTO_HEAD_BYTES + PROTO_CRC_BYTES)

size_t proto_frame_encode(uint8_t type, uint8_t seq, const uint8_t *payload,
                          size_t len, uint8_t *out, size_t cap)
{
    proto_cobs_enc e;
    uint8_t head[PROTO_HEAD_BYTES] = {type, seq};
    uint8_t tail[PROTO_CRC_BYTES];
    uint32_t crc;
    size_t n;

    /* Keeps PROTO_ENCODED_MAX(len) from wrapping around. */
    if (!out || len > SIZE_MAX / 2 || (len && !payload) ||
        cap < PROTO_ENCODED_MAX(len))
        return 0;
    crc = proto_crc32(0, head, sizeof head);
    crc = proto_crc32(crc, payload, len);
    for (int i = 0; i < PROTO_CRC_BYTES; i++)
        tail[i] = (uint8_t)(crc >> (8 * i));

    proto_cobs_enc_init(&e, out, cap - 1);
    proto_cobs_enc_put(&e, head, sizeof head);
    proto_cobs_enc_put(&e, payload, len);
    proto_cobs_enc_put(&e, tail, sizeof tail);
    n = proto_cobs_enc_end(&e);
    if (n == 0) /* not reached: cap covers the worst case */
        return 0;
    out[n] = 0;
    return n + 1;
}

/* The largest payload whose worst-case frame fits in cap bytes: the
 * receiver refuses anything longer even if this instance happened to encode
 * short, so a sender can rely on the bound alone. -1 if none fits. */
static long proto_rx_max_payload(size_t cap)
{
    size_t n;

    if (cap < PROTO_ENCODED_MAX((size_t)0))
        return -1;
    /* PROTO_ENCODED_MAX grows by 1 per byte plus 1 per 254 bytes, so
     * m - m / 255 - 1 never overshoots the answer; step up from there. */
    n = cap - PROTO_ENCODED_MAX((size_t)0);
    n = n > n / 255 + 1 ? n - n / 255 - 1 : 0;
    while (PROTO_ENCODED_MAX(n + 1) <= cap)
        n++;
    return (long)n;
}

void proto_rx_init(proto_rx *rx, uint8_t *buf, size_t cap)
{
    rx->buf = buf;
    rx->cap = buf ? cap : 0;
    rx->len = 0;
    rx->dropping = 0;
    rx->crc_errors = 0;
    rx->framing_errors = 0;
    rx->overflows = 0;
}

/* Decodes the collected bytes in place; called on the delimiter. */
static int proto_rx_finish(proto_rx *rx, proto_frame *frame)
{
    long n = proto_cobs_decode(rx->buf, rx->len, rx->buf, rx->len);
    size_t body;
    uint32_t crc;
    const uint8_t *t;

    rx->len = 0;
    if (n < PROTO_FRAME_EXTRA) {
        rx->framing_errors++;
        return PROTO_RX_BAD;
    }
    body = (size_t)n - PROTO_CRC_BYTES;
    if ((long)body - PROTO_HEAD_BYTES > proto_rx_max_payload(rx->cap)) {
        rx->overflows++;
        return PROTO_RX_BAD;
    }
    t = rx->buf + body;
    crc = (uint32_t)t[0] | (uint32_t)t[1] << 8 | (uint32_t)t[2] << 16 |
          (uint32_t)t[3] << 24;
    if (proto_crc32(0, rx->buf, body) != crc) {
        rx->crc_errors++;
        return PROTO_RX_BAD;
    }
    frame->type = rx->buf[0];
    frame->seq = rx->buf[1];
    frame->payload = rx->buf + PROTO_HEAD_BYTES;
    frame->len = body - PROTO_HEAD_BYTES;
    return PROTO_RX_FRAME;
}

int proto_rx_feed(proto_rx *rx, uint8_t byte, proto_frame *frame)
{
    if (byte != 0) {
        if (rx->dropping)
            return PROTO_RX_MORE;
        if (rx->len >= rx->cap) {
            /* Counted now, reported once at the delimiter. */
            rx->dropping = 1;
            rx->overflows++;
            rx->len = 0;
            return PROTO_RX_MORE;
        }
        rx->buf[rx->len++] = byte;
        return PROTO_RX_MORE;
    }
    if (rx->dropping) {
        rx->dropping = 0;
        return PROTO_RX_BAD;
    }
    /* Back-to-back delimiters: senders may put one before a frame to end
     * whatever noise the receiver has collected. */
    if (rx->len == 0)
        return PROTO_RX_MORE;
    return proto_rx_finish(rx, frame);
}
