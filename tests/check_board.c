/*
 * check_board.c: board profiles, command templates and board processes.
 */
#include "check_util.h"

#include "board/board.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *write_ini(const char *dir, const char *file, const char *text)
{
    const char *path = hbt_path("%s/%s", dir, file);
    ck_assert_int_eq(hbt_write_file(path, text, strlen(text)), 0);
    return path;
}

#define ck_assert_error_has(s) \
    ck_assert_msg(strstr(hb_last_error(), (s)) != NULL, \
                  "error '%s' lacks '%s'", hb_last_error(), (s))

/* Profiles --------------------------------------------------------------- */

static const char full_ini[] =
    "; every key a serial board may have\n"
    "[board]\nname = nucleo-f446\ndescription = ST Nucleo ; with a comment\n"
    "cpu = cortex-m4\nclock_hz = 180000000\ntiming_unit = cycles\n"
    "[firmware]\nimage = stub-f446.elf\n"
    "[flash]\ncommand = openocd -f 'board/st nucleo.cfg' -c \"program {image} exit\"\n"
    "timeout_ms = 30000\n"
    "[launch]\ncommand = logger --port={port}\n"
    "[reset]\ncommand = st-flash reset\n"
    "[link]\ntype = serial\nport = auto\nusb_serial = 066DFF49\nvid_pid = 0483:374B\n"
    "baud = 921600\ntimeout_ms = 500\ninvoke_timeout_ms = 90000\nretries = 3\n";

START_TEST(test_load_full)
{
    const char *dir = hbt_tmpdir("board-full");
    const char *path = write_ini(dir, "nucleo.ini", full_ini);
    board_profile *b = NULL;

    ck_assert_int_eq(board_load(path, "/opt/fw", &b), HB_OK);
    ck_assert_str_eq(b->path, path);
    ck_assert_str_eq(b->name, "nucleo-f446");
    ck_assert_str_eq(b->description, "ST Nucleo");
    ck_assert_str_eq(b->cpu, "cortex-m4");
    ck_assert_uint_eq(b->clock_hz, 180000000u);
    ck_assert_str_eq(b->timing_unit, "cycles");
    ck_assert_str_eq(b->image, "/opt/fw/stub-f446.elf");
    ck_assert_str_eq(b->flash_argv[0], "openocd");
    ck_assert_str_eq(b->flash_argv[2], "board/st nucleo.cfg");
    ck_assert_str_eq(b->flash_argv[4], "program {image} exit");
    ck_assert_ptr_null(b->flash_argv[5]);
    ck_assert_int_eq(b->flash_timeout_ms, 30000);
    ck_assert_str_eq(b->launch_argv[1], "--port={port}");
    ck_assert_str_eq(b->reset_argv[1], "reset");
    ck_assert_int_eq(b->link_type, BOARD_LINK_SERIAL);
    ck_assert_str_eq(b->port, "auto");
    ck_assert_str_eq(b->usb_serial, "066DFF49");
    ck_assert_str_eq(b->vid_pid, "0483:374B");
    ck_assert_int_eq(b->baud, 921600);
    ck_assert_ptr_null(b->socket_path);
    ck_assert_int_eq(b->timeout_ms, 500);
    ck_assert_int_eq(b->invoke_timeout_ms, 90000);
    ck_assert_int_eq(b->retries, 3);
    board_free(b);
    board_free(NULL);
}
END_TEST

START_TEST(test_load_defaults)
{
    const char *dir = hbt_tmpdir("board-min");
    const char *path = write_ini(dir, "m.ini",
        "[board]\nname = m\ntiming_unit = ns\n[link]\ntype = socket\n"
        "[launch]\ncommand = qemu -serial unix:{socket}\n"
        "  -kernel x.elf ; an indented line continues the command\n");
    board_profile *b = NULL;

    ck_assert_int_eq(board_load(path, NULL, &b), HB_OK);
    ck_assert_ptr_null(b->description);
    ck_assert_ptr_null(b->cpu);
    ck_assert_uint_eq(b->clock_hz, 0);
    ck_assert_ptr_null(b->image);
    ck_assert_ptr_null(b->flash_argv);
    ck_assert_ptr_null(b->reset_argv);
    ck_assert_int_eq(b->flash_timeout_ms, 60000);
    ck_assert_int_eq(b->baud, 115200);
    ck_assert_int_eq(b->timeout_ms, 2000);
    ck_assert_int_eq(b->invoke_timeout_ms, 60000);
    ck_assert_int_eq(b->retries, 5);
    ck_assert_int_eq(b->link_type, BOARD_LINK_SOCKET);
    ck_assert_str_eq(b->socket_path, "{socket}");
    ck_assert_str_eq(b->launch_argv[2], "unix:{socket}");
    ck_assert_str_eq(b->launch_argv[3], "-kernel");
    ck_assert_str_eq(b->launch_argv[4], "x.elf");
    ck_assert_ptr_null(b->launch_argv[5]);
    board_free(b);
}
END_TEST

