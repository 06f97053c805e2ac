/*
 * mlperf.c: MLPerf Tiny firmware driven over a link (mlperf.h).
 *
 * The firmware's reply to a command is a run of text lines ending with
 * "m-ready"; nothing in it is framed or checked, so this reader is strict
 * about what it uses and lenient about what it skips: blank lines, "\r",
 * progress lines (m-warmup-start, m-infer-done ...) and anything it does
 * not know are ignored; a line starting with "e-" marks the reply as a
 * refusal. Lines are collected in one growing buffer; bytes that arrive
 * after "m-ready" are kept for the next command.
 *
 * Some firmwares echo the characters they are typed, so a reply may start
 * with the command itself, on a line of its own or glued to the first line
 * of the answer ("name%m-name-dut-[x]"). No reply line starts with a
 * command's text (they start "m-" or "e-"), so a copy of it at the start
 * of a line is taken for the echo and cut off, once per command.
 */
#include "mlperf.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_CHUNK 512

struct mlperf_conn {
    link_conn *link;   /* borrowed */
    char *board;
    char *buf;         /* received, not yet consumed */
    size_t len, cap;
    int refused;       /* the last failure was a refusal */
};

/* What a command's reply holds, as the caller wants it. */
typedef struct {
    const char *wait_for; /* "m-ready" counts only after a line with this
                           * prefix (NULL: any); skips start-up lines */
    int seen;             /* that line arrived */
    char error[256];      /* the first e-[...] line */
    hb_status (*line)(void *ctx, const char *text);
    void *ctx;
} reply;

uint32_t mlperf_lap_us(uint32_t start, uint32_t end)
{
    return end - start; /* unsigned arithmetic is modulo 2^32 */
}

