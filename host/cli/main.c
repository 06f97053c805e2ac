/*
 * main.c: hilbench's entry point: the subcommand table, signals, exit codes.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board/board.h"
#include "cli.h"
#include "hb_version.h"
#include "link/link.h"

static const cli_command commands[] = {
    {"boards", NULL, 0, 0, "List the board profiles hilbench knows.", cli_opts_boards, cmd_boards},
    {"ports", NULL, 0, 0, "List the serial ports with their USB ids and serial numbers.",
     cli_opts_ports, cmd_ports},
    {"compress", "MODEL", 1, 1,
     "Make a variant of a float model with a recipe (docs/variants.md).\n"
     "MODEL is a .tflite or .onnx file; the variant is written as a .tflite file\n"
     "(OUT ending in .tflite) or as a hilbench blob.",
     cli_opts_compress, cmd_compress},
    {"infer", "MODEL", 1, 1,
     "Run one inference on the host with the engine the stub runs.\n"
     "MODEL is a .tflite, .onnx or hilbench blob file; raw little-endian tensor\n"
     "bytes in and out.",
     cli_opts_infer, cmd_infer},
    {"inspect", "MODEL", 1, 1,
     "Show a model's layers, blob size and planned arena.\n"
     "Each layer with its op, shapes, dtypes, MACs and parameter bytes.",
     cli_opts_inspect, cmd_inspect},
    {"run", NULL, 0, 0,
     "Benchmark variants of a model on a board and record the results.\n"
     "Makes each variant from its recipe, uploads it, streams the vectors, times\n"
     "every layer, scores it against the labels and the reference variant, records\n"
     "everything in the database and prints a summary.",
     cli_opts_run, cmd_run},
    {"runs", NULL, 0, 0, "List the recorded runs.", cli_opts_runs, cmd_runs},
    {"show", "RUN", 1, 1, "Show one run (a number, or a prefix of its uuid).", cli_opts_show,
     cmd_show},
    {"report", "RUN", 1, 1,
     "Charts and a page (report.html, report.md) of one run or of several.\n"
     "RUN is a run, RUN,RUN,..., latest or latest:BOARD. Charts (PNG, SVG): quality\n"
     "against latency, per-layer latency and SNR, memory, latency spread; with a\n"
     "budget, the recommendation.",
     cli_opts_report, cmd_report},
    {"recommend", "RUN", 1, 1,
     "The best variant within a budget, and why each other one lost.\n"
     "Exit status 1 when none meets it.",
     cli_opts_recommend, cmd_recommend},
    {"compare", "BASE NEW", 2, 2,
     "Differences of NEW against BASE per board and variant.\n"
     "Exit status 1 on a regression beyond tolerance, 2 when they cannot be compared.",
     cli_opts_compare, cmd_compare},
    {"merge", "OUT.db IN.db...", 2, 256,
     "Copy every run of the IN databases (other bench hosts) into OUT.\n"
     "Runs get new ids and keep their uuids; a run OUT already has is not added twice.",
     cli_opts_merge, cmd_merge},
};

#define N_COMMANDS (int)(sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
    fprintf(f, "usage: hilbench COMMAND [options]\n\ncommands:\n");
    for (int i = 0; i < N_COMMANDS; i++) {
        const char *nl = strchr(commands[i].summary, '\n');
        int len = nl ? (int)(nl - commands[i].summary) : (int)strlen(commands[i].summary);
        fprintf(f, "  %-9s %.*s\n", commands[i].name, len, commands[i].summary);
    }
    fprintf(f, "\n'hilbench COMMAND --help' describes a command. hilbench %s\n", HB_VERSION);
}

/* The error is one line whatever it quotes: a file name may hold a
 * newline or a terminal escape, so control characters are shown as \xNN. */
static void print_error(const char *msg)
{
    fputs("hilbench: error: ", stderr);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(stderr, "\\x%02x", *p);
        else
            fputc(*p, stderr);
    }
    fputc('\n', stderr);
}

static volatile sig_atomic_t signals_seen, first_signal;

/* First signal: let the session stop cleanly (mark the run, stop the
 * board). Second: stop every board process now and leave. Either way the
 * exit status is the shell's for the first signal, 128 + its number. */
static void on_signal(int sig)
{
    link_interrupt();
    if (!first_signal)
        first_signal = sig;
    if (signals_seen++) {
        board_proc_kill_all();
        _exit(128 + first_signal);
    }
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    atexit(board_proc_kill_all);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("hilbench %s\n", HB_VERSION);
        return 0;
    }
    for (int i = 0; i < N_COMMANDS; i++) {
        if (strcmp(argv[1], commands[i].name) != 0)
            continue;
        cli_args a;
        int help = 0;
        install_signals();
        hb_status st = cli_parse(&commands[i], argc - 2, argv + 2, &a, &help);
        if (st == HB_OK && help)
            cli_usage(&commands[i], stdout);
        else if (st == HB_OK)
            st = commands[i].run(&a);
        cli_args_free(&a);
        if (st != HB_OK) {
            fflush(stdout);
            print_error(hb_last_error());
            if (st == HB_ERR_INTERRUPTED)
                return 128 + (first_signal ? first_signal : SIGINT);
            return st == HB_ERR_ARG ? 2 : 1;
        }
        return 0;
    }
    fprintf(stderr, "hilbench: error: unknown command '%s' (see hilbench --help)\n", argv[1]);
    return 2;
}
