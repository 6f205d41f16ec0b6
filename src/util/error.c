// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * error.c - the util error domain, and moving a util error into a module's own domain for
 * callers that were promised that domain (PS_TRACE_ERROR_IO, PS_CONFIG_ERROR_IO, ...).
 */
#include "util/util.h"

G_DEFINE_QUARK(ps_util_error_quark, ps_util_error)

void ps_util_error_to_domain(GError **error, GQuark domain, int io_code, int parse_code)
{
	if (error == NULL || *error == NULL)
		return;
	if ((*error)->domain == G_IO_ERROR) {
		(*error)->domain = domain;
		(*error)->code = io_code;
	} else if ((*error)->domain == PS_UTIL_ERROR) {
		(*error)->domain = domain;
		(*error)->code = parse_code;
	}
}
