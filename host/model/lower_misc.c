/*
 * lower_misc.c: ADD, RESHAPE, SOFTMAX, LOGISTIC, QUANTIZE and DEQUANTIZE
 * parameters (nn_params.h NN_ADD_*, NN_SOFTMAX_*, NN_LOGISTIC_*,
 * NN_QUANTIZE_*, NN_DEQUANTIZE_*).
 *
 * Each derived number is computed as TFLite Micro's Prepare computes it:
 * the same double-precision expressions in the same order, the same
 * multiplier quantisation, the same radius formulas. Where TFLite would
 * assert (a multiplier out of its range), the op is refused with the reason.
 * Shapes, broadcasting included, are checked by the engine's own check()
 * when blob_build opens the blob.
 *
 * int16 (TFLite's 16x8 scheme: every int16 zero point 0): ADD is the int8
 * rule with a left shift of 15; SOFTMAX and LOGISTIC use tables the host
 * computes here in double precision and stores in the blob.
 */
#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_params.h"
#include "lower.h"

#include <math.h>
#include <stdint.h>

static const graph_tensor *input_of(const graph *g, int i, int k)
{
    return &g->tensors[g->ops[i].inputs[k]];
}

static const graph_tensor *output_of(const graph *g, int i)
{
    return &g->tensors[g->ops[i].outputs[0]];
}

/* Checks the op has n_in inputs (all present) and one output, and copies
 * them into lo. */
static hb_status take_io(const graph *g, int i, int n_in, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    if (o->n_inputs != n_in || o->n_outputs != 1)
        return lower_refuse(g, i, "expects %d input%s and 1 output", n_in,
                            n_in == 1 ? "" : "s");
    for (int k = 0; k < n_in; k++)
        if (o->inputs[k] < 0)
            return lower_refuse(g, i, "input %d is missing", k);
    lower_copy_io(g, i, lo);
    return HB_OK;
}

static int per_tensor(const graph_tensor *t) { return t->n_quant == 1; }

/* The int8 outputs of SOFTMAX and LOGISTIC are in units of 1/256 with zero
 * point -128. TFLite Micro insists on the zero point for both and on the
 * scale for SOFTMAX only; the kernels never read either. */
static hb_status check_unit_output(const graph *g, int i, const graph_tensor *out,
                                   int exact_scale)
{
    if (!per_tensor(out) || out->zero_points[0] != -128 ||
        (exact_scale && out->scales[0] != 1.0f / 256))
        return lower_refuse(g, i, "int8 output must have %szero point -128",
                            exact_scale ? "scale 1/256 and " : "");
    return HB_OK;
}

/* 16x8 outputs of SOFTMAX and LOGISTIC: scale 1/32768, zero point 0, and an
 * int16 input with zero point 0. TFLite accepts the scale within 0.1 %. */
static hb_status check_unit_output16(const graph *g, int i, const graph_tensor *in,
                                     const graph_tensor *out)
{
    if (!per_tensor(in) || in->zero_points[0] != 0)
        return lower_refuse(g, i, "int16 input needs one scale and zero point 0");
    if (!per_tensor(out) || out->zero_points[0] != 0 ||
        fabs((double)out->scales[0] - 1.0 / 32768) > 0.001 / 32768)
        return lower_refuse(g, i, "int16 output must have scale 1/32768 and zero point 0");
    return HB_OK;
}

/* A 513-entry table of f over [in_min, in_max] in Q0.15, TFLite's way: 512
 * samples, each lowered by half the error linear interpolation makes at the
 * middle of its interval, then f(in_max) for the last slope. */
static void gen_lut(double (*f)(double), double in_min, double in_max, int16_t *lut)
{
    const int steps = 512;
    const double step = (in_max - in_min) / steps, scale = 32768.0;
    for (int k = 0; k <= steps; k++) {
        double v;
        if (k == steps) {
            v = round(f(in_max) * scale);
        } else {
            double x = in_min + k * step;
            double sample = round(f(x) * scale);
            double interp = round((f(x + step) * scale + sample) / 2);
            double mid = round(f(x + step / 2) * scale);
            v = sample - round((interp - mid) / 2);
        }
        lut[k] = (int16_t)(v < -32768.0 ? -32768 : v > 32767.0 ? 32767 : v);
    }
}

static double exp_fn(double x) { return exp(x); }
static double one_over_one_plus(double x) { return 1.0 / (1.0 + x); }

