/*
 * check_hostile.c: hostile input to `hilbench run`, end to end. Each case is
 * refused with an error that names the thing and the reason, nothing it
 * tried to do happens, and no run is recorded in the database:
 *   - board profiles whose flash or launch command tries shell injection
 *     (commands run as argv, never through a shell);
 *   - dataset labels naming files outside the dataset folder;
 *   - a board that sends an oversized frame and absurd sizes in HELLO;
 *   - model blobs that point outside themselves, whose tensors overlap in
 *     the arena, or that were damaged after they were written;
 *   - a .tflite file whose data runs past its end;
 *   - bad input to the other commands: one error line each, naming the
 *     thing once, nothing created or filled that should not be.
 * The units behind these have their own tests (check_board, check_dataset,
 * check_proto, check_blob, check_tflite_fb); here the whole command is.
 */
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../target-stub/engine/nn_blob.h"
#include "../target-stub/proto/proto.h"
#include "check_util.h"

/* Runs hilbench in dir; returns the exit status, output in *out. */
static int hb_in(const char *dir, char **out, const char *const *args)
{
    char *argv[64], cwd[4096];
    int n = 0;
    argv[n++] = (char *)hbt_hilbench();
    for (; *args && n < 63; args++)
        argv[n++] = (char *)*args;
    argv[n] = NULL;
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
    ck_assert_int_eq(chdir(dir), 0);
    int rc = hbt_run(argv, out);
    ck_assert_int_eq(chdir(cwd), 0);
    return rc;
}

/* The database holds no run (it may not even exist). */
static void assert_no_run(const char *dir, const char *db)
{
    char *out = NULL;
    struct stat st;
    if (stat(db, &st) != 0)
        return;
    const char *args[] = {"runs", "--db", db, "--json", NULL};
    ck_assert_int_eq(hb_in(dir, &out, args), 0);
    json_t *j = json_loads(out, 0, NULL);
    ck_assert_msg(j && json_array_size(j) == 0, "a run was recorded:\n%s", out);
    json_decref(j);
    free(out);
}

/* hilbench run with this board and model; must fail naming every word of
 * want (a NULL-ended list), and record nothing. */
static void refused(const char *dir, const char *board, const char *model,
                    const char *const *extra, const char *const *want)
{
    const char *db = hbt_path("%s/r.db", dir);
    const char *args[32] = {"run", "--board", board, "--model", model, "--random", "2",
                            "--db", db, "--quiet", NULL};
    int n = 10;
    for (; extra && *extra; extra++)
        args[n++] = *extra;
    args[n] = NULL;
    char *out = NULL;
    int rc = hb_in(dir, &out, args);
    ck_assert_msg(rc != 0, "accepted:\n%s", out);
    for (; *want; want++)
        ck_assert_msg(strstr(out, *want), "'%s' not in:\n%s", *want, out);
    ck_assert_msg(strstr(out, "hilbench: error: "), "%s", out);
    free(out);
    assert_no_run(dir, db);
}

static const char *sine(const char *kind)
{
    return hbt_path("%s/sine_%s.tflite", hbt_models_dir(), kind);
}

static const char *profile(const char *dir, const char *name, const char *sections)
{
    const char *path = hbt_path("%s/%s.ini", dir, name);
    char text[2048];
    snprintf(text, sizeof(text), "[board]\nname = %s\ntiming_unit = ns\n[firmware]\nimage = %s\n%s",
             name, getenv("HB_STUB_NATIVE"), sections);
    ck_assert_int_eq(hbt_write_file(path, text, strlen(text)), 0);
    return path;
}

