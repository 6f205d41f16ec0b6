// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * json.c - JSON with positions and exact 64-bit integers, on top of cJSON.
 *
 * cJSON parses and prints well but keeps no positions, and holds every number as a double, so
 * an integer above 2^53 is rounded (a seed of 9007199254740993 becomes ...992, and prints as
 * 9.00719925474099e+15). cJSON has no number hook and leaves no token text behind, so this file
 * walks the text itself, in step with the tree cJSON built from it:
 *
 *   - ps_json_doc_parse() lets cJSON validate and build the tree, then a small scanner walks the
 *     (now known valid) text and records, for every item in document order, the line of its key
 *     or first character and the span of its value's text; a pre-order walk of the tree pairs
 *     the records with the items (cJSON keeps members and elements in text order). Integers are
 *     then read from the recorded text, exactly.
 *   - PsJsonCursor is the allocation-free form for one flat object per line (trace records),
 *     where a position table per line would cost more than the parse.
 *   - Integers go out as raw items holding their decimal text when a double would round them;
 *     ps_json_doc_make_exact() turns a parsed tree's big integers into such raw items, so a tree
 *     that is copied and printed again (a sweep's base config with an axis value put in) keeps
 *     every digit.
 *
 * Whitespace is any byte up to ' ', as cJSON skips it, so the two walks never disagree.
 */
#include "util/util.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#define PS_JSON_EXACT_DOUBLE 9007199254740992.0 /* 2^53: every integer up to it is a double */
/* From 10^15 on cJSON prints an integer with an exponent ("%1.15g": 1e+15) or rounds it. */
#define PS_JSON_PLAIN_LIMIT 1000000000000000ll

const char *ps_json_type_name(const cJSON *item)
{
	if (cJSON_IsNumber(item))
		return "a number";
	if (cJSON_IsString(item))
		return "a string";
	if (cJSON_IsTrue(item))
		return "true";
	if (cJSON_IsFalse(item))
		return "false";
	if (cJSON_IsNull(item))
		return "null";
	if (cJSON_IsArray(item))
		return "an array";
	if (cJSON_IsObject(item))
		return "an object";
	if (cJSON_IsRaw(item))
		return "a number";
	return "an invalid value";
}

/* ---- integer tokens ----------------------------------------------------------------------- */

bool ps_json_integer_token(const char *tok, gsize len, bool *neg, uint64_t *mag)
{
	uint64_t v = 0;
	gsize i = 0;

	*neg = false;
	if (len > 0 && tok[0] == '-') {
		*neg = true;
		i = 1;
	}
	if (i >= len)
		return false;
	if (tok[i] == '0' && i + 1 < len)
		return false;
	for (; i < len; i++) {
		unsigned d = (unsigned)(guchar)tok[i] - '0';

		if (d > 9)
			return false;
		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*mag = v;
	return true;
}

bool ps_json_integer_token_overflows(const char *tok, gsize len)
{
	gsize i = len > 0 && tok[0] == '-' ? 1 : 0;
	bool neg;
	uint64_t mag;

	if (i >= len || (tok[i] == '0' && i + 1 < len))
		return false;
	for (gsize j = i; j < len; j++)
		if (!g_ascii_isdigit(tok[j]))
			return false;
	return !ps_json_integer_token(tok, len, &neg, &mag);
}

/* ---- the cursor: one flat object, member by member ---------------------------------------- */

static bool is_ws(char ch)
{
	return (guchar)ch <= ' ';
}

static void cursor_skip_ws(PsJsonCursor *c)
{
	while (c->p < c->end && is_ws(*c->p))
		c->p++;
}

static void cursor_skip_string(PsJsonCursor *c)
{
	c->p++; /* opening quote */
	while (c->p < c->end && *c->p != '"') {
		if (*c->p == '\\' && c->p + 1 < c->end) {
			if (c->p[1] == 'u' && c->end - c->p >= 6 &&
			    memcmp(c->p + 2, "0000", 4) == 0)
				c->nul_escape = true;
			c->p++;
		}
		c->p++;
	}
	if (c->p < c->end)
		c->p++; /* closing quote */
}

/* Skips a nested value (only met in lines the parser then rejects, but it must not derail). */
static void cursor_skip_nested(PsJsonCursor *c)
{
	int depth = 0;

	while (c->p < c->end) {
		char ch = *c->p;

		if (ch == '"') {
			cursor_skip_string(c);
			continue;
		}
		if (ch == '{' || ch == '[')
			depth++;
		else if (ch == '}' || ch == ']')
			depth--;
		c->p++;
		if (depth == 0)
			return;
	}
}

void ps_json_cursor_next_value(PsJsonCursor *c, const char **tok, gsize *len)
{
	const char *start;

	/* separator ('{' before the first member, ',' after), key, colon */
	cursor_skip_ws(c);
	if (c->p < c->end && (*c->p == '{' || *c->p == ','))
		c->p++;
	cursor_skip_ws(c);
	if (c->p < c->end && *c->p == '"')
		cursor_skip_string(c);
	cursor_skip_ws(c);
	if (c->p < c->end && *c->p == ':')
		c->p++;
	cursor_skip_ws(c);

	start = c->p;
	if (c->p < c->end && *c->p == '"') {
		cursor_skip_string(c);
	} else if (c->p < c->end && (*c->p == '{' || *c->p == '[')) {
		cursor_skip_nested(c);
	} else {
		while (c->p < c->end && *c->p != ',' && *c->p != '}' && !is_ws(*c->p))
			c->p++;
	}
	*tok = start;
	*len = (gsize)(c->p - start);
}

/* ---- documents: the position pre-pass ----------------------------------------------------- */

/* Where one item came from. */
typedef struct {
	int line;	 /* of its key (object member) or of its value's first character */
	gsize value_off; /* its value's text: text[value_off, value_off + value_len) */
	gsize value_len;
} PsJsonPos;

/*
 * One parsed text. pos holds a record per item in document order; index maps an item of root
 * to its record's index + 1. text is a copy, NUL-terminated, that value spans point into.
 */
struct PsJsonDoc {
	char *filename;
	char *text;
	gsize len;
	cJSON *root;
	GArray *pos;	   /* PsJsonPos */
	GHashTable *index; /* const cJSON * -> index + 1 */
};

/* The scanner's state over valid JSON text. */
typedef struct {
	const char *text;
	gsize len, i;
	int line;
	int depth; /* of nesting: cJSON refuses more than CJSON_NESTING_LIMIT */
	GArray *pos;
} Scan;

static void scan_ws(Scan *s)
{
	for (; s->i < s->len && is_ws(s->text[s->i]); s->i++)
		if (s->text[s->i] == '\n')
			s->line++;
}

static void scan_string(Scan *s)
{
	for (s->i++; s->i < s->len && s->text[s->i] != '"'; s->i++) {
		if (s->text[s->i] == '\\')
			s->i++;
		else if (s->text[s->i] == '\n')
			s->line++;
	}
	/* past the closing quote, never past the end (cJSON is lenient; stay inside whatever) */
	s->i = MIN(s->i + 1, s->len);
}

static guint scan_new(Scan *s)
{
	PsJsonPos p = {.line = s->line, .value_off = s->i};

	g_array_append_val(s->pos, p);
	return s->pos->len - 1;
}

/* One value at s->i, whose record is rec; records of nested items follow it. */
static void scan_value(Scan *s, guint rec)
{
	char open = s->i < s->len ? s->text[s->i] : '\0';

	s->i = MIN(s->i, s->len);
	g_array_index(s->pos, PsJsonPos, rec).value_off = s->i;
	if ((open == '{' || open == '[') && s->depth >= CJSON_NESTING_LIMIT) {
		s->i = s->len; /* cannot be: cJSON took the text */
	} else if (open == '{' || open == '[') {
		s->depth++;
		s->i++;
		for (;;) {
			scan_ws(s);
			if (s->i >= s->len || s->text[s->i] == '}' || s->text[s->i] == ']') {
				s->i = MIN(s->i + 1, s->len);
				break;
			}
			if (s->text[s->i] == ',') {
				s->i++;
				continue;
			}
			if (open == '{') {
				guint child = scan_new(s);

				scan_string(s); /* key */
				scan_ws(s);
				s->i = MIN(s->i + 1, s->len); /* ':' */
				scan_ws(s);
				scan_value(s, child);
			} else {
				scan_value(s, scan_new(s));
			}
		}
		s->depth--;
	} else if (open == '"') {
		scan_string(s);
	} else {
		while (s->i < s->len && !is_ws(s->text[s->i]) && s->text[s->i] != ',' &&
		       s->text[s->i] != '}' && s->text[s->i] != ']')
			s->i++;
	}
	s->i = MIN(s->i, s->len);
	g_array_index(s->pos, PsJsonPos, rec).value_len =
	    s->i - g_array_index(s->pos, PsJsonPos, rec).value_off;
}

static void index_items(PsJsonDoc *doc, const cJSON *item, guint *next)
{
	if (*next < doc->pos->len)
		g_hash_table_insert(doc->index, (gpointer)item, GUINT_TO_POINTER(*next + 1));
	(*next)++;
	for (const cJSON *child = item->child; child; child = child->next)
		index_items(doc, child, next);
}

static int text_line(const char *text, const char *at)
{
	int line = 1;

	for (const char *p = text; p < at; p++)
		line += *p == '\n';
	return line;
}

PsJsonDoc *ps_json_doc_parse(const char *text, gsize len, const char *filename, GError **error)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, FALSE);
	PsJsonDoc *doc;
	Scan s = {.line = 1};
	guint next = 0;

	if (!root) {
		const char *at = end && end <= text + len ? end : text;
		g_autofree char *near = g_strndup(at, MIN((gsize)20, (gsize)(text + len - at)));

		g_strdelimit(near, "\n\r\t", ' ');
		g_set_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE,
			    "%s:%d: (json): syntax error near '%s'", filename, text_line(text, at),
			    near);
		return NULL;
	}
	while (end && end < text + len && (g_ascii_isspace(*end) || !*end))
		end++;
	if (end && end < text + len) {
		g_set_error(error, PS_UTIL_ERROR, PS_UTIL_ERROR_PARSE,
			    "%s:%d: (json): text after the end of the top-level object", filename,
			    text_line(text, end));
		cJSON_Delete(root);
		return NULL;
	}
	doc = g_new0(PsJsonDoc, 1);
	doc->filename = g_strdup(filename);
	/* not g_strndup: a string may hold a NUL byte (cJSON takes it), and spans go past it */
	doc->text = g_malloc(len + 1);
	memcpy(doc->text, text, len);
	doc->text[len] = '\0';
	doc->len = len;
	doc->root = root;
	doc->pos = g_array_new(FALSE, FALSE, sizeof(PsJsonPos));
	doc->index = g_hash_table_new(g_direct_hash, g_direct_equal);
	s.text = doc->text;
	s.len = len;
	s.pos = doc->pos;
	scan_ws(&s);
	scan_value(&s, scan_new(&s));
	index_items(doc, root, &next);
	return doc;
}

