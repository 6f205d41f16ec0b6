// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * test-util.c - util/: the line reader gives the same lines and file:line positions for plain and
 * gzip input (CRLF, a cut last line, concatenated members, over-long lines); whole-file reads;
 * atomic files are never visible under their final name before commit, nor after an abort, a
 * failed write or a crash; located JSON reads 64-bit integers exactly and says "out of range" for
 * the ones that do not fit; exact integers print with every digit; CSV refuses a cut row.
 */
#include <glib/gstdio.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/util.h"

#include "../common/test-util.h"

/* data gzip'd (one member) by GIO's compressor. */
static GBytes *gzip_bytes(const char *data, gsize len)
{
	g_autoptr(GConverter) gz =
	    G_CONVERTER(g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6));
	g_autoptr(GError) error = NULL;
	gsize cap = len + 1024, nread = 0, nwritten = 0;
	guint8 *out = g_malloc(cap);
	GConverterResult res;

	res = g_converter_convert(gz, data, len, out, cap, G_CONVERTER_INPUT_AT_END, &nread,
				  &nwritten, &error);
	g_assert_no_error(error);
	g_assert_cmpint(res, ==, G_CONVERTER_FINISHED);
	return g_bytes_new_take(out, nwritten);
}

static void write_bytes(const char *path, GBytes *b)
{
	gsize len;
	const char *data = g_bytes_get_data(b, &len);

	g_assert_true(g_file_set_contents(path, data, (gssize)len, NULL));
}

/* Two gzip members, a then b, as one file (a last member's ISIZE is the reader's size hint). */
static void write_members(const char *path, GBytes *a, GBytes *b)
{
	g_autoptr(GByteArray) two = g_byte_array_new();
	g_autoptr(GBytes) joined = NULL;
	gsize na, nb;
	const guint8 *da = g_bytes_get_data(a, &na), *db = g_bytes_get_data(b, &nb);

	g_byte_array_append(two, da, (guint)na);
	g_byte_array_append(two, db, (guint)nb);
	joined = g_byte_array_free_to_bytes(g_steal_pointer(&two));
	write_bytes(path, joined);
}

/* Lines of r until its end (or max lines), joined by '|'; each line scribbled over after. */
static char *kept_lines(PsLineReader *r, unsigned max)
{
	g_autoptr(GError) error = NULL;
	GString *out = g_string_new(NULL);
	char *line;
	gsize len;
	int rc = 0;

	for (unsigned i = 0; i < max && (rc = ps_line_reader_next(r, &line, &len, &error)) == 1;
	     i++) {
		g_assert_cmpuint(strlen(line), ==, len);
		g_assert_cmpuint(ps_line_reader_line(r), ==, i + 1);
		g_string_append_printf(out, "%s|", line);
		memset(line, '#', len); /* a pass may write into its lines */
	}
	g_assert_no_error(error);
	g_assert_cmpint(rc, >=, 0);
	return g_string_free(out, FALSE);
}

/* Every line of path, joined by '|', and the number of the last one. */
static char *read_lines(const char *path, uint64_t *last, bool *complete)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsLineReader) r = ps_line_reader_open(path, 64, &error);
	char *out;

	g_assert_no_error(error);
	out = kept_lines(r, G_MAXUINT);
	*last = ps_line_reader_line(r);
	*complete = ps_line_reader_line_complete(r);
	return out;
}

/* ---- lines ------------------------------------------------------------------------------------
 */

static void test_lines_gzip_positions(void)
{
	static const char text[] = "one\r\ntwo\n\nfour\nfive without newline";
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *plain = g_build_filename(dir, "t.txt", NULL);
	g_autofree char *gz = g_build_filename(dir, "t.txt.gz", NULL);
	g_autofree char *twice = g_build_filename(dir, "twice.gz", NULL);
	g_autoptr(GBytes) z = gzip_bytes(text, sizeof(text) - 1);
	g_autoptr(GBytes) z1 = gzip_bytes("a\nb", 3);
	g_autoptr(GBytes) z2 = gzip_bytes("c\n", 2);
	g_autoptr(GByteArray) cat = g_byte_array_new();
	g_autofree char *a = NULL, *b = NULL, *c = NULL;
	uint64_t last;
	bool complete;

	g_assert_true(g_file_set_contents(plain, text, sizeof(text) - 1, NULL));
	write_bytes(gz, z);
	a = read_lines(plain, &last, &complete);
	g_assert_cmpstr(a, ==, "one|two||four|five without newline|");
	g_assert_cmpuint(last, ==, 5);
	g_assert_false(complete);
	b = read_lines(gz, &last, &complete);
	g_assert_cmpstr(b, ==, a);
	g_assert_cmpuint(last, ==, 5);

	/* two members, the first cut mid-line: one stream, as gzip -d gives */
	g_byte_array_append(cat, g_bytes_get_data(z1, NULL), (guint)g_bytes_get_size(z1));
	g_byte_array_append(cat, g_bytes_get_data(z2, NULL), (guint)g_bytes_get_size(z2));
	g_assert_true(g_file_set_contents(twice, (char *)cat->data, cat->len, NULL));
	c = read_lines(twice, &last, &complete);
	g_assert_cmpstr(c, ==, "a|bc|");
	g_assert_true(complete);
	ps_test_rm_rf(dir);
}

/*
 * A gzip file many inflate chunks long (the inflate thread hands over 256 KiB at a time): every
 * line in order, numbered, none split at a chunk's edge; and a reader closed after one line
 * (its thread still inflating) ends cleanly.
 */
static void test_lines_gzip_long(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *gz = g_build_filename(dir, "long.gz", NULL);
	g_autoptr(GString) text = g_string_new(NULL);
	g_autoptr(GBytes) z = NULL;
	g_autoptr(GError) error = NULL;
	const unsigned n = 200000;
	PsLineReader *r;
	unsigned i = 0;
	char *line;
	gsize len;
	int rc;

	for (unsigned k = 0; k < n; k++)
		g_string_append_printf(text, "line %u %.*s\n", k, (int)(k % 37),
				       "abcdefghijklmnopqrstuvwxyz0123456789");
	z = gzip_bytes(text->str, text->len);
	write_bytes(gz, z);
	g_assert_cmpuint(text->len, >, 8 * 256 * 1024);
	r = ps_line_reader_open(gz, 1024, &error);
	g_assert_no_error(error);
	while ((rc = ps_line_reader_next(r, &line, &len, &error)) == 1) {
		g_autofree char *want = g_strdup_printf("line %u %.*s", i, (int)(i % 37),
							"abcdefghijklmnopqrstuvwxyz0123456789");

		g_assert_cmpstr(line, ==, want);
		g_assert_cmpuint(len, ==, strlen(want));
		i++;
		g_assert_cmpuint(ps_line_reader_line(r), ==, i);
	}
	g_assert_no_error(error);
	g_assert_cmpint(rc, ==, 0);
	g_assert_cmpuint(i, ==, n);
	ps_line_reader_close(r);

	r = ps_line_reader_open(gz, 1024, &error);
	g_assert_cmpint(ps_line_reader_next(r, &line, &len, &error), ==, 1);
	g_assert_cmpstr(line, ==, "line 0 ");
	ps_line_reader_close(r);
	ps_test_rm_rf(dir);
}

/*
 * ps_line_reader_open_kept: the text again after a rewind, the same lines as read the first time
 * though the pass wrote into them, from a partial first pass and from a whole one, gzip'd over
 * many inflate chunks and plain; the last pass in place; a text past the bound is not kept
 * (rewind refuses, the reader goes on), and standard input is never kept.
 */
static void test_lines_kept(void)
{
	static const char text[] = "one\r\ntwo\n\nfour\nfive without newline";
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *plain = g_build_filename(dir, "t.txt", NULL);
	g_autofree char *gz = g_build_filename(dir, "long.gz", NULL);
	g_autoptr(GString) big = g_string_new(NULL);
	g_autoptr(GBytes) z = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *all = NULL, *again = NULL, *part = NULL, *last = NULL;
	PsLineReader *r;

	g_assert_true(g_file_set_contents(plain, text, sizeof(text) - 1, NULL));
	r = ps_line_reader_open_kept(plain, 64, 1 << 20, &error);
	g_assert_no_error(error);
	part = kept_lines(r, 2);
	g_assert_cmpstr(part, ==, "one|two|");
	g_assert_true(ps_line_reader_rewind(r, false));
	all = kept_lines(r, G_MAXUINT);
	g_assert_cmpstr(all, ==, "one|two||four|five without newline|");
	g_assert_false(ps_line_reader_line_complete(r));
	g_assert_true(ps_line_reader_rewind(r, true));
	again = kept_lines(r, G_MAXUINT);
	g_assert_cmpstr(again, ==, all);
	/* in place: no longer kept */
	g_assert_false(ps_line_reader_rewind(r, false));
	ps_line_reader_close(r);

	for (unsigned k = 0; k < 100000; k++)
		g_string_append_printf(big, "line %u %.*s\n", k, (int)(k % 37),
				       "abcdefghijklmnopqrstuvwxyz0123456789");
	z = gzip_bytes(big->str, big->len);
	write_bytes(gz, z);
	g_assert_cmpuint(big->len, >, 8 * 256 * 1024);
	r = ps_line_reader_open_kept(gz, 1024, 64 << 20, &error);
	g_assert_no_error(error);
	g_clear_pointer(&all, g_free);
	g_clear_pointer(&again, g_free);
	all = kept_lines(r, G_MAXUINT);
	g_assert_true(g_str_has_prefix(all, "line 0 |line 1 a|line 2 ab|"));
	g_assert_cmpuint(strlen(all), ==, big->len);
	g_assert_true(ps_line_reader_rewind(r, false));
	again = kept_lines(r, G_MAXUINT);
	g_assert_cmpstr(again, ==, all);
	ps_line_reader_close(r);

	/* a bound under the size hint (the gzip ISIZE): never kept, read as usual */
	r = ps_line_reader_open_kept(gz, 1024, 1 << 20, &error);
	g_assert_no_error(error);
	g_assert_false(ps_line_reader_rewind(r, false));
	g_clear_pointer(&again, g_free);
	again = kept_lines(r, G_MAXUINT);
	g_assert_cmpstr(again, ==, all);
	ps_line_reader_close(r);

	/*
	 * a bound under the text, which the hint does not show (the last gzip member, empty, has
	 * ISIZE 0): kept until it is passed, then read on as usual
	 */
	{
		g_autoptr(GBytes) empty = gzip_bytes("", 0);

		write_members(gz, z, empty);
	}
	r = ps_line_reader_open_kept(gz, 1024, 1 << 20, &error);
	g_assert_no_error(error);
	g_clear_pointer(&last, g_free);
	last = kept_lines(r, 10);
	g_assert_true(ps_line_reader_rewind(r, false));
	g_clear_pointer(&again, g_free);
	again = kept_lines(r, G_MAXUINT);
	g_assert_cmpstr(again, ==, all);
	g_assert_false(ps_line_reader_rewind(r, false));
	ps_line_reader_close(r);

	/*
	 * the inflate thread writes the text straight into the kept buffer (sized by the hint): a
	 * last pass in place after a partial first one moves the lines down while the thread still
	 * writes there; a hint under the text (a last member of 300 KB) ends the direct writes at
	 * the hint, past which the buffer grows
	 */
	write_bytes(gz, z);
	r = ps_line_reader_open_kept(gz, 1024, 64 << 20, &error);
	g_assert_no_error(error);
	g_clear_pointer(&part, g_free);
	part = kept_lines(r, 3);
	g_assert_true(ps_line_reader_rewind(r, true));
	g_clear_pointer(&again, g_free);
	again = kept_lines(r, G_MAXUINT);
	g_assert_cmpstr(again, ==, all);
	ps_line_reader_close(r);
	{
		g_autoptr(GString) tail = g_string_new(NULL);
		g_autoptr(GBytes) zt = NULL;
		g_autofree char *want = NULL;

		for (unsigned k = 0; k < 30000; k++)
			g_string_append_printf(tail, "tail %u\n", k);
		g_assert_cmpuint(tail->len, >, 256 * 1024);
		zt = gzip_bytes(tail->str, tail->len);
		write_members(gz, z, zt);
		r = ps_line_reader_open_kept(gz, 1024, 64 << 20, &error);
		g_assert_no_error(error);
		g_clear_pointer(&last, g_free);
		last = kept_lines(r, G_MAXUINT);
		g_assert_true(ps_line_reader_rewind(r, true));
		g_clear_pointer(&again, g_free);
		again = kept_lines(r, G_MAXUINT);
		g_assert_cmpstr(again, ==, last);
		ps_line_reader_close(r);
		g_string_replace(tail, "\n", "|", 0);
		want = g_strconcat(all, tail->str, NULL);
		g_assert_cmpstr(last, ==, want);
	}

	r = ps_line_reader_open_kept("-", 64, 1 << 20, &error);
	g_assert_no_error(error);
	g_assert_false(ps_line_reader_rewind(r, false));
	ps_line_reader_close(r);
	ps_test_rm_rf(dir);
}

