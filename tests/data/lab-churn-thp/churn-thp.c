/* churn-thp.c: lab13 wrapper — sets THP enabled=always inside the guest, then runs churn.c's main. */
#include <stdio.h>
#define main churn_main
#include "/work/shared/qemu-lab/churn.c"
#undef main
int main(int argc, char **argv)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "w");
	if (!f || fputs("always", f) < 0 || fclose(f)) { perror("thp enabled"); return 1; }
	char b[128] = "";
	f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	if (f) { if (!fgets(b, sizeof b, f)) b[0] = 0; fclose(f); }
	printf("thp enabled: %s", b);
	fflush(stdout);
	return churn_main(argc, argv);
}
