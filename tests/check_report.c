/*
 * check_report.c: host/report's charts and pages: `hilbench report` on
 * real runs of the project's models on the native board (valid PNG and
 * SVG for every chart, the HTML and Markdown pages), names that try to
 * break out of gnuplot or HTML, run documents with fields missing, and
 * the escapes themselves.
 */
#include "check_util.h"
#include "hbt_xml.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"
#include "report/report_int.h"
#include "store/store.h"
#include "util/hb_file.h"

static uint32_t crc32(const uint8_t *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
    }
    return ~c;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A PNG: the signature, then an IHDR chunk of 13 bytes with a good CRC and
 * the dimensions the report draws. */
static void assert_png(const char *path)
{
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    size_t len = 0;
    uint8_t *p = hbt_read_file(path, &len);
    ck_assert_msg(p != NULL, "%s missing", path);
    ck_assert_msg(len > 33 && !memcmp(p, sig, 8), "%s: not a PNG signature", path);
    ck_assert_msg(be32(p + 8) == 13 && !memcmp(p + 12, "IHDR", 4), "%s: no IHDR first", path);
    ck_assert_msg(crc32(p + 12, 17) == be32(p + 29), "%s: IHDR CRC wrong", path);
    ck_assert_int_eq(be32(p + 16), 900);
    ck_assert_int_eq(be32(p + 20), 540);
    free(p);
}

/* Well-formed XML whose root is <svg>; returns the text (caller frees). */
static char *assert_svg(const char *path)
{
    size_t len = 0;
    char err[256], root[32];
    char *p = (char *)hbt_read_file(path, &len);
    ck_assert_msg(p != NULL, "%s missing", path);
    ck_assert_msg(hbt_xml_check(p, len, err, sizeof(err), root, sizeof(root)) == 0,
                  "%s is not well-formed XML: %s", path, err);
    ck_assert_str_eq(root, "svg");
    return p;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

/* Checks a report folder: every chart the page embeds is a valid PNG with
 * its SVG; the HTML embeds exactly those, the Markdown links them.
 * Returns the number of charts. */
static int assert_report(const char *dir_in, char **html_out)
{
    char dir[4096];
    size_t len;
    snprintf(dir, sizeof(dir), "%s", dir_in); /* hbt_path's buffers rotate */
    char *html = (char *)hbt_read_file(hbt_path("%s/report.html", dir), &len);
    char *md = (char *)hbt_read_file(hbt_path("%s/report.md", dir), &len);
    int charts = 0;
    ck_assert_ptr_nonnull(html);
    ck_assert_ptr_nonnull(md);
    for (int k = 0; k < REPORT_N_CHARTS; k++) {
        const char *png = hbt_path("%s/%s.png", dir, report_chart_stems[k]);
        if (access(png, F_OK) != 0) {
            ck_assert_msg(!strstr(md, hbt_path("](%s.png)", report_chart_stems[k])),
                          "report.md links a chart that is not there");
            continue;
        }
        assert_png(png);
        free(assert_svg(hbt_path("%s/%s.svg", dir, report_chart_stems[k])));
        ck_assert_msg(strstr(md, hbt_path("](%s.png)", report_chart_stems[k])),
                      "report.md does not link %s.png", report_chart_stems[k]);
        charts++;
    }
    ck_assert_int_eq(count(html, "src=\"data:image/png;base64,iVBORw0KGgo"), charts);
    ck_assert_msg(strstr(html, "data-charts"), "the page has no chart check script");
    free(md);
    if (html_out)
        *html_out = html;
    else
        free(html);
    return charts;
}

static const char *run_native(const char *dir, const char *model, const char *const *variants)
{
    const char *db = hbt_path("%s/r.db", dir);
    char *out = NULL;
    const char *args[32] = {"run", "--board", "native", "--model", model, "--vectors",
                            hbt_path("%s/sine_data", hbt_models_dir()), "--repeat", "3",
                            "--db", db, "--quiet"};
    int n = 12;
    for (; variants && *variants; variants++) {
        args[n++] = "--variant";
        args[n++] = *variants;
    }
    args[n] = NULL;
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    free(out);
    return db;
}

START_TEST(report_sine_int8_native)
{
    const char *dir = hbt_tmpdir("report-int8");
    char db[4096], outdir[4096], *out = NULL, *html = NULL;
    snprintf(db, sizeof(db), "%s",
             run_native(dir, hbt_path("%s/sine_int8.tflite", hbt_models_dir()), NULL));
    snprintf(outdir, sizeof(outdir), "%s/rep", dir);
    const char *args[] = {"report", "1", "--db", db, "--out", outdir, NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench report failed (%d):\n%s", rc, out);
    ck_assert_msg(strstr(out, "report.html"), "%s", out);
    free(out);
    /* One variant, the reference: everything but the per-layer SNR chart,
     * which has nothing to compare. */
    ck_assert_int_eq(assert_report(outdir, &html), REPORT_N_CHARTS - 1);
    ck_assert_msg(access(hbt_path("%s/layer_snr.png", outdir), F_OK) != 0, "layer_snr drawn");
    ck_assert_msg(strstr(html, "not drawn"), "the page does not say which chart is missing");
    /* Provenance: the board, the model's hash, the version. */
    ck_assert_msg(strstr(html, "<td>native</td>"), "no board in the provenance");
    json_t *doc = NULL;
    const char *show[] = {"show", "1", "--db", db, "--json", NULL};
    ck_assert_int_eq(hbt_hb(&out, show), 0);
    ck_assert_ptr_nonnull(doc = json_loads(out, 0, NULL));
    free(out);
    const char *sha = json_string_value(json_object_get(
        json_array_get(json_object_get(doc, "variants"), 0), "model_sha256"));
    ck_assert_msg(sha && strstr(html, sha), "the page lacks the model sha256");
    ck_assert_msg(strstr(html, "hilbench_version"), "no hilbench version");
    /* ... and the SHA-256 of the firmware image the board ran: the native
     * stub beside hilbench (<prefix>/bin/hilbench, <prefix>/lib/hilbench). */
    char stub[4096], fw_hash[65];
    snprintf(stub, sizeof(stub), "%s", hbt_hilbench());
    ck_assert_ptr_nonnull(strrchr(stub, '/'));
    *strrchr(stub, '/') = '\0';
    size_t stub_len = 0;
    uint8_t *image = hbt_read_file(hbt_path("%s/../lib/hilbench/hilbench-stub-native", stub),
                                   &stub_len);
    ck_assert_ptr_nonnull(image);
    hb_sha256_hex(image, stub_len, fw_hash);
    free(image);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(doc, "run"),
                                                       "firmware_sha256")), fw_hash);
    ck_assert_msg(strstr(html, fw_hash), "the page lacks the firmware sha256");
    json_decref(doc);
    free(html);
}
END_TEST

