/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * tracedat-private.h - trace-cmd's trace.dat as lines of `trace-cmd report -t` text, for the
 * importer (tracedat.c explains how; import.c reads them as it reads report text).
 */
#ifndef PS_TRACE_TRACEDAT_PRIVATE_H
#define PS_TRACE_TRACEDAT_PRIVATE_H

#include "trace/trace.h"

typedef struct PsTraceDat PsTraceDat;

/* Whether the file starts with trace.dat's magic (false for "-" and unreadable files). */
bool ps_tracedat_is(const char *path);
/* NULL with an error naming the file if libtracecmd cannot read it, or pagesim lacks it. */
PsTraceDat *ps_tracedat_open(const char *path, GError **error);
int ps_tracedat_cpus(const PsTraceDat *d);
uint64_t ps_tracedat_events(const PsTraceDat *d); /* events handed out so far */
/* As ps_line_reader_next: 1 and the next line (valid until the next call), 0 at the end, -1. */
int ps_tracedat_next(PsTraceDat *d, char **line, gsize *len, GError **error);
void ps_tracedat_close(PsTraceDat *d); /* NULL is a no-op */

#endif
