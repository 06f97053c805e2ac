/*
 * make_models.c: trains the project's tiny models and writes them as .tflite
 * files, float32 and int8, plus small labelled datasets to score them with.
 *
 * Usage: hilbench-make-models --out DIR
 *
 * Models (ReLU hidden layers, linear output, FULLY_CONNECTED only):
 *   sine  1 -> 16 -> 16 -> 1, y = sin(x) on [0, 2*pi), as TFLite Micro's
 *         hello_world; Adam on MSE, mini-batches of random points, until the
 *         MAE on a held-out grid is below SINE_STOP_MAE.
 *   xor   2 -> 8 -> 1, MSE to 0/1 targets, full batch, until every output is
 *         within XOR_STOP_ERR of its target.
 * Each is written as <name>_float.tflite and as <name>_float.onnx (Gemm
 * and Relu nodes, read back and checked to score the same), then
 * quantised to int8 (full integer, calibrated on a grid over the training
 * range) and written as <name>_int8.tflite. Datasets follow the MLPerf Tiny layout: DIR/<name>_data/
 * with raw float32 vectors x_NNN.bin and y_labels.csv (file,count,label).
 * Last, bars_float.onnx, a small CNN with hand-set weights, and its images
 * (bars_onnx.c).
 *
 * Determinism: the same bytes on every machine. Training runs in double
 * precision with a fixed-seed PRNG, only +, -, *, / and sqrt (correctly
 * rounded by IEEE 754) and a local sine polynomial instead of libm's sin,
 * whose last bit varies between libraries and CPUs.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "compress/quantize.h"
#include "model/graph.h"
#include "model/hostrun.h"
#include "model/onnx.h"
#include "model/tflite.h"
#include "bars_onnx.h"
#include "mlp_onnx.h"

#define TWO_PI 6.283185307179586
#define MAX_LAYERS 3
#define MAX_UNITS 16
#define MAX_PARAMS 512

#define SINE_TRAIN 512       /* random training points */
#define SINE_GRID 256        /* held-out grid for the MAE */
#define SINE_DATA 32         /* dataset vectors */
#define SINE_CALIB 65        /* calibration grid, both ends included */
#define SINE_STOP_MAE 0.02   /* training stops below this */
#define SINE_MAX_MAE 0.05    /* the float model must beat this */
#define XOR_STOP_ERR 0.05
#define XOR_MIN_MARGIN 0.25  /* |y - 0.5| of every point */

/* splitmix64: tiny, fixed-seed, identical everywhere. */
static uint64_t rng_state;

static double rng_uniform(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (double)(z >> 11) * (1.0 / 9007199254740992.0); /* [0, 1) */
}

/* sin(x): reduced to [-pi/2, pi/2], then Taylor to x^23 (error < 1e-15). */
static double det_sin(double x)
{
    double k = floor(x / TWO_PI + 0.5);
    x -= k * TWO_PI;                     /* [-pi, pi] */
    if (x > TWO_PI / 4)
        x = TWO_PI / 2 - x;
    else if (x < -TWO_PI / 4)
        x = -TWO_PI / 2 - x;
    double x2 = x * x, term = x, sum = x;
    for (int n = 3; n <= 23; n += 2) {
        term = -term * x2 / (double)((n - 1) * n);
        sum += term;
    }
    return sum;
}

/* A dense ReLU network, all parameters in one array for Adam. Layer l has
 * weights [size[l+1]][size[l]] at woff[l] (TFLite's [units, depth]) and
 * biases [size[l+1]] at boff[l]. */
typedef struct {
    int n_layers;
    int size[MAX_LAYERS + 1];
    int woff[MAX_LAYERS], boff[MAX_LAYERS];
    int n_params;
    double p[MAX_PARAMS], grad[MAX_PARAMS];
    double m[MAX_PARAMS], v[MAX_PARAMS]; /* Adam moments */
    double b1t, b2t;                     /* beta1^t, beta2^t */
} mlp;

typedef struct {
    double a[MAX_LAYERS + 1][MAX_UNITS]; /* a[0] input, a[l+1] layer l out */
} mlp_acts;

