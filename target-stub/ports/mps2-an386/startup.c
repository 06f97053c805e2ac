/*
 * startup.c: reset, the vector table and the fault handler of the
 * mps2-an386 stub firmware.
 *
 * Reset: the core runs in thread mode on the process stack (PSP, 64 KiB
 * at the bottom of SRAM, an MPU guard below it); interrupts and faults run
 * on the main stack (MSP), a separate 4 KiB. So a stack overflow in the
 * core faults into a handler that still has a stack to run on.
 *
 * A fault (HardFault, MemManage, BusFault, UsageFault, or any exception
 * the firmware does not expect) is final: the handler names it and the
 * faulting instruction, lets the core answer the request in progress with
 * an ERROR frame (stub_fault), writes the same line to QEMU's log through
 * semihosting and ends QEMU with exit status MPS2_FAULT_STATUS. The host
 * sees the ERROR frame, or failing that the exit status and the log line.
 */
#include <stdint.h>

#include "mps2.h"
#include "stub.h"

#define MPS2_FAULT_STATUS 3 /* QEMU's exit status after a fault */

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

/* Faults ------------------------------------------------------------------ */

static const char *exception_name(uint32_t n)
{
    switch (n) {
    case 2: return "NMI";
    case 3: return "HardFault";
    case 4: return "MemManage fault";
    case 5: return "BusFault";
    case 6: return "UsageFault";
    case 11: return "unexpected SVCall";
    case 12: return "unexpected DebugMonitor exception";
    case 14: return "unexpected PendSV";
    case 15: return "unexpected SysTick";
    }
    return "unexpected interrupt";
}

static const char *fault_cause(uint32_t cfsr, uint32_t mmfar)
{
    if ((cfsr & CFSR_MSTKERR) ||
        ((cfsr & CFSR_DACCVIOL) && (cfsr & CFSR_MMARVALID) &&
         mmfar < (uint32_t)(uintptr_t)__stack_limit &&
         mmfar >= (uint32_t)(uintptr_t)__stack_limit - MPS2_STACK_GUARD_BYTES))
        return "stack overflow";
    if (cfsr & CFSR_DIVBYZERO) return "divide by zero";
    if (cfsr & CFSR_UNDEFINSTR) return "undefined instruction";
    if (cfsr & CFSR_INVSTATE) return "invalid execution state";
    if (cfsr & CFSR_INVPC) return "invalid exception return";
    if (cfsr & CFSR_NOCP) return "coprocessor access";
    if (cfsr & CFSR_UNALIGNED) return "unaligned access";
    if (cfsr & CFSR_IACCVIOL) return "instruction fetch from a protected address";
    if (cfsr & CFSR_DACCVIOL) return "access to a protected address";
    if (cfsr & CFSR_MUNSTKERR) return "fault while unstacking";
    if (cfsr & CFSR_IBUSERR) return "bus error fetching an instruction";
    if (cfsr & CFSR_PRECISERR) return "bus error on a data access";
    if (cfsr & CFSR_IMPRECISERR) return "imprecise bus error";
    if (cfsr & (CFSR_STKERR | CFSR_UNSTKERR)) return "bus error on the stack";
    return 0;
}

static int put_s(char *out, int at, int cap, const char *s)
{
    while (*s && at + 1 < cap)
        out[at++] = *s++;
    out[at] = '\0';
    return at;
}

static int put_hex(char *out, int at, int cap, uint32_t v)
{
    at = put_s(out, at, cap, "0x");
    for (int shift = 28; shift >= 0 && at + 1 < cap; shift -= 4)
        out[at++] = "0123456789abcdef"[(v >> shift) & 0xFu];
    out[at] = '\0';
    return at;
}

/* Is frame a readable exception frame on one of our stacks? A stacking
 * fault leaves none. */
static int frame_ok(const uint32_t *frame)
{
    uintptr_t p = (uintptr_t)frame;
    uintptr_t hs = (uintptr_t)__handler_stack_top;
    return (p >= (uintptr_t)__stack_limit && p + 32 <= (uintptr_t)__stack_top) ||
           (p + 32 <= hs && p >= hs - 4096u);
}

void mps2_fault(const uint32_t *frame, uint32_t exc_return) __attribute__((noreturn, used));

