// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * fuzz-config.c - libFuzzer harness for the config parser (ps_config_load_data), seeded with
 * the JSON files in configs/. Beyond "does not crash", it checks config.h's promise that a parsed
 * spec written back as JSON parses again, and writes back the same text.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size ? size : 1);
	GError *error = NULL;
	PsMachineSpec spec, spec2;
	char *json, *json2;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	if (!ps_config_load_data(text, size, "fuzz.json", &spec, &error)) {
		if (error == NULL || error->message[0] == '\0')
			g_error("config parse failed without a message");
		g_clear_error(&error);
		free(text);
		return 0;
	}
	json = ps_config_to_json(&spec, NULL, NULL);
	if (!ps_config_load_data(json, strlen(json), "again.json", &spec2, &error))
		g_error("written config does not parse: %s\n%s", error->message, json);
	json2 = ps_config_to_json(&spec2, NULL, NULL);
	if (strcmp(json, json2) != 0)
		g_error("config changes when written and read back:\n%s\n---\n%s", json, json2);
	g_free(json);
	g_free(json2);
	free(text);
	return 0;
}
