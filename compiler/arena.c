/* arena.c — the bump allocator behind arena.h: memory for the AST and the
 * compiler's tables, freed all at once. Not a general-purpose allocator: no
 * individual frees; running out of memory aborts with a message, as arena.h
 * promises (the input bounds how much a compilation needs). */
#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { ARENA_ALIGN = 16, ARENA_CHUNK = 64 * 1024 };

struct arena_chunk {
    arena_chunk *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
};

static void out_of_memory(size_t size)
{
    fprintf(stderr, "lrc: out of memory (allocating %zu bytes)\n", size);
    abort();
}

static arena_chunk *new_chunk(size_t cap, arena_chunk *next)
{
    if (cap > SIZE_MAX - sizeof(arena_chunk))
        out_of_memory(cap);
    arena_chunk *c = malloc(sizeof(arena_chunk) + cap);
    if (!c)
        out_of_memory(cap);
    c->next = next;
    c->used = 0;
    c->cap = cap;
    return c;
}

void *arena_alloc(arena *a, size_t size)
{
    if (size > SIZE_MAX - ARENA_ALIGN)
        out_of_memory(size);
    size_t rounded = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
    arena_chunk *c = a->head;
    if (!c || c->cap - c->used < rounded) {
        if (rounded > ARENA_CHUNK / 4) {
            /* A big block gets a chunk of its own, kept behind the current
             * one so the current chunk's free space is not wasted. */
            arena_chunk *big = new_chunk(rounded, c ? c->next : NULL);
            if (c)
                c->next = big;
            else
                a->head = big;
            memset(big->data, 0, rounded);
            big->used = rounded;
            return big->data;
        }
        c = a->head = new_chunk(ARENA_CHUNK, c);
    }
    void *p = c->data + c->used;
    c->used += rounded;
    memset(p, 0, rounded);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t n)
{
    char *p = arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

char *arena_printf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = arena_alloc(a, (size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void arena_free(arena *a)
{
    arena_chunk *c = a->head;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
}

void ptrvec_push(arena *a, ptrvec *v, void *item)
{
    if (v->n == v->cap) {
        int cap = v->cap ? v->cap * 2 : 8;
        void **items = arena_alloc(a, (size_t)cap * sizeof *items);
        if (v->n)
            memcpy(items, v->items, (size_t)v->n * sizeof *items);
        v->items = items;
        v->cap = cap;
    }
    v->items[v->n++] = item;
}
