/*
 * session_prepare.c: everything a sweep needs before the board starts: the
 * source model, the dataset, every variant made from its recipe (or read as
 * made elsewhere), each checked against the dataset, and which layers of
 * each variant compare with which of the reference.
 */
#include "session_int.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../target-stub/engine/nn_blob.h"
#include "../../target-stub/engine/nn_op.h"
#include "../../target-stub/proto/proto.h"
#include "../model/model_read.h"
#include "../util/hb_file.h"

void session_variants_free(session *s)
{
    for (int i = 0; s->v && i < s->n_v; i++) {
        session_variant *v = &s->v[i];
        free(v->recipe);
        free(v->model_file);
        graph_free(v->g);
        hostrun_free(v->host);
        compress_input_map_free(&v->map);
        free(v->layer_off);
        free(v->layer_values);
        free(v->ref_layer);
    }
    free(s->v);
    s->v = NULL;
    s->n_v = 0;
}

/* A graph with the blob's tensors (shapes, dtypes, constants) and ops, so
 * a variant made elsewhere gets the same layer table as one made here.
 * The blob was validated by the engine (hostrun_new_blob), so every offset
 * read here is in bounds. */
static hb_status graph_of_blob(const hostrun *h, graph **out)
{
    const nn_model *m = hostrun_model(h);
    const uint8_t *blob = hostrun_blob(h, NULL);
    graph *g = NULL;
    hb_status st;
    int io[2 * NN_MAX_OP_IO];

    *out = NULL;
    if ((st = graph_new(&g)) != HB_OK)
        return st;
    for (uint16_t i = 0; i < m->n_tensors; i++) {
        nn_tensor t;
        nn_model_tensor(m, i, NULL, &t);
        if ((st = graph_add_tensor(g, NULL, t.dtype, t.rank, t.dims, t.is_const ? t.data : NULL,
                                   t.is_const ? t.bytes : 0, NULL)) != HB_OK)
            goto cleanup;
    }
    uint32_t ops_off = nn_rd_u32(blob + NN_BH_OPS_OFF);
    for (uint16_t i = 0; i < nn_model_op_count(m); i++) {
        const uint8_t *rec = blob + nn_rd_u32(blob + ops_off + 4u * i);
        int n_in = rec[1], n_out = rec[2];
        graph_options opt = {0};
        for (int k = 0; k < n_in + n_out && k < 2 * NN_MAX_OP_IO; k++) {
            uint16_t t = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES + 2 * k);
            io[k] = t == NN_ABSENT ? -1 : t;
        }
        if ((st = graph_add_op(g, rec[0], n_in, io, n_out, io + n_in, &opt, NULL)) != HB_OK)
            goto cleanup;
    }
    int n_in = nn_model_input_count(m), n_out = nn_model_output_count(m);
    int *ins = calloc((size_t)n_in + 1, sizeof(int));
    int *outs = calloc((size_t)n_out + 1, sizeof(int));
    for (int k = 0; ins && outs && k < n_in; k++)
        ins[k] = nn_model_input(m, (uint16_t)k);
    for (int k = 0; ins && outs && k < n_out; k++)
        outs[k] = nn_model_output(m, (uint16_t)k);
    st = ins && outs ? graph_set_io(g, n_in, ins, n_out, outs)
                     : hb_fail(HB_ERR_MEM, "out of memory");
    free(ins);
    free(outs);
    if (st != HB_OK)
        goto cleanup;
    *out = g;
    return HB_OK;
cleanup:
    graph_free(g);
    return st;
}

/* A blob made elsewhere runs as it is, on the board and in the host
 * engine alike, so what the engine's validation does not look at is
 * checked here, before the run exists: its arena plan (hostrun_new_blob
 * has checked its CRC, against a file damaged since it was written). A plan that puts two tensors in use
 * at the same time on the same bytes would make both compute the same
 * wrong numbers without any error. Lifetimes are those of the planner
 * (host/model/plan.c): from the op that writes a tensor (or the start, for
 * a model input) to the last op that reads it (or the end, for an output);
 * a RESHAPE output may share its input's bytes. */