START_TEST(profile_shell_injection)
{
    const char *dir = hbt_tmpdir("hostile-board");
    const char *flash = profile(dir, "evil-flash",
                                "[flash]\ncommand = true; touch PWNED; echo $(touch PWNED2)\n"
                                "[launch]\ncommand = {image} {tty}\n[link]\ntype = pty\n");
    const char *want_flash[] = {"flashing", "no such program 'true;'", NULL};
    refused(dir, flash, sine("int8"), NULL, want_flash);

    const char *launch = profile(dir, "evil-launch",
                                 "[launch]\ncommand = {image} {tty} && touch PWNED3 "
                                 "`touch PWNED4`\n[link]\ntype = pty\n");
    const char *want_launch[] = {"evil-launch", "exited with status 2", "usage", NULL};
    refused(dir, launch, sine("int8"), NULL, want_launch);
    for (int i = 1; i <= 4; i++) {
        const char *f = i == 1 ? "PWNED" : hbt_path("PWNED%d", i);
        ck_assert_msg(access(hbt_path("%s/%s", dir, f), F_OK) != 0, "%s was created", f);
    }
}
END_TEST

START_TEST(labels_outside_the_folder)
{
    const char *dir = hbt_tmpdir("hostile-labels");
    char data[1024], db[1024], model[1024];
    snprintf(data, sizeof(data), "%s/data", dir);
    snprintf(db, sizeof(db), "%s/r.db", dir);
    snprintf(model, sizeof(model), "%s", sine("float"));
    float x = 0.5f;
    ck_assert_int_eq(mkdir(data, 0777), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/secret.bin", dir), &x, 4), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/ok.bin", data), &x, 4), 0);
    static const char *const rows[] = {"ok.bin,1,0.5\n../secret.bin,1,0.5\n",
                                       "/etc/hostname,1,0.5\n",
                                       "ok.bin,1,0.5\nsub/../../secret.bin,1,0.5\n"};
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        ck_assert_int_eq(hbt_write_file(hbt_path("%s/y_labels.csv", data), rows[i],
                                        strlen(rows[i])), 0);
        const char *want[] = {"y_labels.csv:", "outside the dataset folder", NULL};
        const char *args[] = {"run", "--board", "native", "--model", model, "--dataset",
                              data, "--db", db, "--quiet", NULL};
        char *out = NULL;
        ck_assert_int_ne(hb_in(dir, &out, args), 0);
        for (int k = 0; want[k]; k++)
            ck_assert_msg(strstr(out, want[k]), "row set %zu: '%s' not in:\n%s", i, want[k],
                          out);
        free(out);
        assert_no_run(dir, db);
    }
}
END_TEST

/* A board on a Unix socket played by this test. */
typedef struct {
    int listener;
    int scenario;  /* 0: oversized frame, then a HELLO with absurd sizes;
                    * 1: a HELLO announcing a 10-byte model capacity */
} fake_board;

static void send_hello(int fd, uint8_t seq, uint16_t max_payload, uint32_t capacity)
{
    uint8_t p[64], frame[PROTO_ENCODED_MAX(64)];
    proto_wr w;
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, PROTO_VERSION);
    proto_put_u16(&w, max_payload);
    proto_put_u32(&w, 1000000);
    proto_put_u8(&w, PROTO_UNIT_CYCLES);
    proto_put_u8(&w, 0);
    proto_put_u32(&w, capacity);       /* model */
    proto_put_u32(&w, 1u << 20);       /* arena */
    proto_put_u32(&w, 1024);           /* timing slots */
    proto_put_u32(&w, 0xFFFFFFFFu);    /* ops */
    proto_put_u32(&w, 0xFFFFFFFFu);    /* dtypes */
    proto_put_u32(&w, 1);
    proto_put_u32(&w, 1);
    proto_put_u8(&w, 4);
    proto_put_bytes(&w, "fake", 4);
    size_t n = proto_frame_encode(PROTO_HELLO | PROTO_RESPONSE, seq, p, w.len, frame,
                                  sizeof(frame));
    ck_assert_int_eq(write(fd, frame, n), (ssize_t)n);
}