/*
 * Reads r with ps_line_reader_next ahead and ps_line_reader_next_behind after it: `ahead` lines
 * first, then one behind for each `step` ahead, then the rest behind; every other line behind with
 * ps_line_reader_next_behind_span, given the span ps_line_reader_span told for it ahead (as the
 * import's first pass keeps it), and each line's span checked against its text. Returns the lines
 * behind, joined by '|' (the lines ahead are scribbled over: they must be copies), and checks the
 * first line behind is still intact, in place, once the reader has read on to the end (its buffer
 * grown or moved meanwhile when the text is longer than the buffer it started with).
 */
static char *follow_lines(PsLineReader *r, unsigned ahead, unsigned step)
{
	g_autoptr(GError) error = NULL;
	GString *out = g_string_new(NULL);
	g_autofree char *first_copy = NULL;
	char *line, *first = NULL;
	gsize len;
	int rc = 1;
	unsigned n = 0;
	g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(gsize));

	g_assert_true(ps_line_reader_follow(r));
	g_assert_false(ps_line_reader_rewind(r, false));
	g_assert_cmpint(ps_line_reader_next_behind(r, &line, &len), ==, 0);
	for (unsigned i = 0; rc == 1; i++) {
		rc = ps_line_reader_next(r, &line, &len, &error);
		g_assert_no_error(error);
		if (rc == 1) {
			gsize span = ps_line_reader_span(r);

			g_array_append_val(spans, span);
			memset(line, '#', len);
		}
		if (rc == 1 && (i < ahead || (i - ahead) % step != 0))
			continue;
		while ((n % 2 ? ps_line_reader_next_behind_span(r, g_array_index(spans, gsize, n),
								&line, &len)
			      : ps_line_reader_next_behind(r, &line, &len)) == 1) {
			gsize span = g_array_index(spans, gsize, n);

			/* its bytes, a '\r' before its newline, its newline (not a cut last line's)
			 */
			g_assert_cmpuint(span, >=, len);
			g_assert_cmpuint(span, <=, len + 2);
			g_assert_cmpuint(strlen(line), ==, len);
			g_assert_cmpuint(ps_line_reader_behind_line(r), ==, ++n);
			g_string_append_printf(out, "%s|", line);
			if (!first) {
				first = line;
				first_copy = g_strdup(line);
				/* held while the reader reads on: the next behind call frees it */
				for (unsigned k = 0; k < ahead && rc == 1; k++, i++) {
					rc = ps_line_reader_next(r, &line, &len, &error);
					if (rc == 1) {
						span = ps_line_reader_span(r);
						g_array_append_val(spans, span);
					}
				}
				g_assert_cmpstr(first, ==, first_copy);
			} else {
				memset(line, '%', len); /* the pass behind writes into its lines */
			}
			if (rc == 1)
				break;
		}
	}
	g_assert_no_error(error);
	g_assert_cmpuint(ps_line_reader_line(r), ==, n);
	return g_string_free(out, FALSE);
}

/* path kept up to keep_max, read by follow_lines from 10 to 200000 lines ahead: want */
static void follow_far(const char *path, gsize keep_max, const char *want)
{
	for (unsigned ahead = 10; ahead <= 200000; ahead *= 20) {
		g_autoptr(GError) error = NULL;
		g_autoptr(PsLineReader) r = ps_line_reader_open_kept(path, 1024, keep_max, &error);
		g_autofree char *got = NULL;

		g_assert_no_error(error);
		got = follow_lines(r, ahead, 2);
		g_assert_cmpstr(got, ==, want);
	}
}

/*
 * ps_line_reader_follow: a second cursor behind the first gets the same lines, in place, as a
 * single pass would, while the first reads ahead as far as it likes: over many inflate chunks
 * straight into the kept buffer, across a buffer that grows (a hint under the text) while the
 * follower holds a line, past keep_max (the text the follower has passed dropped); not for a text
 * that is not kept.
 */
static void test_lines_follow(void)
{
	static const char text[] = "one\r\ntwo\n\nfour\nfive without newline";
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *plain = g_build_filename(dir, "t.txt", NULL);
	g_autofree char *gz = g_build_filename(dir, "long.gz", NULL);
	g_autoptr(GString) big = g_string_new(NULL), tail = g_string_new(NULL);
	g_autoptr(GBytes) z = NULL, zt = NULL, empty = gzip_bytes("", 0);
	g_autoptr(GError) error = NULL;
	g_autofree char *all = NULL, *want = NULL;
	PsLineReader *r;

	g_assert_true(g_file_set_contents(plain, text, sizeof(text) - 1, NULL));
	for (unsigned ahead = 0; ahead < 6; ahead++) {
		g_autofree char *got = NULL;

		r = ps_line_reader_open_kept(plain, 64, 1 << 20, &error);
		g_assert_no_error(error);
		got = follow_lines(r, ahead, 2);
		g_assert_cmpstr(got, ==, "one|two||four|five without newline|");
		ps_line_reader_close(r);
	}

	for (unsigned k = 0; k < 100000; k++)
		g_string_append_printf(big, "line %u %.*s\n", k, (int)(k % 37),
				       "abcdefghijklmnopqrstuvwxyz0123456789");
	all = g_strdup(big->str);
	g_strdelimit(all, "\n", '|');
	z = gzip_bytes(big->str, big->len);
	write_bytes(gz, z);
	r = ps_line_reader_open_kept(gz, 1024, 64 << 20, &error);
	g_assert_no_error(error);
	{
		g_autofree char *got = follow_lines(r, 5000, 3);

		g_assert_cmpstr(got, ==, all);
	}
	ps_line_reader_close(r);

	/* the hint (a last member of 300 KB) under the text: the buffer moves while following */
	for (unsigned k = 0; k < 30000; k++)
		g_string_append_printf(tail, "tail %u\n", k);
	zt = gzip_bytes(tail->str, tail->len);
	write_members(gz, z, zt);
	g_strdelimit(tail->str, "\n", '|');
	want = g_strconcat(all, tail->str, NULL);
	follow_far(gz, 64 << 20, want);

	/* no hint (the last member empty), a bound under the text: kept past it, behind dropped */
	write_members(gz, z, empty);
	follow_far(gz, 1 << 20, all);

	/* a text the hint puts past the bound, and standard input: not kept, no follower */
	write_bytes(gz, z);
	r = ps_line_reader_open_kept(gz, 1024, 1 << 20, &error);
	g_assert_no_error(error);
	g_assert_false(ps_line_reader_follow(r));
	ps_line_reader_close(r);
	r = ps_line_reader_open_kept("-", 64, 1 << 20, &error);
	g_assert_no_error(error);
	g_assert_false(ps_line_reader_follow(r));
	ps_line_reader_close(r);
	ps_test_rm_rf(dir);
}

static void test_lines_errors(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "long.txt", NULL);
	g_autofree char *bad = g_build_filename(dir, "bad.gz", NULL);
	g_autofree char *cut = g_build_filename(dir, "cut.gz", NULL);
	g_autofree char *longline = g_strnfill(100, 'x');
	g_autofree char *text = g_strdup_printf("ok\n%s\n", longline);
	g_autoptr(GBytes) z = gzip_bytes("l1\nl2\nl3\n", 9);
	g_autoptr(GError) error = NULL;
	PsLineReader *r;
	char *line;
	gsize len;

	g_assert_true(g_file_set_contents(path, text, -1, NULL));
	r = ps_line_reader_open(path, 64, &error);
	g_assert_cmpint(ps_line_reader_next(r, &line, &len, &error), ==, 1);
	g_assert_cmpint(ps_line_reader_next(r, &line, &len, &error), ==, -1);
	g_assert_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE);
	g_assert_true(g_str_has_suffix(error->message, "long.txt:2: line is longer than 64 bytes"));
	g_clear_error(&error);
	ps_line_reader_close(r);

	g_assert_true(g_file_set_contents(bad, "\x1f\x8bgarbage", -1, NULL));
	r = ps_line_reader_open(bad, 64, &error);
	g_assert_cmpint(ps_line_reader_next(r, &line, &len, &error), ==, -1);
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
	g_assert_nonnull(strstr(error->message, "bad.gz:1: gzip: "));
	g_clear_error(&error);
	ps_line_reader_close(r);

	/* cut in the middle: the lines before, then an error at the line it cut */
	g_assert_true(g_file_set_contents(cut, g_bytes_get_data(z, NULL),
					  (gssize)g_bytes_get_size(z) - 6, NULL));
	r = ps_line_reader_open(cut, 64, &error);
	while (ps_line_reader_next(r, &line, &len, &error) == 1)
		;
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_PARTIAL_INPUT);
	g_assert_nonnull(strstr(error->message, "cut.gz:4: gzip: data ends early"));
	g_clear_error(&error);
	ps_line_reader_close(r);

	/* the trailer's CRC-32, then its ISIZE, damaged: the member is refused (lines.c checks
	 * them, zlib's own check being off); its text with it, as zlib's check refused it */
	for (int k = 0; k < 2; k++) {
		gsize n = g_bytes_get_size(z);
		g_autofree guint8 *d = g_memdup2(g_bytes_get_data(z, NULL), n);

		d[n - 8 + 4 * k] ^= 1;
		g_assert_true(g_file_set_contents(bad, (const char *)d, (gssize)n, NULL));
		r = ps_line_reader_open(bad, 64, &error);
		while (ps_line_reader_next(r, &line, &len, &error) == 1)
			;
		g_assert_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
		g_assert_nonnull(
		    strstr(error->message, k == 0 ? "bad.gz:1: gzip: incorrect data check"
						  : "bad.gz:1: gzip: incorrect length check"));
		g_clear_error(&error);
		ps_line_reader_close(r);
	}

	g_assert_null(ps_line_reader_open("/nonexistent-pagesim-dir/x", 64, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	ps_test_rm_rf(dir);
}

/* Whole files, plain or gzip, binary bytes kept; larger than the reader's buffers. */
static void test_lines_read_all(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *plain = g_build_filename(dir, "kpf", NULL);
	g_autofree char *gz = g_build_filename(dir, "kpf.gz", NULL);
	g_autofree char *empty = g_build_filename(dir, "empty", NULL);
	gsize n = 3 * 1024 * 1024 + 7;
	g_autofree guint8 *data = g_malloc(n);
	g_autoptr(GBytes) z = NULL, a = NULL, b = NULL, e = NULL;
	g_autoptr(GError) error = NULL;

	for (gsize i = 0; i < n; i++)
		data[i] = (guint8)(i * 2654435761u >> 13);
	data[10] = 0;
	data[11] = '\n';
	g_assert_true(g_file_set_contents(plain, (char *)data, (gssize)n, NULL));
	z = gzip_bytes((char *)data, n);
	write_bytes(gz, z);
	a = ps_file_read_all(plain, &error);
	g_assert_no_error(error);
	b = ps_file_read_all(gz, &error);
	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(a, NULL), g_bytes_get_size(a), data, n);
	g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b), data, n);
	g_assert_true(g_file_set_contents(empty, "", 0, NULL));
	e = ps_file_read_all(empty, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(e), ==, 0);
	ps_test_rm_rf(dir);
}

