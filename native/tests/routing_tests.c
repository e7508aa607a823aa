/*
 * routing_tests.c - tests of the routing bitmap and the issuing functions
 *
 * No simulator: the hypercall page is fake_hypercall_page.S, which records
 * RCX/RDX/R8 per call and answers from a programmable list of results.
 * Prints "ok N - name" or "not ok N - name" per test (with "#" lines saying
 * what differed), then "C tests: P passed, F failed"; exits 0 only when
 * nothing failed.
 */
#include <cpuid.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fake_hypercall_page.h"
#include "hv_routing.h"

#define NOT_NESTED	0x00000000U
#define NESTED		HV_X64_HYPERV_NESTED

static u64 (*default_virt_to_phys)(const void *p);

/* ---- checking ---------------------------------------------------------- */

/**
 * expect() - check that two values are equal, saying so when they are not
 * @what: what the values are, for the diagnostic line
 * @got: the value observed
 * @want: the value expected
 *
 * Return: true when @got == @want.
 */
static bool expect(const char *what, u64 got, u64 want)
{
	if (got == want)
		return true;
	printf("#   %s: got 0x%" PRIx64 ", want 0x%" PRIx64 "\n", what, got,
	       want);
	return false;
}

/* expect() for a named constant: the name is the diagnostic. */
#define EXPECT_CONST(c, v)	expect(#c, (c), (v))

/**
 * expect_call() - check the registers one call to the fake page received
 * @n: the call's index
 * @rcx: the control word expected
 * @rdx: RDX expected
 * @r8: R8 expected
 *
 * Return: true when all three match.
 */
static bool expect_call(unsigned int n, u64 rcx, u64 rdx, u64 r8)
{
	bool ok = expect("RCX", fake_log_rcx[n], rcx);

	ok &= expect("RDX", fake_log_rdx[n], rdx);
	ok &= expect("R8", fake_log_r8[n], r8);
	return ok;
}

/**
 * fake_reset() - forget every call and answer SUCCESS to each
 *
 * Also installs the fake page and the default address translation.
 */
static void fake_reset(void)
{
	fake_calls = 0;
	fake_misaligned = 0;
	memset(fake_log_rcx, 0, sizeof(fake_log_rcx));
	memset(fake_log_rdx, 0, sizeof(fake_log_rdx));
	memset(fake_log_r8, 0, sizeof(fake_log_r8));
	memset(fake_results, 0, sizeof(fake_results));
	hv_hypercall_pg = fake_hypercall_page;
	hv_virt_to_phys = default_virt_to_phys;
}

/**
 * result() - a result word
 * @status: the HV_STATUS_* in bits 15:0
 * @reps: reps completed, bits 43:32
 *
 * Return: the result value a hypervisor would put in RAX.
 */
static u64 result(u16 status, u16 reps)
{
	return (u64)status | (u64)reps << 32;
}

/**
 * reference_flag() - the nested flag, decided the naive way
 * @nested: whether the partition is a nested root
 * @code: the call code
 *
 * Independent of the bitmap: a switch over the two VMBus codes.
 *
 * Return: bit 31 for PostMessage and SignalEvent on a nested root, else 0.
 */
static u64 reference_flag(bool nested, u32 code)
{
	switch (code) {
	case 0x5c:
	case 0x5d:
		return nested ? 0x80000000ULL : 0;
	default:
		return 0;
	}
}

/* ---- the bitmap -------------------------------------------------------- */

/**
 * test_bitmap_zero_when_not_nested() - no bit without CPUID bit 12
 *
 * Every other EAX bit set changes nothing; a nested table is cleared by a
 * rebuild from a non-nested EAX.
 *
 * Return: true when the table is all zero in both cases.
 */
static bool test_bitmap_zero_when_not_nested(void)
{
	static const u8 zero[HV_NESTED_ROUTING_BYTES];
	bool ok;

	hv_routing_init(NOT_NESTED);
	ok = expect("memcmp, EAX 0",
		    !!memcmp(hv_nested_routing, zero, sizeof(zero)), 0);
	hv_routing_init(NESTED);
	hv_routing_init(~(u32)NESTED);
	ok &= expect("memcmp, EAX ~bit 12",
		     !!memcmp(hv_nested_routing, zero, sizeof(zero)), 0);
	return ok;
}

