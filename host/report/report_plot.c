/*
 * report_plot.c: the charts, drawn by gnuplot. The only file that writes
 * gnuplot.
 *
 * One gnuplot process draws every chart: the script goes to its stdin
 * through popen("... gnuplot ...", "w"), a fixed command; gnuplot's
 * messages go to a temporary file (a name mkstemp made, no user text) so
 * that a failure can be reported with gnuplot's own words instead of being
 * printed by a library.
 *
 * Safety: data blocks ($name << EOD) carry numbers only. Every text (board,
 * recipe, op names, output paths) is a single-quoted gnuplot literal from
 * report_buf_gp(): gnuplot expands neither backquotes nor @macros inside
 * single quotes, a doubled quote is the only escape, and control characters
 * are dropped so that no text can end a line, a data block or a command.
 * Labels are drawn noenhanced, so ^ _ { } in names stay as typed.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "report_int.h"

#define WIDTH 900
#define HEIGHT 540

static void num(report_buf *b, double x)
{
    if (isfinite(x))
        report_buf_printf(b, " %.9g", x);
    else
        report_buf_lit(b, " NaN");
}

/* set xtics ('label0' 0, 'label1' 1, ...), turned when the labels would
 * not fit side by side (chars: slots times the longest label). */
static void xtics_begin(report_buf *b, size_t chars)
{
    report_buf_printf(b, "set xtics %s(", chars > 70 ? "rotate by -30 left " : "");
}

static void xtic(report_buf *b, int i, const char *label)
{
    if (i)
        report_buf_lit(b, ", ");
    report_buf_gp(b, label);
    report_buf_printf(b, " %d", i);
}

static const char *metric_axis(const report_metric *m)
{
    if (!strcmp(m->name, "accuracy"))
        return "accuracy (%)";
    if (!strcmp(m->name, "auc"))
        return "AUC (%)";
    if (!strcmp(m->name, "top1_agreement"))
        return "fidelity: top-1 agreement with the reference (%)";
    if (!strcmp(m->name, "snr_db"))
        return "fidelity: output SNR against the reference (dB)";
    if (!strcmp(m->name, "mae"))
        return "mean absolute error (lower is better)";
    return m->name;
}

/* Labels whose neighbours are looked at (more variants are labelled, but
 * not moved). */
#define REPORT_MAX_LABELS 256

/* The y value of a variant on the quality chart: the metric as shown, or
 * RAM in KiB without scores; NAN when unknown. */
static double quality_y(const report_set *s, int with_metric, const report_variant *v)
{
    if (with_metric)
        return report_metric_shown(&s->metric, v->quality);
    return v->ram_bytes < 0 ? NAN : (double)v->ram_bytes / 1024.0;
}

/* Quality (or RAM, without scores) against latency; one series per board,
 * marker size from RAM, the Pareto front joined by a dashed line. */
