/*
 * hb_error.h: status codes and the last error message of the host.
 *
 * Namespace: hb_ / HB_.
 *
 * Every host function that can fail returns an hb_status; 0 is success,
 * negative codes say who must act. The function that detects a failure
 * records one line of text naming the thing and the reason with hb_fail();
 * callers may prefix context with hb_context(). Only the CLI prints it.
 * The message is per thread.
 */
#ifndef HB_ERROR_H
#define HB_ERROR_H

typedef enum {
    HB_OK = 0,
    HB_ERR_ARG = -1,         /* caller or user supplied a bad argument */
    HB_ERR_FAIL = -2,        /* the OS or a library failed */
    HB_ERR_MEM = -3,         /* out of memory */
    HB_ERR_FORMAT = -4,      /* malformed input file or data */
    HB_ERR_UNSUPPORTED = -5, /* valid but not supported (op, dtype, ...) */
    HB_ERR_TIMEOUT = -6,     /* the board or link did not answer in time */
    HB_ERR_BOARD = -7,       /* the board reported an error or died */
    HB_ERR_NOT_FOUND = -8,   /* no such file, board, run, ... */
    HB_ERR_INTERRUPTED = -9, /* stopped by a signal */
    HB_ERR_CHECK = -10       /* a check the user asked for did not pass (a
                              * regression, a budget nothing meets) */
} hb_status;

/* Records a message (printf format) and returns code. */
hb_status hb_fail(hb_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Prefixes the current message with "context: " and returns code. */
hb_status hb_context(hb_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The last message ("unknown error" if none was recorded).
 * Valid until the next hb_fail()/hb_clear() on this thread. */
const char *hb_last_error(void);
void hb_clear(void);
const char *hb_strerror(hb_status code);

#endif