START_TEST(test_image_paths)
{
    const char *dir = hbt_tmpdir("board-img");
    const char *head = "[board]\nname = i\ntiming_unit = ns\n[link]\ntype = pty\n"
                       "[firmware]\nimage = ";
    const struct { const char *image, *fw_dir, *want; } cases[] = {
        {"/abs/stub.elf", "/fw", "/abs/stub.elf"},
        {"stub.elf", "/fw", "/fw/stub.elf"},
        {"stub.elf", NULL, "stub.elf"},
        {"build/stub.elf", "/fw", NULL}, /* relative to the profile's folder */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];
        board_profile *b = NULL;
        snprintf(text, sizeof(text), "%s%s\n", head, cases[i].image);
        const char *path = write_ini(dir, "i.ini", text);
        ck_assert_int_eq(board_load(path, cases[i].fw_dir, &b), HB_OK);
        const char *want = cases[i].want ? cases[i].want
                                         : hbt_path("%s/build/stub.elf", dir);
        ck_assert_str_eq(b->image, want);
        board_free(b);
    }
}
END_TEST

/* inih cuts lines at 200 bytes; paths in a deep build folder are longer.
 * Long values, continuation lines and comments load whole. */
START_TEST(test_load_long_lines)
{
    const char *dir = hbt_tmpdir("board-long");
    char deep[400], text[4096];
    memset(deep, 'd', sizeof(deep) - 1);
    deep[sizeof(deep) - 1] = '\0';
    snprintf(text, sizeof(text),
             "; %s\n[board]\nname = l\ndescription =   %s   ; a comment\n"
             "timing_unit = ns\n[firmware]\nimage = /fw/%s/stub.elf\n[link]\ntype = pty\n"
             "[launch]\ncommand = {image} --model /m/%s/x.tflite\n"
             "   --data /d/%s ; the dataset\n  {tty}\n",
             deep, deep, deep, deep, deep);
    const char *path = write_ini(dir, "l.ini", text);
    board_profile *b = NULL;

    ck_assert_msg(board_load(path, NULL, &b) == HB_OK, "%s", hb_last_error());
    ck_assert_str_eq(b->description, deep);
    ck_assert_str_eq(b->image, hbt_path("/fw/%s/stub.elf", deep));
    ck_assert_str_eq(b->launch_argv[0], "{image}");
    ck_assert_str_eq(b->launch_argv[2], hbt_path("/m/%s/x.tflite", deep));
    ck_assert_str_eq(b->launch_argv[4], hbt_path("/d/%s", deep));
    ck_assert_str_eq(b->launch_argv[5], "{tty}");
    ck_assert_ptr_null(b->launch_argv[6]);
    board_free(b);
}
END_TEST

/* Lines 1 to 4 of most bad profiles; the key under test is on line 6. */
#define HEAD "[board]\nname = x\ntiming_unit = ns\n[link]\n"
#define PTY HEAD "type = pty\n"
#define LONG "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"