static hb_status check_blob_file(const hostrun *h)
{
    const nn_model *m = hostrun_model(h);
    size_t len = 0;
    const uint8_t *blob = hostrun_blob(h, &len);
    int n_t = m->n_tensors, n_ops = nn_model_op_count(m);
    hb_status st = HB_OK;

    int *first = malloc((size_t)(n_t + 1) * sizeof(int)), *last = malloc((size_t)(n_t + 1) *
                                                                          sizeof(int));
    int *alias = malloc((size_t)(n_t + 1) * sizeof(int));
    if (!first || !last || !alias) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int t = 0; t < n_t; t++) {
        first[t] = n_ops + 1;
        last[t] = -2;
        alias[t] = t;
    }
    for (int k = 0; k < nn_model_input_count(m); k++)
        first[nn_model_input(m, (uint16_t)k)] = -1;
    for (int k = 0; k < nn_model_output_count(m); k++)
        last[nn_model_output(m, (uint16_t)k)] = n_ops;
    uint32_t ops_off = nn_rd_u32(blob + NN_BH_OPS_OFF);
    for (int i = 0; i < n_ops; i++) {
        const uint8_t *rec = blob + nn_rd_u32(blob + ops_off + 4u * (uint32_t)i);
        int n_in = rec[1], n_out = rec[2];
        for (int k = 0; k < n_in + n_out; k++) {
            uint16_t t = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES + 2 * k);
            if (t == NN_ABSENT || t >= n_t)
                continue;
            if (k < n_in && i > last[t])
                last[t] = i;
            if (k >= n_in && i < first[t])
                first[t] = i;
        }
        if (rec[0] == NN_OP_RESHAPE && n_in >= 1 && n_out == 1) {
            uint16_t in = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES);
            uint16_t out = nn_rd_u16(rec + NN_BLOB_OP_HEAD_BYTES + 2 * n_in);
            if (in < n_t && out < n_t)
                alias[out] = alias[in];
        }
    }
    static uint8_t base[1]; /* offsets come back as pointers into an arena */
    for (int a = 0; a < n_t; a++) {
        nn_tensor ta, tb;
        nn_model_tensor(m, (uint16_t)a, base, &ta);
        if (ta.is_const || !ta.bytes || last[a] < first[a])
            continue;
        size_t oa = (size_t)((uint8_t *)ta.data - base);
        for (int b = a + 1; b < n_t; b++) {
            nn_model_tensor(m, (uint16_t)b, base, &tb);
            if (tb.is_const || !tb.bytes || last[b] < first[b] || alias[a] == alias[b])
                continue;
            size_t ob = (size_t)((uint8_t *)tb.data - base);
            if (first[a] <= last[b] && first[b] <= last[a] && oa < ob + tb.bytes &&
                ob < oa + ta.bytes) {
                st = hb_fail(HB_ERR_FORMAT, "model blob plan is broken: tensors %d and %d "
                             "share arena bytes while both are in use (ops %d to %d)", a, b,
                             first[a] > first[b] ? first[a] : first[b],
                             last[a] < last[b] ? last[a] : last[b]);
                goto cleanup;
            }
        }
    }
cleanup:
    free(first);
    free(last);
    free(alias);
    return st;
}

/* Sizes of the variant's inputs and outputs, and of every layer's outputs
 * (what the per-layer SNR compares). */
static hb_status measure(session_variant *v)
{
    const nn_model *m = hostrun_model(v->host);
    int n_ops = nn_model_op_count(m);
    nn_tensor t;

    for (int k = 0; k < nn_model_input_count(m); k++) {
        hostrun_input(v->host, k, &t);
        v->in_bytes += t.bytes;
    }
    for (int k = 0; k < nn_model_output_count(m); k++) {
        hostrun_output(v->host, k, &t);
        v->out_bytes += t.bytes;
        v->out_values += t.count;
        if (k == 0)
            v->out0_values = t.count;
    }
    v->layer_off = calloc((size_t)n_ops + 1, sizeof(size_t));
    v->layer_values = calloc((size_t)n_ops + 1, sizeof(size_t));
    v->ref_layer = calloc((size_t)n_ops + 1, sizeof(int));
    if (!v->layer_off || !v->layer_values || !v->ref_layer)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int i = 0; i < n_ops; i++) {
        v->layer_off[i] = v->all_layer_values;
        for (int j = 0; j < nn_model_op_output_count(m, (uint16_t)i); j++) {
            nn_model_tensor(m, nn_model_op_output(m, (uint16_t)i, (uint16_t)j), NULL, &t);
            v->layer_values[i] += t.count;
        }
        v->all_layer_values += v->layer_values[i];
        v->ref_layer[i] = -1;
    }
    return HB_OK;
}

