/*
 * hvcall_tests.c - libhvcall.so from C, as a kernel calls Hyper-V
 *
 * Every hypercall goes through the callable hypercall page with native/'s
 * routed issuing functions (hv_routing.h), except where a test is about
 * hvcall.h's own entry points. The VMBus bring-up is examples/c's
 * (vmbus_client.c), not a copy.
 *
 * Prints "ok N - name" or "not ok N - name" per test, with "#" lines saying
 * what differed before it, then exactly one line "C tests: P passed, F
 * failed"; exits 0 only when nothing failed.
 *
 *	hvcall_tests [STUB_BIN]
 *
 * STUB_BIN is src/HvCall.Native/stub/hypercall_page.S assembled to a flat
 * binary (the Makefile builds it and compiles its path in as the default).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hv_trace.h"
#include "vmbus_client.h"

#ifndef STUB_BIN
#define STUB_BIN "build/hypercall_page.bin"
#endif

extern char **environ;

/* ---- the harness ------------------------------------------------------- */

static unsigned int tests_passed, tests_failed;
static bool test_ok;
static const char *stub_bin = STUB_BIN;
static const char *self_exe = "/proc/self/exe";

/* A failed check: say what differed (TAP diagnostic) and fail the test. */
#define FAIL(...)						\
	do {							\
		test_ok = false;				\
		printf("#   %s:%d: ", __func__, __LINE__);	\
		printf(__VA_ARGS__);				\
		printf("\n");					\
	} while (0)

#define CHECK(cond)							\
	do {								\
		if (!(cond))						\
			FAIL("%s", #cond);				\
	} while (0)

/* Equal 64-bit values, both printed in hex when not. */
#define CHECK_EQ(got, want)						\
	do {								\
		u64 got_ = (u64)(got), want_ = (u64)(want);		\
		if (got_ != want_)					\
			FAIL("%s: got 0x%" PRIx64 ", want 0x%" PRIx64,	\
			     #got, got_, want_);			\
	} while (0)

/* An int return code of hvcall.h, with hvcall_last_error() when not. */
#define CHECK_RC(got, want)						\
	do {								\
		int got_ = (got), want_ = (want);			\
		if (got_ != want_)					\
			FAIL("%s: got %d, want %d (%s)", #got, got_,	\
			     want_, hvcall_last_error());		\
	} while (0)

static void run_test(const char *name, void (*fn)(void))
{
	test_ok = true;
	fn();
	if (test_ok)
		tests_passed++;
	else
		tests_failed++;
	printf("%s %u - %s\n", test_ok ? "ok" : "not ok",
	       tests_passed + tests_failed, name);
	fflush(stdout);
}

/* ---- helpers ----------------------------------------------------------- */

static hvcall_machine *machine_new(const char *options)
{
	hvcall_machine *m = NULL;
	int rc = hvcall_machine_create(options, &m);

	if (rc) {
		FAIL("hvcall_machine_create(\"%s\"): %d: %s", options, rc,
		     hvcall_last_error());
		return NULL;
	}
	return m;
}

/* A machine with VP 0 set up (GUEST_OS_ID, hypercall page, routing table). */
static hvcall_machine *guest_new(const char *options, struct hv_guest *g,
				 bool routing)
{
	hvcall_machine *m = machine_new(options);

	if (m && hv_guest_setup(g, m, 0, routing)) {
		FAIL("setup on \"%s\": %s", options, hv_guest_error);
		hvcall_machine_destroy(m);
		return NULL;
	}
	return m;
}

static struct hv_trace trace_of(hvcall_machine *m)
{
	struct hv_trace t;

	if (hv_trace_read(m, &t))
		FAIL("hvcall_trace_json: %s", hvcall_last_error());
	return t;
}

static const struct hv_trace_entry *trace_last(const struct hv_trace *t)
{
	return t->count ? &t->entries[t->count - 1] : NULL;
}

/* The header of Get/SetVpRegisters: this partition, this VP, VTL 0. */
static void vp_registers_header(u8 *in)
{
	u64 partition = ~0ULL;			/* HV_PARTITION_ID_SELF */
	u32 vp = 0xfffffffeU;			/* HV_VP_INDEX_SELF */

	memset(in, 0, 16);
	memcpy(in, &partition, 8);
	memcpy(in + 8, &vp, 4);
}

#define HV_REGISTER_GUEST_OS_ID	0x00090002U
#define HV_REGISTER_VP_INDEX	0x00090003U
#define HV_REGISTER_SINT0	0x000a0000U
#define HVCALL_GET_VP_REGISTERS	0x0050
#define HVCALL_SET_VP_REGISTERS	0x0051
#define HVCALL_FLUSH_VA_LIST	0x0003
#define HV_REPS_PER_TIME_SLICE	16
#define REP_COUNT(n)		((u64)(n) << HV_HYPERCALL_REP_COMP_OFFSET)

/* ---- VMBus through the page -------------------------------------------- */

static const char *const expected_devices[] = {
	"network", "storage", "heartbeat", "shutdown", "echo",
};

/* What every connected bring-up must show, flat or nested. */
static void check_connected(const struct vmbus_report *r, int rc)
{
	unsigned int i;

	CHECK_RC(rc, VMBUS_CONNECTED);
	if (rc != VMBUS_CONNECTED)
		FAIL("bring-up: %s", r->error);
	CHECK_EQ(r->version, VMBUS_VERSION(5, 2));
	CHECK_EQ(r->msg_conn_id, VMBUS_MESSAGE_CONNECTION_ID);
	CHECK_EQ(r->tried, 2);
	CHECK_EQ(r->tried_version[0], VMBUS_VERSION(5, 3));
	CHECK_EQ(r->tried_supported[0], 0);	/* the host accepts up to 5.2 */
	CHECK_EQ(r->tried_supported[1], 1);
	CHECK(r->all_offers_delivered);
	CHECK_EQ(r->n_offers, ARRAY_SIZE(expected_devices));
	for (i = 0; i < r->n_offers && i < ARRAY_SIZE(expected_devices); i++) {
		const struct vmbus_offer_info *o = &r->offers[i];

		CHECK_EQ(o->relid, i + 1);
		CHECK_EQ(o->connection_id, 0x2000 | (i + 1));
		if (strcmp(vmbus_device_name(o->if_type), expected_devices[i]))
			FAIL("offer %u is %s, want %s", i,
			     vmbus_device_name(o->if_type),
			     expected_devices[i]);
		/* nobody opened the channel, so nobody listens on it */
		CHECK_EQ(hv_result_status(o->signal_result),
			 HV_STATUS_INVALID_CONNECTION_ID);
	}
	CHECK_EQ(r->signal_events, r->n_offers);
	CHECK_EQ(r->post_messages, 4);	/* 2 INITIATE_CONTACT, REQUESTOFFERS, UNLOAD */
	CHECK_EQ(r->messages, 9);	/* 2 VERSION_RESPONSE, 5 offers, ALLOFFERS, UNLOAD_RESPONSE */
	CHECK(r->unloaded);
}

/*
 * The VMBus calls of a bring-up in the trace: partition, nested bit and
 * handling layer of every PostMessage and SignalEvent.
 */
static void check_vmbus_trace(hvcall_machine *m, const char *partition,
			      bool nested, const char *handled_by,
			      unsigned int posts, unsigned int signals)
{
	struct hv_trace t = trace_of(m);
	unsigned int i, n_post = 0, n_signal = 0;

	for (i = 0; i < t.count; i++) {
		const struct hv_trace_entry *e = &t.entries[i];

		if (e->code != HVCALL_POST_MESSAGE &&
		    e->code != HVCALL_SIGNAL_EVENT)
			continue;
		n_post += e->code == HVCALL_POST_MESSAGE;
		n_signal += e->code == HVCALL_SIGNAL_EVENT;
		if (e->nested != nested ||
		    !!(e->control & HV_HYPERCALL_NESTED) != nested ||
		    strcmp(e->handled_by, handled_by) ||
		    strcmp(e->partition, partition))
			FAIL("trace entry %u (%s): partition %s, nested %d, handled by %s; want %s, %d, %s",
			     i, e->name, e->partition, e->nested,
			     e->handled_by, partition, nested, handled_by);
		if (e->code == HVCALL_SIGNAL_EVENT && !e->fast)
			FAIL("trace entry %u: SignalEvent not fast", i);
	}
	CHECK_EQ(n_post, posts);
	CHECK_EQ(n_signal, signals);
	hv_trace_free(&t);
}

static void test_bringup_flat(void)
{
	struct vmbus_report r;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	u32 counts[16];

	if (!m)
		return;
	CHECK(!g.nested_root);
	CHECK_EQ(g.msr_simp, 0x40000083);
	CHECK_EQ(g.msr_eom, 0x40000084);
	check_connected(&r, vmbus_bringup(&g, &r));
	check_vmbus_trace(m, "guest", false, "L0", 4, 5);
	CHECK_RC(hvcall_interrupts(m, 0, counts), HVCALL_OK);
	CHECK_EQ(counts[VMBUS_MESSAGE_SINT], r.messages);
	hvcall_machine_destroy(m);
}

static void test_bringup_nested(void)
{
	struct vmbus_report r;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=nested", &g, true);

	if (!m)
		return;
	CHECK(g.nested_root);
	CHECK(g.enlightenments & HV_X64_HYPERV_NESTED);
	CHECK_EQ(g.msr_scontrol, 0x40001080);
	CHECK_EQ(g.msr_siefp, 0x40001082);
	CHECK_EQ(g.msr_simp, 0x40001083);
	CHECK_EQ(g.msr_eom, 0x40001084);
	CHECK_EQ(g.msr_sint2, 0x40001092);
	check_connected(&r, vmbus_bringup(&g, &r));
	hvcall_machine_destroy(m);
}

static void test_nested_bit(void)
{
	struct vmbus_report r;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=nested", &g, true);

	if (!m)
		return;
	CHECK_RC(vmbus_bringup(&g, &r), VMBUS_CONNECTED);
	/* every PostMessage and SignalEvent of the root: bit 31, served by L0 */
	check_vmbus_trace(m, "root", true, "L0", 4, 5);
	hvcall_machine_destroy(m);
}

static void test_ablation(void)
{
	struct vmbus_report r;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=nested", &g, false);
	unsigned int i;
	int rc;

	if (!m)
		return;
	rc = vmbus_bringup(&g, &r);
	CHECK_RC(rc, VMBUS_E_NO_VERSION);
	CHECK_EQ(r.version, 0);
	CHECK_EQ(r.tried, VMBUS_VERSION_COUNT);
	for (i = 0; i < r.tried; i++) {
		CHECK_EQ(r.tried_version[i], vmbus_versions[i]);
		CHECK_EQ(hv_result_status(r.tried_result[i]),
			 HV_STATUS_INVALID_CONNECTION_ID);
	}
	CHECK_EQ(r.messages, 0);
	/* without bit 31, L1 handled them: it serves no VMBus connection */
	check_vmbus_trace(m, "root", false, "L1", VMBUS_VERSION_COUNT, 0);
	hvcall_machine_destroy(m);
}

static void test_fast8_nested(void)
{
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=nested", &g, true);
	const struct hv_trace_entry *e;
	struct hv_trace t;
	char *json;

	if (!m)
		return;
	hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, 0x2001);
	t = trace_of(m);
	e = trace_last(&t);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(e->control, 0x8001005dULL);
		CHECK(e->fast && e->nested);
		CHECK(!strcmp(e->handled_by, "L0"));
	}
	hv_trace_free(&t);
	json = hvcall_trace_json(m);
	CHECK(json && strstr(json, "\"control\":2147549277"));
	hvcall_free(json);
	hvcall_machine_destroy(m);
}

