/*
 * score.h: how good a variant is: against labels, and against a reference
 * variant on the same vectors (docs/suites.md defines every score).
 *
 * Namespace: score_ / SCORE_.
 *
 * Pure functions over arrays the caller owns: no I/O, no allocation except
 * where stated (score_auc sorts a copy). Values are dequantised floats, so
 * variants of any dtype compare on one scale.
 *
 * Label scores:
 *   accuracy  fraction of vectors whose predicted class is the label
 *   auc       area under the ROC curve of an anomaly score against 0/1
 *             labels (1 = anomaly): the probability that a random anomaly
 *             scores higher than a random normal vector, ties counting 1/2
 *   mae       mean absolute error of a regression output against its label
 *
 * Fidelity against a reference, over every output value of every vector
 * (score_fidelity accumulates them):
 *   rmse      sqrt(sum (ref - v)^2 / n)
 *   snr_db    10 log10(sum ref^2 / sum (ref - v)^2), clamped to
 *             [-SCORE_SNR_CAP_DB, SCORE_SNR_CAP_DB]: identical outputs give
 *             the cap, not infinity
 *   cosine    sum ref v / sqrt(sum ref^2 sum v^2); 1 when both are all zero,
 *             0 when only one is
 *   max_abs   max |ref - v|
 *   agreement fraction of vectors whose top-1 class is the reference's
 */
#ifndef SCORE_H
#define SCORE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/hb_error.h"

/* Bounds of snr_db: what identical (or entirely wrong) outputs give. */
#define SCORE_SNR_CAP_DB 200.0

/* The class a classifier output votes for: the index of the largest value
 * (the first one on ties); a single value is a binary classifier whose
 * class is 1 when the value exceeds threshold. n >= 1. */
int score_class(const float *v, size_t n, double threshold);

/* Each: HB_ERR_ARG if n < 1 (there is nothing to score); *out set on
 * success only. */
hb_status score_accuracy(const int *pred, const int *label, int n, double *out);
hb_status score_mae(const double *pred, const double *label, int n, double *out);
/* labels are 0 or 1; HB_ERR_ARG also when one class is missing (the curve
 * is undefined) or a label is neither. */
hb_status score_auc(const double *score, const int *label, int n, double *out);

/* Mean of (a[i] - b[i])^2, 0 when n is 0. */
double score_mse(const float *a, const float *b, size_t n);

/* Sums over every value compared so far. Start from {0}. */
typedef struct {
    uint64_t values;      /* values compared */
    double sum_ref2;      /* sum ref^2 */
    double sum_v2;        /* sum v^2 */
    double sum_err2;      /* sum (ref - v)^2 */
    double dot;           /* sum ref v */
    double max_abs;       /* max |ref - v| */
    int votes, agree;     /* vectors voted on, how many agreed */
} score_fidelity;

void score_fidelity_add(score_fidelity *f, const float *ref, const float *v, size_t n);
/* Records one vector's top-1 comparison. */
void score_fidelity_vote(score_fidelity *f, int agree);

/* HB_ERR_ARG if nothing was added (votes for the agreement). */
hb_status score_rmse(const score_fidelity *f, double *out);
hb_status score_snr_db(const score_fidelity *f, double *out);
hb_status score_cosine(const score_fidelity *f, double *out);
hb_status score_max_abs(const score_fidelity *f, double *out);
hb_status score_agreement(const score_fidelity *f, double *out);

#endif
