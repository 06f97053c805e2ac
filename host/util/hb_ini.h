/*
 * hb_ini.h: the lines of an INI file for inih, without inih's line limit.
 *
 * Namespace: hb_ini_.
 *
 * inih (as packaged) copies each line into a buffer of 200 bytes: a longer
 * line would be cut and its rest read as a line of its own. Board profiles
 * and suites hold paths and command lines, which a deep build folder makes
 * long, so the reader here hands inih a short stand-in for a long line
 * and keeps the value itself aside: the handler asks hb_ini_value() for
 * it. A long comment line becomes an empty comment. Only a section header
 * or a key that does not fit is refused (hb_ini_give() returns NULL).
 *
 * Values kept aside are what inih would have made of the line: leading and
 * trailing blanks and a " ; comment" removed. A continuation line (one that
 * starts with a blank) loses its " ; comment" too, as a key line does.
 *
 * Ownership: the reader owns its line buffer (hb_ini_free). The value
 * hb_ini_value() returns is valid until the next line is read.
 */
#ifndef HB_INI_H
#define HB_INI_H

#include <stdio.h>

typedef struct {
    FILE *f;       /* borrowed */
    char *buf;     /* the current line, without its line end */
    size_t cap;
    size_t len;
    int line;      /* number of the current line, from 1 */
    int indented;  /* it starts with a blank (continues a value) */
    char *aside;   /* the value of a long line (in buf), or NULL */
} hb_ini_lines;

/* Reads the next line into r->buf (no line end; a continuation line
 * without its comment): 1, or 0 at the end of the file or on a read error
 * (ferror(r->f) tells). The caller may look at it before hb_ini_give(). */
int hb_ini_next(hb_ini_lines *r);
/* Hands the current line to inih (its reader's str and num): str, or NULL
 * if it cannot be shortened (the caller reports the line as too long). */
char *hb_ini_give(hb_ini_lines *r, char *str, int num);
/* The value the handler was given, or the long line's value it stands
 * for. */
const char *hb_ini_value(const hb_ini_lines *r, const char *value);
void hb_ini_free(hb_ini_lines *r);

#endif
