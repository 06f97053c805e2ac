/*
 * check_tflite_shared.c: the TFLite reader and writer on the real models in
 * ../shared/models. Every model must read; its ops, inputs and outputs must
 * match the TFLM goldens' meta.json (goldens/<model stem>/meta.json, where
 * one exists); read -> write -> read must give the same graph; and cut or
 * bit-flipped copies of a real model must be refused without a crash.
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "model/tflite.h"

#define MAX_MODELS 64

static char models[MAX_MODELS][256];   /* file names, sorted */
static int n_models;

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void list_models(void)
{
    DIR *d = opendir(hbt_path("%s/models", hbt_shared_dir()));
    struct dirent *e;
    n_models = 0;
    if (!d)
        return; /* the tests then fail on the count */
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > 7 && n < sizeof(models[0]) && strcmp(e->d_name + n - 7, ".tflite") == 0 &&
            n_models < MAX_MODELS)
            snprintf(models[n_models++], sizeof(models[0]), "%s", e->d_name);
    }
    closedir(d);
    qsort(models, (size_t)n_models, sizeof(models[0]), by_name);
}

static const char *model_path(int i)
{
    return hbt_path("%s/models/%s", hbt_shared_dir(), models[i]);
}

static graph *read_model(int i)
{
    graph *g = NULL;
    hb_status st = tflite_read_file(model_path(i), &g);
    ck_assert_msg(st == HB_OK, "%s: %s", models[i], hb_last_error());
    return g;
}

/* Returns NULL if equal, else what differs (same rules as check_tflite.c). */
static const char *graph_diff(const graph *a, const graph *b)
{
    static char why[256];
    if (a->n_tensors != b->n_tensors || a->n_ops != b->n_ops)
        return "tensor or op count";
    if ((a->description == NULL) != (b->description == NULL) ||
        (a->description && strcmp(a->description, b->description)))
        return "description";
    if (a->n_inputs != b->n_inputs || a->n_outputs != b->n_outputs ||
        memcmp(a->inputs, b->inputs, (size_t)a->n_inputs * sizeof(int)) ||
        memcmp(a->outputs, b->outputs, (size_t)a->n_outputs * sizeof(int)))
        return "model inputs/outputs";
    for (int i = 0; i < a->n_tensors; i++) {
        const graph_tensor *x = &a->tensors[i], *y = &b->tensors[i];
        int same = (x->name == NULL) == (y->name == NULL) &&
                   (!x->name || strcmp(x->name, y->name) == 0) && x->dtype == y->dtype &&
                   x->rank == y->rank &&
                   !memcmp(x->dims, y->dims, (size_t)x->rank * sizeof(int32_t)) &&
                   x->n_quant == y->n_quant &&
                   (!x->n_quant || (x->quant_axis == y->quant_axis &&
                                    !memcmp(x->scales, y->scales, (size_t)x->n_quant * 4) &&
                                    !memcmp(x->zero_points, y->zero_points,
                                            (size_t)x->n_quant * 4))) &&
                   x->bytes == y->bytes && !x->data == !y->data &&
                   (!x->data || !memcmp(x->data, y->data, x->bytes));
        if (!same) {
            snprintf(why, sizeof(why), "tensor %d (%s)", i, x->name ? x->name : "?");
            return why;
        }
    }
    for (int i = 0; i < a->n_ops; i++) {
        const graph_op *x = &a->ops[i], *y = &b->ops[i];
        if (x->op != y->op || x->n_inputs != y->n_inputs || x->n_outputs != y->n_outputs ||
            memcmp(x->inputs, y->inputs, (size_t)x->n_inputs * sizeof(int)) ||
            memcmp(x->outputs, y->outputs, (size_t)x->n_outputs * sizeof(int)) ||
            memcmp(&x->opt, &y->opt, sizeof(x->opt))) {
            snprintf(why, sizeof(why), "op %d (%s)", i, nn_op_name(x->op));
            return why;
        }
    }
    return NULL;
}

/* Compares model inputs or outputs with meta.json's "inputs"/"outputs". */
static void check_io(const char *model, const graph *g, json_t *list, int n,
                     const int *tensors, const char *what)
{
    ck_assert_msg(json_is_array(list), "%s: meta.json has no %s", model, what);
    ck_assert_msg((int)json_array_size(list) == n, "%s: %d %s, meta.json has %zu", model,
                  n, what, json_array_size(list));
    for (int k = 0; k < n; k++) {
        json_t *m = json_array_get(list, (size_t)k);
        const graph_tensor *t = &g->tensors[tensors[k]];
        json_t *shape = json_object_get(m, "shape");
        ck_assert_str_eq(nn_dtype_name(t->dtype), json_string_value(json_object_get(m, "dtype")));
        ck_assert_str_eq(t->name, json_string_value(json_object_get(m, "name")));
        ck_assert_int_eq(t->rank, (int)json_array_size(shape));
        for (int d = 0; d < t->rank; d++)
            ck_assert_int_eq(t->dims[d], json_integer_value(json_array_get(shape, (size_t)d)));
        json_t *scale = json_object_get(m, "scale");
        if (json_is_number(scale)) {
            ck_assert_int_eq(t->n_quant, 1);
            ck_assert_msg(fabs(t->scales[0] - json_number_value(scale)) <=
                              1e-6 * fabs(json_number_value(scale)),
                          "%s: %s %d scale %g", model, what, k, (double)t->scales[0]);
            ck_assert_int_eq(t->zero_points[0],
                             json_integer_value(json_object_get(m, "zero_point")));
        } else {
            ck_assert_int_eq(t->n_quant, 0);
        }
    }
}

