/*
 * board_int.h: helpers shared by the files of the board module
 * (board.c, board_argv.c, board_ports.c). Not part of the module's contract;
 * only host/board/ includes it.
 */
#ifndef BOARD_INT_H
#define BOARD_INT_H

#include "board.h"

/* Placeholder bits reported by board_argv_uses(). */
enum {
    BOARD_PH_IMAGE = 1u << 0,
    BOARD_PH_TTY = 1u << 1,
    BOARD_PH_SOCKET = 1u << 2,
    BOARD_PH_PORT = 1u << 3,
    BOARD_PH_BLOB = 1u << 4
};

/* Sets *mask to the placeholders the template uses. HB_ERR_ARG naming the
 * argument if one is unknown or unterminated. */
hb_status board_argv_uses(char *const *tmpl, unsigned *mask);

/* Parses "vvvv:pppp" (hexadecimal, 1 to 4 digits each). 0 on success,
 * -1 (outputs untouched) if malformed. */
int board_vid_pid_parse(const char *s, int *vid, int *pid);

#endif