/* ---- atomic files -----------------------------------------------------------------------------
 */

static void test_atomic_commit(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "out.csv", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *during = NULL, *after = NULL, *text = NULL;
	g_autofree char *big = g_strnfill(1024 * 1024, 'b');
	PsAtomicFile *f = ps_atomic_file_new(path, &error);

	g_assert_no_error(error);
	g_assert_true(ps_atomic_file_write(f, "hello\n", 6, &error));
	g_assert_true(ps_atomic_file_write(f, big, strlen(big), &error));
	/* Written, but only a hidden temporary name exists. */
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	during = ps_test_dir_listing(dir);
	g_assert_true(g_str_has_prefix(during, ".out.csv."));
	g_assert_true(g_str_has_suffix(during, ".tmp"));
	g_assert_null(strchr(during, ' '));

	g_assert_true(ps_atomic_file_commit(f, &error));
	g_assert_no_error(error);
	text = ps_test_slurp(path);
	g_assert_cmpuint(strlen(text), ==, 6 + strlen(big));
	g_assert_true(g_str_has_prefix(text, "hello\nbbb"));
	after = ps_test_dir_listing(dir);
	g_assert_cmpstr(after, ==, "out.csv");
	ps_test_rm_rf(dir);
}

/*
 * Commits in a batch: nothing under a final name until the batch commits, then all of it; the
 * same with and without the fsyncs (PAGESIM_FSYNC).
 */
static void atomic_batch(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autoptr(GError) error = NULL;
	g_autofree char *listing = NULL;
	const char *names[] = {"a.csv", "b.json", "summary.json"};

	for (int round = 0; round < 2; round++) {
		ps_atomic_batch_begin();
		for (int i = 0; i < 3; i++) {
			g_autofree char *path = g_build_filename(dir, names[i], NULL);
			PsAtomicFile *f = ps_atomic_file_new(path, &error);

			g_assert_no_error(error);
			g_assert_true(ps_atomic_file_write(f, names[i], strlen(names[i]), &error));
			g_assert_true(ps_atomic_file_commit(f, &error));
			g_assert_no_error(error);
			g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
		}
		if (round == 0) {
			/* aborted: the temporaries go, nothing appears */
			ps_atomic_batch_abort();
			listing = ps_test_dir_listing(dir);
			g_assert_cmpstr(listing, ==, "");
			g_clear_pointer(&listing, g_free);
			continue;
		}
		g_assert_true(ps_atomic_batch_commit(&error));
		g_assert_no_error(error);
	}
	listing = ps_test_dir_listing(dir);
	g_assert_cmpstr(listing, ==, "a.csv b.json summary.json");
	for (int i = 0; i < 3; i++) {
		g_autofree char *path = g_build_filename(dir, names[i], NULL);
		g_autofree char *text = ps_test_slurp(path);

		g_assert_cmpstr(text, ==, names[i]);
	}
	/* outside a batch, a commit is immediate again */
	{
		g_autofree char *path = g_build_filename(dir, "c.txt", NULL);

		g_assert_true(ps_write_file_atomic(path, "c", 1, &error));
		g_assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
	}
	ps_test_rm_rf(dir);
}

static void test_atomic_batch(void)
{
	g_autofree char *saved = g_strdup(g_getenv("PAGESIM_FSYNC"));

	/* off by default and with "0"; on with anything else */
	g_unsetenv("PAGESIM_FSYNC");
	g_assert_false(ps_atomic_durable());
	atomic_batch();
	g_setenv("PAGESIM_FSYNC", "0", TRUE);
	g_assert_false(ps_atomic_durable());
	g_setenv("PAGESIM_FSYNC", "1", TRUE);
	g_assert_true(ps_atomic_durable());
	atomic_batch();
	if (saved)
		g_setenv("PAGESIM_FSYNC", saved, TRUE);
	else
		g_unsetenv("PAGESIM_FSYNC");
}

static void test_atomic_abort(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "out.csv", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *listing = NULL, *listing2 = NULL;
	PsAtomicFile *f = ps_atomic_file_new(path, &error);

	g_assert_no_error(error);
	g_assert_true(ps_atomic_file_write(f, "x", 1, &error));
	ps_atomic_file_abort(f);
	listing = ps_test_dir_listing(dir);
	g_assert_cmpstr(listing, ==, "");

	/* g_autoptr aborts a file that was not committed. */
	{
		g_autoptr(PsAtomicFile) g = ps_atomic_file_new(path, &error);

		g_assert_no_error(error);
		g_assert_true(ps_atomic_file_write(g, "y", 1, &error));
	}
	listing2 = ps_test_dir_listing(dir);
	g_assert_cmpstr(listing2, ==, "");
	ps_test_rm_rf(dir);
}

/* The descriptor open on the temporary file of path (found through /proc/self/fd). */
static int temp_fd_of(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open("/proc/self/fd", 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d))) {
		g_autofree char *link = g_strdup_printf("/proc/self/fd/%s", n);
		g_autofree char *target = g_file_read_link(link, NULL);

		if (target && g_str_has_prefix(target, dir) && g_str_has_suffix(target, ".tmp"))
			return atoi(n);
	}
	return -1;
}

/*
 * A write that fails (a full disk: the temporary's descriptor is swapped for /dev/full's) leaves
 * the previous file whole under the final name, and no temporary.
 */
static void test_atomic_no_partial_on_error(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "summary.json", NULL);
	g_autofree char *big = g_strnfill(1024 * 1024, 'n');
	g_autofree char *text = NULL, *listing = NULL;
	g_autoptr(GError) error = NULL;
	int full = open("/dev/full", O_WRONLY | O_CLOEXEC);
	PsAtomicFile *f;
	gboolean ok;
	int fd;

	if (full < 0 || !g_file_test("/proc/self/fd", G_FILE_TEST_IS_DIR)) {
		g_test_skip("no /dev/full or /proc/self/fd");
		ps_test_rm_rf(dir);
		return;
	}
	g_assert_true(ps_write_file_atomic(path, "old\n", 4, &error));
	f = ps_atomic_file_new(path, &error);
	g_assert_no_error(error);
	fd = temp_fd_of(dir);
	g_assert_cmpint(fd, >, 2);
	g_assert_cmpint(dup3(full, fd, O_CLOEXEC), ==, fd);
	ok = ps_atomic_file_write(f, big, strlen(big), &error);
	if (ok)
		ok = ps_atomic_file_commit(f, &error);
	else
		ps_atomic_file_abort(f);
	close(full);
	g_assert_false(ok);
	g_assert_nonnull(error);
	g_assert_true(g_str_has_prefix(error->message, path));
	text = ps_test_slurp(path);
	g_assert_cmpstr(text, ==, "old\n");
	listing = ps_test_dir_listing(dir);
	g_assert_cmpstr(listing, ==, "summary.json");

	/* a directory that does not exist: an error naming the path */
	g_clear_error(&error);
	g_assert_false(ps_write_file_atomic("/nonexistent-pagesim-dir/x.csv", "a", 1, &error));
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
	g_assert_true(g_str_has_prefix(error->message, "/nonexistent-pagesim-dir/x.csv: "));
	ps_test_rm_rf(dir);
}

/* A process that dies mid-write leaves its temporary file but nothing under the final name. */
/*
 * `pagesim import X -o /dev/full` renamed its output over the device node: /dev/full became a
 * regular file. An existing path that is not a regular file is refused, and left alone.
 */
static void test_atomic_not_regular(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-atomic-XXXXXX", NULL);
	PsAtomicFile *f;
	GStatBuf st;

	f = ps_atomic_file_new("/dev/null", &error);
	if (f) {
		ps_atomic_file_abort(f); /* never commit over /dev/null */
		g_assert_not_reached();
	}
	g_assert_error(error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE);
	g_assert_nonnull(strstr(error->message, "/dev/null: not a regular file"));
	g_assert_cmpint(g_stat("/dev/null", &st), ==, 0);
	g_assert_true(S_ISCHR(st.st_mode));
	g_clear_error(&error);
	g_assert_null(ps_atomic_file_new(dir, &error));
	g_assert_nonnull(strstr(error->message, "replace this directory"));
	g_rmdir(dir);
}

static void test_atomic_crash(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "timeline.csv", NULL);
	g_autofree char *listing = NULL;
	pid_t pid;
	int status;

	pid = fork();
	g_assert_cmpint(pid, >=, 0);
	if (pid == 0) {
		PsAtomicFile *f = ps_atomic_file_new(path, NULL);
		char buf[4096];

		memset(buf, 'z', sizeof(buf));
		for (int i = 0; f && i < 256; i++)
			ps_atomic_file_write(f, buf, sizeof(buf), NULL);
		_exit(f ? 0 : 1);
	}
	g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
	g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
	listing = ps_test_dir_listing(dir);
	g_assert_true(g_str_has_prefix(listing, ".timeline.csv."));
	ps_test_rm_rf(dir);
}

/* ---- JSON -------------------------------------------------------------------------------------
 */

static PsJsonDoc *parse_ok(const char *text)
{
	g_autoptr(GError) error = NULL;
	PsJsonDoc *doc = ps_json_doc_parse(text, strlen(text), "t.json", &error);

	g_assert_no_error(error);
	return doc;
}