static void test_fast8_flat(void)
{
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	const struct hv_trace_entry *e;
	struct hv_trace t;

	if (!m)
		return;
	hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, 0x2001);
	t = trace_of(m);
	e = trace_last(&t);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(e->control, 0x1005dULL);
		CHECK(e->fast && !e->nested);
		CHECK(!strcmp(e->handled_by, "L0"));
	}
	hv_trace_free(&t);
	hvcall_machine_destroy(m);
}

/* ---- rep calls through the page ---------------------------------------- */

/*
 * One page call, more reps than a time slice: the hypervisor continues the
 * call (RIP left on the instruction) and the page returns with all done.
 */
static void test_rep_get_vp_registers(void)
{
	const unsigned int reps = 40;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	const struct hv_trace_entry *e;
	struct hv_trace t;
	unsigned int i;
	u64 result;

	if (!m)
		return;
	vp_registers_header(g.input);
	for (i = 0; i < reps; i++) {
		u32 name = i & 1 ? HV_REGISTER_GUEST_OS_ID :
				   HV_REGISTER_VP_INDEX;

		memcpy(g.input + 16 + 4 * i, &name, 4);
	}
	memset(g.output, 0xee, 16 * reps);
	result = hv_do_hypercall(HVCALL_GET_VP_REGISTERS | REP_COUNT(reps),
				 g.input, g.output);
	CHECK_EQ(hv_result_status(result), HV_STATUS_SUCCESS);
	CHECK_EQ(hv_result_reps(result), reps);
	for (i = 0; i < reps; i++) {
		u64 value;

		memcpy(&value, g.output + 16 * i, 8);
		CHECK_EQ(value, i & 1 ? GUEST_LINUX_OS_ID : 0);
	}
	t = trace_of(m);
	e = trace_last(&t);
	CHECK(e && e->code == HVCALL_GET_VP_REGISTERS &&
	      e->rep_count == reps && e->reps_completed == reps);
	hv_trace_free(&t);
	hvcall_machine_destroy(m);
}

/*
 * hv_do_rep_hypercall through the page: 20 SINT writes (SINT0-15, then
 * SINT0-3 again), read back through RDMSR.
 */
