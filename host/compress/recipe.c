/*
 * recipe.c: recipe parsing, the table of step kinds, and applying a recipe.
 */
#include "compress.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/tflite.h"
#include "compress_step.h"
#include "weights.h"

/* The step kinds. Each row: name, argument check, applicability, transform. */
static const compress_step_kind kinds[] = {
    {"float", 0, 0, 0, step_float_parse, NULL, step_float_apply},
    {"file", 1, 1, 0, step_file_parse, NULL, step_file_apply},
    {"int8", 0, 2, 1, step_int8_parse, step_int8_applies, step_int8_apply},
    {"int16x8", 0, 2, 1, step_int8_parse, step_int16x8_applies, step_int16x8_apply},
    {"dynamic", 0, 1, 0, step_dynamic_parse, step_dynamic_applies, step_dynamic_apply},
    {"fp16", 0, 0, 0, step_fp16_parse, step_fp16_applies, step_fp16_apply},
    {"prune", 1, 2, 0, step_prune_parse, step_prune_applies, step_prune_apply},
    {"features", 1, 1, 0, step_features_parse, step_features_applies, step_features_apply},
};

#define N_KINDS (int)(sizeof(kinds) / sizeof(kinds[0]))

struct compress_recipe {
    int n;
    compress_step steps[COMPRESS_MAX_STEPS];
    char work[1024];      /* the text, split in place; steps point here */
    char canonical[1024];
};

void compress_recipe_free(compress_recipe *r)
{
    free(r);
}

const char *compress_recipe_text(const compress_recipe *r)
{
    return r->canonical;
}

int compress_recipe_needs_calibration(const compress_recipe *r)
{
    for (int i = 0; i < r->n; i++)
        if (r->steps[i].kind->needs_calibration)
            return 1;
    return 0;
}

const char *compress_recipe_file(const compress_recipe *r)
{
    return r->n == 1 && !strcmp(r->steps[0].kind->name, "file") ? r->steps[0].args[0] : NULL;
}

static const compress_step_kind *find_kind(const char *name)
{
    for (int k = 0; k < N_KINDS; k++)
        if (!strcmp(kinds[k].name, name))
            return &kinds[k];
    return NULL;
}