/**
 * test_bitmap_nested_bits() - exactly 0x5C and 0x5D when nested
 *
 * Return: true when byte 11 is 0x30 (bits 4 and 5: codes 92 and 93) and
 * every other byte is zero.
 */
static bool test_bitmap_nested_bits(void)
{
	unsigned int i;
	bool ok = true;

	hv_routing_init(NESTED);
	for (i = 0; i < HV_NESTED_ROUTING_BYTES; i++)
		ok &= expect("byte", hv_nested_routing[i], i == 11 ? 0x30 : 0);
	return ok;
}

/**
 * test_flag_matches_reference() - hv_nested_flag() over every code
 *
 * Codes 0..0xFFFF, not nested and nested, each with other control bits
 * set around the code (the flag depends on bits 15:0 only).
 *
 * Return: true when every flag equals reference_flag().
 */
static bool test_flag_matches_reference(void)
{
	static const u64 noise[] = { 0, HV_HYPERCALL_FAST_BIT,
				     0x0fff0fff7fff0000ULL };
	unsigned int pass, n;
	u32 code;
	bool ok = true;

	for (pass = 0; pass < 2; pass++) {
		hv_routing_init(pass ? NESTED : NOT_NESTED);
		for (code = 0; code <= 0xffff; code++) {
			for (n = 0; n < ARRAY_SIZE(noise); n++) {
				u64 got = hv_nested_flag(noise[n] | code);

				u64 want = reference_flag(pass, code);

				if (got == want)
					continue;
				printf("#   code 0x%x noise %u\n", code, n);
				ok &= expect("flag", got, want);
			}
		}
	}
	return ok;
}

/**
 * test_codes_from_512_never_nested() - the range mask, not the table
 *
 * With every byte of the table set, each code below 512 is nested and each
 * from 512 to 0xFFFF (every extended code among them) is not.
 *
 * Return: true when the flags split exactly at 512.
 */
static bool test_codes_from_512_never_nested(void)
{
	u32 code;
	bool ok = true;

	memset(hv_nested_routing, 0xff, HV_NESTED_ROUTING_BYTES);
	for (code = 0; code <= 0xffff; code++) {
		u64 want = code < 512 ? HV_HYPERCALL_NESTED : 0;

		if (hv_nested_flag(code) != want) {
			printf("#   code 0x%x\n", code);
			ok &= expect("flag", hv_nested_flag(code), want);
		}
	}
	hv_routing_init(NOT_NESTED);
	return ok;
}

/**
 * test_init_from_cpuid() - the real CPUID leaf gives the same table
 *
 * Reads leaf 0x40000004 through gcc's <cpuid.h>, not hv_routing.c. On a
 * machine without Hyper-V the leaf reads whatever the CPU returns; the two
 * must agree either way.
 *
 * Return: true when both tables are equal.
 */
static bool test_init_from_cpuid(void)
{
	u8 want[HV_NESTED_ROUTING_BYTES];
	unsigned int eax, ebx, ecx, edx;

	__cpuid(HYPERV_CPUID_ENLIGHTMENT_INFO, eax, ebx, ecx, edx);
	hv_routing_init(eax);
	memcpy(want, hv_nested_routing, sizeof(want));
	hv_routing_init(NESTED);
	hv_routing_init_from_cpuid();
	return expect("memcmp",
		      !!memcmp(want, hv_nested_routing, sizeof(want)), 0);
}

/**
 * test_cpuid_is_hyperv() - the signature check against <cpuid.h>
 *
 * Return: true when hv_cpuid_is_hyperv() equals the same three checks made
 * with gcc's __cpuid().
 */
static bool test_cpuid_is_hyperv(void)
{
	unsigned int eax, ebx, ecx, edx;
	bool want = false;

	__cpuid(1, eax, ebx, ecx, edx);
	if (ecx & (1U << 31)) {
		__cpuid(0x40000000, eax, ebx, ecx, edx);
		if (eax >= 0x40000004) {
			__cpuid(0x40000001, eax, ebx, ecx, edx);
			want = eax == 0x31237648;	/* "Hv#1" */
		}
	}
	printf("#   this CPU %s the Hyper-V interface\n",
	       want ? "offers" : "does not offer");
	return expect("hv_cpuid_is_hyperv", hv_cpuid_is_hyperv(), want);
}

/* ---- fast calls -------------------------------------------------------- */

