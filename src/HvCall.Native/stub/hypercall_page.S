# HvCall.Native hypercall page: see README.md beside this file. The 0x1122334455667788 immediate is patched with
# the entry point address when the page is overlaid.
	.intel_syntax noprefix
	.text
	.globl hypercall_page
hypercall_page:
	push rbp
	mov rbp, rsp
	and rsp, -16
	sub rsp, 0x170
	mov qword ptr [rsp+0x00], 0
	mov [rsp+0x08], rcx
	mov [rsp+0x10], rdx
	mov [rsp+0x18], r8
	movdqu [rsp+0x20], xmm0
	movdqu [rsp+0x30], xmm1
	movdqu [rsp+0x40], xmm2
	movdqu [rsp+0x50], xmm3
	movdqu [rsp+0x60], xmm4
	movdqu [rsp+0x70], xmm5
	mov [rsp+0x90], rcx
	mov [rsp+0x98], rdx
	mov [rsp+0xa0], rsi
	mov [rsp+0xa8], rdi
	mov [rsp+0xb0], r8
	mov [rsp+0xb8], r9
	mov [rsp+0xc0], r10
	mov [rsp+0xc8], r11
	movdqu [rsp+0xd0], xmm6
	movdqu [rsp+0xe0], xmm7
	movdqu [rsp+0xf0], xmm8
	movdqu [rsp+0x100], xmm9
	movdqu [rsp+0x110], xmm10
	movdqu [rsp+0x120], xmm11
	movdqu [rsp+0x130], xmm12
	movdqu [rsp+0x140], xmm13
	movdqu [rsp+0x150], xmm14
	movdqu [rsp+0x160], xmm15
	mov rdi, rsp
	movabs rax, 0x1122334455667788
	call rax
	movdqu xmm0, [rsp+0x20]
	movdqu xmm1, [rsp+0x30]
	movdqu xmm2, [rsp+0x40]
	movdqu xmm3, [rsp+0x50]
	movdqu xmm4, [rsp+0x60]
	movdqu xmm5, [rsp+0x70]
	movdqu xmm6, [rsp+0xd0]
	movdqu xmm7, [rsp+0xe0]
	movdqu xmm8, [rsp+0xf0]
	movdqu xmm9, [rsp+0x100]
	movdqu xmm10, [rsp+0x110]
	movdqu xmm11, [rsp+0x120]
	movdqu xmm12, [rsp+0x130]
	movdqu xmm13, [rsp+0x140]
	movdqu xmm14, [rsp+0x150]
	movdqu xmm15, [rsp+0x160]
	mov rcx, [rsp+0x90]
	mov rdx, [rsp+0x98]
	mov rsi, [rsp+0xa0]
	mov rdi, [rsp+0xa8]
	mov r8, [rsp+0xb0]
	mov r9, [rsp+0xb8]
	mov r10, [rsp+0xc0]
	mov r11, [rsp+0xc8]
	leave
	ret
