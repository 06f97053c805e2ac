/*
 * session.c: one benchmark run: a sweep of variants over one dataset.
 *
 * Order matters for what a failure leaves behind. Everything that can be
 * checked without the board (recipes, models, dataset, calibration) and
 * then what the board announces is checked before the run row exists, so
 * a bad recipe leaves no trace in the database. From the run row on, every
 * write is one transaction (a variant with its layers, one vector, the
 * memory row, a variant's scores, its end), and the run ends "ok",
 * "failed" or "interrupted" with whatever was recorded kept. A vector is
 * recorded only once the board has answered for all of it, so a board
 * that fails half-way through a vector leaves nothing of it, and the vector
 * runs again after the reset.
 */
#include "session_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../board/board_elf.h"
#include "../util/hb_file.h"
#include "hb_version.h"

static void append(char *buf, size_t cap, const char *fmt, const char *a, const char *b)
{
    size_t used = strlen(buf);
    if (used < cap)
        snprintf(buf + used, cap - used, fmt, used ? "; " : "", a, b);
}

/* The variant's model on the board; for flash placement, a board started
 * with it. */
static hb_status load_model(session *s, session_variant *v)
{
    client_model_info mi;
    size_t len = 0;
    const uint8_t *blob = hostrun_blob(v->host, &len);
    hb_status st;

    if (session_is_mlperf(s)) /* the firmware holds its own model */
        return s->dev ? HB_OK : session_device_open(s, v);
    if (s->board->model_in_flash) {
        if (s->dev && s->dev_for != (int)(v - s->v))
            session_device_close(s);
        if (!s->dev) {
            say(s->o, "variant %s: starting board %s with the model in flash", v->recipe,
                s->board->name);
            if ((st = session_device_open(s, v)) != HB_OK)
                return st;
        }
        return client_load_flash(s->dev->client, blob, len, &mi);
    }
    if (!s->dev && (st = session_device_open(s, v)) != HB_OK)
        return st;
    say(s->o, "variant %s: uploading %zu byte model blob", v->recipe, len);
    return client_load(s->dev->client, blob, len, &mi);
}

/* A variant the run survives: recorded as failed, the board left
 * answering for the next one. */
static hb_status variant_failed(session *s, session_variant *v, int resets, const char *why,
                                int board_trouble)
{
    hb_status st;
    s->res->failed_variants++;
    snprintf(s->failed_why, sizeof(s->failed_why), "%s", why);
    say(s->o, "variant %s failed: %s", v->recipe, why);
    if ((st = store_variant_finish(s->db, s->run_id, v->id, "failed", why, resets)) != HB_OK)
        return st;
    if (!board_trouble)
        return HB_OK;
    if (s->board->model_in_flash) {
        session_device_close(s); /* the next variant starts its own */
        return HB_OK;
    }
    return session_reset_board(s, v);
}

/* What the board does for one vector, or one input of MLPerf performance
 * mode: a step that may be tried again after a reset. */
typedef hb_status (*board_step)(session *s, const session_variant *v, void *ctx);

/* Where a variant stands with its board: loaded: the model is on it;
 * resets: in this variant; note: the last reset, for the variant's row. */
typedef struct {
    int loaded, resets;
    char note[1400];
} board_state;

/* One step on the board, with resets while the board is in trouble.
 * *gave_up is set when the variant failed (already recorded). */
static hb_status on_board(session *s, session_variant *v, const char *name, board_step step,
                          void *ctx, board_state *b, int *gave_up)
{
    char why[1024], full[1300];
    hb_status st;

    for (int fails = 0;;) {
        st = b->loaded ? HB_OK : load_model(s, v);
        if (st == HB_OK) {
            b->loaded = 1;
            st = step(s, v, ctx);
        }
        if (st == HB_OK || st == HB_ERR_INTERRUPTED)
            return st;
        int trouble = session_board_trouble(s, st);
        if (!trouble && st != HB_ERR_BOARD)
            return st; /* not the board's doing: the run stops */
        session_board_failure(s, st, v, b->loaded ? name : NULL);
        snprintf(why, sizeof(why), "%s", hb_last_error());
        fails += trouble;
        if (!trouble || fails >= SESSION_VECTOR_TRIES || b->resets >= SESSION_MAX_RESETS) {
            if (trouble)
                snprintf(full, sizeof(full), "%s (%d failure%s in a row, %d board reset%s in "
                         "this variant)", why, fails, fails == 1 ? "" : "s", b->resets,
                         b->resets == 1 ? "" : "s");
            else
                snprintf(full, sizeof(full), "%s", why);
            *gave_up = 1;
            return variant_failed(s, v, b->resets, full, trouble);
        }
        say(s->o, "%s; resetting the board (try %d of %d)", why, fails + 1,
            SESSION_VECTOR_TRIES);
        if ((st = session_reset_board(s, v)) != HB_OK)
            return st;
        b->resets++;
        b->loaded = 0;
        snprintf(b->note, sizeof(b->note), "board reset %d time%s, the last after: %s",
                 b->resets, b->resets == 1 ? "" : "s", why);
    }
}

