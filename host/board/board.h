/*
 * board.h: board profiles (boards/NAME.ini), and starting and stopping what a
 * profile says runs the board: a flash command, a launched process.
 *
 * Namespace: board_ / BOARD_.
 *
 * A profile (read with libinih) has these sections and keys; unknown
 * sections and keys, keys given twice and keys of another link type are
 * refused with the file, line and key named, so typos do not pass:
 *
 *   [board]    name (required; letters, digits, '.', '_', '-'),
 *              description, cpu, clock_hz (integer, 1 to 10^12),
 *              timing_unit = cycles | instructions | ns | us (required;
 *              us is for protocol = mlperf-tiny only, and that protocol
 *              needs it: its firmware stamps time in microseconds)
 *   [firmware] image: the stub firmware; a bare name is looked up in the
 *              firmware folder hilbench was built or installed with (kept
 *              as given when there is none), a name with a '/' is relative
 *              to the profile's folder
 *   [flash]    command: run to completion before the session (openocd,
 *              st-flash ...); timeout_ms (default 60000)
 *   [launch]   command: a process that lives for the whole session (the
 *              native stub, QEMU); stopped when the session ends
 *   [reset]    command: run to reset a hung board (optional)
 *   [link]     type = pty | serial | socket | stdio (required)
 *              pty:    the host creates a pseudo-terminal; {tty} is its path
 *              serial: port (a path, or "auto"), usb_serial, vid_pid
 *                      ("0483:374b"), baud (default 115200)
 *              socket: path (default "{socket}"): the Unix socket the
 *                      launched process listens on ({socket} is a fresh
 *                      path the host chooses; the only placeholder here)
 *              stdio:  command (required): a program started for the
 *                      session whose standard input and output are the
 *                      link (an argv template like [launch] command, which
 *                      such a profile does not have; its standard error
 *                      goes to the board log)
 *              protocol = hilbench (default) | mlperf-tiny: what the
 *              firmware speaks (docs/protocol.md, docs/mlperf-tiny.md)
 *              timeout_ms (default 2000): per-request response time-out;
 *              invoke_timeout_ms (default 60000); retries (default 5)
 *   [model]    placement = link (default: the blob is uploaded over the
 *              link into the board's RAM) | flash (the [flash] or [launch]
 *              command places the blob file {blob} where the stub's
 *              firmware reserves a flash region; the stub runs it in place,
 *              so models bigger than RAM run)
 *
 * Comments start a line with ';' or '#', or follow " ;" on a line. A line
 * that starts with a blank continues the command above it (libinih reads
 * at most 198 characters a line).
 *
 * Commands are argv templates: split on blanks, with '...' or "..." quoting
 * and backslash escapes, never given to a shell. Placeholders {image},
 * {tty}, {socket}, {port} and {blob} are replaced inside each argument;
 * "{{" and "}}" are literal braces. board_load() refuses unknown
 * placeholders and ones the profile can never fill ({tty} without
 * type = pty, {image} without an image ...).
 * Numbers are parsed with strtol/strtoull and an end-pointer check.
 *
 * Ownership: board_profile and argv arrays returned here belong to the
 * caller (board_free, board_argv_free). board_proc handles are freed by
 * board_proc_stop().
 */
#ifndef BOARD_H
#define BOARD_H

#include <stdint.h>
#include <sys/types.h>

#include "../util/hb_error.h"

typedef enum {
    BOARD_LINK_PTY,
    BOARD_LINK_SERIAL,
    BOARD_LINK_SOCKET,
    BOARD_LINK_STDIO
} board_link_type;

/* What the firmware speaks on the link ([link] protocol). */
typedef enum {
    BOARD_PROTO_HILBENCH,   /* the stub's frames (docs/protocol.md) */
    BOARD_PROTO_MLPERF_TINY /* the MLPerf Tiny runner's text commands
                             * (docs/mlperf-tiny.md) */
} board_protocol;

typedef struct {
    char *path;            /* the .ini file */
    char *name;
    char *description;     /* may be NULL */
    char *cpu;             /* may be NULL */
    uint64_t clock_hz;     /* 0 if not given */
    char *timing_unit;     /* "cycles", "instructions" or "ns" */
    char *image;           /* absolute path of the firmware, or NULL */

    char **flash_argv;     /* NULL-terminated template, or NULL */
    int flash_timeout_ms;
    char **launch_argv;    /* NULL-terminated template, or NULL */
    char **reset_argv;     /* NULL-terminated template, or NULL */

    board_link_type link_type;
    char *port;            /* serial: path or "auto"; NULL = auto */
    char *usb_serial;      /* serial: match by USB serial number; may be NULL */
    char *vid_pid;         /* serial: "vvvv:pppp"; may be NULL */
    int baud;
    char *socket_path;     /* socket: template, may contain {socket}
                              (default "{socket}"); NULL for other types */
    int timeout_ms;
    int invoke_timeout_ms;
    int retries;
    int model_in_flash;    /* [model] placement = flash: the blob is placed by
                              the flash or launch command ({blob}) and the
                              stub runs it from there */
    char **stdio_argv;     /* stdio: the program that is the board,
                              NULL-terminated template; NULL for other types */
    int protocol;          /* board_protocol */
} board_profile;

/* Reads one profile. firmware_dir resolves a bare image name (may be NULL).
 * Errors name the file, the line when known, and the key
 * ("boards/x.ini:7: [link] baud: 'fast' is not a number"); HB_ERR_NOT_FOUND
 * if the file does not exist, HB_ERR_FORMAT for its contents. *out is NULL
 * on failure. */
