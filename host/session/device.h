/*
 * device.h: a board brought up for a session: flashed or launched as its
 * profile says, reached over its link, greeted with HELLO; and brought up
 * again after it hung or crashed.
 *
 * Namespace: device_.
 *
 * The greeting follows the profile's [link] protocol: HELLO for the stub,
 * "name" and "profile" for an MLPerf Tiny firmware (mlperf.h). A stdio
 * link starts its [link] command here, as the board.
 *
 * device_close() always leaves nothing behind: the client, the link, the
 * launched process (SIGTERM, then SIGKILL) and the session's temporary
 * folder (pty log, socket) are gone afterwards.
 */
#ifndef DEVICE_H
#define DEVICE_H

#include "../board/board.h"
#include "client.h"
#include "mlperf.h"

typedef struct {
    const board_profile *board; /* borrowed */
    board_proc *proc;           /* launched process, or NULL */
    link_conn *link;            /* through the fault injector when asked */
    client *client;             /* protocol = hilbench; else NULL */
    client_hello_info hello;    /* mlperf-tiny: only name (and a 1 MHz,
                                 * microsecond counter) */
    mlperf_conn *mlperf;        /* protocol = mlperf-tiny; else NULL */
    mlperf_info mlperf_info;    /* what its name and profile said */
    char tmpdir[256];           /* session folder: board.log, uart.sock */
    char log_path[300];
    int has_faults;
    link_fault_config faults;   /* when has_faults */
    int resets;                 /* times device_reset brought it back */
    client_stats before;        /* the link counters of earlier clients */
    link_fault_stats faults_before; /* the fault counters of earlier links */
} device;

/* Brings the board up. blob_path is the value of {blob} in commands (a
 * model placed in flash), may be NULL. faults, when not NULL, puts a fault
 * injector into the link (link_fault_wrap). On failure everything started
 * is stopped again and the message says which step failed; when a
 * launched process died, the last line of its log is quoted. */
hb_status device_open(const board_profile *b, const char *blob_path,
                      const link_fault_config *faults, device **out);
void device_close(device *d);

/* Brings a board that hung or crashed back: the client, the link and a
 * launched process are stopped; then the profile's [reset] command runs if
 * it has one, else its [flash] command again; a launched process is
 * started again; the link is opened again and HELLO answered. If the board
 * still does not answer after a [reset] command, it is flashed as well.
 * *how (static text) says what was done: "reset command", "flashed again",
 * "process restarted". d stays valid (and closable) on failure. */
hb_status device_reset(device *d, const char *blob_path, const char **how);

/* If the launched process has exited, fails with a message naming its exit
 * status and last log line; HB_OK while it runs (or when none). */
hb_status device_check_alive(device *d);

/* The link counters over every client the device had (resets start a new
 * one): sums of the counters, the extremes of the rest, the current
 * estimates. */
void device_link_stats(const device *d, client_stats *out);
/* Adds the counters of s to sum (extremes kept, estimates not touched). */
void device_stats_add(client_stats *sum, const client_stats *s);
/* The fault injector's counters over every link the device had (zero when
 * it has none). */
void device_fault_stats(const device *d, link_fault_stats *out);

#endif
