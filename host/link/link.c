/*
 * link.c: the link interface, and the poll-based I/O of fd backends.
 */
#include "link.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t interrupted;

void link_interrupt(void) { interrupted = 1; }
int link_interrupted(void) { return interrupted != 0; }

link_conn *link_new(const link_ops *ops, const char *name)
{
    link_conn *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->ops = ops;
    l->fd = -1;
    l->slave_fd = -1;
    l->name = strdup(name ? name : "link");
    if (!l->name) {
        free(l);
        return NULL;
    }
    return l;
}

long link_read(link_conn *l, void *buf, size_t cap, int timeout_ms)
{
    if (interrupted)
        return HB_ERR_INTERRUPTED;
    return l->ops->read(l, buf, cap, timeout_ms);
}

hb_status link_write(link_conn *l, const void *buf, size_t len, int timeout_ms)
{
    if (interrupted)
        return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
    return l->ops->write(l, buf, len, timeout_ms);
}

void link_flush_input(link_conn *l)
{
    l->ops->flush_input(l);
}

long link_line_rate(const link_conn *l)
{
    return l ? l->line_rate : 0;
}

void link_close(link_conn *l)
{
    if (!l)
        return;
    l->ops->close(l);
    free(l->name);
    free(l);
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to become ready; 1 ready, 0 time-out, <0 status. */
static int wait_fd(link_conn *l, short events, int64_t deadline)
{
    for (;;) {
        if (interrupted)
            return HB_ERR_INTERRUPTED;
        int64_t left = deadline - now_ms();
        if (left < 0)
            left = 0;
        struct pollfd p = {l->fd, events, 0};
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return hb_fail(HB_ERR_FAIL, "%s: poll: %s", l->name, strerror(errno));
        if (n == 0)
            return 0;
        if (p.revents & (events | POLLHUP | POLLERR))
            return 1;
    }
}

long link_fd_read(link_conn *l, void *buf, size_t cap, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        int r = wait_fd(l, POLLIN, deadline);
        if (r <= 0)
            return r;
        ssize_t n = read(l->fd, buf, cap);
        if (n > 0)
            return (long)n;
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /* EOF on a socket, EIO on a pty master: the other side is gone. */
        hb_fail(HB_ERR_BOARD, "%s: the board closed the link", l->name);
        return HB_ERR_BOARD;
    }
}

hb_status link_fd_write(link_conn *l, const void *buf, size_t len, int timeout_ms)
{
    const uint8_t *p = buf;
    int64_t deadline = now_ms() + timeout_ms;
    while (len > 0) {
        int r = wait_fd(l, POLLOUT, deadline);
        if (r < 0)
            return r == HB_ERR_INTERRUPTED ? hb_fail(HB_ERR_INTERRUPTED, "interrupted")
                                           : (hb_status)r;
        if (r == 0)
            return hb_fail(HB_ERR_TIMEOUT, "%s: write timed out after %d ms", l->name,
                           timeout_ms);
        ssize_t n = write(l->fd, p, len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0)
            return hb_fail(errno == EIO || errno == EPIPE ? HB_ERR_BOARD : HB_ERR_FAIL,
                           "%s: write: %s", l->name, strerror(errno));
        p += n;
        len -= (size_t)n;
    }
    return HB_OK;
}

void link_fd_flush_input(link_conn *l)
{
    uint8_t junk[512];
    struct pollfd p = {l->fd, POLLIN, 0};
    while (poll(&p, 1, 0) == 1 && (p.revents & POLLIN) &&
           read(l->fd, junk, sizeof(junk)) > 0)
        ;
}

void link_fd_close(link_conn *l)
{
    if (l->fd >= 0)
        close(l->fd);
    if (l->slave_fd >= 0)
        close(l->slave_fd);
    l->fd = l->slave_fd = -1;
}

hb_status link_lock_device(int fd, const char *path)
{
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK)
            return hb_fail(HB_ERR_FAIL, "serial port %s: busy: another program has it locked "
                           "(a hilbench run on the same board?)", path);
        return hb_fail(HB_ERR_FAIL, "serial port %s: cannot lock: %s", path, strerror(errno));
    }
    return HB_OK;
}
