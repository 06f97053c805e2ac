/*
 * check_goldens.c: conformance with TensorFlow Lite Micro (../shared).
 *
 * Every model folder in goldens/ (found at run time, so a new model in the
 * same format is tested without code changes) is run on the host engine
 * for each input_<k>.bin: int8 outputs must be byte-identical to
 * output_<k>.bin, float outputs within 1e-5 x max|golden|. When the folder
 * has a per-layer dump (layers_0/), every layer is compared too (float:
 * 1e-4 x max|golden layer|), and a mismatch names the first layer that
 * differs, its op and the first differing index. The planned arena must not
 * exceed TFLite Micro's arena_used_bytes.
 *
 * Hybrid models (int8 weights, float activations; TFLite Micro refuses
 * them) are checked against a float computation of the same model with
 * the weights dequantised on the host.
 */
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "model/blob.h"
#include "model/hostrun.h"
#include "model/tflite.h"
#include "session/vectors.h"

#define MAX_MODELS 64
static char models[MAX_MODELS][256];
static int n_models;

static const char *goldens_dir(void)
{
    static char dir[1024];
    snprintf(dir, sizeof(dir), "%s/goldens", hbt_shared_dir());
    return dir;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(a, b);
}

static void discover(void)
{
    DIR *d = opendir(goldens_dir());
    struct dirent *e;
    n_models = 0;
    while (d && (e = readdir(d)) && n_models < MAX_MODELS) {
        char meta[1600];
        snprintf(meta, sizeof(meta), "%s/%s/meta.json", goldens_dir(), e->d_name);
        FILE *f = e->d_name[0] != '.' ? fopen(meta, "r") : NULL;
        if (!f)
            continue;
        fclose(f);
        snprintf(models[n_models++], sizeof(models[0]), "%s", e->d_name);
    }
    if (d)
        closedir(d);
    qsort(models, (size_t)n_models, sizeof(models[0]), cmp_str);
}

static json_t *load_json(const char *path)
{
    json_error_t err;
    json_t *j = json_load_file(path, 0, &err);
    ck_assert_msg(j != NULL, "%s: %s", path, err.text);
    return j;
}

/* Compares got with want; returns -1 if equal within tolerance, else the
 * first differing element index. */
static long compare(const void *got, const void *want, size_t bytes, int is_float,
                    double rel_tol, double *max_diff)
{
    *max_diff = 0;
    if (!is_float) {
        const uint8_t *a = got, *b = want;
        for (size_t i = 0; i < bytes; i++)
            if (a[i] != b[i])
                return (long)i;
        return -1;
    }
    size_t n = bytes / 4;
    double max_g = 0;
    for (size_t i = 0; i < n; i++) {
        float b;
        memcpy(&b, (const uint8_t *)want + 4 * i, 4);
        max_g = fmax(max_g, fabs(b));
    }
    long first = -1;
    for (size_t i = 0; i < n; i++) {
        float a, b;
        memcpy(&a, (const uint8_t *)got + 4 * i, 4);
        memcpy(&b, (const uint8_t *)want + 4 * i, 4);
        double d = fabs((double)a - (double)b);
        if (!(d <= rel_tol * max_g) && first < 0)
            first = (long)i;
        if (d > *max_diff || isnan(d))
            *max_diff = d;
    }
    return first;
}

/* Layer dumps ------------------------------------------------------------- */
typedef struct {
    const char *model, *dir;
    const graph *g;
    json_t *index;    /* layers.json */
    char failure[512];
} layer_check;

static void check_layer(void *ctx, int op, const nn_tensor *out, int n)
{
    layer_check *lc = ctx;
    size_t i;
    json_t *e;
    if (lc->failure[0])
        return;
    json_array_foreach(lc->index, i, e) {
        if (json_integer_value(json_object_get(e, "op_index")) != op)
            continue;
        int slot = (int)json_integer_value(json_object_get(e, "output_slot"));
        const char *opname = json_string_value(json_object_get(e, "op"));
        if (slot >= n) {
            snprintf(lc->failure, sizeof(lc->failure), "%s: layer %d (%s) has no output %d",
                     lc->model, op, opname, slot);
            return;
        }
        if (strcmp(opname, nn_op_name(lc->g->ops[op].op)) != 0) {
            snprintf(lc->failure, sizeof(lc->failure), "%s: layer %d is %s, the golden's is %s",
                     lc->model, op, nn_op_name(lc->g->ops[op].op), opname);
            return;
        }
        size_t len = 0;
        uint8_t *want = hbt_read_file(
            hbt_path("%s/layers_0/%s", lc->dir, json_string_value(json_object_get(e, "file"))),
            &len);
        if (!want || len != out[slot].bytes) {
            snprintf(lc->failure, sizeof(lc->failure),
                     "%s: layer %d (%s) output has %u bytes, golden %zu", lc->model, op, opname,
                     out[slot].bytes, len);
            free(want);
            return;
        }
        double diff;
        long at = compare(out[slot].data, want, len, out[slot].dtype == NN_DT_FLOAT32, 1e-4, &diff);
        if (at >= 0)
            snprintf(lc->failure, sizeof(lc->failure),
                     "%s: layer %d (%s) is the first that differs, at index %ld (max diff %g)",
                     lc->model, op, opname, at, diff);
        free(want);
    }
}

