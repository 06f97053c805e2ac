/*
 * check_link.c: the link layer's fault injector: its configuration text,
 * each fault on its own, reproducibility by seed, the emulated line rate,
 * and that it passes everything through untouched when no fault is set;
 * and the lock that keeps two runs off one serial port.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check_util.h"
#include "link/link.h"

static const link_ops fd_ops = {link_fd_read, link_fd_write, link_fd_flush_input,
                                link_fd_close};

typedef struct {
    const char *text;
    int ok;
    const char *error_has;
} parse_case;

static const parse_case parse_cases[] = {
    {"", 1, NULL},
    {"corrupt=0.01,drop=0.001", 1, NULL},
    {"dup=1,delay_ms=5,baud=115200,seed=42", 1, NULL},
    {"corrupt=1.5", 0, "corrupt '1.5'"},
    {"drop=-0.1", 0, "drop '-0.1'"},
    {"dup=abc", 0, "dup 'abc'"},
    {"delay_ms=20000", 0, "delay_ms '20000'"},
    {"baud=fast", 0, "baud 'fast'"},
    {"seed=-1", 0, "seed '-1'"},
    {"noise=0.1", 0, "unknown key 'noise'"},
    {"corrupt", 0, "not KEY=VALUE"},
};

START_TEST(fault_text_parsed)
{
    const parse_case *c = &parse_cases[_i];
    link_fault_config cfg;
    hb_status st = link_fault_parse(c->text, &cfg);
    if (c->ok) {
        ck_assert_msg(st == HB_OK, "%s: %s", c->text, hb_last_error());
        char again[256];
        link_fault_config back;
        link_fault_text(&cfg, again, sizeof(again));
        ck_assert_int_eq(link_fault_parse(again, &back), HB_OK);
        ck_assert(cfg.corrupt == back.corrupt && cfg.drop == back.drop && cfg.dup == back.dup);
        ck_assert(cfg.delay_ms == back.delay_ms && cfg.baud == back.baud);
        ck_assert(cfg.seed == back.seed);
    } else {
        ck_assert_int_eq(st, HB_ERR_ARG);
        ck_assert_msg(strstr(hb_last_error(), c->error_has), "%s", hb_last_error());
    }
}
END_TEST

/* A wrapper over one end of a socket pair; *peer is the other end. */
static link_conn *faulty(const char *spec, int *peer)
{
    int sv[2];
    link_fault_config cfg;
    link_conn *inner = link_new(&fd_ops, "pair"), *l = NULL;
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    inner->fd = sv[0];
    *peer = sv[1];
    ck_assert_int_eq(link_fault_parse(spec, &cfg), HB_OK);
    ck_assert_int_eq(link_fault_wrap(inner, &cfg, &l), HB_OK);
    return l;
}

/* Sends n pattern bytes through the wrapper; returns what arrived, and the
 * injector's counters in *st. */
static size_t send_through(const char *spec, size_t n, uint8_t *got, size_t cap,
                           link_fault_stats *st)
{
    int peer;
    link_conn *l = faulty(spec, &peer);
    uint8_t *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    ck_assert_int_eq(link_write(l, data, n, 1000), HB_OK);
    *st = *link_fault_get_stats(l);
    link_close(l); /* the peer reads to the end */
    size_t len = 0;
    for (;;) {
        ssize_t k = read(peer, got + len, cap - len);
        if (k <= 0 || (len += (size_t)k) >= cap)
            break;
    }
    free(data);
    close(peer);
    return len;
}

START_TEST(fault_each_kind)
{
    static uint8_t got[8192];
    link_fault_stats st;
    size_t n;

    n = send_through("seed=3", 1000, got, sizeof(got), &st);
    ck_assert_uint_eq(n, 1000);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(got[i], (uint8_t)(i * 13 + 1));
    ck_assert_uint_eq(st.bytes_out, 1000);

    n = send_through("corrupt=1", 1000, got, sizeof(got), &st);
    ck_assert_uint_eq(n, 1000);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ne(got[i], (uint8_t)(i * 13 + 1));
    ck_assert_uint_eq(st.corrupted, 1000);

    n = send_through("dup=1", 500, got, sizeof(got), &st);
    ck_assert_uint_eq(n, 1000);
    for (size_t i = 0; i < n; i++)
        ck_assert_int_eq(got[i], (uint8_t)((i / 2) * 13 + 1));
    ck_assert_uint_eq(st.duplicated, 500);

    n = send_through("drop=0.5,seed=9", 4000, got, sizeof(got), &st);
    ck_assert_uint_eq(n + st.dropped, 4000);
    ck_assert_msg(st.dropped > 1700 && st.dropped < 2300, "dropped %llu of 4000", st.dropped);
}
END_TEST