/* The variant's inputs must take the dataset's vectors: as many inputs,
 * each of as many elements (input 0 of a features variant: the kept
 * ones), each of a dtype a float value can be converted to. */
static hb_status check_inputs(const session_variant *v, const dataset *d)
{
    int n = nn_model_input_count(hostrun_model(v->host));
    if (n != d->n_inputs)
        return hb_fail(HB_ERR_ARG, "it has %d inputs, the source model %d", n, d->n_inputs);
    for (int k = 0; k < n; k++) {
        nn_tensor t;
        hostrun_input(v->host, k, &t);
        size_t want = k == 0 && v->map.n_kept ? (size_t)v->map.n_kept : d->counts[k];
        if (t.count != want)
            return hb_fail(HB_ERR_ARG, "input %d has %u elements, the dataset's vectors %zu", k,
                           t.count, want);
        if (t.dtype != NN_DT_FLOAT32 && t.dtype != NN_DT_INT8 && t.dtype != NN_DT_UINT8 &&
            t.dtype != NN_DT_INT16)
            return hb_fail(HB_ERR_UNSUPPORTED, "input %d is %s; vectors can only be given as "
                           "float32, int8, uint8 or int16", k, nn_dtype_name(t.dtype));
    }
    if (d->task == DATASET_TASK_ANOMALY && v->out_values != d->values)
        return hb_fail(HB_ERR_ARG, "an anomaly score compares the output with the input, but "
                       "they have %zu and %zu elements", v->out_values, d->values);
    return HB_OK;
}

/* A file: variant: a hilbench blob runs as is; anything else goes through
 * compress_apply (a .tflite or .onnx file becomes a graph). */
static hb_status make_from_file(session *s, session_variant *v, const compress_recipe *r,
                                const compress_context *ctx, int *is_blob)
{
    const char *file = compress_recipe_file(r), *base = s->o->base_dir;
    char path[PATH_MAX];
    uint8_t *buf = NULL;
    size_t len = 0;
    hb_status st;

    *is_blob = 0;
    if (file[0] != '/' && base)
        snprintf(path, sizeof(path), "%s/%s", base, file);
    else
        snprintf(path, sizeof(path), "%s", file);
    if (!(v->model_file = strdup(path)))
        return hb_fail(HB_ERR_MEM, "out of memory");
    if ((st = hb_read_file(path, &buf, &len)) != HB_OK)
        return st;
    hb_sha256_hex(buf, len, v->sha);
    if (len >= 4 && nn_rd_u32(buf) == NN_BLOB_MAGIC) {
        *is_blob = 1;
        if ((st = hostrun_new_blob(buf, len, &v->host)) == HB_OK &&
            (st = check_blob_file(v->host)) == HB_OK)
            st = graph_of_blob(v->host, &v->g);
        if (st != HB_OK)
            hb_context(st, "%s", path);
    } else {
        st = compress_apply(s->source, r, ctx, &v->g, &v->map);
    }
    free(buf);
    return st;
}

static hb_status make_variant(session *s, session_variant *v, const compress_recipe *r,
                              const compress_context *ctx)
{
    hb_status st;
    if (compress_recipe_file(r)) {
        if ((st = make_from_file(s, v, r, ctx, &v->from_blob)) != HB_OK)
            return st;
    } else {
        if (!(v->model_file = strdup(s->o->model_path)))
            return hb_fail(HB_ERR_MEM, "out of memory");
        snprintf(v->sha, sizeof(v->sha), "%s", s->source_sha);
        if ((st = compress_apply(s->source, r, ctx, &v->g, &v->map)) != HB_OK)
            return st;
    }
    if (!v->host && (st = hostrun_new(v->g, &v->host)) != HB_OK)
        return st;
    if ((st = measure(v)) != HB_OK)
        return st;
    return check_inputs(v, &s->data);
}

/* Same op sequence: layer i against layer i. Otherwise by the name of the
 * first output tensor. Either way the two must have as many values. */
