/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - the pagesim subcommands. Each takes the arguments after its own name (argv[0] is the
 * subcommand name) and returns the process exit status. cli/ is the only place that may read the
 * wall clock (progress and elapsed time).
 */
#ifndef PS_CLI_H
#define PS_CLI_H

#include <glib.h>
#include <stdint.h>

int ps_cmd_config(int argc, char **argv);
int ps_cmd_demo(int argc, char **argv);
int ps_cmd_run(int argc, char **argv);

/* "10s", "500ms", "123" (ns) -> nanoseconds. */
gboolean ps_parse_duration_ns(const char *s, uint64_t *out);
int ps_cmd_index(int argc, char **argv);
int ps_cmd_gen(int argc, char **argv);

#endif
