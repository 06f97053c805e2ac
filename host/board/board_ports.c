/*
 * board_ports.c: finding a board's serial port with libserialport.
 *
 * libserialport lists the ports the OS knows, with USB details when the
 * port is a USB device (ST-LINK, J-Link, CMSIS-DAP and USB-serial bridges
 * all are). A profile names its board by USB serial number and/or VID:PID,
 * which survive re-plugging, unlike /dev/ttyACMn. Pseudo-terminals are not
 * listed (libserialport 0.1.1 only reports real ttys): pty links never
 * come here.
 */
#include "board_int.h"

#include <libserialport.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void board_ports_free(board_port *ports, int n)
{
    if (!ports)
        return;
    for (int i = 0; i < n; i++) {
        free(ports[i].name);
        free(ports[i].description);
        free(ports[i].usb_serial);
        free(ports[i].usb_product);
    }
    free(ports);
}

/* strdup that keeps NULL; *ok cleared if memory ran out. */
static char *dup_or_null(const char *s, int *ok)
{
    char *d;
    if (!s)
        return NULL;
    d = strdup(s);
    if (!d)
        *ok = 0;
    return d;
}

hb_status board_ports(board_port **out, int *n_out)
{
    hb_status st = HB_OK;
    struct sp_port **list = NULL;
    board_port *ports = NULL;
    int n = 0, ok = 1;

    if (!out || !n_out)
        return hb_fail(HB_ERR_ARG, "board_ports: out is NULL");
    *out = NULL;
    *n_out = 0;

    enum sp_return r = sp_list_ports(&list);
    if (r != SP_OK) {
        char *msg = sp_last_error_message();
        st = hb_fail(HB_ERR_FAIL, "sp_list_ports: %s",
                     r == SP_ERR_FAIL && msg ? msg : "failed");
        sp_free_error_message(msg);
        goto cleanup;
    }
    int count = 0;
    while (list[count])
        count++;
    ports = calloc((size_t)count + 1, sizeof(*ports));
    if (!ports) {
        st = hb_fail(HB_ERR_MEM, "board_ports: out of memory");
        goto cleanup;
    }
    for (int i = 0; i < count; i++) {
        struct sp_port *sp = list[i];
        board_port *p = &ports[n++];
        p->usb_vid = p->usb_pid = -1;
        p->name = dup_or_null(sp_get_port_name(sp), &ok);
        p->description = dup_or_null(sp_get_port_description(sp), &ok);
        if (sp_get_port_transport(sp) == SP_TRANSPORT_USB) {
            int vid = -1, pid = -1;
            if (sp_get_port_usb_vid_pid(sp, &vid, &pid) == SP_OK) {
                p->usb_vid = vid;
                p->usb_pid = pid;
            }
            p->usb_serial = dup_or_null(sp_get_port_usb_serial(sp), &ok);
            p->usb_product = dup_or_null(sp_get_port_usb_product(sp), &ok);
        }
        if (!ok || !p->name) {
            st = hb_fail(HB_ERR_MEM, "board_ports: out of memory");
            goto cleanup;
        }
    }
    *out = ports;
    *n_out = n;
    ports = NULL;

cleanup:
    board_ports_free(ports, n);
    sp_free_port_list(list);
    return st;
}

/* Appends ", name" or a first "name" to buf. */
static void append(char *buf, size_t size, const char *s)
{
    size_t used = strlen(buf);
    if (used < size)
        snprintf(buf + used, size - used, "%s%s", used ? ", " : "", s);
}

hb_status board_port_pick(const board_profile *b, char **path)
{
    hb_status st = HB_OK;
    board_port *ports = NULL;
    int n = 0, vid = -1, pid = -1, found = -1, matches = 0;
    char wanted[160] = "", seen[512] = "", ambiguous[512] = "";

    if (!path)
        return hb_fail(HB_ERR_ARG, "board_port_pick: path is NULL");
    *path = NULL;
    if (!b)
        return hb_fail(HB_ERR_ARG, "board_port_pick: no profile");
    if (b->port && strcmp(b->port, "auto") != 0) {
        if (!(*path = strdup(b->port)))
            return hb_fail(HB_ERR_MEM, "board_port_pick: out of memory");
        return HB_OK;
    }
    if (b->vid_pid && board_vid_pid_parse(b->vid_pid, &vid, &pid) != 0)
        return hb_fail(HB_ERR_ARG, "%s: [link] vid_pid '%s' is not vvvv:pppp",
                       b->path, b->vid_pid);
    if (b->usb_serial)
        snprintf(wanted, sizeof(wanted), "usb_serial '%s'", b->usb_serial);
    if (b->vid_pid)
        snprintf(wanted + strlen(wanted), sizeof(wanted) - strlen(wanted),
                 "%svid_pid %s", wanted[0] ? " and " : "", b->vid_pid);
    if (!wanted[0])
        snprintf(wanted, sizeof(wanted), "any USB serial port");

    st = board_ports(&ports, &n);
    if (st != HB_OK)
        goto cleanup;
    for (int i = 0; i < n; i++) {
        const board_port *p = &ports[i];
        append(seen, sizeof(seen), p->name);
        if (p->usb_vid < 0)
            continue; /* only USB ports can be recognised */
        if (b->usb_serial && (!p->usb_serial || strcmp(p->usb_serial, b->usb_serial) != 0))
            continue;
        if (b->vid_pid && (p->usb_vid != vid || p->usb_pid != pid))
            continue;
        matches++;
        found = i;
        append(ambiguous, sizeof(ambiguous), p->name);
    }
    if (matches == 0) {
        st = hb_fail(HB_ERR_NOT_FOUND, "%s: no serial port matches %s "
                     "(ports: %s)", b->path, wanted, seen[0] ? seen : "none");
        goto cleanup;
    }
    if (matches > 1) {
        st = hb_fail(HB_ERR_ARG, "%s: %d serial ports match %s (%s); set "
                     "[link] port or usb_serial", b->path, matches, wanted,
                     ambiguous);
        goto cleanup;
    }
    if (!(*path = strdup(ports[found].name)))
        st = hb_fail(HB_ERR_MEM, "board_port_pick: out of memory");

cleanup:
    board_ports_free(ports, n);
    return st;
}
