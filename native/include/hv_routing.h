/*
 * hv_routing.h - Hyper-V hypercalls whose issuing functions route them
 *
 * A root partition whose hypervisor itself runs inside a Hyper-V VM (a
 * "nested root") must send HvCallPostMessage and HvCallSignalEvent to the L0
 * hypervisor by setting the nested bit, bit 31 of the control word; every
 * other call goes to the hypervisor it runs on. Here the issuing functions
 * decide that themselves, from a 64-byte bitmap with one bit per call code,
 * built once at early init. No call site ever tests "are we nested?", and
 * because the flag is ORed into the full 64-bit control word inside the
 * issuing function, no path can drop it.
 *
 * x86-64 only: Hyper-V has no nested virtualization on ARM64.
 *
 * This is a reference for arch/x86/hyperv. For a kernel patch, drop the
 * "user-space compat" section (<linux/types.h> and friends provide it) and
 * the "ABI" section (include/hyperv/hvgdk_mini.h defines the same names with
 * the same values); the rest is meant to carry over.
 *
 * Facts: Hyper-V TLFS "Hypercall Interface", "Nested Virtualization",
 * "Feature Discovery"; docs/design.md of HvCall.
 */
#ifndef _HV_ROUTING_H
#define _HV_ROUTING_H

#if !defined(__x86_64__)
#error "hv_routing: x86-64 only (ARM64 Hyper-V has no nested virtualization)"
#endif

/* ---- user-space compat ------------------------------------------------ */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

/* glibc's <sys/cdefs.h> defines __always_inline too: keep the first. */
#ifndef BIT
#define BIT(nr)			(1U << (nr))
#endif
#ifndef BIT_ULL
#define BIT_ULL(nr)		(1ULL << (nr))
#endif
#ifndef U64_MAX
#define U64_MAX			((u64)~0ULL)
#endif
#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#endif
#ifndef __aligned
#define __aligned(x)		__attribute__((__aligned__(x)))
#endif
#ifndef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#endif
#ifndef __init
#define __init
#endif
#ifndef __ro_after_init
#define __ro_after_init
#endif

/* ---- ABI: TLFS constants (hyperv-abi.md sections 1-4, 9) --------------- */

/* Control word (the hypercall input value, RCX) */
#define HV_HYPERCALL_CODE_MASK		0xffffULL	/* 15:0 */
#define HV_HYPERCALL_FAST_BIT		BIT_ULL(16)
#define HV_HYPERCALL_VARHEAD_OFFSET	17	/* 26:17, in qwords */
#define HV_HYPERCALL_VARHEAD_MASK	(0x3ffULL << 17)
#define HV_HYPERCALL_NESTED		BIT_ULL(31)
#define HV_HYPERCALL_REP_COMP_OFFSET	32	/* 43:32 */
#define HV_HYPERCALL_REP_COMP_MASK	(0xfffULL << 32)
#define HV_HYPERCALL_REP_START_OFFSET	48	/* 59:48 */
#define HV_HYPERCALL_REP_START_MASK	(0xfffULL << 48)
#define HV_HYPERCALL_MAX_REP_COUNT	0xfff
#define HV_HYPERCALL_MAX_VARHEAD	0x3ff

/* Result word (RAX): 15:0 status, 43:32 reps completed (absolute) */
#define HV_HYPERCALL_RESULT_MASK	0xffffULL

/* Call codes */
#define HVCALL_GET_PARTITION_ID		0x0046
#define HVCALL_POST_MESSAGE		0x005c
#define HVCALL_SIGNAL_EVENT		0x005d
#define HV_EXT_CALL_QUERY_CAPABILITIES	0x8001

/* Statuses */
#define HV_STATUS_SUCCESS			0x00
#define HV_STATUS_INVALID_HYPERCALL_CODE	0x02
#define HV_STATUS_INVALID_HYPERCALL_INPUT	0x03
#define HV_STATUS_INVALID_ALIGNMENT		0x04
#define HV_STATUS_INVALID_PARAMETER		0x05
#define HV_STATUS_ACCESS_DENIED			0x06
#define HV_STATUS_INSUFFICIENT_MEMORY		0x0b
#define HV_STATUS_INVALID_PORT_ID		0x11
#define HV_STATUS_INVALID_CONNECTION_ID		0x12
#define HV_STATUS_INSUFFICIENT_BUFFERS		0x13
#define HV_STATUS_INVALID_SYNIC_STATE		0x18
#define HV_STATUS_TIMEOUT			0x78

