/*
 * board_argv.c: command templates of board profiles.
 *
 * A command is split the way a user expects from a shell, and no further:
 * words are separated by blanks; '...' keeps everything literally; "..."
 * keeps everything but lets a backslash escape the next character; outside
 * quotes a backslash escapes the next character; pieces written next to
 * each other form one word (a"b c"d is "ab cd"). There is no expansion of
 * variables, globs, ';', '|' or '&': those characters are ordinary, which is
 * the point, since the result is handed to execvp and never to a shell.
 *
 * Placeholders are expanded afterwards, inside each word: "{image}" becomes
 * the firmware path even within "--file={image}". "{{" and "}}" stand for
 * literal braces (a Tcl-quoted path for openocd is "{{{image}}}").
 */
#include "board_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const placeholder_names[] = {"image", "tty", "socket", "port",
                                                "blob"};
#define N_PLACEHOLDERS (sizeof(placeholder_names) / sizeof(placeholder_names[0]))

void board_argv_free(char **argv)
{
    if (!argv)
        return;
    for (char **a = argv; *a; a++)
        free(*a);
    free(argv);
}

/* Appends word (taken over) to *argv of *n entries, keeping a NULL after. */
static hb_status argv_push(char ***argv, size_t *n, char *word)
{
    char **grown = realloc(*argv, (*n + 2) * sizeof(**argv));
    if (!grown) {
        free(word);
        return hb_fail(HB_ERR_MEM, "command: out of memory");
    }
    grown[(*n)++] = word;
    grown[*n] = NULL;
    *argv = grown;
    return HB_OK;
}

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

hb_status board_argv_parse(const char *line, char ***argv_out)
{
    hb_status st = HB_OK;
    char **argv = NULL;
    char *word = NULL;
    size_t n = 0;

    if (!argv_out)
        return hb_fail(HB_ERR_ARG, "board_argv_parse: argv_out is NULL");
    *argv_out = NULL;
    if (!line)
        return hb_fail(HB_ERR_ARG, "no command given");

    const char *p = line;
    for (;;) {
        while (is_blank(*p))
            p++;
        if (!*p)
            break;
        /* A word is never longer than what is left of the line. */
        word = malloc(strlen(p) + 1);
        if (!word) {
            st = hb_fail(HB_ERR_MEM, "command: out of memory");
            goto cleanup;
        }
        size_t len = 0;
        while (*p && !is_blank(*p)) {
            if (*p == '\'' || *p == '"') {
                char quote = *p;
                size_t opened = (size_t)(p - line) + 1;
                p++;
                while (*p && *p != quote) {
                    if (quote == '"' && *p == '\\' && p[1])
                        p++;
                    word[len++] = *p++;
                }
                if (!*p) {
                    st = hb_fail(HB_ERR_ARG,
                                 "unterminated %c quote (opened at column "
                                 "%zu)", quote, opened);
                    goto cleanup;
                }
                p++;
            } else if (*p == '\\') {
                if (!p[1]) {
                    st = hb_fail(HB_ERR_ARG,
                                 "lone backslash at the end");
                    goto cleanup;
                }
                word[len++] = p[1];
                p += 2;
            } else {
                word[len++] = *p++;
            }
        }
        word[len] = '\0';
        st = argv_push(&argv, &n, word);
        word = NULL;
        if (st != HB_OK)
            goto cleanup;
    }
    if (n == 0) {
        st = hb_fail(HB_ERR_ARG, "empty command");
        goto cleanup;
    }
    *argv_out = argv;
    argv = NULL;

cleanup:
    free(word);
    board_argv_free(argv);
    return st;
}

static const char *var_value(const board_vars *v, size_t i)
{
    if (!v)
        return NULL;
    switch (i) {
    case 0: return v->image;
    case 1: return v->tty;
    case 2: return v->socket;
    case 3: return v->port;
    case 4: return v->blob;
    }
    return NULL;
}

/* Expands one argument. With out == NULL only checks the placeholders and
 * adds their bits to *mask; otherwise *out receives the malloc'ed result. */
static hb_status expand_arg(const char *arg, const board_vars *vars,
                            unsigned *mask, char **out)
{
    size_t cap = 0, len = 0;
    char *buf = NULL;

    /* Two passes: the first measures, the second writes. */
    for (int pass = out ? 0 : 1; pass < 2; pass++) {
        len = 0;
        for (const char *p = arg; *p;) {
            const char *piece = p;
            size_t piece_len = 1;
            if ((p[0] == '{' && p[1] == '{') || (p[0] == '}' && p[1] == '}')) {
                p += 2;
            } else if (*p == '{') {
                const char *end = strchr(p, '}');
                if (!end) {
                    free(buf);
                    return hb_fail(HB_ERR_ARG,
                                   "unterminated placeholder in '%s' (write "
                                   "{{ for a literal brace)", arg);
                }
                size_t name_len = (size_t)(end - p - 1), i;
                for (i = 0; i < N_PLACEHOLDERS; i++)
                    if (strlen(placeholder_names[i]) == name_len &&
                        memcmp(placeholder_names[i], p + 1, name_len) == 0)
                        break;
                if (i == N_PLACEHOLDERS) {
                    free(buf);
                    return hb_fail(HB_ERR_ARG,
                                   "unknown placeholder {%.*s} in '%s' (known: "
                                   "{image} {tty} {socket} {port} {blob})",
                                   (int)name_len, p + 1, arg);
                }
                if (mask)
                    *mask |= 1u << i;
                p = end + 1;
                if (!out)
                    continue;
                piece = var_value(vars, i);
                if (!piece) {
                    free(buf);
                    return hb_fail(HB_ERR_ARG,
                                   "placeholder {%s} in '%s' has no value here",
                                   placeholder_names[i], arg);
                }
                piece_len = strlen(piece);
            } else {
                p++;
            }
            if (pass == 1 && out)
                memcpy(buf + len, piece, piece_len);
            len += piece_len;
        }
        if (pass == 0) {
            cap = len + 1;
            buf = malloc(cap);
            if (!buf)
                return hb_fail(HB_ERR_MEM, "expanding '%s': out of memory", arg);
        }
    }
    if (out) {
        buf[len] = '\0';
        *out = buf;
    }
    return HB_OK;
}

hb_status board_argv_expand(char *const *tmpl, const board_vars *vars,
                            char ***argv_out)
{
    hb_status st = HB_OK;
    char **argv = NULL;
    size_t n = 0;

    if (!argv_out)
        return hb_fail(HB_ERR_ARG, "board_argv_expand: argv_out is NULL");
    *argv_out = NULL;
    if (!tmpl || !tmpl[0])
        return hb_fail(HB_ERR_ARG, "empty command");
    for (size_t i = 0; tmpl[i]; i++) {
        char *arg = NULL;
        st = expand_arg(tmpl[i], vars, NULL, &arg);
        if (st != HB_OK)
            goto cleanup;
        st = argv_push(&argv, &n, arg);
        if (st != HB_OK)
            goto cleanup;
    }
    *argv_out = argv;
    argv = NULL;

cleanup:
    board_argv_free(argv);
    return st;
}

hb_status board_argv_uses(char *const *tmpl, unsigned *mask)
{
    *mask = 0;
    for (size_t i = 0; tmpl && tmpl[i]; i++) {
        hb_status st = expand_arg(tmpl[i], NULL, mask, NULL);
        if (st != HB_OK)
            return st;
    }
    return HB_OK;
}
