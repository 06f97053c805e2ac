/*
 * onnx_proto.c: the protobuf side of the ONNX importer: the nesting check
 * that runs before protobuf-c unpacks anything, node attributes, error
 * messages naming the node, the format guess, and single TensorProto files
 * (the test data's .pb).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "onnx_int.h"

/* The nesting check ------------------------------------------------------------ */

static int varint(const uint8_t *p, size_t len, size_t *i, uint64_t *v)
{
    *v = 0;
    for (int s = 0; s < 64; s += 7) {
        if (*i >= len)
            return 0;
        uint8_t b = p[(*i)++];
        *v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80))
            return 1;
    }
    return 0;
}

/* The deepest message nesting in p[0, len) taken as a message at `depth`,
 * every length-delimited payload that parses being taken as a message too
 * (strings and bytes rarely parse). ONNX_WIRE_BAD if p is not wire format,
 * ONNX_WIRE_DEEP past limit. Each level scans its bytes once. */
static int wire_depth(const uint8_t *p, size_t len, int depth, int limit)
{
    size_t i = 0;
    int max = depth;
    while (i < len) {
        uint64_t key, n;
        if (!varint(p, len, &i, &key) || (key >> 3) == 0)
            return ONNX_WIRE_BAD;
        switch (key & 7) {
        case 0:
            if (!varint(p, len, &i, &n))
                return ONNX_WIRE_BAD;
            break;
        case 1:
        case 5: {
            size_t w = (key & 7) == 1 ? 8 : 4;
            if (len - i < w)
                return ONNX_WIRE_BAD;
            i += w;
            break;
        }
        case 2: {
            if (!varint(p, len, &i, &n) || n > len - i)
                return ONNX_WIRE_BAD;
            if (depth >= limit) {
                /* One more level that parses is one too many. */
                if (n && wire_depth(p + i, (size_t)n, 0, 0) != ONNX_WIRE_BAD)
                    return ONNX_WIRE_DEEP;
            } else {
                int d = wire_depth(p + i, (size_t)n, depth + 1, limit);
                if (d == ONNX_WIRE_DEEP)
                    return ONNX_WIRE_DEEP;
                if (d > max)
                    max = d;
            }
            i += (size_t)n;
            break;
        }
        default:
            return ONNX_WIRE_BAD;
        }
    }
    return max;
}

int onnx_wire_depth(const uint8_t *p, size_t len)
{
    return wire_depth(p, len, 0, ONNX_MAX_NESTING);
}

/* Errors and attributes ----------------------------------------------------- */

hb_status onnx_fail(onnx_ctx *c, hb_status st, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    const Onnx__NodeProto *n = c->n;
    if (!n)
        return hb_fail(st, "%s", why);
    if (n->name && n->name[0])
        return hb_fail(st, "node %d '%s' (%s): %s", c->node, n->name,
                       n->op_type ? n->op_type : "?", why);
    return hb_fail(st, "node %d (%s, output '%s'): %s", c->node, n->op_type ? n->op_type : "?",
                   n->n_output && n->output[0] ? n->output[0] : "?", why);
}

const Onnx__AttributeProto *onnx_attr(const onnx_ctx *c, const char *name)
{
    for (size_t k = 0; k < c->n->n_attribute; k++) {
        const Onnx__AttributeProto *a = c->n->attribute[k];
        if (a && a->name && !strcmp(a->name, name))
            return a;
    }
    return NULL;
}

/* The attribute's type: the field when given (IR >= 3), else guessed
 * from what is set, as old files omit it. */
static int attr_type(const Onnx__AttributeProto *a)
{
    if (a->has_type)
        return a->type;
    if (a->has_i)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT;
    if (a->has_f)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT;
    if (a->has_s)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING;
    if (a->t)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR;
    if (a->n_ints)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS;
    if (a->n_floats)
        return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOATS;
    return ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED;
}

