/*
 * f446.h: the parts of the STM32F446RE (Cortex-M4F) that the nucleo-f446re
 * port uses. Register addresses and bits are from the reference manual
 * RM0390 (STM32F446xx); interrupt numbers from its vector table.
 *
 * Namespace: f446_ / F446_, and the register names below. The Cortex-M
 * system registers are in ../cortex-m/cm.h.
 *
 * Memory map used (see nucleo-f446re.ld):
 *   0x08000000  512 KiB  flash: vector table, code, constants
 *   0x20000000  128 KiB  SRAM1 (112 KiB) and SRAM2 (16 KiB), contiguous:
 *                        stacks, .data, .bss, the model buffer and the
 *                        arena
 */
#ifndef F446_H
#define F446_H

#include <stdint.h>

#include "cm.h"

#define F446_REG(addr) CM_REG(addr)

/* Clocks (port_f446.c): HSI (16 MHz) -> PLL (/8 x180 /2) -> 180 MHz SYSCLK
 * = HCLK; PCLK1 = HCLK / 4 = 45 MHz (its maximum; USART2 runs on it),
 * PCLK2 = HCLK / 2 = 90 MHz. Voltage scale 1 with over-drive, 5 flash
 * wait states. */
#define F446_HSI_HZ 16000000u
#define F446_HCLK_HZ 180000000u
#define F446_PCLK1_HZ (F446_HCLK_HZ / 4u)
#define F446_PLLM 8u   /* 16 MHz / 8 = 2 MHz PLL input (1 to 2 MHz) */
#define F446_PLLN 180u /* x 180 = 360 MHz VCO (100 to 432 MHz) */
#define F446_PLLP 2u   /* / 2 = 180 MHz */
#define F446_PLLQ 8u   /* 45 MHz on the 48 MHz domain (USB, SDIO: unused) */
#define F446_PLLR 2u   /* unused output; any legal value (2 to 7) */
#define F446_FLASH_WAIT_STATES 5u /* 2.7-3.6 V, 150 < HCLK <= 180 MHz */
_Static_assert(F446_HSI_HZ / F446_PLLM * F446_PLLN / F446_PLLP == F446_HCLK_HZ,
               "PLL settings give the stated clock");

/* The MPU guard below the thread stack: 64 KiB below SRAM1
 * (0x1FFF0000-0x1FFFFFFF: system memory, OTP and option bytes, which the
 * firmware never uses). */
#define F446_STACK_GUARD_LOG2 16

/* RCC: reset and clock control */
#define RCC_CR F446_REG(0x40023800u)
#define RCC_CR_HSION (1u << 0)
#define RCC_CR_HSIRDY (1u << 1)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR F446_REG(0x40023804u)
#define RCC_PLLCFGR_PLLM(m) ((uint32_t)(m) << 0)                 /* 2..63 */
#define RCC_PLLCFGR_PLLN(n) ((uint32_t)(n) << 6)                 /* 50..432 */
#define RCC_PLLCFGR_PLLP(p) ((uint32_t)((p) / 2u - 1u) << 16)    /* 2, 4, 6, 8 */
#define RCC_PLLCFGR_PLLSRC_HSI (0u << 22)
#define RCC_PLLCFGR_PLLQ(q) ((uint32_t)(q) << 24)                /* 2..15 */
#define RCC_PLLCFGR_PLLR(r) ((uint32_t)(r) << 28)                /* 2..7 */
#define RCC_CFGR F446_REG(0x40023808u)
#define RCC_CFGR_SW_MASK (3u << 0)
#define RCC_CFGR_SW_PLLP (2u << 0)
#define RCC_CFGR_SWS_MASK (3u << 2)
#define RCC_CFGR_SWS_PLLP (2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4) /* 0: HCLK = SYSCLK */
#define RCC_CFGR_PPRE1_MASK (7u << 10)
#define RCC_CFGR_PPRE1_DIV4 (5u << 10)
#define RCC_CFGR_PPRE2_MASK (7u << 13)
#define RCC_CFGR_PPRE2_DIV2 (4u << 13)
#define RCC_AHB1ENR F446_REG(0x40023830u)
#define RCC_AHB1ENR_GPIOAEN (1u << 0)
#define RCC_APB1ENR F446_REG(0x40023840u)
#define RCC_APB1ENR_USART2EN (1u << 17)
#define RCC_APB1ENR_PWREN (1u << 28)

/* PWR: power control */
#define PWR_CR F446_REG(0x40007000u)
#define PWR_CR_VOS_MASK (3u << 14)
#define PWR_CR_VOS_SCALE1 (3u << 14)
#define PWR_CR_ODEN (1u << 16)
#define PWR_CR_ODSWEN (1u << 17)
#define PWR_CSR F446_REG(0x40007004u)
#define PWR_CSR_ODRDY (1u << 16)
#define PWR_CSR_ODSWRDY (1u << 17)

/* FLASH: access control (the ART accelerator) */
#define FLASH_ACR F446_REG(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK (0xFu << 0)
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* GPIO port A */
#define GPIOA_MODER F446_REG(0x40020000u)
#define GPIOA_PUPDR F446_REG(0x4002000Cu)
#define GPIOA_AFRL F446_REG(0x40020020u) /* pins 0-7, 4 bits each */
#define GPIO_MODE_AF 2u
#define GPIO_PULL_UP 1u
#define F446_VCP_TX_PIN 2u /* PA2: USART2_TX */
#define F446_VCP_RX_PIN 3u /* PA3: USART2_RX */
#define F446_VCP_AF 7u

/* USART2: the ST-LINK virtual COM port */
#define USART2_SR F446_REG(0x40004400u)
#define USART2_DR F446_REG(0x40004404u)
#define USART2_BRR F446_REG(0x40004408u)
#define USART2_CR1 F446_REG(0x4000440Cu)
#define USART_SR_PE (1u << 0)
#define USART_SR_FE (1u << 1)
#define USART_SR_NF (1u << 2)
#define USART_SR_ORE (1u << 3)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TC (1u << 6)
#define USART_SR_TXE (1u << 7)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_RXNEIE (1u << 5)
#define USART_CR1_UE (1u << 13)
/* 16x oversampling: baud = f_ck / BRR, BRR = 12.4 fixed point USARTDIV x 16. */
#define F446_USART_BRR(f_ck, baud) ((uint32_t)(((f_ck) + (baud) / 2u) / (baud)))

/* Interrupts */
#define F446_IRQ_USART2 38
#define F446_IRQ_COUNT 97 /* 0..96 */

/* The link's RX interrupt (port_f446.c). */
void f446_usart2_isr(void);

#endif