static void test_json_positions(void)
{
	static const char text[] =
	    "{\n  \"a\": 1,\n  \"b\": [\n    true,\n    {\"c\": \"x\\\"y\"}\n"
	    "  ],\n  \"d\":\n    -2.5e3\n}\n";
	g_autoptr(PsJsonDoc) doc = parse_ok(text);
	const cJSON *root = ps_json_doc_root(doc);
	const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "b");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(root, "d");
	g_autoptr(GError) error = NULL;
	const char *t;
	gsize len = 0;

	g_assert_cmpint(ps_json_doc_line(doc, root), ==, 1);
	g_assert_cmpint(ps_json_doc_line(doc, cJSON_GetObjectItemCaseSensitive(root, "a")), ==, 2);
	g_assert_cmpint(ps_json_doc_line(doc, b), ==, 3);
	g_assert_cmpint(ps_json_doc_line(doc, cJSON_GetArrayItem(b, 0)), ==, 4);
	g_assert_cmpint(ps_json_doc_line(doc, cJSON_GetArrayItem(b, 1)->child), ==, 5);
	g_assert_cmpint(ps_json_doc_line(doc, d), ==, 7); /* its key's line */
	t = ps_json_doc_value_text(doc, d, &len);
	g_assert_cmpmem(t, len, "-2.5e3", 6);
	g_assert_cmpint(ps_json_doc_line(doc, NULL), ==, 1);

	/* cJSON takes a NUL byte in a string: the spans after it still hold (found by fuzzing) */
	{
		static const char nul[] = "{\"k\0\": 08000, \"n\": 9007199254740993}";
		g_autoptr(PsJsonDoc) nd = NULL;
		g_autofree char *why = NULL;
		int64_t v = 0;
		int code;

		nd = ps_json_doc_parse(nul, sizeof(nul) - 1, "nul.json", &error);
		g_assert_no_error(error);
		g_assert_true(
		    ps_json_doc_int(nd, cJSON_GetObjectItemCaseSensitive(ps_json_doc_root(nd), "n"),
				    0, INT64_MAX, &v, &code, &why));
		g_assert_cmpint(v, ==, 9007199254740993);
	}

	g_assert_null(ps_json_doc_parse("{\n\"a\": 1,\n}", 11, "bad.json", &error));
	g_assert_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==, "bad.json:3: (json): syntax error near '}'");
	g_clear_error(&error);
	g_assert_null(ps_json_doc_parse("{}\n{}", 5, "two.json", &error));
	g_assert_cmpstr(error->message, ==,
			"two.json:2: (json): text after the end of the top-level object");
}

static void test_json_int64_exact(void)
{
	static const char text[] =
	    "{\"seed\": 9007199254740993, \"max\": 9223372036854775807, \"min\": "
	    "-9223372036854775808, \"u\": 18446744073709551615, \"e\": 5e3, \"f\": 2.0}";
	g_autoptr(PsJsonDoc) doc = parse_ok(text);
	const cJSON *root = ps_json_doc_root(doc);
	g_autofree char *why = NULL;
	g_autofree char *printed = NULL;
	cJSON *copy, *out;
	int64_t v = 0;
	uint64_t u = 0;
	int code = -1;

	g_assert_true(ps_json_doc_int(doc, cJSON_GetObjectItemCaseSensitive(root, "seed"), 0,
				      INT64_MAX, &v, &code, &why));
	g_assert_cmpint(v, ==, 9007199254740993);
	g_assert_true(ps_json_doc_int(doc, cJSON_GetObjectItemCaseSensitive(root, "max"), 0,
				      INT64_MAX, &v, &code, &why));
	g_assert_cmpint(v, ==, INT64_MAX);
	g_assert_true(ps_json_doc_int(doc, cJSON_GetObjectItemCaseSensitive(root, "min"), INT64_MIN,
				      0, &v, &code, &why));
	g_assert_cmpint(v, ==, INT64_MIN);
	g_assert_true(ps_json_doc_uint(doc, cJSON_GetObjectItemCaseSensitive(root, "u"), 0,
				       UINT64_MAX, &u, &code, &why));
	g_assert_cmpuint(u, ==, UINT64_MAX);
	/* what JSON writers make of integers: taken while a double holds them */
	g_assert_true(ps_json_doc_int(doc, cJSON_GetObjectItemCaseSensitive(root, "e"), 0, 10000,
				      &v, &code, &why));
	g_assert_cmpint(v, ==, 5000);
	g_assert_true(ps_json_doc_int(doc, cJSON_GetObjectItemCaseSensitive(root, "f"), 0, 10, &v,
				      &code, &why));
	g_assert_cmpint(v, ==, 2);

	/* make_exact: the tree keeps the digits through a copy and a print */
	ps_json_doc_make_exact(doc);
	copy = cJSON_Duplicate(root, TRUE);
	printed = cJSON_PrintUnformatted(copy);
	g_assert_nonnull(strstr(printed, "\"seed\":9007199254740993,"));
	g_assert_nonnull(strstr(printed, "\"u\":18446744073709551615,"));
	g_assert_nonnull(strstr(printed, "\"e\":5000,"));
	g_assert_true(ps_json_item_int64(cJSON_GetObjectItemCaseSensitive(copy, "seed"), &v));
	g_assert_cmpint(v, ==, 9007199254740993);
	g_assert_true(ps_json_item_uint64(cJSON_GetObjectItemCaseSensitive(copy, "u"), &u));
	g_assert_cmpuint(u, ==, UINT64_MAX);
	cJSON_Delete(copy);
	g_free(printed);

	/* and out: raw beyond 2^53, a plain number below it (same bytes as before) */
	out = cJSON_CreateObject();
	ps_json_add_uint(out, "seed", 9007199254740993u);
	ps_json_add_int(out, "neg", -9007199254740995);
	ps_json_add_uint(out, "small", 4096);
	ps_json_add_uint(out, "max", UINT64_MAX);
	ps_json_add_uint(out, "e15", 1000000000000000u);
	printed = cJSON_PrintUnformatted(out);
	g_assert_cmpstr(printed, ==,
			"{\"seed\":9007199254740993,\"neg\":-9007199254740995,\"small\":4096,"
			"\"max\":18446744073709551615,\"e15\":1000000000000000}");
	g_assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(out, "small")));
	cJSON_Delete(out);
}

static void expect_int_error(const PsJsonDoc *doc, const char *key, int64_t min, int64_t max,
			     int want_code, const char *want)
{
	const cJSON *item = cJSON_GetObjectItemCaseSensitive(ps_json_doc_root(doc), key);
	g_autofree char *why = NULL;
	int64_t v = 0;
	int code = -1;

	g_assert_false(ps_json_doc_int(doc, item, min, max, &v, &code, &why));
	g_assert_cmpint(code, ==, want_code);
	g_assert_cmpstr(why, ==, want);
}

/*
 * ps_json_integers_raw: a tree prints the same text before and after, and the integers below
 * 10^15 became raw items (the rest did not).
 */
static void test_json_integers_raw(void)
{
	static const double v[] = {0,
				   -0.0,
				   1,
				   -1,
				   7,
				   2147483647,
				   2147483648.0,
				   -2147483649.0,
				   123456789012345.0,
				   999999999999999.0,
				   -999999999999999.0,
				   1e15,
				   1e15 + 1,
				   1e17,
				   0.5,
				   -2.25,
				   1.0 / 3,
				   5.65914,
				   1e-7,
				   NAN,
				   INFINITY};
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "a"), *it;
	char *before, *after;
	guint i = 0, raw = 0;

	for (i = 0; i < G_N_ELEMENTS(v); i++) {
		cJSON *o = cJSON_CreateObject();

		cJSON_AddNumberToObject(o, "v", v[i]);
		cJSON_AddItemToArray(arr, o);
		cJSON_AddItemToArray(arr, cJSON_CreateNumber(v[i]));
	}
	cJSON_AddStringToObject(root, "s", "12");
	cJSON_AddNumberToObject(root, "n", 42);
	before = cJSON_Print(root);
	ps_json_integers_raw(root);
	after = cJSON_Print(root);
	g_assert_cmpstr(after, ==, before);
	i = 0;
	cJSON_ArrayForEach(it, arr)
	{
		const cJSON *n = cJSON_IsObject(it) ? it->child : it;
		double d = v[i++ / 2];
		bool want = d > -1e15 && d < 1e15 && d == floor(d) && !(d == 0 && signbit(d));

		g_assert_cmpint(cJSON_IsRaw(n), ==, want);
		raw += cJSON_IsRaw(n);
	}
	g_assert_cmpuint(raw, ==, 2 * 10);
	g_assert_true(cJSON_IsRaw(cJSON_GetObjectItem(root, "n")));
	g_assert_true(cJSON_IsString(cJSON_GetObjectItem(root, "s")));
	cJSON_free(before);
	cJSON_free(after);
	cJSON_Delete(root);
}

static void test_json_out_of_range(void)
{
	static const char text[] =
	    "{\"big\": 9223372036854775808, \"huge\": 123456789012345678901234,"
	    " \"neg\": -1, \"e\": 1e30, \"small\": 5000, \"half\": 1.5,"
	    " \"s\": \"12\"}";
	g_autoptr(PsJsonDoc) doc = parse_ok(text);
	const cJSON *root = ps_json_doc_root(doc);
	g_autofree char *why = NULL;
	uint64_t u = 0;
	int code = -1;

	expect_int_error(doc, "big", 0, INT64_MAX, PS_UTIL_ERROR_RANGE,
			 "9223372036854775808 is out of range [0, 9223372036854775807]");
	expect_int_error(doc, "huge", 0, INT64_MAX, PS_UTIL_ERROR_RANGE,
			 "123456789012345678901234 is out of range [0, 9223372036854775807]");
	expect_int_error(doc, "neg", 0, 10, PS_UTIL_ERROR_RANGE, "-1 is out of range [0, 10]");
	expect_int_error(doc, "e", 0, INT64_MAX, PS_UTIL_ERROR_RANGE,
			 "1e30 is out of range [0, 9223372036854775807]");
	expect_int_error(doc, "small", 0, 4096, PS_UTIL_ERROR_RANGE,
			 "5000 is out of range [0, 4096]");
	expect_int_error(doc, "half", 0, 10, PS_UTIL_ERROR_TYPE, "expected an integer, got 1.5");
	expect_int_error(doc, "s", 0, 10, PS_UTIL_ERROR_TYPE, "expected an integer, got a string");
	g_assert_false(ps_json_doc_uint(doc, cJSON_GetObjectItemCaseSensitive(root, "neg"), 0,
					UINT64_MAX, &u, &code, &why));
	g_assert_cmpint(code, ==, PS_UTIL_ERROR_RANGE);
	g_assert_cmpstr(why, ==, "-1 is out of range [0, 18446744073709551615]");
}

/* The cursor hands out each member's raw value, in member order, and notices "\u0000". */
static void test_json_cursor(void)
{
	static const char line[] =
	    "{ \"t\" : 18446744073709551615, \"s\":\"a,}\\\"b\", \"o\":{\"x\":[1,2]},"
	    "\"n\":\"\\u0000\" }";
	PsJsonCursor c = {.p = line, .end = line + sizeof(line) - 1};
	const char *tok;
	gsize len;
	bool neg;
	uint64_t mag;

	ps_json_cursor_next_value(&c, &tok, &len);
	g_assert_cmpmem(tok, len, "18446744073709551615", 20);
	g_assert_true(ps_json_integer_token(tok, len, &neg, &mag));
	g_assert_cmpuint(mag, ==, UINT64_MAX);
	ps_json_cursor_next_value(&c, &tok, &len);
	g_assert_cmpmem(tok, len, "\"a,}\\\"b\"", 8);
	ps_json_cursor_next_value(&c, &tok, &len);
	g_assert_cmpmem(tok, len, "{\"x\":[1,2]}", 11);
	g_assert_false(c.nul_escape);
	ps_json_cursor_next_value(&c, &tok, &len);
	g_assert_true(c.nul_escape);
	g_assert_false(ps_json_integer_token("01", 2, &neg, &mag));
	g_assert_false(ps_json_integer_token("18446744073709551616", 20, &neg, &mag));
	g_assert_true(ps_json_integer_token_overflows("18446744073709551616", 20));
	g_assert_false(ps_json_integer_token_overflows("1.5", 3));
}

/* ---- CSV --------------------------------------------------------------------------------------
 */

