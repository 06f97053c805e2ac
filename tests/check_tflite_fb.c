/*
 * check_tflite_fb.c: the TFLite reader on FlatBuffers made by hand with the
 * project's builder, for what the writer never produces: old-style and
 * large operator codes, unsupported and custom ops, unsupported tensor
 * types, sparse tensors, buffers stored after the FlatBuffer, other schema
 * versions, options of the wrong kind, and garbage. Runs under ASan/UBSan
 * with exact-size buffers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "model/tflite.h"
#include "model/tflite_fb.h"
#include "model/tflite_schema.h"

/* Reads from an exact-size copy, so ASan sees any byte past the end. */
static hb_status read_copy(const uint8_t *buf, size_t len, graph **out)
{
    uint8_t *copy = malloc(len ? len : 1);
    ck_assert_ptr_nonnull(copy);
    if (len)
        memcpy(copy, buf, len);
    hb_status st = tflite_read(len ? copy : NULL, len, "test.tflite", out);
    free(copy);
    return st;
}

static uint32_t rng_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

typedef struct {
    int8_t deprecated;   /* deprecated_builtin_code */
    int32_t code;        /* builtin_code, -1: field absent */
    const char *custom;  /* custom_code, or NULL */
} opcode_spec;

typedef struct {
    int n_ops;           /* a chain t0 -> op -> t1 -> op -> ... */
    opcode_spec codes[6];/* op i uses code i */
    uint8_t opt_type[6]; /* builtin_options_type of op i (no table) */
    uint32_t version;    /* Model.version */
    int type0;           /* TensorType of every tensor */
    int sparse0;         /* tensor 0 has a SparsityParameters table */
    int external;        /* tensor 0 is a constant stored after the FlatBuffer */
} model_spec;

/* Builds a minimal model from spec with the project's builder: float [1,4]
 * tensors, ops without options. */