static int chart_quality(const report_set *s, report_buf *b, char *note, size_t cap)
{
    int with_metric = s->metric.name != NULL, shown = 0, skipped = 0;
    int64_t max_ram = 0;
    const char *boards[64];
    int n_boards = 0;
    double max_ms = 0, xs;

    for (int i = 0; i < s->n; i++) {
        max_ram = s->v[i].ram_bytes > max_ram ? s->v[i].ram_bytes : max_ram;
        max_ms = fmax(max_ms, s->v[i].latency_ms); /* fmax ignores NAN */
    }
    xs = max_ms < 1.0 ? 1000.0 : 1.0; /* microseconds for fast models */
    report_buf_lit(b, "$quality << EOD\n");
    for (int i = 0; i < s->n; i++) {
        const report_variant *v = &s->v[i];
        double y = with_metric ? report_metric_shown(&s->metric, v->quality)
                               : (v->ram_bytes < 0 ? NAN : (double)v->ram_bytes / 1024.0);
        int k;
        if (isnan(v->latency_ms) || isnan(y)) {
            skipped++;
            continue;
        }
        for (k = 0; k < n_boards && strcmp(boards[k], v->board); k++)
            ;
        if (k == n_boards && n_boards < 64)
            boards[n_boards++] = v->board;
        else if (k == n_boards)
            k = n_boards - 1; /* past 64 boards, the last colour is shared */
        double ps = v->ram_bytes > 0 && max_ram > 0
                        ? 1.0 + 3.0 * sqrt((double)v->ram_bytes / (double)max_ram) : 1.0;
        num(b, v->latency_ms * xs);
        num(b, y);
        num(b, ps);
        report_buf_printf(b, " %d %d\n", k, v->pareto);
        shown++;
    }
    report_buf_lit(b, "EOD\n");
    if (!shown) {
        snprintf(note, cap, "no variant has both a latency and %s", with_metric
                 ? s->metric.name : "a RAM figure");
        return 0;
    }
    if (skipped)
        snprintf(note, cap, "%d variant(s) without a latency or %s left out", skipped,
                 with_metric ? s->metric.name : "RAM");
    else if (!with_metric)
        snprintf(note, cap, "no scores recorded: RAM against latency instead");
    report_buf_lit(b, "set title ");
    report_buf_gp(b, with_metric ? "Quality against latency (marker size: RAM = arena + stack)"
                                 : "RAM against latency (no scores recorded)");
    /* Variants of several boards can differ a hundredfold in latency: a
     * linear axis would squeeze the fast ones against the origin. */
    double lo_ms = INFINITY, lo_y = INFINITY, hi_y = -INFINITY;
    for (int i = 0; i < s->n; i++) {
        double y = quality_y(s, with_metric, &s->v[i]);
        if (isnan(s->v[i].latency_ms) || isnan(y))
            continue;
        if (s->v[i].latency_ms > 0)
            lo_ms = fmin(lo_ms, s->v[i].latency_ms);
        lo_y = fmin(lo_y, y);
        hi_y = fmax(hi_y, y);
    }
    int log_x = isfinite(lo_ms) && max_ms / lo_ms > 20.0;
    report_buf_printf(b, "\nset xlabel 'latency, median over the vectors (%s%s)'\nset ylabel ",
                      xs > 1 ? "us" : "ms", log_x ? ", log scale" : "");
    report_buf_gp(b, with_metric ? metric_axis(&s->metric) : "RAM = arena + stack (KiB)");
    report_buf_lit(b, "\nset grid\nset key outside right top spacing 1.6\n"
                      "set offsets graph 0.1, graph 0.25, graph 0.12, graph 0.12\n");
    if (log_x)
        report_buf_lit(b, "set logscale x\n");
    /* Labels of points close together are stacked upwards, one line each,
     * instead of printed over one another. Closeness is measured on the
     * axes as drawn (a tenth of the width, a twentieth of the height). */
    double nx[REPORT_MAX_LABELS], ny[REPORT_MAX_LABELS];
    for (int i = 0, row = 0; i < s->n; i++) {
        const report_variant *v = &s->v[i];
        double y = quality_y(s, with_metric, v);
        if (isnan(v->latency_ms) || isnan(y))
            continue;
        double x = v->latency_ms;
        int stack = 0;
        if (row < REPORT_MAX_LABELS) {
            nx[row] = log_x ? (x > 0 ? log10(x / lo_ms) / log10(max_ms / lo_ms) : 0.0)
                            : (max_ms > 0 ? x / max_ms : 0.0);
            ny[row] = hi_y > lo_y ? (y - lo_y) / (hi_y - lo_y) : 0.0;
            for (int j = 0; j < row; j++)
                stack += fabs(nx[j] - nx[row]) < 0.1 && fabs(ny[j] - ny[row]) < 0.05;
        }
        report_buf_printf(b, "set label %d ", ++row);
        report_buf_gp(b, v->label);
        report_buf_lit(b, " at first");
        num(b, x * xs);
        report_buf_lit(b, ", first");
        num(b, y);
        report_buf_printf(b, " offset char 1.2,%.1f front\n", 0.8 + 1.1 * stack);
    }
    report_buf_lit(b, "plot ");
    for (int k = 0; k < n_boards; k++) {
        report_buf_printf(b, "$quality using 1:($4 == %d ? $2 : NaN):3 with points pt 7 "
                          "ps variable lc %d title ", k, k + 1);
        report_buf_gp(b, n_boards > 1 ? boards[k] : "variants");
        report_buf_lit(b, ", \\\n     ");
    }
    /* Sorted by latency, the front is a monotone line. */
    report_buf_lit(b, "$quality using 1:($5 > 0 ? $2 : NaN) smooth unique with linespoints "
                      "dt 2 lw 2 pt 6 ps 3.5 lc rgb '#b00020' title 'Pareto front'\n");
    return 1;
}

