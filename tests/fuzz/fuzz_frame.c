/*
 * fuzz_frame.c: libFuzzer target: the frame receiver fed byte by byte
 * (with a small buffer, so overlong frames are exercised too), COBS
 * decoding of the raw input, and the payload cursors on every frame.
 */
#include <stdint.h>
#include <string.h>

#include "proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t rxbuf[PROTO_ENCODED_MAX(300)], out[4096];
    proto_rx rx;
    proto_frame f;
    proto_rx_init(&rx, rxbuf, sizeof(rxbuf));
    for (size_t i = 0; i < size; i++) {
        if (proto_rx_feed(&rx, data[i], &f) != PROTO_RX_FRAME)
            continue;
        proto_rd r;
        proto_rd_init(&r, f.payload, f.len);
        while (proto_rd_left(&r) >= 4)
            proto_get_u32(&r);
        proto_get_bytes(&r, proto_rd_left(&r) + 1);
    }
    if (size <= sizeof(out)) {
        long n = proto_cobs_decode(data, size, out, sizeof(out));
        if (n >= 0) {
            static uint8_t again[sizeof(out) + sizeof(out) / 254 + 2];
            size_t m = proto_cobs_encode(out, (size_t)n, again, sizeof(again));
            (void)m;
        }
    }
    return 0;
}
