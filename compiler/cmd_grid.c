/* cmd_grid.c — `lrc grid FILE [--rates LIST]`: the range test, then training
 * from the same initial weights at each fixed rate for grid_steps steps
 * (rt_grid.c), the "range test vs grid search" comparison. --rates becomes
 * the override sweep.grid_rates, so it is checked and recorded like one. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver.h"

/* FROM:TO:xFACTOR -> "FROM, FROM*FACTOR, ..." up to TO; a list is kept as given. */
static const char *expand_rates(session *s, const char *spec)
{
    double from, to, factor;
    char tail;
    if (sscanf(spec, "%lf:%lf:x%lf%c", &from, &to, &factor, &tail) != 3)
        return strchr(spec, ':') ? NULL : spec;
    if (!(from > 0) || !(to >= from) || !(factor > 1) || !isfinite(to) || !isfinite(factor))
        return NULL;
    char *list = arena_alloc(&s->a, RT_GRID_MAX * 32);
    int n = 0;
    for (double r = from; r <= to * (1 + 1e-9) && n <= RT_GRID_MAX; r *= factor, n++)
        snprintf(list + strlen(list), RT_GRID_MAX * 32 - strlen(list), "%s%.6g", n ? ", " : "", r);
    return n <= RT_GRID_MAX ? list : NULL;
}

int cmd_grid(session *s)
{
    options *o = s->opt;
    if (o->rates) {
        const char *list = expand_rates(s, o->rates);
        if (!list || o->novr == DRV_MAX_OVERRIDES) {
            fprintf(stderr, "lrc: error: --rates takes a list (1e-4,1e-3,0.01) or FROM:TO:xFACTOR with "
                            "0 < FROM <= TO, FACTOR > 1 and at most %d rates, got '%s'\n", RT_GRID_MAX, o->rates);
            return EXIT_BAD_INPUT;
        }
        o->ovr[o->novr++] = (sema_override){strdup("sweep.grid_rates"), list};
    }
    return drv_run(s, 1);
}
