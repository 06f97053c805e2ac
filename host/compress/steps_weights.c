/*
 * steps_weights.c: the recipe steps fp16, prune:S[:structured] and
 * features:K (weights.h does the work).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compress_step.h"
#include "weights.h"

hb_status step_fp16_parse(compress_step *s)
{
    (void)s;
    return HB_OK;
}

hb_status step_fp16_applies(const graph *g, const compress_step *s)
{
    (void)s;
    return compress_fp16_check(g);
}

hb_status step_fp16_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map)
{
    (void)s;
    (void)ctx;
    (void)map;
    return compress_fp16(g, out);
}

hb_status step_prune_parse(compress_step *s)
{
    char *end;
    errno = 0;
    s->value = strtod(s->args[0], &end);
    if (errno || end == s->args[0] || *end || !(s->value > 0.0 && s->value < 1.0))
        return hb_fail(HB_ERR_ARG, "prune: sparsity '%s' must be a number strictly between "
                       "0 and 1", s->args[0]);
    for (int a = 1; a < s->n_args; a++) {
        if (strcmp(s->args[a], "structured") != 0)
            return hb_fail(HB_ERR_ARG, "prune: unknown argument '%s' (structured)",
                           s->args[a]);
        s->structured = 1;
    }
    return HB_OK;
}

hb_status step_prune_applies(const graph *g, const compress_step *s)
{
    (void)s;
    return compress_prune_check(g);
}

hb_status step_prune_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                           graph **out, compress_input_map *map)
{
    compress_prune_options opt = {s->value, s->structured};
    (void)ctx;
    (void)map;
    return compress_prune(g, &opt, out);
}

hb_status step_features_parse(compress_step *s)
{
    char *end;
    errno = 0;
    long k = strtol(s->args[0], &end, 10);
    if (errno || end == s->args[0] || *end || k < 1 || k > 1000000)
        return hb_fail(HB_ERR_ARG, "features: '%s' is not a feature count (1 or more)",
                       s->args[0]);
    s->value = (double)k;
    return HB_OK;
}

hb_status step_features_applies(const graph *g, const compress_step *s)
{
    return compress_features_check(g, (int)s->value);
}

hb_status step_features_apply(const graph *g, const compress_step *s,
                              const compress_context *ctx, graph **out,
                              compress_input_map *map)
{
    (void)ctx;
    return compress_features(g, (int)s->value, out, map);
}
