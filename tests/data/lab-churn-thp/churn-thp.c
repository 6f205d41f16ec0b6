// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * churn-thp.c - the lab runs' wrapper (SOURCE.md): writes THP enabled=always inside the guest,
 * then runs churn.c's own main. churn.c is read from ../shared/qemu-lab beside the repository
 * (the path is relative to this file: run.sh compiles it without include flags).
 */
#include <stdio.h>
#define main churn_main
#include "../../../../shared/qemu-lab/churn.c"
#undef main
int main(int argc, char **argv)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "w");
	if (!f || fputs("always", f) < 0 || fclose(f)) {
		perror("thp enabled");
		return 1;
	}
	char b[128] = "";
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) {
		if (!fgets(b, sizeof b, f))
			b[0] = 0;
		fclose(f);
	}
	printf("thp enabled: %s", b);
	fflush(stdout);
	return churn_main(argc, argv);
}
