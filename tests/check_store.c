/*
 * check_store.c: the results database (host/store).
 *
 * Each test opens its own file under a fresh folder. Row counts are read
 * through a second, raw SQLite connection, so they see exactly what landed
 * on disk, not what the store handle believes.
 */
#include "check_util.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store/store.h"

static const store_run_info RUN_INFO = {
    .board = "native", .host = "bench-1", .version = "0.1.0",
    .timing_unit = "cycles", .counter_hz = 1e6, .repeat = 3, .warmup = 1,
    .command = "hilbench run --board native model.tflite"};

static const store_layer LAYERS[3] = {
    {0, "FULLY_CONNECTED", "1x16,16x16,16", "1x16", "int8,int8,int32", "int8",
     256, 288},
    {1, "RELU", "1x16", "1x16", "int8", "int8", 0, 0},
    {2, "SOFTMAX", NULL, NULL, NULL, NULL, 16, 0},
};

#define SHA "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

static const store_variant_info VARIANT = {
    .model_file = "models/kws.tflite", .model_sha256 = SHA,
    .recipe = "int8", .blob_bytes = 4096, .layers = LAYERS, .n_layers = 3};

static char *test_db(const char *tag)
{
    const char *dir = hbt_tmpdir(tag);
    ck_assert_ptr_nonnull(dir);
    /* A folder that does not exist yet: store_open creates it. */
    return strdup(hbt_path("%s/sub/dir/results.db", dir));
}

static store *open_ok(const char *path)
{
    store *s = NULL;
    hb_status rc = store_open(path, &s);
    ck_assert_msg(rc == HB_OK, "store_open: %s", hb_last_error());
    return s;
}

static long long rows(const char *path, const char *table)
{
    return hbt_sql_int(path, hbt_path("SELECT count(*) FROM %s", table));
}

static int64_t begin_run(store *s, const store_run_info *info)
{
    int64_t id = 0;
    hb_status rc = store_run_begin(s, info ? info : &RUN_INFO, &id);
    ck_assert_msg(rc == HB_OK, "store_run_begin: %s", hb_last_error());
    ck_assert_int_gt(id, 0);
    return id;
}

static int64_t add_variant(store *s, int64_t run, const store_variant_info *v)
{
    int64_t id = 0;
    hb_status rc = store_variant_add(s, run, v ? v : &VARIANT, &id);
    ck_assert_msg(rc == HB_OK, "store_variant_add: %s", hb_last_error());
    ck_assert_int_gt(id, 0);
    return id;
}

static void add_inference(store *s, int64_t run, int64_t var, int index,
                          uint64_t cycles, const uint64_t *reps, int n_reps,
                          const uint64_t *layers, int n_layers)
{
    static const uint8_t out[4] = {0x00, 0xff, 0x7f, 0x10};
    store_inference inf = {
        .vector_index = index, .vector = hbt_path("vec-%d.bin", index),
        .cycles = cycles, .latency_us = (double)cycles / 2 + 0.25,
        .output = out, .output_bytes = (size_t)(index % 5),
        .repeats = n_reps, .repeat_cycles = reps,
        .n_layers = n_layers, .layer_cycles = layers};
    hb_status rc = store_inference_add(s, run, var, &inf);
    ck_assert_msg(rc == HB_OK, "store_inference_add: %s", hb_last_error());
}

/* ---- JSON accessors that fail the test on a missing key or wrong type ---- */

static json_t *jget(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    ck_assert_msg(v != NULL, "missing key %s", key);
    return v;
}

static json_int_t jint(json_t *o, const char *key)
{
    json_t *v = jget(o, key);
    ck_assert_msg(json_is_integer(v), "%s is not an integer", key);
    return json_integer_value(v);
}

static const char *jstr(json_t *o, const char *key)
{
    json_t *v = jget(o, key);
    ck_assert_msg(json_is_string(v), "%s is not a string", key);
    return json_string_value(v);
}

static void jnull(json_t *o, const char *key)
{
    ck_assert_msg(json_is_null(jget(o, key)), "%s is not null", key);
}

/* Compares with the JSON text want, written with ' for " to stay readable.
 * json_equal() is exact: same keys, no extra ones, same types (1 != 1.0). */