static const struct {
    const char *text;
    const char *want; /* in the message, after "bad.ini" */
} bad_profiles[] = {
    {"[board]\ntiming_unit = ns\n[link]\ntype = pty\n", ": [board] name is required"},
    {"[board]\nname = x\n[link]\ntype = pty\n", ": [board] timing_unit is required"},
    {HEAD, ": [link] type is required"},
    {HEAD "type = serial\n\nbaud = fast\n", ":7: [link] baud: 'fast' is not a number"},
    {PTY "timeout_ms = 2000ms\n", ":6: [link] timeout_ms: '2000ms' is not a number"},
    {PTY "retries = 1000\n", ":6: [link] retries: 1000 is out of range (0 to 100)"},
    {PTY "[board]\nclock_hz = -1\n", ":7: [board] clock_hz: '-1' is not a number"},
    {PTY "[board]\nclock_hz = 99999999999999999999\n",
     ":7: [board] clock_hz: 99999999999999999999 is out of range"},
    {"[board]\nname = x\ntiming_unit = seconds\n[link]\ntype = pty\n",
     ":3: [board] timing_unit: 'seconds' is not one of cycles, instructions, ns"},
    {HEAD "type = usb\n", ":5: [link] type: 'usb' is not one of pty, serial, socket"},
    {PTY "bud = 9600\n", ":6: [link] bud: unknown key (known: type, port, usb_serial"},
    {PTY "[lnik]\ntype = pty\n", ":6: [lnik]: unknown section"},
    {PTY "[extra]\n", ":6: [extra]: unknown section"},
    {"name = x\n[board]\n", ":1: name: key before any [section]"},
    {PTY "type = pty\n", ":6: [link] type: given twice (first on line 5)"},
    {PTY "baud = 9600\n", ":6: [link] baud: only for type = serial, not pty"},
    {HEAD "type = serial\n[launch]\ncommand = stub {tty}\n",
     ":7: [launch] command: {tty} is only set when [link] type = pty"},
    {PTY "[flash]\ncommand = flash {imgae}\n", ":7: [flash] command: unknown placeholder {imgae}"},
    {PTY "[flash]\ncommand = flash {image}\n", ":7: [flash] command: {image} needs [firmware] image"},
    {PTY "[reset]\ncommand = reset \"now\n", ":7: [reset] command: unterminated \" quote"},
    {PTY "[reset]\ncommand =\n", ":7: [reset] command: empty command"},
    {PTY "just words\n", ":6: expected [section]"},
    {HEAD "type = serial\nvid_pid = 483-374b\n", ":6: [link] vid_pid: '483-374b' is not vvvv:pppp"},
    {PTY "[board]\nname = my board\n", ":7: [board] name: given twice"},
    {"[board]\nname = my board\ntiming_unit = ns\n[link]\ntype = pty\n",
     ":2: [board] name: 'my board' may only hold"},
    {"[board]\nname =\ntiming_unit = ns\n[link]\ntype = pty\n", ":2: [board] name: is empty"},
    {PTY "retries = 1\n  2\n", ":7: [link] retries: takes one value"},
    {HEAD "type = socket\npath = /tmp/{tty}\n",
     ":6: [link] path: '/tmp/{tty}' may only use the placeholder {socket}"},
    {"[" LONG LONG LONG "]\n", ":1: [xxxxxxxx"},
    {"[board]\n" LONG LONG LONG " = x\n", ":2: line longer than 198 characters"},
    {PTY LONG LONG LONG "\n", ":6: expected [section]"},
};

START_TEST(test_load_errors)
{
    const char *dir = hbt_tmpdir("board-bad");
    const char *path = write_ini(dir, "bad.ini", bad_profiles[_i].text);
    board_profile *b = (board_profile *)&b; /* must be set to NULL */

    hb_clear();
    ck_assert_int_lt(board_load(path, "/fw", &b), 0);
    ck_assert_ptr_null(b);
    ck_assert_error_has(hbt_path("%s%s", path, bad_profiles[_i].want));
}
END_TEST

START_TEST(test_load_missing_file)
{
    board_profile *b = NULL;
    ck_assert_int_eq(board_load("/nonexistent/x.ini", NULL, &b), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(b);
    ck_assert_error_has("/nonexistent/x.ini: No such file");
}
END_TEST

/* Every profile shipped in boards/ loads, and native is what the stub
 * expects. */
START_TEST(test_repository_boards)
{
    char src[4096];
    snprintf(src, sizeof(src), "%s", __FILE__);
    char *slash = strrchr(src, '/');
    ck_assert_ptr_nonnull(slash);
    snprintf(slash, sizeof(src) - (size_t)(slash - src), "/../boards");

    const char *stub = getenv("HB_STUB_NATIVE");
    char fw[4096] = "/fw";
    if (stub) {
        snprintf(fw, sizeof(fw), "%s", stub);
        *strrchr(fw, '/') = '\0';
    }
    DIR *d = opendir(src);
    ck_assert_msg(d != NULL, "cannot open %s", src);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 4, ".ini") != 0)
            continue;
        board_profile *b = NULL;
        hb_status st = board_load(hbt_path("%s/%s", src, e->d_name), fw, &b);
        ck_assert_msg(st == HB_OK, "%s", hb_last_error());
        n++;
        board_free(b);
    }
    closedir(d);
    ck_assert_int_ge(n, 1);

    board_profile *b = NULL;
    const char *dirs[] = {src};
    ck_assert_int_eq(board_find("native", dirs, 1, fw, &b), HB_OK);
    ck_assert_str_eq(b->name, "native");
    ck_assert_str_eq(b->timing_unit, "ns");
    ck_assert_int_eq(b->link_type, BOARD_LINK_PTY);
    ck_assert_str_eq(b->launch_argv[0], "{image}");
    ck_assert_str_eq(b->launch_argv[1], "{tty}");
    if (stub)
        ck_assert_msg(access(b->image, X_OK) == 0, "%s not runnable", b->image);
    board_free(b);
}
END_TEST