/* CPUID */
#define HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS	0x40000000
#define HYPERV_CPUID_INTERFACE			0x40000001
#define HYPERV_CPUID_ENLIGHTMENT_INFO		0x40000004
#define HV_CPUID_SIGNATURE_HV1			0x31237648 /* Hv#1 */
/* CPUID 0x40000004 EAX: running on a nested hypervisor */
#define HV_X64_HYPERV_NESTED			BIT(12)

/* ---- routing ----------------------------------------------------------- */

/* One bit per normal call code: codes 0..511 (the largest in use is 0x107). */
#define HV_NESTED_ROUTING_CODES		512
#define HV_NESTED_ROUTING_BYTES		(HV_NESTED_ROUTING_CODES / 8)

/*
 * Bit (code & 7) of byte (code >> 3) set: the call is sent with the nested
 * bit. Written only by hv_routing_init(), all zero unless nested root.
 */
extern u8 hv_nested_routing[HV_NESTED_ROUTING_BYTES];

void __init hv_routing_init(u32 cpuid_40000004_eax);
void __init hv_routing_init_from_cpuid(void);
bool hv_cpuid_is_hyperv(void);

/**
 * hv_nested_flag() - the nested bit a control word's call code is routed with
 * @control: a hypercall control word; only the call code (bits 15:0) is read
 *
 * One byte load from hv_nested_routing indexed by the code, a shift and a
 * mask; no branch. For codes of 512 and above (every extended code, 0x8000
 * and up) the in-range mask is 0, so they are never nested; the index is
 * masked to the table as well, so the load never leaves it.
 *
 * Return: HV_HYPERCALL_NESTED when the code is routed nested, else 0.
 */
static inline u64 hv_nested_flag(u64 control)
{
	u32 code = (u32)(control & HV_HYPERCALL_CODE_MASK);
	/* 1 for code < 512: the subtraction wraps and sets bit 31. */
	u32 in_range = (code - HV_NESTED_ROUTING_CODES) >> 31;
	u32 index = (code >> 3) & (HV_NESTED_ROUTING_BYTES - 1);
	u32 byte = hv_nested_routing[index];

	return (u64)((byte >> (code & 7)) & in_range) << 31;
}

/* ---- results ----------------------------------------------------------- */

/**
 * hv_result_status() - the HV_STATUS_* of a hypercall result
 * @result: the value a hv_do_*() function returned (RAX)
 *
 * Return: bits 15:0 of @result. U64_MAX (no hypercall page) gives 0xffff,
 * which is no status the hypervisor defines.
 */
static inline u16 hv_result_status(u64 result)
{
	return (u16)(result & HV_HYPERCALL_RESULT_MASK);
}

/**
 * hv_result_reps() - the reps completed a hypercall result reports
 * @result: the value a hv_do_*() function returned (RAX)
 *
 * Return: bits 43:32 of @result, counted from rep 0, not from the rep start.
 */
static inline u16 hv_result_reps(u64 result)
{
	return (u16)((result & HV_HYPERCALL_REP_COMP_MASK) >>
		     HV_HYPERCALL_REP_COMP_OFFSET);
}

/**
 * hv_result_success() - whether a hypercall result is HV_STATUS_SUCCESS
 * @result: the value a hv_do_*() function returned (RAX)
 *
 * Return: true when the status field is HV_STATUS_SUCCESS.
 */
static inline bool hv_result_success(u64 result)
{
	return hv_result_status(result) == HV_STATUS_SUCCESS;
}

/* ---- issuing ----------------------------------------------------------- */

/*
 * The two seams. hv_hypercall_pg is the hypercall page (the hypervisor's, or
 * a simulator's callable page); NULL until the caller sets it, and every
 * hv_do_*() then returns U64_MAX without issuing anything. hv_virt_to_phys
 * turns an input/output buffer into the GPA placed in RDX/R8; the default is
 * the identity (so NULL gives 0). A simulator whose guest memory is one
 * native range sets it to a function returning p - base. It is never called
 * with NULL: a NULL buffer is GPA 0.
 */
extern void *hv_hypercall_pg;
extern u64 (*hv_virt_to_phys)(const void *p);

u64 hv_do_hypercall(u64 control, void *input, void *output);
u64 hv_do_fast_hypercall8(u64 control, u64 input);
u64 hv_do_fast_hypercall16(u64 control, u64 input1, u64 input2);
u64 hv_do_rep_hypercall(u64 control, u16 rep_count, u16 varhead_size,
			void *input, void *output);

#endif /* _HV_ROUTING_H */