static void expect_json(json_t *got, const char *want)
{
    char *text = strdup(want), *dump = NULL;
    json_error_t err;

    for (char *p = text; *p; p++)
        if (*p == '\'')
            *p = '"';
    json_t *w = json_loads(text, 0, &err);
    ck_assert_msg(w != NULL, "bad expected JSON: %s", err.text);
    if (!json_equal(got, w))
        dump = json_dumps(got, JSON_SORT_KEYS | JSON_INDENT(1));
    ck_assert_msg(dump == NULL, "JSON differs; got:\n%s", dump);
    json_decref(w);
    free(text);
}

/* ---- round trip ------------------------------------------------------------ */

START_TEST(test_round_trip)
{
    char *path = test_db("store-rt");
    store *s = open_ok(path);
    int64_t run = begin_run(s, NULL);
    int64_t a = add_variant(s, run, NULL);
    store_variant_info vb = VARIANT;
    vb.recipe = "float";
    vb.blob_bytes = 8192;
    int64_t b = add_variant(s, run, &vb);

    /* Variant a: 3 vectors, added out of order; layer medians of 3 values. */
    const uint64_t r0[3] = {1001, 1000, 999}, r1[3] = {1100, 1100, 1101};
    const uint64_t l0[3] = {10, 200, 30}, l1[3] = {12, 100, 31},
                   l2[3] = {11, 300, 29};
    add_inference(s, run, a, 2, 900, NULL, 0, l2, 3);
    add_inference(s, run, a, 0, 1000, r0, 3, l0, 3);
    add_inference(s, run, a, 1, 1100, r1, 3, l1, 3);
    /* Variant b: 4 vectors timing 2 of 3 layers: lower medians, one null. */
    const uint64_t m[4][2] = {{5, 40}, {1, 10}, {7, 30}, {3, 20}};
    for (int i = 0; i < 4; i++)
        add_inference(s, run, b, i, 500 + (uint64_t)i, NULL, 0, m[i], 2);

    store_memory mem = {1, 2, 3, 4, 5};
    ck_assert_int_eq(store_memory_set(s, run, a, &mem), HB_OK);
    mem = (store_memory){2048, 512, 4096, 65536, 0};
    ck_assert_int_eq(store_memory_set(s, run, a, &mem), HB_OK); /* replaces */
    ck_assert_int_eq(store_run_finish(s, run, "ok", NULL), HB_OK);

    json_t *j = NULL;
    ck_assert_msg(store_run_json(s, run, &j) == HB_OK, "%s", hb_last_error());
    /* What is not known in advance is checked, then left out of the
     * comparison: the uuid and the times. */
    json_t *r = jget(j, "run");
    ck_assert_uint_eq(strlen(jstr(r, "uuid")), 36);
    const char *started = jstr(r, "started");
    ck_assert_uint_eq(strlen(started), 24); /* 2024-05-01T12:34:56.789Z */
    ck_assert(started[4] == '-' && started[10] == 'T' && started[23] == 'Z');
    ck_assert_str_ge(jstr(r, "finished"), started);
    json_object_del(r, "uuid");
    json_object_del(r, "started");
    json_object_del(r, "finished");
    expect_json(j, "{'json_version': 1, 'run': {'id': 1, 'board': 'native',"
        " 'host': 'bench-1', 'hilbench_version': '0.1.0', 'status': 'ok',"
        " 'error': null, 'timing_unit': 'cycles', 'counter_hz': 1000000.0,"
        " 'repeat': 3, 'warmup': 1,"
        " 'command': 'hilbench run --board native model.tflite',"
        " 'reference': null, 'reference_variant_id': null, 'dataset': null,"
        " 'suite': null, 'task': null, 'protocol': 'hilbench', 'mlperf_rules': 0,"
        " 'firmware_sha256': null},"
        " 'variants': [{'id': 1, 'recipe': 'int8',"
        "  'model_file': 'models/kws.tflite', 'model_sha256': '" SHA "',"
        "  'blob_bytes': 4096, 'status': 'running', 'error': null, 'resets': 0,"
        "  'layer_timing': 1, 'firmware_model': null,"
        "  'arena_bytes': 2048, 'stack_bytes': 512,"
        "  'model_bytes': 4096, 'firmware_flash_bytes': 65536,"
        "  'firmware_ram_bytes': null, 'scores': {},"
        "  'inferences': ["
        "   {'vector': 'vec-0.bin', 'vector_index': 0, 'cycles': 1000,"
        "    'latency_us': 500.25, 'output_hex': '',"
        "    'repeat_cycles': [1001, 1000, 999]},"
        "   {'vector': 'vec-1.bin', 'vector_index': 1, 'cycles': 1100,"
        "    'latency_us': 550.25, 'output_hex': '00',"
        "    'repeat_cycles': [1100, 1100, 1101]},"
        "   {'vector': 'vec-2.bin', 'vector_index': 2, 'cycles': 900,"
        "    'latency_us': 450.25, 'output_hex': '00ff', 'repeat_cycles': []}],"
        "  'layers': ["
        "   {'index': 0, 'op': 'FULLY_CONNECTED', 'macs': 256, 'param_bytes': 288,"
        "    'input_shapes': '1x16,16x16,16', 'output_shapes': '1x16',"
        "    'input_dtypes': 'int8,int8,int32', 'output_dtypes': 'int8',"
        "    'cycles_median': 11, 'snr_db': null, 'snr_ref_layer': null},"
        "   {'index': 1, 'op': 'RELU', 'macs': 0, 'param_bytes': 0,"
        "    'input_shapes': '1x16', 'output_shapes': '1x16',"
        "    'input_dtypes': 'int8', 'output_dtypes': 'int8',"
        "    'cycles_median': 200, 'snr_db': null, 'snr_ref_layer': null},"
        "   {'index': 2, 'op': 'SOFTMAX', 'macs': 16, 'param_bytes': 0,"
        "    'input_shapes': null, 'output_shapes': null,"
        "    'input_dtypes': null, 'output_dtypes': null,"
        "    'cycles_median': 30, 'snr_db': null, 'snr_ref_layer': null}]},"
        " {'id': 2, 'recipe': 'float',"
        "  'model_file': 'models/kws.tflite', 'model_sha256': '" SHA "',"
        "  'blob_bytes': 8192, 'status': 'running', 'error': null, 'resets': 0,"
        "  'layer_timing': 1, 'firmware_model': null,"
        "  'arena_bytes': null, 'stack_bytes': null,"
        "  'model_bytes': null, 'firmware_flash_bytes': null,"
        "  'firmware_ram_bytes': null, 'scores': {},"
        "  'inferences': ["
        "   {'vector': 'vec-0.bin', 'vector_index': 0, 'cycles': 500,"
        "    'latency_us': 250.25, 'output_hex': '', 'repeat_cycles': []},"
        "   {'vector': 'vec-1.bin', 'vector_index': 1, 'cycles': 501,"
        "    'latency_us': 250.75, 'output_hex': '00', 'repeat_cycles': []},"
        "   {'vector': 'vec-2.bin', 'vector_index': 2, 'cycles': 502,"
        "    'latency_us': 251.25, 'output_hex': '00ff', 'repeat_cycles': []},"
        "   {'vector': 'vec-3.bin', 'vector_index': 3, 'cycles': 503,"
        "    'latency_us': 251.75, 'output_hex': '00ff7f', 'repeat_cycles': []}],"
        "  'layers': ["
        "   {'index': 0, 'op': 'FULLY_CONNECTED', 'macs': 256, 'param_bytes': 288,"
        "    'input_shapes': '1x16,16x16,16', 'output_shapes': '1x16',"
        "    'input_dtypes': 'int8,int8,int32', 'output_dtypes': 'int8',"
        "    'cycles_median': 3, 'snr_db': null, 'snr_ref_layer': null},"
        "   {'index': 1, 'op': 'RELU', 'macs': 0, 'param_bytes': 0,"
        "    'input_shapes': '1x16', 'output_shapes': '1x16',"
        "    'input_dtypes': 'int8', 'output_dtypes': 'int8',"
        "    'cycles_median': 20, 'snr_db': null, 'snr_ref_layer': null},"
        "   {'index': 2, 'op': 'SOFTMAX', 'macs': 16, 'param_bytes': 0,"
        "    'input_shapes': null, 'output_shapes': null,"
        "    'input_dtypes': null, 'output_dtypes': null,"
        "    'cycles_median': null, 'snr_db': null, 'snr_ref_layer': null}]}]}");
    json_decref(j);

    /* The list: newest first, with counts. */
    int64_t run2 = begin_run(s, NULL);
    ck_assert_int_eq(store_runs_json(s, &j), HB_OK);
    ck_assert_uint_eq(json_array_size(j), 2);
    json_t *first = json_array_get(j, 0), *second = json_array_get(j, 1);
    ck_assert_uint_eq(json_object_size(first), 24);
    ck_assert_int_eq(jint(first, "id"), run2);
    ck_assert_str_eq(jstr(first, "status"), "running");
    jnull(first, "finished");
    ck_assert_int_eq(jint(first, "variants"), 0);
    ck_assert_int_eq(jint(first, "inferences"), 0);
    ck_assert_int_eq(jint(second, "id"), run);
    ck_assert_int_eq(jint(second, "variants"), 2);
    ck_assert_int_eq(jint(second, "inferences"), 7);
    json_decref(j);

    j = (json_t *)&j;
    ck_assert_int_eq(store_run_json(s, 999, &j), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(j);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "999"));
    store_close(s);
    free(path);
}
END_TEST