static void test_rep_set_vp_registers(void)
{
	const unsigned int reps = 20;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	unsigned int i;
	u64 result;

	if (!m)
		return;
	vp_registers_header(g.input);
	for (i = 0; i < reps; i++) {
		u8 *element = g.input + 16 + 32 * i;
		u32 name = HV_REGISTER_SINT0 + i % 16;
		u64 value = 0x10000 | (0x40 + i);	/* masked, vector */

		memset(element, 0, 32);
		memcpy(element, &name, 4);
		memcpy(element + 16, &value, 8);
	}
	result = hv_do_rep_hypercall(HVCALL_SET_VP_REGISTERS, reps, 0, g.input,
				     NULL);
	CHECK_EQ(hv_result_status(result), HV_STATUS_SUCCESS);
	CHECK_EQ(hv_result_reps(result), reps);
	for (i = 0; i < 16; i++) {
		u64 value = ~0ULL;
		u32 last = i < reps - 16 ? i + 16 : i;

		CHECK_RC(hvcall_rdmsr(HV_X64_MSR_SINT0 + i, &value), 0);
		CHECK_EQ(value, 0x10000 | (0x40 + last));
	}
	hvcall_machine_destroy(m);
}

/* HvCallFlushVirtualAddressList, 50 GVAs: one page call, every rep done. */
static void test_rep_flush_list(void)
{
	const unsigned int reps = 50;
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	u64 header[3] = { 0, 1 /* HV_FLUSH_ALL_PROCESSORS */, 0 };
	unsigned int i;
	u64 result;

	if (!m)
		return;
	memcpy(g.input, header, sizeof(header));
	for (i = 0; i < reps; i++) {
		u64 gva = 0x7f0000000000ULL + 0x1000ULL * i;

		memcpy(g.input + sizeof(header) + 8 * i, &gva, 8);
	}
	CHECK(reps > HV_REPS_PER_TIME_SLICE);
	result = hv_do_hypercall(HVCALL_FLUSH_VA_LIST | REP_COUNT(reps),
				 g.input, NULL);
	CHECK_EQ(hv_result_status(result), HV_STATUS_SUCCESS);
	CHECK_EQ(hv_result_reps(result), reps);
	hvcall_machine_destroy(m);
}

/* ---- extended calls ---------------------------------------------------- */

static void test_extended_never_nested(void)
{
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=nested", &g, true);
	const struct hv_trace_entry *e;
	struct hv_trace t;
	u64 result, caps = ~0ULL;

	if (!m)
		return;
	/* even with every table bit set: codes from 512 up are never nested */
	memset(hv_nested_routing, 0xff, sizeof(hv_nested_routing));
	result = hv_do_hypercall(HV_EXT_CALL_QUERY_CAPABILITIES, NULL,
				 g.output);
	hv_routing_init(g.enlightenments);
	CHECK_EQ(hv_result_status(result), HV_STATUS_SUCCESS);
	memcpy(&caps, g.output, 8);
	CHECK_EQ(caps, 0);
	t = trace_of(m);
	e = trace_last(&t);
	CHECK(e != NULL);
	if (e) {
		CHECK_EQ(e->code, 0x8001);
		CHECK_EQ(e->control, 0x8001);
		CHECK(!e->nested);
		CHECK(!strcmp(e->handled_by, "L1"));
		CHECK(!strcmp(e->partition, "root"));
	}
	hv_trace_free(&t);
	hvcall_machine_destroy(m);
}

/* ---- the page itself --------------------------------------------------- */

/*
 * struct page_frame - what the register test loads, calls and stores
 *
 * GPRs in: RBX, RSI, RDI, R9-R15; out: the same, then RCX, RDX, R8.
 */
struct page_frame {
	u64 page;
	u64 rcx, rdx, r8;
	u64 gpr_in[10];
	u64 gpr_out[13];
	u64 result;
	u8 xmm_in[16][16];
	u8 xmm_out[16][16];
};

#define FRAME_OFF(f)	[f] "i"(offsetof(struct page_frame, f))

/*
 * page_call_frame() - call the page with every register the test watches
 * loaded from @f, and store them all right after the call
 * @f: the frame
 *
 * RAX holds @f until the call (the page ignores it); afterwards the frame
 * pointer comes back from the stack, after RAX (the result) is pushed.
 */
static void page_call_frame(struct page_frame *f)
{
	__asm__ __volatile__(
		"push	%%rbp\n\t"
		"mov	%%rsp, %%rbp\n\t"
		"and	$-16, %%rsp\n\t"
		"push	%%rax\n\t"
		"sub	$8, %%rsp\n\t"
		"movdqu	%c[xmm_in]+0x00(%%rax), %%xmm0\n\t"
		"movdqu	%c[xmm_in]+0x10(%%rax), %%xmm1\n\t"
		"movdqu	%c[xmm_in]+0x20(%%rax), %%xmm2\n\t"
		"movdqu	%c[xmm_in]+0x30(%%rax), %%xmm3\n\t"
		"movdqu	%c[xmm_in]+0x40(%%rax), %%xmm4\n\t"
		"movdqu	%c[xmm_in]+0x50(%%rax), %%xmm5\n\t"
		"movdqu	%c[xmm_in]+0x60(%%rax), %%xmm6\n\t"
		"movdqu	%c[xmm_in]+0x70(%%rax), %%xmm7\n\t"
		"movdqu	%c[xmm_in]+0x80(%%rax), %%xmm8\n\t"
		"movdqu	%c[xmm_in]+0x90(%%rax), %%xmm9\n\t"
		"movdqu	%c[xmm_in]+0xa0(%%rax), %%xmm10\n\t"
		"movdqu	%c[xmm_in]+0xb0(%%rax), %%xmm11\n\t"
		"movdqu	%c[xmm_in]+0xc0(%%rax), %%xmm12\n\t"
		"movdqu	%c[xmm_in]+0xd0(%%rax), %%xmm13\n\t"
		"movdqu	%c[xmm_in]+0xe0(%%rax), %%xmm14\n\t"
		"movdqu	%c[xmm_in]+0xf0(%%rax), %%xmm15\n\t"
		"mov	%c[gpr_in]+0x00(%%rax), %%rbx\n\t"
		"mov	%c[gpr_in]+0x08(%%rax), %%rsi\n\t"
		"mov	%c[gpr_in]+0x10(%%rax), %%rdi\n\t"
		"mov	%c[gpr_in]+0x18(%%rax), %%r9\n\t"
		"mov	%c[gpr_in]+0x20(%%rax), %%r10\n\t"
		"mov	%c[gpr_in]+0x28(%%rax), %%r11\n\t"
		"mov	%c[gpr_in]+0x30(%%rax), %%r12\n\t"
		"mov	%c[gpr_in]+0x38(%%rax), %%r13\n\t"
		"mov	%c[gpr_in]+0x40(%%rax), %%r14\n\t"
		"mov	%c[gpr_in]+0x48(%%rax), %%r15\n\t"
		"mov	%c[rcx](%%rax), %%rcx\n\t"
		"mov	%c[rdx](%%rax), %%rdx\n\t"
		"mov	%c[r8](%%rax), %%r8\n\t"
		"call	*%c[page](%%rax)\n\t"
		"push	%%rax\n\t"
		"mov	16(%%rsp), %%rax\n\t"
		"mov	%%rbx, %c[gpr_out]+0x00(%%rax)\n\t"
		"mov	%%rsi, %c[gpr_out]+0x08(%%rax)\n\t"
		"mov	%%rdi, %c[gpr_out]+0x10(%%rax)\n\t"
		"mov	%%r9, %c[gpr_out]+0x18(%%rax)\n\t"
		"mov	%%r10, %c[gpr_out]+0x20(%%rax)\n\t"
		"mov	%%r11, %c[gpr_out]+0x28(%%rax)\n\t"
		"mov	%%r12, %c[gpr_out]+0x30(%%rax)\n\t"
		"mov	%%r13, %c[gpr_out]+0x38(%%rax)\n\t"
		"mov	%%r14, %c[gpr_out]+0x40(%%rax)\n\t"
		"mov	%%r15, %c[gpr_out]+0x48(%%rax)\n\t"
		"mov	%%rcx, %c[gpr_out]+0x50(%%rax)\n\t"
		"mov	%%rdx, %c[gpr_out]+0x58(%%rax)\n\t"
		"mov	%%r8, %c[gpr_out]+0x60(%%rax)\n\t"
		"movdqu	%%xmm0, %c[xmm_out]+0x00(%%rax)\n\t"
		"movdqu	%%xmm1, %c[xmm_out]+0x10(%%rax)\n\t"
		"movdqu	%%xmm2, %c[xmm_out]+0x20(%%rax)\n\t"
		"movdqu	%%xmm3, %c[xmm_out]+0x30(%%rax)\n\t"
		"movdqu	%%xmm4, %c[xmm_out]+0x40(%%rax)\n\t"
		"movdqu	%%xmm5, %c[xmm_out]+0x50(%%rax)\n\t"
		"movdqu	%%xmm6, %c[xmm_out]+0x60(%%rax)\n\t"
		"movdqu	%%xmm7, %c[xmm_out]+0x70(%%rax)\n\t"
		"movdqu	%%xmm8, %c[xmm_out]+0x80(%%rax)\n\t"
		"movdqu	%%xmm9, %c[xmm_out]+0x90(%%rax)\n\t"
		"movdqu	%%xmm10, %c[xmm_out]+0xa0(%%rax)\n\t"
		"movdqu	%%xmm11, %c[xmm_out]+0xb0(%%rax)\n\t"
		"movdqu	%%xmm12, %c[xmm_out]+0xc0(%%rax)\n\t"
		"movdqu	%%xmm13, %c[xmm_out]+0xd0(%%rax)\n\t"
		"movdqu	%%xmm14, %c[xmm_out]+0xe0(%%rax)\n\t"
		"movdqu	%%xmm15, %c[xmm_out]+0xf0(%%rax)\n\t"
		"pop	%%rcx\n\t"
		"mov	%%rcx, %c[result](%%rax)\n\t"
		"mov	%%rbp, %%rsp\n\t"
		"pop	%%rbp"
		: "+a"(f)
		: FRAME_OFF(page), FRAME_OFF(rcx), FRAME_OFF(rdx),
		  FRAME_OFF(r8), FRAME_OFF(gpr_in), FRAME_OFF(gpr_out),
		  FRAME_OFF(result), FRAME_OFF(xmm_in), FRAME_OFF(xmm_out)
		: "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11",
		  "r12", "r13", "r14", "r15", "xmm0", "xmm1", "xmm2", "xmm3",
		  "xmm4", "xmm5", "xmm6", "xmm7", "xmm8", "xmm9", "xmm10",
		  "xmm11", "xmm12", "xmm13", "xmm14", "xmm15", "cc", "memory");
}

