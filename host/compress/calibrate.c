/*
 * calibrate.c: the float ranges of every activation (quantize.h): the float
 * graph runs on the host engine over the calibration vectors; a first pass
 * takes min and max, a second (percentile, mse) fills one histogram per
 * tensor over that range and clips it.
 *
 * Workload: a few hundred vectors through a model of up to ~10^6
 * activations per vector; one histogram of COMPRESS_HIST_BINS 64-bit
 * counts per activation tensor (tens of tensors, a few MB). The mse search
 * is O(bins) per round thanks to prefix sums of count, x and x^2.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../model/hostrun.h"
#include "quantize.h"

struct compress_hist {
    double min, max, width;   /* width of a bin; 0 when min == max */
    uint64_t total, zeros;    /* values added, of which exactly 0 */
    uint64_t counts[COMPRESS_HIST_BINS];
};

/* Running the graph ------------------------------------------------------- */

typedef hb_status (*observe_fn)(void *ctx, int t, const float *v, size_t n);

typedef struct {
    const graph *g;
    observe_fn fn;
    void *ctx;
    hb_status st;       /* first failure seen in the layer callback */
} runner;

static const char *tname(const graph *g, int t)
{
    return g->tensors[t].name ? g->tensors[t].name : "?";
}

/* Only float outputs are observed: a float model's own int8 edges keep
 * their parameters. */
static void on_layer(void *ctx, int op, const nn_tensor *out, int n)
{
    runner *r = ctx;
    if (r->st != HB_OK)
        return;
    if (op < 0 || op >= r->g->n_ops || n != r->g->ops[op].n_outputs) {
        r->st = hb_fail(HB_ERR_FAIL, "calibration: op %d does not match the graph", op);
        return;
    }
    for (int k = 0; k < n && r->st == HB_OK; k++) {
        int t = r->g->ops[op].outputs[k];
        if (out[k].dtype != NN_DT_FLOAT32)
            continue;
        if (!out[k].data || out[k].count != graph_tensor_count(&r->g->tensors[t])) {
            r->st = hb_fail(HB_ERR_FAIL, "calibration: op %d output %d is not tensor %d (%s)",
                            op, k, t, tname(r->g, t));
            return;
        }
        r->st = r->fn(r->ctx, t, out[k].data, out[k].count);
    }
}

/* Sets input k from float values: as they are, or quantised with the
 * input's own parameters (a float model with int8 inputs). */
static hb_status set_input(hostrun *h, const graph *g, int k, const float *v, runner *r)
{
    const graph_tensor *t = &g->tensors[g->inputs[k]];
    size_t n = graph_tensor_count(t);
    hb_status st;
    if (t->dtype == NN_DT_FLOAT32) {
        if ((st = r->fn(r->ctx, g->inputs[k], v, n)) != HB_OK)
            return st;
        return hostrun_set_input(h, k, v, n * sizeof(float));
    }
    if (t->dtype != NN_DT_INT8 || t->n_quant != 1)
        return hb_fail(HB_ERR_UNSUPPORTED, "calibration: input %d (%s) is %s", k,
                       tname(g, g->inputs[k]), nn_dtype_name(t->dtype));
    int8_t *q = malloc(n ? n : 1);
    if (!q)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t e = 0; e < n; e++) {
        if (!isfinite(v[e])) {
            free(q);
            return hb_fail(HB_ERR_ARG, "calibration: input %d holds a non-finite value", k);
        }
        q[e] = compress_int8_from_float(v[e], t->scales[0], t->zero_points[0]);
    }
    st = hostrun_set_input(h, k, q, n);
    free(q);
    return st;
}

