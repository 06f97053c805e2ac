/*
 * make_seeds.c: writes seed inputs for fuzz_frame and fuzz_stub: a whole
 * protocol session (HELLO, chunked LOAD, SET_INPUT, INVOKE, READ_TIMING,
 * READ_OUTPUT) as the host would send it, for the blob given.
 *
 *     make_seeds BLOB OUT_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static uint8_t seq;

static void frame(FILE *f, uint8_t type, const uint8_t *p, size_t n)
{
    static uint8_t buf[PROTO_ENCODED_MAX(512)];
    size_t len = proto_frame_encode(type, seq++, p, n, buf, sizeof(buf));
    fwrite(buf, 1, len, f);
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: make_seeds BLOB OUT\n");
        return 2;
    }
    FILE *in = fopen(argv[1], "rb"), *out = fopen(argv[2], "wb");
    if (!in || !out)
        return 1;
    static uint8_t blob[1 << 20];
    size_t n = fread(blob, 1, sizeof(blob), in);
    uint8_t p[512];
    proto_wr w;

    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, PROTO_VERSION);
    frame(out, PROTO_HELLO, p, w.len);
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u32(&w, (uint32_t)n);
    proto_put_u32(&w, proto_crc32(0, blob, n));
    frame(out, PROTO_LOAD_BEGIN, p, w.len);
    for (size_t off = 0; off < n; off += 200) {
        size_t k = n - off < 200 ? n - off : 200;
        proto_wr_init(&w, p, sizeof(p));
        proto_put_u32(&w, (uint32_t)off);
        proto_put_bytes(&w, blob + off, k);
        frame(out, PROTO_LOAD_CHUNK, p, w.len);
    }
    frame(out, PROTO_LOAD_END, NULL, 0);
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u8(&w, 0);
    proto_put_u32(&w, 0);
    proto_put_u8(&w, 0x42);
    frame(out, PROTO_SET_INPUT, p, w.len);
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, 2);
    proto_put_u16(&w, 1);
    proto_put_u8(&w, PROTO_INVOKE_LAYERS);
    frame(out, PROTO_INVOKE, p, w.len);
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u32(&w, 0);
    proto_put_u16(&w, 4);
    frame(out, PROTO_READ_TIMING, p, w.len);
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u8(&w, 0);
    proto_put_u32(&w, 0);
    proto_put_u16(&w, 1);
    frame(out, PROTO_READ_OUTPUT, p, w.len);
    fclose(in);
    return fclose(out) == 0 ? 0 : 1;
}
