/*
 * nn_k_elementwise.c: ADD, MUL, MAXIMUM, MINIMUM and PRELU (with
 * broadcasting), QUANTIZE and DEQUANTIZE kernels (reference).
 *
 * Broadcasting follows numpy: shapes are aligned at their last dimension,
 * missing leading dimensions count as 1, and along every dimension the
 * inputs either agree or one of them is 1. nn_k_bcast_init drops unit
 * dimensions and merges neighbours that broadcast the same way, so equal
 * shapes become one flat run and a per-channel operand two dimensions; the
 * kernels then loop over runs of the innermost dimension.
 *
 * The int8 ADD is TFLite's integer rule: both inputs are offset, shifted
 * left to gain headroom, scaled to a common scale (twice the larger input
 * scale), summed, scaled to the output, offset and clamped.
 */
#include <string.h>

#include "../nn_fixed.h"
#include "../nn_kernels.h"
#include "../nn_math.h"

/* Broadcast walk ---------------------------------------------------------- */

static void extend(const int32_t *dims, int rank, int32_t *out6)
{
    for (int d = 0; d < NN_K_BCAST_RANK; d++) {
        int src = d - (NN_K_BCAST_RANK - rank);
        out6[d] = src >= 0 ? dims[src] : 1;
    }
}

int nn_k_bcast_init(nn_k_bcast *w, const int32_t *a_dims, int a_rank,
                    const int32_t *b_dims, int b_rank, const int32_t *out_dims,
                    int out_rank)
{
    int32_t a[NN_K_BCAST_RANK], b[NN_K_BCAST_RANK], o[NN_K_BCAST_RANK];
    int32_t step_a = 1, step_b = 1;
    int n = 0, prev = -1;

    if (a_rank < 0 || b_rank < 0 || out_rank < 0 || a_rank > NN_K_BCAST_RANK ||
        b_rank > NN_K_BCAST_RANK || out_rank > NN_K_BCAST_RANK)
        return 0;
    extend(a_dims, a_rank, a);
    extend(b_dims, b_rank, b);
    extend(out_dims, out_rank, o);
    memset(w, 0, sizeof(*w));

    /* Innermost first, so that strides are the products of inner extents;
     * the merged dimensions are reversed at the end. */
    for (int d = NN_K_BCAST_RANK - 1; d >= 0; d--) {
        if ((a[d] != o[d] && a[d] != 1) || (b[d] != o[d] && b[d] != 1) ||
            (a[d] != o[d] && b[d] != o[d]))
            return 0;
        if (o[d] == 1)
            continue;
        int kind = (a[d] == 1) | (b[d] == 1) << 1; /* which input repeats */
        if (kind == prev) {
            w->shape[n - 1] *= o[d];
        } else {
            w->shape[n] = o[d];
            w->stride_a[n] = kind & 1 ? 0 : step_a;
            w->stride_b[n] = kind & 2 ? 0 : step_b;
            n++;
            prev = kind;
        }
        step_a *= a[d];
        step_b *= b[d];
    }
    if (n == 0) {
        w->shape[0] = 1;
        n = 1;
    }
    for (int i = 0; i < n / 2; i++) {
        int j = n - 1 - i;
        int32_t t;
        t = w->shape[i], w->shape[i] = w->shape[j], w->shape[j] = t;
        t = w->stride_a[i], w->stride_a[i] = w->stride_a[j], w->stride_a[j] = t;
        t = w->stride_b[i], w->stride_b[i] = w->stride_b[j], w->stride_b[j] = t;
    }
    w->rank = n;
    return 1;
}

/* Position of the current innermost run. */
typedef struct {
    int32_t idx[NN_K_BCAST_RANK];
    long a, b, out;
} walk_pos;

/* Moves to the next run; 0 when all runs are done. */
static int walk_next(const nn_k_bcast *w, walk_pos *p)
{
    p->out += w->shape[w->rank - 1];
    for (int d = w->rank - 2; d >= 0; d--) {
        p->a += w->stride_a[d];
        p->b += w->stride_b[d];
        if (++p->idx[d] < w->shape[d])
            return 1;
        p->a -= (long)w->stride_a[d] * w->shape[d];
        p->b -= (long)w->stride_b[d] * w->shape[d];
        p->idx[d] = 0;
    }
    return 0;
}

