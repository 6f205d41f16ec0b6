// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * atomic.c - output files that appear whole or not at all.
 *
 * Every output (a trace, a config, summary.json, timeline.csv, results.csv) is written under a
 * temporary name ".NAME.XXXXXX.tmp" in its final directory, closed and renamed into place: a
 * reader sees the previous file or the whole new one, and an aborted or crashed run leaves
 * nothing under the final name. A stray temporary may survive a crash; it never shadows a result.
 *
 * Durability is opt-in: with PAGESIM_FSYNC=1 in the environment each file is fsync'd before its
 * rename and its directory after it, so a file and its rename also survive a power loss or a
 * kernel crash. Without it (the default) nothing is fsync'd. The rename alone is what makes a
 * file appear whole or not at all to every reader, pagesim's own crash or kill included (the
 * data it points at is in the kernel's page cache by then); an fsync only adds the power-loss
 * case, where a file might otherwise be found short or empty under its final name. That costs
 * ~11 fsyncs a run, 0.2-8 ms each on a loaded host (a journal commit each on ext4): as much wall
 * time as the whole replay of a short recording (issue 16 item 4). Every output is reproducible
 * from its inputs (rerun after a power loss), and the caches that are written the same way (trace
 * cache, snapshot state) check size, digest and checksum on open and rewrite a torn entry.
 *
 * A batch (ps_atomic_batch_begin/_commit, per thread) defers the commits between them: the
 * renames come at the batch's commit, in the order the commits came (durable: each file's data
 * handed to the disk at its commit by sync_file_range, then every file fsync'd, renamed, and each
 * directory fsync'd once). Each file still appears whole or not at all, and after a file that
 * was committed later (summary.json, a run's last) only once all are.
 *
 * Hand-written with write(2) into an own buffer rather than g_file_replace(): how GIO treats a
 * cancelled close is not something to lean on for abort, and a GOutputStream adds a virtual call
 * and (buffered) a copy per chunk for nothing. g_file_set_contents() does the same dance but
 * cannot stream.
 */
#include "util/util.h"

#include <glib/gstdio.h>

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Large enough that a timeline sample of a big machine is one write(2), small beside a machine. */
#define PS_ATOMIC_BUF_SIZE (256 * 1024)

/*
 * One output file being written. tmp_path exists from new until commit renames it to path or
 * abort removes it; buf[0, len) is written data not yet handed to write(2).
 */
struct PsAtomicFile {
	char *path;
	char *tmp_path;
	int fd;
	char *buf;
	gsize len;
};

static gboolean set_errno_error(GError **error, int err, const char *name, const char *what)
{
	g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "%s: %s%s%s", name, what,
		    *what ? ": " : "", g_strerror(err));
	return FALSE;
}

gboolean ps_write_all_fd(int fd, const char *name, const void *data, gsize len, GError **error)
{
	const char *p = data;

	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return set_errno_error(error, errno, name, "write");
		p += n;
		len -= (gsize)n;
	}
	return TRUE;
}

static void atomic_file_free(PsAtomicFile *f)
{
	if (f->fd >= 0)
		close(f->fd);
	g_free(f->buf);
	g_free(f->tmp_path);
	g_free(f->path);
	g_free(f);
}

/*
 * A new temporary ".NAME.XXXXXX.tmp" beside path, open for writing; its name in *tmp_path (the
 * caller frees it). -1 with error set when it cannot be made.
 */
static int tmp_open(const char *path, char **tmp_path, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(path);
	g_autofree char *base = g_path_get_basename(path);
	g_autofree char *tmpl = g_strdup_printf(".%s.XXXXXX.tmp", base);
	int fd;

	*tmp_path = g_build_filename(dir, tmpl, NULL);
	/* mode 0666 goes through the umask like any file the user creates */
	fd = g_mkstemp_full(*tmp_path, O_WRONLY | O_CLOEXEC, 0666);
	if (fd < 0)
		set_errno_error(error, errno, path, "cannot create a temporary file beside it");
	return fd;
}

