/*
 * session.c: one benchmark run: a sweep of variants over one dataset.
 *
 * Order matters for what a failure leaves behind. Everything that can be
 * checked without the board (recipes, models, dataset, calibration) and
 * then what the board announces is checked before the run row exists, so
 * a bad recipe leaves no trace in the database. From the run row on, every
 * write is one transaction (a variant with its layers, one vector, the
 * memory row, a variant's scores), and the run ends "ok", "failed" or
 * "interrupted" with whatever was recorded kept.
 */
#include "session_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../board/board_elf.h"
#include "hb_version.h"

/* One variant on the board: its rows, every vector, memory, scores. */
static hb_status run_variant(session *s, session_variant *v, uint64_t fw_flash, uint64_t fw_ram)
{
    const session_options *o = s->o;
    const dataset *d = &s->data;
    uint32_t stack_max = 0;
    size_t blob_len = 0;
    const uint8_t *blob = hostrun_blob(v->host, &blob_len);
    client_model_info mi;
    hb_status st;
    int index = 0;

    if ((st = session_store_variant(s, v)) != HB_OK ||
        (st = session_scores_begin(s, v)) != HB_OK)
        return st;
    if (s->board->model_in_flash) {
        /* Each variant's blob is placed before the board starts. */
        if (!s->dev) {
            say(o, "variant %s: starting board %s with the model in flash", v->recipe,
                s->board->name);
            if ((st = session_device_open(s, v)) != HB_OK)
                return st;
        }
        st = client_load_flash(s->dev->client, blob, blob_len, &mi);
    } else {
        say(o, "variant %s: uploading %zu byte model blob", v->recipe, blob_len);
        st = client_load(s->dev->client, blob, blob_len, &mi);
    }
    if (st != HB_OK)
        return session_board_failure(s, st, v, NULL);
    for (int smp = 0; smp < d->n; smp++)
        for (int w = 0; w < d->samples[smp].n_windows; w++, index++) {
            char name[512];
            store_inference inf = {0};
            dataset_vector_name(d, smp, w, name, sizeof(name));
            if (o->on_vector)
                o->on_vector(o->progress_ctx, v->recipe, (int)(v - s->v), s->n_v, index,
                             d->windows);
            else
                say(o, "variant %s, vector %d/%d: %s", v->recipe, index + 1, d->windows, name);
            dataset_values(d, smp, w, s->x);
            session_inputs(v, d, s->x, s->in);
            if ((st = session_run_vector(s, v, s->in, &inf, &stack_max)) != HB_OK)
                return session_board_failure(s, st, v, name);
            if ((st = session_score_vector(s, v, smp, w)) != HB_OK)
                return st;
            inf.vector_index = index;
            inf.vector = name;
            if ((st = store_inference_add(s->db, s->run_id, v->id, &inf)) != HB_OK)
                return st;
            s->res->vectors++;
        }
    store_memory mem = {nn_model_arena_bytes(hostrun_model(v->host)), stack_max, blob_len,
                        fw_flash, fw_ram};
    if ((st = store_memory_set(s->db, s->run_id, v->id, &mem)) != HB_OK)
        return st;
    return session_scores_store(s, v);
}

static hb_status sweep(session *s)
{
    const session_options *o = s->o;
    char host[256] = "unknown", data_desc[300];
    hb_status st;

    if ((st = board_find(o->board, o->board_dirs, o->n_board_dirs, o->firmware_dir,
                         &s->board)) != HB_OK ||
        (st = session_prepare(s)) != HB_OK ||
        (st = store_open(o->db_path, &s->db)) != HB_OK)
        return st;

    say(o, "board %s: starting", s->board->name);
    if ((st = session_device_open(s, &s->v[0])) != HB_OK)
        return st;
    say(o, "board %s: stub \"%s\", counter %u Hz (%s)", s->board->name, s->dev->hello.name,
        s->dev->hello.counter_hz, client_unit_name(s->dev->hello.counter_unit));
    if ((st = session_check_board(s)) != HB_OK)
        return st;

    gethostname(host, sizeof(host) - 1);
    if (o->dataset_dir)
        snprintf(data_desc, sizeof(data_desc), "%s", o->dataset_dir);
    else
        snprintf(data_desc, sizeof(data_desc), "random:%d:%u", o->random_n, o->seed);
    store_run_info ri = {s->board->name, host, HB_VERSION,
                         client_unit_name(s->dev->hello.counter_unit),
                         (double)s->dev->hello.counter_hz, o->repeat, o->warmup,
                         o->command_line, s->v[s->ref].recipe, data_desc, o->suite_path,
                         dataset_task_name(s->task)};
    if ((st = store_run_begin(s->db, &ri, &s->run_id)) != HB_OK)
        return st;
    s->res->run_id = s->run_id;

    /* The firmware's own footprint, when its image is a 32-bit ELF file
     * (a host program, like the native stub, is not). */
    uint64_t fw_flash = 0, fw_ram = 0;
    if (s->board->image &&
        board_elf_footprint(s->board->image, &fw_flash, &fw_ram) == HB_ERR_FORMAT)
        say(o, "firmware footprint unknown: %s", hb_last_error());

    char differ[512] = "";
    size_t used = 0;
    for (int i = 0; i < s->n_v; i++) {
        int before = s->res->host_mismatches;
        if (i > 0 && s->board->model_in_flash)
            session_device_close(s);
        if ((st = run_variant(s, &s->v[i], fw_flash, fw_ram)) != HB_OK)
            return st;
        s->res->variants++;
        int n = s->res->host_mismatches - before;
        if (n && used < sizeof(differ))
            used += (size_t)snprintf(differ + used, sizeof(differ) - used, "%s%s: %d",
                                     used ? ", " : "", s->v[i].recipe, n);
    }
    if (s->res->host_mismatches)
        return hb_fail(HB_ERR_BOARD, "%d of %d outputs differ from the host engine's (%s)",
                       s->res->host_mismatches, s->res->vectors, differ);
    return HB_OK;
}

hb_status session_run(const session_options *o, session_result *res)
{
    session s;
    hb_status st;

    memset(&s, 0, sizeof(s));
    memset(res, 0, sizeof(*res));
    s.o = o;
    s.res = res;
    if (o->repeat < 1 || o->repeat > 10000 || o->warmup < 0 || o->warmup > 10000)
        return hb_fail(HB_ERR_ARG, "--repeat must be 1..10000 and --warmup 0..10000");
    if (!o->model_path)
        return hb_fail(HB_ERR_ARG, "no model given");

    st = sweep(&s);

    session_device_close(&s);
    if (s.run_id) {
        const char *status = st == HB_OK ? "ok"
                             : st == HB_ERR_INTERRUPTED ? "interrupted" : "failed";
        char msg[1024];
        snprintf(msg, sizeof(msg), "%s", st == HB_OK ? "" : hb_last_error());
        hb_status fin = store_run_finish(s.db, s.run_id, status, st == HB_OK ? NULL : msg);
        if (st == HB_OK)
            st = fin;
        else
            hb_fail(st, "%s", msg);
    }
    store_close(s.db);
    session_scores_free(&s.sc);
    session_variants_free(&s);
    dataset_free(&s.data);
    graph_free(s.source);
    free(s.source_sha);
    board_free(s.board);
    free(s.x);
    free(s.in);
    free(s.board_out);
    free(s.host_out);
    free(s.out_f);
    free(s.ref_f);
    free(s.ref_layers);
    free(s.layer_tmp);
    free(s.slots);
    free(s.tmp);
    free(s.layer_med);
    free(s.repeat_cycles);
    return st;
}
