/*
 * session_score.c: the host engine beside the board, and the scores of
 * each vector.
 *
 * For every vector the board ran, the reference variant runs on the host
 * (its layer outputs kept as floats), then the variant itself (each layer
 * compared with the reference layer it matches, its outputs compared byte
 * for byte with the board's). Fidelity uses the board's outputs against the
 * host engine's reference outputs: the same numbers the board gives for the
 * reference, since any difference fails the run.
 */
#include "session_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static long clamp_round(float x, long lo, long hi)
{
    long q = lroundf(x);
    return q < lo ? lo : q > hi ? hi : q;
}

/* x (float) as an element of t: quantised with t's own parameters. */
static void put_value(const nn_tensor *t, float x, uint8_t *p)
{
    float q = x;
    if (t->quant == NN_QUANT_TENSOR)
        q = roundf(x / t->scale) + (float)t->zero_point;
    switch (t->dtype) {
    case NN_DT_INT8:
        p[0] = (uint8_t)(int8_t)clamp_round(q, -128, 127);
        break;
    case NN_DT_UINT8:
        p[0] = (uint8_t)clamp_round(q, 0, 255);
        break;
    case NN_DT_INT16: {
        uint16_t u = (uint16_t)(int16_t)clamp_round(q, -32768, 32767);
        p[0] = (uint8_t)u;
        p[1] = (uint8_t)(u >> 8);
        break;
    }
    default:
        memcpy(p, &x, 4);
        break;
    }
}

void session_put_value(const nn_tensor *t, float x, uint8_t *p)
{
    put_value(t, x, p);
}

void session_inputs(const session_variant *v, const dataset *d, const float *x, uint8_t *out)
{
    for (int k = 0; k < d->n_inputs; k++) {
        nn_tensor t;
        hostrun_input(v->host, k, &t);
        uint32_t size = nn_dtype_bytes(t.dtype);
        const int32_t *kept = k == 0 && v->map.n_kept ? v->map.kept : NULL;
        for (uint32_t e = 0; e < t.count; e++, out += size)
            put_value(&t, x[kept ? (size_t)kept[e] : e], out);
        x += d->counts[k];
    }
}

static double element(const nn_tensor *t, uint32_t i)
{
    const uint8_t *p = (const uint8_t *)t->data + (size_t)i * nn_dtype_bytes(t->dtype);
    switch (t->dtype) {
    case NN_DT_INT8: return (int8_t)p[0];
    case NN_DT_UINT8: case NN_DT_BOOL: return p[0];
    case NN_DT_INT16: return (int16_t)(uint16_t)(p[0] | p[1] << 8);
    case NN_DT_INT32: { int32_t v; memcpy(&v, p, 4); return v; }
    case NN_DT_INT64: { int64_t v; memcpy(&v, p, 8); return (double)v; }
    case NN_DT_FLOAT32: { float f; memcpy(&f, p, 4); return f; }
    default: return 0.0;
    }
}

void session_tensor_floats(const nn_tensor *t, float *out)
{
    uint32_t inner = 1;
    if (t->quant == NN_QUANT_CHANNEL)
        for (int d = t->axis + 1; d < t->rank; d++)
            inner *= (uint32_t)t->dims[d];
    for (uint32_t i = 0; i < t->count; i++) {
        double q = element(t, i);
        if (t->quant == NN_QUANT_TENSOR) {
            q = (double)t->scale * (q - t->zero_point);
        } else if (t->quant == NN_QUANT_CHANNEL && t->channels) {
            uint32_t c = i / inner % t->channels;
            q = (double)t->scales[c] * (q - t->zero_points[c]);
        }
        out[i] = (float)q;
    }
}

void session_scores_free(session_scores *sc)
{
    free(sc->layers);
    free(sc->pred);
    free(sc->value);
    free(sc->label);
    free(sc->target);
    memset(sc, 0, sizeof(*sc));
}

hb_status session_scores_begin(session *s, const session_variant *v)
{
    session_scores *sc = &s->sc;
    size_t n = (size_t)s->data.n + 1;
    session_scores_free(sc);
    sc->layers = calloc((size_t)nn_model_op_count(hostrun_model(v->host)) + 1,
                        sizeof(*sc->layers));
    sc->pred = calloc(n, sizeof(int));
    sc->value = calloc(n, sizeof(double));
    sc->label = calloc(n, sizeof(int));
    sc->target = calloc(n, sizeof(double));
    sc->throughput_ips = NAN;
    if (!sc->layers || !sc->pred || !sc->value || !sc->label || !sc->target)
        return hb_fail(HB_ERR_MEM, "out of memory");
    return HB_OK;
}

