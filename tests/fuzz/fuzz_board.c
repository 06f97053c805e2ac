/*
 * fuzz_board.c: libFuzzer target: board profile parsing (libinih, key
 * table, numbers, argv templates and placeholders).
 */
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

#include "board/board.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/hb-fuzz-board-%ld.ini", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    board_profile *b = NULL;
    if (board_load(path, "/nonexistent", &b) == HB_OK) {
        char **argv = NULL;
        board_vars v = {"/img", "/dev/pts/9", "/tmp/s", "/dev/ttyACM0", "/tmp/b"};
        if (b->launch_argv && board_argv_expand(b->launch_argv, &v, &argv) == HB_OK)
            board_argv_free(argv);
        board_free(b);
    }
    return 0;
}
