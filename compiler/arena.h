/* arena.h — bump allocator for everything a compilation builds (AST, tables).
 * Freed all at once; allocation failure aborts with a message (an arena is
 * only used for compiler data, whose size is bounded by the input). */
#ifndef ARENA_H
#define ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;
typedef struct arena {
    arena_chunk *head;
} arena;

void *arena_alloc(arena *a, size_t size);              /* zeroed, 16-byte aligned */
char *arena_strndup(arena *a, const char *s, size_t n);
char *arena_strdup(arena *a, const char *s);
char *arena_printf(arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void  arena_free(arena *a);

/* Growable array of pointers living in an arena. */
typedef struct ptrvec {
    void **items;
    int n, cap;
} ptrvec;
void ptrvec_push(arena *a, ptrvec *v, void *item);

#endif