hb_status mlperf_new(link_conn *l, const char *board, mlperf_conn **out)
{
    mlperf_conn *m = calloc(1, sizeof(*m));
    *out = NULL;
    if (!m || !(m->board = strdup(board ? board : "?"))) {
        free(m);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    m->link = l;
    *out = m;
    return HB_OK;
}

void mlperf_free(mlperf_conn *m)
{
    if (!m)
        return;
    free(m->board);
    free(m->buf);
    free(m);
}

int mlperf_refused(const mlperf_conn *m)
{
    return m && m->refused;
}

/* Removes and returns the next complete line (NUL-terminated in place,
 * valid until the next read), or NULL. */
static char *take_line(mlperf_conn *m, size_t *consumed)
{
    char *nl = m->len ? memchr(m->buf, '\n', m->len) : NULL;
    if (!nl)
        return NULL;
    *nl = '\0';
    *consumed = (size_t)(nl - m->buf) + 1;
    char *s = m->buf;
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    while (*s == ' ' || *s == '\t' || *s == '\r')
        s++;
    return s;
}

static void drop(mlperf_conn *m, size_t n)
{
    memmove(m->buf, m->buf + n, m->len - n);
    m->len -= n;
}

/* Reads more bytes: 1 when some came, 0 on silence, < 0 on failure. */
static long fill(mlperf_conn *m, int timeout_ms)
{
    if (m->cap - m->len < READ_CHUNK) {
        if (m->cap >= MLPERF_LINE_MAX + READ_CHUNK)
            return hb_fail(HB_ERR_BOARD, "board %s: a reply line longer than %d bytes",
                           m->board, MLPERF_LINE_MAX);
        size_t cap = m->cap ? m->cap * 2 : 4096;
        char *b = realloc(m->buf, cap + 1);
        if (!b)
            return hb_fail(HB_ERR_MEM, "out of memory");
        m->buf = b;
        m->cap = cap;
    }
    long n = link_read(m->link, m->buf + m->len, m->cap - m->len, timeout_ms);
    if (n > 0)
        m->len += (size_t)n;
    return n;
}

/* Sends cmd and reads its reply up to m-ready. */
static hb_status command(mlperf_conn *m, const char *cmd, int timeout_ms, reply *r)
{
    char wire[MLPERF_CMD_MAX + 1];
    int echo = 1;
    hb_status st;

    m->refused = 0;
    if (strlen(cmd) + 1 > MLPERF_CMD_MAX)
        return hb_fail(HB_ERR_ARG, "board %s: command '%s' is longer than %d characters",
                       m->board, cmd, MLPERF_CMD_MAX);
    snprintf(wire, sizeof(wire), "%s%%", cmd);
    if ((st = link_write(m->link, wire, strlen(wire), timeout_ms)) != HB_OK)
        return hb_context(st, "board %s: sending '%s'", m->board, cmd);
    for (;;) {
        size_t used = 0;
        char *line = take_line(m, &used);
        if (!line) {
            long n = fill(m, timeout_ms);
            if (n == 0)
                return hb_fail(HB_ERR_TIMEOUT, "board %s: no answer to '%s' within %d ms",
                               m->board, cmd, timeout_ms);
            if (n == HB_ERR_INTERRUPTED)
                return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
            if (n < 0)
                return hb_context((hb_status)n, "board %s: waiting for the answer to '%s'",
                                  m->board, cmd);
            continue;
        }
        if (echo && !strncmp(line, cmd, strlen(cmd))) {
            /* A firmware that echoes what it is typed: the copy of the
             * command, with or without its '%', and whatever the reply put
             * on the same line after it. Once per command. */
            line += strlen(cmd);
            line += *line == '%';
            echo = 0;
        }
        if (!strcmp(line, "m-ready") && (!r->wait_for || r->seen)) {
            drop(m, used);
            break;
        }
        if (r->wait_for && !strncmp(line, r->wait_for, strlen(r->wait_for)))
            r->seen = 1;
        if (!strncmp(line, "e-", 2) && !r->error[0])
            snprintf(r->error, sizeof(r->error), "%s", line);
        st = r->line && line[0] ? r->line(r->ctx, line) : HB_OK;
        drop(m, used);
        if (st != HB_OK)
            return st;
    }
    if (r->error[0]) {
        m->refused = 1;
        return hb_fail(HB_ERR_BOARD, "board %s: '%s' refused: %s", m->board, cmd, r->error);
    }
    return HB_OK;
}

/* "PREFIX[TEXT]..." -> TEXT; or what follows the prefix without brackets. */
static void bracketed(const char *line, size_t prefix, char *out, size_t cap)
{
    const char *p = line + prefix;
    const char *open = strchr(p, '['), *close = open ? strrchr(open, ']') : NULL;
    if (open && close)
        snprintf(out, cap, "%.*s", (int)(close - open - 1), open + 1);
    else
        snprintf(out, cap, "%s", p);
}

static hb_status on_hello(void *ctx, const char *line)
{
    mlperf_info *info = ctx;
    if (!strncmp(line, "m-name-", 7))
        bracketed(line, 7, info->name, sizeof(info->name));
    else if (!strncmp(line, "m-profile-", 10))
        bracketed(line, 10, info->profile, sizeof(info->profile));
    else if (!strncmp(line, "m-model-", 8))
        bracketed(line, 8, info->model, sizeof(info->model));
    return HB_OK;
}

hb_status mlperf_hello(mlperf_conn *m, int timeout_ms, mlperf_info *info)
{
    reply r = {"m-name-", 0, "", on_hello, info};
    hb_status st;

    memset(info, 0, sizeof(*info));
    /* "m-init-done", "m-ready" of its start: not an answer to anything. */
    link_flush_input(m->link);
    m->len = 0;
    if ((st = command(m, "name", timeout_ms, &r)) != HB_OK)
        return st;
    if (!r.seen)
        return hb_fail(HB_ERR_BOARD, "board %s: 'name' gave no m-name line (not an MLPerf "
                       "Tiny firmware?)", m->board);
    reply p = {NULL, 0, "", on_hello, info};
    return command(m, "profile", timeout_ms, &p);
}

typedef struct {
    const char *expect;   /* a line prefix that must come */
    int seen;
    char first[128];      /* the first line, for a message */
} expect_ctx;

static hb_status on_expect(void *ctx, const char *line)
{
    expect_ctx *e = ctx;
    if (!e->first[0])
        snprintf(e->first, sizeof(e->first), "%s", line);
    if (!strncmp(line, e->expect, strlen(e->expect)))
        e->seen = 1;
    return HB_OK;
}

hb_status mlperf_load(mlperf_conn *m, const uint8_t *data, size_t len, int timeout_ms)
{
    static const char hex[] = "0123456789abcdef";
    char cmd[MLPERF_CMD_MAX];
    hb_status st;

    if (len == 0)
        return hb_fail(HB_ERR_ARG, "board %s: nothing to load", m->board);
    snprintf(cmd, sizeof(cmd), "db load %zu", len);
    expect_ctx e = {"m-[Expecting", 0, ""};
    reply r = {NULL, 0, "", on_expect, &e};
    if ((st = command(m, cmd, timeout_ms, &r)) != HB_OK)
        return st;
    if (!e.seen) {
        /* The reference firmware answers an oversized load without "e-". */
        m->refused = 1;
        return hb_fail(HB_ERR_BOARD, "board %s: '%s' not accepted%s%s", m->board, cmd,
                       e.first[0] ? ": " : "", e.first);
    }
    for (size_t off = 0; off < len; off += MLPERF_DB_CHUNK) {
        size_t n = len - off < MLPERF_DB_CHUNK ? len - off : MLPERF_DB_CHUNK;
        char *p = cmd + 3;
        memcpy(cmd, "db ", 3);
        for (size_t i = 0; i < n; i++) {
            *p++ = hex[data[off + i] >> 4];
            *p++ = hex[data[off + i] & 15];
        }
        *p = '\0';
        expect_ctx done = {"m-load-done", 0, ""};
        reply c = {NULL, 0, "", on_expect, &done};
        if ((st = command(m, cmd, timeout_ms, &c)) != HB_OK)
            return st;
        if (off + n == len && !done.seen)
            return hb_fail(HB_ERR_BOARD, "board %s: no m-load-done after all %zu bytes",
                           m->board, len);
    }
    return HB_OK;
}

/* The significant unit of a printed number: tolerance for its rounding. */
static double half_unit(const char *start, const char *end)
{
    const char *dot = memchr(start, '.', (size_t)(end - start));
    const char *e = NULL;
    for (const char *p = start; p < end; p++)
        if (*p == 'e' || *p == 'E')
            e = p;
    int decimals = 0;
    if (dot)
        for (const char *p = dot + 1; p < (e ? e : end) && *p >= '0' && *p <= '9'; p++)
            decimals++;
    double unit = pow(10.0, -decimals);
    if (e)
        unit *= pow(10.0, strtod(e + 1, NULL));
    return unit / 2;
}

hb_status mlperf_parse_results(const char *line, float *out, double *tol, size_t cap,
                               size_t *n)
{
    const char *p = strchr(line, '['), *close = p ? strchr(p, ']') : NULL;
    *n = 0;
    if (strncmp(line, "m-results-", 10) != 0 || !p || !close)
        return hb_fail(HB_ERR_FORMAT, "'%.60s' is not m-results-[...]", line);
    for (p++; p < close;) {
        char *end = NULL;
        while (*p == ' ')
            p++;
        if (p == close)
            break;
        errno = 0;
        double v = strtod(p, &end);
        if (!end || end == p || end > close || !isfinite(v) || errno == ERANGE ||
            (*end != ',' && *end != ']' && *end != ' '))
            return hb_fail(HB_ERR_FORMAT, "results value %zu ('%.20s') is not a number",
                           *n + 1, p);
        if (*n >= cap)
            return hb_fail(HB_ERR_FORMAT, "more than %zu results values", cap);
        out[*n] = (float)v;
        if (tol)
            tol[*n] = half_unit(p, end);
        (*n)++;
        p = end;
        while (*p == ' ')
            p++;
        if (*p == ',')
            p++;
    }
    return HB_OK;
}

typedef struct {
    mlperf_conn *m;
    int laps;
    uint32_t first, last;
    int has_results;
    float *results;
    double *tol;
    size_t cap, n;
} infer_ctx;

static hb_status on_infer(void *ctx, const char *line)
{
    infer_ctx *c = ctx;
    if (!strncmp(line, "m-lap-us-", 9)) {
        char *end = NULL;
        errno = 0;
        unsigned long long t = strtoull(line + 9, &end, 10);
        if (end == line + 9 || *end || errno == ERANGE)
            return hb_fail(HB_ERR_BOARD, "board %s: bad time stamp '%s'", c->m->board, line);
        /* A counter wider than 32 bits is fine: its low bits wrap alike. */
        if (c->laps++ == 0)
            c->first = (uint32_t)t;
        c->last = (uint32_t)t;
    } else if (!strncmp(line, "m-results-", 10)) {
        hb_status st = mlperf_parse_results(line, c->results, c->tol, c->cap, &c->n);
        if (st != HB_OK)
            return hb_context(HB_ERR_BOARD, "board %s", c->m->board);
        c->has_results = 1;
    }
    return HB_OK;
}

hb_status mlperf_infer(mlperf_conn *m, long n, long warmup, int timeout_ms, float *results,
                       double *tol, size_t cap, mlperf_infer_info *info)
{
    char cmd[64];
    infer_ctx c = {m, 0, 0, 0, 0, results, tol, cap, 0};
    hb_status st;

    memset(info, 0, sizeof(*info));
    if (n < 1 || warmup < 0)
        return hb_fail(HB_ERR_ARG, "mlperf_infer: n %ld, warmup %ld", n, warmup);
    snprintf(cmd, sizeof(cmd), "infer %ld %ld", n, warmup);
    reply r = {NULL, 0, "", on_infer, &c};
    if ((st = command(m, cmd, timeout_ms, &r)) != HB_OK)
        return st;
    if (c.laps < 2)
        return hb_fail(HB_ERR_BOARD, "board %s: '%s' gave %d m-lap-us time stamp%s, not 2",
                       m->board, cmd, c.laps, c.laps == 1 ? "" : "s");
    if (!c.has_results) {
        reply q = {NULL, 0, "", on_infer, &c};
        if ((st = command(m, "results", timeout_ms, &q)) != HB_OK)
            return st;
        if (!c.has_results)
            return hb_fail(HB_ERR_BOARD, "board %s: 'results' gave no m-results line",
                           m->board);
    }
    info->start_us = c.first;
    info->end_us = c.last;
    info->elapsed_us = mlperf_lap_us(c.first, c.last);
    info->n_results = c.n;
    return HB_OK;
}
