/*
 * onnx_build.c: writing small ONNX models with the generated protobuf-c
 * structs.
 *
 * Every string, array and sub-message is malloc'ed, so that protobuf-c's
 * own free_unpacked (with the default allocator) releases the whole model.
 */
#include "onnx_build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hb_file.h"
#include "onnx.pb-c.h"

struct onnx_build {
    Onnx__ModelProto *m;
    Onnx__NodeProto *last;
};

static hb_status oom(void) { return hb_fail(HB_ERR_MEM, "out of memory"); }

/* Appends p to a pointer array of *n entries. */
static int push(void ***arr, size_t *n, void *p)
{
    void **a = realloc(*arr, (*n + 1) * sizeof(void *));
    if (!a)
        return 0;
    a[(*n)++] = p;
    *arr = a;
    return 1;
}

#define PUSH(arr, n, p) push((void ***)(void *)&(arr), &(n), (p))

hb_status onnx_build_new(int64_t opset, onnx_build **out)
{
    onnx_build *b = calloc(1, sizeof(*b));
    Onnx__OperatorSetIdProto *os = NULL;
    *out = NULL;
    if (!b || !(b->m = malloc(sizeof(*b->m))))
        goto fail;
    onnx__model_proto__init(b->m);
    if (!(b->m->graph = malloc(sizeof(*b->m->graph))))
        goto fail;
    onnx__graph_proto__init(b->m->graph);
    if (!(os = malloc(sizeof(*os))))
        goto fail;
    onnx__operator_set_id_proto__init(os);
    os->has_version = 1;
    os->version = opset;
    if (!PUSH(b->m->opset_import, b->m->n_opset_import, os))
        goto fail;
    os = NULL;
    b->m->has_ir_version = 1;
    b->m->ir_version = 8;
    if (!(b->m->producer_name = strdup("hilbench")) || !(b->m->graph->name = strdup("main")))
        goto fail;
    *out = b;
    return HB_OK;
fail:
    free(os);
    onnx_build_free(b);
    return oom();
}

void onnx_build_free(onnx_build *b)
{
    if (!b)
        return;
    if (b->m)
        onnx__model_proto__free_unpacked(b->m, NULL);
    free(b);
}

static Onnx__TensorProto *tensor(const char *name, int elem, int rank, const int64_t *dims,
                                 const void *raw, size_t bytes)
{
    Onnx__TensorProto *t = malloc(sizeof(*t));
    if (!t)
        return NULL;
    onnx__tensor_proto__init(t);
    t->has_data_type = 1;
    t->data_type = elem;
    t->n_dims = (size_t)(rank > 0 ? rank : 0);
    t->dims = malloc((t->n_dims ? t->n_dims : 1) * sizeof(int64_t));
    t->name = name ? strdup(name) : NULL;
    t->has_raw_data = 1;
    t->raw_data.len = bytes;
    t->raw_data.data = malloc(bytes ? bytes : 1);
    if (!t->dims || (name && !t->name) || !t->raw_data.data) {
        onnx__tensor_proto__free_unpacked(t, NULL);
        return NULL;
    }
    if (t->n_dims)
        memcpy(t->dims, dims, t->n_dims * sizeof(int64_t));
    if (bytes)
        memcpy(t->raw_data.data, raw, bytes);
    return t;
}

hb_status onnx_build_io(onnx_build *b, int output, const char *name, int elem, int rank,
                        const int64_t *dims)
{
    /* Each part is linked into vi as soon as it exists: freeing vi frees
     * whatever was made. */
    Onnx__ValueInfoProto *vi = malloc(sizeof(*vi));
    Onnx__GraphProto *g = b->m->graph;
    if (!vi)
        return oom();
    onnx__value_info_proto__init(vi);
    if (!(vi->name = strdup(name)) || !(vi->type = malloc(sizeof(*vi->type))))
        goto fail;
    onnx__type_proto__init(vi->type);
    if (!(vi->type->tensor_type = malloc(sizeof(*vi->type->tensor_type))))
        goto fail;
    vi->type->value_case = ONNX__TYPE_PROTO__VALUE_TENSOR_TYPE;
    Onnx__TypeProto__Tensor *tt = vi->type->tensor_type;
    onnx__type_proto__tensor__init(tt);
    tt->has_elem_type = 1;
    tt->elem_type = elem;
    if (rank >= 0) {
        if (!(tt->shape = malloc(sizeof(*tt->shape))))
            goto fail;
        onnx__tensor_shape_proto__init(tt->shape);
        for (int k = 0; k < rank; k++) {
            Onnx__TensorShapeProto__Dimension *d = malloc(sizeof(*d));
            if (!d || !PUSH(tt->shape->dim, tt->shape->n_dim, d)) {
                free(d);
                goto fail;
            }
            onnx__tensor_shape_proto__dimension__init(d);
            if (dims[k] >= 0) {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_VALUE;
                d->dim_value = dims[k];
            } else {
                d->value_case = ONNX__TENSOR_SHAPE_PROTO__DIMENSION__VALUE_DIM_PARAM;
                if (!(d->dim_param = strdup("N")))
                    goto fail;
            }
        }
    }
    if (output ? PUSH(g->output, g->n_output, vi) : PUSH(g->input, g->n_input, vi))
        return HB_OK;
fail:
    onnx__value_info_proto__free_unpacked(vi, NULL);
    return oom();
}

