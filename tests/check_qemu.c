/*
 * check_qemu.c: the stub firmware on an emulated Cortex-M4F, end to end:
 * `hilbench run --board qemu-mps2-an386` gives the host engine's outputs,
 * identical instruction counts on every run, stack, arena and firmware
 * footprint; a board that never answers times out clearly; a firmware
 * fault is reported with the variant, the vector and the op; QEMU is gone
 * afterwards in every case. Also board_elf_footprint() on good and damaged
 * images.
 *
 * Skipped (exit status 77) when qemu-system-arm or the firmware is missing
 * (arm-none-eabi-gcc absent at build time).
 */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "board/board_elf.h"
#include "check_util.h"

#define BOARD "qemu-mps2-an386"
#define FIRMWARE "hilbench-stub-mps2-an386.elf"
#define FAULT_FIRMWARE "hilbench-stub-mps2-an386-fault-test.elf"

/* The firmware folder: the native stub's (HB_STUB_NATIVE). */
static const char *firmware_path(const char *name)
{
    static char dir[4096];
    const char *native = getenv("HB_STUB_NATIVE");
    snprintf(dir, sizeof(dir), "%s", native ? native : "./x");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return hbt_path("%s/%s", dir, name);
}

/* The board profiles hilbench uses: <bin>/../share/hilbench/boards. */
static const char *profile_path(void)
{
    static char dir[4096];
    snprintf(dir, sizeof(dir), "%s", hbt_hilbench());
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return hbt_path("%s/../share/hilbench/boards/%s.ini", dir, BOARD);
}

/* Board processes must not outlive hilbench: as a sub-reaper, the test
 * inherits any QEMU hilbench left behind. */
static void become_subreaper(void)
{
    ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

static int running_children(void)
{
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
        ;
    return p == 0;
}

/* text with every `from` replaced by `to` (malloc'ed). */
static char *replace(const char *text, const char *from, const char *to)
{
    size_t nf = strlen(from), nt = strlen(to), n = 0;
    for (const char *p = text; (p = strstr(p, from)); p += nf)
        n++;
    char *out = malloc(strlen(text) + n * nt + 1), *q = out;
    ck_assert_ptr_nonnull(out);
    for (const char *p = text, *hit; ; p = hit + nf) {
        hit = strstr(p, from);
        size_t keep = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(q, p, keep);
        q += keep;
        if (!hit)
            break;
        memcpy(q, to, nt);
        q += nt;
    }
    *q = '\0';
    return out;
}

/* Writes dir/name.ini: the real profile under another name, with another
 * firmware image and extra QEMU options before -kernel. */
static void write_variant_profile(const char *dir, const char *name, const char *image,
                                  const char *qemu_extra)
{
    size_t len;
    char *text = (char *)hbt_read_file(profile_path(), &len);
    ck_assert_msg(text != NULL, "cannot read %s", profile_path());
    ck_assert_ptr_nonnull(strstr(text, "name = " BOARD "\n"));
    ck_assert_ptr_nonnull(strstr(text, "image = " FIRMWARE "\n"));
    ck_assert_ptr_nonnull(strstr(text, "-kernel {image}"));
    char *a = replace(text, "name = " BOARD "\n", hbt_path("name = %s\n", name));
    char *b = replace(a, "image = " FIRMWARE "\n", hbt_path("image = %s\n", image));
    char *c = replace(b, "-kernel {image}", hbt_path("%s -kernel {image}", qemu_extra));
    ck_assert_int_eq(hbt_write_file(hbt_path("%s/%s.ini", dir, name), c, strlen(c)), 0);
    free(text);
    free(a);
    free(b);
    free(c);
}

/* Runs sine_int8 and returns the run's JSON. */
static json_t *run_sine(const char *db, const char *run_id)
{
    const char *model = hbt_path("%s/sine_int8.tflite", hbt_models_dir());
    const char *vecs = hbt_path("%s/sine_data", hbt_models_dir());
    char *out = NULL;
    const char *args[] = {"run", "--board", BOARD, "--model", model, "--vectors", vecs,
                          "--repeat", "2", "--warmup", "1", "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 32/32"), "%s", out);
    free(out);
    return hbt_show_json(db, run_id);
}