static void test_csv_quoted(void)
{
	static const char text[] = "a,b,c\r\n1,\"x,\"\"y\"\"\",\"two\nlines\"\n3,,\n";
	g_autoptr(GError) error = NULL;
	g_autoptr(PsCsvTable) t = ps_csv_parse(text, sizeof(text) - 1, "q.csv", &error);
	g_autoptr(GString) out = g_string_new(NULL);

	g_assert_no_error(error);
	g_assert_cmpuint(t->header->len, ==, 3);
	g_assert_cmpstr(g_ptr_array_index(t->header, 2), ==, "c");
	g_assert_cmpuint(t->rows->len, ==, 2);
	g_assert_cmpstr(ps_csv_cell(t, 0, 1), ==, "x,\"y\"");
	g_assert_cmpstr(ps_csv_cell(t, 0, 2), ==, "two\nlines");
	g_assert_cmpstr(ps_csv_cell(t, 1, 1), ==, "");
	g_assert_cmpuint(g_array_index(t->lines, guint, 1), ==, 4);
	g_assert_cmpint(ps_csv_column(t, "b"), ==, 1);
	g_assert_cmpint(ps_csv_column(t, "z"), ==, -1);
	ps_csv_append_cell(out, "x,\"y\"", true);
	ps_csv_append_cell(out, "plain", false);
	ps_csv_append_cell(out, " pad", false);
	g_assert_cmpstr(out->str, ==, "\"x,\"\"y\"\"\",plain,\" pad\"");
}

static void expect_csv_error(const char *text, const char *want)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(PsCsvTable) t = ps_csv_parse(text, strlen(text), "timeline.csv", &error);

	g_assert_null(t);
	g_assert_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE);
	g_assert_cmpstr(error->message, ==, want);
}

static void test_csv_cut_row_refused(void)
{
	expect_csv_error("t_ns,free\n0,1\n1000,", "timeline.csv:3: the last row has no newline "
						  "(cut short?)");
	expect_csv_error("t_ns,free\n0,1\n1000,5", "timeline.csv:3: the last row has no newline "
						   "(cut short?)");
	expect_csv_error("t_ns,free\n0,1\n1000\n", "timeline.csv:3: 1 cells, the header has 2");
	expect_csv_error("t_ns,free\n0,\"1\n", "timeline.csv:2: a quoted cell is not closed");
	expect_csv_error("", "timeline.csv:1: empty");
	expect_csv_error("t_ns,free", "timeline.csv:1: the last row has no newline (cut short?)");
}

/* ---- inflated-copy cache ------------------------------------------------------------------ */

static guint dir_entries(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	guint n = 0;

	while (d && g_dir_read_name(d))
		n++;
	return n;
}

/* Reads gz through the cache in cache and compares with data. */
static void read_cached_same(const char *gz, const char *cache, const guint8 *data, gsize n)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) b = ps_file_read_all_cached(gz, cache, &error);

	g_assert_no_error(error);
	g_assert_cmpmem(g_bytes_get_data(b, NULL), g_bytes_get_size(b), data, n);
}

static void test_filecache(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *gz = g_build_filename(dir, "kpf.gz", NULL);
	g_autofree char *plain = g_build_filename(dir, "kpf", NULL);
	g_autofree char *cache = g_build_filename(dir, "cache", NULL);
	g_autofree char *digest = NULL, *entry = NULL, *raw = NULL;
	gsize n = 1024 * 1024 + 5, len;
	g_autofree guint8 *data = g_malloc(n);
	g_autoptr(GBytes) z = NULL;

	for (gsize i = 0; i < n; i++)
		data[i] = (guint8)(i * 2654435761u >> 13);
	z = gzip_bytes((char *)data, n);
	write_bytes(gz, z);
	g_assert_true(g_file_set_contents(plain, (char *)data, (gssize)n, NULL));
	/* not gzip: read as is, nothing cached */
	read_cached_same(plain, cache, data, n);
	g_assert_cmpuint(dir_entries(cache), ==, 0);
	/* first read inflates and keeps a copy, the second maps it */
	read_cached_same(gz, cache, data, n);
	g_assert_cmpuint(dir_entries(cache), ==, 1);
	read_cached_same(gz, cache, data, n);
	digest = ps_file_digest(gz, NULL);
	entry = g_strdup_printf("%s/%s.raw", cache, digest + strlen("sha256:"));
	g_assert_true(g_file_test(entry, G_FILE_TEST_IS_REGULAR));
	/* a flipped byte in the copy: caught by the checksum, ignored, rewritten */
	g_assert_true(g_file_get_contents(entry, &raw, &len, NULL));
	g_assert_cmpuint(len, ==, n + 128);
	raw[128 + n / 2] ^= 1;
	g_assert_true(g_file_set_contents(entry, raw, (gssize)len, NULL));
	read_cached_same(gz, cache, data, n);
	g_clear_pointer(&raw, g_free);
	g_assert_true(g_file_get_contents(entry, &raw, &len, NULL));
	g_assert_cmpmem(raw + 128, len - 128, data, n);
	/* cut short, and made from another file: the same */
	g_assert_true(g_file_set_contents(entry, raw, (gssize)len - 9, NULL));
	read_cached_same(gz, cache, data, n);
	raw[8 + 16 + 20] ^= 1; /* in the digest */
	g_assert_true(g_file_set_contents(entry, raw, (gssize)len, NULL));
	read_cached_same(gz, cache, data, n);
	g_assert_cmpuint(dir_entries(cache), ==, 1);
	/* no cache directory: a plain read */
	read_cached_same(gz, NULL, data, n);
	/* the checksum sees every byte and the length */
	g_assert_cmpuint(ps_checksum64(data, n), !=, ps_checksum64(data, n - 1));
	data[n - 1] ^= 1;
	g_assert_cmpuint(ps_checksum64(data, n), !=, ps_checksum64(raw + 128, n));
	ps_test_rm_rf(dir);
}

/*
 * ps_sha256_hex: GLib hashes small inputs, OpenSSL large ones; both give the standard digest
 * (FIPS 180-2 vectors) and agree with each other on each side of the switch.
 */
static void test_sha256_hex(void)
{
	static const gsize sizes[] = {0, 3, 64 * 1024 - 1, 64 * 1024, 300000};
	g_autofree guchar *buf = g_malloc(300000);
	char hex[65];

	g_assert_true(ps_sha256_hex("", 0, hex));
	g_assert_cmpstr(hex, ==,
			"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	g_assert_true(ps_sha256_hex("abc", 3, hex));
	g_assert_cmpstr(hex, ==,
			"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	for (gsize i = 0; i < 300000; i++)
		buf[i] = (guchar)(i * 131 + (i >> 8));
	for (gsize k = 0; k < G_N_ELEMENTS(sizes); k++) {
		g_autofree char *want =
		    g_compute_checksum_for_data(G_CHECKSUM_SHA256, buf, sizes[k]);

		g_assert_true(ps_sha256_hex(buf, sizes[k], hex));
		g_assert_cmpstr(hex, ==, want);
	}
}

/* ps_file_digest_cached of path, which must (not) come from the memo and equal want (if given). */
static char *digest_expect(const char *path, const char *cache, bool want_hit, const char *want)
{
	bool hit = !want_hit;
	char *d = ps_file_digest_cached(path, cache, &hit, NULL);

	g_assert_true(hit == want_hit);
	g_assert_nonnull(d);
	if (want)
		g_assert_cmpstr(d, ==, want);
	return d;
}

/*
 * ps_file_digest_cached: the memo answers for the file as it was, never for an edited one, even
 * an edit in place that keeps the size and sets the mtime back; a corrupt memo is ignored.
 */
static void test_digest_memo(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *path = g_build_filename(dir, "trace.jsonl", NULL);
	g_autofree char *cache = g_build_filename(dir, "cache", NULL);
	g_autofree char *full = NULL, *edited = NULL, *memo = NULL, *name = NULL;
	gsize n = 2u << 20;
	g_autofree guint8 *data = g_malloc(n);
	struct stat st, now;
	struct timespec times[2];
	int fd;

	for (gsize i = 0; i < n; i++)
		data[i] = (guint8)(i * 2654435761u >> 13);
	g_assert_true(g_file_set_contents(path, (char *)data, (gssize)n, NULL));
	full = ps_file_digest(path, NULL);
	/* just written: hashed, not remembered (a change in the same clock tick could match) */
	g_free(digest_expect(path, cache, false, full));
	g_assert_cmpuint(dir_entries(cache), ==, 0);
	g_usleep(2100 * 1000);
	g_free(digest_expect(path, cache, false, full));
	g_assert_cmpuint(dir_entries(cache), ==, 1);
	g_free(digest_expect(path, cache, true, full));
	/* a corrupt memo: ignored, hashed, remembered again */
	g_assert_cmpint(stat(path, &st), ==, 0);
	name = g_strdup_printf("%016" G_GINT64_MODIFIER "x-%016" G_GINT64_MODIFIER "x.digest",
			       (uint64_t)st.st_dev, (uint64_t)st.st_ino);
	memo = g_build_filename(cache, name, NULL);
	g_assert_true(g_file_set_contents(memo, "not a memo", -1, NULL));
	g_free(digest_expect(path, cache, false, full));
	g_free(digest_expect(path, cache, true, full));
	/* one byte in the middle (outside the sampled blocks), same size, the mtime set back */
	fd = open(path, O_WRONLY);
	g_assert_cmpint(fd, >=, 0);
	g_assert_cmpint(pwrite(fd, "X", 1, (off_t)(n / 2 + 12345)), ==, 1);
	close(fd);
	times[0] = st.st_atim;
	times[1] = st.st_mtim;
	g_assert_cmpint(utimensat(AT_FDCWD, path, times, 0), ==, 0);
	g_assert_cmpint(stat(path, &now), ==, 0);
	g_assert_cmpint(now.st_size, ==, st.st_size);
	g_assert_cmpint(now.st_mtim.tv_sec, ==, st.st_mtim.tv_sec);
	g_assert_cmpint(now.st_mtim.tv_nsec, ==, st.st_mtim.tv_nsec);
	edited = ps_file_digest(path, NULL);
	g_assert_cmpstr(edited, !=, full);
	g_free(digest_expect(path, cache, false, edited));
	/* and still not remembered right after the edit */
	g_free(digest_expect(path, cache, false, edited));
	/* no cache directory: the plain digest */
	g_free(digest_expect(path, NULL, false, edited));
	ps_test_rm_rf(dir);
}

/* The VmFlags of the mapping of /proc/self/smaps that holds address a (NULL when none). */
static char *vm_flags_at(uintptr_t a)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;
	bool in = false;

	if (!g_file_get_contents("/proc/self/smaps", &text, NULL, NULL))
		return NULL;
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		unsigned long lo, hi;

		if (sscanf(lines[i], "%lx-%lx ", &lo, &hi) == 2 && strchr(lines[i], '-') &&
		    !g_str_has_suffix(lines[i], ":"))
			in = a >= lo && a < hi;
		else if (in && g_str_has_prefix(lines[i], "VmFlags:"))
			return g_strdup(lines[i] + strlen("VmFlags:"));
	}
	return NULL;
}

/*
 * ps_malloc0_huge: zeroed, usable, freed with g_free, and the 2 MiB-aligned interior of the array
 * carries the huge-page advice ("hg" in smaps' VmFlags) where the kernel has THP.
 */
