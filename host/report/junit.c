/*
 * junit.c: the JUnit XML of a comparison, for CI servers.
 *
 * The common subset every consumer reads (Jenkins, GitLab, GitHub actions
 * that publish test reports): <testsuites> with one <testsuite> holding
 * tests/failures/skipped counts, <testcase classname name> with <failure
 * message> or <skipped message>. classname is "hilbench.BOARD.RECIPE", so
 * the CI groups checks by board and variant.
 */
#include <stdio.h>
#include <string.h>

#include "../util/hb_file.h"
#include "report_int.h"

/* XML 1.0 cannot hold most control characters even as references, so
 * they are dropped; quotes are escaped so the same text is safe in
 * attribute values. */
static void xml(report_buf *b, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': report_buf_lit(b, "&amp;"); break;
        case '<': report_buf_lit(b, "&lt;"); break;
        case '>': report_buf_lit(b, "&gt;"); break;
        case '"': report_buf_lit(b, "&quot;"); break;
        case '\'': report_buf_lit(b, "&apos;"); break;
        case '\n': report_buf_lit(b, "&#10;"); break;
        case '\t': report_buf_lit(b, "&#9;"); break;
        default:
            if (c >= 0x20)
                report_buf_put(b, (const char *)&c, 1);
        }
    }
}

static const char *str(const json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "?";
}

static void testcase(report_buf *b, const char *board, const char *recipe, const char *name,
                     const char *kind, const char *message)
{
    report_buf_lit(b, "    <testcase classname=\"hilbench.");
    xml(b, board);
    if (recipe) {
        report_buf_lit(b, ".");
        xml(b, recipe);
    }
    report_buf_lit(b, "\" name=\"");
    xml(b, name);
    if (!kind) {
        report_buf_lit(b, "\"/>\n");
        return;
    }
    report_buf_printf(b, "\">\n      <%s message=\"", kind);
    xml(b, message);
    report_buf_lit(b, "\">");
    xml(b, message);
    report_buf_printf(b, "</%s>\n    </testcase>\n", kind);
}

hb_status report_junit_write(const json_t *cmp, const char *path)
{
    report_buf cases, doc;
    int tests = 0, failures = 0, skipped = 0;
    size_t i, k;
    json_t *r, *c;
    char msg[512];
    hb_status st;

    report_buf_init(&cases);
    report_buf_init(&doc);
    json_array_foreach(json_object_get(cmp, "new"), i, r) {
        int ok = json_is_true(json_object_get(r, "ok"));
        snprintf(msg, sizeof(msg), "run %lld on %s has status %s",
                 (long long)json_integer_value(json_object_get(r, "id")), str(r, "board"),
                 str(r, "status"));
        testcase(&cases, str(r, "board"), NULL, "run status", ok ? NULL : "failure", msg);
        tests++;
        failures += !ok;
    }
    json_array_foreach(json_object_get(cmp, "rows"), i, r) {
        const char *board = str(r, "board"), *recipe = str(r, "recipe"),
                   *match = str(r, "match");
        if (!strcmp(match, "removed") || !strcmp(match, "added")) {
            int removed = match[0] == 'r';
            snprintf(msg, sizeof(msg), "%s on %s: %s", recipe, board,
                     removed ? "in the base runs, missing from the new runs"
                             : "new variant, no baseline to compare with");
            testcase(&cases, board, recipe, "present", removed ? "failure" : "skipped", msg);
            tests++;
            failures += removed;
            skipped += !removed;
            continue;
        }
        json_array_foreach(json_object_get(r, "checks"), k, c) {
            const char *status = str(c, "status");
            const char *kind = !strcmp(status, "regression") ? "failure"
                               : !strcmp(status, "unknown")  ? "skipped"
                                                             : NULL;
            snprintf(msg, sizeof(msg), "%s on %s: %s", recipe, board, str(c, "message"));
            testcase(&cases, board, recipe, str(c, "name"), kind, msg);
            tests++;
            failures += kind && kind[0] == 'f';
            skipped += kind && kind[0] == 's';
        }
    }
    report_buf_printf(&doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                      "<testsuites name=\"hilbench compare\" tests=\"%d\" failures=\"%d\" "
                      "errors=\"0\" skipped=\"%d\">\n"
                      "  <testsuite name=\"hilbench compare\" tests=\"%d\" failures=\"%d\" "
                      "errors=\"0\" skipped=\"%d\">\n",
                      tests, failures, skipped, tests, failures, skipped);
    if (cases.len)
        report_buf_put(&doc, cases.data, cases.len);
    report_buf_lit(&doc, "  </testsuite>\n</testsuites>\n");
    if (!doc.ok || !cases.ok)
        st = hb_fail(HB_ERR_MEM, "junit: out of memory");
    else if ((st = hb_write_file(path, doc.data, doc.len)) != HB_OK)
        hb_context(st, "junit");
    report_buf_free(&cases);
    report_buf_free(&doc);
    return st;
}
