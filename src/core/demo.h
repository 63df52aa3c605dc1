/*
 * demo.h — the demonstration data set of `lantern init --demo`.
 *
 * Two parts, kept apart on purpose:
 *   - Real published figures: arrests for human exploitation and slavery
 *     offences in Hertfordshire, as reported by the local press — 6 in 2015,
 *     0 in 2016, 1 in 2017, 1 in 2018 and 11 in 2019; the 2019 arrests were 6
 *     for kidnapping or false imprisonment, 3 for holding a person in slavery
 *     or servitude, 1 for forced labour and 1 for human trafficking. Only the
 *     year of each arrest is public, so the dates are year-only, and the
 *     offence of the earlier arrests is `not_recorded`.
 *   - Synthetic reports: a few hundred public and partner reports over
 *     2015–2019, drawn from a seeded generator (splitmix64), so the same seed
 *     gives the same data on every machine. Their volume grows year on year,
 *     as awareness did; they cover every form of exploitation, several
 *     agencies, and places local, elsewhere in the country and abroad. They
 *     describe no real person or event.
 *
 * Ownership: lt_demo_build fills a caller-owned struct whose arrays are heap
 * memory; lt_demo_release frees them.
 */
#ifndef LT_DEMO_H
#define LT_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "core/record.h"

#define LT_DEMO_SEED 20191231u

struct lt_demo {
	struct lt_agency *agencies;
	size_t n_agencies;
	struct lt_arrest *arrests;
	size_t n_arrests;
	struct lt_report *reports; /* reference codes assigned, deterministic */
	size_t n_reports;
};

lt_status lt_demo_build(uint64_t seed, struct lt_demo *out, struct lt_error *err);
void lt_demo_release(struct lt_demo *d);

#endif