/* Little-endian copy of n int16 values as an array at word w. */
static hb_status add_i16_array(lower_op *lo, int w, const int16_t *v, int n)
{
    uint8_t le[2 * 2 * 513];
    for (int k = 0; k < n; k++)
        nn_wr_u16(le + 2 * k, (uint16_t)v[k]);
    return lower_add_array(lo, w, le, 2u * (uint32_t)n);
}

/* ADD ---------------------------------------------------------------------- */

/* 16x8: no offsets, headroom of 15 bits (65535 << 15 fits in int32). */
static hb_status add_s16(const graph *g, int i, const graph_tensor *a,
                         const graph_tensor *b, const graph_tensor *out, lower_op *lo)
{
    int32_t lo16, hi16;
    if (a->zero_points[0] || b->zero_points[0] || out->zero_points[0])
        return lower_refuse(g, i, "int16 zero points must be 0");
    if (lower_act_range_s16(g->ops[i].opt.activation, out->scales[0], &lo16, &hi16) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    const int left_shift = 15;
    const double twice_max =
        2 * (double)(a->scales[0] > b->scales[0] ? a->scales[0] : b->scales[0]);
    const double real_out = twice_max / ((1 << left_shift) * (double)out->scales[0]);
    if (!(real_out < 1.0))
        return lower_refuse(g, i, "output scale %g too small for the inputs' scales",
                            (double)out->scales[0]);
    int32_t m[3], s[3];
    lower_quantize_multiplier((double)a->scales[0] / twice_max, &m[0], &s[0]);
    lower_quantize_multiplier((double)b->scales[0] / twice_max, &m[1], &s[1]);
    lower_quantize_multiplier(real_out, &m[2], &s[2]);
    lo->words[NN_ADD_ACT_MIN] = (uint32_t)lo16;
    lo->words[NN_ADD_ACT_MAX] = (uint32_t)hi16;
    lo->words[NN_ADD_LEFT_SHIFT] = (uint32_t)left_shift;
    lo->words[NN_ADD_A_MULT] = (uint32_t)m[0];
    lo->words[NN_ADD_A_SHIFT] = (uint32_t)s[0];
    lo->words[NN_ADD_B_MULT] = (uint32_t)m[1];
    lo->words[NN_ADD_B_SHIFT] = (uint32_t)s[1];
    lo->words[NN_ADD_OUT_MULT] = (uint32_t)m[2];
    lo->words[NN_ADD_OUT_SHIFT] = (uint32_t)s[2];
    return HB_OK;
}

hb_status lower_add(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = take_io(g, i, 2, lo)) != HB_OK)
        return st;
    const graph_tensor *a = input_of(g, i, 0), *b = input_of(g, i, 1);
    const graph_tensor *out = output_of(g, i);
    int act = g->ops[i].opt.activation;
    lo->n_words = NN_ADD_WORDS;

    if (a->dtype == NN_DT_FLOAT32 && b->dtype == NN_DT_FLOAT32 &&
        out->dtype == NN_DT_FLOAT32) {
        float flo, fhi;
        if (lower_act_range_f32(act, &flo, &fhi) != HB_OK)
            return lower_refuse(g, i, "%s", hb_last_error());
        lo->words[NN_ADD_ACT_MIN] = nn_f32_bits(flo);
        lo->words[NN_ADD_ACT_MAX] = nn_f32_bits(fhi);
        return HB_OK;
    }
    if (a->dtype == NN_DT_INT16 && b->dtype == NN_DT_INT16 && out->dtype == NN_DT_INT16) {
        if (!per_tensor(a) || !per_tensor(b) || !per_tensor(out))
            return lower_refuse(g, i, "int16 tensors need per-tensor quantisation");
        return add_s16(g, i, a, b, out, lo);
    }
    if (a->dtype != NN_DT_INT8 || b->dtype != NN_DT_INT8 || out->dtype != NN_DT_INT8)
        return lower_refuse(g, i, "inputs and output must be all float32, all int8 or all "
                            "int16 (%s + %s -> %s)",
                            nn_dtype_name(a->dtype), nn_dtype_name(b->dtype),
                            nn_dtype_name(out->dtype));
    if (!per_tensor(a) || !per_tensor(b) || !per_tensor(out))
        return lower_refuse(g, i, "int8 tensors need per-tensor quantisation");

    int32_t lo8, hi8;
    if (lower_act_range_s8(act, out->scales[0], out->zero_points[0], &lo8, &hi8) != HB_OK)
        return lower_refuse(g, i, "%s", hb_last_error());
    const int left_shift = 20;
    const double twice_max =
        2 * (double)(a->scales[0] > b->scales[0] ? a->scales[0] : b->scales[0]);
    const double real_a = (double)a->scales[0] / twice_max;
    const double real_b = (double)b->scales[0] / twice_max;
    const double real_out = twice_max / ((1 << left_shift) * (double)out->scales[0]);
    if (!(real_out < 1.0))
        return lower_refuse(g, i, "output scale %g too small for the inputs' scales",
                            (double)out->scales[0]);
    int32_t ma, sa, mb, sb, mo, so;
    lower_quantize_multiplier(real_a, &ma, &sa);
    lower_quantize_multiplier(real_b, &mb, &sb);
    lower_quantize_multiplier(real_out, &mo, &so);

    lo->words[NN_ADD_ACT_MIN] = (uint32_t)lo8;
    lo->words[NN_ADD_ACT_MAX] = (uint32_t)hi8;
    lo->words[NN_ADD_A_OFFSET] = (uint32_t)-a->zero_points[0];
    lo->words[NN_ADD_B_OFFSET] = (uint32_t)-b->zero_points[0];
    lo->words[NN_ADD_OUT_OFFSET] = (uint32_t)out->zero_points[0];
    lo->words[NN_ADD_LEFT_SHIFT] = (uint32_t)left_shift;
    lo->words[NN_ADD_A_MULT] = (uint32_t)ma;
    lo->words[NN_ADD_A_SHIFT] = (uint32_t)sa;
    lo->words[NN_ADD_B_MULT] = (uint32_t)mb;
    lo->words[NN_ADD_B_SHIFT] = (uint32_t)sb;
    lo->words[NN_ADD_OUT_MULT] = (uint32_t)mo;
    lo->words[NN_ADD_OUT_SHIFT] = (uint32_t)so;
    return HB_OK;
}