static hb_status run_all(const graph *g, const float *const *calib, int n_vectors,
                         observe_fn fn, void *ctx)
{
    hostrun *h = NULL;
    runner r = {g, fn, ctx, HB_OK};
    hb_status st;

    if (!g || !calib || n_vectors < 1)
        return hb_fail(HB_ERR_ARG, "calibration: no graph or no calibration vectors");
    if ((st = graph_validate(g)) != HB_OK)
        return st;
    if ((st = hostrun_new(g, &h)) != HB_OK)
        return hb_context(st, "calibration");
    const nn_model *m = hostrun_model(h);
    if (nn_model_op_count(m) != g->n_ops) {
        st = hb_fail(HB_ERR_FAIL, "calibration: the blob has %d ops, the graph %d",
                     nn_model_op_count(m), g->n_ops);
        goto cleanup;
    }
    for (int i = 0; i < g->n_ops; i++)
        if (nn_model_op_code(m, (uint16_t)i) != g->ops[i].op) {
            st = hb_fail(HB_ERR_FAIL, "calibration: blob op %d is not the graph's op %d (%s)",
                         i, i, nn_op_name(g->ops[i].op));
            goto cleanup;
        }
    for (int v = 0; v < n_vectors; v++) {
        const float *x = calib[v];
        if (!x) {
            st = hb_fail(HB_ERR_ARG, "calibration vector %d is NULL", v);
            goto cleanup;
        }
        for (int k = 0; k < g->n_inputs; k++) {
            if ((st = set_input(h, g, k, x, &r)) != HB_OK)
                goto cleanup;
            x += graph_tensor_count(&g->tensors[g->inputs[k]]);
        }
        if ((st = hostrun_invoke(h, on_layer, &r)) != HB_OK || (st = r.st) != HB_OK)
            goto cleanup;
    }
cleanup:
    hostrun_free(h);
    return st;
}

/* Min and max ------------------------------------------------------------- */

typedef struct {
    const graph *g;
    float *t_min, *t_max;
} ranges;

static hb_status observe_range(void *ctx, int t, const float *v, size_t n)
{
    ranges *c = ctx;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            return hb_fail(HB_ERR_ARG, "calibration: tensor %d (%s) holds a non-finite value",
                           t, tname(c->g, t));
        if (v[i] < c->t_min[t])
            c->t_min[t] = v[i];
        if (v[i] > c->t_max[t])
            c->t_max[t] = v[i];
    }
    return HB_OK;
}

hb_status compress_calibrate(const graph *g, const float *const *calib_inputs,
                             int n_vectors, float *t_min, float *t_max)
{
    ranges c = {g, t_min, t_max};
    if (!g || !t_min || !t_max)
        return hb_fail(HB_ERR_ARG, "compress_calibrate: no graph or ranges");
    for (int t = 0; t < g->n_tensors; t++) {
        t_min[t] = INFINITY;
        t_max[t] = -INFINITY;
    }
    return run_all(g, calib_inputs, n_vectors, observe_range, &c);
}

/* Histograms ------------------------------------------------------------- */

hb_status compress_hist_new(float min, float max, compress_hist **out)
{
    *out = NULL;
    if (!(min <= max) || !isfinite(min) || !isfinite(max))
        return hb_fail(HB_ERR_ARG, "histogram range [%g, %g] is not a finite interval",
                       (double)min, (double)max);
    compress_hist *h = calloc(1, sizeof(*h));
    if (!h)
        return hb_fail(HB_ERR_MEM, "out of memory");
    h->min = min;
    h->max = max;
    h->width = ((double)max - (double)min) / COMPRESS_HIST_BINS;
    *out = h;
    return HB_OK;
}

void compress_hist_free(compress_hist *h)
{
    free(h);
}

void compress_hist_add(compress_hist *h, const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        double k = h->width > 0 ? floor(((double)v[i] - h->min) / h->width) : 0;
        int bin = !(k >= 0) ? 0 : k >= COMPRESS_HIST_BINS ? COMPRESS_HIST_BINS - 1 : (int)k;
        h->counts[bin]++;
        h->total++;
        h->zeros += v[i] == 0.0f;
    }
}

static double center(const compress_hist *h, int k) { return h->min + (k + 0.5) * h->width; }

/* The value below which `below` of the values lie, walking up from the low
 * end (up = 0) or down from the high end (up = 1); linear within a bin. */