static uint8_t *make_model(const model_spec *ms, size_t *len)
{
    tflite_fb b;
    tflite_fb_table t, sub;
    uint8_t *out = NULL;
    int n_tensors = ms->n_ops + 1 + (ms->external != 0);
    int32_t shape[2] = {1, 4}, in = 0, outs = ms->n_ops;

    tflite_fb_init(&b);
    tflite_fb_header(&b, TFLITE_FILE_ID);
    tflite_fb_table_init(&t);
    tflite_fb_scalar(&t, TFLITE_MODEL_VERSION, 4, ms->version, 0);
    tflite_fb_ref(&t, TFLITE_MODEL_OPERATOR_CODES);
    tflite_fb_ref(&t, TFLITE_MODEL_SUBGRAPHS);
    tflite_fb_ref(&t, TFLITE_MODEL_BUFFERS);
    size_t model = tflite_fb_table_end(&b, &t);

    size_t vec = tflite_fb_vec_refs(&b, (size_t)ms->n_ops);
    tflite_fb_patch(&b, tflite_fb_slot(&t, TFLITE_MODEL_OPERATOR_CODES), vec);
    for (int i = 0; i < ms->n_ops; i++) {
        tflite_fb_table c;
        tflite_fb_table_init(&c);
        tflite_fb_scalar(&c, TFLITE_OPCODE_DEPRECATED_BUILTIN_CODE, 1,
                         (uint8_t)ms->codes[i].deprecated, 0);
        if (ms->codes[i].code >= 0)
            tflite_fb_scalar(&c, TFLITE_OPCODE_BUILTIN_CODE, 4,
                             (uint32_t)ms->codes[i].code, UINT64_MAX);
        if (ms->codes[i].custom)
            tflite_fb_ref(&c, TFLITE_OPCODE_CUSTOM_CODE);
        tflite_fb_patch(&b, tflite_fb_elem(vec, (size_t)i), tflite_fb_table_end(&b, &c));
        if (ms->codes[i].custom)
            tflite_fb_patch(&b, tflite_fb_slot(&c, TFLITE_OPCODE_CUSTOM_CODE),
                            tflite_fb_string(&b, ms->codes[i].custom));
    }
    vec = tflite_fb_vec_refs(&b, 1);
    tflite_fb_patch(&b, tflite_fb_slot(&t, TFLITE_MODEL_SUBGRAPHS), vec);
    tflite_fb_table_init(&sub);
    tflite_fb_ref(&sub, TFLITE_SUBGRAPH_TENSORS);
    tflite_fb_ref(&sub, TFLITE_SUBGRAPH_INPUTS);
    tflite_fb_ref(&sub, TFLITE_SUBGRAPH_OUTPUTS);
    tflite_fb_ref(&sub, TFLITE_SUBGRAPH_OPERATORS);
    tflite_fb_patch(&b, tflite_fb_elem(vec, 0), tflite_fb_table_end(&b, &sub));

    vec = tflite_fb_vec_refs(&b, (size_t)n_tensors);
    tflite_fb_patch(&b, tflite_fb_slot(&sub, TFLITE_SUBGRAPH_TENSORS), vec);
    for (int i = 0; i < n_tensors; i++) {
        tflite_fb_table c;
        int constant = ms->external && i == n_tensors - 1;
        tflite_fb_table_init(&c);
        tflite_fb_ref(&c, TFLITE_TENSOR_SHAPE);
        tflite_fb_scalar(&c, TFLITE_TENSOR_TYPE, 1, (uint8_t)ms->type0, 0);
        tflite_fb_scalar(&c, TFLITE_TENSOR_BUFFER, 4, constant ? 1 : 0, 0);
        tflite_fb_ref(&c, TFLITE_TENSOR_NAME);
        if (ms->sparse0 && i == 0)
            tflite_fb_ref(&c, TFLITE_TENSOR_SPARSITY);
        tflite_fb_patch(&b, tflite_fb_elem(vec, (size_t)i), tflite_fb_table_end(&b, &c));
        tflite_fb_patch(&b, tflite_fb_slot(&c, TFLITE_TENSOR_SHAPE),
                        tflite_fb_vec_i32(&b, shape, 2));
        tflite_fb_patch(&b, tflite_fb_slot(&c, TFLITE_TENSOR_NAME),
                        tflite_fb_string(&b, hbt_path("t%d", i)));
        if (ms->sparse0 && i == 0) {
            tflite_fb_table sp;
            tflite_fb_table_init(&sp);
            tflite_fb_patch(&b, tflite_fb_slot(&c, TFLITE_TENSOR_SPARSITY),
                            tflite_fb_table_end(&b, &sp));
        }
    }
    tflite_fb_patch(&b, tflite_fb_slot(&sub, TFLITE_SUBGRAPH_INPUTS),
                    tflite_fb_vec_i32(&b, &in, 1));
    tflite_fb_patch(&b, tflite_fb_slot(&sub, TFLITE_SUBGRAPH_OUTPUTS),
                    tflite_fb_vec_i32(&b, &outs, 1));
    vec = tflite_fb_vec_refs(&b, (size_t)ms->n_ops);
    tflite_fb_patch(&b, tflite_fb_slot(&sub, TFLITE_SUBGRAPH_OPERATORS), vec);
    for (int i = 0; i < ms->n_ops; i++) {
        tflite_fb_table c;
        int32_t io[2] = {i, i + 1};
        tflite_fb_table_init(&c);
        tflite_fb_scalar(&c, TFLITE_OP_OPCODE_INDEX, 4, (uint32_t)i, 0);
        tflite_fb_scalar(&c, TFLITE_OP_BUILTIN_OPTIONS_TYPE, 1, ms->opt_type[i], 0);
        tflite_fb_ref(&c, TFLITE_OP_INPUTS);
        tflite_fb_ref(&c, TFLITE_OP_OUTPUTS);
        tflite_fb_patch(&b, tflite_fb_elem(vec, (size_t)i), tflite_fb_table_end(&b, &c));
        tflite_fb_patch(&b, tflite_fb_slot(&c, TFLITE_OP_INPUTS), tflite_fb_vec_i32(&b, io, 1));
        tflite_fb_patch(&b, tflite_fb_slot(&c, TFLITE_OP_OUTPUTS),
                        tflite_fb_vec_i32(&b, io + 1, 1));
    }

    /* Buffers: the empty sentinel and, for `external`, one whose 16 bytes
     * follow the FlatBuffer, found by offset/size from the file start. */
    vec = tflite_fb_vec_refs(&b, ms->external ? 2 : 1);
    tflite_fb_patch(&b, tflite_fb_slot(&t, TFLITE_MODEL_BUFFERS), vec);
    tflite_fb_table_init(&t);
    tflite_fb_patch(&b, tflite_fb_elem(vec, 0), tflite_fb_table_end(&b, &t));
    size_t offset_at = 0;
    if (ms->external) {
        tflite_fb_table_init(&t);
        tflite_fb_scalar(&t, TFLITE_BUFFER_OFFSET, 8, 2, 0); /* patched below */
        tflite_fb_scalar(&t, TFLITE_BUFFER_SIZE, 8, 16, 0);
        tflite_fb_patch(&b, tflite_fb_elem(vec, 1), tflite_fb_table_end(&b, &t));
        offset_at = t.f[0].at;
    }
    ck_assert_int_eq(tflite_fb_finish(&b, model, &out, len), HB_OK);
    if (ms->external) {
        size_t at = (*len + 15) / 16 * 16;
        uint8_t *grown = realloc(out, at + 16);
        ck_assert_ptr_nonnull(grown);
        out = grown;
        memset(out + *len, 0, at - *len);
        for (int k = 0; k < 16; k++)
            out[at + (size_t)k] = (uint8_t)(0xA0 + k);
        for (int k = 0; k < 8; k++)
            out[offset_at + (size_t)k] = (uint8_t)((uint64_t)at >> (8 * k));
        *len = at + 16;
    }
    return out;
}

