/*
 * session_recover.c: a board that hung or died brought back, and the
 * vectors a resumed run recorded before scored again.
 *
 * What counts as board trouble decides between "reset and try again" and
 * "this variant failed": no answer in time, a closed link, a process that
 * exited, a CPU fault and answers that make no sense are trouble; a board
 * that answers a request with a refusal (a model it cannot run) is not,
 * since a reset would only bring the same answer.
 */
#include "session_int.h"

#include <stdio.h>
#include <string.h>

#include "../../target-stub/proto/proto.h"

int session_board_trouble(session *s, hb_status st)
{
    if (st == HB_ERR_TIMEOUT)
        return 1;
    if (st != HB_ERR_BOARD || !s->dev)
        return 0;
    if (s->dev->mlperf)
        return !mlperf_refused(s->dev->mlperf);
    int code = s->dev->client ? client_last_error_code(s->dev->client) : 0;
    return code == 0 || code == PROTO_E_FAULT;
}

hb_status session_reset_board(session *s, const session_variant *v)
{
    char path[128];
    const char *blob = NULL, *how = "";
    hb_status st;

    if (!s->dev)
        return session_device_open(s, v);
    if (s->board->model_in_flash && s->blob_dir[0]) {
        snprintf(path, sizeof(path), "%s/model.blob", s->blob_dir);
        blob = path;
    }
    if ((st = device_reset(s->dev, blob, &how)) != HB_OK)
        return hb_context(st, "board %s could not be brought back", s->board->name);
    s->res->resets++;
    say(s->o, "board %s: back after a reset (%s)", s->board->name, how);
    return HB_OK;
}

typedef struct {
    session *s;
    const session_variant *v;
    int smp, w, index;         /* where the cursor is in the dataset */
    int n;
} replay_ctx;

static hb_status replay_one(void *ctx, int index, const char *vector, const void *out,
                            size_t bytes)
{
    replay_ctx *r = ctx;
    session *s = r->s;
    const dataset *d = &s->data;
    char name[512];

    if (index < r->index || index >= d->windows)
        return hb_fail(HB_ERR_FORMAT, "recorded vector %d is not in the dataset of %d vectors "
                       "(the dataset changed since the run started?)", index, d->windows);
    while (r->index < index) {
        if (++r->w >= d->samples[r->smp].n_windows) {
            r->w = 0;
            r->smp++;
        }
        r->index++;
    }
    dataset_vector_name(d, r->smp, r->w, name, sizeof(name));
    if (strcmp(name, vector) != 0)
        return hb_fail(HB_ERR_FORMAT, "the dataset changed since the run started: vector %d is "
                       "%s, recorded as %s", index, name, vector);
    int scored = session_mlperf_scored_row(s, r->v, bytes);
    if (bytes != r->v->out_bytes && !scored)
        return hb_fail(HB_ERR_FORMAT, "recorded output of vector %s has %zu bytes, variant %s "
                       "gives %zu", vector, bytes, r->v->recipe, r->v->out_bytes);
    /* An MLPerf Tiny firmware's anomaly score, or its outputs: the rest of
     * the run must print the same. */
    if (session_is_mlperf(s)) {
        if (s->mlperf_scored >= 0 && s->mlperf_scored != scored)
            return hb_fail(HB_ERR_FORMAT, "recorded vector %s holds %s, those before it %s",
                           vector, scored ? "a score" : "outputs",
                           scored ? "outputs" : "a score");
        s->mlperf_scored = scored;
    }
    dataset_values(d, r->smp, r->w, s->x);
    memcpy(s->board_out, out, bytes);
    hb_status st = session_score_vector(s, r->v, r->smp, r->w);
    if (st != HB_OK)
        return st;
    s->done[index] = 1;
    s->res->vectors++;
    s->res->replayed++;
    r->n++;
    return HB_OK;
}

hb_status session_replay(session *s, const session_variant *v, int64_t variant_id, int *n)
{
    replay_ctx r = {s, v, 0, 0, 0, 0};
    hb_status st;

    memset(s->done, 0, (size_t)s->data.windows + 1);
    *n = 0;
    s->replaying = 1;
    st = store_outputs_each(s->db, variant_id, replay_one, &r);
    s->replaying = 0;
    if (st != HB_OK)
        return hb_context(st, "variant %s", v->recipe);
    *n = r.n;
    return HB_OK;
}
