/*
 * hb_file.c: file, hashing and installation-path helpers.
 */
#include "hb_file.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

hb_status hb_read_file(const char *path, uint8_t **buf, size_t *len)
{
    FILE *f = NULL;
    uint8_t *b = NULL;
    struct stat st;
    hb_status rc = HB_OK;

    *buf = NULL;
    *len = 0;
    if (!(f = fopen(path, "rb")))
        return hb_fail(errno == ENOENT ? HB_ERR_NOT_FOUND : HB_ERR_FAIL, "%s: %s", path,
                       strerror(errno));
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
        rc = hb_fail(HB_ERR_FAIL, "%s: not a regular file", path);
        goto cleanup;
    }
    if (!(b = malloc((size_t)st.st_size + 1))) {
        rc = hb_fail(HB_ERR_MEM, "%s: out of memory (%lld bytes)", path,
                     (long long)st.st_size);
        goto cleanup;
    }
    if (fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        rc = hb_fail(HB_ERR_FAIL, "%s: read failed", path);
        goto cleanup;
    }
    b[st.st_size] = 0;
    *buf = b;
    *len = (size_t)st.st_size;
    b = NULL;
cleanup:
    free(b);
    if (f)
        fclose(f);
    return rc;
}

hb_status hb_write_file(const char *path, const void *buf, size_t len)
{
    char tmp[PATH_MAX];
    FILE *f;
    if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof(tmp))
        return hb_fail(HB_ERR_ARG, "path too long: %s", path);
    if (!(f = fopen(tmp, "wb")))
        return hb_fail(HB_ERR_FAIL, "%s: %s", path, strerror(errno));
    size_t n = fwrite(buf, 1, len, f);
    if (fclose(f) != 0 || n != len) {
        unlink(tmp);
        return hb_fail(HB_ERR_FAIL, "%s: write failed", path);
    }
    if (rename(tmp, path) != 0) {
        unlink(tmp);
        return hb_fail(HB_ERR_FAIL, "%s: %s", path, strerror(errno));
    }
    return HB_OK;
}

hb_status hb_mkdirs(const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof(tmp), "%s", path) >= (int)sizeof(tmp))
        return hb_fail(HB_ERR_ARG, "path too long: %s", path);
    for (char *p = tmp + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(tmp, 0777) != 0 && errno != EEXIST)
                return hb_fail(HB_ERR_FAIL, "mkdir %s: %s", tmp, strerror(errno));
            *p = c;
            if (!c)
                break;
        }
    }
    /* EEXIST above is also a file of that name */
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return hb_fail(HB_ERR_ARG, "%s: not a folder", path);
    return HB_OK;
}

void hb_sha256_hex(const void *buf, size_t len, char out[65])
{
    unsigned char md[32];
    unsigned int n = 0;
    EVP_Digest(buf, len, md, &n, EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    out[64] = '\0';
}

hb_status hb_hex(const void *buf, size_t len, char **out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *b = buf;
    char *s = malloc(2 * len + 1);
    if (!s)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (size_t i = 0; i < len; i++) {
        s[2 * i] = digits[b[i] >> 4];
        s[2 * i + 1] = digits[b[i] & 15];
    }
    s[2 * len] = '\0';
    *out = s;
    return HB_OK;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void hb_free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

hb_status hb_list_dir(const char *dir, const char *suffix, char ***names_out, int *n_out)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    size_t sl = strlen(suffix);

    *names_out = NULL;
    *n_out = 0;
    if (!d)
        return hb_fail(errno == ENOENT ? HB_ERR_NOT_FOUND : HB_ERR_FAIL, "%s: %s", dir,
                       strerror(errno));
    while ((e = readdir(d))) {
        size_t l = strlen(e->d_name);
        char path[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 64;
            char **nn = realloc(names, (size_t)cap * sizeof(char *));
            if (!nn)
                goto oom;
            names = nn;
        }
        if (!(names[n] = strdup(e->d_name)))
            goto oom;
        n++;
    }
    closedir(d);
    qsort(names, (size_t)n, sizeof(char *), cmp_names);
    *names_out = names;
    *n_out = n;
    return HB_OK;
oom:
    closedir(d);
    hb_free_names(names, n);
    return hb_fail(HB_ERR_MEM, "out of memory");
}

/* <prefix> = the folder above the one holding the executable. */
static const char *prefix_dir(void)
{
    static char prefix[PATH_MAX];
    if (prefix[0])
        return prefix;
    ssize_t n = readlink("/proc/self/exe", prefix, sizeof(prefix) - 1);
    if (n <= 0) {
        snprintf(prefix, sizeof(prefix), ".");
        return prefix;
    }
    prefix[n] = '\0';
    for (int k = 0; k < 2; k++) {
        char *slash = strrchr(prefix, '/');
        if (slash && slash != prefix)
            *slash = '\0';
    }
    return prefix;
}

const char *hb_boards_dir(void)
{
    static char dir[PATH_MAX + 32];
    if (!dir[0])
        snprintf(dir, sizeof(dir), "%s/share/hilbench/boards", prefix_dir());
    return dir;
}

const char *hb_firmware_dir(void)
{
    static char dir[PATH_MAX + 32];
    if (!dir[0])
        snprintf(dir, sizeof(dir), "%s/lib/hilbench", prefix_dir());
    return dir;
}
