/*
 * libgreet core: formatting of greetings.
 *
 * Moved from greet.c and restructured; the fix for CVE-2026-1002 (a NULL
 * name) is now part of the code instead of a patch.
 */
#include "../greet.h"

#include <stdio.h>
#include <string.h>

enum { GREET_NAME_MAX = 64, GREET_LINE_MAX = 128 };

static const char *greet_default_name(const char *name)
{
	return name != NULL ? name : "world";
}

static void greet_build_line(char *line, size_t size, const char *who)
{
	size_t used;

	snprintf(line, size, "Hello, ");
	used = strlen(line);
	strncat(line, who, size - used - 1);
	used = strlen(line);
	strncat(line, "!", size - used - 1);
}

int greet_format(char *out, size_t out_size, const char *name)
{
	char who[GREET_NAME_MAX];
	char line[GREET_LINE_MAX];

	safe_copy(who, sizeof who, greet_default_name(name));
	greet_build_line(line, sizeof line, who);
	/* The assembled line is the format. */
	return snprintf(out, out_size, line);
}

const char *greet_version(void)
{
	return "1.0.0";
}
