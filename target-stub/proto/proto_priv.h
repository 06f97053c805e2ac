/*
 * proto_priv.h: pieces shared between the files of the proto module; not
 * part of its contract (proto.h).
 */
#ifndef PROTO_PRIV_H
#define PROTO_PRIV_H

#include "proto.h"

/* A COBS encoder fed in pieces, so that a frame is encoded straight from
 * its header, payload and CRC without a scratch copy. */
typedef struct {
    uint8_t *out;
    size_t cap;     /* bytes of out */
    size_t len;     /* bytes written, the open block's code byte included */
    size_t code_at; /* where the open block's code byte goes */
    uint8_t code;   /* 1 + data bytes in the open block */
    uint8_t open;   /* a block is open (none right after a full one) */
    uint8_t failed; /* out was too small; stays set */
} proto_cobs_enc;

void proto_cobs_enc_init(proto_cobs_enc *e, uint8_t *out, size_t cap);
void proto_cobs_enc_put(proto_cobs_enc *e, const uint8_t *in, size_t n);
/* Closes the last block. Returns the encoded length, or 0 if out was too
 * small. */
size_t proto_cobs_enc_end(proto_cobs_enc *e);

#endif
