/*
 * compress_step.h: the interface of one recipe step kind (recipe.c's
 * table). Internal to host/compress.
 *
 * Namespace: step_ / COMPRESS_.
 */
#ifndef COMPRESS_STEP_H
#define COMPRESS_STEP_H

#include "compress.h"

#define COMPRESS_MAX_STEPS 8
#define COMPRESS_MAX_ARGS 4

typedef struct compress_step compress_step;

typedef struct {
    const char *name;
    int min_args, max_args;
    int needs_calibration;
    /* Checks the arguments (s->args) and fills s's parsed fields. */
    hb_status (*parse)(compress_step *s);
    /* HB_OK if the step can transform g, else an error saying why. May be
     * NULL (always applies). */
    hb_status (*applies)(const graph *g, const compress_step *s);
    /* Transforms g into a new graph; may update the input map. */
    hb_status (*apply)(const graph *g, const compress_step *s, const compress_context *ctx,
                       graph **out, compress_input_map *map);
} compress_step_kind;

enum { CALIB_MINMAX = 0, CALIB_PERCENTILE = 1, CALIB_MSE = 2 };

struct compress_step {
    const compress_step_kind *kind;
    int n_args;
    char *args[COMPRESS_MAX_ARGS];
    /* Parsed arguments, as the kind uses them. */
    double value;     /* prune: sparsity; features: K; int8, int16x8:
                         percentile P (0: the default) */
    int per_tensor;   /* int8, int16x8, dynamic: one weight scale per tensor */
    int structured;   /* prune: whole output channels */
    int calibration;  /* CALIB_* */
};

/* Steps in steps_*.c. */
hb_status step_float_parse(compress_step *s);
hb_status step_float_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                           graph **out, compress_input_map *map);
hb_status step_file_parse(compress_step *s);
hb_status step_file_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map);
hb_status step_int8_parse(compress_step *s);
hb_status step_int8_applies(const graph *g, const compress_step *s);
hb_status step_int8_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map);
/* steps_quant.c: int16x8 (parsed as int8) and dynamic. */
hb_status step_int16x8_applies(const graph *g, const compress_step *s);
hb_status step_int16x8_apply(const graph *g, const compress_step *s,
                             const compress_context *ctx, graph **out,
                             compress_input_map *map);
hb_status step_dynamic_parse(compress_step *s);
hb_status step_dynamic_applies(const graph *g, const compress_step *s);
hb_status step_dynamic_apply(const graph *g, const compress_step *s,
                             const compress_context *ctx, graph **out,
                             compress_input_map *map);
/* steps_weights.c: fp16, prune, features (weights.h). */
hb_status step_fp16_parse(compress_step *s);
hb_status step_fp16_applies(const graph *g, const compress_step *s);
hb_status step_fp16_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                          graph **out, compress_input_map *map);
hb_status step_prune_parse(compress_step *s);
hb_status step_prune_applies(const graph *g, const compress_step *s);
hb_status step_prune_apply(const graph *g, const compress_step *s, const compress_context *ctx,
                           graph **out, compress_input_map *map);
hb_status step_features_parse(compress_step *s);
hb_status step_features_applies(const graph *g, const compress_step *s);
hb_status step_features_apply(const graph *g, const compress_step *s,
                              const compress_context *ctx, graph **out,
                              compress_input_map *map);

#endif