hb_status board_load(const char *path, const char *firmware_dir,
                     board_profile **out);
void board_free(board_profile *b);

/* Finds the profile called `name` (its [board] name, or its file name
 * without .ini) in the folders dirs[0..n). A name containing '/' or ending
 * in .ini is taken as a path. HB_ERR_NOT_FOUND lists the boards there are. */
hb_status board_find(const char *name, const char *const *dirs, int n_dirs,
                     const char *firmware_dir, board_profile **out);

/* Every profile in the folders, sorted by name. A profile that fails to
 * load is skipped with its error reported through warn (may be NULL), and
 * so is one whose name an earlier folder already has. Folders that do not
 * exist are skipped silently. */
hb_status board_list(const char *const *dirs, int n_dirs,
                     const char *firmware_dir,
                     void (*warn)(const char *msg, void *ctx), void *ctx,
                     board_profile ***out, int *n_out);
void board_list_free(board_profile **list, int n);

/* Values for placeholders; NULL ones are refused if the template uses them. */
typedef struct {
    const char *image, *tty, *socket, *port, *blob;
} board_vars;

/* Splits a command line into a NULL-terminated argv template. HB_ERR_ARG
 * for an empty line, an unterminated quote or a trailing backslash. */
hb_status board_argv_parse(const char *line, char ***argv_out);
/* Expands placeholders into a new NULL-terminated argv. vars may be NULL
 * (no values). HB_ERR_ARG naming the placeholder and argument if one is
 * unknown, unterminated or without a value. */
hb_status board_argv_expand(char *const *tmpl, const board_vars *vars,
                            char ***argv_out);
void board_argv_free(char **argv);

/* A serial port as libserialport sees it. */
typedef struct {
    char *name;          /* /dev/ttyACM0 */
    char *description;
    int usb_vid, usb_pid; /* -1 if not USB */
    char *usb_serial;     /* may be NULL */
    char *usb_product;    /* may be NULL */
} board_port;

/* Lists the real serial ports (libserialport). */
hb_status board_ports(board_port **out, int *n_out);
void board_ports_free(board_port *ports, int n);
/* Chooses the port of a serial profile: its path if set, else the one port
 * matching usb_serial and/or vid_pid; HB_ERR_NOT_FOUND or HB_ERR_ARG
 * (ambiguous) otherwise, naming what was searched. *path is malloc'ed. */
hb_status board_port_pick(const board_profile *b, char **path);

/* Processes ----------------------------------------------------------------
 * Started with fork + execvp (no shell), in their own process group, with
 * the parent-death signal set to SIGKILL so they die with hilbench even if
 * it is killed with SIGKILL. Every live process is also in a registry that
 * board_proc_kill_all() (called from signal handlers and atexit) empties.
 * argv[0] is looked up in PATH unless it holds a '/'; a file that is not a
 * valid executable fails (it is never handed to /bin/sh as execvp would).
 * At most 32 processes run at once. Start them from the main thread: the
 * parent-death signal follows the thread that started them. They are
 * waited for here only: do not ignore SIGCHLD or call waitpid(-1, ...). */
typedef struct board_proc board_proc;

/* Starts argv in the background. stdout/stderr go to log_path (created,
 * appended; NULL = /dev/null) so a failing launch can be explained; stdin
 * is /dev/null and no other descriptor is inherited. Returns once the
 * program runs: HB_ERR_NOT_FOUND "no such program 'openocdx'", HB_ERR_FAIL
 * if it could not be executed. */
hb_status board_proc_start(char *const argv[], const char *log_path,
                           board_proc **out);
pid_t board_proc_pid(const board_proc *p);
/* 1 while running; 0 once exited (then *status, if given, is the wait
 * status). Once it has exited, what it left in its process group is
 * killed. */
int board_proc_alive(board_proc *p, int *status);
/* Waits up to timeout_ms (<= 0: not at all) for the process to exit by
 * itself; 1 if it has (then as board_proc_alive()), 0 if it still runs.
 * NULL counts as exited. */
int board_proc_wait(board_proc *p, int timeout_ms);
/* SIGTERM to the group, SIGKILL after grace_ms, reaps, frees. NULL fine. */
void board_proc_stop(board_proc *p, int grace_ms);
/* Runs argv to completion within timeout_ms (> 0; killed after it), output
 * captured to log_path (may be NULL). HB_ERR_BOARD if it exits non-zero or
 * dies of a signal, naming the command and its status; HB_ERR_TIMEOUT if
 * it had to be killed; board_proc_start()'s errors otherwise. */
hb_status board_proc_run(char *const argv[], int timeout_ms,
                         const char *log_path);
/* Like board_proc_start(), but the program's standard input and output
 * are pipes to hilbench: *to_child (write end) and *from_child (read end)
 * are non-blocking, close-on-exec descriptors the caller closes; its
 * standard error goes to log_path. Both are -1 on failure. */
hb_status board_proc_start_stdio(char *const argv[], const char *log_path,
                                 board_proc **out, int *to_child, int *from_child);
/* The last non-empty line of the log at path written after byte offset
 * from, at most cap - 1 bytes, into out ("" when there is none or the file
 * cannot be read); once a line contains "fatal:", the last such line
 * instead (what follows it is a crash dump). */
void board_proc_log_tail(const char *path, long from, char *out, size_t cap);
/* Async-signal-safe: SIGKILLs every live process group started here. */
void board_proc_kill_all(void);

#endif
