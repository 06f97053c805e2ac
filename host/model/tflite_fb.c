/*
 * tflite_fb.c: the front-to-back FlatBuffer builder (see tflite_fb.h).
 *
 * Binary format rules kept here: all scalars little-endian; a table starts
 * with an int32 soffset to its vtable (vtable = table - soffset); a vtable
 * is uint16 [vtable bytes, table bytes, field offset per id...], 0 meaning
 * absent; every field is aligned to its size within a table aligned to its
 * largest field; vectors and strings start with a uint32 length aligned to
 * 4 and their elements aligned to their size; strings end with a NUL that
 * the length does not count.
 */
#include "tflite_fb.h"

#include <stdlib.h>
#include <string.h>

/* Offsets are read as signed by FlatBuffers verifiers: stay below 2 GB. */
#define FB_MAX_BYTES 0x7fffffffu

void tflite_fb_init(tflite_fb *b)
{
    memset(b, 0, sizeof(*b));
}

void tflite_fb_release(tflite_fb *b)
{
    free(b->buf);
    b->buf = NULL;
    b->len = b->cap = 0;
}

static void fb_error(tflite_fb *b, hb_status st, const char *what)
{
    if (!b->err)
        b->err = hb_fail(st, "%s", what);
}

/* Appends n zero bytes; returns their position, or 0 after an error. */
static size_t fb_grow(tflite_fb *b, size_t n)
{
    if (b->err)
        return 0;
    if (n > FB_MAX_BYTES - b->len) {
        fb_error(b, HB_ERR_UNSUPPORTED,
                 "model is larger than the 2 GB a FlatBuffer can hold");
        return 0;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->buf, cap);
        if (!p) {
            fb_error(b, HB_ERR_MEM, "out of memory");
            return 0;
        }
        b->buf = p;
        b->cap = cap;
    }
    size_t at = b->len;
    memset(b->buf + at, 0, n);
    b->len += n;
    return at;
}

static void fb_pad_to(tflite_fb *b, size_t align)
{
    size_t rem = b->len % align;
    if (rem)
        fb_grow(b, align - rem);
}

static void fb_store(uint8_t *p, uint64_t bits, int size)
{
    for (int i = 0; i < size; i++)
        p[i] = (uint8_t)(bits >> (8 * i));
}

void tflite_fb_put(tflite_fb *b, uint64_t bits, int size)
{
    size_t at = fb_grow(b, (size_t)size);
    if (!b->err)
        fb_store(b->buf + at, bits, size);
}

void tflite_fb_bytes(tflite_fb *b, const void *data, size_t n)
{
    size_t at = fb_grow(b, n);
    if (!b->err && n)
        memcpy(b->buf + at, data, n);
}

void tflite_fb_header(tflite_fb *b, const char id[4])
{
    tflite_fb_put(b, 0, 4);
    tflite_fb_bytes(b, id, 4);
}

void tflite_fb_table_init(tflite_fb_table *t)
{
    t->n = 0;
}

static void fb_field(tflite_fb_table *t, int id, int size, uint64_t bits, int ref)
{
    /* Too many fields or a bad id is a bug of the caller:
     * tflite_fb_table_end() reports it. */
    if (t->n >= TFLITE_FB_MAX_FIELDS || id < 0 || id > 255) {
        t->n = TFLITE_FB_MAX_FIELDS + 1;
        return;
    }
    t->f[t->n].id = (uint16_t)id;
    t->f[t->n].size = (uint8_t)size;
    t->f[t->n].ref = (uint8_t)ref;
    t->f[t->n].bits = bits;
    t->f[t->n].at = 0;
    t->n++;
}

void tflite_fb_scalar(tflite_fb_table *t, int id, int size, uint64_t bits,
                      uint64_t def_bits)
{
    if (bits != def_bits)
        fb_field(t, id, size, bits, 0);
}

void tflite_fb_i32(tflite_fb_table *t, int id, int32_t v, int32_t def)
{
    tflite_fb_scalar(t, id, 4, (uint32_t)v, (uint32_t)def);
}

void tflite_fb_f32(tflite_fb_table *t, int id, float v, float def)
{
    uint32_t vb, db;
    memcpy(&vb, &v, 4);
    memcpy(&db, &def, 4);
    tflite_fb_scalar(t, id, 4, vb, db);
}

void tflite_fb_ref(tflite_fb_table *t, int id)
{
    fb_field(t, id, 4, 0, 1);
}

/* Returns the position of an identical earlier vtable, or 0. */
static size_t fb_find_vtable(const tflite_fb *b, const uint8_t *vt, size_t n)
{
    for (int i = 0; i < b->n_vtables; i++) {
        size_t at = b->vtables[i];
        /* Equal first bytes (the vtable size) mean n bytes to compare. */
        if (memcmp(b->buf + at, vt, 2) == 0 && memcmp(b->buf + at, vt, n) == 0)
            return at;
    }
    return 0;
}

