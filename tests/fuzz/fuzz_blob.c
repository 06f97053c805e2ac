/*
 * fuzz_blob.c: libFuzzer target: the engine's blob validator, and an
 * invoke of every blob it accepts (within a bounded arena).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nn.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    nn_model m;
    nn_error e;
    if (size > (64u << 20))
        return 0;
    /* A tight, aligned copy: reads past the end are sanitizer errors. */
    uint8_t *blob = aligned_alloc(NN_ALIGN, (size + NN_ALIGN) / NN_ALIGN * NN_ALIGN);
    memcpy(blob, data, size);
    if (nn_model_open(&m, blob, (uint32_t)size, &e) == NN_OK &&
        nn_model_arena_bytes(&m) <= (4u << 20)) {
        uint32_t n = nn_model_arena_bytes(&m);
        uint8_t *arena = aligned_alloc(NN_ALIGN, (n + NN_ALIGN) / NN_ALIGN * NN_ALIGN);
        memset(arena, 0x33, n);
        nn_model_invoke(&m, arena, n, NULL, &e);
        free(arena);
    }
    free(blob);
    return 0;
}
