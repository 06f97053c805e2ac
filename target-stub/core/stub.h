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

#include <stddef.h>
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

#ifdef STUB_TEST_HOOKS
/* Test builds only (the native stub's test executable): called with every
 * request that is about to run (not with repeats answered from the cache),
 * before it runs. The port may hang or crash here on purpose. */
void port_test_request(uint8_t type, const uint8_t *payload, size_t len);
#endif

/* Faults ------------------------------------------------------------------
 * The op the engine is running: its index in execution order, or one of
 * these. Written by the core only; a port's fault handler reads it. */
#define STUB_OP_NONE (-1)    /* not running a model */
#define STUB_OP_UNKNOWN (-2) /* running one timed without layer hooks */
extern volatile int32_t stub_current_op;

/* For a port's fault handler, which never returns to the core. If a request
 * is being served, answers it with an ERROR response PROTO_E_FAULT (op =
 * stub_current_op or -1, arg = status, text = what followed by where:
 * "in op 3 (CONV_2D)") written with port_write(). Also writes that text,
 * NUL-ended, into line[0..line_cap) when line is not NULL, for the port's
 * own log. Uses only its own buffers: safe whatever the core was doing. */
void stub_fault(const char *what, uint32_t status, char *line, int line_cap);

#endif
