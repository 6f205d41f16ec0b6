/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config-private.h - what the config module's files share: the tables of the "costs" and
 * "reclaim" sections (keys, where each value lives, its default or unit) that the parser
 * (config.c), the defaults (defaults.c) and the writer (write.c) all walk, so a key is added in
 * one place. The counts are checked against the tables where they are defined (an extern of
 * another size does not compile).
 */
#ifndef PS_CONFIG_PRIVATE_H
#define PS_CONFIG_PRIVATE_H

#include "config/config.h"

#define PS_CONFIG_NR_THP_MODES 4
/* "never", "madvise", "always", "off": thp_mode 0..2, then THP not built */
extern const char *const ps_config_thp_mode_names[PS_CONFIG_NR_THP_MODES];
/* shmem_enabled spellings, by enum ps_shmem_huge */
extern const char *const ps_config_shmem_huge_names[PS_NR_SHMEM_HUGE];
/* hugepages-<size>kB/enabled spellings, by PS_THP_SIZE_* */
extern const char *const ps_config_thp_size_mode_names[PS_NR_THP_SIZE_MODES];

/* One key of "costs": a uint64_t of PsCosts, in ns. */
typedef struct {
	const char *key;
	size_t offset;
	uint64_t def;
} PsConfigCostKey;
#define PS_CONFIG_NR_COST_KEYS 13
extern const PsConfigCostKey ps_config_cost_keys[PS_CONFIG_NR_COST_KEYS];
#define COST_FIELD(c, i) ((uint64_t *)((char *)(c) + ps_config_cost_keys[i].offset))

/* One key of "reclaim": a field of PsReclaimConfig, given in its unit times mult. */
typedef struct {
	const char *key;
	size_t offset;
	uint64_t mult; /* to the stored unit */
	bool is_u32;
	int64_t max; /* the largest value a config may give (PS_RECLAIM_KEY_MAX for times) */
} PsConfigReclaimKey;
#define PS_RECLAIM_KEY_MAX	  1000000000000ll
#define PS_CONFIG_NR_RECLAIM_KEYS 17
extern const PsConfigReclaimKey ps_config_reclaim_keys[PS_CONFIG_NR_RECLAIM_KEYS];
/* Key i's value in the config's unit. */
uint64_t ps_config_reclaim_get(const PsReclaimConfig *rc, gsize i);

/* Frees what cfg owns and puts every field back to its default. */
void ps_config_clear(PsConfig *cfg);

#endif