PsAtomicFile *ps_atomic_file_new(const char *path, GError **error)
{
	PsAtomicFile *f;
	GStatBuf st;

	/*
	 * The output takes the path's place by rename: over a device (-o /dev/full, /dev/null), a
	 * pipe or a socket it would replace the node with a regular file.
	 */
	if (g_stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		g_set_error(
		    error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
		    "%s: not a regular file: an output is written beside its path and renamed "
		    "over it, which would replace this %s; give a file's path",
		    path, S_ISDIR(st.st_mode) ? "directory" : "device, pipe or socket");
		return NULL;
	}
	f = g_new0(PsAtomicFile, 1);
	f->path = g_strdup(path);
	f->fd = tmp_open(path, &f->tmp_path, error);
	if (f->fd < 0) {
		atomic_file_free(f);
		return NULL;
	}
	f->buf = g_malloc(PS_ATOMIC_BUF_SIZE);
	return f;
}

const char *ps_atomic_file_path(const PsAtomicFile *f)
{
	return f->path;
}

static gboolean atomic_file_flush(PsAtomicFile *f, GError **error)
{
	gsize len = f->len;

	f->len = 0;
	return ps_write_all_fd(f->fd, f->path, f->buf, len, error);
}

gboolean ps_atomic_file_write(PsAtomicFile *f, const void *data, gsize len, GError **error)
{
	if (f->len + len <= PS_ATOMIC_BUF_SIZE) {
		memcpy(f->buf + f->len, data, len);
		f->len += len;
		return TRUE;
	}
	if (!atomic_file_flush(f, error))
		return FALSE;
	if (len >= PS_ATOMIC_BUF_SIZE)
		return ps_write_all_fd(f->fd, f->path, data, len, error);
	memcpy(f->buf, data, len);
	f->len = len;
	return TRUE;
}

/*
 * Puts data in front of what f holds: a second temporary beside the first gets data, then a copy
 * of the first (read back through its path: f's descriptor is write-only), and takes its place;
 * the first is removed. For a file whose head is known only once the rest is written (a trace
 * header that says what its records showed); it costs one copy of the file, in the page cache.
 * On an error f is as it was before the call, and the second temporary is removed.
 */
gboolean ps_atomic_file_prepend(PsAtomicFile *f, const void *data, gsize len, GError **error)
{
	g_autofree char *tmp = NULL;
	int in = -1, out;
	gboolean ok;

	if (!atomic_file_flush(f, error))
		return FALSE;
	out = tmp_open(f->path, &tmp, error);
	if (out < 0)
		return FALSE;
	ok = ps_write_all_fd(out, f->path, data, len, error);
	if (ok) {
		in = open(f->tmp_path, O_RDONLY | O_CLOEXEC);
		if (in < 0)
			ok = set_errno_error(error, errno, f->tmp_path, "open");
	}
	while (ok) {
		ssize_t n = read(in, f->buf, PS_ATOMIC_BUF_SIZE);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			ok = set_errno_error(error, errno, f->tmp_path, "read");
		else if (n == 0)
			break;
		else
			ok = ps_write_all_fd(out, f->path, f->buf, (gsize)n, error);
	}
	if (in >= 0)
		close(in);
	if (!ok) {
		close(out);
		g_unlink(tmp);
		return FALSE;
	}
	close(f->fd);
	g_unlink(f->tmp_path);
	f->fd = out;
	g_free(f->tmp_path);
	f->tmp_path = g_steal_pointer(&tmp);
	return TRUE;
}

gboolean ps_atomic_durable(void)
{
	const char *v = g_getenv("PAGESIM_FSYNC");

	return v && *v && strcmp(v, "0") != 0;
}

/* The commits deferred on this thread: PsAtomicFile * in commit order; NULL outside a batch. */
static _Thread_local GPtrArray *batch;

void ps_atomic_batch_begin(void)
{
	g_return_if_fail(batch == NULL);
	batch = g_ptr_array_new();
}

