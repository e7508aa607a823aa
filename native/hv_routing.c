/*
 * hv_routing.c - the nested routing bitmap and the hypercall issuing functions
 *
 * Build with -mno-red-zone. Every hypercall is an indirect "call" into the
 * hypercall page, made from inline assembly; the call pushes its return
 * address below the stack pointer, exactly where the x86-64 SysV red zone
 * lets the compiler keep live data in a function it believes to be a leaf.
 * The kernel is always built that way; user-space builds of this file must
 * be too (native/Makefile does it).
 */
#include <string.h>

#include "hv_routing.h"

/* ---- the routing table ------------------------------------------------- */

/* One cache line, written once at early init, read on every hypercall. */
u8 hv_nested_routing[HV_NESTED_ROUTING_BYTES] __aligned(64) __ro_after_init;

/*
 * The calls a nested root sends to L0: VMBus is served by the L0 host, so
 * its messages and events must go there ("or VMBus will fail"). The one
 * place this set is written down.
 */
static const u16 hv_nested_codes[] = {
	HVCALL_POST_MESSAGE,
	HVCALL_SIGNAL_EVENT,
};

_Static_assert(HVCALL_POST_MESSAGE < HV_NESTED_ROUTING_CODES &&
	       HVCALL_SIGNAL_EVENT < HV_NESTED_ROUTING_CODES,
	       "a nested code must have a bit in hv_nested_routing");

/**
 * hv_routing_set() - mark one call code as sent nested
 * @code: a normal call code, below HV_NESTED_ROUTING_CODES
 */
static void __init hv_routing_set(u16 code)
{
	hv_nested_routing[code >> 3] |= (u8)(1U << (code & 7));
}

/**
 * hv_routing_init() - build the routing table, once, at early init
 * @cpuid_40000004_eax: EAX of CPUID leaf 0x40000004 (enlightenment info)
 *
 * Clears the table, then, when EAX bit 12 ("running on a nested
 * hypervisor") is set, marks HvCallPostMessage and HvCallSignalEvent. Call
 * it before the first hypercall and before other CPUs run; the table is
 * read-only afterwards (__ro_after_init in the kernel). Calling it again
 * rebuilds the table from scratch, which tests rely on.
 */
void __init hv_routing_init(u32 cpuid_40000004_eax)
{
	size_t i;

	memset(hv_nested_routing, 0, sizeof(hv_nested_routing));
	if (!(cpuid_40000004_eax & HV_X64_HYPERV_NESTED))
		return;
	for (i = 0; i < ARRAY_SIZE(hv_nested_codes); i++)
		hv_routing_set(hv_nested_codes[i]);
}

/* ---- CPUID ------------------------------------------------------------- */

struct hv_cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

/**
 * hv_cpuid() - execute CPUID for one leaf, subleaf 0
 * @leaf: the leaf, loaded into EAX
 * @regs: receives EAX, EBX, ECX and EDX
 */
static void hv_cpuid(u32 leaf, struct hv_cpuid_regs *regs)
{
	__asm__ __volatile__("cpuid"
			     : "=a"(regs->eax), "=b"(regs->ebx),
			       "=c"(regs->ecx), "=d"(regs->edx)
			     : "a"(leaf), "c"(0));
}

/**
 * hv_cpuid_is_hyperv() - whether this CPU runs on the Hyper-V interface
 *
 * Checks, in order: CPUID.1:ECX bit 31 (a hypervisor is present; without it
 * the 0x4000000x leaves are not the hypervisor's), leaf 0x40000000 EAX (the
 * largest hypervisor leaf) reaching 0x40000004, and leaf 0x40000001 EAX
 * being the interface signature "Hv#1". The vendor string of 0x40000000 is
 * not checked: other hypervisors (KVM with Hyper-V enlightenments) offer
 * the Hyper-V interface under their own vendor.
 *
 * Return: true when the Hyper-V hypercall interface is offered.
 */
