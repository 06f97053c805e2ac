/*
 * l4r5.h: the parts of the STM32L4R5ZI (STM32L4+ family, Cortex-M4F) that
 * the nucleo-l4r5zi port uses. Register addresses and bits are from the
 * reference manual RM0432 (STM32L4+ series); interrupt numbers from its
 * vector table.
 *
 * Namespace: l4r5_ / L4R5_, and the register names below. The Cortex-M
 * system registers are in ../cortex-m/cm.h.
 *
 * Memory map used (see nucleo-l4r5zi.ld):
 *   0x08000000    2 MiB  flash: vector table, code, constants
 *   0x20000000  640 KiB  SRAM1 (192 KiB), SRAM2 (64 KiB, also at
 *                        0x10000000) and SRAM3 (384 KiB, from 0x20040000),
 *                        one contiguous range: stacks, .data, .bss, the
 *                        model buffer and the arena
 */
#ifndef L4R5_H
#define L4R5_H

#include <stdint.h>

#include "cm.h"

#define L4R5_REG(addr) CM_REG(addr)

/* Clocks (port_l4r5.c): HSI16 -> PLL (/2 x30 /2) -> 120 MHz SYSCLK = HCLK
 * = PCLK1 = PCLK2, Range 1 boost mode, 5 flash wait states. LPUART1 runs
 * on HSI16 directly. */
#define L4R5_HSI16_HZ 16000000u
#define L4R5_HCLK_HZ 120000000u
#define L4R5_PLLM 2u  /* 16 MHz / 2 = 8 MHz PLL input (2.66 to 16 MHz) */
#define L4R5_PLLN 30u /* x 30 = 240 MHz VCO (64 to 344 MHz) */
#define L4R5_PLLR 2u  /* / 2 = 120 MHz */
#define L4R5_FLASH_WAIT_STATES 5u /* Range 1 boost, 100 < HCLK <= 120 MHz */
_Static_assert(L4R5_HSI16_HZ / L4R5_PLLM * L4R5_PLLN / L4R5_PLLR == L4R5_HCLK_HZ,
               "PLL settings give the stated clock");

/* The MPU guard below the thread stack: 64 KiB below SRAM1
 * (0x1FFF0000-0x1FFFFFFF: system memory and reserved addresses the
 * firmware never uses). */
#define L4R5_STACK_GUARD_LOG2 16

/* RCC: reset and clock control */
#define RCC_CR L4R5_REG(0x40021000u)
#define RCC_CR_HSION (1u << 8)
#define RCC_CR_HSIRDY (1u << 10)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR L4R5_REG(0x40021008u)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_PLL (3u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLL (3u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_HPRE_DIV1 (0x0u << 4)
#define RCC_CFGR_HPRE_DIV2 (0x8u << 4)
#define RCC_CFGR_PPRE1_MASK (7u << 8)  /* 0: PCLK1 = HCLK */
#define RCC_CFGR_PPRE2_MASK (7u << 11) /* 0: PCLK2 = HCLK */
#define RCC_PLLCFGR L4R5_REG(0x4002100Cu)
#define RCC_PLLCFGR_PLLSRC_HSI16 (2u << 0)
#define RCC_PLLCFGR_PLLM(m) ((uint32_t)((m) - 1u) << 4)      /* divide by 1..16 */
#define RCC_PLLCFGR_PLLN(n) ((uint32_t)(n) << 8)             /* multiply by 8..127 */
#define RCC_PLLCFGR_PLLREN (1u << 24)                         /* PLLCLK (R) output on */
#define RCC_PLLCFGR_PLLR(r) ((uint32_t)((r) / 2u - 1u) << 25) /* divide by 2, 4, 6, 8 */
#define RCC_AHB2ENR L4R5_REG(0x4002104Cu)
#define RCC_AHB2ENR_GPIOGEN (1u << 6)
#define RCC_APB1ENR1 L4R5_REG(0x40021058u)
#define RCC_APB1ENR1_PWREN (1u << 28)
#define RCC_APB1ENR2 L4R5_REG(0x4002105Cu)
#define RCC_APB1ENR2_LPUART1EN (1u << 0)
#define RCC_CCIPR L4R5_REG(0x40021088u)
#define RCC_CCIPR_LPUART1SEL_MASK (3u << 10)
#define RCC_CCIPR_LPUART1SEL_HSI16 (2u << 10)

/* PWR: power control */
#define PWR_CR1 L4R5_REG(0x40007000u)
#define PWR_CR1_VOS_MASK (3u << 9)
#define PWR_CR1_VOS_RANGE1 (1u << 9)
#define PWR_CR2 L4R5_REG(0x40007004u)
#define PWR_CR2_IOSV (1u << 9) /* VDDIO2 valid: port G pins 2-15 usable */
#define PWR_SR2 L4R5_REG(0x40007014u)
#define PWR_SR2_VOSF (1u << 10) /* regulator still changing voltage */
#define PWR_CR5 L4R5_REG(0x40007080u)
#define PWR_CR5_R1MODE (1u << 8) /* 1: Range 1 normal (80 MHz), 0: boost (120 MHz) */

/* FLASH: access control */
#define FLASH_ACR L4R5_REG(0x40022000u)
#define FLASH_ACR_LATENCY_MASK (0xFu << 0)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* GPIO port G */
#define GPIOG_MODER L4R5_REG(0x48001800u)
#define GPIOG_PUPDR L4R5_REG(0x4800180Cu)
#define GPIOG_AFRL L4R5_REG(0x48001820u) /* pins 0-7, 4 bits each */
#define GPIOG_AFRH L4R5_REG(0x48001824u) /* pins 8-15 */
#define GPIO_MODE_AF 2u
#define GPIO_PULL_UP 1u
#define L4R5_VCP_TX_PIN 7u /* PG7: LPUART1_TX */
#define L4R5_VCP_RX_PIN 8u /* PG8: LPUART1_RX */
#define L4R5_VCP_AF 8u

/* LPUART1: the ST-LINK virtual COM port */
#define LPUART1_CR1 L4R5_REG(0x40008000u)
#define LPUART1_BRR L4R5_REG(0x4000800Cu)
#define LPUART1_ISR L4R5_REG(0x4000801Cu)
#define LPUART1_ICR L4R5_REG(0x40008020u)
#define LPUART1_RDR L4R5_REG(0x40008024u)
#define LPUART1_TDR L4R5_REG(0x40008028u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_ISR_PE (1u << 0)
#define USART_ISR_FE (1u << 1)
#define USART_ISR_NF (1u << 2)
#define USART_ISR_ORE (1u << 3)
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TC (1u << 6)
#define USART_ISR_TXE (1u << 7)
#define USART_ICR_ERRORS 0xFu /* PECF, FECF, NECF (bit 2), ORECF (bit 3) */
/* LPUART: baud = 256 x f_ck / BRR, BRR from 0x300 to 0xFFFFF. */
#define L4R5_LPUART_BRR(f_ck, baud) \
    ((uint32_t)((256ull * (f_ck) + (baud) / 2u) / (baud)))

/* Interrupts */
#define L4R5_IRQ_LPUART1 70
#define L4R5_IRQ_COUNT 95 /* 0..94 */

/* The link's RX interrupt (port_l4r5.c). */
void l4r5_lpuart1_isr(void);

#endif
