// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * probe.c - a program whose memory is known by construction at every page size, recorded with
 * `pagesim-capture --portable` to check a portable replay (workloads/README.md, "probe").
 * Each part runs in a child process of its own name, one after the other:
 *
 *   p-dense    32 MiB anonymous, every byte written             anon 32 MiB at any page size
 *   p-sp64k    64 MiB anonymous, one byte per 64 KiB             anon 1024 pages of the machine
 *   p-sp16k    64 MiB anonymous, one byte per 16 KiB             anon 4096 x max(page, 16 KiB)
 *   p-files    reads NFILES files of 6 KiB (written and evicted   page cache NFILES pages of the
 *              from the page cache by p-mkfiles first)            machine (8 KiB at 4 KiB pages)
 *   p-thp      8 MiB anonymous with MADV_HUGEPAGE, all written   anon 8 MiB at any page size
 *
 * Anonymous regions are aligned to 2 MiB, so "one byte per 64 KiB" is one byte in each 64 KiB
 * page at 64 KiB too. Usage: probe DIR (a directory on a disk filesystem for the files).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MIB    (1024ul * 1024)
#define NFILES 256
#define FSIZE  6144

static char *anon(size_t len)
{
	size_t align = 2 * MIB;
	char *p =
	    mmap(NULL, len + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *a;

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	a = (char *)(((unsigned long)p + align - 1) & ~(align - 1));
	/* give back the slack, so only the aligned region stays mapped */
	if (a > p)
		munmap(p, (size_t)(a - p));
	munmap(a + len, (size_t)(p + len + align - (a + len)));
	return a;
}

static void stride(size_t len, size_t step, int hugepage)
{
	char *a = anon(len);

	if (hugepage && madvise(a, len, MADV_HUGEPAGE))
		perror("madvise");
	for (size_t i = 0; i < len; i += step)
		a[i] = 1;
}

static void mkfiles(const char *dir)
{
	char buf[FSIZE], path[4096];

	memset(buf, 'x', sizeof(buf));
	for (int i = 0; i < NFILES; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%03d", dir, i);
		fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0644);
		if (fd < 0 || write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf) || fsync(fd)) {
			perror(path);
			exit(1);
		}
		/* clean now: DONTNEED evicts it, so the reader brings it back in */
		posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		close(fd);
	}
}

static void readfiles(const char *dir)
{
	char buf[FSIZE], path[4096];

	for (int i = 0; i < NFILES; i++) {
		int fd;

		snprintf(path, sizeof(path), "%s/f%03d", dir, i);
		fd = open(path, O_RDONLY);
		if (fd < 0 || read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror(path);
			exit(1);
		}
		close(fd);
	}
}

static void part(const char *name, void (*fn)(const char *), const char *arg)
{
	pid_t pid = fork();
	int st;

	if (pid == 0) {
		prctl(PR_SET_NAME, name);
		fn(arg);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "probe: %s failed\n", name);
		exit(1);
	}
}

static void dense(const char *u)
{
	(void)u;
	stride(32 * MIB, 1, 0);
}
static void sp64k(const char *u)
{
	(void)u;
	stride(64 * MIB, 65536, 0);
}
static void sp16k(const char *u)
{
	(void)u;
	stride(64 * MIB, 16384, 0);
}
static void thp(const char *u)
{
	(void)u;
	stride(8 * MIB, 4096, 1);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: probe DIR\n");
		return 2;
	}
	part("p-mkfiles", mkfiles, argv[1]);
	part("p-dense", dense, NULL);
	part("p-sp64k", sp64k, NULL);
	part("p-sp16k", sp16k, NULL);
	part("p-files", readfiles, argv[1]);
	part("p-thp", thp, NULL);
	return 0;
}