static void mlp_init(mlp *n, int n_layers, const int *size)
{
    memset(n, 0, sizeof(*n));
    n->n_layers = n_layers;
    int off = 0;
    for (int l = 0; l <= n_layers; l++)
        n->size[l] = size[l];
    for (int l = 0; l < n_layers; l++) {
        n->woff[l] = off;
        off += size[l + 1] * size[l];
        n->boff[l] = off;
        off += size[l + 1];
    }
    n->n_params = off;
    n->b1t = n->b2t = 1.0;
    /* He-uniform weights, biases 0. */
    for (int l = 0; l < n_layers; l++) {
        double lim = sqrt(6.0 / size[l]);
        for (int i = 0; i < size[l + 1] * size[l]; i++)
            n->p[n->woff[l] + i] = (2.0 * rng_uniform() - 1.0) * lim;
    }
}

/* A 1-input first layer whose ReLU kinks are spread over [lo, hi): with
 * zero biases every kink would sit at x = 0, outside the data. */
static void mlp_spread_kinks(mlp *n, double lo, double hi)
{
    for (int u = 0; u < n->size[1]; u++) {
        double w = (0.5 + rng_uniform()) * (rng_uniform() < 0.5 ? -1.0 : 1.0);
        double kink = lo + (hi - lo) * rng_uniform();
        n->p[n->woff[0] + u] = w;
        n->p[n->boff[0] + u] = -w * kink;
    }
}

static void mlp_forward(const mlp *n, const double *x, mlp_acts *s)
{
    memcpy(s->a[0], x, (size_t)n->size[0] * sizeof(double));
    for (int l = 0; l < n->n_layers; l++) {
        const double *w = n->p + n->woff[l], *b = n->p + n->boff[l];
        int depth = n->size[l], last = l == n->n_layers - 1;
        for (int u = 0; u < n->size[l + 1]; u++) {
            double acc = b[u];
            for (int k = 0; k < depth; k++)
                acc += w[u * depth + k] * s->a[l][k];
            s->a[l + 1][u] = last || acc > 0.0 ? acc : 0.0;
        }
    }
}

/* Adds the gradient of 0.5 * sum (y - t)^2 / batch for one sample. */
static void mlp_backward(mlp *n, const mlp_acts *s, const double *t, int batch)
{
    double d[MAX_UNITS], dprev[MAX_UNITS];
    int L = n->n_layers;
    for (int u = 0; u < n->size[L]; u++)
        d[u] = (s->a[L][u] - t[u]) / batch;
    for (int l = L - 1; l >= 0; l--) {
        int depth = n->size[l], units = n->size[l + 1];
        const double *w = n->p + n->woff[l];
        double *gw = n->grad + n->woff[l], *gb = n->grad + n->boff[l];
        for (int k = 0; k < depth; k++)
            dprev[k] = 0.0;
        for (int u = 0; u < units; u++) {
            gb[u] += d[u];
            for (int k = 0; k < depth; k++) {
                gw[u * depth + k] += d[u] * s->a[l][k];
                dprev[k] += d[u] * w[u * depth + k];
            }
        }
        for (int k = 0; k < depth; k++)   /* ReLU' of the layer below */
            d[k] = l > 0 && s->a[l][k] > 0.0 ? dprev[k] : 0.0;
    }
}

/* Adam (Kingma & Ba): beta1 0.9, beta2 0.999, eps 1e-8. */
static void mlp_adam(mlp *n, double lr)
{
    n->b1t *= 0.9;
    n->b2t *= 0.999;
    double c1 = n->b1t, c2 = n->b2t;
    for (int i = 0; i < n->n_params; i++) {
        double g = n->grad[i];
        n->m[i] = 0.9 * n->m[i] + 0.1 * g;
        n->v[i] = 0.999 * n->v[i] + 0.001 * g * g;
        double mh = n->m[i] / (1.0 - c1), vh = n->v[i] / (1.0 - c2);
        n->p[i] -= lr * mh / (sqrt(vh) + 1e-8);
        n->grad[i] = 0.0;
    }
}

/* Held-out grid point i of SINE_GRID: cell centres, never a data point. */
static double sine_grid_x(int i) { return (i + 0.5) * TWO_PI / SINE_GRID; }
/* Dataset vector i: evenly spread over [0, 2*pi), offset from the grid. */
static float sine_data_x(int i) { return (float)((i + 0.25) * TWO_PI / SINE_DATA); }

/* During training, in double; the deployed float32 model is scored on the
 * engine (score_graph). */
