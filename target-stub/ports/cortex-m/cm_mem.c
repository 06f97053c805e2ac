/*
 * cm_mem.c: the memory part of the port contract (port.h) for every
 * Cortex-M4 port: the model buffer, the arena, the flash model region and
 * the thread stack, as cortex-m.ld places them.
 */
#include <stdint.h>

#include "cm.h"
#include "port.h"

uint8_t *port_model_buffer(uint32_t *capacity)
{
    *capacity = (uint32_t)(__hb_model_end - __hb_model_start);
    return __hb_model_start;
}

uint8_t *port_arena(uint32_t *capacity)
{
    *capacity = (uint32_t)(__hb_arena_end - __hb_arena_start);
    return __hb_arena_start;
}

const uint8_t *port_flash_model(uint32_t *capacity)
{
    *capacity = (uint32_t)(__flash_model_end - __flash_model_start);
    return __flash_model_start;
}

uint8_t *port_stack_limit(void) { return __stack_limit; }
uint8_t *port_stack_base(void) { return __stack_top; }
