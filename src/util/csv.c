// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * csv.c - reading the CSV files pagesim writes (timeline.csv, latency.csv, results.csv) back:
 * sweeps collect them, compare and plot read them.
 *
 * RFC 4180: a quoted cell may hold commas, doubled quotes and newlines; a '\r' before a newline
 * is dropped. GLib has no CSV reader and g_strsplit on ',' breaks on the first quoted comma.
 * Every row must be exactly as wide as the header, and the file must end in a newline: a file
 * read while it was being written (by hand, outside the atomic writers) or cut by a full disk
 * ends mid-row, and a cut row must be an error, never a short row of zeros.
 */
#include "util/util.h"

#include <string.h>

static void row_free(gpointer p)
{
	g_ptr_array_unref(p);
}

/*
 * One cell at text[*i]; leaves *i on the ',' or '\n' after it (or len). Counts the newlines of
 * quoted cells into *line. FALSE if a quoted cell is not closed.
 */
static gboolean parse_cell(const char *text, gsize len, gsize *i, guint *line, GString *cell)
{
	bool quoted = false;

	g_string_truncate(cell, 0);
	if (*i < len && text[*i] == '"') {
		quoted = true;
		for ((*i)++;; (*i)++) {
			if (*i >= len)
				return FALSE;
			if (text[*i] == '"' && *i + 1 < len && text[*i + 1] == '"') {
				g_string_append_c(cell, text[(*i)++]);
			} else if (text[*i] == '"') {
				(*i)++;
				break;
			} else {
				*line += text[*i] == '\n';
				g_string_append_c(cell, text[*i]);
			}
		}
	}
	for (; *i < len && text[*i] != ',' && text[*i] != '\n'; (*i)++)
		if (!quoted && text[*i] != '\r')
			g_string_append_c(cell, text[*i]);
	return TRUE;
}

static PsCsvTable *csv_fail(PsCsvTable *t, GError **error, const char *filename, guint line,
			    const char *what)
{
	g_set_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE, "%s:%u: %s", filename, line, what);
	ps_csv_free(t);
	return NULL;
}

PsCsvTable *ps_csv_parse(const char *text, gsize len, const char *filename, GError **error)
{
	PsCsvTable *t = g_new0(PsCsvTable, 1);
	g_autoptr(GString) cell = g_string_new(NULL);
	GPtrArray *row = NULL;
	guint line = 1, row_line = 1;
	gsize i = 0;

	t->rows = g_ptr_array_new_with_free_func(row_free);
	t->lines = g_array_new(FALSE, FALSE, sizeof(guint));
	if (len == 0)
		return csv_fail(t, error, filename, 1, "empty");
	while (i < len) {
		if (!row) {
			row = g_ptr_array_new_with_free_func(g_free);
			row_line = line;
		}
		if (!parse_cell(text, len, &i, &line, cell)) {
			g_ptr_array_unref(row);
			return csv_fail(t, error, filename, row_line,
					"a quoted cell is not closed");
		}
		g_ptr_array_add(row, g_strdup(cell->str));
		if (i >= len) {
			g_ptr_array_unref(row);
			return csv_fail(t, error, filename, row_line,
					"the last row has no newline (cut short?)");
		}
		if (text[i] == '\n') {
			line++;
			if (t->header == NULL) {
				t->header = row;
			} else {
				g_ptr_array_add(t->rows, row);
				g_array_append_val(t->lines, row_line);
			}
			row = NULL;
		}
		i++;
	}
	if (row) { /* the text ends in a ',': a cell is still to come */
		g_ptr_array_unref(row);
		return csv_fail(t, error, filename, row_line,
				"the last row has no newline (cut short?)");
	}
	for (guint r = 0; r < t->rows->len; r++) {
		GPtrArray *cells = g_ptr_array_index(t->rows, r);

		if (cells->len != t->header->len) {
			g_autofree char *what = g_strdup_printf("%u cells, the header has %u",
								cells->len, t->header->len);

			return csv_fail(t, error, filename, g_array_index(t->lines, guint, r),
					what);
		}
	}
	return t;
}

PsCsvTable *ps_csv_load(const char *path, GError **error)
{
	g_autofree char *text = NULL;
	g_autoptr(GError) local = NULL;
	gsize len;

	if (!g_file_get_contents(path, &text, &len, &local)) {
		g_set_error_literal(error, G_IO_ERROR, g_io_error_from_file_error(local->code),
				    local->message);
		return NULL;
	}
	return ps_csv_parse(text, len, path, error);
}

void ps_csv_free(PsCsvTable *t)
{
	if (!t)
		return;
	if (t->header)
		g_ptr_array_unref(t->header);
	g_ptr_array_unref(t->rows);
	g_array_unref(t->lines);
	g_free(t);
}

int ps_csv_column(const PsCsvTable *t, const char *name)
{
	for (guint i = 0; i < t->header->len; i++)
		if (!strcmp(g_ptr_array_index(t->header, i), name))
			return (int)i;
	return -1;
}

void ps_csv_append_cell(GString *out, const char *cell, bool first)
{
	if (!first)
		g_string_append_c(out, ',');
	if (!cell)
		return;
	if (strpbrk(cell, ",\"\n\r") ||
	    (*cell && (g_ascii_isspace(*cell) || g_ascii_isspace(cell[strlen(cell) - 1])))) {
		g_string_append_c(out, '"');
		for (const char *p = cell; *p; p++) {
			if (*p == '"')
				g_string_append_c(out, '"');
			g_string_append_c(out, *p);
		}
		g_string_append_c(out, '"');
	} else {
		g_string_append(out, cell);
	}
}
