/*
 * check_store_scores.c: schema version 2 of the results database
 * (host/store): a variant's scores and per-layer SNR, the run's reference,
 * dataset, suite and task, their JSON, and the migration of a version 1
 * file made by hand.
 */
#include "check_util.h"

#include <jansson.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"

static const store_layer LAYERS[2] = {
    {0, "FULLY_CONNECTED", "1x4,4x4,4", "1x4", "float32,float32,float32", "float32", 16, 80},
    {1, "SOFTMAX", "1x4", "1x4", "float32", "float32", 0, 0},
};

static store *open_ok(const char *path)
{
    store *s = NULL;
    ck_assert_msg(store_open(path, &s) == HB_OK, "store_open: %s", hb_last_error());
    return s;
}

static int64_t new_run(store *s, const char *reference)
{
    store_run_info ri = {.board = "native", .host = "h", .version = "0.1.0",
                         .timing_unit = "ns", .counter_hz = 1e9, .repeat = 1, .warmup = 0,
                         .reference = reference, .dataset = "data/sine", .suite = "s.ini",
                         .task = "regression"};
    int64_t id = 0;
    ck_assert_msg(store_run_begin(s, &ri, &id) == HB_OK, "%s", hb_last_error());
    return id;
}

static int64_t new_variant(store *s, int64_t run, const char *recipe)
{
    store_variant_info v = {"m.tflite", "ab", recipe, 100, LAYERS, 2};
    int64_t id = 0;
    ck_assert_msg(store_variant_add(s, run, &v, &id) == HB_OK, "%s", hb_last_error());
    return id;
}

START_TEST(test_scores_round_trip)
{
    const char *path = hbt_path("%s/s.db", hbt_tmpdir("scores-rt"));
    store *s = open_ok(path);
    int64_t run = new_run(s, "float");
    int64_t f = new_variant(s, run, "float"), q = new_variant(s, run, "int8");
    const store_score sc[3] = {{"mae", 0.0125}, {"snr_db", 38.5}, {"cosine", 0.9999}};
    const store_layer_score ls[2] = {{0, 0, 41.25}, {1, -1, 0.0}};
    json_t *j = NULL;

    ck_assert_msg(store_scores_add(s, run, q, sc, 3, ls, 2) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    json_t *r = json_object_get(j, "run");
    ck_assert_str_eq(json_string_value(json_object_get(r, "reference")), "float");
    ck_assert_int_eq(json_integer_value(json_object_get(r, "reference_variant_id")), f);
    ck_assert_str_eq(json_string_value(json_object_get(r, "dataset")), "data/sine");
    ck_assert_str_eq(json_string_value(json_object_get(r, "suite")), "s.ini");
    ck_assert_str_eq(json_string_value(json_object_get(r, "task")), "regression");
    json_t *vf = json_array_get(json_object_get(j, "variants"), 0);
    json_t *vq = json_array_get(json_object_get(j, "variants"), 1);
    ck_assert_int_eq(json_object_size(json_object_get(vf, "scores")), 0);
    json_t *scores = json_object_get(vq, "scores");
    ck_assert_int_eq(json_object_size(scores), 3);
    ck_assert_double_eq(json_real_value(json_object_get(scores, "mae")), 0.0125);
    ck_assert_double_eq(json_real_value(json_object_get(scores, "snr_db")), 38.5);
    json_t *l0 = json_array_get(json_object_get(vq, "layers"), 0);
    json_t *l1 = json_array_get(json_object_get(vq, "layers"), 1);
    ck_assert_double_eq(json_real_value(json_object_get(l0, "snr_db")), 41.25);
    ck_assert_int_eq(json_integer_value(json_object_get(l0, "snr_ref_layer")), 0);
    /* No matching reference layer: null, and the key is there to say so. */
    ck_assert(json_is_null(json_object_get(l1, "snr_db")));
    ck_assert(json_is_null(json_object_get(l1, "snr_ref_layer")));
    json_decref(j);

    /* runs --json carries the new run columns too. */
    ck_assert_int_eq(store_runs_json(s, &j), HB_OK);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0), "task")),
                     "regression");
    json_decref(j);
    store_close(s);
}
END_TEST

