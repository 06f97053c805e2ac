/*
 * check_proto.c: the protocol module (target-stub/proto/proto.h).
 *
 * CRC-32 and COBS against published vectors and against plain reference
 * versions written here; frames through the receiver in every way a serial
 * line can damage them; the PROTO_ENCODED_MAX bound checked for every
 * payload length up to a few kilobytes; the payload cursors at every
 * capacity. Every buffer the code under test writes has guard bytes on both
 * sides. Random data comes from a fixed-seed generator, so a failure
 * repeats.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_util.h"
#include "proto.h"

/* ck_assert records a mark point on every call, which is slow in loops of
 * millions; REQUIRE only costs something when it fails. */
#define REQUIRE(cond, ...)              \
    do {                                \
        if (!(cond))                    \
            ck_abort_msg(__VA_ARGS__);  \
    } while (0)

/* Helpers ---------------------------------------------------------------- */

static uint32_t rng_state;

static void rng_seed(uint32_t s) { rng_state = s ? s : 1; }

static uint32_t rng(void)
{
    /* xorshift32 */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Random bytes; each is 0x00 with probability zero_pct percent, otherwise
 * 1..255. */
static void rng_fill(uint8_t *p, size_t n, int zero_pct)
{
    for (size_t i = 0; i < n; i++)
        p[i] = (int)(rng() % 100) < zero_pct ? 0 : (uint8_t)(1 + rng() % 255);
}

#define GUARD 32

/* A heap buffer of n bytes with GUARD bytes of a known pattern each side. */
typedef struct {
    uint8_t *base;
    uint8_t *p;
    size_t n;
} gbuf;

static uint8_t guard_byte(size_t i) { return (uint8_t)(0xA5 ^ (i * 29)); }

static uint8_t *gbuf_new(gbuf *g, size_t n)
{
    g->n = n;
    g->base = malloc(n + 2 * GUARD);
    ck_assert_ptr_nonnull(g->base);
    g->p = g->base + GUARD;
    for (size_t i = 0; i < GUARD; i++) {
        g->base[i] = guard_byte(i);
        g->p[n + i] = guard_byte(i + GUARD);
    }
    memset(g->p, 0xCC, n);
    return g->p;
}

static void gbuf_check(const gbuf *g)
{
    for (size_t i = 0; i < GUARD; i++) {
        REQUIRE(g->base[i] == guard_byte(i), "guard before buffer hit at -%zu",
                GUARD - i);
        REQUIRE(g->p[g->n + i] == guard_byte(i + GUARD),
                "guard after buffer (%zu bytes) hit at +%zu", g->n, i);
    }
}

static void gbuf_free(gbuf *g)
{
    gbuf_check(g);
    free(g->base);
    g->base = g->p = NULL;
}

/* Parses "11 22 03-07 FF" (hex bytes, and inclusive ranges lo-hi) into out;
 * returns the length. */
static size_t hex_bytes(const char *s, uint8_t *out, size_t cap)
{
    size_t n = 0;

    while (*s) {
        char *end;
        unsigned long lo, hi;

        if (*s == ' ') {
            s++;
            continue;
        }
        lo = strtoul(s, &end, 16);
        ck_assert_msg(end != s && lo <= 0xFF, "bad vector text at '%s'", s);
        hi = lo;
        if (*end == '-') {
            s = end + 1;
            hi = strtoul(s, &end, 16);
            ck_assert_msg(end != s && hi <= 0xFF && hi >= lo, "bad range");
        }
        for (unsigned long b = lo; b <= hi; b++) {
            ck_assert_msg(n < cap, "vector too long");
            out[n++] = (uint8_t)b;
        }
        s = end;
    }
    return n;
}

/* Bit-at-a-time CRC-32, straight from the definition. */
static uint32_t ref_crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;

    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    }
    return ~c;
}

/* COBS by blocks: find the next 0x00 (at most 254 bytes on), write the
 * block. Data ending exactly with a full block gets no empty block. */
static size_t ref_cobs(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;

    for (;;) {
        size_t run = 0;

        while (i + run < n && in[i + run] != 0 && run < 254)
            run++;
        out[o++] = (uint8_t)(run + 1);
        memcpy(out + o, in + i, run);
        o += run;
        i += run;
        if (run == 254) {
            if (i == n)
                return o;
            continue; /* full block: no 0x00 consumed */
        }
        if (i == n)
            return o;
        i++; /* the 0x00 this block implies */
    }
}

/* Worst-case COBS size of n bytes, without the delimiter. */
static size_t cobs_bound(size_t n) { return n + 1 + n / 254; }

/* Frames received from a stream: copies, since a frame is only valid until
 * the next feed. */
#define MAX_GOT 16
typedef struct {
    int frames, bad;
    uint8_t type[MAX_GOT], seq[MAX_GOT];
    size_t len[MAX_GOT];
    uint8_t *data[MAX_GOT];
} got;

static void got_free(got *g)
{
    for (int i = 0; i < g->frames && i < MAX_GOT; i++)
        free(g->data[i]);
    memset(g, 0, sizeof *g);
}

/* Feeds n bytes one by one and records what comes out. */
static void feed(proto_rx *rx, const uint8_t *p, size_t n, got *g)
{
    for (size_t i = 0; i < n; i++) {
        proto_frame f;
        int r = proto_rx_feed(rx, p[i], &f);

        REQUIRE(r == PROTO_RX_MORE || r == PROTO_RX_FRAME || r == PROTO_RX_BAD,
                "proto_rx_feed returned %d", r);
        /* Every outcome but MORE happens on a delimiter. */
        REQUIRE(r == PROTO_RX_MORE || p[i] == 0,
                "outcome %d on a non-zero byte", r);
        if (r == PROTO_RX_BAD)
            g->bad++;
        if (r != PROTO_RX_FRAME)
            continue;
        if (g->frames < MAX_GOT) {
            int k = g->frames;

            g->type[k] = f.type;
            g->seq[k] = f.seq;
            g->len[k] = f.len;
            g->data[k] = malloc(f.len ? f.len : 1);
            ck_assert_ptr_nonnull(g->data[k]);
            if (f.len)
                memcpy(g->data[k], f.payload, f.len);
        }
        g->frames++;
    }
}

