/*
 * fake_hypercall_page.h - a recording hypercall page for the C tests
 *
 * fake_hypercall_page (fake_hypercall_page.S) stands where the hypervisor's
 * page would: call n (counted from 0) stores RCX, RDX and R8 into
 * fake_log_*[n] and returns fake_results[n] in RAX. Calls past the log's
 * end reuse its last slot. Before returning it overwrites every register a
 * SysV callee may clobber, so an issuer that kept a value there across the
 * call would be caught. It counts entries whose stack is not aligned as the
 * SysV ABI requires (RSP + 8 a multiple of 16) in fake_misaligned.
 */
#ifndef _FAKE_HYPERCALL_PAGE_H
#define _FAKE_HYPERCALL_PAGE_H

#define FAKE_LOG_LEN	8
#define FAKE_POISON	0xdeadbeefcafef00d

#ifndef __ASSEMBLER__
#include "hv_routing.h"

extern u64 fake_calls;
extern u64 fake_misaligned;
extern u64 fake_log_rcx[FAKE_LOG_LEN];
extern u64 fake_log_rdx[FAKE_LOG_LEN];
extern u64 fake_log_r8[FAKE_LOG_LEN];
extern u64 fake_results[FAKE_LOG_LEN];

/* The page itself; its convention is the hypercall's, not C's. */
extern char fake_hypercall_page[];

/*
 * Calls fn(a1, ..., a5) with RSP + 8 not a multiple of 16 at fn's entry, as
 * a caller with only 8-byte stack alignment (the kernel's) may. With fn the
 * page itself, the page must count it.
 */
u64 fake_call_misaligned(void (*fn)(void), u64 a1, u64 a2, u64 a3, u64 a4,
			 u64 a5);
#endif

#endif /* _FAKE_HYPERCALL_PAGE_H */
