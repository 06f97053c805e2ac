/*
 * session_record.c: the options a run is recorded with, so that
 * `hilbench run --resume RUN` can make the same variants from the same
 * model and stream the same vectors, from another working directory or a
 * later shell.
 *
 * Paths are made absolute when recorded; recipes are recorded in canonical
 * form, in the order the sweep runs them (a reference that was not listed
 * is listed first, where the sweep put it). The text is JSON (version 1).
 */
#include "session_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RECORD_VERSION 1

void session_recorded_free(session_recorded *r)
{
    if (!r)
        return;
    json_decref(r->doc);
    free(r->variants);
    free(r->dirs);
    memset(r, 0, sizeof(*r));
}

/* An absolute form of path: realpath when it exists, else cwd/path. */
static json_t *abs_path(const char *path)
{
    char buf[PATH_MAX], cwd[PATH_MAX];
    if (!path)
        return json_null();
    if (realpath(path, buf))
        return json_string(buf);
    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd)))
        return json_string(path);
    size_t n = strlen(cwd);
    if (n + 1 + strlen(path) >= sizeof(buf))
        return json_string(path);
    memcpy(buf, cwd, n);
    buf[n] = '/';
    memcpy(buf + n + 1, path, strlen(path) + 1);
    return json_string(buf);
}

/* A board given by path is recorded absolute; a name stays a name. */
static json_t *board_ref(const char *board)
{
    size_t n = strlen(board);
    int is_path = strchr(board, '/') || (n > 4 && !strcmp(board + n - 4, ".ini"));
    return is_path ? abs_path(board) : json_string(board);
}

static int put(json_t *o, const char *key, json_t *v)
{
    return v ? json_object_set_new(o, key, v) : -1;
}

