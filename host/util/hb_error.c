/*
 * hb_error.c: the per-thread last error message.
 */
#include "hb_error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char message[1024];

hb_status hb_fail(hb_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    return code;
}

hb_status hb_context(hb_status code, const char *fmt, ...)
{
    char old[sizeof(message)];
    const char *rest = message[0] ? message : hb_strerror(code);
    va_list ap;

    snprintf(old, sizeof(old), "%s", rest);
    va_start(ap, fmt);
    int n = vsnprintf(message, sizeof(message), fmt, ap);
    va_end(ap);
    /* Truncation is fine: the message is one line for people. */
    if (n >= 0 && (size_t)n < sizeof(message) - 3) {
        size_t used = (size_t)n;
        memcpy(message + used, ": ", 2);
        used += 2;
        size_t k = strlen(old);
        if (k > sizeof(message) - 1 - used)
            k = sizeof(message) - 1 - used;
        memcpy(message + used, old, k);
        message[used + k] = '\0';
    }
    return code;
}

const char *hb_last_error(void)
{
    return message[0] ? message : "unknown error";
}

void hb_clear(void)
{
    message[0] = '\0';
}

const char *hb_strerror(hb_status code)
{
    switch (code) {
    case HB_OK: return "ok";
    case HB_ERR_ARG: return "bad argument";
    case HB_ERR_FAIL: return "operation failed";
    case HB_ERR_MEM: return "out of memory";
    case HB_ERR_FORMAT: return "malformed input";
    case HB_ERR_UNSUPPORTED: return "not supported";
    case HB_ERR_TIMEOUT: return "timed out";
    case HB_ERR_BOARD: return "board error";
    case HB_ERR_NOT_FOUND: return "not found";
    case HB_ERR_INTERRUPTED: return "interrupted";
    case HB_ERR_CHECK: return "check failed";
    }
    return "unknown error";
}