/* The rows of the per-layer charts: the most layers any variant has,
 * labelled "index op" from the first variant that has the layer. */
static int layer_rows(const report_set *s)
{
    size_t most = 0;
    for (int i = 0; i < s->n; i++) {
        size_t n = json_array_size(json_object_get(s->v[i].json, "layers"));
        most = n > most ? n : most;
    }
    return (int)most;
}

static void layer_label(const report_set *s, int row, char *label, size_t cap)
{
    const char *op = "?";
    long long index = row;
    for (int i = 0; i < s->n; i++) {
        json_t *l = json_array_get(json_object_get(s->v[i].json, "layers"), (size_t)row);
        if (json_string_value(json_object_get(l, "op"))) {
            op = json_string_value(json_object_get(l, "op"));
            if (json_is_integer(json_object_get(l, "index")))
                index = json_integer_value(json_object_get(l, "index"));
            break;
        }
    }
    snprintf(label, cap, "%lld %s", index, op);
}

/* At most about 40 labels: a deep network labels every k-th layer. */
static void layer_xtics(const report_set *s, report_buf *b, int rows)
{
    char label[96];
    size_t longest = 0;
    int step = rows / 40 + 1, shown = 0;
    for (int r = 0; r < rows; r += step) {
        layer_label(s, r, label, sizeof(label));
        longest = strlen(label) > longest ? strlen(label) : longest;
    }
    xtics_begin(b, longest * (size_t)((rows + step - 1) / step));
    for (int r = 0; r < rows; r += step) {
        layer_label(s, r, label, sizeof(label));
        if (shown++)
            report_buf_lit(b, ", ");
        report_buf_gp(b, label);
        report_buf_printf(b, " %d", r);
    }
    report_buf_lit(b, ")\n");
}

static size_t label_chars(const report_set *s)
{
    size_t longest = 0;
    for (int i = 0; i < s->n; i++)
        longest = strlen(s->v[i].label) > longest ? strlen(s->v[i].label) : longest;
    return longest * (size_t)s->n;
}

static double layer_value(const report_variant *v, int row, const char *key)
{
    json_t *l = json_array_get(json_object_get(v->json, "layers"), (size_t)row);
    json_t *x = json_object_get(l, key);
    if (!json_is_number(x))
        return NAN;
    return strcmp(key, "cycles_median") ? json_number_value(x)
                                        : report_ticks_us(v, json_number_value(x));
}

/* Grouped bars (histogram) of rows x the given variants. */
static void histogram(report_buf *b, const char *block, int n_cols, const int *cols,
                      const report_set *s)
{
    report_buf_lit(b, "set style data histograms\nset style histogram clustered gap 1\n"
                      "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                      "set key outside right top\nset grid ytics\nset yrange [0:*]\n"
                      "set offsets 0, 0, graph 0.08, 0\nplot ");
    for (int c = 0; c < n_cols; c++) {
        report_buf_printf(b, "%s%s using %d title ", c ? ", \\\n     " : "", block, c + 2);
        report_buf_gp(b, s->v[cols[c]].label);
    }
    report_buf_lit(b, "\n");
}

static int chart_layers(const report_set *s, report_buf *b, int snr, char *note, size_t cap)
{
    const char *key = snr ? "snr_db" : "cycles_median";
    int rows = layer_rows(s), *cols = NULL, n_cols = 0;
    if (s->n && !(cols = malloc((size_t)s->n * sizeof(*cols))))
        return -1;
    for (int i = 0; i < s->n; i++) {
        int any = 0;
        for (int r = 0; r < rows && !any; r++)
            any = !isnan(layer_value(&s->v[i], r, key));
        if (any && !(snr && s->v[i].is_reference))
            cols[n_cols++] = i;
    }
    if (!n_cols) {
        snprintf(note, cap, snr ? "no per-layer SNR recorded (no scores, or only the "
                                  "reference)"
                                : "no per-layer timings recorded (run with layers timed)");
        free(cols);
        return 0;
    }
    report_buf_printf(b, "$%s << EOD\n", snr ? "snr" : "layers");
    for (int r = 0; r < rows; r++) {
        report_buf_printf(b, "%d", r);
        for (int c = 0; c < n_cols; c++)
            num(b, layer_value(&s->v[cols[c]], r, key));
        report_buf_lit(b, "\n");
    }
    report_buf_lit(b, "EOD\nset title ");
    report_buf_gp(b, snr ? "Per-layer SNR of each variant against the reference"
                         : "Per-layer latency (median over the vectors)");
    report_buf_printf(b, "\nset ylabel '%s'\nset xlabel 'layer'\n",
                      snr ? "SNR (dB, higher is closer)" : "latency (us)");
    layer_xtics(s, b, rows);
    if (snr) {
        report_buf_lit(b, "set key outside right top\nset grid\nset offsets 0.3, 0.3, 0, 0\n"
                          "plot ");
        for (int c = 0; c < n_cols; c++) {
            report_buf_printf(b, "%s$snr using 1:%d with linespoints lw 2 pt 7 title ",
                              c ? ", \\\n     " : "", c + 2);
            report_buf_gp(b, s->v[cols[c]].label);
        }
        report_buf_lit(b, "\n");
    } else {
        histogram(b, "$layers", n_cols, cols, s);
    }
    free(cols);
    return 1;
}

