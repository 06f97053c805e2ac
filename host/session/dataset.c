/*
 * dataset.c: dataset folders in the MLPerf Tiny layout, labels, random
 * vectors, and the element mapping (dataset.h).
 */
#include "dataset.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/hb_file.h"
#include "vectors.h"

static const char *const task_names[] = {NULL, "classification", "anomaly", "regression"};

const char *dataset_task_name(dataset_task t)
{
    return t > DATASET_TASK_NONE && t <= DATASET_TASK_REGRESSION ? task_names[t] : NULL;
}

hb_status dataset_task_parse(const char *text, dataset_task *out)
{
    for (int t = DATASET_TASK_CLASSIFICATION; t <= DATASET_TASK_REGRESSION; t++)
        if (text && !strcmp(text, task_names[t])) {
            *out = (dataset_task)t;
            return HB_OK;
        }
    return hb_fail(HB_ERR_ARG, "task '%s' is not classification, anomaly or regression",
                   text ? text : "");
}

/* The element types a dataset file may hold. */
static const int element_dtypes[] = {NN_DT_FLOAT32, NN_DT_INT8, NN_DT_UINT8, NN_DT_INT16};

hb_status dataset_element_parse(const char *text, int *dtype)
{
    for (size_t i = 0; i < sizeof(element_dtypes) / sizeof(element_dtypes[0]); i++)
        if (text && !strcmp(text, nn_dtype_name(element_dtypes[i]))) {
            *dtype = element_dtypes[i];
            return HB_OK;
        }
    return hb_fail(HB_ERR_ARG, "element type '%s' is not float32, int8, uint8 or int16",
                   text ? text : "");
}

/* ---- y_labels.csv ---------------------------------------------------------- */

void dataset_labels_free(dataset_label *rows, int n)
{
    for (int i = 0; rows && i < n; i++)
        free(rows[i].file);
    free(rows);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

/* A file name inside the folder: relative, no ".." component. */
static int inside(const char *name)
{
    if (name[0] == '/')
        return 0;
    for (const char *p = name; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && p[0] == '.' && p[1] == '.')
            return 0;
        p += n;
        p += *p == '/';
    }
    return 1;
}

static int whole(const char *s, long min, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min)
        return 0;
    *out = v;
    return 1;
}

/* Parses one data line into row; the message names path:line. */
static hb_status parse_row(const char *path, int line, char *text, dataset_label *row)
{
    char *field[6];
    int n = 0;
    for (char *p = text; p && n < 6;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma++ = '\0';
        field[n++] = trim(p);
        p = comma;
    }
    if (n != 3 && n != 5)
        return hb_fail(HB_ERR_FORMAT, "%s:%d: expected file,classes,label or "
                       "file,classes,label,window,stride (%s%d fields)", path, line,
                       n == 6 ? "more than " : "", n == 6 ? 5 : n);
    long classes = 0, window = 0, stride = 0;
    char *end;
    if (!field[0][0])
        return hb_fail(HB_ERR_FORMAT, "%s:%d: empty file name", path, line);
    if (!inside(field[0]))
        return hb_fail(HB_ERR_FORMAT, "%s:%d: '%s' is outside the dataset folder (absolute "
                       "or with '..')", path, line, field[0]);
    if (!whole(field[1], 1, &classes) || classes > INT_MAX)
        return hb_fail(HB_ERR_FORMAT, "%s:%d: classes '%s' is not a whole number >= 1", path,
                       line, field[1]);
    errno = 0;
    double label = strtod(field[2], &end);
    if (errno || end == field[2] || *end || !isfinite(label))
        return hb_fail(HB_ERR_FORMAT, "%s:%d: label '%s' is not a number", path, line,
                       field[2]);
    if (n == 5 && (!whole(field[3], 1, &window) || !whole(field[4], 1, &stride)))
        return hb_fail(HB_ERR_FORMAT, "%s:%d: window '%s' and stride '%s' must be whole "
                       "numbers of bytes >= 1", path, line, field[3], field[4]);
    if (!(row->file = strdup(field[0])))
        return hb_fail(HB_ERR_MEM, "out of memory");
    row->classes = (int)classes;
    row->label = label;
    row->window = window;
    row->stride = stride;
    row->line = line;
    return HB_OK;
}

