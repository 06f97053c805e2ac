/*
 * nn_k_packed_impl.h: the bodies of the packed-weight kernels, included by
 * nn_k_packed.c once per value type (no include guard on purpose).
 *
 * The includer defines:
 *   PK_FN(name)        the function name for this instantiation
 *   PK_X, PK_Y         input and output element types
 *   PK_ACC, PK_BIAS    accumulator and bias types
 *   PK_V               stored value type
 *   PK_FIN             the finishing arguments' struct type (f)
 *   PK_SCALE(w, c)     the dequantisation scale of channel c (or 0)
 *   PK_LD(v, i, s)     stored value i as the kernel multiplies with it
 *   PK_MAC(acc, x, w)  acc plus one product
 *   PK_FIN_FC(acc, c, bias, f), PK_FIN_CONV(acc, c, bias, f)
 *                      the output of channel c, as the dense kernels
 *                      finish it
 *
 * Every body visits the taps of an output in the dense kernels' order
 * (FULLY_CONNECTED: depth; convolutions: filter rows, columns, then
 * channels, over the taps inside the image) and skips the values that are
 * not stored.
 */

/* acc plus x[k - lo] times the next stored value, for each set bit k of the
 * mask in [lo, hi), ascending; *vp moves past the values used. A leaf on
 * purpose: inlined into the loop nests, GCC at -Os spills its pointers. */
static PK_LEAF PK_ACC PK_FN(dot_bitmap)(PK_ACC acc, const PK_X *x, const uint8_t *m,
                                        uint32_t lo, uint32_t hi, const PK_V **vp, float s,
                                        const PK_FIN *f)
{
    const PK_V *v = *vp;
    pk_walk wk;
    uint32_t base, bits;
    (void)s;
    (void)f;
    for (pk_walk_init(&wk, m, lo, hi); pk_word(&wk, &base, &bits);) {
        /* off + the bit's place is >= 0: bits below lo are clear. */
        const long off = (long)base - (long)lo;
        for (; bits; bits &= bits - 1)
            acc = PK_MAC(acc, x[off + (long)pk_ctz(bits)], PK_LD(v++, 0, s));
    }
    *vp = v;
    return acc;
}

/* FULLY_CONNECTED --------------------------------------------------------- */

static void PK_FN(fc_bitmap)(const nn_k_fc_dims *d, const PK_FIN *f, const PK_X *input,
                             const nn_k_weights *w, const PK_BIAS *bias, PK_Y *output)
{
    for (int b = 0; b < d->batches; b++) {
        const PK_X *x = input + (long)b * d->depth;
        const PK_V *v = w->values;
        for (int u = 0; u < d->units; u++) {
            const uint32_t lo = (uint32_t)u * (uint32_t)d->depth;
            PK_ACC acc = PK_FN(dot_bitmap)(0, x, w->mask, lo, lo + (uint32_t)d->depth, &v,
                                           PK_SCALE(w, u), f);
            output[(long)b * d->units + u] = PK_FIN_FC(acc, u, bias, f);
        }
    }
}

/* Also the dense layout: mask NULL keeps every unit. */
static void PK_FN(fc_channels)(const nn_k_fc_dims *d, const PK_FIN *f, const PK_X *input,
                               const nn_k_weights *w, const PK_BIAS *bias, PK_Y *output)
{
    const PK_V *v = w->values;
    for (int b = 0; b < d->batches; b++) {
        const PK_X *x = input + (long)b * d->depth;
        uint32_t kept = 0;
        for (int u = 0; u < d->units; u++) {
            const float s = PK_SCALE(w, u);
            PK_ACC acc = 0;
            if (!w->mask || pk_bit(w->mask, (uint32_t)u)) {
                const PK_V *row = v + (long)kept++ * d->depth;
                for (int k = 0; k < d->depth; k++)
                    acc = PK_MAC(acc, x[k], PK_LD(row, k, s));
            }
            output[(long)b * d->units + u] = PK_FIN_FC(acc, u, bias, f);
        }
    }
}

/* CONV_2D: filter [C_OUT, KH, KW, C_F] -------------------------------------- */

