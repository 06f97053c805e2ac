/*
 * device.c: bringing a board up and down for one session, and up again
 * after it hung or crashed.
 */
#include "device.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define HELLO_TIMEOUT_MS 15000
/* How long a process whose link just closed gets to finish exiting. */
#define EXIT_GRACE_MS 500

hb_status device_check_alive(device *d)
{
    int status = 0;
    char last[400];
    if (!d->proc || board_proc_alive(d->proc, &status))
        return HB_OK;
    board_proc_log_tail(d->log_path, 0, last, sizeof(last));
    if (WIFSIGNALED(status))
        return hb_fail(HB_ERR_BOARD, "board %s: its process was killed by signal %d%s%s",
                       d->board->name, WTERMSIG(status), last[0] ? ": " : "", last);
    return hb_fail(HB_ERR_BOARD, "board %s: its process exited with status %d%s%s",
                   d->board->name, WIFEXITED(status) ? WEXITSTATUS(status) : -1,
                   last[0] ? ": " : "", last);
}

/* After a failed start: HB_ERR_BOARD (the link closed) usually means the
 * process is on its way out, and its exit status, not the closed link,
 * says why; give it a moment to finish. */
static hb_status check_exited(device *d, hb_status st)
{
    if (st == HB_ERR_BOARD)
        board_proc_wait(d->proc, EXIT_GRACE_MS);
    return device_check_alive(d);
}

static hb_status watchdog(void *ctx)
{
    return device_check_alive(ctx);
}

void device_stats_add(client_stats *sum, const client_stats *s)
{
    sum->requests += s->requests;
    sum->retries += s->retries;
    sum->bad_frames += s->bad_frames;
    sum->stale_frames += s->stale_frames;
    sum->bytes_sent += s->bytes_sent;
    sum->bytes_received += s->bytes_received;
    sum->timeouts += s->timeouts;
    sum->resized += s->resized;
    sum->payload_sent += s->payload_sent;
    sum->payload_received += s->payload_received;
    if (s->max_tries > sum->max_tries)
        sum->max_tries = s->max_tries;
    if (s->chunk_out_min && (!sum->chunk_out_min || s->chunk_out_min < sum->chunk_out_min))
        sum->chunk_out_min = s->chunk_out_min;
    if (s->chunk_in_min && (!sum->chunk_in_min || s->chunk_in_min < sum->chunk_in_min))
        sum->chunk_in_min = s->chunk_in_min;
}

void device_link_stats(const device *d, client_stats *out)
{
    *out = d->before;
    if (!d->client)
        return;
    const client_stats *s = client_get_stats(d->client);
    device_stats_add(out, s);
    out->loss = s->loss;
    out->min_tries = s->min_tries;
    out->rto_ms = s->rto_ms;
    out->chunk_out = s->chunk_out;
    out->chunk_in = s->chunk_in;
}

void device_fault_stats(const device *d, link_fault_stats *out)
{
    const link_fault_stats *f = link_fault_get_stats(d->link);
    *out = d->faults_before;
    if (f) {
        out->bytes_out += f->bytes_out;
        out->bytes_in += f->bytes_in;
        out->corrupted += f->corrupted;
        out->dropped += f->dropped;
        out->duplicated += f->duplicated;
    }
}

/* Stops the client, the link and a launched process; keeps the folder. */
static void stop(device *d)
{
    if (d->client)
        device_stats_add(&d->before, client_get_stats(d->client));
    const link_fault_stats *f = link_fault_get_stats(d->link);
    if (f) {
        d->faults_before.bytes_out += f->bytes_out;
        d->faults_before.bytes_in += f->bytes_in;
        d->faults_before.corrupted += f->corrupted;
        d->faults_before.dropped += f->dropped;
        d->faults_before.duplicated += f->duplicated;
    }
    client_free(d->client);
    d->client = NULL;
    mlperf_free(d->mlperf);
    d->mlperf = NULL;
    link_close(d->link);
    d->link = NULL;
    board_proc_stop(d->proc, 2000);
    d->proc = NULL;
}

enum { START_FIRST, START_RESET, START_REFLASH };

/* [link] type = stdio: the program that is the board, its standard input
 * and output the link. It is the device's process (d->proc): a profile
 * has no [launch] besides it. */
static hb_status start_stdio(device *d, const board_vars *vars, board_proc **proc)
{
    const board_profile *b = d->board;
    char **argv = NULL;
    int to = -1, from = -1;
    hb_status st;

    if ((st = board_argv_expand(b->stdio_argv, vars, &argv)) != HB_OK ||
        (st = board_proc_start_stdio(argv, d->log_path, proc, &to, &from)) != HB_OK) {
        hb_context(st, "board %s: starting its [link] command", b->name);
        goto cleanup;
    }
    st = link_open_stdio(to, from, argv[0], &d->link);
cleanup:
    board_argv_free(argv);
    return st;
}

/* The stub: a client with the watchdog, and HELLO. */
static hb_status greet_stub(device *d)
{
    const board_profile *b = d->board;
    hb_status st = client_new(d->link, b->timeout_ms, b->retries, &d->client);
    if (st != HB_OK)
        return st;
    client_set_watchdog(d->client, watchdog, d);
    return client_hello(d->client, HELLO_TIMEOUT_MS, &d->hello);
}

