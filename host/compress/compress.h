/*
 * compress.h: compression recipes: text in, variant graph out.
 *
 * Namespace: compress_.
 *
 * A recipe is a list of steps separated by ',' and applied left to right
 * (docs/variants.md): e.g. "float", "int8", "int8:per-tensor:mse",
 * "prune:0.5,int8", "features:32,int8", "file:student.tflite". A step is
 * NAME[:ARG]...; each step kind is one entry of a table (name, arguments,
 * applicability check, transform), so adding a recipe is adding a row.
 *
 *   float          the model as given (identity)
 *   file:PATH      a variant made elsewhere (.tflite or a hilbench blob);
 *                  must be the only step
 *   int8           full-integer post-training quantisation (TFLite's int8
 *                  scheme); args: per-tensor, minmax | percentile |
 *                  percentile=P | mse
 *   int16x8        16-bit activations, 8-bit weights (TFLite's 16x8);
 *                  arguments as int8
 *   dynamic        int8 weights, float activations; arg per-tensor
 *   fp16           weights stored as half floats, computed in float
 *   prune:S        magnitude pruning to sparsity S in (0, 1); arg
 *                  structured (whole output channels)
 *   features:K     keep the K input features with the most weight mass
 *                  (first op FULLY_CONNECTED); vectors are reduced too
 *
 * Every step first checks that it applies to the graph it receives, so a
 * recipe that does not apply fails with a clear message before anything
 * runs. Parsing errors name the step and the argument.
 *
 * Ownership: parsed recipes are freed with compress_recipe_free(); graphs
 * returned belong to the caller (graph_free); compress_input_map arrays are
 * freed with compress_input_map_free(). Out-pointers are NULL on failure.
 */
#ifndef COMPRESS_H
#define COMPRESS_H

#include <stdint.h>

#include "../model/graph.h"

typedef struct compress_recipe compress_recipe;

hb_status compress_recipe_parse(const char *text, compress_recipe **out);
void compress_recipe_free(compress_recipe *r);
/* The recipe in canonical form (what the database records). Valid while r
 * lives. */
const char *compress_recipe_text(const compress_recipe *r);
/* 1 if some step needs calibration vectors. */
int compress_recipe_needs_calibration(const compress_recipe *r);
/* The PATH of a file: recipe, else NULL. */
const char *compress_recipe_file(const compress_recipe *r);

typedef struct {
    /* Calibration vectors in the reference model's input layout: for vector
     * v, calib[v] holds the float32 values of every model input,
     * concatenated in input order. */
    const float *const *calib;
    int n_calib;
    /* Folder a relative file: path is resolved against (may be NULL). */
    const char *base_dir;
} compress_context;

/* How a variant's inputs derive from the reference model's inputs. With
 * n_kept == 0 they are the same; otherwise input 0 of the variant holds
 * elements kept[0..n_kept) (ascending indices into input 0 of the
 * reference). */
typedef struct {
    int n_kept;
    int32_t *kept;
} compress_input_map;

/* Applies recipe r to model (which is not changed). ctx may be NULL when no
 * step needs calibration or files. map (may be NULL) receives the input
 * mapping. */
hb_status compress_apply(const graph *model, const compress_recipe *r,
                         const compress_context *ctx, graph **out,
                         compress_input_map *map);
void compress_input_map_free(compress_input_map *map);

#endif