/* RESHAPE ------------------------------------------------------------------ */

hb_status lower_reshape(const graph *g, int i, lower_op *lo)
{
    const graph_op *o = &g->ops[i];
    if (o->n_inputs < 1 || o->n_inputs > 2 || o->n_outputs != 1 || o->inputs[0] < 0)
        return lower_refuse(g, i, "expects 1 or 2 inputs and 1 output");
    const graph_tensor *in = input_of(g, i, 0), *out = output_of(g, i);
    if (in->dtype != out->dtype || graph_tensor_bytes(in) != graph_tensor_bytes(out))
        return lower_refuse(g, i, "output must have the input's dtype and size");
    /* The optional shape input only restates the output's shape: drop it. */
    lower_copy_io(g, i, lo);
    lo->n_inputs = 1;
    lo->n_words = NN_RESHAPE_WORDS;
    return HB_OK;
}

/* SOFTMAX ------------------------------------------------------------------ */

/* 16x8: differences scaled so that -65535 is -10 (beyond, e^x is
 * negligible), the tables e^x over [-10, 0] and 1 / (1 + x) over [0, 1]. */
static hb_status softmax_s16(const graph *g, int i, const graph_tensor *in,
                             const graph_tensor *out, float beta, lower_op *lo)
{
    hb_status st;
    int16_t lut[2 * 513];
    int32_t mult, shift;
    if ((st = check_unit_output16(g, i, in, out)) != HB_OK)
        return st;
    double real = (double)(in->scales[0] * beta) / (10.0 / 65535.0);
    lower_quantize_multiplier(real, &mult, &shift);
    if (!(real > 0.0) || shift > 15)
        return lower_refuse(g, i, "beta x input scale %g is out of range", real);
    gen_lut(exp_fn, -10.0, 0.0, lut);
    gen_lut(one_over_one_plus, 0.0, 1.0, lut + 513);
    lo->words[NN_SOFTMAX_MULT] = (uint32_t)mult;
    lo->words[NN_SOFTMAX_SHIFT] = (uint32_t)shift;
    return add_i16_array(lo, NN_SOFTMAX_LUT, lut, 2 * 513);
}

