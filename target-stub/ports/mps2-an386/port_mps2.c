/*
 * port_mps2.c: the stub on an MPS2 board with the AN386 image (Cortex-M4F
 * at 25 MHz), as QEMU's mps2-an386 machine emulates it. The link is UART0,
 * which QEMU connects to a Unix socket (boards/qemu-mps2-an386.ini).
 *
 * Serial link. Received bytes are taken by the UART0 RX interrupt into a
 * ring buffer (../cortex-m/cm_rx.c); port_read() sleeps in WFI while the
 * ring is empty, so an idle board costs the host no CPU. Writes poll the
 * TX-full flag.
 *
 * Counter. QEMU implements no DWT cycle counter, so the count comes from
 * CMSDK timer 0 (32 bits, 25 MHz), extended to 64 bits by its wrap
 * interrupt. QEMU runs the board with -icount shift=N: virtual time then
 * advances exactly 2^N ns per instruction, so the timer advances
 * 0.025 x 2^N ticks per instruction, identically on every run: it counts
 * instructions. The shift is found at start-up by timing a loop of known
 * length, and every reading is converted back to instructions, so
 * port_counter() counts executed instructions (counter_unit
 * "instructions"). port_counter_hz() is 25 MHz, a notional clock of one
 * instruction per cycle at the board's frequency. Without -icount (the
 * timer then follows host time), the loop does not measure a whole power
 * of two and the counter reports nanoseconds of virtual time instead.
 *
 * Idle. With -icount ... sleep=off QEMU never sleeps: when the CPU waits
 * in WFI it jumps virtual time to the next timer deadline at once. A
 * running timer would thus wake the board again and again, burning a host
 * core. So the timer is stopped while port_read() sleeps; the counter then
 * does not advance, which no measurement spans. Each time it restarts, its
 * sub-tick phase restarts too, so conversion to instructions is done per
 * running stretch ("segment"): instructions since the segment began are
 * ceil(ticks x 40 / 2^N). QEMU's timer shows ceil(m x 0.025 x 2^N) - 1
 * ticks after m instructions (0 at the start), so with at least 1.6 ticks
 * per instruction (N >= 6) this gives back m exactly.
 *
 * Memory. The model buffer (8 MiB) and the arena (8 MiB) are in PSRAM; the
 * core's stack is 64 KiB at the bottom of SRAM, with the 16 MiB below it
 * made inaccessible by the MPU.
 */
#include <stdint.h>

#include "cm.h"
#include "mps2.h"
#include "port.h"
#include "proto.h"
#include "stub.h"

/* Serial link --------------------------------------------------------------- */

void mps2_uart0_rx_isr(void)
{
    /* Clear first: a byte arriving while we drain raises it again. */
    UART0_INTSTATUS = UART_INT_RX;
    while (UART0_STATE & UART_STATE_RXFULL)
        cm_rx_put((uint8_t)UART0_DATA);
}

static void counter_pause(void);
static void counter_resume(void);

int port_read(uint8_t *buf, int cap)
{
    return cm_rx_read(buf, cap, counter_pause, counter_resume);
}

void port_write(const uint8_t *buf, int len)
{
    for (int k = 0; k < len; k++) {
        while (UART0_STATE & UART_STATE_TXFULL)
            ;
        UART0_DATA = buf[k];
    }
    /* Handed over in full before returning: the fault path exits next. */
    while (UART0_STATE & UART_STATE_TXFULL)
        ;
}

static void uart_init(void)
{
    UART0_BAUDDIV = 16; /* the smallest legal divisor; QEMU ignores it */
    UART0_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN | UART_CTRL_RXINTEN;
    NVIC_ISER0 = 1u << MPS2_IRQ_UART0_RX;
}

void port_quiet(int on)
{
    /* QEMU's UART model stops taking bytes while its one-byte holding
     * register is full, so nothing is lost: it arrives after the model. */
    if (on)
        CM_NVIC_DISABLE(MPS2_IRQ_UART0_RX);
    else
        CM_NVIC_ENABLE(MPS2_IRQ_UART0_RX);
}

/* Counter -------------------------------------------------------------------- */

static volatile uint32_t timer_wraps; /* 2^32-tick periods completed */
static uint32_t icount_shift;          /* N of -icount shift=N */
static int counting_instructions;      /* 0: nanoseconds (no -icount) */
static uint64_t seg_ticks;             /* raw ticks when the segment began */
static uint32_t seg_count;             /* port_counter() then */
static int paused;