hb_status dataset_labels_read(const char *path, dataset_label **rows_out, int *n_out)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    dataset_label *rows = NULL;
    int n = 0, cap = 0, line = 0;
    hb_status st;

    *rows_out = NULL;
    *n_out = 0;
    if ((st = hb_read_file(path, &buf, &len)) != HB_OK)
        return st;
    /* hb_read_file leaves no terminator: lines are cut at '\n' and len. */
    char *text = realloc(buf, len + 1);
    if (!text) {
        free(buf);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    text[len] = '\0';
    if (strlen(text) != len) {
        st = hb_fail(HB_ERR_FORMAT, "%s: holds a NUL byte: not a text file", path);
        goto cleanup;
    }
    for (char *p = text; p && *p;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl++ = '\0';
        line++;
        char *t = trim(p);
        p = nl;
        if (!*t || *t == '#')
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            dataset_label *bigger = realloc(rows, (size_t)cap * sizeof(*rows));
            if (!bigger) {
                st = hb_fail(HB_ERR_MEM, "out of memory");
                goto cleanup;
            }
            rows = bigger;
        }
        memset(&rows[n], 0, sizeof(rows[n]));
        if ((st = parse_row(path, line, t, &rows[n])) != HB_OK)
            goto cleanup;
        for (int k = 0; k < n; k++)
            if (!strcmp(rows[k].file, rows[n].file)) {
                free(rows[n].file);
                st = hb_fail(HB_ERR_FORMAT, "%s:%d: %s is listed twice (first on line %d)",
                             path, line, rows[k].file, rows[k].line);
                goto cleanup;
            }
        n++;
    }
    if (n == 0) {
        st = hb_fail(HB_ERR_FORMAT, "%s: no rows", path);
        goto cleanup;
    }
    *rows_out = rows;
    *n_out = n;
    rows = NULL;
cleanup:
    free(text);
    dataset_labels_free(rows, n);
    return st;
}

/* ---- values ------------------------------------------------------------------ */

static double raw_value(int dtype, const uint8_t *p)
{
    switch (dtype) {
    case NN_DT_INT8:
        return (int8_t)p[0];
    case NN_DT_UINT8:
        return p[0];
    case NN_DT_INT16:
        return (int16_t)(uint16_t)(p[0] | p[1] << 8);
    default: {
        float f;
        memcpy(&f, p, 4);
        return f;
    }
    }
}

void dataset_values(const dataset *d, int s, int w, float *x)
{
    const dataset_sample *smp = &d->samples[s];
    const uint8_t *p = smp->raw + (size_t)w * smp->stride;
    for (int k = 0; k < d->n_inputs; k++) {
        const dataset_element *e = &d->elements[k];
        uint32_t size = nn_dtype_bytes(e->dtype);
        for (size_t i = 0; i < d->counts[k]; i++, p += size)
            *x++ = (float)(raw_value(e->dtype, p) * e->scale + e->offset);
    }
}

void dataset_vector_name(const dataset *d, int s, int w, char *buf, size_t cap)
{
    if (d->samples[s].n_windows > 1)
        snprintf(buf, cap, "%s[%d]", d->samples[s].name, w);
    else
        snprintf(buf, cap, "%s", d->samples[s].name);
}