/* ---- duplicates and rollback ------------------------------------------------ */

START_TEST(test_duplicate_inference)
{
    char *path = test_db("store-dup");
    store *s = open_ok(path);
    int64_t run = begin_run(s, NULL), var = add_variant(s, run, NULL);
    const uint64_t reps[3] = {7, 8, 9}, layers[2] = {3, 4};
    const uint64_t reps2[4] = {1, 1, 1, 1}, layers2[3] = {1, 1, 1};

    add_inference(s, run, var, 0, 8, reps, 3, layers, 2);
    store_inference dup = {.vector_index = 0, .vector = "other.bin",
                           .cycles = 1, .repeats = 4, .repeat_cycles = reps2,
                           .n_layers = 3, .layer_cycles = layers2};
    ck_assert_int_eq(store_inference_add(s, run, var, &dup), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "already stored"));
    ck_assert_int_eq(rows(path, "inferences"), 1);
    ck_assert_int_eq(rows(path, "repeat_timings"), 3);
    ck_assert_int_eq(rows(path, "layer_timings"), 2);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT cycles FROM inferences"), 8);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT sum(cycles) FROM repeat_timings"), 24);
    store_close(s);
    free(path);
}
END_TEST

START_TEST(test_failed_writes_leave_nothing)
{
    char *path = test_db("store-rollback");
    store *s = open_ok(path);
    int64_t run = begin_run(s, NULL), other = begin_run(s, NULL);
    int64_t var = add_variant(s, run, NULL), id = 0;
    const uint64_t reps[2] = {5, 6}, layers[4] = {1, 2, 3, 4};
    store_inference inf = {.vector_index = 0, .vector = "v", .cycles = 5,
                           .repeats = 2, .repeat_cycles = reps,
                           .n_layers = 3, .layer_cycles = layers};
    static const char *const tables[] = {"inferences", "repeat_timings",
                                         "layer_timings", "memory"};

    /* Unknown variant, and a variant of another run: foreign keys. */
    ck_assert_int_eq(store_inference_add(s, run, 999, &inf), HB_ERR_ARG);
    ck_assert_int_eq(store_inference_add(s, other, var, &inf), HB_ERR_ARG);
    /* Fails on the 4th layer row, after the inference and repeat rows. */
    inf.n_layers = 4;
    ck_assert_int_eq(store_inference_add(s, run, var, &inf), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "no layer 3"));
    /* Fails on the last repeat, beyond what SQLite can hold. */
    const uint64_t huge[2] = {5, UINT64_MAX};
    inf.n_layers = 3;
    inf.repeat_cycles = huge;
    ck_assert_int_eq(store_inference_add(s, run, var, &inf), HB_ERR_ARG);
    store_memory mem = {1, 2, 3, 0, 0};
    ck_assert_int_eq(store_memory_set(s, run, 999, &mem), HB_ERR_ARG);
    ck_assert_int_eq(store_memory_set(s, other, var, &mem), HB_ERR_ARG);
    for (size_t i = 0; i < 4; i++)
        ck_assert_msg(rows(path, tables[i]) == 0, "%s has rows", tables[i]);

    /* A layer index given twice fails after the variant row and 2 layers. */
    store_layer twice[3] = {LAYERS[0], LAYERS[1], LAYERS[1]};
    store_variant_info v = VARIANT;
    v.layers = twice;
    ck_assert_int_eq(store_variant_add(s, run, &v, &id), HB_ERR_ARG);
    ck_assert_int_eq(id, 0);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "given twice"));
    ck_assert_int_eq(store_variant_add(s, 999, &VARIANT, &id), HB_ERR_ARG);
    ck_assert_int_eq(rows(path, "variants"), 1);
    ck_assert_int_eq(rows(path, "layers"), 3);

    ck_assert_int_eq(store_run_finish(s, 999, "ok", NULL), HB_ERR_NOT_FOUND);
    ck_assert_int_eq(store_run_finish(s, run, "done", NULL), HB_ERR_ARG);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM runs WHERE "
                               "status = 'running' AND finished IS NULL"), 2);

    /* The handle is still usable after all those rollbacks. */
    inf.repeat_cycles = reps;
    ck_assert_int_eq(store_inference_add(s, run, var, &inf), HB_OK);
    ck_assert_int_eq(rows(path, "layer_timings"), 3);
    store_close(s);
    free(path);
}
END_TEST

