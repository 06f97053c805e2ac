/*
 * client_xfer.c: the protocol's messages on top of client_request(), with
 * chunked transfers sized to the link.
 *
 * A chunked request that failed a try may be given up for a smaller one
 * under a new seq (CLIENT_RESIZE). That is safe because each of them can
 * run twice without harm: SET_INPUT writes the same bytes at the same
 * offset, READ_* only read, and a LOAD_CHUNK the stub did run after all is
 * seen in the PROTO_E_SEQUENCE answer to the next one (the stub names the
 * bytes it has), so the upload continues from there.
 */
#include "client_int.h"

#include <stdlib.h>
#include <string.h>

static hb_status simple(client *c, uint8_t type, const uint8_t *p, size_t len,
                        size_t resp_bytes, int budget_ms)
{
    client_budget b;
    client_req r = {type, p, len, resp_bytes, budget_ms, CLIENT_DIR_NONE, 0};
    client_budget_start(&b);
    return client_request(c, &r, &b);
}

static hb_status model_info(client *c, client_model_info *info)
{
    proto_rd r;
    proto_rd_init(&r, c->resp, c->resp_len);
    info->arena_bytes = proto_get_u32(&r);
    info->ops = proto_get_u16(&r);
    info->inputs = proto_get_u16(&r);
    info->outputs = proto_get_u16(&r);
    return r.short_read ? hb_fail(HB_ERR_BOARD, "malformed model response") : HB_OK;
}

/* A new model runs for an unknown time: INVOKE's time-out starts over. */
static void forget_invoke(client *c)
{
    c->rtt[1] = c->rtt[0];
    c->rtt[1].have = 0;
    if (c->rtt[1].rto < 250.0)
        c->rtt[1].rto = c->rtt[1].rto * 4 < 250.0 ? c->rtt[1].rto * 4 : 250.0;
}

hb_status client_load(client *c, const uint8_t *blob, size_t len, client_model_info *info)
{
    uint8_t *p = malloc(c->max_payload);
    proto_wr w;
    hb_status st;
    client_budget b;
    size_t tried = 0; /* largest chunk given up at this offset */

    if (!p)
        return hb_fail(HB_ERR_MEM, "out of memory");
    proto_wr_init(&w, p, c->max_payload);
    proto_put_u32(&w, (uint32_t)len);
    proto_put_u32(&w, proto_crc32(0, blob, len));
    if ((st = simple(c, PROTO_LOAD_BEGIN, p, w.len, 0, c->timeout_ms)) != HB_OK)
        goto cleanup;
    forget_invoke(c);
    client_budget_start(&b);
    for (size_t off = 0; off < len;) {
        size_t n = len - off < c->chunk[CLIENT_DIR_OUT] ? len - off : c->chunk[CLIENT_DIR_OUT];
        proto_wr_init(&w, p, c->max_payload);
        proto_put_u32(&w, (uint32_t)off);
        proto_put_bytes(&w, blob + off, n);
        client_req r = {PROTO_LOAD_CHUNK, p, w.len, 4, c->timeout_ms, CLIENT_DIR_OUT, n};
        st = client_request(c, &r, &b);
        if (st == CLIENT_RESIZE) {
            tried = n > tried ? n : tried;
            continue;
        }
        if (st == HB_ERR_BOARD && c->err_code == PROTO_E_SEQUENCE && c->err_arg > off &&
            c->err_arg <= off + tried) {
            /* A chunk given up on did arrive: go on after it. */
            hb_clear();
            c->stats.payload_sent += c->err_arg - off;
            off = c->err_arg;
            tried = 0;
            client_budget_start(&b);
            continue;
        }
        if (st != HB_OK)
            goto cleanup;
        proto_rd rd;
        proto_rd_init(&rd, c->resp, c->resp_len);
        uint32_t received = proto_get_u32(&rd);
        if (rd.short_read || received != off + n) {
            st = hb_fail(HB_ERR_BOARD, "LOAD_CHUNK at %zu: the board has %u bytes, expected "
                         "%zu", off, received, off + n);
            goto cleanup;
        }
        c->stats.payload_sent += n;
        off += n;
        tried = 0;
        client_budget_start(&b);
    }
    if ((st = simple(c, PROTO_LOAD_END, NULL, 0, 10, c->timeout_ms)) != HB_OK)
        goto cleanup;
    st = model_info(c, info);
cleanup:
    free(p);
    return st;
}

hb_status client_load_flash(client *c, const uint8_t *blob, size_t len,
                            client_model_info *info)
{
    uint8_t p[8];
    proto_wr w;
    hb_status st;
    proto_wr_init(&w, p, sizeof(p));
    proto_put_u32(&w, (uint32_t)len);
    proto_put_u32(&w, proto_crc32(0, blob, len));
    if ((st = simple(c, PROTO_LOAD_FLASH, p, w.len, 10, c->timeout_ms)) != HB_OK)
        return st;
    forget_invoke(c);
    return model_info(c, info);
}

