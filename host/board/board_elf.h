/*
 * board_elf.h: what a board's firmware image occupies, read from its ELF
 * section headers.
 *
 * Namespace: board_elf_.
 *
 * Only 32-bit little-endian ELF files are read: the firmware of the
 * microcontrollers hilbench targets (Cortex-M, RISC-V 32). Sections count
 * by their flags, not their names, so any linker script works:
 *
 *   flash = every allocated section with contents (SHF_ALLOC, not
 *           SHT_NOBITS): code, constants, vector tables, and the initial
 *           values of .data, which are stored in flash and copied out
 *   ram   = every allocated writable section (SHF_ALLOC | SHF_WRITE):
 *           .data, .bss, stacks, heaps
 *
 * except the sections named ".hb_model" and ".hb_arena": the stub's model
 * buffer and arena, sized to hold any model, whose used parts the results
 * record on their own (the memory row's model_bytes and arena_bytes).
 */
#ifndef BOARD_ELF_H
#define BOARD_ELF_H

#include <stddef.h>
#include <stdint.h>

#include "../util/hb_error.h"

/* Reads the footprint of the image at path. HB_ERR_UNSUPPORTED if the
 * file is not a 32-bit little-endian ELF file (a host executable, a raw
 * binary: callers may skip it); HB_ERR_FORMAT naming the path if it is one
 * but its headers are truncated or inconsistent; hb_read_file()'s errors.
 * Both outputs are 0 on failure. */
hb_status board_elf_footprint(const char *path, uint64_t *flash_bytes,
                              uint64_t *ram_bytes);

/* The same for an image in memory; name is used in messages only. */
hb_status board_elf_footprint_mem(const uint8_t *data, size_t len, const char *name,
                                  uint64_t *flash_bytes, uint64_t *ram_bytes);

#endif