static double sine_mae(const mlp *n)
{
    mlp_acts s;
    double sum = 0.0;
    for (int i = 0; i < SINE_GRID; i++) {
        double x = sine_grid_x(i);
        mlp_forward(n, &x, &s);
        sum += fabs(s.a[n->n_layers][0] - det_sin(x));
    }
    return sum / SINE_GRID;
}

static int train_sine(mlp *n, double *mae)
{
    static const int size[] = {1, 16, 16, 1};
    double xs[SINE_TRAIN], ys[SINE_TRAIN];
    mlp_acts s;
    const int batch = 16;

    rng_state = 0x5EED0001u;
    mlp_init(n, 3, size);
    mlp_spread_kinks(n, 0.0, TWO_PI);
    for (int i = 0; i < SINE_TRAIN; i++) {
        xs[i] = TWO_PI * rng_uniform();
        ys[i] = det_sin(xs[i]);
    }
    int epoch;
    for (epoch = 1; epoch <= 3000; epoch++) {
        double lr = epoch < 1000 ? 0.01 : epoch < 2000 ? 0.003 : 0.001;
        for (int i = 0; i < SINE_TRAIN; i++) {
            mlp_forward(n, &xs[i], &s);
            mlp_backward(n, &s, &ys[i], batch);
            if ((i + 1) % batch == 0)
                mlp_adam(n, lr);
        }
        if (epoch % 50 == 0 && sine_mae(n) < SINE_STOP_MAE)
            break;
    }
    *mae = sine_mae(n);
    printf("sine: trained %d epochs, held-out MAE %.4f (%d points)\n",
           epoch > 3000 ? 3000 : epoch, *mae, SINE_GRID);
    return *mae < SINE_MAX_MAE ? 0 : -1;
}

static const double xor_x[4][2] = {{0, 0}, {0, 1}, {1, 0}, {1, 1}};
static const int xor_label[4] = {0, 1, 1, 0};

/* Smallest |y - 0.5| over the four points, signed: < 0 if one is wrong. */
static double xor_margin(const mlp *n)
{
    mlp_acts s;
    double worst = 1e9;
    for (int i = 0; i < 4; i++) {
        mlp_forward(n, xor_x[i], &s);
        double m = xor_label[i] ? s.a[2][0] - 0.5 : 0.5 - s.a[2][0];
        if (m < worst)
            worst = m;
    }
    return worst;
}

/* Full batch; a start whose ReLUs die is retried with the next seed. */
static int train_xor(mlp *n)
{
    static const int size[] = {2, 8, 1};
    mlp_acts s;

    for (int attempt = 0; attempt < 8; attempt++) {
        rng_state = 0x5EED0002u + (uint64_t)attempt;
        mlp_init(n, 2, size);
        for (int u = 0; u < 8; u++)
            n->p[n->boff[0] + u] = 0.1;
        for (int epoch = 1; epoch <= 2000; epoch++) {
            double err = 0.0;
            for (int i = 0; i < 4; i++) {
                double t = xor_label[i];
                mlp_forward(n, xor_x[i], &s);
                err = fmax(err, fabs(s.a[2][0] - t));
                mlp_backward(n, &s, &t, 4);
            }
            if (err < XOR_STOP_ERR && xor_margin(n) > XOR_MIN_MARGIN) {
                printf("xor: trained %d epochs (start %d), smallest margin "
                       "%.4f\n", epoch, attempt, xor_margin(n));
                return 0;
            }
            mlp_adam(n, 0.02);
        }
    }
    return -1;
}

/* The trained network as a graph: FULLY_CONNECTED per layer, ReLU fused
 * into the hidden ones, input [1, depth], activations [1, units]. */