void dataset_floats_free(float **v, int n)
{
    for (int i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

hb_status dataset_floats(const dataset *d, int max, float ***out, int *n_out)
{
    int n = d->windows < max ? d->windows : max, k = 0;
    float **v = calloc((size_t)(n > 0 ? n : 1), sizeof(*v));

    *out = NULL;
    *n_out = 0;
    if (!v)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int s = 0; s < d->n && k < n; s++)
        for (int w = 0; w < d->samples[s].n_windows && k < n; w++, k++) {
            if (!(v[k] = malloc((d->values ? d->values : 1) * sizeof(float)))) {
                dataset_floats_free(v, k);
                return hb_fail(HB_ERR_MEM, "out of memory");
            }
            dataset_values(d, s, w, v[k]);
        }
    *out = v;
    *n_out = k;
    return HB_OK;
}

/* ---- loading ------------------------------------------------------------------ */

void dataset_free(dataset *d)
{
    if (!d)
        return;
    for (int i = 0; d->samples && i < d->n; i++) {
        free(d->samples[i].name);
        free(d->samples[i].raw);
    }
    free(d->samples);
    free(d->counts);
    free(d->elements);
    memset(d, 0, sizeof(*d));
}

/* The shape side of a dataset: one count and one element per input. */
static hb_status init_shape(dataset *d, const graph *g, int n_samples)
{
    memset(d, 0, sizeof(*d));
    d->n_inputs = g->n_inputs;
    d->counts = calloc((size_t)g->n_inputs + 1, sizeof(*d->counts));
    d->elements = calloc((size_t)g->n_inputs + 1, sizeof(*d->elements));
    d->samples = calloc((size_t)n_samples + 1, sizeof(*d->samples));
    if (!d->counts || !d->elements || !d->samples) {
        dataset_free(d);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    for (int k = 0; k < g->n_inputs; k++) {
        d->counts[k] = graph_tensor_count(&g->tensors[g->inputs[k]]);
        d->values += d->counts[k];
    }
    return HB_OK;
}

/* Each input's own values: x = scale (q - zero_point), or q as is. */
static void native_elements(dataset *d, const graph *g)
{
    for (int k = 0; k < g->n_inputs; k++) {
        const graph_tensor *t = &g->tensors[g->inputs[k]];
        d->elements[k] = (dataset_element){t->dtype, 1.0, 0.0};
        if (t->n_quant == 1) {
            d->elements[k].scale = t->scales[0];
            d->elements[k].offset = -(double)t->zero_points[0] * (double)t->scales[0];
        }
    }
    d->window_bytes = 0;
    for (int k = 0; k < g->n_inputs; k++)
        d->window_bytes += d->counts[k] * nn_dtype_bytes(d->elements[k].dtype);
}

static void declared_elements(dataset *d, const dataset_element *e)
{
    for (int k = 0; k < d->n_inputs; k++)
        d->elements[k] = *e;
    d->window_bytes = d->values * nn_dtype_bytes(e->dtype);
}

/* Decides the element mapping from the first vector's size. */
static hb_status detect(dataset *d, const graph *g, size_t bytes, const char *what,
                        const char *unit)
{
    size_t native = 0;
    for (int k = 0; k < g->n_inputs; k++)
        native += graph_tensor_bytes(&g->tensors[g->inputs[k]]);
    if (bytes == 4 * d->values) {
        dataset_element f = {NN_DT_FLOAT32, 1.0, 0.0};
        declared_elements(d, &f);
    } else if (bytes == native) {
        native_elements(d, g);
        for (int k = 0; k < d->n_inputs; k++)
            if (d->elements[k].dtype != NN_DT_FLOAT32 && d->elements[k].dtype != NN_DT_INT8 &&
                d->elements[k].dtype != NN_DT_UINT8 && d->elements[k].dtype != NN_DT_INT16)
                return hb_fail(HB_ERR_UNSUPPORTED, "%s: the model's input %d is %s, which a "
                               "dataset cannot hold", what, k,
                               nn_dtype_name(d->elements[k].dtype));
    } else if (native == 4 * d->values) {
        return hb_fail(HB_ERR_ARG, "%s has %zu bytes%s: the model's input takes %zu (%zu "
                       "float32 values)", what, bytes, unit, native, d->values);
    } else {
        return hb_fail(HB_ERR_ARG, "%s has %zu bytes%s: the model's input takes %zu (or %zu "
                       "as float32)", what, bytes, unit, native, 4 * d->values);
    }
    d->detected = 1;
    return HB_OK;
}

/* Checks the label of a row against the task. */
static hb_status check_label(const char *path, const dataset_label *r, dataset_task task)
{
    if (task != DATASET_TASK_ANOMALY && r->window)
        return hb_fail(HB_ERR_FORMAT, "%s:%d: window and stride columns are for anomaly rows "
                       "(task %s)", path, r->line, dataset_task_name(task));
    if (task == DATASET_TASK_REGRESSION)
        return HB_OK;
    if (r->label != floor(r->label) || r->label < 0 || r->label >= r->classes)
        return hb_fail(HB_ERR_FORMAT, "%s:%d: label %g is not a class number below %d (%s)",
                       path, r->line, r->label, r->classes, dataset_task_name(task));
    if (task == DATASET_TASK_ANOMALY && (r->classes != 2 || r->window == 0))
        return hb_fail(HB_ERR_FORMAT, "%s:%d: an anomaly row has 2 classes (0 normal, 1 "
                       "anomaly) and window and stride columns", path, r->line);
    return HB_OK;
}

/* Reads one sample's file and cuts it into windows. */
static hb_status load_sample(dataset *d, const graph *g, const char *dir, const char *name,
                             long window, long stride, const char *where, dataset_sample *s)
{
    char path[PATH_MAX];
    hb_status st;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if (!(s->name = strdup(name)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    if ((st = hb_read_file(path, &s->raw, &s->raw_bytes)) != HB_OK)
        return where ? hb_context(st, "%s", where) : st;
    size_t need = window ? (size_t)window : s->raw_bytes;
    if (!d->window_bytes && (st = detect(d, g, need, path, window ? " per window" : "")) != HB_OK)
        return where ? hb_context(st, "%s", where) : st;
    if (need != d->window_bytes)
        return hb_fail(HB_ERR_ARG, "%s%s%s has %zu bytes%s, a vector is %zu (%zu %s values)",
                       where ? where : "", where ? ": " : "", path, need,
                       window ? " per window" : "", d->window_bytes, d->values,
                       nn_dtype_name(d->elements[0].dtype));
    s->n_windows = 1;
    s->stride = d->window_bytes;
    if (window) {
        if (s->raw_bytes < (size_t)window)
            return hb_fail(HB_ERR_ARG, "%s: %s has %zu bytes, less than one window of %ld",
                           where, path, s->raw_bytes, window);
        s->stride = (size_t)stride;
        s->n_windows = (int)((s->raw_bytes - (size_t)window) / (size_t)stride + 1);
    }
    d->windows += s->n_windows;
    return HB_OK;
}

hb_status dataset_load(const char *dir, const graph *g, const dataset_element *element,
                       dataset_task task, dataset *out)
{
    char labels[PATH_MAX], where[PATH_MAX + 32];
    dataset_label *rows = NULL;
    char **names = NULL;
    int n_rows = 0, n_names = 0;
    hb_status st;

    memset(out, 0, sizeof(*out));
    snprintf(labels, sizeof(labels), "%s/y_labels.csv", dir);
    st = dataset_labels_read(labels, &rows, &n_rows);
    if (st == HB_ERR_NOT_FOUND) {
        if ((st = hb_list_dir(dir, ".bin", &names, &n_names)) != HB_OK)
            return hb_context(st, "dataset");
        if (n_names == 0) {
            st = hb_fail(HB_ERR_NOT_FOUND, "dataset %s: no y_labels.csv and no *.bin files", dir);
            goto cleanup;
        }
    } else if (st != HB_OK) {
        return st;
    }
    if ((st = init_shape(out, g, rows ? n_rows : n_names)) != HB_OK)
        goto cleanup;
    if (element)
        declared_elements(out, element);
    if (rows && task == DATASET_TASK_NONE)
        task = rows[0].window ? DATASET_TASK_ANOMALY
               : rows[0].classes == 1 ? DATASET_TASK_REGRESSION : DATASET_TASK_CLASSIFICATION;
    out->task = rows ? task : DATASET_TASK_NONE;
    for (int i = 0; i < (rows ? n_rows : n_names); i++) {
        dataset_sample *s = &out->samples[i];
        out->n = i + 1;
        if (!rows) {
            st = load_sample(out, g, dir, names[i], 0, 0, NULL, s);
        } else {
            snprintf(where, sizeof(where), "%s:%d", labels, rows[i].line);
            if ((st = check_label(labels, &rows[i], task)) == HB_OK)
                st = load_sample(out, g, dir, rows[i].file, rows[i].window, rows[i].stride,
                                 where, s);
            s->labelled = 1;
            s->label = rows[i].label;
        }
        if (st != HB_OK)
            goto cleanup;
    }
cleanup:
    dataset_labels_free(rows, n_rows);
    hb_free_names(names, n_names);
    if (st != HB_OK)
        dataset_free(out);
    return st;
}

hb_status dataset_random(int n, uint32_t seed, const graph *g, const dataset_element *element,
                         dataset *out)
{
    vectors v = {0};
    hb_status st;
    graph *shaped = NULL;
    const graph *src = g;

    memset(out, 0, sizeof(*out));
    if (element) {
        /* Draw the declared element type: the same graph with its inputs
         * retyped, so vectors_random fills them accordingly. */
        if ((st = graph_clone(g, &shaped)) != HB_OK)
            return st;
        for (int k = 0; k < shaped->n_inputs; k++) {
            graph_tensor *t = &shaped->tensors[shaped->inputs[k]];
            t->dtype = element->dtype;
            t->bytes = graph_tensor_count(t) * nn_dtype_bytes(element->dtype);
        }
        src = shaped;
    }
    if ((st = vectors_random(n, seed, src, &v)) != HB_OK ||
        (st = init_shape(out, g, n)) != HB_OK)
        goto cleanup;
    if (element)
        declared_elements(out, element);
    else
        native_elements(out, g);
    for (int i = 0; i < n; i++) {
        dataset_sample *s = &out->samples[i];
        out->n = i + 1;
        *s = (dataset_sample){v.names[i], v.data[i], v.bytes, 1, v.bytes, 0, 0.0};
        v.names[i] = NULL;
        v.data[i] = NULL;
        out->windows++;
    }
cleanup:
    vectors_free(&v);
    graph_free(shaped);
    if (st != HB_OK)
        dataset_free(out);
    return st;
}