void ps_json_doc_free(PsJsonDoc *doc)
{
	if (doc == NULL)
		return;
	cJSON_Delete(doc->root);
	g_hash_table_unref(doc->index);
	g_array_unref(doc->pos);
	g_free(doc->text);
	g_free(doc->filename);
	g_free(doc);
}

cJSON *ps_json_doc_root(const PsJsonDoc *doc)
{
	return doc->root;
}

const char *ps_json_doc_filename(const PsJsonDoc *doc)
{
	return doc->filename;
}

static const PsJsonPos *doc_pos(const PsJsonDoc *doc, const cJSON *item)
{
	guint i = item ? GPOINTER_TO_UINT(g_hash_table_lookup(doc->index, item)) : 0;

	return i ? &g_array_index(doc->pos, PsJsonPos, i - 1) : NULL;
}

int ps_json_doc_line(const PsJsonDoc *doc, const cJSON *item)
{
	const PsJsonPos *p = doc_pos(doc, item);

	return p ? p->line : 1;
}

const char *ps_json_doc_value_text(const PsJsonDoc *doc, const cJSON *item, gsize *len)
{
	const PsJsonPos *p = doc_pos(doc, item);

	if (p == NULL)
		return NULL;
	*len = p->value_len;
	return doc->text + p->value_off;
}