START_TEST(test_scores_refused)
{
    const char *path = hbt_path("%s/s.db", hbt_tmpdir("scores-bad"));
    store *s = open_ok(path);
    int64_t run = new_run(s, NULL), other = new_run(s, NULL);
    int64_t v = new_variant(s, run, "float");
    const store_score twice[2] = {{"mae", 1.0}, {"mae", 2.0}};
    const store_score inf[1] = {{"snr_db", INFINITY}};
    const store_score unnamed[1] = {{"", 1.0}};
    const store_score ok[1] = {{"rmse", 0.5}};
    const store_layer_score no_layer[1] = {{5, 0, 10.0}};
    const store_layer_score nan_snr[1] = {{0, 0, NAN}};
    const store_layer_score layer_twice[2] = {{0, -1, 0}, {0, -1, 0}};

    ck_assert_int_eq(store_scores_add(s, run, v, twice, 2, NULL, 0), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "mae"));
    ck_assert_int_eq(store_scores_add(s, run, v, inf, 1, NULL, 0), HB_ERR_ARG);
    ck_assert_int_eq(store_scores_add(s, run, v, unnamed, 1, NULL, 0), HB_ERR_ARG);
    ck_assert_int_eq(store_scores_add(s, run, v, ok, 1, no_layer, 1), HB_ERR_ARG);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "layer 5"));
    ck_assert_int_eq(store_scores_add(s, run, v, ok, 1, nan_snr, 1), HB_ERR_ARG);
    ck_assert_int_eq(store_scores_add(s, run, v, ok, 1, layer_twice, 2), HB_ERR_ARG);
    ck_assert_int_eq(store_scores_add(s, other, v, ok, 1, NULL, 0), HB_ERR_ARG);
    ck_assert_int_eq(store_scores_add(s, run, v, NULL, 1, NULL, 0), HB_ERR_ARG);
    /* Each call was one transaction: none left a row behind. */
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM scores"), 0);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM layer_scores"), 0);
    ck_assert_int_eq(store_scores_add(s, run, v, ok, 1, NULL, 0), HB_OK);
    ck_assert_int_eq(store_scores_add(s, run, v, ok, 1, NULL, 0), HB_ERR_ARG); /* again */
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM scores"), 1);
    store_close(s);
}
END_TEST

/* Schema version 5: the firmware image's hash, in `show --json` and
 * `runs --json`; only a lower-case hex SHA-256 (or null) is stored. */
START_TEST(test_firmware_sha256)
{
    const char *path = hbt_path("%s/s.db", hbt_tmpdir("scores-fw"));
    static const char hash[] =
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
    store *s = open_ok(path);
    int64_t run = new_run(s, "float");
    json_t *j = NULL;

    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    ck_assert(json_is_null(json_object_get(json_object_get(j, "run"), "firmware_sha256")));
    json_decref(j);
    ck_assert_msg(store_run_set_firmware(s, run, hash) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"),
                                                       "firmware_sha256")), hash);
    json_decref(j);
    ck_assert_int_eq(store_runs_json(s, &j), HB_OK);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(j, 0),
                                                       "firmware_sha256")), hash);
    json_decref(j);
    /* Upper case, short, not hex, unknown run: refused, nothing changes. */
    ck_assert_int_eq(store_run_set_firmware(s, run, "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B"
                                                    "2B0B822CD15D6C15B0F00A08"), HB_ERR_ARG);
    ck_assert_int_eq(store_run_set_firmware(s, run, "abc"), HB_ERR_ARG);
    ck_assert_int_eq(store_run_set_firmware(s, run, "z9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"
                                                    "2b0b822cd15d6c15b0f00a0"), HB_ERR_ARG);
    ck_assert_int_eq(store_run_set_firmware(s, run + 100, hash), HB_ERR_NOT_FOUND);
    ck_assert_int_eq(store_run_set_firmware(NULL, run, hash), HB_ERR_ARG);
    ck_assert_int_eq(store_run_json(s, run, &j), HB_OK);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"),
                                                       "firmware_sha256")), hash);
    json_decref(j);
    store_close(s);
}
END_TEST