static void test_mem_advise_huge(void)
{
	gsize bytes = 9u << 20;
	uint8_t *p = ps_malloc0_huge(bytes);
	uintptr_t mid = ((uintptr_t)p + (4u << 20)) & ~(uintptr_t)((2u << 20) - 1);
	g_autofree char *flags = NULL;

	for (gsize i = 0; i < bytes; i += 4096)
		g_assert_cmpuint(p[i], ==, 0);
	memset(p, 0xa5, bytes);
	g_assert_cmpuint(p[bytes - 1], ==, 0xa5);
	if (!g_file_test("/sys/kernel/mm/transparent_hugepage/enabled", G_FILE_TEST_EXISTS)) {
		g_free(p);
		g_test_skip("no transparent huge pages in this kernel");
		return;
	}
	flags = vm_flags_at(mid);
	g_assert_nonnull(flags);
	g_assert_nonnull(strstr(flags, " hg"));
	g_free(p);
	/* a range without a whole aligned 2 MiB inside is left alone, NULL too */
	ps_advise_huge(NULL, bytes);
	ps_advise_huge(&bytes, sizeof(bytes));
}

/*
 * PsRoom grows in place: the array keeps its address and its contents through growth from 1 byte
 * to 40 MiB (a realloc'd array moved), every usable byte starts zeroed, the room is 2 MiB-aligned
 * with the huge-page advice where the kernel has THP, and ps_room_free leaves it zeroed.
 */
static void test_mem_room(void)
{
	PsRoom r = {0};
	uint8_t *base;
	g_autofree char *flags = NULL;

	ps_room_grow(&r, 1);
	base = r.base;
	g_assert_nonnull(base);
	g_assert_cmpuint((uintptr_t)base % (2u << 20), ==, 0);
	g_assert_cmpuint(r.committed, >=, 1);
	g_assert_cmpuint(r.reserved, >=, r.committed);
	memset(base, 0x5a, r.committed);
	for (gsize want = 4096; want <= (40u << 20); want = want * 3 + 1) {
		gsize had = r.committed;

		ps_room_grow(&r, want);
		g_assert_true(r.base == (void *)base);
		g_assert_cmpuint(r.committed, >=, want);
		g_assert_cmpuint(base[0], ==, 0x5a);
		g_assert_cmpuint(base[had - 1], ==, 0x5a);
		for (gsize i = had; i < r.committed; i += 4096)
			g_assert_cmpuint(base[i], ==, 0);
		memset(base + had, 0x5a, r.committed - had);
	}
	if (g_file_test("/sys/kernel/mm/transparent_hugepage/enabled", G_FILE_TEST_EXISTS)) {
		flags = vm_flags_at((uintptr_t)base + (2u << 20));
		g_assert_nonnull(flags);
		g_assert_nonnull(strstr(flags, " hg"));
	}
	ps_room_free(&r);
	g_assert_null(r.base);
	g_assert_cmpuint(r.committed, ==, 0);
	g_assert_cmpuint(r.reserved, ==, 0);
	ps_room_free(&r);
}

/*
 * ps_bytes8_match and ps_bytes_next_match against a byte-by-byte reference on pseudo-random
 * arrays (a fixed LCG: deterministic), every start offset and length, including bytes that
 * differ from the value only in bits outside the mask and 0x80/0x00 neighbours (the carry cases
 * of the word-at-a-time form).
 */
static void test_bytes_match(void)
{
	static const uint8_t vals[] = {0x00, 0x80, 0x7f, 0xff, 0x20, 0x21, 0x60, 0xc0, 0x40, 0x01};
	uint8_t a[67];
	uint64_t x = 12345;

	for (int round = 0; round < 200; round++) {
		uint8_t mask = round % 3 == 0 ? 0xff : round % 3 == 1 ? 0x70 : 0xf0;
		uint8_t value = vals[round % G_N_ELEMENTS(vals)] & mask;

		for (gsize k = 0; k < sizeof(a); k++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			a[k] = vals[(x >> 33) % G_N_ELEMENTS(vals)] ^ (uint8_t)((x >> 50) & 0x0f);
		}
		for (gsize k = 0; k + 8 <= sizeof(a); k++) {
			unsigned want = 0;

			for (unsigned b = 0; b < 8; b++)
				want |= (unsigned)((a[k + b] & mask) == value) << b;
			g_assert_cmpuint(ps_bytes8_match(a + k, mask, value), ==, want);
		}
		for (uint64_t n = 0; n <= sizeof(a); n++) {
			uint64_t want = 0;

			for (uint64_t k = 0; k < n; k++)
				want += (a[k] & mask) == value;
			g_assert_cmpuint(ps_bytes_count_match(a, n, mask, value), ==, want);
		}
		for (uint64_t n = 0; n <= sizeof(a); n++)
			for (uint64_t i = 0; i <= n; i++) {
				uint64_t want = i;

				while (want < n && (a[want] & mask) != value)
					want++;
				g_assert_cmpuint(ps_bytes_next_match(a, i, n, mask, value), ==,
						 want);
			}
	}
}

/*
 * ps_bytes_count_match past the 255 steps its per-lane byte counters take before they are summed
 * (every byte a match, the worst case for a wrap), at lengths around the multiples of 16 * 255.
 */
static void test_bytes_count_long(void)
{
	gsize len = 16 * 255 * 3 + 40;
	g_autofree uint8_t *a = g_malloc(len);

	memset(a, 0x21, len);
	for (gsize n = 16 * 255 - 17; n <= len; n += n < 16 * 255 + 17 ? 1 : 997) {
		g_assert_cmpuint(ps_bytes_count_match(a, n, 0xff, 0x21), ==, n);
		g_assert_cmpuint(ps_bytes_count_match(a, n, 0x0f, 0x01), ==, n);
		g_assert_cmpuint(ps_bytes_count_match(a, n, 0xff, 0x20), ==, 0);
	}
	a[16 * 255] = 0;
	g_assert_cmpuint(ps_bytes_count_match(a, len, 0xff, 0x21), ==, len - 1);
	g_assert_cmpuint(ps_bytes_count_match(a, len, 0xff, 0), ==, 1);
}

/* A table of saved arrays: what a walk saves comes back in place, sparse arrays included. */
static void state_walk(PsStateTable *t, uint32_t *a, uint8_t *big, gsize big_len, char **str,
		       uint64_t *n)
{
	*n = ps_state_count(t, "n", *n);
	ps_state_array(t, "a", a, sizeof(uint32_t) * *n);
	ps_state_sparse(t, "big", big, big_len);
	*str = ps_state_string(t, "str", *str);
}

static void test_state_table(void)
{
	uint32_t a[5] = {1, 2, 3, 4, 5}, b[5] = {0};
	gsize big_len = 3 * 4096 + 100, len, len2;
	g_autofree uint8_t *big = g_malloc0(big_len), *big2 = g_malloc0(big_len);
	g_autofree char *s1 = g_strdup("memcg /a/b"), *s2 = NULL, *saved = NULL, *diff = NULL;
	g_autofree uint8_t *copy = NULL;
	uint64_t n = 5, n2 = 0;
	char *str = s1;
	const uint8_t *bytes;
	g_autoptr(PsStateTable) save = ps_state_table_new_save();
	g_autoptr(PsStateTable) load = NULL, bad = NULL, again = ps_state_table_new_save();

	big[10] = 7;		/* chunk 0 */
	big[3 * 4096 + 99] = 9; /* the last, cut chunk; chunks 1 and 2 stay zero */
	state_walk(save, a, big, big_len, &str, &n);
	saved = str; /* the save's copy */
	bytes = ps_state_table_bytes(save, &len);
	g_assert_cmpuint(ps_state_table_entries(save), ==,
			 5); /* the string: its length, its bytes */
	/* the two zero chunks are not stored */
	g_assert_cmpuint(len, <, 2 * 4096 + 5 * 48 + 64);
	load = ps_state_table_new_load(bytes, len);
	g_assert_true(ps_state_loading(load));
	str = NULL;
	state_walk(load, b, big2, big_len, &str, &n2);
	s2 = str;
	g_assert_null(ps_state_table_error(load));
	g_assert_cmpuint(n2, ==, 5);
	g_assert_cmpmem(a, sizeof(a), b, sizeof(b));
	g_assert_cmpmem(big, big_len, big2, big_len);
	g_assert_cmpstr(s2, ==, "memcg /a/b");
	/* saved again from the restored arrays: the same bytes */
	state_walk(again, b, big2, big_len, &str, &n2);
	g_free(str);
	bytes = ps_state_table_bytes(again, &len2);
	g_assert_null(ps_state_table_diff(ps_state_table_bytes(save, &len), len, bytes, len2));
	/* a changed byte is found and named */
	copy = g_memdup2(bytes, len2);
	copy[len2 - 9] ^= 1; /* inside "str" */
	diff = ps_state_table_diff(bytes, len2, copy, len2);
	g_assert_nonnull(diff);
	g_assert_nonnull(strstr(diff, "(str,"));
	/* a walk of another shape stops at the first array that differs */
	bad = ps_state_table_new_load(bytes, len2);
	n2 = ps_state_count(bad, "n", 0);
	ps_state_array(bad, "a", b, sizeof(uint32_t) * 4);
	g_assert_nonnull(ps_state_table_error(bad));
	g_assert_nonnull(strstr(ps_state_table_error(bad), "a of 16 bytes"));
}

/* Whether /proc/self/maps shows p inside a mapping of a file whose path ends in name. */
static bool mapped_from(const void *p, const char *name)
{
	g_autofree char *maps = NULL;
	g_auto(GStrv) lines = NULL;

	g_assert_true(g_file_get_contents("/proc/self/maps", &maps, NULL, NULL));
	lines = g_strsplit(maps, "\n", -1);
	for (guint i = 0; lines[i]; i++) {
		unsigned long lo, hi;

		if (sscanf(lines[i], "%lx-%lx", &lo, &hi) == 2 && (uintptr_t)p >= lo &&
		    (uintptr_t)p < hi)
			return g_str_has_suffix(lines[i], name);
	}
	return false;
}

static void mapped_walk(PsStateTable *t, uint32_t *a, uint8_t *big, gsize big_len)
{
	ps_state_array(t, "a", a, sizeof(uint32_t) * 3);
	ps_state_mapped(t, "big", big, big_len);
	ps_state_array(t, "tail", a + 3, sizeof(uint32_t));
}

/*
 * Writes a saved payload to path as a file of a page of header and then the payload (returned,
 * free it), and opens it: *fd, to give a loading table with ps_state_table_set_file.
 */
static uint8_t *state_file(const char *path, const uint8_t *bytes, gsize len, int *fd)
{
	uint8_t *file = g_malloc0(4096 + len);

	memcpy(file + 4096, bytes, len);
	g_assert_true(g_file_set_contents(path, (const char *)file, (gssize)(4096 + len), NULL));
	*fd = open(path, O_RDONLY);
	g_assert_cmpint(*fd, >=, 0);
	return file;
}

/*
 * Restores a saved payload into b and big2 (first filled with 0xaa) from the file state_file
 * writes at path (returned, free it), as the started-state cache does.
 */
static uint8_t *mapped_restore_file(const char *path, const uint8_t *bytes, gsize len, uint32_t *b,
				    uint8_t *big2, gsize big_len)
{
	g_autoptr(PsStateTable) load = ps_state_table_new_load(bytes, len);
	int fd;
	uint8_t *file = state_file(path, bytes, len, &fd);

	memset(big2, 0xaa, big_len);
	ps_state_table_set_file(load, fd, 4096);
	mapped_walk(load, b, big2, big_len);
	close(fd);
	g_assert_null(ps_state_table_error(load));
	return file;
}

/*
 * A mapped array: its data starts on a page of the payload; read from a file it is mapped over
 * the owner's array copy-on-write (the run's writes stay its own, the file keeps its bytes),
 * without one it is copied; count and diff step over it; a payload cut inside it is refused.
 */