void mps2_timer0_isr(void)
{
    TIMER0_INTSTATUS = 1u;
    timer_wraps++;
}

/* Ticks since the timer was first started, over 64 bits. */
static uint64_t raw_ticks(void)
{
    uint32_t w, v, pending;
    do {
        w = timer_wraps;
        v = TIMER0_VALUE;
        pending = TIMER0_INTSTATUS & 1u;
    } while (w != timer_wraps);
    /* Wrapped, but its interrupt not yet taken (interrupts masked). */
    if (pending && v >= 0x80000000u)
        w++;
    return ((uint64_t)w << 32) | (0xFFFFFFFFu - v);
}

/* Ticks of one segment to counter units. */
static uint32_t ticks_to_count(uint64_t ticks)
{
    if (!counting_instructions)
        return (uint32_t)(ticks * 40u); /* 40 ns a tick */
    return (uint32_t)((ticks * 40u + ((1u << icount_shift) - 1u)) >> icount_shift);
}

uint32_t port_counter(void)
{
#ifdef MPS2_TEST_FAULT_OP
    /* Test build: an integer division by zero in that op's hook. */
    if (stub_current_op == MPS2_TEST_FAULT_OP) {
        uint32_t q, zero = 0;
        __asm__ volatile("udiv %0, %1, %2" : "=r"(q) : "r"(stub_current_op), "r"(zero));
        (void)q;
    }
#endif
    if (paused)
        return seg_count;
    return seg_count + ticks_to_count(raw_ticks() - seg_ticks);
}

static void counter_pause(void)
{
    TIMER0_CTRL = TIMER_CTRL_IRQEN; /* stopped; VALUE holds */
    seg_count += ticks_to_count(raw_ticks() - seg_ticks);
    paused = 1;
}

static void counter_resume(void)
{
    seg_ticks = raw_ticks();
    paused = 0;
    TIMER0_CTRL = TIMER_CTRL_IRQEN | TIMER_CTRL_EN; /* a new segment */
}

/* Two instructions an iteration. */
static __attribute__((noinline)) void spin(uint32_t n)
{
    __asm__ volatile("1: subs %0, %0, #1\n\t"
                     "bne 1b"
                     : "+r"(n)::"cc");
}

/* Ticks the timer advances over 2n more instructions. */
static uint32_t loop_ticks(uint32_t n)
{
    uint32_t a = TIMER0_VALUE;
    spin(n);
    uint32_t b = TIMER0_VALUE;
    spin(2 * n);
    uint32_t c = TIMER0_VALUE;
    return (b - c) - (a - b); /* down-counter; the call overhead cancels */
}

/* Finds N of -icount shift=N: 10240 instructions take 256 x 2^N ticks.
 * Twice, so that host timing (no -icount) cannot pass by chance. */
static void counter_init(void)
{
    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_INTSTATUS = 1u;
    TIMER0_CTRL = TIMER_CTRL_EN; /* no interrupt while calibrating */
    spin(5120);                  /* let QEMU translate the loop first */
    uint32_t t1 = loop_ticks(5120), t2 = loop_ticks(5120);
    counting_instructions = 0;
    for (uint32_t n = 0; n <= 16; n++) {
        uint32_t want = 256u << n, tol = 2u + (want >> 10);
        if (t1 + tol >= want && t1 <= want + tol && t2 + tol >= want && t2 <= want + tol) {
            icount_shift = n;
            counting_instructions = 1;
            break;
        }
    }
    TIMER0_CTRL = 0;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_INTSTATUS = 1u;
    timer_wraps = 0;
    seg_count = 0;
    NVIC_ISER0 = 1u << MPS2_IRQ_TIMER0;
    counter_resume();
}

uint32_t port_counter_hz(void)
{
    return counting_instructions ? MPS2_SYSCLK_HZ : 1000000000u;
}

uint8_t port_counter_unit(void)
{
    return counting_instructions ? PROTO_UNIT_INSTRUCTIONS : PROTO_UNIT_NS;
}

/* Identity (the memory calls are in ../cortex-m/cm_mem.c) -------------------- */

const char *port_board_name(void) { return "qemu-mps2-an386"; }

void cm_board_main(void)
{
    cm_fault_traps_enable();
    /* The 16 MiB below SRAM are reserved address space: QEMU would ignore
     * writes there and read zeros. */
    cm_stack_guard_init(MPS2_STACK_GUARD_LOG2);
    counter_init();
    uart_init();
    __asm__ volatile("cpsie i" ::: "memory");
    stub_run();
    mps2_exit(0, 0); /* not reached: the UART link never closes */
}
