/*
 * hv_trace.c - the hypercall trace of a libhvcall machine, parsed
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hv_trace.h"

/**
 * field() - the text of one field's value inside an object
 * @obj: the object's first character
 * @end: one past its last
 * @key: the field name
 *
 * Return: the first character of the value, or NULL when absent.
 */
static const char *field(const char *obj, const char *end, const char *key)
{
	size_t n = strlen(key);
	const char *p;

	for (p = obj; p + n + 3 <= end; p++)
		if (p[0] == '"' && !strncmp(p + 1, key, n) && p[n + 1] == '"' &&
		    p[n + 2] == ':')
			return p + n + 3;
	return NULL;
}

static uint64_t number(const char *obj, const char *end, const char *key)
{
	const char *v = field(obj, end, key);

	return v ? strtoull(v, NULL, 10) : 0;
}

static bool boolean(const char *obj, const char *end, const char *key)
{
	const char *v = field(obj, end, key);

	return v && !strncmp(v, "true", 4);
}

static void string(const char *obj, const char *end, const char *key,
		   char *out, size_t size)
{
	const char *v = field(obj, end, key);
	size_t n = 0;

	if (v && *v == '"')
		for (v++; v < end && *v != '"' && n + 1 < size; v++)
			out[n++] = *v;
	out[n] = '\0';
}

/**
 * hv_trace_parse() - parse a trace JSON array
 * @json: the text
 * @t: receives the entries (free with hv_trace_free)
 *
 * Return: 0, or -1 when @json is not an array of objects.
 */
int hv_trace_parse(const char *json, struct hv_trace *t)
{
	const char *p = json;
	unsigned int cap = 0;

	t->entries = NULL;
	t->count = 0;
	if (!json)
		return -1;
	while (*p == ' ' || *p == '\n')
		p++;
	if (*p != '[')
		return -1;
	for (;;) {
		const char *obj = strchr(p, '{');
		const char *end = obj ? strchr(obj, '}') : NULL;
		struct hv_trace_entry *e;

		if (!obj || !end)
			break;
		if (t->count == cap) {
			void *grown;

			cap = cap ? 2 * cap : 64;
			grown = realloc(t->entries, cap * sizeof(*e));
			if (!grown) {
				hv_trace_free(t);
				return -1;
			}
			t->entries = grown;
		}
		e = &t->entries[t->count++];
		memset(e, 0, sizeof(*e));
		e->vp = (uint32_t)number(obj, end, "vp");
		e->code = (uint32_t)number(obj, end, "code");
		e->control = number(obj, end, "control");
		e->rep_count = (uint32_t)number(obj, end, "repCount");
		e->status = (uint32_t)number(obj, end, "status");
		e->reps_completed = (uint32_t)number(obj, end, "repsCompleted");
		e->fast = boolean(obj, end, "fast");
		e->nested = boolean(obj, end, "nested");
		string(obj, end, "partition", e->partition,
		       sizeof(e->partition));
		string(obj, end, "handledBy", e->handled_by,
		       sizeof(e->handled_by));
		string(obj, end, "name", e->name, sizeof(e->name));
		p = end + 1;
	}
	return 0;
}

/**
 * hv_trace_read() - fetch and parse a machine's trace
 * @m: the machine
 * @t: receives the entries (free with hv_trace_free)
 *
 * Return: 0, or -1 (hvcall_last_error() says why when the library failed).
 */
int hv_trace_read(hvcall_machine *m, struct hv_trace *t)
{
	char *json = hvcall_trace_json(m);
	int rc;

	if (!json) {
		t->entries = NULL;
		t->count = 0;
		return -1;
	}
	rc = hv_trace_parse(json, t);
	hvcall_free(json);
	return rc;
}

void hv_trace_free(struct hv_trace *t)
{
	free(t->entries);
	t->entries = NULL;
	t->count = 0;
}
