#ifndef GREET_H
#define GREET_H

#include <safe.h>

/* Writes "Hello, NAME!" into out (out_size bytes). Returns its length. */
int greet_format(char *out, size_t out_size, const char *name);

const char *greet_version(void);

#endif