hb_status session_record_options(const session *s, char **out)
{
    const session_options *o = s->o;
    json_t *doc = json_object(), *vars = json_array(), *dirs = json_array();
    char cwd[PATH_MAX];
    int bad = !doc || !vars || !dirs;

    *out = NULL;
    for (int i = 0; !bad && i < s->n_v; i++)
        bad |= json_array_append_new(vars, json_string(s->v[i].recipe)) != 0;
    for (int i = 0; !bad && i < o->n_board_dirs; i++)
        bad |= json_array_append_new(dirs, abs_path(o->board_dirs[i])) != 0;
    const char *base = o->base_dir ? o->base_dir : getcwd(cwd, sizeof(cwd));
    bad = bad || put(doc, "version", json_integer(RECORD_VERSION)) ||
          put(doc, "board", board_ref(o->board)) || put(doc, "board_dirs", json_incref(dirs)) ||
          put(doc, "model", abs_path(o->model_path)) ||
          put(doc, "variants", json_incref(vars)) ||
          put(doc, "reference", json_string(s->v[s->ref].recipe)) ||
          put(doc, "base_dir", abs_path(base ? base : ".")) ||
          put(doc, "dataset", abs_path(o->dataset_dir)) ||
          put(doc, "random", json_integer(o->random_n)) ||
          put(doc, "seed", json_integer(o->seed)) ||
          put(doc, "task", o->task != DATASET_TASK_NONE ? json_string(dataset_task_name(o->task))
                                                         : json_null()) ||
          put(doc, "calib", abs_path(o->calib_dir)) ||
          put(doc, "repeat", json_integer(o->repeat)) ||
          put(doc, "warmup", json_integer(o->warmup)) ||
          put(doc, "layers", json_boolean(o->layers)) ||
          put(doc, "mlperf_rules", json_boolean(o->mlperf_rules)) ||
          put(doc, "mlperf_min_seconds", json_real(o->mlperf_min_seconds)) ||
          put(doc, "suite", abs_path(o->suite_path));
    if (!bad && o->element) {
        json_t *e = json_pack("{s:s, s:f, s:f}", "dtype", nn_dtype_name(o->element->dtype),
                              "scale", o->element->scale, "offset", o->element->offset);
        bad = put(doc, "element", e);
    }
    if (!bad)
        *out = json_dumps(doc, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(vars);
    json_decref(dirs);
    json_decref(doc);
    return *out ? HB_OK : hb_fail(HB_ERR_MEM, "out of memory");
}

static const char *text(json_t *doc, const char *key)
{
    return json_string_value(json_object_get(doc, key));
}

hb_status session_recorded_load(const char *json, const session_options *now,
                                session_recorded *r)
{
    json_error_t err;
    hb_status st;
    session_options *o = &r->o;

    memset(r, 0, sizeof(*r));
    if (!json)
        return hb_fail(HB_ERR_UNSUPPORTED, "it was recorded by a hilbench without --resume "
                       "(no options stored)");
    if (!(r->doc = json_loads(json, 0, &err)) || !json_is_object(r->doc) ||
        json_integer_value(json_object_get(r->doc, "version")) != RECORD_VERSION) {
        session_recorded_free(r);
        return hb_fail(HB_ERR_FORMAT, "its recorded options are not readable (%s)",
                       r->doc ? "unknown version" : err.text);
    }
    json_t *doc = r->doc, *vars = json_object_get(doc, "variants");
    json_t *dirs = json_object_get(doc, "board_dirs"), *e = json_object_get(doc, "element");
    size_t n_dirs = json_array_size(dirs), n_vars = json_array_size(vars);
    r->variants = calloc(n_vars + 1, sizeof(char *));
    r->dirs = calloc(n_dirs + (size_t)now->n_board_dirs + 1, sizeof(char *));
    if (!r->variants || !r->dirs) {
        session_recorded_free(r);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    for (size_t i = 0; i < n_vars; i++)
        r->variants[i] = json_string_value(json_array_get(vars, i));
    for (size_t i = 0; i < n_dirs; i++)
        r->dirs[r->n_dirs++] = json_string_value(json_array_get(dirs, i));
    for (int i = 0; i < now->n_board_dirs; i++)
        r->dirs[r->n_dirs++] = now->board_dirs[i];

    *o = *now;
    o->board = text(doc, "board");
    o->board_dirs = r->dirs;
    o->n_board_dirs = r->n_dirs;
    o->model_path = text(doc, "model");
    o->variants = r->variants;
    o->n_variants = (int)n_vars;
    o->reference = text(doc, "reference");
    o->base_dir = text(doc, "base_dir");
    o->dataset_dir = text(doc, "dataset");
    o->random_n = (int)json_integer_value(json_object_get(doc, "random"));
    o->seed = (uint32_t)json_integer_value(json_object_get(doc, "seed"));
    o->calib_dir = text(doc, "calib");
    o->repeat = (int)json_integer_value(json_object_get(doc, "repeat"));
    o->warmup = (int)json_integer_value(json_object_get(doc, "warmup"));
    o->layers = json_is_true(json_object_get(doc, "layers"));
    o->mlperf_rules = json_is_true(json_object_get(doc, "mlperf_rules"));
    o->mlperf_min_seconds = json_real_value(json_object_get(doc, "mlperf_min_seconds"));
    o->suite_path = text(doc, "suite");
    o->task = DATASET_TASK_NONE;
    o->element = NULL;
    o->resume = NULL;
    for (size_t i = 0; i < n_vars; i++)
        if (!r->variants[i])
            goto malformed;
    if (!o->board || !o->model_path || !n_vars || o->repeat < 1)
        goto malformed;
    if (text(doc, "task") && (st = dataset_task_parse(text(doc, "task"), &o->task)) != HB_OK)
        goto malformed;
    if (json_is_object(e)) {
        if (dataset_element_parse(text(e, "dtype"), &r->element.dtype) != HB_OK)
            goto malformed;
        r->element.scale = json_number_value(json_object_get(e, "scale"));
        r->element.offset = json_number_value(json_object_get(e, "offset"));
        o->element = &r->element;
    }
    return HB_OK;
malformed:
    session_recorded_free(r);
    return hb_fail(HB_ERR_FORMAT, "its recorded options are incomplete");
}