/**
 * test_fast8_signal_event_nested() - SignalEvent from a nested root
 *
 * Return: true when RCX = 0x8001005D (fast bit 16, nested bit 31), RDX =
 * the input, R8 = 0.
 */
static bool test_fast8_signal_event_nested(void)
{
	bool ok;

	fake_reset();
	hv_routing_init(NESTED);
	ok = expect("result", hv_do_fast_hypercall8(0x5d, 0x0000000100000002),
		    0);
	ok &= expect("calls", fake_calls, 1);
	return ok && expect_call(0, 0x8001005d, 0x0000000100000002, 0);
}

/**
 * test_fast8_signal_event_flat() - SignalEvent from a partition not nested
 *
 * Return: true when RCX = 0x1005D (fast bit only).
 */
static bool test_fast8_signal_event_flat(void)
{
	fake_reset();
	hv_routing_init(NOT_NESTED);
	hv_do_fast_hypercall8(0x5d, 7);
	return expect_call(0, 0x1005d, 7, 0);
}

/**
 * test_fast8_keeps_callers_bit31() - a nested bit in the control survives
 *
 * Upstream's fast-8 takes a u16 code and truncates 0x8000005D to 0x5D; the
 * 64-bit control word cannot. Not nested, so the bit comes from the caller.
 *
 * Return: true when RCX = 0x8001005D.
 */
static bool test_fast8_keeps_callers_bit31(void)
{
	fake_reset();
	hv_routing_init(NOT_NESTED);
	hv_do_fast_hypercall8(0x8000005d, 7);
	return expect_call(0, 0x8001005d, 7, 0);
}

/**
 * test_fast16_placement() - 16 bytes of input in RDX and R8, routed
 *
 * Return: true when input1 is in RDX, input2 in R8, the fast bit set, and
 * the nested bit set for 0x5D but not for 0x46.
 */
static bool test_fast16_placement(void)
{
	bool ok;

	fake_reset();
	hv_routing_init(NESTED);
	hv_do_fast_hypercall16(HVCALL_SIGNAL_EVENT, 0x1111222233334444,
			       0x5555666677778888);
	hv_do_fast_hypercall16(HVCALL_GET_PARTITION_ID, 1, 2);
	ok = expect_call(0, 0x8001005d, 0x1111222233334444,
			 0x5555666677778888);
	return ok && expect_call(1, 0x10046, 1, 2);
}

/* ---- memory calls ------------------------------------------------------ */

static u8 guest_memory[3 * 4096] __aligned(4096);
static unsigned int translations;

/**
 * guest_gpa() - a translation hook as libhvcall users write it: p - base
 * @p: an address inside guest_memory
 *
 * Return: the offset of @p in guest_memory.
 */
static u64 guest_gpa(const void *p)
{
	translations++;
	return (u64)((const u8 *)p - guest_memory);
}

/**
 * test_hypercall_translates_pointers() - RDX/R8 come from the hook
 *
 * Return: true when the input page at offset 0x1000 and the output page at
 * 0x2000 arrive as GPAs 0x1000 and 0x2000, through two translations.
 */
static bool test_hypercall_translates_pointers(void)
{
	bool ok;

	fake_reset();
	hv_routing_init(NOT_NESTED);
	hv_virt_to_phys = guest_gpa;
	translations = 0;
	hv_do_hypercall(HVCALL_GET_PARTITION_ID, guest_memory + 0x1000,
			guest_memory + 0x2000);
	ok = expect("translations", translations, 2);
	return ok && expect_call(0, 0x46, 0x1000, 0x2000);
}

/**
 * test_hypercall_null_is_gpa_zero() - no buffer, no translation
 *
 * Return: true when NULL output reaches R8 as 0 without calling the hook.
 */
static bool test_hypercall_null_is_gpa_zero(void)
{
	bool ok;

	fake_reset();
	hv_routing_init(NESTED);
	hv_virt_to_phys = guest_gpa;
	translations = 0;
	hv_do_hypercall(HVCALL_POST_MESSAGE, guest_memory + 0x1000, NULL);
	ok = expect("translations", translations, 1);
	return ok && expect_call(0, 0x8000005c, 0x1000, 0);
}

/**
 * test_default_translation_is_identity() - the default hook
 *
 * Return: true when the default gives 0 for NULL and the address otherwise.
 */
