/*
 * cm.h: what the Cortex-M4 board ports share: the ARMv7-M system registers
 * they use, reset, the fault report, the MPU stack guard, the DWT cycle
 * counter and the receive ring. Register addresses and bits are from the
 * ARMv7-M Architecture Reference Manual.
 *
 * Namespace: cm_ / CM_, and the register names below.
 *
 * What every port built on this has in common (cm_start.c, cm_rx.c,
 * cm_mem.c):
 *   - Reset enables the FPU, copies .data, clears .bss and runs thread mode
 *     on the process stack (PSP); interrupts and faults use the main stack
 *     (MSP), so a stack overflow in the core faults into a handler that
 *     still has a stack. Then it calls the port's cm_board_main().
 *   - The memory layout comes from cortex-m.ld, included by each board's
 *     linker script: the thread stack at the very start of RAM (an MPU
 *     guard below it), the handler stack, .data, .bss, then the model
 *     buffer and the arena; cm_mem.c hands them to the core (port.h).
 *   - A fault (HardFault, MemManage, BusFault, UsageFault, or any exception
 *     the firmware does not expect) is final: the handler names it and the
 *     faulting instruction, lets the core answer the request in progress
 *     with an ERROR frame (stub_fault), and hands a one-line report to the
 *     port's cm_board_fault_exit(), which never returns.
 */
#ifndef CM_H
#define CM_H

#include <stdint.h>

#define CM_REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* System control block */
#define SCB_ICSR CM_REG(0xE000ED04u)
#define SCB_VTOR CM_REG(0xE000ED08u)
#define SCB_AIRCR CM_REG(0xE000ED0Cu)
#define SCB_AIRCR_VECTKEY (0x05FAu << 16)
#define SCB_AIRCR_PRIGROUP_MASK (7u << 8)
#define SCB_AIRCR_SYSRESETREQ (1u << 2)
#define SCB_CCR CM_REG(0xE000ED14u)
#define SCB_CCR_DIV_0_TRP (1u << 4)
#define SCB_SHCSR CM_REG(0xE000ED24u)
#define SCB_SHCSR_MEMFAULTENA (1u << 16)
#define SCB_SHCSR_BUSFAULTENA (1u << 17)
#define SCB_SHCSR_USGFAULTENA (1u << 18)
#define SCB_CFSR CM_REG(0xE000ED28u)
#define SCB_HFSR CM_REG(0xE000ED2Cu)
#define SCB_MMFAR CM_REG(0xE000ED34u)
#define SCB_BFAR CM_REG(0xE000ED38u)
#define SCB_CPACR CM_REG(0xE000ED88u)
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

/* NVIC: set-enable, one bit per external interrupt, 32 to a register */
#define NVIC_ISER(irq) CM_REG(0xE000E100u + 4u * ((uint32_t)(irq) / 32u))
#define NVIC_ISER0 NVIC_ISER(0)
#define CM_NVIC_ENABLE(irq) (NVIC_ISER(irq) = 1u << ((uint32_t)(irq) % 32u))
/* NVIC: clear-enable; a pending interrupt stays pending until re-enabled */
#define NVIC_ICER(irq) CM_REG(0xE000E180u + 4u * ((uint32_t)(irq) / 32u))
#define CM_NVIC_DISABLE(irq) (NVIC_ICER(irq) = 1u << ((uint32_t)(irq) % 32u))

/* MPU (PMSAv7) */
#define MPU_CTRL CM_REG(0xE000ED94u)
#define MPU_CTRL_ENABLE (1u << 0)
#define MPU_CTRL_PRIVDEFENA (1u << 2)
#define MPU_RNR CM_REG(0xE000ED98u)
#define MPU_RBAR CM_REG(0xE000ED9Cu)
#define MPU_RASR CM_REG(0xE000EDA0u)
#define MPU_RASR_ENABLE (1u << 0)
#define MPU_RASR_SIZE(log2_bytes) ((uint32_t)((log2_bytes) - 1) << 1)
#define MPU_RASR_XN (1u << 28) /* AP = 0 (bits 24-26): no access */

/* Debug: halting control, trace enable, and the DWT cycle counter */
#define DHCSR CM_REG(0xE000EDF0u)
#define DHCSR_C_DEBUGEN (1u << 0)
#define DEMCR CM_REG(0xE000EDFCu)
#define DEMCR_TRCENA (1u << 24)
#define DWT_CTRL CM_REG(0xE0001000u)
#define DWT_CTRL_CYCCNTENA (1u << 0)
#define DWT_CTRL_NOCYCCNT (1u << 25)
#define DWT_CYCCNT CM_REG(0xE0001004u)

