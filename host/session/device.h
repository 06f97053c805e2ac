/*
 * device.h: a board brought up for a session: flashed or launched as its
 * profile says, reached over its link, greeted with HELLO.
 *
 * Namespace: device_.
 *
 * device_close() always leaves nothing behind: the client, the link, the
 * launched process (SIGTERM, then SIGKILL) and the session's temporary
 * folder (pty log, socket) are gone afterwards.
 */
#ifndef DEVICE_H
#define DEVICE_H

#include "../board/board.h"
#include "client.h"

typedef struct {
    const board_profile *board; /* borrowed */
    board_proc *proc;           /* launched process, or NULL */
    link_conn *link;
    client *client;
    client_hello_info hello;
    char tmpdir[256];           /* session folder: board.log, uart.sock */
    char log_path[300];
} device;

/* Brings the board up. blob_path is the value of {blob} in commands (a
 * model placed in flash), may be NULL. On failure everything started is
 * stopped again and the message says which step failed; when a launched
 * process died, the last line of its log is quoted. */
hb_status device_open(const board_profile *b, const char *blob_path, device **out);
void device_close(device *d);

/* If the launched process has exited, fails with a message naming its exit
 * status and last log line; HB_OK while it runs (or when none). */
hb_status device_check_alive(device *d);

#endif
