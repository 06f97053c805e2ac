/*
 * hb_ini.c: INI lines of any length for inih (hb_ini.h).
 */
#include "hb_ini.h"

#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* What inih is given for a long line's value: a control character, which
 * no profile or suite value may hold. */
#define STAND_IN "\x1f"

static int blank(char c)
{
    return c == ' ' || c == '\t';
}

int hb_ini_next(hb_ini_lines *r)
{
    r->aside = NULL;
    ssize_t n = getline(&r->buf, &r->cap, r->f);
    if (n < 0)
        return 0;
    r->line++;
    while (n > 0 && (r->buf[n - 1] == '\n' || r->buf[n - 1] == '\r'))
        r->buf[--n] = '\0';
    r->len = (size_t)n;
    r->indented = n > 0 && (r->buf[0] == ' ' || r->buf[0] == '\t');
    /* inih cuts " ; comment" from key lines but not from the continuation
     * lines of a value; make both behave alike. */
    if (r->indented)
        for (size_t i = 1; i < r->len; i++)
            if (r->buf[i] == ';' && blank(r->buf[i - 1])) {
                r->buf[i] = '\0';
                r->len = i;
                break;
            }
    return 1;
}

/* The value in p as inih would give it: blanks trimmed, " ; comment" cut. */
static char *trim_value(char *p)
{
    while (blank(*p))
        p++;
    for (char *c = p; *c; c++)
        if (*c == ';' && c > p && blank(c[-1])) {
            *c = '\0';
            break;
        }
    size_t n = strlen(p);
    while (n > 0 && blank(p[n - 1]))
        p[--n] = '\0';
    return p;
}

char *hb_ini_give(hb_ini_lines *r, char *str, int num)
{
    char *p = r->buf + strspn(r->buf, " \t");
    size_t room = num > 2 ? (size_t)num - 2 : 0; /* for "\n" and the end */

    r->aside = NULL;
    if (r->len <= room) {
        memcpy(str, r->buf, r->len);
        str[r->len] = '\n';
        str[r->len + 1] = '\0';
        return str;
    }
    if (*p == ';' || *p == '#') {
        snprintf(str, (size_t)num, ";\n");
        return str;
    }
    if (r->indented) {
        r->aside = trim_value(p);
        snprintf(str, (size_t)num, " " STAND_IN "\n");
        return str;
    }
    /* inih splits a key line at its first '=' or ':'. */
    size_t key = strcspn(p, "=:");
    if (!p[key] && *p != '[') {
        snprintf(str, (size_t)num, STAND_IN "\n"); /* not key = value: inih says so */
        return str;
    }
    if (*p == '[' || key + 4 > room)
        return NULL;
    r->aside = trim_value(p + key + 1);
    snprintf(str, (size_t)num, "%.*s=" STAND_IN "\n", (int)key, p);
    return str;
}

const char *hb_ini_value(const hb_ini_lines *r, const char *value)
{
    return r->aside && strcmp(value, STAND_IN) == 0 ? r->aside : value;
}

void hb_ini_free(hb_ini_lines *r)
{
    free(r->buf);
    r->buf = NULL;
    r->cap = r->len = 0;
}
