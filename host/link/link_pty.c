/*
 * link_pty.c: a pseudo-terminal pair for boards that are local processes.
 *
 * The host opens the slave itself and sets raw mode before the stub exists:
 * no echo or line editing can touch the first frames, and bytes the host
 * sends before the stub opens the slave wait in the pty's queue.
 */
#include "link.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static const link_ops pty_ops = {link_fd_read, link_fd_write, link_fd_flush_input,
                                 link_fd_close};

hb_status link_open_pty(link_conn **out, char **slave_path)
{
    hb_status st = HB_OK;
    char name[256];
    struct termios tio;
    link_conn *l = link_new(&pty_ops, "pty");

    *out = NULL;
    *slave_path = NULL;
    if (!l)
        return hb_fail(HB_ERR_MEM, "out of memory");
    if ((l->fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        st = hb_fail(HB_ERR_FAIL, "posix_openpt: %s", strerror(errno));
        goto cleanup;
    }
    if (grantpt(l->fd) != 0 || unlockpt(l->fd) != 0 ||
        ptsname_r(l->fd, name, sizeof(name)) != 0) {
        st = hb_fail(HB_ERR_FAIL, "pty set-up: %s", strerror(errno));
        goto cleanup;
    }
    if ((l->slave_fd = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
        st = hb_fail(HB_ERR_FAIL, "open %s: %s", name, strerror(errno));
        goto cleanup;
    }
    if (tcgetattr(l->slave_fd, &tio) != 0) {
        st = hb_fail(HB_ERR_FAIL, "tcgetattr %s: %s", name, strerror(errno));
        goto cleanup;
    }
    cfmakeraw(&tio);
    if (tcsetattr(l->slave_fd, TCSANOW, &tio) != 0) {
        st = hb_fail(HB_ERR_FAIL, "tcsetattr %s: %s", name, strerror(errno));
        goto cleanup;
    }
    if (fcntl(l->fd, F_SETFL, fcntl(l->fd, F_GETFL) | O_NONBLOCK) != 0) {
        st = hb_fail(HB_ERR_FAIL, "fcntl(O_NONBLOCK): %s", strerror(errno));
        goto cleanup;
    }
    free(l->name);
    if (!(l->name = strdup(name)) || !(*slave_path = strdup(name))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    *out = l;
    return HB_OK;
cleanup:
    link_close(l);
    return st;
}

void link_pty_release(link_conn *l)
{
    /* Through a wrapper (fault injection) to the pty itself. */
    while (l && l->inner)
        l = l->inner;
    if (l && l->slave_fd >= 0) {
        close(l->slave_fd);
        l->slave_fd = -1;
    }
}
