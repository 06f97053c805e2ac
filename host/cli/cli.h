/*
 * cli.h: the command-line interface: a table of subcommands, each with a
 * table of options that also generates its --help text.
 *
 * Namespace: cli_.
 *
 * Only the CLI prints for people and only main() exits. Commands return an
 * hb_status; main prints "hilbench: error: <message>" for a failure.
 */
#ifndef CLI_H
#define CLI_H

#include <stdio.h>

#include <jansson.h>

#include "store/store.h"
#include "util/hb_error.h"

typedef struct {
    const char *name;   /* "board" for --board */
    const char *arg;    /* "NAME", or NULL for a flag */
    const char *help;
    int repeatable;     /* may be given more than once */
    char short_name;    /* 'o': also spelt -o; 0: none */
} cli_option;

typedef struct cli_args cli_args;

typedef struct {
    const char *name;
    const char *usage;   /* positional arguments, e.g. "MODEL" */
    int min_pos, max_pos;
    const char *summary; /* first line: the one-line summary of `hilbench --help`;
                          * all of it heads `hilbench NAME --help` */
    const cli_option *options; /* ends with {0} */
    hb_status (*run)(const cli_args *a);
} cli_command;

struct cli_args {
    const cli_command *cmd;
    int n_pos;
    const char **pos;
    int *counts;         /* per option */
    const char ***values;/* per option: counts[i] values (NULL for flags) */
    int argc;
    char **argv;         /* the whole command line, for provenance */
};

/* Parses argv (after the command name). On --help prints usage and sets
 * *help. Errors name the option. */
hb_status cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a, int *help);
void cli_args_free(cli_args *a);
void cli_usage(const cli_command *cmd, FILE *f);

const char *cli_get(const cli_args *a, const char *name);   /* last value or NULL */
int cli_flag(const cli_args *a, const char *name);
int cli_all(const cli_args *a, const char *name, const char *const **values);
/* Integer option in [min, max] (strtol with end check), def if absent. */
hb_status cli_long(const cli_args *a, const char *name, long def, long min, long max,
                   long *out);
/* The command line joined with spaces (static storage). */
const char *cli_command_line(const cli_args *a);

/* Shared by commands: the board folders (--boards, then the built-in one)
 * into dirs[max], *n_dirs of them; a --boards folder that does not exist
 * is HB_ERR_NOT_FOUND. The db path (--db or the default). */
hb_status cli_board_dirs(const cli_args *a, const char **dirs, int max, int *n_dirs);
const char *cli_db_path(const cli_args *a);

/* Prints a run (the JSON of store_run_json) as tables. */
void cli_print_run(FILE *f, json_t *run);

/* Opens the results database for reading commands (runs, show, report,
 * ...): one that does not exist is HB_ERR_NOT_FOUND naming the path, and
 * is not created. */
hb_status cli_open_results(const char *db_path, store **out);
/* Runs for report, recommend and compare: refs is a comma-separated list
 * of run references (a number, a uuid prefix, "latest" or "latest:BOARD");
 * *out is a JSON array of their store_run_json documents. A database that
 * does not exist is HB_ERR_NOT_FOUND (it is not created). */
hb_status cli_load_runs(const char *db_path, const char *refs, json_t **out);
/* Number option >= min (strtod with end check); NAN when absent. */
hb_status cli_double(const cli_args *a, const char *name, double min, double *out);

/* Commands. */
hb_status cmd_boards(const cli_args *a);
hb_status cmd_compress(const cli_args *a);
hb_status cmd_ports(const cli_args *a);
hb_status cmd_infer(const cli_args *a);
hb_status cmd_inspect(const cli_args *a);
hb_status cmd_run(const cli_args *a);
hb_status cmd_runs(const cli_args *a);
hb_status cmd_show(const cli_args *a);
hb_status cmd_report(const cli_args *a);
hb_status cmd_recommend(const cli_args *a);
hb_status cmd_compare(const cli_args *a);
hb_status cmd_merge(const cli_args *a);

extern const cli_option cli_opts_compress[];
extern const cli_option cli_opts_boards[], cli_opts_ports[], cli_opts_infer[], cli_opts_inspect[],
    cli_opts_run[], cli_opts_runs[], cli_opts_show[];
extern const cli_option cli_opts_report[], cli_opts_recommend[], cli_opts_compare[];
extern const cli_option cli_opts_merge[];

#define CLI_DEFAULT_DB "results/hilbench.db"

#endif
