// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * sysctls.c - the lab program behind tests/data/lab: writes the sysctls the watermarks, lowmem
 * reserves and pcp limits derive from, one at a time, and after each write saves
 * /proc/zoneinfo and the values of those sysctls as /out/NAME.zoneinfo and /out/NAME.sysctl_vm.
 * Runs as /workload inside the qemu-lab initramfs (see README.md there).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put(const char *name, const char *value)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	f = fopen(path, "w");
	if (!f || fputs(value, f) < 0 || fclose(f) != 0)
		printf("write %s=%s failed\n", name, value);
	else
		printf("wrote %s=%s\n", name, value);
}

static void get(const char *name, char *buf, size_t len)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/vm/%s", name);
	buf[0] = '\0';
	f = fopen(path, "r");
	if (f) {
		if (!fgets(buf, (int)len, f))
			buf[0] = '\0';
		fclose(f);
	}
	buf[strcspn(buf, "\n")] = '\0';
}

static void copy(const char *from, FILE *to)
{
	char buf[4096];
	size_t n;
	FILE *f = fopen(from, "r");

	if (!f)
		return;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, to);
	fclose(f);
}

static void snap(const char *tag)
{
	static const char *const names[] = {"min_free_kbytes", "watermark_scale_factor",
					    "percpu_pagelist_high_fraction",
					    "lowmem_reserve_ratio"};
	char path[128], v[256];
	FILE *f;

	snprintf(path, sizeof(path), "/out/%s.zoneinfo", tag);
	f = fopen(path, "w");
	if (f) {
		copy("/proc/zoneinfo", f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "/out/%s.sysctl_vm", tag);
	f = fopen(path, "w");
	if (f) {
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
			get(names[i], v, sizeof(v));
			fprintf(f, "%s: %s\n", names[i], v);
		}
		fclose(f);
	}
	printf("snapshot %s\n", tag);
}

int main(void)
{
	char v[256], ratio[256] = "";
	long mfk;
	int n = 0;

	setvbuf(stdout, NULL, _IONBF, 0);
	get("min_free_kbytes", v, sizeof(v));
	mfk = atol(v);
	/* Twice the boot value, then a small one (below the sqrt default). */
	snprintf(v, sizeof(v), "%ld", mfk * 2);
	put("min_free_kbytes", v);
	snap("w1-mfk");
	put("min_free_kbytes", "8192");
	snap("w2-mfk");
	put("watermark_scale_factor", "150");
	snap("w3-wsf");
	put("percpu_pagelist_high_fraction", "16");
	snap("w4-phf");
	/* One ratio per zone type of this kernel: as many as it prints. */
	get("lowmem_reserve_ratio", v, sizeof(v));
	for (char *t = strtok(v, " \t"); t; t = strtok(NULL, " \t"), n++) {
		static const char *const lrr[] = {"64", "128", "8"};

		strcat(ratio, n ? " " : "");
		strcat(ratio, n < 3 ? lrr[n] : "0");
	}
	put("lowmem_reserve_ratio", ratio);
	snap("w5-lrr");
	put("percpu_pagelist_high_fraction", "0");
	put("watermark_scale_factor", "10");
	snap("w6-reset");
	return 0;
}
