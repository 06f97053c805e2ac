/* placeholder: replaced by the protocol implementation */
#include "proto.h"
const char *proto_error_text(int code) { (void)code; return "unknown error"; }
