#include "greet.h"

#include <stdio.h>
#include <string.h>

int greet_format(char *out, size_t out_size, const char *name) {
  char who[64];
  safe_copy(who, sizeof who, name);
  char line[128];
  snprintf(line, sizeof line, "Hello, ");
  strncat(line, who, sizeof line - strlen(line) - 1);
  strncat(line, "!", sizeof line - strlen(line) - 1);
  return snprintf(out, out_size, line);
}

const char *greet_version(void) { return "1.0.0"; }
