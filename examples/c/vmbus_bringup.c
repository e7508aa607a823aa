/*
 * vmbus_bringup.c - bring up VMBus on a simulated Hyper-V machine, as Linux
 *
 *	vmbus_bringup OPTIONS [--routing-off]
 *
 * OPTIONS is hvcall_machine_create()'s option string ("topology=nested",
 * "topology=flat", "topology=flat,vps=2", "" for the defaults). The program
 * binds VP 0, writes GUEST_OS_ID and HYPERCALL (the hypercall page appears
 * at GPA 0x1000), builds native/'s routing table from CPUID 0x40000004 EAX
 * (--routing-off: hv_routing_init(0), the ablation), enables the SynIC
 * through the routed MSRs and runs the VMBus control protocol through the
 * page: INITIATE_CONTACT newest version first, REQUESTOFFERS, the offers,
 * one fast SignalEvent per offer, UNLOAD.
 *
 * Exit: 0 connected; 3 no version accepted (a nested root without the
 * routing table: every INITIATE_CONTACT fails with INVALID_CONNECTION_ID);
 * 1 another failure; 2 usage or library error.
 */
#include <stdio.h>
#include <string.h>

#include "hv_trace.h"
#include "vmbus_client.h"

/**
 * print_trace() - what the hypervisors saw: the VMBus calls, and who handled
 * them
 * @m: the machine
 */
static void print_trace(hvcall_machine *m)
{
	unsigned int i, vmbus = 0, nested = 0, l0 = 0;
	struct hv_trace t;

	if (hv_trace_read(m, &t)) {
		printf("trace: unavailable (%s)\n", hvcall_last_error());
		return;
	}
	for (i = 0; i < t.count; i++) {
		const struct hv_trace_entry *e = &t.entries[i];

		if (e->code != HVCALL_POST_MESSAGE &&
		    e->code != HVCALL_SIGNAL_EVENT)
			continue;
		vmbus++;
		nested += e->nested;
		l0 += !strcmp(e->handled_by, "L0");
	}
	printf("trace: %u hypercalls; PostMessage/SignalEvent %u, ", t.count,
	       vmbus);
	printf("with the nested bit %u, handled by L0 %u\n", nested, l0);
	hv_trace_free(&t);
}

int main(int argc, char **argv)
{
	struct vmbus_report report;
	hvcall_machine *m = NULL;
	struct hv_guest g;
	bool routing = true;
	int rc;

	if (argc < 2 || argc > 3 ||
	    (argc == 3 && strcmp(argv[2], "--routing-off"))) {
		fprintf(stderr, "usage: %s OPTIONS [--routing-off]\n"
			"  OPTIONS: e.g. topology=nested or topology=flat\n",
			argv[0]);
		return 2;
	}
	if (argc == 3)
		routing = false;
	if (hvcall_abi_version() != HVCALL_ABI_VERSION) {
		fprintf(stderr, "libhvcall ABI %d, header %d\n",
			hvcall_abi_version(), HVCALL_ABI_VERSION);
		return 2;
	}
	rc = hvcall_machine_create(argv[1], &m);
	if (rc) {
		fprintf(stderr, "hvcall_machine_create(\"%s\"): %d: %s\n",
			argv[1], rc, hvcall_last_error());
		return 2;
	}
	if (hv_guest_setup(&g, m, 0, routing)) {
		fprintf(stderr, "setup: %s\n", hv_guest_error);
		hvcall_machine_destroy(m);
		return 2;
	}
	printf("machine \"%s\", routing table %s\n", argv[1],
	       routing ? "from CPUID" : "off (hv_routing_init(0))");
	rc = vmbus_bringup(&g, &report);
	vmbus_report_print(&report, &g, stdout);
	print_trace(m);
	printf("%s\n", rc == VMBUS_CONNECTED ? "connected" : "not connected");
	hvcall_machine_destroy(m);
	return rc;
}