typedef struct {
    session *s;
    const session_variant *v;
    int keep;                 /* 1: the reference, keep its layers */
} layer_ctx;

static void on_layer(void *ctx, int op, const nn_tensor *out, int n)
{
    layer_ctx *c = ctx;
    session *s = c->s;
    const session_variant *ref = &s->v[s->ref];
    float *dst = c->keep ? s->ref_layers + ref->layer_off[op] : s->layer_tmp;
    int j = c->keep ? op : c->v->ref_layer[op];

    if (j < 0)
        return;
    for (int k = 0; k < n; k++) {
        session_tensor_floats(&out[k], dst);
        dst += out[k].count;
    }
    if (!c->keep)
        score_fidelity_add(&s->sc.layers[op], s->ref_layers + ref->layer_off[j], s->layer_tmp,
                           c->v->layer_values[op]);
}

/* Runs v on the host for the current vector (s->x); outputs as floats into
 * f, raw bytes into raw (may be NULL). */
static hb_status host_run(session *s, const session_variant *v, int keep, float *f, uint8_t *raw)
{
    layer_ctx ctx = {s, v, keep};
    const nn_model *m = hostrun_model(v->host);
    uint8_t *in = s->in;
    hb_status st;
    nn_tensor t;

    session_inputs(v, &s->data, s->x, s->in);
    for (int k = 0; k < nn_model_input_count(m); k++) {
        hostrun_input(v->host, k, &t);
        if ((st = hostrun_set_input(v->host, k, in, t.bytes)) != HB_OK)
            return st;
        in += t.bytes;
    }
    if ((st = hostrun_invoke(v->host, on_layer, &ctx)) != HB_OK)
        return hb_context(st, "host engine, variant %s", v->recipe);
    for (int k = 0; k < nn_model_output_count(m); k++) {
        hostrun_output(v->host, k, &t);
        session_tensor_floats(&t, f);
        f += t.count;
        if (raw) {
            memcpy(raw, t.data, t.bytes);
            raw += t.bytes;
        }
    }
    return HB_OK;
}

/* The board's outputs (s->board_out) as floats, with v's output types. */
static void board_floats(session *s, const session_variant *v)
{
    const nn_model *m = hostrun_model(v->host);
    uint8_t *p = s->board_out;
    float *f = s->out_f;
    for (int k = 0; k < nn_model_output_count(m); k++) {
        nn_tensor t;
        hostrun_output(v->host, k, &t);
        t.data = p;
        session_tensor_floats(&t, f);
        p += t.bytes;
        f += t.count;
    }
}

/* A firmware that printed its anomaly score (s->board_out, a float32) is
 * compared with the same score from the host engine's outputs, the mean
 * squared difference between the float input and the dequantised output,
 * as the MLPerf Tiny anomaly-detection firmware computes it. */
static void score_scored(session *s, const session_variant *v, int sample)
{
    const dataset *d = &s->data;
    session_scores *sc = &s->sc;
    float board, host = (float)score_mse(s->x, s->layer_tmp, d->values);
    float ref = (float)score_mse(s->x, s->ref_f, d->values);

    memcpy(&board, s->board_out, sizeof(board));
    /* The firmware sums hundreds of squares in float: allow for that. */
    if (!s->replaying) {
        s->res->host_checked++;
        s->res->host_close += session_mlperf_close(s, &host, 1, 1e-4);
    }
    s->res->mlperf_score = 1;
    score_fidelity_add(&sc->out, &ref, &board, 1);
    if (d->task == DATASET_TASK_ANOMALY) {
        sc->value[sample] += (double)board / d->samples[sample].n_windows;
        sc->label[sample] = (int)d->samples[sample].label;
    }
    (void)v;
}

