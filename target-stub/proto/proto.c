/*
 * proto.c: the proto module's shared pieces. The rest lives in
 * proto_crc32.c, proto_cobs.c, proto_frame.c and proto_cursor.c.
 */
#include "proto.h"

const char *proto_error_text(int code)
{
    switch (code) {
#define PROTO_X_(e, n, s) \
    case n:               \
        return s;
        PROTO_E_LIST(PROTO_X_)
#undef PROTO_X_
    default:
        return "unknown error";
    }
}
