#include "safe.h"

#include <stdlib.h>
#include <string.h>

int safe_buf_init(struct safe_buf *b, size_t cap) {
  b->data = malloc(cap ? cap : 1);
  if (!b->data) return -1;
  b->data[0] = '\0';
  b->len = 0;
  b->cap = cap ? cap : 1;
  return 0;
}

void safe_buf_free(struct safe_buf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

int safe_append(struct safe_buf *b, const char *s) {
  size_t n = strlen(s);
  if (b->len + n + 1 > b->cap) {
    size_t cap = (b->len + n + 1) * 2;
    char *d = realloc(b->data, cap);
    if (!d) return -1;
    b->data = d;
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n + 1);
  b->len += n;
  return 0;
}

size_t safe_copy(char *dst, size_t dst_size, const char *src) {
  size_t n = strlen(src);
  if (dst_size == 0) return 0;
  if (n > dst_size) n = dst_size;
  memcpy(dst, src, n);
  dst[n] = '\0';
  return n;
}

const char *safe_version(void) { return "1.0.0"; }