typedef struct {
    store_inference *inf;
    uint32_t *stack_max;
} vector_step_ctx;

static hb_status vector_step(session *s, const session_variant *v, void *ctx)
{
    vector_step_ctx *c = ctx;
    return session_run_vector(s, v, s->in, c->inf, c->stack_max);
}

typedef struct {
    int input;
    double *ips;
} perf_step_ctx;

static hb_status perf_step(session *s, const session_variant *v, void *ctx)
{
    perf_step_ctx *c = ctx;
    return session_mlperf_perf_input(s, v, c->input, c->ips);
}

/* MLPerf performance mode (--mlperf-rules), unless a resumed run recorded
 * its result before; an input the board fails on is tried again after a
 * reset, as a vector is. */
static hb_status performance(session *s, session_variant *v, board_state *b, int *gave_up)
{
    double ips[SESSION_MLPERF_PERF_INPUTS];
    int n = session_mlperf_perf_inputs(s);
    hb_status st;

    if (s->sc.throughput_stored) {
        say(s->o, "performance mode: recorded before, median throughput %.3f inferences/s",
            s->sc.throughput_ips);
        return HB_OK;
    }
    for (int i = 0; i < n; i++) {
        char name[512];
        int found = 0;
        perf_step_ctx c = {i, &ips[i]};
        if ((st = session_mlperf_perf_recorded(s, v, i, &ips[i], &found)) != HB_OK)
            return st;
        if (found)
            continue;
        dataset_vector_name(&s->data, i, 0, name, sizeof(name));
        st = on_board(s, v, name, perf_step, &c, b, gave_up);
        if (st != HB_OK || *gave_up)
            return st;
    }
    return session_mlperf_perf_done(s, v, ips, n);
}

/* Resume: the scores are computed again, but for performance mode's
 * throughputs (the median and each input's), which are kept when they
 * were recorded. */
static hb_status clear_scores(session *s, const session_variant *v)
{
    int found = 0;
    double ips = 0;
    hb_status st;

    if ((st = store_score_get(s->db, v->id, "throughput_ips", &ips, &found)) != HB_OK ||
        (st = store_scores_clear(s->db, s->run_id, v->id, "throughput_ips")) != HB_OK)
        return st;
    if (found) {
        s->sc.throughput_ips = ips;
        s->sc.throughput_stored = 1;
        s->res->throughput_ips = ips;
    }
    return HB_OK;
}

/* One variant: its rows, every vector not recorded yet, memory, scores,
 * its end. p: what a resumed run recorded for it before (NULL: new). */