hb_status lower_softmax(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = take_io(g, i, 1, lo)) != HB_OK)
        return st;
    const graph_tensor *in = input_of(g, i, 0), *out = output_of(g, i);
    float beta = g->ops[i].opt.beta;
    lo->n_words = NN_SOFTMAX_WORDS;
    lo->words[NN_SOFTMAX_BETA] = nn_f32_bits(beta);

    if (in->dtype == NN_DT_FLOAT32 && out->dtype == NN_DT_FLOAT32)
        return HB_OK;
    if (in->dtype == NN_DT_INT16 && out->dtype == NN_DT_INT16)
        return softmax_s16(g, i, in, out, beta, lo);
    if (in->dtype != NN_DT_INT8 || out->dtype != NN_DT_INT8)
        return lower_refuse(g, i, "runs float32, int8 or int16 (x -> x), not %s -> %s",
                            nn_dtype_name(in->dtype), nn_dtype_name(out->dtype));
    if (!per_tensor(in))
        return lower_refuse(g, i, "int8 input needs per-tensor quantisation");
    if ((st = check_unit_output(g, i, out, 1)) != HB_OK)
        return st;

    /* Differences scaled into Q5.26; a multiplier past 2^31 - 1 is capped:
     * any difference of one step then underflows e^x anyway. */
    const int diff_int_bits = 5;
    double real = (double)beta * (double)in->scales[0] *
                  (double)(1 << (31 - diff_int_bits));
    if (real > (double)((1ll << 31) - 1))
        real = (double)((1ll << 31) - 1);
    if (!(real > 1.0))
        return lower_refuse(g, i, "beta x input scale %g is too small", real);
    int32_t mult, shift;
    lower_quantize_multiplier(real, &mult, &shift);
    double radius = floor(1.0 * ((1 << diff_int_bits) - 1) *
                          (double)(1ll << (31 - diff_int_bits)) / (double)(1ll << shift));
    lo->words[NN_SOFTMAX_MULT] = (uint32_t)mult;
    lo->words[NN_SOFTMAX_SHIFT] = (uint32_t)shift;
    lo->words[NN_SOFTMAX_DIFF_MIN] = (uint32_t)(int32_t)(-1.0 * radius);
    return HB_OK;
}

/* LOGISTIC ----------------------------------------------------------------- */

/* 16x8: the input goes to units of 1 / (3 x 4096), the table's step being
 * 1/24 = 512 units. An input scale of 2^-12 or 2^-11 needs no multiplier
 * (TFLite's power-of-two case, log2 within 1e-3 of an integer); otherwise
 * scale x 3 x 4096 is doubled while <= 32767 / 2 and truncated. */
static hb_status logistic_s16(const graph *g, int i, const graph_tensor *in,
                              const graph_tensor *out, lower_op *lo)
{
    hb_status st;
    uint8_t table[2 * 256];
    if ((st = check_unit_output16(g, i, in, out)) != HB_OK)
        return st;
    float lg = logf(in->scales[0]) * (1.0f / logf(2.0f));
    float lg_round = roundf(lg);
    int32_t shift = 12 + (int32_t)lg_round, mult = 0;
    if (!(fabsf(lg - lg_round) < 1e-3f) || (shift != 0 && shift != 1)) {
        double m = (double)in->scales[0] * 4096.0 * 3.0;
        shift = 0;
        while (m <= 32767.0 / 2.0 && shift <= 30) {
            shift++;
            m *= 2.0;
        }
        if (m > 32767.0)
            return lower_refuse(g, i, "int16 input scale %g is too large",
                                (double)in->scales[0]);
        mult = (int32_t)m;
    }
    for (int k = 0; k < 256; k++) {
        double v = round(65536.0 / (1.0 + exp(-k / 24.0)));
        nn_wr_u16(table + 2 * k, (uint16_t)(v > 65535.0 ? 65535 : v));
    }
    lo->words[NN_LOGISTIC_MULT] = (uint32_t)mult;
    lo->words[NN_LOGISTIC_SHIFT] = (uint32_t)shift;
    return lower_add_array(lo, NN_LOGISTIC_LUT, table, sizeof(table));
}

/* Input into Q4.27. TFLite takes frexp directly (not QuantizeMultiplier);
 * a float scale times 2^27 has 24 significant bits, so q x 2^31 is an
 * integer below 2^31 and the rounding never carries into the shift. */