/* Linker script symbols (cortex-m.ld) */
extern uint8_t __stack_limit[], __stack_top[];                 /* thread stack (PSP) */
extern uint8_t __handler_stack_limit[], __handler_stack_top[]; /* handler stack (MSP) */
extern uint8_t __data_load[], __data_start[], __data_end[];
extern uint8_t __bss_start[], __bss_end[];
extern uint8_t __hb_model_start[], __hb_model_end[];           /* model buffer */
extern uint8_t __hb_arena_start[], __hb_arena_end[];           /* arena */
extern const uint8_t __flash_model_start[], __flash_model_end[]; /* flash model region */

/* Vector table ------------------------------------------------------------ */

typedef void (*cm_vector)(void);

void Reset_Handler(void) __attribute__((noreturn));
/* Every exception the firmware does not handle: reports and never returns. */
void cm_fault_entry(void);

/* The 16 system entries that start every port's vector table; the board's
 * interrupts follow. */
#define CM_SYSTEM_VECTORS                                                        \
    (cm_vector)(uintptr_t)__handler_stack_top, /* initial MSP */                 \
    Reset_Handler,                                                               \
    cm_fault_entry, cm_fault_entry, cm_fault_entry, /* NMI, HardFault, MemManage */ \
    cm_fault_entry, cm_fault_entry,                 /* BusFault, UsageFault */   \
    0, 0, 0, 0,                                     /* reserved */               \
    cm_fault_entry, cm_fault_entry, 0,              /* SVCall, DebugMonitor, - */ \
    cm_fault_entry, cm_fault_entry                  /* PendSV, SysTick */

/* What each port provides ---------------------------------------------------- */

/* Runs once memory is set up (FPU on, .data and .bss ready). */
void cm_board_main(void) __attribute__((noreturn));
/* Ends the firmware after a fault. line is the report, NUL-ended, ending
 * in '\n', starting with cm_board_log_prefix. */
void cm_board_fault_exit(const char *line) __attribute__((noreturn));
/* Starts every fault report: "hilbench-stub-<board>: ". */
extern const char cm_board_log_prefix[];

/* Shared helpers ----------------------------------------------------------- */

/* Faults get their own handlers (else all are HardFaults), and an integer
 * division by zero traps as it would crash a host process. */
void cm_fault_traps_enable(void);

/* A no-access MPU region of 2^guard_log2 bytes just below the thread stack
 * (__stack_limit must be aligned to that size; cortex-m.ld puts the stack
 * at the start of RAM). Large, so that a big stack frame cannot step over
 * it. Privileged code keeps the default memory map everywhere else. A
 * fault inside it is reported as a stack overflow. */
void cm_stack_guard_init(uint32_t guard_log2);

/* Starts the DWT cycle counter (core clock cycles, wraps at 2^32). Returns
 * 0, or -1 if this core has none (QEMU does not model it). */
int cm_dwt_init(void);
static inline uint32_t cm_dwt_cycles(void) { return DWT_CYCCNT; }

/* For a real board's fault exit: writes line with port_write() as text
 * between two 0x00 bytes, so that a terminal shows it while the host's
 * frame decoder drops it as a damaged frame. */
void cm_fault_send_line(const char *line);

/* The end of a fault on a real board: resets the chip and its peripherals
 * (AIRCR.SYSRESETREQ), so that the firmware starts again from the vector
 * table, ready for the host. With a debugger attached (DHCSR.C_DEBUGEN)
 * it first stops at a breakpoint, so that the faulting state can be
 * inspected; resuming resets. Let the UART finish sending first. */
void cm_fault_reset(void) __attribute__((noreturn));

/* Receive ring (cm_rx.c) -----------------------------------------------------
 * Bytes from the link's RX interrupt, for port_read(). One producer (the
 * interrupt), one consumer (the core). CM_RX_RING_BYTES is a power of two
 * that holds one whole encoded request; a byte that finds the ring full is
 * dropped (the frame then fails its CRC and the host sends it again). */
#ifndef CM_RX_RING_BYTES
#define CM_RX_RING_BYTES 4096u
#endif

/* From the RX interrupt only. */
void cm_rx_put(uint8_t b);
/* port_read() of the port: sleeps in WFI until at least one byte is there,
 * then copies up to cap bytes and returns how many (>= 1). idle_enter (may
 * be NULL) runs just before each sleep, with interrupts masked; idle_exit
 * (may be NULL) just after it, once the interrupt that woke the core has
 * run. */
int cm_rx_read(uint8_t *buf, int cap, void (*idle_enter)(void), void (*idle_exit)(void));
/* Bytes dropped so far because the ring was full. */
uint32_t cm_rx_dropped(void);

#endif
