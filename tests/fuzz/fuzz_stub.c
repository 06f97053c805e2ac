/*
 * fuzz_stub.c: libFuzzer target: the stub core (target-stub/core) serving
 * a byte stream from the fuzzer through a fake port: every request handler,
 * state across requests, and the engine behind LOAD_END and INVOKE.
 */
#include <stdint.h>
#include <string.h>

#include "nn_types.h"
#include "port.h"
#include "proto.h"
#include "stub.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const uint8_t *in;
static size_t in_left;
static _Alignas(NN_ALIGN) uint8_t model[1 << 20];
static _Alignas(NN_ALIGN) uint8_t arena[1 << 20];
static _Alignas(64) uint8_t stack_area[4096];
static uint32_t ticks;

int port_read(uint8_t *buf, int cap)
{
    if (in_left == 0)
        return -1;
    size_t n = in_left < (size_t)cap ? in_left : (size_t)cap;
    memcpy(buf, in, n);
    in += n;
    in_left -= n;
    return (int)n;
}

void port_write(const uint8_t *buf, int len)
{
    (void)buf;
    (void)len;
}

uint32_t port_counter(void) { return ticks += 7; }
uint32_t port_counter_hz(void) { return 1000000; }
uint8_t port_counter_unit(void) { return PROTO_UNIT_CYCLES; }

uint8_t *port_model_buffer(uint32_t *capacity)
{
    *capacity = sizeof(model);
    return model;
}

uint8_t *port_arena(uint32_t *capacity)
{
    *capacity = sizeof(arena);
    return arena;
}

/* Stack painting is a port matter; point it at a dummy area. */
uint8_t *port_stack_limit(void) { return stack_area; }
uint8_t *port_stack_base(void) { return stack_area; }
const char *port_board_name(void) { return "fuzz"; }

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    in = data;
    in_left = size;
    stub_run();
    return 0;
}