START_TEST(report_sine_sweep_with_budget)
{
    const char *dir = hbt_tmpdir("report-sweep");
    const char *variants[] = {"float", "int8", NULL};
    char db[4096], outdir[4096], *out = NULL, *html = NULL;
    snprintf(db, sizeof(db), "%s",
             run_native(dir, hbt_path("%s/sine_float.tflite", hbt_models_dir()), variants));
    snprintf(outdir, sizeof(outdir), "%s/rep", dir);
    const char *args[] = {"report", "1", "--db", db, "--out", outdir, "--max-ram-kb", "1000",
                          NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench report failed (%d):\n%s", rc, out);
    free(out);
    ck_assert_int_eq(assert_report(outdir, &html), REPORT_N_CHARTS);
    ck_assert_msg(strstr(html, "<h2>Recommendation</h2>"), "no recommendation");
    ck_assert_msg(strstr(html, "recommended"), "no verdict");
    free(html);
    /* Default folder: results/report-<id> under the working directory. */
    ck_assert_int_eq(chdir(dir), 0);
    const char *def[] = {"report", "1", "--db", db, NULL};
    ck_assert_int_eq(hbt_hb(&out, def), 0);
    free(out);
    ck_assert_int_eq(assert_report(hbt_path("%s/results/report-1", dir), NULL),
                     REPORT_N_CHARTS);
}
END_TEST

/* Names a user could type, each one an attack on one output language. */
static const char *const NASTY[] = {
    "\"; system(\"touch pwned\") #",
    "it's a 'quote'",
    "`touch pwned_bq` @x <b>&amp;</b>",
    "x\nEOD\nsystem('touch pwned_nl')",
};
#define N_NASTY (int)(sizeof(NASTY) / sizeof(NASTY[0]))

static void nasty_db(const char *path)
{
    store *s = NULL;
    int64_t run = 0, var = 0;
    ck_assert_int_eq(store_open(path, &s), HB_OK);
    store_run_info ri = {.board = "board'; system('touch pwned_board')", .host = "h",
                         .version = "0.1.0", .timing_unit = "cycles", .counter_hz = 1e6,
                         .repeat = 2, .warmup = 0, .reference = NASTY[0]};
    ck_assert_int_eq(store_run_begin(s, &ri, &run), HB_OK);
    for (int i = 0; i < N_NASTY; i++) {
        store_layer layers[2] = {{0, "CONV'); system('touch pwned_op') #", NULL, NULL, NULL,
                                  NULL, 10, 10},
                                 {1, "<script>alert(1)</script>", NULL, NULL, NULL, NULL, 5, 5}};
        store_variant_info vi = {"m'.tflite", "ab'cd", NASTY[i], 100, layers, 2};
        ck_assert_msg(store_variant_add(s, run, &vi, &var) == HB_OK, "%s", hb_last_error());
        uint64_t reps[2] = {1000 + 100 * (uint64_t)i, 1100 + 100 * (uint64_t)i};
        uint64_t lc[2] = {400 + 10 * (uint64_t)i, 500};
        store_inference inf = {0, "v'0.bin", 1050 + 100 * (uint64_t)i, 1050.0 + 100 * i, "x", 1,
                               2, reps, 2, lc};
        ck_assert_int_eq(store_inference_add(s, run, var, &inf), HB_OK);
        store_memory m = {1024 * (uint64_t)(i + 1), 512, 100, 0, 0};
        ck_assert_int_eq(store_memory_set(s, run, var, &m), HB_OK);
        store_score sc[1] = {{"top1_agreement", 1.0 - 0.05 * i}};
        store_layer_score ls[2] = {{0, 0, 40.0 - i}, {1, 1, 30.0 - i}};
        ck_assert_int_eq(store_scores_add(s, run, var, sc, 1, ls, 2), HB_OK);
    }
    ck_assert_int_eq(store_run_finish(s, run, "ok", NULL), HB_OK);
    store_close(s);
}

static void assert_no_pwned(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    ck_assert_ptr_nonnull(d);
    while ((e = readdir(d)))
        ck_assert_msg(strncmp(e->d_name, "pwned", 5) != 0, "%s/%s was created: a name ran",
                      dir, e->d_name);
    closedir(d);
}

START_TEST(report_names_cannot_escape)
{
    const char *dir = hbt_tmpdir("report-nasty");
    char db[4096], outdir[4096], *out = NULL, *html = NULL;
    snprintf(db, sizeof(db), "%s/n.db", dir);
    snprintf(outdir, sizeof(outdir), "%s/it's out", dir);
    nasty_db(db);
    /* gnuplot runs in the working directory: that is where a command
     * would leave its file. */
    ck_assert_int_eq(chdir(dir), 0);
    const char *args[] = {"report", "1", "--db", db, "--out", outdir, NULL};
    int rc = hbt_hb(&out, args);
    ck_assert_msg(rc == 0, "hilbench report failed (%d):\n%s", rc, out);
    free(out);
    assert_no_pwned(dir);
    assert_no_pwned(outdir);
    ck_assert_int_eq(assert_report(outdir, &html), REPORT_N_CHARTS);

    /* The names are drawn as typed (minus control characters). */
    char *svg = assert_svg(hbt_path("%s/quality_latency.svg", outdir));
    ck_assert_msg(strstr(svg, "\"; system(\"touch pwned\") #"), "name missing from the chart");
    ck_assert_msg(strstr(svg, "it's a 'quote'"), "quoted name missing from the chart");
    ck_assert_msg(strstr(svg, "xEODsystem('touch pwned_nl')"), "newline name not flattened");
    free(svg);
    svg = assert_svg(hbt_path("%s/layer_latency.svg", outdir));
    ck_assert_msg(strstr(svg, "CONV'); system('touch pwned_op') #"), "op name missing");
    free(svg);

    /* HTML: every one of & < > " ' is an entity. */
    ck_assert_msg(strstr(html, "&quot;; system(&quot;touch pwned&quot;) #"), "html escape");
    ck_assert_msg(strstr(html, "it&#39;s a &#39;quote&#39;"), "html escape of '");
    ck_assert_msg(strstr(html, "&lt;b&gt;&amp;amp;&lt;/b&gt;"), "html escape of <>&");
    ck_assert_msg(!strstr(html, "<b>") && !strstr(html, "<script>alert"), "raw markup");
    free(html);
}
END_TEST

static const struct {
    const char *in, *out;
} gp_cases[] = {
    {"float", "'float'"},
    {"it's", "'it''s'"},
    {"''", "''''''"},
    {"", "''"},
    {"a\nb\tc\r\x7f" "d", "'abcd'"},
    {"\"; system(\"touch pwned\") #", "'\"; system(\"touch pwned\") #'"},
    {"`touch x` @m \\n", "'`touch x` @m \\n'"},
    {"caf\xc3\xa9", "'caf\xc3\xa9'"},
};

START_TEST(gp_quote_cases)
{
    char buf[128] = {0};
    size_t n = report_gp_quote(gp_cases[_i].in, buf, sizeof(buf));
    ck_assert_str_eq(buf, gp_cases[_i].out);
    ck_assert_uint_eq(n, strlen(gp_cases[_i].out));
}
END_TEST

START_TEST(gp_quote_truncates)
{
    char buf[6];
    memset(buf, 'Z', sizeof(buf));
    ck_assert_uint_eq(report_gp_quote("it's long", buf, 5), 12);
    ck_assert_str_eq(buf, "'it'");
    ck_assert_int_eq(buf[5], 'Z'); /* guard byte untouched */
}
END_TEST

START_TEST(escapes_html_md)
{
    report_buf b;
    report_buf_init(&b);
    report_buf_html(&b, "<a href='x'>&\"\n");
    ck_assert_str_eq(b.data, "&lt;a href=&#39;x&#39;&gt;&amp;&quot; ");
    report_buf_free(&b);
    report_buf_init(&b);
    report_buf_md(&b, "a|b*c_[d](e)<f>&`");
    ck_assert_str_eq(b.data, "a\\|b\\*c\\_\\[d\\](e)&lt;f&gt;&amp;\\`");
    report_buf_free(&b);
    report_buf_init(&b);
    report_buf_base64(&b, "hello", 5);
    ck_assert_str_eq(b.data, "aGVsbG8=");
    report_buf_free(&b);
}
END_TEST

/* A run document with most fields absent or null: every figure unknown,
 * nothing drawn that has no data, no crash, pages still written. */
START_TEST(report_fields_missing)
{
    const char *dir = hbt_tmpdir("report-missing");
    json_error_t e;
    json_t *runs = json_loads(
        "[{\"run\": {\"id\": 4, \"board\": null},"
        "  \"variants\": [{\"recipe\": \"float\", \"scores\": null, \"inferences\": null,"
        "                  \"layers\": [{\"index\": 0, \"op\": null, \"cycles_median\": null}]},"
        "                 {\"arena_bytes\": 100, \"stack_bytes\": null,"
        "                  \"inferences\": [{\"cycles\": 5}]}]}]",
        0, &e);
    report_set *s = NULL;
    json_t *rec = NULL;
    ck_assert_msg(runs != NULL, "%s", e.text);
    ck_assert_int_eq(report_set_build(runs, NULL, &s), HB_OK);
    ck_assert_ptr_null(s->metric.name);
    ck_assert_int_eq(s->n, 2);
    ck_assert(isnan(s->v[0].latency_ms) && s->v[0].ram_bytes == -1);
    ck_assert(isnan(s->v[1].latency_ms)); /* cycles without counter_hz: unknown */
    ck_assert_str_eq(s->v[1].recipe, "?");

    report_budget b = {1.0, NAN, NAN, NAN};
    ck_assert_int_eq(report_recommend(s, &b, &rec), HB_OK);
    ck_assert(json_is_null(json_object_get(rec, "recommended")));
    json_decref(rec);
    b.min_quality = 50;
    ck_assert_int_eq(report_recommend(s, &b, &rec), HB_ERR_ARG); /* no scores to hold to */
    ck_assert_ptr_null(rec);

    report_options o = {hbt_path("%s/out", dir), NULL};
    ck_assert_msg(report_write(s, &o) == HB_OK, "%s", hb_last_error());
    ck_assert_int_eq(assert_report(o.out_dir, NULL), 1); /* memory: the one arena */
    report_set_free(s);
    ck_assert_int_eq(report_set_build(runs, "nonsense", &s), HB_ERR_ARG);
    ck_assert_ptr_null(s);
    json_decref(runs);
    json_t *empty = json_array();
    ck_assert_int_eq(report_set_build(empty, NULL, &s), HB_ERR_ARG);
    json_decref(empty);
}
END_TEST

START_TEST(report_refuses_control_in_dir)
{
    json_t *runs = json_loads("[{\"run\": {\"id\": 1}, \"variants\": []}]", 0, NULL);
    report_set *s = NULL;
    report_chart charts[REPORT_N_CHARTS];
    ck_assert_int_eq(report_set_build(runs, NULL, &s), HB_OK);
    ck_assert_int_eq(report_plot(s, "/tmp/a\nb", charts), HB_ERR_ARG);
    ck_assert_msg(strstr(hb_last_error(), "control character"), "%s", hb_last_error());
    report_set_free(s);
    json_decref(runs);
}
END_TEST

static Suite *report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("escapes");
    tcase_add_loop_test(tc, gp_quote_cases, 0, (int)(sizeof(gp_cases) / sizeof(gp_cases[0])));
    tcase_add_test(tc, gp_quote_truncates);
    tcase_add_test(tc, escapes_html_md);
    suite_add_tcase(s, tc);
    tc = tcase_create("charts");
    tcase_add_test(tc, report_fields_missing);
    tcase_add_test(tc, report_refuses_control_in_dir);
    tcase_add_test(tc, report_names_cannot_escape);
    tcase_add_test(tc, report_sine_int8_native);
    tcase_add_test(tc, report_sine_sweep_with_budget);
    suite_add_tcase(s, tc);
    return s;
}

HBT_MAIN(report_suite)