/* ---- argument checks, table-driven ----------------------------------------- */

static const struct {
    const char *what;
    store_run_info info;
} bad_runs[] = {
    {"no board", {NULL, "h", "v", "cycles", 1e6, 1, 0, NULL, NULL, NULL, NULL, NULL}},
    {"no host", {"b", NULL, "v", "cycles", 1e6, 1, 0, NULL, NULL, NULL, NULL, NULL}},
    {"no version", {"b", "h", NULL, "cycles", 1e6, 1, 0, NULL, NULL, NULL, NULL, NULL}},
    {"bad unit", {"b", "h", "v", "seconds", 1e6, 1, 0, NULL, NULL, NULL, NULL, NULL}},
    {"no unit", {"b", "h", "v", NULL, 1e6, 1, 0, NULL, NULL, NULL, NULL, NULL}},
    {"zero hz", {"b", "h", "v", "ns", 0, 1, 0, NULL, NULL, NULL, NULL, NULL}},
    {"zero repeat", {"b", "h", "v", "ns", 1e9, 0, 0, NULL, NULL, NULL, NULL, NULL}},
    {"negative warmup", {"b", "h", "v", "instructions", 1e6, 1, -1, NULL, NULL, NULL, NULL, NULL}},
    {"bad task", {"b", "h", "v", "ns", 1e6, 1, 0, NULL, NULL, NULL, NULL, "segmentation"}},
};