static const char *const gpr_names[13] = {
	"RBX", "RSI", "RDI", "R9", "R10", "R11", "R12", "R13", "R14", "R15",
	"RCX", "RDX", "R8",
};

static void test_page_preserves_registers(void)
{
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	struct page_frame f;
	unsigned int i;
	u32 name = HV_REGISTER_GUEST_OS_ID;
	u64 value;

	if (!m)
		return;
	memset(&f, 0, sizeof(f));
	vp_registers_header(g.input);
	memcpy(g.input + 16, &name, 4);
	f.page = (u64)(uintptr_t)hv_hypercall_pg;
	f.rcx = HVCALL_GET_VP_REGISTERS | REP_COUNT(1);
	f.rdx = hv_guest_gpa(&g, g.input);
	f.r8 = hv_guest_gpa(&g, g.output);
	for (i = 0; i < 10; i++)
		f.gpr_in[i] = 0x0123456789abcdefULL ^ ((u64)(i + 1) << 56) ^
			      (i * 0x1111);
	for (i = 0; i < sizeof(f.xmm_in); i++)
		((u8 *)f.xmm_in)[i] = (u8)(i * 7 + 1);
	page_call_frame(&f);

	CHECK_EQ(hv_result_status(f.result), HV_STATUS_SUCCESS);
	CHECK_EQ(hv_result_reps(f.result), 1);
	memcpy(&value, g.output, 8);
	CHECK_EQ(value, GUEST_LINUX_OS_ID);
	for (i = 0; i < 10; i++)
		if (f.gpr_out[i] != f.gpr_in[i])
			FAIL("%s: 0x%" PRIx64 " became 0x%" PRIx64,
			     gpr_names[i], f.gpr_in[i], f.gpr_out[i]);
	if (f.gpr_out[10] != f.rcx || f.gpr_out[11] != f.rdx ||
	    f.gpr_out[12] != f.r8)
		FAIL("RCX/RDX/R8 changed: 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64,
		     f.gpr_out[10], f.gpr_out[11], f.gpr_out[12]);
	for (i = 0; i < 16; i++)
		if (memcmp(f.xmm_in[i], f.xmm_out[i], 16))
			FAIL("XMM%u changed", i);
	hvcall_machine_destroy(m);
}

/* Writes a recognisable pattern over a guest page. */
static void fill_pattern(u8 *p)
{
	unsigned int i;

	for (i = 0; i < GUEST_PAGE_SIZE; i++)
		p[i] = (u8)(i * 13 + 5);
}

static bool is_pattern(const u8 *p)
{
	unsigned int i;

	for (i = 0; i < GUEST_PAGE_SIZE; i++)
		if (p[i] != (u8)(i * 13 + 5))
			return false;
	return true;
}

static void test_page_disable_restores(void)
{
	hvcall_machine *m = machine_new("topology=flat");
	u64 msr = ~0ULL;
	u8 *page;

	if (!m)
		return;
	page = (u8 *)hvcall_guest_memory(m, NULL) + GUEST_HYPERCALL_PAGE;
	CHECK_RC(hvcall_bind_vp(m, 0), 0);
	fill_pattern(page);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, GUEST_LINUX_OS_ID), 0);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_HYPERCALL, GUEST_HYPERCALL_PAGE | 1), 0);
	CHECK(!is_pattern(page));
	CHECK_EQ(page[0], 0x55);	/* push rbp */

	/* disabled: plain memory with its own bytes, writable again */
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_HYPERCALL, GUEST_HYPERCALL_PAGE), 0);
	CHECK(is_pattern(page));
	page[0] ^= 0xff;
	page[0] ^= 0xff;
	CHECK(is_pattern(page));

	/* enabled again, then the guest OS id set to 0 disables it too */
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_HYPERCALL, GUEST_HYPERCALL_PAGE | 1), 0);
	CHECK_EQ(page[0], 0x55);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, 0), 0);
	CHECK(is_pattern(page));
	CHECK_RC(hvcall_rdmsr(HV_X64_MSR_HYPERCALL, &msr), 0);
	CHECK_EQ(msr & 1, 0);
	hvcall_machine_destroy(m);
}

