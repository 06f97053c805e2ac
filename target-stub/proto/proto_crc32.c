/*
 * proto_crc32.c: CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320,
 * init and xorout 0xFFFFFFFF), the check value of "123456789" being
 * 0xCBF43926.
 *
 * A 16-entry table, one lookup per nibble, rather than the usual 256-entry
 * one: 64 bytes of flash instead of 1 KiB on the smallest boards, for about
 * twice the work per byte. The link is the bottleneck either way: even at
 * 1 Mbaud a byte arrives every 10 us, while the nibble loop costs a few tens
 * of cycles per byte on a Cortex-M4, and the whole-blob check at LOAD_END
 * runs once per model.
 */
#include "proto.h"

/* Entry i is i shifted through four rounds of the reflected division. */
static const uint32_t proto_crc_nibble[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
    0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
    0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t proto_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;
    /* Undo the previous xorout so that calls chain; 0 becomes the init. */
    uint32_t c = ~crc;

    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        c = (c >> 4) ^ proto_crc_nibble[c & 0x0F];
        c = (c >> 4) ^ proto_crc_nibble[c & 0x0F];
    }
    return ~c;
}
