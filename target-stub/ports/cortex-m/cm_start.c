/*
 * cm_start.c: reset, the fault report, the MPU stack guard and the DWT
 * cycle counter of the Cortex-M4 ports (cm.h).
 *
 * Reset: the core runs in thread mode on the process stack (PSP, at the
 * bottom of RAM, an MPU guard below it); interrupts and faults run on the
 * main stack (MSP), which the vector table sets. So a stack overflow in the
 * core faults into a handler that still has a stack to run on.
 *
 * Faults: the report names the exception, its cause from the fault status
 * registers, the faulting address and instruction where they are known,
 * and the op the engine was running (stub_fault), for example
 * "UsageFault: divide by zero, PC 0x00001234 (CFSR 0x02000000) in op 1
 * (FULLY_CONNECTED)". It is built from static buffers only: whatever the
 * core was doing, and however little stack is left, it can be written.
 */
#include <stdint.h>

#include "cm.h"
#include "nn_types.h"
#include "port.h"
#include "stub.h"

_Static_assert(NN_ALIGN <= 16, "cortex-m.ld aligns the model buffer and the arena to 16 bytes");

/* The MPU stack guard, [guard_lo, guard_hi), if there is one. */
static uint32_t guard_lo, guard_hi;

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
        ((cfsr & CFSR_DACCVIOL) && (cfsr & CFSR_MMARVALID) && mmfar < guard_hi &&
         mmfar >= guard_lo))
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
    return (p >= (uintptr_t)__stack_limit && p + 32 <= (uintptr_t)__stack_top) ||
           (p >= (uintptr_t)__handler_stack_limit &&
            p + 32 <= (uintptr_t)__handler_stack_top);
}

void cm_fault(const uint32_t *frame, uint32_t exc_return) __attribute__((noreturn, used));

void cm_fault(const uint32_t *frame, uint32_t exc_return)
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

    n = put_s(line, 0, sizeof(line), cm_board_log_prefix);
    stub_fault(what, cfsr, line + n, (int)sizeof(line) - n - 2);
    while (line[n])
        n++;
    put_s(line, n, sizeof(line), "\n");
    cm_board_fault_exit(line);
}

/* Picks the stack the fault was taken on (EXC_RETURN bit 2: 1 = PSP) and
 * hands its exception frame to cm_fault. Naked: touches no stack. */
__attribute__((naked)) void cm_fault_entry(void)
{
    __asm__ volatile("tst lr, #4\n\t"
                     "ite eq\n\t"
                     "mrseq r0, msp\n\t"
                     "mrsne r0, psp\n\t"
                     "mov r1, lr\n\t"
                     "b cm_fault\n\t");
}

void cm_fault_send_line(const char *line)
{
    static const uint8_t zero = 0;
    const char *end = line;
    while (*end)
        end++;
    port_write(&zero, 1);
    port_write((const uint8_t *)line, (int)(end - line));
    port_write(&zero, 1);
}

void cm_fault_traps_enable(void)
{
    SCB_SHCSR |= SCB_SHCSR_MEMFAULTENA | SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_USGFAULTENA;
    SCB_CCR |= SCB_CCR_DIV_0_TRP;
}

void cm_stack_guard_init(uint32_t guard_log2)
{
    guard_hi = (uint32_t)(uintptr_t)__stack_limit;
    guard_lo = guard_hi - (1u << guard_log2);
    MPU_RNR = 0;
    MPU_RBAR = guard_lo;
    MPU_RASR = MPU_RASR_XN | MPU_RASR_SIZE(guard_log2) | MPU_RASR_ENABLE;
    MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

/* Counter ---------------------------------------------------------------- */

int cm_dwt_init(void)
{
    DEMCR |= DEMCR_TRCENA;
    __asm__ volatile("dsb" ::: "memory");
    if (DWT_CTRL & DWT_CTRL_NOCYCCNT)
        return -1;
    DWT_CYCCNT = 0;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
    return 0;
}

/* Reset ------------------------------------------------------------------- */

void cm_fault_reset(void)
{
    /* Without a debugger, BKPT would escalate to a HardFault. */
    if (DHCSR & DHCSR_C_DEBUGEN)
        __asm__ volatile("bkpt 0");
    __asm__ volatile("dsb" ::: "memory");
    SCB_AIRCR = SCB_AIRCR_VECTKEY | (SCB_AIRCR & SCB_AIRCR_PRIGROUP_MASK) |
                SCB_AIRCR_SYSRESETREQ;
    __asm__ volatile("dsb" ::: "memory");
    for (;;)
        ;
}

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
    cm_board_main();
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