bool hv_cpuid_is_hyperv(void)
{
	struct hv_cpuid_regs regs;

	hv_cpuid(1, &regs);
	if (!(regs.ecx & BIT(31)))
		return false;
	hv_cpuid(HYPERV_CPUID_VENDOR_AND_MAX_FUNCTIONS, &regs);
	if (regs.eax < HYPERV_CPUID_ENLIGHTMENT_INFO)
		return false;
	hv_cpuid(HYPERV_CPUID_INTERFACE, &regs);
	return regs.eax == HV_CPUID_SIGNATURE_HV1;
}

/**
 * hv_routing_init_from_cpuid() - hv_routing_init() from the real CPUID
 *
 * Executes CPUID leaf 0x40000004 and builds the table from its EAX. It does
 * not check that the leaf exists: on hardware without Hyper-V the leaf
 * reads zero or whatever the CPU returns for an unimplemented leaf (Intel
 * parts repeat the highest basic leaf), which may have bit 12 set. Callers
 * on real systems check hv_cpuid_is_hyperv() first, as Linux checks the
 * Hyper-V signature before it reads any Hyper-V leaf.
 */
void __init hv_routing_init_from_cpuid(void)
{
	struct hv_cpuid_regs regs;

	hv_cpuid(HYPERV_CPUID_ENLIGHTMENT_INFO, &regs);
	hv_routing_init(regs.eax);
}

/* ---- the seams --------------------------------------------------------- */

void *hv_hypercall_pg;

/**
 * hv_identity_phys() - the default hv_virt_to_phys: the address itself
 * @p: a buffer address
 *
 * Return: @p as a number; 0 for NULL.
 */
static u64 hv_identity_phys(const void *p)
{
	return (u64)(uintptr_t)p;
}

u64 (*hv_virt_to_phys)(const void *p) = hv_identity_phys;

/**
 * hv_gpa() - the GPA of an input or output buffer
 * @p: the buffer, or NULL for none
 *
 * Return: 0 for NULL, else hv_virt_to_phys(@p).
 */
static inline u64 hv_gpa(const void *p)
{
	return p ? hv_virt_to_phys(p) : 0;
}

/* ---- the call into the page -------------------------------------------- */

/*
 * What the page may clobber. The Hyper-V convention preserves every
 * register but RAX (and the XMM registers of an XMM fast call), but the
 * page is not always Hyper-V's: in tests it is assembly, under HvCall's
 * simulator (libhvcall.so) it is compiled C#/C code, which follows the SysV
 * ABI. So the call is treated as a call: RAX out; RCX, RDX, R8 in and
 * clobbered ("+" operands; even Hyper-V rewrites RCX, the rep start index,
 * when it continues a rep call); RSI, RDI, R9, R10, R11 clobbered; RBX clobbered
 * because the sequence itself keeps the caller's RSP there (the page, a
 * SysV callee, preserves it); every vector register the compiler may use
 * (none under -mno-sse, as in the kernel; XMM0-15 with SSE; XMM16-31 and
 * the mask registers with AVX-512); flags; and memory, since the page reads
 * the input and writes the output buffers. x87/MMX registers are not
 * listed: nothing here holds a value in them across the call.
 */
#define HV_CLOBBERS_GPR	\
	"rbx", "rsi", "rdi", "r9", "r10", "r11", "cc", "memory"

#ifdef __SSE__
#define HV_CLOBBERS_SSE							\
	, "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7", \
	"xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15"
#else
#define HV_CLOBBERS_SSE
#endif

#ifdef __AVX512F__
#define HV_CLOBBERS_AVX512						\
	, "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", \
	"xmm23", "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", \
	"xmm30", "xmm31", "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7"
#else
#define HV_CLOBBERS_AVX512
#endif

#define HV_CLOBBERS	HV_CLOBBERS_GPR HV_CLOBBERS_SSE HV_CLOBBERS_AVX512