#define SOFTMAX_CODE {TFLITE_BUILTIN_SOFTMAX, TFLITE_BUILTIN_SOFTMAX, NULL}

/* Reads a hand-made model; returns the status, *msg the message. */
static hb_status read_spec(const model_spec *ms, graph **g)
{
    size_t len;
    uint8_t *buf = make_model(ms, &len);
    hb_status st = read_copy(buf, len, g);
    free(buf);
    return st;
}

static void expect_refusal(const model_spec *ms, hb_status want, const char *text)
{
    graph *g = (graph *)1;
    hb_status st = read_spec(ms, &g);
    ck_assert_msg(st == want, "status %d, want %d (%s)", st, want, hb_last_error());
    ck_assert_ptr_null(g);
    ck_assert_msg(strstr(hb_last_error(), text), "message \"%s\" lacks \"%s\"",
                  hb_last_error(), text);
}

START_TEST(handmade_model_reads)
{
    /* Op 1's code has only the deprecated byte, as in old files. */
    /* Op 2 has no options table, or op 3 none behind its type: the schema
     * defaults apply (dilations 1, all else 0). */
    model_spec ms = {.n_ops = 4, .version = 3,
                     .codes = {SOFTMAX_CODE, {TFLITE_BUILTIN_SOFTMAX, -1, NULL},
                               {TFLITE_BUILTIN_CONV_2D, TFLITE_BUILTIN_CONV_2D, NULL},
                               {TFLITE_BUILTIN_DEPTHWISE_CONV_2D, -1, NULL}},
                     .opt_type = {0, 0, 0, TFLITE_OPTIONS_DEPTHWISE_CONV_2D}};
    graph_options defaults = {.dilation_w = 1, .dilation_h = 1};
    graph *g = NULL;
    ck_assert_msg(read_spec(&ms, &g) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(g->n_ops, 4);
    ck_assert_int_eq(g->ops[0].op, NN_OP_SOFTMAX);
    ck_assert_int_eq(g->ops[1].op, NN_OP_SOFTMAX);
    ck_assert_int_eq(g->ops[2].op, NN_OP_CONV_2D);
    ck_assert_int_eq(g->ops[3].op, NN_OP_DEPTHWISE_CONV_2D);
    ck_assert_mem_eq(&g->ops[2].opt, &defaults, sizeof(defaults));
    ck_assert_mem_eq(&g->ops[3].opt, &defaults, sizeof(defaults));
    ck_assert_float_eq(g->ops[0].opt.beta, 0.0f);
    ck_assert_int_eq(g->n_tensors, 5);
    ck_assert_str_eq(g->tensors[4].name, "t4");
    ck_assert_ptr_null(g->description);
    graph_free(g);

    /* Options of another op's kind are a corrupted file. */
    model_spec wrong = {.n_ops = 2, .version = 3, .codes = {SOFTMAX_CODE, SOFTMAX_CODE},
                        .opt_type = {0, TFLITE_OPTIONS_CONV_2D}};
    expect_refusal(&wrong, HB_ERR_FORMAT, "operator 1 (SOFTMAX): options of union type 1");
}
END_TEST

START_TEST(unsupported_builtin_named)
{
    model_spec ms = {.n_ops = 5, .version = 3,
                     .codes = {SOFTMAX_CODE, SOFTMAX_CODE, SOFTMAX_CODE, SOFTMAX_CODE,
                               {TFLITE_BUILTIN_SQUARED_DIFFERENCE,
                                TFLITE_BUILTIN_SQUARED_DIFFERENCE, NULL}}};
    expect_refusal(&ms, HB_ERR_UNSUPPORTED, "op 4 (SQUARED_DIFFERENCE): not supported");
    /* Codes above 127 live in builtin_code only; the byte says 127. */
    model_spec big = {.n_ops = 2, .version = 3,
                      .codes = {SOFTMAX_CODE, {127, TFLITE_BUILTIN_GELU, NULL}}};
    expect_refusal(&big, HB_ERR_UNSUPPORTED, "op 1 (GELU): not supported");
    model_spec unknown = {.n_ops = 1, .version = 3, .codes = {{127, 300, NULL}}};
    expect_refusal(&unknown, HB_ERR_UNSUPPORTED, "op 0 (builtin code 300): not supported");
    model_spec custom = {.n_ops = 2, .version = 3,
                         .codes = {SOFTMAX_CODE, {TFLITE_BUILTIN_CUSTOM, TFLITE_BUILTIN_CUSTOM,
                                                  "MyCustomOp"}}};
    expect_refusal(&custom, HB_ERR_UNSUPPORTED, "op 1 (custom MyCustomOp): not supported");
}
END_TEST

START_TEST(unsupported_tensors_named)
{
    model_spec ms = {.n_ops = 1, .version = 3, .codes = {SOFTMAX_CODE},
                     .type0 = 5 /* STRING */};
    expect_refusal(&ms, HB_ERR_UNSUPPORTED, "tensor 0 (t0): type STRING is not supported");
    ms.type0 = 17;
    expect_refusal(&ms, HB_ERR_UNSUPPORTED, "tensor 0 (t0): type INT4 is not supported");
    ms.type0 = 99;
    expect_refusal(&ms, HB_ERR_UNSUPPORTED, "tensor 0 (t0): unknown type 99");
    ms.type0 = 0;
    ms.sparse0 = 1;
    expect_refusal(&ms, HB_ERR_UNSUPPORTED, "tensor 0 (t0): sparse");
    model_spec old = {.n_ops = 1, .version = 2, .codes = {SOFTMAX_CODE}};
    expect_refusal(&old, HB_ERR_UNSUPPORTED, "schema version 2");
}
END_TEST

/* Models over 2 GB keep buffers after the FlatBuffer (Buffer.offset and
 * size from the file start); a small file can use the same fields. */
START_TEST(external_buffer_read)
{
    model_spec ms = {.n_ops = 1, .version = 3, .codes = {SOFTMAX_CODE}, .external = 1};
    size_t len;
    graph *g = NULL;
    uint8_t *buf = make_model(&ms, &len);
    ck_assert_msg(read_copy(buf, len, &g) == HB_OK, "%s", hb_last_error());
    const graph_tensor *t = &g->tensors[2];
    ck_assert_uint_eq(t->bytes, 16);
    ck_assert_ptr_nonnull(t->data);
    for (int k = 0; k < 16; k++)
        ck_assert_uint_eq(t->data[k], 0xA0 + k);
    graph_free(g);
    /* Cutting into the data outside the FlatBuffer is caught too. */
    g = (graph *)1;
    ck_assert_int_eq(read_copy(buf, len - 1, &g), HB_ERR_FORMAT);
    ck_assert_ptr_null(g);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "buffer 1"));
    free(buf);
}
END_TEST

