/*
 * hostrun.h: running a graph on the host with the engine the stub uses.
 *
 * Namespace: hostrun_.
 *
 * One engine, two places: `hilbench infer`, the reference outputs of a run,
 * calibration for quantisation and per-layer dumps all go through here, so
 * the host computes exactly what the board computes.
 *
 * Ownership: hostrun_new() copies what it needs from the graph (the graph
 * may be freed afterwards); hostrun_free() releases everything.
 */
#ifndef HOSTRUN_H
#define HOSTRUN_H

#include <stddef.h>
#include <stdint.h>

#include "../../target-stub/engine/nn.h"
#include "graph.h"

typedef struct hostrun hostrun;

/* Called after op `op` ran. out[k] (k < n) describes the op's outputs, with
 * data pointing into the arena: valid only during the call. */
typedef void (*hostrun_layer_fn)(void *ctx, int op, const nn_tensor *out,
                                 int n);

/* The largest arena the host allocates: far beyond any microcontroller,
 * and what stops a damaged model from asking for gigabytes. */
#define HOSTRUN_ARENA_MAX (1024u * 1024u * 1024u)

/* Lowers g (blob_build) and opens it with the engine. */
hb_status hostrun_new(const graph *g, hostrun **out);
/* Opens an existing blob (copied): the engine validates it, and a CRC that
 * does not match its bytes gives HB_ERR_FORMAT; an arena above
 * HOSTRUN_ARENA_MAX gives HB_ERR_UNSUPPORTED. */
hb_status hostrun_new_blob(const uint8_t *blob, size_t len, hostrun **out);
void hostrun_free(hostrun *r);

const nn_model *hostrun_model(const hostrun *r);
const uint8_t *hostrun_blob(const hostrun *r, size_t *len);

/* Copies bytes into input i; bytes must equal the input tensor's size
 * (HB_ERR_ARG with both sizes otherwise). */
hb_status hostrun_set_input(hostrun *r, int i, const void *data, size_t bytes);
/* Sets input i from `count` float32 values (count must equal the input's
 * elements): copied into a float32 input, quantised with an int8 / int16
 * input's own scale and zero point (round(x / scale) + zero point, halves
 * away from zero, saturated) as TFLite's QUANTIZE does. Non-finite values
 * into an integer input give HB_ERR_ARG. */
hb_status hostrun_set_input_f32(hostrun *r, int i, const float *v, size_t count);
/* Output i after an invoke as `count` float32 values (count must equal the
 * output's elements): copied, or dequantised as scale x (q - zero point). */
hb_status hostrun_output_f32(hostrun *r, int i, float *v, size_t count);
/* Runs the model once; layer may be NULL. */
hb_status hostrun_invoke(hostrun *r, hostrun_layer_fn layer, void *ctx);
/* Describes output i after an invoke (data valid until the next invoke). */
hb_status hostrun_output(hostrun *r, int i, nn_tensor *out);
hb_status hostrun_input(hostrun *r, int i, nn_tensor *out);

#endif