START_TEST(qemu_sine_int8_deterministic)
{
    const char *dir = hbt_tmpdir("qemu");
    char db[4096];
    snprintf(db, sizeof(db), "%s/q.db", dir);
    become_subreaper();
    json_t *a = run_sine(db, "1");
    ck_assert_int_eq(running_children(), 0);
    json_t *b = run_sine(db, "2");
    ck_assert_int_eq(running_children(), 0);

    json_t *run = json_object_get(a, "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "ok");
    ck_assert_str_eq(json_string_value(json_object_get(run, "board")), BOARD);
    ck_assert_str_eq(json_string_value(json_object_get(run, "timing_unit")), "instructions");
    ck_assert(json_real_value(json_object_get(run, "counter_hz")) == 25e6);

    json_t *va = json_array_get(json_object_get(a, "variants"), 0);
    json_t *vb = json_array_get(json_object_get(b, "variants"), 0);
    ck_assert_int_gt(json_integer_value(json_object_get(va, "arena_bytes")), 0);
    ck_assert_int_gt(json_integer_value(json_object_get(va, "stack_bytes")), 0);
    ck_assert_int_gt(json_integer_value(json_object_get(va, "firmware_flash_bytes")), 1000);
    ck_assert_int_gt(json_integer_value(json_object_get(va, "firmware_ram_bytes")), 1000);
    ck_assert_int_eq(json_integer_value(json_object_get(va, "stack_bytes")),
                     json_integer_value(json_object_get(vb, "stack_bytes")));

    /* Counts: every repeat of every vector, and every layer, the same in
     * both runs; and the same across the repeats of one run. */
    json_t *ia = json_object_get(va, "inferences"), *ib = json_object_get(vb, "inferences");
    ck_assert_int_eq(json_array_size(ia), 32);
    ck_assert_int_eq(json_array_size(ib), 32);
    for (size_t k = 0; k < 32; k++) {
        json_t *ra = json_object_get(json_array_get(ia, k), "repeat_cycles");
        json_t *rb = json_object_get(json_array_get(ib, k), "repeat_cycles");
        ck_assert_int_eq(json_array_size(ra), 2);
        ck_assert_msg(json_equal(ra, rb), "vector %zu: counts differ between runs", k);
        json_int_t c0 = json_integer_value(json_array_get(ra, 0));
        ck_assert_int_gt(c0, 1000);
        ck_assert_int_eq(c0, json_integer_value(json_array_get(ra, 1)));
    }
    json_t *la = json_object_get(va, "layers"), *lb = json_object_get(vb, "layers");
    ck_assert_int_eq(json_array_size(la), 3);
    for (size_t l = 0; l < 3; l++) {
        json_int_t ca = json_integer_value(json_object_get(json_array_get(la, l), "cycles_median"));
        json_int_t cb = json_integer_value(json_object_get(json_array_get(lb, l), "cycles_median"));
        ck_assert_int_gt(ca, 0);
        ck_assert_int_eq(ca, cb);
    }
    json_decref(a);
    json_decref(b);
}
END_TEST

START_TEST(qemu_hello_world_goldens)
{
    const char *shared = hbt_shared_dir();
    if (!shared) {
        printf("check_qemu: ../shared not found: golden test not run\n");
        return;
    }
    const char *dir = hbt_tmpdir("qemu-gold");
    char gold[4096], vecs[4096], db[4096];
    snprintf(gold, sizeof(gold), "%s/goldens/hello_world_int8", shared);
    snprintf(vecs, sizeof(vecs), "%s/vectors", dir);
    snprintf(db, sizeof(db), "%s/g.db", dir);
    mkdir(vecs, 0777);
    for (int k = 0; k < 4; k++) {
        size_t n;
        uint8_t *b = hbt_read_file(hbt_path("%s/input_%d.bin", gold, k), &n);
        ck_assert_ptr_nonnull(b);
        ck_assert_int_eq(hbt_write_file(hbt_path("%s/input_%d.bin", vecs, k), b, n), 0);
        free(b);
    }
    become_subreaper();
    char *out = NULL;
    const char *args[] = {"run", "--board", BOARD, "--model",
                          hbt_path("%s/models/hello_world_int8.tflite", shared), "--vectors",
                          vecs, "--repeat", "2", "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert_msg(strstr(out, "outputs identical to the host engine: 4/4"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);

    json_t *j = hbt_show_json(db, "1");
    json_t *infs = json_object_get(json_array_get(json_object_get(j, "variants"), 0),
                                   "inferences");
    ck_assert_int_eq(json_array_size(infs), 4);
    for (int k = 0; k < 4; k++) {
        size_t n;
        uint8_t *want = hbt_read_file(hbt_path("%s/output_%d.bin", gold, k), &n);
        ck_assert_ptr_nonnull(want);
        char hex[256] = "";
        for (size_t i = 0; i < n && 2 * i + 2 < sizeof(hex); i++)
            snprintf(hex + 2 * i, 3, "%02x", want[i]);
        json_t *inf = json_array_get(infs, (size_t)k);
        ck_assert_str_eq(json_string_value(json_object_get(inf, "vector")),
                         hbt_path("input_%d.bin", k));
        ck_assert_str_eq(json_string_value(json_object_get(inf, "output_hex")), hex);
        free(want);
    }
    json_decref(j);
}
END_TEST

/* QEMU started with -S never runs the firmware: HELLO times out, and the
 * frozen QEMU is stopped. */
START_TEST(qemu_never_answers)
{
    const char *dir = hbt_tmpdir("qemu-frozen");
    char boards[4096], db[4096];
    snprintf(boards, sizeof(boards), "%s", dir);
    snprintf(db, sizeof(db), "%s/f.db", dir);
    write_variant_profile(boards, "qemu-frozen", firmware_path(FIRMWARE), "-S");
    become_subreaper();
    char *out = NULL;
    const char *args[] = {"run", "--board", "qemu-frozen", "--boards", boards, "--model",
                          hbt_path("%s/sine_int8.tflite", hbt_models_dir()), "--random", "1",
                          "--db", db, "--quiet", NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc != 0, "%s", out);
    ck_assert_msg(strstr(out, "qemu-frozen") && strstr(out, "did not answer"), "%s", out);
    free(out);
    ck_assert_int_eq(running_children(), 0);
}
END_TEST

/* The fault-test firmware divides by zero in op 1: the error names the
 * fault, the op, the variant and the vector; the run is marked failed. */
START_TEST(qemu_fault_is_reported)
{
    const char *dir = hbt_tmpdir("qemu-fault");
    char boards[4096], db[4096];
    snprintf(boards, sizeof(boards), "%s", dir);
    snprintf(db, sizeof(db), "%s/f.db", dir);
    write_variant_profile(boards, "qemu-fault", firmware_path(FAULT_FIRMWARE), "");
    become_subreaper();
    char *out = NULL;
    const char *args[] = {"run", "--board", "qemu-fault", "--boards", boards, "--model",
                          hbt_path("%s/sine_int8.tflite", hbt_models_dir()), "--vectors",
                          hbt_path("%s/sine_data", hbt_models_dir()), "--db", db, "--quiet",
                          NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc != 0, "%s", out);
    ck_assert_msg(strstr(out, "UsageFault: divide by zero") && strstr(out, "PC 0x"), "%s", out);
    ck_assert_msg(strstr(out, "in op 1 (FULLY_CONNECTED)"), "%s", out);
    ck_assert_msg(strstr(out, "variant float of ") && strstr(out, "vector x_000.bin"), "%s",
                  out);
    free(out);
    ck_assert_int_eq(running_children(), 0);

    json_t *j = hbt_show_json(db, "1");
    json_t *run = json_object_get(j, "run");
    ck_assert_str_eq(json_string_value(json_object_get(run, "status")), "failed");
    ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(run, "error")), "op 1"));
    json_decref(j);
}
END_TEST