/**
 * hv_page_call() - call the hypercall page with the x64 registers loaded
 * @pg: the hypercall page, not NULL
 * @control: the control word, for RCX
 * @rdx: the input GPA, or the first fast input qword
 * @r8: the output GPA, or the second fast input qword
 *
 * RSP is aligned down to 16 bytes around the call, as the SysV ABI requires
 * at a call: a compiled page (the simulator's) may use aligned vector
 * stores, and at an inline asm statement RSP is only as aligned as the
 * compiler happened to leave it (a caller with 8-byte stack alignment, as
 * the kernel has, can make it off by 8). The original RSP waits in RBX,
 * which the page preserves. The kernel patch drops the alignment (the real
 * page is vmcall/vmmcall; ret) and uses CALL_NOSPEC with
 * ASM_CALL_CONSTRAINT, for retpolines and objtool.
 *
 * Return: RAX, the hypercall result.
 */
static __always_inline u64 hv_page_call(void *pg, u64 control, u64 rdx,
					u64 r8)
{
	register u64 r8_reg __asm__("r8") = r8;
	u64 result;

	__asm__ __volatile__("mov	%%rsp, %%rbx\n\t"
			     "and	$-16, %%rsp\n\t"
			     "call	*%[pg]\n\t"
			     "mov	%%rbx, %%rsp"
			     : "=a"(result), "+c"(control), "+d"(rdx),
			       "+r"(r8_reg)
			     : [pg] "r"(pg)
			     : HV_CLOBBERS);
	return result;
}

/**
 * hv_issue() - route and issue one hypercall
 * @control: the control word as the caller built it
 * @rdx: the value for RDX
 * @r8: the value for R8
 *
 * The single place every issuing function goes through: the routed nested
 * flag is ORed into the full 64-bit control word here, so no path can lose
 * it; a bit 31 the caller set stays set.
 *
 * Return: the hypercall result, or U64_MAX when hv_hypercall_pg is NULL
 * (as Linux returns; its status field 0xffff is no defined status, so
 * hv_result_success() is false).
 */
static __always_inline u64 hv_issue(u64 control, u64 rdx, u64 r8)
{
	void *pg = hv_hypercall_pg;

	if (!pg)
		return U64_MAX;
	return hv_page_call(pg, control | hv_nested_flag(control), rdx, r8);
}

/* ---- the issuing functions --------------------------------------------- */

/**
 * hv_do_hypercall() - a simple or variable hypercall through memory
 * @control: the control word: code, variable header size if any
 * @input: the input buffer (8-byte aligned GPA, not crossing a page), or NULL
 * @output: the output buffer, or NULL
 *
 * RCX = @control with its routed nested flag, RDX = GPA of @input, R8 = GPA
 * of @output; a NULL buffer is GPA 0 and is not passed to hv_virt_to_phys.
 *
 * Return: the hypercall result (RAX), or U64_MAX without a hypercall page.
 */
u64 hv_do_hypercall(u64 control, void *input, void *output)
{
	return hv_issue(control, hv_gpa(input), hv_gpa(output));
}

/**
 * hv_do_fast_hypercall8() - a fast hypercall with 8 bytes of input
 * @control: the full 64-bit control word (at least the code)
 * @input: the input qword, for RDX
 *
 * Sets the fast bit (16) and ORs in the routed nested flag. Unlike Linux's
 * hv_do_fast_hypercall8(u16 code, u64 input1), the control word is 64 bits
 * wide, so a nested bit 31 the caller set survives. R8 is zero.
 *
 * Return: the hypercall result (RAX), or U64_MAX without a hypercall page.
 */
u64 hv_do_fast_hypercall8(u64 control, u64 input)
{
	return hv_issue(control | HV_HYPERCALL_FAST_BIT, input, 0);
}

/**
 * hv_do_fast_hypercall16() - a fast hypercall with 16 bytes of input
 * @control: the full 64-bit control word (at least the code)
 * @input1: the first input qword, for RDX
 * @input2: the second input qword, for R8
 *
 * Return: the hypercall result (RAX), or U64_MAX without a hypercall page.
 */
u64 hv_do_fast_hypercall16(u64 control, u64 input1, u64 input2)
{
	return hv_issue(control | HV_HYPERCALL_FAST_BIT, input1, input2);
}

