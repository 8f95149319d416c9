/* jit_cache.h — machine code kept across runs (jit_cache.c): the objects
 * jit_split.c compiled for a module, found again by the module's bitcode
 * and the target they were compiled for. */
#ifndef JIT_CACHE_H
#define JIT_CACHE_H

#include <llvm-c/Core.h>
#include <stddef.h>

/* Entries kept in a cache directory; storing one more removes the least
 * recently used. */
#define JIT_CACHE_KEEP 64

/* What identifies an entry: lrc's version, the module's bitcode and
 * `target`, the text naming everything else the code depends on (LLVM's
 * version, the CPU and its features, the pass pipeline and the code
 * generator's settings: cg_describe_compile) — the last two by
 * their SHA-256. */
typedef struct jit_cache_key {
    char text[192];
    char name[65];        /* SHA-256 of text, hex: the file's name */
} jit_cache_key;

void jit_cache_key_make(jit_cache_key *k, const void *bitcode, size_t len, const char *target);

/* The cache directory lrc uses unless told otherwise: $LRC_CACHE_DIR, else
 * $XDG_CACHE_HOME/lrc, else $HOME/.cache/lrc. 0 when none can be named
 * (or LRC_CACHE_DIR is set but empty: no cache). */
int jit_cache_default_dir(char *buf, size_t len);

/* The objects stored under k in dir, copied into objs (the caller owns
 * them): their number, or 0 when there is no such entry or it does not
 * check out (another key, truncated, damaged). A hit marks the entry as
 * recently used. */
int jit_cache_load(const char *dir, const jit_cache_key *k, LLVMMemoryBufferRef *objs, int max);

/* Stores objs under k, atomically (a reader sees the whole entry or none),
 * creating dir if needed, then trims dir to JIT_CACHE_KEEP entries.
 * Returns 0, or -1 when the entry could not be written (the run goes on:
 * a cache is never required). */
int jit_cache_store(const char *dir, const jit_cache_key *k, LLVMMemoryBufferRef *objs, int n);

#endif
