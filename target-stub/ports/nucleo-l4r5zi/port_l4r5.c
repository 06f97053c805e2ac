/*
 * port_l4r5.c: the stub on an ST NUCLEO-L4R5ZI board (STM32L4R5ZI,
 * Cortex-M4F, the MLPerf Tiny reference board). Written from RM0432 and
 * the board's user manual (UM2179); built by CI but not yet run on
 * hardware.
 *
 * Clock. The core runs at 120 MHz, the part's maximum: HSI16 (the 16 MHz
 * internal RC oscillator, factory-trimmed) feeds the PLL (/2, x30, /2),
 * with the regulator in Range 1 boost mode and 5 flash wait states, and
 * the ART accelerator (prefetch, instruction and data caches) on. No
 * crystal is needed, so the board works as shipped. The switch follows
 * RM0432's rule for going above 80 MHz: HCLK is halved while SYSCLK
 * switches to the PLL, and restored after at least 1 us.
 *
 * Serial link. LPUART1 on PG7 (TX) and PG8 (RX), AF8, is the ST-LINK's
 * virtual COM port (a USB CDC device on the host). Port G's upper pins are
 * powered by VDDIO2, which must be declared valid (PWR_CR2.IOSV) first.
 * 115200 baud, 8N1, clocked from HSI16 so that the baud rate does not
 * depend on the core clock. Received bytes are taken by the RX interrupt
 * into a ring buffer (../cortex-m/cm_rx.c); port_read() sleeps in WFI
 * while it is empty. Writes poll the TX-empty flag.
 *
 * Counter. The DWT cycle counter: core clock cycles at 120 MHz (unit
 * "cycles"), wrapping every 35.8 s. Nothing interrupts a timed run: the
 * only interrupt enabled is the UART's, and the host is silent while a
 * request runs.
 *
 * Memory. The 640 KiB of SRAM are one range: from its start, the core's
 * stack (16 KiB, with an MPU guard below), the handler stack, .data and
 * .bss, then the model buffer (all that is left, about 390 KiB) and the
 * arena (200 KiB) at the end (nucleo-l4r5zi.ld). The model is uploaded
 * into RAM like on every board: the int8 MLPerf Tiny models and the float
 * ResNet fit. This board keeps 4096 timing slots per INVOKE, not 8192.
 *
 * Faults. Reported like on the other ports (../cortex-m/cm_start.c): an
 * ERROR frame answers the request in progress; then the same line goes
 * out as text between two 0x00 bytes (a terminal shows it; the host's
 * frame decoder drops it), and the board resets, ready for the next run.
 * With a debugger attached it stops at a breakpoint first.
 */
#include <stdint.h>

#include "cm.h"
#include "l4r5.h"
#include "port.h"
#include "proto.h"
#include "stub.h"

#define BAUD 115200u

const char cm_board_log_prefix[] = "hilbench-stub-nucleo-l4r5zi: ";

/* Clock -------------------------------------------------------------------- */

static void spin(uint32_t n)
{
    while (n--)
        __asm__ volatile("nop");
}

static void clock_init(void)
{
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)RCC_APB1ENR1; /* the clock is on once the write has completed */

    /* Range 1 (the reset value), then boost mode. HCLK is halved first:
     * SYSCLK goes straight from 4 MHz to 120 MHz below. */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_HPRE_MASK) | RCC_CFGR_HPRE_DIV2;
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_RANGE1;
    while (PWR_SR2 & PWR_SR2_VOSF)
        ;
    PWR_CR5 &= ~PWR_CR5_R1MODE;
    while (PWR_SR2 & PWR_SR2_VOSF)
        ;

    /* Wait states before the clock rises; read back until taken. */
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | L4R5_FLASH_WAIT_STATES |
                FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != L4R5_FLASH_WAIT_STATES)
        ;

    RCC_CR |= RCC_CR_HSION;
    while (!(RCC_CR & RCC_CR_HSIRDY))
        ;
    RCC_PLLCFGR = RCC_PLLCFGR_PLLSRC_HSI16 | RCC_PLLCFGR_PLLM(L4R5_PLLM) |
                  RCC_PLLCFGR_PLLN(L4R5_PLLN) | RCC_PLLCFGR_PLLR(L4R5_PLLR) |
                  RCC_PLLCFGR_PLLREN;
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY))
        ;

    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_SW_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK)) |
               RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL)
        ;
    spin(200); /* at least 1 us at 60 MHz before HCLK doubles */
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_HPRE_MASK) | RCC_CFGR_HPRE_DIV1;
}

/* Serial link --------------------------------------------------------------- */

void l4r5_lpuart1_isr(void)
{
    uint32_t isr = LPUART1_ISR;
    /* An overrun (a byte lost) or a framing or noise error: clear it, or
     * the interrupt stays pending; the damaged frame fails its CRC. */
    if (isr & (USART_ISR_ORE | USART_ISR_FE | USART_ISR_NF | USART_ISR_PE))
        LPUART1_ICR = USART_ICR_ERRORS;
    while (LPUART1_ISR & USART_ISR_RXNE)
        cm_rx_put((uint8_t)LPUART1_RDR); /* reading RDR clears RXNE */
}

