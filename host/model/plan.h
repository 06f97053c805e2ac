/*
 * plan.h: the offline arena plan: where each activation lives.
 *
 * Namespace: plan_.
 *
 * Every non-constant tensor gets an offset in one arena. Tensors whose
 * lifetimes (from the op that writes them to the last op that reads them;
 * model inputs from the start, outputs to the end) overlap never share
 * bytes. Buffers are placed greedily, largest first, each at the lowest
 * NN_ALIGN-aligned offset where it fits among the already placed buffers it
 * overlaps in time. A RESHAPE output shares its input's buffer (no copy).
 *
 * Workload: tens to hundreds of tensors; quadratic time is fine.
 */
#ifndef PLAN_H
#define PLAN_H

#include <stdint.h>

#include "graph.h"

#define PLAN_NONE UINT32_MAX /* offset of constants and unused tensors */

/* offsets: n_tensors entries, filled; *arena_bytes: total, NN_ALIGN-
 * rounded. used[t] (n_tensors entries, may be NULL) marks the tensors the
 * blob keeps: only those are planned. */
hb_status plan_arena(const graph *g, const uint8_t *used, uint32_t *offsets,
                     uint32_t *arena_bytes);

/* 1 if op i's output k may share the buffer of its input j (an alias). */
int plan_op_aliases(const graph *g, int i, int *input_index);

#endif
