/* help.h — the one source of lrc's command help: `lrc help COMMAND`, the
 * per-command --help of fmt/compare, and the man page docs/lrc.1
 * (`lrc help --man`) are all printed from the table in cmd_help.c. */
#ifndef HELP_H
#define HELP_H

#include <stdio.h>

/* Prints the help of one command; returns 0 when there is no such command. */
int  help_print(FILE *f, const char *command);
/* Whether `command` takes the option `flag` (as typed: "--quiet", "-q"):
 * 1 or 0, -1 for no such command. What lrc's arguments are checked
 * against, so that a command's help lists exactly what it accepts. */
int  help_takes(const char *command, const char *flag);
/* Every command with its one-line summary, the exit codes. */
void help_overview(FILE *f);
/* The whole manual page, in roff (man(7)). */
void help_man(FILE *f);

/* `lrc help [COMMAND | --man]`. */
int cmd_help_main(int argc, char **argv);

#endif