static int got_is(const got *g, int k, uint8_t type, uint8_t seq,
                  const uint8_t *payload, size_t len)
{
    return k < g->frames && k < MAX_GOT && g->type[k] == type &&
           g->seq[k] == seq && g->len[k] == len &&
           (len == 0 || memcmp(g->data[k], payload, len) == 0);
}

/* Encodes one frame into a fresh malloc'ed buffer of exactly the bound. */
static uint8_t *make_frame(uint8_t type, uint8_t seq, const uint8_t *payload,
                           size_t len, size_t *n)
{
    size_t cap = PROTO_ENCODED_MAX(len);
    uint8_t *out = malloc(cap);

    ck_assert_ptr_nonnull(out);
    *n = proto_frame_encode(type, seq, payload, len, out, cap);
    REQUIRE(*n > 0 && *n <= cap, "frame of %zu bytes: encoded %zu", len, *n);
    return out;
}

/* A receiver with a guarded buffer sized for payloads up to max_payload. */
typedef struct {
    proto_rx rx;
    gbuf buf;
} test_rx;

static void test_rx_init(test_rx *t, size_t max_payload)
{
    size_t cap = PROTO_ENCODED_MAX(max_payload);

    proto_rx_init(&t->rx, gbuf_new(&t->buf, cap), cap);
}

static void test_rx_free(test_rx *t) { gbuf_free(&t->buf); }

/* CRC-32 ----------------------------------------------------------------- */

static const struct {
    const char *text;
    uint32_t crc;
} crc_vectors[] = {
    {"123456789", 0xCBF43926u},
    {"", 0x00000000u},
    {"a", 0xE8B7BE43u},
    {"abc", 0x352441C2u},
    {"The quick brown fox jumps over the lazy dog", 0x414FA339u},
};

START_TEST(test_crc_known)
{
    const char *s = crc_vectors[_i].text;

    ck_assert_uint_eq(proto_crc32(0, s, strlen(s)), crc_vectors[_i].crc);
}
END_TEST

START_TEST(test_crc_zeros_and_ones)
{
    uint8_t b[32];

    memset(b, 0, sizeof b);
    ck_assert_uint_eq(proto_crc32(0, b, sizeof b), 0x190A55ADu);
    memset(b, 0xFF, sizeof b);
    ck_assert_uint_eq(proto_crc32(0, b, sizeof b), 0xFF6CAB0Bu);
    /* NULL is fine for no bytes, and leaves a running CRC alone. */
    ck_assert_uint_eq(proto_crc32(0, NULL, 0), 0);
    ck_assert_uint_eq(proto_crc32(0x12345678u, NULL, 0), 0x12345678u);
}
END_TEST

START_TEST(test_crc_chained)
{
    uint8_t b[700];

    rng_seed(11);
    rng_fill(b, sizeof b, 10);
    for (size_t n = 0; n <= sizeof b; n += (n < 40 ? 1 : 37)) {
        uint32_t whole = proto_crc32(0, b, n);

        REQUIRE(whole == ref_crc32(b, n), "length %zu", n);
        for (size_t k = 0; k <= n; k++) {
            uint32_t c = proto_crc32(0, b, k);

            REQUIRE(proto_crc32(c, b + k, n - k) == whole,
                    "split %zu + %zu", k, n - k);
        }
        /* Three pieces, and one byte at a time. */
        if (n >= 2) {
            uint32_t c = proto_crc32(0, b, n / 3);

            c = proto_crc32(c, b + n / 3, n / 2 - n / 3);
            c = proto_crc32(c, b + n / 2, n - n / 2);
            REQUIRE(c == whole, "three pieces of %zu", n);
        }
        uint32_t c = 0;
        for (size_t k = 0; k < n; k++)
            c = proto_crc32(c, b + k, 1);
        REQUIRE(c == whole, "bytewise %zu", n);
    }
}
END_TEST

/* COBS ------------------------------------------------------------------- */

/* Vectors of the COBS paper and its usual summaries; "a-b" is a range. */
static const struct {
    const char *raw, *enc;
} cobs_vectors[] = {
    {"", "01"},
    {"00", "01 01"},
    {"00 00", "01 01 01"},
    {"00 11 00", "01 02 11 01"},
    {"11 22 00 33", "03 11 22 02 33"},
    {"11 22 33 44", "05 11 22 33 44"},
    {"11 00 00 00", "02 11 01 01 01"},
    {"01-FE", "FF 01-FE"},
    {"00 01-FE", "01 FF 01-FE"},
    {"01-FF", "FF 01-FE 02 FF"},
    {"02-FF 00", "FF 02-FF 01 01"},
    {"03-FF 00 01", "FE 03-FF 02 01"},
    {"01-FE 00", "FF 01-FE 01 01"},
    {"01-FD 00", "FE 01-FD 01"},
};

START_TEST(test_cobs_vectors)
{
    uint8_t raw[600], enc[600];
    size_t nr = hex_bytes(cobs_vectors[_i].raw, raw, sizeof raw);
    size_t ne = hex_bytes(cobs_vectors[_i].enc, enc, sizeof enc);
    gbuf g;
    uint8_t *out;

    /* Exact capacity: the expected bytes. */
    out = gbuf_new(&g, ne);
    ck_assert_uint_eq(proto_cobs_encode(raw, nr, out, ne), ne);
    ck_assert_mem_eq(out, enc, ne);
    ck_assert_ptr_null(memchr(out, 0, ne));
    gbuf_free(&g);
    /* One byte short: refused, nothing past the buffer touched. */
    out = gbuf_new(&g, ne - 1);
    ck_assert_uint_eq(proto_cobs_encode(raw, nr, out, ne - 1), 0);
    gbuf_free(&g);

    /* Decoding, into exactly enough room and into one byte less. */
    out = gbuf_new(&g, nr);
    ck_assert_int_eq(proto_cobs_decode(enc, ne, out, nr), (long)nr);
    if (nr)
        ck_assert_mem_eq(out, raw, nr);
    gbuf_free(&g);
    if (nr) {
        out = gbuf_new(&g, nr - 1);
        ck_assert_int_eq(proto_cobs_decode(enc, ne, out, nr - 1), -1);
        gbuf_free(&g);
    }
    /* In place. */
    ck_assert_int_eq(proto_cobs_decode(enc, ne, enc, ne), (long)nr);
    if (nr)
        ck_assert_mem_eq(enc, raw, nr);
}
END_TEST