static double tail(const compress_hist *h, double below, int from_top)
{
    double cum = 0;
    for (int j = 0; j < COMPRESS_HIST_BINS; j++) {
        int k = from_top ? COMPRESS_HIST_BINS - 1 - j : j;
        double c = (double)h->counts[k];
        if (c > 0 && cum + c >= below) {
            double f = (below - cum) / c;
            return from_top ? h->min + (k + 1 - f) * h->width : h->min + (k + f) * h->width;
        }
        cum += c;
    }
    return from_top ? h->min : h->max;
}

/* Prefix sums for the mse search: s0[k], s1[k], s2[k] sum count, count x x
 * and count x x^2 over bins [0, k), x a bin's centre, exact zeros left
 * out (they quantise without error). */
typedef struct {
    const compress_hist *h;
    double s0[COMPRESS_HIST_BINS + 1], s1[COMPRESS_HIST_BINS + 1], s2[COMPRESS_HIST_BINS + 1];
} prefix;

static void prefix_init(prefix *p, const compress_hist *h)
{
    int zero_bin = -1;
    if (h->zeros && h->width > 0) {
        double k = floor(-h->min / h->width);
        zero_bin = k < 0 ? 0 : k >= COMPRESS_HIST_BINS ? COMPRESS_HIST_BINS - 1 : (int)k;
    }
    p->h = h;
    p->s0[0] = p->s1[0] = p->s2[0] = 0;
    for (int k = 0; k < COMPRESS_HIST_BINS; k++) {
        double c = (double)h->counts[k] - (k == zero_bin ? (double)h->zeros : 0.0);
        double x = center(h, k);
        p->s0[k + 1] = p->s0[k] + c;
        p->s1[k + 1] = p->s1[k] + c * x;
        p->s2[k + 1] = p->s2[k] + c * x * x;
    }
}

/* Expected squared error of quantising to `levels` steps over [a, b]:
 * bins whose centre is below a or above b are clipped, the rest carry
 * rounding noise step^2 / 12. */
static double clip_mse(const prefix *p, double a, double b, double levels)
{
    const compress_hist *h = p->h;
    const int n = COMPRESS_HIST_BINS;
    double step = (b - a) / levels;
    double ka = ceil((a - h->min) / h->width - 0.5), kb = floor((b - h->min) / h->width - 0.5) + 1;
    int ia = ka < 0 ? 0 : ka > n ? n : (int)ka;
    int ib = kb < ia ? ia : kb > n ? n : (int)kb;
    double below = p->s2[ia] - 2 * a * p->s1[ia] + a * a * p->s0[ia];
    double above = (p->s2[n] - p->s2[ib]) - 2 * b * (p->s1[n] - p->s1[ib]) +
                   b * b * (p->s0[n] - p->s0[ib]);
    double inside = (p->s0[ib] - p->s0[ia]) * step * step / 12.0;
    return fmax(below, 0.0) + fmax(above, 0.0) + inside;
}

/* The best bound among the bin edges on one side of 0 (and 0 itself),
 * the other bound fixed. */
static double best_bound(const prefix *p, double fixed, int upper, double levels)
{
    const compress_hist *h = p->h;
    double best = upper ? h->max : h->min, best_err = INFINITY;
    for (int k = 0; k <= COMPRESS_HIST_BINS + 1; k++) {
        double e = k > COMPRESS_HIST_BINS ? 0.0 : h->min + k * h->width;
        if (upper ? e < 0 : e > 0)
            continue;
        double a = upper ? fixed : e, b = upper ? e : fixed;
        if (!(b > a))
            continue;
        double err = clip_mse(p, a, b, levels);
        if (err < best_err) {
            best_err = err;
            best = e;
        }
    }
    return best;
}

