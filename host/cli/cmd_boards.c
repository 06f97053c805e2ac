/*
 * cmd_boards.c: `hilbench boards` and `hilbench ports`.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "board/board.h"
#include "cli.h"
#include "util/hb_file.h"

const cli_option cli_opts_boards[] = {
    {"boards", "DIR", "also read board profiles from DIR", 1, 0},
    {0},
};

const cli_option cli_opts_ports[] = {{0}};

hb_status cli_board_dirs(const cli_args *a, const char **dirs, int max, int *n_dirs)
{
    const char *const *extra;
    int n = 0, k = cli_all(a, "boards", &extra);
    struct stat sb;

    *n_dirs = 0;
    if (k > max - 1)
        return hb_fail(HB_ERR_ARG, "--boards: at most %d folders", max - 1);
    /* board_list skips missing folders as optional places; one the user
     * names is not, and a typo in it would hide every profile it holds */
    for (int i = 0; i < k; i++) {
        if (stat(extra[i], &sb) != 0)
            return hb_fail(HB_ERR_NOT_FOUND, "--boards %s: %s", extra[i], strerror(errno));
        if (!S_ISDIR(sb.st_mode))
            return hb_fail(HB_ERR_ARG, "--boards %s: not a folder", extra[i]);
        dirs[n++] = extra[i];
    }
    dirs[n++] = hb_boards_dir();
    *n_dirs = n;
    return HB_OK;
}

static void warn(const char *msg, void *ctx)
{
    (void)ctx;
    fprintf(stderr, "hilbench: warning: %s\n", msg);
}

static const char *link_name(board_link_type t)
{
    return t == BOARD_LINK_PTY      ? "pty"
           : t == BOARD_LINK_SERIAL ? "serial"
           : t == BOARD_LINK_STDIO  ? "stdio"
                                    : "socket";
}

/* The CLOCK and LINK columns of profile b. */
static void board_columns(const board_profile *b, char *clock, size_t clock_cap, char *link,
                          size_t link_cap)
{
    snprintf(clock, clock_cap, "-");
    if (b->clock_hz)
        snprintf(clock, clock_cap, "%gM", (double)b->clock_hz / 1e6);
    if (b->link_type == BOARD_LINK_SERIAL)
        snprintf(link, link_cap, "serial %d", b->baud);
    else
        snprintf(link, link_cap, "%s", link_name(b->link_type));
    if (b->protocol == BOARD_PROTO_MLPERF_TINY) /* not the stub's protocol: say so */
        snprintf(link + strlen(link), link_cap - strlen(link), ",mlperf-tiny");
}

hb_status cmd_boards(const cli_args *a)
{
    const char *dirs[16];
    int n_dirs = 0, n = 0;
    board_profile **list = NULL;
    hb_status st = cli_board_dirs(a, dirs, 16, &n_dirs);
    if (st == HB_OK)
        st = board_list(dirs, n_dirs, hb_firmware_dir(), warn, NULL, &list, &n);
    if (st != HB_OK)
        return st;
    /* Columns as wide as their widest entry: profile names are free. */
    int w[5] = {5, 3, 5, 4, 4};
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            printf("%-*s %-*s %-*s %-*s %-*s %s\n", w[0], "BOARD", w[1], "CPU", w[2], "CLOCK",
                   w[3], "UNIT", w[4], "LINK", "DESCRIPTION");
        for (int i = 0; i < n; i++) {
            const board_profile *b = list[i];
            char clock[32], link[96];
            board_columns(b, clock, sizeof(clock), link, sizeof(link));
            const char *col[5] = {b->name, b->cpu ? b->cpu : "-", clock, b->timing_unit, link};
            for (int c = 0; pass == 0 && c < 5; c++)
                if ((int)strlen(col[c]) > w[c])
                    w[c] = (int)strlen(col[c]);
            if (pass == 1)
                printf("%-*s %-*s %-*s %-*s %-*s %s\n", w[0], col[0], w[1], col[1], w[2],
                       col[2], w[3], col[3], w[4], col[4], b->description ? b->description : "");
        }
    }
    if (n == 0)
        printf("(no board profiles in %s)\n", dirs[n_dirs - 1]);
    board_list_free(list, n);
    return HB_OK;
}

hb_status cmd_ports(const cli_args *a)
{
    board_port *ports = NULL;
    int n = 0;
    (void)a;
    hb_status st = board_ports(&ports, &n);
    if (st != HB_OK)
        return st;
    if (n == 0) {
        printf("no serial ports found\n");
        return HB_OK;
    }
    printf("%-20s %-9s %-24s %s\n", "PORT", "VID:PID", "SERIAL", "DESCRIPTION");
    for (int i = 0; i < n; i++) {
        char id[16] = "-";
        if (ports[i].usb_vid >= 0)
            snprintf(id, sizeof(id), "%04x:%04x", ports[i].usb_vid, ports[i].usb_pid);
        printf("%-20s %-9s %-24s %s\n", ports[i].name, id,
               ports[i].usb_serial ? ports[i].usb_serial : "-",
               ports[i].description ? ports[i].description : "");
    }
    board_ports_free(ports, n);
    return HB_OK;
}