/* Finding and listing ---------------------------------------------------- */

static const char *make_board(const char *dir, const char *file, const char *name)
{
    char text[256];
    snprintf(text, sizeof(text),
             "[board]\nname = %s\ntiming_unit = ns\n[link]\ntype = pty\n", name);
    return write_ini(dir, file, text);
}

typedef struct {
    int n;
    char text[2048];
} warnings;

static void collect(const char *msg, void *ctx)
{
    warnings *w = ctx;
    size_t used = strlen(w->text);
    snprintf(w->text + used, sizeof(w->text) - used, "%s\n", msg);
    w->n++;
}

START_TEST(test_find)
{
    char one[4096], two[4096];
    snprintf(one, sizeof(one), "%s", hbt_tmpdir("board-find1"));
    snprintf(two, sizeof(two), "%s", hbt_tmpdir("board-find2"));
    make_board(one, "alpha.ini", "alpha");
    make_board(one, "b.ini", "beta");
    write_ini(one, "broken.ini", "[board]\nname = broken\n");
    make_board(two, "gamma.ini", "gamma");
    const char *dirs[] = {"/nonexistent-boards", one, two};
    board_profile *b = NULL;

    ck_assert_int_eq(board_find("alpha", dirs, 3, NULL, &b), HB_OK);
    ck_assert_str_eq(b->name, "alpha");
    board_free(b);
    ck_assert_int_eq(board_find("beta", dirs, 3, NULL, &b), HB_OK);
    ck_assert_str_eq(b->path, hbt_path("%s/b.ini", one));
    board_free(b);
    ck_assert_int_eq(board_find("gamma", dirs, 3, NULL, &b), HB_OK);
    board_free(b);
    ck_assert_int_eq(board_find(hbt_path("%s/b.ini", one), NULL, 0, NULL, &b), HB_OK);
    ck_assert_str_eq(b->name, "beta");
    board_free(b);

    ck_assert_int_eq(board_find("broken", dirs, 3, NULL, &b), HB_ERR_FORMAT);
    ck_assert_error_has("broken.ini: [board] timing_unit is required");
    ck_assert_int_eq(board_find("delta", dirs, 3, NULL, &b), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(b);
    ck_assert_error_has("no board 'delta'");
    ck_assert_error_has(one);
    ck_assert_error_has("there are: alpha, beta, gamma");
}
END_TEST

START_TEST(test_list)
{
    char one[4096], two[4096];
    snprintf(one, sizeof(one), "%s", hbt_tmpdir("board-list1"));
    snprintf(two, sizeof(two), "%s", hbt_tmpdir("board-list2"));
    make_board(one, "z.ini", "zeta");
    make_board(one, "a.ini", "mu");
    write_ini(one, "broken.ini", "[board]\nname = x\ntiming_unit = ns\n[link]\ntype = tcp\n");
    write_ini(one, "notes.txt", "not a profile");
    make_board(two, "other.ini", "eta");
    make_board(two, "mu.ini", "mu"); /* hidden by one/a.ini */
    const char *dirs[] = {one, "/nonexistent-boards", two};
    warnings w = {0, ""};
    board_profile **list = NULL;
    int n = -1;

    ck_assert_int_eq(board_list(dirs, 3, NULL, collect, &w, &list, &n), HB_OK);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(list[0]->name, "eta");
    ck_assert_str_eq(list[1]->name, "mu");
    ck_assert_str_eq(list[1]->path, hbt_path("%s/a.ini", one));
    ck_assert_str_eq(list[2]->name, "zeta");
    ck_assert_int_eq(w.n, 2);
    ck_assert_msg(strstr(w.text, "broken.ini:5: [link] type: 'tcp'"), "%s", w.text);
    ck_assert_msg(strstr(w.text, "mu.ini: board 'mu' is hidden by"), "%s", w.text);
    board_list_free(list, n);

    ck_assert_int_eq(board_list(dirs, 0, NULL, NULL, NULL, &list, &n), HB_OK);
    ck_assert_int_eq(n, 0);
    board_list_free(list, n);
}
END_TEST

/* Command templates ------------------------------------------------------ */

static const struct {
    const char *line;
    const char *want[6]; /* NULL-terminated */
} argv_cases[] = {
    {"openocd -f board.cfg", {"openocd", "-f", "board.cfg", NULL}},
    {"  a\t b  ", {"a", "b", NULL}},
    {"a 'b c' \"d e\"", {"a", "b c", "d e", NULL}},
    {"a'b c'd", {"ab cd", NULL}},
    {"'' \"\" x", {"", "", "x", NULL}},
    {"a\\ b c\\\\d", {"a b", "c\\d", NULL}},
    {"\"say \\\"hi\\\"\" 'no \\escape'", {"say \"hi\"", "no \\escape", NULL}},
    {"echo {image}; touch x", {"echo", "{image};", "touch", "x", NULL}},
    {"a|b >c $(d) `e`", {"a|b", ">c", "$(d)", "`e`", NULL}},
};

START_TEST(test_argv_parse)
{
    char **argv = NULL;
    ck_assert_int_eq(board_argv_parse(argv_cases[_i].line, &argv), HB_OK);
    int k = 0;
    for (; argv_cases[_i].want[k]; k++) {
        ck_assert_ptr_nonnull(argv[k]);
        ck_assert_str_eq(argv[k], argv_cases[_i].want[k]);
    }
    ck_assert_ptr_null(argv[k]);
    board_argv_free(argv);
}
END_TEST

static const struct {
    const char *line, *want;
} argv_bad[] = {
    {"", "empty command"},
    {" \t ", "empty command"},
    {"a 'b", "unterminated ' quote (opened at column 3)"},
    {"a \"b\\\"", "unterminated \" quote"},
    {"a b\\", "lone backslash at the end"},
};

START_TEST(test_argv_parse_errors)
{
    char **argv = (char **)&argv;
    ck_assert_int_eq(board_argv_parse(argv_bad[_i].line, &argv), HB_ERR_ARG);
    ck_assert_ptr_null(argv);
    ck_assert_error_has(argv_bad[_i].want);
}
END_TEST

START_TEST(test_argv_expand)
{
    char **tmpl = NULL, **argv = NULL;
    board_vars v = {.image = "/fw/stub.elf", .tty = "/dev/pts/3",
                    .socket = NULL, .port = "/dev/ttyACM0", .blob = "m.hbm"};

    ck_assert_int_eq(board_argv_parse("run {image} --tty={tty},{port} "
                                      "-c 'prog {{{image}}}' {blob}{blob} }x{{",
                                      &tmpl), HB_OK);
    ck_assert_int_eq(board_argv_expand(tmpl, &v, &argv), HB_OK);
    ck_assert_str_eq(argv[0], "run");
    ck_assert_str_eq(argv[1], "/fw/stub.elf");
    ck_assert_str_eq(argv[2], "--tty=/dev/pts/3,/dev/ttyACM0");
    ck_assert_str_eq(argv[3], "-c");
    ck_assert_str_eq(argv[4], "prog {/fw/stub.elf}");
    ck_assert_str_eq(argv[5], "m.hbmm.hbm");
    ck_assert_str_eq(argv[6], "}x{");
    ck_assert_ptr_null(argv[7]);
    board_argv_free(argv);
    board_argv_free(tmpl);
    board_argv_free(NULL);

    const struct { const char *line, *want; } bad[] = {
        {"x {socket}", "placeholder {socket} in '{socket}' has no value"},
        {"x --f={file}", "unknown placeholder {file} in '--f={file}'"},
        {"x {image", "unterminated placeholder in '{image'"},
        {"x {}", "unknown placeholder {}"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_int_eq(board_argv_parse(bad[i].line, &tmpl), HB_OK);
        argv = (char **)&argv;
        ck_assert_int_eq(board_argv_expand(tmpl, &v, &argv), HB_ERR_ARG);
        ck_assert_ptr_null(argv);
        ck_assert_error_has(bad[i].want);
        board_argv_free(tmpl);
    }
    ck_assert_int_eq(board_argv_parse("x {tty}", &tmpl), HB_OK);
    ck_assert_int_eq(board_argv_expand(tmpl, NULL, &argv), HB_ERR_ARG);
    ck_assert_error_has("{tty}");
    board_argv_free(tmpl);
}
END_TEST

/* Processes -------------------------------------------------------------- */

/* A command that tries to reach a shell runs as plain argv: nothing is
 * created, and echo prints the text as it is. */
START_TEST(test_no_shell)
{
    const char *dir = hbt_tmpdir("board-shell");
    char work[4096];
    snprintf(work, sizeof(work), "%s", dir);
    const char *path = write_ini(work, "evil.ini",
        "[board]\nname = evil\ntiming_unit = ns\n[link]\ntype = pty\n"
        "[firmware]\nimage = a; touch PWNED\n"
        "[flash]\ncommand = echo {image}; touch PWNED2 $(touch PWNED3) `touch PWNED4`\n");
    board_profile *b = NULL;
    char **argv = NULL;

    ck_assert_int_eq(chdir(work), 0);
    ck_assert_int_eq(board_load(path, work, &b), HB_OK);
    board_vars v = {.image = b->image};
    ck_assert_int_eq(board_argv_expand(b->flash_argv, &v, &argv), HB_OK);
    const char *log = hbt_path("%s/flash.log", work);
    ck_assert_int_eq(board_proc_run(argv, 10000, log), HB_OK);

    size_t len = 0;
    char *out = (char *)hbt_read_file(log, &len);
    ck_assert_ptr_nonnull(out);
    ck_assert_str_eq(out, hbt_path("%s/a; touch PWNED; touch PWNED2 $(touch PWNED3) "
                                   "`touch PWNED4`\n", work));
    free(out);
    const char *names[] = {"PWNED", "PWNED2", "PWNED3", "PWNED4"};
    for (int i = 0; i < 4; i++)
        ck_assert_msg(access(hbt_path("%s/%s", work, names[i]), F_OK) != 0,
                      "%s was created", names[i]);
    board_argv_free(argv);
    board_free(b);
}
END_TEST

/* Files that are not programs fail to run instead of going to /bin/sh,
 * as execvp would send them. */
START_TEST(test_proc_exec_errors)
{
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s", hbt_tmpdir("board-exec"));
    const char *script = hbt_path("%s/image.bin", dir);
    const char *plain = hbt_path("%s/plain.bin", dir);
    const char *body = "touch PWNED\n";
    ck_assert_int_eq(hbt_write_file(script, body, strlen(body)), 0);
    ck_assert_int_eq(chmod(script, 0755), 0);
    ck_assert_int_eq(hbt_write_file(plain, body, strlen(body)), 0);
    ck_assert_int_eq(chmod(plain, 0644), 0);
    ck_assert_int_eq(chdir(dir), 0);

    char *argv[] = {(char *)script, NULL};
    ck_assert_int_eq(board_proc_run(argv, 10000, NULL), HB_ERR_FAIL);
    ck_assert_error_has(hbt_path("cannot run '%s': exec: Exec format error", script));
    argv[0] = (char *)plain;
    ck_assert_int_eq(board_proc_run(argv, 10000, NULL), HB_ERR_FAIL);
    ck_assert_error_has("Permission denied");
    argv[0] = "/nonexistent/openocd";
    ck_assert_int_eq(board_proc_run(argv, 10000, NULL), HB_ERR_NOT_FOUND);
    ck_assert_error_has("no such program '/nonexistent/openocd'");
    ck_assert_int_ne(access(hbt_path("%s/PWNED", dir), F_OK), 0);
}
END_TEST

/* Starts `sh -c script` whose background child writes its pid into a FIFO;
 * returns that grandchild's pid. */
static pid_t start_family(const char *script, board_proc **p)
{
    const char *dir = hbt_tmpdir("board-proc");
    char fifo[4096], cmd[4096];
    snprintf(fifo, sizeof(fifo), "%s/pid", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    snprintf(cmd, sizeof(cmd), script, fifo);
    char *argv[] = {"sh", "-c", cmd, NULL};
    ck_assert_int_eq(board_proc_start(argv, hbt_path("%s/log", dir), p), HB_OK);

    FILE *f = fopen(fifo, "r"); /* blocks until the script opens it */
    ck_assert_ptr_nonnull(f);
    long gpid = 0;
    ck_assert_int_eq(fscanf(f, "%ld", &gpid), 1);
    fclose(f);
    return (pid_t)gpid;
}

static void assert_gone(pid_t pid, pid_t gpid)
{
    /* Orphans come to us (subreaper): reap the grandchild if it is ours. */
    waitpid(gpid, NULL, 0);
    errno = 0;
    ck_assert_int_eq(kill(pid, 0), -1);
    ck_assert_int_eq(errno, ESRCH);
    errno = 0;
    ck_assert_int_eq(kill(gpid, 0), -1);
    ck_assert_int_eq(errno, ESRCH);
}

static const char *const family_scripts[] = {
    "sleep 1000 & echo $! > %s; wait",
    "trap '' TERM; sleep 1000 & echo $! > %s; wait; wait", /* needs SIGKILL */
};

START_TEST(test_proc_stop)
{
    board_proc *p = NULL;
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
    pid_t gpid = start_family(family_scripts[_i], &p);
    pid_t pid = board_proc_pid(p);
    ck_assert_int_gt(pid, 0);
    ck_assert_int_eq(getpgid(pid), pid);
    ck_assert_int_eq(getpgid(gpid), pid);
    ck_assert_int_eq(board_proc_alive(p, NULL), 1);
    board_proc_stop(p, _i == 0 ? 5000 : 100);
    assert_gone(pid, gpid);
    board_proc_stop(NULL, 0);
}
END_TEST

START_TEST(test_proc_kill_all)
{
    board_proc *p[2] = {NULL, NULL};
    char *argv[] = {"sleep", "1000", NULL};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(board_proc_start(argv, NULL, &p[i]), HB_OK);
    board_proc_kill_all();
    for (int i = 0; i < 2; i++) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        ck_assert_int_eq(waitid(P_PID, (id_t)board_proc_pid(p[i]), &si,
                                WEXITED | WNOWAIT), 0);
        ck_assert_int_eq(si.si_code, CLD_KILLED);
        ck_assert_int_eq(si.si_status, SIGKILL);
        int status = 0;
        ck_assert_int_eq(board_proc_alive(p[i], &status), 0);
        ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        board_proc_stop(p[i], 1000);
    }
}
END_TEST

static const struct {
    const char *argv[5];
    int timeout_ms;
    hb_status want;
    const char *msg;
} run_cases[] = {
    {{"true"}, 10000, HB_OK, NULL},
    {{"sh", "-c", "exit 3"}, 10000, HB_ERR_BOARD, "'sh -c exit 3' exited with status 3"},
    {{"sh", "-c", "kill -9 $$"}, 10000, HB_ERR_BOARD, "was killed by signal 9"},
    /* the log goes with the session: its last line is in the message */
    {{"sh", "-c", "echo probing; echo 'Error: no target' >&2; exit 1"}, 10000, HB_ERR_BOARD,
     "exited with status 1: Error: no target"},
    {{"sleep", "100"}, 200, HB_ERR_TIMEOUT, "'sleep 100' did not finish within 200 ms"},
    {{"openocdx-not-installed", "-f", "x"}, 10000, HB_ERR_NOT_FOUND,
     "no such program 'openocdx-not-installed'"},
    {{""}, 10000, HB_ERR_ARG, "empty command"},
};

START_TEST(test_proc_run)
{
    const char *log = hbt_path("%s/run.log", hbt_tmpdir("board-run"));
    hb_clear();
    hb_status st = board_proc_run((char *const *)run_cases[_i].argv,
                                  run_cases[_i].timeout_ms, log);
    ck_assert_msg(st == run_cases[_i].want, "got %d: %s", st, hb_last_error());
    if (run_cases[_i].msg)
        ck_assert_error_has(run_cases[_i].msg);
}
END_TEST

START_TEST(test_proc_output_and_fds)
{
    const char *log = hbt_path("%s/out.log", hbt_tmpdir("board-out"));
    /* An inheritable descriptor of ours must not reach the program. */
    int fd = open("/dev/null", O_RDONLY);
    ck_assert_int_eq(dup2(fd, 50), 50);
    char *echo[] = {"sh", "-c", "echo to-out; echo to-err >&2", NULL};
    ck_assert_int_eq(board_proc_run(echo, 10000, log), HB_OK);
    char *ls[] = {"ls", "/proc/self/fd", NULL};
    ck_assert_int_eq(board_proc_run(ls, 10000, log), HB_OK);
    size_t len = 0;
    char *out = (char *)hbt_read_file(log, &len);
    ck_assert_ptr_nonnull(out);
    /* ls lists 0, 1, 2 and the folder it reads, which takes the lowest free
     * number: 3 when nothing leaked. */
    ck_assert_msg(strcmp(out, "to-out\nto-err\n0\n1\n2\n3\n") == 0, "log: %s", out);
    free(out);
    close(fd);
    close(50);
    /* what earlier commands wrote to the log is not this one's reason */
    char *quiet[] = {"false", NULL};
    ck_assert_int_eq(board_proc_run(quiet, 10000, log), HB_ERR_BOARD);
    ck_assert_str_eq(hb_last_error(), "'false' exited with status 1");

    char *bad[] = {"true", NULL};
    ck_assert_int_eq(board_proc_run(bad, 1000, "/nonexistent/dir/log"), HB_ERR_FAIL);
    ck_assert_error_has("log file /nonexistent/dir/log");
    ck_assert_int_eq(board_proc_run(bad, 0, NULL), HB_ERR_ARG);
}
END_TEST

/* Serial ports ----------------------------------------------------------- */

START_TEST(test_ports)
{
    board_port *ports = NULL;
    int n = -1;
    ck_assert_int_eq(board_ports(&ports, &n), HB_OK);
    ck_assert_int_ge(n, 0);
    for (int i = 0; i < n; i++)
        ck_assert_ptr_nonnull(ports[i].name);
    board_ports_free(ports, n);

    board_profile b = {.path = "x.ini", .name = "x", .link_type = BOARD_LINK_SERIAL};
    char *path = NULL;
    b.port = "/dev/ttyUSB7";
    ck_assert_int_eq(board_port_pick(&b, &path), HB_OK);
    ck_assert_str_eq(path, "/dev/ttyUSB7");
    free(path);

    b.port = "auto";
    b.vid_pid = "ffff:fffe";
    b.usb_serial = "NO-SUCH-SERIAL";
    ck_assert_int_eq(board_port_pick(&b, &path), HB_ERR_NOT_FOUND);
    ck_assert_ptr_null(path);
    ck_assert_error_has("x.ini: no serial port matches usb_serial 'NO-SUCH-SERIAL' "
                        "and vid_pid ffff:fffe");
}
END_TEST

Suite *board_suite(void)
{
    Suite *s = suite_create("board");
    TCase *tc = tcase_create("profile");
    tcase_add_test(tc, test_load_full);
    tcase_add_test(tc, test_load_defaults);
    tcase_add_test(tc, test_image_paths);
    tcase_add_test(tc, test_load_long_lines);
    tcase_add_loop_test(tc, test_load_errors, 0,
                        (int)(sizeof(bad_profiles) / sizeof(bad_profiles[0])));
    tcase_add_test(tc, test_load_missing_file);
    tcase_add_test(tc, test_repository_boards);
    tcase_add_test(tc, test_find);
    tcase_add_test(tc, test_list);
    suite_add_tcase(s, tc);

    tc = tcase_create("argv");
    tcase_add_loop_test(tc, test_argv_parse, 0,
                        (int)(sizeof(argv_cases) / sizeof(argv_cases[0])));
    tcase_add_loop_test(tc, test_argv_parse_errors, 0,
                        (int)(sizeof(argv_bad) / sizeof(argv_bad[0])));
    tcase_add_test(tc, test_argv_expand);
    suite_add_tcase(s, tc);

    tc = tcase_create("proc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_no_shell);
    tcase_add_test(tc, test_proc_exec_errors);
    tcase_add_loop_test(tc, test_proc_stop, 0, 2);
    tcase_add_test(tc, test_proc_kill_all);
    tcase_add_loop_test(tc, test_proc_run, 0,
                        (int)(sizeof(run_cases) / sizeof(run_cases[0])));
    tcase_add_test(tc, test_proc_output_and_fds);
    tcase_add_test(tc, test_ports);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(board_suite)
