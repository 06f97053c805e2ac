/*
 * board.c: reading one board profile.
 *
 * Every key a profile may hold is a row of keys[] below, with its section,
 * kind, default and bounds; the reader, the defaults, the checks and the
 * error messages all come from that one table, so adding a key is adding a
 * row.
 *
 * Loading runs in two passes. libinih hands each "key = value" to
 * on_key(), which only records the raw text and the line it came from
 * (refusing unknown keys and keys given twice). Then convert() turns the
 * texts into fields in table order, so checks that depend on another key
 * ([link] type, [firmware] image) see the whole file whatever its order.
 *
 * inih does not report line numbers to the handler in the build Debian
 * ships, so lines are read through read_line(), which counts them; inih
 * asks for exactly one line per call. read_line() also sees section
 * headers, which inih does not report, so an empty misspelt section is
 * refused too.
 */
#include "board_int.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/hb_ini.h"

typedef enum {
    K_STR,     /* char *, empty means not given */
    K_NAME,    /* char *, a word usable in file names and reports */
    K_INT,     /* int within [min, max] */
    K_U64,     /* uint64_t within [min, max] */
    K_UNIT,    /* char *, one of words[] */
    K_TYPE,    /* board_link_type, index into words[] */
    K_PLACE,   /* int, index into words[] (model placement) */
    K_ARGV,    /* char **, a command template */
    K_IMAGE,   /* char *, resolved to a path */
    K_VIDPID   /* char *, "vvvv:pppp" */
} key_kind;

typedef struct {
    const char *section, *name;
    key_kind kind;
    size_t offset;            /* of the field in board_profile */
    long long def, min, max;  /* K_INT, K_U64 */
    const char *const *words; /* K_UNIT, K_TYPE, K_PLACE */
    int required;
    int link_only;            /* -1, or the only link type it applies to */
} board_key;

static const char *const unit_words[] = {"cycles", "instructions", "ns", "us", NULL};
static const char *const type_words[] = {"pty", "serial", "socket", "stdio", NULL};
static const char *const place_words[] = {"link", "flash", NULL};
static const char *const protocol_words[] = {"hilbench", "mlperf-tiny", NULL};
static const char *const sections[] = {"board", "firmware", "flash", "launch",
                                       "reset", "link", "model", NULL};

#define F(field) offsetof(board_profile, field)
#define DAY_MS 86400000LL

static const board_key keys[] = {
    {"board", "name", K_NAME, F(name), 0, 0, 0, NULL, 1, -1},
    {"board", "description", K_STR, F(description), 0, 0, 0, NULL, 0, -1},
    {"board", "cpu", K_STR, F(cpu), 0, 0, 0, NULL, 0, -1},
    {"board", "clock_hz", K_U64, F(clock_hz), 0, 1, 1000000000000LL, NULL, 0, -1},
    {"board", "timing_unit", K_UNIT, F(timing_unit), 0, 0, 0, unit_words, 1, -1},
    {"firmware", "image", K_IMAGE, F(image), 0, 0, 0, NULL, 0, -1},
    {"flash", "command", K_ARGV, F(flash_argv), 0, 0, 0, NULL, 0, -1},
    {"flash", "timeout_ms", K_INT, F(flash_timeout_ms), 60000, 1, DAY_MS, NULL, 0, -1},
    {"launch", "command", K_ARGV, F(launch_argv), 0, 0, 0, NULL, 0, -1},
    {"reset", "command", K_ARGV, F(reset_argv), 0, 0, 0, NULL, 0, -1},
    {"link", "type", K_TYPE, F(link_type), 0, 0, 0, type_words, 1, -1},
    {"link", "port", K_STR, F(port), 0, 0, 0, NULL, 0, BOARD_LINK_SERIAL},
    {"link", "usb_serial", K_STR, F(usb_serial), 0, 0, 0, NULL, 0, BOARD_LINK_SERIAL},
    {"link", "vid_pid", K_VIDPID, F(vid_pid), 0, 0, 0, NULL, 0, BOARD_LINK_SERIAL},
    {"link", "baud", K_INT, F(baud), 115200, 50, 20000000, NULL, 0, BOARD_LINK_SERIAL},
    {"link", "path", K_STR, F(socket_path), 0, 0, 0, NULL, 0, BOARD_LINK_SOCKET},
    {"link", "command", K_ARGV, F(stdio_argv), 0, 0, 0, NULL, 0, BOARD_LINK_STDIO},
    {"link", "protocol", K_PLACE, F(protocol), 0, 0, 0, protocol_words, 0, -1},
    {"link", "timeout_ms", K_INT, F(timeout_ms), 2000, 1, DAY_MS, NULL, 0, -1},
    {"link", "invoke_timeout_ms", K_INT, F(invoke_timeout_ms), 60000, 1, DAY_MS, NULL, 0, -1},
    {"link", "retries", K_INT, F(retries), 5, 0, 100, NULL, 0, -1},
    {"model", "placement", K_PLACE, F(model_in_flash), 0, 0, 0, place_words, 0, -1},
};
#define N_KEYS ((int)(sizeof(keys) / sizeof(keys[0])))

