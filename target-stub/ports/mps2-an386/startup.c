/*
 * startup.c: the vector table of the mps2-an386 stub firmware, and how it
 * ends: through semihosting, which QEMU provides.
 *
 * Reset and the fault report are shared with the other Cortex-M4 ports
 * (../cortex-m/cm_start.c). After a fault the report has gone to the host
 * as an ERROR frame if a request was being served (stub_fault); here the
 * same line is written to QEMU's log through semihosting, and QEMU ends
 * with exit status MPS2_FAULT_STATUS. The host sees the ERROR frame, or
 * failing that the exit status and the log line.
 */
#include <stdint.h>

#include "cm.h"
#include "mps2.h"

#define MPS2_FAULT_STATUS 3 /* QEMU's exit status after a fault */

const char cm_board_log_prefix[] = "hilbench-stub-mps2-an386: ";

/* Semihosting ------------------------------------------------------------- */

#define SH_SYS_WRITE0 0x04u
#define SH_SYS_EXIT_EXTENDED 0x20u
#define SH_ADP_STOPPED_APPLICATION_EXIT 0x20026u

static uint32_t semihost(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xAB" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

void mps2_exit(uint32_t status, const char *text)
{
    static uint32_t block[2];
    if (text)
        semihost(SH_SYS_WRITE0, text);
    block[0] = SH_ADP_STOPPED_APPLICATION_EXIT;
    block[1] = status;
    for (;;)
        semihost(SH_SYS_EXIT_EXTENDED, block);
}

void cm_board_fault_exit(const char *line)
{
    mps2_exit(MPS2_FAULT_STATUS, line);
}

/* Vector table ------------------------------------------------------------- */

#define F cm_fault_entry

/* 16 system exceptions, then the board's 32 interrupts. Anything the
 * firmware does not use ends in the fault handler, which names it. */
__attribute__((section(".vectors"), used))
static const cm_vector vectors[16 + MPS2_IRQ_COUNT] = {
    CM_SYSTEM_VECTORS,
    /* IRQ 0: UART0 RX; 1-7 */
    mps2_uart0_rx_isr, F, F, F, F, F, F, F,
    /* IRQ 8: timer 0; 9-15 */
    mps2_timer0_isr, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, /* IRQ 16-23 */
    F, F, F, F, F, F, F, F, /* IRQ 24-31 */
};
_Static_assert(MPS2_IRQ_UART0_RX == 0 && MPS2_IRQ_TIMER0 == 8 && MPS2_IRQ_COUNT == 32,
               "vector table layout");
