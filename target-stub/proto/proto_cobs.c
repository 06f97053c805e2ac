/*
 * proto_cobs.c: Consistent Overhead Byte Stuffing (Cheshire and Baker,
 * 1999).
 *
 * The data is cut into blocks at each 0x00; a block is written as a code
 * byte (1 + its data bytes) followed by the data, and the 0x00 that ended
 * it is implied. A block of 254 data bytes has code 0xFF and implies no
 * 0x00, which bounds the overhead at one byte per 254. As in the usual
 * presentation of the algorithm, data ending with a full block gets no
 * empty block after it ("01..FE" -> "FF 01..FE"); the decoder accepts both.
 */
#include "proto_priv.h"

static void proto_cobs_open(proto_cobs_enc *e)
{
    if (e->len >= e->cap) {
        e->failed = 1;
        return;
    }
    e->code_at = e->len++;
    e->code = 1;
    e->open = 1;
}

void proto_cobs_enc_init(proto_cobs_enc *e, uint8_t *out, size_t cap)
{
    e->out = out;
    e->cap = out ? cap : 0;
    e->len = 0;
    e->code_at = 0;
    e->code = 1;
    e->open = 0;
    e->failed = 0;
    /* Even empty data has one block: "" -> "01". */
    proto_cobs_open(e);
}

void proto_cobs_enc_put(proto_cobs_enc *e, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n && !e->failed; i++) {
        /* A full block is closed at once but its successor is opened only
         * when more data comes, so nothing is reserved for a block that
         * would stay empty. */
        if (!e->open) {
            proto_cobs_open(e);
            if (e->failed)
                return;
        }
        if (in[i] == 0) {
            e->out[e->code_at] = e->code;
            /* A 0x00 always opens a block, even as the last byte. */
            proto_cobs_open(e);
            continue;
        }
        if (e->len >= e->cap) {
            e->failed = 1;
            return;
        }
        e->out[e->len++] = in[i];
        if (++e->code == 0xFF) {
            e->out[e->code_at] = 0xFF;
            e->open = 0;
        }
    }
}

size_t proto_cobs_enc_end(proto_cobs_enc *e)
{
    if (e->failed)
        return 0;
    if (e->open)
        e->out[e->code_at] = e->code;
    return e->len;
}

size_t proto_cobs_encode(const uint8_t *in, size_t len, uint8_t *out,
                         size_t cap)
{
    proto_cobs_enc e;

    proto_cobs_enc_init(&e, out, cap);
    if (in)
        proto_cobs_enc_put(&e, in, len);
    else if (len)
        return 0;
    return proto_cobs_enc_end(&e);
}

long proto_cobs_decode(const uint8_t *in, size_t len, uint8_t *out,
                       size_t cap)
{
    size_t i = 0, o = 0;

    /* No encoder produces nothing: even empty data is "01". */
    if (!in || len == 0 || (!out && cap))
        return -1;
    while (i < len) {
        uint8_t code = in[i++];
        size_t n = (size_t)code - 1;

        if (code == 0 || n > len - i || n > cap - o)
            return -1;
        /* In place (out == in) is safe: every block's code byte is
         * dropped, so o stays behind i. */
        for (size_t k = 0; k < n; k++) {
            if (in[i] == 0)
                return -1;
            out[o++] = in[i++];
        }
        /* The implied 0x00, except after a full block and at the end. */
        if (code != 0xFF && i < len) {
            if (o >= cap)
                return -1;
            out[o++] = 0;
        }
    }
    return (long)o;
}