static int chart_memory(const report_set *s, report_buf *b, char *note, size_t cap)
{
    static const char *const names[] = {"model", "arena", "stack high-water", "firmware flash",
                                        "firmware RAM"};
    int used[5] = {0}, any = 0;
    for (int i = 0; i < s->n; i++) {
        const report_variant *v = &s->v[i];
        int64_t x[5] = {v->model_bytes, v->arena_bytes, v->stack_bytes, v->fw_flash_bytes,
                        v->fw_ram_bytes};
        for (int k = 0; k < 5; k++)
            any |= used[k] |= x[k] >= 0;
    }
    if (!any) {
        snprintf(note, cap, "no memory recorded");
        return 0;
    }
    report_buf_lit(b, "$memory << EOD\n");
    double lo = INFINITY, hi = 0;
    for (int i = 0; i < s->n; i++) {
        const report_variant *v = &s->v[i];
        int64_t x[5] = {v->model_bytes, v->arena_bytes, v->stack_bytes, v->fw_flash_bytes,
                        v->fw_ram_bytes};
        report_buf_printf(b, "%d", i);
        for (int k = 0; k < 5; k++) {
            if (!used[k])
                continue;
            num(b, x[k] < 0 ? NAN : (double)x[k] / 1024.0);
            if (x[k] > 0) {
                lo = fmin(lo, (double)x[k]);
                hi = fmax(hi, (double)x[k]);
            }
        }
        report_buf_lit(b, "\n");
    }
    report_buf_lit(b, "EOD\nset title 'Memory per variant'\nset ylabel 'KiB'\n");
    /* Firmware images dwarf a small model's stack: a log axis keeps both
     * readable. */
    if (hi > 50 * lo)
        report_buf_lit(b, "set logscale y\nset ylabel 'KiB (log scale)'\n");
    xtics_begin(b, label_chars(s));
    for (int i = 0; i < s->n; i++)
        xtic(b, i, s->v[i].label);
    report_buf_lit(b, ")\nset style data histograms\nset style histogram clustered gap 1\n"
                      "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                      "set key outside right top\nset grid ytics\n");
    if (!(hi > 50 * lo))
        report_buf_lit(b, "set yrange [0:*]\nset offsets 0, 0, graph 0.08, 0\n");
    report_buf_lit(b, "plot ");
    for (int k = 0, col = 2; k < 5; k++) {
        if (!used[k])
            continue;
        report_buf_printf(b, "%s$memory using %d title '%s'", col > 2 ? ", \\\n     " : "",
                          col, names[k]);
        col++;
    }
    report_buf_lit(b, "\n");
    return 1;
}

/* Box plots of every timed repeat of every vector (the per-vector median
 * when repeats were not stored). */
static int chart_latency(const report_set *s, report_buf *b, char *note, size_t cap)
{
    int box = 0;
    double lo = INFINITY, hi = 0;
    report_buf lines;
    report_buf_init(&lines);
    report_buf_lit(b, "$latency << EOD\n");
    xtics_begin(&lines, label_chars(s));
    for (int i = 0; i < s->n; i++) {
        json_t *infs = json_object_get(s->v[i].json, "inferences"), *inf, *r;
        size_t k, j;
        int points = 0;
        json_array_foreach(infs, k, inf) {
            json_t *reps = json_object_get(inf, "repeat_cycles");
            json_array_foreach(reps, j, r) {
                double us = report_ticks_us(&s->v[i], json_number_value(r));
                if (json_is_number(r) && isfinite(us)) {
                    lo = fmin(lo, us);
                    hi = fmax(hi, us);
                    report_buf_printf(b, "%d", box);
                    num(b, us);
                    report_buf_lit(b, "\n");
                    points++;
                }
            }
            if (json_array_size(reps) == 0) {
                double us = json_is_number(json_object_get(inf, "latency_us"))
                                ? json_number_value(json_object_get(inf, "latency_us"))
                                : report_ticks_us(&s->v[i], json_number_value(
                                                                json_object_get(inf, "cycles")));
                if (isfinite(us)) {
                    lo = fmin(lo, us);
                    hi = fmax(hi, us);
                    report_buf_printf(b, "%d", box);
                    num(b, us);
                    report_buf_lit(b, "\n");
                    points++;
                }
            }
        }
        if (points)
            xtic(&lines, box++, s->v[i].label);
    }
    report_buf_lit(b, "EOD\n");
    if (!box) {
        snprintf(note, cap, "no timings recorded");
        report_buf_free(&lines);
        return 0;
    }
    report_buf_lit(&lines, ")\n");
    if (lines.ok && lines.len)
        report_buf_put(b, lines.data, lines.len);
    else
        b->ok = 0;
    report_buf_free(&lines);
    /* One slow outlier (a cache miss, a preempted host) would flatten
     * every box on a linear axis. */
    if (lo > 0 && hi > 10 * lo)
        report_buf_lit(b, "set logscale y\n");
    report_buf_printf(b, "set title 'Latency of every timed repeat over all vectors'\n"
                      "set ylabel 'latency (us)'\nset grid ytics\nunset key\n"
                      "set style fill solid 0.35 border -1\nset boxwidth 0.5\n"
                      "set style boxplot outliers pointtype 7\nset pointsize 0.5\n"
                      "set xrange [-0.6:%d.6]\n"
                      "plot for [i=0:%d] $latency using (i):($1 == i ? $2 : NaN) "
                      "with boxplot lc i+1\n", box - 1, box - 1);
    return 1;
}

/* The terminals: pngcairo when gnuplot has it (probed from its list of
 * terminals), the libgd png otherwise; svg always. */
static void set_png(report_buf *b, const char *path)
{
    report_buf_printf(b, "if (strstrt(' '.GPVAL_TERMINALS.' ', ' pngcairo ') > 0) {\n"
                      "  set terminal pngcairo size %d,%d font 'sans,10'\n} else {\n"
                      "  set terminal png size %d,%d\n}\nset termoption noenhanced\n"
                      "set output ", WIDTH, HEIGHT, WIDTH, HEIGHT);
    report_buf_gp(b, path);
    report_buf_lit(b, "\n");
}

static void set_svg(report_buf *b, const char *path)
{
    report_buf_printf(b, "set terminal svg size %d,%d font 'sans,10' background '#ffffff'\n"
                      "set termoption noenhanced\nset output ", WIDTH, HEIGHT);
    report_buf_gp(b, path);
    report_buf_lit(b, "\nreplot\nunset output\n");
}

/* First error line of gnuplot's messages (warnings skipped), else the
 * last line. */
static void gnuplot_error(FILE *f, char *out, size_t cap)
{
    char line[512], last[512] = "";
    out[0] = '\0';
    while (f && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\r\n")] = '\0';
        char *t = line + strspn(line, " \t");
        if (!*t || *t == '^' || !strncmp(t, "gnuplot>", 8))
            continue;
        snprintf(last, sizeof(last), "%s", t);
        if (!out[0] && !strstr(t, "warning:"))
            snprintf(out, cap, "%s", t);
    }
    if (!out[0])
        snprintf(out, cap, "%s", last[0] ? last : "no message");
}

static hb_status run_gnuplot(const report_buf *script)
{
    char errpath[] = "/tmp/hilbench-gnuplot-XXXXXX", cmd[128], msg[300];
    int fd = mkstemp(errpath), status;
    FILE *gp = NULL, *err = NULL;
    hb_status st = HB_OK;

    if (fd < 0)
        return hb_fail(HB_ERR_FAIL, "gnuplot: mkstemp(%s): %s", errpath, strerror(errno));
    close(fd);
    /* errpath is "/tmp/hilbench-gnuplot-" and six characters mkstemp chose
     * from [A-Za-z0-9]: nothing the shell would interpret. */
    snprintf(cmd, sizeof(cmd), "exec gnuplot 2>%s", errpath);
    if (!(gp = popen(cmd, "w"))) {
        st = hb_fail(HB_ERR_FAIL, "gnuplot: popen: %s", strerror(errno));
        goto cleanup;
    }
    size_t wrote = fwrite(script->data, 1, script->len, gp);
    status = pclose(gp);
    err = fopen(errpath, "r");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
        st = hb_fail(HB_ERR_NOT_FOUND, "gnuplot is not installed (Debian: gnuplot-nox)");
    } else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || wrote != script->len) {
        gnuplot_error(err, msg, sizeof(msg));
        st = hb_fail(HB_ERR_FAIL, "gnuplot failed (%s %d): %s",
                     WIFEXITED(status) ? "exit status" : "signal",
                     WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), msg);
    }
