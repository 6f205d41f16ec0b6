/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cli.h - the pagesim subcommands. Each takes the arguments after its own name (argv[0] is the
 * subcommand name) and returns the process exit status. cli/ is the only place that may read the
 * wall clock (progress and elapsed time).
 */
#ifndef PS_CLI_H
#define PS_CLI_H

int ps_cmd_config(int argc, char **argv);
int ps_cmd_demo(int argc, char **argv);

#endif
