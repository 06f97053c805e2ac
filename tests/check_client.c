/*
 * check_client.c: the protocol client's retries, time-outs and chunk
 * sizes, and the stub's duplicate detection.
 *
 * The client is driven against a fake stub on the other end of a socket
 * pair that drops, damages or delays responses on purpose; the real native
 * stub is driven with hand-made frames to show that a repeated request (same
 * seq and type) is answered from its cache, not executed twice, and through
 * a noisy link to show the same for a whole session.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/proto/proto.h"
#include "board/board.h"
#include "check_util.h"
#include "link/link.h"
#include "model/graph.h"
#include "model/hostrun.h"
#include "model/tflite.h"
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
    /* A negative count: at least that many (the budget grows with loss). */
    if (expect_retries >= 0)
        ck_assert_int_eq(s->retries, expect_retries);
    else
        ck_assert_int_ge(s->retries, -expect_retries);
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
    static int s[400];
    for (int i = 0; i < 400; i++)
        s[i] = DROP;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    with_fake(s, 400, 0, -3, 0, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    /* A silent board is given up on after about the time-out (150 ms),
     * not after tries x time-out. */
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(ms >= 150 && ms < 3000, "gave up after %.0f ms", ms);
}
END_TEST

/* A damaged answer is repeated at once, not after the time-out. */
START_TEST(client_damage_repeats_at_once)
{
    static const int s[] = {CORRUPT, CORRUPT, CORRUPT, ANSWER};
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    link_conn *l = link_new(&fd_ops, "fake");
    l->fd = sv[0];
    fake f = {sv[1], s, 4, 0, {0}};
    pthread_t t;
    pthread_create(&t, NULL, fake_stub, &f);
    client *c = NULL;
    ck_assert_int_eq(client_new(l, 5000, 3, &c), HB_OK);
    uint8_t out[3];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(client_read_output(c, 0, out, 3), HB_OK);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
    ck_assert_msg(ms < 1000, "three damaged answers took %.0f ms", ms);
    ck_assert_int_eq(client_get_stats(c)->bad_frames, 3);
    ck_assert_int_eq(client_get_stats(c)->timeouts, 0);
    client_free(c);
    link_close(l);
    shutdown(sv[1], SHUT_RDWR);
    pthread_join(t, NULL);
    close(sv[1]);
}
END_TEST

/* A reader that serves READ_OUTPUT and SET_INPUT of any size, but damages
 * every frame above `limit` payload bytes in either direction, as a noisy
 * line does to long frames. */
typedef struct {
    int fd;
    size_t limit;
    int delay_ms; /* > 0: frames above the limit pass, this late (a slow line) */
    uint8_t input[4096];
    int max_in, big_requests;
} sizer;

static void *sizer_stub(void *arg)
{
    sizer *z = arg;
    static uint8_t rxbuf[PROTO_ENCODED_MAX(4096)], out[PROTO_ENCODED_MAX(4096)], in[512];
    uint8_t hello[64] = {0};
    proto_rx rx;
    proto_frame fr;
    proto_rx_init(&rx, rxbuf, sizeof(rxbuf));
    for (;;) {
        ssize_t n = read(z->fd, in, sizeof(in));
        if (n <= 0)
            return NULL;
        for (ssize_t k = 0; k < n; k++) {
            if (proto_rx_feed(&rx, in[k], &fr) != PROTO_RX_FRAME)
                continue;
            uint8_t resp[4096];
            size_t len = 0;
            proto_rd r;
            proto_rd_init(&r, fr.payload, fr.len);
            int big = fr.len > z->limit + 7;
            z->big_requests += big;
            if (big && !z->delay_ms)
                continue; /* damaged on the way: the stub never sees it */
            if (fr.type == PROTO_HELLO) {
                proto_wr w;
                proto_wr_init(&w, hello, sizeof(hello));
                proto_put_u16(&w, PROTO_VERSION);
                proto_put_u16(&w, 4096);         /* max_payload */
                proto_put_u32(&w, 1000000);
                proto_put_u8(&w, PROTO_UNIT_NS);
                proto_put_u8(&w, 0);
                for (int i = 0; i < 7; i++)
                    proto_put_u32(&w, 1);
                proto_put_u8(&w, 0);
                memcpy(resp, hello, w.len);
                len = w.len;
            } else if (fr.type == PROTO_READ_OUTPUT) {
                proto_get_u8(&r);
                uint32_t off = proto_get_u32(&r);
                uint16_t bytes = proto_get_u16(&r);
                for (uint16_t i = 0; i < bytes; i++)
                    resp[i] = (uint8_t)(off + i);
                len = bytes;
            } else if (fr.type == PROTO_SET_INPUT) {
                proto_get_u8(&r);
                uint32_t off = proto_get_u32(&r);
                size_t bytes = proto_rd_left(&r);
                memcpy(z->input + off, proto_get_bytes(&r, bytes), bytes);
                if ((int)(off + bytes) > z->max_in)
                    z->max_in = (int)(off + bytes);
            }
            size_t m = proto_frame_encode(fr.type | PROTO_RESPONSE, fr.seq, resp, len, out,
                                          sizeof(out));
            if ((big || len > z->limit) && z->delay_ms) {
                struct timespec d = {z->delay_ms / 1000, (z->delay_ms % 1000) * 1000000L};
                nanosleep(&d, NULL); /* the line's own pace, not a wait for anything */
            } else if (len > z->limit) {
                out[m / 2] ^= 0x40; /* damaged on the way back */
            }
            ck_assert_int_eq(write(z->fd, out, m), (ssize_t)m);
        }
    }
}