/* Another board's image has no vector table where mps2-an386 looks for it:
 * the core locks up before the stub answers and QEMU aborts. The error says
 * so (the lockup line, not the register dump after it), every time. */
START_TEST(qemu_lockup_is_reported)
{
    const char *dir = hbt_tmpdir("qemu-lockup");
    char boards[4096], db[4096];
    snprintf(boards, sizeof(boards), "%s", dir);
    snprintf(db, sizeof(db), "%s/l.db", dir);
    write_variant_profile(boards, "qemu-lockup",
                          firmware_path("hilbench-stub-nucleo-f446re.elf"), "");
    become_subreaper();
    for (int k = 0; k < 3; k++) {
        char *out = NULL;
        const char *args[] = {"run", "--board", "qemu-lockup", "--boards", boards,
                              "--model", hbt_path("%s/sine_int8.tflite", hbt_models_dir()),
                              "--random", "1", "--db", db, "--quiet", NULL};
        int rc = hbt_hb(&out, args);
        ck_assert_msg(rc != 0, "%s", out);
        ck_assert_msg(strstr(out, "qemu-lockup") && strstr(out, "signal 6") &&
                          strstr(out, "Lockup"), "%s", out);
        free(out);
        ck_assert_int_eq(running_children(), 0);
    }
}
END_TEST

/* board_elf_footprint ------------------------------------------------------ */

START_TEST(elf_footprint_of_firmware)
{
    uint64_t flash = 1, ram = 1;
    ck_assert_int_eq(board_elf_footprint(firmware_path(FIRMWARE), &flash, &ram), HB_OK);
    /* Code and constants, and the stacks and statics; not the 16 MiB of
     * model buffer and arena. */
    ck_assert_uint_gt(flash, 4096);
    ck_assert_uint_lt(flash, 1u << 20);
    ck_assert_uint_gt(ram, 64u << 10); /* at least the 64 KiB stack */
    ck_assert_uint_lt(ram, 1u << 20);

    /* A host executable (ELF64) is not a firmware image. */
    ck_assert_int_eq(board_elf_footprint(getenv("HB_STUB_NATIVE"), &flash, &ram),
                     HB_ERR_UNSUPPORTED);
    ck_assert_uint_eq(flash, 0);
    ck_assert_uint_eq(ram, 0);
    ck_assert_int_eq(board_elf_footprint("/nonexistent.elf", &flash, &ram), HB_ERR_NOT_FOUND);
}
END_TEST