static bool test_default_translation_is_identity(void)
{
	bool ok;

	fake_reset();
	hv_routing_init(NOT_NESTED);
	ok = expect("NULL", hv_virt_to_phys(NULL), 0);
	ok &= expect("pointer", hv_virt_to_phys(guest_memory),
		     (u64)(uintptr_t)guest_memory);
	hv_do_hypercall(HVCALL_GET_PARTITION_ID, NULL, guest_memory);
	return ok && expect_call(0, 0x46, 0, (u64)(uintptr_t)guest_memory);
}

/**
 * test_nested_root_routes_only_vmbus() - other calls go to L1
 *
 * Return: true when PostMessage carries bit 31 and GetPartitionId does not.
 */
static bool test_nested_root_routes_only_vmbus(void)
{
	fake_reset();
	hv_routing_init(NESTED);
	hv_do_hypercall(HVCALL_POST_MESSAGE, guest_memory, NULL);
	hv_do_hypercall(HVCALL_GET_PARTITION_ID, NULL, guest_memory);
	return expect_call(0, 0x8000005c, (u64)(uintptr_t)guest_memory, 0) &&
	       expect_call(1, 0x46, 0, (u64)(uintptr_t)guest_memory);
}

/**
 * test_extended_call_never_nested() - HvExtCallQueryCapabilities on L1
 *
 * Return: true when 0x8001 goes out with no nested bit from a nested root,
 * through the memory and the fast path.
 */
static bool test_extended_call_never_nested(void)
{
	fake_reset();
	hv_routing_init(NESTED);
	hv_do_hypercall(HV_EXT_CALL_QUERY_CAPABILITIES, NULL, guest_memory);
	hv_do_fast_hypercall8(HV_EXT_CALL_QUERY_CAPABILITIES, 0);
	return expect_call(0, 0x8001, 0, (u64)(uintptr_t)guest_memory) &&
	       expect_call(1, 0x18001, 0, 0);
}

/**
 * test_result_passes_through() - RAX is returned whole
 *
 * Return: true when every issuer returns the page's 64-bit RAX unchanged.
 */
static bool test_result_passes_through(void)
{
	const u64 rax = 0xfedcba9876540012;
	bool ok;

	fake_reset();
	hv_routing_init(NOT_NESTED);
	fake_results[0] = fake_results[1] = fake_results[2] = rax;
	ok = expect("hv_do_hypercall", hv_do_hypercall(0x46, NULL, NULL), rax);
	ok &= expect("fast8", hv_do_fast_hypercall8(0x5d, 0), rax);
	ok &= expect("fast16", hv_do_fast_hypercall16(0x5d, 0, 0), rax);
	return ok;
}

/* ---- rep calls --------------------------------------------------------- */

/**
 * test_rep_continuation() - 3 of 10 reps, then the rest
 *
 * Return: true when the call is issued twice, rep count 10 both times, rep
 * start 0 then 3, and the second result is returned.
 */
static bool test_rep_continuation(void)
{
	const u64 base = HVCALL_GET_PARTITION_ID | 10ULL << 32;
	u64 got;
	bool ok;

	fake_reset();
	hv_routing_init(NOT_NESTED);
	fake_results[0] = result(HV_STATUS_SUCCESS, 3);
	fake_results[1] = result(HV_STATUS_SUCCESS, 10);
	got = hv_do_rep_hypercall(HVCALL_GET_PARTITION_ID, 10, 0, NULL, NULL);
	ok = expect("result", got, result(HV_STATUS_SUCCESS, 10));
	ok &= expect("calls", fake_calls, 2);
	ok &= expect_call(0, base, 0, 0);
	return ok && expect_call(1, base | 3ULL << 48, 0, 0);
}

/**
 * test_rep_fields_and_routing() - every issue carries header size and flag
 *
 * A variable rep call (0x14, header 2 qwords, 5 reps) with a nested bit the
 * caller set and stale rep fields in its control word, completed 1, 2, 4,
 * then 5 reps. Many values stay live across these calls, so this also
 * shows they survive a page that poisons every caller-saved register.
 *
 * Return: true when the four issues are exact.
 */