typedef struct {
    const char *path;
    hb_ini_lines in;        /* the line inih is handling */
    int last_key;           /* key of the previous value in this section, or -1 */
    int failed;             /* an error was recorded: stop reading */
    int key_line[N_KEYS];   /* line of each key, 0 if absent */
    char *text[N_KEYS];     /* raw value of each key, or NULL */
} load_state;

/* Records "path:line: message" (no line if line is 0) and stops the load. */
static hb_status fail_at(load_state *s, int line, hb_status code,
                         const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static hb_status fail_at(load_state *s, int line, hb_status code,
                         const char *fmt, ...)
{
    char what[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    s->failed = 1;
    if (line > 0)
        return hb_fail(code, "%s:%d: %s", s->path, line, what);
    return hb_fail(code, "%s: %s", s->path, what);
}

static int find_key(const char *section, const char *name)
{
    for (int i = 0; i < N_KEYS; i++)
        if (strcmp(keys[i].section, section) == 0 &&
            strcmp(keys[i].name, name) == 0)
            return i;
    return -1;
}

static void known_keys(const char *section, char *buf, size_t size)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; i < N_KEYS && used < size; i++)
        if (strcmp(keys[i].section, section) == 0) {
            int n = snprintf(buf + used, size - used, "%s%s", used ? ", " : "",
                             keys[i].name);
            if (n < 0)
                break;
            used += (size_t)n;
        }
}

static char *read_line(char *str, int num, void *stream)
{
    load_state *s = stream;
    hb_ini_lines *in = &s->in;
    if (s->failed || !hb_ini_next(in))
        return NULL;

    const char *p = in->buf + strspn(in->buf, " \t");
    if (*p == '[') {
        const char *end = strchr(p, ']');
        s->last_key = -1;
        if (end) {
            char name[64];
            snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
            int i;
            for (i = 0; sections[i] && strcmp(sections[i], name) != 0; i++)
                ;
            if (!sections[i]) {
                fail_at(s, in->line, HB_ERR_FORMAT,
                        "[%s]: unknown section (known: board, firmware, flash, "
                        "launch, reset, link, model)", name);
                return NULL;
            }
        }
    }
    char *given = hb_ini_give(in, str, num);
    if (!given)
        fail_at(s, in->line, HB_ERR_FORMAT, "line longer than %d characters", num - 2);
    return given;
}

static int on_key(void *user, const char *section, const char *name,
                  const char *value)
{
    load_state *s = user;
    char known[256];
    int k = find_key(section, name);

    if (s->failed)
        return 0;
    value = hb_ini_value(&s->in, value);
    if (!section[0]) {
        fail_at(s, s->in.line, HB_ERR_FORMAT,
                "%s: key before any [section]", name);
        return 0;
    }
    if (k < 0) {
        known_keys(section, known, sizeof(known));
        fail_at(s, s->in.line, HB_ERR_FORMAT, "[%s] %s: unknown key (known: %s)",
                section, name, known);
        return 0;
    }
    if (s->text[k] && s->in.indented && s->last_key == k) {
        /* inih reports an indented line as more of the previous value. */
        if (keys[k].kind != K_ARGV) {
            fail_at(s, s->in.line, HB_ERR_FORMAT,
                    "[%s] %s: takes one value, but this indented line "
                    "continues it", section, name);
            return 0;
        }
        size_t a = strlen(s->text[k]), b = strlen(value);
        char *joined = realloc(s->text[k], a + b + 2);
        if (!joined) {
            fail_at(s, s->in.line, HB_ERR_MEM, "out of memory");
            return 0;
        }
        joined[a] = ' ';
        memcpy(joined + a + 1, value, b + 1);
        s->text[k] = joined;
        return 1;
    }
    if (s->text[k]) {
        fail_at(s, s->in.line, HB_ERR_FORMAT,
                "[%s] %s: given twice (first on line %d)", section, name,
                s->key_line[k]);
        return 0;
    }
    s->text[k] = strdup(value);
    if (!s->text[k]) {
        fail_at(s, s->in.line, HB_ERR_MEM, "out of memory");
        return 0;
    }
    s->key_line[k] = s->in.line;
    s->last_key = k;
    return 1;
}