static hb_status run_variant(session *s, session_variant *v, const store_variant_progress *p,
                             uint64_t fw_flash, uint64_t fw_ram)
{
    const session_options *o = s->o;
    const dataset *d = &s->data;
    uint32_t stack_max = p && p->has_memory ? (uint32_t)p->stack_bytes : 0;
    size_t blob_len = 0;
    int index = 0, replayed = 0, memory_set = 0, gave_up = 0;
    board_state b = {0, p ? p->resets : 0, ""};
    hb_status st;

    hostrun_blob(v->host, &blob_len);
    s->mlperf_scored = -1;
    if ((st = session_scores_begin(s, v)) != HB_OK)
        return st;
    if (p) {
        v->id = p->id;
        if ((st = clear_scores(s, v)) != HB_OK ||
            (st = session_replay(s, v, p->id, &replayed)) != HB_OK)
            return st;
        say(o, "variant %s: %d of %d vectors recorded before", v->recipe, replayed,
            d->windows);
    } else {
        memset(s->done, 0, (size_t)d->windows + 1);
        if ((st = session_store_variant(s, v)) != HB_OK)
            return st;
    }
    if (session_is_mlperf(s) && o->mlperf_rules &&
        ((st = performance(s, v, &b, &gave_up)) != HB_OK || gave_up))
        return st;
    for (int smp = 0; smp < d->n; smp++)
        for (int w = 0; w < d->samples[smp].n_windows; w++, index++) {
            char name[512];
            store_inference inf = {0};
            vector_step_ctx c = {&inf, &stack_max};
            if (s->done[index])
                continue;
            dataset_vector_name(d, smp, w, name, sizeof(name));
            if (o->on_vector)
                o->on_vector(o->progress_ctx, v->recipe, (int)(v - s->v), s->n_v, index,
                             d->windows);
            else
                say(o, "variant %s, vector %d/%d: %s", v->recipe, index + 1, d->windows, name);
            dataset_values(d, smp, w, s->x);
            session_inputs(v, d, s->x, s->in);
            s->cur_sample = smp;
            s->cur_window = w;
            st = on_board(s, v, name, vector_step, &c, &b, &gave_up);
            if (st != HB_OK || gave_up)
                return st;
            if ((st = session_score_vector(s, v, smp, w)) != HB_OK)
                return st;
            inf.vector_index = index;
            inf.vector = name;
            if ((st = store_inference_add(s->db, s->run_id, v->id, &inf)) != HB_OK)
                return st;
            s->res->vectors++;
            /* Early, so that a resumed run knows the stack of vectors run
             * before it was killed; set again at the end. An MLPerf Tiny
             * firmware says nothing of its memory: no row. */
            if (!memory_set && !session_is_mlperf(s)) {
                store_memory mem = {nn_model_arena_bytes(hostrun_model(v->host)), stack_max,
                                    blob_len, fw_flash, fw_ram};
                if ((st = store_memory_set(s->db, s->run_id, v->id, &mem)) != HB_OK)
                    return st;
                memory_set = 1;
            }
        }
    store_memory mem = {nn_model_arena_bytes(hostrun_model(v->host)), stack_max, blob_len,
                        fw_flash, fw_ram};
    if ((!session_is_mlperf(s) &&
         (st = store_memory_set(s->db, s->run_id, v->id, &mem)) != HB_OK) ||
        (st = session_scores_store(s, v)) != HB_OK ||
        (st = store_variant_finish(s->db, s->run_id, v->id, "ok", b.note[0] ? b.note : NULL,
                                   b.resets)) != HB_OK)
        return st;
    if (b.note[0])
        append(s->res->recovered, sizeof(s->res->recovered), "%s%s: %s", v->recipe, b.note);
    return HB_OK;
}

/* Resume: the recorded variants against the planned ones. */
static hb_status match_recorded(session *s)
{
    for (int k = 0; k < s->n_prog; k++) {
        const store_variant_progress *p = &s->prog[k];
        int found = 0;
        for (int i = 0; i < s->n_v && !found; i++) {
            if (strcmp(s->v[i].recipe, p->recipe) != 0)
                continue;
            found = 1;
            if (strcmp(s->v[i].sha, p->model_sha256) != 0)
                return hb_fail(HB_ERR_ARG, "variant %s: its model %s changed since the run "
                               "started (sha256 %.12s..., recorded %.12s...)", p->recipe,
                               s->v[i].model_file, s->v[i].sha, p->model_sha256);
        }
        if (!found)
            return hb_fail(HB_ERR_FORMAT, "recorded variant %s is not among the run's recorded "
                           "options", p->recipe);
    }
    return HB_OK;
}

static const store_variant_progress *recorded(const session *s, const session_variant *v)
{
    for (int k = 0; k < s->n_prog; k++)
        if (!strcmp(s->prog[k].recipe, v->recipe))
            return &s->prog[k];
    return NULL;
}