hb_status client_set_input(client *c, int input, const uint8_t *data, size_t len)
{
    uint8_t *p = malloc(c->max_payload);
    proto_wr w;
    hb_status st = HB_OK;
    client_budget b;

    if (!p)
        return hb_fail(HB_ERR_MEM, "out of memory");
    client_budget_start(&b);
    /* An empty input still gets one (empty) request. */
    for (size_t off = 0; off < len || (off == 0 && len == 0);) {
        size_t n = len - off < c->chunk[CLIENT_DIR_OUT] ? len - off : c->chunk[CLIENT_DIR_OUT];
        proto_wr_init(&w, p, c->max_payload);
        proto_put_u8(&w, (uint8_t)input);
        proto_put_u32(&w, (uint32_t)off);
        proto_put_bytes(&w, data + off, n);
        client_req r = {PROTO_SET_INPUT, p, w.len, 0, c->timeout_ms, CLIENT_DIR_OUT, n};
        st = client_request(c, &r, &b);
        if (st == CLIENT_RESIZE)
            continue;
        if (st != HB_OK)
            break;
        c->stats.payload_sent += n;
        client_budget_start(&b);
        if (len == 0)
            break;
        off += n;
    }
    free(p);
    return st == CLIENT_RESIZE ? HB_OK : st;
}

hb_status client_invoke(client *c, int repeat, int warmup, int layers, int timeout_ms,
                        client_invoke_info *info)
{
    uint8_t p[5];
    proto_wr w;
    proto_rd r;
    hb_status st;

    proto_wr_init(&w, p, sizeof(p));
    proto_put_u16(&w, (uint16_t)repeat);
    proto_put_u16(&w, (uint16_t)warmup);
    proto_put_u8(&w, layers ? PROTO_INVOKE_LAYERS : 0);
    /* Never re-sized or re-numbered: the stub must not run it twice. */
    if ((st = simple(c, PROTO_INVOKE, p, w.len, 12, timeout_ms)) != HB_OK)
        return st;
    proto_rd_init(&r, c->resp, c->resp_len);
    info->repeat = proto_get_u16(&r);
    info->layers = proto_get_u16(&r);
    info->stack_bytes = proto_get_u32(&r);
    info->arena_bytes = proto_get_u32(&r);
    if (r.short_read || info->repeat != repeat)
        return hb_fail(HB_ERR_BOARD, "malformed INVOKE response");
    return HB_OK;
}

hb_status client_read_timing(client *c, uint32_t first, uint32_t count, uint32_t *out)
{
    uint8_t p[6];
    proto_wr w;
    proto_rd r;
    hb_status st;
    client_budget b;

    client_budget_start(&b);
    while (count > 0) {
        uint32_t per = (uint32_t)(c->chunk[CLIENT_DIR_IN] / 4);
        uint32_t n = count < per ? count : per > 0 ? per : 1;
        proto_wr_init(&w, p, sizeof(p));
        proto_put_u32(&w, first);
        proto_put_u16(&w, (uint16_t)n);
        client_req req = {PROTO_READ_TIMING, p, w.len, 4u * n, c->timeout_ms, CLIENT_DIR_IN,
                          4u * n};
        if ((st = client_request(c, &req, &b)) == CLIENT_RESIZE)
            continue;
        if (st != HB_OK)
            return st;
        if (c->resp_len != 4u * n)
            return hb_fail(HB_ERR_BOARD, "READ_TIMING returned %zu bytes, expected %u",
                           c->resp_len, 4u * n);
        proto_rd_init(&r, c->resp, c->resp_len);
        for (uint32_t k = 0; k < n; k++)
            *out++ = proto_get_u32(&r);
        c->stats.payload_received += 4u * n;
        client_budget_start(&b);
        first += n;
        count -= n;
    }
    return HB_OK;
}

hb_status client_read_output(client *c, int output, uint8_t *out, size_t len)
{
    uint8_t p[7];
    proto_wr w;
    hb_status st;
    client_budget b;

    client_budget_start(&b);
    for (size_t off = 0; off < len;) {
        size_t per = c->chunk[CLIENT_DIR_IN] < 0xFFFF ? c->chunk[CLIENT_DIR_IN] : 0xFFFF;
        size_t n = len - off < per ? len - off : per;
        proto_wr_init(&w, p, sizeof(p));
        proto_put_u8(&w, (uint8_t)output);
        proto_put_u32(&w, (uint32_t)off);
        proto_put_u16(&w, (uint16_t)n);
        client_req req = {PROTO_READ_OUTPUT, p, w.len, n, c->timeout_ms, CLIENT_DIR_IN, n};
        if ((st = client_request(c, &req, &b)) == CLIENT_RESIZE)
            continue;
        if (st != HB_OK)
            return st;
        if (c->resp_len != n)
            return hb_fail(HB_ERR_BOARD, "READ_OUTPUT returned %zu bytes, expected %zu",
                           c->resp_len, n);
        memcpy(out + off, c->resp, n);
        c->stats.payload_received += n;
        client_budget_start(&b);
        off += n;
    }
    return HB_OK;
}
