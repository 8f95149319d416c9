/* rt_err.h — how runtime functions report failure.
 *
 * A failing function fills an rt_err and returns its code: RT_BAD_INPUT (2)
 * for a missing or malformed data file or a bad setting (the message names
 * the file, row and column), RT_FAILED (1) for a run that could not complete
 * (out of memory, an unwritable output). 0 is success. */
#ifndef RT_ERR_H
#define RT_ERR_H

enum { RT_OK = 0, RT_FAILED = 1, RT_BAD_INPUT = 2 };

typedef struct rt_err {
    int code;
    char msg[1024];
} rt_err;

/* Fills `e` (when not NULL) with code and printf-style message; returns code. */
int rt_errf(rt_err *e, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
