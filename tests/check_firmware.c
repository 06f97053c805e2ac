/*
 * check_firmware.c: the firmware for real boards (NUCLEO-L4R5ZI,
 * NUCLEO-F446RE), checked without the boards: each ELF image is a 32-bit
 * Arm executable whose vector table sits at the flash base (the initial
 * stack pointer inside RAM, every handler a Thumb address inside flash),
 * every section lies in the board's flash or RAM, its footprint
 * (board_elf_footprint) fits, and its raw .bin starts with the same
 * vector table; each board profile loads and its flash command expands to
 * an argv that programs that image.
 *
 * Skipped (exit status 77) when the images are missing (arm-none-eabi-gcc
 * absent at build time).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "board/board.h"
#include "board/board_elf.h"
#include "check_util.h"

#define EM_ARM 40
#define ET_EXEC 2
#define PT_LOAD 1
#define SHF_ALLOC 0x2u

static const struct {
    const char *board;       /* profile name (boards/<board>.ini) */
    const char *image;       /* ELF in the firmware folder */
    const char *bin;         /* raw image next to it */
    const char *target_cfg;  /* OpenOCD target script in the flash command */
    uint64_t clock_hz;
    uint32_t flash_base, flash_bytes;
    uint32_t ram_base, ram_bytes;
    int irq_count;           /* interrupts after the 16 system exceptions */
} boards[] = {
    {"nucleo-l4r5zi", "hilbench-stub-nucleo-l4r5zi.elf", "hilbench-stub-nucleo-l4r5zi.bin",
     "target/stm32l4x.cfg", 120000000u, 0x08000000u, 2048u << 10, 0x20000000u, 640u << 10,
     95},
    {"nucleo-f446re", "hilbench-stub-nucleo-f446re.elf", "hilbench-stub-nucleo-f446re.bin",
     "target/stm32f4x.cfg", 180000000u, 0x08000000u, 512u << 10, 0x20000000u, 128u << 10,
     97},
};
#define N_BOARDS ((int)(sizeof(boards) / sizeof(boards[0])))

/* The firmware folder: the native stub's (HB_STUB_NATIVE). */
static const char *firmware_dir(void)
{
    static char dir[4096];
    const char *native = getenv("HB_STUB_NATIVE");
    snprintf(dir, sizeof(dir), "%s", native ? native : "./x");
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return dir;
}

/* The board profiles hilbench uses: <bin>/../share/hilbench/boards. */
static const char *profile_path(const char *board)
{
    static char dir[4096];
    snprintf(dir, sizeof(dir), "%s", hbt_hilbench());
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = '\0';
    return hbt_path("%s/../share/hilbench/boards/%s.ini", dir, board);
}