/* Joins dir and name into a malloc'ed absolute path (name may already be
 * absolute; a relative dir is taken from the current folder). */
static char *abs_join(const char *dir, const char *name)
{
    char cwd[4096];
    char *out = NULL;
    if (name[0] == '/')
        return strdup(name);
    if (dir[0] == '/') {
        if (asprintf(&out, "%s/%s", dir, name) < 0)
            return NULL;
        return out;
    }
    if (!getcwd(cwd, sizeof(cwd)))
        return NULL;
    if (asprintf(&out, "%s/%s/%s", cwd, dir, name) < 0)
        return NULL;
    return out;
}

/* [firmware] image: absolute as given; with a '/', relative to the profile's
 * folder; a bare name, in firmware_dir (kept as given without one). */
static char *resolve_image(const char *profile, const char *image,
                           const char *firmware_dir)
{
    if (image[0] == '/')
        return strdup(image);
    if (!strchr(image, '/'))
        return firmware_dir ? abs_join(firmware_dir, image) : strdup(image);
    const char *slash = strrchr(profile, '/');
    char *dir = slash ? strndup(profile, (size_t)(slash - profile)) : strdup(".");
    char *out = dir ? abs_join(dir[0] ? dir : "/", image) : NULL;
    free(dir);
    return out;
}

static const char *placeholder_problem(const board_profile *b, unsigned used)
{
    if ((used & BOARD_PH_IMAGE) && !b->image)
        return "{image} needs [firmware] image";
    if ((used & BOARD_PH_TTY) && b->link_type != BOARD_LINK_PTY)
        return "{tty} is only set when [link] type = pty";
    if ((used & BOARD_PH_SOCKET) && b->link_type != BOARD_LINK_SOCKET)
        return "{socket} is only set when [link] type = socket";
    if ((used & BOARD_PH_PORT) && b->link_type != BOARD_LINK_SERIAL)
        return "{port} is only set when [link] type = serial";
    if ((used & BOARD_PH_BLOB) && !b->model_in_flash)
        return "{blob} is only set when [model] placement = flash";
    return NULL;
}