/* The placeholder of the entry address in the stub's movabs (stub/README.md). */
static const u8 entry_placeholder[8] = {
	0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
};

static void test_page_is_stub(void)
{
	struct hv_guest g;
	hvcall_machine *m;
	u8 stub[GUEST_PAGE_SIZE];
	size_t len, i, entry = 0;
	const u8 *page;
	FILE *f;

	f = fopen(stub_bin, "rb");
	if (!f) {
		FAIL("%s: %s", stub_bin, strerror(errno));
		return;
	}
	len = fread(stub, 1, sizeof(stub), f);
	fclose(f);
	for (i = 0; i + 8 <= len; i++)
		if (!memcmp(stub + i, entry_placeholder, 8))
			entry = i;
	if (!len || !entry) {
		FAIL("%s: %zu bytes, no entry placeholder", stub_bin, len);
		return;
	}
	m = guest_new("topology=flat", &g, true);
	if (!m)
		return;
	page = g.mem + GUEST_HYPERCALL_PAGE;
	printf("#   stub: %zu bytes, entry address at 0x%zx\n", len, entry);
	for (i = 0; i < len; i++)
		if ((i < entry || i >= entry + 8) && page[i] != stub[i]) {
			FAIL("byte 0x%zx: page 0x%02x, stub 0x%02x", i,
			     page[i], stub[i]);
			break;
		}
	if (!memcmp(page + entry, entry_placeholder, 8))
		FAIL("the entry address was not patched in");
	for (i = len; i < GUEST_PAGE_SIZE; i++)
		if (page[i] != 0xcc) {
			FAIL("byte 0x%zx past the stub: 0x%02x, want int3",
			     i, page[i]);
			break;
		}
	hvcall_machine_destroy(m);
}

/*
 * The child of test_page_disable_from_page: a call through the page that
 * sets the guest OS id to 0 disables the page while the page's own code
 * still runs. Returns the exit code: 0 when it came back and the page is
 * plain memory again afterwards.
 */
static int child_disable_from_page(void)
{
	struct hv_guest g;
	u32 name = HV_REGISTER_GUEST_OS_ID;
	u64 result, msr = ~0ULL;
	hvcall_machine *m;
	u8 *element;

	if (hvcall_machine_create("topology=flat", &m) ||
	    hv_guest_attach(&g, m, 0))
		return 10;
	fill_pattern(g.mem + GUEST_HYPERCALL_PAGE);
	if (hv_guest_setup(&g, m, 0, true))
		return 11;
	vp_registers_header(g.input);
	element = g.input + 16;
	memset(element, 0, 32);
	memcpy(element, &name, 4);		/* value 0 */
	result = hv_do_rep_hypercall(HVCALL_SET_VP_REGISTERS, 1, 0, g.input,
				     NULL);
	if (!hv_result_success(result) || hv_result_reps(result) != 1)
		return 12;
	if (hvcall_rdmsr(HV_X64_MSR_HYPERCALL, &msr) || (msr & 1))
		return 13;
	if (!is_pattern(g.mem + GUEST_HYPERCALL_PAGE))
		return 14;
	hvcall_machine_destroy(m);
	return 0;
}

static void test_page_disable_from_page(void)
{
	char *argv[] = { (char *)"hvcall_tests", (char *)"--child-disable-from-page",
			 NULL };
	int status = 0;
	pid_t pid;

	fflush(stdout);
	if (posix_spawn(&pid, self_exe, NULL, NULL, argv, environ)) {
		FAIL("posix_spawn %s: %s", self_exe, strerror(errno));
		return;
	}
	if (waitpid(pid, &status, 0) != pid) {
		FAIL("waitpid: %s", strerror(errno));
		return;
	}
	if (WIFSIGNALED(status))
		FAIL("the process died of signal %d", WTERMSIG(status));
	else if (WEXITSTATUS(status))
		FAIL("the child exited %d", WEXITSTATUS(status));
}

/* ---- hvcall.h's errors ------------------------------------------------- */

static void test_abi_version(void)
{
	CHECK_EQ(hvcall_abi_version(), HVCALL_ABI_VERSION);
}

static void test_null_options(void)
{
	hvcall_machine *m = NULL;
	u64 size = 0;
	u32 regs[4];

	CHECK_RC(hvcall_machine_create(NULL, &m), HVCALL_OK);
	if (!m)
		return;
	CHECK(hvcall_guest_memory(m, &size) != NULL);
	CHECK_EQ(size, 64ULL << 20);
	CHECK_RC(hvcall_bind_vp(m, 0), HVCALL_OK);
	hvcall_cpuid(HYPERV_CPUID_ENLIGHTMENT_INFO, 0, regs);
	CHECK(regs[0] & HV_X64_HYPERV_NESTED);	/* nested by default */
	CHECK_RC(hvcall_bind_vp(m, 1), HVCALL_E_VP);	/* one VP */
	hvcall_machine_destroy(m);
	m = NULL;
	CHECK_RC(hvcall_machine_create("", &m), HVCALL_OK);
	hvcall_machine_destroy(m);
}

static void test_bad_options(void)
{
	static const char *const bad[] = {
		"vps=0", "topology=deep", "nonsense", "vps=65", "arch=sparc",
		"topology=nested,arch=arm64", "memory=12", "l2-guests=2,topology=flat",
		"vps=1x",
	};
	hvcall_machine *m;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		const char *why;

		m = (hvcall_machine *)&m;	/* must be reset to NULL */
		CHECK_RC(hvcall_machine_create(bad[i], &m), HVCALL_E_OPTIONS);
		if (m)
			FAIL("\"%s\": *machine not NULL", bad[i]);
		why = hvcall_last_error();
		if (!why || !why[0])
			FAIL("\"%s\": no last error", bad[i]);
	}
}

static void test_null_out_pointer(void)
{
	CHECK_RC(hvcall_machine_create("topology=flat", NULL),
		 HVCALL_E_ARGUMENT);
	CHECK(hvcall_last_error()[0] != '\0');
}

static void test_bad_vp(void)
{
	hvcall_machine *m = machine_new("topology=flat,vps=2");
	u32 counts[16];

	if (!m)
		return;
	CHECK_RC(hvcall_bind_vp(m, 2), HVCALL_E_VP);
	CHECK_RC(hvcall_bind_vp(m, 0xffffffffU), HVCALL_E_VP);
	CHECK_RC(hvcall_interrupts(m, 2, counts), HVCALL_E_VP);
	CHECK_RC(hvcall_bind_vp(m, 1), HVCALL_OK);
	hvcall_machine_destroy(m);
}

struct unbound_result {
	const char *first_error;
	int rdmsr, wrmsr;
	u64 hypercall, fast, arm64;
	u32 regs[4];
	bool last_error_ok;
};

