/*
 * libc.c: the few C library functions the Cortex-M firmware needs, so that
 * no C library is linked. The compiler itself emits calls to memcpy, memmove,
 * memset and memcmp (struct copies, zeroing), and the core and the engine
 * use them and strlen.
 *
 * Built with -fno-tree-loop-distribute-patterns (target-stub/firmware/
 * CMakeLists.txt): otherwise GCC may turn these very loops into calls to
 * themselves.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

void *memcpy(void *restrict dst, const void *restrict src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if ((((uintptr_t)d | (uintptr_t)s) & 3u) == 0) {
        for (; n >= 4; n -= 4, d += 4, s += 4)
            *(uint32_t *)(void *)d = *(const uint32_t *)(const void *)s;
    }
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    uint8_t *d = dst;
    const uint8_t *s = src;
    if (d == s || n == 0)
        return dst;
    if ((uintptr_t)d >= (uintptr_t)s + n || (uintptr_t)s >= (uintptr_t)d + n)
        return memcpy(dst, src, n);
    if ((uintptr_t)d < (uintptr_t)s) {
        for (size_t k = 0; k < n; k++)
            d[k] = s[k];
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    uint8_t *d = dst;
    uint8_t b = (uint8_t)c;
    if (((uintptr_t)d & 3u) == 0) {
        uint32_t w = b * 0x01010101u;
        for (; n >= 4; n -= 4, d += 4)
            *(uint32_t *)(void *)d = w;
    }
    while (n--)
        *d++ = b;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *x = a, *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}