cleanup:
    if (err)
        fclose(err);
    unlink(errpath);
    return st;
}

static int file_ok(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
}

hb_status report_plot(const report_set *s, const char *dir,
                      report_chart charts[REPORT_N_CHARTS])
{
    report_buf script;
    char path[4096];
    hb_status st = HB_OK;

    for (const char *p = dir; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return hb_fail(HB_ERR_ARG, "report: output folder '%s' has a control character",
                           dir);
    report_buf_init(&script);
    report_buf_lit(&script, "set encoding utf8\n");
    for (int k = 0; k < REPORT_N_CHARTS; k++) {
        report_chart *c = &charts[k];
        memset(c, 0, sizeof(*c));
        c->stem = report_chart_stems[k];
        c->title = report_chart_titles[k];
        size_t mark = script.len;
        int drawn = k == REPORT_CHART_QUALITY   ? chart_quality(s, &script, c->note,
                                                                sizeof(c->note))
                    : k == REPORT_CHART_LAYERS  ? chart_layers(s, &script, 0, c->note,
                                                               sizeof(c->note))
                    : k == REPORT_CHART_MEMORY  ? chart_memory(s, &script, c->note,
                                                               sizeof(c->note))
                    : k == REPORT_CHART_LATENCY ? chart_latency(s, &script, c->note,
                                                                sizeof(c->note))
                                                : chart_layers(s, &script, 1, c->note,
                                                               sizeof(c->note));
        if (drawn < 0)
            script.ok = 0;
        /* A stale chart of an earlier report must not pass for this one. */
        snprintf(path, sizeof(path), "%s/%s.png", dir, c->stem);
        unlink(path);
        snprintf(path, sizeof(path), "%s/%s.svg", dir, c->stem);
        unlink(path);
        if (drawn <= 0) {
            script.len = mark; /* drop its data block */
            if (script.data)
                script.data[mark] = '\0';
            continue;
        }
        c->drawn = 1;
        /* The chart's commands are between mark and here; the terminals
         * go first, then replot into the SVG. */
        char *body = strdup(script.data + mark);
        if (!body) {
            script.ok = 0;
            break;
        }
        script.len = mark;
        snprintf(path, sizeof(path), "%s/%s.png", dir, c->stem);
        set_png(&script, path);
        report_buf_put(&script, body, strlen(body));
        free(body);
        snprintf(path, sizeof(path), "%s/%s.svg", dir, c->stem);
        set_svg(&script, path);
        report_buf_lit(&script, "reset\n");
    }
    if (!script.ok) {
        st = hb_fail(HB_ERR_MEM, "report: out of memory");
        goto cleanup;
    }
    if ((st = run_gnuplot(&script)) != HB_OK)
        goto cleanup;
    for (int k = 0; k < REPORT_N_CHARTS; k++) {
        if (!charts[k].drawn)
            continue;
        snprintf(path, sizeof(path), "%s/%s.png", dir, charts[k].stem);
        int ok = file_ok(path);
        snprintf(path, sizeof(path), "%s/%s.svg", dir, charts[k].stem);
        if (!ok || !file_ok(path)) {
            st = hb_fail(HB_ERR_FAIL, "gnuplot wrote no %s chart in %s", charts[k].stem, dir);
            goto cleanup;
        }
    }
cleanup:
    report_buf_free(&script);
    return st;
}