static void clip_mse_range(const compress_hist *h, int symmetric, float *lo, float *hi)
{
    prefix *p = malloc(sizeof(*p));
    if (!p) /* keep the full range rather than fail */
        return;
    prefix_init(p, h);
    if (symmetric) {
        double top = fmax(fabs(h->min), fabs(h->max)), best = top, best_err = INFINITY;
        for (int k = 1; k <= COMPRESS_HIST_BINS; k++) {
            double t = top * k / COMPRESS_HIST_BINS;
            double err = clip_mse(p, -t, t, 65534.0);
            if (err < best_err) {
                best_err = err;
                best = t;
            }
        }
        *lo = (float)-best;
        *hi = (float)best;
    } else {
        double a = fmin(h->min, 0.0), b = fmax(h->max, 0.0);
        for (int round = 0; round < 4; round++) {
            if (h->max > 0)
                b = best_bound(p, a, 1, 255.0);
            if (h->min < 0)
                a = best_bound(p, b, 0, 255.0);
        }
        *lo = (float)a;
        *hi = (float)b;
    }
    free(p);
}

void compress_hist_clip(const compress_hist *h, const compress_quantize_options *opt,
                        float *lo, float *hi)
{
    int method = opt ? opt->calibration : COMPRESS_CALIB_MINMAX;
    int symmetric = opt && opt->scheme == COMPRESS_SCHEME_INT16X8;
    *lo = (float)h->min;
    *hi = (float)h->max;
    if (h->total == 0 || !(h->width > 0))
        return;
    if (method == COMPRESS_CALIB_PERCENTILE) {
        double pct = opt->percentile > 0 ? opt->percentile : COMPRESS_PERCENTILE_DEFAULT;
        double outside = (double)h->total * (100.0 - pct) / 100.0;
        double a = tail(h, outside, 0), b = tail(h, outside, 1);
        if (symmetric) {
            double t = fmax(fabs(a), fabs(b));
            a = -t;
            b = t;
        }
        *lo = (float)a;
        *hi = (float)b;
    } else if (method == COMPRESS_CALIB_MSE) {
        clip_mse_range(h, symmetric, lo, hi);
    }
}

/* Clipped ranges ------------------------------------------------------------ */

typedef struct {
    compress_hist **hist; /* n_tensors, NULL where no range */
} hists;

static hb_status observe_hist(void *ctx, int t, const float *v, size_t n)
{
    hists *c = ctx;
    if (c->hist[t])
        compress_hist_add(c->hist[t], v, n);
    return HB_OK;
}

hb_status compress_calibrate_ranges(const graph *g, const compress_quantize_options *opt,
                                    const float *const *calib, int n_vectors,
                                    float *t_min, float *t_max)
{
    hists c = {NULL};
    hb_status st;

    if ((st = compress_calibrate(g, calib, n_vectors, t_min, t_max)) != HB_OK)
        return st;
    if (!opt || opt->calibration == COMPRESS_CALIB_MINMAX)
        return HB_OK;
    if (opt->calibration != COMPRESS_CALIB_PERCENTILE && opt->calibration != COMPRESS_CALIB_MSE)
        return hb_fail(HB_ERR_ARG, "calibration method %d is unknown", opt->calibration);
    if (opt->calibration == COMPRESS_CALIB_PERCENTILE &&
        opt->percentile != 0 && !(opt->percentile >= 50 && opt->percentile <= 100))
        return hb_fail(HB_ERR_ARG, "percentile %g is outside [50, 100]", opt->percentile);
    if (!(c.hist = calloc((size_t)g->n_tensors + 1, sizeof(*c.hist))))
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int t = 0; t < g->n_tensors; t++)
        if (t_min[t] <= t_max[t] && (st = compress_hist_new(t_min[t], t_max[t],
                                                            &c.hist[t])) != HB_OK)
            goto cleanup;
    if ((st = run_all(g, calib, n_vectors, observe_hist, &c)) != HB_OK)
        goto cleanup;
    for (int t = 0; t < g->n_tensors; t++)
        if (c.hist[t])
            compress_hist_clip(c.hist[t], opt, &t_min[t], &t_max[t]);
cleanup:
    for (int t = 0; t < g->n_tensors; t++)
        compress_hist_free(c.hist[t]);
    free(c.hist);
    return st;
}
