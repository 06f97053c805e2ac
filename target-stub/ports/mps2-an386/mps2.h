/*
 * mps2.h: the parts of an Arm MPS2 board with the AN386 FPGA image
 * (Cortex-M4F, 25 MHz) that the mps2-an386 port uses, as QEMU's
 * mps2-an386 machine models them. Register addresses and bits are from the
 * ARMv7-M Architecture Reference Manual, the Cortex-M System Design Kit
 * (CMSDK) Technical Reference Manual and Application Note AN386.
 *
 * Namespace: mps2_ / MPS2_, and the register names below. The Cortex-M
 * system registers and what the Cortex-M4 ports share are in
 * ../cortex-m/cm.h.
 *
 * Memory map used (see mps2-an386.ld):
 *   0x00000000  4 MiB  ZBT SSRAM1: vector table, code, constants (writable
 *                      in QEMU; the port treats it as flash)
 *   0x20000000  4 MiB  ZBT SSRAM2/3: stacks, .data, .bss
 *   0x21000000 16 MiB  PSRAM: the model buffer and the arena
 */
#ifndef MPS2_H
#define MPS2_H

#include <stdint.h>

#include "cm.h"

#define MPS2_REG(addr) CM_REG(addr)

#define MPS2_SYSCLK_HZ 25000000u

/* The MPU guard below the thread stack: the 16 MiB of reserved addresses
 * under SRAM (the region's base must be aligned to its size, so the stack
 * starts SRAM; cortex-m.ld checks). */
#define MPS2_STACK_GUARD_LOG2 24
#define MPS2_STACK_GUARD_BYTES (1u << MPS2_STACK_GUARD_LOG2)

/* CMSDK APB UART0 */
#define UART0_DATA MPS2_REG(0x40004000u)
#define UART0_STATE MPS2_REG(0x40004004u)
#define UART0_CTRL MPS2_REG(0x40004008u)
#define UART0_INTSTATUS MPS2_REG(0x4000400Cu) /* write 1s: INTCLEAR */
#define UART0_BAUDDIV MPS2_REG(0x40004010u)   /* >= 16 */
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_CTRL_RXINTEN (1u << 3)
#define UART_INT_RX (1u << 1)

/* CMSDK APB timer 0: a 32-bit down-counter on the 25 MHz system clock */
#define TIMER0_CTRL MPS2_REG(0x40000000u)
#define TIMER0_VALUE MPS2_REG(0x40000004u)
#define TIMER0_RELOAD MPS2_REG(0x40000008u)
#define TIMER0_INTSTATUS MPS2_REG(0x4000000Cu) /* write 1: INTCLEAR */
#define TIMER_CTRL_EN (1u << 0)
#define TIMER_CTRL_IRQEN (1u << 3)

/* External interrupt numbers on mps2-an386 */
#define MPS2_IRQ_UART0_RX 0
#define MPS2_IRQ_TIMER0 8
#define MPS2_IRQ_COUNT 32

/* Interrupt handlers (port_mps2.c). */
void mps2_uart0_rx_isr(void);
void mps2_timer0_isr(void);

/* Semihosting (startup.c): ends QEMU with an exit status, after writing
 * text (may be NULL) to its log. */
void mps2_exit(uint32_t status, const char *text) __attribute__((noreturn));

#endif