static void test_state_mapped(void)
{
	uint32_t a[4] = {1, 2, 3, 4}, b[4] = {0};
	gsize big_len = 5 * 4096 + 100, len;
	uint8_t *big = ps_map0_huge(big_len), *big2 = ps_map0_huge(big_len);
	uint8_t *big3 = ps_map0_huge(big_len);
	g_autoptr(PsStateTable) save = ps_state_table_new_save();
	g_autoptr(PsStateTable) copy = NULL, cut = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-state-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "table.state", NULL);
	g_autofree uint8_t *file = NULL;
	g_autofree char *again = NULL;
	const uint8_t *bytes;
	gsize flen;

	for (gsize i = 0; i < big_len; i++)
		big[i] = (uint8_t)(i * 7 + 1);
	mapped_walk(save, a, big, big_len);
	bytes = ps_state_table_bytes(save, &len);
	g_assert_cmpuint(ps_state_table_count(bytes, len), ==, 3);
	file = mapped_restore_file(path, bytes, len, b, big2, big_len);
	g_assert_cmpmem(a, sizeof(a), b, sizeof(b));
	g_assert_cmpmem(big, big_len, big2, big_len);
	g_assert_true(mapped_from(big2 + 4096, "table.state"));
	big2[5000] ^= 0xff; /* the run's own page now; the file is unchanged */
	g_assert_true(g_file_get_contents(path, &again, &flen, NULL));
	g_assert_cmpmem(again, flen, file, 4096 + len);
	/* without a file: copied */
	memset(b, 0, sizeof(b));
	copy = ps_state_table_new_load(bytes, len);
	mapped_walk(copy, b, big3, big_len);
	g_assert_null(ps_state_table_error(copy));
	g_assert_cmpmem(a, sizeof(a), b, sizeof(b));
	g_assert_cmpmem(big, big_len, big3, big_len);
	g_assert_false(mapped_from(big3 + 4096, "table.state"));
	g_assert_null(ps_state_table_diff(bytes, len, bytes, len));
	/* cut inside the mapped data: refused, by count and by the walk */
	g_assert_cmpuint(ps_state_table_count(bytes, len - 4096 - 16), ==, UINT64_MAX);
	cut = ps_state_table_new_load(bytes, len - 4096 - 16);
	mapped_walk(cut, b, big3, big_len);
	g_assert_nonnull(ps_state_table_error(cut));
	g_assert_nonnull(strstr(ps_state_table_error(cut), "inside big"));
	g_unlink(path);
	g_rmdir(dir);
	ps_unmap_huge(big, big_len);
	ps_unmap_huge(big2, big_len);
	ps_unmap_huge(big3, big_len);
}

/*
 * A mapped array whose last pages are zero: they are not stored (the payload is the nonzero
 * pages' size), and a restore leaves them zero whatever the memory held, mapped from the file
 * or copied; one all zero stores nothing.
 */
static void test_state_mapped_tail(void)
{
	uint32_t a[4] = {1, 2, 3, 4}, b[4] = {0};
	gsize big_len = 6 * 4096 + 100, len, zlen;
	uint8_t *big = ps_map0_huge(big_len), *big2 = ps_map0_huge(big_len);
	uint8_t *zero = ps_map0_huge(big_len);
	g_autoptr(PsStateTable) save = ps_state_table_new_save(), zsave = ps_state_table_new_save();
	g_autoptr(PsStateTable) copy = NULL, again = ps_state_table_new_save();
	g_autofree char *dir = g_dir_make_tmp("ps-state-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "table.state", NULL);
	g_autofree uint8_t *file = NULL;
	const uint8_t *bytes, *zbytes, *abytes;
	gsize len2;

	big[5] = 1;
	big[4096 + 77] = 2; /* pages 2 to 6 stay zero */
	mapped_walk(save, a, big, big_len);
	bytes = ps_state_table_bytes(save, &len);
	g_assert_cmpuint(ps_state_table_count(bytes, len), ==, 3);
	/* two pages of data, at most a page of alignment, three heads and two small arrays */
	g_assert_cmpuint(len, <, 3 * 4096 + 3 * 48 + 64);
	mapped_walk(zsave, a, zero, big_len);
	zbytes = ps_state_table_bytes(zsave, &zlen);
	g_assert_cmpuint(zlen, <, 4096 + 3 * 48 + 64);
	file = mapped_restore_file(path, bytes, len, b, big2, big_len);
	g_assert_cmpmem(a, sizeof(a), b, sizeof(b));
	g_assert_cmpmem(big, big_len, big2, big_len);
	g_assert_true(mapped_from(big2 + 4096, "table.state"));
	g_assert_false(mapped_from(big2 + 3 * 4096, "table.state"));
	/* saved again from the restored array: the same bytes */
	mapped_walk(again, b, big2, big_len);
	abytes = ps_state_table_bytes(again, &len2);
	g_assert_null(ps_state_table_diff(bytes, len, abytes, len2));
	/* without a file, into memory that is not zero: copied, the rest zeroed */
	memset(big2, 0x55, big_len);
	copy = ps_state_table_new_load(bytes, len);
	mapped_walk(copy, b, big2, big_len);
	g_assert_null(ps_state_table_error(copy));
	g_assert_cmpmem(big, big_len, big2, big_len);
	/* the all-zero one: nothing stored, the whole array fresh zero pages */
	g_clear_pointer(&copy, ps_state_table_free);
	memset(big2, 0x55, big_len);
	copy = ps_state_table_new_load(zbytes, zlen);
	mapped_walk(copy, b, big2, big_len);
	g_assert_null(ps_state_table_error(copy));
	g_assert_cmpmem(zero, big_len, big2, big_len);
	g_unlink(path);
	g_rmdir(dir);
	ps_unmap_huge(big, big_len);
	ps_unmap_huge(big2, big_len);
	ps_unmap_huge(zero, big_len);
}

/*
 * ps_state_room: an array under 8 MiB is stored sparse (its zero chunks left out, copied back,
 * never mapped), one of 8 MiB or more with its zero tail left out, and restored into a room
 * mapped from the file up to the last 2 MiB boundary inside its stored bytes, the rest of them
 * copied into the room's own memory.
 */
static void test_state_room(void)
{
	gsize small_len = 64 * 1024, big_len = (gsize)8 << 20, len, huge = (gsize)2 << 20;
	uint8_t *small = ps_map0_huge(small_len), *small2 = ps_map0_huge(small_len);
	uint8_t *big = ps_map0_huge(big_len), *big2;
	PsRoom room = {0};
	g_autoptr(PsStateTable) save = ps_state_table_new_save();
	g_autoptr(PsStateTable) load = NULL;
	g_autofree char *dir = g_dir_make_tmp("ps-state-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "room.state", NULL);
	g_autofree uint8_t *file = NULL;
	const uint8_t *bytes;
	int fd;

	ps_room_grow(&room, big_len);
	big2 = room.base; /* 2 MiB-aligned */
	small[100] = 1;
	/* stored: the first 3 MiB and a page, the rest of the 8 MiB a zero tail */
	big[4096 + 5] = 2;
	big[huge - 1] = 3;
	big[huge + 7] = 4;
	big[3 * huge / 2 + 4096 + 9] = 5;
	ps_state_room(save, "small", small, small_len);
	ps_state_room(save, "big", big, big_len);
	bytes = ps_state_table_bytes(save, &len);
	/* the small one's chunk and bitmap, the big one's stored pages and alignment, two heads */
	g_assert_cmpuint(len, <, 4 * 4096 + 3 * huge / 2 + 2 * 4096 + 2 * 48 + 64);
	file = state_file(path, bytes, len, &fd);
	load = ps_state_table_new_load(bytes, len);
	ps_state_table_set_file(load, fd, 4096);
	ps_state_room(load, "small", small2, small_len);
	ps_state_room(load, "big", big2, big_len);
	close(fd);
	g_assert_null(ps_state_table_error(load));
	g_assert_cmpmem(small, small_len, small2, small_len);
	g_assert_cmpmem(big, big_len, big2, big_len);
	g_assert_false(mapped_from(small2, "room.state"));
	g_assert_true(mapped_from(big2, "room.state"));
	g_assert_true(mapped_from(big2 + huge - 1, "room.state"));
	g_assert_false(mapped_from(big2 + huge, "room.state"));
	g_assert_false(mapped_from(big2 + 3 * huge / 2 + 4096, "room.state"));
	g_unlink(path);
	g_rmdir(dir);
	ps_unmap_huge(small, small_len);
	ps_unmap_huge(small2, small_len);
	ps_unmap_huge(big, big_len);
	ps_room_free(&room);
}

/* A file of size bytes in dir, last used (atime and mtime) at t seconds. */
static void cache_file(const char *dir, const char *name, gsize size, time_t t)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);
	g_autofree char *bytes = g_malloc0(size);
	struct timespec ts[2] = {{t, 0}, {t, 0}};

	g_assert_true(g_file_set_contents(p, bytes, (gssize)size, NULL));
	g_assert_cmpint(utimensat(AT_FDCWD, p, ts, 0), ==, 0);
}

static bool cache_has(const char *dir, const char *name)
{
	g_autofree char *p = g_build_filename(dir, name, NULL);

	return g_file_test(p, G_FILE_TEST_EXISTS);
}

/*
 * The cache directory's cap: under it nothing goes; over it the entries used longest ago go
 * until it fits, never the one just written, never a file the cache did not name (another
 * suffix, a temporary being written); "off" keeps all; sizes take K/M/G/T; a bad value is the
 * default.
 */
static void test_cache_trim(void)
{
	g_autofree char *dir = g_dir_make_tmp("ps-cache-XXXXXX", NULL);
	const char *names[] = {
	    "a.start", "b.pstc", "c.raw", "d.snap", "e.digest", "notes.txt", ".f.start.XXXXXX.tmp"};
	static const char *const not_sizes[] = {"2X", "-5", "+5", " 5K", ""};

	cache_file(dir, "a.start", 4000, 1000); /* the oldest: but it is the one kept */
	cache_file(dir, "b.pstc", 3000, 2000);
	cache_file(dir, "c.raw", 2000, 3000);
	cache_file(dir, "d.snap", 1000, 4000);
	cache_file(dir, "e.digest", 100, 5000);
	cache_file(dir, "notes.txt", 9000, 10);
	cache_file(dir, ".f.start.XXXXXX.tmp", 9000, 10);
	g_setenv("PAGESIM_CACHE_MAX", "20000", TRUE);
	g_assert_cmpuint(ps_cache_trim(dir, NULL), ==, 0); /* 10100 bytes of entries */
	g_setenv("PAGESIM_CACHE_MAX", "off", TRUE);
	g_assert_cmpuint(ps_cache_max_bytes(), ==, 0);
	g_assert_cmpuint(ps_cache_trim(dir, NULL), ==, 0);
	/* 10100 over 5200: b (3000) and then c (2000) go, a is kept */
	g_setenv("PAGESIM_CACHE_MAX", "5200", TRUE);
	g_assert_cmpuint(ps_cache_trim(dir, "/somewhere/a.start"), ==, 2);
	g_assert_true(cache_has(dir, "a.start"));
	g_assert_false(cache_has(dir, "b.pstc"));
	g_assert_false(cache_has(dir, "c.raw"));
	g_assert_true(cache_has(dir, "d.snap"));
	g_assert_true(cache_has(dir, "e.digest"));
	g_assert_true(cache_has(dir, "notes.txt"));
	g_assert_true(cache_has(dir, ".f.start.XXXXXX.tmp"));
	/* without a kept one, the oldest goes first */
	g_setenv("PAGESIM_CACHE_MAX", "4K", TRUE);
	g_assert_cmpuint(ps_cache_max_bytes(), ==, 4096);
	g_assert_cmpuint(ps_cache_trim(dir, NULL), ==, 1);
	g_assert_false(cache_has(dir, "a.start"));
	g_assert_true(cache_has(dir, "d.snap"));
	g_setenv("PAGESIM_CACHE_MAX", "3g", TRUE);
	g_assert_cmpuint(ps_cache_max_bytes(), ==, (uint64_t)3 << 30);
	/*
	 * not sizes, each the default: an unknown unit; a sign or a leading space (strtoull
	 * would take "-5" as 2^64 - 5); empty
	 */
	for (gsize i = 0; i < G_N_ELEMENTS(not_sizes); i++) {
		g_setenv("PAGESIM_CACHE_MAX", not_sizes[i], TRUE);
		g_assert_cmpuint(ps_cache_max_bytes(), ==, (uint64_t)8 << 30);
	}
	g_unsetenv("PAGESIM_CACHE_MAX");
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *p = g_build_filename(dir, names[i], NULL);

		g_unlink(p);
	}
	g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/*
 * A hit marks the entry used (ps_cache_touch). Under relatime (the default mount) a read moves
 * atime only when atime is not later than mtime or ctime, or is a day old: an inflated copy
 * written, then read (atime moves: it was mtime), keeps that read's time through every later
 * read that day, and an entry used after it would outlive it. Written, read, another entry
 * written, read again; a cap that fits one of the two keeps the copy and removes the other
 * (without the mark, on a relatime or noatime mount, the copy went). The sleeps put each step
 * in a tick of its own of the file system's clock.
 */