static hb_status build_graph(const mlp *n, const char *desc, graph **out)
{
    graph *g = NULL;
    float w[MAX_UNITS * MAX_UNITS], b[MAX_UNITS];
    char name[64];
    int prev, in;
    hb_status st;

    *out = NULL;
    if ((st = graph_new(&g)) != HB_OK)
        return st;
    int32_t in_dims[2] = {1, n->size[0]};
    if ((st = graph_add_tensor(g, "input", NN_DT_FLOAT32, 2, in_dims, NULL, 0,
                               &in)) != HB_OK)
        goto cleanup;
    prev = in;
    for (int l = 0; l < n->n_layers; l++) {
        int units = n->size[l + 1], depth = n->size[l], last = l == n->n_layers - 1;
        int32_t wd[2] = {units, depth}, bd[1] = {units}, od[2] = {1, units};
        int io[3], out_t;
        for (int i = 0; i < units * depth; i++)
            w[i] = (float)n->p[n->woff[l] + i];
        for (int u = 0; u < units; u++)
            b[u] = (float)n->p[n->boff[l] + u];
        graph_options opt = {.activation = last ? NN_ACT_NONE : NN_ACT_RELU};
        io[0] = prev;
        snprintf(name, sizeof(name), "dense_%d/weights", l + 1);
        if ((st = graph_add_tensor(g, name, NN_DT_FLOAT32, 2, wd, w,
                                   sizeof(float) * (size_t)(units * depth),
                                   &io[1])) != HB_OK)
            goto cleanup;
        snprintf(name, sizeof(name), "dense_%d/bias", l + 1);
        if ((st = graph_add_tensor(g, name, NN_DT_FLOAT32, 1, bd, b,
                                   sizeof(float) * (size_t)units, &io[2])) != HB_OK)
            goto cleanup;
        snprintf(name, sizeof(name), "dense_%d/out", l + 1);
        if ((st = graph_add_tensor(g, last ? "output" : name, NN_DT_FLOAT32, 2,
                                   od, NULL, 0, &out_t)) != HB_OK ||
            (st = graph_add_op(g, NN_OP_FULLY_CONNECTED, 3, io, 1, &out_t, &opt,
                               NULL)) != HB_OK)
            goto cleanup;
        prev = out_t;
    }
    if ((st = graph_set_io(g, 1, &in, 1, &prev)) != HB_OK)
        goto cleanup;
    if (!(g->description = strdup(desc))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    if ((st = graph_validate(g)) != HB_OK)
        goto cleanup;
    *out = g;
    return HB_OK;
cleanup:
    graph_free(g);
    return st;
}

/* Runs one input vector through a float or int8 graph's hostrun; int8
 * models take and give values in their own scale and zero point. */
static hb_status run_one(hostrun *r, const float *x, int n_in, float *y)
{
    nn_tensor in, out;
    int8_t q[MAX_UNITS];
    hb_status st;

    if ((st = hostrun_input(r, 0, &in)) != HB_OK)
        return st;
    if (in.dtype == NN_DT_INT8) {
        for (int i = 0; i < n_in; i++)
            q[i] = compress_int8_from_float(x[i], in.scale, in.zero_point);
        st = hostrun_set_input(r, 0, q, (size_t)n_in);
    } else {
        st = hostrun_set_input(r, 0, x, (size_t)n_in * sizeof(float));
    }
    if (st != HB_OK || (st = hostrun_invoke(r, NULL, NULL)) != HB_OK ||
        (st = hostrun_output(r, 0, &out)) != HB_OK)
        return st;
    *y = out.dtype == NN_DT_INT8
             ? compress_int8_to_float(*(const int8_t *)out.data, out.scale,
                                      out.zero_point)
             : *(const float *)out.data;
    return HB_OK;
}

/* Quality on the host engine: the sine MAE over the held-out grid, or the
 * smallest xor margin |y - 0.5| (negative if a point is misclassified). */
static hb_status score_graph(const graph *g, int is_sine, double *score)
{
    hostrun *r = NULL;
    hb_status st;
    double sum = 0.0, margin = 1e9;
    if ((st = hostrun_new(g, &r)) != HB_OK)
        return st;
    for (int i = 0; i < (is_sine ? SINE_GRID : 4); i++) {
        float x[2] = {(float)sine_grid_x(i), 0.0f}, y;
        if (!is_sine) {
            x[0] = (float)xor_x[i][0];
            x[1] = (float)xor_x[i][1];
        }
        if ((st = run_one(r, x, is_sine ? 1 : 2, &y)) != HB_OK)
            goto cleanup;
        sum += fabs((double)y - det_sin((double)x[0]));
        margin = fmin(margin, xor_label[i & 3] ? y - 0.5 : 0.5 - y);
    }
    *score = is_sine ? sum / SINE_GRID : margin;
cleanup:
    hostrun_free(r);
    return st;
}

/* Output files ------------------------------------------------------------- */

static int __attribute__((format(printf, 1, 2))) fail(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "hilbench-make-models: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return -1;
}

static int make_dirs(const char *path)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return fail("%s: path too long", path);
    for (char *p = tmp + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char c = *p;
        *p = '\0';
        if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
            return fail("mkdir %s: %s", tmp, strerror(errno));
        if (!(*p = c))
            return 0;
    }
}

