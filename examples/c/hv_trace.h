/*
 * hv_trace.h - the hypercall trace of a libhvcall machine, parsed
 *
 * hvcall_trace_json() returns a JSON array of flat objects (the
 * "hypercalls" of `hvcall simulate --json`, docs/cli.md): timeNs,
 * partition, vp, handledBy, code, name, control, fast, repCount, nested,
 * status, statusName, repsCompleted. The writer emits them compactly and
 * no string holds a brace or a quote, so a small scanner is enough.
 */
#ifndef HV_TRACE_H
#define HV_TRACE_H

#include <stdbool.h>
#include <stdint.h>

#include "hvcall.h"

/**
 * struct hv_trace_entry - one hypercall of the trace
 * @vp: the issuing VP
 * @code: the call code
 * @control: the control word as issued (nested bit included)
 * @rep_count: its rep count
 * @status: the final status
 * @reps_completed: reps completed
 * @fast: the fast bit
 * @nested: the nested bit
 * @partition: the issuing partition ("guest", "root")
 * @handled_by: the layer that handled it ("L0", "L1")
 * @name: the call's name
 */
struct hv_trace_entry {
	uint32_t vp;
	uint32_t code;
	uint64_t control;
	uint32_t rep_count;
	uint32_t status;
	uint32_t reps_completed;
	bool fast;
	bool nested;
	char partition[16];
	char handled_by[8];
	char name[64];
};

/**
 * struct hv_trace - a parsed trace
 * @entries: the hypercalls, in issue order (malloc'ed)
 * @count: how many
 */
struct hv_trace {
	struct hv_trace_entry *entries;
	unsigned int count;
};

int hv_trace_read(hvcall_machine *m, struct hv_trace *t);
int hv_trace_parse(const char *json, struct hv_trace *t);
void hv_trace_free(struct hv_trace *t);

#endif /* HV_TRACE_H */
