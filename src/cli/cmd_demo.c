// SPDX-License-Identifier: GPL-2.0-or-later
/* cmd_demo.c - `pagesim demo` (being written). */
#include <stdio.h>

#include "cli/cli.h"

int ps_cmd_demo(int argc, char **argv)
{
	fprintf(stderr, "pagesim demo: not built yet\n");
	return 1;
}