/* Output channel outermost, so that the first stored value of each filter
 * is a running count. */
static void PK_FN(conv_bitmap)(const nn_k_window *win, const PK_FIN *f, const nn_k_dims *in_d,
                               const PK_X *input, const nn_k_dims *f_d, const nn_k_weights *w,
                               const PK_BIAS *bias, const nn_k_dims *out_d, PK_Y *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const uint32_t row_bits = (uint32_t)f_d->w * (uint32_t)c_f;
    const uint32_t f_size = (uint32_t)f_d->h * row_bits;
    const PK_V *first = w->values;
    for (int oc = 0; oc < out_d->c; oc++) {
        const float s = PK_SCALE(w, oc);
        const uint32_t f0 = (uint32_t)oc * f_size;
        const int ch0 = oc / per_group * c_f;
        for (int b = 0; b < out_d->n; b++)
            for (int oy = 0; oy < out_d->h; oy++)
                for (int ox = 0; ox < out_d->w; ox++) {
                    pk_span sp = pk_span_at(win, in_d, f_d, oy, ox);
                    PK_ACC acc = 0;
                    const PK_V *v = first;
                    for (int ky = 0; ky < f_d->h; ky++) {
                        uint32_t lo = f0 + (uint32_t)ky * row_bits;
                        if (ky < sp.ky0 || ky >= sp.ky1) {
                            v += pk_count(w->mask, lo, lo + row_bits);
                            continue;
                        }
                        int y = sp.y0 + ky * win->dilation.h;
                        for (int kx = 0; kx < f_d->w; kx++, lo += (uint32_t)c_f) {
                            if (kx < sp.kx0 || kx >= sp.kx1) {
                                v += pk_count(w->mask, lo, lo + (uint32_t)c_f);
                                continue;
                            }
                            const PK_X *px =
                                input + pk_at(in_d, b, y, sp.x0 + kx * win->dilation.w) + ch0;
                            acc = PK_FN(dot_bitmap)(acc, px, w->mask, lo, lo + (uint32_t)c_f,
                                                    &v, s, f);
                        }
                    }
                    output[pk_at(out_d, b, oy, ox) + oc] = PK_FIN_CONV(acc, oc, bias, f);
                }
        first += pk_count(w->mask, f0, f0 + f_size);
    }
}

static void PK_FN(conv_channels)(const nn_k_window *win, const PK_FIN *f,
                                 const nn_k_dims *in_d, const PK_X *input,
                                 const nn_k_dims *f_d, const nn_k_weights *w,
                                 const PK_BIAS *bias, const nn_k_dims *out_d, PK_Y *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const long f_size = (long)f_d->h * f_d->w * c_f;
    const PK_V *v = w->values;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                pk_span sp = pk_span_at(win, in_d, f_d, oy, ox);
                PK_Y *o = output + pk_at(out_d, b, oy, ox);
                long kept = 0;
                for (int oc = 0; oc < out_d->c; oc++) {
                    const float s = PK_SCALE(w, oc);
                    PK_ACC acc = 0;
                    if (!w->mask || pk_bit(w->mask, (uint32_t)oc)) {
                        const PK_V *fw = v + kept++ * f_size;
                        const int ch0 = oc / per_group * c_f;
                        for (int ky = sp.ky0; ky < sp.ky1; ky++) {
                            int y = sp.y0 + ky * win->dilation.h;
                            for (int kx = sp.kx0; kx < sp.kx1; kx++) {
                                const PK_X *px =
                                    input + pk_at(in_d, b, y, sp.x0 + kx * win->dilation.w) + ch0;
                                const PK_V *pw = fw + ((long)ky * f_d->w + kx) * c_f;
                                for (int c = 0; c < c_f; c++)
                                    acc = PK_MAC(acc, px[c], PK_LD(pw, c, s));
                            }
                        }
                    }
                    o[oc] = PK_FIN_CONV(acc, oc, bias, f);
                }
            }
}

/* DEPTHWISE_CONV_2D: filter [1, KH, KW, C_OUT] -------------------------------- */