void mps2_fault(const uint32_t *frame, uint32_t exc_return)
{
    static char what[128], line[200];
    uint32_t ipsr, cfsr = SCB_CFSR, hfsr = SCB_HFSR;
    uint32_t mmfar = SCB_MMFAR, bfar = SCB_BFAR;
    const char *cause = fault_cause(cfsr, mmfar);
    int n;
    (void)exc_return;

    __asm__ volatile("mrs %0, ipsr" : "=r"(ipsr));
    ipsr &= 0x1FFu;
    n = put_s(what, 0, sizeof(what), exception_name(ipsr));
    if (ipsr >= 16) {
        n = put_s(what, n, sizeof(what), " ");
        n = put_hex(what, n, sizeof(what), ipsr - 16);
    }
    if (ipsr >= 3 && ipsr <= 6 && cause) {
        n = put_s(what, n, sizeof(what), ": ");
        n = put_s(what, n, sizeof(what), cause);
    }
    if ((cfsr & CFSR_MMARVALID) && (cfsr & (CFSR_DACCVIOL | CFSR_IACCVIOL))) {
        n = put_s(what, n, sizeof(what), " at ");
        n = put_hex(what, n, sizeof(what), mmfar);
    } else if ((cfsr & CFSR_BFARVALID) && (cfsr & CFSR_PRECISERR)) {
        n = put_s(what, n, sizeof(what), " at ");
        n = put_hex(what, n, sizeof(what), bfar);
    }
    if (frame_ok(frame) && !(cfsr & (CFSR_MSTKERR | CFSR_STKERR))) {
        n = put_s(what, n, sizeof(what), ", PC ");
        n = put_hex(what, n, sizeof(what), frame[6]);
    }
    n = put_s(what, n, sizeof(what), " (CFSR ");
    n = put_hex(what, n, sizeof(what), cfsr);
    if (hfsr) {
        n = put_s(what, n, sizeof(what), ", HFSR ");
        n = put_hex(what, n, sizeof(what), hfsr);
    }
    put_s(what, n, sizeof(what), ")");

    n = put_s(line, 0, sizeof(line), "hilbench-stub-mps2-an386: ");
    stub_fault(what, cfsr, line + n, (int)sizeof(line) - n - 2);
    while (line[n])
        n++;
    put_s(line, n, sizeof(line), "\n");
    mps2_exit(MPS2_FAULT_STATUS, line);
}

/* Picks the stack the fault was taken on (EXC_RETURN bit 2: 1 = PSP) and
 * hands its exception frame to mps2_fault. Naked: touches no stack. */
__attribute__((naked)) static void fault_entry(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "mov r1, lr\n\t"
                     "b mps2_fault\n\t");
}

/* Reset ------------------------------------------------------------------- */

__attribute__((noreturn, used)) static void reset_c(void)
{
    /* The FPU first: the compiler may use it anywhere after this. */
    SCB_CPACR |= SCB_CPACR_CP10_CP11;
    __asm__ volatile("dsb\n\tisb" ::: "memory");

    const uint8_t *src = __data_load;
    for (uint8_t *p = __data_start; p < __data_end; p++)
        *p = *src++;
    for (uint8_t *p = __bss_start; p < __bss_end; p++)
        *p = 0;
    mps2_main();
}

/* The MSP comes from the vector table; move thread mode to the PSP. */
__attribute__((naked, noreturn)) void Reset_Handler(void)
{
    __asm__ volatile("ldr r0, =__stack_top\n\t"
                     "msr psp, r0\n\t"
                     "movs r0, #2\n\t" /* CONTROL.SPSEL = 1 */
                     "msr control, r0\n\t"
                     "isb\n\t"
                     "b reset_c\n\t");
}

/* Vector table ------------------------------------------------------------- */

typedef void (*mps2_vector)(void);

#define F fault_entry

/* 16 system exceptions, then the board's 32 interrupts. Anything the
 * firmware does not use ends in the fault handler, which names it. */
__attribute__((section(".vectors"), used))
static const mps2_vector vectors[16 + MPS2_IRQ_COUNT] = {
    (mps2_vector)(uintptr_t)__handler_stack_top, /* initial MSP */
    Reset_Handler,
    F, F, F, F, F,  /* NMI, HardFault, MemManage, BusFault, UsageFault */
    0, 0, 0, 0,     /* reserved */
    F, F, 0, F, F,  /* SVCall, DebugMonitor, reserved, PendSV, SysTick */
    /* IRQ 0: UART0 RX; 1-7 */
    mps2_uart0_rx_isr, F, F, F, F, F, F, F,
    /* IRQ 8: timer 0; 9-15 */
    mps2_timer0_isr, F, F, F, F, F, F, F,
    F, F, F, F, F, F, F, F, /* IRQ 16-23 */
    F, F, F, F, F, F, F, F, /* IRQ 24-31 */
};
_Static_assert(MPS2_IRQ_UART0_RX == 0 && MPS2_IRQ_TIMER0 == 8 && MPS2_IRQ_COUNT == 32,
               "vector table layout");
