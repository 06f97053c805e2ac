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

/* acc plus x[k] times stored value k, k < n (a dense run). */
static PK_LEAF PK_ACC PK_FN(dot_run)(PK_ACC acc, const PK_X *x, const PK_V *v, int n, float s,
                                     const PK_FIN *f)
{
    (void)s;
    (void)f;
    for (int k = 0; k < n; k++)
        acc = PK_MAC(acc, x[k], PK_LD(v, k, s));
    return acc;
}

/* acc plus the products over a grid of rows x cols taps: x and v step by
 * x_col, v_col along a row and by x_row, v_row between rows. */
static PK_LEAF PK_ACC PK_FN(dot_grid)(PK_ACC acc, const PK_X *x, const PK_V *v, const pk_grid *g,
                                      float s, const PK_FIN *f)
{
    (void)s;
    (void)f;
    for (int r = 0; r < g->rows; r++, x += g->x_row, v += g->v_row) {
        const PK_X *px = x;
        const PK_V *pv = v;
        for (int c = 0; c < g->cols; c++, px += g->x_col, pv += g->v_col)
            acc = PK_MAC(acc, *px, PK_LD(pv, 0, s));
    }
    return acc;
}

/* acc plus x[off[k]] times *val[k]... for k < n: the stored taps of one
 * filter, listed once and replayed at every output inside the image. */
static PK_LEAF PK_ACC PK_FN(dot_list)(PK_ACC acc, const PK_X *x, const int32_t *off,
                                      const PK_V *v, int n, float s, const PK_FIN *f)
{
    (void)s;
    (void)f;
    for (int k = 0; k < n; k++)
        acc = PK_MAC(acc, x[off[k]], PK_LD(v, k, s));
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
            if (!w->mask || pk_bit(w->mask, (uint32_t)u))
                acc = PK_FN(dot_run)(acc, x, v + (long)kept++ * d->depth, d->depth, s, f);
            output[(long)b * d->units + u] = PK_FIN_FC(acc, u, bias, f);
        }
    }
}

/* CONV_2D: filter [C_OUT, KH, KW, C_F] -------------------------------------- */

/* Output channel outermost, so that the first stored value of each filter
 * is a running count. The filter's stored taps are listed once (their
 * input offsets from the window's first tap, at most NN_K_PACKED_LIST) and
 * replayed at every output whose window lies inside the image; the others
 * walk the bitmap, a filter row at a time when its taps are adjacent in the
 * input (no column dilation, one group). */