static bool test_rep_fields_and_routing(void)
{
	const u64 base = HV_HYPERCALL_NESTED | 0x14 | 2ULL << 17 | 5ULL << 32;
	const u64 stale = 0x0fffULL << 48 | 0x0fffULL << 32 | 0x3ffULL << 17;
	static const u16 done[] = { 1, 2, 4, 5 };
	unsigned int i;
	bool ok;

	fake_reset();
	hv_routing_init(NOT_NESTED);
	hv_virt_to_phys = guest_gpa;
	for (i = 0; i < ARRAY_SIZE(done); i++)
		fake_results[i] = result(HV_STATUS_SUCCESS, done[i]);
	hv_do_rep_hypercall(HV_HYPERCALL_NESTED | stale | 0x14, 5, 2,
			    guest_memory + 0x1000, guest_memory + 0x2000);
	ok = expect("calls", fake_calls, 4);
	for (i = 0; i < ARRAY_SIZE(done); i++) {
		u64 start = i ? done[i - 1] : 0;

		ok &= expect_call(i, base | start << 48, 0x1000, 0x2000);
	}
	return ok;
}

/**
 * test_rep_failure_stops() - the first failure status ends the loop
 *
 * Return: true when a failure after 3 reps, alone or after earlier
 * progress, is returned at once.
 */
static bool test_rep_failure_stops(void)
{
	u64 got;
	bool ok;

	fake_reset();
	fake_results[0] = result(HV_STATUS_INSUFFICIENT_MEMORY, 3);
	got = hv_do_rep_hypercall(0x50, 10, 0, NULL, NULL);
	ok = expect("result", got, result(HV_STATUS_INSUFFICIENT_MEMORY, 3));
	ok &= expect("calls", fake_calls, 1);

	fake_reset();
	fake_results[0] = result(HV_STATUS_SUCCESS, 3);
	fake_results[1] = result(HV_STATUS_INVALID_PARAMETER, 5);
	got = hv_do_rep_hypercall(0x50, 10, 0, NULL, NULL);
	ok &= expect("result", got, result(HV_STATUS_INVALID_PARAMETER, 5));
	ok &= expect("calls", fake_calls, 2);
	return ok;
}

/**
 * test_rep_hypervisor_completes() - one issue when the hypervisor finishes
 *
 * Return: true when reps completed = rep count ends the call after one issue.
 */
static bool test_rep_hypervisor_completes(void)
{
	fake_reset();
	fake_results[0] = result(HV_STATUS_SUCCESS, 10);
	hv_do_rep_hypercall(0x50, 10, 0, NULL, NULL);
	return expect("calls", fake_calls, 1);
}

/**
 * test_rep_no_progress_stops() - SUCCESS without progress does not spin
 *
 * Return: true when a SUCCESS that completes no rep beyond the start ends
 * the loop after that issue.
 */
static bool test_rep_no_progress_stops(void)
{
	bool ok;

	fake_reset();
	fake_results[0] = result(HV_STATUS_SUCCESS, 4);
	fake_results[1] = result(HV_STATUS_SUCCESS, 4);
	fake_results[2] = result(HV_STATUS_SUCCESS, 9);
	ok = expect("result", hv_do_rep_hypercall(0x50, 9, 0, NULL, NULL),
		    result(HV_STATUS_SUCCESS, 4));
	return ok && expect("calls", fake_calls, 2);
}

/**
 * test_rep_refuses_bad_fields() - out-of-range counts are not issued
 *
 * Return: true when rep count 0 or 4096 and header size 1024 give
 * HV_STATUS_INVALID_HYPERCALL_INPUT with no call made.
 */
static bool test_rep_refuses_bad_fields(void)
{
	const u64 refused = HV_STATUS_INVALID_HYPERCALL_INPUT;
	bool ok;

	fake_reset();
	ok = expect("reps 0", hv_do_rep_hypercall(0x50, 0, 0, NULL, NULL),
		    refused);
	ok &= expect("reps 4096",
		     hv_do_rep_hypercall(0x50, 4096, 0, NULL, NULL), refused);
	ok &= expect("header 1024",
		     hv_do_rep_hypercall(0x14, 1, 1024, NULL, NULL), refused);
	ok &= expect("max fields",
		     hv_do_rep_hypercall(0x14, 4095, 1023, NULL, NULL), 0);
	ok &= expect("calls", fake_calls, 1);
	return ok && expect_call(0, 0x14 | 0x3ffULL << 17 | 0xfffULL << 32,
				 0, 0);
}