hb_status session_score_vector(session *s, const session_variant *v, int sample, int window)
{
    const session_variant *ref = &s->v[s->ref];
    const dataset *d = &s->data;
    session_scores *sc = &s->sc;
    hb_status st;

    if ((st = host_run(s, ref, 1, s->ref_f, NULL)) != HB_OK ||
        (st = host_run(s, v, 0, s->layer_tmp, s->host_out)) != HB_OK)
        return st;
    if (session_is_mlperf(s) && s->mlperf_scored == 1) {
        score_scored(s, v, sample);
        return HB_OK;
    }
    /* An MLPerf Tiny firmware prints its outputs: equal means equal within
     * the digits it printed, and a difference is a fidelity score, not a
     * failure (it runs its own build of the model). The digits of rows
     * recorded before are not kept. */
    if (session_is_mlperf(s)) {
        if (!s->replaying) {
            s->res->host_checked++;
            s->res->host_close += session_mlperf_close(s, s->layer_tmp, v->out_values, 1e-6);
        }
    } else if (memcmp(s->board_out, s->host_out, v->out_bytes) != 0)
        s->res->host_mismatches++;
    board_floats(s, v);
    score_fidelity_add(&sc->out, s->ref_f, s->out_f, v->out_values);
    if (s->task == DATASET_TASK_CLASSIFICATION ||
        (s->task == DATASET_TASK_NONE && v->out0_values > 1))
        score_fidelity_vote(&sc->out,
                            score_class(s->ref_f, ref->out0_values, SESSION_CLASS_THRESHOLD) ==
                                score_class(s->out_f, v->out0_values, SESSION_CLASS_THRESHOLD));
    const dataset_sample *smp = &d->samples[sample];
    switch (d->task) {
    case DATASET_TASK_CLASSIFICATION:
        sc->pred[sample] = score_class(s->out_f, v->out0_values, SESSION_CLASS_THRESHOLD);
        sc->label[sample] = (int)smp->label;
        break;
    case DATASET_TASK_ANOMALY:
        /* Reconstruction error in the float domain, averaged over windows. */
        sc->value[sample] += score_mse(s->x, s->out_f, d->values) / smp->n_windows;
        sc->label[sample] = (int)smp->label;
        break;
    case DATASET_TASK_REGRESSION:
        sc->value[sample] = s->out_f[0];
        sc->target[sample] = smp->label;
        break;
    default:
        break;
    }
    (void)window;
    return HB_OK;
}

/* Fills the label score of the run's task; 0 rows if it has none. */
static int label_score(session *s, store_score *out)
{
    const dataset *d = &s->data;
    session_scores *sc = &s->sc;
    double value = 0.0;
    hb_status st = HB_ERR_ARG;
    const char *name = NULL;
    switch (d->task) {
    case DATASET_TASK_CLASSIFICATION:
        name = "accuracy";
        st = score_accuracy(sc->pred, sc->label, d->n, &value);
        break;
    case DATASET_TASK_ANOMALY:
        name = "auc";
        st = score_auc(sc->value, sc->label, d->n, &value);
        break;
    case DATASET_TASK_REGRESSION:
        name = "mae";
        st = score_mae(sc->value, sc->target, d->n, &value);
        break;
    default:
        return 0;
    }
    if (st != HB_OK) {
        say(s->o, "no %s score: %s", name, hb_last_error());
        return 0;
    }
    *out = (store_score){name, value};
    return 1;
}

hb_status session_scores_store(session *s, const session_variant *v)
{
    typedef hb_status (*fidelity_fn)(const score_fidelity *, double *);
    static const struct {
        const char *name;
        fidelity_fn fn;
    } fidelity[] = {
        {"top1_agreement", score_agreement}, {"rmse", score_rmse}, {"snr_db", score_snr_db},
        {"cosine", score_cosine}, {"max_abs_error", score_max_abs},
    };
    store_score scores[9];
    int n = label_score(s, scores), n_ops = nn_model_op_count(hostrun_model(v->host));
    store_layer_score *layers = calloc((size_t)n_ops + 1, sizeof(*layers));
    hb_status st;

    if (!layers)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t i = 0; i < sizeof(fidelity) / sizeof(fidelity[0]); i++) {
        double value;
        /* A score without data (no vote for a regression) is left out. */
        if (fidelity[i].fn(&s->sc.out, &value) == HB_OK)
            scores[n++] = (store_score){fidelity[i].name, value};
    }
    if (isfinite(s->sc.throughput_ips) && !s->sc.throughput_stored)
        scores[n++] = (store_score){"throughput_ips", s->sc.throughput_ips};
    hb_clear();
    for (int i = 0; i < n_ops; i++) {
        double db = 0.0;
        int j = v->ref_layer[i];
        if (j >= 0 && score_snr_db(&s->sc.layers[i], &db) != HB_OK)
            j = -1;
        layers[i] = (store_layer_score){i, j, j >= 0 ? db : 0.0};
    }
    hb_clear();
    st = store_scores_add(s->db, s->run_id, v->id, scores, n, layers, n_ops);
    free(layers);
    return st;
}