static void list_kinds(char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (int k = 0; k < N_KINDS && used < cap; k++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", k ? ", " : "", kinds[k].name);
}

/* Splits one step "name:arg:arg" in place. file: takes the rest verbatim so
 * paths may contain ':'. */
static hb_status parse_step(char *text, compress_step *s)
{
    char *colon = strchr(text, ':');
    memset(s, 0, sizeof(*s));
    if (colon)
        *colon = '\0';
    if (!(s->kind = find_kind(text))) {
        char known[256];
        list_kinds(known, sizeof(known));
        return hb_fail(HB_ERR_ARG, "recipe step '%s' is unknown (known: %s)", text, known);
    }
    if (colon && !strcmp(s->kind->name, "file")) {
        s->args[s->n_args++] = colon + 1;
    } else {
        for (char *a = colon ? colon + 1 : NULL; a;) {
            char *next = strchr(a, ':');
            if (next)
                *next++ = '\0';
            if (s->n_args == COMPRESS_MAX_ARGS || !*a)
                return hb_fail(HB_ERR_ARG, "recipe step '%s': bad argument list", s->kind->name);
            s->args[s->n_args++] = a;
            a = next;
        }
    }
    if (s->n_args < s->kind->min_args || s->n_args > s->kind->max_args)
        return hb_fail(HB_ERR_ARG, "recipe step '%s' takes %d to %d arguments, got %d",
                       s->kind->name, s->kind->min_args, s->kind->max_args, s->n_args);
    return s->kind->parse(s);
}

hb_status compress_recipe_parse(const char *text, compress_recipe **out)
{
    compress_recipe *r = calloc(1, sizeof(*r));
    hb_status st = HB_OK;

    *out = NULL;
    if (!r)
        return hb_fail(HB_ERR_MEM, "out of memory");
    if (!text || !*text || strlen(text) >= sizeof(r->work)) {
        st = hb_fail(HB_ERR_ARG, "empty or overlong recipe");
        goto cleanup;
    }
    char *work = r->work;
    snprintf(work, sizeof(r->work), "%s", text);
    for (char *p = work; p;) {
        char *comma = strchr(p, ',');
        if (comma && strncmp(p, "file:", 5) != 0)
            *comma++ = '\0';
        else
            comma = NULL;
        if (r->n == COMPRESS_MAX_STEPS) {
            st = hb_fail(HB_ERR_ARG, "recipe '%s' has too many steps", text);
            goto cleanup;
        }
        if ((st = parse_step(p, &r->steps[r->n])) != HB_OK) {
            hb_context(st, "recipe '%s'", text);
            goto cleanup;
        }
        r->n++;
        p = comma;
    }
    for (int i = 0; i < r->n; i++)
        if ((r->steps[i].kind == find_kind("file") || r->steps[i].kind == find_kind("float")) &&
            r->n > 1) {
            st = hb_fail(HB_ERR_ARG, "recipe '%s': '%s' must be the only step", text,
                         r->steps[i].kind->name);
            goto cleanup;
        }
    /* Canonical text: the steps as parsed, rejoined. */
    char canon[sizeof(r->canonical)];
    size_t used = 0;
    for (int i = 0; i < r->n && used < sizeof(canon); i++) {
        used += (size_t)snprintf(canon + used, sizeof(canon) - used, "%s%s", i ? "," : "",
                                 r->steps[i].kind->name);
        for (int a = 0; a < r->steps[i].n_args && used < sizeof(canon); a++)
            used += (size_t)snprintf(canon + used, sizeof(canon) - used, ":%s",
                                     r->steps[i].args[a]);
    }
    snprintf(r->canonical, sizeof(r->canonical), "%s", canon);
    *out = r;
    return HB_OK;
cleanup:
    free(r);
    return st;
}

void compress_input_map_free(compress_input_map *map)
{
    if (!map)
        return;
    free(map->kept);
    map->kept = NULL;
    map->n_kept = 0;
}

hb_status compress_apply(const graph *model, const compress_recipe *r,
                         const compress_context *ctx, graph **out, compress_input_map *map)
{
    graph *cur = NULL, *next = NULL;
    hb_status st;
    compress_input_map local = {0, NULL};

    *out = NULL;
    if (map)
        *map = local;
    if (compress_recipe_needs_calibration(r) && (!ctx || ctx->n_calib < 1))
        return hb_fail(HB_ERR_ARG, "recipe '%s' needs calibration vectors (--calib DIR)",
                       compress_recipe_text(r));
    if ((st = graph_clone(model, &cur)) != HB_OK)
        return st;
    for (int i = 0; i < r->n; i++) {
        const compress_step *s = &r->steps[i];
        if (s->kind->applies && (st = s->kind->applies(cur, s)) != HB_OK) {
            hb_context(st, "recipe '%s': step '%s' does not apply", compress_recipe_text(r),
                       s->kind->name);
            goto cleanup;
        }
        /* After features:K the calibration vectors must shrink too. */
        compress_context mapped;
        void *mapped_store = NULL;
        if (ctx && (st = compress_map_calibration(model, &local, ctx, &mapped,
                                                  &mapped_store)) != HB_OK)
            goto cleanup;
        st = s->kind->apply(cur, s, ctx ? &mapped : NULL, &next, &local);
        free(mapped_store);
        if (st != HB_OK) {
            hb_context(st, "recipe '%s': step '%s'", compress_recipe_text(r), s->kind->name);
            goto cleanup;
        }
        graph_free(cur);
        cur = next;
        next = NULL;
    }
    *out = cur;
    if (map)
        *map = local;
    else
        compress_input_map_free(&local);
    return HB_OK;
cleanup:
    graph_free(cur);
    graph_free(next);
    compress_input_map_free(&local);
    return st;
}