static void *board_thread(void *arg)
{
    fake_board *b = arg;
    int fd = accept(b->listener, NULL, NULL);
    if (fd < 0)
        return NULL;
    static uint8_t rxbuf[PROTO_ENCODED_MAX(1024)], junk[100000];
    uint8_t in[256];
    proto_rx rx;
    proto_frame f;
    int hellos = 0;
    proto_rx_init(&rx, rxbuf, sizeof(rxbuf));
    memset(junk, 0x41, sizeof(junk));
    for (;;) {
        ssize_t n = read(fd, in, sizeof(in));
        if (n <= 0)
            break;
        for (ssize_t k = 0; k < n; k++) {
            if (proto_rx_feed(&rx, in[k], &f) != PROTO_RX_FRAME || f.type != PROTO_HELLO)
                continue;
            if (b->scenario == 0 && hellos++ == 0) {
                /* 100 kB without a delimiter, then one. */
                ck_assert_int_eq(write(fd, junk, sizeof(junk)), (ssize_t)sizeof(junk));
                ck_assert_int_eq(write(fd, "", 1), 1);
            } else {
                send_hello(fd, f.seq, b->scenario == 0 ? 3 : 1024, b->scenario == 0 ? 0 : 10);
            }
        }
    }
    close(fd);
    return NULL;
}

