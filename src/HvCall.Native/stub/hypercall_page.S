# HvCall.Native hypercall page: see README.md beside this file. The 0x1122334455667788 immediate is patched with
# the entry point address when the page is overlaid.
	.intel_syntax noprefix
	.text
	.globl hypercall_page
hypercall_page:
	push rbp
	mov rbp, rsp
	sub rsp, 0x160
	mov [rsp+0x00], rcx
	mov [rsp+0x08], rdx
	mov [rsp+0x10], r8
	movdqu [rsp+0x18], xmm0
	movdqu [rsp+0x28], xmm1
	movdqu [rsp+0x38], xmm2
	movdqu [rsp+0x48], xmm3
	movdqu [rsp+0x58], xmm4
	movdqu [rsp+0x68], xmm5
	mov [rsp+0x80], rcx
	mov [rsp+0x88], rdx
	mov [rsp+0x90], rsi
	mov [rsp+0x98], rdi
	mov [rsp+0xa0], r8
	mov [rsp+0xa8], r9
	mov [rsp+0xb0], r10
	mov [rsp+0xb8], r11
	movdqu [rsp+0xc0], xmm6
	movdqu [rsp+0xd0], xmm7
	movdqu [rsp+0xe0], xmm8
	movdqu [rsp+0xf0], xmm9
	movdqu [rsp+0x100], xmm10
	movdqu [rsp+0x110], xmm11
	movdqu [rsp+0x120], xmm12
	movdqu [rsp+0x130], xmm13
	movdqu [rsp+0x140], xmm14
	movdqu [rsp+0x150], xmm15
	mov rdi, rsp
	movabs rax, 0x1122334455667788
	call rax
	movdqu xmm0, [rsp+0x18]
	movdqu xmm1, [rsp+0x28]
	movdqu xmm2, [rsp+0x38]
	movdqu xmm3, [rsp+0x48]
	movdqu xmm4, [rsp+0x58]
	movdqu xmm5, [rsp+0x68]
	movdqu xmm6, [rsp+0xc0]
	movdqu xmm7, [rsp+0xd0]
	movdqu xmm8, [rsp+0xe0]
	movdqu xmm9, [rsp+0xf0]
	movdqu xmm10, [rsp+0x100]
	movdqu xmm11, [rsp+0x110]
	movdqu xmm12, [rsp+0x120]
	movdqu xmm13, [rsp+0x130]
	movdqu xmm14, [rsp+0x140]
	movdqu xmm15, [rsp+0x150]
	mov rcx, [rsp+0x80]
	mov rdx, [rsp+0x88]
	mov rsi, [rsp+0x90]
	mov rdi, [rsp+0x98]
	mov r8, [rsp+0xa0]
	mov r9, [rsp+0xa8]
	mov r10, [rsp+0xb0]
	mov r11, [rsp+0xb8]
	leave
	ret
