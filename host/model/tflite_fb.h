/*
 * tflite_fb.h: a small FlatBuffer builder for the TFLite writer (and tests
 * that need hand-made files).
 *
 * Namespace: tflite_fb_. Internal to the tflite module and its tests.
 *
 * It writes front to back: a parent table is written first with its offset
 * fields left as "slots", and each child is written later and patched into
 * its slot. Every uoffset therefore points forward, as the format requires
 * (uoffsets are unsigned), and alignment is relative to the file start, so
 * a buffer aligned to 16 keeps Buffer.data aligned to 16. A vtable is
 * written just before the first table that uses it and shared by later
 * tables with the same layout (the table's soffset is then positive:
 * vtable = table - soffset).
 *
 * Errors are sticky: after a failure every call does nothing and
 * tflite_fb_finish() returns the first status (HB_ERR_MEM, or
 * HB_ERR_UNSUPPORTED past the 2 GB FlatBuffer limit). Positions (size_t)
 * are byte offsets from the file start.
 */
#ifndef TFLITE_FB_H
#define TFLITE_FB_H

#include <stddef.h>
#include <stdint.h>

#include "../util/hb_error.h"

#define TFLITE_FB_MAX_FIELDS 16  /* fields set in one table */
#define TFLITE_FB_VT_CACHE 32    /* distinct vtables remembered for sharing */

typedef struct {
    uint8_t *buf;               /* owned until tflite_fb_finish() */
    size_t len, cap;            /* bytes written, allocated */
    hb_status err;              /* first failure, HB_OK if none */
    size_t vtables[TFLITE_FB_VT_CACHE];
    int n_vtables;
} tflite_fb;

/* A table being described; written by tflite_fb_table_end(). */
typedef struct {
    int n;
    struct {
        uint16_t id;
        uint8_t size;           /* 1, 2, 4 or 8 bytes */
        uint8_t ref;            /* a uoffset slot to patch later */
        uint64_t bits;          /* little-endian value of scalars */
        size_t at;              /* position, set by tflite_fb_table_end() */
    } f[TFLITE_FB_MAX_FIELDS];
} tflite_fb_table;

void tflite_fb_init(tflite_fb *b);
/* Frees the buffer unless tflite_fb_finish() took it. */
void tflite_fb_release(tflite_fb *b);

/* Writes the root uoffset slot (position 0) and the 4-byte identifier. */
void tflite_fb_header(tflite_fb *b, const char id[4]);

void tflite_fb_table_init(tflite_fb_table *t);
/* Scalar field of `size` bytes; omitted when bits == def_bits, as the
 * schema default then applies. */
void tflite_fb_scalar(tflite_fb_table *t, int id, int size, uint64_t bits,
                      uint64_t def_bits);
void tflite_fb_i32(tflite_fb_table *t, int id, int32_t v, int32_t def);
void tflite_fb_f32(tflite_fb_table *t, int id, float v, float def);
/* An offset field, patched later with tflite_fb_patch(). */
void tflite_fb_ref(tflite_fb_table *t, int id);
/* Writes vtable and table; returns the table's position (0 on error). */
size_t tflite_fb_table_end(tflite_fb *b, tflite_fb_table *t);
/* Slot position of offset field `id` of a written table (0 if none). */
size_t tflite_fb_slot(const tflite_fb_table *t, int id);

/* Points the uoffset at `slot` (from tflite_fb_slot() or tflite_fb_elem())
 * to `target` (> slot). */
void tflite_fb_patch(tflite_fb *b, size_t slot, size_t target);

/* Starts a vector of n elements: pads so that the elements start aligned
 * to max(4, elem_bytes, align), writes the length and returns the
 * vector's position. The caller then writes exactly n elements. */
size_t tflite_fb_vec_begin(tflite_fb *b, size_t n, size_t elem_bytes,
                           size_t align);
/* Appends one little-endian scalar of `size` bytes, or raw bytes. */
void tflite_fb_put(tflite_fb *b, uint64_t bits, int size);
void tflite_fb_bytes(tflite_fb *b, const void *data, size_t n);
/* Whole vectors; each returns the vector's position. */
size_t tflite_fb_vec_i32(tflite_fb *b, const int32_t *v, size_t n);
/* A vector of n uoffsets; element i's slot is tflite_fb_elem(vec, i). */
size_t tflite_fb_vec_refs(tflite_fb *b, size_t n);
size_t tflite_fb_elem(size_t vec, size_t i);
/* A string: length, bytes, NUL. */
size_t tflite_fb_string(tflite_fb *b, const char *s);

/* Points the root slot at `root` and hands the buffer over (caller frees).
 * On failure returns the first error, *out = NULL, *len = 0. */
hb_status tflite_fb_finish(tflite_fb *b, size_t root, uint8_t **out,
                           size_t *len);

#endif