START_TEST(board_with_absurd_sizes)
{
    for (int scenario = 0; scenario < 2; scenario++) {
        const char *dir = hbt_tmpdir("hostile-frames");
        char sock[108];
        snprintf(sock, sizeof(sock), "/tmp/hb-hostile-%d-%d.sock", (int)getpid(), scenario);
        unlink(sock);
        struct sockaddr_un addr = {.sun_family = AF_UNIX};
        memcpy(addr.sun_path, sock, strlen(sock) + 1);
        fake_board b = {socket(AF_UNIX, SOCK_STREAM, 0), scenario};
        ck_assert_int_eq(bind(b.listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
        ck_assert_int_eq(listen(b.listener, 1), 0);
        pthread_t t;
        pthread_create(&t, NULL, board_thread, &b);
        char sections[512];
        snprintf(sections, sizeof(sections),
                 "[link]\ntype = socket\npath = %s\ntimeout_ms = 300\nretries = 2\n", sock);
        const char *board = profile(dir, "fake", sections);
        const char *want0[] = {"malformed HELLO response", NULL};
        const char *want1[] = {"exceeds its model capacity of 10", NULL};
        refused(dir, board, sine("int8"), NULL, scenario == 0 ? want0 : want1);
        pthread_join(t, NULL);
        close(b.listener);
        unlink(sock);
    }
}
END_TEST

/* A blob of sine_float made by hilbench compress, to be damaged. */
static uint8_t *make_blob(const char *dir, size_t *len)
{
    const char *path = hbt_path("%s/good.blob", dir);
    char *argv[] = {(char *)hbt_hilbench(), "compress", (char *)sine("float"), "--variant",
                    "float", "-o", (char *)path, NULL}, *out = NULL;
    ck_assert_msg(hbt_run(argv, &out) == 0, "%s", out);
    free(out);
    uint8_t *b = hbt_read_file(path, len);
    ck_assert_ptr_nonnull(b);
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Writes the blob (its CRC made right again unless keep_crc) and runs it as
 * a file: variant. */
static void blob_refused(const char *dir, uint8_t *b, size_t len, int fix_crc,
                         const char *const *want)
{
    if (fix_crc)
        put32(b + NN_BH_CRC, proto_crc32(0, b + 16, nn_rd_u32(b + NN_BH_BLOB_BYTES) - 16));
    const char *path = hbt_path("%s/bad.blob", dir);
    ck_assert_int_eq(hbt_write_file(path, b, len), 0);
    const char *extra[] = {"--variant", hbt_path("file:%s", path), NULL};
    refused(dir, "native", sine("float"), extra, want);
}

static uint8_t *tensor_rec(uint8_t *b, int t)
{
    return b + nn_rd_u32(b + NN_BH_TENSORS_OFF) + (size_t)t * NN_BLOB_TENSOR_BYTES;
}

START_TEST(blobs_out_of_bounds_overlapping_damaged)
{
    const char *dir = hbt_tmpdir("hostile-blob");
    size_t len;
    uint8_t *good = make_blob(dir, &len), *b = malloc(len);

    /* A constant's data far outside the blob. */
    int n_t = nn_rd_u16(good + NN_BH_N_TENSORS), c = -1;
    for (int t = 0; t < n_t && c < 0; t++)
        if (tensor_rec(good, t)[NN_BT_KIND] == NN_KIND_CONST)
            c = t;
    ck_assert_int_ge(c, 0);
    memcpy(b, good, len);
    put32(tensor_rec(b, c) + NN_BT_OFFSET, 0x7ffffff0u);
    const char *want_out[] = {"model blob refused", hbt_path("tensor %d", c), NULL};
    blob_refused(dir, b, len, 1, want_out);

    /* Op 1 reads one arena tensor and writes another: the same bytes. */
    memcpy(b, good, len);
    const uint8_t *rec = b + nn_rd_u32(b + nn_rd_u32(b + NN_BH_OPS_OFF) + 4);
    int in = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES);
    int out = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES + 2 * rec[1]);
    ck_assert_int_eq(tensor_rec(b, in)[NN_BT_KIND], NN_KIND_ARENA);
    memcpy(tensor_rec(b, out) + NN_BT_OFFSET, tensor_rec(b, in) + NN_BT_OFFSET, 4);
    const char *want_overlap[] = {"plan is broken", "share arena bytes", NULL};
    blob_refused(dir, b, len, 1, want_overlap);

    /* One weight changed after the blob was written. */
    memcpy(b, good, len);
    b[nn_rd_u32(b + NN_BH_DATA_OFF) + 5] ^= 0x10;
    const char *want_crc[] = {"CRC mismatch", "bad.blob", NULL};
    blob_refused(dir, b, len, 0, want_crc);

    /* A blob that claims to be 2 GB. */
    memcpy(b, good, len);
    put32(b + NN_BH_BLOB_BYTES, 0x7fffff00u);
    const char *want_size[] = {"model blob refused", NULL};
    blob_refused(dir, b, len, 0, want_size);
    free(b);
    free(good);
}
END_TEST

/* The weights of the 16x16 layer are a FlatBuffer vector of 1024 bytes:
 * its length made to run past the end of the file. */
START_TEST(tflite_data_past_its_end)
{
    const char *dir = hbt_tmpdir("hostile-tflite");
    size_t len = 0;
    uint8_t *m = hbt_read_file(sine("float"), &len);
    ck_assert_ptr_nonnull(m);
    size_t at = 0;
    for (size_t i = 0; i + 4 <= len && !at; i += 4)
        if (nn_rd_u32(m + i) == 1024)
            at = i;
    ck_assert_uint_gt(at, 0);
    put32(m + at, 0x7ffffff0u);
    const char *path = hbt_path("%s/bad.tflite", dir);
    ck_assert_int_eq(hbt_write_file(path, m, len), 0);
    free(m);
    const char *want[] = {"bad.tflite", "buffer", NULL};
    refused(dir, "native", path, NULL, want);
}
END_TEST

/* Bad input to every kind of command: each is refused with exactly one
 * line, "hilbench: error: ", naming the thing (once) and the reason, and
 * leaves nothing behind. "@" in an argument stands for the test's folder. */
typedef struct {
    const char *args[12];
    const char *want[3];  /* in the line */
    const char *once;     /* in the line exactly once */
    const char *never;    /* not in the line */
    const char *absent;   /* a file that must not exist afterwards */
} bad_input;

static const bad_input bad_inputs[] = {
    /* the model reader names the file; the run does not name it again */
    {{"run", "--board", "native", "--model", "@/trunc.tflite", "--random", "2", "--db",
      "@/r.db", "--quiet"}, {"trunc.tflite: ", "outside"}, "trunc.tflite", NULL, "@/r.db"},
    /* a blob damaged since it was written is refused by infer as by run */
    {{"infer", "@/damaged.blob", "--input", "@/in.bin", "--output", "@/out.bin"},
     {"damaged.blob", "CRC mismatch"}, NULL, NULL, "@/out.bin"},
    /* a folder that is not there is not a format limit of TFLite */
    {{"compress", "@/sine.tflite", "--variant", "float", "-o", "@/no/such/v.tflite"},
     {"v.tflite", "No such file"}, NULL, "cannot hold", NULL},
    {{"boards", "--boards", "@/no-such-folder"}, {"--boards", "no-such-folder"}, NULL, NULL,
     NULL},
    /* reading commands do not create a mistyped database */
    {{"show", "1", "--db", "@/none.db"}, {"no results database", "none.db"}, NULL, NULL,
     "@/none.db"},
    {{"run", "--resume", "1", "--db", "@/none.db"}, {"no results database", "none.db"}, NULL,
     NULL, "@/none.db"},
    /* another program's database is not filled with hilbench's tables */
    {{"runs", "--db", "@/foreign.db"}, {"foreign.db", "not a hilbench database"}, NULL, NULL,
     NULL},
    {{"infer", "@/sine.tflite", "--input", "@/in.bin", "--output", "@/out.bin",
      "--dump-layers", "@/in.bin"}, {"in.bin", "not a folder"}, NULL, NULL, NULL},
    /* a newline in a file name does not split the line */
    {{"inspect", "@/two\nlines.tflite"}, {"two\\x0alines.tflite", "No such file"}, NULL,
     NULL, NULL},
};

static const char *at_dir(const char *dir, const char *arg)
{
    return arg[0] == '@' ? hbt_path("%s%s", dir, arg + 1) : arg;
}

START_TEST(bad_input_one_line)
{
    const bad_input *c = &bad_inputs[_i];
    const char *dir = hbt_tmpdir("hostile-input");
    size_t len = 0;
    uint8_t *m = hbt_read_file(sine("float"), &len), *blob;
    float x = 0.5f;

    ck_assert_ptr_nonnull(m);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/sine.tflite", dir), m, len), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/trunc.tflite", dir), m, len / 2), 0);
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/in.bin", dir), &x, sizeof(x)), 0);
    free(m);
    blob = make_blob(dir, &len);
    blob[nn_rd_u32(blob + NN_BH_DATA_OFF) + 5] ^= 0x10;
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/damaged.blob", dir), blob, len), 0);
    free(blob);
    hbt_sql_int(hbt_path("%s/foreign.db", dir), "CREATE TABLE notes (text)");

    const char *args[16];
    int n = 0;
    for (; c->args[n]; n++)
        args[n] = strdup(at_dir(dir, c->args[n]));
    args[n] = NULL;
    char *out = NULL;
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 1 || rc == 2, "%s: exit %d:\n%s", c->args[0], rc, out);
    ck_assert_msg(!strncmp(out, "hilbench: error: ", 17) && strchr(out, '\n') &&
                      strchr(out, '\n')[1] == '\0', "not one error line:\n%s", out);
    for (int k = 0; k < 3 && c->want[k]; k++)
        ck_assert_msg(strstr(out, c->want[k]), "'%s' not in: %s", c->want[k], out);
    if (c->once) {
        const char *first = strstr(out, c->once);
        ck_assert_msg(first && !strstr(first + 1, c->once), "'%s' not once in: %s", c->once,
                      out);
    }
    if (c->never)
        ck_assert_msg(!strstr(out, at_dir(dir, c->never)), "'%s' in: %s", c->never, out);
    if (c->absent)
        ck_assert_msg(access(at_dir(dir, c->absent), F_OK) != 0, "%s was made", c->absent);
    ck_assert_int_eq(hbt_sql_int(hbt_path("%s/foreign.db", dir),
                                 "SELECT count(*) FROM sqlite_master"), 1);
    for (int k = 0; k < n; k++)
        free((char *)args[k]);
    free(out);
}
END_TEST

static Suite *hostile_suite(void)
{
    Suite *s = suite_create("hostile");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, profile_shell_injection);
    tcase_add_test(tc, labels_outside_the_folder);
    tcase_add_test(tc, board_with_absurd_sizes);
    tcase_add_test(tc, blobs_out_of_bounds_overlapping_damaged);
    tcase_add_test(tc, tflite_data_past_its_end);
    tcase_add_loop_test(tc, bad_input_one_line, 0,
                        (int)(sizeof(bad_inputs) / sizeof(bad_inputs[0])));
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(hostile_suite)