START_TEST(test_bad_run_info)
{
    char *path = test_db("store-args");
    store *s = open_ok(path);
    int64_t id = 42;

    ck_assert_msg(store_run_begin(s, &bad_runs[_i].info, &id) == HB_ERR_ARG,
                  "%s accepted", bad_runs[_i].what);
    ck_assert_int_eq(id, 0);
    ck_assert_int_eq(rows(path, "runs"), 0);
    store_close(s);
    free(path);
}
END_TEST

/* ---- versions and reopening ------------------------------------------------- */

START_TEST(test_newer_version_refused)
{
    char *path = test_db("store-version");
    store *s = open_ok(path);

    ck_assert_int_eq(hbt_sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    store_close(s);
    char newer[64], ours[32], theirs[32];
    snprintf(newer, sizeof(newer), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION + 1);
    snprintf(theirs, sizeof(theirs), "version %d", STORE_SCHEMA_VERSION + 1);
    snprintf(ours, sizeof(ours), "version %d", STORE_SCHEMA_VERSION);
    hbt_sql_int(path, newer);
    s = (store *)&s;
    ck_assert_int_eq(store_open(path, &s), HB_ERR_UNSUPPORTED);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), path));
    ck_assert_ptr_nonnull(strstr(hb_last_error(), theirs));
    ck_assert_ptr_nonnull(strstr(hb_last_error(), ours));
    ck_assert_int_eq(hbt_sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION + 1);

    /* Not a database at all. */
    const char *junk = hbt_path("%s.junk", path);
    char text[4096];
    memset(text, 'x', sizeof(text));
    ck_assert_int_eq(hbt_write_file(junk, text, sizeof(text)), 0);
    ck_assert_int_eq(store_open(junk, &s), HB_ERR_FORMAT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "not a database"));
    /* named once: SQL errors name the file, store_open adds nothing */
    const char *at = strstr(hb_last_error(), junk);
    ck_assert_ptr_nonnull(at);
    ck_assert_ptr_null(strstr(at + 1, junk));

    /* Another program's database: refused, and left as it was (its
     * journal mode included). */
    const char *other = hbt_path("%s.other", path);
    hbt_sql_int(other, "CREATE TABLE notes (text)");
    ck_assert_int_eq(store_open(other, &s), HB_ERR_FORMAT);
    ck_assert_ptr_null(s);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "not a hilbench database"));
    ck_assert_int_eq(hbt_sql_int(other, "SELECT count(*) FROM sqlite_master"), 1);
    ck_assert_int_eq(hbt_sql_int(other, "SELECT count(*) FROM pragma_journal_mode "
                                        "WHERE journal_mode = 'wal'"), 0);
    free(path);
}
END_TEST

