/*
 * port_f446.c: the stub on an ST NUCLEO-F446RE board (STM32F446RE,
 * Cortex-M4F). Written from RM0390 and the board's user manual (UM1724);
 * built by CI but not yet run on hardware.
 *
 * Clock. The core runs at 180 MHz, the part's maximum: HSI (the 16 MHz
 * internal RC oscillator, factory-trimmed) feeds the PLL (/8, x180, /2),
 * with the regulator in voltage scale 1 and over-drive on (needed above
 * 168 MHz), 5 flash wait states, and the ART accelerator (prefetch,
 * instruction and data caches) on. APB1 runs at 45 MHz, APB2 at 90 MHz.
 * No crystal and no ST-LINK clock output are needed, so the board works
 * whatever its solder bridges.
 *
 * Serial link. USART2 on PA2 (TX) and PA3 (RX), AF7, is the ST-LINK's
 * virtual COM port (a USB CDC device on the host), 115200 baud 8N1 from
 * the 45 MHz APB1 clock (0.1 % off). Received bytes are taken by the RX
 * interrupt into a ring buffer (../cortex-m/cm_rx.c); port_read() sleeps
 * in WFI while it is empty. Writes poll the TX-empty flag.
 *
 * Counter. The DWT cycle counter: core clock cycles at 180 MHz (unit
 * "cycles"), wrapping every 23.9 s. Nothing interrupts a timed run: the
 * only interrupt enabled is the UART's, and the host is silent while a
 * request runs.
 *
 * Memory. The 128 KiB of SRAM are one range: from its start, the core's
 * stack (8 KiB, with an MPU guard below), the handler stack, .data and
 * .bss, then the model buffer (all that is left, about 70 KiB) and the
 * arena (32 KiB) at the end (nucleo-f446re.ld). The model is uploaded
 * into RAM like on every board: small models only (the int8 MLPerf Tiny
 * keyword-spotting model, not the larger ones). This board keeps 2048
 * timing slots per INVOKE, not 8192.
 *
 * Faults. Reported like on the other ports (../cortex-m/cm_start.c): an
 * ERROR frame answers the request in progress; then the same line goes
 * out as text between two 0x00 bytes, and the board resets, ready for the
 * next run. With a debugger attached it stops at a breakpoint first.
 */
#include <stdint.h>

#include "cm.h"
#include "f446.h"
#include "port.h"
#include "proto.h"
#include "stub.h"

#define BAUD 115200u

const char cm_board_log_prefix[] = "hilbench-stub-nucleo-f446re: ";

/* Clock -------------------------------------------------------------------- */

static void clock_init(void)
{
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR; /* the clock is on once the write has completed */
    /* Scale 1 (the reset value); VOS may change only while the PLL is off. */
    PWR_CR = (PWR_CR & ~PWR_CR_VOS_MASK) | PWR_CR_VOS_SCALE1;

    RCC_CR |= RCC_CR_HSION; /* on since reset; the system runs on it */
    while (!(RCC_CR & RCC_CR_HSIRDY))
        ;
    RCC_PLLCFGR = RCC_PLLCFGR_PLLSRC_HSI | RCC_PLLCFGR_PLLM(F446_PLLM) |
                  RCC_PLLCFGR_PLLN(F446_PLLN) | RCC_PLLCFGR_PLLP(F446_PLLP) |
                  RCC_PLLCFGR_PLLQ(F446_PLLQ) | RCC_PLLCFGR_PLLR(F446_PLLR);
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY))
        ;

    /* Over-drive, then the switch of the regulator to it (RM0390, "Entering
     * Over-drive mode"), while still running from HSI. */
    PWR_CR |= PWR_CR_ODEN;
    while (!(PWR_CSR & PWR_CSR_ODRDY))
        ;
    PWR_CR |= PWR_CR_ODSWEN;
    while (!(PWR_CSR & PWR_CSR_ODSWRDY))
        ;

    /* Wait states before the clock rises; read back until taken. */
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | F446_FLASH_WAIT_STATES |
                FLASH_ACR_PRFTEN | FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != F446_FLASH_WAIT_STATES)
        ;

    /* Bus dividers first, so that no bus ever runs above its limit. */
    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK)) |
               RCC_CFGR_PPRE1_DIV4 | RCC_CFGR_PPRE2_DIV2;
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLLP;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLLP)
        ;
}

/* Serial link --------------------------------------------------------------- */

