// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * numa-settle.c - a workload for the qemu lab's 4k-numa kernel (2 nodes, cpu N on node N) that
 * leaves pages on cpu 0's pcp lists of both nodes, as the lab's numa.c does, and then keeps the
 * machine idle with tracing still on, so the trace records what the kernel's periodic vmstat
 * work (mm/vmstat.c vmstat_update -> refresh_cpu_vm_stats: decay_pcp_high on every pcp,
 * drain_zone_pages on a remote one whose pcp->expire ran out) drains from those lists while
 * nothing runs, and snapshots the allocator inside the traced window.
 *
 * usage: numa-settle [A_MIB=240] [B_MIB=32] [C_MIB=32] [WAIT1=2] [WAIT2=8]
 *   a child, on cpu 0:
 *   A  default policy: A_MIB MiB of anonymous memory touched: node 0 fills to its watermarks,
 *      then the zonelist falls back to node 1
 *   B  MPOL_INTERLEAVE over nodes 0-1: B_MIB MiB touched
 *   C  MPOL_BIND to node 1: C_MIB MiB touched (remote to cpu 0)
 *   D  everything unmapped, the child exits: cpu 0 frees node 1 pages onto its remote pcp list
 *   the parent (any cpu), after the child is reaped:
 *   I1 idle WAIT1 seconds (the lab's /init sleeps 2 s between the workload and its `after`)
 *   -> /snap.sh settle1 (tracing on)
 *   I2 idle WAIT2 seconds more
 *   -> /snap.sh settle2 (tracing on)
 * Each phase writes "numa-settle: PHASE" to trace_marker (pagesim import passes over markers it
 * does not know); each policy change writes "pagesim-mempolicy: POLICY" first, which the
 * importer reads as the child's policy from then on.
 * Run: NODES=2 TBKB=24576 EVENTS=tests/data/lab-numa-settle/events.txt \
 *        qemu-lab/run.sh 4k-numa 512M OUT tools/lab/numa-settle.c 240 32 32 2 8
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define MB (1024UL * 1024UL)
enum { MPOL_DEFAULT, MPOL_PREFERRED, MPOL_BIND, MPOL_INTERLEAVE };

static int marker_fd = -1;

static void mark(const char *fmt, const char *what)
{
	char line[128];

	snprintf(line, sizeof line, fmt, what);
	if (marker_fd >= 0 && write(marker_fd, line, strlen(line)) < 0)
		perror("trace_marker");
}

static void on_cpu(int c)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(c, &s);
	sched_setaffinity(0, sizeof s, &s);
}

/* The marker first: the next fault may already run under the new policy. */
static void policy(int mode, unsigned long mask, const char *name)
{
	mark("pagesim-mempolicy: %s\n", name);
	if (syscall(SYS_set_mempolicy, mode, mode ? &mask : NULL, mode ? 8 : 0))
		perror("set_mempolicy");
}

static char *touch_new(size_t len)
{
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, len, MADV_NOHUGEPAGE);
	for (size_t o = 0; o < len; o += 4096)
		p[o] = 1;
	return p;
}

static void snap(const char *what)
{
	pid_t c;
	int st;

	fflush(stdout);
	mark("numa-settle: snap %s\n", what);
	c = fork();
	if (c == 0) {
		execl("/bin/sh", "sh", "/snap.sh", what, (char *)0);
		_exit(127);
	}
	waitpid(c, &st, 0);
	mark("numa-settle: snap %s done\n", what);
}

static void child(size_t a, size_t b, size_t c)
{
	char *pa, *pb, *pc;

	on_cpu(0);
	policy(MPOL_DEFAULT, 0, "default");
	pa = touch_new(a);
	printf("A: %zu MiB default on cpu 0\n", a / MB);
	policy(MPOL_INTERLEAVE, 3, "interleave:0-1");
	pb = touch_new(b);
	printf("B: %zu MiB interleaved\n", b / MB);
	policy(MPOL_BIND, 2, "bind:1");
	pc = touch_new(c);
	printf("C: %zu MiB bound to node 1 from cpu 0\n", c / MB);
	policy(MPOL_DEFAULT, 0, "default");
	mark("numa-settle: %s\n", "free");
	munmap(pa, a);
	munmap(pb, b);
	munmap(pc, c);
	printf("D: freed\n");
	fflush(stdout);
	_exit(0);
}

int main(int argc, char **argv)
{
	size_t a = (argc > 1 ? strtoul(argv[1], NULL, 0) : 240) * MB;
	size_t b = (argc > 2 ? strtoul(argv[2], NULL, 0) : 32) * MB;
	size_t c = (argc > 3 ? strtoul(argv[3], NULL, 0) : 32) * MB;
	unsigned int wait1 = argc > 4 ? (unsigned int)atoi(argv[4]) : 2;
	unsigned int wait2 = argc > 5 ? (unsigned int)atoi(argv[5]) : 8;
	pid_t w;
	int st;

	marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	if (marker_fd < 0)
		perror("trace_marker");
	fflush(stdout);
	w = fork();
	if (w == 0)
		child(a, b, c);
	waitpid(w, &st, 0);
	mark("numa-settle: %s\n", "idle");
	printf("I1: idle %u s\n", wait1);
	fflush(stdout);
	sleep(wait1);
	snap("settle1");
	mark("numa-settle: %s\n", "idle2");
	printf("I2: idle %u s\n", wait2);
	fflush(stdout);
	sleep(wait2);
	snap("settle2");
	return 0;
}