START_TEST(test_reopen_keeps_data)
{
    char *path = test_db("store-reopen");
    store *s = open_ok(path);
    int64_t run = begin_run(s, NULL), var = add_variant(s, run, NULL);
    const uint64_t layers[3] = {1, 2, 3};
    json_t *before = NULL, *after = NULL;

    add_inference(s, run, var, 0, 77, NULL, 0, layers, 3);
    ck_assert_int_eq(store_run_finish(s, run, "interrupted", "SIGINT"), HB_OK);
    ck_assert_int_eq(store_run_json(s, run, &before), HB_OK);
    store_close(s);

    s = open_ok(path);
    ck_assert_int_eq(hbt_sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    ck_assert_int_eq(store_run_json(s, run, &after), HB_OK);
    ck_assert(json_equal(before, after));
    ck_assert_str_eq(jstr(jget(after, "run"), "error"), "SIGINT");
    ck_assert_int_gt(begin_run(s, NULL), run);
    json_decref(before);
    json_decref(after);
    store_close(s);

    /* journal_mode is a property of the file and stays WAL. */
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_int_eq(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL),
                     SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    ck_assert_str_eq((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(path);
}
END_TEST

/* ---- run references --------------------------------------------------------- */

START_TEST(test_run_find)
{
    char *path = test_db("store-find");
    store *s = open_ok(path);
    int64_t r1 = begin_run(s, NULL), r2 = begin_run(s, NULL), r3 = begin_run(s, NULL);
    int64_t id = 0;
    json_t *j = NULL;

    /* The uuid is a lowercase RFC 4122 version 4 one. */
    ck_assert_int_eq(store_run_json(s, r1, &j), HB_OK);
    const char *u = jstr(jget(j, "run"), "uuid");
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23)
            ck_assert_int_eq(u[i], '-');
        else
            ck_assert_msg(strchr("0123456789abcdef", u[i]), "uuid %s", u);
    }
    ck_assert_int_eq(u[14], '4');
    ck_assert_ptr_nonnull(strchr("89ab", u[19]));
    char full[37], upper[9];
    snprintf(full, sizeof(full), "%s", u);
    for (int i = 0; i < 8; i++)
        upper[i] = (char)(full[i] >= 'a' ? full[i] - 32 : full[i]);
    upper[8] = '\0';
    json_decref(j);
    ck_assert_int_eq(store_run_find(s, full, &id), HB_OK);
    ck_assert_int_eq(id, r1);
    ck_assert_int_eq(store_run_find(s, upper, &id), HB_OK);
    ck_assert_int_eq(id, r1);

    /* Known uuids for the prefix cases. */
    hbt_sql_int(path, hbt_path("UPDATE runs SET uuid = 'abcd1111-0000-4000-8000-"
                            "000000000000' WHERE id = %lld", (long long)r2));
    hbt_sql_int(path, hbt_path("UPDATE runs SET uuid = 'abcd2222-0000-4000-8000-"
                            "000000000000' WHERE id = %lld", (long long)r3));
    ck_assert_int_eq(store_run_find(s, "abcd1", &id), HB_OK);
    ck_assert_int_eq(id, r2);
    ck_assert_int_eq(store_run_find(s, "ABCD2222-0000", &id), HB_OK);
    ck_assert_int_eq(id, r3);
    ck_assert_int_eq(store_run_find(s, hbt_path("%lld", (long long)r2), &id), HB_OK);
    ck_assert_int_eq(id, r2);

    id = 5;
    ck_assert_int_eq(store_run_find(s, "abcd", &id), HB_ERR_ARG);
    ck_assert_int_eq(id, 0);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "abcd"));
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "ambiguous"));
    ck_assert_int_eq(store_run_find(s, "999", &id), HB_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "999"));
    ck_assert_int_eq(store_run_find(s, "abcd3", &id), HB_ERR_NOT_FOUND);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "abcd3"));
    ck_assert_int_eq(store_run_find(s, "99999999999999999999999", &id),
                     HB_ERR_NOT_FOUND);
    static const char *const malformed[] = {"", "abc", "ab-c", "----", "xyzw",
        "abcd*", "1; DROP TABLE runs", "ab%d", "abcd'"};
    for (size_t i = 0; i < sizeof(malformed) / sizeof(*malformed); i++)
        ck_assert_msg(store_run_find(s, malformed[i], &id) == HB_ERR_ARG,
                      "'%s' accepted", malformed[i]);
    ck_assert_int_eq(rows(path, "runs"), 3);
    store_close(s);
    free(path);
}
END_TEST