void f446_usart2_isr(void)
{
    /* Reading SR then DR takes the byte and clears RXNE, and with it an
     * overrun, framing or noise error (the damaged frame fails its CRC). */
    uint32_t sr;
    while ((sr = USART2_SR) & (USART_SR_RXNE | USART_SR_ORE | USART_SR_FE |
                                USART_SR_NF | USART_SR_PE)) {
        uint8_t b = (uint8_t)USART2_DR;
        if (sr & USART_SR_RXNE)
            cm_rx_put(b);
    }
}

int port_read(uint8_t *buf, int cap)
{
    return cm_rx_read(buf, cap, 0, 0);
}

void port_write(const uint8_t *buf, int len)
{
    for (int k = 0; k < len; k++) {
        while (!(USART2_SR & USART_SR_TXE))
            ;
        USART2_DR = buf[k];
    }
}

/* Waits until the last byte has left the pin. */
static void uart_drain(void)
{
    while (!(USART2_SR & USART_SR_TC))
        ;
}

static void uart_init(void)
{
    RCC_AHB1ENR |= RCC_AHB1ENR_GPIOAEN;
    RCC_APB1ENR |= RCC_APB1ENR_USART2EN;
    (void)RCC_APB1ENR;

    /* PA2, PA3: alternate function 7, pull-up on RX so that an idle or
     * unplugged line reads as idle. */
    GPIOA_AFRL = (GPIOA_AFRL & ~(0xFu << 4 * F446_VCP_TX_PIN | 0xFu << 4 * F446_VCP_RX_PIN)) |
                 (F446_VCP_AF << 4 * F446_VCP_TX_PIN) | (F446_VCP_AF << 4 * F446_VCP_RX_PIN);
    GPIOA_PUPDR = (GPIOA_PUPDR & ~(3u << 2 * F446_VCP_RX_PIN)) |
                  (GPIO_PULL_UP << 2 * F446_VCP_RX_PIN);
    GPIOA_MODER = (GPIOA_MODER & ~(3u << 2 * F446_VCP_TX_PIN | 3u << 2 * F446_VCP_RX_PIN)) |
                  (GPIO_MODE_AF << 2 * F446_VCP_TX_PIN) | (GPIO_MODE_AF << 2 * F446_VCP_RX_PIN);

    USART2_CR1 = 0; /* 8 data bits, no parity, 16x oversampling; CR2: 1 stop bit */
    USART2_BRR = F446_USART_BRR(F446_PCLK1_HZ, BAUD);
    USART2_CR1 = USART_CR1_UE | USART_CR1_RXNEIE | USART_CR1_TE | USART_CR1_RE;
    CM_NVIC_ENABLE(F446_IRQ_USART2);
}

_Static_assert(F446_USART_BRR(F446_PCLK1_HZ, BAUD) >= 16u &&
                   F446_USART_BRR(F446_PCLK1_HZ, BAUD) <= 0xFFFFu,
               "USART2 divider in range");

/* Counter -------------------------------------------------------------------- */

uint32_t port_counter(void) { return cm_dwt_cycles(); }
uint32_t port_counter_hz(void) { return F446_HCLK_HZ; }
uint8_t port_counter_unit(void) { return PROTO_UNIT_CYCLES; }

/* Identity (the memory calls are in ../cortex-m/cm_mem.c) -------------------- */

const char *port_board_name(void) { return "nucleo-f446re"; }

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
    cm_stack_guard_init(F446_STACK_GUARD_LOG2);
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

/* 16 system exceptions, then the chip's 97 interrupts. Anything the
 * firmware does not use ends in the fault handler, which names it. */
__attribute__((section(".vectors"), used))
static const cm_vector vectors[] = {
    CM_SYSTEM_VECTORS,
    F10, F10, F10,                      /* IRQ 0-29 */
    F, F, F, F, F, F, F, F,             /* IRQ 30-37 */
    f446_usart2_isr,                    /* IRQ 38: USART2 */
    F,                                  /* IRQ 39 */
    F10, F10, F10, F10, F10,            /* IRQ 40-89 */
    F, F, F, F, F, F, F,                /* IRQ 90-96 */
};
_Static_assert(F446_IRQ_USART2 == 38 && F446_IRQ_COUNT == 97, "vector table layout");
_Static_assert(sizeof(vectors) / sizeof(vectors[0]) == 16 + F446_IRQ_COUNT,
               "one vector for every exception and interrupt");