START_TEST(every_model_reads_and_matches_goldens)
{
    int with_golden = 0;
    list_models();
    ck_assert_int_ge(n_models, 11);
    for (int i = 0; i < n_models; i++) {
        graph *g = read_model(i);
        char stem[256];
        snprintf(stem, sizeof(stem), "%.*s", (int)strlen(models[i]) - 7, models[i]);
        const char *meta_path = hbt_path("%s/goldens/%s/meta.json", hbt_shared_dir(), stem);
        json_error_t err;
        json_t *meta = json_load_file(meta_path, 0, &err);
        if (meta) {
            json_t *ops = json_object_get(meta, "ops");
            ck_assert_msg((int)json_array_size(ops) == g->n_ops, "%s: %d ops, golden %zu",
                          stem, g->n_ops, json_array_size(ops));
            for (int k = 0; k < g->n_ops; k++)
                ck_assert_str_eq(nn_op_name(g->ops[k].op),
                                 json_string_value(json_array_get(ops, (size_t)k)));
            check_io(stem, g, json_object_get(meta, "inputs"), g->n_inputs, g->inputs,
                     "inputs");
            check_io(stem, g, json_object_get(meta, "outputs"), g->n_outputs, g->outputs,
                     "outputs");
            with_golden++;
            json_decref(meta);
        } else {
            printf("%s: no golden meta.json, read %d ops\n", stem, g->n_ops);
        }
        graph_free(g);
    }
    ck_assert_int_ge(with_golden, 10);
}
END_TEST

START_TEST(read_write_read_is_identity)
{
    list_models();
    ck_assert_int_lt(_i, n_models);
    graph *g = read_model(_i), *back = NULL;
    uint8_t *buf = NULL, *buf2 = NULL;
    size_t len, len2;
    ck_assert_msg(tflite_write(g, &buf, &len) == HB_OK, "%s", hb_last_error());
    ck_assert_msg(tflite_read(buf, len, models[_i], &back) == HB_OK, "%s", hb_last_error());
    const char *diff = graph_diff(g, back);
    ck_assert_msg(!diff, "%s: round trip differs at %s", models[_i], diff);
    ck_assert_int_eq(tflite_write(back, &buf2, &len2), HB_OK);
    ck_assert_uint_eq(len, len2);
    ck_assert_mem_eq(buf, buf2, len);
    free(buf);
    free(buf2);
    graph_free(back);
    graph_free(g);
}
END_TEST

static uint32_t rng_next(uint32_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 17;
    *x ^= *x << 5;
    return *x;
}

static uint8_t *load_kws(size_t *len)
{
    uint8_t *buf = hbt_read_file(hbt_path("%s/models/kws_ref_model.tflite",
                                          hbt_shared_dir()), len);
    ck_assert_ptr_nonnull(buf);
    return buf;
}

START_TEST(real_model_truncations_refused)
{
    size_t len;
    uint8_t *buf = load_kws(&len);
    for (int k = 0; k < 200; k++) {
        size_t cut = len * (size_t)k / 200 + (size_t)k % 7;
        uint8_t *copy = malloc(cut ? cut : 1);
        graph *g = (graph *)1;
        ck_assert_ptr_nonnull(copy);
        memcpy(copy, buf, cut);
        hb_status st = tflite_read(copy, cut, "kws", &g);
        ck_assert_msg(st == HB_ERR_FORMAT, "cut at %zu: %d (%s)", cut, st, hb_last_error());
        ck_assert_ptr_null(g);
        free(copy);
    }
    free(buf);
}
END_TEST

START_TEST(real_model_bit_flips_never_crash)
{
    size_t len;
    uint8_t *buf = load_kws(&len);
    uint8_t *copy = malloc(len);
    uint32_t seed = 4242;
    ck_assert_ptr_nonnull(copy);
    for (int trial = 0; trial < 2000; trial++) {
        graph *g = NULL;
        memcpy(copy, buf, len);
        /* Half the flips land in the first 2 KB, where the tables are. */
        size_t span = trial % 2 ? len : (len < 2048 ? len : 2048);
        int flips = 1 + trial % 3;
        for (int k = 0; k < flips; k++)
            copy[rng_next(&seed) % span] ^= (uint8_t)(1u << (rng_next(&seed) % 8));
        if (tflite_read(copy, len, NULL, &g) == HB_OK)
            ck_assert_msg(graph_validate(g) == HB_OK, "trial %d: %s", trial, hb_last_error());
        else
            ck_assert_ptr_null(g);
        graph_free(g);
    }
    free(copy);
    free(buf);
}
END_TEST

static Suite *tflite_shared_suite(void)
{
    Suite *s = suite_create("tflite_shared");
    TCase *tc = tcase_create("models");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, every_model_reads_and_matches_goldens);
    list_models();
    tcase_add_loop_test(tc, read_write_read_is_identity, 0, n_models);
    tcase_add_test(tc, real_model_truncations_refused);
    tcase_add_test(tc, real_model_bit_flips_never_crash);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN_SHARED(tflite_shared_suite)
