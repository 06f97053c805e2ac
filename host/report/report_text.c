/*
 * report_text.c: the growing buffer of the report writers and the escapes
 * of gnuplot, HTML, Markdown; base64 for data URIs.
 *
 * Escapes are the whole defence against names that carry markup or
 * commands (a recipe may be any text a user typed), so each one is written
 * as an allow-list of what passes unchanged.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_int.h"

void report_buf_init(report_buf *b)
{
    memset(b, 0, sizeof(*b));
    b->ok = 1;
}

void report_buf_free(report_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

static int grow(report_buf *b, size_t extra)
{
    if (!b->ok)
        return 0;
    if (b->len + extra + 1 <= b->cap)
        return 1;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d) {
        b->ok = 0;
        return 0;
    }
    b->data = d;
    b->cap = cap;
    return 1;
}

void report_buf_put(report_buf *b, const char *s, size_t n)
{
    if (!grow(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void report_buf_printf(report_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !grow(b, (size_t)n)) {
        b->ok = 0;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

static int is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7f;
}

size_t report_gp_quote(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
#define EMIT(ch) do { if (n + 1 < cap) buf[n] = (ch); n++; } while (0)
    EMIT('\'');
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (is_control(c))
            continue;
        if (c == '\'')
            EMIT('\'');
        EMIT((char)c);
    }
    EMIT('\'');
#undef EMIT
    if (cap)
        buf[n < cap ? n : cap - 1] = '\0';
    return n;
}

void report_buf_gp(report_buf *b, const char *s)
{
    size_t need = report_gp_quote(s, NULL, 0);
    if (!grow(b, need))
        return;
    report_gp_quote(s, b->data + b->len, need + 1);
    b->len += need;
}

void report_buf_html(report_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        const char *e = NULL;
        switch (c) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: break;
        }
        if (e)
            report_buf_put(b, e, strlen(e));
        else if (is_control(c))
            report_buf_lit(b, " ");
        else
            report_buf_put(b, (const char *)&c, 1);
    }
}

/* Markdown has no escape that covers everything; a backslash before each
 * character with a meaning inside a table cell (emphasis, code, links,
 * the cell separator) and entities for what would start raw HTML keep a
 * name literal. Characters that matter only at the start of a line (# - +
 * .) cannot be there: a cell starts after "| ". */
void report_buf_md(report_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '<')
            report_buf_lit(b, "&lt;");
        else if (c == '>')
            report_buf_lit(b, "&gt;");
        else if (c == '&')
            report_buf_lit(b, "&amp;");
        else if (is_control(c))
            report_buf_lit(b, " ");
        else {
            if (strchr("\\`*_[]|~", c))
                report_buf_lit(b, "\\");
            report_buf_put(b, (const char *)&c, 1);
        }
    }
}

void report_buf_base64(report_buf *b, const void *data, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    if (!grow(b, (n + 2) / 3 * 4))
        return;
    char *o = b->data + b->len;
    size_t i = 0;
    for (; i + 2 < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 | p[i + 2];
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = tab[(v >> 6) & 63];
        *o++ = tab[v & 63];
    }
    if (i < n) {
        unsigned v = (unsigned)p[i] << 16 | (i + 1 < n ? (unsigned)p[i + 1] << 8 : 0);
        *o++ = tab[v >> 18];
        *o++ = tab[(v >> 12) & 63];
        *o++ = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        *o++ = '=';
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

void report_bytes_text(long long bytes, char *buf, size_t cap)
{
    if (bytes < 0)
        snprintf(buf, cap, "-");
    else if (bytes < 10240)
        snprintf(buf, cap, "%lld B", bytes);
    else
        snprintf(buf, cap, "%.1f KiB", (double)bytes / 1024.0);
}

void report_ms_text(double ms, char *buf, size_t cap)
{
    if (isnan(ms))
        snprintf(buf, cap, "-");
    else if (ms < 1.0)
        snprintf(buf, cap, "%.3g us", ms * 1000.0);
    else
        snprintf(buf, cap, "%.4g ms", ms);
}

double report_ticks_us(const report_variant *v, double ticks)
{
    return v->counter_hz > 0 ? ticks / v->counter_hz * 1e6 : NAN;
}