static void match_layers(session_variant *v, const session_variant *ref)
{
    const nn_model *a = hostrun_model(v->host), *b = hostrun_model(ref->host);
    int n = nn_model_op_count(a), m = nn_model_op_count(b), same = n == m;
    for (int i = 0; same && i < n; i++)
        same = nn_model_op_code(a, (uint16_t)i) == nn_model_op_code(b, (uint16_t)i);
    for (int i = 0; i < n; i++) {
        int j = -1;
        if (same) {
            j = i;
        } else if (v->g && ref->g && !v->from_blob && !ref->from_blob &&
                   v->g->ops[i].n_outputs > 0) {
            const char *name = v->g->tensors[v->g->ops[i].outputs[0]].name;
            for (int k = 0; name && k < m && j < 0; k++) {
                const graph_op *o = &ref->g->ops[k];
                const char *other = o->n_outputs > 0 ? ref->g->tensors[o->outputs[0]].name : NULL;
                if (other && !strcmp(name, other))
                    j = k;
            }
        }
        v->ref_layer[i] = j >= 0 && v->layer_values[i] == ref->layer_values[j] ? j : -1;
    }
}

/* Parses every recipe, drops none, refuses duplicates, and puts the
 * reference first if it was not listed. */
static hb_status parse_recipes(session *s, compress_recipe ***out, int *n_out)
{
    static const char *const float_only[] = {"float"};
    const session_options *o = s->o;
    const char *const *texts = o->n_variants > 0 ? o->variants : float_only;
    int n = o->n_variants > 0 ? o->n_variants : 1, ref = -1;
    compress_recipe **r = calloc((size_t)n + 1, sizeof(*r)), *refr = NULL;
    hb_status st = HB_OK;

    *out = NULL;
    if (!r)
        return hb_fail(HB_ERR_MEM, "out of memory");
    for (int i = 0; i < n; i++) {
        if ((st = compress_recipe_parse(texts[i], &r[i])) != HB_OK) {
            hb_context(st, "variant %d", i + 1);
            goto cleanup;
        }
        for (int k = 0; k < i; k++)
            if (!strcmp(compress_recipe_text(r[k]), compress_recipe_text(r[i]))) {
                st = hb_fail(HB_ERR_ARG, "variant '%s' is given twice",
                             compress_recipe_text(r[i]));
                goto cleanup;
            }
    }
    if (o->reference) {
        if ((st = compress_recipe_parse(o->reference, &refr)) != HB_OK) {
            hb_context(st, "--reference");
            goto cleanup;
        }
        for (int k = 0; k < n && ref < 0; k++)
            if (!strcmp(compress_recipe_text(r[k]), compress_recipe_text(refr)))
                ref = k;
        if (ref < 0) {
            say(o, "reference '%s' is not among the variants: it runs first",
                compress_recipe_text(refr));
            memmove(r + 1, r, (size_t)n * sizeof(*r));
            r[0] = refr;
            refr = NULL;
            n++;
            ref = 0;
        }
    }
    s->ref = ref < 0 ? 0 : ref;
    *out = r;
    *n_out = n;
    r = NULL;
cleanup:
    for (int i = 0; r && i < n; i++)
        compress_recipe_free(r[i]);
    free(r);
    compress_recipe_free(refr);
    return st;
}

static hb_status load_data(session *s)
{
    const session_options *o = s->o;
    hb_status st;
    if (o->dataset_dir) {
        st = dataset_load(o->dataset_dir, s->source, o->element, o->task, &s->data);
        if (st == HB_OK && s->data.detected && s->data.elements[0].dtype == NN_DT_FLOAT32 &&
            s->source->tensors[s->source->inputs[0]].dtype != NN_DT_FLOAT32)
            say(o, "vectors are float32: each variant quantises them with its own input "
                "scale and zero point");
        return st;
    }
    return dataset_random(o->random_n, o->seed, s->source, o->element, &s->data);
}

/* Calibration vectors in the source's input layout, when a recipe needs
 * them: from --calib, else from the run's own vectors. */
static hb_status calibration(session *s, dataset *calib, float ***vals, int *n)
{
    const session_options *o = s->o;
    hb_status st;
    if (!o->calib_dir) {
        say(o, "no calibration set given: the run's vectors calibrate");
        return dataset_floats(&s->data, SESSION_MAX_CALIB, vals, n);
    }
    if ((st = dataset_load(o->calib_dir, s->source, o->element, DATASET_TASK_NONE, calib)) != HB_OK)
        return hb_context(st, "calibration set");
    return dataset_floats(calib, SESSION_MAX_CALIB, vals, n);
}