size_t tflite_fb_table_end(tflite_fb *b, tflite_fb_table *t)
{
    uint8_t vt[4 + 2 * 256];
    size_t off[TFLITE_FB_MAX_FIELDS];
    int max_id = -1, align = 4;
    size_t tbl_len = 4;

    if (t->n > TFLITE_FB_MAX_FIELDS) {
        fb_error(b, HB_ERR_ARG, "tflite_fb: too many fields or a bad field id");
        return 0;
    }
    for (int k = 0; k < t->n; k++) {
        if (t->f[k].id > max_id)
            max_id = t->f[k].id;
        if (t->f[k].size > align)
            align = t->f[k].size;
    }
    /* Largest fields first, so padding is only needed after the soffset. */
    for (int size = 8; size >= 1; size /= 2)
        for (int k = 0; k < t->n; k++)
            if (t->f[k].size == size) {
                tbl_len = (tbl_len + (size_t)size - 1) / (size_t)size * (size_t)size;
                off[k] = tbl_len;
                tbl_len += (size_t)size;
            }
    size_t vt_len = 4 + 2 * (size_t)(max_id + 1);
    memset(vt, 0, vt_len);
    fb_store(vt, vt_len, 2);
    fb_store(vt + 2, tbl_len, 2);
    for (int k = 0; k < t->n; k++)
        fb_store(vt + 4 + 2 * t->f[k].id, off[k], 2);

    if (b->err)
        return 0;
    size_t vt_at = fb_find_vtable(b, vt, vt_len);
    if (!vt_at) {
        fb_pad_to(b, 2);
        vt_at = fb_grow(b, vt_len);
        if (b->err)
            return 0;
        memcpy(b->buf + vt_at, vt, vt_len);
        if (b->n_vtables < TFLITE_FB_VT_CACHE)
            b->vtables[b->n_vtables++] = vt_at;
    }
    fb_pad_to(b, (size_t)align);
    size_t at = fb_grow(b, tbl_len);
    if (b->err)
        return 0;
    fb_store(b->buf + at, (uint32_t)(int32_t)(at - vt_at), 4);
    for (int k = 0; k < t->n; k++) {
        t->f[k].at = at + off[k];
        if (!t->f[k].ref)
            fb_store(b->buf + t->f[k].at, t->f[k].bits, t->f[k].size);
    }
    return at;
}

size_t tflite_fb_slot(const tflite_fb_table *t, int id)
{
    for (int k = 0; k < t->n; k++)
        if (t->f[k].id == id && t->f[k].ref)
            return t->f[k].at;
    return 0;
}

static void fb_patch(tflite_fb *b, size_t slot, size_t target)
{
    if (b->err)
        return;
    /* uoffsets are unsigned: children come after their parent. */
    if (target <= slot || slot + 4 > b->len) {
        fb_error(b, HB_ERR_ARG, "tflite_fb: offset would point backwards");
        return;
    }
    fb_store(b->buf + slot, (uint32_t)(target - slot), 4);
}

void tflite_fb_patch(tflite_fb *b, size_t slot, size_t target)
{
    /* Slot 0 is the root, set by tflite_fb_finish(); asking for it here
     * means tflite_fb_slot() found no such field. */
    if (slot == 0)
        fb_error(b, HB_ERR_ARG, "tflite_fb: patching a field that was not reserved");
    fb_patch(b, slot, target);
}

size_t tflite_fb_vec_begin(tflite_fb *b, size_t n, size_t elem_bytes,
                           size_t align)
{
    if (align < elem_bytes)
        align = elem_bytes;
    if (align < 4)
        align = 4;
    /* The elements, after the 4-byte length, must start aligned. */
    size_t rem = (b->len + 4) % align;
    if (rem)
        fb_grow(b, align - rem);
    size_t at = b->len;
    if (n > FB_MAX_BYTES / (elem_bytes ? elem_bytes : 1))
        fb_error(b, HB_ERR_UNSUPPORTED,
                 "model is larger than the 2 GB a FlatBuffer can hold");
    tflite_fb_put(b, n, 4);
    return b->err ? 0 : at;
}

size_t tflite_fb_vec_i32(tflite_fb *b, const int32_t *v, size_t n)
{
    size_t at = tflite_fb_vec_begin(b, n, 4, 4);
    for (size_t i = 0; i < n && !b->err; i++)
        tflite_fb_put(b, (uint32_t)v[i], 4);
    return at;
}

size_t tflite_fb_vec_refs(tflite_fb *b, size_t n)
{
    size_t at = tflite_fb_vec_begin(b, n, 4, 4);
    fb_grow(b, 4 * n); /* vec_begin failed if this could overflow */
    return b->err ? 0 : at;
}

size_t tflite_fb_elem(size_t vec, size_t i)
{
    return vec + 4 + 4 * i;
}

size_t tflite_fb_string(tflite_fb *b, const char *s)
{
    size_t n = strlen(s);
    size_t at = tflite_fb_vec_begin(b, n, 1, 4);
    tflite_fb_bytes(b, s, n);
    tflite_fb_put(b, 0, 1);
    return b->err ? 0 : at;
}

hb_status tflite_fb_finish(tflite_fb *b, size_t root, uint8_t **out,
                           size_t *len)
{
    *out = NULL;
    *len = 0;
    if (b->len < 8)
        fb_error(b, HB_ERR_ARG, "tflite_fb: no header");
    fb_patch(b, 0, root);
    if (b->err) {
        tflite_fb_release(b);
        return b->err;
    }
    *out = b->buf;
    *len = b->len;
    b->buf = NULL;
    b->len = b->cap = 0;
    return HB_OK;
}