/* The run row: a new one, or the resumed one taken over. */
static hb_status begin_run(session *s, int64_t resume_id)
{
    const session_options *o = s->o;
    char host[256] = "unknown", data_desc[300], *options = NULL;
    hb_status st;

    if (resume_id) {
        if ((st = store_variants_progress(s->db, resume_id, &s->prog, &s->n_prog)) != HB_OK ||
            (st = match_recorded(s)) != HB_OK || (st = store_run_reopen(s->db, resume_id)) != HB_OK)
            return st;
        s->run_id = resume_id;
        return HB_OK;
    }
    gethostname(host, sizeof(host) - 1);
    if (o->dataset_dir)
        snprintf(data_desc, sizeof(data_desc), "%s", o->dataset_dir);
    else
        snprintf(data_desc, sizeof(data_desc), "random:%d:%u", o->random_n, o->seed);
    if ((st = session_record_options(s, &options)) != HB_OK)
        return st;
    int mlperf = session_is_mlperf(s);
    store_run_info ri = {s->board->name, host, HB_VERSION,
                         mlperf ? "us" : client_unit_name(s->dev->hello.counter_unit),
                         (double)s->dev->hello.counter_hz, o->repeat, o->warmup,
                         o->command_line, s->v[s->ref].recipe, data_desc, o->suite_path,
                         dataset_task_name(s->task)};
    store_run_board rb = {mlperf ? "mlperf-tiny" : "hilbench", o->mlperf_rules};
    st = store_run_begin_board(s->db, &ri, options, &rb, &s->run_id);
    free(options);
    return st;
}

/* Provenance: the SHA-256 of the firmware image the board runs (the
 * profile's [firmware] image; none for a board without one). A run is not
 * failed for want of it: an image that cannot be read is a note. */
static void record_firmware(session *s)
{
    uint8_t *image = NULL;
    size_t len = 0;
    char hash[65];

    if (!s->board->image)
        return;
    if (hb_read_file(s->board->image, &image, &len) != HB_OK) {
        say(s->o, "firmware hash unknown: %s", hb_last_error());
        return;
    }
    hb_sha256_hex(image, len, hash);
    free(image);
    if (store_run_set_firmware(s->db, s->run_id, hash) != HB_OK)
        say(s->o, "firmware hash not recorded: %s", hb_last_error());
}

