/*
 * link_serial.c: a real serial port through libserialport, 8N1, no flow
 * control.
 */
#include "link.h"

#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *sp_message(void)
{
    static _Thread_local char buf[256];
    char *m = sp_last_error_message();
    snprintf(buf, sizeof(buf), "%s", m ? m : "unknown error");
    sp_free_error_message(m);
    return buf;
}

static long serial_read(link_conn *l, void *buf, size_t cap, int timeout_ms)
{
    /* Wait in short slices so an interrupt is noticed promptly. */
    int left = timeout_ms;
    while (!link_interrupted()) {
        int slice = left < 100 ? left : 100;
        enum sp_return r = sp_blocking_read_next(l->port, buf, cap, (unsigned)slice);
        if (r > 0)
            return r;
        if (r < 0) {
            hb_fail(HB_ERR_BOARD, "%s: read: %s", l->name, sp_message());
            return HB_ERR_BOARD;
        }
        left -= slice;
        if (left <= 0)
            return 0;
    }
    return HB_ERR_INTERRUPTED;
}

static hb_status serial_write(link_conn *l, const void *buf, size_t len, int timeout_ms)
{
    enum sp_return r = sp_blocking_write(l->port, buf, len, (unsigned)timeout_ms);
    if (r < 0)
        return hb_fail(HB_ERR_BOARD, "%s: write: %s", l->name, sp_message());
    if ((size_t)r < len)
        return hb_fail(HB_ERR_TIMEOUT, "%s: write timed out after %d ms", l->name,
                       timeout_ms);
    return HB_OK;
}

static void serial_flush(link_conn *l)
{
    sp_flush(l->port, SP_BUF_INPUT);
}

static void serial_close(link_conn *l)
{
    if (l->port) {
        sp_close(l->port);
        sp_free_port(l->port);
        l->port = NULL;
    }
}

static const link_ops serial_ops = {serial_read, serial_write, serial_flush, serial_close};

hb_status link_open_serial(const char *path, int baud, link_conn **out)
{
    struct sp_port *port = NULL;
    link_conn *l = NULL;
    hb_status st;

    *out = NULL;
    if (sp_get_port_by_name(path, &port) != SP_OK)
        return hb_fail(HB_ERR_NOT_FOUND, "serial port %s: %s", path, sp_message());
    if (sp_open(port, SP_MODE_READ_WRITE) != SP_OK) {
        st = hb_fail(HB_ERR_FAIL, "serial port %s: cannot open (busy or no permission): %s",
                     path, sp_message());
        goto cleanup;
    }
    int fd = -1;
    if (sp_get_port_handle(port, &fd) != SP_OK) {
        st = hb_fail(HB_ERR_FAIL, "serial port %s: no descriptor: %s", path, sp_message());
        goto cleanup;
    }
    if ((st = link_lock_device(fd, path)) != HB_OK)
        goto cleanup;
    if (sp_set_baudrate(port, baud) != SP_OK || sp_set_bits(port, 8) != SP_OK ||
        sp_set_parity(port, SP_PARITY_NONE) != SP_OK || sp_set_stopbits(port, 1) != SP_OK ||
        sp_set_flowcontrol(port, SP_FLOWCONTROL_NONE) != SP_OK) {
        st = hb_fail(HB_ERR_FAIL, "serial port %s: cannot set %d 8N1: %s", path, baud,
                     sp_message());
        goto cleanup;
    }
    if (!(l = link_new(&serial_ops, path))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    l->port = port;
    l->line_rate = baud / 10; /* 8N1: ten bits on the wire a byte */
    *out = l;
    return HB_OK;
cleanup:
    if (port) {
        sp_close(port);
        sp_free_port(port);
    }
    return st;
}