static hb_status alloc_buffers(session *s)
{
    /* out: room for an MLPerf Tiny anomaly score (a float32) at least. */
    size_t in = 1, out = sizeof(float), vals = 1, layers = 1, ops = 1;
    for (int i = 0; i < s->n_v; i++) {
        const session_variant *v = &s->v[i];
        int n_ops = nn_model_op_count(hostrun_model(v->host));
        in = v->in_bytes > in ? v->in_bytes : in;
        out = v->out_bytes > out ? v->out_bytes : out;
        vals = v->out_values > vals ? v->out_values : vals;
        layers = v->all_layer_values > layers ? v->all_layer_values : layers;
        ops = (size_t)n_ops + 1 > ops ? (size_t)n_ops + 1 : ops;
    }
    int repeat = s->o->repeat;
    s->x = malloc((s->data.values + 1) * sizeof(float));
    s->in = malloc(in);
    s->board_out = malloc(out);
    s->host_out = malloc(out);
    s->out_f = malloc(vals * sizeof(float));
    s->ref_f = malloc(vals * sizeof(float));
    s->ref_layers = malloc(layers * sizeof(float));
    s->layer_tmp = malloc((layers + vals) * sizeof(float));
    s->slots = calloc((size_t)repeat * ops, sizeof(uint32_t));
    s->tmp = calloc((size_t)repeat, sizeof(uint64_t));
    s->repeat_cycles = calloc((size_t)repeat, sizeof(uint64_t));
    s->layer_med = calloc(ops, sizeof(uint64_t));
    if (!s->x || !s->in || !s->board_out || !s->host_out || !s->out_f || !s->ref_f ||
        !s->ref_layers || !s->layer_tmp || !s->slots || !s->tmp || !s->repeat_cycles ||
        !s->layer_med)
        return hb_fail(HB_ERR_MEM, "out of memory");
    return HB_OK;
}

hb_status session_prepare(session *s)
{
    const session_options *o = s->o;
    compress_recipe **recipes = NULL;
    int n = 0, n_calib = 0, calib_needed = 0;
    float **calib_vals = NULL;
    dataset calib = {0};
    uint8_t *file = NULL;
    size_t len = 0;
    hb_status st;
    char sha[65];

    if ((st = parse_recipes(s, &recipes, &n)) != HB_OK)
        return st;
    if ((st = hb_read_file(o->model_path, &file, &len)) != HB_OK)
        goto cleanup;
    hb_sha256_hex(file, len, sha);
    if (!(s->source_sha = strdup(sha))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    /* model_read names the file in its messages */
    if ((st = model_read(file, len, o->model_path, &s->source)) != HB_OK)
        goto cleanup;
    if ((st = load_data(s)) != HB_OK)
        goto cleanup;
    s->task = o->task != DATASET_TASK_NONE ? o->task : s->data.task;
    for (int i = 0; i < n; i++)
        calib_needed |= compress_recipe_needs_calibration(recipes[i]);
    if (calib_needed && (st = calibration(s, &calib, &calib_vals, &n_calib)) != HB_OK)
        goto cleanup;
    compress_context ctx = {(const float *const *)calib_vals, n_calib, o->base_dir};

    if (!(s->v = calloc((size_t)n, sizeof(*s->v)))) {
        st = hb_fail(HB_ERR_MEM, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < n; i++) {
        session_variant *v = &s->v[i];
        s->n_v = i + 1;
        if (!(v->recipe = strdup(compress_recipe_text(recipes[i])))) {
            st = hb_fail(HB_ERR_MEM, "out of memory");
            goto cleanup;
        }
        if ((st = make_variant(s, v, recipes[i], &ctx)) != HB_OK) {
            hb_context(st, "variant '%s'", v->recipe);
            goto cleanup;
        }
    }
    for (int i = 0; i < n; i++) {
        const session_variant *ref = &s->v[s->ref];
        if (s->v[i].out_values != ref->out_values) {
            st = hb_fail(HB_ERR_ARG, "variant '%s' has %zu output values, the reference '%s' "
                         "%zu: they cannot be compared", s->v[i].recipe, s->v[i].out_values,
                         ref->recipe, ref->out_values);
            goto cleanup;
        }
        match_layers(&s->v[i], ref);
    }
    st = alloc_buffers(s);
cleanup:
    for (int i = 0; recipes && i < n; i++)
        compress_recipe_free(recipes[i]);
    free(recipes);
    free(file);
    dataset_floats_free(calib_vals, n_calib);
    dataset_free(&calib);
    return st;
}
