/*
 * check_client.c: the protocol client's retries and the stub's duplicate
 * detection.
 *
 * The client is driven against a fake stub on the other end of a socket
 * pair that drops, damages or delays responses on purpose; the real native
 * stub is driven with hand-made frames to show that a repeated request (same
 * seq and type) is answered from its cache, not executed twice.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../target-stub/proto/proto.h"
#include "board/board.h"
#include "check_util.h"
#include "link/link.h"
#include "session/client.h"

static const link_ops fd_ops = {link_fd_read, link_fd_write, link_fd_flush_input,
                                link_fd_close};

/* What the fake stub does with the k-th request it sees. */
enum { ANSWER, DROP, CORRUPT, STALE_THEN_ANSWER };

typedef struct {
    int fd;
    const int *script; /* one entry per request received */
    int n_script;
    int seen;
    uint8_t last_seq[16];
} fake;

static void send_frame(int fd, uint8_t type, uint8_t seq, const uint8_t *p, size_t n,
                       int corrupt)
{
    uint8_t buf[PROTO_ENCODED_MAX(64)];
    size_t len = proto_frame_encode(type, seq, p, n, buf, sizeof(buf));
    if (corrupt)
        buf[len / 2] ^= 0x10;
    ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
}

static void *fake_stub(void *arg)
{
    fake *f = arg;
    uint8_t rxbuf[PROTO_ENCODED_MAX(512)], in[256];
    proto_rx rx;
    proto_frame fr;
    proto_rx_init(&rx, rxbuf, sizeof(rxbuf));
    for (;;) {
        ssize_t n = read(f->fd, in, sizeof(in));
        if (n <= 0)
            return NULL;
        for (ssize_t k = 0; k < n; k++) {
            if (proto_rx_feed(&rx, in[k], &fr) != PROTO_RX_FRAME)
                continue;
            int action = f->seen < f->n_script ? f->script[f->seen] : ANSWER;
            if (f->seen < 16)
                f->last_seq[f->seen] = fr.seq;
            f->seen++;
            /* READ_OUTPUT response: the 3 bytes asked for. */
            uint8_t payload[3] = {0xA1, 0xB2, 0xC3};
            uint8_t type = fr.type | PROTO_RESPONSE;
            if (action == DROP)
                continue;
            if (action == STALE_THEN_ANSWER)
                send_frame(f->fd, type, (uint8_t)(fr.seq - 1), payload, 3, 0);
            send_frame(f->fd, type, fr.seq, payload, 3, action == CORRUPT);
        }
    }
}

static void with_fake(const int *script, int n, int expect_ok, int expect_retries,
                      int expect_bad, int expect_stale)
{
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    link_conn *l = link_new(&fd_ops, "fake");
    l->fd = sv[0];
    fake f = {sv[1], script, n, 0, {0}};
    pthread_t t;
    pthread_create(&t, NULL, fake_stub, &f);
    client *c = NULL;
    ck_assert_int_eq(client_new(l, 150, 3, &c), HB_OK);
    uint8_t out[3] = {0};
    hb_status st = client_read_output(c, 0, out, 3);
    if (expect_ok) {
        ck_assert_msg(st == HB_OK, "%s", hb_last_error());
        ck_assert_int_eq(out[0], 0xA1);
        ck_assert_int_eq(out[2], 0xC3);
    } else {
        ck_assert_int_eq(st, HB_ERR_TIMEOUT);
        ck_assert_msg(strstr(hb_last_error(), "READ_OUTPUT"), "%s", hb_last_error());
    }
    const client_stats *s = client_get_stats(c);
    ck_assert_int_eq(s->retries, expect_retries);
    ck_assert_int_eq(s->bad_frames, expect_bad);
    ck_assert_int_eq(s->stale_frames, expect_stale);
    /* Every try of one request carries the same seq. */
    for (int k = 1; k < f.seen && k < 16; k++)
        ck_assert_int_eq(f.last_seq[k], f.last_seq[0]);
    client_free(c);
    link_close(l);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(t, NULL);
    close(sv[1]);
}

START_TEST(client_answer_first_time)
{
    static const int s[] = {ANSWER};
    with_fake(s, 1, 1, 0, 0, 0);
}
END_TEST

START_TEST(client_retries_after_loss)
{
    static const int s[] = {DROP, DROP, ANSWER};
    with_fake(s, 3, 1, 2, 0, 0);
}
END_TEST

START_TEST(client_retries_after_damage)
{
    static const int s[] = {CORRUPT, ANSWER};
    with_fake(s, 2, 1, 1, 1, 0);
}
END_TEST

START_TEST(client_ignores_stale_frames)
{
    static const int s[] = {STALE_THEN_ANSWER};
    with_fake(s, 1, 1, 0, 0, 1);
}
END_TEST

