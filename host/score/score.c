/*
 * score.c: label scores and fidelity against a reference (score.h).
 *
 * Sums are kept in double: a run may compare millions of float values, and
 * the fidelity of a good variant is a small difference of large sums.
 */
#include "score.h"

#include <math.h>
#include <stdlib.h>

int score_class(const float *v, size_t n, double threshold)
{
    if (n == 1)
        return (double)v[0] > threshold;
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (v[i] > v[best])
            best = i;
    return (int)best;
}

static hb_status need(int n, const char *what)
{
    return n < 1 ? hb_fail(HB_ERR_ARG, "%s: no vectors to score", what) : HB_OK;
}

hb_status score_accuracy(const int *pred, const int *label, int n, double *out)
{
    hb_status st = need(n, "accuracy");
    int hits = 0;
    if (st != HB_OK)
        return st;
    for (int i = 0; i < n; i++)
        hits += pred[i] == label[i];
    *out = (double)hits / n;
    return HB_OK;
}

hb_status score_mae(const double *pred, const double *label, int n, double *out)
{
    hb_status st = need(n, "mae");
    double sum = 0.0;
    if (st != HB_OK)
        return st;
    for (int i = 0; i < n; i++)
        sum += fabs(pred[i] - label[i]);
    *out = sum / n;
    return HB_OK;
}

typedef struct {
    double score;
    int label;
} scored;

static int cmp_scored(const void *a, const void *b)
{
    double x = ((const scored *)a)->score, y = ((const scored *)b)->score;
    return x < y ? -1 : x > y;
}

/* Mann-Whitney: AUC = (sum of the anomalies' ranks - p(p+1)/2) / (p q),
 * where tied scores share their average rank, which is what counts a tie
 * as half a win. */
hb_status score_auc(const double *score, const int *label, int n, double *out)
{
    hb_status st = need(n, "auc");
    scored *s = NULL;
    double rank_sum = 0.0;
    long pos = 0, neg = 0;

    if (st != HB_OK)
        return st;
    for (int i = 0; i < n; i++) {
        if (label[i] != 0 && label[i] != 1)
            return hb_fail(HB_ERR_ARG, "auc: label %d of vector %d is not 0 or 1", label[i], i);
        if (isnan(score[i]))
            return hb_fail(HB_ERR_ARG, "auc: the score of vector %d is not a number", i);
        pos += label[i];
    }
    neg = n - pos;
    if (pos == 0 || neg == 0)
        return hb_fail(HB_ERR_ARG, "auc: needs both normal and anomalous vectors (%ld and %ld)",
                       neg, pos);
    if (!(s = malloc((size_t)n * sizeof(*s))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int i = 0; i < n; i++)
        s[i] = (scored){score[i], label[i]};
    qsort(s, (size_t)n, sizeof(*s), cmp_scored);
    for (int i = 0; i < n;) {
        int j = i;
        long tied_pos = 0;
        while (j < n && s[j].score == s[i].score)
            tied_pos += s[j++].label;
        /* Ranks i+1 .. j share their mean. */
        rank_sum += (double)tied_pos * ((double)(i + 1) + (double)j) / 2.0;
        i = j;
    }
    free(s);
    *out = (rank_sum - (double)pos * (double)(pos + 1) / 2.0) / ((double)pos * (double)neg);
    return HB_OK;
}

double score_mse(const float *a, const float *b, size_t n)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double d = (double)a[i] - (double)b[i];
        sum += d * d;
    }
    return n ? sum / (double)n : 0.0;
}

void score_fidelity_add(score_fidelity *f, const float *ref, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double r = ref[i], x = v[i], d = r - x;
        f->sum_ref2 += r * r;
        f->sum_v2 += x * x;
        f->sum_err2 += d * d;
        f->dot += r * x;
        if (fabs(d) > f->max_abs)
            f->max_abs = fabs(d);
    }
    f->values += n;
}

void score_fidelity_vote(score_fidelity *f, int agree)
{
    f->votes++;
    f->agree += agree != 0;
}

static hb_status need_values(const score_fidelity *f, const char *what)
{
    return f->values ? HB_OK : hb_fail(HB_ERR_ARG, "%s: no values compared", what);
}

hb_status score_rmse(const score_fidelity *f, double *out)
{
    hb_status st = need_values(f, "rmse");
    if (st == HB_OK)
        *out = sqrt(f->sum_err2 / (double)f->values);
    return st;
}

hb_status score_snr_db(const score_fidelity *f, double *out)
{
    hb_status st = need_values(f, "snr_db");
    if (st != HB_OK)
        return st;
    double db;
    if (f->sum_err2 == 0.0)
        db = SCORE_SNR_CAP_DB;
    else if (f->sum_ref2 == 0.0)
        db = -SCORE_SNR_CAP_DB;
    else
        db = 10.0 * log10(f->sum_ref2 / f->sum_err2);
    *out = fmax(-SCORE_SNR_CAP_DB, fmin(SCORE_SNR_CAP_DB, db));
    return HB_OK;
}

hb_status score_cosine(const score_fidelity *f, double *out)
{
    hb_status st = need_values(f, "cosine");
    if (st != HB_OK)
        return st;
    if (f->sum_ref2 == 0.0 || f->sum_v2 == 0.0)
        *out = f->sum_ref2 == f->sum_v2 ? 1.0 : 0.0;
    else
        *out = fmax(-1.0, fmin(1.0, f->dot / (sqrt(f->sum_ref2) * sqrt(f->sum_v2))));
    return HB_OK;
}

hb_status score_max_abs(const score_fidelity *f, double *out)
{
    hb_status st = need_values(f, "max_abs_error");
    if (st == HB_OK)
        *out = f->max_abs;
    return st;
}

hb_status score_agreement(const score_fidelity *f, double *out)
{
    if (f->votes < 1)
        return hb_fail(HB_ERR_ARG, "top1_agreement: no vectors voted");
    *out = (double)f->agree / f->votes;
    return HB_OK;
}