/* ADD ---------------------------------------------------------------------- */

static int32_t add_s8_one(const nn_k_add_s8_params *p, int32_t x, int32_t y)
{
    int32_t xs = (x + p->a_offset) * ((int32_t)1 << p->left_shift);
    int32_t ys = (y + p->b_offset) * ((int32_t)1 << p->left_shift);
    int32_t sum = nn_fx_mul_by_quantized(xs, p->a_mult, p->a_shift) +
                  nn_fx_mul_by_quantized(ys, p->b_mult, p->b_shift);
    int32_t v = nn_fx_mul_by_quantized(sum, p->out_mult, p->out_shift) +
                p->out_offset;
    return nn_fx_clamp(v, p->act_min, p->act_max);
}

void nn_k_add_s8(const nn_k_bcast *w, const nn_k_add_s8_params *p,
                 const int8_t *a, const int8_t *b, int8_t *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const int8_t *x = a + pos.a, *y = b + pos.b;
        int8_t *o = out + pos.out;
        for (int32_t i = 0; i < n; i++)
            o[i] = (int8_t)add_s8_one(p, x[i * sa], y[i * sb]);
    } while (walk_next(w, &pos));
}

void nn_k_add_f32(const nn_k_bcast *w, float act_min, float act_max,
                  const float *a, const float *b, float *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const float *x = a + pos.a, *y = b + pos.b;
        float *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            float v = x[i * sa] + y[i * sb];
            v = v < act_min ? act_min : v;
            o[i] = v > act_max ? act_max : v;
        }
    } while (walk_next(w, &pos));
}

/* QUANTIZE / DEQUANTIZE ------------------------------------------------- */

/* round(x / scale) + zero_point, clamped: TFLite divides in float. */
static int32_t quantize_one(const nn_k_affine *q, float x, int32_t lo, int32_t hi)
{
    return nn_round_sat(x / q->scale, lo - q->zero_point, hi - q->zero_point) +
           q->zero_point;
}

void nn_k_quantize_s8(const nn_k_affine *q, int count, const float *in,
                      int8_t *out)
{
    for (int i = 0; i < count; i++)
        out[i] = (int8_t)quantize_one(q, in[i], INT8_MIN, INT8_MAX);
}

void nn_k_quantize_s16(const nn_k_affine *q, int count, const float *in,
                       int16_t *out)
{
    for (int i = 0; i < count; i++)
        out[i] = (int16_t)quantize_one(q, in[i], INT16_MIN, INT16_MAX);
}

void nn_k_requantize_s8(const nn_k_requantize_params *p, int count,
                        const int8_t *in, int8_t *out)
{
    for (int i = 0; i < count; i++) {
        int32_t v = nn_fx_mul_by_quantized((int32_t)in[i] - p->in_zero_point,
                                           p->mult, p->shift);
        out[i] = (int8_t)nn_fx_clamp(v + p->out_zero_point, INT8_MIN, INT8_MAX);
    }
}

/* scale x (q - zero_point): TFLite multiplies in double and rounds to
 * float; the exact product has at most 24 + 17 bits, so one float
 * multiplication rounds it identically. */
void nn_k_dequantize_s8(const nn_k_affine *q, int count, const int8_t *in,
                        float *out)
{
    for (int i = 0; i < count; i++)
        out[i] = q->scale * (float)((int32_t)in[i] - q->zero_point);
}

void nn_k_dequantize_s16(const nn_k_affine *q, int count, const int16_t *in,
                         float *out)
{
    for (int i = 0; i < count; i++)
        out[i] = q->scale * (float)((int32_t)in[i] - q->zero_point);
}

/* ADD, 16x8: the same rule over int16 values (left shift 15 from the host). */
void nn_k_add_s16(const nn_k_bcast *w, const nn_k_add_s8_params *p,
                  const int16_t *a, const int16_t *b, int16_t *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const int16_t *x = a + pos.a, *y = b + pos.b;
        int16_t *o = out + pos.out;
        for (int32_t i = 0; i < n; i++)
            o[i] = (int16_t)add_s8_one(p, x[i * sa], y[i * sb]);
    } while (walk_next(w, &pos));
}

