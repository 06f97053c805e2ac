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

/* ../shared (HB_SHARED_DIR), or NULL if it is not there. */
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
/* The first column of the first row of sql on the database at path (-1 if
 * no row); a TEXT value counts 1 if it is "ok" (PRAGMA integrity_check),
 * else 0. Fails the test on an SQL error. */
long long hbt_sql_int(const char *path, const char *sql);

int hbt_main(Suite *(*suite)(void), const char *name, int needs_shared);

#define HBT_MAIN(fn) \
    int main(void) { return hbt_main(fn, #fn, 0); }
#define HBT_MAIN_SHARED(fn) \
    int main(void) { return hbt_main(fn, #fn, 1); }

#endif
