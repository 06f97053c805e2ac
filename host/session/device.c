/*
 * device.c: bringing a board up and down for one session.
 */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELLO_TIMEOUT_MS 15000

static void last_log_line(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[512];
    out[0] = '\0';
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n)
            snprintf(out, cap, "%s", line);
    }
    fclose(f);
}

hb_status device_check_alive(device *d)
{
    int status = 0;
    char last[400];
    if (!d->proc || board_proc_alive(d->proc, &status))
        return HB_OK;
    last_log_line(d->log_path, last, sizeof(last));
    if (WIFSIGNALED(status))
        return hb_fail(HB_ERR_BOARD, "board %s: its process was killed by signal %d%s%s",
                       d->board->name, WTERMSIG(status), last[0] ? ": " : "", last);
    return hb_fail(HB_ERR_BOARD, "board %s: its process exited with status %d%s%s",
                   d->board->name, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                   last[0] ? ": " : "", last);
}

static hb_status watchdog(void *ctx)
{
    return device_check_alive(ctx);
}

hb_status device_open(const board_profile *b, const char *blob_path, device **out)
{
    hb_status st = HB_OK;
    device *d = calloc(1, sizeof(*d));
    char **argv = NULL, *tty = NULL, *port = NULL;
    char sock[300] = "";
    board_vars vars = {0};

    *out = NULL;
    if (!d)
        return hb_fail(HB_ERR_MEM, "out of memory");
    d->board = b;
    snprintf(d->tmpdir, sizeof(d->tmpdir), "/tmp/hilbench-%ld-XXXXXX", (long)getpid());
    if (!mkdtemp(d->tmpdir)) {
        st = hb_fail(HB_ERR_FAIL, "mkdtemp: %s", strerror(errno));
        d->tmpdir[0] = '\0';
        goto cleanup;
    }
    snprintf(d->log_path, sizeof(d->log_path), "%s/board.log", d->tmpdir);
    vars.image = b->image;
    vars.blob = blob_path;

    switch (b->link_type) {
    case BOARD_LINK_PTY:
        if ((st = link_open_pty(&d->link, &tty)) != HB_OK)
            goto cleanup;
        vars.tty = tty;
        break;
    case BOARD_LINK_SOCKET:
        snprintf(sock, sizeof(sock), "%s/uart.sock", d->tmpdir);
        vars.socket = sock;
        break;
    case BOARD_LINK_SERIAL:
        if ((st = board_port_pick(b, &port)) != HB_OK)
            goto cleanup;
        vars.port = port;
        break;
    }

    if (b->flash_argv) {
        if ((st = board_argv_expand(b->flash_argv, &vars, &argv)) != HB_OK ||
            (st = board_proc_run(argv, b->flash_timeout_ms, d->log_path)) != HB_OK) {
            hb_context(st, "board %s: flashing", b->name);
            goto cleanup;
        }
        board_argv_free(argv);
        argv = NULL;
    }
    if (b->launch_argv) {
        if ((st = board_argv_expand(b->launch_argv, &vars, &argv)) != HB_OK ||
            (st = board_proc_start(argv, d->log_path, &d->proc)) != HB_OK) {
            hb_context(st, "board %s: launching", b->name);
            goto cleanup;
        }
    }
    if (b->link_type == BOARD_LINK_SOCKET) {
        char path[300];
        const char *tmpl = b->socket_path ? b->socket_path : "{socket}";
        char *one[] = {(char *)tmpl, NULL}, **exp = NULL;
        if ((st = board_argv_expand(one, &vars, &exp)) != HB_OK)
            goto cleanup;
        snprintf(path, sizeof(path), "%s", exp[0]);
        board_argv_free(exp);
        if ((st = link_open_socket(path, HELLO_TIMEOUT_MS, &d->link)) != HB_OK) {
            if (device_check_alive(d) == HB_OK)
                hb_context(st, "board %s", b->name);
            st = st == HB_OK ? HB_ERR_BOARD : st;
            goto cleanup;
        }
    } else if (b->link_type == BOARD_LINK_SERIAL) {
        if ((st = link_open_serial(port, b->baud, &d->link)) != HB_OK)
            goto cleanup;
    }
    if ((st = client_new(d->link, b->timeout_ms, b->retries, &d->client)) != HB_OK)
        goto cleanup;
    client_set_watchdog(d->client, watchdog, d);
    if ((st = client_hello(d->client, HELLO_TIMEOUT_MS, &d->hello)) != HB_OK) {
        if ((st == HB_ERR_TIMEOUT || st == HB_ERR_BOARD) && device_check_alive(d) != HB_OK)
            st = HB_ERR_BOARD;
        else
            hb_context(st, "board %s", b->name);
        goto cleanup;
    }
    if (b->link_type == BOARD_LINK_PTY)
        link_pty_release(d->link);
    board_argv_free(argv);
    free(tty);
    free(port);
    *out = d;
    return HB_OK;
cleanup:
    board_argv_free(argv);
    free(tty);
    free(port);
    device_close(d);
    return st;
}

void device_close(device *d)
{
    if (!d)
        return;
    client_free(d->client);
    link_close(d->link);
    board_proc_stop(d->proc, 2000);
    if (d->tmpdir[0]) {
        char p[400];
        snprintf(p, sizeof(p), "%s/board.log", d->tmpdir);
        unlink(p);
        snprintf(p, sizeof(p), "%s/uart.sock", d->tmpdir);
        unlink(p);
        rmdir(d->tmpdir);
    }
    free(d);
}