START_TEST(golden_model)
{
    const char *name = models[_i];
    char dir[1400], meta_path[1500], model_path[1500];
    snprintf(dir, sizeof(dir), "%s/%s", goldens_dir(), name);
    snprintf(meta_path, sizeof(meta_path), "%s/meta.json", dir);
    json_t *meta = load_json(meta_path);
    const char *status = json_string_value(json_object_get(meta, "status"));
    if (!status || strcmp(status, "ok") != 0) {
        printf("%s: golden status '%s', no reference outputs (see the hybrid test)\n", name,
               status ? status : "?");
        json_decref(meta);
        return;
    }
    snprintf(model_path, sizeof(model_path), "%s/models/%s", hbt_shared_dir(),
             json_string_value(json_object_get(meta, "model_file")));
    graph *g = NULL;
    hostrun *r = NULL;
    ck_assert_msg(tflite_read_file(model_path, &g) == HB_OK, "%s", hb_last_error());
    ck_assert_msg(hostrun_new(g, &r) == HB_OK, "%s: %s", name, hb_last_error());

    /* Memory: our plan against TFLite Micro's arena. */
    uint32_t ours = nn_model_arena_bytes(hostrun_model(r));
    json_int_t tflm = json_integer_value(json_object_get(meta, "arena_used_bytes"));
    printf("%s: arena %u bytes, TFLite Micro %lld\n", name, ours, (long long)tflm);
    ck_assert_msg(tflm == 0 || ours <= tflm, "%s: arena %u > TFLite Micro's %lld", name, ours,
                  (long long)tflm);

    int outputs_checked = 0;
    for (int k = 0; k < 100; k++) {
        size_t in_len = 0, out_len = 0;
        uint8_t *in = hbt_read_file(hbt_path("%s/input_%d.bin", dir, k), &in_len);
        uint8_t *want = hbt_read_file(hbt_path("%s/output_%d.bin", dir, k), &out_len);
        if (!in || !want) {
            free(in);
            free(want);
            break;
        }
        ck_assert_msg(hostrun_set_input(r, 0, in, in_len) == HB_OK, "%s", hb_last_error());
        layer_check lc = {name, dir, g, NULL, ""};
        char layers[1600];
        snprintf(layers, sizeof(layers), "%s/layers_0/layers.json", dir);
        FILE *lf = k == 0 ? fopen(layers, "r") : NULL;
        if (lf) {
            fclose(lf);
            lc.index = load_json(layers);
        }
        ck_assert_int_eq(hostrun_invoke(r, lc.index ? check_layer : NULL, &lc), HB_OK);
        ck_assert_msg(lc.failure[0] == 0, "%s", lc.failure);
        json_decref(lc.index);
        nn_tensor out;
        hostrun_output(r, 0, &out);
        ck_assert_msg(out.bytes == out_len, "%s input %d: %u output bytes, golden %zu", name, k,
                      out.bytes, out_len);
        double diff;
        long at = compare(out.data, want, out_len, out.dtype == NN_DT_FLOAT32, 1e-5, &diff);
        ck_assert_msg(at < 0, "%s input %d: output differs at index %ld (max diff %g)", name, k,
                      at, diff);
        outputs_checked++;
        free(in);
        free(want);
    }
    ck_assert_msg(outputs_checked > 0, "%s: no input_<k>.bin/output_<k>.bin pairs", name);
    hostrun_free(r);
    graph_free(g);
    json_decref(meta);
}
END_TEST

/* Hybrid -------------------------------------------------------------------- */

