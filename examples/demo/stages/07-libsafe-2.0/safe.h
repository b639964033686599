#ifndef SAFE_H
#define SAFE_H

#include <stddef.h>

/* A growable buffer. 2.0: carries flags; safe_append became safe_buf_append. */
struct safe_buf {
  char *data;
  unsigned flags;
  size_t len;
  size_t cap;
};

#define SAFE_BUF_SECURE_WIPE 1u

int safe_buf_init(struct safe_buf *b, size_t cap, unsigned flags);
void safe_buf_free(struct safe_buf *b);
int safe_buf_append(struct safe_buf *b, const char *s, size_t n);

/* Copies src into dst (dst_size bytes), always NUL-terminated.
   Returns the number of bytes copied. */
size_t safe_copy(char *dst, size_t dst_size, const char *src);

const char *safe_version(void);

#endif
