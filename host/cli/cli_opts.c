/*
 * cli_opts.c: option parsing from the tables in cli.h.
 */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int n_options(const cli_command *cmd)
{
    int n = 0;
    while (cmd->options[n].name)
        n++;
    return n;
}

void cli_usage(const cli_command *cmd, FILE *f)
{
    fprintf(f, "usage: hilbench %s%s%s [options]\n\n%s\n", cmd->name, cmd->usage ? " " : "",
            cmd->usage ? cmd->usage : "", cmd->summary);
    if (!cmd->options[0].name)
        return;
    fprintf(f, "\noptions:\n");
    for (const cli_option *o = cmd->options; o->name; o++) {
        char left[64], flag[8] = "";
        if (o->short_name)
            snprintf(flag, sizeof(flag), "-%c, ", o->short_name);
        snprintf(left, sizeof(left), "%s--%s%s%s", flag, o->name, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        fprintf(f, "  %-22s %s%s\n", left, o->help, o->repeatable ? " (repeatable)" : "");
    }
    fprintf(f, "  %-22s %s\n", "--help", "show this help");
}

void cli_args_free(cli_args *a)
{
    if (!a->cmd)
        return;
    int n = n_options(a->cmd);
    for (int i = 0; i < n && a->values; i++)
        free(a->values[i]);
    free(a->values);
    free(a->counts);
    free(a->pos);
    memset(a, 0, sizeof(*a));
}

hb_status cli_parse(const cli_command *cmd, int argc, char **argv, cli_args *a, int *help)
{
    int n = n_options(cmd);
    memset(a, 0, sizeof(*a));
    *help = 0;
    a->cmd = cmd;
    a->argc = argc;
    a->argv = argv;
    a->counts = calloc((size_t)n + 1, sizeof(int));
    a->values = calloc((size_t)n + 1, sizeof(const char **));
    a->pos = calloc((size_t)argc + 1, sizeof(char *));
    if (!a->counts || !a->values || !a->pos) {
        cli_args_free(a);
        return hb_fail(HB_ERR_MEM, "out of memory");
    }
    int only_pos = 0;
    for (int i = 0; i < argc; i++) {
        const char *s = argv[i];
        if (only_pos || s[0] != '-' || s[1] == '\0') {
            a->pos[a->n_pos++] = s;
            continue;
        }
        if (strcmp(s, "--") == 0) {
            only_pos = 1;
            continue;
        }
        if (strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0) {
            *help = 1;
            return HB_OK;
        }
        int k, is_short = strncmp(s, "--", 2) != 0;
        const char *name = s + 2, *eq = is_short ? NULL : strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        for (k = 0; k < n; k++)
            if (is_short ? s[2] == '\0' && cmd->options[k].short_name == s[1]
                         : strlen(cmd->options[k].name) == len &&
                               !strncmp(cmd->options[k].name, name, len))
                break;
        if (k == n && is_short)
            return hb_fail(HB_ERR_ARG, "%s: unknown option %s (see hilbench %s --help)",
                           cmd->name, s, cmd->name);
        if (k == n)
            return hb_fail(HB_ERR_ARG, "%s: unknown option --%.*s (see hilbench %s --help)",
                           cmd->name, (int)len, name, cmd->name);
        const cli_option *o = &cmd->options[k];
        const char *value = NULL;
        if (o->arg) {
            if (eq)
                value = eq + 1;
            else if (i + 1 < argc)
                value = argv[++i];
            else
                return hb_fail(HB_ERR_ARG, "%s: --%s needs a value (%s)", cmd->name, o->name,
                               o->arg);
        } else if (eq) {
            return hb_fail(HB_ERR_ARG, "%s: --%s takes no value", cmd->name, o->name);
        }
        if (a->counts[k] && !o->repeatable && o->arg)
            return hb_fail(HB_ERR_ARG, "%s: --%s given twice", cmd->name, o->name);
        const char **v = realloc(a->values[k], (size_t)(a->counts[k] + 1) * sizeof(char *));
        if (!v)
            return hb_fail(HB_ERR_MEM, "out of memory");
        v[a->counts[k]++] = value;
        a->values[k] = v;
    }
    if (a->n_pos < cmd->min_pos || a->n_pos > cmd->max_pos)
        return hb_fail(HB_ERR_ARG, "%s: expected %s%s (see hilbench %s --help)", cmd->name,
                       cmd->usage ? cmd->usage : "no arguments",
                       a->n_pos > cmd->max_pos ? ", got extra arguments" : "", cmd->name);
    return HB_OK;
}

static int index_of(const cli_args *a, const char *name)
{
    for (int k = 0; a->cmd->options[k].name; k++)
        if (!strcmp(a->cmd->options[k].name, name))
            return k;
    return -1;
}

const char *cli_get(const cli_args *a, const char *name)
{
    int k = index_of(a, name);
    return k >= 0 && a->counts[k] ? a->values[k][a->counts[k] - 1] : NULL;
}

int cli_flag(const cli_args *a, const char *name)
{
    int k = index_of(a, name);
    return k >= 0 && a->counts[k] > 0;
}

int cli_all(const cli_args *a, const char *name, const char *const **values)
{
    int k = index_of(a, name);
    *values = k >= 0 ? a->values[k] : NULL;
    return k >= 0 ? a->counts[k] : 0;
}

hb_status cli_long(const cli_args *a, const char *name, long def, long min, long max,
                   long *out)
{
    const char *s = cli_get(a, name);
    char *end;
    if (!s) {
        *out = def;
        return HB_OK;
    }
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return hb_fail(HB_ERR_ARG, "--%s: '%s' is not a whole number in %ld..%ld", name, s,
                       min, max);
    *out = v;
    return HB_OK;
}

const char *cli_command_line(const cli_args *a)
{
    static char line[4096];
    size_t used = (size_t)snprintf(line, sizeof(line), "hilbench %s", a->cmd->name);
    for (int i = 0; i < a->argc && used < sizeof(line); i++)
        used += (size_t)snprintf(line + used, sizeof(line) - used, " %s", a->argv[i]);
    return line;
}

const char *cli_db_path(const cli_args *a)
{
    const char *db = cli_get(a, "db");
    return db ? db : CLI_DEFAULT_DB;
}
