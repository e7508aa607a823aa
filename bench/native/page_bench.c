/*
 * page_bench: C code calling libhvcall.so's hypercall page in a loop, through native/'s routing code, exactly as a
 * kernel's hv_do_hypercall() calls the real page.  Prints, per case, the best of RUNS timed loops of CALLS calls:
 *   RESULT <case> <ns/call>
 * Cases: get_partition_id on flat (L0) and nested (the root's call, handled by L1); a fast SignalEvent on an
 * unconnected id on flat (L0 answers INVALID_CONNECTION_ID) and nested (the table adds bit 31, L1 forwards to L0,
 * L0 answers); and the same nested SignalEvent with the control word precomputed (no routing decision), the floor
 * for the bitmap inside the real path.  Machines run with trace=off.
 *
 * Build: make -C bench/native LIBDIR=<dir with libhvcall.so> page_bench   (gcc -O2 -mno-red-zone)
 */
#define _POSIX_C_SOURCE 199309L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "hvcall.h"
#include "hv_routing.h"

#define RUNS 7
#define CALLS 200000
#define GUEST_OS_ID 0x8100000006000000ull
#define HYPERCALL_PAGE_GPA 0x1000ull
#define OUTPUT_GPA 0x3000ull
#define UNCONNECTED 0x2001ull

static uint8_t *guest_base;

/* virt_to_phys for libhvcall guest memory: the offset from GPA 0's native address. */
static u64 bench_virt_to_phys(const void *p)
{
	return (u64)((const uint8_t *)p - guest_base);
}

/* Monotonic nanoseconds. */
static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Creates a machine, binds VP 0, identifies the guest, enables the hypercall page and the routing from CPUID. */
static hvcall_machine *setup(const char *options)
{
	hvcall_machine *machine;
	uint32_t regs[4];

	if (hvcall_machine_create(options, &machine) != 0 || hvcall_bind_vp(machine, 0) != 0 ||
	    hvcall_wrmsr(HVCALL_MSR_GUEST_OS_ID, GUEST_OS_ID) != 0 ||
	    hvcall_wrmsr(HVCALL_MSR_HYPERCALL, HYPERCALL_PAGE_GPA | 1) != 0) {
		fprintf(stderr, "page_bench: setup failed: %s\n", hvcall_last_error());
		exit(1);
	}
	guest_base = hvcall_guest_memory(machine, NULL);
	hv_hypercall_pg = guest_base + HYPERCALL_PAGE_GPA;
	hv_virt_to_phys = bench_virt_to_phys;
	hvcall_cpuid(0x40000004, 0, regs);
	hv_routing_init(regs[0]);
	return machine;
}

/* The case's call, once; returns the result word. */
static u64 issue(int which)
{
	switch (which) {
	case 0:
		return hv_do_hypercall(HVCALL_GET_PARTITION_ID, NULL, guest_base + OUTPUT_GPA);
	case 1:
		return hv_do_fast_hypercall8(HVCALL_SIGNAL_EVENT, UNCONNECTED);
	default: {
		/* The nested SignalEvent without a routing decision: the control word as the bitmap would make it. */
		register u64 r8 __asm__("r8") = 0;
		u64 control = HVCALL_SIGNAL_EVENT | HV_HYPERCALL_FAST_BIT | HV_HYPERCALL_NESTED, input = UNCONNECTED, rax;

		__asm__ __volatile__("call *%[pg]"
			     : "=a"(rax), "+c"(control), "+d"(input), "+r"(r8)
			     : [pg] "r"(hv_hypercall_pg)
			     : "rsi", "rdi", "r9", "r10", "r11", "cc", "memory");
		return rax;
	}
	}
}

/* The best of RUNS loops of CALLS calls, in ns per call; checks the expected status on the way. */
static double time_case(int which, u16 expected)
{
	double best = 1e30;

	for (int run = 0; run < RUNS; run++) {
		double start = now_ns();

		for (int i = 0; i < CALLS; i++) {
			if (hv_result_status(issue(which)) != expected) {
				fprintf(stderr, "page_bench: case %d returned an unexpected status\n", which);
				exit(1);
			}
		}
		double ns = (now_ns() - start) / CALLS;

		if (ns < best)
			best = ns;
	}
	return best;
}

/* Runs every case and prints RESULT lines. */
int main(void)
{
	hvcall_machine *flat = setup("topology=flat,trace=off");

	printf("RESULT get_partition_id_flat %.2f\n", time_case(0, HV_STATUS_SUCCESS));
	printf("RESULT signal_event_flat %.2f\n", time_case(1, HV_STATUS_INVALID_CONNECTION_ID));
	hvcall_machine_destroy(flat);

	hvcall_machine *nested = setup("topology=nested,l2-guests=0,trace=off");

	printf("RESULT get_partition_id_nested %.2f\n", time_case(0, HV_STATUS_SUCCESS));
	printf("RESULT signal_event_nested %.2f\n", time_case(1, HV_STATUS_INVALID_CONNECTION_ID));
	printf("RESULT signal_event_nested_no_routing %.2f\n", time_case(2, HV_STATUS_INVALID_CONNECTION_ID));
	hvcall_machine_destroy(nested);
	return 0;
}
