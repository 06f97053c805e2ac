/*
 * cmd_run.c: `hilbench run`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "session/session.h"
#include "store/store.h"
#include "util/hb_file.h"

const cli_option cli_opts_run[] = {
    {"board", "NAME", "board profile to run on (see hilbench boards)", 0},
    {"model", "MODEL", "the model (.tflite)", 0},
    {"vectors", "DIR", "folder of raw input files (*.bin), in name order", 0},
    {"random", "N", "N random vectors instead (xorshift32, see --seed)", 0},
    {"seed", "S", "seed of the random vectors (default 1000)", 0},
    {"repeat", "N", "timed invokes per vector; the median is recorded (default 5)", 0},
    {"warmup", "N", "untimed invokes before them (default 1)", 0},
    {"no-layers", NULL, "do not time every layer", 0},
    {"db", "PATH", "results database (default " CLI_DEFAULT_DB ")", 0},
    {"boards", "DIR", "also read board profiles from DIR", 1},
    {"quiet", NULL, "no progress lines", 0},
    {0},
};

static void progress(void *ctx, const char *fmt, ...)
{
    va_list ap;
    (void)ctx;
    va_start(ap, fmt);
    fputs("hilbench: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

hb_status cmd_run(const cli_args *a)
{
    const char *dirs[16];
    long repeat, warmup, random_n, seed;
    session_options o = {0};
    session_result res;
    hb_status st;

    o.board = cli_get(a, "board");
    o.model_path = cli_get(a, "model");
    o.vectors_dir = cli_get(a, "vectors");
    if (!o.board || !o.model_path)
        return hb_fail(HB_ERR_ARG, "run: --board and --model are required (see hilbench run --help)");
    if (o.vectors_dir && cli_get(a, "random"))
        return hb_fail(HB_ERR_ARG, "run: give --vectors or --random, not both");
    if ((st = cli_long(a, "repeat", 5, 1, 10000, &repeat)) != HB_OK ||
        (st = cli_long(a, "warmup", 1, 0, 10000, &warmup)) != HB_OK ||
        (st = cli_long(a, "random", 4, 1, 1000000, &random_n)) != HB_OK ||
        (st = cli_long(a, "seed", 1000, 0, 4294967295L, &seed)) != HB_OK)
        return st;
    o.n_board_dirs = cli_board_dirs(a, dirs, 16);
    o.board_dirs = dirs;
    o.firmware_dir = hb_firmware_dir();
    o.random_n = (int)random_n;
    o.seed = (uint32_t)seed;
    o.repeat = (int)repeat;
    o.warmup = (int)warmup;
    o.layers = !cli_flag(a, "no-layers");
    o.db_path = cli_db_path(a);
    o.command_line = cli_command_line(a);
    if (!cli_flag(a, "quiet"))
        o.progress = progress;

    st = session_run(&o, &res);
    if (res.run_id)
        printf("run %lld\n", (long long)res.run_id);
    if (st != HB_OK)
        return st;

    store *db = NULL;
    json_t *run = NULL;
    if ((st = store_open(o.db_path, &db)) == HB_OK &&
        (st = store_run_json(db, res.run_id, &run)) == HB_OK) {
        cli_print_run(stdout, run);
        printf("outputs identical to the host engine: %d/%d vectors\n",
               res.vectors - res.host_mismatches, res.vectors);
    }
    json_decref(run);
    store_close(db);
    if (st == HB_OK && res.host_mismatches)
        st = hb_fail(HB_ERR_BOARD, "%d of %d outputs differ from the host engine's",
                     res.host_mismatches, res.vectors);
    return st;
}
