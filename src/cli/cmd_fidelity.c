// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/cli.h"
int ps_cmd_fidelity(int argc, char **argv)
{
	return 2;
}
