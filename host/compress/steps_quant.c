/*
 * steps_quant.c: the recipe steps int16x8 (TFLite's 16x8 scheme) and
 * dynamic (int8 weights, float activations). Arithmetic: quantize.h and
 * docs/variants.md.
 */
#include <stdlib.h>
#include <string.h>

#include "compress_step.h"
#include "quantize.h"

_Static_assert((int)CALIB_MINMAX == (int)COMPRESS_CALIB_MINMAX &&
                   (int)CALIB_PERCENTILE == (int)COMPRESS_CALIB_PERCENTILE &&
                   (int)CALIB_MSE == (int)COMPRESS_CALIB_MSE,
               "recipe and quantisation calibration methods must agree");

static compress_quantize_options int16x8_options(const compress_step *s)
{
    compress_quantize_options opt = {s->per_tensor, COMPRESS_SCHEME_INT16X8, s->calibration,
                                     s->value};
    return opt;
}

hb_status step_int16x8_applies(const graph *g, const compress_step *s)
{
    compress_quantize_options opt = int16x8_options(s);
    return compress_quantize_check(g, &opt);
}

hb_status step_int16x8_apply(const graph *g, const compress_step *s,
                             const compress_context *ctx, graph **out,
                             compress_input_map *map)
{
    compress_quantize_options opt = int16x8_options(s);
    (void)map;
    return compress_quantize(g, &opt, ctx->calib, ctx->n_calib, out);
}

hb_status step_dynamic_parse(compress_step *s)
{
    for (int a = 0; a < s->n_args; a++) {
        if (!strcmp(s->args[a], "per-tensor"))
            s->per_tensor = 1;
        else if (!strcmp(s->args[a], "per-channel"))
            s->per_tensor = 0;
        else
            return hb_fail(HB_ERR_ARG, "dynamic: unknown argument '%s' (per-tensor, "
                           "per-channel)", s->args[a]);
    }
    return HB_OK;
}

/* Float activations throughout, and at least one weighted op with float32
 * weights to quantise. */
hb_status step_dynamic_applies(const graph *g, const compress_step *s)
{
    int weighted = 0;
    (void)s;
    for (int t = 0; t < g->n_tensors; t++)
        if (!g->tensors[t].data && g->tensors[t].dtype != NN_DT_FLOAT32)
            return hb_fail(HB_ERR_UNSUPPORTED, "the model is not float (tensor %d is %s): "
                           "dynamic needs float activations", t,
                           nn_dtype_name(g->tensors[t].dtype));
    for (int i = 0; i < g->n_ops; i++) {
        const graph_op *o = &g->ops[i];
        int w = o->n_inputs > 1 ? o->inputs[1] : -1;
        if ((o->op == NN_OP_FULLY_CONNECTED || o->op == NN_OP_CONV_2D ||
             o->op == NN_OP_DEPTHWISE_CONV_2D) && w >= 0 && g->tensors[w].data &&
            g->tensors[w].dtype == NN_DT_FLOAT32 && !g->tensors[w].n_quant)
            weighted++;
    }
    if (!weighted)
        return hb_fail(HB_ERR_UNSUPPORTED, "no FULLY_CONNECTED, CONV_2D or DEPTHWISE_CONV_2D "
                       "with float32 weights: dynamic has nothing to quantise");
    return HB_OK;
}

hb_status step_dynamic_apply(const graph *g, const compress_step *s,
                             const compress_context *ctx, graph **out,
                             compress_input_map *map)
{
    (void)ctx;
    (void)map;
    return compress_quantize_weights(g, s->per_tensor, out);
}
