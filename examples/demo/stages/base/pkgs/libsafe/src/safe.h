#ifndef SAFE_H
#define SAFE_H

#include <stddef.h>

/* A growable buffer. */
struct safe_buf {
  char *data;
  size_t len;
  size_t cap;
};

int safe_buf_init(struct safe_buf *b, size_t cap);
void safe_buf_free(struct safe_buf *b);
int safe_append(struct safe_buf *b, const char *s);

/* Copies src into dst (dst_size bytes), always NUL-terminated.
   Returns the number of bytes copied. */
size_t safe_copy(char *dst, size_t dst_size, const char *src);

const char *safe_version(void);

#endif
