/* textutil: scanning clause text without parsing it (see textutil.h).
 * Strings, character-free C-style comments and line comments are skipped the
 * way the lexer skips them, so a "{" inside a string opens nothing. */
#include <stdlib.h>
#include <string.h>
#include "textutil.h"

static int scan_braces(const char *s, bool *opened)
{
	int depth = 0;

	while (*s) {
		if (*s == '"') {
			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
		} else if (s[0] == '/' && s[1] == '/') {
			s += strcspn(s, "\n");
		} else if (s[0] == '/' && s[1] == '*') {
			const char *e = strstr(s + 2, "*/");

			if (!e)
				return depth + 1;       /* an open comment continues too */
			s = e + 2;
		} else {
			if (*s == '{')
				*opened = true;
			depth += *s == '{';
			depth -= *s == '}';
			s++;
		}
	}
	return depth;
}

int text_brace_depth(const char *s)
{
	bool opened = false;

	return scan_braces(s, &opened);
}

bool text_unfinished(const char *s)
{
	bool opened = false;
	const char *p = s + strspn(s, " \t\r\n");

	if (scan_braces(s, &opened) > 0)
		return true;
	/* a probe spec waiting for its block; #include/#define lines stand alone */
	return !opened && *p && *p != '#';
}

char *text_one_line(const char *s)
{
	size_t len = strlen(s);
	char *out = malloc(len * 2 + 8), *o = out;
	bool sp = false;

	if (!out)
		return NULL;
	while (*s) {
		if (*s == '"') {
			const char *st = s;

			for (s++; *s && *s != '"'; s++)
				if (*s == '\\' && s[1])
					s++;
			if (*s)
				s++;
			if (sp && o > out)
				*o++ = ' ';
			sp = false;
			memcpy(o, st, s - st);
			o += s - st;
		} else if (s[0] == '/' && s[1] == '/') {
			size_t n = strcspn(s + 2, "\n");

			if (o > out)
				*o++ = ' ';
			/* a line comment holding "*" "/" would end early: drop those */
			memcpy(o, "/*", 2);
			o += 2;
			for (size_t i = 0; i < n; i++) {
				if (s[2 + i] == '*' && s[3 + i] == '/')
					continue;
				*o++ = s[2 + i];
			}
			memcpy(o, " */", 3);
			o += 3;
			s += 2 + n;
			sp = true;
		} else if (*s == '\n' || *s == '\t' || *s == ' ' || *s == '\r') {
			sp = o > out;
			s++;
		} else {
			if (sp)
				*o++ = ' ';
			sp = false;
			*o++ = *s++;
		}
	}
	*o = 0;
	return out;
}

bool text_is_blank(const char *s)
{
	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	return !*s || (s[0] == '/' && s[1] == '/');
}