static void test_cache_touch(void)
{
	g_autofree char *dir = ps_test_make_dir("pagesim-util-XXXXXX");
	g_autofree char *gz = g_build_filename(dir, "kpf.gz", NULL);
	g_autofree char *cache = g_build_filename(dir, "cache", NULL);
	g_autofree char *other = g_build_filename(cache, "b.pstc", NULL);
	g_autofree char *digest = NULL, *entry = NULL, *cap = NULL;
	g_autofree char *zeros = g_malloc0(1000);
	gsize n = 64 * 1024;
	g_autofree guint8 *data = g_malloc(n);
	g_autoptr(GBytes) z = NULL;
	struct stat st, written, b;

	for (gsize i = 0; i < n; i++)
		data[i] = (guint8)(i * 2654435761u >> 13);
	z = gzip_bytes((char *)data, n);
	write_bytes(gz, z);
	read_cached_same(gz, cache, data, n); /* writes the copy */
	digest = ps_file_digest(gz, NULL);
	entry = g_strdup_printf("%s/%s.raw", cache, digest + strlen("sha256:"));
	g_assert_cmpint(stat(entry, &written), ==, 0);
	g_usleep(30 * 1000);
	read_cached_same(gz, cache, data, n); /* a hit */
	g_usleep(30 * 1000);
	g_assert_true(g_file_set_contents(other, zeros, 1000, NULL));
	g_assert_cmpint(stat(other, &b), ==, 0);
	g_usleep(30 * 1000);
	read_cached_same(gz, cache, data, n); /* a hit: relatime alone would not move atime */
	g_assert_cmpint(stat(entry, &st), ==, 0);
	g_assert_true(
	    st.st_atim.tv_sec > b.st_mtim.tv_sec ||
	    (st.st_atim.tv_sec == b.st_mtim.tv_sec && st.st_atim.tv_nsec > b.st_mtim.tv_nsec));
	/* mtime kept: when it was written */
	g_assert_cmpint(st.st_mtim.tv_sec, ==, written.st_mtim.tv_sec);
	g_assert_cmpint(st.st_mtim.tv_nsec, ==, written.st_mtim.tv_nsec);
	cap = g_strdup_printf("%" G_GSIZE_FORMAT, n + 128 + 500);
	g_setenv("PAGESIM_CACHE_MAX", cap, TRUE);
	g_assert_cmpuint(ps_cache_trim(cache, NULL), ==, 1);
	g_unsetenv("PAGESIM_CACHE_MAX");
	g_assert_true(g_file_test(entry, G_FILE_TEST_IS_REGULAR));
	g_assert_false(cache_has(cache, "b.pstc"));
	/* an entry that cannot be stamped (gone) is no error */
	ps_cache_touch("/nonexistent/pagesim/entry.raw");
	ps_test_rm_rf(dir);
}

/* The three sums of p agree (scalar, SSE2 where built, the dispatched one). */
static void sum_same(const uint8_t *p, gsize len)
{
	uint64_t ref = ps_checksum_sum_scalar(p, len);

	g_assert_cmpuint(ps_checksum_sum(p, len), ==, ref);
#if defined(__SSE2__)
	g_assert_cmpuint(ps_checksum_sum_sse2(p, len), ==, ref);
#endif
}

/*
 * ps_checksum_sum: the sum the dispatch picks (AVX2 on a CPU with it) and the SSE2 loop (every
 * other x86-64 CPU's, called directly so an AVX2 host tests it too) equal the word-by-word one
 * on every length and alignment, and the sum changes on what the cache needs it to catch: a
 * flipped bit, two different words swapped (in one lane, across lanes, in the tail), a lost
 * word, and a tail cut by 1 to 31 bytes.
 */
static void test_checksum_sum(void)
{
	enum { N = 4096 };
	g_autoptr(GRand) rnd = g_rand_new_with_seed(16);
	g_autofree uint8_t *buf = g_malloc(N + 64), *b = g_malloc(N + 64);
	const gsize lens[] = {200, 257, 1000, 4000};

	for (gsize i = 0; i < N + 64; i++)
		buf[i] = (uint8_t)g_rand_int(rnd);
	for (gsize len = 0; len <= 300; len++)
		for (gsize a = 0; a < 16; a++)
			sum_same(buf + a, len);
	for (int k = 0; k < 200; k++) {
		gsize a = g_rand_int_range(rnd, 0, 64), len = g_rand_int_range(rnd, 0, N + 1);

		sum_same(buf + a, len);
	}
	for (gsize k = 0; k < G_N_ELEMENTS(lens); k++) {
		gsize len = lens[k];
		uint64_t sum = ps_checksum_sum(buf, len), w1, w2;
		/* word pairs: one lane (0, 32), two lanes (0, 8), both in the tail, tail and body
		 */
		const gsize pairs[][2] = {{0, 32}, {0, 8}, {64, 96}, {8, 16}, {24, 64}};

		for (int f = 0; f < 64; f++) {
			gsize bit = g_rand_int_range(rnd, 0, (gint32)(len * 8));

			memcpy(b, buf, len);
			b[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			g_assert_cmpuint(ps_checksum_sum(b, len), !=, sum);
		}
		for (gsize q = 0; q < G_N_ELEMENTS(pairs); q++) {
			gsize x = pairs[q][0], y = pairs[q][1];

			if (q == 2) /* the tail's last two whole words */
				x = (len / 8 - 2) * 8, y = x + 8;
			memcpy(b, buf, len);
			memcpy(&w1, b + x, 8);
			memcpy(&w2, b + y, 8);
			g_assert_cmpuint(w1, !=, w2);
			memcpy(b + x, &w2, 8);
			memcpy(b + y, &w1, 8);
			g_assert_cmpuint(ps_checksum_sum(b, len), !=, sum);
			g_assert_cmpuint(ps_checksum_sum_scalar(b, len), !=, sum);
		}
		/* a word lost in the middle: the rest moves up, the same length (one more word) */
		memcpy(b, buf, len + 8);
		memmove(b + 40, b + 48, len - 40);
		g_assert_cmpuint(ps_checksum_sum(b, len), !=, sum);
		for (gsize cut = 1; cut < 32; cut++)
			g_assert_cmpuint(ps_checksum_sum(buf, len - cut), !=, sum);
	}
}

/*
 * ps_checksum_sum of a payload large enough to be summed on two threads (16 MiB and up, on a
 * machine with more than one cpu): the same value as word by word, at lengths whose halves end
 * inside a block and with a tail, and a bit flipped on either side of the split changes it.
 */
static void test_checksum_sum_split(void)
{
	const gsize len = ((gsize)24 << 20) + 45;
	g_autoptr(GRand) rnd = g_rand_new_with_seed(17);
	g_autofree uint8_t *buf = g_malloc(len + 16);
	uint64_t sum;

	for (gsize i = 0; i < (len + 16) / 4; i++) {
		guint32 v = g_rand_int(rnd);

		memcpy(buf + 4 * i, &v, 4);
	}
	for (gsize a = 0; a < 3; a++)
		for (gsize cut = 0; cut < 100; cut += 33)
			sum_same(buf + a, len - cut);
	sum = ps_checksum_sum(buf, len);
	for (int side = 0; side < 2; side++) {
		gsize at = side ? len - 1000 : 1000;

		buf[at] ^= 4;
		g_assert_cmpuint(ps_checksum_sum(buf, len), !=, sum);
		buf[at] ^= 4;
	}
	g_assert_cmpuint(ps_checksum_sum(buf, len), ==, sum);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/util/lines/gzip-positions", test_lines_gzip_positions);
	g_test_add_func("/util/lines/gzip-long", test_lines_gzip_long);
	g_test_add_func("/util/lines/kept", test_lines_kept);
	g_test_add_func("/util/lines/follow", test_lines_follow);
	g_test_add_func("/util/lines/errors", test_lines_errors);
	g_test_add_func("/util/lines/read-all", test_lines_read_all);
	g_test_add_func("/util/lines/read-all-cached", test_filecache);
	g_test_add_func("/util/checksum/sum", test_checksum_sum);
	g_test_add_func("/util/checksum/sum-split", test_checksum_sum_split);
	g_test_add_func("/util/lines/sha256-hex", test_sha256_hex);
	g_test_add_func("/util/lines/digest-memo", test_digest_memo);
	g_test_add_func("/util/atomic/commit", test_atomic_commit);
	g_test_add_func("/util/atomic/batch", test_atomic_batch);
	g_test_add_func("/util/atomic/abort", test_atomic_abort);
	g_test_add_func("/util/atomic/no-partial-on-error", test_atomic_no_partial_on_error);
	g_test_add_func("/util/atomic/crash", test_atomic_crash);
	g_test_add_func("/util/atomic/not-regular", test_atomic_not_regular);
	g_test_add_func("/util/json/positions", test_json_positions);
	g_test_add_func("/util/json/int64-exact", test_json_int64_exact);
	g_test_add_func("/util/json/out-of-range", test_json_out_of_range);
	g_test_add_func("/util/json/integers-raw", test_json_integers_raw);
	g_test_add_func("/util/json/cursor", test_json_cursor);
	g_test_add_func("/util/csv/quoted", test_csv_quoted);
	g_test_add_func("/util/csv/cut-row-refused", test_csv_cut_row_refused);
	g_test_add_func("/util/mem/advise-huge", test_mem_advise_huge);
	g_test_add_func("/util/mem/room", test_mem_room);
	g_test_add_func("/util/bytes/match", test_bytes_match);
	g_test_add_func("/util/bytes/count-long", test_bytes_count_long);
	g_test_add_func("/util/state/table", test_state_table);
	g_test_add_func("/util/state/mapped", test_state_mapped);
	g_test_add_func("/util/state/mapped-zero-tail", test_state_mapped_tail);
	g_test_add_func("/util/state/room", test_state_room);
	g_test_add_func("/util/cache/trim", test_cache_trim);
	g_test_add_func("/util/cache/touch", test_cache_touch);
	return g_test_run();
}
