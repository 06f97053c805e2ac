/*
 * link_socket.c: a Unix stream socket, e.g. an emulator's serial port.
 */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const link_ops socket_ops = {link_fd_read, link_fd_write, link_fd_flush_input,
                                    link_fd_close};

hb_status link_open_socket(const char *path, int timeout_ms, link_conn **out)
{
    struct sockaddr_un addr;
    struct timespec start, now;
    link_conn *l = NULL;
    int fd = -1, err = 0;

    *out = NULL;
    if (strlen(path) >= sizeof(addr.sun_path))
        return hb_fail(HB_ERR_ARG, "socket path too long: %s", path);
    memset(&addr, 0, sizeof(addr));
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, strlen(path) + 1);
    clock_gettime(CLOCK_MONOTONIC, &start);
    /* The listener may not exist yet: retry until the deadline, waiting on
     * nothing but time (there is no event to wait for). */
    for (;;) {
        if (link_interrupted())
            return hb_fail(HB_ERR_INTERRUPTED, "interrupted");
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return hb_fail(HB_ERR_FAIL, "socket: %s", strerror(errno));
        if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0)
            break;
        err = errno;
        close(fd);
        fd = -1;
        clock_gettime(CLOCK_MONOTONIC, &now);
        long ms = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (ms >= timeout_ms)
            return hb_fail(HB_ERR_TIMEOUT, "connect %s: %s (gave up after %d ms)", path,
                           strerror(err), timeout_ms);
        poll(NULL, 0, 10);
    }
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
        close(fd);
        return hb_fail(HB_ERR_FAIL, "fcntl(O_NONBLOCK): %s", strerror(errno));
    }
    if (!(l = link_new(&socket_ops, path))) {
        close(fd);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    l->fd = fd;
    *out = l;
    return HB_OK;
}
