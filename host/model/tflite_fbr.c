/*
 * tflite_fbr.c: the bounds-checked FlatBuffer walker (see tflite_fbr.h).
 */
#include "tflite_fbr.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint16_t tflite_fbr_ld16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t tflite_fbr_ld32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

uint64_t tflite_fbr_ld64(const uint8_t *p)
{
    return (uint64_t)tflite_fbr_ld32(p) | (uint64_t)tflite_fbr_ld32(p + 4) << 32;
}

/* Written without implementation-defined conversions. */
int64_t tflite_fbr_sext(uint64_t bits, int size)
{
    uint64_t sign = (uint64_t)1 << (8 * size - 1);
    if (size == 8)
        return bits & sign ? -(int64_t)(~bits) - 1 : (int64_t)bits;
    bits &= (sign << 1) - 1;
    return bits & sign ? (int64_t)bits - (int64_t)(sign << 1) : (int64_t)bits;
}

hb_status tflite_fbr_error(const tflite_fbr *r, hb_status code, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    /* Names come from the file: keep the message one printable line. */
    for (char *c = msg; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    if (r->name)
        return hb_fail(code, "%s: %s", r->name, msg);
    return hb_fail(code, "%s", msg);
}

/* Follows the uoffset stored at `at` (itself in bounds); the target must
 * leave room for at least 4 bytes. */
static hb_status fbr_follow(const tflite_fbr *r, size_t at, const char *what,
                            size_t *target)
{
    uint32_t off = tflite_fbr_ld32(r->p + at);
    *target = 0;
    /* Zero would point at itself; verifiers read offsets as signed. */
    if (off == 0 || off > 0x7fffffffu || (uint64_t)at + off + 4 > r->len)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s: offset %u at %zu points outside the %zu-byte file",
                                what, off, at, r->len);
    *target = at + off;
    return HB_OK;
}

hb_status tflite_fbr_root(const tflite_fbr *r, tflite_fbr_table *t)
{
    size_t pos;
    hb_status st;
    if (r->len < 8)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%zu bytes are too few for a FlatBuffer", r->len);
    if ((st = fbr_follow(r, 0, "root", &pos)) != HB_OK)
        return st;
    return tflite_fbr_table_at(r, pos, t);
}

hb_status tflite_fbr_table_at(const tflite_fbr *r, size_t pos, tflite_fbr_table *t)
{
    t->pos = pos;
    if ((uint64_t)pos + 4 > r->len)
        return tflite_fbr_error(r, HB_ERR_FORMAT, "%s table at offset %zu is outside "
                                "the %zu-byte file", t->what, pos, r->len);
    int64_t vt = (int64_t)pos - tflite_fbr_sext(tflite_fbr_ld32(r->p + pos), 4);
    if (vt < 0 || (uint64_t)vt + 4 > r->len)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s table at offset %zu: vtable at %lld is outside the file",
                                t->what, pos, (long long)vt);
    t->vt = (size_t)vt;
    t->vt_len = tflite_fbr_ld16(r->p + t->vt);
    t->tbl_len = tflite_fbr_ld16(r->p + t->vt + 2);
    if (t->vt_len < 4 || t->vt_len % 2 || t->vt + t->vt_len > r->len)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s table at offset %zu: bad vtable size %u at %zu",
                                t->what, pos, t->vt_len, t->vt);
    if (t->tbl_len < 4 || (uint64_t)pos + t->tbl_len > r->len)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s table at offset %zu: its %u bytes run past the end "
                                "of the file", t->what, pos, t->tbl_len);
    return HB_OK;
}

hb_status tflite_fbr_field(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                           unsigned size, size_t *at)
{
    unsigned slot = 4 + 2 * (unsigned)id;
    unsigned voff = slot + 2 <= t->vt_len ? tflite_fbr_ld16(r->p + t->vt + slot) : 0;
    *at = 0;
    if (voff == 0)
        return HB_OK;
    /* voff < 4 would overlap the soffset. */
    if (voff < 4 || voff + size > t->tbl_len)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s table at offset %zu: field %d (at +%u, %u bytes) is "
                                "outside the %u-byte table",
                                t->what, t->pos, id, voff, size, t->tbl_len);
    *at = t->pos + voff;
    return HB_OK;
}

