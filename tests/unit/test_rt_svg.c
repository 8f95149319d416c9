/* test_rt_svg.c — plot.svg from a known curve: complete document, labelled
 * marks at the suggested rates, escaped text, ticks at powers of ten, and no
 * non-finite coordinates when the curve ends in NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <string.h>
#include <cmocka.h>

#include "rt_results.h"

static void plot(void **state)
{
    (void)state;
    rt_point pts[40];
    for (int i = 0; i < 40; i++) {
        double rate = 1e-5 * pow(10, i / 8.0), loss = i < 39 ? 2 - sin(i / 12.0) + (i > 30 ? (i - 30) * 0.5 : 0) : NAN;
        pts[i] = (rt_point){i, rate, loss, loss};
    }
    rt_result r = {.pts = pts, .n = 40, .end = RT_END_CLAUSE};
    strcpy(r.end_text, "loss > 4 * best & more");
    rt_plot_in in = {.title = "t<1>", .measure = "training loss", .r = &r, .nmarks = 1};
    in.marks[0] = (rt_plot_mark){.method = RT_SUG_VALLEY, .rate = 0.01, .loss = 1.5, .label = "valley 0.01"};
    rt_buf b = {0};
    rt_svg_plot(&in, &b);
    assert_false(b.oom);
    assert_non_null(strstr(b.data, "<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert_string_equal(b.data + b.len - 7, "</svg>\n");
    assert_non_null(strstr(b.data, ">valley 0.01</text>"));
    assert_non_null(strstr(b.data, "loss &gt; 4 * best &amp; more"));
    assert_non_null(strstr(b.data, ">t&lt;1&gt;</text>"));
    assert_non_null(strstr(b.data, ">0.001</text>"));
    assert_non_null(strstr(b.data, ">1e-05</text>") ? strstr(b.data, ">1e-05</text>") : strstr(b.data, ">1e-5</text>"));
    assert_null(strstr(b.data, "nan"));
    assert_null(strstr(b.data, "inf"));
    rt_buf_free(&b);
    rt_result empty = {0};
    in.r = &empty;
    in.nmarks = 0;
    rt_svg_plot(&in, &b);
    assert_non_null(strstr(b.data, "no finite points"));
    rt_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(plot)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
