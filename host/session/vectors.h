/*
 * vectors.h: the test vectors a run streams to the board.
 *
 * Namespace: vectors_.
 *
 * A vector is the raw little-endian bytes of every model input, in input
 * order, concatenated. From a folder (*.bin, in name order; each file holds
 * exactly the model's input bytes, or float32 values for every input
 * element, which are then quantised with each int8/int16 input's own scale
 * and zero point: q = clamp(round(x / scale) + zero_point)) or generated: xorshift32 seeded
 * with seed + k for vector k, one draw per element, int8/uint8 from the low
 * byte, int16 from the low 16 bits, float32 as (draw / 2^32) * 2 - 1. With
 * seed 1000 this reproduces the inputs of ../shared/goldens.
 *
 * Ownership: a vectors set owns its names and data (vectors_free).
 */
#ifndef VECTORS_H
#define VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "../model/graph.h"

typedef struct {
    int quantised;    /* 1 if float32 files were quantised for the model */
    int n;
    char **names;     /* file names, or "random-<k>" */
    uint8_t **data;   /* n buffers of `bytes` bytes */
    size_t bytes;     /* all inputs of one vector */
} vectors;

/* Total input bytes of the graph, and each input's share (may be NULL). */
size_t vectors_input_bytes(const graph *g);

/* Loads every *.bin in dir. All sizes are checked before anything is
 * returned: a wrong size names the file and both sizes. */
hb_status vectors_load_dir(const char *dir, const graph *g, vectors *out);
/* Loads every *.bin in dir as float32 values of every input element (what
 * calibration takes), never quantised: each file must hold exactly
 * 4 x (elements of all inputs) bytes; data[i] is then float-aligned. */
hb_status vectors_load_float_dir(const char *dir, const graph *g, vectors *out);
hb_status vectors_random(int n, uint32_t seed, const graph *g, vectors *out);
void vectors_free(vectors *v);

#endif