static hb_status sweep(session *s, int64_t resume_id)
{
    const session_options *o = s->o;
    hb_status st;

    if ((st = board_find(o->board, o->board_dirs, o->n_board_dirs, o->firmware_dir,
                         &s->board)) != HB_OK ||
        (st = session_mlperf_check(s)) != HB_OK ||
        (st = session_prepare(s)) != HB_OK)
        return st;
    s->res->mlperf = session_is_mlperf(s);
    if (!(s->done = calloc((size_t)s->data.windows + 1, 1)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    if (!s->db && (st = store_open(o->db_path, &s->db)) != HB_OK)
        return st;

    say(o, "board %s: starting", s->board->name);
    if ((st = session_device_open(s, &s->v[0])) != HB_OK)
        return st;
    if (s->dev->mlperf)
        say(o, "board %s: MLPerf Tiny firmware \"%s\", model \"%s\" (%s)", s->board->name,
            s->dev->mlperf_info.name, s->dev->mlperf_info.model, s->dev->mlperf_info.profile);
    else
        say(o, "board %s: stub \"%s\", counter %u Hz (%s)", s->board->name,
            s->dev->hello.name, s->dev->hello.counter_hz,
            client_unit_name(s->dev->hello.counter_unit));
    if ((st = session_check_board(s)) != HB_OK || (st = begin_run(s, resume_id)) != HB_OK)
        return st;
    s->res->run_id = s->run_id;
    if (!resume_id)
        record_firmware(s);

    /* The firmware's own footprint, when its image is a 32-bit ELF file
     * (a host program, like the native stub, is not). */
    uint64_t fw_flash = 0, fw_ram = 0;
    if (s->board->image &&
        board_elf_footprint(s->board->image, &fw_flash, &fw_ram) == HB_ERR_FORMAT)
        say(o, "firmware footprint unknown: %s", hb_last_error());

    char differ[512] = "", failed[3000] = "";
    for (int i = 0; i < s->n_v; i++) {
        session_variant *v = &s->v[i];
        const store_variant_progress *p = recorded(s, v);
        int before = s->res->host_mismatches, failed_before = s->res->failed_variants;
        char n_text[32];
        if (p && p->status && !strcmp(p->status, "ok")) {
            say(o, "variant %s: finished before", v->recipe);
            s->res->skipped_variants++;
            s->res->variants++;
            continue;
        }
        if ((st = run_variant(s, v, p, fw_flash, fw_ram)) != HB_OK)
            return st;
        if (s->res->failed_variants > failed_before) {
            append(failed, sizeof(failed), "%s%s: %s", v->recipe, s->failed_why);
            continue;
        }
        s->res->variants++;
        int n = s->res->host_mismatches - before;
        snprintf(n_text, sizeof(n_text), "%d", n);
        if (n)
            append(differ, sizeof(differ), "%s%s: %s", v->recipe, n_text);
    }
    if (s->res->failed_variants)
        return hb_fail(HB_ERR_BOARD, "%d of %d variants failed: %s", s->res->failed_variants,
                       s->n_v, failed);
    if (s->res->host_mismatches)
        return hb_fail(HB_ERR_BOARD, "%d of %d outputs differ from the host engine's (%s)",
                       s->res->host_mismatches, s->res->vectors, differ);
    return HB_OK;
}

/* --resume: the run, whether it may be resumed, and its recorded options. */
static hb_status open_resumed(session *s, const session_options *o, session_recorded *rec,
                              int64_t *run_id)
{
    store_run_state state;
    hb_status st;

    *run_id = 0;
    if ((st = store_open(o->db_path, &s->db)) != HB_OK ||
        (st = store_run_find(s->db, o->resume, run_id)) != HB_OK ||
        (st = store_run_state_get(s->db, *run_id, &state)) != HB_OK)
        return st;
    if (state.owner_alive)
        st = hb_fail(HB_ERR_ARG, "run %s is still running (pid %lld on %s)", o->resume,
                     (long long)state.owner_pid, state.host);
    else if (!strcmp(state.status, "ok"))
        st = hb_fail(HB_ERR_ARG, "run %s is complete: nothing to resume", o->resume);
    else if ((st = session_recorded_load(state.options, o, rec)) != HB_OK)
        hb_context(st, "run %s cannot be resumed", o->resume);
    store_run_state_free(&state);
    if (st != HB_OK)
        *run_id = 0;
    return st;
}

static void session_free(session *s)
{
    store_close(s->db);
    store_variants_progress_free(s->prog, s->n_prog);
    free(s->done);
    session_scores_free(&s->sc);
    session_variants_free(s);
    dataset_free(&s->data);
    graph_free(s->source);
    free(s->source_sha);
    board_free(s->board);
    free(s->x);
    free(s->in);
    free(s->board_out);
    free(s->host_out);
    free(s->out_f);
    free(s->ref_f);
    free(s->ref_layers);
    free(s->layer_tmp);
    free(s->slots);
    free(s->tmp);
    free(s->layer_med);
    free(s->repeat_cycles);
    free(s->mlperf_f);
    free(s->mlperf_tol);
}

hb_status session_run(const session_options *o, session_result *res)
{
    session s;
    session_recorded rec;
    int64_t resume_id = 0;
    hb_status st = HB_OK;

    memset(&s, 0, sizeof(s));
    memset(&rec, 0, sizeof(rec));
    memset(res, 0, sizeof(*res));
    s.o = o;
    s.res = res;
    s.dev_for = -1;
    res->has_faults = o->link_faults != NULL;
    if (o->resume) {
        if ((st = open_resumed(&s, o, &rec, &resume_id)) != HB_OK)
            goto cleanup;
        s.o = o = &rec.o;
    }
    if (o->repeat < 1 || o->repeat > 10000 || o->warmup < 0 || o->warmup > 10000) {
        st = hb_fail(HB_ERR_ARG, "--repeat must be 1..10000 and --warmup 0..10000");
        goto cleanup;
    }
    if (!o->model_path) {
        st = hb_fail(HB_ERR_ARG, "no model given");
        goto cleanup;
    }

    st = sweep(&s, resume_id);

    session_device_close(&s);
    if (s.run_id) {
        const char *status = st == HB_OK ? "ok"
                             : st == HB_ERR_INTERRUPTED ? "interrupted" : "failed";
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", st == HB_OK ? "" : hb_last_error());
        hb_status fin = store_run_finish(s.db, s.run_id, status, st == HB_OK ? NULL : msg);
        if (st == HB_OK)
            st = fin;
        else if (st == HB_ERR_INTERRUPTED)
            hb_fail(st, "run %lld interrupted: 'hilbench run --resume %lld' finishes it",
                    (long long)s.run_id, (long long)s.run_id);
        else
            hb_fail(st, "%s", msg);
    }
cleanup:
    session_free(&s);
    session_recorded_free(&rec);
    return st;
}