START_TEST(client_gives_up_with_clear_error)
{
    static const int s[] = {DROP, DROP, DROP, DROP, DROP};
    with_fake(s, 5, 0, 3, 0, 0);
}
END_TEST

/* The real stub: a repeated LOAD_CHUNK (same seq) is answered from the
 * cache; executed again it would be out of order (PROTO_E_SEQUENCE). */
static int exchange(link_conn *l, uint8_t type, uint8_t seq, const uint8_t *p, size_t n,
                    proto_rx *rx, uint8_t *resp, size_t *resp_len, uint8_t *resp_type)
{
    uint8_t buf[PROTO_ENCODED_MAX(600)];
    size_t len = proto_frame_encode(type, seq, p, n, buf, sizeof(buf));
    ck_assert_int_eq(link_write(l, buf, len, 2000), HB_OK);
    for (;;) {
        uint8_t in[256];
        long got = link_read(l, in, sizeof(in), 5000);
        if (got <= 0)
            return -1;
        for (long k = 0; k < got; k++) {
            proto_frame f;
            if (proto_rx_feed(rx, in[k], &f) == PROTO_RX_FRAME) {
                memcpy(resp, f.payload, f.len);
                *resp_len = f.len;
                *resp_type = f.type;
                return 0;
            }
        }
    }
}

START_TEST(stub_answers_repeats_from_cache)
{
    link_conn *l = NULL;
    char *tty = NULL;
    board_proc *p = NULL;
    ck_assert_int_eq(link_open_pty(&l, &tty), HB_OK);
    char *argv[] = {(char *)getenv("HB_STUB_NATIVE"), tty, NULL};
    ck_assert_ptr_nonnull(argv[0]);
    ck_assert_int_eq(board_proc_start(argv, NULL, &p), HB_OK);
    uint8_t rxbuf[PROTO_ENCODED_MAX(4096)], resp[4096], rtype;
    size_t rlen;
    proto_rx rx;
    proto_rx_init(&rx, rxbuf, sizeof(rxbuf));

    uint8_t hello[2] = {PROTO_VERSION, 0};
    ck_assert_int_eq(exchange(l, PROTO_HELLO, 10, hello, 2, &rx, resp, &rlen, &rtype), 0);
    ck_assert_int_eq(rtype, PROTO_HELLO | PROTO_RESPONSE);
    uint8_t begin[8] = {100, 0, 0, 0, 0, 0, 0, 0};
    ck_assert_int_eq(exchange(l, PROTO_LOAD_BEGIN, 11, begin, 8, &rx, resp, &rlen, &rtype), 0);
    ck_assert_int_eq(rtype, PROTO_LOAD_BEGIN | PROTO_RESPONSE);
    uint8_t chunk[4 + 10] = {0};
    ck_assert_int_eq(exchange(l, PROTO_LOAD_CHUNK, 12, chunk, 14, &rx, resp, &rlen, &rtype), 0);
    ck_assert_int_eq(rtype, PROTO_LOAD_CHUNK | PROTO_RESPONSE);
    ck_assert_int_eq(resp[0], 10);
    /* The same request again: same answer, nothing executed. */
    ck_assert_int_eq(exchange(l, PROTO_LOAD_CHUNK, 12, chunk, 14, &rx, resp, &rlen, &rtype), 0);
    ck_assert_int_eq(rtype, PROTO_LOAD_CHUNK | PROTO_RESPONSE);
    ck_assert_int_eq(resp[0], 10);
    /* A new request with the same content is executed: out of order now. */
    ck_assert_int_eq(exchange(l, PROTO_LOAD_CHUNK, 13, chunk, 14, &rx, resp, &rlen, &rtype), 0);
    ck_assert_int_eq(rtype, PROTO_ERROR);
    ck_assert_int_eq(resp[0], PROTO_E_SEQUENCE);
    /* Unknown request types get a clear error, not silence. */
    ck_assert_int_eq(exchange(l, 0x55, 14, NULL, 0, &rx, resp, &rlen, &rtype), 0);
    ck_assert_int_eq(rtype, PROTO_ERROR);
    ck_assert_int_eq(resp[0], PROTO_E_UNKNOWN_TYPE);

    link_close(l);
    board_proc_stop(p, 2000);
    free(tty);
}
END_TEST

static Suite *client_suite(void)
{
    Suite *s = suite_create("client");
    TCase *tc = tcase_create("retries");
    tcase_add_test(tc, client_answer_first_time);
    tcase_add_test(tc, client_retries_after_loss);
    tcase_add_test(tc, client_retries_after_damage);
    tcase_add_test(tc, client_ignores_stale_frames);
    tcase_add_test(tc, client_gives_up_with_clear_error);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("stub");
    tcase_add_test(ts, stub_answers_repeats_from_cache);
    suite_add_tcase(s, ts);
    return s;
}

HBT_MAIN(client_suite)