/* Not valid COBS: decoding must refuse. */
static const char *const cobs_invalid[] = {
    "",              /* nothing: even empty data encodes to 01 */
    "00",            /* a zero */
    "01 00",         /* a zero as a code */
    "03 11 00",      /* a zero inside a block */
    "02 11 00 01",   /* a zero inside, further on */
    "03 11",         /* code runs past the end */
    "05 11 22 33",   /* code runs past the end */
    "02 11 04 22",   /* the last code runs past the end */
    "FF 01-FD",      /* a full block one byte short */
    "FF 01-FE 03 11",/* after a full block, one byte short */
};

START_TEST(test_cobs_invalid)
{
    uint8_t in[300], out[300];
    size_t n = hex_bytes(cobs_invalid[_i], in, sizeof in);

    ck_assert_int_eq(proto_cobs_decode(in, n, out, sizeof out), -1);
    ck_assert_int_eq(proto_cobs_decode(in, n, in, n), -1);
}
END_TEST

START_TEST(test_cobs_decode_lenient_tail)
{
    /* An empty block after a full one adds nothing: some encoders send it,
     * and both forms decode to the same bytes. */
    uint8_t a[300], b[300], out[300];
    size_t na = hex_bytes("FF 01-FE", a, sizeof a);
    size_t nb = hex_bytes("FF 01-FE 01", b, sizeof b);

    ck_assert_int_eq(proto_cobs_decode(a, na, out, sizeof out), 254);
    ck_assert_int_eq(proto_cobs_decode(b, nb, out, sizeof out), 254);
    for (int i = 0; i < 254; i++)
        ck_assert_uint_eq(out[i], i + 1);
}
END_TEST

static const int zero_pcts[] = {0, 10, 100};

START_TEST(test_cobs_roundtrip)
{
    const int pct = zero_pcts[_i];
    enum { MAXN = 3000 };
    uint8_t *raw = malloc(MAXN), *ref = malloc(cobs_bound(MAXN));
    uint8_t *back = malloc(MAXN + 1);

    ck_assert(raw && ref && back);
    rng_seed(1000u + (uint32_t)pct);
    for (size_t n = 0; n <= MAXN; n++) {
        size_t bound = cobs_bound(n), ne;
        gbuf g;
        uint8_t *enc = gbuf_new(&g, bound);

        rng_fill(raw, n, pct);
        ne = proto_cobs_encode(raw, n, enc, bound);
        REQUIRE(ne > 0 && ne <= bound, "n=%zu: %zu > bound %zu", n, ne, bound);
        REQUIRE(memchr(enc, 0, ne) == NULL, "n=%zu: 0x00 in output", n);
        REQUIRE(ne == ref_cobs(raw, n, ref) && memcmp(enc, ref, ne) == 0,
                "n=%zu: differs from the reference encoder", n);
        if (pct == 0)
            REQUIRE(ne == (n ? n + (n + 253) / 254 : 1),
                    "n=%zu: zero-free data takes %zu bytes", n, ne);
        if (pct == 100)
            REQUIRE(ne == n + 1, "n=%zu: all zeros take %zu bytes", n, ne);
        /* Decoded into a separate buffer, then in place. */
        REQUIRE(proto_cobs_decode(enc, ne, back, MAXN + 1) == (long)n &&
                    (n == 0 || memcmp(back, raw, n) == 0),
                "n=%zu: round trip", n);
        REQUIRE(proto_cobs_decode(enc, ne, enc, ne) == (long)n &&
                    (n == 0 || memcmp(enc, raw, n) == 0),
                "n=%zu: in-place round trip", n);
        gbuf_free(&g);
    }
    free(raw);
    free(ref);
    free(back);
}
END_TEST

START_TEST(test_cobs_encode_short_cap)
{
    /* Every capacity below the need is refused without writing past it. */
    uint8_t raw[600];

    rng_seed(5);
    rng_fill(raw, sizeof raw, 3);
    for (size_t n = 0; n <= sizeof raw; n += 13) {
        uint8_t ref[700];
        size_t need = ref_cobs(raw, n, ref);

        for (size_t cap = 0; cap <= need; cap++) {
            gbuf g;
            uint8_t *out = gbuf_new(&g, cap);
            size_t r = proto_cobs_encode(raw, n, out, cap);

            REQUIRE(r == (cap == need ? need : 0), "n=%zu cap=%zu: %zu", n,
                    cap, r);
            gbuf_free(&g);
        }
    }
}
END_TEST

/* PROTO_ENCODED_MAX ------------------------------------------------------ */

/* A payload of n bytes whose whole frame (type, seq, payload, CRC) has no
 * 0x00: the worst case for COBS. Found by varying the first byte. */
static void worst_payload(uint8_t *p, size_t n, uint8_t type, uint8_t seq)
{
    uint8_t head[2] = {type, seq};

    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(1 + (i * 7 + 3) % 255);
    for (int t = 1; t < 256; t++) {
        uint32_t c;

        if (n)
            p[0] = (uint8_t)t;
        c = proto_crc32(proto_crc32(0, head, 2), p, n);
        if ((c & 0xFF) && (c & 0xFF00) && (c & 0xFF0000) && (c & 0xFF000000))
            return;
        /* n == 0: nothing to vary; the caller picks a type/seq instead */
        if (!n)
            break;
    }
    ck_abort_msg("no zero-free frame found for %zu bytes", n);
}

/* type/seq giving an empty-payload frame without 0x00 (for n == 0). */
static void worst_head(uint8_t *type, uint8_t *seq)
{
    for (int t = 1; t < 256; t++)
        for (int s = 1; s < 256; s++) {
            uint8_t h[2] = {(uint8_t)t, (uint8_t)s};
            uint32_t c = proto_crc32(0, h, 2);

            if ((c & 0xFF) && (c & 0xFF00) && (c & 0xFF0000) &&
                (c & 0xFF000000)) {
                *type = (uint8_t)t;
                *seq = (uint8_t)s;
                return;
            }
        }
    ck_abort_msg("no zero-free head");
}

