/*
 * hbt_xml.h: a small XML 1.0 well-formedness check for the tests (the
 * report's SVG charts, the JUnit file). It checks what a parser would
 * refuse: one root element, tags nested and closed in order, attribute
 * syntax and uniqueness, references (&name; &#n; &#xh;), characters XML
 * cannot hold, comments, CDATA, processing instructions and a DOCTYPE. It
 * does not validate against a DTD or resolve entities beyond their syntax.
 *
 * Namespace: hbt_.
 */
#ifndef HBT_XML_H
#define HBT_XML_H

#include <stddef.h>

/* 0 if text[0..len) is well-formed; else -1 with a message naming the
 * byte offset in err. root (may be NULL) receives the root element's
 * name. */
int hbt_xml_check(const char *text, size_t len, char *err, size_t err_cap, char *root,
                  size_t root_cap);

#endif
