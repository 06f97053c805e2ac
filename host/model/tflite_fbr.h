/*
 * tflite_fbr.h: a bounds-checked FlatBuffer walker for the TFLite reader.
 *
 * Namespace: tflite_fbr_. Internal to the tflite module.
 *
 * Nothing in the buffer is trusted: every uoffset, vtable, field, vector
 * and string is checked against the buffer before it is read, in 64-bit
 * arithmetic so that no offset sum can wrap, and all reads go through
 * explicit little-endian loaders (no casts, no alignment assumptions).
 * uoffsets are unsigned and non-zero, so following them always moves
 * forward: a walk of fixed depth cannot loop. A failure is HB_ERR_FORMAT
 * with one line naming the table, field and file offset (prefixed with the
 * file name when one is given).
 */
#ifndef TFLITE_FBR_H
#define TFLITE_FBR_H

#include <stddef.h>
#include <stdint.h>

#include "../util/hb_error.h"

typedef struct {
    const uint8_t *p;    /* the whole file, borrowed */
    size_t len;          /* bytes */
    const char *name;    /* for messages, may be NULL */
} tflite_fbr;

typedef struct {
    size_t pos;          /* table start (its soffset) */
    size_t vt;           /* vtable start */
    unsigned vt_len;     /* vtable bytes */
    unsigned tbl_len;    /* table bytes, soffset included */
    char what[48];       /* "tensor 3", ... set by the caller, for messages */
} tflite_fbr_table;

uint16_t tflite_fbr_ld16(const uint8_t *p);
uint32_t tflite_fbr_ld32(const uint8_t *p);
uint64_t tflite_fbr_ld64(const uint8_t *p);
/* The low `size` bytes of bits as a two's complement number. */
int64_t tflite_fbr_sext(uint64_t bits, int size);

/* Records "name: message" and returns code. */
hb_status tflite_fbr_error(const tflite_fbr *r, hb_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The root table (uoffset at 0); t->what must be set. */
hb_status tflite_fbr_root(const tflite_fbr *r, tflite_fbr_table *t);
/* Opens the table at pos (pos + 4 <= len); t->what must be set. */
hb_status tflite_fbr_table_at(const tflite_fbr *r, size_t pos, tflite_fbr_table *t);
/* Position of field `id` of `size` bytes, 0 when absent. */
hb_status tflite_fbr_field(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                           unsigned size, size_t *at);
/* Scalar fields of 1, 2, 4 or 8 bytes; def when absent. */
hb_status tflite_fbr_int(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                         unsigned size, int64_t def, int64_t *v);
hb_status tflite_fbr_uint(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                          unsigned size, uint64_t def, uint64_t *v);
hb_status tflite_fbr_f32(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                         float def, float *v);
/* The table field `id` points to, named `what`; *present = 0 if absent. */
hb_status tflite_fbr_child(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                           const char *what, tflite_fbr_table *child, int *present);
/* Vector field `id` of elem-byte elements: *data is the position of the
 * first element and *n the count; both 0 if absent. All n elements are in
 * the buffer. */
hb_status tflite_fbr_vector(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                            unsigned elem, const char *field, size_t *data,
                            uint32_t *n);
/* A string field, copied and NUL-terminated (caller frees); NULL if absent. */
hb_status tflite_fbr_string(const tflite_fbr *r, const tflite_fbr_table *t, int id,
                            const char *field, char **s);
/* Element i of a vector of tables whose elements start at data (from
 * tflite_fbr_vector(), so the uoffset is in bounds); t->what must be set. */
hb_status tflite_fbr_elem(const tflite_fbr *r, size_t data, uint32_t i,
                          tflite_fbr_table *t);

#endif