/* The version 1 schema as hilbench 0.1 created it. */
static const char schema_v1[] =
    "CREATE TABLE runs (id INTEGER PRIMARY KEY, uuid TEXT NOT NULL UNIQUE,"
    " started TEXT NOT NULL, finished TEXT, board TEXT NOT NULL, host TEXT NOT NULL,"
    " hilbench_version TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'running'"
    "  CHECK (status IN ('running', 'ok', 'failed', 'interrupted')),"
    " error TEXT, timing_unit TEXT NOT NULL, counter_hz REAL NOT NULL,"
    " repeat INTEGER NOT NULL, warmup INTEGER NOT NULL, command TEXT);"
    "CREATE INDEX runs_started ON runs(started);"
    "CREATE TABLE variants (id INTEGER PRIMARY KEY,"
    " run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
    " model_file TEXT NOT NULL, model_sha256 TEXT NOT NULL, recipe TEXT NOT NULL,"
    " blob_bytes INTEGER NOT NULL, UNIQUE (run_id, id));"
    "CREATE TABLE layers (variant_id INTEGER NOT NULL REFERENCES variants(id)"
    " ON DELETE CASCADE, idx INTEGER NOT NULL CHECK (idx >= 0), op TEXT NOT NULL,"
    " input_shapes TEXT, output_shapes TEXT, input_dtypes TEXT, output_dtypes TEXT,"
    " macs INTEGER NOT NULL, param_bytes INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, idx)) WITHOUT ROWID;"
    "CREATE TABLE inferences (run_id INTEGER NOT NULL, variant_id INTEGER NOT NULL,"
    " vector_index INTEGER NOT NULL CHECK (vector_index >= 0), vector TEXT NOT NULL,"
    " cycles INTEGER NOT NULL, latency_us REAL NOT NULL, output BLOB NOT NULL,"
    " repeats INTEGER NOT NULL, PRIMARY KEY (variant_id, vector_index),"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX inferences_run ON inferences(run_id);"
    "CREATE TABLE repeat_timings (variant_id INTEGER NOT NULL,"
    " vector_index INTEGER NOT NULL, repeat INTEGER NOT NULL, cycles INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, vector_index, repeat),"
    " FOREIGN KEY (variant_id, vector_index)"
    "  REFERENCES inferences(variant_id, vector_index) ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE TABLE layer_timings (run_id INTEGER NOT NULL, variant_id INTEGER NOT NULL,"
    " vector_index INTEGER NOT NULL, layer INTEGER NOT NULL, cycles INTEGER NOT NULL,"
    " PRIMARY KEY (variant_id, vector_index, layer),"
    " FOREIGN KEY (variant_id, vector_index)"
    "  REFERENCES inferences(variant_id, vector_index) ON DELETE CASCADE,"
    " FOREIGN KEY (variant_id, layer) REFERENCES layers(variant_id, idx) ON DELETE CASCADE,"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE) WITHOUT ROWID;"
    "CREATE INDEX layer_timings_layer ON layer_timings(variant_id, layer, cycles);"
    "CREATE TABLE memory (run_id INTEGER NOT NULL, variant_id INTEGER PRIMARY KEY,"
    " arena_bytes INTEGER NOT NULL, stack_bytes INTEGER NOT NULL,"
    " model_bytes INTEGER NOT NULL, firmware_flash_bytes INTEGER,"
    " firmware_ram_bytes INTEGER,"
    " FOREIGN KEY (run_id, variant_id) REFERENCES variants(run_id, id)"
    "  ON DELETE CASCADE);"
    "CREATE INDEX memory_run ON memory(run_id);"
    /* One finished run with a variant, a layer and a vector. */
    "INSERT INTO runs VALUES (1, '1b4e28ba-2fa1-4d2e-883f-0016d3cca427',"
    " '2024-05-01T12:34:56.789Z', '2024-05-01T12:35:10.002Z', 'native', 'bench-1',"
    " '0.1.0', 'ok', NULL, 'ns', 1e9, 3, 1, 'hilbench run');"
    "INSERT INTO variants VALUES (1, 1, 'sine.tflite', 'ab', 'float', 2000);"
    "INSERT INTO layers VALUES (1, 0, 'FULLY_CONNECTED', '1x1,16x1,16', '1x16',"
    " 'float32,float32,float32', 'float32', 16, 128);"
    "INSERT INTO inferences VALUES (1, 1, 0, 'x_000.bin', 500, 0.5, x'0a0b', 1);"
    "INSERT INTO repeat_timings VALUES (1, 0, 0, 500);"
    "INSERT INTO layer_timings VALUES (1, 1, 0, 0, 200);"
    "INSERT INTO memory VALUES (1, 1, 128, 512, 2000, NULL, NULL);"
    "PRAGMA user_version = 1;";