static int write_bytes(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return fail("%s: %s", path, strerror(errno));
    size_t n = fwrite(data, 1, len, f);
    if (fclose(f) != 0 || n != len)
        return fail("%s: write failed", path);
    return 0;
}

static int write_model(const graph *g, const char *dir, const char *file)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    if (tflite_write_file(g, path) != HB_OK)
        return fail("%s: %s", path, hb_last_error());
    printf("wrote %s\n", path);
    return 0;
}

/* DIR/<name>_float.onnx, read back: it must score as the float model. */
static int write_onnx(const graph *fg, const char *dir, const char *name, int is_sine,
                      double want)
{
    char path[4096];
    graph *g = NULL;
    double got = -1.0;
    snprintf(path, sizeof(path), "%s/%s_float.onnx", dir, name);
    if (mlp_write_onnx(fg, path) != HB_OK || onnx_read_file(path, &g) != HB_OK ||
        score_graph(g, is_sine, &got) != HB_OK) {
        graph_free(g);
        return fail("%s: %s", path, hb_last_error());
    }
    graph_free(g);
    if (got != want)
        return fail("%s: scores %.6f read back, the float model %.6f", path, got, want);
    printf("wrote %s\n", path);
    return 0;
}

/* DIR/<name>_data/x_NNN.bin (float32 vectors) and y_labels.csv. */
static int write_dataset(const char *dir, const char *name, int n_vec,
                         const float *x, int depth, int n_out,
                         const double *label, int label_is_class)
{
    char sub[4096], path[4200];
    FILE *csv = NULL;
    int rc = -1;

    snprintf(sub, sizeof(sub), "%s/%s_data", dir, name);
    if (make_dirs(sub) != 0)
        return -1;
    snprintf(path, sizeof(path), "%s/y_labels.csv", sub);
    if (!(csv = fopen(path, "w"))) {
        fail("%s: %s", path, strerror(errno));
        goto cleanup;
    }
    for (int i = 0; i < n_vec; i++) {
        snprintf(path, sizeof(path), "%s/x_%03d.bin", sub, i);
        if (write_bytes(path, x + (size_t)i * (size_t)depth,
                        (size_t)depth * sizeof(float)) != 0)
            goto cleanup;
        printf("wrote %s\n", path);
        if (label_is_class)
            fprintf(csv, "x_%03d.bin,%d,%d\n", i, n_out, (int)label[i]);
        else
            fprintf(csv, "x_%03d.bin,%d,%.9g\n", i, n_out, label[i]);
    }
    rc = 0;
cleanup:
    if (csv && fclose(csv) != 0 && rc == 0)
        rc = fail("%s/y_labels.csv: write failed", sub);
    if (rc == 0)
        printf("wrote %s/y_labels.csv\n", sub);
    return rc;
}

/* The models ---------------------------------------------------------------- */

/* Float model, int8 model (calibrated on calib[0..n_calib)), quality line.
 * The float model is scored on the engine before it is written, and the
 * datasets are written first: a failed run never leaves the last file the
 * build waits for (xor_int8.tflite) looking up to date. */
