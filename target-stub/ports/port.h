/*
 * port.h: what the stub core needs from a board. One implementation per
 * board family in ports/<board>/, chosen by the build.
 *
 * Namespace: port_.
 *
 * The port owns main(): it brings the board up (clocks, UART, counter,
 * stack) and calls stub_run(). Everything here is called from the core's
 * single thread of execution; nothing is called from interrupts.
 */
#ifndef PORT_H
#define PORT_H

#include <stdint.h>

/* Serial link ------------------------------------------------------------ */
/* Blocks until at least one byte has arrived, stores up to cap bytes and
 * returns how many (>= 1). Returns -1 when the link is gone for good (the
 * native port's pty closed); the core then returns from stub_run(). */
int port_read(uint8_t *buf, int cap);
/* Blocks until all len bytes are handed to the link. */
void port_write(const uint8_t *buf, int len);

/* Counter ---------------------------------------------------------------- */
/* A free-running counter that wraps at 2^32; differences of two reads are
 * taken modulo 2^32, so one measured interval must stay below 2^32 ticks. */
uint32_t port_counter(void);
uint32_t port_counter_hz(void);
uint8_t port_counter_unit(void); /* PROTO_UNIT_* */

/* Memory ----------------------------------------------------------------- */
/* Static buffers the core uses; both NN_ALIGN-aligned. The model buffer
 * holds the blob and, after it, the staged input tensors. */
uint8_t *port_model_buffer(uint32_t *capacity);
uint8_t *port_arena(uint32_t *capacity);
/* The flash model region: where the board's flash or launch command places
 * a model blob before the stub starts (LOAD_FLASH runs it in place). NULL
 * and *capacity = 0 if the board has none. Optional: the core has a weak
 * default returning NULL. */
const uint8_t *port_flash_model(uint32_t *capacity);
/* The lowest address of the stack the core runs on (the end it grows
 * towards). The core paints from there up to just below its own frame to
 * measure the high-water mark. */
uint8_t *port_stack_limit(void);
/* The highest address of that stack (where it starts). */
uint8_t *port_stack_base(void);

/* Measurement ------------------------------------------------------------ */
/* Called with 1 before the core runs the model for INVOKE, with 0 after.
 * A port whose UART keeps received bytes while its interrupt is masked
 * (the emulated board's does: the emulator holds them back) masks it, so
 * that no interrupt's cycles or stacked frame land in the figures: a host
 * repeating a request mid-inference cannot change them. Optional: the
 * core's weak default does nothing (a real UART would overrun). */
void port_quiet(int on);

/* Identity ---------------------------------------------------------------- */
const char *port_board_name(void);

#endif