void ps_atomic_batch_abort(void)
{
	GPtrArray *b = batch;

	if (!b)
		return;
	batch = NULL;
	for (guint i = 0; i < b->len; i++)
		ps_atomic_file_abort(g_ptr_array_index(b, i));
	g_ptr_array_unref(b);
}

static void fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	/* Makes the renames durable; a failure leaves complete files, so it is ignored. */
	if (fd >= 0) {
		int err = fsync(fd);

		(void)err;
		close(fd);
	}
}

gboolean ps_atomic_batch_commit(GError **error)
{
	GPtrArray *b = batch;
	g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func(g_free);
	gboolean ok = TRUE, durable = ps_atomic_durable();

	g_return_val_if_fail(b != NULL, FALSE);
	batch = NULL;
	for (guint i = 0; i < b->len; i++) {
		PsAtomicFile *f = g_ptr_array_index(b, i);
		g_autofree char *dir = g_path_get_dirname(f->path);
		int fd;

		if (!ok) {
			ps_atomic_file_abort(f);
			continue;
		}
		if (durable && fsync(f->fd) < 0 && errno != EINVAL) {
			ok = set_errno_error(error, errno, f->path, "fsync");
			ps_atomic_file_abort(f);
			continue;
		}
		fd = f->fd;
		f->fd = -1;
		if (close(fd) < 0 || g_rename(f->tmp_path, f->path) < 0) {
			ok = set_errno_error(error, errno, f->path, "close or rename");
			ps_atomic_file_abort(f);
			continue;
		}
		if (durable && !g_ptr_array_find_with_equal_func(dirs, dir, g_str_equal, NULL))
			g_ptr_array_add(dirs, g_steal_pointer(&dir));
		atomic_file_free(f);
	}
	for (guint i = 0; i < dirs->len; i++)
		fsync_dir(g_ptr_array_index(dirs, i));
	g_ptr_array_unref(b);
	return ok;
}

gboolean ps_atomic_file_commit(PsAtomicFile *f, GError **error)
{
	g_autofree char *dir = g_path_get_dirname(f->path);
	gboolean durable;
	int fd;

	if (!atomic_file_flush(f, error))
		goto fail;
	if (batch) {
		/* start the write-back now; fsync and rename at the batch's commit */
		if (ps_atomic_durable() &&
		    sync_file_range(f->fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0 && errno != EINVAL &&
		    errno != ENOSYS && errno != ESPIPE) {
			set_errno_error(error, errno, f->path, "sync_file_range");
			goto fail;
		}
		g_ptr_array_add(batch, f);
		return TRUE;
	}
	durable = ps_atomic_durable();
	/* on disk before it takes the final name (EINVAL: a file system that cannot sync) */
	if (durable && fsync(f->fd) < 0 && errno != EINVAL) {
		set_errno_error(error, errno, f->path, "fsync");
		goto fail;
	}
	fd = f->fd;
	f->fd = -1;
	if (close(fd) < 0) {
		set_errno_error(error, errno, f->path, "close");
		goto fail;
	}
	if (g_rename(f->tmp_path, f->path) < 0) {
		set_errno_error(error, errno, f->path, "rename");
		goto fail;
	}
	if (durable)
		fsync_dir(dir);
	atomic_file_free(f);
	return TRUE;

fail:
	ps_atomic_file_abort(f);
	return FALSE;
}

void ps_atomic_file_abort(PsAtomicFile *f)
{
	if (f == NULL)
		return;
	g_unlink(f->tmp_path);
	atomic_file_free(f);
}

gboolean ps_write_file_atomic(const char *path, const char *data, gsize len, GError **error)
{
	PsAtomicFile *f = ps_atomic_file_new(path, error);

	if (f == NULL)
		return FALSE;
	if (!ps_atomic_file_write(f, data, len, error)) {
		ps_atomic_file_abort(f);
		return FALSE;
	}
	return ps_atomic_file_commit(f, error);
}
