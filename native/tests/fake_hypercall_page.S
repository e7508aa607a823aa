/*
 * fake_hypercall_page.S - a recording hypercall page (see the header)
 */
#include "fake_hypercall_page.h"

	.text

/*
 * fake_hypercall_page - record RCX, RDX, R8; answer from fake_results
 *
 * In: RCX control, RDX input, R8 output. Out: RAX = fake_results[n].
 * Preserves RBX, RBP, R12-R15 and RSP; poisons RCX, RDX, RSI, RDI, R8-R11
 * and XMM0-15.
 */
	.globl	fake_hypercall_page
	.type	fake_hypercall_page, @function
	.p2align 4
fake_hypercall_page:
	endbr64
	lea	8(%rsp), %rax
	test	$15, %al
	jz	1f
	incq	fake_misaligned(%rip)
1:
	mov	fake_calls(%rip), %rax
	incq	fake_calls(%rip)
	cmp	$FAKE_LOG_LEN - 1, %rax
	jbe	2f
	mov	$FAKE_LOG_LEN - 1, %eax
2:
	lea	fake_log_rcx(%rip), %r9
	mov	%rcx, (%r9,%rax,8)
	lea	fake_log_rdx(%rip), %r9
	mov	%rdx, (%r9,%rax,8)
	lea	fake_log_r8(%rip), %r9
	mov	%r8, (%r9,%rax,8)
	lea	fake_results(%rip), %r9
	mov	(%r9,%rax,8), %rax

	movabs	$FAKE_POISON, %rcx
	mov	%rcx, %rdx
	mov	%rcx, %rsi
	mov	%rcx, %rdi
	mov	%rcx, %r8
	mov	%rcx, %r9
	mov	%rcx, %r10
	mov	%rcx, %r11
	movq	%rcx, %xmm0
	punpcklqdq %xmm0, %xmm0
	movdqa	%xmm0, %xmm1
	movdqa	%xmm0, %xmm2
	movdqa	%xmm0, %xmm3
	movdqa	%xmm0, %xmm4
	movdqa	%xmm0, %xmm5
	movdqa	%xmm0, %xmm6
	movdqa	%xmm0, %xmm7
	movdqa	%xmm0, %xmm8
	movdqa	%xmm0, %xmm9
	movdqa	%xmm0, %xmm10
	movdqa	%xmm0, %xmm11
	movdqa	%xmm0, %xmm12
	movdqa	%xmm0, %xmm13
	movdqa	%xmm0, %xmm14
	movdqa	%xmm0, %xmm15
	ret
	.size	fake_hypercall_page, . - fake_hypercall_page

/*
 * fake_call_misaligned - call RDI(RSI, RDX, RCX, R8, R9) on a misaligned stack
 *
 * A C caller enters here with RSP + 8 a multiple of 16; calling on at once,
 * without adjusting RSP, enters the callee with RSP a multiple of 16.
 * Returns the callee's RAX.
 */
	.globl	fake_call_misaligned
	.type	fake_call_misaligned, @function
	.p2align 4
fake_call_misaligned:
	endbr64
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	mov	%rcx, %rdx
	mov	%r8, %rcx
	mov	%r9, %r8
	call	*%rax
	ret
	.size	fake_call_misaligned, . - fake_call_misaligned

	.bss
	.p2align 6
	.globl	fake_calls, fake_misaligned
	.globl	fake_log_rcx, fake_log_rdx, fake_log_r8, fake_results
fake_calls:
	.zero	8
fake_misaligned:
	.zero	8
fake_log_rcx:
	.zero	8 * FAKE_LOG_LEN
fake_log_rdx:
	.zero	8 * FAKE_LOG_LEN
fake_log_r8:
	.zero	8 * FAKE_LOG_LEN
fake_results:
	.zero	8 * FAKE_LOG_LEN

	.section .note.GNU-stack, "", @progbits