/* An MLPerf Tiny firmware: its name and profile stand for HELLO. */
static hb_status greet_mlperf(device *d)
{
    const board_profile *b = d->board;
    hb_status st;

    if ((st = mlperf_new(d->link, b->name, &d->mlperf)) != HB_OK)
        return st;
    if ((st = mlperf_hello(d->mlperf, HELLO_TIMEOUT_MS, &d->mlperf_info)) != HB_OK) {
        if ((st == HB_ERR_TIMEOUT || st == HB_ERR_BOARD) && check_exited(d, st) != HB_OK)
            st = HB_ERR_BOARD;
        return st;
    }
    memset(&d->hello, 0, sizeof(d->hello));
    /* A firmware's name may be longer than HELLO's: cut, as HELLO's is. */
    snprintf(d->hello.name, sizeof(d->hello.name), "%.*s", (int)sizeof(d->hello.name) - 1,
             d->mlperf_info.name);
    d->hello.counter_hz = 1000000;
    return HB_OK;
}

/* Runs the profile's flash (or reset) command, launches, connects, HELLO. */
static hb_status start(device *d, const char *blob_path, int mode)
{
    const board_profile *b = d->board;
    hb_status st = HB_OK;
    char **argv = NULL, *tty = NULL, *port = NULL;
    char sock[300] = "";
    board_vars vars = {0};

    /* A fresh log: its last line explains this start's failure only. */
    unlink(d->log_path);
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
        unlink(sock);
        vars.socket = sock;
        break;
    case BOARD_LINK_SERIAL:
        if ((st = board_port_pick(b, &port)) != HB_OK)
            goto cleanup;
        vars.port = port;
        break;
    case BOARD_LINK_STDIO:
        break;
    }

    char **first = mode == START_RESET && b->reset_argv ? b->reset_argv : b->flash_argv;
    if (first) {
        const char *what = first == b->reset_argv ? "resetting" : "flashing";
        if ((st = board_argv_expand(first, &vars, &argv)) != HB_OK ||
            (st = board_proc_run(argv, b->flash_timeout_ms, d->log_path)) != HB_OK) {
            hb_context(st, "board %s: %s", b->name, what);
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
        if ((st = link_open_serial(port, b->baud, &d->link)) != HB_OK) {
            hb_context(st, "board %s", b->name);
            goto cleanup;
        }
    } else if (b->link_type == BOARD_LINK_STDIO) {
        if ((st = start_stdio(d, &vars, &d->proc)) != HB_OK)
            goto cleanup;
    }
    if (d->has_faults) {
        link_conn *inner = d->link;
        d->link = NULL;
        if ((st = link_fault_wrap(inner, &d->faults, &d->link)) != HB_OK)
            goto cleanup;
    }
    if (b->protocol == BOARD_PROTO_MLPERF_TINY) {
        if ((st = greet_mlperf(d)) != HB_OK)
            goto cleanup;
    } else if ((st = greet_stub(d)) != HB_OK) {
        if ((st == HB_ERR_TIMEOUT || st == HB_ERR_BOARD) && check_exited(d, st) != HB_OK)
            st = HB_ERR_BOARD;
        else
            hb_context(st, "board %s", b->name);
        goto cleanup;
    }
    if (b->link_type == BOARD_LINK_PTY)
        link_pty_release(d->link);
cleanup:
    board_argv_free(argv);
    free(tty);
    free(port);
    if (st != HB_OK)
        stop(d);
    return st;
}

hb_status device_open(const board_profile *b, const char *blob_path,
                      const link_fault_config *faults, device **out)
{
    hb_status st;
    device *d = calloc(1, sizeof(*d));

    *out = NULL;
    if (!d)
        return hb_fail(HB_ERR_MEM, "out of memory");
    d->board = b;
    if (faults) {
        d->has_faults = 1;
        d->faults = *faults;
    }
    snprintf(d->tmpdir, sizeof(d->tmpdir), "/tmp/hilbench-%ld-XXXXXX", (long)getpid());
    if (!mkdtemp(d->tmpdir)) {
        st = hb_fail(HB_ERR_FAIL, "mkdtemp: %s", strerror(errno));
        d->tmpdir[0] = '\0';
        goto cleanup;
    }
    snprintf(d->log_path, sizeof(d->log_path), "%s/board.log", d->tmpdir);
    if ((st = start(d, blob_path, START_FIRST)) != HB_OK)
        goto cleanup;
    *out = d;
    return HB_OK;
cleanup:
    device_close(d);
    return st;
}

hb_status device_reset(device *d, const char *blob_path, const char **how)
{
    const board_profile *b = d->board;
    hb_status st;

    *how = b->reset_argv && !b->launch_argv ? "reset command"
           : b->flash_argv && !b->launch_argv ? "flashed again"
                                              : "process restarted";
    stop(d);
    st = start(d, blob_path, START_RESET);
    if (st != HB_OK && b->reset_argv && b->flash_argv) {
        /* The reset did not bring it back: flash it as well. */
        *how = "flashed again";
        hb_clear();
        st = start(d, blob_path, START_REFLASH);
    }
    if (st == HB_OK)
        d->resets++;
    return st;
}

void device_close(device *d)
{
    if (!d)
        return;
    stop(d);
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