static uint64_t fbr_load(const uint8_t *p, unsigned size)
{
    return size == 1 ? p[0] : size == 2 ? tflite_fbr_ld16(p)
         : size == 4 ? tflite_fbr_ld32(p) : tflite_fbr_ld64(p);
}

hb_status tflite_fbr_uint(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                          unsigned size, uint64_t def, uint64_t *v)
{
    size_t at;
    hb_status st = tflite_fbr_field(r, t, id, size, &at);
    *v = st == HB_OK && at ? fbr_load(r->p + at, size) : def;
    return st;
}

hb_status tflite_fbr_int(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                         unsigned size, int64_t def, int64_t *v)
{
    size_t at;
    hb_status st = tflite_fbr_field(r, t, id, size, &at);
    *v = st == HB_OK && at ? tflite_fbr_sext(fbr_load(r->p + at, size), (int)size) : def;
    return st;
}

hb_status tflite_fbr_f32(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                         float def, float *v)
{
    size_t at;
    hb_status st = tflite_fbr_field(r, t, id, 4, &at);
    *v = def;
    if (st == HB_OK && at) {
        uint32_t bits = tflite_fbr_ld32(r->p + at);
        memcpy(v, &bits, 4);
    }
    return st;
}

hb_status tflite_fbr_child(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                           const char *what, tflite_fbr_table *child, int *present)
{
    size_t at, target;
    hb_status st;
    *present = 0;
    snprintf(child->what, sizeof(child->what), "%s", what);
    if ((st = tflite_fbr_field(r, t, id, 4, &at)) != HB_OK || !at)
        return st;
    if ((st = fbr_follow(r, at, child->what, &target)) != HB_OK ||
        (st = tflite_fbr_table_at(r, target, child)) != HB_OK)
        return st;
    *present = 1;
    return HB_OK;
}

hb_status tflite_fbr_vector(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                            unsigned elem, const char *field, size_t *data,
                            uint32_t *n)
{
    size_t at, target;
    char what[96];
    hb_status st;
    *data = 0;
    *n = 0;
    if ((st = tflite_fbr_field(r, t, id, 4, &at)) != HB_OK || !at)
        return st;
    snprintf(what, sizeof(what), "%s %s", t->what, field);
    if ((st = fbr_follow(r, at, what, &target)) != HB_OK)
        return st;
    uint32_t count = tflite_fbr_ld32(r->p + target);
    if ((uint64_t)count * elem > (uint64_t)r->len - target - 4)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s: vector of %u elements at offset %zu runs past the "
                                "end of the file", what, count, target);
    *data = target + 4;
    *n = count;
    return HB_OK;
}

hb_status tflite_fbr_string(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                            const char *field, char **s)
{
    size_t data;
    uint32_t n;
    hb_status st = tflite_fbr_vector(r, t, id, 1, field, &data, &n);
    *s = NULL;
    if (st != HB_OK || !data)
        return st;
    if ((uint64_t)data + n >= r->len || r->p[data + n] != 0)
        return tflite_fbr_error(r, HB_ERR_FORMAT,
                                "%s %s: string at offset %zu has no NUL terminator",
                                t->what, field, data - 4);
    if (!(*s = malloc((size_t)n + 1)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    memcpy(*s, r->p + data, n);
    (*s)[n] = '\0';
    return HB_OK;
}

hb_status tflite_fbr_elem(const tflite_fbr *r, size_t data, uint32_t i,
                          tflite_fbr_table *t)
{
    size_t target;
    hb_status st = fbr_follow(r, data + 4 * (size_t)i, t->what, &target);
    return st != HB_OK ? st : tflite_fbr_table_at(r, target, t);
}