/* ---- exact integers in ---------------------------------------------------------------------- */

/*
 * What an integer item holds: the exact magnitude and sign from its text when that is integer
 * notation, else the double. Returns FALSE with *code and *why when it is no integer at all.
 */
typedef struct {
	bool exact; /* neg/mag hold the value */
	bool neg;
	uint64_t mag;
	bool overflow; /* integer notation beyond 64 bits */
	double d;      /* the value otherwise (integral, |d| <= 2^53 unless too_big) */
	bool too_big;  /* an integral double beyond 2^53 (exponent notation) */
	char text[40]; /* the value as written, for messages (cut at 32 bytes) */
} IntValue;

static gboolean int_value(const PsJsonDoc *doc, const cJSON *item, IntValue *v, int *code,
			  char **why)
{
	const char *tok = NULL;
	gsize len = 0;

	memset(v, 0, sizeof(*v));
	if (cJSON_IsRaw(item) && item->valuestring) {
		tok = item->valuestring;
		len = strlen(tok);
	} else if (!cJSON_IsNumber(item)) {
		*code = PS_UTIL_ERROR_TYPE;
		*why = g_strdup_printf("expected an integer, got %s", ps_json_type_name(item));
		return FALSE;
	} else if (doc != NULL) {
		tok = ps_json_doc_value_text(doc, item, &len);
	}
	if (tok != NULL) {
		g_snprintf(v->text, sizeof(v->text), "%.*s%s", (int)MIN(len, 32), tok,
			   len > 32 ? "..." : "");
		if (ps_json_integer_token(tok, len, &v->neg, &v->mag)) {
			v->exact = true;
			return TRUE;
		}
		if (ps_json_integer_token_overflows(tok, len)) {
			v->overflow = true;
			return TRUE;
		}
	}
	if (!cJSON_IsNumber(item) || item->valuedouble != floor(item->valuedouble) ||
	    !isfinite(item->valuedouble)) {
		*code = PS_UTIL_ERROR_TYPE;
		*why = cJSON_IsNumber(item)
			   ? g_strdup_printf("expected an integer, got %g", item->valuedouble)
			   : g_strdup_printf("expected an integer, got %s", v->text);
		return FALSE;
	}
	v->d = item->valuedouble;
	v->too_big = fabs(v->d) > PS_JSON_EXACT_DOUBLE;
	if (!v->too_big)
		g_snprintf(v->text, sizeof(v->text), "%.0f", v->d);
	return TRUE;
}

