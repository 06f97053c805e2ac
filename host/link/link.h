/*
 * link.h: the byte stream between the host and a board.
 *
 * Namespace: link_.
 *
 * One small interface, several backends chosen by the board profile:
 *  - pty:    a pseudo-terminal the host creates; the stub (a native process)
 *            opens the other end. Debian 12's libserialport 0.1.1 cannot open
 *            a pty, so this backend uses termios directly.
 *  - serial: a real serial port through libserialport.
 *  - socket: a Unix stream socket (QEMU's -serial unix:PATH,server=on).
 *  - stdio:  the standard input and output of a program hilbench started
 *            (a simulator, a native build of a firmware).
 * Only this module touches the file descriptors of a board.
 *
 * Reads and writes wait at most timeout_ms and return early when hilbench
 * is interrupted (link_interrupt()). Ownership: link_open_* returns a
 * handle freed by link_close().
 *
 * link_fault.c wraps any link in a fault injector (corrupted, lost and
 * duplicated bytes, latency, a slow line) to test a bench set-up and the
 * protocol's recovery: see link_fault_parse().
 */
#ifndef LINK_H
#define LINK_H

#include <stddef.h>

#include "../util/hb_error.h"

typedef struct link_conn link_conn;

/* Creates a pty pair in raw mode. *slave_path (malloc'ed, caller frees) is
 * the path to give the stub. The host keeps the slave open until
 * link_pty_release() so nothing written early is lost. */
hb_status link_open_pty(link_conn **out, char **slave_path);
/* Drops the host's own handle on the slave once the stub has it open, so
 * the stub closing its end shows up as end-of-stream. */
void link_pty_release(link_conn *l);

/* Opens a serial port 8N1 at baud and locks it (link_lock_device). */
hb_status link_open_serial(const char *path, int baud, link_conn **out);
/* Takes an exclusive advisory lock (flock) on an open device, so that a
 * second hilbench on the same port is refused at once instead of both
 * talking to one board (TIOCEXCL, which libserialport sets, does not stop
 * root). HB_ERR_FAIL, saying the port is busy, when another open of it
 * holds the lock. The lock goes with the last close of fd. */
hb_status link_lock_device(int fd, const char *path);

/* Connects to a Unix socket, retrying until timeout_ms while the listener
 * (a starting emulator) creates it. */
hb_status link_open_socket(const char *path, int timeout_ms, link_conn **out);

/* Wraps the two pipes of a program started with board_proc_start_stdio():
 * to_child is its standard input, from_child its standard output (both
 * non-blocking). The link owns both descriptors from now on, even on
 * failure. name is for messages (NULL: "stdio"). Writing after the program
 * exited is HB_ERR_BOARD, never a SIGPIPE. */
hb_status link_open_stdio(int to_child, int from_child, const char *name, link_conn **out);

/* Reads up to cap bytes, waiting at most timeout_ms for the first.
 * Returns the count (> 0), 0 on time-out, or a negative hb_status:
 * HB_ERR_BOARD when the other end closed, HB_ERR_INTERRUPTED. */
long link_read(link_conn *l, void *buf, size_t cap, int timeout_ms);
/* Writes all len bytes within timeout_ms. */
hb_status link_write(link_conn *l, const void *buf, size_t len, int timeout_ms);
/* Discards whatever has been received and not read yet. */
void link_flush_input(link_conn *l);
void link_close(link_conn *l);
/* Bytes per second the line carries when known (a serial port's baud / 10,
 * an emulated line rate), 0 when it is as fast as the host (pty, socket).
 * The client adds the time frames spend on the wire to its time-outs. */
long link_line_rate(const link_conn *l);

/* Fault injection ------------------------------------------------------------
 * Probabilities are per byte and apply to both directions independently:
 * a corrupted byte has random bits flipped (never none), a dropped byte is
 * lost, a duplicated byte arrives twice. delay_ms holds every transfer that
 * long in each direction; baud paces both directions to that line rate
 * (10 bits a byte, 8N1). The same seed gives the same faults for the same
 * byte stream. */
typedef struct {
    double corrupt, drop, dup;  /* per byte, 0 to 1 */
    int delay_ms;               /* 0 to 10000 */
    long baud;                  /* 0: no pacing; else up to 100000000 */
    unsigned long long seed;
} link_fault_config;

typedef struct {
    unsigned long long bytes_out, bytes_in;          /* offered, each direction */
    unsigned long long corrupted, dropped, duplicated; /* both directions */
} link_fault_stats;

/* Parses "corrupt=P,drop=P,dup=P,delay_ms=N,baud=B,seed=S" (any subset, any
 * order; numbers checked with an end pointer). HB_ERR_ARG names the key. */
hb_status link_fault_parse(const char *text, link_fault_config *out);
/* Formats a configuration the way link_fault_parse reads it. */
void link_fault_text(const link_fault_config *cfg, char *buf, size_t cap);
/* Wraps inner (the wrapper owns it from now on, even on failure: link_close
 * of the wrapper closes both). */
hb_status link_fault_wrap(link_conn *inner, const link_fault_config *cfg, link_conn **out);
/* The counters of a fault link; NULL for any other link. */
const link_fault_stats *link_fault_get_stats(const link_conn *l);

/* Signal side: makes every pending and future wait return
 * HB_ERR_INTERRUPTED. Async-signal-safe. */
void link_interrupt(void);
int link_interrupted(void);

/* Backend interface (link_*.c). */
typedef struct {
    long (*read)(link_conn *l, void *buf, size_t cap, int timeout_ms);
    hb_status (*write)(link_conn *l, const void *buf, size_t len, int timeout_ms);
    void (*flush_input)(link_conn *l);
    void (*close)(link_conn *l);
} link_ops;

struct link_conn {
    const link_ops *ops;
    int fd;        /* pty master or socket; -1 for serial */
    int slave_fd;  /* pty: the host's handle on the slave, or -1 */
    void *port;    /* serial: struct sp_port * */
    char *name;    /* for messages */
    long line_rate;/* bytes/s, 0 if unknown (link_line_rate) */
    link_conn *inner; /* a wrapper's link, or NULL */
    void *priv;    /* a wrapper's own state */
};

/* Shared by the fd backends: poll-based read/write with time-outs. */
long link_fd_read(link_conn *l, void *buf, size_t cap, int timeout_ms);
hb_status link_fd_write(link_conn *l, const void *buf, size_t len, int timeout_ms);
void link_fd_flush_input(link_conn *l);
void link_fd_close(link_conn *l);
link_conn *link_new(const link_ops *ops, const char *name);

#endif
