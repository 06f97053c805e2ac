/*
 * board_elf.c: a firmware's flash and RAM footprint from its ELF32 section
 * headers (see board_elf.h for what counts where).
 *
 * Every field is read with a little-endian loader and every offset and
 * size is checked against the file before use: the image is whatever the
 * profile names, not necessarily a well-formed ELF file.
 */
#include "board_elf.h"

#include <stdlib.h>
#include <string.h>

#include "../util/hb_file.h"

#define EHDR_BYTES 52u  /* ELF32 file header */
#define SHDR_BYTES 40u  /* ELF32 section header */
#define SHT_NOBITS 8u
#define SHF_WRITE 0x1u
#define SHF_ALLOC 0x2u
#define SHN_UNDEF 0u
#define SHN_XINDEX 0xFFFFu

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Is [off, off + n) inside a buffer of len bytes? */
static int in_bounds(uint64_t off, uint64_t n, size_t len)
{
    return off <= len && n <= len - off;
}

hb_status board_elf_footprint_mem(const uint8_t *d, size_t len, const char *name,
                                  uint64_t *flash_bytes, uint64_t *ram_bytes)
{
    uint64_t flash = 0, ram = 0;

    *flash_bytes = *ram_bytes = 0;
    if (len < 16 || memcmp(d, "\x7f" "ELF", 4) != 0)
        return hb_fail(HB_ERR_UNSUPPORTED, "%s: not an ELF file", name);
    if (d[4] != 1 || d[5] != 1)
        return hb_fail(HB_ERR_UNSUPPORTED, "%s: not a 32-bit little-endian ELF file", name);
    if (len < EHDR_BYTES)
        return hb_fail(HB_ERR_FORMAT, "%s: ELF header truncated (%zu bytes)", name, len);

    uint32_t shoff = rd32(d + 32);
    uint32_t shentsize = rd16(d + 46);
    uint32_t shnum = rd16(d + 48);
    uint32_t shstrndx = rd16(d + 50);
    if (shoff == 0)
        return hb_fail(HB_ERR_FORMAT, "%s: no section headers", name);
    if (shentsize < SHDR_BYTES)
        return hb_fail(HB_ERR_FORMAT, "%s: section header size %u is below %u", name,
                       shentsize, SHDR_BYTES);
    if (!in_bounds(shoff, SHDR_BYTES, len))
        return hb_fail(HB_ERR_FORMAT, "%s: section headers at %u lie outside the file", name,
                       shoff);
    /* More than 0xFF00 sections: the real numbers are in section 0. */
    if (shnum == 0)
        shnum = rd32(d + shoff + 20);
    if (shstrndx == SHN_XINDEX)
        shstrndx = rd32(d + shoff + 24);
    if (!in_bounds(shoff, (uint64_t)shnum * shentsize, len))
        return hb_fail(HB_ERR_FORMAT, "%s: %u section headers at %u run past the end", name,
                       shnum, shoff);
    if (shstrndx == SHN_UNDEF || shstrndx >= shnum)
        return hb_fail(HB_ERR_FORMAT, "%s: no section name table", name);

    const uint8_t *strsh = d + shoff + (uint64_t)shstrndx * shentsize;
    uint32_t str_off = rd32(strsh + 16), str_size = rd32(strsh + 20);
    if (rd32(strsh + 4) == SHT_NOBITS || !in_bounds(str_off, str_size, len))
        return hb_fail(HB_ERR_FORMAT, "%s: section name table outside the file", name);
    const char *strtab = (const char *)d + str_off;

    for (uint32_t i = 1; i < shnum; i++) {
        const uint8_t *sh = d + shoff + (uint64_t)i * shentsize;
        uint32_t name_off = rd32(sh), type = rd32(sh + 4), flags = rd32(sh + 8);
        uint32_t size = rd32(sh + 20);
        if (name_off >= str_size || !memchr(strtab + name_off, '\0', str_size - name_off))
            return hb_fail(HB_ERR_FORMAT, "%s: section %u has a bad name offset", name, i);
        if (!(flags & SHF_ALLOC))
            continue;
        const char *sname = strtab + name_off;
        if (strcmp(sname, ".hb_model") == 0 || strcmp(sname, ".hb_arena") == 0)
            continue;
        if (type != SHT_NOBITS)
            flash += size;
        if (flags & SHF_WRITE)
            ram += size;
    }
    *flash_bytes = flash;
    *ram_bytes = ram;
    return HB_OK;
}

hb_status board_elf_footprint(const char *path, uint64_t *flash_bytes, uint64_t *ram_bytes)
{
    uint8_t *data = NULL;
    size_t len = 0;
    hb_status st;

    *flash_bytes = *ram_bytes = 0;
    if ((st = hb_read_file(path, &data, &len)) != HB_OK)
        return st;
    st = board_elf_footprint_mem(data, len, path, flash_bytes, ram_bytes);
    free(data);
    return st;
}