/* A client past HELLO on one end of a socket pair, a sizer on the other. */
typedef struct {
    int sv[2];
    link_conn *l;
    pthread_t t;
    sizer z;
    client *c;
} sizer_rig;

static void rig_open(sizer_rig *r, size_t limit, int delay_ms, int timeout_ms)
{
    client_hello_info hi;
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, r->sv), 0);
    r->l = link_new(&fd_ops, "fake");
    r->l->fd = r->sv[0];
    r->z.fd = r->sv[1];
    r->z.limit = limit;
    r->z.delay_ms = delay_ms;
    pthread_create(&r->t, NULL, sizer_stub, &r->z);
    ck_assert_int_eq(client_new(r->l, timeout_ms, 3, &r->c), HB_OK);
    ck_assert_int_eq(client_hello(r->c, timeout_ms, &hi), HB_OK);
    ck_assert_int_eq(hi.max_payload, 4096);
}

static void rig_close(sizer_rig *r)
{
    client_free(r->c);
    link_close(r->l);
    shutdown(r->sv[1], SHUT_RDWR);
    pthread_join(r->t, NULL);
    close(r->sv[1]);
}

START_TEST(client_chunks_follow_the_link)
{
    sizer_rig r;
    rig_open(&r, 100, 0, 2000);
    client *c = r.c;

    /* 3000 bytes in frames that cannot pass above 100 bytes. */
    static uint8_t buf[3000];
    ck_assert_msg(client_read_output(c, 0, buf, sizeof(buf)) == HB_OK, "%s", hb_last_error());
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_int_eq(buf[i], (uint8_t)i);
    const client_stats *st = client_get_stats(c);
    /* Shrunk below the limit; it may since have probed one step (an
     * eighth) above it after a full-size success. */
    ck_assert_uint_le(st->chunk_in_min, 100);
    ck_assert_uint_le(st->chunk_in, 100 + 100 / 8 + 1);
    ck_assert_uint_ge(st->resized, 1);
    ck_assert_uint_eq(st->payload_received, sizeof(buf));

    for (size_t i = 0; i < sizeof(buf); i++)
        buf[i] = (uint8_t)(i * 7);
    ck_assert_msg(client_set_input(c, 0, buf, sizeof(buf)) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(r.z.max_in, (int)sizeof(buf));
    ck_assert_int_eq(memcmp(r.z.input, buf, sizeof(buf)), 0);
    ck_assert_uint_le(client_get_stats(c)->chunk_out_min, 100);
    /* SET_INPUT frames carry 5 bytes besides the data, and pass up to 107:
     * a chunk of up to 102 data bytes succeeds and may grow an eighth. */
    ck_assert_uint_le(client_get_stats(c)->chunk_out, 102 + 102 / 8 + 1);
    ck_assert_int_ge(r.z.big_requests, 1);
    rig_close(&r);
}
END_TEST

/* A slow line, not a lossy one: long frames are answered, but later than
 * the time-out learnt on short ones allows. The late answer to the request
 * given up for smaller ones proves it: the chunk size comes back and the
 * time-out grows, instead of the transfer going on in short frames. */
START_TEST(client_late_answer_restores_the_chunk)
{
    sizer_rig r;
    rig_open(&r, 100, 600, 5000);
    static uint8_t buf[3000];
    ck_assert_msg(client_read_output(r.c, 0, buf, sizeof(buf)) == HB_OK, "%s",
                  hb_last_error());
    for (size_t i = 0; i < sizeof(buf); i++)
        ck_assert_int_eq(buf[i], (uint8_t)i);
    const client_stats *st = client_get_stats(r.c);
    /* (A machine slow enough to learn a time-out above the delay sees no
     * silence at all; then the chunk simply never shrank.) */
    if (st->timeouts > 0)
        ck_assert_uint_ge(st->spurious, 1);
    ck_assert_msg(st->chunk_in > 1000, "chunk %u after a slow, clean line (%llu requests, "
                  "%llu time-outs, %llu late answers, %llu re-sized)", st->chunk_in,
                  (unsigned long long)st->requests, (unsigned long long)st->timeouts,
                  (unsigned long long)st->spurious, (unsigned long long)st->resized);
    ck_assert_msg(st->rto_ms >= 600, "time-out %.1f ms", st->rto_ms);
    rig_close(&r);
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

/* A whole session through a noisy link to the test stub, which logs every
 * request it runs: each INVOKE ran exactly once, every output is the host
 * engine's, and the upload survived chunks given up half-way. */
START_TEST(stub_runs_each_request_once_through_noise)
{
    const char *dir = hbt_tmpdir("noise");
    const char *log = hbt_path("%s/stub.log", dir);
    const char *stub = getenv("HB_STUB_NATIVE_TEST");
    ck_assert_ptr_nonnull(stub);
    size_t mlen = 0;
    uint8_t *mfile = hbt_read_file(hbt_path("%s/sine_int8.tflite", hbt_models_dir()), &mlen);
    ck_assert_ptr_nonnull(mfile);
    graph *g = NULL;
    hostrun *h = NULL;
    ck_assert_int_eq(tflite_read(mfile, mlen, "sine", &g), HB_OK);
    ck_assert_int_eq(hostrun_new(g, &h), HB_OK);
    size_t blen = 0;
    const uint8_t *blob = hostrun_blob(h, &blen);

    link_conn *pty = NULL, *l = NULL;
    char *tty = NULL;
    board_proc *p = NULL;
    ck_assert_int_eq(link_open_pty(&pty, &tty), HB_OK);
    setenv("HB_STUB_LOG", log, 1);
    char *argv[] = {(char *)stub, tty, NULL};
    ck_assert_int_eq(board_proc_start(argv, NULL, &p), HB_OK);
    unsetenv("HB_STUB_LOG");
    link_fault_config fc;
    ck_assert_int_eq(link_fault_parse("corrupt=0.02,drop=0.002,dup=0.002,seed=7", &fc), HB_OK);
    ck_assert_int_eq(link_fault_wrap(pty, &fc, &l), HB_OK);

    client *c = NULL;
    client_hello_info hi;
    client_model_info mi;
    ck_assert_int_eq(client_new(l, 2000, 5, &c), HB_OK);
    ck_assert_msg(client_hello(c, 10000, &hi) == HB_OK, "%s", hb_last_error());
    link_pty_release(l);
    ck_assert_msg(client_load(c, blob, blen, &mi) == HB_OK, "%s", hb_last_error());
    enum { N = 300 };
    for (int k = 0; k < N; k++) {
        nn_tensor t;
        int8_t x = (int8_t)(k * 37), y = 0;
        client_invoke_info ii;
        uint32_t slot;
        ck_assert_msg(client_set_input(c, 0, (uint8_t *)&x, 1) == HB_OK, "%s", hb_last_error());
        ck_assert_msg(client_invoke(c, 1, 0, 0, 10000, &ii) == HB_OK, "%s", hb_last_error());
        ck_assert_msg(client_read_timing(c, 0, 1, &slot) == HB_OK, "%s", hb_last_error());
        ck_assert_msg(client_read_output(c, 0, (uint8_t *)&y, 1) == HB_OK, "%s",
                      hb_last_error());
        ck_assert_int_eq(hostrun_set_input(h, 0, &x, 1), HB_OK);
        ck_assert_int_eq(hostrun_invoke(h, NULL, NULL), HB_OK);
        ck_assert_int_eq(hostrun_output(h, 0, &t), HB_OK);
        ck_assert_int_eq(y, *(const int8_t *)t.data);
    }
    const client_stats *st = client_get_stats(c);
    ck_assert_uint_gt(st->retries, 0);
    ck_assert_uint_gt(st->bad_frames, 0);
    client_free(c);
    link_close(l);
    board_proc_stop(p, 2000);
    free(tty);

    /* The stub's own record: one INVOKE per call above, no more. */
    size_t len = 0;
    char *text = (char *)hbt_read_file(log, &len);
    ck_assert_ptr_nonnull(text);
    int invokes = 0;
    for (char *q = text; (q = strstr(q, "06\n")); q += 3)
        invokes++;
    ck_assert_int_eq(invokes, N);
    free(text);
    hostrun_free(h);
    graph_free(g);
    free(mfile);
}
END_TEST

/* The stub checks a blob's arena itself, whatever the host checked: a
 * valid blob whose header asks for more arena than the board announced is
 * refused at LOAD_END with PROTO_E_ARENA, and the host's error says so and
 * quotes the board's capacity. */
START_TEST(stub_refuses_arena_beyond_capacity)
{
    size_t mlen = 0;
    uint8_t *mfile = hbt_read_file(hbt_path("%s/sine_int8.tflite", hbt_models_dir()), &mlen);
    ck_assert_ptr_nonnull(mfile);
    graph *g = NULL;
    hostrun *h = NULL;
    ck_assert_int_eq(tflite_read(mfile, mlen, "sine", &g), HB_OK);
    ck_assert_int_eq(hostrun_new(g, &h), HB_OK);
    size_t blen = 0;
    const uint8_t *orig = hostrun_blob(h, &blen);

    link_conn *l = NULL;
    char *tty = NULL;
    board_proc *p = NULL;
    ck_assert_int_eq(link_open_pty(&l, &tty), HB_OK);
    char *argv[] = {(char *)getenv("HB_STUB_NATIVE"), tty, NULL};
    ck_assert_ptr_nonnull(argv[0]);
    ck_assert_int_eq(board_proc_start(argv, NULL, &p), HB_OK);
    client *c = NULL;
    client_hello_info hi;
    client_model_info mi;
    ck_assert_int_eq(client_new(l, 2000, 3, &c), HB_OK);
    ck_assert_msg(client_hello(c, 10000, &hi) == HB_OK, "%s", hb_last_error());
    link_pty_release(l);

    /* One byte of arena more than the board has; the header CRC kept
     * valid so that only the arena can be the reason. */
    uint8_t *blob = malloc(blen);
    ck_assert_ptr_nonnull(blob);
    memcpy(blob, orig, blen);
    uint32_t arena = hi.arena_capacity + 1;
    for (int k = 0; k < 4; k++)
        blob[NN_BH_ARENA_BYTES + k] = (uint8_t)(arena >> (8 * k));
    uint32_t crc = proto_crc32(0, blob + 16, blen - 16);
    for (int k = 0; k < 4; k++)
        blob[NN_BH_CRC + k] = (uint8_t)(crc >> (8 * k));

    ck_assert_int_eq(client_load(c, blob, blen, &mi), HB_ERR_BOARD);
    ck_assert_int_eq(client_last_error_code(c), PROTO_E_ARENA);
    char want[64];
    snprintf(want, sizeof(want), "board capacity %u bytes", hi.arena_capacity);
    ck_assert_msg(strstr(hb_last_error(), "arena") && strstr(hb_last_error(), want), "%s",
                  hb_last_error());
    /* The stub holds no model now, and takes the unchanged blob. */
    ck_assert_msg(client_load(c, orig, blen, &mi) == HB_OK, "%s", hb_last_error());

    client_free(c);
    link_close(l);
    board_proc_stop(p, 2000);
    free(tty);
    free(blob);
    hostrun_free(h);
    graph_free(g);
    free(mfile);
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
    tcase_add_test(tc, client_damage_repeats_at_once);
    tcase_add_test(tc, client_chunks_follow_the_link);
    tcase_add_test(tc, client_late_answer_restores_the_chunk);
    TCase *ts = tcase_create("stub");
    tcase_set_timeout(ts, 120);
    tcase_add_test(ts, stub_answers_repeats_from_cache);
    tcase_add_test(ts, stub_runs_each_request_once_through_noise);
    tcase_add_test(ts, stub_refuses_arena_beyond_capacity);
    suite_add_tcase(s, ts);
    return s;
}

HBT_MAIN(client_suite)