START_TEST(test_migrate_v1)
{
    const char *path = hbt_path("%s/v1.db", hbt_tmpdir("scores-v1"));
    sqlite3 *db = NULL;
    json_t *j = NULL;

    ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
    ck_assert_msg(sqlite3_exec(db, schema_v1, NULL, NULL, NULL) == SQLITE_OK, "%s",
                  sqlite3_errmsg(db));
    sqlite3_close(db);
    ck_assert_int_eq(hbt_sql_int(path, "PRAGMA user_version"), 1);

    store *s = open_ok(path);
    ck_assert_int_eq(hbt_sql_int(path, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    ck_assert_int_eq(STORE_SCHEMA_VERSION, 5);
    /* The old run reads as before, with the new fields empty. */
    ck_assert_int_eq(store_run_json(s, 1, &j), HB_OK);
    json_t *r = json_object_get(j, "run");
    ck_assert_int_eq(json_integer_value(json_object_get(j, "json_version")), 1);
    ck_assert_str_eq(json_string_value(json_object_get(r, "uuid")),
                     "1b4e28ba-2fa1-4d2e-883f-0016d3cca427");
    ck_assert(json_is_null(json_object_get(r, "reference")));
    ck_assert(json_is_null(json_object_get(r, "reference_variant_id")));
    ck_assert(json_is_null(json_object_get(r, "dataset")));
    ck_assert(json_is_null(json_object_get(r, "task")));
    ck_assert(json_is_null(json_object_get(r, "firmware_sha256")));
    json_t *v = json_array_get(json_object_get(j, "variants"), 0);
    ck_assert_int_eq(json_object_size(json_object_get(v, "scores")), 0);
    json_t *l = json_array_get(json_object_get(v, "layers"), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(l, "cycles_median")), 200);
    ck_assert(json_is_null(json_object_get(l, "snr_db")));
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(
                         json_object_get(v, "inferences"), 0), "output_hex")), "0a0b");
    json_decref(j);
    /* Scores can be added to the old variant; new runs get the new columns. */
    const store_score sc[1] = {{"mae", 0.01}};
    const store_layer_score ls[1] = {{0, 0, 200.0}};
    ck_assert_msg(store_scores_add(s, 1, 1, sc, 1, ls, 1) == HB_OK, "%s", hb_last_error());
    int64_t run = new_run(s, "float");
    ck_assert_int_eq(run, 2);
    store_close(s);

    /* Opening again migrates nothing and keeps everything. */
    s = open_ok(path);
    ck_assert_int_eq(store_run_json(s, 2, &j), HB_OK);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(j, "run"), "reference")),
                     "float");
    json_decref(j);
    store_close(s);
    ck_assert_int_eq(hbt_sql_int(path, "SELECT count(*) FROM scores"), 1);
}
END_TEST

static Suite *store_scores_suite(void)
{
    Suite *s = suite_create("store_scores");
    TCase *tc = tcase_create("scores");
    tcase_add_test(tc, test_scores_round_trip);
    tcase_add_test(tc, test_scores_refused);
    tcase_add_test(tc, test_migrate_v1);
    tcase_add_test(tc, test_firmware_sha256);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(store_scores_suite)
