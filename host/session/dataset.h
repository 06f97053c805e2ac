/*
 * dataset.h: the vectors a run streams, with their labels (docs/suites.md).
 *
 * Namespace: dataset_ / DATASET_.
 *
 * A dataset folder has the MLPerf Tiny layout: raw little-endian files and
 * y_labels.csv, one row per file:
 *     file,classes,label                  (classification, regression)
 *     file,classes,label,window,stride    (anomaly: a sliding window)
 * window and stride are in bytes of the file: the file is cut into windows
 * at 0, stride, 2 stride, ... that fit, and each window is one vector. With
 * no y_labels.csv every *.bin file is one unlabelled vector, in name order.
 *
 * Values are kept as the raw file bytes. What they mean is the element
 * mapping: x = raw * scale + offset gives the float value of the source
 * model's input (all inputs concatenated, in input order); each variant
 * then quantises x with its own input parameters (session). Without a
 * declared element type the first vector decides: a file of 4 bytes per
 * input element is float32; a file of exactly the source model's input
 * bytes holds its native values (x = scale (q - zero_point) for a quantised
 * input).
 *
 * Ownership: a dataset owns all it points to (dataset_free, which accepts a
 * zeroed or partly filled one). Out-parameters are zeroed on failure.
 */
#ifndef DATASET_H
#define DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "../model/graph.h"

typedef enum {
    DATASET_TASK_NONE = 0, /* unlabelled: fidelity scores only */
    DATASET_TASK_CLASSIFICATION,
    DATASET_TASK_ANOMALY,
    DATASET_TASK_REGRESSION
} dataset_task;

/* "classification", "anomaly", "regression"; NULL for NONE. */
const char *dataset_task_name(dataset_task t);
/* HB_ERR_ARG naming the word and the choices. */
hb_status dataset_task_parse(const char *text, dataset_task *out);

/* How raw file values map to the source model's input. */
typedef struct {
    int dtype;        /* NN_DT_FLOAT32, NN_DT_INT8, NN_DT_UINT8 or NN_DT_INT16 */
    double scale;     /* x = raw * scale + offset */
    double offset;
} dataset_element;

/* "float32", "int8", "uint8", "int16" to an nn_dtype; HB_ERR_ARG otherwise. */
hb_status dataset_element_parse(const char *text, int *dtype);

/* One row of y_labels.csv. */
typedef struct {
    char *file;       /* relative to the folder; never absolute, never "..". */
    int classes;      /* >= 1 */
    double label;     /* class number, 0/1 for anomaly, or a value */
    long window;      /* bytes, 0 if the row has no window columns */
    long stride;      /* bytes, > 0 when window > 0 */
    int line;         /* 1-based line in the file */
} dataset_label;

/* Parses a y_labels.csv. Blank lines and lines starting with '#' are
 * skipped; fields may be padded with blanks. Errors name "path:line" and
 * the field (HB_ERR_FORMAT), or the file (HB_ERR_NOT_FOUND, HB_ERR_FAIL). */
hb_status dataset_labels_read(const char *path, dataset_label **rows, int *n);
void dataset_labels_free(dataset_label *rows, int n);

typedef struct {
    char *name;       /* file name (as in y_labels.csv) or "random-<k>" */
    uint8_t *raw;     /* the file's bytes */
    size_t raw_bytes;
    int n_windows;    /* >= 1 */
    size_t stride;    /* bytes between windows */
    int labelled;
    double label;
} dataset_sample;

typedef struct {
    int n;                    /* samples */
    dataset_sample *samples;
    int windows;              /* vectors over all samples */
    int n_inputs;             /* of the source model */
    size_t *counts;           /* elements of each source input */
    size_t values;            /* sum of counts: floats per vector */
    dataset_element *elements;/* per source input */
    size_t window_bytes;      /* bytes of one vector in the files */
    dataset_task task;        /* NONE if unlabelled */
    int detected;             /* 1 if the element type was detected */
} dataset;

/* Loads a folder for the source model g. element may be NULL (detect).
 * task NONE with labels present is inferred: rows with windows are
 * anomaly, one class is regression, otherwise classification. Labels are
 * checked against the task (a class below `classes`, 0/1 for anomaly).
 * Every file is read and its size checked before this returns. */
hb_status dataset_load(const char *dir, const graph *g, const dataset_element *element,
                       dataset_task task, dataset *out);
/* n unlabelled vectors from vectors_random(): native values of g's inputs,
 * or element's type (scaled) when element is not NULL. */
hb_status dataset_random(int n, uint32_t seed, const graph *g, const dataset_element *element,
                         dataset *out);
void dataset_free(dataset *d);

/* The float values of sample s, window w: d->values floats into x. */
void dataset_values(const dataset *d, int s, int w, float *x);
/* The name of a vector: the sample's name, or "name[w]" for a window of a
 * sample that has several. */
void dataset_vector_name(const dataset *d, int s, int w, char *buf, size_t cap);

/* Every vector's values, at most max vectors (for calibration): *out holds
 * *n arrays of d->values floats (dataset_floats_free). */
hb_status dataset_floats(const dataset *d, int max, float ***out, int *n);
void dataset_floats_free(float **v, int n);

#endif
