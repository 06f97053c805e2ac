/*
 * suite.c: reading a benchmark suite (suite.h, docs/suites.md).
 *
 * Like board profiles (host/board/board.c), every key is a row of keys[]
 * with its section, kind and bounds, and loading runs in two passes: inih
 * hands each "key = value" to on_key(), which records the text and its
 * line; then convert() turns the texts into fields in table order, so a
 * check that depends on another key sees the whole file. Lines are fed to
 * inih through read_line(), which counts them, because the handler is not
 * told the line number.
 */
#include "suite.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/hb_ini.h"

typedef enum {
    K_TEXT,    /* char * */
    K_FILE,    /* char *, a resolved path that must exist */
    K_DIR,     /* char *, a resolved folder; missing is decided later */
    K_INT,     /* int within [min, max] */
    K_U32,     /* uint32_t within [min, max] */
    K_REAL,    /* double */
    K_ELEMENT, /* int nn_dtype */
    K_TASK,    /* dataset_task */
    K_LIST     /* the variants, in order */
} key_kind;

typedef struct {
    const char *section, *name;
    key_kind kind;
    size_t offset;          /* of the field in suite */
    long long min, max;     /* K_INT, K_U32 */
    ptrdiff_t has;          /* offset of an int set to 1 when given, or -1 */
    int required;
} suite_key;

#define F(field) offsetof(suite, field)

static const suite_key keys[] = {
    {"suite", "name", K_TEXT, F(name), 0, 0, -1, 0},
    {"suite", "description", K_TEXT, F(description), 0, 0, -1, 0},
    {"suite", "model", K_FILE, F(model), 0, 0, -1, 1},
    {"suite", "task", K_TASK, F(task), 0, 0, -1, 0},
    {"suite", "reference", K_TEXT, F(reference), 0, 0, -1, 0},
    {"suite", "variant", K_LIST, F(variants), 0, 0, -1, 0},
    {"suite", "repeat", K_INT, F(repeat), 1, 10000, -1, 0},
    {"suite", "warmup", K_INT, F(warmup), 0, 10000, -1, 0},
    {"dataset", "path", K_DIR, F(dataset), 0, 0, -1, 0},
    {"dataset", "element", K_ELEMENT, F(element.dtype), 0, 0, F(has_element), 0},
    {"dataset", "scale", K_REAL, F(element.scale), 0, 0, -1, 0},
    {"dataset", "offset", K_REAL, F(element.offset), 0, 0, -1, 0},
    {"dataset", "random", K_INT, F(random_n), 1, 1000000, -1, 0},
    {"dataset", "seed", K_U32, F(seed), 0, 4294967295LL, F(has_seed), 0},
    {"calibration", "path", K_DIR, F(calib), 0, 0, -1, 0},
};
#define N_KEYS ((int)(sizeof(keys) / sizeof(keys[0])))
#define MAX_VARIANTS 64

typedef struct {
    const char *path;
    hb_ini_lines in;        /* the line inih is handling */
    int failed;
    int key_line[N_KEYS];
    char *text[N_KEYS];
    char *list[MAX_VARIANTS];   /* the variant values */
    int list_line[MAX_VARIANTS];
    int n_list;
} load_state;