static void PK_FN(conv_bitmap)(const nn_k_window *win, const PK_FIN *f, const nn_k_dims *in_d,
                               const PK_X *input, const nn_k_dims *f_d, const nn_k_weights *w,
                               const PK_BIAS *bias, const nn_k_dims *out_d, PK_Y *output)
{
    const int c_f = f_d->c, per_group = out_d->c / (in_d->c / c_f);
    const uint32_t row_bits = (uint32_t)f_d->w * (uint32_t)c_f;
    const uint32_t f_size = (uint32_t)f_d->h * row_bits;
    const int runs = win->dilation.w == 1 && c_f == in_d->c;
    const long x_col = (long)win->dilation.w * in_d->c;
    const long x_row = (long)win->dilation.h * in_d->w * in_d->c;
    const PK_V *first = w->values;
    int32_t list[NN_K_PACKED_LIST];
    for (int oc = 0; oc < out_d->c; oc++) {
        const float s = PK_SCALE(w, oc);
        const uint32_t f0 = (uint32_t)oc * f_size;
        const int ch0 = oc / per_group * c_f;
        int n = 0;
        for (int ky = 0; ky < f_d->h && n >= 0; ky++)
            for (int kx = 0; kx < f_d->w && n >= 0; kx++) {
                uint32_t lo = f0 + ((uint32_t)ky * (uint32_t)f_d->w + (uint32_t)kx) * c_f;
                pk_walk wk;
                uint32_t base, bits;
                for (pk_walk_init(&wk, w->mask, lo, lo + (uint32_t)c_f);
                     n >= 0 && pk_word(&wk, &base, &bits);)
                    for (; bits; bits &= bits - 1) {
                        if (n == NN_K_PACKED_LIST) {
                            n = -1; /* too many: walk instead */
                            break;
                        }
                        long c = (long)base - (long)lo + (long)pk_ctz(bits);
                        list[n++] = (int32_t)(ky * x_row + kx * x_col + c);
                    }
            }
        for (int b = 0; b < out_d->n; b++)
            for (int oy = 0; oy < out_d->h; oy++)
                for (int ox = 0; ox < out_d->w; ox++) {
                    pk_span sp = pk_span_at(win, in_d, f_d, oy, ox);
                    PK_Y *o = output + pk_at(out_d, b, oy, ox) + oc;
                    PK_ACC acc = 0;
                    if (n >= 0 && sp.ky0 == 0 && sp.ky1 == f_d->h && sp.kx0 == 0 &&
                        sp.kx1 == f_d->w) {
                        acc = PK_FN(dot_list)(acc, input + pk_at(in_d, b, sp.y0, sp.x0) + ch0,
                                              list, first, n, s, f);
                        *o = PK_FIN_CONV(acc, oc, bias, f);
                        continue;
                    }
                    const int whole_rows = runs && sp.kx0 == 0 && sp.kx1 == f_d->w;
                    const PK_V *v = first;
                    for (int ky = 0; ky < f_d->h; ky++) {
                        uint32_t lo = f0 + (uint32_t)ky * row_bits;
                        if (ky < sp.ky0 || ky >= sp.ky1) {
                            v += pk_count(w->mask, lo, lo + row_bits);
                            continue;
                        }
                        int y = sp.y0 + ky * win->dilation.h;
                        if (whole_rows) {
                            const PK_X *px = input + pk_at(in_d, b, y, sp.x0) + ch0;
                            acc = PK_FN(dot_bitmap)(acc, px, w->mask, lo, lo + row_bits, &v, s,
                                                    f);
                            continue;
                        }
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
                    *o = PK_FIN_CONV(acc, oc, bias, f);
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
                pk_grid g = pk_grid_of(&sp, win, in_d, f_d, c_f);
                int run = c_f;
                if (g.x_col == c_f && g.v_col == c_f) { /* adjacent taps: one run a row */
                    run = c_f * g.cols;
                    g.cols = 1;
                }
                const long x0 = sp.ky1 > sp.ky0
                                    ? pk_at(in_d, b, sp.y0 + sp.ky0 * win->dilation.h,
                                            sp.x0 + sp.kx0 * win->dilation.w)
                                    : 0;
                const long w0 = ((long)sp.ky0 * f_d->w + sp.kx0) * c_f;
                PK_Y *o = output + pk_at(out_d, b, oy, ox);
                long kept = 0;
                for (int oc = 0; oc < out_d->c; oc++) {
                    const float s = PK_SCALE(w, oc);
                    PK_ACC acc = 0;
                    if (!w->mask || pk_bit(w->mask, (uint32_t)oc)) {
                        /* Runs of c_f (whole rows when adjacent), as nn_k_conv.c. */
                        const PK_X *px = input + x0 + oc / per_group * c_f;
                        const PK_V *pw = v + kept++ * f_size + w0;
                        for (int r = 0; r < g.rows; r++, px += g.x_row, pw += g.v_row) {
                            const PK_X *cx = px;
                            const PK_V *cw = pw;
                            for (int c = 0; c < g.cols; c++, cx += g.x_col, cw += g.v_col)
                                acc = PK_FN(dot_run)(acc, cx, cw, run, s, f);
                        }
                    }
                    o[oc] = PK_FIN_CONV(acc, oc, bias, f);
                }
            }
}

/* DEPTHWISE_CONV_2D: filter [1, KH, KW, C_OUT] -------------------------------- */

/* Output channel outermost; rank[t] is the index of tap t's stored value
 * for channel oc (its first at or after oc), advanced over the channels.
 * The channel's stored taps are listed (input offset, value) and replayed
 * at every output whose window lies inside the image; the others test the
 * bitmap tap by tap. */
static void PK_FN(dw_bitmap)(const nn_k_window *win, const PK_FIN *f, const nn_k_dims *in_d,
                             const PK_X *input, const nn_k_dims *f_d, const nn_k_weights *w,
                             const PK_BIAS *bias, const nn_k_dims *out_d, PK_Y *output)
{
    const int mult = out_d->c / in_d->c, taps = f_d->h * f_d->w;
    const uint32_t c_out = (uint32_t)out_d->c;
    const long x_col = (long)win->dilation.w * in_d->c;
    const long x_row = (long)win->dilation.h * in_d->w * in_d->c;
    const PK_V *v = w->values;
    uint32_t rank[NN_K_PACKED_DW_TAPS];
    int32_t off[NN_K_PACKED_DW_TAPS];
    PK_V vals[NN_K_PACKED_DW_TAPS];
    rank[0] = 0;
    for (int t = 1; t < taps; t++)
        rank[t] = rank[t - 1] + pk_count(w->mask, (uint32_t)(t - 1) * c_out, (uint32_t)t * c_out);
    for (int oc = 0; oc < out_d->c; oc++) {
        const float s = PK_SCALE(w, oc);
        int n = 0;
        for (int t = 0; t < taps; t++)
            if (pk_bit(w->mask, (uint32_t)t * c_out + (uint32_t)oc)) {
                off[n] = (int32_t)(t / f_d->w * x_row + t % f_d->w * x_col);
                vals[n++] = v[rank[t]];
            }
        for (int b = 0; b < out_d->n; b++)
            for (int oy = 0; oy < out_d->h; oy++)
                for (int ox = 0; ox < out_d->w; ox++) {
                    pk_span sp = pk_span_at(win, in_d, f_d, oy, ox);
                    PK_ACC acc = 0;
                    if (sp.ky0 == 0 && sp.ky1 == f_d->h && sp.kx0 == 0 && sp.kx1 == f_d->w) {
                        acc = PK_FN(dot_list)(acc, input + pk_at(in_d, b, sp.y0, sp.x0) + oc / mult,
                                              off, vals, n, s, f);
                    } else {
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
                pk_grid g = pk_grid_of(&sp, win, in_d, f_d, stride);
                const long x0 = sp.ky1 > sp.ky0
                                    ? pk_at(in_d, b, sp.y0 + sp.ky0 * win->dilation.h,
                                            sp.x0 + sp.kx0 * win->dilation.w)
                                    : 0;
                const long w0 = ((long)sp.ky0 * f_d->w + sp.kx0) * stride;
                PK_Y *o = output + pk_at(out_d, b, oy, ox);
                long kept = 0;
                for (int oc = 0; oc < out_d->c; oc++) {
                    PK_ACC acc = 0;
                    if (!w->mask || pk_bit(w->mask, (uint32_t)oc))
                        acc = PK_FN(dot_grid)(acc, input + x0 + oc / mult, v + w0 + kept++, &g,
                                              PK_SCALE(w, oc), f);
                    o[oc] = PK_FIN_CONV(acc, oc, bias, f);
                }
            }
}