/* Turns key k's text into its field. */
static hb_status convert(load_state *s, board_profile *b, int k,
                         const char *firmware_dir)
{
    const board_key *key = &keys[k];
    const char *text = s->text[k];
    int line = s->key_line[k];
    void *field = (char *)b + key->offset;
    char *end = NULL;
    switch (key->kind) {
    case K_STR:
    case K_NAME:
    case K_VIDPID:
        if (!text[0] && key->required)
            return fail_at(s, line, HB_ERR_FORMAT, "[%s] %s: is empty",
                           key->section, key->name);
        if (key->kind == K_NAME &&
            strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                         "0123456789._-") != strlen(text))
            return fail_at(s, line, HB_ERR_FORMAT,
                           "[%s] %s: '%s' may only hold letters, digits, '.', "
                           "'_' and '-'", key->section, key->name, text);
        if (key->kind == K_VIDPID && text[0]) {
            int vid, pid;
            if (board_vid_pid_parse(text, &vid, &pid) != 0)
                return fail_at(s, line, HB_ERR_FORMAT,
                               "[%s] vid_pid: '%s' is not vvvv:pppp "
                               "(hexadecimal)", key->section, text);
        }
        if (text[0] && !(*(char **)field = strdup(text)))
            return fail_at(s, line, HB_ERR_MEM, "out of memory");
        return HB_OK;
    case K_INT:
    case K_U64: {
        errno = 0;
        long long v = 0;
        unsigned long long u = 0;
        if (key->kind == K_INT)
            v = strtoll(text, &end, 10);
        else if (!strchr(text, '-'))
            u = strtoull(text, &end, 10);
        if (!end || end == text || *end)
            return fail_at(s, line, HB_ERR_FORMAT,
                           "[%s] %s: '%s' is not a number", key->section,
                           key->name, text);
        if (errno == ERANGE ||
            (key->kind == K_INT && (v < key->min || v > key->max)) ||
            (key->kind == K_U64 && (u < (unsigned long long)key->min ||
                                    u > (unsigned long long)key->max)))
            return fail_at(s, line, HB_ERR_FORMAT,
                           "[%s] %s: %s is out of range (%lld to %lld)",
                           key->section, key->name, text, key->min, key->max);
        if (key->kind == K_INT)
            *(int *)field = (int)v;
        else
            *(uint64_t *)field = (uint64_t)u;
        return HB_OK;
    }
    case K_UNIT:
    case K_TYPE:
    case K_PLACE:
        for (int i = 0; key->words[i]; i++)
            if (strcmp(key->words[i], text) == 0) {
                if (key->kind == K_TYPE) {
                    *(board_link_type *)field = (board_link_type)i;
                } else if (key->kind == K_PLACE) {
                    *(int *)field = i;
                } else if (!(*(char **)field = strdup(text))) {
                    return fail_at(s, line, HB_ERR_MEM, "out of memory");
                }
                return HB_OK;
            }
    {
        char choices[128] = "";
        for (int i = 0; key->words[i]; i++)
            snprintf(choices + strlen(choices), sizeof(choices) - strlen(choices), "%s%s",
                     i ? ", " : "", key->words[i]);
        return fail_at(s, line, HB_ERR_FORMAT, "[%s] %s: '%s' is not one of %s",
                       key->section, key->name, text, choices);
    }
    case K_IMAGE:
        if (!text[0])
            return HB_OK;
        if (!(*(char **)field = resolve_image(s->path, text, firmware_dir)))
            return fail_at(s, line, HB_ERR_FAIL, "[%s] %s: cannot resolve '%s'",
                           key->section, key->name, text);
        return HB_OK;
    case K_ARGV: {
        char **argv = NULL;
        unsigned used = 0;
        hb_status st = board_argv_parse(text, &argv);
        if (st == HB_OK)
            st = board_argv_uses(argv, &used);
        if (st != HB_OK) {
            board_argv_free(argv);
            s->failed = 1;
            return hb_context(HB_ERR_FORMAT, "%s:%d: [%s] %s", s->path, line,
                              key->section, key->name);
        }
        *(char ***)field = argv;
        const char *problem = placeholder_problem(b, used);
        if (problem)
            return fail_at(s, line, HB_ERR_FORMAT, "[%s] %s: %s", key->section,
                           key->name, problem);
        return HB_OK;
    }
    }
    return hb_fail(HB_ERR_ARG, "board: key kind %d", (int)key->kind);
}

void board_free(board_profile *b)
{
    if (!b)
        return;
    for (int k = 0; k < N_KEYS; k++) {
        void *field = (char *)b + keys[k].offset;
        if (keys[k].kind == K_ARGV)
            board_argv_free(*(char ***)field);
        else if (keys[k].kind != K_INT && keys[k].kind != K_U64 &&
                 keys[k].kind != K_TYPE && keys[k].kind != K_PLACE)
            free(*(char **)field);
    }
    free(b->path);
    free(b);
}