hb_status lower_q427_words(const graph *g, int i, const graph_tensor *in, lower_op *lo)
{
    const int in_int_bits = 4;
    int shift;
    double q = frexp((double)in->scales[0] * (double)(1 << (31 - in_int_bits)), &shift);
    int64_t mult = (int64_t)round(q * (double)(1ll << 31));
    if (shift < 0 || shift > 31 || mult >= (1ll << 31))
        return lower_refuse(g, i, "input scale %g is out of range", (double)in->scales[0]);
    double radius = floor(1.0 * ((1 << in_int_bits) - 1) *
                          (double)(1ll << (31 - in_int_bits)) / (double)(1ll << shift));
    lo->words[NN_LOGISTIC_IN_ZP] = (uint32_t)in->zero_points[0];
    lo->words[NN_LOGISTIC_MULT] = (uint32_t)(int32_t)mult;
    lo->words[NN_LOGISTIC_SHIFT] = (uint32_t)shift;
    lo->words[NN_LOGISTIC_RADIUS] = (uint32_t)(int32_t)radius;
    return HB_OK;
}

hb_status lower_logistic(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = take_io(g, i, 1, lo)) != HB_OK)
        return st;
    const graph_tensor *in = input_of(g, i, 0), *out = output_of(g, i);
    lo->n_words = NN_LOGISTIC_WORDS;

    if (in->dtype == NN_DT_FLOAT32 && out->dtype == NN_DT_FLOAT32)
        return HB_OK;
    if (in->dtype == NN_DT_INT16 && out->dtype == NN_DT_INT16)
        return logistic_s16(g, i, in, out, lo);
    if (in->dtype != NN_DT_INT8 || out->dtype != NN_DT_INT8)
        return lower_refuse(g, i, "runs float32, int8 or int16 (x -> x), not %s -> %s",
                            nn_dtype_name(in->dtype), nn_dtype_name(out->dtype));
    if (!per_tensor(in))
        return lower_refuse(g, i, "int8 input needs per-tensor quantisation");
    if ((st = check_unit_output(g, i, out, 0)) != HB_OK)
        return st;

    return lower_q427_words(g, i, in, lo);
}

/* QUANTIZE / DEQUANTIZE ---------------------------------------------------- */

hb_status lower_quantize(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = take_io(g, i, 1, lo)) != HB_OK)
        return st;
    const graph_tensor *in = input_of(g, i, 0), *out = output_of(g, i);
    lo->n_words = NN_QUANTIZE_WORDS;
    if (!per_tensor(out))
        return lower_refuse(g, i, "output needs per-tensor quantisation");
    lo->words[NN_QUANTIZE_SCALE] = nn_f32_bits(out->scales[0]);
    lo->words[NN_QUANTIZE_OUT_ZP] = (uint32_t)out->zero_points[0];

    if (in->dtype == NN_DT_FLOAT32 &&
        (out->dtype == NN_DT_INT8 || out->dtype == NN_DT_INT16))
        return HB_OK;
    if (in->dtype != NN_DT_INT8 || out->dtype != NN_DT_INT8)
        return lower_refuse(g, i, "runs float32 -> int8 / int16 or int8 -> int8, not %s -> %s",
                            nn_dtype_name(in->dtype), nn_dtype_name(out->dtype));
    if (!per_tensor(in))
        return lower_refuse(g, i, "input needs per-tensor quantisation");
    int32_t mult, shift;
    lower_quantize_multiplier((double)in->scales[0] / (double)out->scales[0], &mult, &shift);
    if (shift > 23)
        return lower_refuse(g, i, "input scale / output scale is too large");
    lo->words[NN_QUANTIZE_IN_ZP] = (uint32_t)in->zero_points[0];
    lo->words[NN_QUANTIZE_MULT] = (uint32_t)mult;
    lo->words[NN_QUANTIZE_SHIFT] = (uint32_t)shift;
    return HB_OK;
}

hb_status lower_dequantize(const graph *g, int i, lower_op *lo)
{
    hb_status st;
    if ((st = take_io(g, i, 1, lo)) != HB_OK)
        return st;
    const graph_tensor *in = input_of(g, i, 0), *out = output_of(g, i);
    lo->n_words = NN_DEQUANTIZE_WORDS;
    if ((in->dtype != NN_DT_INT8 && in->dtype != NN_DT_INT16) ||
        out->dtype != NN_DT_FLOAT32)
        return lower_refuse(g, i, "runs int8 / int16 -> float32, not %s -> %s",
                            nn_dtype_name(in->dtype), nn_dtype_name(out->dtype));
    if (!per_tensor(in))
        return lower_refuse(g, i, "input needs per-tensor quantisation");
    lo->words[NN_DEQUANTIZE_SCALE] = nn_f32_bits(in->scales[0]);
    lo->words[NN_DEQUANTIZE_ZP] = (uint32_t)in->zero_points[0];
    return HB_OK;
}