static void *unbound_thread(void *arg)
{
	struct unbound_result *r = arg;
	u64 value, block[14] = { 0 }, x[18] = { 0 };
	const char *e;

	e = hvcall_last_error();	/* before any call on this thread */
	r->first_error = e;
	r->rdmsr = hvcall_rdmsr(HV_X64_MSR_GUEST_OS_ID, &value);
	r->wrmsr = hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, 1);
	r->hypercall = hvcall_hypercall(HVCALL_GET_PARTITION_ID, 0, 0);
	r->fast = hvcall_hypercall_fast(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT,
					block);
	r->arm64 = hvcall_hypercall_arm64(x);
	memset(r->regs, 0xff, sizeof(r->regs));
	hvcall_cpuid(0x40000000, 0, r->regs);
	e = hvcall_last_error();
	r->last_error_ok = e && e[0];
	return NULL;
}

static void test_not_bound(void)
{
	hvcall_machine *m = machine_new("topology=flat");	/* exists, unused */
	struct unbound_result r;
	pthread_t t;

	memset(&r, 0, sizeof(r));
	if (pthread_create(&t, NULL, unbound_thread, &r)) {
		FAIL("pthread_create");
		hvcall_machine_destroy(m);
		return;
	}
	pthread_join(t, NULL);
	CHECK(r.first_error != NULL);
	CHECK_RC(r.rdmsr, HVCALL_E_NOT_BOUND);
	CHECK_RC(r.wrmsr, HVCALL_E_NOT_BOUND);
	CHECK_EQ(r.hypercall, HVCALL_RESULT_ERROR(HVCALL_E_NOT_BOUND));
	CHECK_EQ(r.fast, HVCALL_RESULT_ERROR(HVCALL_E_NOT_BOUND));
	CHECK_EQ(r.arm64, HVCALL_RESULT_ERROR(HVCALL_E_NOT_BOUND));
	CHECK(!r.regs[0] && !r.regs[1] && !r.regs[2] && !r.regs[3]);
	CHECK(r.last_error_ok);
	hvcall_machine_destroy(m);
}

static void test_gp(void)
{
	hvcall_machine *m = machine_new("topology=flat");
	u64 value = 1234;

	if (!m)
		return;
	CHECK_RC(hvcall_bind_vp(m, 0), 0);
	CHECK_RC(hvcall_rdmsr(0x12345678, &value), HVCALL_E_GP);
	CHECK_EQ(value, 0);
	CHECK_RC(hvcall_rdmsr(0x400000ff, &value), HVCALL_E_GP);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_VP_INDEX, 5), HVCALL_E_GP); /* read-only */
	/* the nested SynIC MSRs exist only on a nested root */
	CHECK_RC(hvcall_rdmsr(HV_X64_MSR_NESTED_SIMP, &value), HVCALL_E_GP);
	CHECK_RC(hvcall_rdmsr(HV_X64_MSR_VP_INDEX, &value), HVCALL_OK);
	CHECK_RC(hvcall_rdmsr(0x40000000, NULL), HVCALL_E_ARGUMENT);
	hvcall_machine_destroy(m);
}

static void test_arch(void)
{
	hvcall_machine *x64 = machine_new("topology=flat");
	hvcall_machine *arm = machine_new("arch=arm64,topology=flat");
	u64 x[18] = { 0 }, block[14] = { 0 };
	u32 name = HV_REGISTER_GUEST_OS_ID;

	if (!x64 || !arm)
		goto out;
	CHECK_RC(hvcall_bind_vp(x64, 0), 0);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, GUEST_LINUX_OS_ID), 0);
	x[0] = 0x46000001;
	x[1] = HVCALL_GET_PARTITION_ID;
	CHECK_EQ(hvcall_hypercall_arm64(x), HVCALL_RESULT_ERROR(HVCALL_E_ARCH));

	CHECK_RC(hvcall_bind_vp(arm, 0), 0);
	CHECK_EQ(hvcall_hypercall(HVCALL_GET_PARTITION_ID, 0, 0x101000),
		 HVCALL_RESULT_ERROR(HVCALL_E_ARCH));
	CHECK_EQ(hvcall_hypercall_fast(HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT,
				       block),
		 HVCALL_RESULT_ERROR(HVCALL_E_ARCH));
	/* the ARM64 entry works there: fast SetVpRegisters(GuestOsId) */
	memset(x, 0, sizeof(x));
	x[0] = 0x46000001;
	x[1] = HVCALL_SET_VP_REGISTERS | HV_HYPERCALL_FAST_BIT | REP_COUNT(1);
	x[2] = ~0ULL;				/* HV_PARTITION_ID_SELF */
	x[3] = 0xfffffffeULL;			/* HV_VP_INDEX_SELF, VTL 0 */
	x[4] = name;
	x[6] = GUEST_LINUX_OS_ID;
	CHECK_EQ(hvcall_hypercall_arm64(x), REP_COUNT(1));
	CHECK_EQ(x[0], REP_COUNT(1));
out:
	hvcall_machine_destroy(x64);
	hvcall_machine_destroy(arm);
}

static void test_ud_before_guest_os_id(void)
{
	hvcall_machine *m = machine_new("topology=flat");
	u64 msr = ~0ULL;
	u8 *page;

	if (!m)
		return;
	page = (u8 *)hvcall_guest_memory(m, NULL) + GUEST_HYPERCALL_PAGE;
	fill_pattern(page);
	CHECK_RC(hvcall_bind_vp(m, 0), 0);
	CHECK_EQ(hvcall_hypercall(HVCALL_GET_PARTITION_ID, 0, 0x101000),
		 HVCALL_RESULT_ERROR(HVCALL_E_UD));
	CHECK(hvcall_last_error()[0] != '\0');
	/* enabling the page without a guest OS id leaves it disabled */
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_HYPERCALL, GUEST_HYPERCALL_PAGE | 1), 0);
	CHECK_RC(hvcall_rdmsr(HV_X64_MSR_HYPERCALL, &msr), 0);
	CHECK_EQ(msr & 1, 0);
	CHECK(is_pattern(page));
	hvcall_machine_destroy(m);
}

static void test_use_after_destroy(void)
{
	hvcall_machine *m = machine_new("topology=flat");
	u32 counts[16];
	u64 value;
	int rc;

	if (!m)
		return;
	CHECK_RC(hvcall_bind_vp(m, 0), 0);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, GUEST_LINUX_OS_ID), 0);
	hvcall_machine_destroy(m);

	/* the thread is still bound to it: the machine is not usable */
	CHECK_RC(hvcall_rdmsr(HV_X64_MSR_GUEST_OS_ID, &value), HVCALL_E_STATE);
	CHECK_RC(hvcall_wrmsr(HV_X64_MSR_GUEST_OS_ID, 1), HVCALL_E_STATE);
	CHECK_EQ(hvcall_hypercall(HVCALL_GET_PARTITION_ID, 0, 0x101000),
		 HVCALL_RESULT_ERROR(HVCALL_E_STATE));
	/* the handle is unknown now */
	rc = hvcall_run(m, 1);
	CHECK(rc == HVCALL_E_STATE || rc == HVCALL_E_ARGUMENT);
	rc = hvcall_interrupts(m, 0, counts);
	CHECK(rc == HVCALL_E_STATE || rc == HVCALL_E_ARGUMENT);
	rc = hvcall_bind_vp(m, 0);
	CHECK(rc == HVCALL_E_STATE || rc == HVCALL_E_ARGUMENT);
	CHECK(hvcall_guest_memory(m, NULL) == NULL);
	CHECK(hvcall_trace_json(m) == NULL);
	hvcall_machine_destroy(m);	/* twice: ignored */
}