static hb_status fail_at(load_state *s, int line, hb_status code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static hb_status fail_at(load_state *s, int line, hb_status code, const char *fmt, ...)
{
    char what[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    s->failed = 1;
    if (line > 0)
        return hb_fail(code, "%s:%d: %s", s->path, line, what);
    return hb_fail(code, "%s: %s", s->path, what);
}

static char *read_line(char *str, int num, void *stream)
{
    load_state *s = stream;
    if (s->failed || !hb_ini_next(&s->in))
        return NULL;
    char *given = hb_ini_give(&s->in, str, num);
    if (!given)
        fail_at(s, s->in.line, HB_ERR_FORMAT, "line longer than %d characters", num - 2);
    return given;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    load_state *s = user;
    int k;

    if (s->failed)
        return 0;
    value = hb_ini_value(&s->in, value);
    if (s->in.indented) {
        fail_at(s, s->in.line, HB_ERR_FORMAT, "[%s] %s: a value takes one line (this indented "
                "line would continue it)", section, name);
        return 0;
    }
    for (k = 0; k < N_KEYS; k++)
        if (!strcmp(keys[k].section, section) && !strcmp(keys[k].name, name))
            break;
    if (k == N_KEYS) {
        char known[512];
        size_t used = 0;
        known[0] = '\0';
        for (int i = 0; i < N_KEYS && used < sizeof(known); i++)
            if (!strcmp(keys[i].section, section))
                used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s",
                                         used ? ", " : "", keys[i].name);
        fail_at(s, s->in.line, HB_ERR_FORMAT, used ? "[%s] %s: unknown key (known: %s)"
                : "[%s] %s: unknown section (known: suite, dataset, calibration)%s",
                section, name, known);
        return 0;
    }
    if (keys[k].kind == K_LIST) {
        if (s->n_list == MAX_VARIANTS) {
            fail_at(s, s->in.line, HB_ERR_FORMAT, "more than %d variants", MAX_VARIANTS);
            return 0;
        }
        s->list_line[s->n_list] = s->in.line;
        if (!(s->list[s->n_list++] = strdup(value))) {
            fail_at(s, s->in.line, HB_ERR_MEM, "out of memory");
            return 0;
        }
        return 1;
    }
    if (s->text[k]) {
        fail_at(s, s->in.line, HB_ERR_FORMAT, "[%s] %s: given twice (first on line %d)", section,
                name, s->key_line[k]);
        return 0;
    }
    s->key_line[k] = s->in.line;
    if (!(s->text[k] = strdup(value))) {
        fail_at(s, s->in.line, HB_ERR_MEM, "out of memory");
        return 0;
    }
    return 1;
}

/* ---- paths ------------------------------------------------------------------- */

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static char *join(const char *dir, const char *name)
{
    char *out = NULL;
    if (name[0] == '/' || !dir || !dir[0])
        return strdup(name);
    return asprintf(&out, "%s/%s", dir, name) < 0 ? NULL : out;
}

/* ${reference}/NAME: the first place that has NAME. */
static hb_status find_reference(const char *name, const char *dir, char **out)
{
    const char *env = getenv("HILBENCH_MODELS");
    char *places[3] = {NULL, NULL, NULL}, tried[3 * PATH_MAX];
    hb_status st = HB_OK;
    int n = 0;
    size_t used = 0;

    if (env && env[0] && asprintf(&places[n++], "%s/%s", env, name) < 0)
        places[n - 1] = NULL;
    if (asprintf(&places[n++], "%s/models/reference/%s", dir, name) < 0)
        places[n - 1] = NULL;
    if (asprintf(&places[n++], "%s/../../shared/models/%s", dir, name) < 0)
        places[n - 1] = NULL;
    *out = NULL;
    tried[0] = '\0';
    for (int i = 0; i < n; i++) {
        if (!places[i]) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        if (!*out && exists(places[i])) {
            *out = places[i];
            places[i] = NULL;
        }
        if (places[i] && used < sizeof(tried))
            used += (size_t)snprintf(tried + used, sizeof(tried) - used, "%s%s",
                                     used ? ", " : "", places[i]);
    }
    if (!*out) {
        st = hb_fail(HB_ERR_NOT_FOUND, "${reference}/%s is in none of %s (benchmarks/"
                     "fetch-models.sh fetches the reference models)", name, tried);
    } else {
        /* Recorded with the run: without "a/../../b" detours. */
        char *real = realpath(*out, NULL);
        if (real) {
            free(*out);
            *out = real;
        }
    }
cleanup:
    for (int i = 0; i < n; i++)
        free(places[i]);
    return st;
}

hb_status suite_resolve(const char *value, const char *dir, const char *build_dir, char **out)
{
    static const char build[] = "${build}", ref[] = "${reference}/";
    char *tail = NULL;

    *out = NULL;
    if (!strncmp(value, ref, sizeof(ref) - 1))
        return find_reference(value + sizeof(ref) - 1, dir, out);
    if (!strncmp(value, build, sizeof(build) - 1)) {
        if (!build_dir)
            return hb_fail(HB_ERR_ARG, "%s: the build folder is not known", value);
        if (asprintf(&tail, "%s%s", build_dir, value + sizeof(build) - 1) < 0)
            return hb_fail(HB_ERR_MEM, "out of memory");
        *out = tail;
        return HB_OK;
    }
    if (strstr(value, "${"))
        return hb_fail(HB_ERR_FORMAT, "%s: unknown variable (known: ${build}, ${reference}/NAME)",
                       value);
    if (!(*out = join(dir, value)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    return HB_OK;
}

/* ---- conversion ------------------------------------------------------------- */

static hb_status convert(load_state *s, suite *su, int k, const char *build_dir)
{
    const suite_key *key = &keys[k];
    const char *text = s->text[k];
    int line = s->key_line[k];
    void *field = (char *)su + key->offset;
    char *end = NULL, *path = NULL;
    hb_status st;

    if (key->has >= 0)
        *(int *)((char *)su + key->has) = 1;
    switch (key->kind) {
    case K_TEXT:
        if (!text[0])
            return fail_at(s, line, HB_ERR_FORMAT, "[%s] %s: is empty", key->section, key->name);
        return (*(char **)field = strdup(text)) ? HB_OK
                                                : fail_at(s, line, HB_ERR_MEM, "out of memory");
    case K_FILE:
    case K_DIR: {
        int is_data = key->kind == K_DIR && !strcmp(key->section, "dataset");
        st = suite_resolve(text, su->dir, build_dir, &path);
        if (st == HB_OK && !exists(path))
            st = hb_fail(HB_ERR_NOT_FOUND, "%s does not exist", path);
        if (st == HB_ERR_NOT_FOUND && is_data) {
            /* finish() decides: random vectors, or an error. */
            free(path);
            return (su->dataset_missing = strdup(text)) ? HB_OK
                                                        : fail_at(s, line, HB_ERR_MEM,
                                                                  "out of memory");
        }
        if (st != HB_OK) {
            free(path);
            s->failed = 1;
            return hb_context(st, "%s:%d: [%s] %s", s->path, line, key->section, key->name);
        }
        *(char **)field = path;
        return HB_OK;
    }
    case K_INT:
    case K_U32: {
        errno = 0;
        long long v = strtoll(text, &end, 10);
        if (errno || end == text || *end || v < key->min || v > key->max)
            return fail_at(s, line, HB_ERR_FORMAT, "[%s] %s: '%s' is not a whole number in "
                           "%lld..%lld", key->section, key->name, text, key->min, key->max);
        if (key->kind == K_INT)
            *(int *)field = (int)v;
        else
            *(uint32_t *)field = (uint32_t)v;
        return HB_OK;
    }
    case K_REAL: {
        errno = 0;
        double v = strtod(text, &end);
        if (errno || end == text || *end || v != v || v - v != 0)
            return fail_at(s, line, HB_ERR_FORMAT, "[%s] %s: '%s' is not a finite number",
                           key->section, key->name, text);
        *(double *)field = v;
        return HB_OK;
    }
    case K_ELEMENT:
        if ((st = dataset_element_parse(text, (int *)field)) != HB_OK) {
            s->failed = 1;
            return hb_context(st, "%s:%d: [%s] %s", s->path, line, key->section, key->name);
        }
        return HB_OK;
    case K_TASK:
        if ((st = dataset_task_parse(text, (dataset_task *)field)) != HB_OK) {
            s->failed = 1;
            return hb_context(st, "%s:%d: [%s] %s", s->path, line, key->section, key->name);
        }
        return HB_OK;
    case K_LIST:
        return HB_OK;
    }
    return hb_fail(HB_ERR_ARG, "suite: key kind %d", (int)key->kind);
}

void suite_free(suite *s)
{
    if (!s)
        return;
    for (int k = 0; k < N_KEYS; k++)
        if (keys[k].kind != K_INT && keys[k].kind != K_U32 && keys[k].kind != K_REAL &&
            keys[k].kind != K_ELEMENT && keys[k].kind != K_TASK && keys[k].kind != K_LIST)
            free(*(char **)((char *)s + keys[k].offset));
    for (int i = 0; i < s->n_variants; i++)
        free(s->variants[i]);
    free(s->variants);
    free(s->path);
    free(s->dir);
    free(s->dataset_missing);
    free(s);
}

static int key_index(const char *section, const char *name)
{
    for (int k = 0; k < N_KEYS; k++)
        if (!strcmp(keys[k].section, section) && !strcmp(keys[k].name, name))
            return k;
    return -1;
}

/* A file: recipe's path, resolved like any path of the suite, so the
 * recipe no longer depends on the folder hilbench runs in. */
static hb_status resolve_recipe(load_state *s, int line, const char *build_dir,
                                const char *dir, char **recipe)
{
    char *path = NULL, *out = NULL;
    hb_status st;
    if (strncmp(*recipe, "file:", 5) != 0 || !(*recipe)[5])
        return HB_OK;
    if ((st = suite_resolve(*recipe + 5, dir, build_dir, &path)) == HB_OK && !exists(path))
        st = hb_fail(HB_ERR_NOT_FOUND, "%s does not exist", path);
    if (st == HB_OK && asprintf(&out, "file:%s", path) < 0)
        st = hb_fail(HB_ERR_MEM, "out of memory");
    free(path);
    if (st != HB_OK) {
        s->failed = 1;
        return hb_context(st, "%s:%d: %s", s->path, line, *recipe);
    }
    free(*recipe);
    *recipe = out;
    return HB_OK;
}

/* What only the whole file can tell: defaults, and keys that need others. */
static hb_status finish(load_state *s, suite *su, const char *build_dir)
{
    int scale = key_index("dataset", "scale"), offset = key_index("dataset", "offset");
    if (!su->has_element && (s->text[scale] || s->text[offset]))
        return fail_at(s, s->key_line[s->text[scale] ? scale : offset], HB_ERR_FORMAT,
                       "[dataset] scale and offset need element (the type of the raw values)");
    if (su->has_element && !s->text[scale])
        su->element.scale = 1.0;
    if (su->dataset_missing && !su->random_n)
        return fail_at(s, s->key_line[key_index("dataset", "path")], HB_ERR_NOT_FOUND,
                       "[dataset] path: %s not found, and no [dataset] random count to use "
                       "instead", su->dataset_missing);
    if (!su->name) {
        const char *base = strrchr(s->path, '/');
        base = base ? base + 1 : s->path;
        size_t n = strcspn(base, ".");
        if (!(su->name = strndup(base, n)))
            return hb_fail(HB_ERR_MEM, "out of memory");
    }
    su->n_variants = s->n_list;
    if (s->n_list && !(su->variants = calloc((size_t)s->n_list, sizeof(char *))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int i = 0; i < s->n_list; i++) {
        if (!s->list[i][0])
            return fail_at(s, s->list_line[i], HB_ERR_FORMAT, "[suite] variant: is empty");
        su->variants[i] = s->list[i];
        s->list[i] = NULL;
        hb_status st = resolve_recipe(s, s->list_line[i], build_dir, su->dir, &su->variants[i]);
        if (st != HB_OK)
            return st;
    }
    int ref = key_index("suite", "reference");
    return su->reference ? resolve_recipe(s, s->key_line[ref], build_dir, su->dir, &su->reference)
                         : HB_OK;
}

hb_status suite_load(const char *path, const char *build_dir, suite **out)
{
    load_state s;
    suite *su = NULL;
    hb_status st = HB_OK;

    memset(&s, 0, sizeof(s));
    *out = NULL;
    s.path = path;
    if (!(s.in.f = fopen(path, "r"))) {
        return hb_fail(errno == ENOENT ? HB_ERR_NOT_FOUND : HB_ERR_FAIL, "suite %s: %s", path,
                       strerror(errno));
    }
    int bad_line = ini_parse_stream(read_line, &s, on_key, &s);
    if (s.failed) {
        st = HB_ERR_FORMAT;
        goto cleanup;
    }
    if (ferror(s.in.f)) {
        st = hb_fail(HB_ERR_FAIL, "suite %s: read error", path);
        goto cleanup;
    }
    if (bad_line != 0) {
        st = hb_fail(HB_ERR_FORMAT, "%s:%d: expected [section], key = value or a comment", path,
                     bad_line);
        goto cleanup;
    }
    const char *slash = strrchr(path, '/');
    if (!(su = calloc(1, sizeof(*su))) || !(su->path = strdup(path)) ||
        !(su->dir = slash ? strndup(path, (size_t)(slash - path + (slash == path)))
                          : strdup("."))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    su->repeat = su->warmup = -1;
    for (int k = 0; k < N_KEYS; k++) {
        if (!s.text[k] && keys[k].required) {
            st = fail_at(&s, 0, HB_ERR_FORMAT, "[%s] %s is required", keys[k].section,
                         keys[k].name);
            goto cleanup;
        }
        if (s.text[k] && (st = convert(&s, su, k, build_dir)) != HB_OK)
            goto cleanup;
    }
    if ((st = finish(&s, su, build_dir)) != HB_OK)
        goto cleanup;
    *out = su;
    su = NULL;
cleanup:
    fclose(s.in.f);
    hb_ini_free(&s.in);
    for (int k = 0; k < N_KEYS; k++)
        free(s.text[k]);
    for (int i = 0; i < s.n_list; i++)
        free(s.list[i]);
    suite_free(su);
    return st;
}
