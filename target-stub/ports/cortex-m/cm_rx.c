/*
 * cm_rx.c: the receive ring of the Cortex-M4 ports (cm.h).
 *
 * The UART's RX interrupt puts bytes in; port_read() takes them out and
 * sleeps in WFI while the ring is empty, so an idle board waits without
 * spinning. head is written by the interrupt only and tail by the reader
 * only; both count bytes since reset and wrap at 2^32, so head - tail is
 * the fill level even across the wrap.
 */
#include <stdint.h>

#include "cm.h"
#include "proto.h"
#include "stub.h"

_Static_assert(CM_RX_RING_BYTES >= PROTO_ENCODED_MAX(STUB_MAX_PAYLOAD) + 1 &&
                   (CM_RX_RING_BYTES & (CM_RX_RING_BYTES - 1)) == 0,
               "the RX ring holds one whole request");

static uint8_t ring[CM_RX_RING_BYTES];
static volatile uint32_t head;    /* written by the interrupt only */
static volatile uint32_t tail;    /* written by cm_rx_read only */
static volatile uint32_t dropped; /* bytes lost to a full ring */

void cm_rx_put(uint8_t b)
{
    uint32_t h = head;
    if (h - tail < CM_RX_RING_BYTES) {
        ring[h % CM_RX_RING_BYTES] = b;
        __asm__ volatile("dmb" ::: "memory");
        head = h + 1;
    } else {
        dropped++; /* the frame fails its CRC; the host retries */
    }
}

int cm_rx_read(uint8_t *buf, int cap, void (*idle_enter)(void), void (*idle_exit)(void))
{
    while (head == tail) {
        /* With interrupts masked, WFI still wakes on a pending interrupt,
         * and one that arrives between the test and the WFI is not
         * missed. */
        __asm__ volatile("cpsid i" ::: "memory");
        if (head == tail) {
            if (idle_enter)
                idle_enter();
            __asm__ volatile("dsb\n\twfi" ::: "memory");
            __asm__ volatile("cpsie i\n\tisb" ::: "memory"); /* the ISR runs here */
            if (idle_exit)
                idle_exit();
        } else {
            __asm__ volatile("cpsie i" ::: "memory");
        }
    }
    int n = 0;
    uint32_t t = tail, h = head;
    __asm__ volatile("dmb" ::: "memory");
    while (t != h && n < cap)
        buf[n++] = ring[t++ % CM_RX_RING_BYTES];
    tail = t;
    return n;
}

uint32_t cm_rx_dropped(void) { return dropped; }
