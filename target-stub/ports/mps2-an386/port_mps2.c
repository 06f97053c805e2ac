/*
 * port_mps2.c: the stub on an MPS2 board with the AN386 image (Cortex-M4F
 * at 25 MHz), as QEMU's mps2-an386 machine emulates it. The link is UART0,
 * which QEMU connects to a Unix socket (boards/qemu-mps2-an386.ini).
 *
 * Serial link. Received bytes are taken by the UART0 RX interrupt into a
 * ring buffer; port_read() sleeps in WFI while the ring is empty, so an
 * idle board costs the host no CPU. Writes poll the TX-full flag.
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

#include "mps2.h"
#include "nn_types.h"
#include "port.h"
#include "proto.h"
#include "stub.h"

#define MODEL_CAPACITY (8u << 20)
#define ARENA_CAPACITY (8u << 20)
#define RX_RING_BYTES 4096u /* a power of two above one encoded request */

static _Alignas(NN_ALIGN) uint8_t model_buffer[MODEL_CAPACITY]
    __attribute__((section(".hb_model")));
static _Alignas(NN_ALIGN) uint8_t arena[ARENA_CAPACITY]
    __attribute__((section(".hb_arena")));

_Static_assert(RX_RING_BYTES >= PROTO_ENCODED_MAX(STUB_MAX_PAYLOAD) + 1 &&
                   (RX_RING_BYTES & (RX_RING_BYTES - 1)) == 0,
               "the RX ring holds one whole request");

/* Serial link --------------------------------------------------------------- */

static uint8_t rx_ring[RX_RING_BYTES];
static volatile uint32_t rx_head; /* written by the interrupt only */
static volatile uint32_t rx_tail; /* written by port_read only */
static volatile uint32_t rx_dropped; /* bytes lost to a full ring */

void mps2_uart0_rx_isr(void)
{
    /* Clear first: a byte arriving while we drain raises it again. */
    UART0_INTSTATUS = UART_INT_RX;
    while (UART0_STATE & UART_STATE_RXFULL) {
        uint8_t b = (uint8_t)UART0_DATA;
        uint32_t head = rx_head;
        if (head - rx_tail < RX_RING_BYTES) {
            rx_ring[head % RX_RING_BYTES] = b;
            __asm__ volatile("dmb" ::: "memory");
            rx_head = head + 1;
        } else {
            rx_dropped++; /* the frame fails its CRC; the host retries */
        }
    }
}

static void counter_pause(void);
static void counter_resume(void);

int port_read(uint8_t *buf, int cap)
{
    while (rx_head == rx_tail) {
        /* With interrupts masked, WFI still wakes on a pending interrupt,
         * and one that arrives between the test and the WFI is not
         * missed. */
        __asm__ volatile("cpsid i" ::: "memory");
        if (rx_head == rx_tail) {
            counter_pause();
            __asm__ volatile("dsb\n\twfi" ::: "memory");
            __asm__ volatile("cpsie i\n\tisb" ::: "memory"); /* the ISR runs here */
            counter_resume();
        } else {
            __asm__ volatile("cpsie i" ::: "memory");
        }
    }
    int n = 0;
    uint32_t tail = rx_tail, head = rx_head;
    __asm__ volatile("dmb" ::: "memory");
    while (tail != head && n < cap)
        buf[n++] = rx_ring[tail++ % RX_RING_BYTES];
    rx_tail = tail;
    return n;
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

/* Memory --------------------------------------------------------------------- */

uint8_t *port_model_buffer(uint32_t *capacity)
{
    *capacity = MODEL_CAPACITY;
    return model_buffer;
}

uint8_t *port_arena(uint32_t *capacity)
{
    *capacity = ARENA_CAPACITY;
    return arena;
}

const uint8_t *port_flash_model(uint32_t *capacity)
{
    *capacity = (uint32_t)(__flash_model_end - __flash_model_start);
    return __flash_model_start;
}

uint8_t *port_stack_limit(void) { return __stack_limit; }
uint8_t *port_stack_base(void) { return __stack_top; }
const char *port_board_name(void) { return "qemu-mps2-an386"; }

/* A no-access MPU region of MPS2_STACK_GUARD_BYTES just below the thread
 * stack (reserved address space: QEMU would ignore writes there and read
 * zeros). Large, so that a big stack frame cannot step over it. Privileged
 * code keeps the default memory map everywhere else. */
static void stack_guard_init(void)
{
    MPU_RNR = 0;
    MPU_RBAR = (uint32_t)(uintptr_t)__stack_limit - MPS2_STACK_GUARD_BYTES;
    MPU_RASR = MPU_RASR_XN | MPU_RASR_SIZE(MPS2_STACK_GUARD_LOG2) | MPU_RASR_ENABLE;
    MPU_CTRL = MPU_CTRL_PRIVDEFENA | MPU_CTRL_ENABLE;
    __asm__ volatile("dsb\n\tisb" ::: "memory");
}

void mps2_main(void)
{
    /* Faults get their own handlers (else all are HardFaults), and an
     * integer division by zero traps as it would crash a host process. */
    SCB_SHCSR |= SCB_SHCSR_MEMFAULTENA | SCB_SHCSR_BUSFAULTENA | SCB_SHCSR_USGFAULTENA;
    SCB_CCR |= SCB_CCR_DIV_0_TRP;
    stack_guard_init();
    counter_init();
    uart_init();
    __asm__ volatile("cpsie i" ::: "memory");
    stub_run();
    mps2_exit(0, 0); /* not reached: the UART link never closes */
}
