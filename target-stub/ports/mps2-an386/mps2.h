/*
 * mps2.h: the parts of an Arm MPS2 board with the AN386 FPGA image
 * (Cortex-M4F, 25 MHz) that the mps2-an386 port uses, as QEMU's
 * mps2-an386 machine models them. Register addresses and bits are from the
 * ARMv7-M Architecture Reference Manual, the Cortex-M System Design Kit
 * (CMSDK) Technical Reference Manual and Application Note AN386.
 *
 * Namespace: mps2_ / MPS2_, and the register names below.
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

#define MPS2_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

#define MPS2_SYSCLK_HZ 25000000u

/* System control block (ARMv7-M) */
#define SCB_ICSR MPS2_REG(0xE000ED04u)
#define SCB_CCR MPS2_REG(0xE000ED14u)
#define SCB_CCR_DIV_0_TRP (1u << 4)
#define SCB_SHCSR MPS2_REG(0xE000ED24u)
#define SCB_SHCSR_MEMFAULTENA (1u << 16)
#define SCB_SHCSR_BUSFAULTENA (1u << 17)
#define SCB_SHCSR_USGFAULTENA (1u << 18)
#define SCB_CFSR MPS2_REG(0xE000ED28u)
#define SCB_HFSR MPS2_REG(0xE000ED2Cu)
#define SCB_MMFAR MPS2_REG(0xE000ED34u)
#define SCB_BFAR MPS2_REG(0xE000ED38u)
#define SCB_CPACR MPS2_REG(0xE000ED88u)
#define SCB_CPACR_CP10_CP11 (0xFu << 20) /* full access to the FPU */

/* CFSR bits: MemManage (0-7), BusFault (8-15), UsageFault (16-31) */
#define CFSR_IACCVIOL (1u << 0)
#define CFSR_DACCVIOL (1u << 1)
#define CFSR_MUNSTKERR (1u << 3)
#define CFSR_MSTKERR (1u << 4)
#define CFSR_MMARVALID (1u << 7)
#define CFSR_IBUSERR (1u << 8)
#define CFSR_PRECISERR (1u << 9)
#define CFSR_IMPRECISERR (1u << 10)
#define CFSR_UNSTKERR (1u << 11)
#define CFSR_STKERR (1u << 12)
#define CFSR_BFARVALID (1u << 15)
#define CFSR_UNDEFINSTR (1u << 16)
#define CFSR_INVSTATE (1u << 17)
#define CFSR_INVPC (1u << 18)
#define CFSR_NOCP (1u << 19)
#define CFSR_UNALIGNED (1u << 24)
#define CFSR_DIVBYZERO (1u << 25)
#define HFSR_FORCED (1u << 30)

/* NVIC: set-enable for external interrupts 0..31 */
#define NVIC_ISER0 MPS2_REG(0xE000E100u)

/* MPU (PMSAv7) */
#define MPU_CTRL MPS2_REG(0xE000ED94u)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define MPU_RNR MPS2_REG(0xE000ED98u)
#define MPU_RBAR MPS2_REG(0xE000ED9Cu)
#define MPU_RASR MPS2_REG(0xE000EDA0u)
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_SIZE(log2_bytes) ((uint32_t)((log2_bytes) - 1) << 1)
#define MPU_RASR_XN (1u << 28) /* AP = 0 (bits 24-26): no access */

/* The MPU guard below the thread stack: the 16 MiB of reserved addresses
 * under SRAM (the region's base must be aligned to its size, so the stack
 * starts SRAM; mps2-an386.ld checks). */
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

/* Linker script symbols (mps2-an386.ld) */
extern uint8_t __stack_limit[], __stack_top[];     /* thread stack (PSP) */
extern const uint8_t __flash_model_start[], __flash_model_end[]; /* flash model region */
extern uint8_t __handler_stack_top[];              /* handler stack (MSP) */
extern uint8_t __data_load[], __data_start[], __data_end[];
extern uint8_t __bss_start[], __bss_end[];

/* Port entry, called by the reset handler once memory is set up. */
void mps2_main(void) __attribute__((noreturn));

/* Interrupt handlers (port_mps2.c). */
void mps2_uart0_rx_isr(void);
void mps2_timer0_isr(void);

/* Semihosting (startup.c): ends QEMU with an exit status, after writing
 * text (may be NULL) to its log. */
void mps2_exit(uint32_t status, const char *text) __attribute__((noreturn));

#endif
