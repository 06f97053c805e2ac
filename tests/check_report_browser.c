/*
 * check_report_browser.c: report.html as a browser shows it. Headless
 * Chromium loads the page of a real run; the page's own script marks
 * <body data-charts="loaded N/N"> once every chart image has decoded with
 * a non-zero size, and the dumped DOM must say so. A page with one chart
 * damaged must say "broken", which shows the check can fail.
 *
 * Skipped (exit status 77) when Chromium is not installed: Debian's
 * package `chromium`, which `./run.sh test` installs. HB_CHROMIUM names
 * another binary.
 */
#include "check_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report.h"

static const char *chromium(void)
{
    static char found[4096];
    const char *env = getenv("HB_CHROMIUM"), *path = getenv("PATH");
    if (env && env[0])
        return access(env, X_OK) == 0 ? env : NULL;
    if (access("/usr/bin/chromium", X_OK) == 0)
        return "/usr/bin/chromium";
    for (const char *p = path; p && *p;) {
        size_t n = strcspn(p, ":");
        snprintf(found, sizeof(found), "%.*s/chromium", (int)n, p);
        if (n && access(found, X_OK) == 0)
            return found;
        p += n + (p[n] == ':');
    }
    return NULL;
}

/* The DOM of page after its scripts ran; caller frees. */
static char *dump_dom(const char *page)
{
    char profile[4096], url[4096], profile_arg[4200];
    char *argv[24], *out = NULL;
    int n = 0;
    snprintf(profile, sizeof(profile), "%s", hbt_tmpdir("chromium-profile"));
    snprintf(profile_arg, sizeof(profile_arg), "--user-data-dir=%s", profile);
    snprintf(url, sizeof(url), "file://%s", page);
    /* coreutils timeout: a hung browser fails the test instead of
     * outliving it. */
    argv[n++] = "timeout";
    argv[n++] = "-k";
    argv[n++] = "5";
    argv[n++] = "90";
    argv[n++] = (char *)chromium();
    argv[n++] = "--headless";
    if (geteuid() == 0)
        argv[n++] = "--no-sandbox"; /* Chromium refuses to run as root otherwise */
    argv[n++] = "--disable-gpu";
    argv[n++] = "--no-first-run";
    argv[n++] = "--disable-background-networking";
    argv[n++] = "--disable-component-update";
    argv[n++] = "--disable-sync";
    argv[n++] = profile_arg;
    argv[n++] = "--virtual-time-budget=10000";
    argv[n++] = "--dump-dom";
    argv[n++] = url;
    argv[n] = NULL;
    int rc = hbt_run(argv, &out);
    ck_assert_msg(rc == 0, "chromium failed (%d):\n%s", rc, out);
    return out;
}

START_TEST(browser_loads_every_chart)
{
    const char *dir = hbt_tmpdir("report-browser");
    char db[4096], outdir[4096], page[4200], *out = NULL;
    snprintf(db, sizeof(db), "%s/r.db", dir);
    snprintf(outdir, sizeof(outdir), "%s/rep", dir);
    snprintf(page, sizeof(page), "%s/report.html", outdir);
    const char *run[] = {"run", "--board", "native", "--model",
                         hbt_path("%s/sine_float.tflite", hbt_models_dir()), "--variant",
                         "float", "--variant", "int8", "--vectors",
                         hbt_path("%s/sine_data", hbt_models_dir()), "--repeat", "3", "--db",
                         db, "--quiet", NULL};
    int rc = hbt_hb(&out, run);
    ck_assert_msg(rc == 0, "hilbench run failed (%d):\n%s", rc, out);
    free(out);
    const char *report[] = {"report", "1", "--db", db, "--out", outdir, NULL};
    rc = hbt_hb(&out, report);
    ck_assert_msg(rc == 0, "hilbench report failed (%d):\n%s", rc, out);
    free(out);

    char *dom = dump_dom(page);
    char want[64];
    snprintf(want, sizeof(want), "data-charts=\"loaded %d/%d\"", REPORT_N_CHARTS,
             REPORT_N_CHARTS);
    ck_assert_msg(strstr(dom, want), "the page did not load every chart (want %s):\n%.2000s",
                  want, strstr(dom, "<body") ? strstr(dom, "<body") : dom);
    free(dom);

    /* Damage one chart: the same page must report it. */
    size_t len = 0;
    char *html = (char *)hbt_read_file(page, &len);
    ck_assert_ptr_nonnull(html);
    char *png = strstr(html, "base64,iVBORw0KGgo");
    ck_assert_ptr_nonnull(png);
    memcpy(png + 7, "AAAAAAAAAAA", 11);
    const char *bad = hbt_path("%s/broken.html", outdir);
    ck_assert_int_eq(hbt_write_file(bad, html, len), 0);
    free(html);
    dom = dump_dom(bad);
    snprintf(want, sizeof(want), "data-charts=\"broken %d/%d\"", REPORT_N_CHARTS - 1,
             REPORT_N_CHARTS);
    ck_assert_msg(strstr(dom, want), "a broken chart went unnoticed (want %s)", want);
    free(dom);
}
END_TEST

static Suite *report_browser_suite(void)
{
    Suite *s = suite_create("report_browser");
    TCase *tc = tcase_create("chromium");
    tcase_add_test(tc, browser_loads_every_chart);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!chromium()) {
        printf("SKIPPED check_report_browser: chromium not found (Debian package chromium, "
               "installed by ./run.sh test; or set HB_CHROMIUM)\n");
        return 77;
    }
    return hbt_main(report_browser_suite, "report_browser_suite", 0);
}