/* ---- rep calls --------------------------------------------------------- */

/**
 * hv_rep_args_valid() - whether a rep count and header size fit their fields
 * @rep_count: reps asked for
 * @varhead_size: variable header size in qwords
 *
 * A rep call needs 1..4095 reps (12 bits) and a header of at most 1023
 * qwords (10 bits). Out-of-range values are refused rather than truncated
 * or let spill: a header size of 0x4000 shifted to bit 17 would land on the
 * nested bit.
 *
 * Return: true when both fit.
 */
static bool hv_rep_args_valid(u16 rep_count, u16 varhead_size)
{
	return rep_count != 0 && rep_count <= HV_HYPERCALL_MAX_REP_COUNT &&
	       varhead_size <= HV_HYPERCALL_MAX_VARHEAD;
}

/**
 * hv_rep_control() - a control word with its rep fields set
 * @control: the caller's control word; its rep count, rep start and
 *	     variable header fields are replaced
 * @rep_count: reps asked for, 1..4095
 * @varhead_size: variable header size in qwords, 0..1023
 *
 * Return: @control with rep count = @rep_count, variable header size =
 * @varhead_size and rep start 0.
 */
static u64 hv_rep_control(u64 control, u16 rep_count, u16 varhead_size)
{
	control &= ~(HV_HYPERCALL_REP_COMP_MASK | HV_HYPERCALL_REP_START_MASK |
		     HV_HYPERCALL_VARHEAD_MASK);
	control |= (u64)varhead_size << HV_HYPERCALL_VARHEAD_OFFSET;
	control |= (u64)rep_count << HV_HYPERCALL_REP_COMP_OFFSET;
	return control;
}

/**
 * hv_rep_continues() - whether a rep call must be issued again
 * @result: the result of the last issue
 * @start: the rep start index it was issued with
 * @rep_count: reps asked for
 *
 * Continue while the status is SUCCESS and reps completed is below the rep
 * count. A result that made no progress (reps completed not above @start)
 * ends the loop too, rather than spinning on a broken hypervisor; the
 * caller sees hv_result_reps() < @rep_count.
 *
 * Return: true when the call is to be re-issued from hv_result_reps().
 */
static bool hv_rep_continues(u64 result, u16 start, u16 rep_count)
{
	u16 done = hv_result_reps(result);

	return hv_result_success(result) && done < rep_count && done > start;
}

/**
 * hv_do_rep_hypercall() - a rep hypercall, continued until every rep is done
 * @control: the control word (code; fast bit for an extended fast call)
 * @rep_count: reps asked for, 1..4095 (bits 43:32)
 * @varhead_size: variable header size in qwords, 0..1023 (bits 26:17)
 * @input: the input header and elements, or NULL
 * @output: the output elements, or NULL
 *
 * Issues the call with rep start 0. The hypervisor's own continuation
 * (RCX rewritten, RIP left on the VMCALL) normally completes it in one go;
 * when a result returns early with SUCCESS and fewer reps completed, the
 * call is re-issued with rep start (bits 59:48) = reps completed. The first
 * failure status ends the loop.
 *
 * Return: the last hypercall result; HV_STATUS_INVALID_HYPERCALL_INPUT,
 * without issuing anything, when @rep_count or @varhead_size does not fit
 * its field; U64_MAX without a hypercall page.
 */
u64 hv_do_rep_hypercall(u64 control, u16 rep_count, u16 varhead_size,
			void *input, void *output)
{
	u16 start = 0;
	u64 in, out, result;

	if (!hv_rep_args_valid(rep_count, varhead_size))
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	in = hv_gpa(input);
	out = hv_gpa(output);
	control = hv_rep_control(control, rep_count, varhead_size);
	for (;;) {
		u64 issued = control |
			     (u64)start << HV_HYPERCALL_REP_START_OFFSET;

		result = hv_issue(issued, in, out);
		if (!hv_rep_continues(result, start, rep_count))
			return result;
		start = hv_result_reps(result);
	}
}