/* Output channel outermost; rank[t] is the index of the first stored value
 * of tap t at or after channel oc, advanced as oc grows. */
static void PK_FN(dw_bitmap)(const nn_k_window *win, const PK_FIN *f, const nn_k_dims *in_d,
                             const PK_X *input, const nn_k_dims *f_d, const nn_k_weights *w,
                             const PK_BIAS *bias, const nn_k_dims *out_d, PK_Y *output)
{
    const int mult = out_d->c / in_d->c, taps = f_d->h * f_d->w;
    const uint32_t c_out = (uint32_t)out_d->c;
    const PK_V *v = w->values;
    uint32_t rank[NN_K_PACKED_DW_TAPS];
    rank[0] = 0;
    for (int t = 1; t < taps; t++)
        rank[t] = rank[t - 1] + pk_count(w->mask, (uint32_t)(t - 1) * c_out, (uint32_t)t * c_out);
    for (int oc = 0; oc < out_d->c; oc++) {
        const float s = PK_SCALE(w, oc);
        for (int b = 0; b < out_d->n; b++)
            for (int oy = 0; oy < out_d->h; oy++)
                for (int ox = 0; ox < out_d->w; ox++) {
                    pk_span sp = pk_span_at(win, in_d, f_d, oy, ox);
                    PK_ACC acc = 0;
                    for (int ky = sp.ky0; ky < sp.ky1; ky++) {
                        int y = sp.y0 + ky * win->dilation.h;
                        for (int kx = sp.kx0; kx < sp.kx1; kx++) {
                            int t = ky * f_d->w + kx;
                            if (!pk_bit(w->mask, (uint32_t)t * c_out + (uint32_t)oc))
                                continue;
                            PK_X x = input[pk_at(in_d, b, y, sp.x0 + kx * win->dilation.w) +
                                           oc / mult];
                            acc = PK_MAC(acc, x, PK_LD(v, rank[t], s));
                        }
                    }
                    output[pk_at(out_d, b, oy, ox) + oc] = PK_FIN_CONV(acc, oc, bias, f);
                }
        for (int t = 0; t < taps; t++)
            rank[t] += pk_bit(w->mask, (uint32_t)t * c_out + (uint32_t)oc);
    }
}

/* Stored values [1, KH, KW, kept]: tap t of the k-th kept channel is value
 * t x kept + k. Mask NULL: the dense layout. */
static void PK_FN(dw_channels)(const nn_k_window *win, const PK_FIN *f, const nn_k_dims *in_d,
                               const PK_X *input, const nn_k_dims *f_d, const nn_k_weights *w,
                               const PK_BIAS *bias, const nn_k_dims *out_d, PK_Y *output)
{
    const int mult = out_d->c / in_d->c;
    const long stride = w->mask ? (long)pk_count(w->mask, 0, (uint32_t)out_d->c) : out_d->c;
    const PK_V *v = w->values;
    for (int b = 0; b < out_d->n; b++)
        for (int oy = 0; oy < out_d->h; oy++)
            for (int ox = 0; ox < out_d->w; ox++) {
                pk_span sp = pk_span_at(win, in_d, f_d, oy, ox);
                PK_Y *o = output + pk_at(out_d, b, oy, ox);
                long kept = 0;
                for (int oc = 0; oc < out_d->c; oc++) {
                    const float s = PK_SCALE(w, oc);
                    PK_ACC acc = 0;
                    if (!w->mask || pk_bit(w->mask, (uint32_t)oc)) {
                        for (int ky = sp.ky0; ky < sp.ky1; ky++) {
                            int y = sp.y0 + ky * win->dilation.h;
                            for (int kx = sp.kx0; kx < sp.kx1; kx++) {
                                PK_X x = input[pk_at(in_d, b, y, sp.x0 + kx * win->dilation.w) +
                                               oc / mult];
                                long t = (long)ky * f_d->w + kx;
                                acc = PK_MAC(acc, x, PK_LD(v, t * stride + kept, s));
                            }
                        }
                        kept++;
                    }
                    o[oc] = PK_FIN_CONV(acc, oc, bias, f);
                }
            }
}