static int write_pair(const mlp *n, const char *dir, const char *name,
                      const char *desc, const float *const *calib, int n_calib,
                      int is_sine)
{
    graph *fg = NULL, *qg = NULL;
    char file[64], qdesc[256];
    double qf, qq;
    hb_status st;
    int rc = -1;

    if ((st = build_graph(n, desc, &fg)) != HB_OK) {
        fail("%s: building the graph: %s", name, hb_last_error());
        goto cleanup;
    }
    if ((st = score_graph(fg, is_sine, &qf)) != HB_OK) {
        fail("%s: running the float model: %s", name, hb_last_error());
        goto cleanup;
    }
    if (is_sine ? !(qf < SINE_MAX_MAE) : !(qf > XOR_MIN_MARGIN)) {
        fail("%s: float32 %s %.4f, %.2f needed", name, is_sine ? "MAE" : "margin",
             qf, is_sine ? SINE_MAX_MAE : XOR_MIN_MARGIN);
        goto cleanup;
    }
    snprintf(file, sizeof(file), "%s_float.tflite", name);
    if (write_model(fg, dir, file) != 0 || write_onnx(fg, dir, name, is_sine, qf) != 0)
        goto cleanup;
    if ((st = compress_quantize_int8(fg, NULL, calib, n_calib, &qg)) != HB_OK) {
        fail("%s: int8 quantisation: %s", name, hb_last_error());
        goto cleanup;
    }
    snprintf(qdesc, sizeof(qdesc), "%s, int8 post-training quantisation", desc);
    free(qg->description);
    if (!(qg->description = strdup(qdesc))) {
        fail("out of memory");
        goto cleanup;
    }
    snprintf(file, sizeof(file), "%s_int8.tflite", name);
    if (write_model(qg, dir, file) != 0)
        goto cleanup;
    if ((st = score_graph(qg, is_sine, &qq)) != HB_OK) {
        fail("%s: running the int8 model: %s", name, hb_last_error());
        goto cleanup;
    }
    printf("%s: %s float %.4f, int8 %.4f (host engine)\n", name,
           is_sine ? "held-out MAE" : "smallest margin", qf, qq);
    rc = 0;
cleanup:
    graph_free(fg);
    graph_free(qg);
    return rc;
}

static int make_sine(const char *dir)
{
    static mlp n;
    float calib_x[SINE_CALIB], data_x[SINE_DATA];
    const float *calib[SINE_CALIB];
    double label[SINE_DATA], mae = 1.0;

    if (train_sine(&n, &mae) != 0)
        return fail("sine: held-out MAE %.4f after training, %.2f needed",
                    mae, SINE_MAX_MAE);
    for (int i = 0; i < SINE_CALIB; i++) {
        calib_x[i] = (float)(i * TWO_PI / (SINE_CALIB - 1));
        calib[i] = &calib_x[i];
    }
    for (int i = 0; i < SINE_DATA; i++) {
        data_x[i] = sine_data_x(i);
        label[i] = det_sin((double)data_x[i]);
    }
    if (write_dataset(dir, "sine", SINE_DATA, data_x, 1, 1, label, 0) != 0)
        return -1;
    return write_pair(&n, dir, "sine", "hilbench sine: y = sin(x), x in "
                      "[0, 2pi), MLP 1-16-16-1 ReLU", calib, SINE_CALIB, 1);
}

static int make_xor(const char *dir)
{
    static mlp n;
    float calib_x[25][2], data_x[4][2];
    const float *calib[25];
    double label[4];

    if (train_xor(&n) != 0)
        return fail("xor: no start reached margin %.2f", XOR_MIN_MARGIN);
    for (int i = 0; i < 25; i++) {   /* 5 x 5 grid over [0, 1]^2 */
        calib_x[i][0] = (float)(i / 5) * 0.25f;
        calib_x[i][1] = (float)(i % 5) * 0.25f;
        calib[i] = calib_x[i];
    }
    for (int i = 0; i < 4; i++) {
        data_x[i][0] = (float)xor_x[i][0];
        data_x[i][1] = (float)xor_x[i][1];
        label[i] = xor_label[i];
    }
    if (write_dataset(dir, "xor", 4, &data_x[0][0], 2, 2, label, 1) != 0)
        return -1;
    return write_pair(&n, dir, "xor", "hilbench xor: MLP 2-8-1 ReLU, output "
                      "> 0.5 is class 1", calib, 25, 0);
}

static void usage(FILE *f)
{
    fprintf(f, "usage: hilbench-make-models --out DIR\n"
               "Trains the sine and xor models and writes DIR/{sine,xor}_"
               "{float,int8}.tflite,\nDIR/{sine,xor,bars}_float.onnx and the datasets "
               "DIR/{sine,xor,bars}_data/.\n");
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--out") && i + 1 < argc) {
            dir = argv[++i];
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        } else {
            fail("unexpected argument '%s'", argv[i]);
            usage(stderr);
            return 2;
        }
    }
    if (!dir) {
        usage(stderr);
        return 2;
    }
    if (make_dirs(dir) != 0 || make_sine(dir) != 0 || make_xor(dir) != 0)
        return 1;
    if (bars_make(dir) != HB_OK)
        return fail("%s", hb_last_error());
    return 0;
}