/* The same graph with every int8 weight replaced by its float value. */
static graph *dequantised(const graph *g)
{
    graph *f = NULL;
    ck_assert_int_eq(graph_clone(g, &f), HB_OK);
    for (int t = 0; t < f->n_tensors; t++) {
        graph_tensor *x = &f->tensors[t];
        if (!x->data || x->dtype != NN_DT_INT8 || x->n_quant < 1)
            continue;
        size_t n = graph_tensor_count(x);
        float *w = malloc(4 * n);
        size_t inner = 1;
        for (int d = x->quant_axis + 1; d < x->rank; d++)
            inner *= (size_t)x->dims[d];
        for (size_t i = 0; i < n; i++) {
            int c = x->n_quant > 1 ? (int)((i / inner) % (size_t)x->n_quant) : 0;
            w[i] = (float)((double)x->scales[c] *
                           ((double)((int8_t *)x->data)[i] - x->zero_points[c]));
        }
        free(x->data);
        x->data = (uint8_t *)w;
        x->bytes = 4 * n;
        x->dtype = NN_DT_FLOAT32;
        graph_set_quant(f, t, 0, NULL, NULL, 0);
    }
    return f;
}

START_TEST(hybrid_matches_float_computation)
{
    char path[1200];
    snprintf(path, sizeof(path), "%s/models/kws_ref_model_float32.tflite", hbt_shared_dir());
    graph *g = NULL;
    hostrun *hy = NULL, *fl = NULL;
    vectors v;
    ck_assert_msg(tflite_read_file(path, &g) == HB_OK, "%s", hb_last_error());
    graph *f = dequantised(g);
    ck_assert_msg(hostrun_new(g, &hy) == HB_OK, "hybrid: %s", hb_last_error());
    ck_assert_msg(hostrun_new(f, &fl) == HB_OK, "float: %s", hb_last_error());
    ck_assert_int_eq(vectors_random(8, 1000, g, &v), HB_OK);
    for (int k = 0; k < v.n; k++) {
        nn_tensor a, b;
        hostrun_set_input(hy, 0, v.data[k], v.bytes);
        hostrun_set_input(fl, 0, v.data[k], v.bytes);
        ck_assert_int_eq(hostrun_invoke(hy, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_invoke(fl, NULL, NULL), HB_OK);
        hostrun_output(hy, 0, &a);
        hostrun_output(fl, 0, &b);
        double diff;
        long at = compare(a.data, b.data, a.bytes, 1, 1e-5, &diff);
        ck_assert_msg(at < 0, "vector %d: hybrid differs from float at %ld (%g)", k, at, diff);
    }
    vectors_free(&v);
    hostrun_free(hy);
    hostrun_free(fl);
    graph_free(f);
    graph_free(g);
}
END_TEST

/* Bad models through the whole pipeline: read, lower, validate, run. */
START_TEST(corrupted_real_models_never_crash)
{
    static const char *files[] = {"hello_world_int8.tflite", "ad01_int8.tflite",
                                  "kws_ref_model.tflite"};
    uint32_t state = 99;
    for (size_t m = 0; m < sizeof(files) / sizeof(files[0]); m++) {
        size_t len = 0;
        uint8_t *orig = hbt_read_file(hbt_path("%s/models/%s", hbt_shared_dir(), files[m]), &len);
        ck_assert_ptr_nonnull(orig);
        uint8_t *buf = malloc(len);
        int accepted = 0;
        for (int trial = 0; trial < 150; trial++) {
            memcpy(buf, orig, len);
            size_t n = len;
            if (trial % 5 == 0) {
                n = len * (size_t)(trial + 1) / 151;
            } else {
                for (int b = 0; b < 1 + trial % 4; b++) {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    /* Flip in the first 4 KiB (tables) more often than in weights. */
                    size_t at = trial % 2 ? state % len : state % (len < 4096 ? len : 4096);
                    buf[at] ^= (uint8_t)(1u << (state >> 29));
                }
            }
            graph *g = NULL;
            hostrun *r = NULL;
            if (tflite_read(buf, n, files[m], &g) != HB_OK) {
                ck_assert_msg(strlen(hb_last_error()) > 0, "empty error message");
                continue;
            }
            if (hostrun_new(g, &r) == HB_OK) {
                nn_tensor in;
                hostrun_input(r, 0, &in);
                memset(in.data, 0x11, in.bytes);
                ck_assert_int_eq(hostrun_invoke(r, NULL, NULL), HB_OK);
                accepted++;
            }
            hostrun_free(r);
            graph_free(g);
        }
        printf("%s: %d of 150 damaged files still ran (flipped weights)\n", files[m], accepted);
        free(buf);
        free(orig);
    }
}
END_TEST

static Suite *goldens_suite(void)
{
    Suite *s = suite_create("goldens");
    TCase *tc = tcase_create("conformance");
    tcase_set_timeout(tc, 600);
    discover();
    tcase_add_loop_test(tc, golden_model, 0, n_models);
    tcase_add_test(tc, hybrid_matches_float_computation);
    tcase_add_test(tc, corrupted_real_models_never_crash);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN_SHARED(goldens_suite)