hb_status onnx_build_init(onnx_build *b, const char *name, int elem, int rank,
                          const int64_t *dims, const void *raw, size_t bytes)
{
    Onnx__TensorProto *t = tensor(name, elem, rank, dims, raw, bytes);
    Onnx__GraphProto *g = b->m->graph;
    if (!t || !PUSH(g->initializer, g->n_initializer, t)) {
        if (t)
            onnx__tensor_proto__free_unpacked(t, NULL);
        return oom();
    }
    return HB_OK;
}

hb_status onnx_build_init_f32(onnx_build *b, const char *name, int rank, const int64_t *dims,
                              const float *v)
{
    size_t n = 1;
    for (int k = 0; k < rank; k++)
        n *= (size_t)dims[k];
    return onnx_build_init(b, name, 1, rank, dims, v, n * sizeof(float));
}

/* Splits a comma-separated list into malloc'ed strings. */
static int split(const char *list, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!list || !list[0])
        return 1;
    for (const char *p = list;;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char *s = strndup(p, len);
        if (!s || !PUSH(*out, *n, s)) {
            free(s);
            return 0;
        }
        if (!e)
            return 1;
        p = e + 1;
    }
}

hb_status onnx_build_node(onnx_build *b, const char *op, const char *name, const char *ins,
                          const char *outs)
{
    Onnx__NodeProto *n = malloc(sizeof(*n));
    Onnx__GraphProto *g = b->m->graph;
    if (!n)
        return oom();
    onnx__node_proto__init(n);
    if (!(n->op_type = strdup(op)) || (name && !(n->name = strdup(name))) ||
        !split(ins, &n->input, &n->n_input) || !split(outs, &n->output, &n->n_output) ||
        !PUSH(g->node, g->n_node, n)) {
        onnx__node_proto__free_unpacked(n, NULL);
        return oom();
    }
    b->last = n;
    return HB_OK;
}

static Onnx__AttributeProto *attr(onnx_build *b, const char *name, int type)
{
    Onnx__AttributeProto *a = malloc(sizeof(*a));
    if (!a || !b->last)
        return free(a), NULL;
    onnx__attribute_proto__init(a);
    a->has_type = 1;
    a->type = type;
    if (!(a->name = strdup(name)) || !PUSH(b->last->attribute, b->last->n_attribute, a)) {
        onnx__attribute_proto__free_unpacked(a, NULL);
        return NULL;
    }
    return a;
}

hb_status onnx_build_attr_i(onnx_build *b, const char *name, int64_t v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INT);
    if (!a)
        return oom();
    a->has_i = 1;
    a->i = v;
    return HB_OK;
}

hb_status onnx_build_attr_f(onnx_build *b, const char *name, float v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__FLOAT);
    if (!a)
        return oom();
    a->has_f = 1;
    a->f = v;
    return HB_OK;
}

hb_status onnx_build_attr_ints(onnx_build *b, const char *name, int n, const int64_t *v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__INTS);
    if (!a || !(a->ints = malloc((size_t)(n ? n : 1) * sizeof(int64_t))))
        return oom();
    a->n_ints = (size_t)n;
    if (n)
        memcpy(a->ints, v, (size_t)n * sizeof(int64_t));
    return HB_OK;
}

hb_status onnx_build_attr_s(onnx_build *b, const char *name, const char *v)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__STRING);
    if (!a || !(a->s.data = (uint8_t *)strdup(v)))
        return oom();
    a->has_s = 1;
    a->s.len = strlen(v);
    return HB_OK;
}

hb_status onnx_build_attr_tensor(onnx_build *b, const char *name, int elem, int rank,
                                 const int64_t *dims, const void *raw, size_t bytes)
{
    Onnx__AttributeProto *a = attr(b, name, ONNX__ATTRIBUTE_PROTO__ATTRIBUTE_TYPE__TENSOR);
    if (!a || !(a->t = tensor(NULL, elem, rank, dims, raw, bytes)))
        return oom();
    return HB_OK;
}

hb_status onnx_build_pack(const onnx_build *b, uint8_t **buf, size_t *len)
{
    *len = onnx__model_proto__get_packed_size(b->m);
    if (!(*buf = malloc(*len ? *len : 1)))
        return oom();
    onnx__model_proto__pack(b->m, *buf);
    return HB_OK;
}

hb_status onnx_build_write(const onnx_build *b, const char *path)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st = onnx_build_pack(b, &buf, &len);
    if (st == HB_OK)
        st = hb_write_file(path, buf, len);
    free(buf);
    return st;
}

hb_status onnx_build_tensor_pb(const char *name, int elem, int rank, const int64_t *dims,
                               const void *raw, size_t bytes, uint8_t **buf, size_t *len)
{
    Onnx__TensorProto *t = tensor(name, elem, rank, dims, raw, bytes);
    if (!t)
        return oom();
    *len = onnx__tensor_proto__get_packed_size(t);
    *buf = malloc(*len ? *len : 1);
    if (*buf)
        onnx__tensor_proto__pack(t, *buf);
    onnx__tensor_proto__free_unpacked(t, NULL);
    return *buf ? HB_OK : oom();
}
