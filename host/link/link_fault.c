/*
 * link_fault.c: a fault injector between the host and a board's link.
 *
 * Benches are noisy: USB serial adapters drop bytes at high baud rates,
 * cables pick up noise, emulators and hubs add latency. This wrapper makes
 * any of that happen on purpose, reproducibly (a seeded generator), so a
 * bench set-up and the protocol's recovery can be tested on the native
 * board: `hilbench run ... --link-faults corrupt=0.01,drop=0.001`.
 *
 * Faults are drawn per byte, independently in each direction, in the order
 * the bytes pass. A slow line is modelled per transfer: bytes leave (or
 * arrive) once the line has had time to carry them after whatever it was
 * still carrying, which is what a frame-based receiver sees of a UART.
 */
#include "link.h"

#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define FAULT_CHUNK 4096

typedef struct {
    link_fault_config cfg;
    link_fault_stats stats;
    uint64_t rng;
    int64_t tx_free_ns, rx_free_ns; /* when each direction's line is idle */
    uint8_t raw[FAULT_CHUNK];
} fault_state;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: small, fast, and every seed (0 too) gives a good stream. */
static uint64_t next_u64(fault_state *f)
{
    uint64_t z = (f->rng += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int chance(fault_state *f, double p)
{
    return p > 0 && (double)(next_u64(f) >> 11) * 0x1.0p-53 < p;
}

/* Sleeps until t (monotonic ns); HB_ERR_INTERRUPTED if hilbench is. */
static hb_status sleep_until(int64_t t)
{
    for (;;) {
        if (link_interrupted())
            return HB_ERR_INTERRUPTED;
        int64_t left = t - now_ns();
        if (left <= 0)
            return HB_OK;
        /* Slices of at most 50 ms so an interrupt is noticed. */
        struct timespec ts = {0, left > 50000000 ? 50000000 : (long)left};
        nanosleep(&ts, NULL);
    }
}

/* Applies the byte faults to in[0..n) into out (room for 2n); returns the
 * bytes kept. */
static size_t mangle(fault_state *f, const uint8_t *in, size_t n, uint8_t *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t b = in[i];
        if (chance(f, f->cfg.drop)) {
            f->stats.dropped++;
            continue;
        }
        if (chance(f, f->cfg.corrupt)) {
            uint8_t flip = 0;
            while (!flip)
                flip = (uint8_t)next_u64(f);
            b ^= flip;
            f->stats.corrupted++;
        }
        out[k++] = b;
        if (chance(f, f->cfg.dup)) {
            out[k++] = b;
            f->stats.duplicated++;
        }
    }
    return k;
}

/* When n bytes handed over at `at` have crossed a line that is idle from
 * *free_ns; advances *free_ns. */
static int64_t line_done(const fault_state *f, int64_t *free_ns, int64_t at, size_t n)
{
    int64_t start = at > *free_ns ? at : *free_ns;
    if (f->cfg.baud > 0)
        start += (int64_t)((double)n * 10.0 * 1e9 / (double)f->cfg.baud);
    *free_ns = start;
    return start;
}

static long fault_read(link_conn *l, void *buf, size_t cap, int timeout_ms)
{
    fault_state *f = l->priv;
    int64_t deadline = now_ns() + (int64_t)timeout_ms * 1000000;
    size_t want = cap / 2 < sizeof(f->raw) ? cap / 2 : sizeof(f->raw);
    if (want == 0)
        want = 1;
    for (;;) {
        int64_t left_ms = (deadline - now_ns()) / 1000000;
        long got = link_read(l->inner, f->raw, want, left_ms > 0 ? (int)left_ms : 0);
        if (got <= 0)
            return got;
        int64_t arrived = now_ns();
        f->stats.bytes_in += (unsigned long long)got;
        size_t n;
        if (cap >= 2 * (size_t)got) {
            n = mangle(f, f->raw, (size_t)got, buf);
        } else {
            /* A caller with less room than a doubled chunk: take what fits. */
            uint8_t tmp[2 * FAULT_CHUNK];
            n = mangle(f, f->raw, (size_t)got, tmp);
            n = n < cap ? n : cap;
            memcpy(buf, tmp, n);
        }
        int64_t at = line_done(f, &f->rx_free_ns,
                               arrived + (int64_t)f->cfg.delay_ms * 1000000, (size_t)got);
        if (sleep_until(at) != HB_OK)
            return HB_ERR_INTERRUPTED;
        if (n > 0)
            return (long)n;
        /* Everything was dropped: as if nothing had come. */
        if (now_ns() >= deadline)
            return 0;
    }
}

static hb_status fault_write(link_conn *l, const void *buf, size_t len, int timeout_ms)
{
    fault_state *f = l->priv;
    const uint8_t *p = buf;
    uint8_t out[2 * FAULT_CHUNK];
    hb_status st;
    while (len > 0) {
        size_t n = len < FAULT_CHUNK ? len : FAULT_CHUNK;
        f->stats.bytes_out += n;
        size_t k = mangle(f, p, n, out);
        /* The bytes reach the other end once the line has carried them. */
        int64_t at = line_done(f, &f->tx_free_ns,
                               now_ns() + (int64_t)f->cfg.delay_ms * 1000000, n);
        if (sleep_until(at) != HB_OK)
            return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
        if (k > 0 && (st = link_write(l->inner, out, k, timeout_ms)) != HB_OK)
            return st;
        p += n;
        len -= n;
    }
    return HB_OK;
}

static void fault_flush(link_conn *l)
{
    link_flush_input(l->inner);
}

static void fault_close(link_conn *l)
{
    link_close(l->inner);
    l->inner = NULL;
    free(l->priv);
    l->priv = NULL;
}

static const link_ops fault_ops = {fault_read, fault_write, fault_flush, fault_close};

hb_status link_fault_wrap(link_conn *inner, const link_fault_config *cfg, link_conn **out)
{
    link_conn *l = NULL;
    fault_state *f = calloc(1, sizeof(*f));
    char name[300];

    *out = NULL;
    snprintf(name, sizeof(name), "%s", inner && inner->name ? inner->name : "link");
    if (!f || !(l = link_new(&fault_ops, name))) {
        free(f);
        link_close(inner);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    f->cfg = *cfg;
    f->rng = cfg->seed;
    l->priv = f;
    l->inner = inner;
    l->line_rate = cfg->baud > 0 ? cfg->baud / 10 : link_line_rate(inner);
    *out = l;
    return HB_OK;
}

const link_fault_stats *link_fault_get_stats(const link_conn *l)
{
    return l && l->ops == &fault_ops ? &((const fault_state *)l->priv)->stats : NULL;
}

/* ---- configuration text ----------------------------------------------------- */

static hb_status parse_prob(const char *key, const char *v, double *out)
{
    char *end;
    errno = 0;
    double p = strtod(v, &end);
    if (errno || end == v || *end || !isfinite(p) || p < 0 || p > 1)
        return hb_fail(HB_ERR_ARG, "--link-faults: %s '%s' is not a probability from 0 to 1",
                       key, v);
    *out = p;
    return HB_OK;
}

static hb_status parse_whole(const char *key, const char *v, unsigned long long min,
                             unsigned long long max, unsigned long long *out)
{
    char *end;
    errno = 0;
    unsigned long long n = strtoull(v, &end, 10);
    if (errno || end == v || *end || v[0] == '-' || n < min || n > max)
        return hb_fail(HB_ERR_ARG, "--link-faults: %s '%s' is not a whole number from %llu "
                       "to %llu", key, v, min, max);
    *out = n;
    return HB_OK;
}

hb_status link_fault_parse(const char *text, link_fault_config *out)
{
    char *copy = strdup(text ? text : "");
    hb_status st = HB_OK;
    link_fault_config c;

    memset(&c, 0, sizeof(c)); /* padding too: configurations compare with memcmp */
    c.seed = 1;
    memset(out, 0, sizeof(*out));
    if (!copy)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (char *save = NULL, *item = strtok_r(copy, ",", &save); item && st == HB_OK;
         item = strtok_r(NULL, ",", &save)) {
        char *eq = strchr(item, '=');
        unsigned long long n = 0;
        if (!eq) {
            st = hb_fail(HB_ERR_ARG, "--link-faults: '%s' is not KEY=VALUE", item);
            break;
        }
        *eq = '\0';
        const char *v = eq + 1;
        if (!strcmp(item, "corrupt"))
            st = parse_prob(item, v, &c.corrupt);
        else if (!strcmp(item, "drop"))
            st = parse_prob(item, v, &c.drop);
        else if (!strcmp(item, "dup"))
            st = parse_prob(item, v, &c.dup);
        else if (!strcmp(item, "delay_ms")) {
            if ((st = parse_whole(item, v, 0, 10000, &n)) == HB_OK)
                c.delay_ms = (int)n;
        } else if (!strcmp(item, "baud")) {
            /* 0: no pacing. */
            if ((st = parse_whole(item, v, 0, 100000000, &n)) == HB_OK)
                c.baud = (long)n;
        } else if (!strcmp(item, "seed")) {
            st = parse_whole(item, v, 0, ~0ull, &c.seed);
        } else {
            st = hb_fail(HB_ERR_ARG, "--link-faults: unknown key '%s' (corrupt, drop, dup, "
                         "delay_ms, baud, seed)", item);
        }
    }
    free(copy);
    if (st == HB_OK)
        *out = c;
    return st;
}

void link_fault_text(const link_fault_config *c, char *buf, size_t cap)
{
    snprintf(buf, cap, "corrupt=%.17g,drop=%.17g,dup=%.17g,delay_ms=%d,baud=%ld,seed=%llu",
             c->corrupt, c->drop, c->dup, c->delay_ms, c->baud, c->seed);
}
