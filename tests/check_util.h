/*
 * check_util.h: shared helpers of the Check test programs.
 *
 * Namespace: hbt_.
 *
 * Each tests/check_<module>.c defines <module>_suite() and ends with
 * HBT_MAIN(<module>_suite) (or HBT_MAIN_SHARED for tests that read
 * ../shared and skip, exit status 77, when it is absent). Runs in fork mode
 * and writes Check's XML log next to the test binary.
 */
#ifndef CHECK_UTIL_H
#define CHECK_UTIL_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The shared models and goldens: $HILBENCH_SHARED, else the folder CMake
 * found (HB_SHARED_DIR); NULL if it is not there. */
const char *hbt_shared_dir(void);
/* Project-made models folder (HB_MODELS_DIR). */
const char *hbt_models_dir(void);
/* Path of the hilbench binary (HB_HILBENCH). */
const char *hbt_hilbench(void);
/* A new empty folder for this test; the path is static storage. */
const char *hbt_tmpdir(const char *tag);
/* snprintf into a static rotating buffer; handy for paths. */
const char *hbt_path(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Reads a whole file; returns a malloc'ed buffer (caller frees) or NULL. */
uint8_t *hbt_read_file(const char *path, size_t *len);
int hbt_write_file(const char *path, const void *data, size_t len);

/* Runs argv[0] (no shell) with stdout and stderr captured into *out
 * (malloc'ed, NUL-terminated; caller frees; may be NULL). Returns the exit
 * status, or -1 if it did not exit normally. */
int hbt_run(char *const argv[], char **out);

/* Runs hilbench (hbt_hilbench()) with the NULL-terminated args; returns
 * its exit status, its output (stdout and stderr, malloc'ed) in *out. */
int hbt_hb(char **out, const char *const *args);
/* `hilbench show RUN --db DB --json`, parsed; fails the test otherwise. */
json_t *hbt_show_json(const char *db, const char *run);
/* The first variant of a show document; the score metric of a variant
 * (fails the test if it has none). */
json_t *hbt_variant0(json_t *doc);
double hbt_score_of(json_t *variant, const char *metric);
/* Every variant of show document got has the scores of want's variant of
 * the same recipe, each within 1e-9 (relative): a resumed run against an
 * uninterrupted one. */
void hbt_assert_same_scores(json_t *want, json_t *got);
/* The first column of the first row of sql on the database at path (-1 if
 * no row); a TEXT value counts 1 if it is "ok" (PRAGMA integrity_check),
 * else 0. Fails the test on an SQL error. */
long long hbt_sql_int(const char *path, const char *sql);

/* A board profile NAME.ini in dir: "[board]", "name = NAME", then body.
 * Returns its path (hbt_path storage). */
const char *hbt_profile(const char *dir, const char *name, const char *body);
/* The simulated MLPerf Tiny firmware (HB_MLPERF_SIM; fails the test
 * without it), and a profile NAME.ini in dir that runs it with args over
 * stdio, allowing timeout_ms for every answer and inference. */
const char *hbt_mlperf_sim(void);
const char *hbt_mlperf_profile(const char *dir, const char *name, const char *args,
                               int timeout_ms);
/* Runs hilbench with args, its stderr on a pipe and stdout on /dev/null,
 * and sends it SIGKILL once `lines` lines came on its stderr (0: never).
 * The lines read are appended to *text (malloc'ed; text may be NULL).
 * Returns how many lines it read. Fails the test unless hilbench died of
 * the kill or exited (with status 0, when it was not killed). Board
 * processes it leaves are the caller's to reap. */
int hbt_hb_kill_at(const char *const *args, int lines, char **text);

/* Writes a float .tflite autoencoder of 4 values that halves its input:
 * its reconstruction error is a quarter of the input's mean square, so
 * loud inputs are the anomalies. */
void hbt_write_halver(const char *path);

/* Flips 1 to 3 random bits (xorshift from seed) of a copy of the blob,
 * trials times; each copy that nn_model_open accepts must then run in
 * bounds (its arena filled with a pattern; arenas above 1 MiB, a flipped
 * size, are skipped). Returns how many copies opened. */
int hbt_flip_and_run(const uint8_t *blob, size_t len, uint32_t seed, int trials);

int hbt_main(Suite *(*suite)(void), const char *name, int needs_shared);

#define HBT_MAIN(fn) \
    int main(void) { return hbt_main(fn, #fn, 0); }
#define HBT_MAIN_SHARED(fn) \
    int main(void) { return hbt_main(fn, #fn, 1); }

#endif
