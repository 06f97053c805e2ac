/*
 * suite.h: benchmark suites, INI files that name a model, its dataset and
 * the variants to sweep (docs/suites.md).
 *
 * Namespace: suite_.
 *
 *   [suite]        name, description, model, task, reference,
 *                  variant (repeatable, in order), repeat, warmup
 *   [dataset]      path, element, scale, offset, random, seed
 *   [calibration]  path
 *
 * Paths are relative to the suite file's folder. Two variables:
 *   ${build}            the build (or installation) folder hilbench runs
 *                       from, where the project's models are made
 *                       (${build}/models/...)
 *   ${reference}/NAME   NAME searched in $HILBENCH_MODELS, then
 *                       models/reference/ next to the suite (where
 *                       benchmarks/fetch-models.sh puts the reference
 *                       models), then ../../shared/models from the suite's
 *                       folder; the first that exists wins
 * The path of a file: recipe (variant, reference) is resolved the same
 * way when the suite is read.
 * A dataset path that does not exist is replaced by `random` vectors when
 * the suite gives a count (dataset_missing says so); otherwise it is an
 * error naming the places searched.
 *
 * Errors name "path:line" and the key. Ownership: suite_load() returns a
 * suite freed with suite_free() (which accepts NULL); *out is NULL on
 * failure.
 */
#ifndef SUITE_H
#define SUITE_H

#include <stdint.h>

#include "../util/hb_error.h"
#include "dataset.h"

typedef struct {
    char *path;              /* the suite file as given */
    char *dir;               /* its folder: relative paths start here */
    char *name;              /* [suite] name, or the file's base name */
    char *description;       /* may be NULL */
    char *model;             /* resolved path */
    dataset_task task;       /* NONE when not given */
    char *reference;         /* recipe, or NULL */
    char **variants;         /* recipes, in order */
    int n_variants;
    int repeat, warmup;      /* -1 when not given */
    char *dataset;           /* resolved folder, or NULL: random vectors */
    char *dataset_missing;   /* the dataset that was not found, or NULL */
    int has_element;         /* element below was given */
    dataset_element element;
    int random_n;            /* 0 when not given */
    int has_seed;
    uint32_t seed;
    char *calib;             /* resolved folder, or NULL */
} suite;

/* build_dir is ${build}; may be NULL (then ${build} is an error). */
hb_status suite_load(const char *path, const char *build_dir, suite **out);
void suite_free(suite *s);

/* Resolves one suite value against dir (see above): *out is malloc'ed.
 * HB_ERR_NOT_FOUND for a ${reference} name found nowhere (the message
 * lists the places), HB_ERR_FORMAT for an unknown variable. */
hb_status suite_resolve(const char *value, const char *dir, const char *build_dir, char **out);

#endif
