/* rt_err.c — filling an rt_err: the one way runtime functions report failure. */
#include "rt_err.h"

#include <stdarg.h>
#include <stdio.h>

int rt_errf(rt_err *e, int code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}
