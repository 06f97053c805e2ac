/*
 * hb_file.h: small file and path helpers of the host.
 *
 * Namespace: hb_.
 *
 * Ownership: buffers and strings returned through out-pointers are
 * malloc'ed for the caller (free).
 */
#ifndef HB_FILE_H
#define HB_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "hb_error.h"

/* Reads a whole file. HB_ERR_NOT_FOUND / HB_ERR_FAIL name the path. */
hb_status hb_read_file(const char *path, uint8_t **buf, size_t *len);
/* Writes a whole file through a temporary name and rename(), so readers
 * never see half a file. */
hb_status hb_write_file(const char *path, const void *buf, size_t len);
/* mkdir -p; HB_ERR_ARG if path (or a folder on the way) is a file. */
hb_status hb_mkdirs(const char *path);
/* Lower-case hex SHA-256 of buf into out (65 bytes). */
void hb_sha256_hex(const void *buf, size_t len, char out[65]);
/* Lower-case hex of bytes; *out malloc'ed. */
hb_status hb_hex(const void *buf, size_t len, char **out);
/* Sorted (strcmp) names of the regular files in dir ending in suffix.
 * *names is an array of n malloc'ed strings (free each and the array). */
hb_status hb_list_dir(const char *dir, const char *suffix, char ***names, int *n);
void hb_free_names(char **names, int n);

/* Folders found relative to the running executable: <prefix>/bin/hilbench
 * with <prefix>/share/hilbench/boards and <prefix>/lib/hilbench (the build
 * tree has the same shape as an installation). Static strings. */
const char *hb_boards_dir(void);
const char *hb_firmware_dir(void);

#endif