/* ---- concurrent writers ----------------------------------------------------- */

enum { WRITERS = 4, RUNS_EACH = 15, VECTORS = 3 };

/* One writer's whole job, on its own handle; returns 0 or prints why not. */
static int write_runs(const char *path, int writer)
{
    store *s = NULL;
    const uint64_t reps[3] = {10, 11, 12}, layers[3] = {1, 2, 3};
    hb_status rc = store_open(path, &s);

    for (int r = 0; rc == HB_OK && r < RUNS_EACH; r++) {
        int64_t run = 0, var = 0;
        store_memory mem = {100, 50, 25, 0, 0};
        if ((rc = store_run_begin(s, &RUN_INFO, &run)) != HB_OK ||
            (rc = store_variant_add(s, run, &VARIANT, &var)) != HB_OK)
            break;
        for (int v = 0; rc == HB_OK && v < VECTORS; v++) {
            store_inference inf = {.vector_index = v, .vector = "v",
                .cycles = (uint64_t)(writer * 1000 + r), .repeats = 3,
                .repeat_cycles = reps, .n_layers = 3, .layer_cycles = layers};
            rc = store_inference_add(s, run, var, &inf);
        }
        if (rc == HB_OK && (rc = store_memory_set(s, run, var, &mem)) == HB_OK)
            rc = store_run_finish(s, run, "ok", NULL);
    }
    if (rc != HB_OK)
        fprintf(stderr, "writer %d: %s\n", writer, hb_last_error());
    store_close(s);
    return rc == HB_OK ? 0 : 1;
}

static void check_all_landed(const char *path)
{
    const long long runs = WRITERS * RUNS_EACH, infs = runs * VECTORS;
    ck_assert_int_eq(rows(path, "runs"), runs);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(DISTINCT uuid) FROM runs"), runs);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM runs WHERE status = 'ok'"),
                     runs);
    ck_assert_int_eq(rows(path, "variants"), runs);
    ck_assert_int_eq(rows(path, "layers"), runs * 3);
    ck_assert_int_eq(rows(path, "inferences"), infs);
    ck_assert_int_eq(rows(path, "repeat_timings"), infs * 3);
    ck_assert_int_eq(rows(path, "layer_timings"), infs * 3);
    ck_assert_int_eq(rows(path, "memory"), runs);
}

START_TEST(test_concurrent_processes)
{
    char *path = test_db("store-procs");
    pid_t pids[WRITERS];

    /* All children race to create and migrate the same new file. */
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        ck_assert_int_ge(pids[w], 0);
        if (pids[w] == 0)
            _exit(write_runs(path, w));
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        ck_assert_int_eq(waitpid(pids[w], &status, 0), pids[w]);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                      "writer %d failed", w);
    }
    check_all_landed(path);
    free(path);
}
END_TEST

typedef struct {
    const char *path;
    int writer, result;
} writer_job;

static void *writer_thread(void *arg)
{
    writer_job *job = arg;
    job->result = write_runs(job->path, job->writer);
    return NULL;
}

