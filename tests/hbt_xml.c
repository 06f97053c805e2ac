/*
 * hbt_xml.c: the tests' XML well-formedness check (hbt_xml.h). A
 * recursive-descent reader over the bytes; names are compared as bytes,
 * which is what well-formedness needs.
 */
#include "hbt_xml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 256
#define MAX_ATTRS 64

typedef struct {
    const char *s;
    size_t len, pos;
    char *err;
    size_t err_cap;
} reader;

static int fail(reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(reader *r, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->err && r->err_cap)
        snprintf(r->err, r->err_cap, "offset %zu: %s", r->pos, msg);
    return -1;
}

static int at(reader *r, const char *lit)
{
    size_t n = strlen(lit);
    return r->pos + n <= r->len && !memcmp(r->s + r->pos, lit, n);
}

static int ch(reader *r)
{
    return r->pos < r->len ? (unsigned char)r->s[r->pos] : -1;
}

static void skip_space(reader *r)
{
    while (ch(r) == ' ' || ch(r) == '\t' || ch(r) == '\n' || ch(r) == '\r')
        r->pos++;
}

static int name_start(int c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' || c == ':' || c >= 0x80;
}

static int name_char(int c)
{
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

/* Reads a name; returns its length, 0 if there is none. */
static size_t name(reader *r)
{
    size_t start = r->pos;
    if (!name_start(ch(r)))
        return 0;
    while (name_char(ch(r)))
        r->pos++;
    return r->pos - start;
}

static int bad_char(int c)
{
    return c >= 0 && c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/* A reference after '&'. */
static int reference(reader *r)
{
    r->pos++;
    if (ch(r) == '#') {
        r->pos++;
        int hex = ch(r) == 'x', digits = 0;
        if (hex)
            r->pos++;
        while ((ch(r) >= '0' && ch(r) <= '9') ||
               (hex && ((ch(r) >= 'a' && ch(r) <= 'f') || (ch(r) >= 'A' && ch(r) <= 'F')))) {
            r->pos++;
            digits++;
        }
        if (!digits || ch(r) != ';')
            return fail(r, "malformed character reference");
    } else if (!name(r) || ch(r) != ';') {
        return fail(r, "malformed entity reference (a bare '&'?)");
    }
    r->pos++;
    return 0;
}

/* Skips up to and past end; fails if text ends first. */
static int skip_past(reader *r, const char *end, const char *what)
{
    const char *p = NULL;
    size_t n = strlen(end);
    for (size_t i = r->pos; i + n <= r->len; i++)
        if (!memcmp(r->s + i, end, n)) {
            p = r->s + i;
            break;
        }
    if (!p)
        return fail(r, "unterminated %s", what);
    for (const char *q = r->s + r->pos; q < p; q++)
        if (bad_char((unsigned char)*q))
            return fail(r, "control character 0x%02x in %s", (unsigned char)*q, what);
    r->pos = (size_t)(p - r->s) + n;
    return 0;
}

/* Comment, PI, DOCTYPE: what may stand outside or between elements. */
static int misc(reader *r, int allow_doctype)
{
    if (at(r, "<!--"))
        return skip_past(r, "-->", "comment");
    if (at(r, "<?"))
        return skip_past(r, "?>", "processing instruction");
    if (allow_doctype && at(r, "<!DOCTYPE")) {
        int depth = 0;
        for (; r->pos < r->len; r->pos++) {
            int c = ch(r);
            if (c == '[')
                depth++;
            else if (c == ']')
                depth--;
            else if (c == '>' && depth == 0) {
                r->pos++;
                return 0;
            }
        }
        return fail(r, "unterminated DOCTYPE");
    }
    return 1; /* not misc */
}

static int attributes(reader *r, int *self_closing)
{
    const char *names[MAX_ATTRS];
    size_t lens[MAX_ATTRS];
    int n = 0;
    for (;;) {
        size_t before = r->pos;
        skip_space(r);
        if (at(r, "/>")) {
            r->pos += 2;
            *self_closing = 1;
            return 0;
        }
        if (ch(r) == '>') {
            r->pos++;
            *self_closing = 0;
            return 0;
        }
        if (r->pos == before)
            return fail(r, "expected whitespace before an attribute");
        const char *nm = r->s + r->pos;
        size_t len = name(r);
        if (!len)
            return fail(r, "expected an attribute name, '>' or '/>'");
        for (int i = 0; i < n; i++)
            if (lens[i] == len && !memcmp(names[i], nm, len))
                return fail(r, "attribute %.*s given twice", (int)len, nm);
        if (n < MAX_ATTRS) {
            names[n] = nm;
            lens[n++] = len;
        }
        skip_space(r);
        if (ch(r) != '=')
            return fail(r, "attribute %.*s has no '='", (int)len, nm);
        r->pos++;
        skip_space(r);
        int q = ch(r);
        if (q != '"' && q != '\'')
            return fail(r, "attribute %.*s value is not quoted", (int)len, nm);
        r->pos++;
        while (ch(r) != q) {
            int c = ch(r);
            if (c < 0)
                return fail(r, "unterminated attribute value");
            if (c == '<')
                return fail(r, "'<' in an attribute value");
            if (bad_char(c))
                return fail(r, "control character 0x%02x in an attribute", c);
            if (c == '&') {
                if (reference(r))
                    return -1;
            } else {
                r->pos++;
            }
        }
        r->pos++;
    }
}

int hbt_xml_check(const char *text, size_t len, char *err, size_t err_cap, char *root,
                  size_t root_cap)
{
    reader r = {text, len, 0, err, err_cap};
    const char *stack[MAX_DEPTH];
    size_t stack_len[MAX_DEPTH];
    int depth = 0, roots = 0, m;

    if (root && root_cap)
        root[0] = '\0';
    if (err && err_cap)
        err[0] = '\0';
    /* Prolog: declarations, comments, a DOCTYPE, whitespace. */
    for (;;) {
        skip_space(&r);
        if ((m = misc(&r, 1)) < 0)
            return -1;
        if (m)
            break;
    }
    while (r.pos < r.len) {
        int c = ch(&r);
        if (depth == 0) {
            skip_space(&r);
            if (r.pos >= r.len)
                break;
            if ((m = misc(&r, 0)) < 0)
                return -1;
            if (!m)
                continue;
            if (ch(&r) != '<' || roots)
                return fail(&r, roots ? "content after the root element" : "no root element");
        }
        c = ch(&r);
        if (c == '<') {
            if (at(&r, "<!--") || at(&r, "<?")) {
                if (misc(&r, 0) < 0)
                    return -1;
            } else if (at(&r, "<![CDATA[")) {
                if (depth == 0)
                    return fail(&r, "CDATA outside the root element");
                r.pos += 9;
                if (skip_past(&r, "]]>", "CDATA section"))
                    return -1;
            } else if (at(&r, "</")) {
                r.pos += 2;
                const char *nm = r.s + r.pos;
                size_t n = name(&r);
                if (!depth || n != stack_len[depth - 1] || memcmp(nm, stack[depth - 1], n))
                    return fail(&r, "</%.*s> does not close the open element", (int)n, nm);
                depth--;
                skip_space(&r);
                if (ch(&r) != '>')
                    return fail(&r, "expected '>' after </%.*s", (int)n, nm);
                r.pos++;
            } else {
                r.pos++;
                const char *nm = r.s + r.pos;
                size_t n = name(&r);
                int self = 0;
                if (!n)
                    return fail(&r, "'<' that starts no tag");
                if (depth == 0) {
                    roots++;
                    if (root && root_cap)
                        snprintf(root, root_cap, "%.*s", (int)n, nm);
                }
                if (attributes(&r, &self))
                    return -1;
                if (!self) {
                    if (depth == MAX_DEPTH)
                        return fail(&r, "elements nested too deep");
                    stack[depth] = nm;
                    stack_len[depth++] = n;
                }
            }
        } else if (c == '&') {
            if (reference(&r))
                return -1;
        } else if (bad_char(c)) {
            return fail(&r, "control character 0x%02x in text", c);
        } else {
            r.pos++;
        }
    }
    if (depth)
        return fail(&r, "<%.*s> is never closed", (int)stack_len[depth - 1], stack[depth - 1]);
    if (!roots)
        return fail(&r, "no root element");
    return 0;
}