gboolean ps_json_doc_int(const PsJsonDoc *doc, const cJSON *item, int64_t min, int64_t max,
			 int64_t *out, int *code, char **why)
{
	IntValue v;
	int64_t x = 0;
	bool fits;

	if (!int_value(doc, item, &v, code, why))
		return FALSE;
	if (v.exact) {
		fits = v.neg ? v.mag <= (uint64_t)INT64_MAX + 1 : v.mag <= (uint64_t)INT64_MAX;
		x = !v.neg			       ? (int64_t)v.mag
		    : v.mag == (uint64_t)INT64_MAX + 1 ? INT64_MIN
						       : -(int64_t)v.mag;
	} else {
		fits = !v.overflow && !v.too_big;
		x = fits ? (int64_t)v.d : 0;
	}
	if (!fits || x < min || x > max) {
		*code = PS_UTIL_ERROR_RANGE;
		*why = g_strdup_printf("%s is out of range [%" PRId64 ", %" PRId64 "]", v.text, min,
				       max);
		return FALSE;
	}
	*out = x;
	return TRUE;
}

gboolean ps_json_doc_uint(const PsJsonDoc *doc, const cJSON *item, uint64_t min, uint64_t max,
			  uint64_t *out, int *code, char **why)
{
	IntValue v;
	uint64_t x = 0;
	bool fits;

	if (!int_value(doc, item, &v, code, why))
		return FALSE;
	if (v.exact) {
		fits = !v.neg || v.mag == 0;
		x = v.mag;
	} else {
		fits = !v.overflow && !v.too_big && v.d >= 0;
		x = fits ? (uint64_t)v.d : 0;
	}
	if (!fits || x < min || x > max) {
		*code = PS_UTIL_ERROR_RANGE;
		*why = g_strdup_printf("%s is out of range [%" PRIu64 ", %" PRIu64 "]", v.text, min,
				       max);
		return FALSE;
	}
	*out = x;
	return TRUE;
}

