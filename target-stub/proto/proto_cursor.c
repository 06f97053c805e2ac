/*
 * proto_cursor.c: little-endian writers and readers for payloads.
 *
 * Both fail sticky: after the first put that does not fit (or get that runs
 * past the end) every later one does nothing, so a message is built or
 * parsed as straight-line code with one check of the flag at the end, and
 * a failure never leaves a later field written or read out of place.
 */
#include <string.h>

#include "proto.h"

/* Stands in for a NULL buffer so that proto_get_bytes(r, 0) can return a
 * valid pointer without arithmetic on NULL. */
static const uint8_t proto_no_bytes[1];

void proto_wr_init(proto_wr *w, uint8_t *buf, size_t cap)
{
    w->p = buf;
    w->cap = buf ? cap : 0;
    w->len = 0;
    w->overflow = 0;
}

/* Room for n more bytes; sets overflow if not. */
static int proto_wr_room(proto_wr *w, size_t n)
{
    if (w->overflow || n > w->cap - w->len) {
        w->overflow = 1;
        return 0;
    }
    return 1;
}

void proto_put_u8(proto_wr *w, uint8_t v)
{
    if (proto_wr_room(w, 1))
        w->p[w->len++] = v;
}

void proto_put_u16(proto_wr *w, uint16_t v)
{
    if (!proto_wr_room(w, 2))
        return;
    w->p[w->len++] = (uint8_t)v;
    w->p[w->len++] = (uint8_t)(v >> 8);
}

void proto_put_u32(proto_wr *w, uint32_t v)
{
    if (!proto_wr_room(w, 4))
        return;
    for (int i = 0; i < 4; i++)
        w->p[w->len++] = (uint8_t)(v >> (8 * i));
}

void proto_put_bytes(proto_wr *w, const void *data, size_t n)
{
    if (!proto_wr_room(w, n) || n == 0)
        return;
    if (!data) { /* caller bug; refuse rather than crash */
        w->overflow = 1;
        return;
    }
    memcpy(w->p + w->len, data, n);
    w->len += n;
}

void proto_rd_init(proto_rd *r, const uint8_t *buf, size_t len)
{
    r->p = buf ? buf : proto_no_bytes;
    r->len = buf ? len : 0;
    r->pos = 0;
    r->short_read = 0;
}

/* The next n bytes, or NULL (and short_read) if fewer are left. */
static const uint8_t *proto_rd_take(proto_rd *r, size_t n)
{
    const uint8_t *q;

    if (r->short_read || n > r->len - r->pos) {
        r->short_read = 1;
        return NULL;
    }
    q = r->p + r->pos;
    r->pos += n;
    return q;
}

uint8_t proto_get_u8(proto_rd *r)
{
    const uint8_t *q = proto_rd_take(r, 1);

    return q ? q[0] : 0;
}

uint16_t proto_get_u16(proto_rd *r)
{
    const uint8_t *q = proto_rd_take(r, 2);

    return q ? (uint16_t)(q[0] | q[1] << 8) : 0;
}

uint32_t proto_get_u32(proto_rd *r)
{
    const uint8_t *q = proto_rd_take(r, 4);

    return q ? (uint32_t)q[0] | (uint32_t)q[1] << 8 | (uint32_t)q[2] << 16 |
                   (uint32_t)q[3] << 24
             : 0;
}

const uint8_t *proto_get_bytes(proto_rd *r, size_t n)
{
    return proto_rd_take(r, n);
}

size_t proto_rd_left(const proto_rd *r)
{
    return r->short_read ? 0 : r->len - r->pos;
}