/* Checks the bound for one payload length: the worst case fits exactly
 * (one byte spare when the frame ends with a full COBS block), random
 * payloads fit, and one byte less capacity is refused untouched. */
static void check_encoded_max(size_t n)
{
    size_t max = PROTO_ENCODED_MAX(n), len;
    uint8_t *p = malloc(n ? n : 1);
    uint8_t type = 0x42, seq = 0x17;
    gbuf g;
    uint8_t *out;

    ck_assert_ptr_nonnull(p);
    if (n == 0)
        worst_head(&type, &seq);
    worst_payload(p, n, type, seq);
    out = gbuf_new(&g, max);
    len = proto_frame_encode(type, seq, p, n, out, max);
    REQUIRE(len == max - ((n + 6) % 254 == 0), "n=%zu: worst case %zu, max %zu",
            n, len, max);
    REQUIRE(out[len - 1] == 0 && memchr(out, 0, len - 1) == NULL,
            "n=%zu: one 0x00, at the end", n);
    gbuf_free(&g);

    /* Random payloads with and without zeros. */
    for (int pct = 0; pct <= 100; pct += 50) {
        rng_fill(p, n, pct);
        out = gbuf_new(&g, max);
        len = proto_frame_encode((uint8_t)rng(), (uint8_t)rng(), p, n, out,
                                 max);
        REQUIRE(len > 0 && len <= max, "n=%zu pct=%d: %zu", n, pct, len);
        gbuf_free(&g);
    }

    /* One byte short of the bound: refused and nothing written at all. */
    out = gbuf_new(&g, max - 1);
    len = proto_frame_encode(type, seq, p, n, out, max - 1);
    REQUIRE(len == 0, "n=%zu: cap %zu accepted", n, max - 1);
    for (size_t i = 0; i < max - 1; i++)
        REQUIRE(out[i] == 0xCC, "n=%zu: refused encode wrote byte %zu", n, i);
    gbuf_free(&g);
    free(p);
}

static const size_t max_lengths[] = {0,   1,   2,   247, 248, 249,  253,
                                     254, 255, 256, 501, 502, 508,  509,
                                     756, 762, 1000, 4096, 4097, 65535};

START_TEST(test_encoded_max_lengths)
{
    rng_seed(77u + (uint32_t)_i);
    check_encoded_max(max_lengths[_i]);
}
END_TEST

START_TEST(test_encoded_max_sweep)
{
    rng_seed(78);
    for (size_t n = 0; n <= 2100; n++)
        check_encoded_max(n);
}
END_TEST

/* Frames ----------------------------------------------------------------- */

START_TEST(test_frame_roundtrip)
{
    /* Payload lengths across block boundaries, every type and seq value. */
    static const size_t lens[] = {0, 1, 2, 5, 100, 247, 248, 253, 254, 600};
    test_rx t;
    uint8_t p[600];

    rng_seed(3);
    test_rx_init(&t, 600);
    for (int k = 0; k < 256; k++) {
        size_t len = lens[k % 10], n;
        uint8_t *f;
        got g = {0};

        rng_fill(p, len, k % 3 == 0 ? 0 : 20);
        f = make_frame((uint8_t)k, (uint8_t)(255 - k), p, len, &n);
        feed(&t.rx, f, n, &g);
        REQUIRE(g.frames == 1 && g.bad == 0, "k=%d: %d frames %d bad", k,
                g.frames, g.bad);
        REQUIRE(got_is(&g, 0, (uint8_t)k, (uint8_t)(255 - k), p, len),
                "k=%d: content", k);
        got_free(&g);
        free(f);
    }
    ck_assert_uint_eq(t.rx.crc_errors + t.rx.framing_errors + t.rx.overflows,
                      0);
    test_rx_free(&t);
}
END_TEST

/* A stream of several frames, fed in random chunk sizes (1..64 bytes),
 * with the receiver's view copied after every feed. */
START_TEST(test_frame_stream_chunks)
{
    enum { NF = 12 };
    uint8_t pay[NF][400];
    size_t plen[NF], total = 0, at = 0;
    uint8_t *stream = malloc(NF * PROTO_ENCODED_MAX(400));
    test_rx t;
    got g = {0};

    ck_assert_ptr_nonnull(stream);
    rng_seed(100u + (uint32_t)_i);
    for (int k = 0; k < NF; k++) {
        size_t n;
        uint8_t *f;

        plen[k] = rng() % 401;
        rng_fill(pay[k], plen[k], (int)(rng() % 3) * 25);
        f = make_frame(PROTO_HELLO + (uint8_t)k, (uint8_t)k, pay[k], plen[k],
                       &n);
        memcpy(stream + total, f, n);
        total += n;
        free(f);
    }
    test_rx_init(&t, 400);
    while (at < total) {
        /* _i == 0: byte by byte; otherwise random chunks. */
        size_t chunk = _i == 0 ? 1 : 1 + rng() % 64;

        if (chunk > total - at)
            chunk = total - at;
        feed(&t.rx, stream + at, chunk, &g);
        at += chunk;
    }
    ck_assert_int_eq(g.frames, NF);
    ck_assert_int_eq(g.bad, 0);
    for (int k = 0; k < NF; k++)
        ck_assert_msg(got_is(&g, k, PROTO_HELLO + (uint8_t)k, (uint8_t)k,
                             pay[k], plen[k]),
                      "frame %d", k);
    got_free(&g);
    test_rx_free(&t);
    free(stream);
}
END_TEST

START_TEST(test_frame_empty_frames_ignored)
{
    static const uint8_t zeros[8] = {0};
    static const uint8_t pay[3] = {0, 1, 0};
    test_rx t;
    got g = {0};
    size_t n;
    uint8_t *f = make_frame(PROTO_INVOKE, 9, pay, sizeof pay, &n);

    test_rx_init(&t, 16);
    feed(&t.rx, zeros, sizeof zeros, &g);
    feed(&t.rx, f, n, &g);
    feed(&t.rx, zeros, sizeof zeros, &g);
    feed(&t.rx, f, n, &g);
    ck_assert_int_eq(g.frames, 2);
    ck_assert_int_eq(g.bad, 0);
    ck_assert(got_is(&g, 1, PROTO_INVOKE, 9, pay, sizeof pay));
    ck_assert_uint_eq(t.rx.crc_errors + t.rx.framing_errors + t.rx.overflows,
                      0);
    got_free(&g);
    free(f);
    test_rx_free(&t);
}
END_TEST