/* Damaged copies of the firmware: each refused as HB_ERR_FORMAT (or
 * UNSUPPORTED for a wrong class), never read out of bounds (the sanitizer
 * build checks). */
static const struct {
    const char *what;
    size_t cut;      /* keep this many bytes (0: all) */
    size_t at;       /* then overwrite 4 bytes here with value */
    uint32_t value;
    size_t value_bytes;
    hb_status want;
} elf_damage[] = {
    {"header cut short", 40, 0, 0, 0, HB_ERR_FORMAT},
    {"ident only", 16, 0, 0, 0, HB_ERR_FORMAT},
    {"not ELF", 0, 0, 0x464c457eu, 4, HB_ERR_UNSUPPORTED},
    {"ELF64 class", 0, 4, 2, 1, HB_ERR_UNSUPPORTED},
    {"big-endian", 0, 5, 2, 1, HB_ERR_UNSUPPORTED},
    {"no section headers", 0, 32, 0, 4, HB_ERR_FORMAT},
    {"section headers past the end", 0, 32, 0xFFFFFFF0u, 4, HB_ERR_FORMAT},
    {"section header size too small", 0, 46, 8, 2, HB_ERR_FORMAT},
    {"too many sections", 0, 48, 0xFF00, 2, HB_ERR_FORMAT},
    {"name table index out of range", 0, 50, 0xFEFF, 2, HB_ERR_FORMAT},
    {"no name table", 0, 50, 0, 2, HB_ERR_FORMAT},
    {"file cut in the section headers", 1, 0, 0, 0, HB_ERR_FORMAT},
};

START_TEST(elf_footprint_damaged)
{
    size_t len;
    uint8_t *elf = hbt_read_file(firmware_path(FIRMWARE), &len);
    ck_assert_ptr_nonnull(elf);
    ck_assert_uint_gt(len, 64);
    size_t n = len;
    if (elf_damage[_i].cut == 1)
        n = len - 20; /* the section headers end the file */
    else if (elf_damage[_i].cut)
        n = elf_damage[_i].cut;
    for (size_t k = 0; k < elf_damage[_i].value_bytes; k++)
        elf[elf_damage[_i].at + k] = (uint8_t)(elf_damage[_i].value >> (8 * k));
    /* An exact-size copy, so the sanitizer sees any read past the end. */
    uint8_t *copy = malloc(n);
    memcpy(copy, elf, n);
    uint64_t flash = 1, ram = 1;
    hb_status st = board_elf_footprint_mem(copy, n, "fw.elf", &flash, &ram);
    ck_assert_msg(st == elf_damage[_i].want, "%s: status %d (%s)", elf_damage[_i].what, st,
                  hb_last_error());
    ck_assert_uint_eq(flash, 0);
    ck_assert_uint_eq(ram, 0);
    ck_assert_ptr_nonnull(strstr(hb_last_error(), "fw.elf"));
    free(copy);
    free(elf);
}
END_TEST

static Suite *qemu_suite(void)
{
    Suite *s = suite_create("qemu");
    TCase *tc = tcase_create("mps2-an386");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, qemu_sine_int8_deterministic);
    tcase_add_test(tc, qemu_hello_world_goldens);
    tcase_add_test(tc, qemu_never_answers);
    tcase_add_test(tc, qemu_fault_is_reported);
    tcase_add_test(tc, qemu_lockup_is_reported);
    suite_add_tcase(s, tc);
    TCase *te = tcase_create("elf");
    tcase_add_test(te, elf_footprint_of_firmware);
    tcase_add_loop_test(te, elf_footprint_damaged, 0,
                        (int)(sizeof(elf_damage) / sizeof(elf_damage[0])));
    suite_add_tcase(s, te);
    return s;
}

/* Like HBT_MAIN, after checking that there is something to run. */
int main(void)
{
    char *qemu_argv[] = {"qemu-system-arm", "--version", NULL};
    char *out = NULL;
    struct stat st;
    if (hbt_run(qemu_argv, &out) != 0) {
        printf("SKIPPED check_qemu: qemu-system-arm not found (Debian: qemu-system-arm)\n");
        free(out);
        return 77;
    }
    free(out);
    if (stat(firmware_path(FIRMWARE), &st) != 0 || stat(firmware_path(FAULT_FIRMWARE), &st) != 0) {
        printf("SKIPPED check_qemu: no firmware %s (arm-none-eabi-gcc was not found "
               "at build time)\n", firmware_path(FIRMWARE));
        return 77;
    }
    return hbt_main(qemu_suite, "qemu_suite", 0);
}