hb_status onnx_attr_i(onnx_ctx *c, const char *name, int64_t def, int64_t *v)
{
    const Onnx__AttributeProto *a = onnx_attr(c, name);
    *v = def;
    if (!a)
        return HB_OK;
    if (attr_type(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT)
        return onnx_fail(c, HB_ERR_FORMAT, "attribute '%s' is not an integer", name);
    *v = a->i;
    return HB_OK;
}

hb_status onnx_attr_f(onnx_ctx *c, const char *name, float def, float *v)
{
    const Onnx__AttributeProto *a = onnx_attr(c, name);
    *v = def;
    if (!a)
        return HB_OK;
    if (attr_type(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT)
        return onnx_fail(c, HB_ERR_FORMAT, "attribute '%s' is not a float", name);
    *v = a->f;
    return HB_OK;
}

hb_status onnx_attr_ints(onnx_ctx *c, const char *name, int max, int64_t *v, int *n)
{
    const Onnx__AttributeProto *a = onnx_attr(c, name);
    *n = -1;
    if (!a)
        return HB_OK;
    int type = attr_type(a);
    if (type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS &&
        type != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__UNDEFINED)
        return onnx_fail(c, HB_ERR_FORMAT, "attribute '%s' is not a list of integers", name);
    if (a->n_ints > (size_t)max)
        return onnx_fail(c, HB_ERR_UNSUPPORTED, "attribute '%s' has %zu values, at most %d "
                         "are supported", name, a->n_ints, max);
    for (size_t k = 0; k < a->n_ints; k++)
        v[k] = a->ints[k];
    *n = (int)a->n_ints;
    return HB_OK;
}

hb_status onnx_attr_s(onnx_ctx *c, const char *name, const char *def, char *buf, size_t len)
{
    const Onnx__AttributeProto *a = onnx_attr(c, name);
    snprintf(buf, len, "%s", def);
    if (!a)
        return HB_OK;
    if (attr_type(a) != ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING)
        return onnx_fail(c, HB_ERR_FORMAT, "attribute '%s' is not a string", name);
    size_t n = a->s.len < len - 1 ? a->s.len : len - 1;
    if (n)
        memcpy(buf, a->s.data, n);
    buf[n] = '\0';
    return HB_OK;
}

int onnx_detect(const uint8_t *buf, size_t len)
{
    /* Field 1 (ir_version) as a varint: tag byte 0x08, then a small
     * version; a TFLite file has "TFL3" at offset 4 instead. */
    return len >= 8 && buf[0] == 0x08 && buf[1] >= 1 && buf[1] < 0x80 &&
           memcmp(buf + 4, "TFL3", 4) != 0;
}

/* One TensorProto as float32 ------------------------------------------------ */

hb_status onnx_tensor_read(const uint8_t *buf, size_t len, onnx_tensor *out)
{
    Onnx__TensorProto *t = NULL;
    onnx_ctx c;
    onnx_value v;
    hb_status st;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    memset(&v, 0, sizeof(v));
    c.max_const_bytes = ONNX_DEFAULT_MAX_CONST_BYTES;
    if (!buf || onnx_wire_depth(buf, len) < 0 ||
        !(t = onnx__tensor_proto__unpack(NULL, len, buf)))
        return hb_fail(HB_ERR_FORMAT, "not a valid ONNX TensorProto");
    v.name = t->name ? t->name : "?";
    if ((st = onnx_const_from_proto(&c, t, &v)) != HB_OK)
        goto cleanup;
    out->rank = v.rank;
    memcpy(out->dims, v.dims, sizeof(out->dims));
    out->count = v.c.count;
    if (!(out->values = malloc((v.c.count ? v.c.count : 1) * sizeof(float)))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (size_t k = 0; k < v.c.count; k++)
        out->values[k] = onnx_cf(&v, k);
cleanup:
    if (st != HB_OK)
        hb_context(st, "tensor '%s'", t->name ? t->name : "?");
    onnx_const_clear(&v.c);
    onnx__tensor_proto__free_unpacked(t, NULL);
    return st;
}

void onnx_tensor_free(onnx_tensor *t)
{
    if (!t)
        return;
    free(t->values);
    memset(t, 0, sizeof(*t));
}