/* Garbage before a frame: what it does depends on whether it holds a 0x00.
 * Senders put a 0x00 before each frame, which ends any garbage. */
static const struct {
    const char *what;
    size_t len;
    int zero_pct;
} garbage_kinds[] = {
    {"short, no zeros", 3, 0},
    {"long, no zeros", 100, 0},
    {"with zeros", 200, 10},
    {"only zeros", 50, 100},
    {"longer than the buffer", 3000, 0},
    {"longer than the buffer, with zeros", 3000, 1},
};

START_TEST(test_frame_garbage_before)
{
    size_t glen = garbage_kinds[_i].len, n;
    uint8_t *garbage = malloc(glen + 1);
    uint8_t pay[40];
    uint8_t *f;
    test_rx t;
    got g = {0};
    static const uint8_t zero = 0;

    ck_assert_ptr_nonnull(garbage);
    rng_seed(200u + (uint32_t)_i);
    rng_fill(garbage, glen, garbage_kinds[_i].zero_pct);
    rng_fill(pay, sizeof pay, 10);
    f = make_frame(PROTO_SET_INPUT, 33, pay, sizeof pay, &n);
    test_rx_init(&t, 256);
    feed(&t.rx, garbage, glen, &g);
    feed(&t.rx, &zero, 1, &g);
    ck_assert_int_eq(g.frames, 0); /* astronomically unlikely otherwise */
    feed(&t.rx, f, n, &g);
    ck_assert_msg(g.frames == 1 &&
                      got_is(&g, 0, PROTO_SET_INPUT, 33, pay, sizeof pay),
                  "%s: frame lost", garbage_kinds[_i].what);
    /* Each BAD is one counted error. */
    ck_assert_uint_eq((uint32_t)g.bad, t.rx.crc_errors + t.rx.framing_errors +
                                           t.rx.overflows);
    if (garbage_kinds[_i].zero_pct == 0)
        ck_assert_int_eq(g.bad, 1);
    got_free(&g);
    free(f);
    free(garbage);
    test_rx_free(&t);
}
END_TEST

/* Every single-bit error in a frame is refused, and the receiver is back in
 * step for the frame after it; a damaged delimiter merges the next frame
 * into the damaged one, so then the one after that must come through. */
static const size_t flip_lens[] = {0, 1, 9, 40, 260};

START_TEST(test_frame_bit_flips)
{
    size_t len = flip_lens[_i], n, n2, n3;
    uint8_t pay[260], p2[20], p3[20];
    uint8_t *f, *f2, *f3, *bad;
    test_rx t;

    rng_seed(300u + (uint32_t)_i);
    rng_fill(pay, len, 15);
    rng_fill(p2, sizeof p2, 15);
    rng_fill(p3, sizeof p3, 15);
    f = make_frame(PROTO_LOAD_CHUNK, 0x5A, pay, len, &n);
    f2 = make_frame(PROTO_INVOKE, 0x5B, p2, sizeof p2, &n2);
    f3 = make_frame(PROTO_READ_TIMING, 0x5C, p3, sizeof p3, &n3);
    bad = malloc(n);
    ck_assert_ptr_nonnull(bad);
    test_rx_init(&t, 260);
    for (size_t bit = 0; bit < n * 8; bit++) {
        int in_delim = bit / 8 == n - 1;
        got g = {0};

        memcpy(bad, f, n);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        proto_rx_init(&t.rx, t.buf.p, t.buf.n);
        feed(&t.rx, bad, n, &g);
        feed(&t.rx, f2, n2, &g);
        feed(&t.rx, f3, n3, &g);
        REQUIRE(g.bad >= 1, "bit %zu: no error reported", bit);
        REQUIRE((uint32_t)g.bad ==
                    t.rx.crc_errors + t.rx.framing_errors + t.rx.overflows,
                "bit %zu: BADs and counters disagree", bit);
        if (in_delim) {
            REQUIRE(g.frames == 1 &&
                        got_is(&g, 0, PROTO_READ_TIMING, 0x5C, p3, sizeof p3),
                    "bit %zu (delimiter): %d frames", bit, g.frames);
        } else {
            REQUIRE(g.frames == 2 &&
                        got_is(&g, 0, PROTO_INVOKE, 0x5B, p2, sizeof p2) &&
                        got_is(&g, 1, PROTO_READ_TIMING, 0x5C, p3, sizeof p3),
                    "bit %zu: %d frames, damaged frame accepted or next lost",
                    bit, g.frames);
        }
        got_free(&g);
    }
    test_rx_free(&t);
    free(bad);
    free(f);
    free(f2);
    free(f3);
}
END_TEST

START_TEST(test_frame_truncated)
{
    uint8_t pay[300], p2[10];
    size_t n, n2;
    uint8_t *f, *f2;
    test_rx t;
    static const uint8_t zero = 0;

    rng_seed(400);
    rng_fill(pay, sizeof pay, 5);
    rng_fill(p2, sizeof p2, 5);
    f = make_frame(PROTO_LOAD_CHUNK, 1, pay, sizeof pay, &n);
    f2 = make_frame(PROTO_LOAD_END, 2, p2, sizeof p2, &n2);
    test_rx_init(&t, 300);
    /* Cut after k bytes (delimiter lost), then a 0x00 and a good frame:
     * one BAD (none if nothing was sent), then the good frame. */
    for (size_t k = 0; k < n - 1; k++) {
        got g = {0};

        proto_rx_init(&t.rx, t.buf.p, t.buf.n);
        feed(&t.rx, f, k, &g);
        feed(&t.rx, &zero, 1, &g);
        feed(&t.rx, f2, n2, &g);
        REQUIRE(g.bad == (k > 0) && g.frames == 1 &&
                    got_is(&g, 0, PROTO_LOAD_END, 2, p2, sizeof p2),
                "cut at %zu: %d bad, %d frames", k, g.bad, g.frames);
        got_free(&g);
    }
    /* Cut with no 0x00 after it: the next frame is lost with it, and the
     * receiver is in step again for the one after. */
    for (size_t k = 1; k < n - 1; k += 7) {
        got g = {0};

        proto_rx_init(&t.rx, t.buf.p, t.buf.n);
        feed(&t.rx, f, k, &g);
        feed(&t.rx, f2, n2, &g);
        feed(&t.rx, f2, n2, &g);
        REQUIRE(g.bad == 1 && g.frames == 1 &&
                    got_is(&g, 0, PROTO_LOAD_END, 2, p2, sizeof p2),
                "cut at %zu, no delimiter: %d bad, %d frames", k, g.bad,
                g.frames);
        got_free(&g);
    }
    test_rx_free(&t);
    free(f);
    free(f2);
}
END_TEST

