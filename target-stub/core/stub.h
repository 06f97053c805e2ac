/*
 * stub.h: the target stub's core: serves the protocol (docs/protocol.md)
 * over a port (ports/port.h), runs the engine, times every layer.
 *
 * Namespace: stub_.
 *
 * Freestanding C11: no malloc, no stdio. All state is static; buffers come
 * from the port. The core never includes a host header.
 */
#ifndef STUB_H
#define STUB_H

#include <stdint.h>

#ifndef STUB_MAX_PAYLOAD
#define STUB_MAX_PAYLOAD 1024 /* largest frame payload, bytes; a port may
                                 override it at build time */
#endif
#ifndef STUB_TIMING_SLOTS
#define STUB_TIMING_SLOTS 8192 /* u32 timing slots kept per INVOKE */
#endif

/* Serves requests until the port's link closes (port_read() < 0). */
void stub_run(void);

#endif