int port_read(uint8_t *buf, int cap)
{
    return cm_rx_read(buf, cap, 0, 0);
}

void port_write(const uint8_t *buf, int len)
{
    for (int k = 0; k < len; k++) {
        while (!(LPUART1_ISR & USART_ISR_TXE))
            ;
        LPUART1_TDR = buf[k];
    }
}

/* Waits until the last byte has left the pin. */
static void uart_drain(void)
{
    while (!(LPUART1_ISR & USART_ISR_TC))
        ;
}

static void uart_init(void)
{
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOGEN;
    RCC_APB1ENR2 |= RCC_APB1ENR2_LPUART1EN;
    (void)RCC_APB1ENR2;
    PWR_CR2 |= PWR_CR2_IOSV;
    RCC_CCIPR = (RCC_CCIPR & ~RCC_CCIPR_LPUART1SEL_MASK) | RCC_CCIPR_LPUART1SEL_HSI16;

    /* PG7, PG8: alternate function 8, pull-up on RX so that an idle or
     * unplugged line reads as idle. */
    GPIOG_AFRL = (GPIOG_AFRL & ~(0xFu << 4 * L4R5_VCP_TX_PIN)) |
                 (L4R5_VCP_AF << 4 * L4R5_VCP_TX_PIN);
    GPIOG_AFRH = (GPIOG_AFRH & ~(0xFu << 4 * (L4R5_VCP_RX_PIN - 8))) |
                 (L4R5_VCP_AF << 4 * (L4R5_VCP_RX_PIN - 8));
    GPIOG_PUPDR = (GPIOG_PUPDR & ~(3u << 2 * L4R5_VCP_RX_PIN)) |
                  (GPIO_PULL_UP << 2 * L4R5_VCP_RX_PIN);
    GPIOG_MODER = (GPIOG_MODER & ~(3u << 2 * L4R5_VCP_TX_PIN | 3u << 2 * L4R5_VCP_RX_PIN)) |
                  (GPIO_MODE_AF << 2 * L4R5_VCP_TX_PIN) | (GPIO_MODE_AF << 2 * L4R5_VCP_RX_PIN);

    LPUART1_CR1 = 0; /* 8 data bits, no parity; CR2: 1 stop bit */
    LPUART1_BRR = L4R5_LPUART_BRR(L4R5_HSI16_HZ, BAUD);
    LPUART1_CR1 = USART_CR1_RXNEIE | USART_CR1_TE | USART_CR1_RE | USART_CR1_UE;
    CM_NVIC_ENABLE(L4R5_IRQ_LPUART1);
}

_Static_assert(L4R5_LPUART_BRR(L4R5_HSI16_HZ, BAUD) >= 0x300u &&
                   L4R5_LPUART_BRR(L4R5_HSI16_HZ, BAUD) <= 0xFFFFFu,
               "LPUART1 divider in range");

/* Counter -------------------------------------------------------------------- */

uint32_t port_counter(void) { return cm_dwt_cycles(); }
uint32_t port_counter_hz(void) { return L4R5_HCLK_HZ; }
uint8_t port_counter_unit(void) { return PROTO_UNIT_CYCLES; }

/* Identity (the memory calls are in ../cortex-m/cm_mem.c) -------------------- */

const char *port_board_name(void) { return "nucleo-l4r5zi"; }

/* Start and end ----------------------------------------------------------------- */

void cm_board_fault_exit(const char *line)
{
    cm_fault_send_line(line);
    uart_drain();
    cm_fault_reset();
}

void cm_board_main(void)
{
    cm_fault_traps_enable();
    cm_stack_guard_init(L4R5_STACK_GUARD_LOG2);
    clock_init();
    (void)cm_dwt_init(); /* every STM32 Cortex-M4 has the cycle counter */
    uart_init();
    __asm__ volatile("cpsie i" ::: "memory");
    stub_run();
    cm_fault_reset(); /* not reached: the UART link never closes */
}

/* Vector table ------------------------------------------------------------- */

#define F cm_fault_entry
#define F10 F, F, F, F, F, F, F, F, F, F

/* 16 system exceptions, then the chip's 95 interrupts. Anything the
 * firmware does not use ends in the fault handler, which names it. */
__attribute__((section(".vectors"), used))
static const cm_vector vectors[] = {
    CM_SYSTEM_VECTORS,
    F10, F10, F10, F10, F10, F10, F10,  /* IRQ 0-69 */
    l4r5_lpuart1_isr,                   /* IRQ 70: LPUART1 */
    F, F, F, F, F, F, F, F, F,          /* IRQ 71-79 */
    F10, F, F, F, F, F,                 /* IRQ 80-94 */
};
_Static_assert(L4R5_IRQ_LPUART1 == 70 && L4R5_IRQ_COUNT == 95, "vector table layout");
_Static_assert(sizeof(vectors) / sizeof(vectors[0]) == 16 + L4R5_IRQ_COUNT,
               "one vector for every exception and interrupt");