START_TEST(test_frame_overlong)
{
    /* Frames far and just beyond what the receiver takes: one BAD each,
     * counted as overflows, then recovery. */
    static const size_t over[] = {33, 34, 40, 200, 5000};
    uint8_t *big = malloc(5000), small[32];
    test_rx t;

    ck_assert_ptr_nonnull(big);
    rng_seed(500);
    rng_fill(small, sizeof small, 10);
    test_rx_init(&t, 32);
    for (size_t i = 0; i < sizeof over / sizeof over[0]; i++) {
        size_t n, n2;
        uint8_t *f, *f2;
        got g = {0};

        rng_fill(big, over[i], 0);
        f = make_frame(PROTO_LOAD_CHUNK, 7, big, over[i], &n);
        f2 = make_frame(PROTO_LOAD_END, 8, small, sizeof small, &n2);
        proto_rx_init(&t.rx, t.buf.p, t.buf.n);
        feed(&t.rx, f, n, &g);
        ck_assert_int_eq(g.bad, 1);
        ck_assert_int_eq(g.frames, 0);
        ck_assert_uint_eq(t.rx.overflows, 1);
        ck_assert_uint_eq(t.rx.crc_errors + t.rx.framing_errors, 0);
        ck_assert_int_eq(t.rx.dropping, 0);
        feed(&t.rx, f2, n2, &g);
        ck_assert_int_eq(g.frames, 1);
        ck_assert(got_is(&g, 0, PROTO_LOAD_END, 8, small, sizeof small));
        got_free(&g);
        free(f);
        free(f2);
    }
    test_rx_free(&t);
    free(big);
}
END_TEST

/* A receiver whose buffer is exactly PROTO_ENCODED_MAX(n) takes every
 * payload of n bytes and refuses every payload of n + 1, however it
 * happens to encode. */
static void check_rx_cap(size_t n)
{
    uint8_t *p = malloc(n + 1);
    test_rx t;
    size_t fl;
    uint8_t *f;
    uint8_t type = 0x42, seq = 0x17;

    ck_assert_ptr_nonnull(p);
    test_rx_init(&t, n);
    for (int pct = 0; pct <= 100; pct += 50) {
        for (size_t extra = 0; extra <= 1; extra++) {
            got g = {0};

            if (pct == 0 && n + extra == 0)
                worst_head(&type, &seq);
            if (pct == 0)
                worst_payload(p, n + extra, type, seq);
            else
                rng_fill(p, n + extra, pct);
            f = make_frame(type, seq, p, n + extra, &fl);
            proto_rx_init(&t.rx, t.buf.p, t.buf.n);
            feed(&t.rx, f, fl, &g);
            if (extra == 0)
                REQUIRE(g.frames == 1 && got_is(&g, 0, type, seq, p, n),
                        "cap for %zu (pct %d): payload of %zu refused", n,
                        pct, n);
            else
                REQUIRE(g.frames == 0 && g.bad == 1 && t.rx.overflows == 1,
                        "cap for %zu (pct %d): payload of %zu accepted", n,
                        pct, n + 1);
            got_free(&g);
            free(f);
        }
    }
    test_rx_free(&t);
    free(p);
}

START_TEST(test_rx_exact_cap)
{
    rng_seed(600u + (uint32_t)_i);
    check_rx_cap(max_lengths[_i]);
}
END_TEST

START_TEST(test_rx_exact_cap_sweep)
{
    rng_seed(601);
    for (size_t n = 0; n <= 1100; n++)
        check_rx_cap(n);
}
END_TEST

/* Frames built by hand to hit each counter. */
START_TEST(test_rx_counters)
{
    uint8_t raw[16], enc[32];
    test_rx t;
    got g = {0};
    size_t ne;
    uint32_t crc;

    test_rx_init(&t, 64);

    /* Good COBS, wrong CRC. */
    memcpy(raw, "\x01\x02hello", 7);
    crc = proto_crc32(0, raw, 7) ^ 0x00010000u;
    for (int i = 0; i < 4; i++)
        raw[7 + i] = (uint8_t)(crc >> (8 * i));
    ne = proto_cobs_encode(raw, 11, enc, sizeof enc);
    enc[ne++] = 0;
    feed(&t.rx, enc, ne, &g);
    ck_assert_int_eq(g.bad, 1);
    ck_assert_uint_eq(t.rx.crc_errors, 1);

    /* Five bytes: shorter than type, seq and CRC. */
    ne = proto_cobs_encode(raw, 5, enc, sizeof enc);
    enc[ne++] = 0;
    feed(&t.rx, enc, ne, &g);
    ck_assert_int_eq(g.bad, 2);
    ck_assert_uint_eq(t.rx.framing_errors, 1);

    /* Invalid COBS: a code running past the delimiter. */
    memcpy(enc, "\x09\x01\x02\x03\x00", 5);
    feed(&t.rx, enc, 5, &g);
    ck_assert_int_eq(g.bad, 3);
    ck_assert_uint_eq(t.rx.framing_errors, 2);

    /* Six bytes with a right CRC: an empty-payload frame. */
    crc = proto_crc32(0, raw, 2);
    for (int i = 0; i < 4; i++)
        raw[2 + i] = (uint8_t)(crc >> (8 * i));
    ne = proto_cobs_encode(raw, 6, enc, sizeof enc);
    enc[ne++] = 0;
    feed(&t.rx, enc, ne, &g);
    ck_assert_int_eq(g.frames, 1);
    ck_assert(got_is(&g, 0, 0x01, 0x02, NULL, 0));
    ck_assert_uint_eq(t.rx.crc_errors, 1);
    ck_assert_uint_eq(t.rx.framing_errors, 2);
    ck_assert_uint_eq(t.rx.overflows, 0);
    got_free(&g);
    test_rx_free(&t);
}
END_TEST