START_TEST(test_concurrent_threads)
{
    char *path = test_db("store-threads");
    pthread_t th[WRITERS];
    writer_job jobs[WRITERS];

    for (int w = 0; w < WRITERS; w++) {
        jobs[w] = (writer_job){path, w, -1};
        ck_assert_int_eq(pthread_create(&th[w], NULL, writer_thread, &jobs[w]), 0);
    }
    for (int w = 0; w < WRITERS; w++) {
        ck_assert_int_eq(pthread_join(th[w], NULL), 0);
        ck_assert_msg(jobs[w].result == 0, "writer %d failed", w);
    }
    check_all_landed(path);
    free(path);
}
END_TEST

/* ---- hostile strings -------------------------------------------------------- */

START_TEST(test_hostile_strings)
{
    static const char *const evil[] = {
        "it's \"quoted\"",
        "x'); DROP TABLE runs; --",
        "\"; DROP TABLE variants; --",
        "Gr\xc3\xbc\xc3\x9f" "e \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x9a\x80",
        "back\\slash\ttab\nnewline %s %n",
        "?1 :name @x $y",
    };
    char *path = test_db("store-evil");
    store *s = open_ok(path);

    for (size_t i = 0; i < sizeof(evil) / sizeof(*evil); i++) {
        const char *e = evil[i];
        store_run_info info = RUN_INFO;
        info.board = info.host = info.version = info.command = e;
        store_layer layer = {0, e, e, e, e, e, 1, 1};
        store_variant_info v = {e, e, e, 1, &layer, 1};
        store_inference inf = {.vector_index = 0, .vector = e, .cycles = 1};
        int64_t run = begin_run(s, &info), var = add_variant(s, run, &v);
        json_t *j = NULL;

        ck_assert_int_eq(store_inference_add(s, run, var, &inf), HB_OK);
        ck_assert_int_eq(store_run_finish(s, run, "failed", e), HB_OK);
        ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
        json_t *r = jget(j, "run"), *vj = json_array_get(jget(j, "variants"), 0);
        json_t *lj = json_array_get(jget(vj, "layers"), 0);
        static const char *const run_keys[] = {"board", "host",
            "hilbench_version", "command", "error"};
        for (size_t k = 0; k < 5; k++)
            ck_assert_str_eq(jstr(r, run_keys[k]), e);
        ck_assert_str_eq(jstr(vj, "model_file"), e);
        ck_assert_str_eq(jstr(vj, "model_sha256"), e);
        ck_assert_str_eq(jstr(vj, "recipe"), e);
        ck_assert_str_eq(jstr(lj, "op"), e);
        ck_assert_str_eq(jstr(lj, "output_dtypes"), e);
        ck_assert_str_eq(jstr(json_array_get(jget(vj, "inferences"), 0), "vector"), e);
        json_decref(j);
    }
    ck_assert_int_eq(rows(path, "runs"), 6);
    ck_assert_int_eq(rows(path, "variants"), 6);

    /* Bytes that are not UTF-8 are stored as given and shown as U+FFFD. */
    store_run_info info = RUN_INFO;
    info.board = "a\xff" "b\xc3";
    int64_t run = begin_run(s, &info);
    json_t *j = NULL;
    ck_assert_int_eq(hbt_sql_int(path, hbt_path("SELECT length(CAST(board AS BLOB))"
                               " FROM runs WHERE id = %lld", (long long)run)), 4);
    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    ck_assert_str_eq(jstr(jget(j, "run"), "board"),
                     "a\xef\xbf\xbd" "b\xef\xbf\xbd");
    char *text = json_dumps(j, 0);
    ck_assert_ptr_nonnull(text);
    free(text);
    json_decref(j);
    store_close(s);
    free(path);
}
END_TEST

static Suite *store_suite(void)
{
    Suite *su = suite_create("store");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_duplicate_inference);
    tcase_add_test(tc, test_failed_writes_leave_nothing);
    tcase_add_loop_test(tc, test_bad_run_info, 0,
                        (int)(sizeof(bad_runs) / sizeof(bad_runs[0])));
    tcase_add_test(tc, test_newer_version_refused);
    tcase_add_test(tc, test_reopen_keeps_data);
    tcase_add_test(tc, test_run_find);
    tcase_add_test(tc, test_hostile_strings);
    suite_add_tcase(su, tc);

    TCase *conc = tcase_create("concurrency");
    tcase_add_test(conc, test_concurrent_processes);
    tcase_add_test(conc, test_concurrent_threads);
    suite_add_tcase(su, conc);
    return su;
}

HBT_MAIN(store_suite)
