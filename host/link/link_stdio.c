/*
 * link_stdio.c: a board that is a local program, reached through its
 * standard input and output (two pipes, see board_proc_start_stdio()).
 *
 * Reading is the fd backends' (l->fd is the pipe from the program). Writing
 * goes to the other pipe, so it has its own poll loop here. A program that
 * exited makes write() fail with EPIPE: SIGPIPE is held back around the
 * write (and a pending one taken) so that ends as an error, not as the end
 * of hilbench, whatever the caller's disposition of SIGPIPE is.
 */
#include "link.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct {
    int wfd; /* the program's standard input */
} stdio_priv;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* write() with SIGPIPE held back; errno as write() left it. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t len)
{
    sigset_t pipe_set, old, pending;
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    int was_pending = sigismember(&pending, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
    ssize_t n = write(fd, buf, len);
    int err = errno;
    if (n < 0 && err == EPIPE && !was_pending) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return n;
}

static hb_status stdio_write(link_conn *l, const void *buf, size_t len, int timeout_ms)
{
    const stdio_priv *p = l->priv;
    const uint8_t *q = buf;
    int64_t deadline = now_ms() + timeout_ms;
    while (len > 0) {
        if (link_interrupted())
            return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
        int64_t left = deadline - now_ms();
        struct pollfd pfd = {p->wfd, POLLOUT, 0};
        int r = poll(&pfd, 1, left > 0 ? (int)left : 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return hb_fail(HB_ERR_FAIL, "%s: poll: %s", l->name, strerror(errno));
        if (r == 0)
            return hb_fail(HB_ERR_TIMEOUT, "%s: write timed out after %d ms", l->name,
                           timeout_ms);
        ssize_t n = write_nosigpipe(p->wfd, q, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return hb_fail(errno == EPIPE ? HB_ERR_BOARD : HB_ERR_FAIL,
                           errno == EPIPE ? "%s: the board closed the link (%s)"
                                          : "%s: write: %s",
                           l->name, strerror(errno));
        q += n;
        len -= (size_t)n;
    }
    return HB_OK;
}

static void stdio_close(link_conn *l)
{
    stdio_priv *p = l->priv;
    if (p && p->wfd >= 0)
        close(p->wfd);
    free(p);
    l->priv = NULL;
    link_fd_close(l);
}

static const link_ops stdio_ops = {link_fd_read, stdio_write, link_fd_flush_input,
                                   stdio_close};

hb_status link_open_stdio(int to_child, int from_child, const char *name, link_conn **out)
{
    link_conn *l = NULL;
    stdio_priv *p = NULL;

    *out = NULL;
    if (to_child < 0 || from_child < 0) {
        if (to_child >= 0)
            close(to_child);
        if (from_child >= 0)
            close(from_child);
        return hb_fail(HB_ERR_ARG, "link_open_stdio: no descriptors");
    }
    if (!(p = malloc(sizeof(*p))) || !(l = link_new(&stdio_ops, name ? name : "stdio"))) {
        free(p);
        close(to_child);
        close(from_child);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    p->wfd = to_child;
    l->priv = p;
    l->fd = from_child;
    *out = l;
    return HB_OK;
}