/* ---- no page, results, constants, stack -------------------------------- */

/**
 * test_null_page() - no hypercall page: U64_MAX, nothing issued
 *
 * Return: true when all four issuers return U64_MAX, the page is not
 * entered, and the result reads as a failure.
 */
static bool test_null_page(void)
{
	bool ok;

	fake_reset();
	hv_hypercall_pg = NULL;
	ok = expect("hypercall", hv_do_hypercall(0x46, NULL, NULL), U64_MAX);
	ok &= expect("fast8", hv_do_fast_hypercall8(0x5d, 0), U64_MAX);
	ok &= expect("fast16", hv_do_fast_hypercall16(0x5d, 0, 0), U64_MAX);
	ok &= expect("rep", hv_do_rep_hypercall(0x50, 3, 0, NULL, NULL),
		     U64_MAX);
	ok &= expect("success", hv_result_success(U64_MAX), false);
	return ok && expect("calls", fake_calls, 0);
}

/**
 * test_result_fields() - status and reps completed from a result
 *
 * Return: true when bits 15:0 and 43:32 are extracted and the rest ignored.
 */
static bool test_result_fields(void)
{
	bool ok;

	ok = expect("status", hv_result_status(0xfff00abcffff0012), 0x12);
	ok &= expect("reps", hv_result_reps(0xfff00abcffff0012), 0xabc);
	ok &= expect("success", hv_result_success(0xffffff0000000000), true);
	return ok;
}

/**
 * test_constants() - the ABI values, typed from hyperv-abi.md
 *
 * Return: true when every constant has the sheet's value.
 */
static bool test_constants(void)
{
	bool ok = EXPECT_CONST(HVCALL_POST_MESSAGE, 0x5c);

	ok &= EXPECT_CONST(HVCALL_SIGNAL_EVENT, 0x5d);
	ok &= EXPECT_CONST(HVCALL_GET_PARTITION_ID, 0x46);
	ok &= EXPECT_CONST(HV_EXT_CALL_QUERY_CAPABILITIES, 0x8001);
	ok &= EXPECT_CONST(HV_STATUS_SUCCESS, 0);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_HYPERCALL_CODE, 2);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_HYPERCALL_INPUT, 3);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_ALIGNMENT, 4);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_PARAMETER, 5);
	ok &= EXPECT_CONST(HV_STATUS_ACCESS_DENIED, 6);
	ok &= EXPECT_CONST(HV_STATUS_INSUFFICIENT_MEMORY, 0xb);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_PORT_ID, 0x11);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_CONNECTION_ID, 0x12);
	ok &= EXPECT_CONST(HV_STATUS_INSUFFICIENT_BUFFERS, 0x13);
	ok &= EXPECT_CONST(HV_STATUS_INVALID_SYNIC_STATE, 0x18);
	ok &= EXPECT_CONST(HV_STATUS_TIMEOUT, 0x78);
	ok &= EXPECT_CONST(HV_HYPERCALL_NESTED, 0x80000000);
	ok &= EXPECT_CONST(HV_HYPERCALL_FAST_BIT, 0x10000);
	ok &= EXPECT_CONST(HV_X64_HYPERV_NESTED, 0x1000);
	return ok;
}

/**
 * test_page_detects_misalignment() - the alignment check has teeth
 *
 * Return: true when the fake counts an entry with a misaligned stack.
 */
static bool test_page_detects_misalignment(void)
{
	fake_reset();
	fake_call_misaligned((void (*)(void))fake_hypercall_page, 0, 0, 0, 0,
			     0);
	return expect("misaligned", fake_misaligned, 1);
}

/**
 * test_page_entered_aligned() - the page sees a SysV-aligned stack
 *
 * Each issuer is called once normally and once entered with a misaligned
 * stack (as from a kernel caller); the page must be entered aligned every
 * time, since a compiled page may use aligned vector stores.
 *
 * Return: true when no entry was misaligned.
 */