/* ---- exact integers out ------------------------------------------------------------------- */

cJSON *ps_json_create_int(int64_t v)
{
	char text[24];

	if (v > -PS_JSON_PLAIN_LIMIT && v < PS_JSON_PLAIN_LIMIT)
		return cJSON_CreateNumber((double)v);
	g_snprintf(text, sizeof(text), "%" PRId64, v);
	return cJSON_CreateRaw(text);
}

cJSON *ps_json_create_uint(uint64_t v)
{
	char text[24];

	if (v < (uint64_t)PS_JSON_PLAIN_LIMIT)
		return cJSON_CreateNumber((double)v);
	g_snprintf(text, sizeof(text), "%" PRIu64, v);
	return cJSON_CreateRaw(text);
}

cJSON *ps_json_add_int(cJSON *obj, const char *name, int64_t v)
{
	cJSON *item = ps_json_create_int(v);

	cJSON_AddItemToObject(obj, name, item);
	return item;
}

cJSON *ps_json_add_uint(cJSON *obj, const char *name, uint64_t v)
{
	cJSON *item = ps_json_create_uint(v);

	cJSON_AddItemToObject(obj, name, item);
	return item;
}

void ps_json_integers_raw(cJSON *item)
{
	for (cJSON *child = item->child; child; child = child->next)
		ps_json_integers_raw(child);
	if (cJSON_IsNumber(item) && item->valuedouble > -(double)PS_JSON_PLAIN_LIMIT &&
	    item->valuedouble < (double)PS_JSON_PLAIN_LIMIT &&
	    item->valuedouble == (double)(int64_t)item->valuedouble &&
	    !(item->valuedouble == 0 && signbit(item->valuedouble))) {
		char text[24];
		/* written backwards from the end: the digits of |v|, then the sign */
		int64_t v = (int64_t)item->valuedouble;
		uint64_t mag = v < 0 ? (uint64_t)-v : (uint64_t)v;
		char *at = text + sizeof(text) - 1;

		*at = '\0';
		do
			*--at = (char)('0' + mag % 10);
		while ((mag /= 10) != 0);
		if (v < 0)
			*--at = '-';
		/* cJSON_Delete frees valuestring with the hooks that made this copy */
		item->valuestring = (char *)cJSON_malloc(strlen(at) + 1);
		g_assert(item->valuestring != NULL);
		strcpy(item->valuestring, at);
		item->type = cJSON_Raw;
	}
}

static void make_exact(PsJsonDoc *doc, cJSON *item)
{
	for (cJSON *child = item->child; child; child = child->next)
		make_exact(doc, child);
	if (cJSON_IsNumber(item) && fabs(item->valuedouble) >= PS_JSON_EXACT_DOUBLE) {
		gsize len = 0;
		const char *tok = ps_json_doc_value_text(doc, item, &len);
		bool neg;
		uint64_t mag;

		if (tok && ps_json_integer_token(tok, len, &neg, &mag)) {
			/* a raw item owns its text in valuestring, freed by cJSON_Delete */
			item->type = cJSON_Raw;
			item->valuestring = cJSON_malloc(len + 1);
			memcpy(item->valuestring, tok, len);
			item->valuestring[len] = '\0';
		}
	}
}

void ps_json_doc_make_exact(PsJsonDoc *doc)
{
	make_exact(doc, doc->root);
}

bool ps_json_item_int64(const cJSON *item, int64_t *out)
{
	int code;
	g_autofree char *why = NULL;

	return ps_json_doc_int(NULL, item, INT64_MIN, INT64_MAX, out, &code, &why);
}

bool ps_json_item_uint64(const cJSON *item, uint64_t *out)
{
	int code;
	g_autofree char *why = NULL;

	return ps_json_doc_uint(NULL, item, 0, UINT64_MAX, out, &code, &why);
}

cJSON *ps_json_parse_exact(const char *text, gsize len, const char *filename, GError **error)
{
	PsJsonDoc *doc = ps_json_doc_parse(text, len, filename, error);
	cJSON *root;

	if (doc == NULL)
		return NULL;
	ps_json_doc_make_exact(doc);
	root = g_steal_pointer(&doc->root);
	ps_json_doc_free(doc);
	return root;
}