/* Reads a whole file into a NUL-terminated buffer (free it), or NULL. */
static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text;
	long size;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = calloc(1, (size_t)size + 1);
	if (text && fread(text, 1, (size_t)size, f) != (size_t)size) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

/*
 * hvcall_trace_to: a nested bring-up through the page written as a KVM log and a Perfetto file.  The log is raw
 * ftrace text of KVM's tracepoints (trace-formats.md §1.1, §2): the root's nested PostMessage is L0's call from the
 * L1 VM's vCPU task, with code 0x5c (bits 15:0 only) and its _done; the timeline is a trace-event object.
 */
static void test_trace_to_files(void)
{
	char kvm[] = "/tmp/hvcall-trace-XXXXXX";
	char timeline[64];
	struct vmbus_report r;
	struct hv_guest g;
	hvcall_machine *m = machine_new("topology=nested,l2-guests=0");
	char *text;
	int fd = mkstemp(kvm);

	if (!m || fd < 0)
		return;
	close(fd);
	snprintf(timeline, sizeof(timeline), "%s.json", kvm);
	CHECK_RC(hvcall_trace_to(m, "/nonexistent-dir/x.log", HVCALL_TRACE_KVM), HVCALL_E_ARGUMENT);
	CHECK_RC(hvcall_trace_to(m, NULL, HVCALL_TRACE_KVM), HVCALL_E_ARGUMENT);
	CHECK_RC(hvcall_trace_to(m, kvm, 7), HVCALL_E_ARGUMENT);
	CHECK_RC(hvcall_trace_to(m, kvm, HVCALL_TRACE_KVM), HVCALL_OK);
	CHECK_RC(hvcall_trace_to(m, timeline, HVCALL_TRACE_PERFETTO), HVCALL_OK);
	CHECK_RC(hvcall_trace_to(m, kvm, HVCALL_TRACE_KVM), HVCALL_E_STATE);
	if (hv_guest_setup(&g, m, 0, true)) {
		FAIL("setup: %s", hv_guest_error);
	} else {
		check_connected(&r, vmbus_bringup(&g, &r));
	}
	hvcall_machine_destroy(m);	/* finishes both files */

	text = read_file(kvm);
	CHECK(text != NULL);
	if (text) {
		CHECK(strncmp(text, "# tracer: nop\n", 14) == 0);
		/* L1 VM (partition 2 of L0) VP 0: task 100200; the nested bit never shows in code. */
		CHECK(strstr(text, "CPU 0/KVM-100200  [000] ..... ") != NULL);
		CHECK(strstr(text, ": kvm_hv_hypercall: code 0x5c slow var_cnt 0x0 rep_cnt 0x0 idx 0x0 in ") != NULL);
		CHECK(strstr(text, ": kvm_hv_hypercall_done: result 0x0\n") != NULL);
		CHECK(strstr(text, "code 0x8000") == NULL);
		free(text);
	}
	text = read_file(timeline);
	CHECK(text != NULL);
	if (text) {
		CHECK(strncmp(text, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", 38) == 0);
		CHECK(strstr(text, "\"name\":\"HvCallPostMessage\"") != NULL);
		CHECK(text[strlen(text) - 1] == '}');
		free(text);
	}
	unlink(kvm);
	unlink(timeline);
}

static void test_garbage_handle(void)
{
	static int not_a_machine[64];
	hvcall_machine *bad[] = {
		(hvcall_machine *)not_a_machine, (hvcall_machine *)0x1,
		(hvcall_machine *)(uintptr_t)0xdeadbeefcafef00dULL, NULL,
	};
	u32 counts[16];
	size_t i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		CHECK_RC(hvcall_run(bad[i], 1), HVCALL_E_ARGUMENT);
		CHECK_RC(hvcall_bind_vp(bad[i], 0), HVCALL_E_ARGUMENT);
		CHECK_RC(hvcall_interrupts(bad[i], 0, counts), HVCALL_E_ARGUMENT);
		CHECK(hvcall_guest_memory(bad[i], NULL) == NULL);
		CHECK(hvcall_trace_json(bad[i]) == NULL);
		hvcall_machine_destroy(bad[i]);
		CHECK(hvcall_last_error() != NULL);
	}
	hvcall_free(NULL);
}

static void test_null_arguments(void)
{
	hvcall_machine *m = machine_new("topology=flat");

	if (!m)
		return;
	CHECK_RC(hvcall_bind_vp(m, 0), 0);
	CHECK_RC(hvcall_rdmsr(HV_X64_MSR_VP_INDEX, NULL), HVCALL_E_ARGUMENT);
	CHECK_EQ(hvcall_hypercall_fast(HVCALL_SIGNAL_EVENT, NULL),
		 HVCALL_RESULT_ERROR(HVCALL_E_ARGUMENT));
	CHECK_EQ(hvcall_hypercall_arm64(NULL),
		 HVCALL_RESULT_ERROR(HVCALL_E_ARGUMENT));
	CHECK_RC(hvcall_interrupts(m, 0, NULL), HVCALL_E_ARGUMENT);
	hvcall_cpuid(0x40000000, 0, NULL);
	CHECK(hvcall_last_error()[0] != '\0');
	hvcall_machine_destroy(m);
}

static void *last_error_thread(void *arg)
{
	const char **out = arg;

	*out = hvcall_last_error();
	return NULL;
}

static void test_last_error_never_null(void)
{
	const char *fresh = (const char *)1;
	hvcall_machine *m = NULL;
	pthread_t t;

	if (!pthread_create(&t, NULL, last_error_thread, &fresh))
		pthread_join(t, NULL);
	CHECK(fresh != NULL);
	CHECK(hvcall_last_error() != NULL);
	hvcall_machine_create("nonsense", &m);
	CHECK(hvcall_last_error() != NULL && hvcall_last_error()[0]);
	CHECK_RC(hvcall_machine_create("topology=flat", &m), 0);
	CHECK(hvcall_last_error() != NULL);
	hvcall_machine_destroy(m);
	CHECK(hvcall_last_error() != NULL);
}

/* A guest's mistake is the hypercall's status, as on hardware. */
static void test_guest_mistake_is_status(void)
{
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat", &g, true);
	u8 msg[HV_MESSAGE_PAYLOAD_MAX] = { CHANNELMSG_REQUESTOFFERS };
	u64 result;

	if (!m)
		return;
	hv_guest_synic_enable(&g);
	result = hv_post_message(&g, 0x777, msg, 8);
	CHECK_EQ(result, HV_STATUS_INVALID_CONNECTION_ID);
	CHECK_EQ(result >> 60, 0);
	result = hv_post_message(&g, VMBUS_MESSAGE_CONNECTION_ID_4, msg, 241);
	CHECK_EQ(hv_result_status(result), HV_STATUS_INVALID_PARAMETER);
	result = hv_do_hypercall(0x1ff, g.input, g.output);
	CHECK_EQ(hv_result_status(result), HV_STATUS_INVALID_HYPERCALL_CODE);
	result = hv_do_hypercall(HVCALL_POST_MESSAGE, g.mem + 0x1004, NULL);
	CHECK_EQ(hv_result_status(result), HV_STATUS_INVALID_ALIGNMENT);
	/* PostMessage with the nested bit on a flat guest: no parent */
	result = hv_do_hypercall(HVCALL_POST_MESSAGE | HV_HYPERCALL_NESTED,
				 g.input, NULL);
	CHECK_EQ(hv_result_status(result), HV_STATUS_INVALID_HYPERCALL_INPUT);
	hvcall_machine_destroy(m);
}

/* ---- threads ----------------------------------------------------------- */

#define THREAD_CALLS	300

struct vp_thread {
	hvcall_machine *machine;
	pthread_barrier_t *start;
	u32 vp;
	u8 *input, *output;
	int bind_rc;
	unsigned int ok, bad;
	u64 msr_vp_index;
};

/* Calls through the page on its own VP: HvCallGetVpRegisters(VpIndex). */
static void *vp_thread(void *arg)
{
	struct vp_thread *t = arg;
	u32 name = HV_REGISTER_VP_INDEX;
	unsigned int i;

	t->bind_rc = hvcall_bind_vp(t->machine, t->vp);
	pthread_barrier_wait(t->start);
	if (t->bind_rc)
		return NULL;
	hvcall_rdmsr(HV_X64_MSR_VP_INDEX, &t->msr_vp_index);
	vp_registers_header(t->input);
	memcpy(t->input + 16, &name, 4);
	for (i = 0; i < THREAD_CALLS; i++) {
		u64 result, value = ~0ULL;

		memset(t->output, 0xee, 16);
		result = hv_do_hypercall(HVCALL_GET_VP_REGISTERS | REP_COUNT(1),
					 t->input, t->output);
		memcpy(&value, t->output, 8);
		if (result == REP_COUNT(1) && value == t->vp)
			t->ok++;
		else
			t->bad++;
	}
	return NULL;
}

static void test_two_threads(void)
{
	struct hv_guest g;
	hvcall_machine *m = guest_new("topology=flat,vps=2", &g, true);
	struct vp_thread t[2];
	pthread_barrier_t start;
	pthread_t thread[2];
	struct hv_trace trace;
	unsigned int i, per_vp[2] = { 0 };

	if (!m)
		return;
	pthread_barrier_init(&start, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].machine = m;
		t[i].start = &start;
		t[i].vp = i;
		t[i].input = g.mem + GUEST_PER_VP_BASE + GUEST_PER_VP_SIZE * i;
		t[i].output = t[i].input + GUEST_PAGE_SIZE;
		if (pthread_create(&thread[i], NULL, vp_thread, &t[i])) {
			FAIL("pthread_create");
			return;
		}
	}
	for (i = 0; i < 2; i++)
		pthread_join(thread[i], NULL);
	pthread_barrier_destroy(&start);
	for (i = 0; i < 2; i++) {
		CHECK_RC(t[i].bind_rc, 0);
		CHECK_EQ(t[i].msr_vp_index, i);
		CHECK_EQ(t[i].ok, THREAD_CALLS);
		CHECK_EQ(t[i].bad, 0);
	}
	trace = trace_of(m);
	for (i = 0; i < trace.count; i++)
		if (trace.entries[i].vp < 2)
			per_vp[trace.entries[i].vp]++;
	CHECK_EQ(per_vp[0], THREAD_CALLS);
	CHECK_EQ(per_vp[1], THREAD_CALLS);
	hv_trace_free(&trace);
	hvcall_machine_destroy(m);
}