START_TEST(test_rx_tiny_buffer)
{
    /* Smaller than any frame: everything is refused, nothing written past
     * the buffer. */
    uint8_t pay[1] = {0x33};
    size_t n;
    uint8_t *f = make_frame(PROTO_HELLO, 0, NULL, 0, &n);
    uint8_t *f1;
    size_t n1;
    gbuf b;
    proto_rx rx;
    got g = {0};

    f1 = make_frame(PROTO_HELLO, 0, pay, 1, &n1);
    for (size_t cap = 0; cap < PROTO_ENCODED_MAX((size_t)0); cap++) {
        proto_rx_init(&rx, gbuf_new(&b, cap), cap);
        feed(&rx, f, n, &g);
        feed(&rx, f1, n1, &g);
        REQUIRE(g.frames == 0 && g.bad == 2, "cap %zu", cap);
        gbuf_free(&b);
        g.bad = 0;
    }
    free(f);
    free(f1);
}
END_TEST

/* Cursors ---------------------------------------------------------------- */

/* u8 0x11, u16 0x2233, u32 0x44556677, bytes "abc": 10 bytes. */
static const uint8_t wr_expect[10] = {0x11, 0x33, 0x22, 0x77, 0x66,
                                      0x55, 0x44, 'a',  'b',  'c'};

static void wr_sequence(proto_wr *w)
{
    proto_put_u8(w, 0x11);
    proto_put_u16(w, 0x2233);
    proto_put_u32(w, 0x44556677u);
    proto_put_bytes(w, "abc", 3);
}

START_TEST(test_wr_caps)
{
    /* At every capacity: the fields that fit are written, in order; the
     * first that does not fit sets overflow and nothing after it is
     * written, even a field that would fit. */
    static const size_t ends[] = {1, 3, 7, 10}; /* after each field */
    size_t cap = (size_t)_i;
    gbuf g;
    proto_wr w;
    size_t fit = 0;

    for (int k = 0; k < 4 && ends[k] <= cap; k++)
        fit = ends[k];
    proto_wr_init(&w, gbuf_new(&g, cap), cap);
    wr_sequence(&w);
    ck_assert_uint_eq(w.len, fit);
    ck_assert_int_eq(w.overflow != 0, cap < 10);
    if (fit)
        ck_assert_mem_eq(g.p, wr_expect, fit);
    for (size_t i = fit; i < cap; i++)
        ck_assert_uint_eq(g.p[i], 0xCC);
    /* Sticky: a later small put does nothing either. */
    if (cap < 10) {
        proto_put_u8(&w, 0x99);
        proto_put_bytes(&w, NULL, 0);
        ck_assert_uint_eq(w.len, fit);
    }
    gbuf_free(&g);
}
END_TEST

START_TEST(test_wr_edges)
{
    proto_wr w;
    uint8_t b[4];

    /* No buffer at all. */
    proto_wr_init(&w, NULL, 0);
    proto_put_bytes(&w, NULL, 0);
    ck_assert_int_eq(w.overflow, 0);
    proto_put_u8(&w, 1);
    ck_assert_int_eq(w.overflow, 1);
    ck_assert_uint_eq(w.len, 0);

    /* Exactly full is not an overflow. */
    proto_wr_init(&w, b, sizeof b);
    proto_put_u32(&w, 0xA1B2C3D4u);
    ck_assert_int_eq(w.overflow, 0);
    ck_assert_uint_eq(b[0], 0xD4);
    ck_assert_uint_eq(b[3], 0xA1);
    proto_put_bytes(&w, "", 0);
    ck_assert_int_eq(w.overflow, 0);
    proto_put_u8(&w, 0);
    ck_assert_int_eq(w.overflow, 1);
}
END_TEST

START_TEST(test_rd_lengths)
{
    /* Reading the 10-byte sequence out of its first len bytes: fields
     * that are there read right; from the first missing one on, every get
     * returns 0 / NULL and the position stays put. */
    size_t len = (size_t)_i;
    uint8_t *copy = malloc(len ? len : 1);
    proto_rd r;
    const uint8_t *s;

    ck_assert_ptr_nonnull(copy);
    memcpy(copy, wr_expect, len);
    proto_rd_init(&r, copy, len);
    ck_assert_uint_eq(proto_rd_left(&r), len);

    ck_assert_uint_eq(proto_get_u8(&r), len >= 1 ? 0x11 : 0);
    ck_assert_uint_eq(proto_get_u16(&r), len >= 3 ? 0x2233 : 0);
    ck_assert_uint_eq(proto_get_u32(&r), len >= 7 ? 0x44556677u : 0);
    s = proto_get_bytes(&r, 3);
    if (len >= 10) {
        ck_assert_ptr_nonnull(s);
        ck_assert_mem_eq(s, "abc", 3);
        ck_assert_int_eq(r.short_read, 0);
        ck_assert_uint_eq(proto_rd_left(&r), len - 10);
        ck_assert_ptr_nonnull(proto_get_bytes(&r, 0));
    } else {
        ck_assert_ptr_null(s);
        ck_assert_int_eq(r.short_read, 1);
        ck_assert_uint_eq(proto_rd_left(&r), 0);
        /* Sticky, even for a get that would fit. */
        ck_assert_uint_eq(proto_get_u8(&r), 0);
        ck_assert_ptr_null(proto_get_bytes(&r, 0));
        ck_assert_uint_le(r.pos, len);
    }
    free(copy);
}
END_TEST