static uint32_t rd16(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* A whole ELF image, its header checked: 32-bit, little-endian, an Arm
 * executable, program and section headers inside the file. */
typedef struct {
    uint8_t *data;
    size_t len;
    uint32_t phoff, shoff;
    uint32_t phnum, shnum, phentsize, shentsize;
} elf_image;

static void elf_open(elf_image *e, const char *path)
{
    e->data = hbt_read_file(path, &e->len);
    ck_assert_msg(e->data != NULL, "cannot read %s", path);
    ck_assert_uint_ge(e->len, 52);
    ck_assert_msg(memcmp(e->data, "\177ELF", 4) == 0, "%s is not an ELF file", path);
    ck_assert_msg(e->data[4] == 1 && e->data[5] == 1, "%s: not 32-bit little-endian", path);
    ck_assert_uint_eq(rd16(e->data + 16), ET_EXEC);
    ck_assert_msg(rd16(e->data + 18) == EM_ARM, "%s: e_machine %u, not Arm (40)", path,
                  rd16(e->data + 18));
    e->phoff = rd32(e->data + 28);
    e->shoff = rd32(e->data + 32);
    e->phentsize = rd16(e->data + 42);
    e->phnum = rd16(e->data + 44);
    e->shentsize = rd16(e->data + 46);
    e->shnum = rd16(e->data + 48);
    ck_assert_uint_ge(e->phentsize, 32);
    ck_assert_uint_ge(e->shentsize, 40);
    ck_assert_uint_le((uint64_t)e->phoff + (uint64_t)e->phnum * e->phentsize, e->len);
    ck_assert_uint_le((uint64_t)e->shoff + (uint64_t)e->shnum * e->shentsize, e->len);
}

/* The file bytes loaded at address addr (its load address, p_paddr), n of
 * them, or NULL if no loadable segment holds them all. */
static const uint8_t *elf_at(const elf_image *e, uint32_t addr, uint32_t n)
{
    for (uint32_t i = 0; i < e->phnum; i++) {
        const uint8_t *ph = e->data + e->phoff + (size_t)i * e->phentsize;
        uint32_t offset = rd32(ph + 4), paddr = rd32(ph + 12), filesz = rd32(ph + 16);
        if (rd32(ph) != PT_LOAD || addr < paddr || (uint64_t)addr + n > (uint64_t)paddr + filesz)
            continue;
        if ((uint64_t)offset + filesz > e->len)
            return NULL;
        return e->data + offset + (addr - paddr);
    }
    return NULL;
}

static int inside(uint64_t at, uint64_t n, uint64_t base, uint64_t bytes)
{
    return at >= base && at + n <= base + bytes;
}

/* The ELF: an Arm executable with its vector table at the flash base. */
START_TEST(firmware_vector_table)
{
    elf_image e;
    const char *path = hbt_path("%s/%s", firmware_dir(), boards[_i].image);
    elf_open(&e, path);
    ck_assert_uint_eq(rd32(e.data + 24) & 1u, 1u); /* e_entry: Thumb */

    int n_vectors = 16 + boards[_i].irq_count;
    const uint8_t *v = elf_at(&e, boards[_i].flash_base, 4u * (uint32_t)n_vectors);
    ck_assert_msg(v != NULL, "%s: nothing loaded at the flash base 0x%08x", path,
                  boards[_i].flash_base);
    uint32_t sp = rd32(v);
    ck_assert_msg(sp > boards[_i].ram_base && sp <= boards[_i].ram_base + boards[_i].ram_bytes,
                  "%s: initial SP 0x%08x outside RAM", path, sp);
    ck_assert_uint_eq(sp % 8, 0);
    for (int k = 1; k < n_vectors; k++) {
        uint32_t h = rd32(v + 4 * k);
        if (k >= 7 && k <= 10) /* reserved */
            continue;
        if (k == 13)
            continue;
        ck_assert_msg((h & 1u) && inside(h & ~1u, 2, boards[_i].flash_base,
                                         boards[_i].flash_bytes),
                      "%s: vector %d is 0x%08x, not a Thumb address in flash", path, k, h);
    }
    /* The entry point is the reset handler. */
    ck_assert_uint_eq(rd32(v + 4), rd32(e.data + 24));
    free(e.data);
}
END_TEST

/* Every allocated section lies in the board's flash or RAM, and the
 * footprint hilbench records fits. */
START_TEST(firmware_fits)
{
    elf_image e;
    const char *path = hbt_path("%s/%s", firmware_dir(), boards[_i].image);
    elf_open(&e, path);
    uint64_t in_flash = 0, in_ram = 0;
    for (uint32_t i = 0; i < e.shnum; i++) {
        const uint8_t *sh = e.data + e.shoff + (size_t)i * e.shentsize;
        uint32_t flags = rd32(sh + 8), addr = rd32(sh + 12), size = rd32(sh + 20);
        if (!(flags & SHF_ALLOC) || size == 0)
            continue;
        if (inside(addr, size, boards[_i].flash_base, boards[_i].flash_bytes))
            in_flash += size;
        else if (inside(addr, size, boards[_i].ram_base, boards[_i].ram_bytes))
            in_ram += size;
        else
            ck_abort_msg("%s: section %u at 0x%08x (%u bytes) is outside flash and RAM",
                         path, i, addr, size);
    }
    ck_assert_uint_gt(in_flash, 4096);
    ck_assert_uint_le(in_flash, boards[_i].flash_bytes);
    ck_assert_uint_le(in_ram, boards[_i].ram_bytes);

    uint64_t flash = 0, ram = 0;
    ck_assert_msg(board_elf_footprint(path, &flash, &ram) == HB_OK, "%s", hb_last_error());
    ck_assert_uint_gt(flash, 4096);
    ck_assert_uint_le(flash, boards[_i].flash_bytes);
    ck_assert_uint_gt(ram, 0);
    /* The statics leave at least half the RAM to the model and the arena. */
    ck_assert_uint_le(ram, boards[_i].ram_bytes / 2);
    free(e.data);
}
END_TEST

/* The raw image, for st-flash: the flash contents from the flash base. */
START_TEST(firmware_bin)
{
    const char *path = hbt_path("%s/%s", firmware_dir(), boards[_i].bin);
    struct stat st;
    if (stat(path, &st) != 0) {
        printf("check_firmware: no %s (arm-none-eabi-objcopy missing at build time)\n", path);
        return;
    }
    size_t len;
    uint8_t *bin = hbt_read_file(path, &len);
    ck_assert_ptr_nonnull(bin);
    ck_assert_uint_gt(len, 4096);
    ck_assert_uint_le(len, boards[_i].flash_bytes);

    elf_image e;
    elf_open(&e, hbt_path("%s/%s", firmware_dir(), boards[_i].image));
    const uint8_t *v = elf_at(&e, boards[_i].flash_base, 64);
    ck_assert_ptr_nonnull(v);
    ck_assert_msg(memcmp(bin, v, 64) == 0, "%s does not start with the ELF's vector table", path);
    free(e.data);
    free(bin);
}
END_TEST

/* The profile loads, names this image, and its flash command programs it. */
START_TEST(firmware_profile)
{
    board_profile *b = NULL;
    const char *ini = profile_path(boards[_i].board);
    ck_assert_msg(board_load(ini, firmware_dir(), &b) == HB_OK, "%s", hb_last_error());
    ck_assert_str_eq(b->name, boards[_i].board);
    ck_assert_str_eq(b->cpu, "cortex-m4f");
    ck_assert_str_eq(b->timing_unit, "cycles");
    ck_assert_uint_eq(b->clock_hz, boards[_i].clock_hz);
    ck_assert_int_eq(b->link_type, BOARD_LINK_SERIAL);
    ck_assert_str_eq(b->port, "auto");
    ck_assert_str_eq(b->vid_pid, "0483:374b");
    ck_assert_int_eq(b->baud, 115200);
    ck_assert_int_ge(b->timeout_ms, 2000);
    ck_assert_int_ge(b->invoke_timeout_ms, 60000);
    ck_assert_ptr_null(b->launch_argv);
    ck_assert_ptr_nonnull(b->reset_argv);
    const char *image = hbt_path("%s/%s", firmware_dir(), boards[_i].image);
    ck_assert_str_eq(b->image, image);
    ck_assert_msg(access(b->image, R_OK) == 0, "%s not readable", b->image);

    ck_assert_ptr_nonnull(b->flash_argv);
    board_vars vars = {.image = b->image};
    char **argv = NULL;
    ck_assert_msg(board_argv_expand(b->flash_argv, &vars, &argv) == HB_OK, "%s",
                  hb_last_error());
    ck_assert_str_eq(argv[0], "openocd");
    int target = 0, program = 0;
    const char *want = hbt_path("program {%s} verify reset exit", b->image);
    for (int k = 1; argv[k]; k++) {
        if (strcmp(argv[k - 1], "-f") == 0 && strcmp(argv[k], boards[_i].target_cfg) == 0)
            target = 1;
        if (strcmp(argv[k - 1], "-c") == 0 && strcmp(argv[k], want) == 0)
            program = 1;
    }
    ck_assert_msg(target, "the flash command lacks -f %s", boards[_i].target_cfg);
    ck_assert_msg(program, "the flash command lacks -c \"%s\"", want);
    board_argv_free(argv);
    board_free(b);
}
END_TEST

/* nucleo-f446re-flash: the same image, the model in flash. Its flash
 * command programs the image, then the blob at the flash model region's
 * start as the linker script places it, and only then starts the board. */
START_TEST(firmware_flash_profile)
{
    board_profile *b = NULL;
    const char *ini = profile_path("nucleo-f446re-flash");
    ck_assert_msg(board_load(ini, firmware_dir(), &b) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(b->model_in_flash, 1);
    ck_assert_int_eq(b->link_type, BOARD_LINK_SERIAL);
    ck_assert_str_eq(b->vid_pid, "0483:374b");
    ck_assert_str_eq(b->image, hbt_path("%s/hilbench-stub-nucleo-f446re.elf", firmware_dir()));

    size_t len = 0;
    char *ld = (char *)hbt_read_file(
        hbt_path("%s/target-stub/ports/nucleo-f446re/nucleo-f446re.ld", getenv("HB_SOURCE_DIR")),
        &len);
    ck_assert_ptr_nonnull(ld);
    ck_assert_ptr_nonnull(strstr(ld, "FLASH_MODEL (r) : ORIGIN = 0x08020000, LENGTH = 384K"));
    free(ld);

    board_vars vars = {.image = b->image, .blob = "/tmp/x/model.blob"};
    char **argv = NULL;
    ck_assert_msg(board_argv_expand(b->flash_argv, &vars, &argv) == HB_OK, "%s",
                  hb_last_error());
    const char *want[] = {hbt_path("program {%s} verify", b->image),
                          "program {/tmp/x/model.blob} 0x08020000 verify reset exit"};
    int at = 0;
    for (int k = 1; argv[k] && at < 2; k++)
        if (strcmp(argv[k - 1], "-c") == 0 && strcmp(argv[k], want[at]) == 0)
            at++;
    ck_assert_msg(at == 2, "the flash command lacks, in order, -c \"%s\"", want[at]);
    board_argv_free(argv);
    board_free(b);
}
END_TEST

static Suite *firmware_suite(void)
{
    Suite *s = suite_create("firmware");
    TCase *tc = tcase_create("boards");
    tcase_add_loop_test(tc, firmware_vector_table, 0, N_BOARDS);
    tcase_add_loop_test(tc, firmware_fits, 0, N_BOARDS);
    tcase_add_loop_test(tc, firmware_bin, 0, N_BOARDS);
    tcase_add_loop_test(tc, firmware_profile, 0, N_BOARDS);
    tcase_add_test(tc, firmware_flash_profile);
    suite_add_tcase(s, tc);
    return s;
}

/* Like HBT_MAIN, after checking that there is something to check. */
int main(void)
{
    struct stat st;
    for (int i = 0; i < N_BOARDS; i++) {
        const char *path = hbt_path("%s/%s", firmware_dir(), boards[i].image);
        if (stat(path, &st) != 0) {
            printf("SKIPPED check_firmware: no firmware %s (arm-none-eabi-gcc was not "
                   "found at build time)\n", path);
            return 77;
        }
    }
    return hbt_main(firmware_suite, "firmware_suite", 0);
}
