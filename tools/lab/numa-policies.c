// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * numa-policies.c - a workload for the qemu lab's 4k-numa kernel (2 nodes, cpu N on node N) that
 * exercises the memory policies and node reclaim of issue 18 item 4, and says in the trace which
 * policy it runs under: the lab kernel has no syscall tracepoints, so just before every
 * set_mempolicy() it writes "pagesim-mempolicy: POLICY" to tracefs' trace_marker, which
 * `pagesim import` reads as the writing task's policy from that timestamp on (POLICY as
 * --mempolicy takes it).
 *
 * usage: numa-policies [ZONE_RECLAIM_MODE=0] [A_MIB=232] [KEEP_DISK=0]
 *   all on cpu 0 (node 0):
 *   P  MPOL_PREFERRED node 1: 16 MiB of anonymous memory, touched
 *   R  read 32 MiB of /dev/vda (the lab's output disk, still empty): clean, unmapped block-device
 *      page cache on node 0, the memory node reclaim may take back; closing the disk drops it,
 *      so with KEEP_DISK 0 node reclaim finds nothing (NODE_RECLAIM_FULL), with 1 the disk stays
 *      open through A
 *   A  default policy: A_MIB MiB touched: node 0 fills to its low watermark; with
 *      vm.zone_reclaim_mode 0 the zonelist falls back to node 1, with 1 node_reclaim() first
 *      reclaims R's page cache on node 0
 *   -> /snap.sh mid
 *   O  a child forked at the start (so it shares none of A), MPOL_BIND node 0 (full): 64 MiB
 *      touched: the OOM killer runs, constrained by the memory policy (CONSTRAINT_MEMORY_POLICY,
 *      nodemask 0), and picks the largest task in that domain, the parent, not the child
 *   D  (the parent, if it survives) free everything, exit
 * trace_marker is opened once at the start: an open() under MPOL_BIND to a full node would
 * allocate (slab) on that node and meet the OOM killer before the marker is written.
 * Run: NODES=2 TBKB=24576 qemu-lab/run.sh 4k-numa 512M OUT numa-policies.c 1
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

static void on_cpu(int c)
{
	cpu_set_t s;

	CPU_ZERO(&s);
	CPU_SET(c, &s);
	sched_setaffinity(0, sizeof s, &s);
}

static int marker_fd = -1;

static void put(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY);

	if (fd < 0 || write(fd, text, strlen(text)) < 0)
		perror(path);
	if (fd >= 0)
		close(fd);
}

/*
 * The marker pagesim import reads (NAME as --mempolicy takes it), then set_mempolicy. The marker
 * goes first: the task's next page fault may already be under the new policy (a child bound to a
 * full node met the OOM killer at a copy-on-write fault between set_mempolicy and a marker
 * written after it), while nothing between the marker and the syscall allocates a page.
 */
static void policy(int mode, unsigned long mask, const char *name)
{
	char line[96];

	snprintf(line, sizeof line, "pagesim-mempolicy: %s\n", name);
	if (write(marker_fd, line, strlen(line)) < 0)
		perror("trace_marker");
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

/* Reads len bytes of /dev/vda; returns the open disk (its page cache stays while it is open). */
static int read_disk(size_t len)
{
	static char buf[1 << 16];
	int fd = open("/dev/vda", O_RDONLY);

	if (fd < 0) {
		perror("/dev/vda");
		return -1;
	}
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, buf, sizeof buf);

		if (n <= 0)
			break;
		done += (size_t)n;
	}
	return fd;
}

static void snap(const char *what)
{
	pid_t c;
	int st;

	fflush(stdout);
	c = fork();
	if (c == 0) {
		execl("/bin/sh", "sh", "/snap.sh", what, (char *)0);
		_exit(127);
	}
	waitpid(c, &st, 0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "0";
	size_t a = (argc > 2 ? strtoul(argv[2], NULL, 0) : 232) * MB;
	int keep = argc > 3 && atoi(argv[3]);
	int disk;
	char *pp, *pa;
	pid_t c;
	int st;

	int go[2];
	char byte = 0;

	on_cpu(0);
	marker_fd = open("/sys/kernel/tracing/trace_marker", O_WRONLY);
	if (marker_fd < 0)
		perror("trace_marker");
	put("/proc/sys/vm/zone_reclaim_mode", mode);
	if (pipe(go))
		perror("pipe");
	fflush(stdout);
	c = fork();
	if (c == 0) {
		if (read(go[0], &byte, 1) != 1)
			_exit(1);
		policy(MPOL_BIND, 1, "bind:0");
		touch_new(64 * MB);
		printf("O: 64 MiB bound to node 0 in the child\n");
		fflush(stdout);
		_exit(0);
	}
	policy(MPOL_PREFERRED, 2, "preferred:1");
	pp = touch_new(16 * MB);
	printf("P: 16 MiB preferred node 1 on cpu 0 (zone_reclaim_mode %s)\n", mode);
	policy(MPOL_DEFAULT, 0, "default");
	disk = read_disk(32 * MB);
	if (!keep && disk >= 0)
		close(disk);
	printf("R: 32 MiB of /dev/vda read%s\n", keep ? ", kept open" : "");
	pa = touch_new(a);
	printf("A: %zu MiB default on cpu 0\n", a / MB);
	if (keep && disk >= 0)
		close(disk);
	snap("mid");
	fflush(stdout);
	if (write(go[1], &byte, 1) != 1)
		perror("pipe");
	waitpid(c, &st, 0);
	printf("O: child %d %s %d\n", c, WIFSIGNALED(st) ? "killed by signal" : "exited",
	       WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	munmap(pp, 16 * MB);
	munmap(pa, a);
	printf("D: freed\n");
	return 0;
}
