/* rt_host.c — what the report says about the machine: the CPU's model name
 * as /proc/cpuinfo gives it. */
#include "rt_report.h"

#include <stdio.h>
#include <string.h>

/* Copies the value of a "model name\t: value" line, without the newline. */
static int copy_value(const char *line, char *buf, size_t len)
{
    const char *colon = strchr(line, ':');
    if (!colon)
        return 0;
    colon++;
    while (*colon == ' ' || *colon == '\t')
        colon++;
    size_t n = strcspn(colon, "\r\n");
    if (n == 0)
        return 0;
    snprintf(buf, len, "%.*s", (int)n, colon);
    return 1;
}

void rt_host_cpu_model(char *buf, size_t len)
{
    if (len == 0)
        return;
    snprintf(buf, len, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0 && copy_value(line, buf, len))
            break;
    fclose(f);
}