hb_status board_load(const char *path, const char *firmware_dir,
                     board_profile **out)
{
    hb_status st = HB_OK;
    board_profile *b = NULL;
    load_state s;

    memset(&s, 0, sizeof(s));
    s.path = path;
    s.last_key = -1;
    if (!out)
        return hb_fail(HB_ERR_ARG, "board_load: out is NULL");
    *out = NULL;
    if (!path)
        return hb_fail(HB_ERR_ARG, "board_load: no path");

    s.in.f = fopen(path, "r");
    if (!s.in.f) {
        st = hb_fail(errno == ENOENT ? HB_ERR_NOT_FOUND : HB_ERR_FAIL,
                     "%s: %s", path, strerror(errno));
        goto cleanup;
    }
    int bad_line = ini_parse_stream(read_line, &s, on_key, &s);
    if (s.failed) {
        st = HB_ERR_FORMAT; /* on_key or read_line recorded the message */
        goto cleanup;
    }
    if (ferror(s.in.f)) {
        st = hb_fail(HB_ERR_FAIL, "%s: read error", path);
        goto cleanup;
    }
    if (bad_line != 0) {
        st = hb_fail(HB_ERR_FORMAT,
                     "%s:%d: expected [section], key = value or a comment",
                     path, bad_line);
        goto cleanup;
    }

    b = calloc(1, sizeof(*b));
    if (!b || !(b->path = strdup(path))) {
        st = hb_fail(HB_ERR_MEM, "%s: out of memory", path);
        goto cleanup;
    }
    for (int k = 0; k < N_KEYS; k++) {
        if (!s.text[k] && keys[k].required) {
            st = fail_at(&s, 0, HB_ERR_FORMAT, "[%s] %s is required",
                         keys[k].section, keys[k].name);
            goto cleanup;
        }
        if (keys[k].kind == K_INT)
            *(int *)((char *)b + keys[k].offset) = (int)keys[k].def;
    }
    /* The link type first: other keys are checked against it. */
    for (int pass = 0; pass < 2; pass++)
        for (int k = 0; k < N_KEYS; k++) {
            if (!s.text[k] ||
                (keys[k].kind == K_TYPE || keys[k].kind == K_PLACE) != (pass == 0))
                continue;
            if (keys[k].link_only >= 0 && (int)b->link_type != keys[k].link_only) {
                st = fail_at(&s, s.key_line[k], HB_ERR_FORMAT,
                             "[link] %s: only for type = %s, not %s",
                             keys[k].name, type_words[keys[k].link_only],
                             type_words[b->link_type]);
                goto cleanup;
            }
            st = convert(&s, b, k, firmware_dir);
            if (st != HB_OK)
                goto cleanup;
        }
    if (b->link_type == BOARD_LINK_SOCKET) {
        if (!b->socket_path && !(b->socket_path = strdup("{socket}"))) {
            st = hb_fail(HB_ERR_MEM, "%s: out of memory", path);
            goto cleanup;
        }
        char *one[2] = {b->socket_path, NULL};
        unsigned used = 0;
        int k = find_key("link", "path");
        if (board_argv_uses(one, &used) != HB_OK || (used & ~BOARD_PH_SOCKET)) {
            st = fail_at(&s, s.key_line[k], HB_ERR_FORMAT,
                         "[link] path: '%s' may only use the placeholder "
                         "{socket}", b->socket_path);
            goto cleanup;
        }
    }
    if (b->link_type == BOARD_LINK_STDIO && (!b->stdio_argv || b->launch_argv)) {
        st = fail_at(&s, s.key_line[find_key("link", "type")], HB_ERR_FORMAT,
                     b->launch_argv ? "[link] type = stdio: its command is the process the "
                                      "session launches; drop [launch]"
                                    : "[link] type = stdio needs a command (the program "
                                      "that is the board)");
        goto cleanup;
    }
    /* MLPerf Tiny firmware stamps microseconds (m-lap-us); nothing else
     * does. */
    if ((b->protocol == BOARD_PROTO_MLPERF_TINY) != !strcmp(b->timing_unit, "us")) {
        st = fail_at(&s, s.key_line[find_key("board", "timing_unit")], HB_ERR_FORMAT,
                     b->protocol == BOARD_PROTO_MLPERF_TINY
                         ? "[board] timing_unit: protocol = mlperf-tiny reports microseconds: "
                           "set timing_unit = us"
                         : "[board] timing_unit: us is only for protocol = mlperf-tiny");
        goto cleanup;
    }
    if (b->model_in_flash) {
        unsigned used = 0, more = 0;
        if (b->flash_argv)
            board_argv_uses(b->flash_argv, &used);
        if (b->launch_argv)
            board_argv_uses(b->launch_argv, &more);
        if (!((used | more) & BOARD_PH_BLOB)) {
            st = fail_at(&s, s.key_line[find_key("model", "placement")], HB_ERR_FORMAT,
                         "[model] placement = flash needs {blob} in the [flash] or "
                         "[launch] command");
            goto cleanup;
        }
    }
    *out = b;
    b = NULL;

cleanup:
    if (s.in.f)
        fclose(s.in.f);
    hb_ini_free(&s.in);
    for (int k = 0; k < N_KEYS; k++)
        free(s.text[k]);
    board_free(b);
    return st;
}

int board_vid_pid_parse(const char *s, int *vid, int *pid)
{
    unsigned long v[2];
    const char *p = s;
    for (int i = 0; i < 2; i++) {
        char *end = NULL;
        size_t digits = strspn(p, "0123456789abcdefABCDEF");
        if (digits < 1 || digits > 4)
            return -1;
        v[i] = strtoul(p, &end, 16);
        if (end != p + digits || *end != (i == 0 ? ':' : '\0'))
            return -1;
        p = end + 1;
    }
    *vid = (int)v[0];
    *pid = (int)v[1];
    return 0;
}