/* MUL ---------------------------------------------------------------------- */

/* TFLite's int8 MUL: both offset inputs (|v| <= 255) multiplied exactly in
 * int32, scaled once to the output. */
void nn_k_mul_s8(const nn_k_bcast *w, const nn_k_mul_s8_params *p,
                 const int8_t *a, const int8_t *b, int8_t *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const int8_t *x = a + pos.a, *y = b + pos.b;
        int8_t *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            int32_t prod = ((int32_t)x[i * sa] + p->a_offset) *
                           ((int32_t)y[i * sb] + p->b_offset);
            int32_t v = nn_fx_mul_by_quantized(prod, p->mult, p->shift) + p->out_offset;
            o[i] = (int8_t)nn_fx_clamp(v, p->act_min, p->act_max);
        }
    } while (walk_next(w, &pos));
}

void nn_k_mul_f32(const nn_k_bcast *w, float act_min, float act_max,
                  const float *a, const float *b, float *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const float *x = a + pos.a, *y = b + pos.b;
        float *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            float v = x[i * sa] * y[i * sb];
            v = v < act_min ? act_min : v;
            o[i] = v > act_max ? act_max : v;
        }
    } while (walk_next(w, &pos));
}

/* MAXIMUM / MINIMUM --------------------------------------------------------- */

void nn_k_maxmin_f32(const nn_k_bcast *w, int is_max, const float *a,
                     const float *b, float *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const float *x = a + pos.a, *y = b + pos.b;
        float *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            float u = x[i * sa], v = y[i * sb];
            if (u != u || v != v)
                o[i] = u + v; /* NaN */
            else
                o[i] = is_max ? (u > v ? u : v) : (u < v ? u : v);
        }
    } while (walk_next(w, &pos));
}

void nn_k_maxmin_s8(const nn_k_bcast *w, int is_max, const int8_t *a,
                    const int8_t *b, int8_t *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const int8_t *x = a + pos.a, *y = b + pos.b;
        int8_t *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            int8_t u = x[i * sa], v = y[i * sb];
            o[i] = is_max ? (u > v ? u : v) : (u < v ? u : v);
        }
    } while (walk_next(w, &pos));
}

void nn_k_maxmin_s16(const nn_k_bcast *w, int is_max, const int16_t *a,
                     const int16_t *b, int16_t *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const int16_t *x = a + pos.a, *y = b + pos.b;
        int16_t *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            int16_t u = x[i * sa], v = y[i * sb];
            o[i] = is_max ? (u > v ? u : v) : (u < v ? u : v);
        }
    } while (walk_next(w, &pos));
}

/* PRELU ---------------------------------------------------------------------- */

/* TFLite's int8 PRELU: positive inputs rescaled alone, negative ones
 * multiplied by the offset alpha first (|product| <= 255 x 255). */
void nn_k_prelu_s8(const nn_k_bcast *w, const nn_k_prelu_s8_params *p,
                   const int8_t *x, const int8_t *alpha, int8_t *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const int8_t *u = x + pos.a, *al = alpha + pos.b;
        int8_t *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            int32_t v = (int32_t)u[i * sa] + p->in_offset, r;
            if (v >= 0)
                r = nn_fx_mul_by_quantized(v, p->pos_mult, p->pos_shift);
            else
                r = nn_fx_mul_by_quantized(v * ((int32_t)al[i * sb] + p->alpha_offset),
                                           p->neg_mult, p->neg_shift);
            o[i] = (int8_t)nn_fx_clamp(r + p->out_offset, INT8_MIN, INT8_MAX);
        }
    } while (walk_next(w, &pos));
}

void nn_k_prelu_f32(const nn_k_bcast *w, const float *x, const float *alpha,
                    float *out)
{
    walk_pos pos = {{0}, 0, 0, 0};
    int32_t n = w->shape[w->rank - 1];
    int32_t sa = w->stride_a[w->rank - 1], sb = w->stride_b[w->rank - 1];
    do {
        const float *u = x + pos.a, *al = alpha + pos.b;
        float *o = out + pos.out;
        for (int32_t i = 0; i < n; i++) {
            float v = u[i * sa];
            o[i] = v >= 0.0f ? v : v * al[i * sb];
        }
    } while (walk_next(w, &pos));
}