/* The same seed, the same faults; another seed, others. */
START_TEST(fault_seed_reproducible)
{
    static uint8_t a[4096], b[4096], c[4096];
    link_fault_stats st;
    size_t na = send_through("corrupt=0.05,drop=0.05,seed=77", 3000, a, sizeof(a), &st);
    size_t nb = send_through("corrupt=0.05,drop=0.05,seed=77", 3000, b, sizeof(b), &st);
    size_t nc = send_through("corrupt=0.05,drop=0.05,seed=78", 3000, c, sizeof(c), &st);
    ck_assert_uint_eq(na, nb);
    ck_assert_int_eq(memcmp(a, b, na), 0);
    ck_assert(nc != na || memcmp(a, c, na) != 0);
}
END_TEST

/* Both directions: what the peer sends is damaged on the way in too. */
START_TEST(fault_both_directions)
{
    int peer;
    link_conn *l = faulty("corrupt=1", &peer);
    uint8_t buf[64], in[64];
    memset(buf, 0x55, sizeof(buf));
    ck_assert_int_eq(write(peer, buf, sizeof(buf)), (ssize_t)sizeof(buf));
    size_t n = 0;
    while (n < sizeof(in)) {
        long k = link_read(l, in + n, sizeof(in) - n, 1000);
        ck_assert_int_gt(k, 0);
        n += (size_t)k;
    }
    for (size_t i = 0; i < n; i++)
        ck_assert_int_ne(in[i], 0x55);
    ck_assert_uint_eq(link_fault_get_stats(l)->bytes_in, 64);
    close(peer);
    link_close(l);
}
END_TEST

/* baud paces the line: 2400 bytes at 240000 baud (24000 bytes/s) take at
 * least 100 ms, and the link says what rate it carries. */
START_TEST(fault_line_rate)
{
    int peer;
    link_conn *l = faulty("baud=240000", &peer);
    static uint8_t buf[2400];
    struct timespec t0, t1;
    ck_assert_int_eq(link_line_rate(l), 24000);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(link_write(l, buf, sizeof(buf), 5000), HB_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(ms >= 99, "2400 bytes at 240000 baud took %.1f ms", ms);
    close(peer);
    link_close(l);
    /* Nothing known about a plain pair. */
    link_conn *plain = link_new(&fd_ops, "plain");
    ck_assert_int_eq(link_line_rate(plain), 0);
    ck_assert_ptr_null(link_fault_get_stats(plain));
    link_close(plain);
}
END_TEST

/* Two opens of one device (a pty stands in for a serial port, which
 * libserialport would not open here): the second is refused as busy until
 * the first closes. Root is not exempt, unlike TIOCEXCL. */
START_TEST(device_lock_refuses_a_second_open)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    ck_assert_int_ge(master, 0);
    ck_assert_int_eq(grantpt(master), 0);
    ck_assert_int_eq(unlockpt(master), 0);
    const char *dev = ptsname(master);
    ck_assert_ptr_nonnull(dev);
    int a = open(dev, O_RDWR | O_NOCTTY), b = open(dev, O_RDWR | O_NOCTTY);
    ck_assert_int_ge(a, 0);
    ck_assert_int_ge(b, 0);
    ck_assert_int_eq(link_lock_device(a, dev), HB_OK);
    ck_assert_int_eq(link_lock_device(b, dev), HB_ERR_FAIL);
    ck_assert_msg(strstr(hb_last_error(), "busy") && strstr(hb_last_error(), dev), "%s",
                  hb_last_error());
    close(a);
    ck_assert_msg(link_lock_device(b, dev) == HB_OK, "%s", hb_last_error());
    close(b);
    close(master);
}
END_TEST

static Suite *link_suite(void)
{
    Suite *s = suite_create("link");
    TCase *tc = tcase_create("faults");
    tcase_add_loop_test(tc, fault_text_parsed, 0,
                        (int)(sizeof(parse_cases) / sizeof(parse_cases[0])));
    tcase_add_test(tc, fault_each_kind);
    tcase_add_test(tc, fault_seed_reproducible);
    tcase_add_test(tc, fault_both_directions);
    tcase_add_test(tc, fault_line_rate);
    tcase_add_test(tc, device_lock_refuses_a_second_open);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(link_suite)