START_TEST(garbage_refused)
{
    static const char text[] = "hello, this is not a TFLite model at all";
    graph *g = (graph *)1;
    uint32_t seed = 77;

    ck_assert_int_eq(tflite_read(NULL, 0, NULL, &g), HB_ERR_FORMAT);
    ck_assert_ptr_null(g);
    ck_assert_int_eq(tflite_read((const uint8_t *)text, 3, NULL, &g), HB_ERR_FORMAT);
    ck_assert_int_eq(read_copy((const uint8_t *)text, sizeof(text), &g), HB_ERR_FORMAT);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "TFL3"));
    ck_assert_int_eq(tflite_read((const uint8_t *)text, sizeof(text), NULL, NULL),
                     HB_ERR_ARG);
    /* Random bytes behind a correct identifier. */
    for (int trial = 0; trial < 2000; trial++) {
        uint8_t junk[300];
        size_t len = 8 + rng_next(&seed) % (sizeof(junk) - 8);
        for (size_t k = 0; k < len; k++)
            junk[k] = (uint8_t)rng_next(&seed);
        /* Small root offsets, so the walk gets somewhere. */
        junk[0] = (uint8_t)(rng_next(&seed) % len);
        junk[1] = junk[2] = junk[3] = 0;
        memcpy(junk + 4, TFLITE_FILE_ID, 4);
        g = (graph *)1;
        ck_assert_int_ne(read_copy(junk, len, &g), HB_OK);
        ck_assert_ptr_null(g);
    }
}
END_TEST

static Suite *tflite_fb_suite(void)
{
    Suite *s = suite_create("tflite_fb");
    TCase *tc = tcase_create("handmade");
    tcase_add_test(tc, handmade_model_reads);
    tcase_add_test(tc, unsupported_builtin_named);
    tcase_add_test(tc, unsupported_tensors_named);
    tcase_add_test(tc, external_buffer_read);
    tcase_add_test(tc, garbage_refused);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(tflite_fb_suite)