/* ---- main -------------------------------------------------------------- */

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "--child-disable-from-page"))
		return child_disable_from_page();
	if (argc == 2)
		stub_bin = argv[1];

	run_test("ABI version matches hvcall.h", test_abi_version);
	run_test("hvcall_trace_to: a KVM log and a Perfetto file of a nested bring-up",
		 test_trace_to_files);
	run_test("bring-up on flat through the page", test_bringup_flat);
	run_test("bring-up on nested through the page (nested SynIC MSRs)",
		 test_bringup_nested);
	run_test("nested: PostMessage/SignalEvent carry bit 31, handled by L0",
		 test_nested_bit);
	run_test("ablation: routing off on nested, INITIATE_CONTACT 0x12 x8, handled by L1",
		 test_ablation);
	run_test("fast-8 keeps the nested bit: control 0x8001005D (2147549277)",
		 test_fast8_nested);
	run_test("fast-8 on flat: control 0x1005D, not nested",
		 test_fast8_flat);
	run_test("rep: GetVpRegisters x40, one page call, continuation inside",
		 test_rep_get_vp_registers);
	run_test("rep: SetVpRegisters x20 via hv_do_rep_hypercall, read back by RDMSR",
		 test_rep_set_vp_registers);
	run_test("rep: FlushVirtualAddressList x50, one page call",
		 test_rep_flush_list);
	run_test("extended 0x8001 on a nested root: never nested, handled by L1",
		 test_extended_never_nested);
	run_test("the page preserves RBX, RSI, RDI, R9-R15, RCX, RDX, R8, XMM0-15",
		 test_page_preserves_registers);
	run_test("disabling HYPERCALL (or guest OS id 0) gives the page its old bytes",
		 test_page_disable_restores);
	run_test("the page is hypercall_page.S assembled, entry address patched",
		 test_page_is_stub);
	run_test("a call through the page that disables it returns (no crash)",
		 test_page_disable_from_page);
	run_test("NULL or empty options give the defaults (nested, 1 VP, 64 MiB)",
		 test_null_options);
	run_test("malformed options: HVCALL_E_OPTIONS, *machine NULL",
		 test_bad_options);
	run_test("NULL machine out-pointer: HVCALL_E_ARGUMENT",
		 test_null_out_pointer);
	run_test("a VP that does not exist: HVCALL_E_VP", test_bad_vp);
	run_test("calls before any bind on a fresh thread: HVCALL_E_NOT_BOUND",
		 test_not_bound);
	run_test("RDMSR/WRMSR that fault: HVCALL_E_GP", test_gp);
	run_test("ARM64 entry on x64 and x64 entries on ARM64: HVCALL_E_ARCH",
		 test_arch);
	run_test("a hypercall before GUEST_OS_ID: HVCALL_RESULT_ERROR(HVCALL_E_UD)",
		 test_ud_before_guest_os_id);
	run_test("use after destroy: HVCALL_E_STATE / HVCALL_E_ARGUMENT",
		 test_use_after_destroy);
	run_test("garbage and NULL machine pointers: HVCALL_E_ARGUMENT, no crash",
		 test_garbage_handle);
	run_test("NULL arguments: HVCALL_E_ARGUMENT, no crash",
		 test_null_arguments);
	run_test("hvcall_last_error is never NULL", test_last_error_never_null);
	run_test("a guest mistake is a status in the result, not an error",
		 test_guest_mistake_is_status);
	run_test("two threads on two VPs call through the page concurrently",
		 test_two_threads);

	printf("C tests: %u passed, %u failed\n", tests_passed, tests_failed);
	return tests_failed ? 1 : 0;
}