START_TEST(test_rd_edges)
{
    proto_rd r;
    const uint8_t b[2] = {0xFE, 0xFF};

    proto_rd_init(&r, NULL, 0);
    ck_assert_ptr_nonnull(proto_get_bytes(&r, 0));
    ck_assert_int_eq(r.short_read, 0);
    ck_assert_uint_eq(proto_get_u8(&r), 0);
    ck_assert_int_eq(r.short_read, 1);

    /* High bits survive: no sign extension. */
    proto_rd_init(&r, b, 2);
    ck_assert_uint_eq(proto_get_u16(&r), 0xFFFE);
    proto_rd_init(&r, (const uint8_t *)"\xFF\xFF\xFF\xFF", 4);
    ck_assert_uint_eq(proto_get_u32(&r), 0xFFFFFFFFu);
    ck_assert_uint_eq(proto_rd_left(&r), 0);
    ck_assert_int_eq(r.short_read, 0);
}
END_TEST

START_TEST(test_cursor_roundtrip)
{
    /* Values written are read back, at odd alignments. */
    uint8_t b[64];
    proto_wr w;
    proto_rd r;

    proto_wr_init(&w, b, sizeof b);
    proto_put_u8(&w, 0xAB);
    for (uint32_t i = 0; i < 5; i++) {
        proto_put_u32(&w, 0x80000001u * (i + 1));
        proto_put_u16(&w, (uint16_t)(0x8001u * (i + 3)));
    }
    ck_assert_int_eq(w.overflow, 0);
    proto_rd_init(&r, b, w.len);
    ck_assert_uint_eq(proto_get_u8(&r), 0xAB);
    for (uint32_t i = 0; i < 5; i++) {
        ck_assert_uint_eq(proto_get_u32(&r), 0x80000001u * (i + 1));
        ck_assert_uint_eq(proto_get_u16(&r), (uint16_t)(0x8001u * (i + 3)));
    }
    ck_assert_uint_eq(proto_rd_left(&r), 0);
    ck_assert_int_eq(r.short_read, 0);
}
END_TEST

/* Error texts ------------------------------------------------------------ */

static const struct {
    int code;
    const char *text;
} error_texts[] = {
#define PROTO_X_(e, n, s) {PROTO_E_##e, s},
    PROTO_E_LIST(PROTO_X_)
#undef PROTO_X_
};

START_TEST(test_error_text)
{
    static const int unknown[] = {0, -1, 200, 255, 0x7FFF, -32768};

    for (size_t i = 0; i < sizeof error_texts / sizeof error_texts[0]; i++)
        ck_assert_str_eq(proto_error_text(error_texts[i].code),
                         error_texts[i].text);
    ck_assert_str_eq(proto_error_text(PROTO_E_VERSION),
                     "protocol version not supported");
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++)
        ck_assert_str_eq(proto_error_text(unknown[i]), "unknown error");
}
END_TEST

/* Layout constants the docs and both sides rely on. */
START_TEST(test_constants)
{
    ck_assert_int_eq(PROTO_VERSION, 1);
    ck_assert_int_eq(PROTO_HELLO_FIXED_BYTES,
                     2 + 2 + 4 + 1 + 1 + 4 * 7 + 1);
    ck_assert_int_eq(PROTO_HELLO | PROTO_RESPONSE, 0x81);
    ck_assert_int_eq(PROTO_READ_OUTPUT | PROTO_RESPONSE, 0x88);
    ck_assert_int_ge(PROTO_MIN_PAYLOAD, PROTO_HELLO_FIXED_BYTES);
}
END_TEST

#define N_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *proto_suite(void)
{
    Suite *s = suite_create("proto");
    TCase *tc;

    tc = tcase_create("crc32");
    tcase_add_loop_test(tc, test_crc_known, 0, N_OF(crc_vectors));
    tcase_add_test(tc, test_crc_zeros_and_ones);
    tcase_add_test(tc, test_crc_chained);
    suite_add_tcase(s, tc);

    tc = tcase_create("cobs");
    tcase_add_loop_test(tc, test_cobs_vectors, 0, N_OF(cobs_vectors));
    tcase_add_loop_test(tc, test_cobs_invalid, 0, N_OF(cobs_invalid));
    tcase_add_test(tc, test_cobs_decode_lenient_tail);
    tcase_add_loop_test(tc, test_cobs_roundtrip, 0, N_OF(zero_pcts));
    tcase_add_test(tc, test_cobs_encode_short_cap);
    suite_add_tcase(s, tc);

    tc = tcase_create("encoded_max");
    tcase_add_loop_test(tc, test_encoded_max_lengths, 0, N_OF(max_lengths));
    tcase_add_test(tc, test_encoded_max_sweep);
    suite_add_tcase(s, tc);

    tc = tcase_create("frame");
    tcase_add_test(tc, test_frame_roundtrip);
    tcase_add_loop_test(tc, test_frame_stream_chunks, 0, 4);
    tcase_add_test(tc, test_frame_empty_frames_ignored);
    tcase_add_loop_test(tc, test_frame_garbage_before, 0, N_OF(garbage_kinds));
    tcase_add_loop_test(tc, test_frame_bit_flips, 0, N_OF(flip_lens));
    tcase_add_test(tc, test_frame_truncated);
    tcase_add_test(tc, test_frame_overlong);
    suite_add_tcase(s, tc);

    tc = tcase_create("rx");
    tcase_add_loop_test(tc, test_rx_exact_cap, 0, N_OF(max_lengths));
    tcase_add_test(tc, test_rx_exact_cap_sweep);
    tcase_add_test(tc, test_rx_counters);
    tcase_add_test(tc, test_rx_tiny_buffer);
    suite_add_tcase(s, tc);

    tc = tcase_create("cursor");
    tcase_add_loop_test(tc, test_wr_caps, 0, 12);
    tcase_add_test(tc, test_wr_edges);
    tcase_add_loop_test(tc, test_rd_lengths, 0, 11);
    tcase_add_test(tc, test_rd_edges);
    tcase_add_test(tc, test_cursor_roundtrip);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_error_text);
    tcase_add_test(tc, test_constants);
    suite_add_tcase(s, tc);

    return s;
}

HBT_MAIN(proto_suite)