static bool test_page_entered_aligned(void)
{
	u64 mem = (u64)(uintptr_t)guest_memory;
	bool ok;

	fake_reset();
	hv_routing_init(NESTED);
	hv_do_hypercall(0x5c, guest_memory, NULL);
	hv_do_fast_hypercall8(0x5d, 0);
	hv_do_fast_hypercall16(0x5d, 0, 0);
	hv_do_rep_hypercall(0x50, 2, 0, NULL, NULL);
	fake_call_misaligned((void (*)(void))hv_do_hypercall, 0x5c, mem, 0,
			     0, 0);
	fake_call_misaligned((void (*)(void))hv_do_fast_hypercall8, 0x5d, 0,
			     0, 0, 0);
	fake_call_misaligned((void (*)(void))hv_do_fast_hypercall16, 0x5d, 0,
			     0, 0, 0);
	fake_call_misaligned((void (*)(void))hv_do_rep_hypercall, 0x50, 2, 0,
			     0, 0);
	ok = expect("calls", fake_calls, 8);
	ok &= expect_call(7, 0x50 | 2ULL << 32, 0, 0);
	return ok && expect("misaligned", fake_misaligned, 0);
}

/* ---- the runner -------------------------------------------------------- */

static const struct {
	bool (*fn)(void);
	const char *name;
} tests[] = {
	{ test_bitmap_zero_when_not_nested,
	  "bitmap is zero when not nested" },
	{ test_bitmap_nested_bits,
	  "bitmap holds exactly 0x5C and 0x5D when nested" },
	{ test_flag_matches_reference,
	  "hv_nested_flag equals the naive reference for codes 0..0xFFFF" },
	{ test_codes_from_512_never_nested,
	  "codes from 512 up are never nested, whatever the table holds" },
	{ test_init_from_cpuid,
	  "hv_routing_init_from_cpuid reads leaf 0x40000004" },
	{ test_cpuid_is_hyperv,
	  "hv_cpuid_is_hyperv agrees with <cpuid.h>" },
	{ test_fast8_signal_event_nested,
	  "fast-8 SignalEvent on a nested root issues RCX = 0x8001005D" },
	{ test_fast8_signal_event_flat,
	  "fast-8 SignalEvent not nested issues RCX = 0x1005D" },
	{ test_fast8_keeps_callers_bit31,
	  "fast-8 keeps a bit 31 the caller set" },
	{ test_fast16_placement,
	  "fast-16 places input1 in RDX and input2 in R8" },
	{ test_hypercall_translates_pointers,
	  "hv_do_hypercall translates pointers through hv_virt_to_phys" },
	{ test_hypercall_null_is_gpa_zero,
	  "hv_do_hypercall passes NULL as GPA 0 untranslated" },
	{ test_default_translation_is_identity,
	  "the default translation is the identity" },
	{ test_nested_root_routes_only_vmbus,
	  "a nested root routes PostMessage, not GetPartitionId" },
	{ test_extended_call_never_nested,
	  "extended call 0x8001 is never nested" },
	{ test_result_passes_through,
	  "the page's RAX is returned whole" },
	{ test_rep_continuation,
	  "rep: 3 of 10 then the rest is two issues, the second from rep 3" },
	{ test_rep_fields_and_routing,
	  "rep: header size, flag and translated GPAs on every issue" },
	{ test_rep_failure_stops,
	  "rep: a failure status stops the loop" },
	{ test_rep_hypervisor_completes,
	  "rep: one issue when the hypervisor completes every rep" },
	{ test_rep_no_progress_stops,
	  "rep: SUCCESS without progress stops the loop" },
	{ test_rep_refuses_bad_fields,
	  "rep: out-of-range rep count or header size is refused" },
	{ test_null_page,
	  "no hypercall page returns U64_MAX" },
	{ test_result_fields,
	  "result status and reps completed" },
	{ test_constants,
	  "ABI constants match hyperv-abi.md" },
	{ test_page_detects_misalignment,
	  "the fake page detects a misaligned stack" },
	{ test_page_entered_aligned,
	  "the page is entered aligned, even from a misaligned caller" },
};

/**
 * main() - run every test and print the summary line
 *
 * Return: 0 when no test failed, 1 otherwise.
 */
int main(void)
{
	unsigned int i, passed = 0, failed = 0;

	default_virt_to_phys = hv_virt_to_phys;
	for (i = 0; i < ARRAY_SIZE(tests); i++) {
		bool ok = tests[i].fn();

		printf("%sok %u - %s\n", ok ? "" : "not ", i + 1,
		       tests[i].name);
		if (ok)
			passed++;
		else
			failed++;
	}
	printf("C tests: %u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
